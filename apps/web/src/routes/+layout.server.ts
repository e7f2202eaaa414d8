// Every page's data: the signed-in user, and the upload limits the import forms check a chosen
// file against before sending it (lib/upload.ts).
import { env } from '$env/dynamic/private';
import { uploadLimits } from '$lib/server/upload-limit';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
  user: locals.user,
  uploadLimits: uploadLimits(env.BODY_SIZE_LIMIT),
});

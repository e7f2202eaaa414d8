// Every page's data: the signed-in user, the upload limits the import forms check a chosen file
// against before sending it (lib/upload.ts), and the success message an action left for the page
// it redirected to (shown once).
import { env } from '$env/dynamic/private';
import { takeFlash } from '$lib/server/flash';
import { uploadLimits } from '$lib/server/upload-limit';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, cookies, url }) => {
  // Reading the path makes this load run on every navigation, so the next page no longer has the
  // message (SvelteKit reruns a load when what it read changes).
  void url.pathname;
  return {
    user: locals.user,
    uploadLimits: uploadLimits(env.BODY_SIZE_LIMIT),
    flash: takeFlash(cookies),
  };
};

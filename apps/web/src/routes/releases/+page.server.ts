// /releases has no page of its own: releases live on each automation's Releases tab and in the
// pipelines view.
import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/pipelines');

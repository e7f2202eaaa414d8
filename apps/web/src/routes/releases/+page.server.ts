// /releases has no list of its own: releases live on each automation's Releases tab, each on its
// own page (/releases/[id]: notes, approvals, comments) and in the pipelines view.
import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/pipelines');

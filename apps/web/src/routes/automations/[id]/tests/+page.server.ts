// An automation's Tests tab (issue 15): its conversation test suite (YAML or JSON, edited here by
// editors; a mistake is named by its path), and running it on the working copy or a version with
// an environment's values: results, transcripts of what did not pass, coverage.
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { text, texts } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const shown = await locals.api.tests.show({ automation: params.id });
    const environments = (await locals.api.environments.list()).map((e) => e.name);
    return { suite: shown.suite, environments };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  save: async ({ request, locals, params }) => {
    const values = texts(await request.formData(), 'text');
    try {
      const stored = await locals.api.tests.set({ automation: params.id, text: values.text });
      return { form: 'save', saved: stored.tests.length };
    } catch (e) {
      return actionFailure(e, 'save', values, []);
    }
  },

  run: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = texts(form, 'env', 'version');
    try {
      const run = await locals.api.tests.run({
        automation: params.id,
        ...(values.env.trim() && { env: values.env }),
        ...(values.version.trim() && { version: values.version }),
        ...(text(form, 'text').trim() && { text: text(form, 'text') }),
      });
      return { form: 'run', run };
    } catch (e) {
      return actionFailure(e, 'run', values, ['env', 'version']);
    }
  },
} satisfies Actions;

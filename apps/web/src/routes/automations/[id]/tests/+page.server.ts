// An automation's Tests tab (issue 15): its conversation test suite (YAML or JSON, edited here by
// editors; a mistake is named by its path), and running it on the working copy or a version with
// an environment's values: results, transcripts of what did not pass, coverage. "Try it" talks to
// the working copy or a version (the conversation so far travels in the form: the server keeps no
// chat state), and "Save as test" appends the conversation to the suite.
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

  chat: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = texts(form, 'say', 'version');
    const messages = [...form.getAll('message').map(String), values.say.trim()].filter(Boolean);
    try {
      const chat = await locals.api.tests.chat({
        automation: params.id,
        messages,
        ...(values.version.trim() && { version: values.version.trim() }),
      });
      return { form: 'chat', chat, messages, version: values.version.trim() };
    } catch (e) {
      return actionFailure(e, 'chat', values, ['version']);
    }
  },

  saveChat: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = texts(form, 'name', 'version');
    const messages = form.getAll('message').map(String);
    try {
      const saved = await locals.api.tests.append({
        automation: params.id,
        name: values.name,
        messages,
        ...(values.version.trim() && { version: values.version.trim() }),
      });
      return { form: 'saveChat', savedTest: saved.test.name };
    } catch (e) {
      return actionFailure(e, 'saveChat', values, ['name']);
    }
  },
} satisfies Actions;

// One environment: its variables (secrets masked; an admin may reveal them, which the API audits),
// CB's Bulk Add of pasted key=value lines, CSV import and export, the automations linked to it,
// and (admins) every change to them.
import { fail } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { can } from '$lib/can';
import { nestedActionFailure } from '$lib/admin/failure';
import { actionFailure, loadFailure, type FormFailure } from '$lib/server/api-errors';
import { checkbox, chosenFile, text } from '$lib/server/forms';
import { uploadedForm } from '$lib/server/upload-limit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const [environment, automations] = await Promise.all([
      locals.api.environments.show({ environment: params.id }),
      // Only admins link automations: nobody else needs the list of candidates.
      can(locals.user, 'admin') ? locals.api.automations.list() : Promise.resolve([]),
    ]);
    return {
      environment,
      automations: automations.map((a) => ({ id: a.id, name: a.name, environment: a.environment })),
    };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  rename: async ({ request, locals, params }) => {
    const name = text(await request.formData(), 'name');
    try {
      const renamed = await locals.api.environments.rename({ environment: params.id, name });
      return { form: 'rename', renamed: renamed.name };
    } catch (e) {
      return actionFailure(e, 'rename', { name }, ['name']);
    }
  },

  /** Adds a variable; a key the environment already has is refused (edit it instead). */
  add: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = {
      key: text(form, 'key').trim(),
      value: text(form, 'value'),
      secret: checkbox(form, 'secret'),
    };
    try {
      const current = await locals.api.environments.show({ environment: params.id });
      if (current.variables.some((v) => v.key === values.key))
        return fail(409, {
          form: 'add',
          values,
          errors: { key: `${values.key} is already defined; edit it instead.` },
        } satisfies FormFailure as FormFailure);
      await locals.api.environments.set({
        environment: params.id,
        variables: [{ key: values.key, value: values.value, secret: values.secret === 'on' }],
      });
      return { form: 'add', added: values.key };
    } catch (e) {
      return nestedActionFailure(e, 'add', values, ['key', 'value']);
    }
  },

  edit: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = {
      key: text(form, 'key'),
      value: text(form, 'value'),
      secret: checkbox(form, 'secret'),
    };
    try {
      // A secret's value is shown as its mask: sent back unchanged, the API keeps the stored value.
      // Made non-secret, the mask would become the value, so ask for the real one.
      const current = await locals.api.environments.show({ environment: params.id });
      const old = current.variables.find((v) => v.key === values.key);
      if (old?.secret && values.secret !== 'on' && values.value === old.value)
        return fail(400, {
          form: 'edit',
          values,
          errors: { value: 'Type the value to store it as a non-secret variable.' },
        } satisfies FormFailure as FormFailure);
      await locals.api.environments.set({
        environment: params.id,
        variables: [{ key: values.key, value: values.value, secret: values.secret === 'on' }],
      });
      return { form: 'edit', edited: values.key };
    } catch (e) {
      return nestedActionFailure(e, 'edit', values, ['key', 'value']);
    }
  },

  remove: async ({ request, locals, params }) => {
    const key = text(await request.formData(), 'key');
    try {
      await locals.api.environments.unset({ environment: params.id, keys: [key] });
      return { form: 'remove', removed: key };
    } catch (e) {
      return actionFailure(e, 'remove', {}, []);
    }
  },

  /** The secret values, for this answer only (an admin's reveal, audited by the API). */
  reveal: async ({ locals, params }) => {
    try {
      const shown = await locals.api.environments.show({ environment: params.id, reveal: true });
      const secrets: Record<string, string> = {};
      for (const v of shown.variables) if (v.secret) secrets[v.key] = v.value;
      return { form: 'reveal', secrets };
    } catch (e) {
      return actionFailure(e, 'reveal', {}, []);
    }
  },

  import: async ({ request, locals, params }) => {
    const read = await uploadedForm(request, env.BODY_SIZE_LIMIT);
    if ('tooLarge' in read)
      return fail(413, {
        form: 'import',
        errors: { file: read.tooLarge },
      } satisfies FormFailure as FormFailure);
    const form = read.form;
    const file = chosenFile(form, 'file');
    const values = {
      mode: text(form, 'mode') === 'replace' ? 'replace' : 'merge',
      format: text(form, 'format') === 'lines' ? 'lines' : 'csv',
    } as const;
    if (!file)
      return fail(400, {
        form: 'import',
        values,
        errors: { file: 'Choose a CSV file to import.' },
      } satisfies FormFailure as FormFailure);
    try {
      const imported = await locals.api.environments.importCsv({
        environment: params.id,
        csv: await file.text(),
        ...values,
      });
      return {
        form: 'import',
        imported: {
          added: imported.added.length,
          updated: imported.updated.length,
          removed: imported.removed.length,
          unchanged: imported.unchanged,
        },
      };
    } catch (e) {
      // The API names the bad line ("csv line 3: …; nothing was imported."): shown at the file.
      const failure = actionFailure(e, 'import', values, ['csv']);
      const errors = failure.data.errors;
      return errors?.csv
        ? fail(failure.status, { ...failure.data, errors: { file: errors.csv } })
        : failure;
    }
  },

  /**
   * CB's Bulk Add: pasted `key=value` lines. All or nothing: the API checks every line and names
   * each bad one (shown at the text, which is kept); "Secret" marks every listed variable secret.
   */
  bulk: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = { lines: text(form, 'lines'), secret: checkbox(form, 'secret') };
    if (values.lines.trim() === '')
      return fail(400, {
        form: 'bulk',
        values,
        errors: { lines: 'Paste at least one line: a variable name, =, and its value.' },
      } satisfies FormFailure as FormFailure);
    try {
      const done = await locals.api.environments.importLines({
        environment: params.id,
        lines: values.lines,
        ...(values.secret === 'on' && { secret: true }),
      });
      return {
        form: 'bulk',
        bulk: {
          added: done.added.length,
          updated: done.updated.length,
          unchanged: done.unchanged,
        },
      };
    } catch (e) {
      return actionFailure(e, 'bulk', values, ['lines']);
    }
  },

  link: async ({ request, locals, params }) => {
    const automation = text(await request.formData(), 'automation');
    try {
      const linked = await locals.api.environments.link({ automation, environment: params.id });
      return { form: 'link', linked: linked.automation.name };
    } catch (e) {
      return actionFailure(e, 'link', { automation }, ['automation']);
    }
  },

  unlink: async ({ request, locals }) => {
    const automation = text(await request.formData(), 'automation');
    try {
      const unlinked = await locals.api.environments.unlink({ automation });
      return { form: 'unlink', unlinked: unlinked.automation.name };
    } catch (e) {
      return actionFailure(e, 'unlink', {}, []);
    }
  },
} satisfies Actions;

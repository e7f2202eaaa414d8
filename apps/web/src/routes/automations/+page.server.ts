// The dashboard: every automation, and (for roles that may edit) create one or import a CB export
// (chosen or dropped); admins may delete one.
import { fail, redirect } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { actionFailure, loadFailure, type FormFailure } from '$lib/server/api-errors';
import { importSource, text, texts } from '$lib/server/forms';
import { flash } from '$lib/server/flash';
import { uploadedForm } from '$lib/server/upload-limit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { automations: await locals.api.automations.list() };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  create: async ({ request, locals, cookies, url }) => {
    const name = text(await request.formData(), 'name');
    let created: { id: string; name: string };
    try {
      created = await locals.api.automations.create({ name });
    } catch (e) {
      return actionFailure(e, 'create', { name }, ['name']);
    }
    flash(cookies, url, `Created the automation “${created.name}”.`);
    redirect(303, `/automations/${created.id}`);
  },

  import: async ({ request, locals, cookies, url }) => {
    // A file over the limit is refused by the page before it is sent; a body the server refuses
    // anyway (no JavaScript) is answered on the page, at the file.
    const read = await uploadedForm(request, env.BODY_SIZE_LIMIT);
    if ('tooLarge' in read)
      return fail(413, {
        form: 'import',
        errors: { file: read.tooLarge },
      } satisfies FormFailure as FormFailure);
    const source = importSource(read.form);
    if (!source)
      return fail(400, {
        form: 'import',
        errors: { file: 'Choose a CB export file (.json).' },
      } satisfies FormFailure as FormFailure);
    let imported: { id: string; name: string; warnings: { path: string; message: string }[] };
    try {
      imported =
        source.kind === 'synced'
          ? await locals.api.sync.commit({ root: source.root, botName: source.botName })
          : await locals.api.automations.import({ document: await source.file.text() });
    } catch (e) {
      // The API names the offending part of the document (`document.groups[0]`…): shown at the file.
      return actionFailure(e, 'import', {}, ['document']);
    }
    // An import that kept something it reports (an orphan interaction) stays here to say so.
    if (imported.warnings.length > 0)
      return {
        form: 'import',
        imported: { id: imported.id, name: imported.name },
        warnings: imported.warnings,
      };
    flash(cookies, url, `Imported “${imported.name}”.`);
    redirect(303, `/automations/${imported.id}`);
  },

  /** Deleting is for good: the user types the automation's name to confirm (checked here too). */
  delete: async ({ request, locals }) => {
    const values = texts(await request.formData(), 'automation', 'confirm');
    const { automation, confirm } = values;
    try {
      const { name } = await locals.api.automations.show({ automation });
      if (confirm !== name)
        return fail(400, {
          form: 'delete',
          values,
          errors: { confirm: `Type the automation's name, “${name}”, to confirm.` },
        } satisfies FormFailure as FormFailure);
      const deleted = await locals.api.automations.delete({ automation });
      return { form: 'delete', deleted: deleted.name };
    } catch (e) {
      return actionFailure(e, 'delete', values, []);
    }
  },
} satisfies Actions;

// One automation's opened dialog (`?dialog=<id>`): its interactions, readable, and for roles that
// may edit with each one's raw JSON for the edit form; and the page's edit actions. The dialog list
// and versions come from (content)/+layout.server.ts, the header from [id]/+layout.server.ts: an
// edit reloads only the loads whose data it changed. Every edit carries the revision the page
// showed: an edit based on an older one is refused as stale and the page keeps what was typed
// (DESIGN.md rule 10).
import { plural } from '@ferry/core/rules';
import type { JsonObject as CoreJsonObject } from '@ferry/core';
import { newInteraction, readableDialog, readableInteraction } from '@ferry/core';
import { fail } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { applyFieldEdits, moved, parseContent } from '$lib/editing/interaction-fields';
import { kindOf, placeOf, placeText, specOf } from '$lib/editing/new-interaction-form';
import { actionFailure, apiFailure, loadFailure } from '$lib/server/api-errors';
import { editFailure, fieldFailure, staleFailure } from '$lib/server/edit-failure';
import { check, importSource, required, revisionOf, text } from '$lib/server/forms';
import { uploadedForm } from '$lib/server/upload-limit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url, depends }) => {
  depends('ferry:dialog');
  const dialogId = url.searchParams.get('dialog');
  if (!dialogId) return { opened: null, integrations: [], missing: null };
  try {
    // For roles that may edit, the raw JSON travels with each interaction (the edit form starts
    // from it), and the integrations an added interaction may call. Others get the readable view.
    const editable = locals.user?.permissions.includes('edit') ?? false;
    const [read, integrations] = await Promise.all([
      locals.api.automations.dialog({ automation: params.id, dialogId }),
      editable ? locals.api.automations.integrations({ automation: params.id }) : null,
    ]);
    return {
      opened: {
        ...readableDialog(read.dialog),
        revision: read.revision,
        interactions: read.interactions.map((raw) => ({
          ...readableInteraction(raw),
          raw: editable ? raw : undefined,
        })),
      },
      integrations: integrations?.integrations ?? [],
      missing: null,
    };
  } catch (e) {
    // A link to a dialog deleted since: the page says so and shows the list.
    if (apiFailure(e)?.code === 'NOT_FOUND' && apiFailure(e)?.field === 'dialogId')
      return { opened: null, integrations: [], missing: dialogId };
    loadFailure(e);
  }
};

/** The version that keeps the working copy a restore or an import replaced, for the page to link. */
const keptAs = (v: { number: number; name: string }) => ({ number: v.number, name: v.name });

/** Editing procedures require the revision the page showed (DESIGN.md rule 10); 0 is refused by the
 *  API as a field error. */
const requiredRevision = (form: FormData) => revisionOf(form) ?? 0;
/** Every typed value of a form (all but the revision), to put back into its inputs on failure. */
const typed = (form: FormData): Record<string, string> =>
  Object.fromEntries(
    [...form.entries()]
      .filter(([key, value]) => key !== 'baseRevision' && typeof value === 'string')
      .map(([key, value]) => [key, String(value)]),
  );

export const actions = {
  save: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = { name: text(form, 'name'), description: text(form, 'description') };
    try {
      const saved = await locals.api.versions.save({
        automation: params.id,
        name: values.name,
        description: values.description,
        baseRevision: revisionOf(form),
      });
      return { form: 'save', done: `Saved version #${saved.number} “${saved.name}”.` };
    } catch (e) {
      return editFailure(e, 'save', values, ['name', 'description']);
    }
  },

  restore: async ({ request, locals, params }) => {
    const form = await request.formData();
    const version = Number(form.get('version'));
    try {
      const restored = await locals.api.versions.restore({
        automation: params.id,
        version,
        baseRevision: revisionOf(form),
      });
      return {
        form: 'restore',
        done: `Restored #${restored.restored.number}. The previous working copy was saved as #${restored.backup.number}.`,
        kept: keptAs(restored.backup),
      };
    } catch (e) {
      return editFailure(e, 'restore', { version: String(version) }, []);
    }
  },

  /**
   * A CB export file as the new working copy. The API keeps the current one as an automatic
   * version first unless a saved version holds it (DESIGN.md rule 15); the message says which.
   */
  importInto: async ({ request, locals, params }) => {
    const read = await uploadedForm(request, env.BODY_SIZE_LIMIT);
    if ('tooLarge' in read) return fieldFailure('importInto', {}, 'document', read.tooLarge);
    const form = read.form;
    const source = importSource(form);
    if (!source)
      return fieldFailure('importInto', {}, 'document', 'Choose a CB export file (.json).');
    const file = { name: source.fileName };
    try {
      const target = { into: params.id, baseRevision: revisionOf(form) };
      const imported =
        source.kind === 'synced'
          ? await locals.api.sync.commit({ root: source.root, botName: source.botName, ...target })
          : await locals.api.automations.import({ document: await source.file.text(), ...target });
      return {
        form: 'importInto',
        warnings: imported.warnings,
        done: imported.backup
          ? `Imported ${file.name}. The previous working copy was kept as version #${imported.backup.number} “${imported.backup.name}”.`
          : `Imported ${file.name}. Nothing needed keeping: a saved version already holds the previous working copy, or it is unchanged.`,
        ...(imported.backup && { kept: keptAs(imported.backup) }),
      };
    } catch (e) {
      // The API names the offending part of the document (`document.groups[0]`…): shown at the file.
      return editFailure(e, 'importInto', {}, ['document']);
    }
  },

  /** Pin a version (the retention policy never prunes it) or unpin it; the revision stays. */
  pin: async ({ request, locals, params }) => {
    const form = await request.formData();
    const version = Number(form.get('version'));
    const pinned = form.get('pinned') === 'true';
    try {
      const v = await locals.api.versions.pin({ automation: params.id, version, pinned });
      const label = `#${v.number} “${v.name}”`;
      return {
        form: 'pin',
        done: pinned
          ? `Pinned ${label}: the retention policy never prunes it.`
          : v.automatic
            ? `Unpinned ${label}. As an automatic version, the retention policy may prune it.`
            : `Unpinned ${label}. Saved versions are never pruned.`,
      };
    } catch (e) {
      return actionFailure(e, 'pin', { version: String(version) }, []);
    }
  },

  /** Rename the automation (its releases, versions and environment stay). */
  rename: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = { name: text(form, 'name') };
    const before = text(form, 'current');
    try {
      const renamed = await locals.api.automations.rename({
        automation: params.id,
        name: values.name,
        baseRevision: revisionOf(form),
      });
      return { form: 'rename', done: `Renamed “${before}” to “${renamed.name}”.` };
    } catch (e) {
      return editFailure(e, 'rename', values, ['name']);
    }
  },

  deleteVersion: async ({ request, locals, params }) => {
    const form = await request.formData();
    const version = Number(form.get('version'));
    try {
      const { deleted } = await locals.api.versions.delete({ automation: params.id, version });
      return {
        form: 'deleteVersion',
        done: `Deleted version #${deleted.number} “${deleted.name}”.`,
      };
    } catch (e) {
      return actionFailure(e, 'deleteVersion', { version: String(version) }, []);
    }
  },

  addDialog: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = typed(form);
    try {
      const added = await locals.api.editing.addDialog({
        automation: params.id,
        baseRevision: requiredRevision(form),
        dialog: { name: values.name ?? '' },
      });
      return {
        form: 'addDialog',
        done: `Added dialog “${added.dialogName}”.`,
        dialogId: added.dialogId,
      };
    } catch (e) {
      // The API names the dialog's fields `dialog.name`: shown at the Name field.
      return editFailure(e, 'addDialog', values, ['dialog']);
    }
  },

  renameDialog: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = typed(form);
    try {
      const renamed = await locals.api.editing.renameDialog({
        automation: params.id,
        baseRevision: requiredRevision(form),
        dialogId: values.dialogId ?? '',
        name: values.name ?? '',
      });
      return {
        form: 'renameDialog',
        done: `Renamed dialog “${renamed.from ?? ''}” to “${renamed.dialogName}”.`,
      };
    } catch (e) {
      return editFailure(e, 'renameDialog', values, ['name']);
    }
  },

  deleteDialog: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = typed(form);
    try {
      const deleted = await locals.api.editing.deleteDialog({
        automation: params.id,
        baseRevision: requiredRevision(form),
        dialogId: values.dialogId ?? '',
      });
      return {
        form: 'deleteDialog',
        done: `Deleted dialog “${values.dialogName ?? ''}” and its ${plural(deleted.removedInteractions, 'interaction')}.`,
      };
    } catch (e) {
      return editFailure(e, 'deleteDialog', values, []);
    }
  },

  /** An interaction of any kind the form offers, at the place chosen (core builds its JSON). */
  addInteraction: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = typed(form);
    const name = check(required, values.name ?? '', 'name');
    if (!name.ok) return fieldFailure('addInteraction', values, 'name', name.message);
    const place = placeOf(values);
    if (!place.ok) return fieldFailure('addInteraction', values, 'anchor', place.message);
    try {
      const kind = kindOf(values.type);
      // The integration chosen, by id, from the working copy's integrations as they are now.
      const integrations =
        kind.type === 'API_INTEGRATION'
          ? (await locals.api.automations.integrations({ automation: params.id })).integrations
          : [];
      const interaction = newInteraction(specOf(values, integrations));
      if (!interaction.ok)
        return fieldFailure(
          'addInteraction',
          values,
          interaction.error.path ?? 'type',
          interaction.error.message,
        );
      await locals.api.editing.addInteraction({
        automation: params.id,
        baseRevision: requiredRevision(form),
        dialogId: values.dialogId ?? '',
        interaction: interaction.value,
        ...place.place,
      });
      return {
        form: 'addInteraction',
        done: `Added the ${kind.label.toLowerCase()} interaction “${name.value}” ${placeText(values)}.`,
      };
    } catch (e) {
      // A neighbour deleted since the page showed it: said at the position's interaction field.
      const failure = apiFailure(e);
      if (
        failure?.code === 'NOT_FOUND' &&
        (failure.field === 'before' || failure.field === 'after')
      )
        return fieldFailure('addInteraction', values, 'anchor', failure.message);
      return editFailure(e, 'addInteraction', values, []);
    }
  },

  editInteraction: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = typed(form);
    const parsed = parseContent(values.content ?? '');
    if (!parsed.ok) return fieldFailure('editInteraction', values, 'content', parsed.message);
    const edits = Object.entries(values)
      .filter(([key]) => key.startsWith('field.'))
      .map(([key, value]) => {
        const path = key.slice('field.'.length);
        return { path, value, shown: values[`shown.${path}`] ?? value };
      });
    const interactionId = values.interactionId ?? '';
    const interaction = applyFieldEdits(parsed.interaction, interactionId, edits);
    try {
      await locals.api.editing.updateInteraction({
        automation: params.id,
        baseRevision: requiredRevision(form),
        dialogId: values.dialogId ?? '',
        interaction: { ...(interaction as CoreJsonObject), id: interactionId },
      });
      const name = typeof interaction.name === 'string' ? interaction.name : interactionId;
      return { form: 'editInteraction', done: `Saved interaction “${name}”.` };
    } catch (e) {
      return editFailure(e, 'editInteraction', values, ['content']);
    }
  },

  deleteInteraction: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = typed(form);
    try {
      await locals.api.editing.deleteInteraction({
        automation: params.id,
        baseRevision: requiredRevision(form),
        dialogId: values.dialogId ?? '',
        interactionId: values.interactionId ?? '',
      });
      return {
        form: 'deleteInteraction',
        done: `Deleted interaction “${values.interactionName ?? ''}”.`,
      };
    } catch (e) {
      return editFailure(e, 'deleteInteraction', values, []);
    }
  },

  move: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = typed(form);
    const interactionId = values.interactionId ?? '';
    const by = values.direction === 'up' ? -1 : 1;
    try {
      // The dialog's order as stored now (the page does not send it: a dialog may be long); an
      // order read after someone else's change is refused below as stale anyway.
      const { interactions, revision } = await locals.api.automations.dialog({
        automation: params.id,
        dialogId: values.dialogId ?? '',
      });
      if (revision !== revisionOf(form)) return staleFailure('move', values);
      const order = interactions.map((i) => String(i.id));
      const next = moved(order, interactionId, by);
      if (!next) return fail(400, { form: 'move', values, error: 'It cannot move that way.' });
      await locals.api.editing.reorderInteractions({
        automation: params.id,
        baseRevision: requiredRevision(form),
        dialogId: values.dialogId ?? '',
        interactionIds: next,
      });
      return {
        form: 'move',
        done: `Moved “${values.interactionName ?? ''}” ${by < 0 ? 'up' : 'down'}.`,
      };
    } catch (e) {
      return editFailure(e, 'move', values, []);
    }
  },
} satisfies Actions;

// Every pipeline: automations connected by releases (Dev → Staging → Prod), in stage order; and
// promotion (DESIGN.md rule 9): the release a stage accepted, offered onward to the next automation
// with the same content, as `ferry release promote` does.
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { checkbox, texts } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    const mayPromote = locals.user?.permissions.includes('create-release') ?? false;
    const [pipelines, automations] = await Promise.all([
      locals.api.releases.pipelines(),
      // Where a release may be promoted to: any automation (only for those who may promote).
      mayPromote ? locals.api.automations.list() : [],
    ]);
    return {
      pipelines,
      automations: automations.map((a) => ({
        id: a.id,
        name: a.name,
        pending: a.pendingRelease?.version ?? null,
      })),
    };
  } catch (e) {
    loadFailure(e);
  }
};

const FIELDS = ['to', 'version', 'description'] as const;

export const actions = {
  /** Offer the release `from` runs onward to `to`; a blank description keeps the release's own. */
  promote: async ({ request, locals }) => {
    const form = await request.formData();
    const values = {
      ...texts(form, 'from', 'fromName', 'to', 'version', 'description'),
      force: checkbox(form, 'force'),
    };
    try {
      let description = values.description.trim() === '' ? undefined : values.description;
      if (description === undefined) {
        const history = await locals.api.releases.history({ automation: values.from });
        description = history.upgrades.find((u) => u.active)?.release.description;
      }
      const created = await locals.api.releases.promote({
        from: values.from,
        to: values.to,
        version: values.version,
        ...(description !== undefined && { description }),
        ...(values.force && { force: true }),
      });
      return {
        form: 'promote',
        promoted: {
          version: created.version,
          from: created.sourceName ?? values.fromName,
          to: created.targetName ?? values.to,
          toId: created.targetId,
          superseded: created.superseded?.version ?? null,
        },
      };
    } catch (e) {
      return actionFailure(e, 'promote', values, FIELDS);
    }
  },
} satisfies Actions;

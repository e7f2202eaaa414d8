// An automation's Releases tab: the release waiting for it (preview diff and environment check),
// upgrade / reject / roll back, and its release history (DESIGN.md rules 4-8).
import { fail } from '@sveltejs/kit';
import { actionFailure, apiFailure, loadFailure } from '$lib/server/api-errors';
import { revisionOf, text, texts } from '$lib/server/forms';
import { approveAction, commentAction } from '$lib/server/release-reviews';
import { diffPageParams, diffPageView } from '$lib/diff/group';
import { staleDetails } from '$lib/releases/stale';
import type { CheckFinding, Location } from '@ferry/core';
import type { Actions, PageServerLoad } from './$types';

/** Places a check finding names on the page; the rest are counted. */
const PLACES_SHOWN = 3;

export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    const history = await locals.api.releases.history({ automation: params.id });
    const shown = history.pendingRelease
      ? await locals.api.releases.show({ target: params.id, release: history.pendingRelease.id })
      : null;
    // The preview goes to the page as one page of its diff (a new bot's is thousands of changes),
    // and each check finding with the few places the page names (a new bot's are thousands), each
    // with its dialog (the page links it in the source).
    const dialogOf = (l: Location) => (l.entity === 'dialog' ? l.id : (l.dialogId ?? null));
    const finding = ({ locations, where, ...f }: CheckFinding) => ({
      ...f,
      where: where.slice(0, PLACES_SHOWN),
      dialogs: locations.slice(0, PLACES_SHOWN).map(dialogOf),
      places: where.length,
    });
    const preview = shown && {
      ...shown,
      checks: {
        ...shown.checks,
        errors: shown.checks.errors.map(finding),
        warnings: shown.checks.warnings.map(finding),
      },
      preview: diffPageView(
        shown.preview.summary,
        shown.preview.changes,
        diffPageParams(url.searchParams),
      ),
    };
    const schedules = await locals.api.schedules.list({ automation: params.id });
    return { history, preview, schedules };
  } catch (e) {
    loadFailure(e);
  }
};

/**
 * A failed action. A conflict (the target changed since this page was loaded) is marked `stale`,
 * with what changed since (who, when, what), so the page can say so plainly and offer to reload
 * the preview.
 */
function failed(e: unknown, form: string, values: Record<string, string>, fields: string[]) {
  const failure = apiFailure(e);
  if (failure?.code === 'CONFLICT')
    return fail(409, {
      form,
      error: failure.message,
      stale: true as const,
      since: staleDetails(e),
      values,
    });
  return actionFailure(e, form, values, fields);
}

export const actions = {
  upgrade: async ({ request, locals, params }) => {
    const form = await request.formData();
    const force = form.get('force') === 'true';
    try {
      const done = await locals.api.releases.upgrade({
        target: params.id,
        release: text(form, 'release'),
        // The target revision the preview showed: an upgrade over newer edits is refused (rule 7).
        ifRevision: revisionOf(form, 'ifRevision'),
        ...(force && { force: true }),
      });
      return {
        form: 'upgrade',
        upgraded: {
          version: done.release.version,
          backup: done.backupVersion.number,
          result: done.resultVersion.number,
          forced: done.forced,
          forcedPastTests: done.forcedPastTests.length,
        },
      };
    } catch (e) {
      return failed(e, 'upgrade', {}, []);
    }
  },

  reject: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = texts(form, 'reason');
    try {
      const done = await locals.api.releases.reject({
        target: params.id,
        release: text(form, 'release'),
        ...(values.reason.trim() && { reason: values.reason }),
      });
      return { form: 'reject', rejected: { version: done.version } };
    } catch (e) {
      return failed(e, 'reject', values, ['reason']);
    }
  },

  approve: async (event) => approveAction(event, event.params.id),
  comment: async (event) => commentAction(event, event.params.id),

  rollback: async ({ request, locals, params }) => {
    const form = await request.formData();
    try {
      const done = await locals.api.releases.rollback({
        target: params.id,
        baseRevision: revisionOf(form),
      });
      return {
        form: 'rollback',
        rolledBack: {
          version: done.release.version,
          restored: done.restoredVersion.number,
          savedEdits: done.savedEditsVersion?.number ?? null,
          runs: done.runs.text,
        },
      };
    } catch (e) {
      return failed(e, 'rollback', {}, []);
    }
  },

  /** Schedule the pending release's upgrade for later (lib/releases/ScheduledUpgrades.svelte). */
  schedule: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = texts(form, 'at');
    try {
      const scheduled = await locals.api.schedules.create({
        target: params.id,
        release: text(form, 'release'),
        at: values.at.trim(),
        ifRevision: revisionOf(form, 'ifRevision'),
      });
      return {
        form: 'schedule',
        scheduled: { at: scheduled.at, version: scheduled.releaseVersion },
      };
    } catch (e) {
      return failed(e, 'schedule', values, ['at']);
    }
  },

  cancelSchedule: async ({ locals, params }) => {
    try {
      const cancelled = await locals.api.schedules.cancel({ target: params.id });
      return { form: 'cancelSchedule', cancelled: { at: cancelled?.at ?? '' } };
    } catch (e) {
      return failed(e, 'cancelSchedule', {}, []);
    }
  },
} satisfies Actions;

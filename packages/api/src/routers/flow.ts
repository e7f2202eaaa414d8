// The flow view of big bots (issue 13): an overview of dialogs linked where their interactions
// jump into one another, one dialog's own graph, and a search of names — of the working copy, a
// version, or the changes between two of them (`from`/`to`, an absent side the working copy) with
// the changed dialogs and nodes marked. Computed per dialog and kept by content hash (flow.ts).
import { z } from 'zod';
import { fail } from '../errors.js';
import { dialogGraph, flowView, searchView, type FlowSide } from '../flow.js';
import { findAutomation, type AutomationRow } from '../repositories/automation-repository.js';
import { procedure, router } from '../trpc.js';
import { versionSide, type VersionSide } from '../version-sides.js';
import type { Context } from '../context.js';
import { automationRef, textInput, versionRef } from './inputs.js';

/** What a flow read shows: a version (or the working copy), or the changes from `from` to `to`. */
const shown = {
  automation: automationRef,
  version: versionRef.optional(),
  from: versionRef.optional(),
  to: versionRef.optional(),
};

interface Shown {
  row: AutomationRow;
  side: FlowSide;
  /** The root of what is shown (a diff: its "after" side). */
  root: string;
  diff: { from: VersionSide; to: VersionSide } | null;
}

async function resolveShown(
  ctx: Context,
  input: { automation: string; version?: string; from?: string; to?: string },
): Promise<Shown> {
  const row = await findAutomation(ctx.db, input.automation);
  const diffing = input.from !== undefined || input.to !== undefined;
  if (diffing && input.version !== undefined)
    fail('VALIDATION', 'Show one version, or compare two (from, to), not both.', 'version');
  if (!diffing) {
    const { root } = await versionSide(ctx.db, row, input.version, 'version');
    return { row, side: { root }, root, diff: null };
  }
  const from = await versionSide(ctx.db, row, input.from, 'from');
  const to = await versionSide(ctx.db, row, input.to, 'to');
  return { row, side: { before: from.root, after: to.root }, root: to.root, diff: { from, to } };
}

export const flowRouter = router({
  /**
   * The overview: a node per dialog (name, type, interaction count; in a diff how it changed and
   * how many of its nodes are marked) and an edge per pair of dialogs one links into the other,
   * with how many links; `changed` lists the marked dialogs in order.
   */
  overview: procedure('read')
    .input(z.object(shown))
    .query(async ({ ctx, input }) => {
      const s = await resolveShown(ctx, input);
      const view = await flowView(ctx.db, s.side);
      return {
        id: s.row.id,
        revision: s.row.revision,
        root: s.root,
        diff: s.diff && view.diff && { ...s.diff, summary: view.diff.summary },
        ...view.overview,
      };
    }),

  /**
   * One dialog's graph: its node, its interactions and their links, and the dialogs it links to
   * and from (`external`); in a diff the changed nodes are marked, `marked` listing them in order.
   */
  dialog: procedure('read')
    .input(z.object({ ...shown, dialogId: textInput().min(1, 'must not be empty') }))
    .query(async ({ ctx, input }) => {
      const s = await resolveShown(ctx, input);
      const view = await flowView(ctx.db, s.side);
      const graph = await dialogGraph(ctx.db, view, input.dialogId);
      return { id: s.row.id, revision: s.row.revision, root: s.root, ...graph };
    }),

  /** Dialogs and interactions whose name holds `query` (case-insensitive), in the overview's order. */
  search: procedure('read')
    .input(
      z.object({
        ...shown,
        query: textInput()
          .trim()
          .min(1, 'must not be empty')
          .max(200, 'must be at most 200 characters'),
        limit: z
          .number()
          .int()
          .min(1, 'must be 1 or more')
          .max(100, 'must be at most 100')
          .default(20),
      }),
    )
    .query(async ({ ctx, input }) => {
      const s = await resolveShown(ctx, input);
      const view = await flowView(ctx.db, s.side);
      return { query: input.query, ...searchView(view, input.query, input.limit) };
    }),
});

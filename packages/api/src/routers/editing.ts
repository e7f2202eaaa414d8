// Editing the working copy: settings, dialogs and interactions. Every edit states the revision it
// was based on, applies the core's edit operations in one transaction, bumps the revision and
// answers with metadata only (never content).
import {
  MissingNodeError,
  entityId as idOf,
  placeInteraction,
  relinkChain,
  unlinkFromChain,
  type EditOp,
  type JsonObject,
} from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, auditRow, writeAudit } from '../audit.js';
import type { Context } from '../context.js';
import { ContentStore } from '../content.js';
import { FerryApiError, fail, unwrap } from '../errors.js';
import { knownRows } from '../known-rows.js';
import {
  advanceAutomation,
  commitEdit,
  lockAutomation,
  requireRevision,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { interactionIdsOf, readDialog, readInteractions } from '../content-tree.js';
import { procedure, router } from '../trpc.js';
import { automationRef, jsonObject, jsonObjectWith, name, textInput } from './inputs.js';

/** Editing always states the revision it was based on (DESIGN.md rule 10). */
const base = {
  automation: automationRef,
  baseRevision: z.number().int().positive(),
};
const entityId = textInput().min(1, 'must not be empty');
const position = z.number().int().min(0, 'must be 0 or more').optional();
/** A dialog (CB `groups` entry): a name and any other fields, kept verbatim. */
const dialog = jsonObjectWith({ id: entityId.optional(), name });
const existingDialog = jsonObjectWith({ id: entityId, name });
/** An interaction (CB `conversationMessage` entry): any fields, kept verbatim. */
const interaction = jsonObjectWith({ id: entityId.optional() });
const existingInteraction = jsonObjectWith({ id: entityId });

interface Plan<T> {
  ops: EditOp[];
  /** What the answer and the audit entry name (ids affected). */
  result: T;
  /** Core error paths renamed to this procedure's input fields. */
  paths?: Record<string, string>;
}

type Planner<T> = (tx: Db, store: ContentStore, row: AutomationRow) => Promise<Plan<T>> | Plan<T>;

/**
 * Apply `plan`'s operations to the working copy if it is at `baseRevision`, bump the revision and
 * audit, atomically. First without a lock, in one statement (editUnlocked); when that cannot
 * decide (the row moved on, or the plan or edit refused), under the row's lock in a transaction,
 * which then gives the answer: the change, or the error with its precedence (CONFLICT first).
 */
async function editWorkingCopy<T extends Record<string, unknown>>(
  ctx: Context,
  input: { automation: string; baseRevision: number },
  action: string,
  plan: Planner<T>,
) {
  const done =
    (await editUnlocked(ctx, input, action, plan)) ?? (await editLocked(ctx, input, action, plan));
  knownRows.remember(done.row);
  return done.answer;
}

/**
 * The edit without a lock: the row as last seen (or read) at `baseRevision`, the plan and the
 * edit computed from its root, then commitEdit stores it all in one statement, provided the row
 * is still at that revision and root. Null when it cannot decide: the row is not at that revision
 * (now or by then), or the plan or edit refused (the locked path gives the answer, with the
 * errors' precedence); database errors are thrown.
 */
async function editUnlocked<T extends Record<string, unknown>>(
  ctx: Context,
  input: { automation: string; baseRevision: number },
  action: string,
  plan: Planner<T>,
) {
  const row = await knownRows.at(ctx.db, input.automation, input.baseRevision);
  if (row === null) return null;
  const store = new ContentStore(ctx.db);
  let edited;
  try {
    const { ops, result } = await plan(ctx.db, store, row);
    edited = { result, ...(await store.apply(row.root, ops)) };
  } catch (e) {
    // A refusal, or a node of that root gone (its row moved on and gc swept what only it held):
    // the locked path decides, on the row as it is.
    if (e instanceof FerryApiError || e instanceof MissingNodeError) return null;
    throw e;
  }
  const { result, next, counts } = edited;
  const entry = auditEntry(ctx, action, row.id, { before: row.root, after: next, details: result });
  const stored = await commitEdit(ctx.db, {
    row,
    root: next,
    counts,
    nodes: await store.encodeWritten(),
    audit: auditRow(ctx, entry),
  });
  if (stored === null) return null;
  store.committed(next, counts, stored.written);
  return { row: stored.row, answer: answerOf(stored.row, next, result) };
}

const answerOf = <T>(row: AutomationRow, root: string, result: T) => ({
  id: row.id,
  name: row.name,
  revision: row.revision,
  contentHash: root,
  ...result,
});

/** Lock, check the revision, apply `plan`'s operations, bump the revision and audit: one transaction. */
function editLocked<T extends Record<string, unknown>>(
  ctx: Context,
  input: { automation: string; baseRevision: number },
  action: string,
  plan: Planner<T>,
) {
  return ctx.db.transaction(async (tx) => {
    const row = await lockAutomation(tx, input.automation);
    requireRevision(row, input.baseRevision);
    const store = new ContentStore(tx);
    const { ops, result, paths = {} } = await plan(tx, store, row);
    let root: string;
    try {
      root = await store.edit(row.root, ops);
    } catch (e) {
      if (e instanceof FerryApiError && e.path !== undefined && paths[e.path] !== undefined)
        throw new FerryApiError(e.ferryCode, e.message, paths[e.path], e.details);
      throw e;
    }
    // Independent writes, sent together: one round trip to the database instead of two.
    const [next] = await Promise.all([
      advanceAutomation(tx, row, { root }),
      writeAudit(
        tx,
        ctx,
        auditEntry(ctx, action, row.id, { before: row.root, after: root, details: result }),
      ),
    ]);
    return { row: next, answer: answerOf(next, root, result) };
  });
}

/** An interaction's name for the answer and the audit entry (null: it has none). */
const nameOf = (interaction: JsonObject): string | null =>
  typeof interaction.name === 'string' ? interaction.name : null;

/** New CB dialogs are ordinary, enabled dialogs unless the caller says otherwise. */
const DIALOG_DEFAULTS: JsonObject = { dialogType: 'DIALOG', status: 'ENABLED' };

export const editingRouter = router({
  /** Replace the bot settings (the export's `bot` object; its id and name stay the automation's). */
  setSettings: procedure('edit')
    .input(z.object({ ...base, settings: jsonObject }))
    .mutation(({ ctx, input }) =>
      editWorkingCopy(ctx, input, 'settings.update', () => ({
        ops: [{ op: 'setSettings', settings: input.settings as JsonObject }],
        result: {},
      })),
    ),

  addDialog: procedure('edit')
    .input(z.object({ ...base, dialog, index: position }))
    .mutation(({ ctx, input }) => {
      const dialogId = input.dialog.id ?? uuidv7();
      const entity = { ...DIALOG_DEFAULTS, ...input.dialog, id: dialogId } as JsonObject;
      return editWorkingCopy(ctx, input, 'dialog.add', () => ({
        ops: [
          {
            op: 'addDialog',
            dialog: entity,
            ...(input.index !== undefined && { index: input.index }),
          },
        ],
        result: { dialogId, dialogName: input.dialog.name },
      }));
    }),

  renameDialog: procedure('edit')
    .input(z.object({ ...base, dialogId: entityId, name }))
    .mutation(({ ctx, input }) =>
      editWorkingCopy(ctx, input, 'dialog.rename', async (tx, store, row) => {
        const current = await readDialog(tx, store.snap, row.root, input.dialogId);
        return {
          ops: [{ op: 'updateDialog', dialog: { ...current, name: input.name } }],
          result: { dialogId: input.dialogId, dialogName: input.name, from: current.name ?? null },
        };
      }),
    ),

  /** Replace a dialog entity (found by its id) with the one given. */
  updateDialog: procedure('edit')
    .input(z.object({ ...base, dialog: existingDialog }))
    .mutation(({ ctx, input }) =>
      editWorkingCopy(ctx, input, 'dialog.update', () => ({
        ops: [{ op: 'updateDialog', dialog: input.dialog as JsonObject }],
        result: { dialogId: input.dialog.id, dialogName: input.dialog.name },
        paths: { dialogId: 'dialog.id' },
      })),
    ),

  /** Delete a dialog with its interactions. */
  deleteDialog: procedure('edit')
    .input(z.object({ ...base, dialogId: entityId }))
    .mutation(({ ctx, input }) =>
      editWorkingCopy(ctx, input, 'dialog.delete', async (tx, store, row) => {
        const interactionIds = await interactionIdsOf(tx, store.snap, row.root, input.dialogId);
        return {
          ops: [{ op: 'removeDialog', dialogId: input.dialogId }],
          result: { dialogId: input.dialogId, removedInteractions: interactionIds.length },
        };
      }),
    ),

  /**
   * Add an interaction (any CB kind: its JSON as given) at `index` of the dialog's list, right
   * `before` or `after` one of its interactions, or (none given) last.
   */
  addInteraction: procedure('edit')
    .input(
      z.object({
        ...base,
        dialogId: entityId,
        interaction,
        index: position,
        before: entityId.optional(),
        after: entityId.optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const interactionId = input.interaction.id ?? uuidv7();
      const entity = { ...input.interaction, id: interactionId } as JsonObject;
      return editWorkingCopy(ctx, input, 'interaction.add', async (tx, store, row) => {
        // CB links the new interaction after the one before it, and its neighbours to it; an
        // interaction that names its own links keeps them.
        const current = await readInteractions(tx, store.snap, row.root, input.dialogId);
        const placed = unwrap(
          placeInteraction(current, entity, {
            ...(input.index !== undefined && { index: input.index }),
            ...(input.before !== undefined && { before: input.before }),
            ...(input.after !== undefined && { after: input.after }),
          }),
        );
        return {
          ops: [
            {
              op: 'addInteraction',
              dialogId: input.dialogId,
              interaction: placed.added,
              ...(placed.index !== undefined && { index: placed.index }),
            },
            ...placed.neighbours.map((interaction): EditOp => ({
              op: 'updateInteraction',
              dialogId: input.dialogId,
              interaction,
            })),
          ],
          result: {
            dialogId: input.dialogId,
            interactionId,
            interactionName: nameOf(entity),
            ...(placed.index !== undefined && { index: placed.index }),
          },
        };
      });
    }),

  /** Replace an interaction (found by its id in the dialog) with the one given. */
  updateInteraction: procedure('edit')
    .input(z.object({ ...base, dialogId: entityId, interaction: existingInteraction }))
    .mutation(({ ctx, input }) =>
      editWorkingCopy(ctx, input, 'interaction.update', () => ({
        ops: [
          {
            op: 'updateInteraction',
            dialogId: input.dialogId,
            interaction: input.interaction as JsonObject,
          },
        ],
        result: {
          dialogId: input.dialogId,
          interactionId: input.interaction.id,
          interactionName: nameOf(input.interaction as JsonObject),
        },
        paths: { interactionId: 'interaction.id' },
      })),
    ),

  deleteInteraction: procedure('edit')
    .input(z.object({ ...base, dialogId: entityId, interactionId: entityId }))
    .mutation(({ ctx, input }) =>
      editWorkingCopy(ctx, input, 'interaction.delete', async (tx, store, row) => {
        // CB links the removed interaction's neighbours to each other.
        const current = await readInteractions(tx, store.snap, row.root, input.dialogId);
        return {
          ops: [
            {
              op: 'removeInteraction',
              dialogId: input.dialogId,
              interactionId: input.interactionId,
            },
            ...unlinkFromChain(current, input.interactionId).map((interaction): EditOp => ({
              op: 'updateInteraction',
              dialogId: input.dialogId,
              interaction,
            })),
          ],
          result: {
            dialogId: input.dialogId,
            interactionId: input.interactionId,
            interactionName: nameOf(current.find((i) => idOf(i) === input.interactionId) ?? {}),
          },
        };
      }),
    ),

  /** Put a dialog's interactions in the given order (all of its interaction ids, each once). */
  reorderInteractions: procedure('edit')
    .input(z.object({ ...base, dialogId: entityId, interactionIds: z.array(entityId) }))
    .mutation(({ ctx, input }) =>
      editWorkingCopy(ctx, input, 'interaction.reorder', async (tx, store, row) => {
        const current = await interactionIdsOf(tx, store.snap, row.root, input.dialogId);
        const wanted = input.interactionIds;
        if (!isPermutation(current, wanted))
          fail(
            'VALIDATION',
            `interactionIds must list each of the ${current.length} interactions of dialog "${input.dialogId}" exactly once.`,
            'interactionIds',
            permutationProblems(current, wanted),
          );
        const ops: EditOp[] = [];
        const order = [...current];
        for (const [i, id] of wanted.entries()) {
          if (order[i] === id) continue;
          order.splice(order.indexOf(id), 1);
          order.splice(i, 0, id);
          ops.push({
            op: 'moveInteraction',
            dialogId: input.dialogId,
            interactionId: id,
            index: i,
          });
        }
        const moved = ops.length;
        // CB runs a dialog along its prevMessageId/nextMessageId chain: it follows the new order.
        const entities = await readInteractions(tx, store.snap, row.root, input.dialogId);
        for (const interaction of relinkChain(entities, wanted))
          ops.push({ op: 'updateInteraction', dialogId: input.dialogId, interaction });
        return { ops, result: { dialogId: input.dialogId, moved, relinked: ops.length - moved } };
      }),
    ),
});

function isPermutation(current: readonly string[], wanted: readonly string[]): boolean {
  if (current.length !== wanted.length) return false;
  const want = new Set(wanted);
  return want.size === wanted.length && current.every((id) => want.has(id));
}

function repeated(ids: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return twice;
}

function permutationProblems(current: readonly string[], wanted: readonly string[]) {
  const have = new Set(current);
  const want = new Set(wanted);
  return {
    missing: current.filter((id) => !want.has(id)),
    unknown: [...want].filter((id) => !have.has(id)),
    duplicates: [...repeated(wanted)],
  };
}

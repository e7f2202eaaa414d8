// Content-addressed sync (import without sending the whole export): the client offers hashes and
// learns which the server lacks (`missing`), uploads those nodes (`upload`), then asks for the root
// to become an automation's working copy or a new automation (`commit`), which is accepted only if
// a plain import of the same export would have been, and stores the same tree.
import { z } from 'zod';
import { importAsNewAutomation, importIntoAutomation } from '../import-target.js';
import { lockAutomation } from '../repositories/automation-repository.js';
import { getPolicy } from '../repositories/policy-repository.js';
import { versionHolds } from '../repositories/version-repository.js';
import { holdOffGc } from '../repositories/node-repository.js';
import { missingNodes, storeNodes } from '../repositories/sync-repository.js';
import { acceptTree, unpackNodes } from '../sync.js';
import { procedure, router } from '../trpc.js';
import { saveWorkingCopy } from '../save-version.js';
import { automationRef, baseRevision, name, shortName, textInput } from './inputs.js';

/** Most hashes one `missing` or `upload` call may name. */
export const MAX_SYNC_HASHES = 20_000;

const hash = textInput().regex(
  /^[0-9a-f]{64}$/,
  'must be a SHA-256 hash (64 lower-case hex digits)',
);
const hashes = z
  .array(hash)
  .max(MAX_SYNC_HASHES, `must list at most ${MAX_SYNC_HASHES} hashes a call`);
/** Nodes: their texts joined by newlines, gzip-compressed unless `identity`, in base64. */
const nodesInput = z.object({
  hashes,
  data: textInput().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
  encoding: z.enum(['gzip', 'identity']).default('gzip'),
});

export const syncRouter = router({
  /** Which of the offered hashes the server does not hold. */
  missing: procedure('edit')
    .input(z.object({ hashes }))
    .mutation(async ({ ctx, input }) => ({ missing: await missingNodes(ctx.db, input.hashes) })),

  /** Store nodes the server lacks: checked one by one, all or none. */
  upload: procedure('edit')
    .input(nodesInput)
    .mutation(async ({ ctx, input }) => {
      const nodes = unpackNodes(input.hashes, input.data, input.encoding);
      await ctx.db.transaction(async (tx) => {
        await holdOffGc(tx);
        await storeNodes(tx, nodes);
      });
      return { stored: nodes.size };
    }),

  /**
   * Make the uploaded tree `root` the `into` automation's working copy (keeping the replaced one
   * as "Before import", rule 15) or a new automation, after checking it like a plain import.
   * `nodes` are stored first, as `upload` would (a change's few new nodes, without a request of
   * their own); with `save`, the imported working copy is then saved as the next version, named
   * `save` (blank: the date and time), as `versions.save` would.
   */
  commit: procedure('edit')
    .input(
      z.object({
        root: hash,
        /** The export's `bot.name`: a new automation's name unless `name` is given. */
        botName: textInput().nullable().default(null),
        name: name.optional(),
        into: automationRef.optional(),
        baseRevision,
        nodes: nodesInput.optional(),
        save: shortName().optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const uploaded =
        input.nodes === undefined
          ? undefined
          : unpackNodes(input.nodes.hashes, input.nodes.data, input.nodes.encoding);
      return ctx.db.transaction(async (tx) => {
        // Independent: sent together (one round trip).
        const [, , row, policy] = await Promise.all([
          holdOffGc(tx),
          uploaded === undefined ? undefined : storeNodes(tx, uploaded),
          input.into === undefined ? null : lockAutomation(tx, input.into, 'into'),
          getPolicy(tx),
        ]);
        const details = { sync: true };
        let imported;
        if (row !== null) {
          const [accepted, workingCopySaved] = await Promise.all([
            acceptTree(tx, input.root, row.root, uploaded),
            versionHolds(tx, row.id, row.root),
          ]);
          imported = await importIntoAutomation(tx, ctx, row, {
            root: input.root,
            counts: accepted.counts,
            baseRevision: input.baseRevision,
            details,
            workingCopySaved,
            policy,
            alongside: accepted.record,
          });
        } else {
          const accepted = await acceptTree(tx, input.root, null, uploaded);
          imported = await importAsNewAutomation(tx, ctx, {
            root: input.root,
            counts: accepted.counts,
            name: input.name,
            botName: input.botName,
            details,
            alongside: accepted.record,
          });
        }
        // Based on the revision the import made: nothing can slip in between (the row is locked).
        const version =
          input.save === undefined
            ? undefined
            : await saveWorkingCopy(
                tx,
                ctx,
                imported.row,
                { name: input.save, baseRevision: imported.result.revision },
                policy,
              );
        return { ...imported.result, ...(version !== undefined && { version }) };
      });
    }),
});

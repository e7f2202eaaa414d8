// Builders of test content: generated CB bots imported into a fresh store.
import { importCbExport, type ImportedBot } from '../cb-export.js';
import { generateBotExport, type GenerateOptions } from '../testing.js';
import { createSnapshotter, type Snapshotter } from '../snapshot.js';
import { nodeSha256 } from './fixtures.js';

export function importGenerated(options: Partial<GenerateOptions> & { seed: number }): ImportedBot {
  const result = importCbExport(
    JSON.stringify(generateBotExport({ dialogs: 4, interactionsPerDialog: 5, ...options })),
  );
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

export const newSnapshotter = (): Snapshotter => createSnapshotter(nodeSha256);

/** Unwraps a Result in tests, failing with its message. */
export function must<T>(
  result: { ok: true; value: T } | { ok: false; error: { message: string } },
): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

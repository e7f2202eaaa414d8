// Vitest global setup for every package whose tests open embedded databases: builds the PGlite
// template (initdb, once per PGlite version on this machine) before any test file starts, so that
// no test's own hook pays for it or waits on another file building it (vitest gives global setup
// no timeout; a fresh clone's first run spends several busy seconds here). It also rebuilds the
// packages whose built JavaScript the tests start in child processes, when their sources are newer
// (fresh-build.ts).
import { ensureFreshBuilds } from './fresh-build.js';
import { pgliteTemplate } from './pglite-template.js';

export default async function setup(): Promise<void> {
  ensureFreshBuilds(process.cwd());
  await pgliteTemplate();
}

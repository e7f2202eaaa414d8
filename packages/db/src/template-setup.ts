// Vitest global setup for every package whose tests open embedded databases: builds the PGlite
// template (initdb, once per PGlite version on this machine) before any test file starts, so that
// no test's own hook pays for it or waits on another file building it (vitest gives global setup
// no timeout; a fresh clone's first run spends several busy seconds here).
import { pgliteTemplate } from './pglite-template.js';

export default async function setup(): Promise<void> {
  await pgliteTemplate();
}

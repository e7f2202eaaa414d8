// The PGlite template every embedded test database starts from (tests only). Imports nothing of
// Ferry's own, so that vitest's global setup can build it before the @ferry/* sources are resolved.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/**
 * A new embedded database is mostly PGlite's initdb: several CPU-seconds (ten on a busy 2-core
 * machine for a data directory), against a fraction of a second for Ferry's migrations. Every test
 * database starts from the same freshly initialised, not yet migrated cluster, so initdb runs once
 * per PGlite version on this machine: its output is kept in the db package's node_modules/.cache,
 * and each test database starts from a copy and runs the real migrations as usual.
 */
export interface PgliteTemplate {
  /** The cluster as a `dumpDataDir` tarball, for in-memory databases. */
  tarball: Blob;
  /** The same cluster as a PGlite data directory (what Ferry keeps in `<data>/pgdata`). */
  pgdata: string;
}

let template: Promise<PgliteTemplate> | undefined;

export function pgliteTemplate(): Promise<PgliteTemplate> {
  return (template ??= loadTemplate());
}

/**
 * Give an embedded data directory that does not exist yet the state Ferry's first start leaves
 * before it migrates (initdb's cluster in `<dataDir>/pgdata`), so that the first open skips initdb
 * and migrates as usual. For tests whose subject is not the very first start. `template` puts
 * another cluster there instead (test-db.ts's seedMigratedDataDir: the migrated one).
 */
export async function seedDataDir(
  dataDir: string,
  template: Promise<PgliteTemplate> = pgliteTemplate(),
): Promise<string> {
  const target = join(dataDir, 'pgdata');
  if (existsSync(target)) throw new Error(`seedDataDir: ${target} already exists.`);
  const { pgdata } = await template;
  mkdirSync(dataDir, { recursive: true });
  cpSync(pgdata, target, { recursive: true });
  return dataDir;
}

export function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

function loadTemplate(): Promise<PgliteTemplate> {
  return cachedCluster(`ferry-pglite-template-${pgliteVersion()}`, async (staging) => {
    const client = new PGlite(join(staging, 'pgdata'));
    await client.waitReady;
    await client.close();
  });
}

/**
 * A cluster kept in the db package's node_modules/.cache under `name`: `build` makes it in
 * `<staging>/pgdata` (closed when it returns), once per machine; its tarball is dumped beside it.
 */
export async function cachedCluster(
  name: string,
  build: (staging: string) => Promise<void>,
): Promise<PgliteTemplate> {
  const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
  const dir = join(cache, name);
  const building = `${dir}.building`;
  mkdirSync(cache, { recursive: true });
  // One process builds it (the others, test files starting at the same moment, wait for it); a
  // builder that died (a lock older than five minutes) is taken over.
  for (const until = Date.now() + 300_000; !existsSync(dir);) {
    try {
      mkdirSync(building);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - statSync(building).mtimeMs > 300_000)
        rmSync(building, { recursive: true, force: true });
      else if (Date.now() > until)
        throw new Error(`Timed out waiting for another process to build ${dir}.`, { cause: e });
      else await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    try {
      const staging = mkdtempSync(join(cache, 'ferry-pglite-staging-'));
      try {
        await build(staging);
        const client = new PGlite(join(staging, 'pgdata'));
        await client.waitReady;
        const tarball = await client.dumpDataDir('none');
        await client.close();
        writeFileSync(join(staging, 'pgdata.tar'), Buffer.from(await tarball.arrayBuffer()));
        renameSync(staging, dir);
      } catch (e) {
        rmSync(staging, { recursive: true, force: true });
        throw e;
      }
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
  }
  return {
    tarball: new Blob([readFileSync(join(dir, 'pgdata.tar'))]),
    pgdata: join(dir, 'pgdata'),
  };
}

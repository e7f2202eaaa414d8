// Tests that start Ferry in a child process (a server, a lock holder, a crash) run the packages'
// built JavaScript, as users do, rather than the TypeScript sources through tsx: tsx's loader costs
// about 1.5 CPU-seconds for the database layer and 2.5 for the server at every start, which a few
// hundred starts turned into minutes of the test command. So that such a test never runs stale
// code, the global set-up first rebuilds (tsdown) any workspace package, the one under test and
// what it depends on, whose sources are newer than its dist/. In the full test command turbo has
// built them already and nothing is rebuilt.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readManifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The workspace's package folders by name (packages/* and apps/*). */
function workspacePackages(root: string): Map<string, string> {
  const byName = new Map<string, string>();
  for (const group of ['packages', 'apps']) {
    const parent = join(root, group);
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent)) {
      const dir = join(parent, entry);
      if (existsSync(join(dir, 'package.json'))) byName.set(readManifest(dir).name, dir);
    }
  }
  return byName;
}

/** The newest modification time among `paths` (files, or folders walked recursively), tests aside. */
function newest(paths: string[]): number {
  let latest = 0;
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    // Test files are not built: changing one needs no build.
    else if (!path.endsWith('.test.ts')) latest = Math.max(latest, stat.mtimeMs);
  };
  for (const path of paths) visit(path);
  return latest;
}

/** The oldest .js file in dist/ (tsdown rewrites all of them at each build), 0 if none. */
function oldestBuilt(dir: string): number {
  const dist = join(dir, 'dist');
  if (!existsSync(dist)) return 0;
  const times = readdirSync(dist)
    .filter((f) => f.endsWith('.js'))
    .map((f) => statSync(join(dist, f)).mtimeMs);
  return times.length ? Math.min(...times) : 0;
}

/**
 * Rebuilds, dependencies first, every tsdown-built workspace package that `packageDir` uses (itself
 * included) whose sources changed after its last build. Returns the names it rebuilt.
 */
export function ensureFreshBuilds(packageDir: string): string[] {
  const root = join(packageDir, '..', '..');
  const packages = workspacePackages(root);
  const rebuilt: string[] = [];
  const seen = new Set<string>();
  const visit = (dir: string) => {
    const manifest = readManifest(dir);
    if (seen.has(manifest.name)) return;
    seen.add(manifest.name);
    const deps = { ...manifest.dependencies, ...manifest.devDependencies };
    for (const [name, range] of Object.entries(deps))
      if (range.startsWith('workspace:') && packages.has(name)) visit(packages.get(name) ?? dir);
    if (manifest.scripts?.build !== 'tsdown') return;
    const sources = ['src', 'package.json', 'tsdown.config.ts'].map((p) => join(dir, p));
    if (oldestBuilt(dir) >= newest(sources)) return;
    const built = spawnSync('pnpm', ['exec', 'tsdown', '--logLevel', 'warn'], {
      cwd: dir,
      stdio: 'inherit',
    });
    if (built.status !== 0)
      throw new Error(`Building ${manifest.name} for the tests failed (tsdown in ${dir}).`);
    rebuilt.push(manifest.name);
  };
  visit(packageDir);
  return rebuilt;
}

/** A built entry point of a workspace package, for `node <file>`: e.g. ('api', 'main.js'). */
export function builtEntry(packageFolder: string, file: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', packageFolder, 'dist', file);
}

// Proves the tarball `pnpm pack` would publish holds every file package.json points at, including the
// "@ferry/source" condition publint and attw do not check, and that the shipped sources are whole.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

const dir = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
const packed = JSON.parse(
  execFileSync('pnpm', ['pack', '--dry-run', '--json'], { cwd: dir, encoding: 'utf8' }),
);
const files = new Set(packed.files.map((f) => f.path));
const problems = [];

// Every string in `exports`, `main` and `types`, under any condition, names a packed file.
const targets = (value, where) =>
  typeof value === 'string'
    ? [[where, value]]
    : Object.entries(value).flatMap(([k, v]) => targets(v, `${where}["${k}"]`));
const pointers = [...targets(pkg.exports, 'exports'), ['main', pkg.main], ['types', pkg.types]];
for (const [where, target] of pointers) {
  if (!files.has(posix.normalize(target)))
    problems.push(`${where} is ${target}, not in the tarball`);
}

// The shipped sources (what "@ferry/source" resolves to) import only shipped files.
for (const file of [...files].filter((f) => f.startsWith('src/') && f.endsWith('.ts'))) {
  if (/\.test\.ts$|^src\/test-support\//.test(file)) problems.push(`${file} is test code`);
  const text = readFileSync(new URL(file, dir), 'utf8');
  for (const [, spec] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const target = posix.join(posix.dirname(file), spec).replace(/\.js$/, '.ts');
    if (!files.has(target)) problems.push(`${file} imports ${spec}, not in the tarball`);
  }
}

if (problems.length > 0) {
  console.error(`The ${packed.filename} tarball is incomplete:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `${packed.filename}: ${pointers.length} package.json targets and ${files.size} files check out.`,
);

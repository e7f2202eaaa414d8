// Keeps the layers apart from now on: raw SQL lives only in `repositories/<noun>-repository.ts`;
// routers and every other module reach the database through repository functions (or @ferry/db's
// own API: opening, migrating, the node store), never through drizzle-orm or the schema's tables.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const sources = (dir: string) =>
  readdirSync(join(here, dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(join(here, dir, f), 'utf8') }));

/**
 * Every way a source file can reach the database directly, one line per finding. Routers import no
 * value from @ferry/db at all; other modules may use its API but not the schema's tables.
 */
function directDatabaseUse(text: string, allowDbApi = false): string[] {
  const found: string[] = [];
  const imports = text.matchAll(
    /import\s+(type\s+)?([^;]*?)\s+from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  );
  for (const [, typeOnly, names = '', from, dynamic] of imports) {
    const module = from ?? dynamic ?? '';
    if (module === 'drizzle-orm' || module.startsWith('drizzle-orm/'))
      found.push(`imports ${module}`);
    if (module.startsWith('@ferry/db') && !typeOnly) {
      // Types (Db) are fine; the table objects are what queries are built from.
      const values = names
        .replace(/[{}]/g, '')
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '' && !n.startsWith('type '))
        .filter((n) => !allowDbApi || n === 'schema');
      if (values.length > 0) found.push(`imports ${values.join(', ')} from ${module}`);
    }
  }
  for (const [call] of text.matchAll(
    /\b(?:ctx\.db|tx|db)\s*\.\s*(?:select|selectDistinct|insert|update|delete|execute)\s*\(/g,
  ))
    found.push(`calls ${call.replace(/\s+/g, '')}…)`);
  return found;
}

describe('routers reach the database only through repositories', () => {
  it('no router imports drizzle-orm or the @ferry/db schema, or builds a query', () => {
    const offenders = sources('routers').flatMap(({ file, text }) =>
      directDatabaseUse(text).map((what) => `${file} ${what}`),
    );
    expect(offenders).toEqual([]);
  });

  it('no other module outside repositories/ imports drizzle-orm or the schema, or builds a query', () => {
    const offenders = sources('.').flatMap(({ file, text }) =>
      directDatabaseUse(text, true).map((what) => `${file} ${what}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the check catches each way a router could reach the database', () => {
    expect(directDatabaseUse("import { eq } from 'drizzle-orm';")).toEqual(['imports drizzle-orm']);
    expect(directDatabaseUse("import { schema, type Db } from '@ferry/db';")).toEqual([
      'imports schema from @ferry/db',
    ]);
    expect(directDatabaseUse("import type { Db } from '@ferry/db';")).toEqual([]);
    expect(directDatabaseUse("import { type Db } from '@ferry/db';")).toEqual([]);
    expect(directDatabaseUse("import { openDatabase, schema } from '@ferry/db';", true)).toEqual([
      'imports schema from @ferry/db',
    ]);
    expect(directDatabaseUse('await tx\n  .update(t).set({})')).toEqual(['calls tx.update(…)']);
    expect(directDatabaseUse('const rows = await ctx.db.select().from(t);')).toEqual([
      'calls ctx.db.select(…)',
    ]);
    expect(directDatabaseUse('ctx.db.transaction(async (tx) => findUser(tx, id))')).toEqual([]);
  });

  it('repositories/ holds only <noun>-repository.ts files', () => {
    const misplaced = readdirSync(join(here, 'repositories')).filter(
      (f) => !/^[a-z]+(-[a-z]+)*-repository(\.test)?\.ts$/.test(f),
    );
    expect(misplaced).toEqual([]);
  });
});

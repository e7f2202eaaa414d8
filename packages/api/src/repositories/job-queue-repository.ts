// The job queue's SQL (pg-boss 10, schema `ferry_jobs`, created by migration 0007): pg-boss writes
// its own statements; this turns them into queries on a Drizzle database or transaction, so a job
// is enqueued in the transaction of the change that raised it and workers poll through the same
// pool (PostgreSQL) or the one embedded connection (PGlite).
import { rawRows, type Db } from '@ferry/db';
import { sql, type SQL } from 'drizzle-orm';

/** What pg-boss calls to run its SQL (its `db` option). */
export interface JobExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** The schema pg-boss's tables live in (not its default `pgboss`, which another app may own). */
export const JOB_SCHEMA = 'ferry_jobs';

/**
 * A pg-boss statement with `$n` placeholders as a Drizzle query with the same values as parameters.
 * Plain objects become JSON text (pg-boss casts them with `::jsonb`), arrays PostgreSQL array text,
 * Dates ISO text.
 */
function statement(text: string, values: readonly unknown[]): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)));
    chunks.push(sql`${sql.param(parameter(values[Number(match[1]) - 1]))}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

function parameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  // As PostgreSQL array text (pg-boss casts it, e.g. `($3)::uuid[]`): drivers differ on arrays.
  if (Array.isArray(value))
    return `{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return JSON.stringify(value);
  return value;
}

/** pg-boss's `db` over a Drizzle database or transaction. */
export function jobExecutor(db: Db): JobExecutor {
  return {
    async executeSql(text, values = []) {
      return { rows: [...(await rawRows(db, statement(text, values)))] };
    },
  };
}

/**
 * Pending webhook deliveries that no waiting, retrying or running job of `queue` carries: a
 * restored backup has the deliveries but not the jobs, and a job that failed for good while the
 * database could not record its last attempt leaves one behind.
 */
export async function deliveriesWithoutJob(db: Db, queue: string): Promise<string[]> {
  const rows = await rawRows<{ id: string }>(
    db,
    sql`select d.id from webhook_deliveries d
        where d.status = 'pending'
          and not exists (
            select 1 from ${sql.raw(JOB_SCHEMA)}.job j
            where j.name = ${queue} and j.state in ('created', 'retry', 'active')
              and j.data ->> 'deliveryId' = d.id)
        order by d.created_at`,
  );
  return rows.map((r) => r.id);
}

// What of an error may go into the log: a database error's code and message with the values taken
// out (its query parameters, detail and the failed query carry what users typed, secrets included).

/** A driver's error: postgres-js's PostgresError or PGlite's DatabaseError (a SQLSTATE and fields). */
interface DatabaseErrorLike extends Error {
  code: string;
  severity?: string;
  constraint?: string;
  constraint_name?: string;
  table?: string;
  table_name?: string;
  column?: string;
  column_name?: string;
  schema?: string;
  schema_name?: string;
  routine?: string;
}

const isDatabaseError = (e: unknown): e is DatabaseErrorLike =>
  e instanceof Error &&
  typeof (e as { code?: unknown }).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((e as unknown as { code: string }).code) &&
  ('severity' in e || 'routine' in e);

/**
 * Drizzle wraps every failed query in an error whose message lists the query's parameters. Also its
 * copy as a plain object (pg-boss reports a worker's error as `{ ...error, message, stack }`).
 */
const isQueryError = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && 'query' in e && 'params' in e;

/** Quoted parts of a database message are values ('abc', "abc"); the rest is the server's text. */
export const redactValues = (message: string): string =>
  message
    .replace(/"(?:[^"]|"")*"/g, '"…"')
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/\s+/g, ' ')
    .trim();

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < 8; e = (e as Error).cause)
    chain.push(e);
  return chain;
}

/**
 * The error as the log may show it. When a database error is anywhere in its cause chain, only
 * that error's code, severity, message (values redacted) and the schema names it points at — no
 * stack (whose first line repeats the message), no query, parameters or detail; any wrapper's
 * message is left out too, since tRPC and Drizzle copy the driver's text (and parameters) into it.
 * Other errors keep their type, message and stack.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  const chain = causes(err);
  const database = chain.find(isDatabaseError);
  if (database)
    return {
      type: database.constructor.name,
      code: database.code,
      ...(database.severity !== undefined && { severity: database.severity }),
      message: redactValues(database.message),
      ...names(database),
    };
  if (chain.some(isQueryError))
    return { type: 'DrizzleQueryError', message: 'A database query failed (values not logged).' };
  if (!(err instanceof Error)) return { type: typeof err, message: 'A non-Error was thrown.' };
  return {
    type: err.constructor.name,
    message: err.message,
    ...(err.stack !== undefined && { stack: err.stack }),
    ...(err.cause !== undefined && { cause: loggableError(err.cause) }),
  };
}

function names(e: DatabaseErrorLike): Record<string, string> {
  const out: Record<string, string> = {};
  const pick = (key: string, ...values: (string | undefined)[]) => {
    const value = values.find((v) => typeof v === 'string' && v !== '');
    if (value !== undefined) out[key] = value;
  };
  pick('constraint', e.constraint, e.constraint_name);
  pick('table', e.table, e.table_name);
  pick('column', e.column, e.column_name);
  pick('schema', e.schema, e.schema_name);
  pick('routine', e.routine);
  return out;
}

/**
 * Every Ferry logger's serializers: an error logged under `err` goes in as loggableError shows it,
 * and what loggableError already made goes in as it is (pino's own serializer would take it for an
 * error, as it has a message, and overwrite its `type` with "Object").
 */
export const logSerializers = {
  err: (e: unknown): unknown => (e instanceof Error ? loggableError(e) : e),
};

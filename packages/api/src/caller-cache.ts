// Who an API token speaks for, remembered by this process for CALLER_CACHE_MS, so that a busy
// client (a pipeline, the load benchmark) does not pay a database round trip per request to say
// who it is. Safe against revocation:
//  - on this server, a change of what a token speaks for (a revoked token, a disabled user, a new
//    role) takes effect at once: the change runs inside `callersChanging()`, which forgets every
//    cached caller and caches none until the change has committed or rolled back (a lookup that
//    overlapped it is not kept either). The repository functions making such changes refuse to
//    run outside it (`assertCallersChanging`), so a new code path cannot forget.
//  - on other servers on the same database, it takes effect within CALLER_CACHE_MS of the commit:
//    their cached answers are that old at most.
// Only tokens that were valid are kept (an unknown token asks the database every time); web
// sessions are not cached (people, not pipelines, use them).

/** How long a token's caller is believed without asking the database again (other replicas' bound). */
export const CALLER_CACHE_MS = 1_000;
/** Tokens remembered at most (the oldest go first). */
const MAX_ENTRIES = 10_000;

export interface CachedCaller {
  id: string;
  name: string;
  role: string;
  tokenId: string;
  lastUsedAt: Date | null;
}

/** Per database (two servers in one process, as tests run them, may have two), by token hash. */
const caches = new WeakMap<
  object,
  Map<string, { caller: CachedCaller; until: number; generation: number }>
>();
/** Moves on whenever cached callers may be wrong: entries (and lookups) of before are not used. */
let generation = 0;
/** Changes of users or tokens in progress: nothing is cached meanwhile. */
let changing = 0;

/** The cached caller of a token's hash, if it was looked up less than CALLER_CACHE_MS ago. */
export function cachedCaller(
  database: object,
  tokenHash: string,
  now = Date.now(),
): CachedCaller | undefined {
  const entries = caches.get(database);
  const hit = entries?.get(tokenHash);
  if (hit === undefined) return undefined;
  if (hit.until > now && hit.generation === generation && changing === 0) return hit.caller;
  entries?.delete(tokenHash);
  return undefined;
}

/** Where a lookup starts: pass it to `cacheCaller` with the answer. */
export const callerLookup = (): number => generation;

/** Keep the answer of a lookup started at `lookup`, unless users or tokens changed meanwhile. */
export function cacheCaller(
  database: object,
  tokenHash: string,
  caller: CachedCaller,
  lookup: number,
): void {
  if (lookup !== generation || changing > 0) return;
  let entries = caches.get(database);
  if (entries === undefined) caches.set(database, (entries = new Map()));
  entries.delete(tokenHash);
  entries.set(tokenHash, { caller, until: Date.now() + CALLER_CACHE_MS, generation });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
}

/**
 * Run `change` (a transaction that revokes a token or changes a user) with the cache out of the
 * way: cached callers are forgotten before it starts and again once it has ended, and none is
 * kept while it runs.
 */
export async function callersChanging<T>(change: () => Promise<T>): Promise<T> {
  changing++;
  generation++;
  try {
    return await change();
  } finally {
    changing--;
    generation++;
  }
}

/** Refuse a change of users or tokens made outside `callersChanging` (a programming error). */
export function assertCallersChanging(what: string): void {
  if (changing === 0)
    throw new Error(
      `${what} changes whom API tokens speak for: run it inside callersChanging() (caller-cache.ts).`,
    );
}

// CB runs a dialog's interactions along a doubly linked chain: each interaction names the one
// after it (`nextMessageId`) and the one before it (`prevMessageId`); the first has no
// prevMessageId and the last no nextMessageId (as in CB's own exports). Reordering, adding or
// removing an interaction in CB rewrites the links of the interactions around it; these functions
// do the same, returning the interactions whose links change (new objects, other keys untouched
// and in their places).
import { entityId } from './content.js';
import { setKey, type JsonObject, type JsonValue } from './json.js';
import { err, ok, type Result } from './result.js';

const PREV = 'prevMessageId';
const NEXT = 'nextMessageId';

/** The entity with its links set to `prev` and `next` (undefined: no such key), or null if unchanged. */
function withLinks(
  entity: JsonObject,
  prev: string | undefined,
  next: string | undefined,
): JsonObject | null {
  if (entity[PREV] === prev && entity[NEXT] === next) return null;
  const out: JsonObject = {};
  for (const key in entity) {
    if (key === PREV) {
      if (prev !== undefined) out[PREV] = prev;
    } else if (key === NEXT) {
      if (next !== undefined) out[NEXT] = next;
    } else setKey(out, key, entity[key] as JsonValue);
  }
  if (prev !== undefined && !(PREV in out)) out[PREV] = prev;
  if (next !== undefined && !(NEXT in out)) out[NEXT] = next;
  return out;
}

/** The interactions (of one dialog) whose links change so that CB runs them in `order` (ids). */
export function relinkChain(
  interactions: readonly JsonObject[],
  order: readonly string[],
): JsonObject[] {
  const byId = new Map(interactions.map((i) => [entityId(i), i] as const));
  const changed: JsonObject[] = [];
  order.forEach((id, i) => {
    const entity = byId.get(id);
    if (entity === undefined) return;
    const next = withLinks(entity, order[i - 1], order[i + 1]);
    if (next !== null) changed.push(next);
  });
  return changed;
}

/** The running order of a dialog's interactions: along the chain from its head, then the rest. */
export function chainOrder(interactions: readonly JsonObject[]): string[] {
  const ids = interactions.map((i) => entityId(i) ?? '');
  const byId = new Map(interactions.map((i) => [entityId(i) ?? '', i] as const));
  const pointedAt = new Set(
    interactions.map((i) => i[NEXT]).filter((n): n is string => typeof n === 'string'),
  );
  const out: string[] = [];
  const seen = new Set<string>();
  const follow = (start: string) => {
    let at: string | undefined = start;
    while (at !== undefined && byId.has(at) && !seen.has(at)) {
      seen.add(at);
      out.push(at);
      const next: JsonValue | undefined = byId.get(at)?.[NEXT];
      at = typeof next === 'string' ? next : undefined;
    }
  };
  for (const id of ids) if (!pointedAt.has(id)) follow(id);
  for (const id of ids) follow(id);
  return out;
}

/**
 * The links to write when `added` joins a dialog's chain right after the interaction `after` (null:
 * first): the new interaction itself (unless it names its own links) and its new neighbours.
 */
export function linkIntoChain(
  interactions: readonly JsonObject[],
  added: JsonObject,
  after: string | null,
): { added: JsonObject; neighbours: JsonObject[] } {
  const order = chainOrder(interactions);
  if (PREV in added || NEXT in added) return { added, neighbours: [] };
  const at = after === null ? 0 : order.indexOf(after) + 1 || order.length;
  const id = entityId(added) ?? '';
  const next = [...order.slice(0, at), id, ...order.slice(at)];
  const changes = relinkChain([...interactions, added], next);
  const self = changes.find((c) => entityId(c) === id) ?? added;
  return { added: self, neighbours: changes.filter((c) => entityId(c) !== id) };
}

/** The neighbours whose links change when `removedId` leaves its dialog's chain. */
export function unlinkFromChain(
  interactions: readonly JsonObject[],
  removedId: string,
): JsonObject[] {
  const removed = interactions.find((i) => entityId(i) === removedId);
  if (removed === undefined) return [];
  const prev = typeof removed[PREV] === 'string' ? removed[PREV] : undefined;
  const next = typeof removed[NEXT] === 'string' ? removed[NEXT] : undefined;
  const out: JsonObject[] = [];
  for (const i of interactions) {
    if (entityId(i) === removedId) continue;
    const id = entityId(i);
    const changed =
      id === prev && i[NEXT] === removedId
        ? withLinks(i, i[PREV] as string | undefined, next)
        : id === next && i[PREV] === removedId
          ? withLinks(i, prev, i[NEXT] as string | undefined)
          : null;
    if (changed !== null) out.push(changed);
  }
  return out;
}

/**
 * Where a new interaction goes in its dialog, as a person says it: at an index of the dialog's
 * list (0: first), right before or right after one of its interactions, or (none given) last.
 */
export interface InteractionPlace {
  index?: number;
  before?: string;
  after?: string;
}

export interface PlacedInteraction {
  /** Where it goes in the dialog's list; undefined: at the end. */
  index: number | undefined;
  /** The new interaction with its links (unless it names its own). */
  added: JsonObject;
  /** Its neighbours whose links change. */
  neighbours: JsonObject[];
}

/**
 * Puts `added` into a dialog (its `interactions`, in list order) where `place` says, and links it
 * into CB's chain there: after the interaction it follows in the list (before X: after the one X
 * runs after; last: after the chain's last). An unknown neighbour is NOT_FOUND at `before` or
 * `after`, naming more than one place VALIDATION.
 */
export function placeInteraction(
  interactions: readonly JsonObject[],
  added: JsonObject,
  place: InteractionPlace,
): Result<PlacedInteraction> {
  const given = (['index', 'before', 'after'] as const).filter((k) => place[k] !== undefined);
  if (given.length > 1)
    return err(
      'VALIDATION',
      `Say where the new interaction goes once: ${given.join(' and ')} were both given.`,
      { path: given[1] },
    );
  const ids = interactions.map((i) => entityId(i) ?? '');
  const link = (index: number | undefined, after: string | null): Result<PlacedInteraction> => {
    const linked = linkIntoChain(interactions, added, after);
    return ok({ index, added: linked.added, neighbours: linked.neighbours });
  };
  const neighbour = place.before ?? place.after;
  if (neighbour !== undefined) {
    const field = place.before !== undefined ? 'before' : 'after';
    const at = ids.indexOf(neighbour);
    if (at < 0)
      return err(
        'NOT_FOUND',
        `The dialog has no interaction with id "${neighbour}" to add ${field}: it may have been deleted or moved since.`,
        { path: field },
      );
    if (field === 'after') return link(at + 1, neighbour);
    const order = chainOrder(interactions);
    return link(at, order[order.indexOf(neighbour) - 1] ?? null);
  }
  if (place.index === undefined) return link(undefined, chainOrder(interactions).at(-1) ?? null);
  const index = Math.min(place.index, ids.length);
  return link(place.index, index > 0 ? (ids[index - 1] ?? null) : null);
}

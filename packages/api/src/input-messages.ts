// Input refusals as sentences for people. A schema's own message says what a value must be ("must
// not be empty"); the refusal names the field in words ("The target", "The key of item 2 of
// variables") and ends as a sentence. zod's built-in messages ("Invalid input: expected string,
// received undefined") are replaced by ones made from the issue's code. Free of server code: the web
// app's forms word their refusals with it too.

/** What this needs of a zod issue (zod 4's shapes; every field but path and message optional). */
export interface InputIssue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  expected?: unknown;
  origin?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: boolean;
  values?: readonly unknown[];
  keys?: readonly string[];
  errors?: readonly (readonly InputIssue[])[];
}

/** Field names that read badly split into words. */
const FIELD_WORDS: Record<string, string> = {
  ifRevision: 'revision the change is based on',
  baseRevision: 'revision the change is based on',
  fromVersion: 'version to release',
  at: 'time',
  document: 'file',
  q: 'search text',
};

/** `fromVersion` → "version to release", `dialogId` → "dialog id", 2 → "item 3". */
function words(segment: PropertyKey): string {
  if (typeof segment === 'number') return `item ${segment + 1}`;
  const key = String(segment);
  if (/^\d+$/.test(key)) return `item ${Number(key) + 1}`;
  return FIELD_WORDS[key] ?? key.replace(/([a-z\d])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The field a path names, as the subject of a sentence: "The key of item 2 of variables". */
export function fieldSubject(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'The input';
  const [last, ...outer] = [...path].reverse().map(words);
  const subject = [last, ...outer].join(' of ');
  return /^item /.test(subject) ? subject[0]?.toUpperCase() + subject.slice(1) : `The ${subject}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

const plural = (n: unknown, one: string, many: string) => `${String(n)} ${n === 1 ? one : many}`;

/** What a value of `origin` must be to pass a bound (`at least` / `at most`). */
function bound(origin: unknown, bounds: string, n: unknown, inclusive: boolean): string {
  if (origin === 'string') return `must be ${bounds} ${plural(n, 'character', 'characters')}`;
  if (origin === 'array' || origin === 'set')
    return `must list ${bounds} ${plural(n, 'item', 'items')}`;
  if (inclusive) return `must be ${bounds} ${String(n)}`;
  return `must be ${bounds === 'at least' ? 'more' : 'less'} than ${String(n)}`;
}

/** What an issue says a value must be, from its code (zod's own wording is for programmers). */
function predicateOf(issue: InputIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return 'is missing';
      return `must be ${TYPE_WORDS[String(issue.expected)] ?? String(issue.expected)}`;
    case 'too_small':
      if ((issue.origin === 'string' || issue.origin === 'array') && issue.minimum === 1)
        return 'must not be empty';
      return bound(issue.origin, 'at least', issue.minimum, issue.inclusive !== false);
    case 'too_big':
      return bound(issue.origin, 'at most', issue.maximum, issue.inclusive !== false);
    case 'invalid_value':
      return `must be one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return 'is not in the expected format';
    case 'unrecognized_keys':
      return `has fields Ferry does not know: ${(issue.keys ?? []).join(', ')}`;
    case 'invalid_union': {
      // The first alternative that says something in words (a reference: a number or a name).
      const said = issue.errors?.flat().find((i) => ownWords(i.message));
      return said ? said.message : 'is not valid';
    }
    default:
      return 'is not valid';
  }
}

/** A schema's own message ("must not be empty") rather than zod's ("Invalid input: …"). */
const ownWords = (message: string) => /^[a-z]/.test(message);

/**
 * The sentence a refused input shows: "The target must name an automation by its id or name."
 * (`path` is the issue's; a nested union issue keeps its outer path.)
 */
export function inputSentence(issue: InputIssue): string {
  const predicate = ownWords(issue.message) ? issue.message : predicateOf(issue);
  const sentence = `${fieldSubject(issue.path)} ${predicate}`;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

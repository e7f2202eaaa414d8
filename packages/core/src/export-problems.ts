// What is wrong with a file that is not a CB export, said for people: "The file is not a CB export:
// it has no “bot” section." The JSON pointer of the offending value stays in the error's `path` for
// programs; the message names the place in words ("the “id” of dialog 2 in “groups”").

/** Every refusal of a file that is not a CB export starts so (the CLI puts the file's name first). */
export const NOT_A_CB_EXPORT = 'The file is not a CB export';

/** What each list section of an export holds, one of them. */
const ENTRY_OF: Record<string, string> = {
  groups: 'dialog',
  conversationMessage: 'interaction',
  responder: 'integration',
};

/** What each main section holds, said after its name. */
const SECTION_HOLDS: Record<string, string> = {
  groups: ' (its dialogs)',
  conversationMessage: ' (its interactions)',
  responder: ' (its integrations)',
};

const segmentsOf = (pointer: string): string[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** A section of the export by name: the “groups” section (its dialogs). */
export const sectionPlace = (key: string): string =>
  `the “${key}” section${SECTION_HOLDS[key] ?? ''}`;

/**
 * Where a JSON pointer points in a CB export, as a noun phrase: '' → "the file", `/bot` → "the
 * “bot” section", `/groups/1/id` → "the “id” of dialog 2 in “groups”", `/bot/name` → "the bot's
 * “name”".
 */
export function exportPlace(pointer: string): string {
  const [section, index, ...rest] = segmentsOf(pointer);
  if (section === undefined) return 'the file';
  if (index === undefined) return sectionPlace(section);
  const inner = (parts: string[]) => `“${parts.join(' › ')}”`;
  if (section === 'bot') return `the bot's ${inner([index, ...rest])}`;
  if (!/^\d+$/.test(index)) return `${inner([index, ...rest])} in the “${section}” section`;
  const entry = `${ENTRY_OF[section] ?? 'entry'} ${Number(index) + 1} in “${section}”`;
  return rest.length === 0 ? entry : `the ${inner(rest)} of ${entry}`;
}

/** The refusal's message: `The file is not a CB export: ${problem}.` */
export const notACbExport = (problem: string): string => `${NOT_A_CB_EXPORT}: ${problem}.`;

/** The usual problems, each about the value at `pointer`. */
export const exportProblem = {
  missingSection: (key: string) => `it has no “${key}” section${SECTION_HOLDS[key] ?? ''}`,
  notObject: (pointer: string) => `${exportPlace(pointer)} is not an object`,
  notList: (pointer: string) => `${exportPlace(pointer)} is not a list`,
  notText: (pointer: string) => `${exportPlace(pointer)} is not text`,
  /** An entry (`/groups/1`) whose id is missing or empty. */
  noId: (entry: string) => `${exportPlace(entry)} has no id`,
  /** An entry whose id an earlier entry of its kind has. */
  repeatedId: (entry: string, id: string) =>
    `${exportPlace(entry)} has the id “${id}”, which an earlier ${entryKind(entry)} has too`,
  /** An interaction (`/conversationMessage/2`) whose `group` is not text. */
  noDialog: (entry: string) =>
    `${exportPlace(entry)} does not name its dialog (its “group” is not text)`,
  /** Any other problem, said after the place (`reason`: "nests deeper than 64 levels"). */
  at: (pointer: string, reason: string) => `${exportPlace(pointer)} ${reason}`,
};

/** "dialog", "interaction", "integration" or "entry", for the entry at `/section/i`. */
function entryKind(entry: string): string {
  return ENTRY_OF[segmentsOf(entry)[0] ?? ''] ?? 'entry';
}

// Reading a form action's FormData: its text fields, checkboxes and chosen file, and the fields a
// page checks before calling the API, read with the API's own input schemas (`@ferry/api/inputs`)
// so that the rule and its message are the API's, not a second copy.
import { baseRevision, inputSentence, refInput } from '@ferry/api/inputs';

/** A text field ('' when the form lacks it). */
export const text = (form: FormData, key: string): string => String(form.get(key) ?? '');

/** Several text fields at once, by name: what the page puts back into its inputs on a failure. */
export const texts = <const K extends string>(form: FormData, ...keys: K[]): Record<K, string> =>
  Object.fromEntries(keys.map((key) => [key, text(form, key)])) as Record<K, string>;

/** A checkbox, as the page's inputs read it back: 'on' when ticked, '' when not. */
export const checkbox = (form: FormData, key: string): 'on' | '' => (form.get(key) ? 'on' : '');

/** The file chosen in a file input, or undefined when none was (browsers send an empty one). */
export function chosenFile(form: FormData, key: string): File | undefined {
  const file = form.get(key);
  return file instanceof File && file.size > 0 ? file : undefined;
}

/** The revision the page showed, as the API's `baseRevision` reads it; undefined when none is. */
export function revisionOf(form: FormData, key = 'baseRevision'): number | undefined {
  const parsed = baseRevision.safeParse(Number(form.get(key)));
  return parsed.success ? parsed.data : undefined;
}

/** A schema's answer for one field: its value, or the message saying what is wrong with it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: { message: string; code?: string }[] } };
}

/** One field (`field`: its name, for the message) checked with one of the API's input schemas. */
export function check<T>(schema: Schema<T>, value: unknown, field: string): Checked<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0] ?? { message: 'is not valid' };
  return { ok: false, message: inputSentence({ ...issue, path: [field] }) };
}

/** Text that must say something: trimmed, not empty, storable (the API's reference rule). */
export const required = refInput('must not be empty');

/**
 * A CB export sent as a file (the form without JavaScript, or API-style), or already uploaded
 * through content-addressed sync by the page's script (`$lib/sync-import`): then the form carries
 * the tree's root, the export's bot name and the file's name instead of the file.
 */
export type ImportSource =
  | { kind: 'file'; file: File; fileName: string }
  | { kind: 'synced'; root: string; botName: string | null; fileName: string };

export function importSource(form: FormData, key = 'file'): ImportSource | undefined {
  const root = form.get('root');
  if (typeof root === 'string' && root !== '') {
    const botName = form.get('botName');
    return {
      kind: 'synced',
      root,
      botName: typeof botName === 'string' ? botName : null,
      fileName: text(form, 'fileName') || 'the file',
    };
  }
  const file = chosenFile(form, key);
  return file ? { kind: 'file', file, fileName: file.name } : undefined;
}

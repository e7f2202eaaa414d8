// The "Add interaction" form: which kind of interaction (core's NEW_INTERACTION_KINDS), its texts,
// options and code, and where it goes in the dialog (first, last, right before or after one of its
// interactions). Pure: the page renders the fields, the action turns what was posted into core's
// spec and the API's place, and into the sentence that says what was done.
import {
  NEW_INTERACTION_KINDS,
  type NewInteractionKind,
  type NewInteractionSpec,
} from '@ferry/core';

export { NEW_INTERACTION_KINDS };
export type { NewInteractionKind };

/** Where the new interaction goes, as the form's "Position" says it. */
export const PLACES = [
  { value: 'last', label: 'At the end of the dialog' },
  { value: 'first', label: 'At the start of the dialog' },
  { value: 'after', label: 'After the interaction…' },
  { value: 'before', label: 'Before the interaction…' },
] as const;
export type Place = (typeof PLACES)[number]['value'];

/** The kind a form value names (the first, a text message, for anything else). */
export const kindOf = (type: string | undefined): NewInteractionKind =>
  NEW_INTERACTION_KINDS.find((k) => k.type === type) ??
  (NEW_INTERACTION_KINDS[0] as NewInteractionKind);

/** The label of the main text field: a question asks, anything else says. */
export const textLabel = (kind: NewInteractionKind) =>
  kind.question ? 'Question' : 'Message text';

const lines = (text: string | undefined) => (text ?? '').split(/\r?\n/);

/** An integration as the form offers it: the select's value is its id, or its name when it has none. */
export const integrationKey = (i: { id: string; name: string }) => i.id || i.name;

/** Core's description of the interaction the posted form asks for. */
export function specOf(
  values: Readonly<Record<string, string>>,
  integrations: readonly { id: string; name: string }[],
): NewInteractionSpec {
  const kind = kindOf(values.type);
  const chosen = integrations.find((i) => integrationKey(i) === values.integration);
  const code = {
    preProcessMessage: values.preProcessMessage ?? '',
    postProcessMessage: values.postProcessMessage ?? '',
    ...(kind.question && { processUserResponse: values.processUserResponse ?? '' }),
  };
  return {
    type: values.type ?? kind.type,
    name: (values.name ?? '').trim(),
    text: values.text ?? '',
    options: lines(values.options),
    card: { title: values.title ?? '', subtitle: values.subtitle ?? '', image: values.image ?? '' },
    patterns: lines(values.patterns),
    ...(chosen && { integration: { id: chosen.id, name: chosen.name } }),
    richContent: values.richContent ?? '',
    code,
  };
}

/** The API's place for the posted position: an index, a neighbour, or nothing (last). */
export type PlaceInput = { index?: number; before?: string; after?: string };

export function placeOf(
  values: Readonly<Record<string, string>>,
): { ok: true; place: PlaceInput } | { ok: false; message: string } {
  const place = values.place ?? 'last';
  if (place === 'first') return { ok: true, place: { index: 0 } };
  if (place === 'before' || place === 'after') {
    const anchor = values.anchor ?? '';
    if (anchor === '') return { ok: false, message: `Choose the interaction to add it ${place}.` };
    return { ok: true, place: { [place]: anchor } };
  }
  return { ok: true, place: {} };
}

/** Where it went, for the success message: "after “Ask”", "at the end of “Returns”". */
export function placeText(values: Readonly<Record<string, string>>): string {
  const dialog = `“${values.dialogName ?? ''}”`;
  switch (values.place) {
    case 'first':
      return `at the start of ${dialog}`;
    case 'before':
    case 'after':
      return `${values.place} “${values.anchorName ?? ''}”`;
    default:
      return `at the end of ${dialog}`;
  }
}

// What changed inside one changed field: a word diff of a one-line text, a line diff of a multi-line
// text or code (or of a JSON value printed with indentation), as equal/added/removed segments. The
// one home of this rule for the web UI and the CLI; jsdiff (`diff`, pure JS) does the work.
import { diffLines, diffWordsWithSpace } from 'diff';
import type { JsonValue } from './json.js';

export interface TextSegment {
  op: 'equal' | 'added' | 'removed';
  text: string;
}

export interface TextDiff {
  /** `words` for one-line texts, `lines` when either side has a line break. */
  mode: 'words' | 'lines';
  segments: TextSegment[];
}

/** Texts longer than this (either side, in characters) are not diffed: both are shown whole. */
export const TEXT_DIFF_MAX_CHARS = 100_000;
/** Edit scripts longer than this (tokens) are not worth reading: both sides are shown whole. */
export const TEXT_DIFF_MAX_EDIT = 2_000;

/**
 * The word or line diff of two texts, or null when there is nothing to diff (equal texts), when a
 * text is too long, or when the texts differ too much for a diff to help (see the limits above).
 */
export function textDiff(before: string, after: string): TextDiff | null {
  if (before === after) return null;
  if (before.length > TEXT_DIFF_MAX_CHARS || after.length > TEXT_DIFF_MAX_CHARS) return null;
  const mode = before.includes('\n') || after.includes('\n') ? 'lines' : 'words';
  const options = { maxEditLength: TEXT_DIFF_MAX_EDIT };
  const parts =
    mode === 'lines'
      ? diffLines(before, after, options)
      : diffWordsWithSpace(before, after, options);
  if (parts === undefined) return null;
  const segments: TextSegment[] = [];
  for (const p of parts) {
    const op = p.added ? 'added' : p.removed ? 'removed' : 'equal';
    const last = segments[segments.length - 1];
    if (last !== undefined && last.op === op) last.text += p.value;
    else if (p.value !== '') segments.push({ op, text: p.value });
  }
  // Nothing in common at all: two whole blobs read better than one long strike-through.
  if (!segments.some((s) => s.op === 'equal' && s.text.trim() !== '')) return null;
  return { mode, segments };
}

/**
 * The diff of a changed field's two values: texts as `textDiff`; two objects or arrays as the line
 * diff of their indented JSON; null for anything else (a value added or removed, a type change,
 * numbers and booleans), which reads best as before and after.
 */
export function valueDiff(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
): TextDiff | null {
  if (typeof before === 'string' && typeof after === 'string') return textDiff(before, after);
  const structured = (v: JsonValue | undefined) => typeof v === 'object' && v !== null;
  if (structured(before) && structured(after)) {
    const diff = textDiff(JSON.stringify(before, null, 2), JSON.stringify(after, null, 2));
    return diff && { ...diff, mode: 'lines' };
  }
  return null;
}

// Which of a page's forms the last action's failure belongs to: each form shows only its own
// messages and gets back only its own typed values.
import type { EditResult } from './editing/types';

/** The failure of the page's form `name`, if the last action was that form and it failed. */
export function failureOf(form: unknown, name: string): EditResult | undefined {
  if (typeof form !== 'object' || form === null) return undefined;
  const result = form as EditResult;
  return result.form === name && ('error' in result || 'errors' in result) ? result : undefined;
}

// A choice made in a <select> before the page's script hydrated it (a slow connection, a busy
// phone). Svelte selects the bound value's option when it hydrates a bound select, so the choice
// would silently go back to the one the server rendered, and the form would send that.

/**
 * Attachment for a bound `<select>` (`{@attach keepEarlyChoice}` before `bind:value`): the server
 * marks the option it rendered `selected`; when another is chosen at hydration, it is announced as
 * a change, as if made now, so the bound value and the page's own `onchange` follow it. On a page
 * rendered in the browser no option carries the attribute, and nothing happens.
 */
export function keepEarlyChoice(select: HTMLSelectElement): void {
  const rendered = [...select.options].find((option) => option.defaultSelected);
  const chosen = select.selectedOptions[0];
  if (rendered && chosen && chosen !== rendered)
    select.dispatchEvent(new Event('change', { bubbles: true }));
}

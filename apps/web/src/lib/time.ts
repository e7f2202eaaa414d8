// Times as every page shows them: UTC, to the second, cut from the ISO string so the server's
// render and the browser's are identical (no time-zone or locale difference to hydrate over).

/** An ISO instant as `2026-05-01 12:34:56 UTC`. */
export const utc = (iso: string): string => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

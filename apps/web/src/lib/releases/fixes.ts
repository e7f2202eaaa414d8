// Where to fix what blocks an upgrade: each blocking check finding (by its code), failing
// conversation tests and missing approvals, as a link to the page that fixes it ("Add
// STATUS_PAGE_URL to Production" → that environment's Add variable form, filled in). Built from
// releases.show's structured answer, never from its sentences.

export interface Fix {
  /** What to do, as the link's text. */
  text: string;
  href: string;
}

export interface FixContext {
  /** The automation the release is addressed to, with its linked environment. */
  target: { id: string; name: string; environment: { id: string; name: string } | null };
  source: { id: string; name: string; deleted: boolean };
  /** Adding variables and linking environments are admins' steps; others ask one. */
  isAdmin: boolean;
}

/** The Add variable form of an environment, with the variable's name filled in. */
export const addVariableHref = (environmentId: string, key: string): string =>
  `/environments/${environmentId}?add=${encodeURIComponent(key)}#add-heading`;

/** The automation page's section that links an environment to it. */
export const linkEnvironmentHref = (automationId: string): string =>
  `/automations/${automationId}/agents#environment-heading`;

/**
 * The fix of one check finding, by its code; null when no page fixes it (the warnings, which never
 * block, are fixed in the bot itself: see `placeHref`).
 */
export function findingFix(
  finding: { code: string; subject: string },
  ctx: FixContext,
): Fix | null {
  switch (finding.code) {
    case 'ENV_UNDEFINED': {
      const env = ctx.target.environment;
      const ask = ctx.isAdmin ? '' : 'Ask an admin to ';
      const step = (text: string) => (ask ? ask + text[0]?.toLowerCase() + text.slice(1) : text);
      return env
        ? {
            text: step(`Add ${finding.subject} to ${env.name}`),
            href: addVariableHref(env.id, finding.subject),
          }
        : {
            text: step(`Link an environment to ${ctx.target.name}`),
            href: linkEnvironmentHref(ctx.target.id),
          };
    }
    default:
      return null;
  }
}

/** Where a finding fired, in the source's working copy: the dialog, opened. */
export const placeHref = (dialogId: string | null | undefined, ctx: FixContext): string | null =>
  dialogId && !ctx.source.deleted
    ? `/automations/${ctx.source.id}?dialog=${encodeURIComponent(dialogId)}`
    : null;

export interface BlockedPreview {
  release: { id: string; version: string; status: string };
  checks: { errors: { code: string; subject: string }[] };
  tests: { blocking: unknown[] };
  reviews: { shortfall: string | null };
}

/**
 * Every fix of what blocks the upgrade, each once: the check findings' (one link per missing
 * variable, or one to link an environment), the tests' (in the source, then release again) and
 * the approvals' (the Approve form on this page, for a user who may approve).
 */
export function upgradeFixes(preview: BlockedPreview, ctx: FixContext, mayApprove: boolean): Fix[] {
  const fixes = new Map<string, Fix>();
  const add = (fix: Fix | null) => {
    if (fix && !fixes.has(fix.href)) fixes.set(fix.href, fix);
  };
  for (const finding of preview.checks.errors) add(findingFix(finding, ctx));
  if (preview.release.status === 'pending') {
    if (preview.tests.blocking.length > 0 && !ctx.source.deleted)
      add({
        text: `Fix the conversation tests in ${ctx.source.name}, then release again`,
        href: `/automations/${ctx.source.id}/tests`,
      });
    if (preview.reviews.shortfall !== null && mayApprove)
      add({
        text: `Approve release ${preview.release.version}`,
        href: `#approvals-heading-${preview.release.id}`,
      });
  }
  return [...fixes.values()];
}

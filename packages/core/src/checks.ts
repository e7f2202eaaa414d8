// Release checks (DESIGN.md rule 8): what an upgrade would break. Errors block an upgrade unless
// forced; warnings are shown and never block, because real CB exports contain them.
import { LINK_KEYWORDS, entityId, entityName, type BotContent } from './content.js';
import {
  describeLocation,
  findDynamicEnvUses,
  findEnvReferences,
  type Location,
} from './env-refs.js';
import { isJsonObject, pointer, type JsonObject } from './json.js';

export type CheckCode = 'ENV_UNDEFINED' | 'ENV_DYNAMIC' | 'LINK_MISSING' | 'INTEGRATION_MISSING';

export interface CheckFinding {
  code: CheckCode;
  severity: 'error' | 'warning';
  message: string;
  /** The missing variable, interaction, dialog or integration. */
  subject: string;
  locations: Location[];
  /** Each location as people read it: `dialog "Main" › interaction "Ask" › field content.code`. */
  where: string[];
}

export interface CheckReport {
  /** True when nothing blocks the upgrade. */
  ok: boolean;
  errors: CheckFinding[];
  warnings: CheckFinding[];
  /** Environment variable names the content references that the target defines none of. */
  missingEnv: string[];
}

/**
 * Check `content` for release into a target whose environment defines `environment` (the variable
 * names; null when the target has no environment linked).
 */
export function releaseChecks(
  content: BotContent,
  environment: Iterable<string> | null,
): CheckReport {
  const defined = new Set(environment ?? []);
  const missing = new Map<string, Location[]>();
  for (const ref of findEnvReferences(content)) {
    if (defined.has(ref.name)) continue;
    const list = missing.get(ref.name) ?? [];
    list.push(ref.location);
    missing.set(ref.name, list);
  }
  const errors: Omit<CheckFinding, 'where'>[] = [...missing.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, locations]) => ({
      code: 'ENV_UNDEFINED',
      severity: 'error',
      subject: name,
      message:
        environment === null
          ? `The content uses the environment variable ${name}, and the target has no environment linked.`
          : `The content uses the environment variable ${name}, which the target's environment does not define.`,
      locations,
    }));
  const located = (f: Omit<CheckFinding, 'where'>): CheckFinding => ({
    ...f,
    where: f.locations.map(describeLocation),
  });
  return {
    ok: errors.length === 0,
    errors: errors.map(located),
    warnings: [...dynamicWarnings(content), ...linkWarnings(content)].map(located),
    missingEnv: [...missing.keys()].sort(),
  };
}

/** Uses of getEnvVariable with a name known only at run time: nothing to check, said so. */
function dynamicWarnings(content: BotContent): Omit<CheckFinding, 'where'>[] {
  const findings = new Map<string, Omit<CheckFinding, 'where'>>();
  for (const use of findDynamicEnvUses(content)) {
    const key = `${use.via ?? ''}\u0000${use.expression}`;
    const f = findings.get(key);
    if (f) f.locations.push(use.location);
    else
      findings.set(key, {
        code: 'ENV_DYNAMIC',
        severity: 'warning',
        subject: use.expression,
        message: `The content reads an environment variable whose name is known only at run time (${use.via ? `${use.via}(${use.expression})` : `getEnvVariable(${use.expression})`}); the checks cannot tell whether the target defines it.`,
        locations: [use.location],
      });
  }
  return [...findings.values()];
}

function linkWarnings(content: BotContent): Omit<CheckFinding, 'where'>[] {
  const interactionIds = new Set<string>();
  const dialogIds = new Set<string>();
  for (const { dialog, interactions } of content.dialogs) {
    const id = entityId(dialog);
    if (id !== null) dialogIds.add(id);
    for (const i of interactions) {
      const iid = entityId(i);
      if (iid !== null) interactionIds.add(iid);
    }
  }
  const integrations = Array.isArray(content.sections.responder) ? content.sections.responder : [];
  const integrationIds = new Set(integrations.map(entityId).filter((x) => x !== null));
  const integrationNames = new Set(integrations.map(entityName).filter((x) => x !== null));

  const findings = new Map<string, Omit<CheckFinding, 'where'>>();
  const add = (code: CheckCode, subject: string, message: string, location: Location) => {
    const key = `${code}\u0000${subject}`;
    const f = findings.get(key);
    if (f) f.locations.push(location);
    else findings.set(key, { code, severity: 'warning', subject, message, locations: [location] });
  };

  for (const { dialog, interactions } of content.dialogs) {
    const dialogId = entityId(dialog) ?? undefined;
    const dialogName = entityName(dialog) ?? undefined;
    for (const i of interactions) {
      const at = (path: string): Location => ({
        entity: 'interaction',
        ...(dialogId && { dialogId }),
        ...(dialogName !== undefined && { dialogName }),
        id: entityId(i),
        name: entityName(i),
        path,
      });
      const next = i.nextMessageId;
      if (
        typeof next === 'string' &&
        next !== '' &&
        !LINK_KEYWORDS.has(next) &&
        !interactionIds.has(next)
      )
        add(
          'LINK_MISSING',
          next,
          `An interaction links to interaction "${next}", which does not exist.`,
          at('/nextMessageId'),
        );
      const matches = Array.isArray(i.responseMatches) ? i.responseMatches : [];
      matches.forEach((rule, r) => {
        if (!isJsonObject(rule) || !isJsonObject(rule.action)) return;
        const { name, value } = rule.action;
        if (typeof value !== 'string' || value === '' || LINK_KEYWORDS.has(value)) return;
        const path = pointer('responseMatches', r, 'action', 'value');
        if (name === 'INTERACTION' && !interactionIds.has(value))
          add(
            'LINK_MISSING',
            value,
            `An interaction links to interaction "${value}", which does not exist.`,
            at(path),
          );
        else if (typeof name === 'string' && name.includes('DIALOG') && !dialogIds.has(value))
          add(
            'LINK_MISSING',
            value,
            `An interaction links to dialog "${value}", which does not exist.`,
            at(path),
          );
      });
      const c = i.content;
      if (isJsonObject(c))
        checkIntegrationRef(c, integrationIds, integrationNames, (subject, message) =>
          add('INTEGRATION_MISSING', subject, message, at('/content/responderId')),
        );
    }
  }
  return [...findings.values()];
}

function checkIntegrationRef(
  c: JsonObject,
  ids: Set<string>,
  names: Set<string>,
  report: (subject: string, message: string) => void,
): void {
  const id = c.responderId;
  const name = c.responderName;
  if (typeof id === 'string' && id !== '') {
    if (!ids.has(id))
      report(
        id,
        `An interaction uses integration ${typeof name === 'string' ? `"${name}" ` : ''}(${id}), which does not exist.`,
      );
  } else if (typeof name === 'string' && name !== '' && !names.has(name)) {
    report(name, `An interaction uses integration "${name}", which does not exist.`);
  }
}

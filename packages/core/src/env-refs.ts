// Environment variables a content references: `{$env.NAME}` in text and
// `getEnvVariable('NAME')` / `("NAME")` in code, whatever the receiver is called.
import { entityId, entityName, type BotContent } from './content.js';
import { pointer, type JsonValue } from './json.js';
import { VARIABLE_NAME_PATTERN as NAME } from './rules.js';
import { must } from './must.js';

/** Where in the content something was found. `path` is a JSON pointer inside that entity. */
export interface Location {
  entity: 'settings' | 'dialog' | 'interaction' | 'section';
  /** The export key of a section entity (e.g. `responder`, `globalFunctions`). */
  section?: string;
  dialogId?: string;
  id: string | null;
  name: string | null;
  path: string;
}

export interface EnvReference {
  name: string;
  /** `text` for `{$env.NAME}`, `code` for `getEnvVariable(...)`. */
  form: 'text' | 'code';
  location: Location;
}

const TEXT_REF = new RegExp(`\\{\\$env\\.(${NAME})\\}`, 'g');
const CODE_REF = new RegExp(`getEnvVariable\\s*\\(\\s*(?:'(${NAME})'|"(${NAME})")\\s*\\)`, 'g');

/** Every environment-variable reference in the content, in content order. */
export function findEnvReferences(content: BotContent): EnvReference[] {
  const out: EnvReference[] = [];
  forEachEntity(content, (value, location) => scan(value, location, '', out));
  return out;
}

/** The references inside one entity (or any JSON value); `path` is a JSON pointer inside it. */
export function envReferencesIn(
  value: JsonValue,
): { name: string; form: 'text' | 'code'; path: string }[] {
  const out: EnvReference[] = [];
  scan(value, { entity: 'section', id: null, name: null, path: '' }, '', out);
  return out.map((r) => ({ name: r.name, form: r.form, path: r.location.path }));
}

/** The distinct names referenced, sorted. */
export const referencedEnvNames = (content: BotContent): string[] =>
  [...new Set(findEnvReferences(content).map((r) => r.name))].sort();

/** Calls `visit` with every entity of the content and its location (path empty). */
export function forEachEntity(
  content: BotContent,
  visit: (value: JsonValue, location: Location) => void,
): void {
  visit(content.settings, { entity: 'settings', id: null, name: 'Settings', path: '' });
  for (const { dialog, interactions } of content.dialogs) {
    const dialogId = entityId(dialog) ?? undefined;
    visit(dialog, { entity: 'dialog', id: entityId(dialog), name: entityName(dialog), path: '' });
    for (const i of interactions)
      visit(i, {
        entity: 'interaction',
        ...(dialogId && { dialogId }),
        id: entityId(i),
        name: entityName(i),
        path: '',
      });
  }
  for (const [section, value] of Object.entries(content.sections)) {
    if (Array.isArray(value)) {
      for (const e of value)
        visit(e, { entity: 'section', section, id: entityId(e), name: entityName(e), path: '' });
    } else visit(value, { entity: 'section', section, id: null, name: section, path: '' });
  }
}

function scan(value: JsonValue, location: Location, path: string, out: EnvReference[]): void {
  if (typeof value === 'string') {
    if (value.includes('$env.'))
      for (const m of value.matchAll(TEXT_REF))
        out.push({ name: must(m[1], 'm[1]'), form: 'text', location: { ...location, path } });
    if (value.includes('getEnvVariable'))
      for (const m of value.matchAll(CODE_REF))
        out.push({
          name: must(m[1] ?? m[2], '(m[1] ?? m[2])'),
          form: 'code',
          location: { ...location, path },
        });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) value.forEach((v, i) => scan(v, location, path + pointer(i), out));
  else for (const [k, v] of Object.entries(value)) scan(v, location, path + pointer(k), out);
}

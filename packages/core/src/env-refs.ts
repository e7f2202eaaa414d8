// Environment variables a content references: `{$env.NAME}` in text, and in code
// `getEnvVariable('NAME')` / `("NAME")` / (`NAME`) whatever the receiver is called, or a constant
// name passed to a function that hands it on to getEnvVariable (env-wrappers.ts says how far that
// analysis goes). What reaches getEnvVariable with a name known only at run time is a dynamic use.
import { entityId, entityName, type BotContent } from './content.js';
import {
  argumentsAt,
  callsOf,
  constantName,
  definesWrapper,
  findWrappers,
  isStringConstant,
  quoteExpression,
  type Wrapper,
} from './env-wrappers.js';
import { pointer, type JsonValue } from './json.js';
import { VARIABLE_NAME_PATTERN as NAME } from './rules.js';
import { must } from './must.js';

/** Where in the content something was found. `path` is a JSON pointer inside that entity. */
export interface Location {
  entity: 'settings' | 'dialog' | 'interaction' | 'section';
  /** The export key of a section entity (e.g. `responder`, `globalFunctions`). */
  section?: string;
  dialogId?: string;
  /** The name of the dialog an interaction belongs to (or of the dialog itself). */
  dialogName?: string;
  id: string | null;
  name: string | null;
  path: string;
}

export interface EnvReference {
  name: string;
  /**
   * `text` for `{$env.NAME}`, `code` for `getEnvVariable(...)`, `wrapper` for a constant name
   * passed to a function that hands it to getEnvVariable (`via` names it).
   */
  form: 'text' | 'code' | 'wrapper';
  via?: string;
  location: Location;
}

/** A call that reaches getEnvVariable with a name known only at run time. */
export interface DynamicEnvUse {
  /** The argument as written (one line, bounded). */
  expression: string;
  /** The wrapper called, when the use goes through one. */
  via?: string;
  location: Location;
}

const TEXT_REF = new RegExp(`\\{\\$env\\.(${NAME})\\}`, 'g');
const CODE_REF = new RegExp(
  `getEnvVariable\\s*\\(\\s*(?:'(${NAME})'|"(${NAME})"|\`(${NAME})\`)\\s*\\)`,
  'g',
);

/**
 * The key of the environment index (`content_env`) that counts the functions handing a parameter
 * to getEnvVariable. It is no variable name, so it never matches a defined variable: a content
 * with wrappers always gets the whole-content analysis.
 */
export const ENV_WRAPPER_KEY = '(getEnvVariable wrappers)';

/** Every environment-variable reference in the content, entity by entity in content order. */
export function findEnvReferences(content: BotContent): EnvReference[] {
  const wrappers = wrappersOf(content);
  const out: EnvReference[] = [];
  forEachEntity(content, (value, location) => scan(value, location, '', out, wrappers));
  return out;
}

/** Every use of getEnvVariable whose name the checks cannot know, in content order. */
export function findDynamicEnvUses(content: BotContent): DynamicEnvUse[] {
  const wrappers = wrappersOf(content);
  const out: DynamicEnvUse[] = [];
  forEachEntity(content, (value, location) =>
    eachString(value, '', (text, path) => dynamicIn(text, { ...location, path }, wrappers, out)),
  );
  return out;
}

/** The wrappers a whole content defines (none unless some string calls getEnvVariable). */
function wrappersOf(content: BotContent): Wrapper[] {
  const codes: string[] = [];
  let any = false;
  forEachEntity(content, (value) =>
    eachString(value, '', (text) => {
      if (text.includes('(')) codes.push(text);
      if (text.includes('getEnvVariable')) any = true;
    }),
  );
  return any ? findWrappers(codes) : [];
}

/**
 * What one entity adds to the environment index: the names it references directly, and
 * ENV_WRAPPER_KEY once per string defining a wrapper. (Calls of wrappers can sit in other entities,
 * so they are found by the whole-content analysis, which the key calls for.)
 */
export function envIndexKeysIn(value: JsonValue): string[] {
  const keys = envReferencesIn(value).map((r) => r.name);
  eachString(value, '', (text) => {
    if (definesWrapper(text)) keys.push(ENV_WRAPPER_KEY);
  });
  return keys;
}

/**
 * The direct references inside one entity (or any JSON value); `path` is a JSON pointer inside it.
 * Calls of wrappers are not among them: a wrapper may be defined in another entity.
 */
export function envReferencesIn(
  value: JsonValue,
): { name: string; form: 'text' | 'code' | 'wrapper'; path: string }[] {
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
    const dialogName = entityName(dialog) ?? undefined;
    visit(dialog, {
      entity: 'dialog',
      ...(dialogId && { dialogId }),
      ...(dialogName !== undefined && { dialogName }),
      id: entityId(dialog),
      name: entityName(dialog),
      path: '',
    });
    for (const i of interactions)
      visit(i, {
        entity: 'interaction',
        ...(dialogId && { dialogId }),
        ...(dialogName !== undefined && { dialogName }),
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

function scan(
  value: JsonValue,
  location: Location,
  path: string,
  out: EnvReference[],
  wrappers: readonly Wrapper[] = [],
): void {
  eachString(value, path, (text, at) => {
    if (text.includes('$env.'))
      for (const m of text.matchAll(TEXT_REF))
        out.push({ name: must(m[1], 'm[1]'), form: 'text', location: { ...location, path: at } });
    if (text.includes('getEnvVariable'))
      for (const m of text.matchAll(CODE_REF))
        out.push({
          name: must(m[1] ?? m[2] ?? m[3], '(m[1] ?? m[2] ?? m[3])'),
          form: 'code',
          location: { ...location, path: at },
        });
    for (const w of wrappers) {
      if (!text.includes(w.name)) continue;
      for (const open of callsOf(text, w)) {
        const arg = argumentsAt(text, open)?.[w.index];
        const name = arg === undefined ? null : constantName(arg);
        if (name !== null)
          out.push({ name, form: 'wrapper', via: w.name, location: { ...location, path: at } });
      }
    }
  });
}

/** The dynamic uses in one string: direct calls and wrapper calls whose name is not a constant. */
function dynamicIn(
  text: string,
  location: Location,
  wrappers: readonly Wrapper[],
  out: DynamicEnvUse[],
): void {
  // A wrapper's own parameter is followed through its callers, so it is no dynamic use.
  const params = new Set<string>();
  if (text.includes('getEnvVariable')) {
    for (const m of text.matchAll(/getEnvVariable\s*\(/g)) {
      const arg = argumentsAt(text, (m.index ?? 0) + m[0].length - 1)?.[0];
      if (arg === undefined || isStringConstant(arg)) continue;
      if (params.size === 0) for (const p of wrapperParams(text, wrappers)) params.add(p);
      if (!params.has(arg)) out.push({ expression: quoteExpression(arg), location });
    }
  }
  for (const w of wrappers) {
    if (!text.includes(w.name)) continue;
    for (const open of callsOf(text, w)) {
      const arg = argumentsAt(text, open)?.[w.index];
      if (arg === undefined || isStringConstant(arg)) continue;
      if (params.size === 0) for (const p of wrapperParams(text, wrappers)) params.add(p);
      if (!params.has(arg)) out.push({ expression: quoteExpression(arg), via: w.name, location });
    }
  }
}

/** The parameter names of the wrappers defined in `text` (those handed on to getEnvVariable). */
function wrapperParams(text: string, wrappers: readonly Wrapper[]): string[] {
  const names = new Set(wrappers.map((w) => w.name));
  const out: string[] = [];
  const headers = [
    /\bfunction\s+([A-Za-z_$][\w$]*)\s*\(([^()]*)\)/g,
    /([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s+)?function\b\s*[\w$]*\s*\(([^()]*)\)/g,
    /([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s+)?\(([^()]*)\)\s*=>/g,
    /([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/g,
  ];
  for (const header of headers)
    for (const m of text.matchAll(header))
      if (names.has(m[1] ?? ''))
        for (const p of (m[2] ?? '').split(',')) out.push((p.split('=')[0] ?? '').trim());
  return out;
}

/** Calls `visit` with every string inside a JSON value and its JSON pointer. */
function eachString(
  value: JsonValue,
  path: string,
  visit: (text: string, path: string) => void,
): void {
  if (typeof value === 'string') {
    visit(value, path);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) value.forEach((v, i) => eachString(v, path + pointer(i), visit));
  else for (const [k, v] of Object.entries(value)) eachString(v, path + pointer(k), visit);
}

/** A JSON pointer as a field path people read: `/content/code` → `content.code`, `/a/0/b` → `a[0].b`. */
export function fieldOf(path: string): string {
  if (path === '') return '(the whole entity)';
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc === '' ? seg : `${acc}.${seg}`),
      '',
    );
}

/** Where a finding is, as people read it: `dialog "Main" › interaction "Ask" › field content.code`. */
export function describeLocation(l: Location): string {
  const q = (s: string | null | undefined, fallback: string) =>
    s === null || s === undefined || s === '' ? fallback : JSON.stringify(s);
  const field = `field ${fieldOf(l.path)}`;
  switch (l.entity) {
    case 'settings':
      return `the bot settings › ${field}`;
    case 'dialog':
      return `dialog ${q(l.name, l.id ?? '(unnamed)')} › ${field}`;
    case 'interaction':
      return `dialog ${q(l.dialogName, l.dialogId ?? '(unknown)')} › interaction ${q(l.name, l.id ?? '(unnamed)')} › ${field}`;
    case 'section': {
      const section = `section ${l.section ?? '(unknown)'}`;
      const own = l.id === null && (l.name === null || l.name === l.section);
      return own ? `${section} › ${field}` : `${section} › ${q(l.name, l.id ?? '')} › ${field}`;
    }
  }
}

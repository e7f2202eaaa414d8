import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { emptyContent } from './content.js';
import {
  ENV_WRAPPER_KEY,
  describeLocation,
  envIndexKeysIn,
  findDynamicEnvUses,
  findEnvReferences,
  referencedEnvNames,
} from './env-refs.js';
import { readFixture } from './test-support/fixtures.js';
import { must } from './test-support/bots.js';
import { must as present } from './must.js';

const withInteraction = (fields: Record<string, string>) => {
  const content = emptyContent();
  content.dialogs.push({
    dialog: { id: 'd1', name: 'Main' },
    interactions: [{ id: 'i1', name: 'Greeting', group: 'd1', ...fields }],
  });
  return content;
};

describe('environment-variable references', () => {
  it('finds {$env.NAME} in text and getEnvVariable with either quote and any receiver', () => {
    const content = withInteraction({
      text: 'Call {$env.SUPPORT_PHONE} or visit {$env.site_url}.',
      code: `var a = botContext.getEnvVariable('SKILL_ID');\nvar b = botcontext.getEnvVariable( "Queue_2" );\nvar c = ctx.getEnvVariable(name);`,
    });
    expect(findEnvReferences(content).map((r) => [r.name, r.form, r.location.path])).toEqual([
      ['SUPPORT_PHONE', 'text', '/text'],
      ['site_url', 'text', '/text'],
      ['SKILL_ID', 'code', '/code'],
      ['Queue_2', 'code', '/code'],
    ]);
    expect(
      present(findEnvReferences(content)[0], 'findEnvReferences(content)[0]').location,
    ).toMatchObject({
      entity: 'interaction',
      dialogId: 'd1',
      id: 'i1',
      name: 'Greeting',
    });
  });

  it('ignores names that are not variable names and variables that are not literals', () => {
    const content = withInteraction({
      text: '{$env.1abc} {$env.a-b} {$env.} getEnvVariable(arg) getEnvVariable("x y")',
    });
    expect(findEnvReferences(content)).toEqual([]);
  });

  it('finds references in entity names, settings and sections too', () => {
    const content = withInteraction({ name: 'Hi {$env.NAME_IN_NAME}' });
    content.settings.description = '{$env.IN_SETTINGS}';
    content.sections.responder = [{ id: 'r1', name: 'API', webhook: '{$env.API_URL}/x' }];
    expect(referencedEnvNames(content)).toEqual(['API_URL', 'IN_SETTINGS', 'NAME_IN_NAME']);
  });

  it('finds every reference in an export, in text and in code, and nothing else', () => {
    const { content } = must(importCbExport(readFixture('concierge.json')));
    const found = findEnvReferences(content).map((r) =>
      [r.name, r.form, r.location.entity, r.location.section ?? r.location.name].join(' '),
    );
    expect([...new Set(found)].sort()).toEqual([
      // {$env.NAME} in an integration's webhook and in interaction texts.
      'ASSISTANT_URL text section responder',
      // getEnvVariable('NAME') on botContext, and ("NAME") on botcontext, in global functions.
      'CONCIERGE_BRAND code section globalFunctions',
      'CONCIERGE_BRAND text interaction welcome_text',
      'OPENING_HOURS text interaction hours_text',
      'SUPPORT_EMAIL code section globalFunctions',
    ]);
    // The export also holds getEnvVariable(key) and {$env.2FA_CODE}: neither names a variable.
    const text = readFixture('concierge.json');
    expect(text).toContain('getEnvVariable(key)');
    expect(text).toContain('{$env.2FA_CODE}');
    expect(referencedEnvNames(content)).toEqual([
      'ASSISTANT_URL',
      'CONCIERGE_BRAND',
      'OPENING_HOURS',
      'SUPPORT_EMAIL',
    ]);
  });

  it('finds getEnvVariable with a template literal without substitutions, not with one', () => {
    const content = withInteraction({
      code: 'a = botContext.getEnvVariable(`TEMPLATE_NAME`); b = botContext.getEnvVariable(`X_${n}`);',
    });
    expect(findEnvReferences(content).map((r) => [r.name, r.form])).toEqual([
      ['TEMPLATE_NAME', 'code'],
    ]);
    expect(findDynamicEnvUses(content).map((u) => u.expression)).toEqual(['`X_${n}`']);
  });

  it('follows wrappers defined in one entity and called with constant names in another', () => {
    const content = withInteraction({
      code: 'var skill = env(\'SKILL_ID\'); var q = tools.envOf("QUEUE", 1); var t = viaArrow(`TOKEN`);',
    });
    content.sections.globalFunctions = {
      code: [
        'function env(n){return botContext.getEnvVariable(n)}',
        'var tools = {}; tools.envOf = function (name, fallback) { return botContext.getEnvVariable(name) || fallback; };',
        'const viaArrow = (k) => env(k);',
        // Neither wrapper nor call: a look-alike whose parameter never reaches getEnvVariable.
        "function envish(n) { return n + botContext.getEnvVariable('DIRECT'); }",
        "envish('NOT_A_VARIABLE');",
      ].join('\n'),
    };
    const refs = findEnvReferences(content).map((r) => [r.name, r.form, r.via ?? null]);
    expect(refs).toEqual([
      ['SKILL_ID', 'wrapper', 'env'],
      ['QUEUE', 'wrapper', 'envOf'],
      ['TOKEN', 'wrapper', 'viaArrow'],
      ['DIRECT', 'code', null],
    ]);
    expect(referencedEnvNames(content)).toEqual(['DIRECT', 'QUEUE', 'SKILL_ID', 'TOKEN']);
    // The wrappers' own parameters are followed, so they are no dynamic use.
    expect(findDynamicEnvUses(content)).toEqual([]);
  });

  it('reports wrapper calls and direct calls whose name is known only at run time', () => {
    const content = withInteraction({
      code: "var k = pick(); env(k); env('OK_NAME'); botContext.getEnvVariable(prefix + 'X');",
    });
    content.sections.globalFunctions = {
      code: 'function env(n){return botContext.getEnvVariable(n)}',
    };
    expect(findDynamicEnvUses(content).map((u) => [u.expression, u.via ?? null])).toEqual([
      ["prefix + 'X'", null],
      ['k', 'env'],
    ]);
    expect(referencedEnvNames(content)).toEqual(['OK_NAME']);
  });

  it('follows wrappers of wrappers only a bounded number of levels', () => {
    const chain = [
      'function w0(a){return botContext.getEnvVariable(a)}',
      'function w1(a){return w0(a)}',
      'function w2(a){return w1(a)}',
      'function w3(a){return w2(a)}',
    ].join('\n');
    const content = withInteraction({ code: "w2('LEVEL_THREE'); w3('LEVEL_FOUR');" });
    content.sections.globalFunctions = { code: chain };
    expect(referencedEnvNames(content)).toEqual(['LEVEL_THREE']);
  });

  it("marks an entity defining a wrapper in the index, once per string, so the upgrade's check reads the whole bot", () => {
    expect(
      envIndexKeysIn({ code: 'function env(n){return botContext.getEnvVariable(n)}' }),
    ).toEqual([ENV_WRAPPER_KEY]);
    expect(envIndexKeysIn({ code: "botContext.getEnvVariable('A'); {$env.B}" })).toEqual([
      // Text references first, then code, within each string.
      'B',
      'A',
    ]);
    expect(ENV_WRAPPER_KEY).not.toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
  });

  it('describes a location by dialog, interaction and field', () => {
    const content = withInteraction({ code: "botContext.getEnvVariable('X')" });
    const [ref] = findEnvReferences(content);
    expect(describeLocation(present(ref, 'the reference').location)).toBe(
      'dialog "Main" › interaction "Greeting" › field code',
    );
    expect(
      describeLocation({
        entity: 'interaction',
        dialogName: 'D',
        id: 'i',
        name: 'I',
        path: '/responseMatches/0/action/value',
      }),
    ).toBe('dialog "D" › interaction "I" › field responseMatches[0].action.value');
  });
});

import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { emptyContent } from './content.js';
import { findEnvReferences, referencedEnvNames } from './env-refs.js';
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
});

import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { emptyContent } from './content.js';
import { findEnvReferences, referencedEnvNames } from './env-refs.js';
import { readFixture } from './test-support/fixtures.js';
import { must } from './test-support/bots.js';

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
    expect(findEnvReferences(content)[0]!.location).toMatchObject({
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

  it('finds the getEnvVariable calls in a real export with a literal name only', () => {
    const { content } = must(importCbExport(readFixture('gpt3-character-template.json')));
    // The fixture's global functions call getEnvVariable(arg): no literal name, nothing to require.
    expect(referencedEnvNames(content)).toEqual([]);
  });
});

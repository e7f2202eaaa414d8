import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { releaseChecks } from './checks.js';
import { emptyContent, type BotContent } from './content.js';
import { fixtureNames, readFixture } from './test-support/fixtures.js';
import { must } from './test-support/bots.js';

function bot(): BotContent {
  const content = emptyContent();
  content.sections.responder = [{ id: 'api-1', name: 'StoreLocator' }];
  content.dialogs.push({
    dialog: { id: 'd1', name: 'Main' },
    interactions: [
      { id: 'i1', group: 'd1', name: 'Hello', text: 'Hi from {$env.BRAND}', nextMessageId: 'i2' },
      {
        id: 'i2',
        group: 'd1',
        name: 'Ask',
        preProcessMessage: "botContext.getEnvVariable('SKILL_ID')",
        responseMatches: [
          { action: { name: 'INTERACTION', value: 'next' } },
          { action: { name: 'INTERACTION', value: 'ghost' } },
          { action: { name: 'INTERACTION', value: 'close_conversation' } },
          { action: { name: 'DIALOG', value: 'no-such-dialog' } },
        ],
      },
      {
        id: 'i3',
        group: 'd1',
        name: 'Lookup',
        content: { contentType: 'DYNAMIC', responderId: 'api-404', responderName: 'Gone' },
      },
      {
        id: 'i4',
        group: 'd1',
        name: 'Lookup ok',
        content: { contentType: 'DYNAMIC', responderId: 'api-1' },
      },
    ],
  });
  return content;
}

describe('release checks', () => {
  it('an environment variable the target does not define is an error naming it and where it is used', () => {
    const report = releaseChecks(bot(), ['BRAND']);
    expect(report.ok).toBe(false);
    expect(report.missingEnv).toEqual(['SKILL_ID']);
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'ENV_UNDEFINED',
        severity: 'error',
        subject: 'SKILL_ID',
        locations: [
          expect.objectContaining({ entity: 'interaction', id: 'i2', path: '/preProcessMessage' }),
        ],
      }),
    ]);
  });

  it('passes once the environment defines every referenced name', () => {
    expect(releaseChecks(bot(), ['BRAND', 'SKILL_ID', 'UNUSED'])).toMatchObject({
      ok: true,
      errors: [],
      missingEnv: [],
    });
  });

  it('a target without an environment misses every referenced name', () => {
    const report = releaseChecks(bot(), null);
    expect(report.missingEnv).toEqual(['BRAND', 'SKILL_ID']);
    expect(report.errors[0]!.message).toContain('no environment linked');
  });

  it('links to missing interactions, dialogs and integrations are warnings; keywords are not links', () => {
    const report = releaseChecks(bot(), ['BRAND', 'SKILL_ID']);
    expect(report.ok).toBe(true);
    expect(report.warnings.map((w) => [w.code, w.subject, w.locations[0]!.path])).toEqual([
      ['LINK_MISSING', 'ghost', '/responseMatches/1/action/value'],
      ['LINK_MISSING', 'no-such-dialog', '/responseMatches/3/action/value'],
      ['INTEGRATION_MISSING', 'api-404', '/content/responderId'],
    ]);
    expect(report.warnings.every((w) => w.severity === 'warning')).toBe(true);
  });

  it.each(fixtureNames())('%s passes its checks with no errors', (name) => {
    const { content } = must(importCbExport(readFixture(name)));
    const report = releaseChecks(content, []);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  });
});

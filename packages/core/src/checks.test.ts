import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { releaseChecks } from './checks.js';
import { emptyContent, type BotContent } from './content.js';
import { referencedEnvNames } from './env-refs.js';
import { fixtureNames, readFixture } from './test-support/fixtures.js';
import { must } from './test-support/bots.js';
import { must as present } from './must.js';

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
    expect(present(report.errors[0], 'report.errors[0]').message).toContain(
      'no environment linked',
    );
  });

  it('links to missing interactions, dialogs and integrations are warnings; keywords are not links', () => {
    const report = releaseChecks(bot(), ['BRAND', 'SKILL_ID']);
    expect(report.ok).toBe(true);
    expect(
      report.warnings.map((w) => [
        w.code,
        w.subject,
        present(w.locations[0], 'w.locations[0]').path,
      ]),
    ).toEqual([
      ['LINK_MISSING', 'ghost', '/responseMatches/1/action/value'],
      ['LINK_MISSING', 'no-such-dialog', '/responseMatches/3/action/value'],
      ['INTEGRATION_MISSING', 'api-404', '/content/responderId'],
    ]);
    expect(report.warnings.every((w) => w.severity === 'warning')).toBe(true);
  });

  // What the project's fixtures hold on purpose (packages/fixtures/README.md); the rest hold none.
  const PLANTED: Record<string, { env: string[]; warnings: string[] }> = {
    'concierge.json': {
      env: ['ASSISTANT_URL', 'CONCIERGE_BRAND', 'OPENING_HOURS', 'SUPPORT_EMAIL'],
      warnings: [],
    },
    'order-tracker.json': {
      env: ['ORDER_API_HOST', 'ORDER_API_TOKEN', 'ORDER_TRACKING_URL'],
      warnings: [],
    },
    'loose-ends.json': {
      env: [],
      warnings: [
        'INTEGRATION_MISSING legacy_api /content/responderId',
        'INTEGRATION_MISSING price_api /content/responderId',
        'LINK_MISSING menu_choice /responseMatches/1/action/value',
        'LINK_MISSING menu_hint /nextMessageId',
        'LINK_MISSING stock_answer /responseMatches/0/action/value',
      ],
    },
  };

  it.each(fixtureNames())(
    '%s: only its environment variables block; its warnings are the links that really dangle',
    (name) => {
      const { content } = must(importCbExport(readFixture(name)));
      const env = referencedEnvNames(content);
      expect(releaseChecks(content, env)).toMatchObject({ ok: true, errors: [], missingEnv: [] });
      const bare = releaseChecks(content, []);
      expect(bare.missingEnv).toEqual(env);
      expect(bare.ok).toBe(env.length === 0);

      const warnings = bare.warnings.flatMap((w) =>
        w.locations.map((l) => `${w.code} ${l.name} ${l.path}`),
      );
      const planted = PLANTED[name];
      if (planted !== undefined) {
        expect(env).toEqual(planted.env);
        expect(warnings.sort()).toEqual(planted.warnings);
      } else if (!name.startsWith('corpus-')) {
        expect(env).toEqual([]);
        expect(warnings).toEqual([]);
      }
      // Whatever the export, a warning names something the content does not have.
      const present = new Set<string>();
      for (const d of content.dialogs) {
        present.add(String(d.dialog.id));
        for (const i of d.interactions) present.add(String(i.id));
      }
      const integrations = (content.sections.responder ?? []) as { id?: string; name?: string }[];
      for (const i of integrations) present.add(String(i.id)).add(String(i.name));
      for (const w of bare.warnings) expect(present.has(w.subject)).toBe(false);
    },
  );

  it('a jump to a dialog that does not exist says it is a dialog', () => {
    const { content } = must(importCbExport(readFixture('loose-ends.json')));
    const toDialog = releaseChecks(content, []).warnings.filter((w) =>
      w.message.includes('dialog'),
    );
    expect(toDialog).toHaveLength(1);
    expect(
      present(present(toDialog[0], 'toDialog[0]').locations[0], 'toDialog[0]!.locations[0]').path,
    ).toBe('/responseMatches/1/action/value');
  });

  it('blocks on variables reached through a template literal or a wrapper, with where each is used, and warns on run-time names', () => {
    const content = bot();
    content.sections.globalFunctions = {
      code: 'function env(n){return botContext.getEnvVariable(n)}',
    };
    const ask = present(present(content.dialogs[0], 'the dialog').interactions[1], 'Ask');
    ask.postProcessMessage = "env('WRAPPED'); botContext.getEnvVariable(`TEMPLATED`); env(dyn);";
    const report = releaseChecks(content, ['BRAND', 'SKILL_ID']);
    expect(report.ok).toBe(false);
    expect(report.missingEnv).toEqual(['TEMPLATED', 'WRAPPED']);
    expect(report.errors.map((e) => [e.subject, e.locations])).toEqual([
      [
        'TEMPLATED',
        [expect.objectContaining({ dialogName: 'Main', name: 'Ask', path: '/postProcessMessage' })],
      ],
      [
        'WRAPPED',
        [expect.objectContaining({ dialogName: 'Main', name: 'Ask', path: '/postProcessMessage' })],
      ],
    ]);
    expect(report.errors.map((e) => e.where)).toEqual([
      ['dialog "Main" › interaction "Ask" › field postProcessMessage'],
      ['dialog "Main" › interaction "Ask" › field postProcessMessage'],
    ]);
    expect(report.warnings.filter((w) => w.code === 'ENV_DYNAMIC')).toEqual([
      expect.objectContaining({ subject: 'dyn', message: expect.stringContaining('env(dyn)') }),
    ]);
    expect(releaseChecks(content, ['BRAND', 'SKILL_ID', 'TEMPLATED', 'WRAPPED']).ok).toBe(true);
  });
});

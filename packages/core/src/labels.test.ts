import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { diffSnapshots } from './diff.js';
import {
  epochDate,
  fieldLabel,
  keyWords,
  pointerSegments,
  readablePath,
  typeLabel,
} from './labels.js';
import { interactionType, readableInteraction } from './readable.js';
import { readFixture } from './test-support/fixtures.js';
import { must, newSnapshotter } from './test-support/bots.js';
import { must as present } from './must.js';
import type { JsonObject } from './json.js';

const interaction = { kind: 'interaction' } as const;
const tile = (n: number, rest: string) => `/content/results/tile/tileData/${n}/${rest}`;

/** An interaction of a fixture, by name. */
function fixtureInteraction(file: string, name: string): JsonObject {
  const doc = JSON.parse(readFixture(file)) as { conversationMessage: JsonObject[] };
  return present(
    doc.conversationMessage.find((m) => m.name === name),
    `${file} interaction ${name}`,
  );
}

describe('fieldLabel', () => {
  it('names the message, card, button and quick-reply fields of an interaction', () => {
    expect(fieldLabel(interaction, tile(0, 'text'))).toBe('Message text');
    expect(fieldLabel(interaction, tile(1, 'text'))).toBe('Card 2 text');
    expect(fieldLabel(interaction, tile(0, 'title'))).toBe('Card 1 title');
    expect(fieldLabel(interaction, tile(1, 'subTitle'))).toBe('Card 2 subtitle');
    expect(fieldLabel(interaction, tile(0, 'buttons/0/title'))).toBe('Button 1 title');
    expect(fieldLabel(interaction, tile(1, 'buttons/1/name'))).toBe('Card 2 › Button 2 title');
    expect(fieldLabel(interaction, tile(0, 'quickReplyList/2/title'))).toBe('Quick reply 3 title');
    expect(fieldLabel(interaction, '/quickReplies/1/title')).toBe('Quick reply 2 title');
    expect(fieldLabel(interaction, '/quickReplies/1/payload')).toBe('Quick reply 2 payload');
    expect(fieldLabel(interaction, '/quickReplies')).toBe('Quick replies');
    expect(fieldLabel(interaction, tile(0, 'multipleChoice/multipleChoices/1'))).toBe('Choice 2');
    expect(fieldLabel(interaction, tile(0, 'universalWidget/leMessageJson'))).toBe(
      'Rich content (JSON)',
    );
  });

  it('says whether a button callback is a URL or a payload, from the entity (tile-showcase)', () => {
    const cards = fixtureInteraction('tile-showcase.json', 'tea_cards');
    expect(fieldLabel(interaction, tile(0, 'buttons/1/callback'), cards)).toBe('Button 2 URL');
    expect(fieldLabel(interaction, tile(0, 'buttons/0/callback'), cards)).toBe('Button 1 payload');
    expect(fieldLabel(interaction, tile(1, 'buttons/1/callback'), cards)).toBe(
      'Card 2 › Button 2 URL',
    );
    // Without the entity, the neutral word.
    expect(fieldLabel(interaction, tile(0, 'buttons/1/callback'))).toBe('Button 2 action');
  });

  it('names code, links, names and rules of an interaction', () => {
    expect(fieldLabel(interaction, '/name')).toBe('Interaction name');
    expect(fieldLabel(interaction, '/preProcessMessage')).toBe('Pre-process code');
    expect(fieldLabel(interaction, '/postProcessMessage')).toBe('Post-process code');
    expect(fieldLabel(interaction, '/processUserResponse')).toBe('Process user response code');
    expect(fieldLabel(interaction, '/nextMessageId')).toBe('Next step');
    expect(fieldLabel(interaction, '/content/responderName')).toBe('Integration name');
    expect(fieldLabel(interaction, '/content/results/type')).toBe('Interaction type');
    expect(fieldLabel(interaction, '/responseMatches/0/action/value')).toBe(
      'Response rule 1 next step',
    );
    expect(fieldLabel(interaction, '/responseMatches/1/name')).toBe('Response rule 2 name');
    expect(fieldLabel(interaction, '/responseMatches/0/conditions/0/patternMatch/patterns')).toBe(
      'Response rule 1 › Condition 1 › Pattern match › Patterns',
    );
    expect(fieldLabel(interaction, '/pattern/1')).toBe('Starter pattern 2');
  });

  it('names the fields of settings, dialogs, integrations and code sections', () => {
    expect(fieldLabel({ kind: 'settings' }, '/description')).toBe('Description');
    expect(fieldLabel({ kind: 'settings' }, '/modificationTime')).toBe('Last modified');
    expect(fieldLabel({ kind: 'settings' }, '/skipNLP')).toBe('Skip NLU');
    expect(fieldLabel({ kind: 'dialog' }, '/name')).toBe('Dialog name');
    expect(fieldLabel({ kind: 'dialog' }, '/dialogType')).toBe('Dialog type');
    expect(fieldLabel({ kind: 'section', section: 'globalFunctions' }, '/methods')).toBe('Code');
    const integration = { kind: 'integration', section: 'responder' } as const;
    expect(fieldLabel(integration, '/webhook')).toBe('URL');
    expect(fieldLabel(integration, '/transformResultsScript')).toBe('Transform script');
    const doc = JSON.parse(readFixture('order-tracker.json')) as { responder: JsonObject[] };
    expect(fieldLabel(integration, '/headers/1/value', doc.responder[0])).toBe(
      'Header “Authorization” value',
    );
    expect(fieldLabel(integration, '/headers/1/value')).toBe('Header 2 value');
  });

  it('reads a path no rule knows as its pointer in words', () => {
    expect(fieldLabel({ kind: 'section', section: 'exportMetadata' }, '/tool')).toBe('Tool');
    expect(fieldLabel(interaction, '/reviewNote')).toBe('Review note');
    expect(fieldLabel(interaction, '/changeResponse/enabled')).toBe('Change response › Enabled');
    expect(fieldLabel(interaction, tile(0, 'quickReplyWidget/choicesPerRow'))).toBe(
      'Card 1 › Quick reply widget › Choices per row',
    );
    expect(fieldLabel({ kind: 'settings' }, '/x_channelHints/0/a~1b')).toBe(
      'X channel hints 1 › A/b',
    );
    expect(fieldLabel(interaction, '')).toBe('The whole interaction');
  });

  it('splits pointers and spells keys as words', () => {
    expect(pointerSegments('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
    expect(pointerSegments('')).toEqual([]);
    expect(keyWords('disambiguteOnlySelectedDomains')).toBe('Disambigute only selected domains');
    expect(keyWords('apiURL')).toBe('API URL');
    expect(keyWords('webhook_id')).toBe('Webhook ID');
    expect(readablePath(['headers', '2', 'value'])).toBe('Headers 3 › Value');
    expect(readablePath(['0'])).toBe('Item 1');
  });
});

describe('epochDate', () => {
  it('shows CB milliseconds under a time key as a UTC date', () => {
    expect(epochDate('/creationTime', 1739361600000)).toBe('2025-02-12 12:00:00 UTC');
    expect(epochDate('/modificationTime', 1739448000000)).toBe('2025-02-13 12:00:00 UTC');
    expect(epochDate('/dialogTemplates/0/updatedAt', 1738604530000)).toBe(
      '2025-02-03 17:42:10 UTC',
    );
  });

  it('leaves other numbers and other fields as they are', () => {
    expect(epochDate('/sessionLength', 1739361600000)).toBeNull();
    expect(epochDate('/creationTime', 42)).toBeNull();
    expect(epochDate('/creationTime', '2025-01-15 09:00:00')).toBeNull();
    expect(epochDate('/creationTime', 1739361600000.5)).toBeNull();
  });
});

describe('types', () => {
  it('names CB types in words, one rule for every view', () => {
    expect(typeLabel('QUICK_REPLY')).toBe('Quick reply');
    expect(typeLabel('API_INTEGRATION')).toBe('Integration');
    expect(typeLabel('FALLBACK_DIALOG')).toBe('Fallback dialog');
    expect(typeLabel('SOMETHING_NEW')).toBe('Something new');
  });

  it('takes an interaction type from interactionType first (what CB shows)', () => {
    const api = fixtureInteraction('loose-ends.json', 'legacy_api');
    expect(interactionType(api)).toBe('API_INTEGRATION');
    expect(readableInteraction(api).kind).toBe('API_INTEGRATION');
    expect(interactionType({ content: { results: { type: 'TEXT' } } })).toBe('TEXT');
    expect(interactionType({})).toBe('UNKNOWN');
  });
});

describe('the CB hash key', () => {
  it('is kept in the content and the export, and never shown as a change', () => {
    const text = readFixture('tile-showcase.json');
    const doc = JSON.parse(text) as { hash: string };
    const snap = newSnapshotter();
    const a = snap.write(must(importCbExport(text)).content);
    const b = snap.write(
      must(importCbExport(JSON.stringify({ ...doc, hash: '12345' }, null, 2))).content,
    );
    expect(a).not.toBe(b);
    const diff = diffSnapshots(snap, a, b);
    expect(diff.changes).toEqual([]);
    expect(diff.summary.text).toBe('No changes.');
    expect(snap.read(b).sections.hash).toBe('12345');
  });
});

import { describe, expect, it } from 'vitest';
import {
  auditCursor,
  auditDetails,
  auditFilters,
  auditPageHref,
  type AuditEntryView,
} from './audit';

describe('audit log filters', () => {
  it('reads the filters and page size a URL gives, leaving out blank ones and unknown parameters', () => {
    const params = new URLSearchParams(
      'actor=+admin+&action=environment.*&automation=&since=2026-01-01&limit=9&cursor=42&x=1',
    );
    expect(auditFilters(params)).toEqual({
      actor: 'admin',
      action: 'environment.*',
      since: '2026-01-01',
      limit: '9',
    });
    expect(auditCursor(params)).toBe('42');
    expect(auditCursor(new URLSearchParams('cursor='))).toBeUndefined();
  });

  it('links to another page keeping the filters, and to the first page without a cursor', () => {
    expect(auditPageHref({ actor: 'a&b', action: 'user.*' }, '17')).toBe(
      '/audit?actor=a%26b&action=user.*&cursor=17',
    );
    expect(auditPageHref({ actor: 'admin' }, null)).toBe('/audit?actor=admin');
    expect(auditPageHref({})).toBe('/audit');
  });
});

const refs = {
  versions: { v1: { automationId: 'a1', number: 3, name: 'Before restore of #1' } },
  releases: { r1: { version: '1.2.0', targetId: 'a2', targetName: 'Prod' } },
  automations: { a1: 'Dev' },
};
const entry = (details: unknown, more: Partial<AuditEntryView> = {}): AuditEntryView => ({
  automationId: 'a1',
  automationName: 'Dev',
  versionId: null,
  releaseId: null,
  details,
  ...more,
});

describe('auditDetails', () => {
  it('writes each detail as label: value, its subject first, lists joined, objects as JSON', () => {
    expect(
      auditDetails(
        entry({
          added: ['API_URL', 'TOKEN'],
          removed: [],
          previous: null,
          environment: 'Staging',
          extra: { a: 1 },
          forced: false,
          releasesKept: 3,
        }),
        refs,
      ),
    ).toEqual([
      { label: 'environment', text: 'Staging' },
      { label: 'added', text: 'API_URL, TOKEN' },
      { label: 'previous', text: '—' },
      { label: 'extra', text: '{"a":1}' },
      { label: 'forced', text: 'no' },
      { label: 'releases kept', text: '3' },
    ]);
  });

  it('names versions, releases and automations with links instead of raw ids', () => {
    const parts = auditDetails(
      entry(
        {
          version: '1.2.0',
          sourceId: 'a1',
          contentHash: 'f'.repeat(64),
          supersededReleaseId: 'gone',
          backupVersionId: 'v1',
          backupNumber: 3,
          resultVersionId: 'v-deleted',
        },
        { releaseId: 'r1' },
      ),
      refs,
    );
    expect(parts).toEqual([
      { label: 'release', text: 'release 1.2.0', href: '/releases/r1' },
      { label: 'version', text: '1.2.0' },
      { label: 'source', text: 'Dev', href: '/automations/a1' },
      { label: 'content', text: 'ffffffffffff' },
      { label: 'superseded', text: '(deleted)' },
      { label: 'backup', text: '#3 “Before restore of #1”', href: '/automations/a1/diff?from=3' },
      { label: 'result', text: '(deleted)' },
    ]);
    expect(JSON.stringify(parts)).not.toMatch(/v1|v-deleted|gone/);
  });

  it('names the dialog and interaction an edit touched, linking to the dialog', () => {
    expect(
      auditDetails(entry({ dialogId: 'd 1', interactionId: 'i1', interactionName: 'Ask' }), refs),
    ).toEqual([
      { label: 'dialog', text: 'open it', href: '/automations/a1?dialog=d%201' },
      { label: 'interaction', text: 'Ask', href: '/automations/a1?dialog=d%201' },
    ]);
    expect(
      auditDetails(
        entry({ dialogId: 'd1', dialogName: 'Welcome' }, { automationName: null }),
        refs,
      ),
    ).toEqual([{ label: 'dialog', text: 'Welcome' }]);
  });

  it('leaves out ids the other details name, keeps markup as text and cuts long values', () => {
    expect(auditDetails(entry({ tokenId: 't1', name: 'ci', user: 'olivia' }), refs)).toEqual([
      { label: 'user', text: 'olivia' },
      { label: 'name', text: 'ci' },
    ]);
    expect(auditDetails(entry(null), refs)).toEqual([]);
    expect(auditDetails(entry({ agent: '<img src=x>' }), refs)).toEqual([
      { label: 'agent', text: '<img src=x>' },
    ]);
    const [long] = auditDetails(entry({ text: 'x'.repeat(1000) }), refs);
    expect(long?.text).toHaveLength(200);
    expect(long?.text.endsWith('…')).toBe(true);
  });
});

// Release governance (issue 14): required approvals, comments, release notes and comparing two
// automations, on PGlite and PostgreSQL.
import { must, type JsonObject } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../context.js';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

/** A generated bot (3 dialogs of 3 interactions); `change` edits the export before it is used. */
function bot(
  seed: number,
  change?: (doc: { conversationMessage: JsonObject[]; groups: JsonObject[] }) => void,
) {
  const doc = generateBotExport({ seed, dialogs: 3, interactionsPerDialog: 3 }) as unknown as {
    conversationMessage: JsonObject[];
    groups: JsonObject[];
  };
  change?.(doc);
  return doc as unknown as Record<string, unknown>;
}

describe.each(testDatabaseKinds())('release governance on %s', (kind) => {
  let api: TestApi;
  let n = 0;
  const unique = (label: string) => `${label} ${++n}`;
  /** A second acceptor, so that two distinct acceptors can approve. */
  let second: Caller;

  beforeAll(async () => {
    api = await createTestApi(kind);
    second = { ...api.users['release-acceptor'], id: 'second-acceptor', name: 'second-acceptor' };
  });
  afterAll(() => api.close());
  beforeEach(async () => {
    await api.as('admin').admin.setPolicy({ requiredApprovals: 0 });
  });

  const creator = () => api.as('release-creator');
  const acceptor = () => api.as('release-acceptor');

  /** Prod runs seed 7; Dev is seed 7 with one interaction renamed and retexted; a pending release. */
  async function pendingRelease(version = '1.0.0') {
    const original = bot(7);
    const prod = await creator().automations.import({ document: original, name: unique('Prod') });
    const dev = await creator().automations.import({
      document: bot(7, (doc) => {
        const m = must(doc.conversationMessage[1], 'the second interaction');
        m.name = 'Ask for <b>order</b> number';
      }),
      name: unique('Dev'),
    });
    const release = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version,
      description: 'Asks for the order number',
    });
    return { prod, dev, release, original };
  }

  it('keeps the required approvals in the policy, 0 by default, and refuses bad counts', async () => {
    const admin = api.as('admin');
    expect((await admin.admin.getPolicy()).requiredApprovals).toBe(0);
    expect((await admin.admin.setPolicy({ requiredApprovals: 2 })).requiredApprovals).toBe(2);
    expect((await acceptor().admin.getPolicy()).requiredApprovals).toBe(2);
    expect(await failure(admin.admin.setPolicy({ requiredApprovals: -1 }))).toMatchObject({
      code: 'VALIDATION',
      path: 'requiredApprovals',
    });
    expect(await failure(admin.admin.setPolicy({ requiredApprovals: 1.5 }))).toMatchObject({
      code: 'VALIDATION',
    });
    expect(await failure(acceptor().admin.setPolicy({ requiredApprovals: 0 }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    const {
      entries: [entry],
    } = await admin.audit.list({ action: 'policy.set', limit: 1 });
    expect(entry?.details).toMatchObject({ after: { requiredApprovals: 2 } });
  });

  it('blocks an upgrade until distinct acceptors other than the creator approved', async () => {
    await api.as('admin').admin.setPolicy({ requiredApprovals: 2 });
    const { prod, release } = await pendingRelease();

    const blocked = await failure(acceptor().releases.upgrade({ target: prod.id, force: true }));
    expect(blocked).toMatchObject({ code: 'PRECONDITION_FAILED', path: 'approvals' });
    expect(blocked.message).toBe(
      'Release 1.0.0 needs 2 approvals before an upgrade; it has none so far.',
    );

    // The creator never approves (an admin who created it neither); editors and viewers may not.
    const own = await failure(creator().releases.approve({ target: prod.id }));
    expect(own.code).toBe('FORBIDDEN');
    expect(await failure(api.as('editor').releases.approve({ target: prod.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });

    const first = await acceptor().releases.approve({ target: prod.id, comment: ' Looks right ' });
    expect(first.approval).toMatchObject({ by: 'release-acceptor', comment: 'Looks right' });
    expect(first.shortfall).toBe(
      'Release 1.0.0 needs 2 approvals before an upgrade; it has 1 so far, by release-acceptor.',
    );
    const again = await failure(acceptor().releases.approve({ target: prod.id }));
    expect(again).toMatchObject({ code: 'CONFLICT', path: 'release' });
    expect(again.message).toContain('You already approved release 1.0.0');

    const still = await failure(acceptor().releases.upgrade({ target: prod.id, force: true }));
    expect(still).toMatchObject({
      code: 'PRECONDITION_FAILED',
      details: { required: 2, approvedBy: ['release-acceptor'] },
    });
    const shown = await acceptor().releases.show({ release: release.id });
    expect(shown.canUpgrade).toBe(false);
    expect(shown.blockers).toContain(first.shortfall);
    expect(shown.reviews.approvals.map((a) => a.by)).toEqual(['release-acceptor']);
    expect(shown.reviews.required).toBe(2);

    const done = await api.as(second).releases.approve({ target: prod.id, release: '1.0.0' });
    expect(done.shortfall).toBeNull();
    expect((await acceptor().releases.show({ release: release.id })).reviews.shortfall).toBeNull();
    const upgraded = await acceptor().releases.upgrade({ target: prod.id, force: true });
    expect(upgraded.release.status).toBe('upgraded');

    // Approving what is no longer pending is refused; the audit names each approval.
    expect(
      await failure(api.as('admin').releases.approve({ target: prod.id, release: release.id })),
    ).toMatchObject({ code: 'CONFLICT' });
    const audit = await api
      .as('admin')
      .audit.list({ action: 'release.approve', automation: prod.id });
    expect(audit.entries.map((e) => [e.actor, e.details])).toEqual([
      ['second-acceptor', { version: '1.0.0', approvals: 2, required: 2 }],
      ['release-acceptor', { version: '1.0.0', approvals: 1, required: 2, comment: 'Looks right' }],
    ]);
  });

  it('needs no approval with the default policy, and counts approvals per release', async () => {
    const { prod } = await pendingRelease();
    const shown = await acceptor().releases.show({ target: prod.id });
    expect(shown.reviews).toMatchObject({ required: 0, approvals: [], shortfall: null });
    expect(
      (await acceptor().releases.upgrade({ target: prod.id, force: true })).release.status,
    ).toBe('upgraded');
  });

  it('keeps comments on a release, on any status, and shows them in the preview and history', async () => {
    const { prod, release } = await pendingRelease();
    const said = await creator().releases.comment({
      target: prod.id,
      text: '<script>alert(1)</script> please check the greeting',
    });
    expect(said.comment).toMatchObject({ by: 'release-creator', releaseId: release.id });
    expect(
      await failure(creator().releases.comment({ target: prod.id, text: '   ' })),
    ).toMatchObject({ code: 'VALIDATION', path: 'text' });
    expect(
      await failure(api.as('viewer').releases.comment({ target: prod.id, text: 'hi' })),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await failure(api.as('editor').releases.comment({ target: prod.id, text: 'hi' })),
    ).toMatchObject({ code: 'FORBIDDEN' });

    await acceptor().releases.reject({ target: prod.id, reason: 'Wrong greeting' });
    // A rejected release can still be discussed when named.
    await acceptor().releases.comment({
      target: prod.id,
      release: release.id,
      text: 'Rejected until the greeting is fixed',
    });
    const shown = await acceptor().releases.show({ release: release.id });
    expect(shown.reviews.comments.map((c) => [c.by, c.text])).toEqual([
      ['release-creator', '<script>alert(1)</script> please check the greeting'],
      ['release-acceptor', 'Rejected until the greeting is fixed'],
    ]);
    expect(shown.release.rejectReason).toBe('Wrong greeting');
    const history = await acceptor().releases.history({ automation: prod.id });
    const received = must(
      history.releases.find((r) => r.id === release.id),
      'the release',
    );
    expect(received.comments).toHaveLength(2);
    expect(received.rejectReason).toBe('Wrong greeting');
    // With no release pending and none named, there is nothing to comment on.
    expect(await failure(creator().releases.comment({ target: prod.id, text: 'x' }))).toMatchObject(
      {
        code: 'NOT_FOUND',
        path: 'release',
      },
    );
    const {
      entries: [entry],
    } = await api.as('admin').audit.list({ action: 'release.comment', limit: 1 });
    expect(entry?.details).toMatchObject({
      version: '1.0.0',
      text: 'Rejected until the greeting is fixed',
    });
  });

  it('writes release notes grouped by dialog name, against what the target ran before', async () => {
    const { prod, release, original } = await pendingRelease();
    const groups = (original as unknown as { groups: JsonObject[] }).groups;
    const dialogName = String(must(groups[0], 'the first dialog').name);

    const pending = await api.as('viewer').releases.notes({ release: '1.0.0', target: prod.id });
    expect(pending.notes.description).toBe('Asks for the order number');
    expect(pending.notes.against).toMatch(/^"Prod \d+" now \(revision \d+\)$/);
    expect(pending.notes.dialogs).toEqual([
      {
        name: dialogName,
        op: null,
        fields: [],
        items: [
          {
            op: 'changed',
            kind: 'interaction',
            name: 'Ask for <b>order</b> number',
            fields: ['Interaction name'],
          },
        ],
      },
    ]);
    expect(pending.notes.other).toEqual([]);
    const md = pending.markdown;
    expect(md.startsWith('# Release 1.0.0\n')).toBe(true);
    expect(md).toContain('Asks for the order number');
    expect(md).toContain(`## Dialog “`);
    expect(md).toContain('Ask for \\<b\\>order\\</b\\> number');
    // Never a raw dialog id.
    expect(md).not.toContain(String(must(groups[0], 'the first dialog').id));

    // After the upgrade, the notes compare with the backup the upgrade took, not the target now.
    await acceptor().releases.upgrade({ target: prod.id, force: true });
    const after = await api.as('viewer').releases.notes({ release: release.id });
    expect(after.notes.against).toMatch(/before the upgrade \(version #\d+\)$/);
    expect(after.notes.dialogs).toEqual(pending.notes.dialogs);

    expect(
      await failure(api.as('viewer').releases.notes({ release: '9.9.9', target: prod.id })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'release' });
    expect(
      await failure(api.as('anonymous').releases.notes({ release: release.id })),
    ).toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('compares two automations with the diff a release between them would preview', async () => {
    const { prod, dev } = await pendingRelease();
    const compared = await api.as('viewer').compare.automations({
      automation: dev.name,
      against: prod.name,
    });
    const preview = await acceptor().releases.show({ target: prod.id });
    expect(compared.summary).toEqual(preview.preview.summary);
    expect(compared.changes).toEqual(preview.preview.changes);
    expect(compared.from.automation.id).toBe(prod.id);
    expect(compared.to.automation.id).toBe(dev.id);
    expect(Object.values(compared.dialogNames)).toHaveLength(1);

    expect(
      await failure(
        api.as('viewer').compare.automations({ automation: prod.id, against: prod.name }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'against' });
    expect(
      await failure(api.as('viewer').compare.automations({ automation: dev.id, against: 'nope' })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'against' });
  });
});

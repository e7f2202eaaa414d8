import { describe, expect, it } from 'vitest';
import { exportCbExport, importCbExport } from './cb-export.js';
import { createSnapshotter } from './snapshot.js';
import { fixtureNames, nodeSha256, readFixture } from './test-support/fixtures.js';
import { must } from './must.js';

describe('CB export round trip', () => {
  it.each(fixtureNames())('%s exports exactly what was imported, through the store', (name) => {
    const text = readFixture(name);
    const original = JSON.parse(text);
    const imported = importCbExport(text);
    if (!imported.ok) throw new Error(imported.error.message);
    const { content, botId } = imported.value;
    const snap = createSnapshotter(nodeSha256);
    const root = snap.write(content);
    const back = exportCbExport(snap.read(root), {
      id: must(botId, 'botId'),
      name: original.bot.name,
    });
    expect(back).toEqual(original);
  });
});

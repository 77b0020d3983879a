// Case-level points in the viewer for an admin: the children of the period appear as
// points past zoom 14, a click shows the child's record, and the read is in the audit
// log with the number of records served.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let v;

describe('case points in the viewer', { timeout: 400_000 }, () => {
  before(async () => { v = await openViewer(); });
  after(async () => { await v?.close(); });

  it('shows the children as points past zoom 14 and opens a record on click', async () => {
    const cases = await v.api('api/cases/children');
    const stunted = cases.features.find((f) => f.properties.status === 'stunted');
    assert.ok(stunted, 'a stunted child in the demo city');
    const [lon, lat] = stunted.geometry.coordinates;
    await v.page.evaluate(([x, y]) => new Promise((r) => {
      window.sigapMap.jumpTo({ center: [x, y], zoom: 17 });
      window.sigapMap.once('idle', r);
    }), [lon, lat]);
    const rendered = await v.page.evaluate(() => window.sigapMap.queryRenderedFeatures({ layers: ['case-children'] }).length);
    assert.ok(rendered >= 1, `rendered points: ${rendered}`);
    const box = await v.page.locator('#map canvas').boundingBox();
    await v.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const popup = v.page.locator('.maplibregl-popup');
    await popup.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await popup.innerText();
    assert.match(text, /HAZ -?\d+[.,]\d\d/);
    assert.ok(text.includes(stunted.properties.pseudonym) || /pendek/.test(text), text);
  });

  it('wrote each read of the children to the audit log', async () => {
    const { entries } = await v.api('api/admin/audit?action=read');
    const reads = entries.filter((e) => e.what.startsWith('children'));
    assert.ok(reads.length >= 1, JSON.stringify(entries.slice(0, 5)));
    assert.ok(reads.every((e) => e.username === 'admin' && e.records > 1000), JSON.stringify(reads));
  });

  it('logged no console or page errors', () => {
    assert.deepEqual(v.problems, []);
  });
});

// The Prioritas panel in a real headless browser against the real server binary (the
// demo city): the priority villages and their reasons as /api/targets gives them, a
// what-if weight slider that re-ranks the panel as the API does with ?w.<factor> and
// recolours the risk map from the tiles' n_<factor> values, and the downloads.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/targets.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let viewer = null;
let page = null;
let problems = [];
const api = (p) => viewer.api(p);

describe('Prioritas panel in the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    viewer = await openViewer();
    ({ page, problems } = viewer);
  });

  after(async () => {
    await viewer?.close();
  });

  /** [name, reason] of each entry of the panel. */
  const panel = () => page.$$eval('#targets-list li', (lis) => lis.map((li) => [
    li.querySelector('strong')?.textContent, li.querySelector('.reason')?.textContent,
  ]));

  it('lists the priority villages with the reasons of /api/targets', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#targets-list li .reason').length > 0);
    const body = await api('api/targets?top=10');
    assert.equal(body.targets.length, 10);
    assert.deepEqual(await panel(), body.targets.map((x) => [x.name, x.reason]));
    assert.match(body.targets[0].reason, /anak stunting|belum ada anak diukur/);
  });

  it('re-ranks with a what-if weight as the API does and recolours the map', async () => {
    const before = await panel();
    await page.locator('#targets details.what-if summary').click();
    await page.locator('#targets-weights input[data-factor="no_latrine"]').fill('1');
    const want = await api('api/targets?top=10&w.no_latrine=1');
    const names = want.targets.map((x) => x.name);
    assert.notDeepEqual(names, before.map(([n]) => n), 'the weight must move the ranking for this to test anything');
    await page.waitForFunction((n) => JSON.stringify([...document.querySelectorAll('#targets-list li')]
      .map((li) => li.querySelector('strong')?.textContent)) === JSON.stringify(n), names, { timeout: 30_000 });
    assert.deepEqual(await panel(), want.targets.map((x) => [x.name, x.reason]));
    // The map recolours from the tiles' n_<factor> values; the list and the map answer
    // separate requests, so wait for the paint property rather than assume an order.
    await page.waitForFunction(() => /n_no_latrine/.test(JSON.stringify(
      window.sigapMap.getPaintProperty('hex-fill', 'fill-color'))), null, { timeout: 30_000 });
    const href = await page.locator('#targets-xlsx').getAttribute('href');
    assert.match(href, /format=xlsx/);
    assert.match(href, /w\.no_latrine=1/);
    const xlsx = await page.evaluate(async (u) => {
      const r = await fetch(u);
      const b = new Uint8Array(await r.arrayBuffer());
      return { type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), magic: [b[0], b[1]] };
    }, href);
    assert.deepEqual(xlsx.magic, [0x50, 0x4b], 'an XLSX file is a zip');
    assert.match(xlsx.type, /spreadsheetml/);
    assert.match(xlsx.disposition, /attachment/);
  });

  it('goes back to the configured weights', async () => {
    const want = await api('api/targets?top=10');
    await page.locator('#targets-reset').click();
    const names = want.targets.map((x) => x.name);
    await page.waitForFunction((n) => JSON.stringify([...document.querySelectorAll('#targets-list li')]
      .map((li) => li.querySelector('strong')?.textContent)) === JSON.stringify(n), names, { timeout: 30_000 });
    assert.deepEqual(problems, []);
  });
});

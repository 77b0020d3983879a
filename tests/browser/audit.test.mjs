// The case audit page (web/audit.html) on the demo city: it lists the children of the
// lists the API gives, grouped by posyandu, and marking one audited shows the decision
// on the page and in the API.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { openViewer } from './harness.mjs';

let v;
let page;

describe('case audit page', () => {
  before(async () => {
    v = await openViewer({ width: 1440, height: 900 });
    page = v.page;
    mkdirSync('tests/browser/out', { recursive: true });
  });
  after(async () => v?.close());

  it('lists the rows of a list and the counts of every list', async () => {
    await page.goto(`${v.baseUrl}/web/audit.html?kind=worse`);
    await page.waitForSelector('.audit-table tbody tr');
    const api = await v.api('/api/audit?kind=worse');
    assert.ok(api.rows.length > 0, 'the demo has children getting worse');
    const shown = await page.$$eval('.audit-table tbody tr', (trs) => trs.map((tr) => tr.dataset.pseudonym));
    assert.deepEqual(shown, api.rows.map((r) => r.pseudonym));
    // A chip per list, with the API's count (Indonesian digits: 2.534).
    const chips = await page.$$eval('.audit-counts button', (bs) => bs.map((b) => [b.dataset.kind, b.querySelector('strong').textContent]));
    assert.equal(chips.length, 6);
    for (const [kind, text] of chips) assert.equal(Number(text.replace(/\./g, '')), api.counts[kind], kind);
    // Grouped by posyandu: a heading per group names one.
    const heads = await page.$$eval('.audit-group h2', (hs) => hs.map((h) => h.textContent));
    assert.ok(heads.every((h) => /Posyandu/.test(h)), heads[0]);
    assert.match(await page.getAttribute('#xlsx', 'href'), /api\/audit\.xlsx\?.*kind=worse/);
    await page.screenshot({ path: 'tests/browser/out/audit-1440.png' });
    assert.deepEqual(v.problems, []);
  });

  it('marks a case audited and shows the decision', async () => {
    const first = await page.$eval('.audit-table tbody tr', (tr) => tr.dataset.pseudonym);
    await page.click(`tr[data-pseudonym="${first}"] .mark`);
    await page.check('input[name=decision][value=remeasure]');
    await page.fill('#mark-note', 'Ukur ulang di posyandu minggu depan');
    await page.click('#mark-save');
    await page.waitForSelector(`tr[data-pseudonym="${first}"] .dec-remeasure`);
    const cell = await page.textContent(`tr[data-pseudonym="${first}"] .decision`);
    assert.match(cell, /Ukur ulang/);
    assert.match(cell, /minggu depan/);
    // Kept by the server: a reload shows it too.
    await page.reload();
    await page.waitForSelector(`tr[data-pseudonym="${first}"] .dec-remeasure`);
    const api = await v.api('/api/audit?kind=worse');
    const row = api.rows.find((r) => r.pseudonym === first);
    assert.equal(row.audit.decision, 'remeasure');
    assert.equal(row.audit.username, 'admin');
    assert.deepEqual(v.problems, []);
  });
});

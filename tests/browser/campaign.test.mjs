// The campaign page (web/campaign.html) on the demo city: a planner picks a programme,
// a village, a day and a group, and the page shows what the server wrote, then that
// the map's figures are being updated and when they are (/api/coverage counts it);
// a date outside every round is refused in Bahasa.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { openViewer } from './harness.mjs';

let v;
let page;

describe('campaign page', () => {
  before(async () => {
    v = await openViewer({ width: 1440, height: 900 });
    page = v.page;
    mkdirSync('tests/browser/out', { recursive: true });
  });
  after(async () => v?.close());

  it('records a campaign and shows how many families received it', async () => {
    // From the coverage map's legend, with the programme on the map chosen.
    await page.selectOption('#indicator', 'intervention');
    await page.locator('#programme-control').waitFor({ state: 'visible' });
    await page.selectOption('#programme', 'bansos');
    await page.waitForFunction(() => document.body.dataset.interventions?.startsWith('intervention:bansos'));
    await page.screenshot({ path: 'tests/browser/out/campaign-legend-1440.png' });
    await page.click('#campaign-link');
    await page.waitForSelector('#campaign:not([hidden])');
    assert.equal(await page.locator('select[name=programme]').inputValue(), 'bansos');
    const before = await v.api('/api/coverage');
    // The village with the most baduta families, by the API's own tallies.
    const village = [...before.villages].sort((a, b) => (b.groups.baduta?.families ?? 0) - (a.groups.baduta?.families ?? 0))[0];
    await page.selectOption('select[name=village]', village.code);
    await page.selectOption('select[name=group]', 'baduta');
    await page.fill('input[name=date]', '2026-09-01');
    await page.fill('input[name=quantity]', '1');
    await page.fill('input[name=cost]', '250000');
    assert.match(await page.textContent('#who'), /keluarga dengan baduta/);
    // Every state the map-figures line goes through, in order.
    await page.evaluate(() => {
      window.figureStates = [];
      new MutationObserver(() => {
        const s = document.getElementById('figures')?.dataset.state;
        if (s && s !== window.figureStates.at(-1)) window.figureStates.push(s);
      }).observe(document.getElementById('result'), { subtree: true, childList: true, attributes: true });
    });
    await page.click('#campaign button[type=submit]');
    await page.waitForSelector('#result:not([hidden])');
    await page.screenshot({ path: 'tests/browser/out/campaign-updating-1440.png' });
    const text = await page.textContent('#result strong');
    const n = village.groups.baduta.families;
    // bansos has no unit in the built-in catalogue: the quantity stands alone.
    assert.equal(text, `${n} keluarga baduta di ${village.name} menerima Bantuan sosial (PKH/BPNT) (1 per penerima), 2026-09-01`);
    // The answer comes before the map's figures are rebuilt: the page says they are
    // being updated, polls /api/coverage, and says when they are (within a bound).
    await page.waitForSelector('#figures[data-state=done]', { timeout: 120000 });
    assert.deepEqual(await page.evaluate(() => window.figureStates), ['updating', 'done']);
    const revision = Number(await page.getAttribute('#figures', 'data-revision'));
    assert.match(await page.textContent('#figures'), new RegExp(`Angka cakupan di peta sudah diperbarui \\(revisi ${revision}\\)`));
    const after = await v.api('/api/coverage');
    assert.ok(after.revision >= revision && revision > before.revision, `${before.revision} ${revision} ${after.revision}`);
    const of = (cov) => cov.villages.find((x) => x.code === village.code).programmes.bansos.deliveries;
    assert.equal(of(after) - of(before), n);
    await page.screenshot({ path: 'tests/browser/out/campaign-1440.png' });
    // A date outside every round: refused, in Bahasa, nothing written.
    await page.fill('input[name=date]', '2025-01-15');
    await page.click('#campaign button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error'), /Tidak dicatat: .*putaran penimbangan/);
    assert.equal(of(await v.api('/api/coverage')), of(after));
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: 'tests/browser/out/campaign-1366.png' });
    assert.deepEqual(v.problems.filter((p) => !/status of 422/.test(p)), []);
  });
});

// Rencana dan realisasi per OPD in a real headless browser against the real server
// binary (the demo city with its teams and August ledger): the link in the legend
// of a coverage map, the table's figures equal to
// /api/coverage/plan's, the villages nobody reached, at 1440x900 and 1366x768, and
// the printed page without the controls.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/plan.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let viewer = null;
let page = null;
let problems = [];

describe('plan against delivery', { timeout: 400_000 }, () => {
  before(async () => {
    viewer = await openViewer({ width: 1440, height: 900 });
    ({ page, problems } = viewer);
  });

  after(async () => {
    await viewer?.close();
  });

  it('is linked from the legend of a coverage map', async () => {
    assert.equal(await page.locator('#plan-link').count(), 0);
    await page.selectOption('#indicator', 'intervention');
    await page.locator('#legend #plan-link').waitFor({ state: 'visible' });
    assert.equal((await page.locator('#plan-link').innerText()).trim(), 'Rencana dan realisasi per OPD\u00a0→');
    await page.screenshot({ path: 'tests/browser/out/plan-link-1440.png' });
    await page.setViewportSize({ width: 1366, height: 768 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the viewer overflows by ${overflow} px`);
    await page.screenshot({ path: 'tests/browser/out/plan-link-1366.png' });
    await page.setViewportSize({ width: 1440, height: 900 });
    const href = await page.locator('#plan-link').getAttribute('href');
    assert.match(href, /\/web\/plan\.html(\?period=\d{4}-\d{2})?$/);
    await page.goto(href);
    await page.waitForFunction(() => document.body.dataset.plan);
  });

  it("shows the API's figures per OPD and the villages nobody reached", async () => {
    const plan = await viewer.api('../api/coverage/plan');
    assert.ok(plan.by.some((d) => d.assigned > 0), JSON.stringify(plan.by));
    assert.equal(await page.locator('h1').first().innerText(), 'sigap · Rencana dan realisasi per OPD');
    const heads = await page.$$eval('#plan-table th', (t) => t.map((x) => x.textContent.trim()));
    assert.deepEqual(heads.slice(0, 5), ['OPD / sponsor', 'Anak ditugaskan', 'Dikunjungi', 'Menerima intervensi', 'Belum dijangkau']);
    const fmt = (n) => new Intl.NumberFormat('id-ID').format(n);
    for (const d of plan.by) {
      const cells = await page.$$eval(`#plan-rows tr[data-by="${d.by}"] td`, (t) => t.map((x) => x.textContent));
      assert.equal(cells[0], d.by === '-' ? '–' : d.by);
      assert.deepEqual(cells.slice(1, 5).map((c) => c.split(' ')[0]),
        [d.assigned, d.visited, d.received, d.unreached].map(fmt), d.by);
    }
    const names = await page.$$eval('#villages li', (l) => l.map((x) => x.firstChild.textContent));
    if (plan.villages_unreached.length) assert.deepEqual(names, plan.villages_unreached.map((v) => v.name));
    else assert.equal(await page.locator('#villages').innerText(), 'Semua desa dijangkau.');
    await page.screenshot({ path: 'tests/browser/out/plan-1440.png', fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: 'tests/browser/out/plan-1366.png', fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page overflows by ${overflow} px`);
  });

  it('prints without the controls, in English too', async () => {
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#filters').isVisible(), false);
    assert.equal(await page.locator('.audit-print-head').isVisible(), true);
    await page.screenshot({ path: 'tests/browser/out/plan-print.png', fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    await page.click('#lang-toggle');
    assert.equal((await page.locator('#plan-table th').nth(4).innerText()).trim(), 'Not reached');
    assert.deepEqual(problems, []);
  });
});

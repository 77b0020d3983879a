// The viewer's measurement periods in a real headless browser against the real
// server binary (the demo city has the February and August 2026 rounds): the period
// and comparison selects, the Perubahan box, villages coloured by their change, and
// the tiles and the list following the chosen period.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let viewer = null;
let page = null;
let problems = [];
const api = (p) => viewer.api(p);

describe('periods in the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    viewer = await openViewer();
    ({ page, problems } = viewer);
  });

  after(async () => {
    await viewer?.close();
  });

  it('offers the periods, the latest chosen, in Bahasa first', async () => {
    await page.locator('#period-controls').waitFor({ state: 'visible' });
    const options = await page.$$eval('#period option', (o) => o.map((x) => [x.value, x.selected]));
    assert.deepEqual(options, [['2026-02', false], ['2026-08', true]]);
    assert.match(await page.locator('#period-controls').innerText(), /Periode/);
    assert.equal(await page.locator('#change').isVisible(), false, 'no comparison yet');
  });

  it('shows the change since February in the panel and on the villages', async () => {
    await page.selectOption('#compare', '2026-02');
    await page.locator('#change').waitFor({ state: 'visible' });
    const body = await api('api/villages?compare=2026-02');
    const sum = (k) => body.villages.reduce((n, v) => n + v.change[k], 0);
    const text = await page.locator('#change').innerText();
    for (const k of ['followed', 'newly_stunted', 'recovered']) {
      const shown = new Intl.NumberFormat('id-ID').format(sum(k));
      assert.ok(text.includes(shown), `${k} ${shown} in: ${text}`);
    }
    assert.match(text, /Perubahan sejak 2026-02/);
    const v = body.villages.find((x) => Number.isFinite(x.change.prevalence_change_pp));
    const state = await page.evaluate(async (code) => {
      const map = window.sigapMap;
      await new Promise((r) => (map.loaded() ? r() : map.once('idle', r)));
      return [map.getLayoutProperty('village-change', 'visibility'),
        map.getFeatureState({ source: 'villages', sourceLayer: 'villages', id: Number(code) }).d];
    }, v.code);
    assert.deepEqual(state, ['visible', v.change.prevalence_change_pp]);
    // The change is the map's indicator, with its own legend, not a tint over another.
    assert.equal(await page.locator('#indicator').inputValue(), 'prevalence_change');
    assert.match(await page.locator('#legend').innerText(), /Perubahan prevalensi sejak 2026-02[\s\S]*tidak dibandingkan/);
    const hexes = await page.evaluate(() => ['hex-heat', 'hex-fill'].map((id) => window.sigapMap.getLayoutProperty(id, 'visibility')));
    assert.deepEqual(hexes, ['none', 'none']);
    await page.screenshot({ path: `${process.env.SHOTS || '/tmp'}/compare-1280.png` });
  });

  it('follows the chosen period in the tiles and the list', async () => {
    const feb = await api('api/villages?period=2026-02');
    await page.selectOption('#period', '2026-02');
    await page.waitForFunction(() => document.querySelector('#change').hidden);
    await page.waitForFunction(
      (name) => document.querySelector('#village-list li .name')?.textContent === name,
      feb.villages[0].name,
    );
    const tiles = await page.evaluate(() => window.sigapMap.getSource('villages').tiles);
    assert.ok(tiles.every((u) => u.endsWith('?period=2026-02')), String(tiles));
    const hidden = await page.evaluate(() => window.sigapMap.getLayoutProperty('village-change', 'visibility'));
    assert.equal(hidden, 'none');
    assert.deepEqual(problems, []);
  });
});

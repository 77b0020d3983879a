// Keluarga berisiko stunting in a real headless browser against the real server
// binary (the demo city): the indicator and its Kelompok sasaran select, villages
// coloured from the village tiles' per-group counts (checked against /api/villages),
// the legend, and the popup's rows per group.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/families.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let viewer = null;
let page = null;
let problems = [];
const api = (p) => viewer.api(p);

describe('keluarga berisiko stunting in the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    viewer = await openViewer();
    ({ page, problems } = viewer);
  });

  after(async () => {
    await viewer?.close();
  });

  it('offers the indicator and the target groups in Bahasa first', async () => {
    assert.equal(await page.locator('#family-group-control').isVisible(), false);
    await page.selectOption('#indicator', 'families_at_risk');
    await page.locator('#family-group-control').waitFor({ state: 'visible' });
    const groups = await page.$$eval('#family-group option', (o) => o.map((x) => x.textContent));
    assert.deepEqual(groups.map((g) => g.split(' ')[0]), ['Semua', 'Catin', 'Bumil', 'Bufas', 'Baduta', 'Balita']);
    assert.match(await page.locator('#legend h2').innerText(), /^Keluarga berisiko stunting$/);
  });

  it('colours villages by the chosen group from the village tiles', async () => {
    await page.selectOption('#family-group', 'bumil');
    await page.waitForFunction(() => /bumil/.test(document.querySelector('#legend h2').textContent));
    const body = await api('api/villages');
    const want = new Map(body.villages.map((v) => [Number(v.code), v.families_at_risk.bumil]));
    const seen = await page.evaluate(async () => {
      const map = window.sigapMap;
      await new Promise((r) => (map.loaded() ? r() : map.once('idle', r)));
      const feats = map.queryRenderedFeatures({ layers: ['village-families'] });
      return {
        hexes: map.getLayoutProperty('hex-fill', 'visibility'),
        fill: JSON.stringify(map.getPaintProperty('village-families', 'fill-color')),
        counts: feats.map((f) => [f.id, f.properties.families_at_risk_bumil]),
      };
    });
    assert.equal(seen.hexes, 'none');
    assert.match(seen.fill, /families_at_risk_bumil/);
    assert.ok(seen.counts.length > 0);
    for (const [id, n] of seen.counts) assert.equal(n, want.get(id), `village ${id}`);
    // The ramp's top is at least the highest village count for bumil.
    const ticks = await page.locator('#legend .ticks span').last().innerText();
    const top = Number(ticks.replace(/[^0-9]/g, ''));
    assert.ok(top >= Math.max(...want.values()), `${ticks} vs ${Math.max(...want.values())}`);
  });

  it('lists the count per group in the village popup', async () => {
    const body = await api('api/villages');
    const first = body.villages[0];
    await page.locator('#village-list li button').first().click();
    await page.locator('.maplibregl-popup .popup').waitFor({ state: 'visible' });
    const text = await page.locator('.maplibregl-popup .popup').innerText();
    const fmt = (n) => new Intl.NumberFormat('id-ID').format(n);
    assert.match(text, new RegExp(`Keluarga berisiko stunting\\s+${fmt(first.families_at_risk.total)}`));
    assert.match(text, new RegExp(`Baduta \\(anak di bawah 2 tahun\\)\\s+${fmt(first.families_at_risk.baduta)}`));
  });

  it('gives the hexagons back with another indicator', async () => {
    await page.selectOption('#indicator', 'risk');
    const state = await page.evaluate(() => [
      window.sigapMap.getLayoutProperty('village-families', 'visibility'),
      window.sigapMap.getLayoutProperty('hex-fill', 'visibility'),
    ]);
    assert.deepEqual(state, ['none', 'visible']);
    assert.equal(await page.locator('#family-group-control').isVisible(), false);
    assert.deepEqual(problems, []);
  });
});

// Cakupan intervensi and Kesenjangan in a real headless browser against the real
// server binary (the demo city with its August ledger): the indicators and their
// programme select, villages coloured from /api/coverage's shares (checked pixel by
// pixel against the ramp), the legend naming the programme, its target and the city's
// figure, and the hexagons given back afterwards.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/interventions.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mapPixels, openViewer } from './harness.mjs';

let viewer = null;
let page = null;
let problems = [];

/** The ramp, low to high (layers.js), as RGB. */
const RAMP = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026']
  .map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));

/** The ramp colour at `x` in 0..1, linear between stops (as MapLibre interpolates). */
function rampAt(ramp, x) {
  const f = Math.min(1, Math.max(0, x)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(f));
  return ramp[i].map((c, k) => c + (ramp[i + 1][k] - c) * (f - i));
}

describe('intervention coverage in the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    viewer = await openViewer({ width: 1440, height: 900 });
    ({ page, problems } = viewer);
  });

  after(async () => {
    await viewer?.close();
  });

  it('offers coverage per programme in Bahasa first, with the city figure in the legend', async () => {
    assert.equal(await page.locator('#programme-control').isVisible(), false);
    await page.selectOption('#indicator', 'intervention');
    await page.locator('#programme-control').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.body.dataset.interventions?.startsWith('intervention:'));
    const names = await page.$$eval('#programme option', (o) => o.map((x) => x.textContent));
    assert.deepEqual(names.slice(0, 2), ['PMT lokal', 'Telur dan protein hewani']);
    const cov = await viewer.api('api/coverage');
    const pmt = cov.total.pmt;
    assert.ok(pmt.target > 0 && pmt.reached > 0 && pmt.reached < pmt.target, JSON.stringify(pmt));
    const legend = await page.locator('#legend').innerText();
    assert.match(legend, /^Cakupan intervensi: PMT lokal/);
    assert.match(legend, /anak stunting yang diukur/);
    const fmt = (n) => new Intl.NumberFormat('id-ID').format(n);
    assert.ok(legend.includes(`Kota: ${fmt(pmt.reached)} dari ${fmt(pmt.target)} sasaran`), legend);
  });

  it('colours each village by the share of its target reached', async () => {
    await page.selectOption('#programme', 'ttd_bumil');
    await page.waitForFunction(() => document.body.dataset.interventions?.startsWith('intervention:ttd_bumil'));
    await page.evaluate(() => new Promise((r) => {
      const map = window.sigapMap;
      map.setCenter(map.getCenter()); // a frame after the paint change
      map.once('idle', r);
    }));
    const cov = await viewer.api('api/coverage');
    // Each village's point farthest inside it (the label point the API gives is not
    // needed: the village list's centre is enough away from borders at city zoom).
    const villages = await viewer.api('api/villages');
    const sample = villages.villages.filter((v) => v.centre).slice(0, 12);
    assert.ok(sample.length >= 8, 'villages with a centre');
    const pixels = await mapPixels(page, 'tests/browser/out/interventions-ttd.png', sample.map((v) => v.centre));
    const reversed = [...RAMP].reverse();
    let matched = 0;
    sample.forEach((v, i) => {
      const share = cov.villages.find((x) => x.code === v.code).programmes.ttd_bumil.share;
      if (share == null) return;
      const want = rampAt(reversed, share);
      // The fill is 85 % opaque over the land: compare hue order, not exact values.
      const close = pixels[i].some((p) => Math.hypot(p[0] - want[0], p[1] - want[1], p[2] - want[2]) < 60);
      if (close) matched += 1;
    });
    assert.ok(matched >= sample.length * 0.6, `${matched} of ${sample.length} villages have their share's colour`);
  });

  it('shows the gap: risk times the share not reached', async () => {
    await page.selectOption('#indicator', 'gap');
    await page.waitForFunction(() => document.body.dataset.interventions?.startsWith('gap:'));
    const fill = await page.evaluate(() => JSON.stringify(window.sigapMap.getPaintProperty('village-interventions', 'fill-color')));
    // The print's title names the programme (a map at the rembuk must say which).
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    await page.waitForFunction(() => /Kesenjangan cakupan: Tablet tambah darah ibu hamil/.test(document.getElementById('print-title')?.textContent ?? ''));
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    assert.match(fill, /"risk"/);
    assert.match(await page.locator('#legend h2').innerText(), /^Kesenjangan/);
    await page.screenshot({ path: 'tests/browser/out/interventions-gap-1440.png' });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: 'tests/browser/out/interventions-gap-1366.png' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `header overflows by ${overflow} px`);
  });

  it('keeps the programme in the link and says its reach in the village popup', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.waitForFunction(() => /(^|[#&])ind=gap&prog=ttd_bumil(&|$)/.test(window.location.hash));
    // A colleague opening the copied link sees the same programme.
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.interventions?.startsWith('gap:ttd_bumil'));
    assert.equal(await page.locator('#programme').inputValue(), 'ttd_bumil');
    assert.match(await page.locator('#legend h2').innerText(), /Tablet tambah darah ibu hamil/);
    // Clicking a village: the popup gives the programme's reach there.
    const villages = await viewer.api('api/villages');
    const cov = await viewer.api('api/coverage');
    const v = villages.villages.find((x) => x.centre
      && cov.villages.find((c) => c.code === x.code).programmes.ttd_bumil.target > 0);
    await page.evaluate(() => new Promise((r) => { window.sigapMap.once('idle', r); window.sigapMap.setCenter(window.sigapMap.getCenter()); }));
    const at = await page.evaluate(([lon, lat]) => {
      const p = window.sigapMap.project([lon, lat]);
      const box = window.sigapMap.getCanvas().getBoundingClientRect();
      return [box.left + p.x, box.top + p.y];
    }, v.centre);
    await page.mouse.click(at[0], at[1]);
    const popup = page.locator('.maplibregl-popup');
    await popup.waitFor();
    const r = cov.villages.find((c) => c.code === v.code).programmes.ttd_bumil;
    const fmt = (n) => new Intl.NumberFormat('id-ID').format(n);
    const text = await popup.innerText();
    assert.ok(text.includes('Tablet tambah darah ibu hamil') && text.includes(`${fmt(r.reached)} dari ${fmt(r.target)}`), text);
    await page.keyboard.press('Escape');
  });

  it('gives the hexagons back with another indicator', async () => {
    await page.selectOption('#indicator', 'risk');
    const state = await page.evaluate(() => [
      window.sigapMap.getLayoutProperty('village-interventions', 'visibility'),
      window.sigapMap.getLayoutProperty('hex-fill', 'visibility'),
    ]);
    assert.deepEqual(state, ['none', 'visible']);
    assert.equal(await page.locator('#programme-control').isVisible(), false);
    assert.deepEqual(problems, []);
  });
});

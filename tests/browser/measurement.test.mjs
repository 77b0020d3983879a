// Cakupan pengukuran and the two numbers in a real headless browser against the real
// server binary (the demo city, its population raster as the target, an SSGI figure
// from a test config): villages coloured in the classes of /api/measurement's
// coverage (checked pixel by pixel), the flagged ones outlined, the legend's no-target
// swatch, and the side panel's register, SSGI, gap and weighted figures as the API
// gives them; the header still fits 1366x768.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/measurement.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mapPixels, openViewer } from './harness.mjs';

let viewer = null;
let page = null;
let problems = [];

/** The classes, low to high (measurement.js), as RGB. */
const CLASSES = ['#bd0026', '#f03b20', '#fd8d3c', '#a1d99b', '#31a354']
  .map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));

/** The class of a coverage for the threshold `min` (breaks as measurement.js draws them). */
function classOf(coverage, min) {
  const breaks = [Math.max(0, min - 0.3), Math.max(0, min - 0.15), min, Math.max(1, min + 0.05)];
  return breaks.filter((b) => coverage >= b).length;
}

describe('measurement coverage in the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sigap-measurement-'));
    const config = path.join(dir, 'sigap.toml');
    writeFileSync(config, '[survey]\nprevalence_percent = 24.8\nyear = 2024\n');
    viewer = await openViewer({ width: 1440, height: 900, serverArgs: ['--config', config] });
    ({ page, problems } = viewer);
  });

  after(async () => {
    await viewer?.close();
  });

  it('shows the two numbers of the API in the side panel, in Bahasa first', async () => {
    const m = await viewer.api('api/measurement');
    const s = m.summary;
    assert.ok(s.register > 0 && s.survey === 0.248 && s.weighted > 0, JSON.stringify(s));
    await page.locator('#two-numbers').waitFor({ state: 'visible' });
    const text = await page.locator('#two-numbers').innerText();
    const pct = (x) => new Intl.NumberFormat('id-ID', { style: 'percent', maximumFractionDigits: 1 }).format(x);
    const num = (x) => new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 }).format(x);
    assert.ok(text.includes(`Prevalensi register ${pct(s.register)}`), text);
    assert.ok(text.includes(`SSGI ${pct(0.248)} (2024)`), text);
    assert.ok(text.includes(`selisih ${num(s.gap_points)} poin`), text);
    assert.ok(text.includes(`perkiraan tertimbang ${pct(s.weighted)}`), text);
    assert.match(text, /ditimbang dengan sasaran balitanya/);
    assert.ok(text.includes(`${s.below} kelurahan di bawah ${pct(s.min_coverage)}`), text);
  });

  it('colours each village by the class of its coverage and outlines the flagged ones', async () => {
    await page.selectOption('#indicator', 'measurement');
    await page.waitForFunction(() => document.body.dataset.measurement !== undefined);
    await page.evaluate(() => new Promise((r) => {
      const map = window.sigapMap;
      map.setCenter(map.getCenter()); // a frame after the paint change
      map.once('idle', r);
    }));
    const m = await viewer.api('api/measurement');
    const villages = await viewer.api('api/villages');
    const sample = villages.villages.filter((v) => v.centre).slice(0, 16);
    assert.ok(sample.length >= 10, 'villages with a centre');
    const pixels = await mapPixels(page, 'tests/browser/out/measurement-1440.png', sample.map((v) => v.centre));
    let matched = 0;
    const seen = new Set();
    sample.forEach((v, i) => {
      const row = m.villages.find((x) => x.code === v.code);
      if (row.coverage == null) return;
      const cls = classOf(row.coverage, m.summary.min_coverage);
      seen.add(cls);
      const want = CLASSES[cls];
      // 85 % opaque over the land: near the class colour, and nearer it than any other class.
      const dist = (p, c) => Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
      const ok = pixels[i].some((p) => dist(p, want) < 60 && CLASSES.every((c) => dist(p, want) <= dist(p, c)));
      if (ok) matched += 1;
    });
    assert.ok(seen.size >= 2, `the sample spans ${seen.size} classes`);
    assert.ok(matched >= sample.length * 0.7, `${matched} of ${sample.length} villages have their class's colour`);
    const filter = await page.evaluate(() => JSON.stringify(window.sigapMap.getFilter('village-measurement-below')));
    const flagged = m.villages.filter((v) => v.below).map((v) => v.code);
    assert.ok(flagged.length > 0 && flagged.every((c) => filter.includes(c)), filter);
    assert.ok(m.villages.filter((v) => !v.below).every((v) => !filter.includes(v.code)), filter);
    const legend = await page.locator('#legend').innerText();
    assert.match(legend, /^Cakupan pengukuran/);
    assert.match(legend, /tanpa sasaran \(tidak ditampilkan\)/);
    assert.match(legend, new RegExp(`ditandai \\(${m.summary.below} kelurahan\\)`));
    assert.match(legend, /Sasaran: jumlah balita dari raster penduduk/);
  });

  it('keeps the header within 1366x768 and speaks English on request', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.evaluate(() => new Promise((r) => {
      const map = window.sigapMap;
      map.once('idle', r); // listening first: a map already idle renders once more
      map.resize();
      map.triggerRepaint();
    }));
    await page.screenshot({ path: 'tests/browser/out/measurement-1366.png' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page overflows by ${overflow} px`);
    const header = await page.evaluate(() => {
      const h = document.querySelector('.topbar').getBoundingClientRect();
      return [h.right, h.height];
    });
    assert.ok(header[0] <= 1366 && header[1] < 120, `header ${header}`);
    await page.click('#lang-toggle');
    const text = await page.locator('#two-numbers').innerText();
    assert.match(text, /Register prevalence .* · SSGI .* \(2024\) · gap .* points · weighted estimate/);
    assert.match(await page.locator('#legend h2').innerText(), /^Measurement coverage/);
    await page.screenshot({ path: 'tests/browser/out/measurement-1366-en.png' });
    await page.click('#lang-toggle');
    assert.deepEqual(problems, []);
  });

  it('lets a planner or admin upload the villages\' targets from the panel, naming bad rows', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const before = await viewer.api('api/measurement');
    const [a, b] = before.villages.filter((v) => v.measured > 0).map((v) => v.code);
    const upload = page.locator('#two-numbers details.targets-upload');
    await upload.locator('summary').click();
    assert.match(await upload.innerText(), /kolom kode_desa dan sasaran/);
    // A bad file first: refused, every bad row named, the figures unchanged.
    await upload.locator('input[type=file]').setInputFiles({
      name: 'sasaran-salah.csv', mimeType: 'text/csv', buffer: Buffer.from(`kode_desa,sasaran\n${a},-3\n${b},banyak\n`),
    });
    await upload.locator('button[type=submit]').click();
    await page.waitForSelector('#targets-upload-status[data-state=refused]');
    const refused = await page.locator('#targets-upload-status').innerText();
    assert.match(refused, /sasaran-salah\.csv tidak diimpor, tidak ada yang disimpan: 2 baris ditolak/);
    assert.match(refused, /baris 2, kolom sasaran: negative target `-3`/);
    assert.match(refused, /baris 3, kolom sasaran: `banyak` is not a number/);
    await page.screenshot({ path: 'tests/browser/out/measurement-targets-refused-1440.png' });
    assert.deepEqual(await viewer.api('api/measurement'), before);
    // A good file: the panel says so and the map and legend use the new targets.
    await page.locator('#two-numbers details.targets-upload input[type=file]').setInputFiles({
      name: 'sasaran-dinkes.csv', mimeType: 'text/csv', buffer: Buffer.from(`kode_desa;sasaran\n${a};7\n${b};9,5\n`),
    });
    await page.locator('#two-numbers details.targets-upload button[type=submit]').click();
    await page.waitForSelector('#targets-upload-status[data-state=done]');
    assert.match(await page.locator('#targets-upload-status').innerText(),
      /2 sasaran untuk 2 kelurahan diimpor dari sasaran-dinkes\.csv; peta dan angka sudah diperbarui/);
    const m = await viewer.api('api/measurement');
    const row = (code) => m.villages.find((v) => v.code === code);
    assert.deepEqual([row(a).target, row(a).target_source, row(b).target], [7, 'imported', 9.5]);
    await page.waitForFunction(() => /berkas sasaran yang diimpor/.test(document.getElementById('legend').innerText));
    const paint = await page.evaluate(() => JSON.stringify(window.sigapMap.getPaintProperty('village-measurement', 'fill-color')));
    assert.ok(paint.includes(`"${a}",${row(a).coverage}`), paint.slice(0, 300));
    await page.screenshot({ path: 'tests/browser/out/measurement-targets-1440.png' });
    assert.deepEqual(problems.filter((p) => !/status of 422/.test(p)), []);
  });
});

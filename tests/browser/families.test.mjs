// Keluarga berisiko stunting in a real headless browser against the real server
// binary (the demo city): the indicator and its Kelompok sasaran select, villages
// coloured from the village tiles' per-group counts (checked against /api/villages),
// the legend, and the popup's rows per group.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/families.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.resolve(ROOT, process.env.SIGAP_BIN || 'target/debug/sigap');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = 180_000;

let server = null;
let browser = null;
let page = null;
let baseUrl = null;
const problems = [];

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--addr', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${output.slice(-4000)}`)), START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${output.slice(-4000)}`)); });
  });
}

/** `path` fetched by the page (same origin). */
function api(p) {
  return page.evaluate((u) => fetch(u).then((r) => r.json()), p);
}

describe('keluarga berisiko stunting in the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    baseUrl = process.env.SIGAP_URL || await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
    await page.goto(`${baseUrl}/`);
    await page.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
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

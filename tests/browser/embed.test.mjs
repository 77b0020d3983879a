// The public embed in headless Chromium, framed by another page as a city website
// would: it renders villages from /public/api only, asks for nothing else of the
// server, sets no cookie, and logs no error. The coverage view ("Cakupan intervensi")
// colours villages by /public/api/coverage and its popups say that API's numbers.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let server;
let browser;
let context;
let page;
const problems = [];
const requests = [];

/**
 * Share of pixels that differ between two PNG screenshots, decoded in a blank page of
 * `ctx` (the embed's Content-Security-Policy forbids fetching data: URLs).
 */
async function changedShare(ctx, a, b) {
  const p = await ctx.newPage();
  const share = await p.evaluate(async ([x, y]) => {
    const pixels = async (b64) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const c = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = c.getContext('2d');
      g.drawImage(bitmap, 0, 0);
      return g.getImageData(0, 0, bitmap.width, bitmap.height).data;
    };
    const [u, v] = [await pixels(x), await pixels(y)];
    let changed = 0;
    for (let i = 0; i < u.length; i += 4) {
      if (Math.abs(u[i] - v[i]) + Math.abs(u[i + 1] - v[i + 1]) + Math.abs(u[i + 2] - v[i + 2]) > 30) changed += 1;
    }
    return changed / (u.length / 4);
  }, [a.toString('base64'), b.toString('base64')]);
  await p.close();
  return share;
}

const idle = (p) => p.evaluate(() => new Promise((resolve) => {
  const map = window.sigapEmbedMap;
  if (map.loaded() && map.areTilesLoaded()) resolve(); else map.once('idle', resolve);
}));

/**
 * A screen point well inside a drawn village (the same village 8 px around it, away
 * from the legend, note and title) whose code passes `wanted`, or null.
 */
async function pointInVillage(p, wanted) {
  return p.evaluate((codes) => {
    const map = window.sigapEmbedMap;
    const { width, height } = map.getCanvas().getBoundingClientRect();
    const at = (x, y) => map.queryRenderedFeatures([x, y], { layers: ['village-fill'] })[0]?.properties.code;
    for (let y = height * 0.3; y < height * 0.7; y += 12) {
      for (let x = width * 0.3; x < width * 0.7; x += 12) {
        const code = at(x, y);
        if (codes.includes(code) && [[8, 0], [-8, 0], [0, 8], [0, -8]].every(([dx, dy]) => at(x + dx, y + dy) === code)) {
          return { x, y, code };
        }
      }
    }
    return null;
  }, wanted);
}

/** The popup's lines after a click at `pt` (canvas coordinates). */
async function popupAt(p, pt) {
  await p.locator('.maplibregl-popup').evaluateAll((els) => els.forEach((e) => e.remove()));
  const box = await p.locator('#map canvas').boundingBox();
  await p.mouse.click(box.x + pt.x, box.y + pt.y);
  await p.locator('.maplibregl-popup').waitFor({ state: 'visible', timeout: 10_000 });
  return p.locator('.maplibregl-popup p').allInnerTexts();
}

describe('public embed', { timeout: 300_000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    context = await browser.newContext({ viewport: { width: 900, height: 600 } });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
    page.on('request', (r) => requests.push(r.url()));
  });

  after(async () => {
    await browser?.close();
    if (server?.child.exitCode === null) process.kill(server.child.pid, 'SIGTERM');
  });

  it('renders the villages with the chosen indicator, in English when asked', async () => {
    await page.goto(`${server.url}/embed?indicator=prevalence&lang=en`);
    await page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
    const n = await page.evaluate(() => window.sigapEmbedMap.queryRenderedFeatures({ layers: ['village-fill'] }).length);
    assert.ok(n > 10, `rendered village features: ${n}`);
    assert.match(await page.locator('.legend').innerText(), /Stunting prevalence/);
    assert.match(await page.locator('#note').innerText(), /below 10/);
    // A title that says what, where and when; classes as ranges and a "not shown" class.
    const summary = await page.evaluate(() => fetch('/public/api/summary').then((r) => r.json()));
    assert.match(await page.locator('#title').innerText(), /^Stunting risk map · Kota Kendari/);
    assert.match(await page.locator('#subtitle').innerText(), new RegExp(`Measurement period ${summary.period} · measured until \\d+ \\w+ 20\\d\\d`));
    const legend = await page.locator('.legend').innerText();
    for (const label of ['< 2.5%', '2.5% – < 10%', '≥ 30%', 'not shown']) assert.ok(legend.includes(label), `${label} in ${legend}`);
    // Villages whose stunted count is hidden are coloured by the bound the counts
    // imply: at most a tenth of the villages drawn stay grey (48 of 65 were).
    const [drawn, grey] = await page.evaluate(() => {
      const byCode = new Map();
      for (const f of window.sigapEmbedMap.queryRenderedFeatures({ layers: ['village-fill'] })) byCode.set(f.properties.code, f.properties);
      const all = [...byCode.values()];
      return [all.length, all.filter((p) => p.prevalence == null && p.prevalence_max == null).length];
    });
    assert.ok(drawn > 50 && grey * 10 <= drawn, `${grey} of ${drawn} villages grey`);
    assert.match(await page.locator('#note').innerText(), /coloured by their upper bound/);
    mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
    await page.screenshot({ path: new URL('./out/embed-prevalence.png', import.meta.url).pathname });
  });

  it('switches language inside the frame', async () => {
    await page.locator('#lang').click();
    await page.waitForFunction(() => window.sigapEmbedReady === true && document.documentElement.lang === 'id', null, { timeout: 120_000 });
    assert.match(page.url(), /lang=id/);
    assert.match(await page.locator('#title').innerText(), /^Peta risiko stunting/);
    assert.match(await page.locator('.legend').innerText(), /Prevalensi stunting[\s\S]*tidak ditampilkan/);
    await page.goto(`${server.url}/embed?indicator=prevalence&lang=en`);
    await page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
  });

  it('opens a popup whose small counts read <10', async () => {
    const text = await page.evaluate(async () => {
      const r = await fetch('/public/api/villages');
      const v = (await r.json()).features.find((f) => f.properties.stunted === null);
      return v ? v.properties.stunted_text : null;
    });
    assert.ok(text === '<10' || text === '*', String(text));
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('.maplibregl-popup').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await page.locator('.maplibregl-popup').innerText(), /Children measured: /);
  });

  it('shows intervention coverage per village with the public API\'s numbers', async () => {
    const cov = await page.evaluate(() => fetch('/public/api/coverage').then((r) => r.json()));
    await page.goto(`${server.url}/embed?indicator=prevalence&lang=id`);
    await page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
    await idle(page);
    const prevalence = await page.locator('#map canvas').screenshot();
    const before = requests.length;
    await page.goto(`${server.url}/embed?indicator=coverage&programme=vita&lang=id`);
    await page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
    await idle(page);
    // The villages take other colours than the prevalence view's.
    const coverage = await page.locator('#map canvas').screenshot();
    const changed = await changedShare(context, prevalence, coverage);
    assert.ok(changed > 0.15, `changed pixels: ${changed}`);
    // One request for the coverage, none for the hexagons (nothing draws them).
    const asked = requests.slice(before).map((u) => new URL(u).pathname);
    assert.equal(asked.filter((u) => u === '/public/api/coverage').length, 1, asked.join(' '));
    assert.ok(!asked.includes('/public/api/hexes'), asked.join(' '));
    // The legend: title, the programme menu, the city's reach as the API has it,
    // classes as ranges and the grey "not shown" class.
    const legend = await page.locator('.legend').innerText();
    for (const label of ['Cakupan intervensi', '< 25%', '25% – < 50%', '75% – < 90%', '≥ 90%', 'tidak ditampilkan']) {
      assert.ok(legend.includes(label), `${label} in ${legend}`);
    }
    const options = await page.$$eval('#programme option', (os) => os.map((o) => o.value));
    assert.deepEqual(options, cov.programmes.map((x) => x.code));
    const id = (n) => n.toLocaleString('id-ID');
    const pct = (s) => `${(s * 100).toLocaleString('id-ID', { maximumFractionDigits: 1 })}%`;
    const t = cov.total.vita;
    assert.equal(await page.locator('#city-reach').innerText(), `Seluruh kota: ${id(t.reached)} dari ${id(t.target)} anak (${pct(t.share)})`);
    const swatches = await page.$$eval('.legend .swatch', (els) => els.map((e) => getComputedStyle(e).backgroundColor));
    assert.equal(swatches.at(-1), 'rgb(229, 231, 235)');
    // Each village's colour is the class of its published share, grey without one.
    const byCode = Object.fromEntries(cov.villages.map((v) => [v.code, v]));
    const classes = ['rgb(255, 255, 204)', 'rgb(161, 218, 180)', 'rgb(65, 182, 196)', 'rgb(44, 127, 184)', 'rgb(37, 52, 148)'];
    const steps = [0, 0.25, 0.5, 0.75, 0.9];
    const drawn = await page.evaluate(() => {
      const out = {};
      for (const f of window.sigapEmbedMap.queryRenderedFeatures({ layers: ['village-fill'] })) {
        // The fill colour evaluated for this feature (MapLibre's Color, 0..1, opaque).
        const { r, g, b } = f.layer.paint['fill-color'];
        out[f.properties.code] = `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
      }
      return out;
    });
    assert.ok(Object.keys(drawn).length > 50, `${Object.keys(drawn).length} villages drawn`);
    let coloured = 0;
    for (const [code, colour] of Object.entries(drawn)) {
      const share = byCode[code].programmes.vita.share;
      const want = share == null ? 'rgb(229, 231, 235)' : classes[steps.findLastIndex((s) => share >= s)];
      assert.equal(colour, want, `${code} share ${share}`);
      coloured += share != null;
    }
    assert.ok(coloured > 40, `${coloured} villages coloured`);
    // The popup of a village with its reach published: "X dari Y anak (Z%)".
    const shown = cov.villages.filter((v) => v.programmes.vita.share != null).map((v) => v.code);
    const pt = await pointInVillage(page, shown);
    assert.ok(pt, 'a village with published vitamin A coverage in the middle of the map');
    const v = byCode[pt.code];
    const r = v.programmes.vita;
    assert.deepEqual(await popupAt(page, pt),
      [v.name, 'Vitamin A', `Sudah menerima: ${id(r.reached)} dari ${id(r.target)} anak (${pct(r.share)})`]);
    // Another programme from the menu: kept in the address, the map recoloured, and a
    // village whose reach is hidden says so without a number.
    await page.selectOption('#programme', 'pmt');
    assert.match(page.url(), /programme=pmt/);
    await idle(page);
    const pmt = cov.total.pmt;
    assert.equal(await page.locator('#city-reach').innerText(),
      `Seluruh kota: ${id(pmt.reached)} dari ${id(pmt.target)} anak stunting${pmt.share == null ? '' : ` (${pct(pmt.share)})`}`);
    // No village's PMT share is published on the demo: the legend says why it is grey.
    const anyPmt = cov.villages.some((x) => x.programmes.pmt.share != null);
    assert.equal(await page.locator('#coverage-none').innerText(), anyPmt ? '' : 'Tiap kelurahan tidak ditampilkan: sasarannya terlalu kecil.');
    assert.match(await page.locator('#title').innerText(), /^Peta cakupan intervensi stunting · Kota Kendari/);
    const hidden = cov.villages.filter((x) => x.programmes.pmt.reached === null).map((x) => x.code);
    assert.ok(hidden.length > 10, `${hidden.length} villages with PMT hidden`);
    const h = await pointInVillage(page, hidden);
    assert.ok(h, 'a village with hidden PMT reach in the middle of the map');
    assert.deepEqual(await popupAt(page, h), [byCode[h.code].name, 'PMT lokal', 'Sudah menerima: tidak ditampilkan']);
    mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
    await page.screenshot({ path: new URL('./out/embed-coverage.png', import.meta.url).pathname });
  });

  it('fits the coverage legend beside the note on a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    p.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    p.on('request', (r) => requests.push(r.url()));
    await p.goto(`${server.url}/embed?indicator=coverage`);
    await p.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
    const [a, b] = [await p.locator('.legend').boundingBox(), await p.locator('#note').boundingBox()];
    assert.ok(a.x + a.width <= b.x, `legend ${JSON.stringify(a)} overlaps note ${JSON.stringify(b)}`);
    assert.ok(a.y + a.height <= 844 && a.y > 400, JSON.stringify(a));
    await p.screenshot({ path: new URL('./out/embed-coverage-phone.png', import.meta.url).pathname });
    await phone.close();
  });

  it('asks only for public urls, sets no cookie, logs no error', async () => {
    const paths = requests.map((u) => new URL(u)).filter((u) => u.origin === server.url).map((u) => u.pathname);
    assert.ok(paths.length > 3);
    // The basemap and its fonts are public too (no child data: see test_basemap.py).
    for (const p of paths) assert.match(p, /^\/(embed|public\/api\/|web\/embed\.|web\/basemap\.js|basemap\/|fonts\/|vendor\/)/, p);
    assert.deepEqual(await context.cookies(), []);
    assert.deepEqual(problems, []);
  });

  it('builds an iframe snippet whose preview is the embed', async () => {
    const p = await context.newPage();
    await p.goto(`${server.url}/embed/snippet`);
    await p.selectOption('select[name=indicator]', 'stunted');
    const code = await p.locator('#code').inputValue();
    assert.match(code, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\?indicator=stunted&amp;lang=id"/);
    assert.equal(await p.locator('#preview').getAttribute('src'), `${server.url}/embed?indicator=stunted&lang=id`);
  });
});

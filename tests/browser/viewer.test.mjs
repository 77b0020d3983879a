// The viewer in a real headless browser against the real server binary.
//
// Starts `sigap serve` on a free port (or uses SIGAP_URL if set), opens the page in
// Debian's Chromium through playwright-core and checks what a planner would do: the map
// loads without errors, hexagons render when zoomed in, a click on one opens a popup with
// its numbers, the indicator switch and the language toggle work. Leaves a screenshot in
// docs/screenshot.png for the README.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, logIn } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const HEX_LAYER = 'hex-fill';
const FACILITY_LAYERS = ['facility-puskesmas', 'facility-pustu', 'facility-posyandu'];

let server = null; // { child, url, adminPassword } of the harness
let browser = null;
let page = null;
let baseUrl = null;
const problems = []; // console errors and uncaught page errors, in order

/** Runs `fn` in the page and waits for the map's next `idle` after it. */
function settle(fn, arg) {
  return page.evaluate(([src, a]) => new Promise((resolve, reject) => {
    const map = window.sigapMap;
    const done = () => resolve(map.getZoom());
    map.once('idle', done);
    try {
      new Function('map', 'arg', src)(map, a); // eslint-disable-line no-new-func
    } catch (err) {
      map.off('idle', done);
      reject(err);
      return;
    }
    map.triggerRepaint();
  }), [fn, arg]);
}

/**
 * Screen position (relative to the map canvas) of the rendered hexagon whose centroid is
 * nearest `target` (fractions of the width and height) and not under a facility marker;
 * with `highest`, the highest-risk hexagon within a fifth of the width of `target`.
 */
function hexClickPoint(target, highest) {
  return page.evaluate(([hexLayer, facilityLayers, [fx, fy], top]) => {
    const map = window.sigapMap;
    const canvas = map.getCanvas();
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    let best = null;
    for (const f of map.queryRenderedFeatures({ layers: [hexLayer] })) {
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const pts = ring.slice(0, -1);
      const lon = pts.reduce((s, c) => s + c[0], 0) / pts.length;
      const lat = pts.reduce((s, c) => s + c[1], 0) / pts.length;
      const p = map.project([lon, lat]);
      if (p.x < 60 || p.y < 60 || p.x > w - 60 || p.y > h - 60) continue;
      const box = [[p.x - 8, p.y - 8], [p.x + 8, p.y + 8]];
      if (map.queryRenderedFeatures(box, { layers: facilityLayers }).length) continue;
      const d = Math.hypot(p.x - w * fx, p.y - h * fy);
      const risk = f.properties.risk;
      const better = top
        ? d < w / 5 && (!best || risk > best.risk)
        : !best || d < best.d;
      if (better) best = { x: p.x, y: p.y, d, risk, h3: f.properties.h3 };
    }
    return best;
  }, [HEX_LAYER, FACILITY_LAYERS, target, highest]);
}

async function clickHex(target = [0.5, 0.5], highest = false) {
  const point = await hexClickPoint(target, highest);
  assert.ok(point, 'a rendered hexagon away from the edges and facility markers');
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + point.x, box.y + point.y);
  const popup = page.locator('.maplibregl-popup');
  await popup.waitFor({ state: 'visible', timeout: 10_000 });
  return { point, text: await popup.innerText() };
}

describe('map viewer', { timeout: 400_000 }, () => {
  before(async () => {
    if (!process.env.SIGAP_URL) server = await startServer();
    baseUrl = process.env.SIGAP_URL || server.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()} ${JSON.stringify(msg.location())}`);
    });
  });

  after(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) process.kill(server.child.pid, 'SIGTERM');
  });

  it('loads the map and becomes ready', async () => {
    await page.goto(`${baseUrl}/`);
    await logIn(page, server?.adminPassword || process.env.SIGAP_ADMIN_PASSWORD);
    await page.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
    const style = await page.evaluate(() => window.sigapMap.getStyle().layers.map((l) => l.id));
    assert.ok(style.includes(HEX_LAYER), `layers: ${style}`);
    assert.deepEqual(problems, []);
  });

  it('labels demo data as synthetic', async () => {
    const health = await page.evaluate(() => fetch('/health').then((r) => r.json()));
    assert.equal(await page.locator('#demo-banner').isVisible(), health.demo === true);
  });

  it('renders hexagons at zoom 13 and opens a popup on click', async () => {
    // Zoom in on the hex with the most measured children in the loaded tiles.
    const zoom = await settle(`
      const centres = map.querySourceFeatures('hexes', { sourceLayer: 'hex_centers' });
      if (!centres.length) throw new Error('no hex centres loaded');
      const top = centres.reduce((a, b) => (b.properties.children > a.properties.children ? b : a));
      map.jumpTo({ center: top.geometry.coordinates, zoom: 13.5 });`);
    assert.ok(zoom >= 13, `zoom ${zoom}`);
    const count = await page.evaluate((id) => window.sigapMap.queryRenderedFeatures({ layers: [id] }).length, HEX_LAYER);
    assert.ok(count > 0, 'hexagons rendered at z13.5');

    const { text } = await clickHex();
    assert.match(text, /\d/);
    assert.match(text, /stunting/i);
    // Tiles carry only what the map draws; the popup's other figures (severe, households
    // without latrine) arrive from /api/hexes for this cell.
    const tileProps = await page.evaluate((id) => window.sigapMap.queryRenderedFeatures({ layers: [id] })[0].properties, HEX_LAYER);
    assert.equal(tileProps.severe, undefined);
    await page.waitForFunction(() => /Sangat pendek\s*\d/.test(document.querySelector('.maplibregl-popup')?.innerText ?? ''), null, { timeout: 30_000 });
  });

  it('switches the indicator and its legend', async () => {
    const before = await page.locator('#legend h2').innerText();
    await page.selectOption('#indicator', 'prevalence');
    await page.waitForFunction((old) => document.querySelector('#legend h2').textContent !== old, before);
    const colour = await page.evaluate((id) => JSON.stringify(window.sigapMap.getPaintProperty(id, 'fill-color')), HEX_LAYER);
    assert.match(colour, /"prevalence"/);
    await page.selectOption('#indicator', 'risk');
  });

  it('toggles the language between Indonesian and English', async () => {
    const title = page.locator('#panel-title');
    assert.equal(await title.innerText(), 'Kelurahan prioritas');
    assert.equal(await page.locator('#indicator-label').innerText(), 'Indikator');
    await page.click('#lang-toggle');
    assert.equal(await title.innerText(), 'Priority villages');
    assert.equal(await page.locator('#indicator-label').innerText(), 'Indicator');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.click('#lang-toggle');
    assert.equal(await title.innerText(), 'Kelurahan prioritas');
  });

  it('lists the villages ranked by risk', async () => {
    const items = page.locator('#village-list li button');
    await items.first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await items.count() > 0);
  });

  it('saves a screenshot of the city with hexagons', async () => {
    await page.evaluate(() => document.querySelector('.maplibregl-popup-close-button')?.click());
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.waitForFunction(() => window.sigapMap.getCanvas().clientWidth > 1200);
    // The city, zoomed in until hexagons have mostly replaced the heatmap.
    await settle(`
      map.fitBounds(arg, { padding: 16, animate: false });
      map.jumpTo({ zoom: Math.max(map.getZoom(), 12) });`,
    await page.evaluate(() => fetch('/tiles/hexes.json').then((r) => r.json()).then((tj) => [[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]])));
    const count = await page.evaluate((id) => window.sigapMap.queryRenderedFeatures({ layers: [id] }).length, HEX_LAYER);
    assert.ok(count > 0);
    // A high-risk hexagon in the upper part of the view, so the popup opens below it in full.
    await clickHex([0.4, 0.22], true);
    await page.waitForTimeout(300);
    mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'docs', 'screenshot.png') });
  });

  it('logged no console or page errors', () => {
    assert.deepEqual(problems, []);
  });
});

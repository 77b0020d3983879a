// Map labels drawn from sigap's own glyph ranges (/fonts/{fontstack}/{range}.pbf), in
// headless Chromium against the real server: a symbol layer in DejaVu Sans Book and
// Bold is placed (MapLibre places a label only once its glyphs have loaded), its
// letters are dark pixels where the label is, and no glyph request fails.
// Leaves the screenshot and a 3x crop of the labels in tests/browser/out/ to look at.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, startServer } from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = path.join(ROOT, 'tests/browser/out');
// Indonesian place names, with a descender (g, j, p), an en dash (range 8192-8447) and
// a Latin-1 letter (range 0-255 beyond ASCII).
const BOOK_TEXT = 'Kambu – Baruga Jaya';
const BOLD_TEXT = 'Puuwatu Kadia Café';

let server;
let browser;
let page;
const problems = [];
const glyphResponses = []; // [url, status]

describe('map labels', { timeout: 300_000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    page = await (await browser.newContext({ viewport: { width: 900, height: 600 } })).newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
    page.on('response', (r) => { if (r.url().includes('/fonts/')) glyphResponses.push([r.url(), r.status()]); });
    await page.goto(`${server.url}/embed`);
    await page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
  });

  after(async () => {
    await browser?.close();
    if (server?.child.exitCode === null) process.kill(server.child.pid, 'SIGTERM');
  });

  it('places labels in both fonts from the server\'s glyphs and draws their letters', async () => {
    const placed = await page.evaluate(([book, bold]) => new Promise((resolve, reject) => {
      const map = window.sigapEmbedMap;
      // Only the background stays, so every dark pixel is a letter.
      for (const l of map.getStyle().layers) if (l.type !== 'background') map.setLayoutProperty(l.id, 'visibility', 'none');
      map.setGlyphs(`${window.location.origin}/fonts/{fontstack}/{range}.pbf`);
      const c = map.getCenter();
      const point = (name, dy) => ({ type: 'Feature', properties: { name },
        geometry: { type: 'Point', coordinates: map.unproject([map.project(c).x, map.project(c).y + dy]).toArray() } });
      map.addSource('label-test', { type: 'geojson', data: { type: 'FeatureCollection', features: [point(book, -40), point(bold, 40)] } });
      const paint = { 'text-color': '#111827' };
      // Each layer draws one of the two points, in its own font.
      map.addLayer({ id: 'label-book', type: 'symbol', source: 'label-test', filter: ['==', ['get', 'name'], book],
        layout: { 'text-field': ['get', 'name'], 'text-font': ['DejaVu Sans Book'], 'text-size': 24, 'text-max-width': 20 }, paint });
      map.addLayer({ id: 'label-bold', type: 'symbol', source: 'label-test', filter: ['==', ['get', 'name'], bold],
        layout: { 'text-field': ['get', 'name'], 'text-font': ['DejaVu Sans Bold', 'DejaVu Sans Book'], 'text-size': 24, 'text-max-width': 20 },
        paint });
      const timer = setTimeout(() => reject(new Error('no idle within 30 s')), 30_000);
      map.once('idle', () => {
        clearTimeout(timer);
        const names = (id) => map.queryRenderedFeatures({ layers: [id] }).map((f) => f.properties.name);
        const p = map.project(c);
        resolve({ book: names('label-book'), bold: names('label-bold'), x: p.x, y: p.y });
      });
    }), [BOOK_TEXT, BOLD_TEXT]);
    assert.deepEqual(placed.book, [BOOK_TEXT]);
    assert.deepEqual(placed.bold, [BOLD_TEXT]);

    mkdirSync(OUT, { recursive: true });
    const canvas = page.locator('#map canvas');
    const box = await canvas.boundingBox();
    const shot = await page.screenshot({ path: path.join(OUT, 'labels.png') });
    const clip = { x: box.x + placed.x - 150, y: box.y + placed.y - 70, width: 300, height: 140 };
    const crop = await page.screenshot({ clip, scale: 'css' });

    // Dark pixels per band of rows: each label's band has many, the gap between has none.
    const bands = await page.evaluate(async ([b64, cx, cy, cropB64]) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const cv = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
      const ctx = cv.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const dark = (y0, y1) => {
        const { data } = ctx.getImageData(Math.round(cx - 200), Math.round(y0), 400, Math.round(y1 - y0));
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 3 * 110) n += 1;
        return n;
      };
      // The crop, 3x with square pixels, to judge the letters by eye.
      const small = new Image();
      small.src = `data:image/png;base64,${cropB64}`;
      await small.decode();
      const big = Object.assign(document.createElement('canvas'), { width: small.width * 3, height: small.height * 3 });
      const bctx = big.getContext('2d');
      bctx.imageSmoothingEnabled = false;
      bctx.drawImage(small, 0, 0, big.width, big.height);
      return { book: dark(cy - 60, cy - 20), gap: dark(cy - 10, cy + 10), bold: dark(cy + 20, cy + 60),
        zoomed: big.toDataURL('image/png').split(',')[1] };
    }, [shot.toString('base64'), box.x + placed.x, box.y + placed.y, crop.toString('base64')]);
    writeFileSync(path.join(OUT, 'labels-crop-3x.png'), Buffer.from(bands.zoomed, 'base64'));
    delete bands.zoomed;
    assert.ok(bands.book > 300, `dark pixels of the Book label: ${bands.book}`);
    assert.ok(bands.bold > bands.book, `Bold (${bands.bold}) darker than Book (${bands.book})`);
    assert.equal(bands.gap, 0, 'nothing drawn between the labels');

    const ranges = glyphResponses.map(([u, s]) => `${decodeURIComponent(new URL(u).pathname)} ${s}`);
    assert.ok(ranges.includes('/fonts/DejaVu Sans Book/0-255.pbf 200'), ranges.join('\n'));
    assert.ok(ranges.includes('/fonts/DejaVu Sans Book/8192-8447.pbf 200'), ranges.join('\n'));
    assert.ok(ranges.some((r) => r.startsWith('/fonts/DejaVu Sans Bold,DejaVu Sans Book/0-255.pbf 200')), ranges.join('\n'));
    assert.ok(glyphResponses.every(([, s]) => s === 200), ranges.join('\n'));
    assert.deepEqual(problems, []);
    writeFileSync(path.join(OUT, 'labels.json'), JSON.stringify({ placed, bands, ranges }, null, 2));
  });

  it('matches the shapes and advances Chromium draws with the same font', async () => {
    // Chromium draws DejaVu Sans (the system's copy) with FreeType through Skia: an
    // implementation we did not write. Each glyph's SDF, cut at MapLibre's edge
    // (191), must cover the same pixels as the browser's own rendering placed by the
    // glyph's left/top (within the pixel hinting moves), and advance as far.
    const result = await page.evaluate(async () => {
      const ASCENDER = 22; // DejaVu Sans' ascender at 24 px (1901/2048 em), as `top` is offset
      const bytes = new Uint8Array(await (await fetch('/fonts/DejaVu%20Sans%20Book/0-255.pbf')).arrayBuffer());
      // A minimal protobuf reader for glyphs.proto (varint and length-delimited fields).
      const read = (buf, onField) => {
        let pos = 0;
        const varint = () => { let v = 0; let m = 1; let b; do { b = buf[pos++]; v += (b & 127) * m; m *= 128; } while (b >= 128); return v; };
        while (pos < buf.length) {
          const key = varint();
          if ((key & 7) === 0) onField(key >>> 3, varint(), null);
          else { const len = varint(); onField(key >>> 3, 0, buf.subarray(pos, pos + len)); pos += len; }
        }
      };
      const unzig = (v) => (v % 2 ? -(v + 1) / 2 : v / 2);
      const glyphs = [];
      read(bytes, (_, __, stack) => read(stack, (f, ___, g) => {
        if (f !== 3) return;
        const o = { bitmap: new Uint8Array(0) };
        read(g, (k, v, b) => { o[['', 'id', 'bitmap', 'width', 'height', 'left', 'top', 'advance'][k]] = b ?? (k === 5 || k === 6 ? unzig(v) : v); });
        glyphs.push(o);
      }));
      const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
      const rows = [];
      for (const g of glyphs) {
        const c = String.fromCharCode(g.id);
        if (!/[A-Za-z0-9&@%?]/.test(c)) continue;
        const [w, h] = [g.width + 6, g.height + 6];
        ctx.canvas.width = w;
        ctx.canvas.height = h;
        ctx.font = '24px "DejaVu Sans"';
        ctx.fillText(c, 3 - g.left, 3 + g.top + ASCENDER);
        const alpha = ctx.getImageData(0, 0, w, h).data;
        const ours = (x, y) => g.bitmap[y * w + x] >= 191;
        const theirs = (x, y) => alpha[4 * (y * w + x) + 3] >= 128;
        // Share of one side's ink pixels with ink of the other within one pixel:
        // Chromium hints (snapping x-heights up by a fraction of a pixel), MapLibre's
        // glyphs are unhinted, so exact overlap is not expected; a flip, a wrong sign
        // or an offset of two pixels fails this.
        const near = (a, b) => {
          let ink = 0;
          let matched = 0;
          for (let y = 1; y < h - 1; y += 1) {
            for (let x = 1; x < w - 1; x += 1) {
              if (!a(x, y)) continue;
              ink += 1;
              let found = false;
              for (let dy = -1; dy <= 1 && !found; dy += 1) for (let dx = -1; dx <= 1; dx += 1) found ||= b(x + dx, y + dy);
              matched += found;
            }
          }
          return matched / ink;
        };
        let both = 0;
        let either = 0;
        for (let i = 0; i < w * h; i += 1) {
          both += ours(i % w, Math.floor(i / w)) && theirs(i % w, Math.floor(i / w));
          either += ours(i % w, Math.floor(i / w)) || theirs(i % w, Math.floor(i / w));
        }
        rows.push({ c, iou: both / either, oursNear: near(ours, theirs), theirsNear: near(theirs, ours),
          advance: g.advance, browser: ctx.measureText(c).width });
      }
      return rows;
    });
    const mean = result.reduce((s, r) => s + r.iou, 0) / result.length;
    writeFileSync(path.join(OUT, 'glyph-overlap.json'), JSON.stringify({ mean, result }, null, 1));
    assert.ok(result.length >= 60, `${result.length} glyphs compared`);
    for (const r of result) {
      assert.ok(r.oursNear > 0.97 && r.theirsNear > 0.97, `${r.c}: ink within 1 px of Chromium's ${JSON.stringify(r)}`);
      assert.ok(r.iou > 0.55, `${r.c}: exact overlap with Chromium's rendering ${r.iou.toFixed(2)}`);
      assert.ok(Math.abs(r.advance - r.browser) <= 0.5, `${r.c}: advance ${r.advance}, Chromium ${r.browser}`);
    }
    assert.ok(mean > 0.8, `mean exact overlap ${mean.toFixed(3)}`);
  });
});

// The basemap under the viewer in headless Chromium at 1440x900: the bay draws as
// water and a main road as a road (pixels sampled from a real screenshot, not the
// style), labels draw when the glyph endpoint answers, and nothing logs an error.
// Leaves docs/basemap.png (city view) and docs/basemap-streets.png (street view).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openViewer, ROOT } from './harness.mjs';

/** Teluk Kendari's centre in the demo city (src/demo/city.rs BAY_CENTRE). */
const BAY = [122.562, -3.9745];
const BACKGROUND = [0xf2, 0xef, 0xe9];
const WATER = [0x9e, 0xca, 0xe8];
const PRIMARY = [0xff, 0xd9, 0x66];

let v;

const distance = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Moves the map and waits until it has drawn everything. */
async function view(center, zoom) {
  await v.page.evaluate(([c, z]) => new Promise((resolve) => {
    const map = window.sigapMap;
    map.jumpTo({ center: c, zoom: z });
    map.once('idle', resolve);
    map.triggerRepaint();
  }), [center, zoom]);
}

/**
 * Takes a screenshot (saved to `file` under docs/) and returns, for each map position
 * in `lonlats`, the RGB colours of the 5x5 screenshot pixels around it (decoded by
 * the page's own PNG decoder): a 3 px line need not be centred on a pixel.
 */
async function shoot(file, lonlats) {
  mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  const png = await v.page.screenshot({ path: path.join(ROOT, 'docs', file) });
  const box = await v.page.locator('#map canvas').boundingBox();
  return v.page.evaluate(async ([b64, points, offset]) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return points.map((p) => {
      const px = window.sigapMap.project(p);
      const d = ctx.getImageData(Math.round(px.x + offset[0]) - 2, Math.round(px.y + offset[1]) - 2, 5, 5).data;
      const out = [];
      for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
      return out;
    });
  }, [png.toString('base64'), lonlats, [box.x, box.y]]);
}

/** A point halfway along the longest segment of a primary road drawn in the view. */
function roadPoint() {
  return v.page.evaluate(() => {
    const map = window.sigapMap;
    const { clientWidth: w, clientHeight: h } = map.getCanvas();
    const inView = (p) => { const q = map.project(p); return q.x > 40 && q.y > 40 && q.x < w - 40 && q.y < h - 40; };
    let best = null;
    for (const f of window.sigapMap.queryRenderedFeatures({ layers: ['basemap-road-primary'] })) {
      const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const line of lines) {
        for (let i = 1; i < line.length; i += 1) {
          const [a, b] = [line[i - 1], line[i]];
          const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
          const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
          if (inView(mid) && (!best || len > best.len)) best = { len, at: mid };
        }
      }
    }
    return best?.at ?? null;
  });
}

describe('basemap under the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    v = await openViewer({ width: 1440, height: 900 });
  });

  after(async () => {
    await v?.close();
  });

  it('draws the bay as water and a main road as a road at city zoom', async () => {
    await view([122.545, -3.975], 13);
    const road = await roadPoint();
    assert.ok(road, 'a primary road rendered in the view');
    const [bays, streets] = await shoot('basemap.png', [BAY, road]);
    const bay = bays[12];
    // The pixel of the road's window nearest the road colour.
    const street = streets.reduce((a, b) => (distance(b, PRIMARY) < distance(a, PRIMARY) ? b : a));
    assert.ok(distance(bay, BACKGROUND) > 40, `bay pixel ${bay} is the background`);
    assert.ok(distance(bay, WATER) < 40, `bay pixel ${bay} is not water blue ${WATER}`);
    assert.ok(distance(street, BACKGROUND) > 40, `road pixel ${street} is the background`);
    assert.ok(distance(street, PRIMARY) < 40, `road pixel ${street} is not the primary road colour`);
  });

  it('shows streets at street zoom and labels when the glyph endpoint answers', async () => {
    await view([122.515, -3.97], 15);
    const roads = await v.page.evaluate(() => window.sigapMap.queryRenderedFeatures({
      layers: ['basemap-road-minor', 'basemap-road-primary', 'basemap-road-secondary', 'basemap-road-tertiary'],
    }).length);
    assert.ok(roads > 5, `rendered streets: ${roads}`);
    await shoot('basemap-streets.png', []);
    const fonts = await fetch(`${v.baseUrl}/fonts/${encodeURIComponent('DejaVu Sans Book')}/0-255.pbf`);
    const labels = await v.page.evaluate(() => window.sigapMap.getStyle().layers.filter((l) => l.type === 'symbol').map((l) => l.id));
    if (fonts.ok) {
      assert.ok(labels.includes('basemap-label-street'), `labels: ${labels}`);
      const named = await v.page.evaluate(() => window.sigapMap.queryRenderedFeatures({ layers: ['basemap-label-street'] }).length);
      assert.ok(named > 0, 'street names drawn');
    } else {
      // No glyph endpoint yet (branch glyphs): the style must not ask for fonts.
      assert.ok(!labels.some((id) => id.startsWith('basemap-label')), `labels without glyphs: ${labels}`);
    }
  });

  it('logged no console or page errors', () => {
    assert.deepEqual(v.problems, []);
  });
});

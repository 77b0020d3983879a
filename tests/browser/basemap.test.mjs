// The basemap under the viewer in headless Chromium at 1440x900: the bay draws as
// water and a main road as a road (pixels sampled from a real screenshot, not the
// style), labels draw when the glyph endpoint answers, and nothing logs an error.
// Leaves docs/basemap.png (city view) and docs/basemap-streets.png (street view).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mapPixels, openViewer, primaryRoadPoint, ROOT } from './harness.mjs';

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

/** A screenshot saved as docs/`file`, and the map pixels around `lonlats` ([`mapPixels`]). */
const shoot = (file, lonlats) => mapPixels(v.page, path.join(ROOT, 'docs', file), lonlats);

describe('basemap under the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    v = await openViewer({ width: 1440, height: 900 });
  });

  after(async () => {
    await v?.close();
  });

  it('draws the bay as water and a main road as a road at city zoom', async () => {
    await view([122.545, -3.975], 13);
    const road = await primaryRoadPoint(v.page);
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

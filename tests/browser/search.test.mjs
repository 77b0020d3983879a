// Finding one's way in the viewer: searching a village or kecamatan by name or code
// zooms to it, and the address keeps the view (centre, zoom, indicator, period,
// comparison, weights) so a copied link opens the same map.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let v;
const ready = () => v.page.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
const idle = () => v.page.evaluate(() => new Promise((r) => {
  const m = window.sigapMap;
  if (m.loaded() && !m.isMoving()) setTimeout(r, 300); else m.once('idle', r);
}));

describe('search and links', { timeout: 400_000 }, () => {
  before(async () => { v = await openViewer({ width: 1440, height: 900 }); });
  after(async () => { await v?.close(); });

  it('finds a village by name and zooms to it', async () => {
    const { villages } = await v.api('api/villages');
    const target = villages.find((x) => x.name === 'Wundumbatu') ?? villages[villages.length - 1];
    await v.page.fill('#search', target.name.slice(0, 5).toLowerCase());
    const hit = v.page.locator('#search-results button', { hasText: target.code });
    await hit.waitFor();
    await hit.click();
    await v.page.waitForFunction(() => !window.sigapMap.isMoving());
    await idle();
    const [zoom, [lon, lat]] = await v.page.evaluate(() => [window.sigapMap.getZoom(), window.sigapMap.getCenter().toArray()]);
    assert.ok(zoom > 12.5, `zoom ${zoom}`);
    const near = Math.hypot(lon - target.centre[0], lat - target.centre[1]);
    assert.ok(near < 0.03, `map centre ${lon},${lat} is ${near} degrees from ${target.name} at ${target.centre}`);
    assert.match(await v.page.locator('.maplibregl-popup').innerText(), new RegExp(target.name));
  });

  it('finds a kecamatan and a dotted code', async () => {
    const { villages } = await v.api('api/villages');
    const district = villages[0].district;
    await v.page.fill('#search', `kec. ${district}`);
    const first = v.page.locator('#search-results button').first();
    assert.match(await first.innerText(), new RegExp(`${district} \\(\\d+ kelurahan\\)`));
    const code = villages[3].code;
    const dotted = `${code.slice(0, 2)}.${code.slice(2, 4)}.${code.slice(4, 6)}.${code.slice(6)}`;
    await v.page.fill('#search', dotted);
    assert.match(await v.page.locator('#search-results button').first().innerText(), new RegExp(villages[3].name));
    await v.page.fill('#search', 'zzzz-tidak-ada');
    assert.match(await v.page.locator('#search-results').innerText(), /Tidak ditemukan/);
  });

  it('a copied link opens the same view', async () => {
    await v.page.selectOption('#indicator', 'no_latrine');
    await v.page.selectOption('#period', '2026-02');
    await v.page.evaluate(() => window.sigapMap.jumpTo({ center: [122.52, -3.99], zoom: 13.4 }));
    await idle();
    const link = v.page.url();
    assert.match(link, /ind=no_latrine/);
    assert.match(link, /period=2026-02/);
    assert.match(link, /map=13\.4/);
    await v.page.goto('about:blank');
    await v.page.goto(link);
    await ready();
    await idle();
    const [zoom, [lon, lat], ind, period] = await v.page.evaluate(() => [window.sigapMap.getZoom(),
      window.sigapMap.getCenter().toArray(), document.getElementById('indicator').value, document.getElementById('period').value]);
    assert.ok(Math.abs(zoom - 13.4) < 0.01 && Math.abs(lon - 122.52) < 1e-3 && Math.abs(lat + 3.99) < 1e-3, `${zoom} ${lon} ${lat}`);
    assert.equal(ind, 'no_latrine');
    assert.equal(period, '2026-02');
    const tiles = await v.page.evaluate(() => window.sigapMap.getSource('hexes').tiles?.[0] ?? '');
    assert.match(tiles, /period=2026-02/);
  });

  it('"where am I" moves the map to the browser\'s position', async () => {
    const here = { longitude: 122.5312, latitude: -3.9721 };
    const g = await openViewer({ width: 390, height: 844, context: { geolocation: here, permissions: ['geolocation'] } });
    try {
      const button = g.page.locator('.maplibregl-ctrl-geolocate');
      assert.equal(await button.getAttribute('title'), 'Di mana saya');
      await button.click();
      await g.page.waitForFunction(() => window.sigapMap.getZoom() > 13.5 && !window.sigapMap.isMoving(), null, { timeout: 30_000 });
      const [lon, lat] = await g.page.evaluate(() => window.sigapMap.getCenter().toArray());
      assert.ok(Math.abs(lon - here.longitude) < 1e-3 && Math.abs(lat - here.latitude) < 1e-3, `${lon},${lat}`);
      assert.equal(await g.page.locator('.maplibregl-user-location-dot').count(), 1);
      assert.deepEqual(g.problems, []);
    } finally {
      await g.close();
    }
  });

  it('logged no console or page errors', () => {
    assert.deepEqual(v.problems, []);
  });
});

// What a `viewer` account sees in the map (issue 11): aggregates only, never a cell
// finer than H3 resolution 8, whatever the zoom, while an admin at the same place and
// zoom sees res-10 cells. The viewer account is made through the admin API and logs
// in through the real form, changing its one-time password as a person would.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let v;
let viewerPage;

/** An H3 index's resolution (bits 52-55 of the 64-bit index). */
const resolution = (h3) => Number((BigInt(`0x${h3}`) >> 52n) & 0xfn);

/** The resolutions of the hexagons drawn in the middle of `page`'s map at `zoom`. */
async function drawnResolutions(page, [lon, lat], zoom) {
  await page.evaluate(([x, y, z]) => new Promise((r) => {
    window.sigapMap.jumpTo({ center: [x, y], zoom: z });
    window.sigapMap.once('idle', r);
  }), [lon, lat, zoom]);
  const cells = await page.evaluate(() => window.sigapMap
    .queryRenderedFeatures({ layers: ['hex-fill'] })
    .map((f) => f.properties.h3));
  assert.ok(cells.length > 0, 'hexagons drawn');
  return [...new Set(cells.map(resolution))];
}

describe('a viewer account in the map', { timeout: 600_000 }, () => {
  before(async () => { v = await openViewer({ width: 1366, height: 768 }); });
  after(async () => { await v?.close(); });

  it('sees res-8 cells at zoom 15 where an admin sees res 10', async () => {
    const { csrf } = await v.api('api/me');
    const made = await v.page.evaluate(async (token) => {
      const r = await fetch('api/admin/users', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ username: 'dprd.komisi4', role: 'viewer' }),
      });
      return r.json();
    }, csrf);
    assert.ok(made.password, JSON.stringify(made));
    const cases = await v.api('api/cases/children');
    const place = cases.features.find((f) => f.properties.status === 'stunted').geometry.coordinates;
    assert.deepEqual(await drawnResolutions(v.page, place, 15), [10]);

    const context = await v.page.context().browser().newContext({ viewport: { width: 1366, height: 768 } });
    viewerPage = await context.newPage();
    const problems = [];
    viewerPage.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    await viewerPage.goto(`${v.baseUrl}/`);
    await viewerPage.waitForSelector('#login-overlay input[name=username]');
    await viewerPage.fill('input[name=username]', 'dprd.komisi4');
    await viewerPage.fill('input[name=password]', made.password);
    await viewerPage.click('#login-overlay button[type=submit]');
    await viewerPage.waitForSelector('#login-overlay input[name=current]');
    await viewerPage.fill('input[name=current]', made.password);
    await viewerPage.fill('input[name=new]', 'sandi-komisi-empat-2026');
    await viewerPage.fill('input[name=again]', 'sandi-komisi-empat-2026');
    await viewerPage.click('#login-overlay button[type=submit]');
    await viewerPage.waitForSelector('#login-overlay', { state: 'detached' });
    await viewerPage.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
    assert.deepEqual(await drawnResolutions(viewerPage, place, 15), [8]);
    assert.deepEqual(await drawnResolutions(viewerPage, place, 12), [8]);
    const finer = await viewerPage.evaluate(() => fetch('api/hexes?res=10').then((r) => r.status));
    assert.equal(finer, 403);
    assert.deepEqual(problems, []);
  });
});

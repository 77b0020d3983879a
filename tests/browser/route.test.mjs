// The field team's route page on a phone-sized screen: the day's stops from
// /api/route as a list and numbered markers, navigation links, downloads, and a visit
// recorded while offline that arrives exactly once when the connection returns.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { openViewer } from './harness.mjs';

let v;
let page;
const TEAM = 'Dinas Kesehatan';

describe('route page', { timeout: 400_000 }, () => {
  before(async () => {
    v = await openViewer({ width: 390, height: 844 });
    page = v.page;
    await page.goto(`${v.baseUrl}/web/route.html?team=${encodeURIComponent(TEAM)}`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 120_000 });
  });
  after(async () => { await v?.close(); });

  it('shows the stops of /api/route in order with navigation links and markers', async () => {
    const body = await v.api(`/api/route?team=${encodeURIComponent(TEAM)}&max=10&hours=08:00-14:00&service=20`);
    const want = body.features.filter((f) => f.geometry.type === 'Point');
    assert.ok(want.length > 0);
    const items = await page.$$eval('#stops > li', (lis) => lis.map((li) => ({
      pseudonym: li.dataset.pseudonym,
      nav: li.querySelector('a.navigate').getAttribute('href'),
    })));
    assert.deepEqual(items.map((i) => i.pseudonym), want.map((f) => f.properties.pseudonym));
    for (const [i, f] of want.entries()) {
      const [lon, lat] = f.geometry.coordinates;
      assert.ok(items[i].nav.startsWith(`geo:${lat.toFixed(6)},${lon.toFixed(6)}`), items[i].nav);
    }
    assert.equal(await page.locator('.stop-marker').count(), want.length);
    assert.match(await page.locator('#summary').innerText(), new RegExp(`${want.length} dari \\d+ anak`));
    assert.match(await page.locator('#gpx').getAttribute('href'), /format=gpx/);
    // A planner (here the admin) sees every OPD's progress under the route.
    await page.waitForFunction(() => document.querySelectorAll('#progress tbody tr').length === 13);
    assert.ok(await page.locator('#progress-villages tbody tr').count() > 30);
  });

  it('names each child with parent, address, village and posyandu, on screen and on paper', async () => {
    const body = await v.api(`/api/route?team=${encodeURIComponent(TEAM)}&max=10&hours=08:00-14:00&service=20`);
    const want = body.features.filter((f) => f.geometry.type === 'Point').map((f) => f.properties);
    assert.ok(want.every((p) => p.name && p.parent && p.address && p.village && p.posyandu), 'the demo city names every child');
    const first = page.locator('#stops > li').first();
    assert.equal(await first.locator('.name').innerText(), want[0].name);
    assert.match(await first.locator('.parent').innerText(), new RegExp(`^Orang tua: ${want[0].parent}$`));
    assert.equal(await first.locator('.address').innerText(), want[0].address);
    assert.match(want[0].address, /RT \d{3}\/RW \d{3}/);
    assert.equal(await first.locator('.place').innerText(), `Kel. ${want[0].village} · ${want[0].posyandu}`);
    // Readable on a 390 px phone: the name is not cut and nothing overflows sideways.
    const box = await first.locator('.name').boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
    mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
    await page.screenshot({ path: new URL('./out/route-names-390.png', import.meta.url).pathname });
    // The printed list carries the same names, and no map or buttons.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await first.locator('.name').isVisible(), true);
    assert.equal(await first.locator('.address').isVisible(), true);
    assert.equal(await page.locator('#route-map').isVisible(), false);
    assert.equal(await first.locator('button.record').isVisible(), false);
    await page.screenshot({ path: new URL('./out/route-print-390.png', import.meta.url).pathname, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  });

  it('records a visit offline and sends it once when back online', async () => {
    const first = page.locator('#stops > li').first();
    const pseudonym = await first.getAttribute('data-pseudonym');
    const before = (await v.api(`/api/visits?pseudonym=${pseudonym}`)).visits.length;
    await page.context().setOffline(true);
    await first.locator('button.record').click();
    await first.locator('input[name=given][value=eggs]').check();
    await first.locator('input[name=height_cm]').fill('84.5');
    await first.locator('.visit-form button[type=submit]').click();
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('sigap-visit-queue') || '[]').length === 1);
    assert.match(await page.locator('#sync').innerText(), /1 catatan menunggu/);
    const [queued] = await page.evaluate(() => JSON.parse(localStorage.getItem('sigap-visit-queue')));
    await page.context().setOffline(false);
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('sigap-visit-queue') || '[]').length === 0, null, { timeout: 60_000 });
    assert.match(await page.locator('#sync').innerText(), /Semua catatan terkirim/);
    let visits = (await v.api(`/api/visits?pseudonym=${pseudonym}`)).visits;
    assert.equal(visits.length, before + 1);
    assert.equal(visits[0].id, queued.id);
    assert.deepEqual(visits[0].given, ['eggs']);
    assert.equal(visits[0].height_cm, 84.5);
    // A reply lost on the way: the same record queued again is still one visit.
    await page.evaluate((rec) => {
      localStorage.setItem('sigap-visit-queue', JSON.stringify([rec]));
      window.dispatchEvent(new Event('online'));
    }, queued);
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('sigap-visit-queue') || '[]').length === 0, null, { timeout: 60_000 });
    visits = (await v.api(`/api/visits?pseudonym=${pseudonym}`)).visits;
    assert.equal(visits.length, before + 1);
  });

  it('logged no console or page errors', () => {
    assert.deepEqual(v.problems.filter((p) => !p.includes('net::ERR_INTERNET_DISCONNECTED')), []);
  });
});

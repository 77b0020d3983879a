// A field officer's day on a cheap phone (issue 13): a 390x844 screen on Chromium's
// "Slow 3G" profile. The officer's account is made through the admin API and logs in
// through the real form. The stop list must be usable before the map library has
// arrived, touch targets must be at least 44 px, and the account menu carries no API
// token or public-map link. Bytes and times are printed for BENCHMARKS.md.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logIn, openViewer } from './harness.mjs';

const TEAM = 'Dinas Kesehatan';
const PASSWORD = 'sandi-bidan-desa-2026';
let v;
let phone;

describe('a field officer on a phone over slow 3G', { timeout: 900_000 }, () => {
  before(async () => { v = await openViewer({ width: 1366, height: 768 }); });
  after(async () => { await v?.close(); });

  it('gets the stop list before the map library, big targets, no token link', async () => {
    const { csrf } = await v.api('api/me');
    const made = await v.page.evaluate(async ([token, team]) => {
      const r = await fetch('api/admin/users', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ username: 'bidan.sari', role: 'field_officer', team }),
      });
      return r.json();
    }, [csrf, TEAM]);
    assert.ok(made.password, JSON.stringify(made));

    const context = await v.page.context().browser().newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    phone = await context.newPage();
    const problems = [];
    phone.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    // Log in and change the one-time password on a fast line first.
    await phone.goto(`${v.baseUrl}/web/route.html`);
    await logIn(phone, made.password, { username: 'bidan.sari', password: PASSWORD });
    await phone.waitForSelector('body[data-map=true]', { timeout: 120_000 });

    // Then the day as it goes in the field: a fresh load on slow 3G, cold cache (the
    // service worker the first load installed, and what it kept, removed).
    await phone.evaluate(async () => {
      for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
      for (const k of await caches.keys()) await caches.delete(k);
    });
    const cdp = await context.newCDPSession(phone);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000,
    });
    const finished = [];
    let t0 = Infinity;
    phone.on('requestfinished', async (req) => {
      const sizes = await req.sizes().catch(() => null);
      if (req.timing().startTime < t0) return; // the first load's, still in flight
      if (req.url().startsWith('blob:')) return; // made on the phone (MapLibre's worker), not sent
      finished.push({ url: req.url(), at: Date.now(), bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0 });
    });
    t0 = Date.now();
    await phone.goto(`${v.baseUrl}/web/route.html`, { timeout: 300_000 });
    await phone.waitForSelector('#stops > li', { timeout: 300_000 });
    const listAt = Date.now();
    const libraryDone = finished.some((r) => r.url.includes('maplibre-gl.mjs'));
    await phone.waitForSelector('body[data-map=true]', { timeout: 300_000 });
    await phone.waitForFunction(() => window.sigapRouteMap.loaded() && window.sigapRouteMap.areTilesLoaded(), null, { timeout: 300_000 });
    const mapAt = Date.now();
    const bytes = finished.reduce((n, r) => n + r.bytes, 0);
    console.log(`field officer on slow 3G: stop list after ${((listAt - t0) / 1000).toFixed(1)} s, `
      + `map after ${((mapAt - t0) / 1000).toFixed(1)} s, ${(bytes / 1e6).toFixed(2)} MB in ${finished.length} requests`);
    assert.equal(libraryDone, false, 'the stop list came before the map library finished loading');
    await phone.screenshot({ path: 'tests/browser/out/route-officer-slow3g.png' });

    // The account menu of a field officer: name and log out, no token, no snippet page.
    assert.equal(await phone.locator('#tokens-open').count(), 0);
    assert.match(await phone.locator('#account').innerText(), /bidan\.sari/);
    // The start (puskesmas) is marked on the map.
    assert.equal(await phone.locator('.base-marker').count(), 1);

    // Touch targets: every button, link and form control of a stop and its form.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const first = phone.locator('#stops > li').first();
    await first.locator('button.record').click();
    const small = await first.evaluate((li) => [...li.querySelectorAll('button, a, select, input:not([type=radio]):not([type=checkbox]), label:has(input[type=radio]), label:has(input[type=checkbox])')]
      .map((el) => ({ what: el.outerHTML.slice(0, 60), h: el.getBoundingClientRect().height }))
      .filter((x) => x.h < 44));
    assert.deepEqual(small, []);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `page is ${overflow} px wide`);
    await first.screenshot({ path: 'tests/browser/out/route-officer-form.png' });
    assert.deepEqual(problems, []);
    await context.close();
  });
});

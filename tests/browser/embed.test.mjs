// The public embed in headless Chromium, framed by another page as a city website
// would: it renders villages from /public/api only, asks for nothing else of the
// server, sets no cookie, and logs no error.

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

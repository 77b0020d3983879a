// Bytes the embed transfers for one page load until its map is idle: the figures in
// README ("Bytes on the wire"). Not a test file; run against a server or a published
// folder on a static host:
//   node tests/browser/embed-bytes.mjs 'http://127.0.0.1:8080/embed?indicator=coverage' 390x844
// Prints one JSON line: requests, bytes (response headers + body as transferred,
// Playwright's request.sizes(), as harness.mjs counts) and bytes per path.

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const [url, size = '1440x900'] = process.argv.slice(2);
if (!url?.startsWith('http') || !/^\d+x\d+$/.test(size)) {
  console.error('usage: node tests/browser/embed-bytes.mjs EMBED_URL [WIDTHxHEIGHT]');
  process.exit(2);
}
const [width, height] = size.split('x').map(Number);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
try {
  const page = await browser.newPage({ viewport: { width, height } });
  const pending = [];
  const per = {};
  let bytes = 0;
  let requests = 0;
  page.on('requestfinished', (req) => pending.push((async () => {
    const s = await req.sizes();
    const b = s.responseBodySize + s.responseHeadersSize;
    bytes += b;
    requests += 1;
    const u = new URL(req.url());
    // Tiles and glyph ranges summed per kind, every other file by its path.
    const key = u.pathname.replace(/\/\d+\/\d+\/\d+\.(mvt|pbf)$/, '/{z}/{x}/{y}').replace(/\/fonts\/.*/, '/fonts/*');
    per[key] = (per[key] || 0) + b;
  })()));
  await page.goto(url);
  await page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.sigapEmbedMap;
    if (map.loaded() && map.areTilesLoaded()) resolve(); else map.once('idle', resolve);
  }));
  // Range requests of archives still arriving after idle are counted too.
  await page.waitForTimeout(1500);
  await Promise.all(pending);
  console.log(JSON.stringify({ url, viewport: size, requests, bytes, per }));
} finally {
  await browser.close();
}

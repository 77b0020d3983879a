// The viewer and the embed over HTTPS through a TLS proxy, in headless Chromium.
// Not a test file of its own: tests/python/test_hosting.py starts nginx and sigap and
// runs
//   node tests/browser/over-https.mjs HTTPS_URL 'sigap_session=...'
// then reads the JSON report printed on the last line. The exit code is 1 when the map
// of either page drew nothing, a request left over plain http, or the console logged an
// error (Chromium logs blocked mixed content there).

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const [baseUrl, cookie] = process.argv.slice(2);
if (!baseUrl?.startsWith('https://') || !cookie?.includes('=')) {
  console.error('usage: node tests/browser/over-https.mjs HTTPS_URL NAME=SESSION');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const report = { viewer_features: 0, embed_features: 0, insecure: [], problems: [] };
try {
  // The certificate is a throwaway self-signed one.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 700 } });
  const [name, ...value] = cookie.split('=');
  await context.addCookies([{ name, value: value.join('='), url: baseUrl }]);
  const watch = (page) => {
    page.on('pageerror', (err) => report.problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') report.problems.push(`console: ${msg.text()}`); });
    page.on('request', (r) => { if (r.url().startsWith('http:')) report.insecure.push(r.url()); });
  };

  // The staff viewer: its vector tiles come through the TileJSON's URLs.
  const viewer = await context.newPage();
  watch(viewer);
  await viewer.goto(`${baseUrl}/`);
  await viewer.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
  await viewer.waitForFunction(
    () => window.sigapMap.queryRenderedFeatures().some((f) => ['villages', 'hexes'].includes(f.source)),
    null,
    { timeout: 60_000 },
  ).catch(() => {});
  report.viewer_features = await viewer.evaluate(
    () => window.sigapMap.queryRenderedFeatures().filter((f) => ['villages', 'hexes'].includes(f.source)).length,
  );

  // The public embed, as a city website frames it.
  const embed = await context.newPage();
  watch(embed);
  await embed.goto(`${baseUrl}/embed`);
  await embed.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
  report.embed_features = await embed.evaluate(
    () => window.sigapEmbedMap.queryRenderedFeatures({ layers: ['village-fill'] }).length,
  );
} catch (err) {
  report.problems.push(`script: ${err.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
const ok = report.viewer_features > 0 && report.embed_features > 0 && !report.insecure.length && !report.problems.length;
process.exit(ok ? 0 : 1);

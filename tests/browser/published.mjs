// The published map (`sigap publish --out DIR`) in headless Chromium, served by a
// static web server with HTTP Range and no sigap running.
// Not a test file of its own: tests/python/test_publish.py publishes, starts nginx on
// DIR and runs
//   node tests/browser/published.mjs BASE_URL [SCREENSHOT_DIR]
// then reads the JSON report printed on the last line. The exit code is 1 when the map
// drew no villages or hexagons, a request failed, or the console logged an error.
// The coverage view (?indicator=coverage, from data/coverage.json) is walked too: its
// pixels against the prevalence view's, its legend, and a popup against the file.

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const [baseUrl, shots] = process.argv.slice(2);
if (!baseUrl?.startsWith('http')) {
  console.error('usage: node tests/browser/published.mjs BASE_URL [SCREENSHOT_DIR]');
  process.exit(2);
}
const base = baseUrl.replace(/\/?$/, '/');

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const report = {
  village_features: 0, hex_features: 0, changed_pixels: 0, period_village_features: 0,
  basemap_features: 0, ranges: 0, failed: [], foreign: [], problems: [], title: '', snippet: '',
  coverage_changed_pixels: 0, coverage_legend: '', coverage_popup: [], coverage_expected: [], coverage_files: [],
};

/** Share of pixels that differ between two PNG screenshots (decoded in the page). */
async function changedShare(page, a, b) {
  return page.evaluate(async ([x, y]) => {
    const pixels = async (b64) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const c = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = c.getContext('2d');
      g.drawImage(bitmap, 0, 0);
      return g.getImageData(0, 0, bitmap.width, bitmap.height).data;
    };
    const [p, q] = [await pixels(x), await pixels(y)];
    let changed = 0;
    for (let i = 0; i < p.length; i += 4) {
      if (Math.abs(p[i] - q[i]) + Math.abs(p[i + 1] - q[i + 1]) + Math.abs(p[i + 2] - q[i + 2]) > 30) changed += 1;
    }
    return changed / (p.length / 4);
  }, [a.toString('base64'), b.toString('base64')]);
}

const idle = (page) => page.evaluate(() => new Promise((resolve) => {
  const map = window.sigapEmbedMap;
  if (map.loaded() && map.areTilesLoaded()) resolve(); else map.once('idle', resolve);
}));

try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const watch = (page) => {
    page.on('pageerror', (err) => report.problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') report.problems.push(`console: ${msg.text()}`); });
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) report.foreign.push(r.url()); });
    page.on('response', (r) => {
      if (r.status() === 206) report.ranges += 1;
      if (r.status() >= 400) report.failed.push(`${r.status()} ${r.url()}`);
    });
  };

  // The embed at the city's extent: villages coloured by priority.
  const page = await context.newPage();
  watch(page);
  await page.goto(`${base}index.html?indicator=prevalence`);
  await page.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
  report.title = await page.textContent('#title');
  report.village_features = await page.evaluate(
    () => window.sigapEmbedMap.queryRenderedFeatures({ layers: ['village-fill'] }).length,
  );
  report.basemap_features = await page.evaluate(
    () => window.sigapEmbedMap.queryRenderedFeatures().filter((f) => f.source === 'basemap').length,
  );
  if (shots) await page.screenshot({ path: `${shots}/published-city.png` });
  const cityView = await page.screenshot();

  // The coverage view at the same extent, from coverage.json: villages recoloured by the
  // share of vitamin A's target reached, and a popup saying the file's numbers.
  const cov = await (await fetch(`${base}data/coverage.json`)).json();
  const cp = await context.newPage();
  watch(cp);
  cp.on('request', (r) => { if (r.url().endsWith('coverage.json')) report.coverage_files.push(r.url().slice(base.length)); });
  await cp.goto(`${base}index.html?indicator=coverage&programme=vita`);
  await cp.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
  await idle(cp);
  report.coverage_changed_pixels = await changedShare(cp, cityView, await cp.screenshot());
  report.coverage_legend = await cp.locator('.legend').innerText();
  if (shots) await cp.screenshot({ path: `${shots}/published-coverage.png` });
  const shown = cov.villages.filter((v) => v.programmes.vita.share != null).map((v) => v.code);
  const pt = await cp.evaluate((codes) => {
    const map = window.sigapEmbedMap;
    const { width, height } = map.getCanvas().getBoundingClientRect();
    const at = (x, y) => map.queryRenderedFeatures([x, y], { layers: ['village-fill'] })[0]?.properties.code;
    for (let y = height * 0.3; y < height * 0.7; y += 12) {
      for (let x = width * 0.3; x < width * 0.7; x += 12) {
        const code = at(x, y);
        if (codes.includes(code) && [[8, 0], [-8, 0], [0, 8], [0, -8]].every(([dx, dy]) => at(x + dx, y + dy) === code)) return { x, y, code };
      }
    }
    return null;
  }, shown);
  if (pt) {
    const box = await cp.locator('#map canvas').boundingBox();
    await cp.mouse.click(box.x + pt.x, box.y + pt.y);
    await cp.locator('.maplibregl-popup').waitFor({ state: 'visible', timeout: 10_000 });
    report.coverage_popup = await cp.locator('.maplibregl-popup p').allInnerTexts();
    const v = cov.villages.find((x) => x.code === pt.code);
    const r = v.programmes.vita;
    const id = (n) => n.toLocaleString('id-ID');
    report.coverage_expected = [v.name, 'Vitamin A', `Sudah menerima: ${id(r.reached)} dari ${id(r.target)} anak `
      + `(${(r.share * 100).toLocaleString('id-ID', { maximumFractionDigits: 1 })}%)`];
  }

  // Zoomed in where hexagons (H3 res 8) are drawn.
  await page.evaluate(() => window.sigapEmbedMap.jumpTo({ center: window.sigapEmbedMap.getCenter(), zoom: 13.5 }));
  await idle(page);
  report.hex_features = await page.evaluate(
    () => window.sigapEmbedMap.queryRenderedFeatures({ layers: ['hex-fill'] }).length,
  );
  const drawn = await page.screenshot();
  if (shots) await page.screenshot({ path: `${shots}/published-hexes.png` });
  // The same view without the risk layers: the difference is what they drew.
  await page.evaluate(() => {
    for (const id of ['hex-fill', 'village-fill', 'village-line']) window.sigapEmbedMap.setLayoutProperty(id, 'visibility', 'none');
  });
  await idle(page);
  const bare = await page.screenshot();
  report.changed_pixels = await changedShare(page, drawn, bare);

  // Another period, from its own archive.
  const summary = await (await fetch(`${base}data/summary.json`)).json();
  const other = summary.periods.find((p) => p !== summary.period);
  if (other) {
    const p2 = await context.newPage();
    watch(p2);
    await p2.goto(`${base}index.html?period=${other}&lang=en`);
    await p2.waitForFunction(() => window.sigapEmbedReady === true, null, { timeout: 120_000 });
    report.period_subtitle = await p2.textContent('#subtitle');
    report.period_village_features = await p2.evaluate(
      () => window.sigapEmbedMap.queryRenderedFeatures({ layers: ['village-fill'] }).length,
    );
  }

  // The snippet page builds the iframe code from where it is hosted.
  const snippet = await context.newPage();
  watch(snippet);
  await snippet.goto(`${base}snippet.html`);
  await snippet.waitForFunction(() => document.getElementById('code').value.includes('<iframe'), null, { timeout: 60_000 });
  report.snippet = await snippet.inputValue('#code');
  report.snippet_periods = await snippet.$$eval('select[name=period] option', (os) => os.map((o) => o.value));
  if (shots) await snippet.screenshot({ path: `${shots}/published-snippet.png`, fullPage: true });
} catch (err) {
  report.problems.push(`script: ${err.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
const ok = report.village_features > 0 && report.hex_features > 0 && report.changed_pixels > 0.05
  && report.coverage_changed_pixels > 0.05 && report.coverage_popup.length > 0
  && report.failed.length === 0 && report.foreign.length === 0 && report.problems.length === 0;
process.exit(ok ? 0 : 1);

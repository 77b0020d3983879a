// The Prioritas panel in a real headless browser against the real server binary (the
// demo city): the priority villages and their reasons as /api/targets gives them, a
// what-if weight slider that re-ranks the panel as the API does with ?w.<factor> and
// recolours the risk map from the tiles' n_<factor> values, and the downloads.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/targets.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.resolve(ROOT, process.env.SIGAP_BIN || 'target/debug/sigap');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = 180_000;

let server = null;
let browser = null;
let page = null;
let baseUrl = null;
const problems = [];

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--addr', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${output.slice(-4000)}`)), START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${output.slice(-4000)}`)); });
  });
}

/** `path` fetched by the page (same origin). */
function api(p) {
  return page.evaluate((u) => fetch(u).then((r) => r.json()), p);
}

describe('Prioritas panel in the viewer', { timeout: 400_000 }, () => {
  before(async () => {
    baseUrl = process.env.SIGAP_URL || await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
    await page.goto(`${baseUrl}/`);
    await page.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
  });

  /** [name, reason] of each entry of the panel. */
  const panel = () => page.$$eval('#targets-list li', (lis) => lis.map((li) => [
    li.querySelector('strong')?.textContent, li.querySelector('.reason')?.textContent,
  ]));

  it('lists the priority villages with the reasons of /api/targets', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#targets-list li .reason').length > 0);
    const body = await api('api/targets?top=10');
    assert.equal(body.targets.length, 10);
    assert.deepEqual(await panel(), body.targets.map((x) => [x.name, x.reason]));
    assert.match(body.targets[0].reason, /anak stunting|belum ada anak diukur/);
  });

  it('re-ranks with a what-if weight as the API does and recolours the map', async () => {
    const before = await panel();
    await page.locator('#targets details.what-if summary').click();
    await page.locator('#targets-weights input[data-factor="no_latrine"]').fill('1');
    const want = await api('api/targets?top=10&w.no_latrine=1');
    const names = want.targets.map((x) => x.name);
    assert.notDeepEqual(names, before.map(([n]) => n), 'the weight must move the ranking for this to test anything');
    await page.waitForFunction((n) => JSON.stringify([...document.querySelectorAll('#targets-list li')]
      .map((li) => li.querySelector('strong')?.textContent)) === JSON.stringify(n), names, { timeout: 30_000 });
    assert.deepEqual(await panel(), want.targets.map((x) => [x.name, x.reason]));
    const fill = await page.evaluate(() => JSON.stringify(window.sigapMap.getPaintProperty('hex-fill', 'fill-color')));
    assert.match(fill, /n_no_latrine/);
    const href = await page.locator('#targets-xlsx').getAttribute('href');
    assert.match(href, /format=xlsx/);
    assert.match(href, /w\.no_latrine=1/);
    const xlsx = await page.evaluate(async (u) => {
      const r = await fetch(u);
      const b = new Uint8Array(await r.arrayBuffer());
      return { type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), magic: [b[0], b[1]] };
    }, href);
    assert.deepEqual(xlsx.magic, [0x50, 0x4b], 'an XLSX file is a zip');
    assert.match(xlsx.type, /spreadsheetml/);
    assert.match(xlsx.disposition, /attachment/);
  });

  it('goes back to the configured weights', async () => {
    const want = await api('api/targets?top=10');
    await page.locator('#targets-reset').click();
    const names = want.targets.map((x) => x.name);
    await page.waitForFunction((n) => JSON.stringify([...document.querySelectorAll('#targets-list li')]
      .map((li) => li.querySelector('strong')?.textContent)) === JSON.stringify(n), names, { timeout: 30_000 });
    assert.deepEqual(problems, []);
  });
});

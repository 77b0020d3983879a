// What every browser test needs: the real `sigap serve` on a free port (or SIGAP_URL),
// Debian's Chromium through playwright-core, the viewer loaded, and every console error
// and uncaught page error collected.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.resolve(ROOT, process.env.SIGAP_BIN || 'target/debug/sigap');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = 180_000; // the demo city is built at start-up, slowly in debug builds

/**
 * Starts the server (with `args` after `serve --addr`, e.g. `--config FILE`); resolves
 * with the child and its base url from the "listening on" line.
 */
export function startServer(args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`no "listening on" line within ${START_TIMEOUT_MS / 1000} s:\n${output.slice(-4000)}`));
    }, START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        const pw = output.match(/first admin: admin, one-time password: (\S+)/);
        resolve({ child, url: m[1], adminPassword: pw ? pw[1] : null });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${output.slice(-4000)}`));
    });
  });
}

/** The new password the harness gives the demo's first admin. */
export const ADMIN_PASSWORD = 'kata-sandi-uji-admin';

/**
 * Logs in through the viewer's real form with a one-time password, then changes it
 * through the real form (as a person would); by default as the demo's first admin.
 */
export async function logIn(page, oneTimePassword, { username = 'admin', password = ADMIN_PASSWORD } = {}) {
  if (!oneTimePassword) throw new Error('no one-time password (server output, or SIGAP_ADMIN_PASSWORD)');
  await page.waitForSelector('#login-overlay input[name=username]');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', oneTimePassword);
  await page.click('#login-overlay button[type=submit]');
  await page.waitForSelector('#login-overlay input[name=current]');
  await page.fill('input[name=current]', oneTimePassword);
  await page.fill('input[name=new]', password);
  await page.fill('input[name=again]', password);
  await page.click('#login-overlay button[type=submit]');
  await page.waitForSelector('#login-overlay', { state: 'detached' });
}

/**
 * The viewer open in a fresh page, ready (`window.sigapReady`); `context` adds Playwright
 * context options (e.g. geolocation), `serverArgs` arguments of `sigap serve`. Returns
 * `page`, `baseUrl`, `problems` (console errors and page errors, in order), `requests`
 * (url, status, bytes on the wire and Range header of every finished request),
 * `api(path)` (JSON fetched by the page, same origin) and `close()`.
 */
export async function openViewer({ width = 1280, height = 800, login = true, context = {}, serverArgs = [] } = {}) {
  const server = process.env.SIGAP_URL ? null : await startServer(serverArgs);
  const baseUrl = process.env.SIGAP_URL || server.url;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  const page = await (await browser.newContext({ viewport: { width, height }, ...context })).newPage();
  const problems = [];
  // Every finished request with its status and the bytes it carried over the wire
  // (compressed body plus headers), from the first page load on.
  const requests = [];
  page.on('requestfinished', async (req) => {
    const entry = { url: req.url(), status: 0, bytes: 0, range: req.headers().range ?? null };
    requests.push(entry);
    try {
      const sizes = await req.sizes();
      entry.bytes = sizes.responseBodySize + sizes.responseHeadersSize;
      entry.status = (await req.response())?.status() ?? 0;
    } catch { /* the page went away */ }
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  await page.goto(`${baseUrl}/`);
  if (login) await logIn(page, server?.adminPassword || process.env.SIGAP_ADMIN_PASSWORD);
  await page.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
  return {
    page,
    baseUrl,
    problems,
    requests,
    api: (p) => page.evaluate((u) => fetch(u).then((r) => r.json()), p),
    close: async () => {
      await browser.close();
      if (server && server.child.exitCode === null) process.kill(server.child.pid, 'SIGTERM');
    },
  };
}

/** The viewer's map: its global and the element holding its canvas. */
export const VIEWER_MAP = { name: 'sigapMap', element: '#map' };

/**
 * Takes a screenshot of `page` (saved to `file`) and returns, for each map position in
 * `lonlats`, the RGB colours of the 5x5 screenshot pixels around it (decoded by the
 * page's own PNG decoder): a 3 px line need not be centred on a pixel. `map`: the
 * page's global holding the map and the element holding its canvas (the viewer's by
 * default; the route page's is `{ name: 'sigapRouteMap', element: '#route-map' }`).
 */
export async function mapPixels(page, file, lonlats, map = VIEWER_MAP) {
  mkdirSync(path.dirname(file), { recursive: true });
  await decodeScreenshot(page, file);
  const box = await page.locator(`${map.element} canvas`).boundingBox();
  return page.evaluate(([points, offset, name]) => {
    const ctx = window.sigapScreenshot;
    return points.map((p) => {
      const px = window[name].project(p);
      const d = ctx.getImageData(Math.round(px.x + offset[0]) - 2, Math.round(px.y + offset[1]) - 2, 5, 5).data;
      const out = [];
      for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
      return out;
    });
  }, [lonlats, [box.x, box.y], map.name]);
}

/**
 * Takes a screenshot of `page` (saved to `file` when given) and decodes it with the
 * page's own PNG decoder into a 2D context the page keeps as `window.sigapScreenshot`,
 * for the pixel helpers to read.
 */
async function decodeScreenshot(page, file) {
  const png = await page.screenshot(file ? { path: file } : {});
  await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(img, 0, 0);
    window.sigapScreenshot = ctx;
  }, png.toString('base64'));
}

/**
 * The share of the map canvas's pixels (in a screenshot of `page`) within distance
 * `near` (RGB) of each group of `groups` (each a list of colours, a pixel counted once
 * per group), e.g. how much of the map is land use or water.
 */
export async function mapShares(page, groups, { near = 12, map = VIEWER_MAP } = {}) {
  await decodeScreenshot(page);
  const box = await page.locator(`${map.element} canvas`).boundingBox();
  return page.evaluate(([wanted, d, b]) => {
    const ctx = window.sigapScreenshot;
    const { width, height } = ctx.canvas;
    const x0 = Math.max(0, Math.round(b.x));
    const y0 = Math.max(0, Math.round(b.y));
    const w = Math.min(width, Math.round(b.x + b.width)) - x0;
    const h = Math.min(height, Math.round(b.y + b.height)) - y0;
    const px = ctx.getImageData(x0, y0, w, h).data;
    const counts = wanted.map(() => 0);
    for (let i = 0; i < px.length; i += 4) {
      wanted.forEach((colours, k) => {
        if (colours.some((c) => Math.hypot(px[i] - c[0], px[i + 1] - c[1], px[i + 2] - c[2]) <= d)) counts[k] += 1;
      });
    }
    return counts.map((n) => n / (w * h));
  }, [groups, near, box]);
}

/**
 * A point halfway along the longest in-view segment of a primary road drawn on `page`'s
 * map (`map` as for [`mapPixels`]).
 */
export function primaryRoadPoint(page, map = VIEWER_MAP) {
  return page.evaluate((name) => {
    const map = window[name];
    const { clientWidth: w, clientHeight: h } = map.getCanvas();
    const inView = (p) => { const q = map.project(p); return q.x > 40 && q.y > 40 && q.x < w - 40 && q.y < h - 40; };
    let best = null;
    for (const f of map.queryRenderedFeatures({ layers: ['basemap-road-primary'] })) {
      const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const line of lines) {
        for (let i = 1; i < line.length; i += 1) {
          const [a, b] = [line[i - 1], line[i]];
          const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
          const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
          if (inView(mid) && (!best || len > best.len)) best = { len, at: mid };
        }
      }
    }
    return best?.at ?? null;
  }, map.name);
}

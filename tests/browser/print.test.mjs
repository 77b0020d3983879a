// Presenting at the rembuk: the viewer's print layout and PNG export, and the
// printable village profile, in a real headless Chromium against the real server
// (the demo city). What is checked is what lands on paper or in the file:
// - the viewer printed to PDF (through "Cetak", and without it as Ctrl+P does) has map
//   pixels where the map is (a WebGL canvas prints empty unless kept) and the title,
//   the city, the data date and the legend as text (poppler's pdftoppm and pdftotext);
// - the PNG from "Unduh PNG" is opaque, has a coloured map and a title block above it,
//   and is named sigap-peta-<indicator>-<period>[-bobot-...].png;
// - the profile of a priority village prints on exactly one A4 page with its name, its
//   figures in Indonesian number format and a map extract;
// - none of these pages scrolls sideways at 1366x768 or 390x844.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/print.test.mjs
// Needs pdftoppm, pdftotext and pdfinfo (Debian poppler-utils, in the Makefile's APT_TEST).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openViewer } from './harness.mjs';

const OUT = process.env.SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'sigap-print-'));
let viewer = null;
let page = null;

/** A PDF's page count (pdfinfo). */
function pdfPages(file) {
  return Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))[1]);
}

/** The text of a PDF (pdftotext, layout kept), whitespace runs made one space. */
function pdfText(file) {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

/** Page 1 of a PDF as RGB pixels at `dpi` (pdftoppm writes a binary PPM, P6). */
function pdfPixels(file, dpi = 50) {
  const stem = file.replace(/\.pdf$/, '');
  execFileSync('pdftoppm', ['-r', String(dpi), '-f', '1', '-l', '1', '-singlefile', file, stem]);
  const buf = fs.readFileSync(`${stem}.ppm`);
  // Header: "P6\n<w> <h>\n<max>\n" (pdftoppm writes no comments).
  const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  const [width, height] = [Number(m[1]), Number(m[2])];
  return { width, height, data: buf.subarray(m[0].length) };
}

/**
 * In a box given as fractions of the image ([x0, y0, x1, y1]): the share of pixels
 * that are not paper white and how many distinct colours (4 bits a channel) there are.
 */
function mapInk({ width, height, data }, [x0, y0, x1, y1]) {
  let ink = 0;
  let n = 0;
  const colours = new Set();
  for (let y = Math.floor(y0 * height); y < Math.floor(y1 * height); y += 1) {
    for (let x = Math.floor(x0 * width); x < Math.floor(x1 * width); x += 1) {
      const i = (y * width + x) * 3;
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      n += 1;
      if (Math.min(r, g, b) < 235) ink += 1;
      colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
    }
  }
  return { ink: ink / n, colours: colours.size };
}

/** No horizontal scrolling, and nothing wider than the window. */
async function assertNoOverflow(p, label) {
  const [scroll, inner] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner, `${label}: page is ${scroll} px wide in a ${inner} px window`);
}

describe('print, PNG export and village profile', { timeout: 600_000 }, () => {
  before(async () => {
    viewer = await openViewer({ width: 1366, height: 768 });
    ({ page } = viewer);
  });

  after(async () => {
    await viewer?.close();
  });

  it('prints the map, its title block and legend through "Cetak" (A4 landscape, one page)', async () => {
    // window.print() opens no dialog headless; record the call and print with page.pdf().
    await page.evaluate(() => { window.print = () => { window.sigapPrinted = true; }; });
    await page.locator('#print-button').click();
    await page.waitForFunction(() => window.sigapPrinted === true, null, { timeout: 60_000 });
    const file = path.join(OUT, 'print-viewer.pdf');
    await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    assert.equal(pdfPages(file), 1);
    const text = pdfText(file);
    const summary = await viewer.api('public/api/summary');
    for (const want of ['Skor risiko', 'Kendari', `Periode ${summary.period}`, 'Data pengukuran s.d.', 'Dicetak',
      'Tidak ada data', 'Puskesmas', 'Sumber: sigap']) {
      assert.ok(text.includes(want), `"${want}" not in the printed text: ${text.slice(0, 600)}`);
    }
    assert.ok(!text.includes('Bobot simulasi'), 'no weights line with the configured weights');
    // The map is the middle of the sheet: coloured, not the blank of an emptied canvas.
    const px = pdfPixels(file);
    assert.ok(px.width > px.height, 'landscape');
    const { ink, colours } = mapInk(px, [0.35, 0.3, 0.95, 0.75]);
    assert.ok(ink > 0.5 && colours > 30, `map area: ${(ink * 100).toFixed(0)}% ink, ${colours} colours`);
    // The screen map is back after printing.
    assert.equal(await page.locator('#map-print').count(), 0);
    const box = await page.locator('#map').boundingBox();
    assert.ok(box.width < 1366 && box.y > 0, `map back in the page: ${JSON.stringify(box)}`);
  });

  it('prints the map without the button too (the browser\'s own print)', async () => {
    const file = path.join(OUT, 'print-viewer-direct.pdf');
    await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    assert.equal(pdfPages(file), 1);
    const { ink, colours } = mapInk(pdfPixels(file), [0.35, 0.3, 0.95, 0.75]);
    assert.ok(ink > 0.5 && colours > 30, `map area: ${(ink * 100).toFixed(0)}% ink, ${colours} colours`);
    assert.ok(pdfText(file).includes('Skor risiko'));
  });

  it('exports a PNG with the map, a title block and the weights in its name', async () => {
    const summary = await viewer.api('public/api/summary');
    const shot = async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#png-button').click()]);
      const file = path.join(OUT, download.suggestedFilename());
      await download.saveAs(file);
      return { name: download.suggestedFilename(), file };
    };
    const plain = await shot();
    assert.equal(plain.name, `sigap-peta-risk-${summary.period}.png`);
    const stats = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      // The map is drawn at twice the density (print.js PRINT_PIXEL_RATIO).
      const css = window.sigapMap.getCanvas();
      const mapCanvas = { width: Math.round(css.clientWidth * 2), height: Math.round(css.clientHeight * 2) };
      const head = img.height - mapCanvas.height; // title block and the sources line
      let transparent = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] < 255) transparent += 1;
      // Dark (text) pixels in the title block, above the map.
      let dark = 0;
      const titleRows = Math.floor(head * 0.6);
      for (let y = 0; y < titleRows; y += 1) {
        for (let x = 0; x < img.width; x += 1) {
          const i = (y * img.width + x) * 4;
          if (data[i] < 100 && data[i + 1] < 100 && data[i + 2] < 100) dark += 1;
        }
      }
      // The map: its middle, below the title block (the same measure as mapInk).
      let ink = 0;
      let n = 0;
      const colours = new Set();
      for (let y = head + Math.floor(0.1 * mapCanvas.height); y < head + Math.floor(0.8 * mapCanvas.height); y += 2) {
        for (let x = Math.floor(0.3 * img.width); x < Math.floor(0.95 * img.width); x += 2) {
          const i = (y * img.width + x) * 4;
          n += 1;
          if (Math.min(data[i], data[i + 1], data[i + 2]) < 235) ink += 1;
          colours.add(((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4));
        }
      }
      return {
        width: img.width, mapWidth: mapCanvas.width, head, transparent, dark, titleRows, ink: ink / n, colours: colours.size,
      };
    }, fs.readFileSync(plain.file).toString('base64'));
    assert.equal(stats.transparent, 0, 'an opaque image');
    assert.equal(stats.width, stats.mapWidth, 'as wide as the map drawn, at twice the density');
    assert.ok(stats.head > 60, `title block ${stats.head} px`);
    assert.ok(stats.dark > 200, `title text: ${stats.dark} dark pixels in the top ${stats.titleRows} rows`);
    assert.ok(stats.ink > 0.5 && stats.colours > 30, `map area: ${(stats.ink * 100).toFixed(0)}% ink, ${stats.colours} colours`);
    // What-if weights: named in the file and printed on the sheet.
    await page.locator('#targets details.what-if summary').click();
    await page.locator('#targets-weights input[data-factor="no_latrine"]').fill('0.5');
    await page.waitForFunction(() => /w\.no_latrine=0\.5/.test(window.location.hash), null, { timeout: 30_000 });
    const weighted = await shot();
    assert.match(weighted.name, new RegExp(`^sigap-peta-risk-${summary.period}-bobot-prev\\d+(\\.\\d)?-stunting\\d+(\\.\\d)?-jamban50-air`));
    await page.evaluate(() => { window.sigapPrinted = false; });
    await page.locator('#print-button').click();
    await page.waitForFunction(() => window.sigapPrinted === true, null, { timeout: 60_000 });
    const file = path.join(OUT, 'print-viewer-weights.pdf');
    await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    assert.match(pdfText(file), /Bobot simulasi \(bukan bobot bawaan\): .*Tanpa jamban 0,50/);
    assert.equal(pdfPages(file), 1, 'with the weights line too, one page');
    await page.locator('#targets-reset').click();
  });

  it('prints a priority village\'s profile on one A4 page with its figures and map', async () => {
    const target = (await viewer.api('api/targets?top=10')).targets[0];
    // The priority list links to it, with the period.
    const href = await page.locator('#targets-list li .profile-link').first().getAttribute('href');
    assert.match(href, new RegExp(`^web/profile\\.html\\?.*village=${target.code}`));
    const p = await page.context().newPage();
    const problems = [];
    p.on('pageerror', (e) => problems.push(e.message));
    p.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    try {
      await p.setViewportSize({ width: 1366, height: 768 });
      await p.goto(new URL(href, `${viewer.baseUrl}/`).href);
      await p.waitForFunction(() => window.sigapReady === true, null, { timeout: 60_000 });
      await assertNoOverflow(p, 'profile 1366x768');
      // At the rembuk: the planner records the village as a priority with an action
      // and who leads it; the sheet shows it and prints it (the form does not print).
      await p.locator('#rembuk-form [name=priority]').check();
      await p.locator('#rembuk-rows [name=action]').first().fill('PMT lokal 90 hari untuk baduta stunting');
      await p.locator('#rembuk-rows [name=lead]').first().fill('Dinas Kesehatan');
      await p.locator('#rembuk-form button[type=submit]').click();
      await p.locator('#rembuk-message', { hasText: 'Keputusan tersimpan.' }).waitFor();
      assert.match(await p.locator('#rembuk-actions').innerText(), /PMT lokal 90 hari untuk baduta stunting — Dinas Kesehatan/);
      assert.match(await p.locator('#rembuk-status').innerText(), /^Prioritas \(lokus\) menurut rembuk periode 2026-08/);
      const stored = (await viewer.api('api/rembuk')).villages[target.code];
      assert.deepEqual(stored.actions, [{ action: 'PMT lokal 90 hari untuk baduta stunting', lead: 'Dinas Kesehatan' }]);
      await p.screenshot({ path: path.join(OUT, 'profile-1366x768.png'), fullPage: true });
      const file = path.join(OUT, 'profile.pdf');
      await p.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
      assert.equal(pdfPages(file), 1, 'one page');
      const text = pdfText(file);
      assert.ok(!text.includes('Simpan keputusan'), 'the form is not printed');
      const id = (n) => new Intl.NumberFormat('id-ID').format(n);
      for (const want of [target.name, `Kec. ${target.district}`, `Prioritas ke-1 dari`, target.reason.slice(0, 40),
        `Anak diukur ${id(target.children)}`, `Anak stunting (pendek) ${id(target.stunted)}`,
        'Perubahan sejak putaran sebelumnya', 'Kontribusi faktor', 'Cakupan intervensi',
        'Keputusan rembuk stunting', 'PMT lokal 90 hari untuk baduta stunting']) {
        assert.ok(text.includes(want), `"${want}" not in the profile: ${text.slice(0, 800)}`);
      }
      const px = pdfPixels(file);
      assert.ok(px.height > px.width, 'portrait');
      // The map extract: the left half of the sheet under its head.
      const box = await p.locator('#profile-map').boundingBox();
      const sheet = await p.evaluate(() => document.querySelector('.sheet').getBoundingClientRect().toJSON());
      assert.ok(box.width > 200 && box.height > 200, `map extract ${box.width}x${box.height}`);
      assert.ok(sheet.width > 0);
      const { ink, colours } = mapInk(px, [0.1, 0.16, 0.45, 0.35]);
      assert.ok(ink > 0.5 && colours > 12, `map extract: ${(ink * 100).toFixed(0)}% ink, ${colours} colours`);
      await p.setViewportSize({ width: 390, height: 844 });
      await p.waitForTimeout(300);
      await assertNoOverflow(p, 'profile 390x844');
      await p.screenshot({ path: path.join(OUT, 'profile-390x844.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await p.close();
    }
  });

  it('links the profile from a village\'s popup', async () => {
    const target = (await viewer.api('api/targets?top=10')).targets[1];
    await page.locator('#village-list li button').filter({ hasText: target.name }).first().click();
    const link = page.locator('.maplibregl-popup .profile-link');
    await link.waitFor({ timeout: 30_000 });
    assert.match(await link.getAttribute('href'), new RegExp(`village=${target.code}`));
    assert.equal(await link.getAttribute('target'), '_blank');
  });

  it('fits 1366x768 and 390x844 with the print buttons, without horizontal scrolling', async () => {
    for (const [width, height] of [[1366, 768], [390, 844]]) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300);
      await assertNoOverflow(page, `viewer ${width}x${height}`);
      for (const id of ['print-button', 'png-button']) {
        const b = await page.locator(`#${id}`).boundingBox();
        assert.ok(b && b.x >= 0 && b.x + b.width <= width + 0.5, `${id} at ${JSON.stringify(b)} in ${width}`);
      }
      await page.screenshot({ path: path.join(OUT, `print-viewer-${width}x${height}.png`) });
    }
    assert.deepEqual(viewer.problems, []);
  });
});

// The field officer's day with a register that carries the parents' phone numbers (the
// demo city makes none up): a store built here with `sigap import` from the demo's
// files plus a `No HP` column. On a 390x844 phone: each stop's number is a tel: link
// of at least 44 px and printed on the list, under the head of the household at the
// child's point (Kepala keluarga, as households.csv names them); measurements read in the language's number
// format (64,5 cm / HAZ -2,71 in Bahasa, 64.5 / -2.71 in English); the planners'
// progress table counts the confirmed implausible measurements.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openViewer, ROOT } from './harness.mjs';

const BIN = path.resolve(ROOT, process.env.SIGAP_BIN || 'target/debug/sigap');
const TEAM = 'DP2KB';
const OUT = new URL('./out/', import.meta.url);

let v;
let page;
let dir;
/** pseudonym -> the phone number as stored (digits). */
const phoneOf = new Map();
/** pseudonym -> the name of the head of the household at the child's point (households.csv). */
const headOf = new Map();

function sigap(...args) {
  const p = spawnSync(BIN, args.map(String), { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  if (p.status !== 0) throw new Error(`sigap ${args.join(' ')} failed (${p.status}):\n${p.stdout}\n${p.stderr}`);
  return p.stdout;
}

/** The demo city imported into a store, its children with a `No HP` column. */
function buildStore() {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sigap-contact-'));
  const demo = path.join(dir, 'demo');
  sigap('demo', '--out', demo);
  const db = path.join(dir, 'city.gpkg');
  const key = path.join(dir, 'city.key');
  const [header, ...rows] = readFileSync(path.join(demo, 'children.csv'), 'utf8').trimEnd().split('\n');
  const digits = (i) => `0852${String(10_000_000 + i).padStart(8, '0')}`;
  // As registers write them: with dashes (stored as the digits).
  writeFileSync(path.join(dir, 'children.csv'), [`${header},No HP`,
    ...rows.map((r, i) => `${r},${digits(i).replace(/^(\d{4})(\d{4})(\d{4})$/, '$1-$2-$3')}`)].join('\n'));
  for (const [kind, file] of [['villages', 'demo/villages.geojson'], ['facilities', 'demo/facilities.csv'],
    ['households', 'demo/households.csv'], ['children', 'children.csv']]) {
    sigap('import', '--db', db, '--key', key, kind, path.join(dir, file));
  }
  sigap('import', 'roads', '--db', db, path.join(demo, 'roads.osm.pbf'));
  sigap('assign', '--db', db, '--teams', path.join(demo, 'teams.csv'));
  const secret = Buffer.from(readFileSync(key, 'utf8').trim(), 'hex');
  // The household at each child's very point, found here by its coordinates.
  const [hHeader, ...hRows] = readFileSync(path.join(demo, 'households.csv'), 'utf8').trimEnd().split('\n');
  const col = hHeader.split(',');
  const [hLat, hLon, hName] = ['lat', 'lon', 'name'].map((c) => col.indexOf(c));
  const homes = new Map(hRows.map((r) => r.split(',')).map((f) => [`${f[hLat]},${f[hLon]}`, f[hName]]));
  rows.forEach((r, i) => {
    const [id, lat, lon] = r.split(',').map((f) => f.trim());
    const pseudonym = createHmac('sha256', secret).update(id).digest('hex').slice(0, 20);
    phoneOf.set(pseudonym, digits(i));
    if (homes.has(`${lat},${lon}`)) headOf.set(pseudonym, homes.get(`${lat},${lon}`));
  });
  return ['--db', db, '--key', key];
}

async function openRoute(lang) {
  await page.evaluate((l) => localStorage.setItem('sigap.lang', l), lang);
  await page.goto(`${v.baseUrl}/web/route.html?team=${encodeURIComponent(TEAM)}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 120_000 });
}

/** What the checks allow today for the child: a height far above it is refused. */
async function tooTall(pseudonym) {
  const { expected_today: e } = await v.api(`/api/children/${pseudonym}/history`);
  return Math.floor(e.max_cm + 5) + 0.5; // with a decimal, to see its separator
}

async function refuse(stop, height) {
  await stop.locator('button.record').click();
  await stop.locator('.visit-form input[name=height_cm]').fill(String(height));
  await stop.locator('.visit-form button[type=submit]').click();
  await stop.locator('.review').waitFor({ timeout: 30_000 });
}

describe('route page with the parents\' phone numbers', { timeout: 900_000 }, () => {
  before(async () => {
    const args = buildStore();
    v = await openViewer({ width: 390, height: 844, serverArgs: args });
    page = v.page;
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await v?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives each stop the parent\'s number as a tel: link of at least 44 px, and prints it', async () => {
    await openRoute('id');
    const stops = await page.$$eval('#stops > li', (lis) => lis.map((li) => ({
      pseudonym: li.dataset.pseudonym,
      href: li.querySelector('.phone a.call')?.getAttribute('href'),
      text: li.querySelector('.phone a.call')?.textContent,
      family: li.querySelector('.family')?.textContent,
    })));
    assert.ok(stops.length > 3);
    for (const s of stops) {
      const want = phoneOf.get(s.pseudonym);
      assert.ok(want, `a phone for ${s.pseudonym}`);
      assert.equal(s.href, `tel:${want}`);
      assert.equal(s.text, `HP ${want.slice(0, 4)} ${want.slice(4, 8)} ${want.slice(8)}`);
      // The head of the household at the child's point (the same address in the demo: no "di ...").
      assert.ok(headOf.get(s.pseudonym), `a household at ${s.pseudonym}'s point`);
      assert.equal(s.family, `Kepala keluarga: ${headOf.get(s.pseudonym)}`);
    }
    const call = page.locator('#stops > li').first().locator('.phone a.call');
    const box = await call.boundingBox();
    assert.ok(box.height >= 44 && box.width >= 44, JSON.stringify(box));
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
    await page.locator('#stops').scrollIntoViewIfNeeded();
    await page.screenshot({ path: new URL('route-phone-390.png', OUT).pathname });
    // On paper: the number, as text, with the name.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await call.isVisible(), true);
    assert.match(await page.locator('#stops > li').first().innerText(), /HP 0852 \d{4} \d{4}/);
    assert.match(await page.locator('#stops > li').first().innerText(), /Kepala keluarga: /);
    await page.screenshot({ path: new URL('route-phone-print-390.png', OUT).pathname, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  });

  it('prints measurements in English number format in English, and counts a confirmed implausible one', async () => {
    await openRoute('en');
    const stop = page.locator('#stops > li').nth(1);
    const pseudonym = await stop.getAttribute('data-pseudonym');
    assert.match(await stop.locator('.status').innerText(), /HAZ -\d\.\d\d/);
    const height = await tooTall(pseudonym);
    await refuse(stop, height);
    const review = stop.locator('.review');
    assert.match(await review.locator('.numbers').innerText(), new RegExp(`^New measurement: ${String(height).replace('.', '\\.')} cm, HAZ -?\\d+\\.\\d\\d\\.`));
    assert.match(await review.locator('.expected').innerText(), /about \d+(\.\d)? cm \(\d+(\.\d)?–\d+(\.\d)?\)/);
    // The checks' own words in English too.
    assert.doesNotMatch(await review.locator('.checks').innerText(), /tidak|masuk akal/);
    await review.scrollIntoViewIfNeeded();
    await page.screenshot({ path: new URL('route-review-en-390.png', OUT).pathname });
    await review.locator('form.confirm input[name=reason]').fill('measured twice, same result');
    await review.locator('form.confirm button').click();
    await review.waitFor({ state: 'detached', timeout: 30_000 });
    for (let i = 0; i < 120 && !(await v.api(`/api/visits?pseudonym=${pseudonym}`)).visits.length; i += 1) {
      await new Promise((r) => setTimeout(r, 250));
    }
    // The planners' table (the admin is one) counts it, Bahasa first.
    await openRoute('id');
    await page.waitForFunction((team) => [...document.querySelectorAll('#progress tbody tr')]
      .some((tr) => tr.cells[0].textContent === team), TEAM, { timeout: 60_000 });
    const head = await page.$$eval('#progress thead th', (ths) => ths.map((th) => th.textContent));
    assert.equal(head.at(-1), 'Ukuran meragukan');
    const row = await page.$$eval('#progress tbody tr', (trs, team) => [...trs.find((tr) => tr.cells[0].textContent === team).cells]
      .map((c) => c.textContent), TEAM);
    const { teams } = await v.api('/api/visits/progress');
    assert.equal(teams.find((x) => x.team === TEAM).unconfirmed, 1);
    assert.equal(row.at(-1), '1');
    await page.locator('#progress-section').scrollIntoViewIfNeeded();
    await page.screenshot({ path: new URL('route-progress-390.png', OUT).pathname });
  });

  it('prints them with a decimal comma in Bahasa', async () => {
    const stop = page.locator('#stops > li').nth(2);
    const pseudonym = await stop.getAttribute('data-pseudonym');
    assert.match(await stop.locator('.status').innerText(), /HAZ -\d,\d\d/);
    const height = await tooTall(pseudonym);
    await refuse(stop, height);
    const numbers = await stop.locator('.review .numbers').innerText();
    assert.match(numbers, new RegExp(`^Ukuran baru: ${String(height).replace('.', ',')} cm, HAZ -?\\d+,\\d\\d\\.`));
    assert.doesNotMatch(numbers, /\d\.\d/);
    await stop.locator('.review').scrollIntoViewIfNeeded();
    await page.screenshot({ path: new URL('route-review-id-390.png', OUT).pathname });
  });

  it('formats the case popup\'s lines in the language: 64,5 cm and HAZ -2,71, or 64.5 and -2.71', async () => {
    await page.goto(`${v.baseUrl}/`);
    await page.waitForFunction(() => window.sigapReady === true, null, { timeout: 120_000 });
    const lines = await page.evaluate(async () => {
      const { caseLines } = await import('/web/cases.js');
      const { setLang, fmtNum } = await import('/web/i18n.js');
      const p = { status: 'stunted', haz: -2.7123, measure_date: '2026-08-03', height_cm: 64.5, team: 'DP2KB', pseudonym: 'abc' };
      const out = {};
      for (const l of ['id', 'en']) {
        setLang(l);
        out[l] = [...caseLines(p), fmtNum(1234.5)];
      }
      setLang('id');
      return out;
    });
    assert.deepEqual(lines.id.slice(0, 2), ['pendek · HAZ -2,71', 'Diukur: 2026-08-03 · Tinggi: 64,5 cm']);
    assert.deepEqual(lines.en.slice(0, 2), ['stunted · HAZ -2.71', 'Measured: 2026-08-03 · Height: 64.5 cm']);
    assert.deepEqual([lines.id.at(-1), lines.en.at(-1)], ['1.234,5', '1,234.5']);
  });

  it('logged no console or page errors', () => {
    // The refused measurements answer 422 on purpose, which Chromium logs.
    assert.deepEqual(v.problems.filter((p) => !/status of 422 \(Unprocessable Entity\)/.test(p)), []);
  });
});

// The printable annual review (web/review.html) in a real headless browser against the
// real server binary (the demo city: two rounds, its ledger and sponsors): linked
// from the coverage legend and the plan page; a planner's page shows the city's and a
// kecamatan's figures exactly as GET /api/review gives them (formatted the Indonesian
// way), the rembuk's decisions and the maps as still images with map pixels; the
// XLSX link downloads the workbook; printed (A4 portrait) the maps are on the paper
// and in the PDF; a field officer is refused. Screenshots at 1440x900, 1366x768 and
// in print emulation go to tests/browser/out/; the bytes the page moves are printed.
//
//   SIGAP_BIN=target/debug/sigap node --test tests/browser/review.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openViewer } from './harness.mjs';

const OUT = 'tests/browser/out';
const PLANNER = { username: 'perencana.bappeda', password: 'sandi-perencana-bappeda-2026' };
const OFFICER = { username: 'bidan.tinjauan', password: 'sandi-bidan-tinjauan-2026' };
const DECIDED = '7471031001'; // a village given decisions at the August rembuk below

let v;
let page; // the planner's review page
let requests = [];

// The page's formats, written out again here (Indonesian).
const int = (n) => new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 }).format(n);
const pct = (x) => (x === null ? '–' : new Intl.NumberFormat('id-ID', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x));
const points = (x) => {
  if (x === null) return '–';
  const r = Math.round(x * 10) / 10;
  return new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(r === 0 ? 0 : r);
};
const share = (s) => (s.target > 0 ? `${int(s.reached)} dari ${int(s.target)} (${pct(s.share)})` : 'tidak ada sasaran');

/** An account made through the admin API, then logged in through the form in a new context. */
async function accountPage(who, role, extra = {}) {
  const { csrf } = await v.api('/api/me');
  const made = await v.page.evaluate(async ([token, body]) => {
    const r = await fetch('/api/admin/users', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
      body: JSON.stringify(body),
    });
    return r.json();
  }, [csrf, { username: who.username, role, ...extra }]);
  assert.ok(made.password, JSON.stringify(made));
  const context = await v.page.context().browser().newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const p = await context.newPage();
  p.problems = [];
  p.on('pageerror', (err) => p.problems.push(`pageerror: ${err.message}`));
  p.on('console', (msg) => { if (msg.type() === 'error') p.problems.push(`console: ${msg.text()}`); });
  return { p, password: made.password };
}

async function logInAs(p, who, oneTime) {
  await p.waitForSelector('#login-overlay input[name=username]');
  await p.fill('input[name=username]', who.username);
  await p.fill('input[name=password]', oneTime);
  await p.click('#login-overlay button[type=submit]');
  await p.waitForSelector('#login-overlay input[name=current]');
  await p.fill('input[name=current]', oneTime);
  await p.fill('input[name=new]', who.password);
  await p.fill('input[name=again]', who.password);
  await p.click('#login-overlay button[type=submit]');
  await p.waitForSelector('#login-overlay', { state: 'detached' });
}

/**
 * For each map image of the page (in a screenshot, so as drawn on screen or paper):
 * the share of its pixels near one of its legend's class colours, near the "no data"
 * grey, and the number of legend classes seen.
 */
async function mapImageShares(p, file, near = 10) {
  const png = await p.screenshot({ path: file, fullPage: true });
  const figures = await p.$$eval('figure.review-map', (fs) => fs.map((f) => {
    const img = f.querySelector('img.map-still');
    const r = img?.getBoundingClientRect();
    const colours = [...f.querySelectorAll('.review-legend .swatch')].map((s) => getComputedStyle(s).backgroundColor.match(/\d+/g).map(Number));
    return {
      id: f.dataset.map,
      box: r && { x: r.x + window.scrollX, y: r.y + window.scrollY, w: r.width, h: r.height },
      loaded: Boolean(img?.complete && img.naturalWidth > 0),
      classes: colours.slice(0, -1),
      noData: colours.at(-1),
    };
  }));
  const shares = await p.evaluate(async ([b64, list, d]) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const near = (px, i, c) => Math.hypot(px[i] - c[0], px[i + 1] - c[1], px[i + 2] - c[2]) <= d;
    return list.map((f) => {
      if (!f.box) return { id: f.id, classes: 0, noData: 0, seen: 0 };
      const px = ctx.getImageData(Math.round(f.box.x) + 2, Math.round(f.box.y) + 2, Math.round(f.box.w) - 4, Math.round(f.box.h) - 4).data;
      const seen = new Set();
      let inClass = 0;
      let grey = 0;
      for (let i = 0; i < px.length; i += 4) {
        const k = f.classes.findIndex((c) => near(px, i, c));
        if (k >= 0) { inClass += 1; seen.add(k); } else if (near(px, i, f.noData)) grey += 1;
      }
      const n = px.length / 4;
      return { id: f.id, loaded: f.loaded, classes: inClass / n, noData: grey / n, seen: seen.size };
    });
  }, [png.toString('base64'), figures, near]);
  return shares.map((s, i) => ({ ...s, loaded: figures[i].loaded }));
}

describe('the annual review page', { timeout: 600_000 }, () => {
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    v = await openViewer({ width: 1440, height: 900 });
    // The August rembuk chose a priority village and agreed two actions.
    const { csrf } = await v.api('/api/me');
    const saved = await v.page.evaluate(async ([token, village]) => {
      const r = await fetch('/api/rembuk', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({
          village,
          period: '2026-08',
          priority: true,
          actions: [{ action: 'PMT lokal 90 hari untuk semua baduta stunting', lead: 'Dinas Kesehatan' },
            { action: 'Jamban sehat untuk 20 rumah tangga', lead: 'Dinas PUPR' }],
        }),
      });
      return r.status;
    }, [csrf, DECIDED]);
    assert.equal(saved, 201);
  });

  after(async () => { await v?.close(); });

  it('is linked from the coverage legend and the plan page', async () => {
    await v.page.selectOption('#indicator', 'intervention');
    await v.page.locator('#legend #review-link').waitFor({ state: 'visible' });
    assert.equal((await v.page.locator('#review-link').innerText()).trim(), 'Tinjauan tahunan\u00a0→');
    assert.match(await v.page.locator('#review-link').getAttribute('href'), /\/web\/review\.html(\?to=\d{4}-\d{2})?$/);
    await v.page.screenshot({ path: `${OUT}/review-link-1440.png`, clip: { x: 0, y: 400, width: 400, height: 500 } });
    await v.page.goto(`${v.baseUrl}/web/plan.html?period=2026-02`);
    await v.page.waitForFunction(() => document.body.dataset.plan);
    assert.equal(await v.page.locator('#review-link').getAttribute('href'), 'review.html?to=2026-02');
    assert.deepEqual(v.problems, []);
  });

  it("shows a planner the API's figures for the city, a kecamatan and a village", async () => {
    const made = await accountPage(PLANNER, 'planner');
    page = made.p;
    requests = [];
    page.on('requestfinished', async (req) => {
      const entry = { url: req.url(), bytes: 0 };
      requests.push(entry);
      try {
        const s = await req.sizes();
        entry.bytes = s.responseBodySize + s.responseHeadersSize;
      } catch { /* gone */ }
    });
    await page.goto(`${v.baseUrl}/web/review.html`);
    await logInAs(page, PLANNER, made.password);
    const started = Date.now();
    await page.waitForFunction(() => document.body.dataset.review, null, { timeout: 120_000 });
    const took = Date.now() - started;
    const bytes = requests.reduce((sum, x) => sum + x.bytes, 0);
    const biggest = [...requests].sort((a, b) => b.bytes - a.bytes).slice(0, 4).map((x) => `${new URL(x.url).pathname} ${x.bytes}`);
    console.log(`review page: ${requests.length} requests, ${bytes} bytes on the wire (login included), ready ${took} ms after login; biggest: ${biggest.join(', ')}`);
    const r = await page.evaluate(() => fetch('../api/review').then((x) => x.json()));
    assert.deepEqual(r.periods, ['2026-02', '2026-08']);
    assert.equal(await page.locator('#from').inputValue(), '2026-02');
    assert.equal(await page.locator('#to').inputValue(), '2026-08');
    assert.equal(await page.locator('.review-head h1').innerText(), 'Tinjauan tahunan konvergensi stunting');
    assert.equal(await page.locator('#head-place').innerText(), r.place);
    assert.match(await page.locator('#head-meta').innerText(), new RegExp(`2026-02 sampai 2026-08[\\s\\S]*Revisi data ${r.revision}[\\s\\S]*Dicetak`));

    // The city: a column per round.
    const city = await page.$$eval('#city-table tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.row, [...tr.querySelectorAll('td')].map((x) => x.textContent)])));
    const col = (f) => r.city.rounds.map(f);
    assert.deepEqual(city.measured, col((x) => int(x.measured)));
    assert.deepEqual(city.stunted, col((x) => int(x.stunted)));
    assert.deepEqual(city.prevalence, col((x) => pct(x.prevalence)));
    assert.deepEqual(city.change, col((x) => points(x.change_points)));
    assert.deepEqual(city.coverage, col((x) => pct(x.measurement_coverage)));
    assert.deepEqual(city.below, col((x) => `${int(x.below)} dari ${int(r.city.villages)}`));
    for (const p of r.programmes) assert.deepEqual(city[`p-${p.code}`], col((x) => share(x.programmes[p.code])), p.code);
    assert.match(city['p-pmt'][1], /^\d[\d.]* dari \d[\d.]* \(\d+,\d%\)$/);

    // A kecamatan, round by round.
    const d = r.districts.find((x) => x.villages > 3);
    const rows = await page.$$eval(`#district-table tbody[data-district="${d.name}"] tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((x) => x.textContent)));
    assert.deepEqual(rows, d.rounds.map((x) => [x.period, int(d.villages), int(x.measured), int(x.stunted), pct(x.prevalence),
      points(x.change_points), pct(x.measurement_coverage), `${int(x.below)} dari ${int(d.villages)}`]));

    // Plan against delivery: a deliverer's rows and the sponsors' rupiah.
    const opd = r.deliverers.find((x) => x.by === 'Dinas Kesehatan');
    const opdRows = await page.$$eval('#deliverer-table tbody[data-by="Dinas Kesehatan"] tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((x) => x.textContent)));
    assert.deepEqual(opdRows, opd.rounds.map((x) => [x.period, int(x.assigned), int(x.visited), int(x.received), int(x.unreached), int(x.deliveries), int(Math.round(x.cost))]));
    assert.ok(r.sponsors.length > 0);
    const s = r.sponsors[0];
    const total = await page.$eval(`#sponsor-table tbody[data-sponsor="${s.by}"] tr.subtotal`, (tr) => tr.lastChild.textContent);
    assert.equal(total, int(s.cost));
    assert.match(total, /^\d{1,3}(\.\d{3})+$/);

    // Villages nobody reached: names, per round.
    for (const u of r.unreached) {
      const shown = await page.$$eval(`.unreached-round[data-period="${u.period}"] li`, (li) => li.map((x) => x.firstChild.textContent));
      assert.deepEqual(shown, u.villages.map((code) => r.villages.find((x) => x.code === code).name));
    }

    // A village with the rembuk's decisions in force.
    const decided = page.locator(`#village-table tbody[data-village="${DECIDED}"]`);
    assert.match(await decided.locator('.decision').innerText(), /Prioritas \(lokus\)[\s\S]*PMT lokal 90 hari[\s\S]*Dinas Kesehatan[\s\S]*Jamban sehat[\s\S]*Dinas PUPR/);
    const vil = r.villages.find((x) => x.code === DECIDED);
    const vrows = await decided.locator('tr[data-period]').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td:not(.decision)')].map((x) => x.textContent)));
    assert.deepEqual(vrows, vil.rounds.map((x) => [x.period, int(x.measured), int(x.stunted), pct(x.prevalence), points(x.change_points), pct(x.measurement_coverage)]));
    assert.equal(await page.locator('#village-table tbody.village').count(), r.villages.length);
    assert.deepEqual(page.problems, []);
  });

  it('draws every map as a still image with map pixels and a legend', async () => {
    const ids = await page.$$eval('figure.review-map', (fs) => fs.map((f) => f.dataset.map));
    assert.deepEqual(ids, ['prevalence-2026-02', 'prevalence-2026-08', 'change', 'coverage']);
    for (const id of ids) {
      const legend = await page.$$eval(`figure[data-map="${id}"] .review-legend li`, (li) => li.map((x) => x.textContent));
      assert.equal(legend.at(-1), 'tidak ada data', id);
      assert.ok(legend.length >= 3, `${id}: ${legend}`);
    }
    const sizes = await page.$$eval('img.map-still', (imgs) => imgs.map((i) => [i.naturalWidth, i.naturalHeight, i.src.slice(0, 22)]));
    assert.deepEqual(sizes, ids.map(() => [1120, 880, 'data:image/png;base64,']));
    const shares = await mapImageShares(page, `${OUT}/review-1440.png`);
    for (const s of shares) {
      assert.ok(s.loaded, s.id);
      // Villages cover much of each map, in more than one class.
      assert.ok(s.classes > 0.2, `${s.id}: only ${(100 * s.classes).toFixed(1)}% of the image in its legend's colours`);
      assert.ok(s.seen >= 2, `${s.id}: ${s.seen} class(es) drawn`);
    }
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.screenshot({ path: `${OUT}/review-1366.png` });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page overflows by ${overflow} px`);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('downloads the workbook of the rounds shown', async () => {
    await page.selectOption('#from', '2026-08');
    await page.waitForFunction(() => document.body.dataset.review === '2026-08');
    assert.match(page.url(), /review\.html\?from=2026-08&to=2026-08$/);
    assert.equal(await page.locator('figure.review-map').count(), 2); // one round: no change map
    assert.match(await page.getAttribute('#xlsx', 'href'), /\/api\/review\.xlsx\?from=2026-08&to=2026-08$/);
    await page.selectOption('#from', '2026-02');
    await page.waitForFunction(() => document.body.dataset.review === '2026-02,2026-08');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#xlsx')]);
    assert.equal(download.suggestedFilename(), 'sigap-tinjauan-tahunan-2026-02-2026-08.xlsx');
    const file = path.join(OUT, download.suggestedFilename());
    await download.saveAs(file);
    const zip = readFileSync(file);
    assert.equal(zip.subarray(0, 2).toString(), 'PK');
    const names = zip.toString('latin1');
    assert.ok(names.includes('xl/workbook.xml'), 'an xlsx workbook');
    for (let i = 1; i <= 6; i += 1) assert.ok(names.includes(`xl/worksheets/sheet${i}.xml`), `sheet ${i}`);
  });

  it('prints on A4 with the map images and without the controls', async () => {
    await page.emulateMedia({ media: 'print' });
    for (const sel of ['.topbar', '#filters', '.intro']) assert.equal(await page.locator(sel).isVisible(), false, sel);
    assert.equal(await page.locator('.review-head').isVisible(), true);
    const shares = await mapImageShares(page, `${OUT}/review-print.png`);
    assert.equal(shares.length, 4);
    for (const s of shares) assert.ok(s.loaded && s.classes > 0.2 && s.seen >= 2, JSON.stringify(s));
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    // The same pages with the maps left out: the maps are what makes the difference.
    await page.$$eval('img.map-still', (imgs) => imgs.forEach((i) => { i.style.visibility = 'hidden'; }));
    const textOnly = await page.pdf({ format: 'A4', printBackground: true });
    await page.$$eval('img.map-still', (imgs) => imgs.forEach((i) => { i.style.visibility = ''; }));
    const images = (b) => (b.toString('latin1').match(/\/Subtype\s*\/Image/g) ?? []).length;
    assert.ok(images(pdf) >= 4, `${images(pdf)} images in the PDF`);
    assert.equal(images(textOnly), 0);
    assert.ok(pdf.length > textOnly.length + 100_000, `PDF ${pdf.length} bytes, without maps ${textOnly.length}`);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length;
    console.log(`review PDF: ${pages} A4 pages, ${pdf.length} bytes (${textOnly.length} without the maps)`);
    await page.emulateMedia({ media: 'screen' });
    await page.click('#lang-toggle');
    assert.equal(await page.locator('.review-head h1').innerText(), 'Annual review of stunting convergence');
    assert.equal(await page.locator('figure[data-map="change"] .review-legend li').last().innerText(), 'no data');
    await page.click('#lang-toggle');
    assert.deepEqual(page.problems, []);
  });

  it('refuses a field officer', async () => {
    const made = await accountPage(OFFICER, 'field_officer', { team: 'Dinas Kesehatan' });
    const p = made.p;
    await p.goto(`${v.baseUrl}/web/review.html`);
    await logInAs(p, OFFICER, made.password);
    await p.locator('#error').waitFor({ state: 'visible' });
    assert.equal(await p.locator('#error').innerText(), 'Tinjauan tahunan hanya untuk staf (admin, perencana, pemantau).');
    assert.equal(await p.locator('#report').isVisible(), false);
    assert.equal(await p.evaluate(() => fetch('../api/review').then((x) => x.status)), 403);
    assert.equal(await p.evaluate(() => fetch('../api/review.xlsx').then((x) => x.status)), 403);
    await p.context().close();
  });
});

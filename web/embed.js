// The public map for the city website: villages and H3 cells (resolution 8 at most)
// from /public/api only: aggregates with small counts shown as "<10". No login, no
// cookie, no point of any child. Options in the page's query string:
// ?indicator=priority|prevalence|stunted|no_latrine_share|coverage, &period=YYYY-MM, &lang=id|en,
// and with coverage &programme=CODE (the visitor may pick another in the legend).
// The coverage view ("Cakupan intervensi") colours villages by the share of a
// programme's target reached, from /public/api/coverage (fetched only in that view).
//
// The same page works from files (`sigap publish --out DIR` writes it as DIR/index.html
// with <html data-static="1">): the figures then come from DIR/data/*.json (coverage.json too) and the map
// from the PMTiles archives beside it (DIR/sigap.pmtiles, DIR/periods/YYYY-MM/), read
// with HTTP Range requests through the `pmtiles` protocol, with no sigap running.

import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { loadBasemap, withBasemap, basemapSlots, pmtilesProtocol } from './basemap.js';

const params = new URLSearchParams(window.location.search);
const LANG = params.get('lang') === 'en' ? 'en' : 'id';
const WORDS = {
  id: {
    priority: 'Prioritas (1 = risiko tertinggi)', prevalence: 'Prevalensi stunting', stunted: 'Anak stunting',
    no_latrine_share: 'Rumah tangga tanpa jamban', children: 'Anak diukur', households: 'Rumah tangga',
    hidden: 'Angka di bawah {k} disembunyikan ("<{k}") untuk melindungi anak; "*" disembunyikan agar angka kecil tak dapat dihitung balik.',
    nodata: 'tidak ditampilkan', source: 'sigap · data agregat', demo: 'Data demo sintetis',
    title: 'Peta risiko stunting', period: 'Periode pengukuran', until: 'pengukuran s.d.', switchTo: 'EN',
    switchTitle: 'Switch to English', highest: 'risiko tertinggi', lowest: 'terendah',
    atMost: 'paling tinggi {v} (kurang dari {k} anak stunting)',
    bound: 'Wilayah dengan <{k} anak stunting diwarnai menurut batas atasnya ({k1} ÷ anak diukur) bila di bawah 10%.',
    noPeriod: 'Periode {p} tidak ada di peta ini.',
    coverage: 'Cakupan intervensi', programme: 'Program', city: 'Seluruh kota', of: 'dari',
    reached: 'Sudah menerima', noProgramme: 'Belum ada program yang dapat ditampilkan.',
    titleCoverage: 'Peta cakupan intervensi stunting', noVillage: 'Tiap kelurahan tidak ditampilkan: sasarannya terlalu kecil.',
    coverageNote: 'Warna = bagian sasaran yang sudah menerima program pada periode ini, hanya bila sasarannya cukup besar.',
    needs: { stunted: 'anak stunting', children: 'anak', households: 'rumah tangga', no_latrine: 'rumah tangga tanpa jamban',
      no_safe_water: 'rumah tangga tanpa air minum layak', no_sanitation: 'rumah tangga tanpa sanitasi layak', at_risk: 'keluarga berisiko stunting' },
  },
  en: {
    priority: 'Priority (1 = highest risk)', prevalence: 'Stunting prevalence', stunted: 'Stunted children',
    no_latrine_share: 'Households without latrine', children: 'Children measured', households: 'Households',
    hidden: 'Counts below {k} are hidden ("<{k}") to protect children; "*" is hidden so small counts cannot be worked back.',
    nodata: 'not shown', source: 'sigap · aggregate data', demo: 'Synthetic demo data',
    title: 'Stunting risk map', period: 'Measurement period', until: 'measured until', switchTo: 'ID',
    switchTitle: 'Ganti ke Bahasa Indonesia', highest: 'highest risk', lowest: 'lowest',
    atMost: 'at most {v} (fewer than {k} stunted)',
    bound: 'Areas with <{k} stunted children are coloured by their upper bound ({k1} ÷ children measured) where below 10%.',
    noPeriod: 'Period {p} is not on this map.',
    coverage: 'Intervention coverage', programme: 'Programme', city: 'Whole city', of: 'of',
    reached: 'Received', noProgramme: 'No programme to show yet.',
    titleCoverage: 'Stunting intervention coverage map', noVillage: 'Not shown per village: targets too small.',
    coverageNote: 'Colour = share of the target that received the programme this period, only where the target is large enough.',
    needs: { stunted: 'stunted children', children: 'children', households: 'households', no_latrine: 'households without latrine',
      no_safe_water: 'households without safe water', no_sanitation: 'households without improved sanitation', at_risk: 'families at risk' },
  },
}[LANG];
const INDICATORS = ['priority', 'prevalence', 'stunted', 'no_latrine_share', 'coverage'];
const indicator = INDICATORS.includes(params.get('indicator')) ? params.get('indicator') : 'priority';
const period = /^\d{4}-\d{2}$/.test(params.get('period') || '') ? params.get('period') : '';
// Served by sigap: /embed, the service root one level up. Published: the page's folder.
const STATIC = document.documentElement.dataset.static === '1';
const BASE = STATIC ? new URL('.', window.location.href) : new URL('..', new URL('.', window.location.href));
const q = period ? `period=${period}` : '';

// Colour steps per indicator (light to dark = low to high risk); null values grey.
const STEPS = {
  priority: [[5, '#fef3c7'], [4, '#fcd34d'], [3, '#f59e0b'], [2, '#d97706'], [1, '#92400e']],
  prevalence: [[0, '#fef3c7'], [0.025, '#fcd34d'], [0.1, '#f59e0b'], [0.2, '#d97706'], [0.3, '#92400e']],
  stunted: [[0, '#fef3c7'], [10, '#fcd34d'], [20, '#f59e0b'], [40, '#d97706'], [80, '#92400e']],
  no_latrine_share: [[0, '#fef3c7'], [0.1, '#fcd34d'], [0.2, '#f59e0b'], [0.3, '#d97706'], [0.5, '#92400e']],
  // Share of the target reached: yellow to blue (more is better), not the risk colours.
  coverage: [[0, '#ffffcc'], [0.25, '#a1dab4'], [0.5, '#41b6c4'], [0.75, '#2c7fb8'], [0.9, '#253494']],
};
const GREY = '#e5e7eb';

// The coverage view's figures (the body of /public/api/coverage) and the programme shown.
let COVERAGE = null;
let programme = params.get('programme') || '';
let popup = null;

/** The class colour of a value: the last step it reaches. */
function stepColor(steps, v) {
  let c = steps[0][1];
  for (const [at, colour] of steps) if (v >= at) c = colour;
  return c;
}

/**
 * The coverage colours as one expression: each village code with a published share
 * to its class colour (the share is looked up here, so the same expression serves the
 * GeoJSON and the PMTiles villages), every other village grey.
 */
function coverageExpr() {
  const pairs = [];
  for (const v of COVERAGE?.villages ?? []) {
    const share = v.programmes[programme]?.share;
    if (share != null) pairs.push(v.code, stepColor(STEPS.coverage, share));
  }
  // A match needs one label at least.
  return pairs.length ? ['match', ['get', 'code'], ...pairs, GREY] : GREY;
}

function colorExpr() {
  if (indicator === 'coverage') return coverageExpr();
  const steps = STEPS[indicator];
  // priority: lower class = darker, so match exact classes; others: step by value.
  if (indicator === 'priority') {
    return ['match', ['get', 'priority'], ...steps.flat(), GREY];
  }
  // A hidden stunted count of many children still bounds the prevalence
  // (`prevalence_max`, below 10 %): the area takes the colour of that bound.
  const value = indicator === 'prevalence' ? ['coalesce', ['get', 'prevalence'], ['get', 'prevalence_max']] : ['get', indicator];
  return ['case', ['==', value, null], GREY,
    ['step', value, steps[0][1], ...steps.slice(1).flat()]];
}

const LOCALE = LANG === 'id' ? 'id-ID' : 'en-GB';

function fmt(v, isShare) {
  if (v === null || v === undefined) return WORDS.nodata;
  return isShare ? `${(v * 100).toLocaleString(LOCALE, { maximumFractionDigits: 1 })}%` : v.toLocaleString(LOCALE);
}

/** A published count as text: "1.234" (thousands separated), "<10" and "*" as they are. */
function count(text) {
  return /^\d+$/.test(String(text)) ? Number(text).toLocaleString(LOCALE) : String(text ?? WORDS.nodata);
}

/** The legend's class labels: ranges, "< first" and "≥ last" at the ends. */
function classLabels() {
  const steps = STEPS[indicator];
  if (indicator === 'priority') {
    return steps.map(([v]) => (v === 1 ? `1 (${WORDS.highest})` : v === 5 ? `5 (${WORDS.lowest})` : String(v)));
  }
  const share = indicator !== 'stunted';
  const show = (v) => (share ? fmt(v, true) : v.toLocaleString(LOCALE));
  return steps.map(([v], i) => {
    const next = steps[i + 1]?.[0];
    if (next === undefined) return `≥ ${show(v)}`;
    if (i === 0) return `< ${show(next)}`;
    return share ? `${show(v)} – < ${show(next)}` : `${show(v)} – ${show(next - 1)}`;
  });
}

let K = 10;

/** The prevalence, its bound where the count is hidden ("paling tinggi 2,7%"), or "tidak ditampilkan". */
function prevalenceText(p) {
  if (p.prevalence == null && p.prevalence_max != null) {
    return WORDS.atMost.replace('{v}', fmt(p.prevalence_max, true)).replace('{k}', K);
  }
  return fmt(p.prevalence, true);
}

/** A programme's reach in a village: "45 dari 60 anak (75%)", or "tidak ditampilkan". */
function reachText(r, need) {
  if (r?.reached == null || r.target == null) return WORDS.nodata;
  const share = r.share == null ? '' : ` (${fmt(r.share, true)})`;
  return `${r.reached.toLocaleString(LOCALE)} ${WORDS.of} ${r.target.toLocaleString(LOCALE)} ${WORDS.needs[need] ?? ''}`.trim() + share;
}

function shownProgramme() {
  return COVERAGE?.programmes.find((x) => x.code === programme);
}

function coveragePopup(p) {
  const v = COVERAGE?.villages.find((x) => x.code === p.code);
  const prog = shownProgramme();
  if (!prog) return [p.name];
  return [v?.name ?? p.name, prog.name, `${WORDS.reached}: ${reachText(v?.programmes[programme], prog.need)}`];
}

function popupText(p) {
  if (indicator === 'coverage') return coveragePopup(p);
  const lines = [p.name ? `${p.name}` : `H3 ${p.h3}`,
    `${WORDS.children}: ${count(p.children_text)}`, `${WORDS.stunted}: ${count(p.stunted_text)}`,
    `${WORDS.prevalence}: ${prevalenceText(p)}`, `${WORDS.households}: ${count(p.households_text)}`,
    `${WORDS.no_latrine_share}: ${fmt(p.no_latrine_share, true)}`];
  if (p.priority) lines.splice(1, 0, `${WORDS.priority}: ${p.priority}`);
  return lines;
}

async function getJson(path) {
  const r = await fetch(new URL(path, BASE));
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

/**
 * The summary, and where the villages and hexes come from: the public API's GeoJSON
 * (served), or a PMTiles archive of both layers (published; the default period's at
 * the top, the others under periods/YYYY-MM/).
 */
async function sources() {
  if (!STATIC) {
    const summary = await getJson(`public/api/summary${q ? `?${q}` : ''}`);
    return {
      summary,
      coverage: `public/api/coverage${q ? `?${q}` : ''}`,
      villages: { type: 'geojson', data: new URL(`public/api/villages${q ? `?${q}` : ''}`, BASE).href },
      hexes: { type: 'geojson', data: new URL(`public/api/hexes?res=8${q ? `&${q}` : ''}`, BASE).href },
      layer: () => ({}),
    };
  }
  await pmtilesProtocol(BASE);
  let summary = await getJson('data/summary.json');
  let folder = '';
  if (period && period !== summary.period) {
    folder = `periods/${period}/`;
    // A period the city did not publish: say so in the reader's language.
    summary = await getJson(`${folder}summary.json`).catch(() => {
      throw new Error(WORDS.noPeriod.replace('{p}', period));
    });
  }
  const archive = { type: 'vector', url: `pmtiles://${new URL(`${folder}sigap.pmtiles`, BASE).href}` };
  // One archive holds both layers: one source, a source-layer per map layer.
  return { summary, coverage: `${folder || 'data/'}coverage.json`, villages: archive, hexes: null,
    layer: (name) => ({ 'source-layer': name }) };
}

async function main() {
  document.documentElement.lang = LANG;
  const [data, basemap] = await Promise.all([sources(), loadBasemap(BASE)]);
  const { summary } = data;
  if (indicator === 'coverage') await loadCoverage(data.coverage);
  const b = summary.bounds;
  const bare = { version: 8, sources: {}, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#f8fafc' } }] };
  const map = new maplibregl.Map({
    container: 'map',
    // The basemap's village boundaries are drawn here from the public layer instead.
    style: withBasemap(bare, basemap, 0, ['basemap-villages']),
    ...(b ? { bounds: [[b[0], b[1]], [b[2], b[3]]], fitBoundsOptions: { padding: 16 } } : { center: [0, 0], zoom: 1 }),
    attributionControl: { compact: true, customAttribution: WORDS.source },
    dragRotate: false,
  });
  window.sigapEmbedMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.on('load', () => {
    map.addSource('villages', data.villages);
    // Hexagons only where a layer draws them: the priority class and the coverage are
    // per village, and an unused GeoJSON source would still be downloaded.
    const hexes = indicator !== 'priority' && indicator !== 'coverage';
    if (data.hexes && hexes) map.addSource('hexes', data.hexes);
    const hexSource = data.hexes ? 'hexes' : 'villages';
    // Villages at city zoom; res-8 cells (never finer) when zoomed in, except for
    // the village-only priority class.
    // Risk colours and village lines under the basemap's water and streets.
    const slots = basemapSlots(map);
    map.addLayer({ id: 'village-fill', type: 'fill', source: 'villages', ...data.layer('villages'),
      paint: { 'fill-color': colorExpr(), 'fill-opacity': basemap ? 0.7 : 0.8 } }, slots.areas);
    if (hexes) {
      map.addLayer({ id: 'hex-fill', type: 'fill', source: hexSource, ...data.layer('hexes'), minzoom: 12,
        paint: { 'fill-color': colorExpr(), 'fill-opacity': basemap ? 0.75 : 0.85 } }, slots.areas);
    }
    // Under the basemap's water too: no boundary drawn across the bay.
    map.addLayer({ id: 'village-line', type: 'line', source: 'villages', ...data.layer('villages'),
      paint: { 'line-color': '#475569', 'line-width': 0.8 } }, slots.areas);
    map.on('click', (e) => {
      const f = map.queryRenderedFeatures(e.point, { layers: map.getLayer('hex-fill') ? ['hex-fill', 'village-fill'] : ['village-fill'] })[0];
      if (!f) return;
      const div = document.createElement('div');
      for (const line of popupText(f.properties)) div.append(Object.assign(document.createElement('p'), { textContent: line }));
      popup?.remove();
      popup = new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(div).addTo(map);
    });
    map.once('idle', () => { window.sigapEmbedReady = true; });
  });
  K = summary.k;
  renderHead(summary);
  const legend = document.getElementById('legend');
  legend.append(Object.assign(document.createElement('strong'), { textContent: WORDS[indicator] }));
  if (indicator === 'coverage') {
    legend.classList.add('coverage');
    renderProgrammes(legend, map);
  }
  const labels = classLabels();
  const rows = STEPS[indicator].map(([, c], i) => [c, labels[i]]);
  // Suppressed or missing values are grey on the map: the legend says so.
  rows.push([GREY, WORDS.nodata]);
  for (const [c, label] of rows) {
    const row = document.createElement('div');
    const sw = Object.assign(document.createElement('span'), { className: 'swatch' });
    sw.style.background = c;
    row.append(sw, document.createTextNode(` ${label}`));
    legend.append(row);
  }
  const bound = indicator === 'prevalence' ? ` ${WORDS.bound.replaceAll('{k}', summary.k).replace('{k1}', summary.k - 1)}` : '';
  const covered = indicator === 'coverage' ? ` ${WORDS.coverageNote}` : '';
  document.getElementById('note').textContent = `${WORDS.hidden.replaceAll('{k}', summary.k)}${bound}${covered}${summary.demo ? ` ${WORDS.demo}.` : ''}`;
}

/**
 * The coverage figures, and the programme to show: the one asked for, else the one
 * whose share is published in the most villages (the first of those tied), so the
 * first view is not all grey.
 */
async function loadCoverage(path) {
  COVERAGE = await getJson(path);
  const shown = (code) => COVERAGE.villages.filter((v) => v.programmes[code]?.share != null).length;
  if (!COVERAGE.programmes.some((x) => x.code === programme)) {
    let best = -1;
    for (const x of COVERAGE.programmes) {
      const n = shown(x.code);
      if (n > best) [best, programme] = [n, x.code];
    }
  }
}

/** The programme menu and the city's reach under the legend's title; a change recolours. */
function renderProgrammes(legend, map) {
  if (!COVERAGE.programmes.length) {
    legend.append(Object.assign(document.createElement('div'), { textContent: WORDS.noProgramme }));
    return;
  }
  const label = Object.assign(document.createElement('label'), { className: 'programme' });
  const select = Object.assign(document.createElement('select'), { id: 'programme' });
  for (const x of COVERAGE.programmes) select.append(new Option(x.name, x.code, false, x.code === programme));
  label.append(`${WORDS.programme} `, select);
  const total = Object.assign(document.createElement('div'), { id: 'city-reach' });
  const none = Object.assign(document.createElement('div'), { id: 'coverage-none' });
  const showTotal = () => {
    total.textContent = `${WORDS.city}: ${reachText(COVERAGE.total[programme], shownProgramme()?.need)}`;
    // A programme no village shows (its targets all small): the grey map says why.
    none.textContent = COVERAGE.villages.some((v) => v.programmes[programme]?.share != null) ? '' : WORDS.noVillage;
  };
  select.addEventListener('change', () => {
    programme = select.value;
    showTotal();
    // Kept in the address: the language switch and a shared link show the same programme.
    const next = new URLSearchParams(window.location.search);
    next.set('programme', programme);
    window.history.replaceState(null, '', `?${next}`);
    if (map.getLayer('village-fill')) map.setPaintProperty('village-fill', 'fill-color', coverageExpr());
    popup?.remove();
  });
  showTotal();
  legend.append(label, total, none);
}

/** Title, place, period and the last measurement date, and the language switch. */
function renderHead(summary) {
  const title = indicator === 'coverage' ? WORDS.titleCoverage : WORDS.title;
  document.getElementById('title').textContent = summary.place ? `${title} · ${summary.place}` : title;
  const parts = [];
  if (summary.period) parts.push(`${WORDS.period} ${summary.period}`);
  if (summary.measured_until) {
    const d = new Date(`${summary.measured_until}T00:00:00Z`);
    parts.push(`${WORDS.until} ${d.toLocaleDateString(LOCALE, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })}`);
  }
  document.getElementById('subtitle').textContent = parts.join(' · ');
  const button = document.getElementById('lang');
  button.textContent = WORDS.switchTo;
  button.title = WORDS.switchTitle;
  button.addEventListener('click', () => {
    const next = new URLSearchParams(window.location.search);
    next.set('lang', LANG === 'id' ? 'en' : 'id');
    window.location.search = next.toString();
  });
}

main().catch((err) => {
  document.getElementById('note').textContent = err.message;
  throw err;
});

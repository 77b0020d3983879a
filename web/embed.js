// The public map for the city website: villages and H3 cells (resolution 8 at most)
// from /public/api only: aggregates with small counts shown as "<10". No login, no
// cookie, no point of any child. Options in the page's query string:
// ?indicator=priority|prevalence|stunted|no_latrine_share, &period=YYYY-MM, &lang=id|en.
//
// The same page works from files (`sigap publish --out DIR` writes it as DIR/index.html
// with <html data-static="1">): the figures then come from DIR/data/*.json and the map
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
  },
}[LANG];
const INDICATORS = ['priority', 'prevalence', 'stunted', 'no_latrine_share'];
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
};

function colorExpr() {
  const steps = STEPS[indicator];
  // priority: lower class = darker, so match exact classes; others: step by value.
  if (indicator === 'priority') {
    return ['match', ['get', 'priority'], ...steps.flat(), '#e5e7eb'];
  }
  // A hidden stunted count of many children still bounds the prevalence
  // (`prevalence_max`, below 10 %): the area takes the colour of that bound.
  const value = indicator === 'prevalence' ? ['coalesce', ['get', 'prevalence'], ['get', 'prevalence_max']] : ['get', indicator];
  return ['case', ['==', value, null], '#e5e7eb',
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

function popupText(p) {
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
  return { summary, villages: archive, hexes: null, layer: (name) => ({ 'source-layer': name }) };
}

async function main() {
  document.documentElement.lang = LANG;
  const [data, basemap] = await Promise.all([sources(), loadBasemap(BASE)]);
  const { summary } = data;
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
    if (data.hexes) map.addSource('hexes', data.hexes);
    const hexSource = data.hexes ? 'hexes' : 'villages';
    // Villages at city zoom; res-8 cells (never finer) when zoomed in, except for
    // the village-only priority class.
    // Risk colours and village lines under the basemap's water and streets.
    const slots = basemapSlots(map);
    map.addLayer({ id: 'village-fill', type: 'fill', source: 'villages', ...data.layer('villages'),
      paint: { 'fill-color': colorExpr(), 'fill-opacity': basemap ? 0.7 : 0.8 } }, slots.areas);
    if (indicator !== 'priority') {
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
      new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(div).addTo(map);
    });
    map.once('idle', () => { window.sigapEmbedReady = true; });
  });
  K = summary.k;
  renderHead(summary);
  const legend = document.getElementById('legend');
  legend.append(Object.assign(document.createElement('strong'), { textContent: WORDS[indicator] }));
  const labels = classLabels();
  const rows = STEPS[indicator].map(([, c], i) => [c, labels[i]]);
  // Suppressed or missing values are grey on the map: the legend says so.
  rows.push(['#e5e7eb', WORDS.nodata]);
  for (const [c, label] of rows) {
    const row = document.createElement('div');
    const sw = Object.assign(document.createElement('span'), { className: 'swatch' });
    sw.style.background = c;
    row.append(sw, document.createTextNode(` ${label}`));
    legend.append(row);
  }
  const bound = indicator === 'prevalence' ? ` ${WORDS.bound.replaceAll('{k}', summary.k).replace('{k1}', summary.k - 1)}` : '';
  document.getElementById('note').textContent = `${WORDS.hidden.replaceAll('{k}', summary.k)}${bound}${summary.demo ? ` ${WORDS.demo}.` : ''}`;
}

/** Title, place, period and the last measurement date, and the language switch. */
function renderHead(summary) {
  document.getElementById('title').textContent = summary.place ? `${WORDS.title} · ${summary.place}` : WORDS.title;
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

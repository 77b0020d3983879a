// Presenting the map: a print layout (A4 landscape) and a PNG export of the map as it
// is shown, each with the title (indicator), the city, the period (and comparison),
// the last measurement day, the what-if weights when they differ from the configured
// ones, the legend, a scale bar and the attribution.
//
// Why the care: MapLibre draws into a WebGL canvas whose buffer is cleared once it is
// on screen, so a printed page shows an empty map. The map keeps its drawing buffer
// (`canvasContextAttributes.preserveDrawingBuffer`, set in app.js), and before printing
// it is resized to the size it has on paper and drawn again:
// - "Cetak" (print button): resize, wait until every tile has loaded ('idle') at twice
//   the pixel density, put a still image of it in place of the canvas, then print;
// - the browser's own print (Ctrl+P, `beforeprint`): resize and redraw at once with the
//   tiles at hand, as no waiting is possible there;
// - `afterprint` puts the screen map back.
// The PNG export (png.js) draws the map canvas, the title block, the legend, a scale
// bar and the attribution on one 2D canvas.

import { t, lang, addWords, fmtScore } from './i18n.js';
import { FACTORS } from './layers.js';
import { composePng, pngName } from './png.js';

addWords({
  id: {
    printButton: 'Cetak', printTitle: 'Cetak peta (A4 mendatar)', pngButton: 'Unduh PNG',
    pngTitle: 'Unduh gambar peta dengan judul dan legenda', printPreparing: 'Menyiapkan peta untuk dicetak…',
    printPeriod: 'Periode', printComparedWith: 'dibandingkan dengan', printMeasuredUntil: 'Data pengukuran s.d.',
    printWeights: 'Bobot simulasi (bukan bobot bawaan)', printMadeOn: 'Dicetak', printSource: 'Sumber',
    printScale: 'Skala',
  },
  en: {
    printButton: 'Print', printTitle: 'Print the map (A4 landscape)', pngButton: 'Download PNG',
    pngTitle: 'Download a picture of the map with its title and legend', printPreparing: 'Preparing the map for print…',
    printPeriod: 'Period', printComparedWith: 'compared with', printMeasuredUntil: 'Measured until',
    printWeights: 'What-if weights (not the configured ones)', printMadeOn: 'Printed', printSource: 'Source',
    printScale: 'Scale',
  },
});

const BASE = new URL('.', window.location.href);
/** Pixel density of the printed and exported map (sharp on paper and projectors). */
const PRINT_PIXEL_RATIO = 2;
/** Longest wait for the map's tiles before printing what is there. */
const IDLE_TIMEOUT_MS = 15_000;
const state = {
  map: () => null,
  view: () => ({ indicator: '', period: '', compare: '', weights: null }),
  summaries: new Map(), // period ('' = default) → /public/api/summary answer
  prepared: false, // the print button's still image is in place
  screenRatio: null,
  camera: null, // the screen's centre and zoom while the map is at paper size
};

const $ = (id) => document.getElementById(id);
const locale = () => (lang() === 'id' ? 'id-ID' : 'en-GB');

/** The place, the shown period and its last measurement day (the public summary's). */
async function summary(period) {
  const key = period || '';
  if (!state.summaries.has(key)) {
    const q = key ? `?period=${encodeURIComponent(key)}` : '';
    const answer = fetch(new URL(`public/api/summary${q}`, BASE))
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}));
    state.summaries.set(key, answer);
  }
  return state.summaries.get(key);
}

function longDate(d) {
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

/** `YYYY-MM-DD` as a long date in the page's language (the date as written, no time zone). */
function dayText(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  return m ? longDate(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : '';
}

/** The title block's lines: `{ title, lines: [..], weights: '' | text, made }`. */
export async function titleBlock() {
  const view = state.view();
  const s = await summary(view.period);
  const period = view.period || s.period || '';
  const where = [s.place, period && `${t('printPeriod')} ${period}`].filter(Boolean);
  if (view.compare) where.push(`${t('printComparedWith')} ${view.compare}`);
  const lines = [where.join(' · ')];
  if (s.measured_until) lines.push(`${t('printMeasuredUntil')} ${dayText(s.measured_until)}`);
  const w = view.weights;
  const weights = w?.moved
    ? `${t('printWeights')}: ${FACTORS.map((f) => `${t(f)} ${fmtScore(w.weights[f])}`).join(' · ')}`
    : '';
  return { title: view.indicator, lines, weights, made: `${t('printMadeOn')} ${longDate(new Date())}`, period };
}

function attributionText() {
  const inner = document.querySelector('#map .maplibregl-ctrl-attrib-inner');
  return (inner?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** "Sumber: " and the map's attribution (sigap's layers and the basemap). */
function sourcesLine() {
  return `${t('printSource')}: ${attributionText() || 'sigap'}`;
}

async function fillPrintHead() {
  const block = await titleBlock();
  $('print-title').textContent = block.title;
  $('print-lines').replaceChildren(...block.lines.map((l) => Object.assign(document.createElement('p'), { textContent: l })));
  $('print-weights').textContent = block.weights;
  $('print-weights').hidden = !block.weights;
  $('print-made').textContent = block.made;
  $('print-attribution').textContent = sourcesLine();
}

function waitIdle(map) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, IDLE_TIMEOUT_MS);
    map.once('idle', () => { clearTimeout(timer); resolve(); });
    map.triggerRepaint();
  });
}

/** Height of an A4 landscape page inside its 8 mm margins (style.css `@page`), in mm. */
const PAGE_MM = 210 - 2 * 8;
/** Gaps under the title block and over the sources line, and a safety margin, in mm. */
const GAPS_MM = 3 + 2 + 4;
const MM = 96 / 25.4; // CSS px per mm

/**
 * The map's height on paper: what the page leaves under the title block (which grows
 * with a weights line) and above the sources line, measured off screen at paper width.
 * Set as `--print-map-h`, which the print layout and `body.print-prep #map` use.
 */
function fitMapHeight() {
  const parts = [$('print-head'), $('print-attribution')];
  for (const el of parts) el.classList.add('print-measure');
  const used = parts.reduce((sum, el) => sum + el.offsetHeight, 0);
  for (const el of parts) el.classList.remove('print-measure');
  const px = Math.floor(PAGE_MM * MM - used - GAPS_MM * MM);
  document.documentElement.style.setProperty('--print-map-h', `${px}px`);
}

/** Gives the map its paper size (CSS `body.print-prep #map`) and draws it again. */
function toPaperSize(map, ratio) {
  fitMapHeight();
  document.body.classList.add('print-prep');
  state.screenRatio ??= map.getPixelRatio();
  if (ratio && ratio !== map.getPixelRatio()) map.setPixelRatio(ratio);
  map.resize();
}

/** Back to the screen: the screen's size and density, the live canvas. */
function toScreen() {
  const map = state.map();
  document.body.classList.remove('print-prep', 'print-ready');
  $('map-print')?.remove();
  state.prepared = false;
  if (!map) return;
  if (state.screenRatio && state.screenRatio !== map.getPixelRatio()) map.setPixelRatio(state.screenRatio);
  state.screenRatio = null;
  map.resize();
  if (state.camera) map.jumpTo(state.camera);
  state.camera = null;
}

/**
 * Gets the page ready to print: the title block filled, the map at its paper size
 * with every tile loaded, and a still image of it in place of the canvas.
 */
export async function preparePrint() {
  const map = state.map();
  if (!map) return;
  $('print-wait').hidden = false;
  try {
    await fillPrintHead();
    // What the screen shows, all of it, on paper (whose shape differs): fit its bounds.
    const seen = map.getBounds();
    state.camera = { center: map.getCenter(), zoom: map.getZoom() };
    toPaperSize(map, Math.max(PRINT_PIXEL_RATIO, window.devicePixelRatio || 1));
    map.fitBounds(seen, { padding: 0, animate: false });
    await waitIdle(map);
    const img = document.createElement('img');
    img.id = 'map-print';
    img.alt = '';
    img.src = map.getCanvas().toDataURL('image/png');
    await img.decode();
    $('map-print')?.remove();
    map.getCanvasContainer().after(img);
    document.body.classList.add('print-ready');
    state.prepared = true;
  } finally {
    $('print-wait').hidden = true;
  }
}

async function printClicked() {
  await preparePrint();
  window.print();
}

/** Ctrl+P or the browser's menu: no time to load tiles, so resize and redraw at once. */
function beforePrint() {
  const map = state.map();
  if (state.prepared || !map) return;
  fillPrintHead(); // the summary is usually cached: the lines fill before the page is laid out
  toPaperSize(map, null);
  map.redraw();
}

async function pngClicked() {
  const map = state.map();
  if (!map) return;
  const button = $('png-button');
  button.disabled = true;
  try {
    // Redrawn at print density, with every tile in view loaded.
    state.screenRatio ??= map.getPixelRatio();
    if (map.getPixelRatio() < PRINT_PIXEL_RATIO) map.setPixelRatio(PRINT_PIXEL_RATIO);
    await waitIdle(map);
    const block = await titleBlock();
    const canvas = composePng(map, block, sourcesLine());
    const { period } = block;
    const blob = await new Promise((resolve) => { canvas.toBlob(resolve, 'image/png'); });
    const view = state.view();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = pngName(view.indicatorKey, period, view.compare, view.weights);
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  } finally {
    if (state.screenRatio && state.screenRatio !== map.getPixelRatio()) map.setPixelRatio(state.screenRatio);
    state.screenRatio = null;
    button.disabled = false;
  }
}

/** Button texts in the current language, and the title block for a later print. */
export function renderPrintTexts() {
  if (state.map()) fillPrintHead();
  const p = $('print-button');
  const g = $('png-button');
  if (p) { p.textContent = t('printButton'); p.title = t('printTitle'); }
  if (g) { g.textContent = t('pngButton'); g.title = t('pngTitle'); }
  const w = $('print-wait');
  if (w) w.textContent = t('printPreparing');
}

/**
 * The "Cetak" and "Unduh PNG" buttons as a map control (beside the map they print,
 * out of the crowded header): `map.addControl(printControl(), 'top-right')`.
 */
export function printControl() {
  let box = null;
  return {
    onAdd() {
      box = document.createElement('div');
      box.className = 'maplibregl-ctrl maplibregl-ctrl-group print-ctrl';
      const button = (id, onClick) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.id = id;
        b.addEventListener('click', onClick);
        box.append(b);
      };
      button('print-button', () => { printClicked().catch((e) => { toScreen(); throw e; }); });
      button('png-button', () => { pngClicked(); });
      // Filled here: renderPrintTexts() may have run before the control existed.
      queueMicrotask(renderPrintTexts);
      return box;
    },
    onRemove() {
      box?.remove();
    },
  };
}

/**
 * Wires the browser's print events. `map()` gives the MapLibre map (or null before it
 * exists); `view()` gives `{ indicator (its name), indicatorKey, period, compare,
 * weights: { moved, weights } }`.
 */
export function initPrint({ map, view }) {
  state.map = map;
  state.view = view;
  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', toScreen);
}

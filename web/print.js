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
// The PNG export draws the map canvas, the title block, the legend (read from the
// legend on the page), a scale bar and the attribution on one 2D canvas.

import { t, lang, addWords, fmtScore } from './i18n.js';
import { FACTORS } from './layers.js';

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
/** The factor names of the file name, as the priority exports write them (src/export/sheet.rs). */
const SHORT = {
  prevalence: 'prev', stunted: 'stunting', no_latrine: 'jamban', no_safe_water: 'air', no_sanitation: 'sanitasi', puskesmas: 'puskesmas',
};

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

/** `sigap-peta-<indicator>-<period>[-banding-<compare>][-bobot-...].png`. */
export function pngName(indicatorKey, period, compare, weights) {
  const parts = ['sigap-peta', indicatorKey, period].filter(Boolean);
  if (compare) parts.push('banding', compare);
  if (weights?.moved) {
    const hundredths = (x) => String(Math.round(x * 1000) / 10);
    parts.push('bobot', ...FACTORS.map((f) => `${SHORT[f]}${hundredths(weights.weights[f])}`));
  }
  return `${parts.join('-').replace(/[^A-Za-z0-9._-]+/g, '_')}.png`;
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

// ---- PNG export ------------------------------------------------------------------------

/** Lines of `text` no wider than `width` in the context's current font. */
function wrap(ctx, text, width) {
  const out = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      out.push(line);
      line = word;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/** The colour stops of a CSS `linear-gradient(to right, c p%, ...)`. */
function gradientStops(css) {
  const stops = [];
  for (const m of css.matchAll(/(#[0-9a-f]{3,8}|rgba?\([^)]*\))\s+([\d.]+)%/gi)) stops.push([Number(m[2]) / 100, m[1]]);
  return stops;
}

/** The legend on the page, read back: heading, ramp, ticks, notes and keys. */
function readLegend() {
  const el = $('legend');
  const ramp = el.querySelector('.ramp');
  return {
    heading: el.querySelector('h2')?.textContent ?? '',
    stops: ramp ? gradientStops(ramp.getAttribute('style') ?? '') : [],
    ticks: [...el.querySelectorAll('.ticks span')].map((s) => s.textContent),
    notes: [...el.querySelectorAll('p.muted:not(.hint)')].map((p) => p.textContent),
    keys: [...el.querySelectorAll('.keys li')].map((li) => {
      const i = li.querySelector('i');
      return { text: li.textContent, colour: i?.style.background || '#ccc', dot: i?.classList.contains('dot') ?? false };
    }),
  };
}

/** Draws the legend box with its bottom-left corner at (x, y); CSS px scaled by `s`. */
function drawLegend(ctx, x, y, s) {
  const L = readLegend();
  const w = 250 * s;
  const pad = 10 * s;
  const inner = w - 2 * pad;
  const font = (size, bold = false) => `${bold ? '600 ' : ''}${size * s}px system-ui, "Noto Sans", "DejaVu Sans", sans-serif`;
  ctx.font = font(11);
  const notes = L.notes.flatMap((n) => wrap(ctx, n, inner));
  // Two columns of keys when every label fits in half the box, else one.
  const cols = L.keys.every((k) => ctx.measureText(k.text).width <= inner / 2 - 20 * s) ? 2 : 1;
  const keyRows = Math.ceil(L.keys.length / cols);
  const h = pad * 2 + 18 * s + (L.stops.length ? 26 * s : 0) + notes.length * 14 * s + keyRows * 17 * s;
  const top = y - h;
  ctx.fillStyle = 'rgba(255,255,255,0.94)';
  ctx.strokeStyle = 'rgba(0,0,0,0.25)';
  ctx.lineWidth = s;
  ctx.fillRect(x, top, w, h);
  ctx.strokeRect(x, top, w, h);
  let cy = top + pad;
  ctx.fillStyle = '#1f2937';
  ctx.textBaseline = 'top';
  ctx.font = font(13, true);
  ctx.fillText(L.heading, x + pad, cy, inner);
  cy += 18 * s;
  if (L.stops.length) {
    const g = ctx.createLinearGradient(x + pad, 0, x + pad + inner, 0);
    for (const [at, c] of L.stops) g.addColorStop(at, c);
    ctx.fillStyle = g;
    ctx.fillRect(x + pad, cy, inner, 10 * s);
    ctx.fillStyle = '#1f2937';
    ctx.font = font(11);
    const [a, b, c] = L.ticks;
    cy += 12 * s;
    ctx.textAlign = 'left'; ctx.fillText(a ?? '', x + pad, cy);
    ctx.textAlign = 'center'; ctx.fillText(b ?? '', x + pad + inner / 2, cy);
    ctx.textAlign = 'right'; ctx.fillText(c ?? '', x + pad + inner, cy);
    ctx.textAlign = 'left';
    cy += 14 * s;
  }
  ctx.fillStyle = '#6b7280';
  ctx.font = font(11);
  for (const line of notes) { ctx.fillText(line, x + pad, cy); cy += 14 * s; }
  ctx.font = font(11);
  L.keys.forEach((k, i) => {
    const kx = x + pad + (i % cols) * (inner / cols);
    const ky = cy + Math.floor(i / cols) * 17 * s;
    ctx.fillStyle = k.colour;
    if (k.dot) {
      ctx.beginPath(); ctx.arc(kx + 6 * s, ky + 7 * s, 5 * s, 0, 2 * Math.PI); ctx.fill();
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5 * s; ctx.stroke();
    } else {
      ctx.fillRect(kx, ky + 1 * s, 12 * s, 12 * s);
    }
    ctx.fillStyle = '#1f2937';
    ctx.fillText(k.text, kx + 17 * s, ky + 1 * s, inner / cols - 20 * s);
  });
}

/** A scale bar of a round length, its right end at (x, y); `s` CSS px → image px. */
function drawScaleBar(ctx, map, x, y, s) {
  const c = map.getContainer();
  const mid = c.clientHeight / 2;
  const metresPer100 = map.unproject([c.clientWidth / 2 - 50, mid]).distanceTo(map.unproject([c.clientWidth / 2 + 50, mid]));
  const most = (metresPer100 / 100) * 120; // at most 120 CSS px long
  const p = 10 ** Math.floor(Math.log10(most));
  const metres = [5, 2, 1].map((m) => m * p).find((v) => v <= most) ?? p;
  const px = (metres / metresPer100) * 100 * s;
  const label = metres >= 1000 ? `${new Intl.NumberFormat(locale()).format(metres / 1000)} km` : `${metres} m`;
  const left = x - px;
  ctx.fillStyle = 'rgba(255,255,255,0.9)';
  ctx.fillRect(left - 6 * s, y - 24 * s, px + 12 * s, 28 * s);
  ctx.strokeStyle = '#1f2937';
  ctx.lineWidth = 2 * s;
  ctx.beginPath();
  ctx.moveTo(left, y - 8 * s); ctx.lineTo(left, y); ctx.lineTo(x, y); ctx.lineTo(x, y - 8 * s);
  ctx.stroke();
  ctx.fillStyle = '#1f2937';
  ctx.font = `${12 * s}px system-ui, "Noto Sans", "DejaVu Sans", sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(label, left + px / 2, y - 6 * s);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
}

/** The PNG: title block above the map, legend and scale bar on it, sources below. */
export async function composePng() {
  const map = state.map();
  const block = await titleBlock();
  const canvas = map.getCanvas();
  const s = canvas.width / canvas.clientWidth; // image px per CSS px
  const W = canvas.width;
  const font = (size, bold = false) => `${bold ? '700 ' : ''}${size * s}px system-ui, "Noto Sans", "DejaVu Sans", sans-serif`;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  const pad = 16 * s;
  ctx.font = font(13);
  const weightLines = block.weights ? wrap(ctx, block.weights, W - 2 * pad) : [];
  const headH = pad + 16 * s + 28 * s + (block.lines.length + weightLines.length) * 18 * s + 10 * s;
  const footH = 26 * s;
  out.width = W;
  out.height = Math.round(headH + canvas.height + footH);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#6b7280';
  ctx.font = font(11);
  ctx.fillText(t('title').toUpperCase(), pad, pad, W - 2 * pad);
  ctx.fillStyle = '#1f2937';
  ctx.font = font(22, true);
  ctx.fillText(block.title, pad, pad + 16 * s, W - 2 * pad);
  ctx.font = font(13);
  let y = pad + 16 * s + 30 * s;
  for (const line of block.lines) { ctx.fillText(line, pad, y, W - 2 * pad); y += 18 * s; }
  ctx.fillStyle = '#9a3412';
  for (const line of weightLines) { ctx.fillText(line, pad, y); y += 18 * s; }
  ctx.drawImage(canvas, 0, headH);
  drawLegend(ctx, 10 * s, headH + canvas.height - 10 * s, s);
  drawScaleBar(ctx, map, W - 16 * s, headH + canvas.height - 12 * s, s);
  ctx.fillStyle = '#6b7280';
  ctx.font = font(11);
  ctx.textAlign = 'right';
  ctx.fillText(block.made, W - pad, headH + canvas.height + 7 * s);
  ctx.textAlign = 'left';
  ctx.fillText(sourcesLine(), pad, headH + canvas.height + 7 * s, W * 0.7);
  return { canvas: out, period: block.period };
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
    const { canvas, period } = await composePng();
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

// Measurement periods in the viewer: which weighing round the map shows (Periode),
// and the change since an earlier one (Perubahan).
//
// Steps: read /api/periods; with two or more periods, show a period and a
// comparison select in the top bar; on a change, point the hexagon and village tile
// sources at `?period=` and reload the village list with `?period=&compare=`; show
// the city's change (prevalence in percentage points, children newly stunted and
// recovered, summed over the villages) in the side panel.

import { t, fmtInt, fmtPct, addWords } from './i18n.js';
import { readView } from './viewstate.js';

const BASE = new URL('.', window.location.href);

addWords({
  id: {
    prevalence_change: 'Perubahan prevalensi', changeSince: 'sejak', changeFell: 'turun', changeRose: 'naik',
    changeNone: 'tidak dibandingkan / tidak ada data', changeUnit: 'poin persen',
  },
  en: {
    prevalence_change: 'Prevalence change', changeSince: 'since', changeFell: 'fell', changeRose: 'rose',
    changeNone: 'not compared / no data', changeUnit: 'percentage points',
  },
});

/**
 * The comparison as a map indicator of its own: villages coloured by their change in
 * prevalence (percentage points) since the comparison period, with its own diverging
 * legend. Chosen when a comparison is chosen; choosing it picks the previous period.
 */
export const CHANGE_INDICATOR = { key: 'prevalence_change', scale: 'villages', kind: 'pp', fallback: [-2, 2] };

const state = {
  periods: [], // rows of /api/periods
  period: null, // the period shown; null = the server's default
  compare: '', // the base period, '' = none
  onChange: null,
};

const $ = (id) => document.getElementById(id);

/** `?period=…&compare=…` for the area endpoints ('' when nothing is chosen). */
export function periodQuery() {
  const q = new URLSearchParams();
  if (state.period) q.set('period', state.period);
  if (state.compare) q.set('compare', state.compare);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Reads the periods and shows the selects when there is more than one. */
export async function initPeriods(onChange) {
  state.onChange = onChange;
  try {
    const response = await fetch(new URL('api/periods', BASE));
    if (!response.ok) return;
    const body = await response.json();
    state.periods = Array.isArray(body.periods) ? body.periods : [];
    state.period = body.default ?? null;
  } catch {
    return; // an older server: one period, no selects
  }
  if (state.periods.length < 2) return;
  // A link may ask for another period or a comparison.
  const names = state.periods.map((p) => p.period);
  const asked = readView();
  const fromLink = names.includes(asked.period) && asked.period !== state.period;
  if (fromLink) state.period = asked.period;
  if (names.includes(asked.compare) && asked.compare !== state.period) state.compare = asked.compare;
  $('period').addEventListener('change', (e) => {
    state.period = e.target.value;
    if (state.compare === state.period) state.compare = '';
    renderPeriodTexts();
    state.onChange?.();
  });
  $('compare').addEventListener('change', (e) => {
    state.compare = e.target.value;
    state.onChange?.();
  });
  $('period-controls').hidden = false;
  renderPeriodTexts();
  if (fromLink || state.compare) state.onChange?.();
}

/** Whether there are periods to compare. */
export function hasPeriods() {
  return state.periods.length >= 2;
}

/** The comparison period ('' = none). */
export function comparePeriod() {
  return state.compare;
}

/** Compares with `base` ('' = none; `null` = the period before the one shown). */
export function setCompare(base) {
  const names = state.periods.map((p) => p.period);
  const before = names.filter((p) => p < (state.period ?? '')).pop() ?? names.find((p) => p !== state.period) ?? '';
  const next = base === null ? before : base;
  if (next === state.compare) return;
  state.compare = next;
  renderPeriodTexts();
  state.onChange?.();
}

/** Refills the selects in the active language. */
export function renderPeriodTexts() {
  if (state.periods.length < 2) return;
  const names = state.periods.map((p) => p.period);
  $('period').replaceChildren(...names.map((p) => new Option(p, p, false, p === state.period)));
  const bases = names.filter((p) => p !== state.period);
  $('compare').replaceChildren(
    new Option(t('compareNone'), '', false, state.compare === ''),
    ...bases.map((p) => new Option(p, p, false, p === state.compare)),
  );
}

/** Points the hexagon and village tiles at the chosen period. */
export function applyPeriodToMap(map) {
  if (!state.period) return;
  for (const name of ['hexes', 'villages']) {
    const source = map.getSource(name);
    const template = `${BASE.href}tiles/${name}/{z}/{x}/{y}.mvt?period=${encodeURIComponent(state.period)}`;
    source?.setTiles?.([template]);
  }
}

function signedPp(x) {
  if (!Number.isFinite(x)) return '–';
  const s = new Intl.NumberFormat(document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID', {
    maximumFractionDigits: 2, signDisplay: 'exceptZero',
  }).format(x);
  return `${s} ${t('pp')}`;
}

/** A village's change in one line, for the ranked list ('' without a comparison). */
export function changeNote(row) {
  const c = row?.change;
  if (!c) return '';
  return ` · Δ ${signedPp(c.prevalence_change_pp)}`;
}

/** Fills the Perubahan box from the village rows of /api/villages?compare=. */
export function renderChange(villages) {
  const box = $('change');
  if (!box) return;
  const rows = (villages ?? []).filter((v) => v.change);
  if (!state.compare || !rows.length) {
    box.hidden = true;
    return;
  }
  const sum = (k) => rows.reduce((n, v) => n + Number(v.change[k] ?? 0), 0);
  const of = (p) => state.periods.find((x) => x.period === p);
  const now = of(state.period);
  const then = of(state.compare);
  const delta = now && then && now.children && then.children
    ? 100 * (now.stunted / now.children - then.stunted / then.children) : NaN;
  box.innerHTML = `<h3>${t('change')} ${t('since')} ${state.compare}</h3><dl>`
    + `<dt>${t('prevalence')}</dt><dd>${fmtPct(then?.prevalence)} → ${fmtPct(now?.prevalence)} (${signedPp(delta)})</dd>`
    + `<dt>${t('followed')}</dt><dd>${fmtInt(sum('followed'))}</dd>`
    + `<dt>${t('newlyStunted')}</dt><dd>${fmtInt(sum('newly_stunted'))}</dd>`
    + `<dt>${t('recovered')}</dt><dd>${fmtInt(sum('recovered'))}</dd></dl>`
    + '<div class="change-ramp" aria-hidden="true"></div>'
    + `<p class="muted">${t('changeLegend')} ${t('changeHint')}</p>`;
  box.hidden = false;
}

/** The layer that colours villages by their prevalence change (added on demand). */
const CHANGE_LAYER = 'village-change';

/**
 * Expression: a village's fill from its feature-state `d`, the prevalence change in
 * percentage points set from /api/villages?compare= (diverging ColorBrewer RdBu:
 * blue where prevalence fell, red where it rose, ±2 pp and beyond at full colour);
 * transparent where no change is known.
 */
const NO_CHANGE_DATA = '#c8cdd3';
const CHANGE_COLOUR = ['case', ['==', ['feature-state', 'd'], null], NO_CHANGE_DATA,
  ['interpolate', ['linear'], ['feature-state', 'd'],
    -2, '#2166ac', -0.5, '#92c5de', 0, '#f7f7f7', 0.5, '#f4a582', 2, '#b2182b']];

/**
 * Colours the villages by their change when `shown` (the change indicator is chosen)
 * and a comparison is chosen; hides the layer otherwise.
 */
export function showChangeOnMap(map, villages, shown) {
  if (!map) return;
  if (!map.getSource('villages')) {
    map.once('load', () => showChangeOnMap(map, villages, shown));
    return;
  }
  map.removeFeatureState({ source: 'villages', sourceLayer: 'villages' });
  const rows = (villages ?? []).filter((v) => Number.isFinite(v.change?.prevalence_change_pp));
  if (!shown || !state.compare || !rows.length) {
    if (map.getLayer(CHANGE_LAYER)) map.setLayoutProperty(CHANGE_LAYER, 'visibility', 'none');
    return;
  }
  if (!map.getLayer(CHANGE_LAYER)) {
    // Opaque: the change is the indicator, not a tint over another one.
    map.addLayer({
      id: CHANGE_LAYER, type: 'fill', source: 'villages', 'source-layer': 'villages',
      paint: { 'fill-color': CHANGE_COLOUR, 'fill-opacity': 0.9 },
    }, 'village-line');
  }
  for (const v of rows) {
    // Village tile features carry the numeric Kemendagri code as their id.
    map.setFeatureState({ source: 'villages', sourceLayer: 'villages', id: Number(v.code) },
      { d: v.change.prevalence_change_pp });
  }
  map.setLayoutProperty(CHANGE_LAYER, 'visibility', 'visible');
}

/** The change indicator's legend: a diverging ramp, its ends, and the no-data class. */
export function changeLegendHtml() {
  const stops = ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b'];
  const gradient = stops.map((c, i) => `${c} ${(100 * i) / (stops.length - 1)}%`).join(', ');
  const num = (x) => new Intl.NumberFormat(document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID', {
    signDisplay: 'exceptZero',
  }).format(x);
  return `<h2>${t('prevalence_change')} ${t('changeSince')} ${state.compare}</h2>`
    + `<div class="ramp" style="background:linear-gradient(to right, ${gradient})"></div>`
    + `<div class="ticks"><span>≤ ${num(-2)}</span><span>0</span><span>≥ ${num(2)}</span></div>`
    + `<p class="muted">${t('changeUnit')}: ${t('changeFell')} ← → ${t('changeRose')}</p>`
    + `<ul class="keys"><li><i class="swatch" style="background:${NO_CHANGE_DATA}"></i>${t('changeNone')}</li></ul>`
    + `<p class="muted hint">${t('changeHint')}</p>`;
}

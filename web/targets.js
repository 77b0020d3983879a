// The "Prioritas" panel: the priority villages from /api/targets with their reasons and
// how stable their rank is when the weights move ±20%, downloads (CSV, XLSX, GeoJSON),
// and what-if weight sliders that recolour the map (from the tiles' n_<factor> values,
// see layers.js riskExpr) and re-rank through the API (?w.<factor>=).
//
// Reasons come from the server in Bahasa Indonesia, quoting the API's numbers.

import { t, fmtScore, fmtPct, lang, esc } from './i18n.js';
import { FACTORS, INDICATORS, riskExpr } from './layers.js';
import { setWeights, profileLinkHtml } from './popup.js';
import { readView } from './viewstate.js';

const TOP_N = 10;
const state = {
  base: null, // configured weights {factor: w}
  weights: null, // current weights
  body: null, // last /api/targets answer
  periodQuery: () => '',
  onWeights: () => {},
  timer: null,
};

const $ = (id) => document.getElementById(id);

/** `w.<factor>=x` for each weight that differs from the configuration. */
export function weightParams() {
  const q = new URLSearchParams();
  if (!state.weights || !state.base) return q;
  for (const f of FACTORS) if (state.weights[f] !== state.base[f]) q.set(`w.${f}`, String(state.weights[f]));
  return q;
}

/** The weights in use, `{ moved, weights: {factor: w} }` (moved: they differ from the configuration). */
export function currentWeights() {
  return { moved: weightParams().toString() !== '', weights: { ...(state.weights ?? {}) } };
}

/** `query` (e.g. '?period=2026-08' or '') with the what-if weights added. */
export function withWeights(query) {
  const q = new URLSearchParams(query.replace(/^\?/, ''));
  for (const [k, v] of weightParams()) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function targetsUrl(format) {
  const q = new URLSearchParams(state.periodQuery().replace(/^\?/, ''));
  q.delete('compare');
  q.set('top', String(TOP_N));
  // Downloads speak the page's language (column names and the "keterangan" sheet).
  if (format) { q.set('format', format); q.set('columns', lang()); }
  for (const [k, v] of weightParams()) q.set(k, v);
  return `api/targets?${q}`;
}

function renderSliders() {
  const box = $('targets-weights');
  if (!box || !state.weights) return;
  box.replaceChildren(...FACTORS.map((f) => {
    const label = document.createElement('label');
    label.className = 'weight';
    label.innerHTML = '<span class="factor"></span><input type="range" min="0" max="1" step="0.05"><span class="val"></span>';
    label.querySelector('.factor').textContent = t(f);
    const input = label.querySelector('input');
    input.value = String(state.weights[f]);
    input.dataset.factor = f;
    label.querySelector('.val').textContent = fmtScore(state.weights[f]);
    input.addEventListener('input', () => {
      state.weights = { ...state.weights, [f]: Number(input.value) };
      label.querySelector('.val').textContent = fmtScore(state.weights[f]);
      weightsChanged();
    });
    return label;
  }));
}

function renderList() {
  const list = $('targets-list');
  if (!list) return;
  const body = state.body;
  if (!body) {
    list.innerHTML = `<li class="muted">${esc(t('targetsUnavailable'))}</li>`;
    return;
  }
  list.replaceChildren(...body.targets.map((x) => {
    const li = document.createElement('li');
    const s = x.stability;
    const always = s.always_top ? ` · <strong>${esc(t('alwaysTop'))}</strong>` : '';
    li.innerHTML = `<p><span class="rank">${x.rank}</span> <strong>${esc(x.name)}</strong>`
      + ` <span class="muted">${esc(x.district)}</span> <span class="val">${esc(fmtScore(x.score))}</span></p>`
      + `<p class="reason" lang="id">${esc(x.reason)}</p>`
      + `<p class="muted stability">${esc(t('rankRange'))} ${s.min_rank}–${s.max_rank} · `
      + `${esc(fmtPct(s.top_share))} ${esc(t('inTopShare'))}${always}</p>`
      + `<p class="profile">${profileLinkHtml(x.code)}</p>`;
    return li;
  }));
  for (const [format, id] of [['csv', 'targets-csv'], ['xlsx', 'targets-xlsx'], ['geojson', 'targets-geojson']]) {
    const a = $(id);
    if (a) a.href = targetsUrl(format);
  }
}

async function loadTargets() {
  try {
    const response = await fetch(targetsUrl(null));
    state.body = response.ok ? await response.json() : null;
  } catch {
    state.body = null;
  }
  renderList();
}

function weightsChanged() {
  const risk = INDICATORS.find((ind) => ind.key === 'risk');
  const moved = weightParams().toString() !== '';
  if (risk) risk.expr = moved ? riskExpr(state.weights) : undefined;
  setWeights(state.weights);
  clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state.onWeights();
    loadTargets();
  }, 250);
}

/** Texts of the panel in the current language. */
export function renderTargetTexts() {
  renderSliders();
  renderList();
}

/**
 * Builds the panel. `periodQuery()` gives the period query of the map; `onWeights()` is
 * called when the weights moved (the app recolours the map and reloads its list).
 */
export async function initTargets({ periodQuery, onWeights }) {
  state.periodQuery = periodQuery ?? state.periodQuery;
  state.onWeights = onWeights ?? state.onWeights;
  $('targets-reset')?.addEventListener('click', () => {
    state.weights = { ...state.base };
    renderSliders();
    weightsChanged();
  });
  try {
    const response = await fetch('api/config');
    const config = await response.json();
    state.base = Object.fromEntries(FACTORS.map((f) => [f, Number(config.weights?.[f] ?? 0)]));
    state.weights = { ...state.base };
  } catch {
    state.base = null;
  }
  // What-if weights a link carries.
  const asked = readView().weights;
  const fromLink = state.base && FACTORS.some((f) => f in asked && asked[f] >= 0 && asked[f] !== state.base[f]);
  if (fromLink) for (const f of FACTORS) if (f in asked && asked[f] >= 0) state.weights[f] = asked[f];
  renderSliders();
  if (fromLink) weightsChanged();
  await loadTargets();
}

/** Reloads the list (after a period change). */
export function reloadTargets() {
  return loadTargets();
}

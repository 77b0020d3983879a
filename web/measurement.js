// Measurement coverage in the viewer: "Cakupan pengukuran" (of each village's
// children under five, the share measured in the round) and the two numbers (the
// register's prevalence beside the survey's, their gap and a coverage-weighted
// estimate).
//
// Steps: the village figures come from /api/measurement for the period shown and are
// joined to the village tiles by their `code` in a `match` expression (no tile
// changes), coloured in classes around `[measurement] min_coverage`; villages below
// it get a dark dashed outline; villages without a target are the grey no-data
// class. The panel in the side list shows the city's two numbers for the period and,
// for planners and admins, a form to upload the villages' targets (the Dinkes file of
// children under five per village) to POST /api/import/measure-targets; the figures
// are fetched again after a good upload, a refused one lists every bad row.

import { t, fmtInt, fmtPct, fmtNum, fill } from './i18n.js';
import { csrfHeaders } from './account.js';
import { NO_DATA, LAYER } from './layers.js';

export const MEASUREMENT_INDICATOR = { key: 'measurement', scale: 'villages', fallback: [0, 1], kind: 'pct' };
/** The village fill and the outline of flagged villages, added on demand. */
export const MEASUREMENT_LAYER = 'village-measurement';
export const MEASUREMENT_FLAG_LAYER = 'village-measurement-below';
/** Classes low to high: far below the threshold (dark red) to the whole target (green). */
export const COVERAGE_COLOURS = ['#bd0026', '#f03b20', '#fd8d3c', '#a1d99b', '#31a354'];
const FLAG_COLOUR = '#111827';

const state = { body: null, query: null, base: null, upload: null };

const $ = (id) => document.getElementById(id);
/** `t(key)` with `{name}` filled from `vars`. */

/** Class breaks for the threshold `min`: 30 and 15 points below it, it, and 100%. */
export function coverageBreaks(min) {
  return [Math.max(0, min - 0.3), Math.max(0, min - 0.15), min, Math.max(1, min + 0.05)];
}

/** /api/measurement for the period query `query` (`?period=...`), fetched once per query. */
async function load(base, query) {
  state.base = base;
  if (state.query === query && state.body) return state.body;
  const q = new URLSearchParams(query.replace(/^\?/, ''));
  q.delete('compare');
  const s = q.toString();
  const r = await fetch(new URL(`api/measurement${s ? `?${s}` : ''}`, base));
  if (!r.ok) throw new Error(`api/measurement: HTTP ${r.status}`);
  state.body = await r.json();
  state.query = query;
  return state.body;
}

/** Expression: a village's coverage (`-1` where it has no target). */
function coverageExpr() {
  const pairs = [];
  for (const v of state.body?.villages ?? []) pairs.push(v.code, v.coverage == null ? -1 : v.coverage);
  return pairs.length ? ['match', ['get', 'code'], ...pairs, -1] : -1;
}

/** Expression: the fill, grey without a target, else the class of the coverage. */
function fillExpr() {
  const cov = coverageExpr();
  const b = coverageBreaks(state.body?.summary?.min_coverage ?? 0.8);
  const c = COVERAGE_COLOURS;
  return ['case', ['<', cov, 0], NO_DATA,
    // step: c0 below b0, c1 from b0, ... c4 from b3 (100%)
    ['step', cov, c[0], b[0], c[1], b[1], c[2], b[2], c[3], b[3], c[4]]];
}

/** Filter: the villages flagged below the threshold. */
function flaggedFilter() {
  const codes = (state.body?.villages ?? []).filter((v) => v.below).map((v) => v.code);
  return ['in', ['get', 'code'], ['literal', codes]];
}

/** Shows the coverage of the period of `query` on the village polygons. */
export async function showMeasurement(map, base, query) {
  await load(base, query);
  if (!map.getLayer(MEASUREMENT_LAYER)) {
    map.addLayer({
      id: MEASUREMENT_LAYER, type: 'fill', source: 'villages', 'source-layer': 'villages',
      paint: { 'fill-color': NO_DATA, 'fill-opacity': 0.85 },
    }, LAYER.villageLine);
    map.addLayer({
      id: MEASUREMENT_FLAG_LAYER, type: 'line', source: 'villages', 'source-layer': 'villages',
      // A dark dashed edge inside the village: flagged below `min_coverage`.
      paint: { 'line-color': FLAG_COLOUR, 'line-width': 2.5, 'line-dasharray': [2, 1.5], 'line-offset': 1.5 },
    }, LAYER.villageSelected);
  }
  map.setPaintProperty(MEASUREMENT_LAYER, 'fill-color', fillExpr());
  map.setFilter(MEASUREMENT_FLAG_LAYER, flaggedFilter());
  for (const id of [MEASUREMENT_LAYER, MEASUREMENT_FLAG_LAYER]) map.setLayoutProperty(id, 'visibility', 'visible');
  renderMeasurementSummary();
  document.body.dataset.measurement = state.query;
}

/** Hides the layer. */
export function hideMeasurement(map) {
  for (const id of [MEASUREMENT_LAYER, MEASUREMENT_FLAG_LAYER]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', 'none');
  }
  delete document.body.dataset.measurement;
}

/** Where the targets came from, in words. */
function targetText(body) {
  const imported = body.villages.some((v) => v.target_source === 'imported');
  if (imported) return t('measureTargetImported');
  if (body.settings.raster === 'people') {
    return fill('measureTargetPeople', { share: fmtPct(body.settings.under_five_share) });
  }
  return t('measureTargetUnderFive');
}

/** HTML of the legend: the classes, the flag, the no-target swatch, the target's source. */
export function measurementLegendHtml() {
  const body = state.body;
  if (!body) return `<h2>${t('measurement')}</h2>`;
  const min = body.summary.min_coverage;
  const b = coverageBreaks(min);
  const labels = [
    `< ${fmtPct(b[0])}`, `${fmtPct(b[0])} – ${fmtPct(b[1])}`, `${fmtPct(b[1])} – ${fmtPct(b[2])}`,
    `${fmtPct(b[2])} – ${fmtPct(b[3])}`, `≥ ${fmtPct(b[3])}`,
  ];
  const keys = COVERAGE_COLOURS.map((c, i) => `<li><i class="swatch" style="background:${c}"></i>${labels[i]}</li>`).join('');
  return `<h2>${t('measurement')}</h2>`
    + `<p class="muted">${t('legendMeasurement')}</p>`
    + `<ul class="keys">${keys}`
    + `<li class="wide"><i class="swatch" style="background:#fff;border:2px dashed ${FLAG_COLOUR}"></i>${fill('measureBelow', { min: fmtPct(min), n: fmtInt(body.summary.below) })}</li>`
    + `<li class="wide"><i class="swatch" style="background:${NO_DATA}"></i>${t('measureNoTarget')}</li></ul>`
    + `<p class="muted hint">${targetText(body)}</p>`;
}

/** Percentage points with one decimal: 23,0 (negative where the register finds more). */
function fmtPoints(x) {
  return Number.isFinite(x) ? fmtNum(x, 1) : '–';
}

/** Fills the side panel's two numbers (nothing shown before the figures load). */
export function renderMeasurementSummary() {
  const box = $('two-numbers');
  const s = state.body?.summary;
  if (!box || !s) return;
  const survey = s.survey == null
    ? `<span class="muted">${t('surveyUnset')}</span>`
    : `${s.survey_source} ${fmtPct(s.survey)}${s.survey_year ? ` (${s.survey_year})` : ''}`;
  const parts = [
    `${t('registerPrevalence')} <strong data-v="register">${fmtPct(s.register)}</strong>`,
    `<span data-v="survey">${survey}</span>`,
    s.gap_points == null ? null : `${t('gapPoints')} <strong data-v="gap">${fmtPoints(s.gap_points)}</strong> ${t('points')}`,
    `${t('weightedEstimate')} <strong data-v="weighted">${fmtPct(s.weighted)}</strong>`,
  ].filter(Boolean);
  const period = state.body.period ? ` · <span class="nowrap">${state.body.period}</span>` : '';
  box.innerHTML = `<h3>${t('twoNumbers')}${period}</h3>`
    + `<p class="numbers">${parts.join(' · ')}</p>`
    + `<p class="muted">${t('weightedExplained')}</p>`
    + `<p class="muted">${fill('measureCity', {
      share: fmtPct(s.coverage), measured: fmtInt(s.measured_in_target), target: fmtInt(s.target),
      below: fmtInt(s.below), min: fmtPct(s.min_coverage),
    })}</p>`
    + uploadHtml();
  box.querySelector('#targets-upload-form')?.addEventListener('submit', uploadTargets);
  box.hidden = false;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The upload form, for planners and admins only (the server refuses anyone else). */
function uploadHtml() {
  if (!['admin', 'planner'].includes(window.sigapUser?.role)) return '';
  const u = state.upload;
  let status = '';
  if (u?.state === 'busy') status = `<p>${escapeHtml(fill('targetsUploading', { file: u.file }))}</p>`;
  if (u?.state === 'done') status = `<p class="ok">${escapeHtml(fill('targetsUploaded', u.vars))}</p>`;
  if (u?.state === 'refused') {
    const rows = (u.rejects ?? []).map((r) => `<li>${escapeHtml(fill('targetsRow', {
      unit: t(`unit_${r.unit}`), line: r.line, field: r.field, reason: r.reason,
    }))}</li>`).join('');
    status = `<p class="refused">${escapeHtml(fill('targetsRefused', { file: u.file, error: u.error }))}</p>`
      + (rows ? `<ul class="rejects">${rows}</ul>` : '');
  }
  return `<details class="targets-upload"${u ? ' open' : ''}><summary>${t('targetsUpload')}</summary>`
    + `<p class="muted">${t('targetsUploadHelp')}</p>`
    + '<form id="targets-upload-form">'
    + `<input type="file" name="file" required accept=".csv,.xlsx,.ods" aria-label="${escapeHtml(t('targetsUpload'))}">`
    + `<button type="submit"${u?.state === 'busy' ? ' disabled' : ''}>${t('targetsUploadButton')}</button></form>`
    + `<div id="targets-upload-status" data-state="${u?.state ?? ''}" role="status" aria-live="polite">${status}</div>`
    + '</details>';
}

/** Sends the chosen file; on success the figures are fetched again and the map told. */
async function uploadTargets(ev) {
  ev.preventDefault();
  const file = ev.target.elements.file.files[0];
  if (!file || !state.base) return;
  state.upload = { state: 'busy', file: file.name };
  renderMeasurementSummary();
  try {
    const r = await fetch(new URL(`api/import/measure-targets?filename=${encodeURIComponent(file.name)}`, state.base), {
      method: 'POST', headers: csrfHeaders({ 'Content-Type': 'application/octet-stream' }), body: file,
    });
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) {
      // Rows refused: their count in the reader's language, each row below.
      const rejected = new Set((answer.rejects ?? []).map((x) => x.line)).size;
      const error = rejected ? fill('targetsRowsRejected', { n: fmtInt(rejected) }) : answer.error || `HTTP ${r.status}`;
      state.upload = { state: 'refused', file: file.name, error, rejects: answer.rejects };
    } else {
      state.upload = {
        state: 'done',
        file: file.name,
        vars: { rows: fmtInt(answer.read), villages: fmtInt(answer.villages), file: file.name, revision: answer.revision },
      };
      // The server rebuilt its figures before answering: fetch them again.
      state.body = null;
      await load(state.base, state.query ?? '');
      document.dispatchEvent(new CustomEvent('sigap:measurement-changed'));
    }
  } catch (e) {
    state.upload = { state: 'refused', file: file.name, error: e.message };
  }
  renderMeasurementSummary();
}

/** Loads the figures of the period of `query` for the panel (the layer may be off). */
export function loadMeasurementSummary(base, query) {
  return load(base, query).then(renderMeasurementSummary).catch(() => {
    const box = $('two-numbers');
    if (box) box.hidden = true;
  });
}

// The convergence programmes in the viewer: "Cakupan intervensi" (of those a programme
// should reach in the round, the share it reached) and "Kesenjangan" (high risk, low
// coverage: the village's risk score times the share not reached), per village, for
// the programme chosen.
//
// Steps: the indicator shows a programme select; the village figures come from
// /api/coverage for the period shown (counts only) and are joined to the village tiles
// by their `code` in a `match` expression, so no tile changes. Villages where the
// programme has no one to reach are the grey no-data class. Low coverage is drawn dark
// (the ramp reversed), so on both layers the villages to look at are the dark ones.

import { t, addWords, fmtInt, fmtPct, fmtScore, fill, esc } from './i18n.js';
import { RAMP, NO_DATA, LAYER } from './layers.js';

export const COVERAGE_INDICATOR = { key: 'intervention', scale: 'villages', fallback: [0, 1], kind: 'pct' };
export const GAP_INDICATOR = { key: 'gap', scale: 'villages', fallback: [0, 1], kind: 'score' };
/** The village fill layer added on demand. */
export const INTERVENTION_LAYER = 'village-interventions';

// The links to plan against delivery (web/plan.html) and the annual review
// (web/review.html), in the coverage maps' legend.
addWords({
  id: {
    planLink: 'Rencana dan realisasi per OPD', planLinkTitle: 'Rencana dan realisasi per OPD: anak ditugaskan, dikunjungi, menerima intervensi; desa yang belum dijangkau siapa pun',
    reviewLink: 'Tinjauan tahunan', reviewLinkTitle: 'Tinjauan tahunan untuk rembuk stunting: angka per desa, kecamatan dan kota lintas periode, peta, OPD, sponsor dan keputusan rembuk; cetak atau XLSX',
  },
  en: {
    planLink: 'Plan and delivery per OPD', planLinkTitle: 'Plan and delivery per OPD: children assigned, visited, given an intervention; villages nobody reached',
    reviewLink: 'Annual review', reviewLinkTitle: 'The annual review for the rembuk: figures per village, kecamatan and the city across rounds, maps, OPDs, sponsors and the rembuk decisions; print or XLSX',
  },
});

const state = { programme: null, planHref: null, reviewHref: null, coverage: null, query: null, onChange: null };

const $ = (id) => document.getElementById(id);
/** `t(key)` with `{name}` filled from `vars`. */

/** Whether `ind` is one of this module's indicators. */
export function isInterventionIndicator(ind) {
  return ind === COVERAGE_INDICATOR || ind === GAP_INDICATOR;
}

/** /api/coverage for the period query `query` (`?period=...`), fetched once per query. */
async function load(base, query) {
  if (state.query === query && state.coverage) return state.coverage;
  const q = new URLSearchParams(query.replace(/^\?/, ''));
  q.delete('compare');
  const s = q.toString();
  const r = await fetch(new URL(`api/coverage${s ? `?${s}` : ''}`, base));
  if (!r.ok) throw new Error(`api/coverage: HTTP ${r.status}`);
  state.coverage = await r.json();
  state.query = query;
  if (!state.coverage.programmes.some((p) => p.code === state.programme)) {
    state.programme = state.coverage.programmes[0]?.code ?? null;
  }
  renderInterventionTexts();
  return state.coverage;
}

/** Expression: a village's share reached (`-1` where the programme has no target). */
function shareExpr() {
  const pairs = [];
  for (const v of state.coverage?.villages ?? []) {
    const share = v.programmes?.[state.programme]?.share;
    pairs.push(v.code, share == null ? -1 : share);
  }
  return pairs.length ? ['match', ['get', 'code'], ...pairs, -1] : -1;
}

/** Expression: the fill of `ind` (coverage: reversed ramp; gap: risk × not reached). */
function fillExpr(ind) {
  const share = shareExpr();
  const ramp = ind === COVERAGE_INDICATOR ? [...RAMP].reverse() : RAMP;
  const stops = ramp.flatMap((colour, i) => [i / (ramp.length - 1), colour]);
  const value = ind === COVERAGE_INDICATOR
    ? share
    : ['*', ['to-number', ['get', 'risk'], 0], ['-', 1, share]];
  return ['case', ['<', share, 0], NO_DATA, ['interpolate', ['linear'], value, ...stops]];
}

function setHexes(map, visible) {
  for (const id of [LAYER.heat, LAYER.hexFill, LAYER.hexLine]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
}

/** Shows `ind` for the chosen programme in the period of `query` on the village polygons. */
export async function showInterventions(map, ind, base, query) {
  $('programme-control').hidden = false;
  setHexes(map, false);
  await load(base, query);
  const period = new URLSearchParams(state.query.replace(/^\?/, '')).get('period');
  state.planHref = new URL(`web/plan.html${period ? `?period=${encodeURIComponent(period)}` : ''}`, base).href;
  // The review up to the round on the map (from the first round).
  state.reviewHref = new URL(`web/review.html${period ? `?to=${encodeURIComponent(period)}` : ''}`, base).href;
  if (!map.getLayer(INTERVENTION_LAYER)) {
    map.addLayer({
      id: INTERVENTION_LAYER, type: 'fill', source: 'villages', 'source-layer': 'villages',
      paint: { 'fill-color': NO_DATA, 'fill-opacity': 0.85 },
    }, LAYER.villageLine);
  }
  map.setPaintProperty(INTERVENTION_LAYER, 'fill-color', fillExpr(ind));
  map.setLayoutProperty(INTERVENTION_LAYER, 'visibility', 'visible');
  document.body.dataset.interventions = `${ind.key}:${state.programme}:${state.query}`;
}

/** Hides the layer and the select. */
export function hideInterventions(map) {
  if (map.getLayer(INTERVENTION_LAYER)) map.setLayoutProperty(INTERVENTION_LAYER, 'visibility', 'none');
  $('programme-control').hidden = true;
  delete document.body.dataset.interventions;
}

/** The programme chosen (its code), or null before /api/coverage is read. */
export function chosenProgramme() {
  return state.programme;
}

/** Chooses the programme `code` (from the address); an unknown one falls back to the first. */
export function chooseProgramme(code) {
  if (code) state.programme = code;
}

/** The programme chosen, as /api/coverage lists it. */
function programme() {
  return state.coverage?.programmes.find((p) => p.code === state.programme);
}

/** HTML of the legend of `ind`. */
export function interventionLegendHtml(ind) {
  const p = programme();
  const ramp = ind === COVERAGE_INDICATOR ? [...RAMP].reverse() : RAMP;
  const gradient = ramp.map((c, i) => `${c} ${(100 * i) / (ramp.length - 1)}%`).join(', ');
  const format = ind === COVERAGE_INDICATOR ? fmtPct : fmtScore;
  const total = p ? state.coverage.total[p.code] : null;
  const city = total?.target
    ? `<p class="muted">${fill('interventionCity', { reached: fmtInt(total.reached), target: fmtInt(total.target), share: fmtPct(total.share) })}</p>`
    : '';
  return `<h2>${t(ind.key)}${p ? `: ${esc(p.name)}` : ''}</h2>`
    + `<div class="ramp" style="background:linear-gradient(to right, ${gradient})"></div>`
    + `<div class="ticks"><span>${format(0)}</span><span>${format(0.5)}</span><span>${format(1)}</span></div>`
    + `<p class="muted">${t(ind === COVERAGE_INDICATOR ? 'legendIntervention' : 'legendGap')}${p ? ` ${needText(p)}.` : ''}</p>`
    + city
    + `<ul class="keys"><li><i class="swatch" style="background:${NO_DATA}"></i>${t('legendNoTarget')}</li></ul>`
    + (state.planHref
      ? `<p class="plan-link"><a id="plan-link" href="${esc(state.planHref)}" target="_blank" rel="noopener" title="${esc(t('planLinkTitle'))}">${t('planLink')}&nbsp;→</a>${reviewLink()}</p>`
      : '')
    + campaignLink(p);
}

/** Staff (not a field officer) open the annual review, in a new tab like the plan. */
function reviewLink() {
  if (!['admin', 'planner', 'viewer'].includes(window.sigapUser?.role)) return '';
  return `<br><a id="review-link" href="${esc(state.reviewHref)}" target="_blank" rel="noopener" title="${esc(t('reviewLinkTitle'))}">${t('reviewLink')}&nbsp;→</a>`;
}

/** Planners and admins record a campaign of the programme from the legend. */
function campaignLink(p) {
  if (!['admin', 'planner'].includes(window.sigapUser?.role)) return '';
  const href = `web/campaign.html${p ? `?programme=${encodeURIComponent(p.code)}` : ''}`;
  return `<p><a id="campaign-link" href="${href}">${t('campaignLink')}</a></p>`;
}

/** Whom the programme should reach, in words: "keluarga dengan Bumil (ibu hamil)". */
function needText(p) {
  const group = ['catin', 'bumil', 'bufas', 'baduta', 'balita'].includes(p.target) ? p.target : null;
  if (group && p.need === 'households') return `${t('need_group')} ${t(`group_${group}`)}`;
  return group ? `${t(`need_${p.need}`)} (${t(`group_${group}`)})` : t(`need_${p.need}`);
}

/** Popup rows `[label, value]` of a village: the chosen programme's reach. */
export function interventionRows(code) {
  const p = programme();
  const v = state.coverage?.villages.find((x) => x.code === code);
  const r = p && v?.programmes?.[p.code];
  if (!r) return [];
  return [[p.name, r.target ? fill('reachedOf', { reached: fmtInt(r.reached), target: fmtInt(r.target), share: fmtPct(r.share) }) : '–']];
}

/** Fills the programme select (names as the catalogue gives them). */
export function renderInterventionTexts() {
  const list = state.coverage?.programmes ?? [];
  $('programme').replaceChildren(...list.map((p) => new Option(p.name, p.code, false, p.code === state.programme)));
}

/** Wires the programme select; `onChange` redraws the map and legend. */
export function initInterventions(onChange) {
  state.onChange = onChange;
  $('programme').addEventListener('change', (e) => {
    state.programme = e.target.value;
    state.onChange?.();
  });
}

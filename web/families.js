// Keluarga berisiko stunting in the viewer: families at risk of stunting (BKKBN) per
// village, for one target group or all of them.
//
// Steps: the indicator "Keluarga berisiko stunting" shows a target-group select
// (Semua, Catin, Bumil, Bufas, Baduta, Balita); the villages are then filled by their
// count of at-risk families with that group (village tiles carry `families_at_risk`
// and `families_at_risk_<group>`), over 0 to the highest village count from
// /api/villages; hexagons and the heatmap step aside, since hex tiles carry only the
// total. The popup lists the count per group (`familyRows`).

import { t, fmtInt } from './i18n.js';
import { RAMP, NO_DATA, LAYER } from './layers.js';
import { niceCeil } from './scale.js';

/** The target groups, `all` first (the select's order). */
export const GROUPS = ['all', 'catin', 'bumil', 'bufas', 'baduta', 'balita'];

/** The indicator entry (the village fill is drawn here, not by the hex layers). */
export const FAMILY_INDICATOR = {
  key: 'families_at_risk', prop: 'families_at_risk', scale: 'villages', fallback: [0, 50], kind: 'int',
  note: 'legendFamilies',
};

/** The village fill layer added on demand. */
export const FAMILY_LAYER = 'village-families';

const state = { group: 'all', onChange: null };

const $ = (id) => document.getElementById(id);

/** The village tile property of a group: `families_at_risk` or `families_at_risk_<group>`. */
export function groupProp(group) {
  return group === 'all' ? 'families_at_risk' : `families_at_risk_${group}`;
}

/** The group chosen in the select. */
export function currentGroup() {
  return state.group;
}

/** A village row's (from /api/villages) count for `group`, or NaN. */
function apiCount(row, group) {
  const f = row?.families_at_risk;
  const v = typeof f === 'object' && f !== null ? f[group === 'all' ? 'total' : group] : NaN;
  return Number(v);
}

/** 0 to a round maximum of the villages' counts for `group`, or null without data. */
export function familyDomain(villages, group) {
  const values = (villages ?? []).map((v) => apiCount(v, group)).filter(Number.isFinite);
  return values.length ? [0, Math.max(4, niceCeil(Math.max(...values)))] : null;
}

/**
 * Expression: a village's fill from its at-risk count for the group, ramp from 0 to
 * `hi`; villages without households (nothing surveyed) are the grey no-data class.
 */
function fillExpr(group, [lo, hi]) {
  const stops = RAMP.flatMap((colour, i) => [lo + ((hi - lo) * i) / (RAMP.length - 1), colour]);
  return ['case',
    // No households in the village: no data, not zero.
    ['!', ['>', ['to-number', ['get', 'households'], 0], 0]], NO_DATA,
    // Linear ramp RAMP[0] at 0 to RAMP[4] at hi, clamped at the ends.
    ['interpolate', ['linear'], ['to-number', ['get', groupProp(group)], 0], ...stops]];
}

function setHexes(map, visible) {
  for (const id of [LAYER.heat, LAYER.hexFill, LAYER.hexLine]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  }
}

/**
 * Shows the families layer for the current group and returns `{ domain, fromData }`
 * for the legend.
 */
export function showFamilies(map, villages) {
  const found = familyDomain(villages, state.group);
  const domain = found ?? FAMILY_INDICATOR.fallback;
  if (!map.getLayer(FAMILY_LAYER)) {
    map.addLayer({
      id: FAMILY_LAYER, type: 'fill', source: 'villages', 'source-layer': 'villages',
      paint: { 'fill-color': fillExpr(state.group, domain), 'fill-opacity': 0.85 },
    }, LAYER.villageLine);
  }
  map.setPaintProperty(FAMILY_LAYER, 'fill-color', fillExpr(state.group, domain));
  map.setLayoutProperty(FAMILY_LAYER, 'visibility', 'visible');
  setHexes(map, false);
  $('family-group-control').hidden = false;
  return { domain, fromData: Boolean(found) };
}

/** Hides the families layer and brings the hexagons back. */
export function hideFamilies(map) {
  if (map.getLayer(FAMILY_LAYER)) map.setLayoutProperty(FAMILY_LAYER, 'visibility', 'none');
  setHexes(map, true);
  $('family-group-control').hidden = true;
}

/** The indicator as the legend shows it: named after the group chosen. */
export function familyLegendIndicator() {
  return { ...FAMILY_INDICATOR, key: state.group === 'all' ? 'families_at_risk' : `familiesWith_${state.group}` };
}

/** Fills the group select in the active language. */
export function renderFamilyTexts() {
  $('family-group').replaceChildren(
    ...GROUPS.map((g) => new Option(t(`group_${g}`), g, false, g === state.group)),
  );
}

/** Wires the group select; `onChange` redraws the map and legend. */
export function initFamilies(onChange) {
  state.onChange = onChange;
  renderFamilyTexts();
  $('family-group').addEventListener('change', (e) => {
    state.group = GROUPS.includes(e.target.value) ? e.target.value : 'all';
    state.onChange?.();
  });
}

/**
 * Popup rows `[label, value]` for the families at risk of an area: the total, and per
 * group where known (village tiles and /api/villages rows; hexagons carry the total only).
 */
export function familyRows(props) {
  const f = props.families_at_risk;
  const isObject = typeof f === 'object' && f !== null;
  const total = Number(isObject ? f.total : f);
  if (!Number.isFinite(total)) return [];
  const rows = [[t('families_at_risk'), fmtInt(total)]];
  for (const g of GROUPS.slice(1)) {
    const n = Number(isObject ? f[g] : props[groupProp(g)]);
    if (Number.isFinite(n)) rows.push([`· ${t(`group_${g}`)}`, fmtInt(n)]);
  }
  return rows;
}

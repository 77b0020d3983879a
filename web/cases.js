// Case-level points for the staff allowed to see them (admin, planner, field officer
// within their team and villages): the children of the chosen period as point tiles
// (/tiles/cases/children, zoom 14 tiles only, overzoomed beyond), asked for only once
// the map is zoomed in past the hexagons, so a load at city zoom reads no child. The
// server filters by role and area and writes each tile read to the audit log; a
// viewer never gets the layer.

import { t, addWords, fmtNum, fmtScore } from './i18n.js';
import { basemapSlots } from './basemap.js';

addWords({
  id: {
    casesLayer: 'Anak (titik)', caseStatus_severely_stunted: 'sangat pendek', caseStatus_stunted: 'pendek',
    caseStatus_normal: 'normal', caseStatus_flagged: 'data meragukan', caseTeam: 'Tim', caseMeasured: 'Diukur',
    caseHeight: 'Tinggi', caseApprox: 'lokasi perkiraan (ditempatkan di kelurahannya)', caseParent: 'Orang tua',
    casePhone: 'HP', caseHead: 'Kepala keluarga',
  },
  en: {
    casesLayer: 'Children (points)', caseStatus_severely_stunted: 'severely stunted', caseStatus_stunted: 'stunted',
    caseStatus_normal: 'normal', caseStatus_flagged: 'implausible record', caseTeam: 'Team', caseMeasured: 'Measured',
    caseHeight: 'Height', caseApprox: 'approximate location (placed in its village)', caseParent: 'Parent',
    casePhone: 'Phone', caseHead: 'Head of household',
  },
});

const BASE = new URL('.', window.location.href);
export const CASE_LAYER = 'case-children';
/** Points appear from this zoom, over the hexagons. */
const MIN_ZOOM = 14;
const ROLES = ['admin', 'planner', 'field_officer'];

/** Whether `user` may see case-level points at all. */
export function mayShowCases(user) {
  return ROLES.includes(user?.role);
}

/** The case tiles' URL template for `periodQuery` ('' or '?period=...'). */
function tileUrl(periodQuery) {
  return `${BASE.href}tiles/cases/children/{z}/{x}/{y}.mvt${periodQuery}`;
}

/** Adds (or reloads for `periodQuery`) the children layer. */
export function showCases(map, user, periodQuery = '') {
  if (!mayShowCases(user)) return;
  const source = map.getSource(CASE_LAYER);
  if (source) {
    source.setTiles([tileUrl(periodQuery)]);
    return;
  }
  // One zoom level of tiles: from zoom 14 the map asks for the tiles in view, and
  // past it draws the same tiles larger (no new reads while zooming in).
  map.addSource(CASE_LAYER, { type: 'vector', tiles: [tileUrl(periodQuery)], minzoom: MIN_ZOOM, maxzoom: MIN_ZOOM });
  map.addLayer({
    id: CASE_LAYER,
    type: 'circle',
    source: CASE_LAYER,
    'source-layer': 'children',
    minzoom: MIN_ZOOM,
    paint: {
      // Severely stunted red, stunted orange, others small and grey.
      'circle-color': ['match', ['get', 'status'], 'severely_stunted', '#b91c1c', 'stunted', '#f97316', '#64748b'],
      'circle-radius': ['match', ['get', 'status'], 'severely_stunted', 6, 'stunted', 5, 3],
      'circle-stroke-color': '#fff',
      'circle-stroke-width': 1,
    },
  }, basemapSlots(map).overlays); // under the basemap's labels
}

/** The lines naming a child (from /api/children/{pseudonym}/identity), first in its popup. */
export function identityLines(who) {
  const head = who.head ? `${t('caseHead')}: ${who.head}${who.head_address ? ` (${who.head_address})` : ''}` : '';
  return [who.name, who.parent ? `${t('caseParent')}: ${who.parent}` : '', who.phone ? `${t('casePhone')}: ${who.phone}` : '', head, who.address,
    [who.village, who.posyandu].filter(Boolean).join(' · ')].filter(Boolean);
}

/** The popup text lines of a child point, numbers in the language's format (HAZ -2,71 and
 * 64,5 cm in Bahasa; -2.71 and 64.5 cm in English). */
export function caseLines(p) {
  const lines = [`${t(`caseStatus_${p.status}`)} · HAZ ${fmtScore(Number(p.haz))}`,
    `${t('caseMeasured')}: ${p.measure_date} · ${t('caseHeight')}: ${fmtNum(Number(p.height_cm))} cm`,
    `${t('caseTeam')}: ${p.team ?? '–'}`, p.pseudonym];
  if (p.approximate === true || p.approximate === 'true') lines.push(t('caseApprox'));
  return lines;
}

// The colour scale of the indicator on show: its range and its legend.
//
// Rates, shares, scores and distances are scaled from 0 to the highest village value
// (from /api/villages), one scale for the whole city at every zoom. Counts grow with the
// hexagon's size, so they are scaled to the hexagons loaded at the current resolution.

import { t, fmtInt, fmtPct, fmtKm, fmtMin, fmtScore } from './i18n.js';
import { RAMP, NO_DATA, COLOURS } from './layers.js';

const FORMAT = { score: fmtScore, pct: fmtPct, int: fmtInt, km: fmtKm, min: fmtMin };

/** Rounds up to a 'nice' number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten). */
export function niceCeil(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((v) => v >= x * 0.999);
}

/** 0 to a round high value of `ind` over the hexes loaded in `map` at the current resolution. */
export function hexDomain(map, ind) {
  const feats = map.querySourceFeatures('hexes', { sourceLayer: 'hex_centers' });
  const byRes = new Map();
  for (const f of feats) {
    const v = Number(f.properties[ind.prop]);
    if (!Number.isFinite(v) || (ind.needs && !(f.properties[ind.needs] > 0))) continue;
    const res = f.properties.res;
    if (!byRes.has(res)) byRes.set(res, []);
    byRes.get(res).push(v);
  }
  if (!byRes.size) return null;
  // Cached parent or child tiles may still be in view: use the resolution of the zoom,
  // which is the finest one whose tiles were loaded. Counts are skewed (most hexagons
  // hold a few children, some many): the 95th percentile keeps the ramp readable.
  const values = byRes.get(Math.max(...byRes.keys())).sort((a, b) => a - b);
  // At least 0..4, so that small counts do not stretch over the whole ramp.
  return [0, Math.max(4, niceCeil(values[Math.floor(0.95 * (values.length - 1))]))];
}

/** 0 to a round maximum of `ind` over `villages` (rows of /api/villages). */
export function villageDomain(villages, ind) {
  const values = (villages ?? [])
    .filter((v) => !ind.needs || Number(v[ind.needs]) > 0)
    .map((v) => Number(v[ind.prop]))
    .filter(Number.isFinite);
  return values.length ? [0, niceCeil(Math.max(...values))] : null;
}

/** The range of `ind`'s colour ramp, and whether it came from data (else the fallback). */
export function domainFor(ind, map, villages) {
  const found = ind.scale === 'villages' ? villageDomain(villages, ind) : hexDomain(map, ind);
  return { domain: found ?? ind.fallback, fromData: Boolean(found) };
}

/** HTML of the legend: ramp with its range, notes, the no-data class and the facilities. */
export function legendHtml(ind, [lo, hi], fromData) {
  const format = FORMAT[ind.kind];
  const gradient = RAMP.map((c, i) => `${c} ${(100 * i) / (RAMP.length - 1)}%`).join(', ');
  // Hexagons can exceed the highest village value or the 95th percentile of hexagons:
  // the top class is open-ended.
  const top = fromData ? `≥ ${format(hi)}` : format(hi);
  const key = (cls, colour, label) => `<li><i class="${cls}" style="background:${colour}"></i>${label}</li>`;
  return `<h2>${t(ind.key)}</h2>`
    + `<div class="ramp" style="background:linear-gradient(to right, ${gradient})"></div>`
    + `<div class="ticks"><span>${format(lo)}</span><span>${format((lo + hi) / 2)}</span><span>${top}</span></div>`
    + (ind.note ? `<p class="muted">${t(ind.note)}</p>` : '')
    + (fromData && ind.scale === 'villages' ? `<p class="muted">${t('legendScaleVillages')}</p>` : '')
    + `<ul class="keys">${key('swatch', NO_DATA, t('legendNoData'))}`
    + `${key('dot big', COLOURS.puskesmas, t('puskesmas'))}${key('dot', COLOURS.pustu, t('pustu'))}`
    + `${key('dot small', COLOURS.posyandu, t('posyandu'))}</ul>`
    + `<p class="muted hint">${t('legendHeat')}</p>`;
}

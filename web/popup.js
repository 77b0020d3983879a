// The content of the popup for a hexagon, a village or a health facility.
//
// Hexagons and villages carry the same aggregate properties in the tiles, and a village
// from /api/villages carries them too (with its factors as a list), so one function
// renders all three. Values come from the server and are escaped before use.

import { t, fmtInt, fmtPct, fmtKm, fmtMin, fmtScore, addWords, esc } from './i18n.js';
import { FACTORS } from './layers.js';
import { familyRows } from './families.js';

function num(value) {
  const n = typeof value === 'number' ? value : Number(value);
  return value === null || value === undefined || value === '' || !Number.isFinite(n) ? NaN : n;
}

addWords({
  id: { profileLink: 'Profil desa (cetak)', profileLinkTitle: 'Profil satu halaman untuk rembuk stunting' },
  en: { profileLink: 'Village profile (print)', profileLinkTitle: 'One-page profile for the stunting review meeting' },
});

/** The query the profile link carries (period and what-if weights), set by the page. */
let profileQuery = () => '';

/** Sets where the profile link takes its `period` and `w.<factor>` from. */
export function setProfileQuery(query) {
  profileQuery = query;
}

/** The link to a village's printable profile (web/profile.html), relative to the viewer. */
export function profileHref(code) {
  const q = new URLSearchParams(profileQuery().replace(/^\?/, ''));
  q.delete('compare');
  q.set('village', code);
  return `web/profile.html?${q}`;
}

/** The "Profil desa" link of a village, opening in a new tab. */
export function profileLinkHtml(code) {
  return `<a class="profile-link" href="${esc(profileHref(code))}" target="_blank" rel="noopener" title="${esc(t('profileLinkTitle'))}">${esc(t('profileLink'))}</a>`;
}

/** Factor weights of the risk model, learnt from /api/villages (tiles do not carry them). */
const weights = new Map();

/** Remembers the weights listed in a `factors` array of /api/villages. */
export function learnWeights(factors) {
  for (const f of factors ?? []) if (Number.isFinite(f?.weight)) weights.set(f.factor, f.weight);
}

/** Replaces the weights (what-if sliders): {factor: weight}. */
export function setWeights(map) {
  for (const [f, w] of Object.entries(map ?? {})) if (Number.isFinite(w)) weights.set(f, w);
}

/**
 * Contribution of each factor to the risk: from a `factors` list, or from the tiles'
 * normalised `n_<factor>` values and the current weights (w·n / Σ w).
 */
export function contributions(props) {
  const listed = Array.isArray(props.factors) ? props.factors : [];
  const byName = new Map(listed.map((f) => [f.factor, f]));
  const names = listed.length ? listed.map((f) => f.factor) : FACTORS;
  const total = FACTORS.reduce((s, f) => s + (weights.get(f) ?? 0), 0);
  const fromTile = (factor) => (total > 0 ? (num(props[`n_${factor}`]) * (weights.get(factor) ?? NaN)) / total : NaN);
  return names
    .map((factor) => ({
      factor,
      value: num(byName.get(factor)?.contribution ?? fromTile(factor)),
      weight: num(byName.get(factor)?.weight ?? weights.get(factor)),
    }))
    .filter((c) => Number.isFinite(c.value));
}

function row(label, value, extra = '') {
  const more = extra ? ` <span class="muted">(${esc(extra)})</span>` : '';
  return `<tr><th scope="row">${esc(label)}</th><td>${esc(value)}${more}</td></tr>`;
}

function share(part, whole) {
  const p = num(part);
  const w = num(whole);
  return w > 0 && Number.isFinite(p) ? fmtPct(p / w) : '';
}

function factorBars(props) {
  const list = contributions(props);
  if (!list.length) return '';
  const risk = num(props.risk);
  const scale = risk > 0 ? risk : Math.max(...list.map((c) => c.value), 1e-9);
  const bars = list.map((c) => {
    const width = Math.max(0, Math.min(100, (100 * c.value) / scale));
    const title = Number.isFinite(c.weight) ? ` title="${esc(t('weight'))} ${esc(fmtScore(c.weight))}"` : '';
    return `<li${title}><span class="factor">${esc(t(c.factor))}</span>`
      + `<span class="bar"><span style="width:${width.toFixed(1)}%"></span></span>`
      + `<span class="val">${esc(fmtScore(c.value))}</span></li>`;
  });
  return `<h4>${esc(t('contributions'))}</h4><ul class="factors">${bars.join('')}</ul>`;
}

function heading(props, where) {
  if (props.h3) {
    const sub = where ? `<p class="muted">${esc(t('inVillage'))} ${esc(where.name)}, ${esc(t('district'))} ${esc(where.district)}</p>` : '';
    // The resolution is the id's second hex digit (tiles leave `res` out).
    const res = props.res ?? parseInt(String(props.h3)[1], 16);
    return `<h3>${esc(t('hexagon'))} <span class="muted">${esc(t('resolution'))} ${esc(res)}</span></h3>`
      + `<p class="mono">${esc(props.h3)}</p>${sub}`;
  }
  return `<h3>${esc(props.name)}</h3><p class="muted">${esc(t('district'))} ${esc(props.district)}`
    + `${props.code ? ` · <span class="mono">${esc(props.code)}</span>` : ''}</p>`;
}

/**
 * HTML for the aggregate of a hexagon or village. `where` (optional) is the village a
 * hexagon lies in, as `{ name, district }`; `extra` rows `[label, value]` follow the
 * figures (a programme's reach on a coverage map).
 */
export function areaHtml(props, where = null, extra = []) {
  const children = num(props.children);
  const households = num(props.households);
  const rows = [
    row(t('children'), fmtInt(children)),
    row(t('stuntedCount'), fmtInt(num(props.stunted)), share(props.stunted, children)),
    row(t('severe'), fmtInt(num(props.severe)), share(props.severe, children)),
    row(t('households'), fmtInt(households)),
    row(t('hhNoLatrine'), fmtInt(num(props.no_latrine)), share(props.no_latrine, households)),
    row(t('hhNoSafeWater'), fmtInt(num(props.no_safe_water)), share(props.no_safe_water, households)),
    row(t('hhNoSanitation'), fmtInt(num(props.no_sanitation)), share(props.no_sanitation, households)),
    ...(props.puskesmas_min === undefined ? [] : [row(t('travelTime'), fmtMin(num(props.puskesmas_min)))]),
    row(t('distance'), fmtKm(num(props.puskesmas_km))),
    // Keluarga berisiko stunting: the total, and per target group where known.
    ...familyRows(props).map(([label, value]) => row(label, value)),
    ...extra.map(([label, value]) => row(label, value)),
  ];
  // Population rows only when a population raster was imported.
  if (props.population !== undefined && props.population !== null) {
    rows.push(row(t('population'), fmtInt(Math.round(num(props.population)))));
    if (props.coverage !== undefined && props.coverage !== null) {
      rows.push(row(t('coverage'), fmtPct(num(props.coverage))));
    }
  }
  return `<div class="popup">${heading(props, where)}`
    + `<p class="risk"><span>${esc(t('risk'))}</span> <strong>${esc(fmtScore(num(props.risk)))}</strong></p>`
    + `${props.code && !props.h3 ? `<p class="profile">${profileLinkHtml(props.code)}</p>` : ''}`
    + `<table>${rows.join('')}</table>${factorBars(props)}</div>`;
}

/** HTML for a health facility point. */
export function facilityHtml(props) {
  return `<div class="popup"><h3>${esc(props.name)}</h3><p class="muted">${esc(t(props.kind))}</p></div>`;
}

// Finding a place by name or code: a search box over the village list. Typing part of a
// village's or kecamatan's name (or a Kemendagri code, with or without dots) lists up
// to eight matches; choosing a village zooms to it and opens its figures, choosing a
// kecamatan zooms to all its villages. Enter takes the first match.

import { t, addWords } from './i18n.js';

addWords({
  id: { search: 'Cari desa/kelurahan, kecamatan atau kode', searchNone: 'Tidak ditemukan', villagesN: 'kelurahan' },
  en: { search: 'Find a village, district or code', searchNone: 'Nothing found', villagesN: 'villages' },
});

const MAX = 8;
const $ = (id) => document.getElementById(id);

/** Lower case, no accents, no "desa/kelurahan/kec." prefix, codes without dots. */
function norm(s) {
  return String(s ?? '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
    .replace(/^(desa|kelurahan|kel\.?|kecamatan|kec\.?)\s+/, '').replace(/(\d)\.(?=\d)/g, '$1').trim();
}

/** Matches of `text` among `villages` (rows of /api/villages): kecamatan first, then villages. */
export function findPlaces(villages, text) {
  const q = norm(text);
  if (!q) return [];
  const rank = (name) => (norm(name).startsWith(q) ? 0 : norm(name).includes(q) ? 1 : 2);
  const districts = new Map();
  for (const v of villages) {
    if (!districts.has(v.district)) districts.set(v.district, []);
    districts.get(v.district).push(v);
  }
  const found = [];
  for (const [name, rows] of districts) {
    const r = rank(name);
    if (r < 2) found.push({ kind: 'district', name, rows, r });
  }
  for (const v of villages) {
    const r = Math.min(rank(v.name), norm(v.code).startsWith(q) ? 0 : 2);
    if (r < 2) found.push({ kind: 'village', name: v.name, row: v, r });
  }
  return found.sort((a, b) => a.r - b.r || a.name.localeCompare(b.name, 'id')).slice(0, MAX);
}

/**
 * Wires the box: `villages()` gives the rows loaded so far, `selectVillage(row)` and
 * `selectVillages(rows)` move the map.
 */
export function initSearch({ villages, selectVillage, selectVillages }) {
  const input = $('search');
  const list = $('search-results');
  if (!input || !list) return;
  const choose = (hit) => {
    list.replaceChildren();
    input.value = hit.kind === 'district' ? `${t('district')} ${hit.name}` : hit.name;
    if (hit.kind === 'district') selectVillages(hit.rows);
    else selectVillage(hit.row);
  };
  let hits = [];
  const render = () => {
    hits = findPlaces(villages() ?? [], input.value);
    if (!input.value.trim()) { list.replaceChildren(); return; }
    if (!hits.length) {
      list.replaceChildren(Object.assign(document.createElement('li'), { className: 'muted', textContent: t('searchNone') }));
      return;
    }
    list.replaceChildren(...hits.map((hit) => {
      const li = document.createElement('li');
      const b = Object.assign(document.createElement('button'), { type: 'button' });
      b.textContent = hit.kind === 'district'
        ? `${t('district')} ${hit.name} (${hit.rows.length} ${t('villagesN')})`
        : `${hit.name} · ${t('district')} ${hit.row.district} · ${hit.row.code}`;
      b.addEventListener('click', () => choose(hit));
      li.append(b);
      return li;
    }));
  };
  input.addEventListener('input', render);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && hits.length) { e.preventDefault(); choose(hits[0]); }
    if (e.key === 'Escape') { input.value = ''; list.replaceChildren(); }
  });
  renderSearchTexts();
}

/** The box's placeholder in the current language. */
export function renderSearchTexts() {
  const input = $('search');
  if (!input) return;
  input.placeholder = t('search');
  input.setAttribute('aria-label', t('search'));
}

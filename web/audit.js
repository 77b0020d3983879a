// The case audit and re-measure lists: /web/audit.html[?period=&village=&posyandu=&kind=].
//
// Steps: log in (planners, admins, field officers), read the periods, then GET
// /api/audit with the filters (which lists each child is in, both rounds, the
// latest decision, names where the account may see them), show the counts per list
// and the children grouped by village and posyandu; a planner or admin marks a case
// audited in a dialog (POST /api/audit with the CSRF token). The XLSX link asks
// /api/audit.xlsx with the same filters; printing gives one page per posyandu
// (audit.css). The filters live in the address, so a link or a reload keeps them.

import { t, lang, setLang, applyI18n, addWords, fmtInt, fmtNum, fill } from './i18n.js';
import { ensureLogin, send } from './account.js';

// The page's words beside its code (as the profile page's): i18n.js is in the field
// page's offline shell, served from the cache first, so words added there would reach
// an officer's phone one load late.
addWords({
  id: {
    auditTitle: 'Audit kasus dan ukur ulang',
    auditIntro: 'Anak yang perlu diperiksa lagi per desa/kelurahan dan posyandu: pengukuran tidak masuk akal, lonjakan antar putaran, diukur sekali, tidak diukur putaran ini, baru stunting, memburuk. Tandai tiap kasus setelah diaudit.',
    auditPeriod: 'Periode',
    auditVillage: 'Desa/Kelurahan',
    auditPosyandu: 'Posyandu',
    auditKind: 'Daftar',
    auditAll: 'Semua',
    auditXlsx: 'Unduh XLSX',
    auditPrint: 'Cetak',
    auditKind_implausible: 'Tidak masuk akal',
    auditKind_jump: 'Lonjakan',
    auditKind_once: 'Diukur sekali',
    auditKind_missed: 'Tidak diukur',
    auditKind_newly_stunted: 'Baru stunting',
    auditKind_worse: 'Memburuk',
    auditHint_implausible: 'HAZ putaran ini di luar batas WHO (±6)',
    auditHint_jump: 'Tinggi turun atau HAZ berubah terlalu banyak sejak putaran sebelumnya',
    auditHint_once: 'Hanya diukur di putaran ini',
    auditHint_missed: 'Diukur putaran sebelumnya, tidak di putaran ini',
    auditHint_newly_stunted: 'HAZ ≥ -2 sebelumnya, < -2 sekarang',
    auditHint_worse: 'Tetap stunting dan HAZ turun lebih dari 0,5 atau menjadi sangat pendek',
    auditShowing: '{n} anak · periode {period}{previous}',
    auditVersus: ' dibanding {previous}',
    auditNoPrevious: ' (tidak ada putaran sebelumnya)',
    auditNone: 'Tidak ada anak di daftar ini.',
    auditChild: 'Anak',
    auditParent: 'Orang tua',
    auditLists: 'Daftar',
    auditBefore: 'Putaran sebelumnya',
    auditNow: 'Putaran ini',
    auditDecision: 'Keputusan',
    auditMark: 'Tandai',
    auditMarkTitle: 'Tandai kasus sudah diaudit',
    auditNote: 'Catatan',
    auditNotePlaceholder: 'mis. diukur ulang di posyandu, tinggi 78,5 cm',
    auditSave: 'Simpan',
    auditCancel: 'Batal',
    auditBy: 'oleh {user}, {at}',
    auditNotMeasured: 'tidak diukur',
    auditNoName: 'nama tidak tersedia',
    auditMonths: '{m} bln',
    auditNoPosyandu: 'Posyandu tidak diketahui',
    auditChildren: '{n} anak',
    auditChildren1: '{n} anak',
    auditShowing1: '{n} anak · periode {period}{previous}',
    auditSex_F: 'P',
    auditSex_M: 'L',
    auditPrinted: 'Dicetak {when}',
    auditLoadError: 'Daftar tidak dapat dimuat: {error}',
    auditForbidden: 'Daftar audit kasus hanya untuk perencana, admin dan petugas lapangan.',
    auditSaved: 'Keputusan disimpan.',
    auditCheck_height_shrank: 'tinggi turun',
    auditCheck_haz_jump: 'HAZ melonjak',
    auditDecision_valid: 'Data benar',
    auditDecision_remeasure: 'Ukur ulang',
    auditDecision_data_error: 'Salah input data',
    auditDecision_referred: 'Dirujuk ke puskesmas',
  },
  en: {
    auditTitle: 'Case audit and re-measure lists',
    auditIntro: 'Children to check again per village and posyandu: implausible measurements, jumps between rounds, measured once, not measured this round, newly stunted, getting worse. Mark each case once audited.',
    auditPeriod: 'Period',
    auditVillage: 'Village',
    auditPosyandu: 'Posyandu',
    auditKind: 'List',
    auditAll: 'All',
    auditXlsx: 'Download XLSX',
    auditPrint: 'Print',
    auditKind_implausible: 'Implausible',
    auditKind_jump: 'Jump',
    auditKind_once: 'Measured once',
    auditKind_missed: 'Not measured',
    auditKind_newly_stunted: 'Newly stunted',
    auditKind_worse: 'Getting worse',
    auditHint_implausible: "This round's HAZ is beyond the WHO limits (±6)",
    auditHint_jump: 'Height fell or HAZ changed too much since the previous round',
    auditHint_once: 'Measured in this round only',
    auditHint_missed: 'Measured in the previous round, not in this one',
    auditHint_newly_stunted: 'HAZ ≥ -2 before, < -2 now',
    auditHint_worse: 'Still stunted and HAZ fell by more than 0.5, or became severely stunted',
    auditShowing: '{n} children · period {period}{previous}',
    auditVersus: ' against {previous}',
    auditNoPrevious: ' (no previous round)',
    auditNone: 'No child on this list.',
    auditChild: 'Child',
    auditParent: 'Parent',
    auditLists: 'Lists',
    auditBefore: 'Previous round',
    auditNow: 'This round',
    auditDecision: 'Decision',
    auditMark: 'Mark',
    auditMarkTitle: 'Mark the case audited',
    auditNote: 'Note',
    auditNotePlaceholder: 'e.g. measured again at the posyandu, 78.5 cm',
    auditSave: 'Save',
    auditCancel: 'Cancel',
    auditBy: 'by {user}, {at}',
    auditNotMeasured: 'not measured',
    auditNoName: 'name not available',
    auditMonths: '{m} mo',
    auditNoPosyandu: 'Posyandu unknown',
    auditChildren: '{n} children',
    auditChildren1: '{n} child',
    auditShowing1: '{n} child · period {period}{previous}',
    auditSex_F: 'F',
    auditSex_M: 'M',
    auditPrinted: 'Printed {when}',
    auditLoadError: 'The list could not be loaded: {error}',
    auditForbidden: 'The case audit lists are for planners, admins and field officers.',
    auditSaved: 'Decision saved.',
    auditCheck_height_shrank: 'height fell',
    auditCheck_haz_jump: 'HAZ jumped',
    auditDecision_valid: 'Data correct',
    auditDecision_remeasure: 'Measure again',
    auditDecision_data_error: 'Data-entry error',
    auditDecision_referred: 'Referred to the puskesmas',
  },
});

const ROOT = new URL('../', window.location.href);
const KINDS = ['implausible', 'jump', 'once', 'missed', 'newly_stunted', 'worse'];
const $ = (id) => document.getElementById(id);
const state = { user: null, body: null, periods: [], marking: null };

const locale = () => (lang() === 'id' ? 'id-ID' : 'en-GB');

/** `t(key)` with `{name}` placeholders filled. */
/** `fill` of `key`, or of `key1` when `n` is one (English: 1 child, 2 children). */
function count(key, n, values = {}) {
  return fill(n === 1 ? `${key}1` : key, { ...values, n: fmtInt(n) });
}

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

function dayText(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '');
  if (!m) return '';
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric' })
    .format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

/** The filters as the address and the API take them. */
function filters() {
  const q = new URLSearchParams();
  for (const id of ['period', 'village', 'posyandu', 'kind']) {
    const v = $(id).value;
    if (v) q.set(id, v);
  }
  return q;
}

function option(value, text, selected) {
  return el('option', { value, textContent: text, selected: value === selected });
}

function fillSelect(select, items, selected) {
  select.replaceChildren(option('', t('auditAll'), selected), ...items.map(([v, text]) => option(v, text, selected)));
  select.value = items.some(([v]) => v === selected) ? selected : '';
}

async function load() {
  const q = filters();
  history.replaceState(null, '', `?${q}`);
  $('xlsx').href = new URL(`api/audit.xlsx?${q}`, ROOT).href;
  $('status').textContent = '…';
  const r = await fetch(new URL(`api/audit?${q}`, ROOT));
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    showError(r.status === 403 ? t('auditForbidden') : fill('auditLoadError', { error: body.error || `HTTP ${r.status}` }));
    return;
  }
  $('error').hidden = true;
  state.body = await r.json();
  render();
}

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = false;
  $('status').textContent = '';
  $('groups').replaceChildren();
}

function renderFilters() {
  const b = state.body;
  const asked = new URLSearchParams(window.location.search);
  fillSelect($('village'), b.villages.map((v) => [v.code, `${v.name} (${v.district}) · ${fmtInt(v.rows)}`]),
    asked.get('village') ?? '');
  fillSelect($('posyandu'), b.posyandu.map((p) => [p, p]), asked.get('posyandu') ?? '');
  fillSelect($('kind'), KINDS.map((k) => [k, `${t(`auditKind_${k}`)} · ${fmtInt(b.counts[k] ?? 0)}`]),
    asked.get('kind') ?? '');
  $('counts').replaceChildren(...KINDS.map((k) => {
    const button = el('button', {
      type: 'button', className: `count kind-${k}${$('kind').value === k ? ' on' : ''}`, title: t(`auditHint_${k}`),
    }, el('strong', { textContent: fmtInt(b.counts[k] ?? 0) }), el('span', { textContent: t(`auditKind_${k}`) }));
    button.dataset.kind = k;
    button.addEventListener('click', () => {
      $('kind').value = $('kind').value === k ? '' : k;
      load();
    });
    return el('li', {}, button);
  }));
}

function roundCell(r) {
  if (!r) return el('td', { className: 'round none', textContent: t('auditNotMeasured') });
  return el('td', { className: 'round' },
    el('span', { className: 'date', textContent: dayText(r.measure_date) }),
    el('span', { textContent: ` · ${fill('auditMonths', { m: r.age_months })} · ${fmtNum(r.height_cm)} cm · ` }),
    el('span', { className: r.haz < -3 ? 'haz severe' : r.haz < -2 ? 'haz stunted' : 'haz', textContent: `HAZ ${fmtNum(r.haz, 2)}` }));
}

function decisionCell(row) {
  const td = el('td', { className: 'decision' });
  if (row.audit) {
    td.append(el('strong', { className: `dec dec-${row.audit.decision}`, textContent: t(`auditDecision_${row.audit.decision}`) }));
    if (row.audit.note) td.append(el('span', { className: 'note', textContent: row.audit.note }));
    td.append(el('span', { className: 'by muted', textContent: fill('auditBy', { user: row.audit.username, at: dayText(row.audit.at) }) }));
  }
  if (['admin', 'planner'].includes(state.user.role)) {
    const b = el('button', { type: 'button', className: 'mark', textContent: t('auditMark') });
    b.addEventListener('click', () => openMark(row));
    td.append(b);
  }
  return td;
}

function rowOf(row) {
  const who = el('td', { className: 'who' },
    row.name ? el('strong', { textContent: row.name }) : el('span', { className: 'muted', textContent: t('auditNoName') }),
    el('span', { className: 'code mono', textContent: ` ${t(`auditSex_${row.sex}`)} · ${row.pseudonym.slice(0, 8)}` }));
  const kinds = el('td', { className: 'kinds' }, ...row.kinds.map((k) => el('span', {
    className: `tag kind-${k}`, textContent: t(`auditKind_${k}`), title: t(`auditHint_${k}`),
  })), ...row.checks.map((c) => el('span', { className: 'check', textContent: t(`auditCheck_${c}`) })));
  const tr = el('tr', {}, who, el('td', { className: 'parent', textContent: row.parent ?? '' }), kinds,
    roundCell(row.before), roundCell(row.now), decisionCell(row));
  tr.dataset.pseudonym = row.pseudonym;
  return tr;
}

function head() {
  return el('thead', {}, el('tr', {}, ...['auditChild', 'auditParent', 'auditLists', 'auditBefore', 'auditNow', 'auditDecision']
    .map((k) => el('th', { textContent: t(k) }))));
}

function cols() {
  return el('colgroup', {}, ...['who', 'parent', 'kinds', 'round', 'round', 'decision']
    .map((c) => el('col', { className: `c-${c}` })));
}

/** Rows grouped by village, then posyandu, in the API's order. */
function groups(rows) {
  const out = [];
  for (const r of rows) {
    const key = `${r.village}|${r.posyandu ?? ''}`;
    if (!out.length || out[out.length - 1].key !== key) out.push({ key, first: r, rows: [] });
    out[out.length - 1].rows.push(r);
  }
  return out;
}

function render() {
  const b = state.body;
  renderFilters();
  const previous = b.previous ? fill('auditVersus', { previous: b.previous }) : t('auditNoPrevious');
  $('status').textContent = count('auditShowing', b.rows.length, { period: b.period ?? '–', previous });
  const chosen = ['village', 'posyandu', 'kind'].map((id) => $(id).selectedOptions[0]?.textContent.replace(/ · [\d.,]+$/, ''));
  $('print-filters').textContent = [`${t('auditPeriod')} ${b.period ?? '–'}${previous}`,
    ...chosen.map((c, i) => (c && $(['village', 'posyandu', 'kind'][i]).value ? c : null)).filter(Boolean),
    fill('auditPrinted', { when: dayText(new Date().toISOString()) })].join(' · ');
  if (!b.rows.length) {
    $('groups').replaceChildren(el('p', { className: 'muted none', textContent: t('auditNone') }));
    return;
  }
  $('groups').replaceChildren(...groups(b.rows).map((g) => el('section', { className: 'audit-group' },
    el('h2', {},
      el('span', { textContent: `${g.first.village_name}` }),
      el('span', { className: 'muted', textContent: ` · ${t('district')} ${g.first.district} · ` }),
      el('span', { textContent: g.first.posyandu ?? t('auditNoPosyandu') }),
      el('span', { className: 'muted', textContent: ` · ${count('auditChildren', g.rows.length)}` }),
      el('span', { className: 'print-period muted', textContent: ` · ${t('auditPeriod')} ${b.period}` })),
    el('table', { className: 'audit-table' }, cols(), head(), el('tbody', {}, ...g.rows.map(rowOf))))));
}

function openMark(row) {
  state.marking = row;
  $('mark-who').textContent = `${row.name ?? row.pseudonym.slice(0, 8)} · ${row.village_name}${row.posyandu ? ` · ${row.posyandu}` : ''}`;
  const chosen = $('kind').value;
  $('mark-kind').replaceChildren(...row.kinds.map((k) => option(k, t(`auditKind_${k}`), row.kinds.includes(chosen) ? chosen : row.kinds[0])));
  const current = row.audit?.decision ?? 'remeasure';
  $('mark-decisions').replaceChildren(el('legend', { textContent: t('auditDecision') }),
    ...state.body.decisions.map(({ decision }) => el('label', { className: 'choice' },
      el('input', { type: 'radio', name: 'decision', value: decision, checked: decision === current }),
      el('span', { textContent: t(`auditDecision_${decision}`) }))));
  $('mark-note').value = '';
  $('mark-note').placeholder = t('auditNotePlaceholder');
  $('mark-error').textContent = '';
  $('mark').showModal();
}

async function saveMark(ev) {
  ev.preventDefault();
  const row = state.marking;
  const decision = $('mark-form').querySelector('input[name=decision]:checked')?.value;
  $('mark-save').disabled = true;
  try {
    const r = await send('POST', 'api/audit', {
      pseudonym: row.pseudonym, period: state.body.period, kind: $('mark-kind').value, decision, note: $('mark-note').value,
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      $('mark-error').textContent = body.error || `HTTP ${r.status}`;
      return;
    }
    row.audit = body.audit;
    $('mark').close();
    const tr = document.querySelector(`tr[data-pseudonym="${row.pseudonym}"]`);
    tr?.replaceWith(rowOf(row));
    $('status').textContent = `${$('status').textContent.split(' ✓')[0]} ✓ ${t('auditSaved')}`;
  } finally {
    $('mark-save').disabled = false;
  }
}

async function start() {
  applyI18n();
  $('lang-toggle').textContent = t('switchTo');
  $('lang-toggle').addEventListener('click', () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    applyI18n();
    $('lang-toggle').textContent = t('switchTo');
    if (state.body) render();
  });
  state.user = await ensureLogin();
  const asked = new URLSearchParams(window.location.search);
  const p = await fetch(new URL('api/periods', ROOT));
  const periods = p.ok ? await p.json() : { periods: [], default: null };
  fillSelect($('period'), periods.periods.map((x) => [x.period, x.period]), asked.get('period') ?? periods.default ?? '');
  $('period').options[0].remove(); // a period is always chosen (the latest by default)
  if (asked.get('period')) $('period').value = asked.get('period');
  for (const [id, v] of asked) if ($(id) && id !== 'period') fillSelect($(id), [[v, v]], v);
  for (const id of ['period', 'village', 'posyandu', 'kind']) {
    $(id).addEventListener('change', () => {
      // A posyandu belongs to a village: a new village clears it.
      if (id === 'village' || id === 'period') $('posyandu').value = '';
      load();
    });
  }
  $('print').addEventListener('click', () => window.print());
  $('mark-form').addEventListener('submit', saveMark);
  $('mark-cancel').addEventListener('click', () => $('mark').close());
  await load();
}

start().catch((e) => showError(fill('auditLoadError', { error: e.message })));

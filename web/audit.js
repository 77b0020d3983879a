// The case audit and re-measure lists: /web/audit.html[?period=&village=&posyandu=&kind=].
//
// Steps: log in (planners, admins, field officers), read the periods, then GET
// /api/audit with the filters (which lists each child is in, both rounds, the
// latest decision, names where the account may see them), show the counts per list
// and the children grouped by village and posyandu; a planner or admin marks a case
// audited in a dialog (POST /api/audit with the CSRF token). The XLSX link asks
// /api/audit.xlsx with the same filters; printing gives one page per posyandu
// (audit.css). The filters live in the address, so a link or a reload keeps them.

import { t, lang, setLang, applyI18n, fmtInt, fmtNum } from './i18n.js';
import { ensureLogin, send } from './account.js';

const ROOT = new URL('../', window.location.href);
const KINDS = ['implausible', 'jump', 'once', 'missed', 'newly_stunted', 'worse'];
const $ = (id) => document.getElementById(id);
const state = { user: null, body: null, periods: [], marking: null };

const locale = () => (lang() === 'id' ? 'id-ID' : 'en-GB');

/** `t(key)` with `{name}` placeholders filled. */
function fill(key, values) {
  return t(key).replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''));
}

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
      el('span', { className: 'muted', textContent: ` · ${g.first.district} · ` }),
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

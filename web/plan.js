// Plan against delivery: /web/plan.html[?period=].
//
// Steps: log in (admins, planners, viewers), read the periods, then GET
// /api/coverage/plan for the round chosen (counts only: per OPD or sponsor the
// children assigned, visited, given an intervention, reached by neither, what it
// delivered per programme; the villages nobody reached) and the programme names
// from /api/coverage. The period lives in the address, so a link or a reload keeps
// it; printing drops the controls (plan.css, audit.css).

import { t, lang, setLang, applyI18n, addWords, fmtInt, fill } from './i18n.js';
import { ensureLogin } from './account.js';

// The page's words beside its code, as audit.js does (i18n.js is cached by the field
// page's offline shell).
addWords({
  id: {
    planTitle: 'Rencana dan realisasi per OPD',
    planIntro: 'Per OPD atau sponsor: anak stunting yang ditugaskan kepadanya (pembagian penugasan), berapa yang dikunjungi, berapa yang menerima intervensi (dari siapa pun), berapa yang belum dijangkau sama sekali, dan apa yang diberikannya per program dalam periode ini.',
    planPeriodLabel: 'Periode',
    planPrint: 'Cetak',
    planReviewLink: 'Tinjauan tahunan',
    planBy: 'OPD / sponsor',
    planAssigned: 'Anak ditugaskan',
    planVisited: 'Dikunjungi',
    planReceived: 'Menerima intervensi',
    planUnreached: 'Belum dijangkau',
    planDelivered: 'Yang diberikan',
    planTotal: 'Jumlah',
    planDeliveries: '{programme}: {n} kali, {r} penerima',
    planNothing: 'tidak ada pemberian tercatat',
    planNote: 'Dikunjungi: ditemui pada kunjungan rumah dalam jangka periode (dari bulannya sampai periode berikutnya, paling lama 6 bulan). Menerima intervensi: anak atau rumah tangganya menerima program apa pun dalam periode. Belum dijangkau: tidak dikunjungi dan tidak menerima apa pun.',
    planVillages: 'Desa yang belum dijangkau siapa pun',
    planVillagesNote: 'Tidak ada pemberian program apa pun kepada siapa pun di desa ini dan tidak ada anak yang ditemui pada kunjungan rumah dalam periode ini.',
    planVillagesNone: 'Semua desa dijangkau.',
    planVillagesCount: '({n} desa)',
    planPeriod: 'Periode {period}',
    planLoadError: 'Rencana dan realisasi tidak dapat dimuat: {error}',
    planForbidden: 'Rencana dan realisasi hanya untuk staf (admin, perencana, pemantau).',
    planNone: 'Belum ada penugasan atau pemberian dalam periode ini.',
  },
  en: {
    planTitle: 'Plan and delivery per OPD',
    planIntro: 'Per OPD or sponsor: the stunted children assigned to it (the assignment shares), how many were visited, how many received an intervention (from anyone), how many nobody reached at all, and what it gave per programme in the period.',
    planPeriodLabel: 'Period',
    planPrint: 'Print',
    planReviewLink: 'Annual review',
    planBy: 'OPD / sponsor',
    planAssigned: 'Children assigned',
    planVisited: 'Visited',
    planReceived: 'Received an intervention',
    planUnreached: 'Not reached',
    planDelivered: 'Delivered',
    planTotal: 'Total',
    planDeliveries: '{programme}: {n} times, {r} recipients',
    planNothing: 'no delivery recorded',
    planNote: "Visited: found on a home visit within the period's window (from its month until the next period, at most 6 months). Received an intervention: the child or its household received any programme in the period. Not reached: neither visited nor given anything.",
    planVillages: 'Villages nobody reached',
    planVillagesNote: 'No delivery of any programme to anyone in the village and no child found on a home visit in the period.',
    planVillagesNone: 'Every village was reached.',
    planVillagesCount: '({n} villages)',
    planPeriod: 'Period {period}',
    planLoadError: 'Plan and delivery could not be loaded: {error}',
    planForbidden: 'Plan and delivery is for staff (admins, planners, viewers).',
    planNone: 'No assignment or delivery in this period yet.',
  },
});

const ROOT = new URL('../', window.location.href);
const $ = (id) => document.getElementById(id);
const state = { plan: null, names: {} };

/** `t(key)` with `{name}` placeholders filled. */
function el(tag, props = {}, children = []) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = false;
}

const num = (n, cls = 'num') => el('td', { className: cls, textContent: fmtInt(n) });

/** A count with its share of the assigned: "12 (40%)". */
function part(n, of, cls = 'num') {
  const td = el('td', { className: cls, textContent: fmtInt(n) });
  if (of > 0) td.append(' ', el('small', { textContent: `(${Math.round((100 * n) / of)}%)` }));
  return td;
}

function render() {
  const p = state.plan;
  const period = p.period ?? '';
  $('period-label').textContent = period ? `· ${fill('planPeriod', { period })}` : '';
  $('print-period').textContent = period ? fill('planPeriod', { period }) : '';
  const rows = p.by.map((d) => {
    const delivered = Object.entries(d.programmes).map(([code, x]) => fill('planDeliveries', {
      programme: state.names[code] ?? code, n: fmtInt(x.deliveries), r: fmtInt(x.recipients),
    }));
    const tr = el('tr', {}, [
      el('td', { textContent: d.by === '-' ? '–' : d.by }),
      num(d.assigned),
      part(d.visited, d.assigned),
      part(d.received, d.assigned),
      part(d.unreached, d.assigned, d.unreached > 0 ? 'num gap' : 'num'),
      el('td', { className: 'delivered', textContent: delivered.length ? delivered.join('; ') : t('planNothing') }),
    ]);
    tr.dataset.by = d.by;
    return tr;
  });
  const sum = (k) => p.by.reduce((s, d) => s + d[k], 0);
  if (rows.length) {
    const assigned = sum('assigned');
    const total = el('tr', { className: 'total' }, [
      el('td', { textContent: t('planTotal') }), num(assigned), part(sum('visited'), assigned),
      part(sum('received'), assigned), part(sum('unreached'), assigned), el('td'),
    ]);
    total.dataset.by = '';
    rows.push(total);
  } else {
    rows.push(el('tr', {}, [el('td', { colSpan: 6, className: 'muted', textContent: t('planNone') })]));
  }
  $('plan-rows').replaceChildren(...rows);
  const villages = p.villages_unreached;
  $('villages-count').textContent = fill('planVillagesCount', { n: fmtInt(villages.length) });
  $('villages').replaceChildren(...(villages.length
    ? villages.map((v) => el('li', { title: v.code }, [v.name ?? v.code, ' ', el('span', { className: 'district', textContent: v.district ?? '' })]))
    : [el('li', { className: 'muted', textContent: t('planVillagesNone') })]));
  document.body.dataset.plan = period;
}

async function load() {
  const period = $('period').value;
  const q = period ? `?period=${encodeURIComponent(period)}` : '';
  history.replaceState(null, '', q || window.location.pathname);
  // The annual review up to this round (web/review.html).
  $('review-link').href = `review.html${period ? `?to=${encodeURIComponent(period)}` : ''}`;
  const [r, c] = await Promise.all([
    fetch(new URL(`api/coverage/plan${q}`, ROOT)),
    fetch(new URL(`api/coverage${q}`, ROOT)),
  ]);
  if (r.status === 403) { showError(t('planForbidden')); return; }
  if (!r.ok) throw new Error(`api/coverage/plan: HTTP ${r.status}`);
  state.plan = await r.json();
  if (c.ok) state.names = Object.fromEntries((await c.json()).programmes.map((x) => [x.code, x.name]));
  $('error').hidden = true;
  render();
}

async function start() {
  applyI18n();
  $('lang-toggle').textContent = t('switchTo');
  $('lang-toggle').addEventListener('click', () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    applyI18n();
    $('lang-toggle').textContent = t('switchTo');
    if (state.plan) render();
  });
  await ensureLogin();
  const asked = new URLSearchParams(window.location.search).get('period');
  const p = await fetch(new URL('api/periods', ROOT));
  const periods = p.ok ? await p.json() : { periods: [], default: null };
  const chosen = asked ?? periods.default ?? '';
  $('period').replaceChildren(...periods.periods.map((x) => new Option(x.period, x.period, false, x.period === chosen)));
  $('period').addEventListener('change', () => load().catch((e) => showError(fill('planLoadError', { error: e.message }))));
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('print').addEventListener('click', () => window.print());
  await load();
}

start().catch((e) => showError(fill('planLoadError', { error: e.message })));

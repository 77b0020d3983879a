// The printable annual review, for the Bappeda planner preparing the annual review and
// the next rembuk stunting: /web/review.html[?from=P&to=Q].
//
// Steps: log in (admins, planners, viewers; a field officer is refused by the API),
// read the rounds (GET /api/periods) for the two selectors, then GET /api/review for
// the rounds chosen, and fill the report in the order it is read at the meeting: the
// title block, the city's figures per round, the maps, the kecamatan, plan against
// delivery per OPD, the sponsors, the villages nobody reached and the villages with
// the rembuk's decisions in force. The rounds live in the address, so a link or a
// reload keeps them; "Unduh XLSX" is /api/review.xlsx with the same query.
//
// The maps: one MapLibre map off screen over sigap's own village tiles (and the
// basemap's water), recoloured per map with a `match` on the village code and kept as
// a still <img> (the WebGL canvas keeps its buffer, `preserveDrawingBuffer`, as
// print.js explains), so the printed page shows them. One WebGL context and one set
// of tiles for every map.

import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { t, lang, setLang, applyI18n, addWords, fmtInt, fill } from './i18n.js';
import { ensureLogin } from './account.js';
import { loadBasemap } from './basemap.js';
import { RAMP, NO_DATA } from './layers.js';

addWords({
  id: {
    reviewTitleShort: 'Tinjauan tahunan',
    reviewTitle: 'Tinjauan tahunan konvergensi stunting',
    reviewKicker: 'Bahan tinjauan tahunan dan rembuk stunting',
    reviewIntro: 'Per desa/kelurahan, kecamatan dan kota, periode demi periode: prevalensi stunting dan perubahannya, cakupan pengukuran, cakupan tiap program, rencana dan realisasi per OPD, kontribusi sponsor, desa yang belum dijangkau, dan keputusan rembuk yang berlaku. Pilih periode, lalu cetak (A4 tegak) atau unduh XLSX.',
    reviewFrom: 'Dari periode', reviewTo: 'Sampai periode', reviewXlsx: 'Unduh XLSX', reviewPrint: 'Cetak',
    reviewPlanLink: 'Rencana dan realisasi per OPD',
    reviewLoading: 'Memuat tinjauan…', reviewDrawing: 'Menggambar peta {n} dari {of}…',
    reviewLoadError: 'Tinjauan tahunan tidak dapat dimuat: {error}',
    reviewForbidden: 'Tinjauan tahunan hanya untuk staf (admin, perencana, pemantau).',
    reviewRounds: 'Periode {first} sampai {last} ({n} putaran)', reviewRound: 'Periode {first}',
    reviewRevision: 'Revisi data {n}', reviewPrinted: 'Dicetak {day}',
    reviewCity: 'Angka kota per periode', reviewMaps: 'Peta per desa/kelurahan',
    reviewMapsNote: 'Kelas: batas bawah termasuk, batas atas tidak. Kelas prevalensi sama untuk semua periode agar dapat dibandingkan. Abu-abu: tidak ada anak diukur (prevalensi), tidak ada sasaran ukur (cakupan), atau tidak ada angka di salah satu periode (perubahan).',
    reviewDistricts: 'Kecamatan per periode', reviewDistrictProgrammes: 'Cakupan program per kecamatan',
    reviewDeliverers: 'Rencana dan realisasi per OPD dan pelaksana',
    reviewDeliverersNote: 'Anak ditugaskan: anak stunting dalam pembagian penugasan. Dikunjungi: ditemui pada kunjungan rumah dalam periode. Menerima intervensi: menerima program apa pun dari siapa pun. Belum terjangkau: tidak dikunjungi dan tidak menerima apa pun. Penyaluran dan biaya: semua yang diberikan pelaksana ini menurut catatan intervensi.',
    reviewSponsors: 'Kontribusi sponsor dan mitra (CSR)', reviewNoSponsors: 'Belum ada sponsor yang tercatat memberi program bersponsor.',
    reviewUnreached: 'Desa yang belum dijangkau siapa pun', reviewUnreachedCount: '{n} desa/kelurahan', reviewAllReached: 'Semua desa/kelurahan dijangkau.',
    reviewVillages: 'Desa/kelurahan per periode dan keputusan rembuk',
    reviewVillagesNote: 'Merah: cakupan pengukuran di bawah ambang {pct}. Keputusan rembuk: yang berlaku pada periode terakhir (dari rembuk periode itu, atau dibawa dari rembuk sebelumnya).',
    rvMeasured: 'Anak diukur', rvStunted: 'Stunting', rvPrevalence: 'Prevalensi', rvChange: 'Perubahan (poin)',
    rvTarget: 'Sasaran ukur', rvCoverage: 'Cakupan pengukuran', rvBelow: 'Desa di bawah ambang {pct}',
    rvBelowShort: 'Di bawah ambang', rvVillages: 'Desa', rvPeriod: 'Periode', rvDistrict: 'Kecamatan',
    rvVillage: 'Desa/kelurahan', rvDecision: 'Keputusan rembuk yang berlaku', rvOf: '{x} dari {y}',
    rvShareOf: '{x} dari {y} ({z})', rvNoTarget: 'tidak ada sasaran', rvYes: 'ya',
    rvBy: 'Pelaksana', rvAssigned: 'Anak ditugaskan', rvVisited: 'Dikunjungi', rvReceived: 'Menerima intervensi',
    rvUnreached: 'Belum terjangkau', rvDeliveries: 'Penyaluran', rvCost: 'Biaya (Rp)', rvTotal: 'Jumlah',
    rvSponsorTag: 'sponsor', rvSponsor: 'Sponsor', rvProgramme: 'Program', rvRecipients: 'Penerima', rvQuantity: 'Jumlah barang',
    rvPriority: 'Prioritas (lokus)', rvNotPriority: 'Bukan prioritas',
    rvDecidedAt: 'rembuk {period}', rvNoDecision: '–', rvPoints: 'poin',
    mapPrevalence: 'Prevalensi stunting {period}', mapChange: 'Perubahan prevalensi {first} → {last}',
    mapCoverage: 'Cakupan pengukuran {period}', mapNoData: 'tidak ada data', mapUnit: 'Dalam poin persen; biru: prevalensi turun (membaik), merah: naik.',
    mapFell: 'turun ≥ {a}', mapFellSome: 'turun {a}–{b}', mapSteady: 'tetap (±{a})', mapRoseSome: 'naik {a}–{b}', mapRose: 'naik ≥ {a}',
    mapThreshold: '≥ {a} (memenuhi ambang)', mapOneRound: 'Peta perubahan memerlukan dua periode atau lebih.',
    reviewSource: 'Sumber: sigap, data e-PPGBM, rumah tangga dan catatan intervensi yang diimpor; angka agregat per wilayah, tanpa data anak perorangan.',
  },
  en: {
    reviewTitleShort: 'Annual review',
    reviewTitle: 'Annual review of stunting convergence',
    reviewKicker: 'For the annual review and the stunting review meeting (rembuk)',
    reviewIntro: 'Per village, kecamatan and the city, round by round: stunting prevalence and its change, measurement coverage, each programme\'s coverage, plan and delivery per OPD, the sponsors\' contributions, villages nobody reached, and the rembuk decisions in force. Choose the rounds, then print (A4 portrait) or download the XLSX.',
    reviewFrom: 'From round', reviewTo: 'To round', reviewXlsx: 'Download XLSX', reviewPrint: 'Print',
    reviewPlanLink: 'Plan and delivery per OPD',
    reviewLoading: 'Loading the review…', reviewDrawing: 'Drawing map {n} of {of}…',
    reviewLoadError: 'The annual review could not be loaded: {error}',
    reviewForbidden: 'The annual review is for staff (admins, planners, viewers).',
    reviewRounds: 'Rounds {first} to {last} ({n} rounds)', reviewRound: 'Round {first}',
    reviewRevision: 'Data revision {n}', reviewPrinted: 'Printed {day}',
    reviewCity: "The city's figures per round", reviewMaps: 'Maps per village',
    reviewMapsNote: 'Classes include their lower bound, not their upper one. The prevalence classes are the same in every round so the maps compare. Grey: no child measured (prevalence), no measurement target (coverage), or no figure in one of the rounds (change).',
    reviewDistricts: 'Kecamatan per round', reviewDistrictProgrammes: 'Programme coverage per kecamatan',
    reviewDeliverers: 'Plan and delivery per OPD and deliverer',
    reviewDeliverersNote: 'Children assigned: stunted children in the assignment shares. Visited: found on a home visit in the round. Received an intervention: given any programme by anyone. Not reached: neither visited nor given anything. Deliveries and cost: everything this deliverer gave, from the intervention ledger.',
    reviewSponsors: 'Sponsors and partners (CSR)', reviewNoSponsors: 'No sponsor has given a sponsored programme yet.',
    reviewUnreached: 'Villages nobody reached', reviewUnreachedCount: '{n} villages', reviewAllReached: 'Every village was reached.',
    reviewVillages: 'Villages per round and the rembuk decisions',
    reviewVillagesNote: 'Red: measurement coverage below the {pct} threshold. Rembuk decisions: those in force at the last round (from that round\'s rembuk, or carried from an earlier one).',
    rvMeasured: 'Children measured', rvStunted: 'Stunted', rvPrevalence: 'Prevalence', rvChange: 'Change (points)',
    rvTarget: 'Measurement target', rvCoverage: 'Measurement coverage', rvBelow: 'Villages below the {pct} threshold',
    rvBelowShort: 'Below threshold', rvVillages: 'Villages', rvPeriod: 'Round', rvDistrict: 'Kecamatan',
    rvVillage: 'Village', rvDecision: 'Rembuk decisions in force', rvOf: '{x} of {y}',
    rvShareOf: '{x} of {y} ({z})', rvNoTarget: 'no target', rvYes: 'yes',
    rvBy: 'Deliverer', rvAssigned: 'Children assigned', rvVisited: 'Visited', rvReceived: 'Received an intervention',
    rvUnreached: 'Not reached', rvDeliveries: 'Deliveries', rvCost: 'Cost (Rp)', rvTotal: 'Total',
    rvSponsorTag: 'sponsor', rvSponsor: 'Sponsor', rvProgramme: 'Programme', rvRecipients: 'Recipients', rvQuantity: 'Quantity',
    rvPriority: 'Priority (lokus)', rvNotPriority: 'Not a priority',
    rvDecidedAt: 'rembuk {period}', rvNoDecision: '–', rvPoints: 'points',
    mapPrevalence: 'Stunting prevalence {period}', mapChange: 'Prevalence change {first} → {last}',
    mapCoverage: 'Measurement coverage {period}', mapNoData: 'no data', mapUnit: 'In percentage points; blue: prevalence fell (better), red: rose.',
    mapFell: 'fell ≥ {a}', mapFellSome: 'fell {a}–{b}', mapSteady: 'steady (±{a})', mapRoseSome: 'rose {a}–{b}', mapRose: 'rose ≥ {a}',
    mapThreshold: '≥ {a} (meets the threshold)', mapOneRound: 'The change map needs two rounds or more.',
    reviewSource: 'Source: sigap, imported e-PPGBM, household and intervention records; aggregate figures per area, no individual child.',
  },
});

const ROOT = new URL('../', window.location.href);
const $ = (id) => document.getElementById(id);
const state = { review: null, maps: [], villageNames: new Map() };

/** Diverging classes for the change, fell (blue) to rose (red), as the viewer's change map. */
const DIVERGING = ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b'];
/** Measurement coverage: three classes below the threshold (darker is further below), one at or above it. */
const COVERAGE = ['#b30000', '#e34a33', '#fdbb84', '#2b8cbe'];
/** The maps' size on the page (CSS px) and their pixel density (sharp on paper). */
const MAP_W = 560;
const MAP_H = 440;
const MAP_RATIO = 2;
/** Longest wait for one map's tiles. */
const IDLE_TIMEOUT_MS = 20_000;

const locale = () => (lang() === 'id' ? 'id-ID' : 'en-GB');

/** `t(key)` with `{name}` placeholders filled. */
function el(tag, props = {}, children = []) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

const td = (text, className = 'num') => el('td', { className, textContent: text });
const th = (text, className = '') => el('th', { className, textContent: text, scope: 'col' });

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = false;
  $('status').textContent = '';
  window.sigapReady = true;
}

/** A number with at most `digits` decimals in the page's language (1.234,5). */
function fmt(x, digits = 1) {
  return Number.isFinite(x) ? new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(x) : '–';
}

/** A change in percentage points with its sign: "+0,3", "-1,2", "0". */
function fmtPoints(x) {
  if (!Number.isFinite(x)) return '–';
  const r = Math.round(x * 10) / 10;
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(r === 0 ? 0 : r);
}

/** A share 0..1 as a percentage with one decimal, always shown: 2,0%, 12,3%. */
function fmtPct1(x) {
  return Number.isFinite(x)
    ? new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x)
    : '–';
}

/** Rupiah, whole, with the thousands separators of the page's language (the column says Rp). */
const fmtRp = (x) => (Number.isFinite(x) ? fmt(Math.round(x) || 0, 0) : '–');

/** "x dari y (z%)", or "tidak ada sasaran" where the programme has no target. */
function shareText(s) {
  if (!s || !(s.target > 0)) return t('rvNoTarget');
  return fill('rvShareOf', { x: fmtInt(s.reached), y: fmtInt(s.target), z: fmtPct1(s.share) });
}

function longDate(d) {
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

/* ---------- the title block and the tables ---------- */

function renderHead(r) {
  const first = r.periods[0] ?? '';
  const last = r.periods.at(-1) ?? '';
  $('head-place').textContent = r.place || r.city.name;
  $('head-meta').textContent = [
    r.periods.length > 1 ? fill('reviewRounds', { first, last, n: r.periods.length }) : fill('reviewRound', { first }),
    fill('reviewRevision', { n: r.revision }),
    fill('reviewPrinted', { day: longDate(new Date()) }),
  ].join('\n');
  document.title = `sigap · ${t('reviewTitle')} · ${r.periods.length > 1 ? `${first}–${last}` : first}`;
}

/** The city: one column per round, a row per figure. */
function renderCity(r) {
  const rounds = r.city.rounds;
  const pct = pctLabel(r.min_coverage * 100);
  const rows = [
    ['measured', t('rvMeasured'), (x) => fmtInt(x.measured)],
    ['stunted', t('rvStunted'), (x) => fmtInt(x.stunted)],
    ['prevalence', t('rvPrevalence'), (x) => fmtPct1(x.prevalence), 'strong'],
    ['change', t('rvChange'), (x) => fmtPoints(x.change_points)],
    ['target', t('rvTarget'), (x) => fmtInt(Math.round(x.target))],
    ['coverage', t('rvCoverage'), (x) => fmtPct1(x.measurement_coverage)],
    ['below', fill('rvBelow', { pct }), (x) => fill('rvOf', { x: fmtInt(x.below), y: fmtInt(r.city.villages) })],
    ...r.programmes.map((p) => [`p-${p.code}`, p.name, (x) => shareText(x.programmes[p.code]), 'programme']),
  ];
  const head = el('thead', {}, [el('tr', {}, [th(''), ...rounds.map((x) => th(x.period, 'num'))])]);
  const body = el('tbody', {}, rows.map(([key, label, value, cls]) => {
    const tr = el('tr', { className: cls ?? '' }, [el('th', { scope: 'row', textContent: label }), ...rounds.map((x) => td(value(x)))]);
    tr.dataset.row = key;
    return tr;
  }));
  $('city-table').replaceChildren(head, body);
}

/** The kecamatan: a block of rows (one per round) per kecamatan; then each programme's coverage. */
function renderDistricts(r) {
  const head = el('thead', {}, [el('tr', {}, [
    th(t('rvDistrict')), th(t('rvPeriod')), th(t('rvVillages'), 'num'), th(t('rvMeasured'), 'num'), th(t('rvStunted'), 'num'),
    th(t('rvPrevalence'), 'num'), th(t('rvChange'), 'num'), th(t('rvCoverage'), 'num'), th(t('rvBelowShort'), 'num'),
  ])]);
  const bodies = r.districts.map((d) => {
    const body = el('tbody', {}, d.rounds.map((x, i) => {
      const cells = [
        td(x.period, 'period'), td(fmtInt(d.villages)), td(fmtInt(x.measured)), td(fmtInt(x.stunted)),
        td(fmtPct1(x.prevalence), 'num strong'), td(fmtPoints(x.change_points)), td(fmtPct1(x.measurement_coverage)),
        td(fill('rvOf', { x: fmtInt(x.below), y: fmtInt(d.villages) })),
      ];
      if (i === 0) cells.unshift(el('th', { scope: 'rowgroup', rowSpan: d.rounds.length, textContent: d.name }));
      const tr = el('tr', {}, cells);
      tr.dataset.period = x.period;
      return tr;
    }));
    body.dataset.district = d.name;
    return body;
  });
  $('district-table').replaceChildren(head, ...bodies);

  const phead = el('thead', {}, [el('tr', {}, [th(t('rvDistrict')), th(t('rvPeriod')), ...r.programmes.map((p) => th(p.name, 'num'))])]);
  const pbodies = r.districts.map((d) => {
    const body = el('tbody', {}, d.rounds.map((x, i) => {
      const cells = [td(x.period, 'period'), ...r.programmes.map((p) => {
        const s = x.programmes[p.code];
        if (!s || !(s.target > 0)) return td('–');
        return el('td', { className: 'num' }, [fmtPct1(s.share), el('small', { textContent: `${fmtInt(s.reached)}/${fmtInt(s.target)}` })]);
      })];
      if (i === 0) cells.unshift(el('th', { scope: 'rowgroup', rowSpan: d.rounds.length, textContent: d.name }));
      return el('tr', {}, cells);
    }));
    body.dataset.district = d.name;
    return body;
  });
  $('district-programmes').replaceChildren(phead, ...pbodies);
}

/** Plan against delivery: a block per OPD or deliverer (OPDs first, then sponsors), totals per round. */
function renderDeliverers(r) {
  const head = el('thead', {}, [el('tr', {}, [
    th(t('rvBy')), th(t('rvPeriod')), th(t('rvAssigned'), 'num'), th(t('rvVisited'), 'num'), th(t('rvReceived'), 'num'),
    th(t('rvUnreached'), 'num'), th(t('rvDeliveries'), 'num'), th(t('rvCost'), 'num'),
  ])]);
  const ordered = [...r.deliverers.filter((d) => !d.sponsor), ...r.deliverers.filter((d) => d.sponsor)];
  const rowsOf = (name, rounds, extra = null) => rounds.map((x, i) => {
    const cells = [
      td(x.period, 'period'), td(fmtInt(x.assigned)), td(fmtInt(x.visited)), td(fmtInt(x.received)),
      td(fmtInt(x.unreached), x.unreached > 0 ? 'num gap' : 'num'), td(fmtInt(x.deliveries)), td(fmtRp(x.cost)),
    ];
    if (i === 0) {
      const cell = el('th', { scope: 'rowgroup', rowSpan: rounds.length, textContent: name === '-' ? '–' : name });
      if (extra) cell.append(' ', extra);
      cells.unshift(cell);
    }
    const tr = el('tr', {}, cells);
    tr.dataset.period = x.period;
    return tr;
  });
  const bodies = ordered.map((d) => {
    const body = el('tbody', {}, rowsOf(d.by, d.rounds, d.sponsor ? el('span', { className: 'tag', textContent: t('rvSponsorTag') }) : null));
    body.dataset.by = d.by;
    return body;
  });
  const totals = r.periods.map((period) => {
    const sum = (k) => r.deliverers.reduce((s, d) => s + (d.rounds.find((x) => x.period === period)?.[k] ?? 0), 0);
    return { period, assigned: sum('assigned'), visited: sum('visited'), received: sum('received'), unreached: sum('unreached'), deliveries: sum('deliveries'), cost: sum('cost') };
  });
  const total = el('tbody', { className: 'total' }, rowsOf(t('rvTotal'), totals));
  total.dataset.by = '';
  $('deliverer-table').replaceChildren(head, ...bodies, total);
}

/** What each sponsor gave: per round and sponsored programme, with its total. */
function renderSponsors(r) {
  const table = $('sponsor-table');
  if (!r.sponsors.length) {
    table.replaceChildren(el('tbody', {}, [el('tr', {}, [el('td', { className: 'muted', textContent: t('reviewNoSponsors') })])]));
    return;
  }
  const programme = new Map(r.programmes.map((p) => [p.code, p]));
  const head = el('thead', {}, [el('tr', {}, [
    th(t('rvSponsor')), th(t('rvPeriod')), th(t('rvProgramme')), th(t('rvDeliveries'), 'num'), th(t('rvRecipients'), 'num'),
    th(t('rvQuantity'), 'num'), th(t('rvCost'), 'num'),
  ])]);
  const bodies = r.sponsors.map((s) => {
    const lines = s.rounds.flatMap((x) => Object.entries(x.programmes).map(([code, d]) => ({ period: x.period, code, d })));
    const rows = lines.map(({ period, code, d }, i) => {
      const p = programme.get(code);
      const cells = [
        td(period, 'period'), td(p?.name ?? code, ''), td(fmtInt(d.deliveries)), td(fmtInt(d.recipients)),
        td(`${fmt(d.quantity)}${p?.unit ? ` ${p.unit}` : ''}`), td(fmtRp(d.cost)),
      ];
      if (i === 0) cells.unshift(el('th', { scope: 'rowgroup', rowSpan: lines.length + 1, textContent: s.by }));
      return el('tr', {}, cells);
    });
    rows.push(el('tr', { className: 'subtotal' }, [
      el('td', { colSpan: 2, textContent: t('rvTotal') }), td(fmtInt(s.deliveries)), td(''), td(''), td(fmtRp(s.cost)),
    ]));
    const body = el('tbody', {}, rows);
    body.dataset.sponsor = s.by;
    return body;
  });
  table.replaceChildren(head, ...bodies);
}

/** Per round, the villages nobody reached, by name with their kecamatan. */
function renderUnreached(r) {
  const district = new Map(r.villages.map((v) => [v.code, v.district]));
  $('unreached').replaceChildren(...r.unreached.map((u) => {
    const p = el('div', { className: 'unreached-round' });
    p.dataset.period = u.period;
    if (!u.villages.length) {
      p.append(el('p', {}, [el('strong', { textContent: u.period }), ` · ${t('reviewAllReached')}`]));
    } else {
      p.append(el('h3', { textContent: `${u.period} · ${fill('reviewUnreachedCount', { n: fmtInt(u.villages.length) })}` }), el('ul', { className: 'plan-villages' }, u.villages.map((code) => el('li', { title: code }, [
        state.villageNames.get(code) ?? code, ' ', el('span', { className: 'district', textContent: district.get(code) ?? '' }),
      ]))));
    }
    return p;
  }));
}

/** The rembuk's decisions in force for a village: priority and each action with who leads it. */
function decisionCell(d, rows) {
  const cell = el('td', { className: 'decision', rowSpan: rows });
  if (!d) {
    cell.append(el('span', { className: 'muted', textContent: t('rvNoDecision') }));
    return cell;
  }
  cell.append(el('span', { className: d.priority ? 'priority' : 'not-priority', textContent: d.priority ? t('rvPriority') : t('rvNotPriority') }),
    el('span', { className: 'muted', textContent: ` · ${fill('rvDecidedAt', { period: d.period })}` }));
  if (d.actions?.length) {
    cell.append(el('ol', {}, d.actions.map((a) => el('li', {}, [a.action, el('span', { className: 'lead', textContent: ` — ${a.lead}` })]))));
  }
  return cell;
}

/** Villages grouped by kecamatan, a block of rows (one per round) per village. */
function renderVillages(r) {
  const head = el('thead', {}, [el('tr', {}, [
    th(t('rvVillage')), th(t('rvPeriod')), th(t('rvMeasured'), 'num'), th(t('rvStunted'), 'num'), th(t('rvPrevalence'), 'num'),
    th(t('rvChange'), 'num'), th(t('rvCoverage'), 'num'), th(t('rvDecision')),
  ])]);
  const byDistrict = new Map();
  for (const v of r.villages) {
    if (!byDistrict.has(v.district)) byDistrict.set(v.district, []);
    byDistrict.get(v.district).push(v);
  }
  const bodies = [];
  for (const [district, villages] of [...byDistrict].sort((a, b) => a[0].localeCompare(b[0], 'id'))) {
    // The kecamatan's heading row goes in its first village's block, which is never
    // cut by a page break: no heading alone at the foot of a page.
    const group = el('tr', { className: 'group' }, [el('th', { colSpan: 8, scope: 'colgroup', textContent: `${t('rvDistrict')} ${district}` })]);
    group.dataset.district = district;
    for (const [k, v] of [...villages].sort((a, b) => a.name.localeCompare(b.name, 'id')).entries()) {
      const d = r.decisions?.[v.code];
      const body = el('tbody', { className: d?.priority ? 'village priority' : 'village' }, v.rounds.map((x, i) => {
        const cells = [
          td(x.period, 'period'), td(fmtInt(x.measured)), td(fmtInt(x.stunted)), td(fmtPct1(x.prevalence), 'num strong'),
          td(fmtPoints(x.change_points)), td(fmtPct1(x.measurement_coverage), x.below > 0 ? 'num gap' : 'num'),
        ];
        if (i === 0) {
          cells.unshift(el('th', { scope: 'rowgroup', rowSpan: v.rounds.length }, [v.name, el('small', { textContent: v.code })]));
          cells.push(decisionCell(d, v.rounds.length));
        }
        const tr = el('tr', {}, cells);
        tr.dataset.period = x.period;
        return tr;
      }));
      if (k === 0) body.prepend(group);
      body.dataset.village = v.code;
      bodies.push(body);
    }
  }
  $('village-table').replaceChildren(head, ...bodies);
  $('village-note').textContent = fill('reviewVillagesNote', { pct: pctLabel(r.min_coverage * 100) });
}

function renderTables() {
  const r = state.review;
  applyI18n();
  $('lang-toggle').textContent = t('switchTo');
  renderHead(r);
  renderCity(r);
  renderDistricts(r);
  renderDeliverers(r);
  renderSponsors(r);
  renderUnreached(r);
  renderVillages(r);
  renderMapFigures();
  $('review-foot').textContent = [t('reviewSource'), state.attribution].filter(Boolean).join(' · ');
}

/* ---------- the maps ---------- */

/** Rounds `x` up to 1, 2, 2.5 or 5 times a power of ten. */
function niceUp(x) {
  if (!(x > 0)) return 0.1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= x - 1e-12);
}

/** The `q` quantile (0..1) of sorted `xs`. */
function quantile(xs, q) {
  const i = (xs.length - 1) * q;
  const lo = Math.floor(i);
  return xs[lo] + (xs[Math.min(lo + 1, xs.length - 1)] - xs[lo]) * (i - lo);
}

/**
 * The prevalence classes shared by every round's map: the quintiles of every village's
 * prevalence in every round (percent), rounded to a step that suits their spread.
 */
function prevalenceBreaks(r) {
  const xs = r.villages.flatMap((v) => v.rounds.map((x) => x.prevalence)).filter(Number.isFinite).map((x) => x * 100).sort((a, b) => a - b);
  if (!xs.length) return [];
  const step = niceUp((xs.at(-1) - xs[0]) / 20);
  const breaks = [0.2, 0.4, 0.6, 0.8].map((q) => Math.round(quantile(xs, q) / step) * step).filter((b) => b > 0);
  return [...new Set(breaks.map((b) => +b.toFixed(6)))];
}

/** Colours for `n` classes from a 5-colour ramp, spread to its ends. */
function spread(ramp, n) {
  if (n >= ramp.length) return ramp.slice(0, n);
  return Array.from({ length: n }, (_, i) => ramp[Math.round((i * (ramp.length - 1)) / Math.max(1, n - 1))]);
}

/** The class (index) of `x` for ascending `breaks`: class i holds breaks[i-1] <= x < breaks[i]. */
const classOf = (x, breaks) => breaks.filter((b) => x >= b).length;

const pctLabel = (x) => `${fmt(x, 1)}%`;

/**
 * Every map: `{ id, title, legend: [{colour, label}], colours: {code: colour} }`:
 * one per round (prevalence), the change from the first round to the last, and the
 * measurement coverage of the last round.
 */
function mapSpecs(r) {
  const specs = [];
  const breaks = prevalenceBreaks(r);
  const ramp = spread(RAMP, breaks.length + 1);
  const prevLegend = ramp.map((colour, i) => ({
    colour,
    label: i === 0 ? `< ${pctLabel(breaks[0])}` : i === breaks.length ? `≥ ${pctLabel(breaks[i - 1])}` : `${fmt(breaks[i - 1])}–${pctLabel(breaks[i])}`,
  }));
  r.periods.forEach((period, k) => {
    const colours = {};
    for (const v of r.villages) {
      const p = v.rounds[k]?.prevalence;
      if (Number.isFinite(p)) colours[v.code] = ramp[classOf(p * 100, breaks)];
    }
    specs.push({ id: `prevalence-${period}`, kind: 'prevalence', period, title: fill('mapPrevalence', { period }), legend: prevLegend, colours });
  });
  if (r.periods.length > 1) {
    const first = r.periods[0];
    const last = r.periods.at(-1);
    const change = new Map();
    for (const v of r.villages) {
      const a = v.rounds[0]?.prevalence;
      const b = v.rounds.at(-1)?.prevalence;
      if (Number.isFinite(a) && Number.isFinite(b)) change.set(v.code, (b - a) * 100);
    }
    const abs = [...change.values()].map(Math.abs).sort((x, y) => x - y);
    const m = niceUp(abs.length ? quantile(abs, 0.9) : 1);
    const s = m / 4;
    const colours = {};
    // Class 0 fell at least m, 1 fell s..m, 2 within ±s, 3 rose s..m, 4 rose at least m.
    for (const [code, d] of change) colours[code] = DIVERGING[d <= -m ? 0 : d < -s ? 1 : d <= s ? 2 : d < m ? 3 : 4];
    const n = (x) => fmt(x, 2);
    specs.push({
      id: 'change', kind: 'change', period: last, title: fill('mapChange', { first, last }), colours, unit: t('mapUnit'),
      legend: [
        { colour: DIVERGING[0], label: fill('mapFell', { a: n(m) }) },
        { colour: DIVERGING[1], label: fill('mapFellSome', { a: n(s), b: n(m) }) },
        { colour: DIVERGING[2], label: fill('mapSteady', { a: n(s) }) },
        { colour: DIVERGING[3], label: fill('mapRoseSome', { a: n(s), b: n(m) }) },
        { colour: DIVERGING[4], label: fill('mapRose', { a: n(m) }) },
      ],
    });
  }
  const last = r.periods.at(-1);
  if (last) {
    const th0 = r.min_coverage * 100;
    const cb = [th0 - 20, th0 - 10, th0].filter((b) => b > 0);
    const cramp = COVERAGE.slice(COVERAGE.length - cb.length - 1);
    const colours = {};
    for (const v of r.villages) {
      const c = v.rounds.at(-1)?.measurement_coverage;
      if (Number.isFinite(c)) colours[v.code] = cramp[classOf(c * 100, cb)];
    }
    specs.push({
      id: 'coverage', kind: 'coverage', period: last, title: fill('mapCoverage', { period: last }), colours,
      legend: cramp.map((colour, i) => ({
        colour,
        label: i === 0 ? `< ${pctLabel(cb[0])}` : i === cb.length ? fill('mapThreshold', { a: pctLabel(cb[i - 1]) }) : `${fmt(cb[i - 1])}–${pctLabel(cb[i])}`,
      })),
    });
  }
  return specs;
}

/** A map's figure: its title, its still image (once drawn) and its legend. */
function mapFigure(spec) {
  const img = state.images?.get(spec.id);
  const figure = el('figure', { className: 'review-map' }, [
    el('figcaption', { textContent: spec.title }),
    img ?? el('div', { className: 'map-wait', textContent: '…' }),
    el('ul', { className: 'review-legend' }, [
      ...spec.legend.map((x) => el('li', {}, [el('i', { className: 'swatch', style: `background:${x.colour}` }), x.label])),
      el('li', {}, [el('i', { className: 'swatch', style: `background:${NO_DATA}` }), t('mapNoData')]),
    ]),
  ]);
  if (spec.unit) figure.append(el('p', { className: 'unit muted', textContent: spec.unit }));
  figure.dataset.map = spec.id;
  return figure;
}

function renderMapFigures() {
  state.maps = mapSpecs(state.review);
  const figures = state.maps.map(mapFigure);
  if (state.review.periods.length === 1) figures.push(el('p', { className: 'muted one-round', textContent: t('mapOneRound') }));
  $('maps').replaceChildren(...figures);
}

/** Expression: the colour of each village by its code; the rest "no data". */
function colourExpr(colours) {
  const pairs = Object.entries(colours).flat();
  // match code → colour; a village without a value (or unknown to this review) is grey.
  return pairs.length ? ['match', ['to-string', ['get', 'code']], ...pairs, NO_DATA] : NO_DATA;
}

/** The style: the basemap's land colour and water over sigap's village polygons, outlines on top. */
function mapStyle(basemap) {
  const villages = new URL('tiles/villages.json', ROOT).href;
  const water = basemap?.layers.find((l) => l.id === 'basemap-water');
  const layers = [
    { id: 'background', type: 'background', paint: { 'background-color': '#ffffff' } },
    { id: 'village-fill', type: 'fill', source: 'villages', 'source-layer': 'villages', paint: { 'fill-color': NO_DATA } },
  ];
  // The sea over the villages' polygons (some run into the bay), light so it does not compete.
  if (water) layers.push({ ...water, paint: { 'fill-color': '#dbe9f4', 'fill-opacity': 1 } });
  // Village boundaries: thin, so that neighbours of one class stay apart.
  layers.push({ id: 'village-line', type: 'line', source: 'villages', 'source-layer': 'villages', paint: { 'line-color': '#475569', 'line-width': 0.6 } });
  return {
    version: 8,
    sources: { villages: { type: 'vector', url: villages }, ...(water ? { [water.source]: basemap.sources[water.source] } : {}) },
    layers,
  };
}

function waitIdle(map) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, IDLE_TIMEOUT_MS);
    map.once('idle', () => { clearTimeout(timer); resolve(); });
    map.triggerRepaint();
  });
}

/** Draws every map on one off-screen map and keeps each as a still image. */
async function drawMaps(token) {
  const tilejson = await fetch(new URL('tiles/villages.json', ROOT)).then((x) => (x.ok ? x.json() : {}));
  const basemap = await loadBasemap(ROOT);
  const b = tilejson.bounds;
  const host = $('map-work');
  host.style.width = `${MAP_W}px`;
  host.style.height = `${MAP_H}px`;
  state.map ??= new maplibregl.Map({
    container: host,
    style: mapStyle(basemap),
    ...(Array.isArray(b) ? { bounds: [[b[0], b[1]], [b[2], b[3]]], fitBoundsOptions: { padding: 12 } } : {}),
    interactive: false,
    attributionControl: false,
    fadeDuration: 0,
    canvasContextAttributes: { preserveDrawingBuffer: true },
    pixelRatio: MAP_RATIO,
  });
  const map = state.map;
  window.sigapReviewMap = map;
  if (!map.loaded()) await new Promise((resolve) => { map.once('load', resolve); });
  state.attribution = [tilejson.attribution, basemap?.sources?.basemap?.attribution].filter(Boolean).join(' · ');
  state.images = new Map();
  for (const [i, spec] of state.maps.entries()) {
    if (token !== state.token) return;
    $('status').textContent = fill('reviewDrawing', { n: i + 1, of: state.maps.length });
    map.setPaintProperty('village-fill', 'fill-color', colourExpr(spec.colours));
    await waitIdle(map);
    const img = el('img', { className: 'map-still', alt: spec.title, width: MAP_W, height: MAP_H });
    img.src = map.getCanvas().toDataURL('image/png');
    await img.decode();
    img.dataset.map = spec.id;
    state.images.set(spec.id, img);
    document.querySelector(`figure[data-map="${spec.id}"] .map-wait`)?.replaceWith(img);
  }
  $('review-foot').textContent = [t('reviewSource'), state.attribution].filter(Boolean).join(' · ');
}

/* ---------- the page ---------- */

function query() {
  const q = new URLSearchParams();
  if ($('from').value) q.set('from', $('from').value);
  if ($('to').value) q.set('to', $('to').value);
  return q.toString() ? `?${q}` : '';
}

async function load() {
  const token = Symbol('load');
  state.token = token;
  const q = query();
  history.replaceState(null, '', q || window.location.pathname);
  $('xlsx').href = new URL(`api/review.xlsx${q}`, ROOT).href;
  $('plan-link').href = new URL(`web/plan.html${$('to').value ? `?period=${encodeURIComponent($('to').value)}` : ''}`, ROOT).href;
  $('status').textContent = t('reviewLoading');
  delete document.body.dataset.review;
  const r = await fetch(new URL(`api/review${q}`, ROOT));
  if (r.status === 403) { $('report').hidden = true; showError(t('reviewForbidden')); return; }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
  if (token !== state.token) return;
  state.review = body;
  state.villageNames = new Map(body.villages.map((v) => [v.code, v.name]));
  state.images = new Map();
  $('error').hidden = true;
  $('report').hidden = false;
  renderTables();
  await drawMaps(token);
  if (token !== state.token) return;
  $('status').textContent = '';
  document.body.dataset.review = body.periods.join(',');
  window.sigapReady = true;
}

function changed(which) {
  // Keep from <= to: moving one past the other moves the other along.
  const from = $('from');
  const to = $('to');
  if (from.value && to.value && from.value > to.value) {
    if (which === 'from') to.value = from.value;
    else from.value = to.value;
  }
  load().catch((e) => showError(fill('reviewLoadError', { error: e.message })));
}

async function start() {
  applyI18n();
  $('lang-toggle').textContent = t('switchTo');
  $('lang-toggle').addEventListener('click', () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    if (state.review) renderTables();
    else { applyI18n(); $('lang-toggle').textContent = t('switchTo'); }
  });
  await ensureLogin();
  const params = new URLSearchParams(window.location.search);
  const p = await fetch(new URL('api/periods', ROOT));
  const periods = p.ok ? (await p.json()).periods.map((x) => x.period) : [];
  const from = params.get('from') ?? periods[0] ?? '';
  const to = params.get('to') ?? periods.at(-1) ?? '';
  $('from').replaceChildren(...periods.map((x) => new Option(x, x, false, x === from)));
  $('to').replaceChildren(...periods.map((x) => new Option(x, x, false, x === to)));
  $('from').addEventListener('change', () => changed('from'));
  $('to').addEventListener('change', () => changed('to'));
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('print').addEventListener('click', () => window.print());
  await load();
}

start().catch((e) => showError(fill('reviewLoadError', { error: e.message })));

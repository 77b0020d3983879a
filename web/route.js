// The field team's route page: a day's visits from /api/route as a list and a map,
// each stop with a navigation link (geo:, the phone's maps app) and a visit form.
//
// The stop list is drawn as soon as the plan arrives; the map library (the page's
// largest download) is loaded after it, so on a slow connection the officer can start
// with the list.
//
// Visits are queued in IndexedDB before anything is sent, each with an id made
// here, and the queue is sent whenever the browser is online (at once, on the
// `online` event, and every 30 s). The server stores a visit once per id, so a record
// sent twice (a reply lost on a poor connection) is still one visit.
//
// Offline (offline.js, sw.js): the page, the plan with its roster and the map tiles of
// the day's area are kept by a service worker ("Siapkan offline"), so the page opens
// and records visits with no network, even after a reload or a phone restart.

import { t, lang, addWords, applyI18n, fmtInt, fmtKm, fmtNum, fmtScore } from './i18n.js';
import { ensureLogin, send } from './account.js';
import { loadBasemap, withBasemap, basemapSlots } from './basemap.js';
import { registerWorker, queued, enqueue, dequeue, adoptOldQueue, clearOffline, offlineUrls, storeAll, planBounds, REVIEW, READY } from './offline.js';

addWords({
  id: {
    routeTitle: 'Rute kunjungan', routeTeam: 'Tim', routeMax: 'Kunjungan maks.', routeHours: 'Jam kerja',
    routeService: 'Menit per kunjungan', routeMake: 'Buat rute', routeGpx: 'Unduh GPX', routeGeojson: 'Unduh GeoJSON',
    routePrint: 'Cetak', routeSummary: '{n} dari {c} anak · {travel} menit di jalan ({km}) · selesai setelah {total} menit',
    routeNone: 'Tidak ada anak untuk dikunjungi.', routeNavigate: 'Navigasi', routeRecord: 'Catat kunjungan',
    routeArrive: 'tiba {time}', routeRide: '{m} menit perjalanan', routeSevere: 'sangat pendek', routeNever: 'belum pernah dikunjungi',
    routeLast: 'kunjungan terakhir {d}', visitOutcome: 'Hasil', visitVisited: 'Dikunjungi', visitNotFound: 'Tidak ditemukan',
    visitGiven: 'Diberikan', given_food_package: 'Paket makanan', given_eggs: 'Telur',
    given_supplementary_feeding: 'PMT (makanan tambahan)', given_referral: 'Rujukan', visitHeight: 'Tinggi (cm, opsional)',
    visitWeight: 'Berat (kg, opsional)', visitNote: 'Catatan', visitSave: 'Simpan kunjungan',
    syncAll: 'Semua catatan terkirim.', syncPending: '{n} catatan menunggu dikirim (akan dikirim saat daring).',
    syncFailed: 'Catatan ditolak: {why}', visitSaved: 'Tersimpan', routeError: 'Rute tidak dapat dibuat: {why}',
    progressTitle: 'Kemajuan kunjungan per OPD', progressAssigned: 'Ditugaskan', progressVisited: 'Dikunjungi',
    progressLast: 'Kunjungan terakhir', progressRecovering: 'Membaik', progressVillages: 'Per kelurahan',
    progressVillage: 'Kelurahan', progressUnconfirmed: 'Ukuran meragukan',
    progressUnconfirmedHint: 'Anak yang ukuran terakhirnya gagal pemeriksaan kewajaran (dikonfirmasi petugas, belum dihitung membaik)',
    routePhone: 'HP {phone}', routePhoneCall: 'Telepon orang tua',
    routePrintTitle: 'Rute kunjungan {team} · {date}', routeParent: 'Orang tua: {name}', routeHead: 'Kepala keluarga: {name}', routeHeadAt: 'Kepala keluarga: {name}, di {address}', routeVillage: 'Kel. {name}', routeCode: 'Kode {code} (nama tidak tersedia)',
    routeReplan: 'Susun ulang rute', planSaved: 'Rencana {day} · dibuat oleh {by} pukul {time}{v}', planVersion: ' · versi {n}',
    planUnsaved: 'Rencana ini tidak tersimpan (server tanpa penyimpanan).', planDone: '{d} dari {n} kunjungan selesai',
    replanConfirm: '{d} kunjungan sudah dicatat hari ini. Susun ulang rute? Anak yang sudah dikunjungi tidak dimasukkan lagi.',
    doneVisited: '✓ Sudah dikunjungi ({by})', doneNotFound: '✗ Tidak ditemukan ({by})', doneQueued: '✓ Tercatat, menunggu dikirim',
    plansTitle: 'Rencana hari ini per OPD', plansNone: 'Belum ada rencana hari ini.', plansStops: 'Kunjungan', plansDone: 'Selesai',
    plansMadeBy: 'Dibuat oleh',
    routeStart: 'Mulai: {name}', routeEnd: 'Selesai: {name}', routeStartHere: 'Titik mulai', routeMe: 'Lokasi saya',
    routeMeOff: 'Lokasi tidak tersedia: {why}',
    offlinePrepare: 'Siapkan offline', offlineWorking: 'Menyimpan peta: {d} dari {n} ubin…',
    offlineReady: 'Siap offline: rencana {day} dan {n} ubin peta ({mb} MB), disimpan pukul {time}.',
    offlineFailed: '{f} ubin gagal disimpan; coba lagi saat sinyal lebih baik.', offlineNone: 'Buat rute dulu.',
    offlineNow: 'Luring: menampilkan rencana yang tersimpan.', offlineUnsupported: 'Peramban ini tidak bisa menyimpan halaman untuk offline.',
    logoutPending: '{n} catatan kunjungan belum terkirim dan akan hilang jika keluar sekarang. Tetap keluar?',
    offlineAt: 'tidak diketahui',
  },
  en: {
    routeTitle: 'Visit route', routeTeam: 'Team', routeMax: 'Most visits', routeHours: 'Working hours',
    routeService: 'Minutes per visit', routeMake: 'Plan route', routeGpx: 'Download GPX', routeGeojson: 'Download GeoJSON',
    routePrint: 'Print', routeSummary: '{n} of {c} children · {travel} min on the road ({km}) · done after {total} min',
    routeNone: 'No child to visit.', routeNavigate: 'Navigate', routeRecord: 'Record visit',
    routeArrive: 'arrive {time}', routeRide: '{m} min ride', routeSevere: 'severely stunted', routeNever: 'never visited',
    routeLast: 'last visit {d}', visitOutcome: 'Outcome', visitVisited: 'Visited', visitNotFound: 'Not found',
    visitGiven: 'Given', given_food_package: 'Food package', given_eggs: 'Eggs',
    given_supplementary_feeding: 'Supplementary feeding', given_referral: 'Referral', visitHeight: 'Height (cm, optional)',
    visitWeight: 'Weight (kg, optional)', visitNote: 'Note', visitSave: 'Save visit',
    syncAll: 'All records sent.', syncPending: '{n} record(s) waiting to be sent (sent when online).',
    syncFailed: 'Record refused: {why}', visitSaved: 'Saved', routeError: 'No route: {why}',
    progressTitle: 'Visit progress per OPD', progressAssigned: 'Assigned', progressVisited: 'Visited',
    progressLast: 'Last visit', progressRecovering: 'Improving', progressVillages: 'Per village',
    progressVillage: 'Village', progressUnconfirmed: 'Implausible',
    progressUnconfirmedHint: 'Children whose latest measurement failed a plausibility check (confirmed by the officer, not counted as improving)',
    routePhone: 'Phone {phone}', routePhoneCall: "Call the parent",
    routePrintTitle: 'Visit route {team} · {date}', routeParent: 'Parent: {name}', routeHead: 'Head of household: {name}', routeHeadAt: 'Head of household: {name}, at {address}', routeVillage: 'Village {name}', routeCode: 'Code {code} (no name available)',
    routeReplan: 'Re-plan route', planSaved: 'Plan for {day} · made by {by} at {time}{v}', planVersion: ' · version {n}',
    planUnsaved: 'This plan is not saved (server without a store).', planDone: '{d} of {n} visits done',
    replanConfirm: '{d} visit(s) already recorded today. Re-plan the route? Children already visited are left out.',
    doneVisited: '✓ Visited ({by})', doneNotFound: '✗ Not found ({by})', doneQueued: '✓ Recorded, waiting to be sent',
    plansTitle: "Today's plans per OPD", plansNone: 'No plan yet today.', plansStops: 'Visits', plansDone: 'Done',
    plansMadeBy: 'Made by',
    routeStart: 'Start: {name}', routeEnd: 'End: {name}', routeStartHere: 'Start point', routeMe: 'My location',
    routeMeOff: 'Location not available: {why}',
    offlinePrepare: 'Prepare offline', offlineWorking: 'Saving the map: {d} of {n} tiles…',
    offlineReady: 'Ready offline: plan {day} and {n} map tiles ({mb} MB), saved at {time}.',
    offlineFailed: '{f} tiles could not be saved; try again with a better signal.', offlineNone: 'Plan a route first.',
    offlineNow: 'Offline: showing the saved plan.', offlineUnsupported: 'This browser cannot keep the page for offline use.',
    logoutPending: '{n} visit record(s) not sent yet will be lost if you log out now. Log out anyway?',
    offlineAt: 'unknown',
  },
});

// The plausibility warning of a visit measurement (POST /api/visits answers 422
// `implausible_measurement`): measure again, or confirm with a reason.
addWords({
  id: {
    reviewTitle: 'Pengukuran perlu diperiksa', reviewNew: 'Ukuran baru: {h} cm, HAZ {z}.',
    reviewPrevious: 'Sebelumnya: {h} cm, HAZ {z} ({d}).', reviewRemeasure: 'Ukur ulang',
    reviewHeight: 'Tinggi hasil ukur ulang (cm)', reviewWeight: 'Berat hasil ukur ulang (kg)', reviewSend: 'Kirim ukuran baru',
    reviewConfirm: 'Ukuran sudah benar', reviewReason: 'Alasan (wajib, mis. "diukur ulang 2 kali, hasil sama")',
    reviewExpected: 'Wajar hari ini: sekitar {h} cm ({lo}–{hi}).',
    reviewConfirmSend: 'Konfirmasi {h} cm dengan alasan', reviewHint: 'Ukuran ini tidak dihitung sebagai perbaikan sampai pengukuran berikutnya sesuai.',
  },
  en: {
    reviewTitle: 'Check this measurement', reviewNew: 'New measurement: {h} cm, HAZ {z}.',
    reviewPrevious: 'Before: {h} cm, HAZ {z} ({d}).', reviewRemeasure: 'Measure again',
    reviewHeight: 'Height measured again (cm)', reviewWeight: 'Weight measured again (kg)', reviewSend: 'Send the new measurement',
    reviewConfirm: 'The measurement is right', reviewReason: 'Reason (required, e.g. "measured twice, same result")',
    reviewExpected: 'Plausible today: about {h} cm ({lo}–{hi}).',
    reviewConfirmSend: 'Confirm {h} cm with the reason', reviewHint: 'It counts as no improvement until the next measurement agrees.',
  },
});

const BASE = new URL('../', window.location.href);
/** Where an older page kept its queue (moved into IndexedDB on load). */
const OLD_QUEUE = 'sigap-visit-queue';
const $ = (id) => document.getElementById(id);
const fill = (key, vars) => Object.entries(vars).reduce((s, [k, v]) => s.replace(`{${k}}`, () => v), t(key));
let map = null;
let markers = [];
/** MapLibre, imported when the first map is drawn (after the stop list). */
let maplibregl = null;
/** The basemap style (a promise: fetched while the plan is asked for), or null. */
let basemap = null;
/** The officer's own position marker, once the phone gives one. */
let me = null;
let user = null;

// ---- the offline queue -----------------------------------------------------------

/** Records waiting to be sent (kept in step with IndexedDB). */
let pending = 0;

async function countQueue() {
  pending = (await queued()).length;
  renderSync();
}

function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

let lastError = '';
function renderSync() {
  const n = pending;
  const el = $('sync');
  el.classList.toggle('pending', n > 0);
  el.textContent = lastError ? fill('syncFailed', { why: lastError }) : n ? fill('syncPending', { n }) : t('syncAll');
}

let flushing = false;
/** Sends the queued visits in order; stops at the first network failure. */
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (;;) {
      const q = await queued();
      if (!q.length) break;
      let r;
      const { queued_at: _, ...record } = q[0];
      try {
        r = await send('POST', 'api/visits', record);
      } catch {
        break; // offline: try again later
      }
      if (r.ok) {
        lastError = '';
      } else if (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 429) {
        const body = await r.json().catch(() => ({}));
        if (body.code === 'implausible_measurement') {
          lastError = '';
          holdForReview(record, body);
        } else {
          lastError = (body.problems || []).map((p) => `${p.field}: ${p.reason}`).join('; ') || body.error || `HTTP ${r.status}`;
        }
      } else {
        break; // server busy or session gone: keep it
      }
      await dequeue(q[0].id);
    }
  } finally {
    flushing = false;
    await countQueue();
  }
}

// ---- implausible measurements ----------------------------------------------------

function reviews() {
  try {
    return JSON.parse(localStorage.getItem(REVIEW) || '[]');
  } catch {
    return [];
  }
}

function saveReviews(list) {
  localStorage.setItem(REVIEW, JSON.stringify(list));
  renderReviews();
}

/** Keeps a refused record (and the server's answer) until measured again or confirmed. */
function holdForReview(record, answer) {
  saveReviews([...reviews().filter((x) => x.record.id !== record.id), { record, answer }]);
}

/** Sends `record` again in place of the held one. */
function resend(record) {
  saveReviews(reviews().filter((x) => x.record.id !== record.id));
  const li = document.querySelector(`#stops > li[data-pseudonym="${CSS.escape(record.pseudonym)}"]`);
  if (li && !li.querySelector('.done')) {
    li.append(Object.assign(document.createElement('p'), { className: 'done', textContent: `✓ ${t('visitSaved')}` }));
    li.classList.add('recorded');
  }
  enqueue(record).then(countQueue).then(flush);
}

// Numbers as the officer reads them: 64,5 cm and HAZ -2,71 in Bahasa, 64.5 and -2.71 in English.
const num2 = (z) => (z == null ? '–' : fmtScore(z));
const cm = (h) => (h == null ? '–' : fmtNum(h, 1));
/** Megabytes with one decimal, in the language's format. */
const mb = (bytes) => fmtNum(bytes / 1e6, 1);

function reviewBox({ record, answer }) {
  const box = $('review-box').content.firstElementChild.cloneNode(true);
  applyI18n(box);
  box.dataset.id = record.id;
  box.querySelector('.checks').replaceChildren(...(answer.checks || []).map((c) => Object.assign(document.createElement('li'), { textContent: lang() === 'en' ? c.message ?? c.pesan : c.pesan, className: c.code })));
  const prev = answer.previous;
  box.querySelector('.numbers').textContent = [fill('reviewNew', { h: cm(record.height_cm), z: num2(answer.haz) }),
    prev ? fill('reviewPrevious', { h: cm(prev.height_cm), z: num2(prev.haz), d: prev.date }) : ''].join(' ');
  const e = answer.expected;
  box.querySelector('.expected').textContent = e ? fill('reviewExpected', { h: cm(e.height_cm), lo: cm(e.min_cm), hi: cm(e.max_cm) }) : '';
  const again = box.querySelector('form.remeasure');
  again.elements.height_cm.value = record.height_cm ?? '';
  again.elements.weight_kg.value = record.weight_kg ?? '';
  again.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = (k) => (again.elements[k].value ? Number(again.elements[k].value) : undefined);
    resend({ ...record, height_cm: n('height_cm'), weight_kg: n('weight_kg'), confirm: undefined, confirm_reason: undefined });
  });
  const sure = box.querySelector('form.confirm');
  sure.querySelector('button').textContent = fill('reviewConfirmSend', { h: cm(record.height_cm) });
  sure.addEventListener('submit', (e) => {
    e.preventDefault();
    resend({ ...record, confirm: true, confirm_reason: sure.elements.reason.value.trim() });
  });
  return box;
}

/** Each held record's warning in its stop (or above the list when the stop is not shown). */
function renderReviews() {
  const held = reviews();
  document.querySelectorAll('.review').forEach((el) => { if (!held.some((x) => x.record.id === el.dataset.id)) el.remove(); });
  for (const item of held) {
    if (document.querySelector(`.review[data-id="${CSS.escape(item.record.id)}"]`)) continue;
    const li = document.querySelector(`#stops > li[data-pseudonym="${CSS.escape(item.record.pseudonym)}"]`);
    const box = reviewBox(item);
    if (li) {
      li.classList.remove('recorded');
      li.querySelector('.done')?.remove();
      li.append(box);
    } else {
      $('sync').after(box);
    }
    box.scrollIntoView({ block: 'nearest' });
  }
}

// ---- the route -------------------------------------------------------------------

/** The phone's own date: the plan is for the officer's day, wherever the server is. */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The options of the form (used when a plan is made). */
function routeOptions() {
  const o = { date: today(), max: Number($('max').value), hours: $('hours').value, service: Number($('service').value) };
  const team = $('team').value;
  if (team) o.team = team;
  return o;
}

function routeQuery(format) {
  const p = new URLSearchParams(Object.entries(routeOptions()).map(([k, v]) => [k, String(v)]));
  if (format) p.set('format', format);
  return `api/route?${p}`;
}

/** The hours the shown plan was made with (the form may have been changed since). */
let planHours = null;

function clock(minutes) {
  const [h, m] = (planHours ?? $('hours').value).split('-')[0].split(':').map(Number);
  const total = Math.round(h * 60 + m + minutes);
  return `${String(Math.floor(total / 60) % 24).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

function visitForm(stop, li) {
  const form = $('visit-form').content.firstElementChild.cloneNode(true);
  applyI18n(form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const num = (k) => (data.get(k) ? Number(data.get(k)) : undefined);
    const record = {
      id: newId(),
      pseudonym: stop.pseudonym,
      visited_on: today(),
      outcome: data.get('outcome'),
      given: data.get('outcome') === 'visited' ? data.getAll('given') : [],
      height_cm: data.get('outcome') === 'visited' ? num('height_cm') : undefined,
      weight_kg: data.get('outcome') === 'visited' ? num('weight_kg') : undefined,
      note: data.get('note') || '',
    };
    enqueue(record).then(countQueue).then(flush);
    form.replaceWith(Object.assign(document.createElement('p'), { className: 'done', textContent: `✓ ${t('visitSaved')}` }));
    li.classList.add('recorded');
    if (shown) shown.summary.done += 1;
  });
  return form;
}

function renderStops(body, waiting) {
  const stops = body.features.filter((f) => f.geometry.type === 'Point');
  const s = body.summary;
  $('summary').textContent = stops.length
    ? fill('routeSummary', { n: s.visits, c: s.candidates, travel: Math.round(s.travel_min), km: fmtKm(s.travel_m / 1000), total: Math.round(s.total_min) })
    : t('routeNone');
  const queuedToday = new Set(waiting.filter((v) => v.visited_on === body.day).map((v) => v.pseudonym));
  $('stops').replaceChildren(...stops.map((f) => {
    const p = f.properties;
    const li = document.createElement('li');
    li.dataset.pseudonym = p.pseudonym;
    const mark = doneMark(p, queuedToday);
    if (mark) li.classList.add('recorded');
    const [lon, lat] = f.geometry.coordinates;
    // Names come from the register: set as text, never as HTML.
    const el = (tag, className, text) => Object.assign(document.createElement(tag), { className, textContent: text });
    const head = el('div', 'head', '');
    const who = p.name ? el('strong', 'name', p.name) : el('strong', 'name code', fill('routeCode', { code: p.pseudonym.slice(0, 8) }));
    head.append(el('span', 'num', String(p.order)), who, el('span', 'arrive', fill('routeArrive', { time: clock(p.arrive_min) })));
    li.append(head);
    if (p.parent) li.append(el('div', 'parent', fill('routeParent', { name: p.parent })));
    // The parent's phone (sent only to callers who may see who the child is): a tap calls.
    if (p.phone) {
      const call = Object.assign(el('a', 'call', fill('routePhone', { phone: phoneText(p.phone) })), { href: `tel:${p.phone}` });
      call.setAttribute('aria-label', `${t('routePhoneCall')}: ${phoneText(p.phone)}`);
      const line = el('div', 'phone', '');
      line.append(call);
      li.append(line);
    }
    // The head of the household at the child's point (after the parent's
    // phone, which is the parent's); its address only where it differs.
    if (p.head) li.append(el('div', 'family', p.head_address ? fill('routeHeadAt', { name: p.head, address: p.head_address }) : fill('routeHead', { name: p.head })));
    if (p.address) li.append(el('div', 'address', p.address));
    const place = [p.village ? fill('routeVillage', { name: p.village }) : '', p.posyandu ?? ''].filter(Boolean).join(' · ');
    if (place) li.append(el('div', 'place', place));
    const status = el('div', 'status', '');
    if (p.severe) status.append(el('span', 'severe', t('routeSevere')), ' · ');
    status.append(`HAZ ${fmtScore(p.haz)} · `, p.last_visit ? fill('routeLast', { d: p.last_visit }) : t('routeNever'),
      ` · ${fill('routeRide', { m: Math.round(p.travel_min) })}`);
    li.append(status);
    const actions = Object.assign(document.createElement('div'), { className: 'actions' });
    const nav = Object.assign(document.createElement('a'), { className: 'navigate', href: `geo:${lat.toFixed(6)},${lon.toFixed(6)}?q=${lat.toFixed(6)},${lon.toFixed(6)}`, textContent: t('routeNavigate') });
    const rec = Object.assign(document.createElement('button'), { type: 'button', className: 'record', textContent: t('routeRecord') });
    rec.addEventListener('click', () => { rec.disabled = true; li.append(visitForm(p, li)); });
    actions.append(nav, rec);
    if (mark) li.append(Object.assign(document.createElement('p'), { className: 'done', textContent: mark }));
    li.append(actions);
    return li;
  }));
}

/** A phone number in groups of four an officer reads out: 0812 3456 7890 (+62 8123 4567 890). */
function phoneText(phone) {
  const [, plus, digits] = /^(\+62|\+)?(.*)$/.exec(phone);
  const groups = digits.replace(/(\d{4})(?=\d{3})/g, '$1 ');
  return plus ? `${plus} ${groups}` : groups;
}

/** "Visited (by whom)" for a stop recorded today, on the server or still in the queue. */
function doneMark(p, queued) {
  if (p.done) return fill(p.done.outcome === 'not_found' ? 'doneNotFound' : 'doneVisited', { by: p.done.by });
  return queued.has(p.pseudonym) ? t('doneQueued') : '';
}

/** `HH:MM` on the phone's clock of a UTC time `YYYY-MM-DDTHH:MM:SSZ`. */
function localTime(utc) {
  const d = new Date(utc);
  return Number.isNaN(d.getTime()) ? utc : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Which plan this is: saved when, by whom; the form shows its options. */
function renderPlanInfo(body) {
  const o = body.options;
  if (o) {
    $('max').value = o.max;
    $('hours').value = o.hours;
    $('service').value = o.service;
    planHours = o.hours;
  }
  const s = body.saved;
  const done = body.summary.visits ? ` · ${fill('planDone', { d: body.summary.done, n: body.summary.visits })}` : '';
  $('plan-info').textContent = s
    ? fill('planSaved', { day: body.day, by: s.made_by, time: localTime(s.made_at), v: s.version > 1 ? fill('planVersion', { n: s.version }) : '' }) + done
    : t('planUnsaved');
  $('make').textContent = t(s ? 'routeReplan' : 'routeMake');
}

/**
 * MapLibre's worker, made so the service worker can serve it offline. Left to itself
 * MapLibre starts `vendor/maplibre-gl/maplibre-gl-worker.mjs` directly; a worker's own
 * script is matched to a service worker by its URL, and /vendor/ is outside this
 * service worker's scope (/web/), so with no network the map's worker never loads. A
 * worker made from a blob belongs to the page instead: its import of the same file
 * goes through the service worker, which keeps it (sw.js, "Siapkan offline").
 */
function mapWorkerUrl() {
  const script = new URL('../vendor/maplibre-gl/maplibre-gl-worker.mjs', import.meta.url).href;
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(script)};\n`], { type: 'text/javascript' }));
}

/** A round map marker with `text` and a class. */
function badge(className, text, title) {
  return Object.assign(document.createElement('div'), { className, textContent: text, title: title ?? '' });
}

async function renderMap(body) {
  renderReviews();
  const line = body.features.find((f) => f.geometry.type === 'LineString');
  const stops = body.features.filter((f) => f.geometry.type === 'Point');
  const coords = line?.geometry.coordinates ?? [];
  if (!maplibregl) {
    maplibregl = await import('../vendor/maplibre-gl/maplibre-gl.mjs');
    maplibregl.setWorkerUrl(mapWorkerUrl());
  }
  basemap = await basemap;
  if (!map) {
    const bare = { version: 8, sources: {}, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#f8fafc' } }] };
    map = new maplibregl.Map({
      container: 'route-map',
      // Streets and names under the route (none offline: the page still works).
      style: withBasemap(bare, basemap, 0),
      center: coords[0] ?? [0, 0],
      zoom: 13,
      attributionControl: false,
      dragRotate: false,
    });
    window.sigapRouteMap = map;
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  }
  const draw = () => {
    const data = { type: 'FeatureCollection', features: line ? [line] : [] };
    if (map.getSource('route')) map.getSource('route').setData(data);
    else {
      map.addSource('route', { type: 'geojson', data });
      map.addLayer({ id: 'route-line', type: 'line', source: 'route', paint: { 'line-color': '#1d4ed8', 'line-width': 4 } },
        basemapSlots(map).overlays);
    }
    markers.forEach((m) => m.remove());
    markers = stops.map((f) => {
      const p = f.properties;
      const el = badge(p.done ? 'stop-marker done' : 'stop-marker', String(p.order),
        `${p.name ? `${p.order}. ${p.name} · ` : ''}${fill('routeArrive', { time: clock(p.arrive_min) })}`);
      // A tap on a number shows its stop in the list.
      el.addEventListener('click', () => {
        const li = document.querySelector(`#stops > li[data-pseudonym="${p.pseudonym}"]`);
        li?.scrollIntoView({ behavior: 'smooth', block: 'center' });
        li?.classList.add('flash');
        setTimeout(() => li?.classList.remove('flash'), 1500);
      });
      return new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(map);
    });
    // Where the day starts and ends: the puskesmas (or the start given).
    const base = body.start_place ?? null;
    const startName = base?.name ?? t('routeStartHere');
    if (body.start) {
      markers.push(new maplibregl.Marker({ element: badge('base-marker', 'P', fill('routeStart', { name: startName })) })
        .setLngLat(body.start).addTo(map));
    }
    if (body.end && (body.end[0] !== body.start?.[0] || body.end[1] !== body.start?.[1])) {
      markers.push(new maplibregl.Marker({ element: badge('base-marker end', 'S', fill('routeEnd', { name: t('routeStartHere') })) })
        .setLngLat(body.end).addTo(map));
    }
    if (coords.length) {
      const b = coords.reduce((acc, [x, y]) => [Math.min(acc[0], x), Math.min(acc[1], y), Math.max(acc[2], x), Math.max(acc[3], y)], [180, 90, -180, -90]);
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, animate: false });
    }
  };
  if (map.loaded()) draw();
  else await new Promise((resolve) => map.once('load', () => { draw(); resolve(); }));
}

let shown = null;

/** "Siapkan offline": the plan (kept by the worker when it was loaded) and the map
 * tiles and glyphs of the day's area, with progress. */
async function prepareOffline() {
  const status = $('offline-status');
  if (!('caches' in window) || !navigator.serviceWorker?.controller) {
    await navigator.serviceWorker?.ready;
    if (!navigator.serviceWorker?.controller) {
      status.textContent = t('offlineUnsupported');
      return;
    }
  }
  const bounds = shown && planBounds(shown);
  if (!bounds) {
    status.textContent = t('offlineNone');
    return;
  }
  $('offline').disabled = true;
  try {
    // The plan and the account again, through the worker, so both are the latest kept.
    await fetch(new URL(routeQuery(), BASE));
    await fetch(new URL('api/me', BASE));
    // A planner's table of the teams' plans, shown under the map once it has drawn.
    if (user?.role !== 'field_officer') await fetch(new URL(`api/plans?date=${today()}`, BASE));
    await fetch(new URL('basemap/style.json', BASE));
    // MapLibre through the worker, which keeps it (the page may have had it before
    // the worker was there).
    for (const f of ['maplibre-gl.mjs', 'maplibre-gl-worker.mjs', 'maplibre-gl-shared.mjs', 'maplibre-gl.css']) {
      await fetch(new URL(`vendor/maplibre-gl/${f}`, BASE));
    }
    const urls = offlineUrls(await basemap, bounds);
    const got = await storeAll(urls, (d, n) => { status.textContent = fill('offlineWorking', { d, n }); });
    // When it was stored is kept with it: after a reload offline the line still says it.
    const ready = { day: shown.day, tiles: got.tiles, bytes: got.bytes, failed: got.failed, at: new Date().toISOString() };
    localStorage.setItem(READY, JSON.stringify(ready));
    renderReady(ready);
    document.body.dataset.offline = got.failed ? 'partial' : 'ready';
  } finally {
    $('offline').disabled = false;
  }
}

/** "Ready offline: plan, tiles, MB, stored at HH:MM" (and the tiles that failed). */
function renderReady(ready) {
  const time = ready.at ? localTime(ready.at) : t('offlineAt'); // a record from before `at` was kept
  $('offline-status').textContent = fill('offlineReady', { day: ready.day, n: ready.tiles, mb: mb(ready.bytes), time })
    + (ready.failed ? ` ${fill('offlineFailed', { f: ready.failed })}` : '');
}

/** Shows the officer's own position on the map, following it while the page is open. */
function followMe() {
  if (!navigator.geolocation) return;
  navigator.geolocation.watchPosition((pos) => {
    const at = [pos.coords.longitude, pos.coords.latitude];
    if (!map || !maplibregl) return;
    if (!me) me = new maplibregl.Marker({ element: badge('me-marker', '', t('routeMe')) }).setLngLat(at).addTo(map);
    else me.setLngLat(at);
    $('me-status').textContent = '';
  }, (err) => {
    $('me-status').textContent = fill('routeMeOff', { why: err.message || err.code });
  }, { enableHighAccuracy: true, maximumAge: 30_000, timeout: 60_000 });
}

async function loadRoute(replan = false) {
  let r;
  try {
    r = replan
      ? await send('POST', 'api/route', routeOptions())
      : await fetch(new URL(routeQuery(), BASE));
  } catch {
    $('summary').textContent = t('offlineNow');
    return;
  }
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    $('summary').textContent = fill('routeError', { why: body.error || `HTTP ${r.status}` });
    return;
  }
  const body = await r.json();
  // On paper: whose route, and for which day.
  $('print-title').textContent = fill('routePrintTitle', { team: body.team, date: new Date().toLocaleDateString('id-ID', { dateStyle: 'long' }) });
  shown = body;
  renderPlanInfo(body);
  renderStops(body, await queued());
  // Served by the worker from its cache: say so.
  $('offline-now').hidden = r.headers.get('X-Sigap-From-Cache') !== '1';
  $('gpx').href = new URL(routeQuery('gpx'), BASE).href;
  $('geojson').href = new URL(routeQuery('geojson'), BASE).href;
  document.body.dataset.ready = 'true';
  await renderMap(body);
  document.body.dataset.map = 'true';
}

/** Planners see each OPD's plan for today and how far it got. */
async function loadPlans() {
  const r = await fetch(new URL(`api/plans?date=${today()}`, BASE)).catch(() => null);
  if (!r?.ok) return;
  const { plans } = await r.json();
  const td = (text) => Object.assign(document.createElement('td'), { textContent: text ?? '–' });
  $('plans').tBodies[0].replaceChildren(...plans.map((x) => {
    const tr = document.createElement('tr');
    tr.append(td(x.team), td(String(x.stops)), td(`${x.done} (${Math.round((100 * x.done) / Math.max(1, x.stops))}%)`),
      td(`${x.made_by} ${localTime(x.made_at)}`));
    return tr;
  }));
  $('plans-none').hidden = plans.length > 0;
  $('plans-section').hidden = false;
}

/** Planners see every OPD's progress under the route. */
async function loadProgress() {
  const r = await fetch(new URL('api/visits/progress', BASE)).catch(() => null); // offline: none
  if (!r?.ok) return [];
  const { teams, villages } = await r.json();
  const td = (text) => Object.assign(document.createElement('td'), { textContent: text ?? '–' });
  const row = (name, x) => {
    const tr = document.createElement('tr');
    tr.append(td(name), td(fmtInt(x.assigned)), td(`${fmtInt(x.visited)} (${Math.round((100 * x.visited) / Math.max(1, x.assigned))}%)`),
      td(x.last_visit), td(fmtInt(x.recovering)), td(fmtInt(x.unconfirmed ?? 0)));
    return tr;
  };
  $('progress').tBodies[0].replaceChildren(...teams.map((x) => row(x.team, x)));
  $('progress-villages').tBodies[0].replaceChildren(...villages.map((x) => row(x.name ?? x.code, x)));
  $('progress-section').hidden = false;
  return teams;
}

async function main() {
  applyI18n();
  renderReviews();
  await adoptOldQueue(OLD_QUEUE);
  await countQueue();
  // Logging out deletes what this phone keeps of the children (plan, roster, tiles):
  // asked first when visit records are still waiting to be sent.
  window.sigapBeforeLogout = async () => {
    // Held implausible measurements are unsent records too.
    const n = (await queued()).length + reviews().length;
    if (n && !window.confirm(fill('logoutPending', { n }))) return false;
    await clearOffline();
    return true;
  };
  user = await ensureLogin();
  applyI18n();
  const params = new URLSearchParams(window.location.search);
  if (user.role === 'field_officer') {
    $('team').replaceChildren(new Option(user.team, user.team, true, true));
  } else {
    const want0 = params.get('team');
    const teams = (await loadProgress()).map((x) => x.team);
    // Offline there is no progress to list the teams from: the team of the address.
    if (!teams.length && want0) teams.push(want0);
    const want = want0 ?? teams[0];
    $('team').replaceChildren(...teams.map((name) => new Option(name, name, name === want, name === want)));
    $('team-label').hidden = false;
  }
  $('route-form').addEventListener('submit', (e) => {
    e.preventDefault();
    // A saved plan changes only on purpose: ask when visits were already recorded.
    const done = shown?.summary?.done ?? 0;
    if (shown?.saved && done && !window.confirm(fill('replanConfirm', { d: done }))) return;
    loadRoute(Boolean(shown?.saved)).then(() => { if (user.role !== 'field_officer') loadPlans(); });
  });
  $('team').addEventListener('change', () => { shown = null; loadRoute(); });
  $('print').addEventListener('click', () => window.print());
  window.addEventListener('online', flush);
  setInterval(flush, 30_000);
  basemap = loadBasemap(BASE);
  $('me').addEventListener('click', followMe);
  $('offline').addEventListener('click', prepareOffline);

  const ready = JSON.parse(localStorage.getItem(READY) || 'null');
  if (ready) renderReady(ready);
  // Already allowed: follow at once, no button needed.
  navigator.permissions?.query({ name: 'geolocation' }).then((p) => { if (p.state === 'granted') followMe(); }).catch(() => {});
  await loadRoute();
  // The service worker after the list: on a slow line its downloads wait their turn.
  registerWorker().then((ok) => { $('offline').hidden = !ok; });
  await flush();
  if (user.role !== 'field_officer') {
    loadProgress();
    loadPlans();
  }
}

main().catch((e) => { $('summary').textContent = String(e); });

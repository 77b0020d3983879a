// The field team's route page: a day's visits from /api/route as a list and a map,
// each stop with a navigation link (geo:, the phone's maps app) and a visit form.
//
// Visits are queued in localStorage before anything is sent, each with an id made
// here, and the queue is sent whenever the browser is online (at once, on the
// `online` event, and every 30 s). The server stores a visit once per id, so a record
// sent twice (a reply lost on a poor connection) is still one visit.

import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { t, addWords, applyI18n } from './i18n.js';
import { ensureLogin, send } from './account.js';
import { loadBasemap, withBasemap, basemapSlots } from './basemap.js';

addWords({
  id: {
    routeTitle: 'Rute kunjungan', routeTeam: 'Tim', routeMax: 'Kunjungan maks.', routeHours: 'Jam kerja',
    routeService: 'Menit per kunjungan', routeMake: 'Buat rute', routeGpx: 'Unduh GPX', routeGeojson: 'Unduh GeoJSON',
    routePrint: 'Cetak', routeSummary: '{n} dari {c} anak · {travel} menit di jalan ({km} km) · selesai setelah {total} menit',
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
    progressVillage: 'Kelurahan',
    routePrintTitle: 'Rute kunjungan {team} · {date}', routeParent: 'Orang tua: {name}', routeVillage: 'Kel. {name}', routeCode: 'Kode {code} (nama tidak tersedia)',
  },
  en: {
    routeTitle: 'Visit route', routeTeam: 'Team', routeMax: 'Most visits', routeHours: 'Working hours',
    routeService: 'Minutes per visit', routeMake: 'Plan route', routeGpx: 'Download GPX', routeGeojson: 'Download GeoJSON',
    routePrint: 'Print', routeSummary: '{n} of {c} children · {travel} min on the road ({km} km) · done after {total} min',
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
    progressVillage: 'Village',
    routePrintTitle: 'Visit route {team} · {date}', routeParent: 'Parent: {name}', routeVillage: 'Village {name}', routeCode: 'Code {code} (no name available)',
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
const QUEUE = 'sigap-visit-queue';
/** Records the server sent back as implausible, waiting for the officer. */
const REVIEW = 'sigap-visit-review';
const $ = (id) => document.getElementById(id);
const fill = (key, vars) => Object.entries(vars).reduce((s, [k, v]) => s.replace(`{${k}}`, () => v), t(key));
let map = null;
let markers = [];
/** The basemap style, or null (offline, or an older server). */
let basemap = null;
let user = null;

// ---- the offline queue -----------------------------------------------------------

function queue() {
  try {
    return JSON.parse(localStorage.getItem(QUEUE) || '[]');
  } catch {
    return [];
  }
}

function saveQueue(q) {
  localStorage.setItem(QUEUE, JSON.stringify(q));
  renderSync();
}

function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

let lastError = '';
function renderSync() {
  const n = queue().length;
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
      const q = queue();
      if (!q.length) break;
      let r;
      try {
        r = await send('POST', 'api/visits', q[0]);
      } catch {
        break; // offline: try again later
      }
      if (r.ok) {
        lastError = '';
      } else if (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 429) {
        const body = await r.json().catch(() => ({}));
        if (body.code === 'implausible_measurement') {
          lastError = '';
          holdForReview(q[0], body);
        } else {
          lastError = (body.problems || []).map((p) => `${p.field}: ${p.reason}`).join('; ') || body.error || `HTTP ${r.status}`;
        }
      } else {
        break; // server busy or session gone: keep it
      }
      saveQueue(queue().filter((v) => v.id !== q[0].id));
    }
  } finally {
    flushing = false;
    renderSync();
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
  saveQueue([...queue(), record]);
  flush();
}

const num2 = (z) => (z == null ? '–' : z.toFixed(2).replace('.', ','));
const cm = (h) => (h == null ? '–' : String(h).replace('.', ','));

function reviewBox({ record, answer }) {
  const box = $('review-box').content.firstElementChild.cloneNode(true);
  applyI18n(box);
  box.dataset.id = record.id;
  box.querySelector('.checks').replaceChildren(...(answer.checks || []).map((c) => Object.assign(document.createElement('li'), { textContent: c.pesan, className: c.code })));
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

function routeQuery(format) {
  const p = new URLSearchParams();
  const team = $('team').value;
  if (team) p.set('team', team);
  p.set('max', $('max').value);
  p.set('hours', $('hours').value);
  p.set('service', $('service').value);
  if (format) p.set('format', format);
  return `api/route?${p}`;
}

function clock(minutes) {
  const [h, m] = $('hours').value.split('-')[0].split(':').map(Number);
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
      visited_on: new Date().toISOString().slice(0, 10),
      outcome: data.get('outcome'),
      given: data.get('outcome') === 'visited' ? data.getAll('given') : [],
      height_cm: data.get('outcome') === 'visited' ? num('height_cm') : undefined,
      weight_kg: data.get('outcome') === 'visited' ? num('weight_kg') : undefined,
      note: data.get('note') || '',
    };
    saveQueue([...queue(), record]);
    form.replaceWith(Object.assign(document.createElement('p'), { className: 'done', textContent: `✓ ${t('visitSaved')}` }));
    li.classList.add('recorded');
    flush();
  });
  return form;
}

function renderStops(body) {
  const stops = body.features.filter((f) => f.geometry.type === 'Point');
  const s = body.summary;
  $('summary').textContent = stops.length
    ? fill('routeSummary', { n: s.visits, c: s.candidates, travel: Math.round(s.travel_min), km: (s.travel_m / 1000).toFixed(1), total: Math.round(s.total_min) })
    : t('routeNone');
  $('stops').replaceChildren(...stops.map((f) => {
    const p = f.properties;
    const li = document.createElement('li');
    li.dataset.pseudonym = p.pseudonym;
    const [lon, lat] = f.geometry.coordinates;
    // Names come from the register: set as text, never as HTML.
    const el = (tag, className, text) => Object.assign(document.createElement(tag), { className, textContent: text });
    const head = el('div', 'head', '');
    const who = p.name ? el('strong', 'name', p.name) : el('strong', 'name code', fill('routeCode', { code: p.pseudonym.slice(0, 8) }));
    head.append(el('span', 'num', String(p.order)), who, el('span', 'arrive', fill('routeArrive', { time: clock(p.arrive_min) })));
    li.append(head);
    if (p.parent) li.append(el('div', 'parent', fill('routeParent', { name: p.parent })));
    if (p.address) li.append(el('div', 'address', p.address));
    const place = [p.village ? fill('routeVillage', { name: p.village }) : '', p.posyandu ?? ''].filter(Boolean).join(' · ');
    if (place) li.append(el('div', 'place', place));
    const status = el('div', 'status', '');
    if (p.severe) status.append(el('span', 'severe', t('routeSevere')), ' · ');
    status.append(`HAZ ${p.haz.toFixed(2)} · `, p.last_visit ? fill('routeLast', { d: p.last_visit }) : t('routeNever'),
      ` · ${fill('routeRide', { m: Math.round(p.travel_min) })}`);
    li.append(status);
    const actions = Object.assign(document.createElement('div'), { className: 'actions' });
    const nav = Object.assign(document.createElement('a'), { className: 'navigate', href: `geo:${lat.toFixed(6)},${lon.toFixed(6)}?q=${lat.toFixed(6)},${lon.toFixed(6)}`, textContent: t('routeNavigate') });
    const rec = Object.assign(document.createElement('button'), { type: 'button', className: 'record', textContent: t('routeRecord') });
    rec.addEventListener('click', () => { rec.disabled = true; li.append(visitForm(p, li)); });
    actions.append(nav, rec);
    li.append(actions);
    return li;
  }));
}

function renderMap(body) {
  renderReviews();
  const line = body.features.find((f) => f.geometry.type === 'LineString');
  const stops = body.features.filter((f) => f.geometry.type === 'Point');
  const coords = line?.geometry.coordinates ?? [];
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
    markers = stops.map((f) => new maplibregl.Marker({
      element: Object.assign(document.createElement('div'), {
        className: 'stop-marker', textContent: String(f.properties.order),
        title: f.properties.name ? `${f.properties.order}. ${f.properties.name}` : String(f.properties.order),
      }),
    }).setLngLat(f.geometry.coordinates).addTo(map));
    if (coords.length) {
      const b = coords.reduce((acc, [x, y]) => [Math.min(acc[0], x), Math.min(acc[1], y), Math.max(acc[2], x), Math.max(acc[3], y)], [180, 90, -180, -90]);
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, animate: false });
    }
  };
  if (map.loaded()) draw(); else map.once('load', draw);
}

async function loadRoute() {
  const r = await fetch(new URL(routeQuery(), BASE));
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    $('summary').textContent = fill('routeError', { why: body.error || `HTTP ${r.status}` });
    return;
  }
  const body = await r.json();
  // On paper: whose route, and for which day.
  $('print-title').textContent = fill('routePrintTitle', { team: body.team, date: new Date().toLocaleDateString('id-ID', { dateStyle: 'long' }) });
  renderStops(body);
  renderMap(body);
  $('gpx').href = new URL(routeQuery('gpx'), BASE).href;
  $('geojson').href = new URL(routeQuery('geojson'), BASE).href;
  document.body.dataset.ready = 'true';
}

/** Planners see every OPD's progress under the route. */
async function loadProgress() {
  const r = await fetch(new URL('api/visits/progress', BASE));
  if (!r.ok) return [];
  const { teams, villages } = await r.json();
  const td = (text) => Object.assign(document.createElement('td'), { textContent: text ?? '–' });
  const row = (name, x) => {
    const tr = document.createElement('tr');
    tr.append(td(name), td(String(x.assigned)), td(`${x.visited} (${Math.round((100 * x.visited) / Math.max(1, x.assigned))}%)`),
      td(x.last_visit), td(String(x.recovering)));
    return tr;
  };
  $('progress').tBodies[0].replaceChildren(...teams.map((x) => row(x.team, x)));
  $('progress-villages').tBodies[0].replaceChildren(...villages.map((x) => row(x.name ?? x.code, x)));
  $('progress-section').hidden = false;
  return teams;
}

async function main() {
  applyI18n();
  renderSync();
  renderReviews();
  user = await ensureLogin();
  applyI18n();
  const params = new URLSearchParams(window.location.search);
  if (user.role === 'field_officer') {
    $('team').replaceChildren(new Option(user.team, user.team, true, true));
  } else {
    const teams = (await loadProgress()).map((x) => x.team);
    const want = params.get('team') ?? teams[0];
    $('team').replaceChildren(...teams.map((name) => new Option(name, name, name === want, name === want)));
    $('team-label').hidden = false;
  }
  $('route-form').addEventListener('submit', (e) => { e.preventDefault(); loadRoute(); });
  $('print').addEventListener('click', () => window.print());
  window.addEventListener('online', flush);
  setInterval(flush, 30_000);
  basemap = await loadBasemap(BASE);
  await loadRoute();
  await flush();
  if (user.role !== 'field_officer') loadProgress();
}

main().catch((e) => { $('summary').textContent = String(e); });

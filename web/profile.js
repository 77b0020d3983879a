// The printable one-page profile of one village, for the rembuk stunting:
// /web/profile.html?village=CODE[&period=YYYY-MM][&w.<factor>=x].
//
// Steps: log in (staff), read GET /api/villages/{code}/profile (figures, factors,
// where it stands and why, change since the previous round, place and last
// measurement day), fill the sheet, draw a small static map of the village over the
// basemap, and keep a still image of it so the printed page shows the map (a WebGL
// canvas prints empty otherwise). Prints on one A4 portrait page (profile.css).

import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { t, lang, setLang, applyI18n, addWords, fmtInt, fmtPct, fmtKm, fmtMin, fmtScore, fill, esc } from './i18n.js';
import { ensureLogin, send } from './account.js';
import { loadBasemap, withBasemap } from './basemap.js';
import { contributions } from './popup.js';
import { FACTORS } from './layers.js';

addWords({
  id: {
    profilePrint: 'Cetak', profileBack: '← Kembali ke peta', profileKicker: 'Profil desa/kelurahan · rembuk stunting',
    profileMapLabel: 'Peta desa/kelurahan', profileWhy: 'Alasan', profileFigures: 'Angka',
    profileChange: 'Perubahan sejak putaran sebelumnya', profilePriority: 'Prioritas ke-{rank} dari {of} desa/kelurahan',
    profileNotPriority: 'Bukan prioritas: peringkat {rank} dari {of} ({top} teratas menjadi prioritas)',
    profileStablePriority: 'Bila tiap bobot bergeser ±20%, peringkatnya {range}; di {top} teratas pada {share} skenario.',
    profileRankFixed: 'tetap {rank}',
    profileStableOther: 'Bila tiap bobot bergeser ±20%, masuk {top} teratas pada {share} skenario.',
    profileNoPrevious: 'Belum ada putaran pengukuran sebelumnya untuk dibandingkan.',
    profileDelta: 'Perubahan prevalensi',
    profileFollowed: 'Anak diukur di kedua putaran', profileNewly: 'Baru stunting', profileRecovered: 'Pulih',
    profilePeriod: 'Periode', profileMeasured: 'Data pengukuran s.d.', profilePrinted: 'Dicetak',
    profileWeights: 'Dihitung dengan bobot simulasi (bukan bobot bawaan)', profileNoVillage: 'Tidak ada kode desa di alamat (?village=KODE)',
    profileSource: 'Sumber: sigap, data e-PPGBM dan rumah tangga yang diimpor; angka agregat per desa/kelurahan, tanpa data anak perorangan.',
    profileCode: 'Kode', profileRisk: 'Skor risiko (0–1)', profilePrevalence: 'Prevalensi stunting',
    profileCoverage: 'Cakupan intervensi', profileReached: 'Terjangkau', profileNoCoverage: 'Belum ada sasaran program pada putaran ini.',
    rembukTitle: 'Keputusan rembuk stunting', rembukPriority: 'Ditetapkan sebagai desa/kelurahan prioritas (lokus)',
    rembukAdd: '+ Aksi', rembukSave: 'Simpan keputusan', rembukAction: 'Aksi yang disepakati', rembukLead: 'Penanggung jawab (OPD, puskesmas, mitra)',
    rembukNone: 'Belum ada keputusan rembuk yang dicatat untuk desa/kelurahan ini.',
    rembukIsPriority: 'Prioritas (lokus) menurut rembuk periode {period}', rembukNotPriority: 'Bukan prioritas menurut rembuk periode {period}',
    rembukCarried: ' (dibawa dari putaran sebelumnya)', rembukBy: 'dicatat oleh {user}, {day}', rembukSaved: 'Keputusan tersimpan.',
    rembukRemove: 'Hapus aksi ini',
  },
  en: {
    profilePrint: 'Print', profileBack: '← Back to the map', profileKicker: 'Village profile · stunting review meeting',
    profileMapLabel: 'Map of the village', profileWhy: 'Why', profileFigures: 'Figures',
    profileChange: 'Change since the previous round', profilePriority: 'Priority {rank} of {of} villages',
    profileNotPriority: 'Not a priority: rank {rank} of {of} (the top {top} are priorities)',
    profileStablePriority: 'With each weight moved ±20%, its rank is {range}; in the top {top} in {share} of scenarios.',
    profileRankFixed: 'always {rank}',
    profileStableOther: 'With each weight moved ±20%, it enters the top {top} in {share} of scenarios.',
    profileNoPrevious: 'No earlier measurement round to compare with.',
    profileDelta: 'Prevalence change',
    profileFollowed: 'Children measured in both rounds', profileNewly: 'Newly stunted', profileRecovered: 'Recovered',
    profilePeriod: 'Period', profileMeasured: 'Measured until', profilePrinted: 'Printed',
    profileWeights: 'Computed with what-if weights (not the configured ones)', profileNoVillage: 'No village code in the address (?village=CODE)',
    profileSource: 'Source: sigap, imported e-PPGBM and household data; aggregate figures per village, no individual child.',
    profileCode: 'Code', profileRisk: 'Risk score (0–1)', profilePrevalence: 'Stunting prevalence',
    profileCoverage: 'Intervention coverage', profileReached: 'Reached', profileNoCoverage: 'No programme has a target here this round.',
    rembukTitle: 'Stunting review meeting (rembuk) decisions', rembukPriority: 'Chosen as a priority village (lokus)',
    rembukAdd: '+ Action', rembukSave: 'Save decisions', rembukAction: 'Action agreed', rembukLead: 'Who leads it (OPD, puskesmas, partner)',
    rembukNone: 'No rembuk decision recorded for this village yet.',
    rembukIsPriority: 'Priority (lokus) by the rembuk of period {period}', rembukNotPriority: 'Not a priority by the rembuk of period {period}',
    rembukCarried: ' (carried from the previous round)', rembukBy: 'recorded by {user}, {day}', rembukSaved: 'Decisions saved.',
    rembukRemove: 'Remove this action',
  },
});

const ROOT = new URL('../', window.location.href);
const $ = (id) => document.getElementById(id);
const state = { body: null, mapImage: null };

const num = (v) => (v === null || v === undefined || v === '' ? NaN : Number(v));
const locale = () => (lang() === 'id' ? 'id-ID' : 'en-GB');

/** `t(key)` with `{name}` placeholders filled. */
function dayText(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  if (!m) return '';
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' })
    .format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function share(part, whole) {
  return whole > 0 && Number.isFinite(part) ? part / whole : NaN;
}

function pp(x) {
  if (!Number.isFinite(x)) return '–';
  const s = new Intl.NumberFormat(locale(), { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(x);
  return `${s} ${t('pp')}`;
}

function row(label, value, extra = '', cls = '') {
  const more = extra ? ` <span class="muted">(${esc(extra)})</span>` : '';
  return `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${esc(label)}</th><td>${esc(value)}${more}</td></tr>`;
}

function renderFigures(v) {
  const children = num(v.children);
  const households = num(v.households);
  const pct = (p, w) => (Number.isFinite(share(num(p), w)) ? fmtPct(share(num(p), w)) : '');
  const rows = [
    row(t('profileRisk'), fmtScore(num(v.risk)), '', 'strong'),
    row(t('children'), fmtInt(children)),
    row(t('stuntedCount'), fmtInt(num(v.stunted)), pct(v.stunted, children), 'strong'),
    row(t('severe'), fmtInt(num(v.severe)), pct(v.severe, children)),
    row(t('households'), fmtInt(households)),
    row(t('hhNoLatrine'), fmtInt(num(v.no_latrine)), pct(v.no_latrine, households)),
    row(t('hhNoSafeWater'), fmtInt(num(v.no_safe_water)), pct(v.no_safe_water, households)),
    row(t('hhNoSanitation'), fmtInt(num(v.no_sanitation)), pct(v.no_sanitation, households)),
    ...(v.puskesmas_min === undefined ? [] : [row(t('travelTime'), fmtMin(num(v.puskesmas_min)))]),
    row(t('distance'), fmtKm(num(v.puskesmas_km))),
  ];
  $('figures').innerHTML = `<tbody>${rows.join('')}</tbody>`;
  const list = contributions(v);
  const top = Math.max(num(v.risk), ...list.map((c) => c.value), 1e-9);
  $('factors').innerHTML = list.map((c) => {
    const width = Math.max(0, Math.min(100, (100 * c.value) / top));
    const weight = Number.isFinite(c.weight) ? ` <span class="muted">(${esc(t('weight'))} ${esc(fmtScore(c.weight))})</span>` : '';
    return `<li><span class="factor">${esc(t(c.factor))}${weight}</span>`
      + `<span class="bar"><span style="width:${width.toFixed(1)}%"></span></span><span class="val">${esc(fmtScore(c.value))}</span></li>`;
  }).join('');
}

function renderStanding(body) {
  const s = body.standing;
  const badge = $('standing-badge');
  if (!s) { badge.textContent = ''; return; }
  const values = { rank: fmtInt(s.rank), of: fmtInt(s.of), top: fmtInt(s.top) };
  badge.textContent = fill(s.priority ? 'profilePriority' : 'profileNotPriority', values);
  badge.classList.toggle('priority', s.priority);
  $('standing-reason').textContent = s.reason;
  $('standing-stability').textContent = s.priority
    ? fill('profileStablePriority', {
      ...values,
      range: s.min_rank === s.max_rank ? fill('profileRankFixed', { rank: s.min_rank }) : `${s.min_rank}–${s.max_rank}`,
      share: fmtPct(s.top_share),
    })
    : fill('profileStableOther', { ...values, share: fmtPct(s.top_share) });
  const weights = $('profile-weights');
  weights.hidden = body.configured_weights !== false;
  if (!weights.hidden) {
    const list = FACTORS.map((f) => `${t(f)} ${fmtScore(num(body.weights?.[f]))}`).join(' · ');
    weights.textContent = `${t('profileWeights')}: ${list}`;
  }
}

function renderChange(body) {
  const c = body.change;
  const v = body.village;
  const table = $('change');
  if (!c) {
    table.innerHTML = `<tbody><tr><td class="muted" style="text-align:left;white-space:normal">${esc(t('profileNoPrevious'))}</td></tr></tbody>`;
    return;
  }
  const nowPrev = share(num(v.stunted), num(v.children));
  const head = `<thead><tr><th></th><th>${esc(c.base)}</th><th>${esc(body.period ?? '')}</th></tr></thead>`;
  const two = (label, a, b) => `<tr><th scope="row">${esc(label)}</th><td>${esc(a)}</td><td>${esc(b)}</td></tr>`;
  const one = (label, value, cls = '') => `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${esc(label)}</th><td></td><td>${esc(value)}</td></tr>`;
  table.innerHTML = head + '<tbody>'
    + two(t('children'), fmtInt(num(c.base_children)), fmtInt(num(v.children)))
    + two(t('stuntedCount'), fmtInt(num(c.base_stunted)), fmtInt(num(v.stunted)))
    + two(t('profilePrevalence'), fmtPct(num(c.base_prevalence)), fmtPct(nowPrev))
    + one(t('profileDelta'), pp(num(c.prevalence_change_pp)), 'strong')
    + one(t('profileFollowed'), fmtInt(num(c.followed)))
    + one(t('profileNewly'), fmtInt(num(c.newly_stunted)))
    + one(t('profileRecovered'), fmtInt(num(c.recovered)))
    + '</tbody>';
}

function renderSheet() {
  applyI18n();
  $('lang-toggle').textContent = t('switchTo');
  const body = state.body;
  if (!body) return;
  const v = body.village;
  document.title = `sigap · ${v.name}`;
  $('village-name').textContent = v.name;
  $('village-sub').textContent = `${t('district')} ${v.district} · ${t('profileCode')} ${v.code}`;
  const made = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date());
  $('profile-meta').textContent = [
    body.place,
    body.period ? `${t('profilePeriod')} ${body.period}` : '',
    body.measured_until ? `${t('profileMeasured')} ${dayText(body.measured_until)}` : '',
    `${t('profilePrinted')} ${made}`,
  ].filter(Boolean).join('\n');
  renderFigures(v);
  renderStanding(body);
  renderChange(body);
  renderCoverage(body);
  renderRembuk(body);
  const attribution = document.querySelector('#profile-map .maplibregl-ctrl-attrib-inner')?.textContent?.trim();
  $('profile-foot').textContent = [t('profileSource'), attribution].filter(Boolean).join(' · ');
}

/** The village's own style: other villages faint, this one outlined and tinted. */
function villageStyle(code) {
  const tiles = new URL('tiles/villages.json', ROOT).href;
  const isThis = ['==', ['get', 'code'], code]; // this village's features
  return {
    version: 8,
    sources: { villages: { type: 'vector', url: tiles } },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f8fafc' } },
      // This village tinted, the others left to the basemap.
      { id: 'profile-fill', type: 'fill', source: 'villages', 'source-layer': 'villages', filter: isThis, paint: { 'fill-color': '#bd0026', 'fill-opacity': 0.18 } },
      { id: 'profile-others', type: 'line', source: 'villages', 'source-layer': 'villages', paint: { 'line-color': '#64748b', 'line-width': 0.8 } },
      { id: 'profile-line', type: 'line', source: 'villages', 'source-layer': 'villages', filter: isThis, paint: { 'line-color': '#bd0026', 'line-width': 3 } },
    ],
  };
}

/** Draws the static map and, once it is complete, keeps a still image of it. */
async function drawMap(body) {
  const b = body.village.bounds;
  if (!Array.isArray(b) || b.length !== 4) return;
  const basemap = await loadBasemap(ROOT);
  const map = new maplibregl.Map({
    container: 'profile-map',
    // The village, its neighbours and its outline under the water: no line across the bay.
    style: withBasemap(villageStyle(body.village.code), basemap, 3, ['basemap-villages']),
    bounds: [[b[0], b[1]], [b[2], b[3]]],
    fitBoundsOptions: { padding: 40 },
    interactive: false,
    attributionControl: { compact: false },
    canvasContextAttributes: { preserveDrawingBuffer: true },
    pixelRatio: Math.max(2, window.devicePixelRatio || 1),
  });
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  await new Promise((resolve) => { map.once('idle', resolve); });
  // The still image prints; the canvas (hidden behind it) would print empty in some browsers.
  const img = document.createElement('img');
  img.alt = '';
  img.src = map.getCanvas().toDataURL('image/png');
  await img.decode();
  img.className = 'profile-still';
  map.getCanvasContainer().after(img);
  renderSheet(); // the attribution is known now
}

/** The rembuk's decisions in force: priority or not, and the actions with who leads them. */
function renderRembuk(body) {
  const d = body.rembuk;
  const status = $('rembuk-status');
  const list = $('rembuk-actions');
  if (!d) {
    status.textContent = t('rembukNone');
    list.replaceChildren();
    return;
  }
  const carried = body.period && d.period !== body.period ? t('rembukCarried') : '';
  const day = dayText(d.at.slice(0, 10));
  status.textContent = `${fill(d.priority ? 'rembukIsPriority' : 'rembukNotPriority', { period: d.period })}${carried} · ${fill('rembukBy', { user: d.username, day })}`;
  list.replaceChildren(...d.actions.map((a) => {
    const li = document.createElement('li');
    const lead = Object.assign(document.createElement('span'), { className: 'lead', textContent: ` — ${a.lead}` });
    li.append(a.action, lead);
    return li;
  }));
}

/** One action row of the form: what, who leads it, and a remove button. */
function rembukRow(action = '', lead = '') {
  const row = Object.assign(document.createElement('div'), { className: 'row' });
  const what = Object.assign(document.createElement('input'), { type: 'text', name: 'action', maxLength: 300, value: action, placeholder: t('rembukAction') });
  const who = Object.assign(document.createElement('input'), { type: 'text', name: 'lead', maxLength: 100, value: lead, placeholder: t('rembukLead') });
  what.setAttribute('aria-label', t('rembukAction'));
  who.setAttribute('aria-label', t('rembukLead'));
  const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'action', textContent: '×', title: t('rembukRemove') });
  remove.addEventListener('click', () => row.remove());
  row.append(what, who, remove);
  return row;
}

/** Planners and admins record the village's decisions for the round shown. */
function initRembukForm(user, code) {
  if (!['planner', 'admin'].includes(user?.role)) return;
  const form = $('rembuk-form');
  form.hidden = false;
  const fillForm = () => {
    const d = state.body?.rembuk;
    form.elements.priority.checked = d ? d.priority : Boolean(state.body?.standing?.priority);
    $('rembuk-rows').replaceChildren(...(d?.actions?.length ? d.actions.map((a) => rembukRow(a.action, a.lead)) : [rembukRow()]));
  };
  fillForm();
  $('rembuk-add').addEventListener('click', () => $('rembuk-rows').append(rembukRow()));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const actions = [...$('rembuk-rows').querySelectorAll('.row')]
      .map((r) => ({ action: r.querySelector('[name=action]').value.trim(), lead: r.querySelector('[name=lead]').value.trim() }))
      .filter((a) => a.action || a.lead);
    const r = await send('POST', 'api/rembuk', { village: code, period: state.body.period, priority: form.elements.priority.checked, actions });
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) {
      $('rembuk-message').textContent = answer.error ?? `HTTP ${r.status}`;
      return;
    }
    state.body.rembuk = answer.decisions;
    renderRembuk(state.body);
    fillForm();
    $('rembuk-message').textContent = t('rembukSaved');
  });
}

/** The programmes' reach in the village this round: "reached of target (share)". */
function renderCoverage(body) {
  const rows = (body.coverage ?? []).filter((c) => num(c.target) > 0);
  const table = $('coverage');
  if (!rows.length) {
    table.innerHTML = `<tbody><tr><td class="muted" style="text-align:left;white-space:normal">${esc(t('profileNoCoverage'))}</td></tr></tbody>`;
    return;
  }
  table.innerHTML = `<thead><tr><th></th><th>${esc(t('profileReached'))}</th></tr></thead><tbody>`
    + rows.map((c) => row(c.name, `${fmtInt(num(c.reached))} / ${fmtInt(num(c.target))}`, fmtPct(num(c.share)))).join('')
    + '</tbody>';
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('village');
  applyI18n();
  $('lang-toggle').addEventListener('click', () => { setLang(lang() === 'id' ? 'en' : 'id'); renderSheet(); });
  $('profile-print').addEventListener('click', () => window.print());
  if (!code) throw new Error(t('profileNoVillage'));
  const user = await ensureLogin();
  const q = new URLSearchParams();
  for (const [k, v] of params) if (k === 'period' || k.startsWith('w.')) q.set(k, v);
  const qs = q.toString() ? `?${q}` : '';
  const back = new URLSearchParams();
  if (params.get('period')) back.set('period', params.get('period'));
  for (const [k, v] of params) if (k.startsWith('w.')) back.set(k, v);
  $('back').href = `../${back.toString() ? `#${back}` : ''}`;
  const r = await fetch(new URL(`api/villages/${encodeURIComponent(code)}/profile${qs}`, ROOT));
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(answer.error ?? `HTTP ${r.status}`);
  state.body = answer;
  renderSheet();
  initRembukForm(user, code);
  await drawMap(answer);
  window.sigapReady = true;
}

main().catch((err) => {
  $('profile-error').hidden = false;
  $('profile-error').textContent = err.message;
  window.sigapReady = true;
  throw err;
});

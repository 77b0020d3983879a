// Entering a campaign: /web/campaign.html (planners and admins).
//
// Steps: log in, read the programmes and villages from /api/coverage, let the planner
// pick a programme, a village, the day, a target group (what the programme's target
// allows) and the amounts, then POST /api/deliveries/campaign with the CSRF token and
// show what the server wrote ("312 keluarga baduta di Kambu menerima ..."), or its
// refusal in Bahasa with the closest name. The server answers once the deliveries are
// committed and rebuilds the map's figures after; the page polls /api/coverage until
// its `revision` reaches the answer's and says so ("Angka peta sedang diperbarui…",
// then "Angka peta sudah diperbarui").

import { t, lang, setLang, applyI18n, addWords, fmtInt } from './i18n.js';
import { ensureLogin, send } from './account.js';

addWords({
  id: {
    campaignTitle: 'Catat kampanye',
    campaignIntro: 'Satu kegiatan pemberian ke semua sasaran satu desa/kelurahan pada satu hari (mis. telur untuk setiap keluarga baduta): setiap penerima dicatat sekali di buku intervensi. Mencatat kampanye yang sama lagi tidak menambah apa pun.',
    campaignRefused: 'Hanya perencana dan admin yang dapat mencatat kampanye.',
    campaignProgramme: 'Program',
    campaignVillage: 'Desa/Kelurahan',
    campaignDate: 'Tanggal pemberian',
    campaignGroup: 'Kelompok sasaran',
    campaignQuantity: 'Jumlah per penerima',
    campaignUnit: 'Satuan',
    campaignCost: 'Biaya per penerima (Rp)',
    campaignBy: 'Pelaksana (OPD, puskesmas, sponsor)',
    campaignSave: 'Catat',
    campaignAllHouseholds: 'semua keluarga',
    campaignAllChildren: 'semua anak sasaran',
    campaignWhoHousehold: 'Penerima: setiap keluarga {group} yang tinggal di desa/kelurahan ini.',
    campaignWhoChild: 'Penerima: setiap anak {need} yang diukur pada putaran tanggal ini di desa/kelurahan ini{age}.',
    campaignWhoVillage: 'Penerima: desa/kelurahan itu sendiri.',
    campaignStunted: 'stunting',
    campaignUnder2: ', berusia di bawah 2 tahun',
    campaignUnder5: ', berusia di bawah 5 tahun',
    campaignWithGroup: 'dengan {g}',
    campaignAdded: '{added} penerima baru dicatat, {present} sudah tercatat sebelumnya · putaran {period}',
    campaignError: 'Tidak dicatat: {e}',
    campaignUpdating: 'Angka cakupan di peta sedang diperbarui…',
    campaignUpdated: 'Angka cakupan di peta sudah diperbarui (revisi {revision}).',
    campaignUpdateLate: 'Angka cakupan di peta belum diperbarui; data sudah tersimpan. Muat ulang peta sebentar lagi.',
  },
  en: {
    campaignTitle: 'Enter a campaign',
    campaignIntro: 'One distribution to every recipient of a village on one day (e.g. eggs for every family with a child under two): each recipient is recorded once in the intervention ledger. Entering the same campaign again adds nothing.',
    campaignRefused: 'Only planners and admins enter campaigns.',
    campaignProgramme: 'Programme',
    campaignVillage: 'Village',
    campaignDate: 'Date given',
    campaignGroup: 'Target group',
    campaignQuantity: 'Quantity per recipient',
    campaignUnit: 'Unit',
    campaignCost: 'Cost per recipient (Rp)',
    campaignBy: 'Delivered by (OPD, puskesmas, sponsor)',
    campaignSave: 'Record',
    campaignAllHouseholds: 'every family',
    campaignAllChildren: 'every target child',
    campaignWhoHousehold: 'Recipients: every family {group} living in this village.',
    campaignWhoChild: 'Recipients: every {need} child measured in the round of this date in this village{age}.',
    campaignWhoVillage: 'Recipient: the village itself.',
    campaignStunted: 'stunted',
    campaignUnder2: ', under two years old',
    campaignUnder5: ', under five years old',
    campaignWithGroup: 'with {g}',
    campaignAdded: '{added} new recipients recorded, {present} already recorded · round {period}',
    campaignError: 'Not recorded: {e}',
    campaignUpdating: 'The coverage figures on the map are being updated…',
    campaignUpdated: 'The coverage figures on the map are updated (revision {revision}).',
    campaignUpdateLate: 'The coverage figures on the map are not updated yet; the data is saved. Reload the map in a moment.',
  },
});

const ROOT = new URL('../', window.location.href);
const $ = (id) => document.getElementById(id);
/** `t(key)` with `{name}` filled from `vars`. */
const tf = (key, vars) => Object.entries(vars).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, v), t(key));
const GROUPS = ['catin', 'bumil', 'bufas', 'baduta', 'balita'];
let programmes = [];
/** How often and how long the page asks whether the map's figures count the campaign. */
const POLL_MS = 1000;
const POLL_GIVE_UP_MS = 180000;
/** The campaign whose figures are awaited (a newer one replaces it). */
let awaited = 0;

function option(value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

function chosen() {
  return programmes.find((p) => p.code === $('campaign').elements.programme.value);
}

/** The group choices the chosen programme allows, and who will receive. */
function fitGroups() {
  const f = $('campaign').elements;
  const p = chosen();
  if (!p) return;
  const keep = f.group.value;
  const target = p.target;
  let options;
  if (GROUPS.includes(target)) options = [option(target, target)];
  else if (target === 'household') options = [option('', t('campaignAllHouseholds')), ...GROUPS.map((g) => option(g, g))];
  else if (target === 'child') options = [option('', t('campaignAllChildren')), option('baduta', 'baduta'), option('balita', 'balita')];
  else options = [option('', '—')];
  f.group.replaceChildren(...options);
  if ([...f.group.options].some((o) => o.value === keep)) f.group.value = keep;
  f.group.disabled = options.length === 1;
  f.unit.placeholder = p.unit || '';
  f.by.placeholder = p.by || '';
  explain();
}

function explain() {
  const f = $('campaign').elements;
  const p = chosen();
  if (!p) return;
  const g = f.group.value;
  let text;
  if (p.target === 'village') text = t('campaignWhoVillage');
  else if (p.target === 'child') {
    text = tf('campaignWhoChild', {
      need: p.need === 'stunted' ? t('campaignStunted') : '',
      age: g === 'baduta' ? t('campaignUnder2') : g === 'balita' ? t('campaignUnder5') : '',
    }).replace('  ', ' ');
  } else text = tf('campaignWhoHousehold', { group: g ? tf('campaignWithGroup', { g }) : '' }).replace('  ', ' ');
  $('who').textContent = text;
}

async function submit(ev) {
  ev.preventDefault();
  const f = new FormData($('campaign'));
  const num = (k) => (f.get(k) === '' ? null : Number(f.get(k)));
  const text = (k) => (f.get(k) || '').trim() || null;
  const body = {
    programme: f.get('programme'), village: f.get('village'), date: f.get('date'),
    group: f.get('group') || $('campaign').elements.group.value || null,
    quantity: num('quantity'), unit: text('unit'), cost: num('cost'), by: text('by'),
  };
  $('error').hidden = true;
  $('result').hidden = true;
  const button = $('campaign').querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const r = await send('POST', 'api/deliveries/campaign', body);
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) {
      $('error').textContent = tf('campaignError', { e: answer.error || answer.message || `HTTP ${r.status}` });
      $('error').hidden = false;
      return;
    }
    const head = document.createElement('strong');
    head.textContent = answer.message;
    const detail = document.createElement('span');
    detail.textContent = tf('campaignAdded', { added: fmtInt(answer.added), present: fmtInt(answer.present), period: answer.period });
    const status = document.createElement('span');
    status.id = 'figures';
    $('result').replaceChildren(head, detail, status);
    $('result').hidden = false;
    if (answer.added > 0) awaitFigures(status, answer.revision);
    else showFigures(status, 'done', answer.revision);
  } finally {
    button.disabled = false;
  }
}

/** Shows the state of the map's figures in `el`: `updating`, `done` or `late`. */
function showFigures(el, state, revision) {
  el.dataset.state = state;
  el.dataset.revision = revision;
  el.className = `figures figures-${state}`;
  const key = { updating: 'campaignUpdating', done: 'campaignUpdated', late: 'campaignUpdateLate' }[state];
  el.textContent = tf(key, { revision });
}

/** Polls /api/coverage until its revision reaches `revision` (the answer's). */
async function awaitFigures(el, revision) {
  const mine = ++awaited;
  showFigures(el, 'updating', revision);
  const end = Date.now() + POLL_GIVE_UP_MS;
  while (mine === awaited && Date.now() < end) {
    try {
      const r = await fetch(new URL('api/coverage', ROOT));
      if (r.ok && (await r.json()).revision >= revision) {
        if (mine === awaited) showFigures(el, 'done', revision);
        return;
      }
    } catch {
      // A network hiccup: ask again.
    }
    await new Promise((done) => { setTimeout(done, POLL_MS); });
  }
  if (mine === awaited) showFigures(el, 'late', revision);
}

async function start() {
  applyI18n();
  $('lang-toggle').textContent = t('switchTo');
  $('lang-toggle').addEventListener('click', () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    applyI18n();
    $('lang-toggle').textContent = t('switchTo');
    fitGroups();
  });
  const user = await ensureLogin();
  if (!['admin', 'planner'].includes(user.role)) {
    $('refused').hidden = false;
    return;
  }
  const r = await fetch(new URL('api/coverage', ROOT));
  const cov = await r.json();
  programmes = cov.programmes;
  const f = $('campaign').elements;
  f.programme.replaceChildren(...programmes.map((p) => option(p.code, `${p.name} (${p.code})`)));
  // From the coverage legend: the programme on the map.
  const asked = new URLSearchParams(window.location.search).get('programme');
  if (programmes.some((p) => p.code === asked)) f.programme.value = asked;
  const villages = [...cov.villages].sort((a, b) => a.name.localeCompare(b.name, 'id'));
  f.village.replaceChildren(...villages.map((v) => option(v.code, `${v.name} · ${v.district} (${v.code})`)));
  f.date.value = new Date().toISOString().slice(0, 10);
  f.date.max = f.date.value;
  f.programme.addEventListener('change', fitGroups);
  f.group.addEventListener('change', explain);
  $('campaign').addEventListener('submit', submit);
  fitGroups();
  $('campaign').hidden = false;
}

start();

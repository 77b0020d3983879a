// The admin page: accounts (add with a one-time password shown once, disable,
// enable, reset password) and the audit log with paging and an action filter.
// Everything goes through /api/admin/*, which answers admins only.

import { t, addWords, applyI18n, fmtNum, fill } from './i18n.js';
import { ensureLogin, send } from './account.js';

addWords({
  id: {
    adminTitle: 'Admin', notAdmin: 'Halaman ini hanya untuk admin.', users: 'Pengguna', addUser: 'Tambah pengguna',
    role: 'Peran', team: 'Tim / OPD', villages: 'Kelurahan', state: 'Status', audit: 'Log audit', action: 'Tindakan',
    when: 'Waktu', who: 'Siapa', what: 'Apa', records: 'Jumlah data', address: 'Alamat', older: 'Lebih lama',
    disable: 'Nonaktifkan', enable: 'Aktifkan', resetPassword: 'Atur ulang sandi', disabled: 'nonaktif',
    locked: 'terkunci', mustChange: 'belum ganti sandi', active: 'aktif',
    oneTime: 'Kata sandi sekali pakai untuk {u} (tampil sekali ini saja): ',
    assignTitle: 'Pembagian anak ke tim', assignTeams: 'Tim dan bagiannya (CSV)',
    assignHelp: 'Satu baris per tim: nama tim dan bagian (share) atau kapasitas, opsional lat dan lon kantor. Anak stunting dibagi tepat sesuai bagian, berdekatan per tim; anak yang sudah punya tim tetap di timnya kecuali "bagi ulang".',
    assignReassign: 'Bagi ulang semua anak', assignPreview: 'Pratinjau', assignApply: 'Terapkan',
    assignTarget: 'Target', assignGiven: 'Diberi', assignKept: 'Tetap', assignMedian: 'Median', assignMax: 'Terjauh',
    assignDone: '{n} anak dibagi ke {t} tim ({k} tetap di timnya); jarak dalam {u}.', assignWritten: 'Tersimpan: {w} penugasan.',
    chooseTeam: '— pilih tim —', searchVillage: 'Cari kelurahan atau kecamatan…',
    villagesChosen: '{n} dipilih (kosong = semua kelurahan tim)', newTeam: 'Tim baru', addTeam: 'Tambah tim',
    teamAdded: 'Tim "{t}" ditambahkan.', teamOption: '{t} ({n} anak)',
    teamsTitle: 'Tim', teamChildren: 'Anak ditugaskan', teamOfficers: 'Petugas lapangan',
  },
  en: {
    adminTitle: 'Admin', notAdmin: 'This page is for admins only.', users: 'Users', addUser: 'Add user',
    role: 'Role', team: 'Team / OPD', villages: 'Villages', state: 'State', audit: 'Audit log', action: 'Action',
    when: 'When', who: 'Who', what: 'What', records: 'Records', address: 'Address', older: 'Older',
    disable: 'Disable', enable: 'Enable', resetPassword: 'Reset password', disabled: 'disabled',
    locked: 'locked', mustChange: 'must change password', active: 'active',
    oneTime: 'One-time password for {u} (shown only now): ',
    assignTitle: 'Sharing children among teams', assignTeams: 'Teams and their shares (CSV)',
    assignHelp: 'One line per team: team name and share or capacity, optionally the office lat and lon. Stunted children are shared exactly by share, close together per team; children who have a team keep it unless "share all anew".',
    assignReassign: 'Share all children anew', assignPreview: 'Preview', assignApply: 'Apply',
    assignTarget: 'Target', assignGiven: 'Given', assignKept: 'Kept', assignMedian: 'Median', assignMax: 'Farthest',
    assignDone: '{n} children shared among {t} teams ({k} kept their team); distances in {u}.', assignWritten: 'Saved: {w} assignments.',
    chooseTeam: '— choose a team —', searchVillage: 'Search a village or district…',
    villagesChosen: '{n} chosen (none = all the team\'s villages)', newTeam: 'New team', addTeam: 'Add team',
    teamAdded: 'Team "{t}" added.', teamOption: '{t} ({n} children)',
    teamsTitle: 'Teams', teamChildren: 'Children assigned', teamOfficers: 'Field officers',
  },
});

const $ = (id) => document.getElementById(id);
let oldest = null;

function cell(text) {
  return Object.assign(document.createElement('td'), { textContent: text ?? '' });
}

function showOneTime(user, password) {
  $('one-time').textContent = `${t('oneTime').replace('{u}', user)}${password}`;
}

async function loadUsers() {
  const { users } = await (await fetch('../api/admin/users')).json();
  $('users').tBodies[0].replaceChildren(...users.map((u) => {
    const tr = document.createElement('tr');
    const state = u.disabled ? t('disabled') : u.locked_until ? t('locked') : u.must_change_password ? t('mustChange') : t('active');
    tr.append(cell(u.username), cell(u.role), cell(u.team), cell(u.villages.join(', ')), cell(state));
    const actions = document.createElement('td');
    const button = (key, fn) => {
      const b = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: t(key) });
      b.addEventListener('click', fn);
      actions.append(b, ' ');
    };
    const path = `api/admin/users/${encodeURIComponent(u.username)}`;
    button(u.disabled ? 'enable' : 'disable', async () => {
      await send('POST', `${path}/${u.disabled ? 'enable' : 'disable'}`);
      loadUsers();
    });
    button('resetPassword', async () => {
      const r = await send('POST', `${path}/password`);
      if (r.ok) showOneTime(u.username, (await r.json()).password);
      loadUsers();
    });
    tr.append(actions);
    return tr;
  }));
}

async function loadAudit(more = false) {
  const action = $('audit-action').value;
  const q = new URLSearchParams({ limit: '100' });
  if (action) q.set('action', action);
  if (more && oldest) q.set('before', oldest);
  const { entries } = await (await fetch(`../api/admin/audit?${q}`)).json();
  const rows = entries.map((e) => {
    const tr = document.createElement('tr');
    tr.append(cell(e.at), cell(`${e.username} (${e.role})`), cell(e.action), cell(e.what), cell(String(e.records)), cell(e.address));
    return tr;
  });
  if (more) $('audit').tBodies[0].append(...rows);
  else $('audit').tBodies[0].replaceChildren(...rows);
  if (entries.length) oldest = entries[entries.length - 1].id;
  $('audit-more').hidden = entries.length < 100;
}


/** The known teams and villages (GET /api/admin/teams) as the form's lists. */
async function loadTeams(select) {
  const r = await fetch('../api/admin/teams');
  if (!r.ok) return;
  const { teams, villages } = await r.json();
  const keep = select ?? $('team-select').value;
  $('team-select').replaceChildren(new Option(t('chooseTeam'), ''),
    ...teams.map((x) => new Option(fill('teamOption', { t: x.name, n: x.children }), x.name, false, x.name === keep)));
  $('teams').tBodies[0].replaceChildren(...teams.map((x) => {
    const tr = document.createElement('tr');
    tr.append(cell(x.name), cell(String(x.children)), cell(String(x.field_officers)));
    return tr;
  }));
  if ($('village-list').childElementCount) return;
  $('village-list').replaceChildren(...villages.map((v) => {
    const label = document.createElement('label');
    label.dataset.search = `${v.name} ${v.district} ${v.code}`.toLowerCase();
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', name: 'villages', value: v.code });
    label.append(box, `${v.name} · ${v.district} (${v.code})`);
    return label;
  }));
  countVillages();
}

function countVillages() {
  const n = document.querySelectorAll('#village-list input:checked').length;
  $('village-count').textContent = fill('villagesChosen', { n });
}

/** Team and villages are asked of field officers only. */
function showScope() {
  const fo = $('add-user').elements.role.value === 'field_officer';
  for (const el of document.querySelectorAll('.scope-field')) el.hidden = !fo;
  $('team-select').required = fo;
}

async function prefillTeams() {
  const r = await fetch('../api/visits/progress');
  const teams = r.ok ? (await r.json()).teams : [];
  $('teams-csv').value = ['team,share', ...teams.map((x) => `${x.team},${x.assigned}`)].join('\n');
}

async function runAssign(apply) {
  const r = await send('POST', 'api/admin/assign', { teams_csv: $('teams-csv').value, reassign: $('reassign').checked, apply });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    $('assign-status').textContent = (body.problems || []).map((p) => `baris ${p.line}, ${p.field}: ${p.reason}`).join('; ') || body.error || `HTTP ${r.status}`;
    return;
  }
  $('assign-status').textContent = fill('assignDone', { n: body.children, t: body.teams.length, k: body.kept, u: body.unit === 'minutes' ? 'menit' : 'km' })
    + (apply ? ` ${fill('assignWritten', { w: body.written })}` : '');
  $('assign-result').tBodies[0].replaceChildren(...body.teams.map((x) => {
    const tr = document.createElement('tr');
    tr.append(cell(x.team), cell(String(x.target)), cell(String(x.given)), cell(String(x.kept)), cell(fmtNum(x.median)), cell(fmtNum(x.max)));
    return tr;
  }));
  if (apply) loadAudit();
}

async function main() {
  applyI18n();
  const user = await ensureLogin();
  applyI18n();
  if (user.role !== 'admin') {
    $('not-admin').hidden = false;
    return;
  }
  $('users-section').hidden = false;
  $('teams-section').hidden = false;
  $('audit-section').hidden = false;
  $('assign-section').hidden = false;
  $('assign-preview').addEventListener('click', () => runAssign(false));
  $('assign-apply').addEventListener('click', () => runAssign(true));
  prefillTeams();
  $('village-search').placeholder = t('searchVillage');
  $('add-user').elements.role.addEventListener('change', showScope);
  showScope();
  $('village-list').addEventListener('change', countVillages);
  $('village-search').addEventListener('input', () => {
    const q = $('village-search').value.trim().toLowerCase();
    for (const label of $('village-list').children) label.hidden = Boolean(q) && !label.dataset.search.includes(q);
  });
  $('add-user').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const fo = f.get('role') === 'field_officer';
    const body = {
      username: f.get('username'), role: f.get('role'), team: fo ? f.get('team') || null : null,
      villages: fo ? f.getAll('villages') : [],
    };
    const r = await send('POST', 'api/admin/users', body);
    const answer = await r.json();
    if (r.ok) {
      showOneTime(answer.username, answer.password);
      ev.target.reset();
      $('village-search').value = '';
      for (const label of $('village-list').children) label.hidden = false;
      countVillages();
      showScope();
    } else {
      $('one-time').textContent = answer.error;
    }
    loadUsers();
    loadAudit();
    if (r.ok) loadTeams();
  });
  $('add-team').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await send('POST', 'api/admin/teams', { name: ev.target.elements.name.value });
    const answer = await r.json().catch(() => ({}));
    if (r.ok) {
      ev.target.reset();
      // The new team is in the list (and chosen) before the page says it was added.
      await loadTeams(answer.name);
      loadAudit();
    }
    $('team-status').textContent = r.ok ? fill('teamAdded', { t: answer.name }) : answer.error || `HTTP ${r.status}`;
  });
  await loadTeams();
  $('audit-action').addEventListener('change', () => loadAudit());
  $('audit-more').addEventListener('click', () => loadAudit(true));
  await Promise.all([loadUsers(), loadAudit()]);
  window.sigapAdminReady = true;
}

main();

// Who is using the viewer: the login form, the forced change of a one-time password,
// the account menu (name, role, API tokens, admin page, logout).
//
// The session lives in an HttpOnly cookie the page never sees; what the page keeps is
// the CSRF token from /api/me, sent as X-CSRF-Token on every request that changes
// something. Texts are Bahasa Indonesia first.

import { t, addWords, applyI18n } from './i18n.js';

addWords({
  id: {
    loginTitle: 'Masuk ke sigap', username: 'Nama pengguna', password: 'Kata sandi', login: 'Masuk',
    loginWrong: 'Nama pengguna atau kata sandi salah.',
    loginWait: 'Terlalu banyak percobaan salah. Coba lagi dalam {s} detik.',
    loginLocked: 'Akun dikunci karena terlalu banyak kata sandi salah. Coba lagi nanti atau hubungi admin.',
    changeTitle: 'Ganti kata sandi sekali pakai', currentPassword: 'Kata sandi sekarang',
    newPassword: 'Kata sandi baru (min. 10 karakter)', repeatPassword: 'Ulangi kata sandi baru',
    savePassword: 'Simpan', mismatch: 'Kedua kata sandi baru tidak sama.', logout: 'Keluar', admin: 'Admin',
    tokens: 'Token API', tokenName: 'Nama token', createToken: 'Buat token', revoke: 'Cabut',
    tokenOnce: 'Salin token ini sekarang; token tidak akan ditampilkan lagi:', copy: 'Salin', close: 'Tutup',
    revoked: 'dicabut', role_admin: 'admin', role_planner: 'perencana', role_field_officer: 'petugas lapangan',
    role_viewer: 'pemantau', publicMap: 'Peta publik', routeLink: 'Rute kunjungan',
    auditLink: 'Audit kasus',
  },
  en: {
    loginTitle: 'Sign in to sigap', username: 'User name', password: 'Password', login: 'Sign in',
    loginWrong: 'Wrong user name or password.',
    loginWait: 'Too many wrong attempts. Try again in {s} seconds.',
    loginLocked: 'Account locked after too many wrong passwords. Try later or ask an admin.',
    changeTitle: 'Change your one-time password', currentPassword: 'Current password',
    newPassword: 'New password (at least 10 characters)', repeatPassword: 'Repeat the new password',
    savePassword: 'Save', mismatch: 'The two new passwords differ.', logout: 'Sign out', admin: 'Admin',
    tokens: 'API tokens', tokenName: 'Token name', createToken: 'Create token', revoke: 'Revoke',
    tokenOnce: 'Copy this token now; it will not be shown again:', copy: 'Copy', close: 'Close',
    revoked: 'revoked', role_admin: 'admin', role_planner: 'planner', role_field_officer: 'field officer',
    role_viewer: 'viewer', publicMap: 'Public map', routeLink: 'Visit route',
    auditLink: 'Case audit',
  },
});

/** The service root: the page's folder, or what `<meta name="sigap-root">` says (the
 * admin page lives in /web/). */
const BASE = new URL(document.querySelector('meta[name=sigap-root]')?.content ?? '.', window.location.href);
let csrf = null;

/** Headers for a request that changes something (the session's CSRF token). */
export function csrfHeaders(extra = {}) {
  return csrf ? { ...extra, 'X-CSRF-Token': csrf } : extra;
}

/** POST/DELETE as JSON with the CSRF token; resolves with the Response. */
export function send(method, path, body) {
  return fetch(new URL(path, BASE), {
    method,
    headers: csrfHeaders(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function field(labelKey, input) {
  return el('label', { className: 'field' }, el('span', { textContent: t(labelKey) }), input);
}

/** A modal form; resolves when `submit(values, showError)` returns true. */
function modal(titleKey, inputs, buttonKey, submit) {
  return new Promise((resolve) => {
    const error = el('p', { className: 'form-error', role: 'alert' });
    const button = el('button', { type: 'submit', textContent: t(buttonKey), className: 'primary' });
    const form = el('form', { className: 'dialog' }, el('h2', { textContent: t(titleKey) }),
      ...inputs.map(([key, input]) => field(key, input)), error, button);
    const overlay = el('div', { className: 'overlay', id: 'login-overlay' }, form);
    document.body.append(overlay);
    inputs[0][1].focus();
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      button.disabled = true;
      try {
        if (await submit((msg) => { error.textContent = msg; })) {
          overlay.remove();
          resolve();
        }
      } finally {
        button.disabled = false;
      }
    });
  });
}

function input(name, type, autocomplete) {
  return el('input', { name, type, autocomplete, required: true });
}

async function loginForm() {
  const user = input('username', 'text', 'username');
  const pass = input('password', 'password', 'current-password');
  let me = null;
  await modal('loginTitle', [['username', user], ['password', pass]], 'login', async (fail) => {
    const r = await fetch(new URL('api/login', BASE), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: user.value, password: pass.value }),
    });
    if (r.ok) {
      me = await r.json();
      return true;
    }
    const wait = r.headers.get('Retry-After') || '';
    fail(r.status === 429 ? t('loginWait').replace('{s}', wait) : r.status === 423 ? t('loginLocked') : t('loginWrong'));
    pass.value = '';
    return false;
  });
  return me;
}

async function changeForm() {
  const current = input('current', 'password', 'current-password');
  const fresh = input('new', 'password', 'new-password');
  const again = input('again', 'password', 'new-password');
  await modal('changeTitle', [['currentPassword', current], ['newPassword', fresh], ['repeatPassword', again]],
    'savePassword', async (fail) => {
      if (fresh.value !== again.value) {
        fail(t('mismatch'));
        return false;
      }
      const r = await send('POST', 'api/account/password', { current: current.value, new: fresh.value });
      if (r.ok) return true;
      fail((await r.json().catch(() => ({}))).error || `HTTP ${r.status}`);
      return false;
    });
}

/** The logged-in user (`{username, role, team, villages}`), after a login and a
 * password change if needed. */
export async function ensureLogin() {
  let r = await fetch(new URL('api/me', BASE));
  if (!r.ok && r.status !== 401) throw new Error(`api/me: HTTP ${r.status}`);
  let me = r.ok ? await r.json() : { user: null };
  if (!me.user) me = await loginForm();
  csrf = me.csrf;
  if (me.user.must_change_password) {
    await changeForm();
    r = await fetch(new URL('api/me', BASE));
    me = await r.json();
    csrf = me.csrf;
  }
  renderAccountMenu(me.user);
  return me.user;
}

async function tokensDialog() {
  const list = el('ul', { className: 'token-list' });
  const shown = el('div', { className: 'token-shown' });
  const name = el('input', { type: 'text', maxLength: 100, placeholder: t('tokenName') });
  const refresh = async () => {
    const { tokens } = await (await fetch(new URL('api/tokens', BASE))).json();
    list.replaceChildren(...tokens.map((tk) => {
      const li = el('li', { textContent: `#${tk.id} ${tk.name} · ${tk.created_at}${tk.revoked ? ` · ${t('revoked')}` : ''} ` });
      if (!tk.revoked) {
        const b = el('button', { type: 'button', className: 'link', textContent: t('revoke') });
        b.addEventListener('click', async () => { await send('DELETE', `api/tokens/${tk.id}`); refresh(); });
        li.append(b);
      }
      return li;
    }));
  };
  const create = el('button', { type: 'button', textContent: t('createToken') });
  create.addEventListener('click', async () => {
    const r = await send('POST', 'api/tokens', { name: name.value });
    if (!r.ok) return;
    const { token } = await r.json();
    const code = el('code', { className: 'token', textContent: token });
    const copy = el('button', { type: 'button', textContent: t('copy') });
    copy.addEventListener('click', () => navigator.clipboard?.writeText(token));
    shown.replaceChildren(el('p', { textContent: t('tokenOnce') }), code, copy);
    refresh();
  });
  const closeBtn = el('button', { type: 'button', textContent: t('close') });
  const overlay = el('div', { className: 'overlay' },
    el('div', { className: 'dialog', id: 'tokens-dialog' }, el('h2', { textContent: t('tokens') }),
      el('div', { className: 'row' }, name, create), shown, list, closeBtn));
  closeBtn.addEventListener('click', () => overlay.remove());
  document.body.append(overlay);
  await refresh();
}

function renderAccountMenu(user) {
  const host = document.getElementById('account');
  if (!host) return;
  const who = el('span', { className: 'who', textContent: `${user.username} · ${t(`role_${user.role}`)}` });
  const tokens = el('button', { type: 'button', className: 'link', id: 'tokens-open', textContent: t('tokens') });
  tokens.addEventListener('click', tokensDialog);
  const out = el('button', { type: 'button', className: 'link', id: 'logout', textContent: t('logout') });
  out.addEventListener('click', async () => {
    // A page may keep data on the phone (the route page's offline roster): it clears
    // it here, or keeps the session when the user changes their mind.
    if (window.sigapBeforeLogout && !(await window.sigapBeforeLogout())) return;
    await send('POST', 'api/logout');
    window.location.reload();
  });
  // A field officer's phone needs neither API tokens nor the public map's snippet.
  const field = user.role === 'field_officer';
  const items = field ? [who] : [who, tokens];
  if (user.role === 'admin') items.push(el('a', { href: new URL('web/admin.html', BASE).href, textContent: t('admin'), id: 'admin-link' }));
  if (['admin', 'planner', 'field_officer'].includes(user.role)) {
    items.push(el('a', { href: new URL('web/route.html', BASE).href, textContent: t('routeLink'), id: 'route-link' }));
    items.push(el('a', { href: new URL('web/audit.html', BASE).href, textContent: t('auditLink'), id: 'audit-link' }));
  }
  if (!field) items.push(el('a', { href: new URL('embed/snippet', BASE).href, textContent: t('publicMap') }));
  items.push(out);
  host.replaceChildren(...items);
  host.hidden = false;
  applyI18n(host);
}

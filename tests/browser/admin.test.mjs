// The admin page in headless Chromium: the admin (logged in through the viewer's real
// form) adds a field officer and sees the one-time password once, and the audit log
// lists the login and the new account.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openViewer } from './harness.mjs';

let v;

describe('admin page', { timeout: 400_000 }, () => {
  before(async () => { v = await openViewer(); });
  after(async () => { await v?.close(); });

  it('adds a field officer and shows the one-time password once', async () => {
    const { page } = v;
    await page.click('#admin-link');
    await page.waitForFunction(() => window.sigapAdminReady === true, null, { timeout: 60_000 });
    await page.fill('#add-user input[name=username]', 'tpk.mandonga');
    await page.selectOption('#add-user select[name=role]', 'field_officer');
    await page.fill('#add-user input[name=team]', 'TPK Mandonga');
    await page.fill('#add-user input[name=villages]', '7471011005, 7471011006');
    await page.click('#add-user button[type=submit]');
    await page.waitForFunction(() => /tpk\.mandonga/.test(document.getElementById('one-time').textContent));
    const shown = await page.locator('#one-time').innerText();
    assert.match(shown, /[A-Za-z2-9]{16}$/);
    await page.waitForFunction(() => [...document.querySelectorAll('#users td')].some((td) => td.textContent === 'tpk.mandonga'));
    const users = await v.api('/api/admin/users');
    const u = users.users.find((x) => x.username === 'tpk.mandonga');
    assert.deepEqual([u.role, u.team, u.villages, u.must_change_password], ['field_officer', 'TPK Mandonga', ['7471011005', '7471011006'], true]);
  });

  it('lists the login and the new account in the audit log', async () => {
    const { page } = v;
    await page.waitForFunction(() => {
      const text = document.getElementById('audit').innerText;
      return /user_add/.test(text) && /\blogin\b/.test(text);
    }, null, { timeout: 10_000 });
    await page.selectOption('#audit-action', 'user_add');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit tbody tr')].every((tr) => tr.children[2].textContent === 'user_add'));
  });

  it('logged no console or page errors', () => {
    assert.deepEqual(v.problems, []);
  });
});

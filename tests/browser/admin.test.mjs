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

  it('adds a team, then a field officer of it chosen from lists, and shows the one-time password once', async () => {
    const { page } = v;
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.click('#admin-link');
    await page.waitForFunction(() => window.sigapAdminReady === true, null, { timeout: 60_000 });
    // Team and villages are lists, asked of field officers only: no free text.
    assert.equal(await page.locator('#add-user input[name=team], #add-user input[name=villages]:not([type=checkbox])').count(), 0);
    assert.equal(await page.locator('#team-select').isVisible(), false);
    await page.selectOption('#add-user select[name=role]', 'field_officer');
    const options = await page.$$eval('#team-select option', (os) => os.map((o) => o.value).filter(Boolean));
    const teams = (await v.api('/api/admin/teams')).teams.map((x) => x.name);
    assert.deepEqual(options, teams);
    assert.ok(options.includes('Dinas Kesehatan') && !options.includes('TPK Mandonga'));
    // A new team from the admin page; a second time it is refused in Bahasa.
    await page.fill('#add-team input[name=name]', 'TPK Mandonga');
    await page.click('#add-team button[type=submit]');
    await page.waitForFunction(() => /Tim "TPK Mandonga" ditambahkan/.test(document.getElementById('team-status').textContent));
    assert.equal(await page.locator('#team-select').inputValue(), 'TPK Mandonga');
    await page.fill('#add-team input[name=name]', 'tpk mandonga');
    await page.click('#add-team button[type=submit]');
    await page.waitForFunction(() => /sudah ada/.test(document.getElementById('team-status').textContent));
    await page.fill('#add-user input[name=username]', 'tpk.mandonga');
    // Villages by search: typing a code leaves its village, checked by a tap.
    for (const code of ['7471011005', '7471011006']) {
      await page.fill('#village-search', code);
      const visible = page.locator('#village-list label:not([hidden])');
      assert.equal(await visible.count(), 1);
      await visible.locator('input').check();
    }
    await page.fill('#village-search', '');
    assert.match(await page.locator('#village-count').innerText(), /2 dipilih/);
    await page.screenshot({ path: 'tests/browser/out/admin-user-form-1366.png' });
    await page.locator('#teams-section').screenshot({ path: 'tests/browser/out/admin-teams-1366.png' });
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

  it('shares the stunted children among teams by share: preview, then apply', async () => {
    const { page } = v;
    // The demo's 13 OPDs with unequal shares, every child shared anew.
    const shares = [60, 45, 40, 30, 25, 35, 20, 20, 40, 25, 15, 20, 15];
    const names = (await v.api('/api/visits/progress')).teams.map((x) => x.team);
    assert.equal(names.length, 13);
    const csv = ['team,share', ...names.map((n, i) => `${n},${shares[i]}`)].join('\n');
    await page.fill('#teams-csv', csv);
    await page.check('#reassign');
    await page.click('#assign-preview');
    await page.waitForFunction(() => document.querySelectorAll('#assign-result tbody tr').length === 13);
    // Largest remainder, computed here: exact counts that add up to 462.
    const total = shares.reduce((a, b) => a + b, 0);
    const quotas = shares.map((s) => (462 * s) / total);
    const want = quotas.map(Math.floor);
    const order = quotas.map((q, i) => [q - Math.floor(q), shares[i], -i]).map((x, i) => [x, i])
      .sort((a, b) => b[0][0] - a[0][0] || b[0][1] - a[0][1] || b[0][2] - a[0][2]).map(([, i]) => i);
    for (const i of order.slice(0, 462 - want.reduce((a, b) => a + b, 0))) want[i] += 1;
    const rows = await page.$$eval('#assign-result tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(rows.map((r) => [r[0], Number(r[1]), Number(r[2])]), names.map((n, i) => [n, want[i], want[i]]));
    assert.match(await page.locator('#assign-status').innerText(), /462 anak dibagi ke 13 tim/);
    await page.click('#assign-apply');
    await page.waitForFunction(() => /Tersimpan: 462/.test(document.getElementById('assign-status').textContent));
    // The field officers' scope follows once the server has rebuilt its snapshot.
    await page.waitForFunction(async (w) => {
      const r = await fetch('../api/visits/progress');
      const t = (await r.json()).teams;
      return JSON.stringify(t.map((x) => x.assigned)) === JSON.stringify(w);
    }, want, { timeout: 150_000, polling: 1000 });
  });

  it('logged no console or page errors', () => {
    // The team added twice on purpose answers 409, which Chromium logs.
    assert.deepEqual(v.problems.filter((p) => !/status of 409 \(Conflict\)/.test(p)), []);
  });
});

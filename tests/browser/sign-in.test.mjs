// Signing in (README "Security"): a backend with TRACEHUB_ADMIN_TOKEN, started by ctest
// (app_browser_test, dashboard_browser.signs_in_with_the_admin_token) with the token in
// TRACEHUB_ADMIN_TOKEN. The dashboard asks for the token, refuses a wrong one with a clear
// message, keeps the right one for the session, and a control then works.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, dashboardUrl, getJson, sel, until, waitConnected } from './lib.mjs';

const token = process.env.TRACEHUB_ADMIN_TOKEN;
assert.ok(token, 'TRACEHUB_ADMIN_TOKEN must be the backend admin token');

// Chromium logs every 4xx resource as a console error; the refused calls here are expected.
const unexpected = (errors) => errors.filter((e) => !/status of 40[13]/.test(e));

describe('sign-in', () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('asks for the token, refuses a wrong one, and with the right one drives a control', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${dashboardUrl}/`);
      await page.locator(sel('sign-in')).waitFor();

      // Read-only pages work without the token; a control then asks for it, saying why.
      await page.click(sel('sign-in-skip'));
      await page.locator(sel('controls')).waitFor();
      await page.click(sel('control-drop_network'));
      await page.locator(sel('sign-in')).waitFor();
      assert.match(await page.locator(sel('sign-in')).innerText(), /needs the admin token/);

      await page.fill(sel('sign-in-token'), `${token}-wrong`);
      await page.click(sel('sign-in-submit'));
      await page.locator(sel('sign-in-error')).waitFor();
      assert.match(await page.locator(sel('sign-in-error')).innerText(), /refused/);

      await page.fill(sel('sign-in-token'), token);
      await page.click(sel('sign-in-submit'));
      await page.locator(sel('sign-in')).waitFor({ state: 'detached' });
      await waitConnected(page); // the Socket.IO handshake carried the token
      await page.click(sel('control-drop_network'));
      await page.locator(`${sel('control-outcome')}.tone-ok`).waitFor({ timeout: 5000 });
      // /metrics lists faults from the processes' shared state, refreshed about every 100 ms.
      await until('drop_network listed as active on /metrics', 5000, async () => {
        const m = await getJson('/metrics');
        return m.faults.some((f) => f.action === 'drop_network');
      });

      // Kept for the session: a reload neither asks again nor loses the live channel.
      await page.reload();
      await waitConnected(page);
      await page.locator(sel('sign-out')).waitFor();
      assert.equal(await page.locator(sel('sign-in')).count(), 0);
      assert.deepEqual(unexpected(errors), []);
    } finally {
      await close();
    }
  });
});

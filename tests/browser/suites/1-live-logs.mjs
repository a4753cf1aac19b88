// /live-logs: a stored log shows within 2 s of its POST, and a level filter (sent to the
// server as `subscribe`) hides the other levels, old rows included.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, dashboardUrl, ingest, sel, waitConnected, uniqueService, until } from '../lib.mjs';

describe('/live-logs', () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('a log posted to /ingest shows on /live-logs within 2 s', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${dashboardUrl}/live-logs`);
      await page.locator(sel('page-live-logs')).waitFor();
      await waitConnected(page);
      const service = uniqueService('bt-live');
      const message = `live-probe ${service}`;
      const t0 = Date.now();
      await ingest(service, [{ seq: 1, level: 'info', message }]);
      await page.locator(sel('log-row'), { hasText: message }).waitFor({ timeout: 2000 });
      const elapsed = Date.now() - t0;
      assert.ok(elapsed <= 2000, `row shown after ${elapsed} ms`);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('a level filter hides the other levels, on the server and in the rows shown', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${dashboardUrl}/live-logs`);
      await waitConnected(page);
      const service = uniqueService('bt-level');
      // Rows of every level before the filter.
      await ingest(service, [
        { seq: 1, level: 'info', message: `before-info ${service}` },
        { seq: 2, level: 'error', message: `before-error ${service}` },
      ]);
      await page.locator(sel('log-row'), { hasText: `before-info ${service}` }).waitFor({ timeout: 5000 });
      await page.locator(sel('log-row'), { hasText: `before-error ${service}` }).waitFor({ timeout: 5000 });

      await page.selectOption(sel('filter-level'), 'error');
      // The old info row goes at once; the error row stays.
      await page.locator(sel('log-row'), { hasText: `before-info ${service}` }).waitFor({ state: 'detached', timeout: 2000 });
      assert.equal(await page.locator(sel('log-row'), { hasText: `before-error ${service}` }).count(), 1);

      // New logs: only the error one arrives. Info and warn were sent first in the same batch,
      // so by the time the error row shows they would have too, had the filter let them.
      await ingest(service, [
        { seq: 3, level: 'info', message: `after-info ${service}` },
        { seq: 4, level: 'warn', message: `after-warn ${service}` },
        { seq: 5, level: 'error', message: `after-error ${service}` },
      ]);
      await page.locator(sel('log-row'), { hasText: `after-error ${service}` }).waitFor({ timeout: 5000 });
      await page.waitForTimeout(300); // let a wrongly delivered row reach the next frame
      const shownLevels = await page.locator(sel('log-row')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')));
      assert.ok(shownLevels.length >= 2, `rows shown: ${shownLevels}`);
      assert.deepEqual([...new Set(shownLevels)], ['error']);

      // Clearing the filter lets other levels in again. The new subscribe travels on the
      // socket while the log travels through ingest and the worker, so a log stored before
      // the server applied it may still be filtered: send one a second until one shows (5 s).
      await page.selectOption(sel('filter-level'), '');
      const clearedBy = Date.now() + 5000;
      for (let seq = 6; ; seq++) {
        await ingest(service, [{ seq, level: 'info', message: `cleared-info ${service} #${seq}` }]);
        try {
          await page.locator(sel('log-row'), { hasText: `cleared-info ${service}` }).first().waitFor({ timeout: 1000 });
          break;
        } catch (e) {
          if (Date.now() > clearedBy) throw e;
        }
      }
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('pause holds the rows shown; resume shows what arrived meanwhile', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${dashboardUrl}/live-logs`);
      await waitConnected(page);
      const service = uniqueService('bt-pause');
      await page.click(sel('pause-toggle'));
      await page.locator(sel('live-paused')).waitFor();
      await ingest(service, [{ seq: 1, level: 'info', message: `while-paused ${service}` }]);
      await until('the paused counter counts the new row', 5000, async () =>
        /[1-9]/.test((await page.locator(sel('live-paused')).textContent()) ?? ''),
      );
      assert.equal(await page.locator(sel('log-row'), { hasText: `while-paused ${service}` }).count(), 0);
      await page.click(sel('pause-toggle'));
      await page.locator(sel('log-row'), { hasText: `while-paused ${service}` }).waitFor({ timeout: 2000 });
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

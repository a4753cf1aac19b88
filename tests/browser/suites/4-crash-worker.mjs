// "Crash worker" on the overview: /queue shows the worker down, then up again once the
// supervisor has brought it back (about 5 s, docs/PROTOCOL.md, "Controls"), and the timeline
// records both.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, dashboardUrl, sel, waitConnected } from '../lib.mjs';

describe('fault controls', () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('pressing "crash worker" shows the worker down, then up again, on /queue', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${dashboardUrl}/`);
      await waitConnected(page);
      const states = page.locator('[data-testid^="worker-state-"]');
      await states.first().waitFor({ timeout: 10_000 });
      assert.equal(await states.first().getAttribute('data-value'), 'up');

      await page.click(sel('control-crash_worker'));
      await page.locator(`${sel('control-outcome')}.tone-ok`).waitFor({ timeout: 5000 });
      await page.click(sel('nav-queue'));
      await page.locator(sel('page-queue')).waitFor();
      const t0 = Date.now();
      await page.locator('[data-testid^="worker-state-"][data-value="down"]').first().waitFor({ timeout: 5000 });
      await page.locator('[data-testid^="worker-state-"][data-value="up"]').first().waitFor({ timeout: 20_000 });
      const downFor = Date.now() - t0;
      assert.ok(downFor >= 2000, `the worker was shown down for ${downFor} ms only`);
      await page.locator(sel('timeline-item'), { hasText: 'worker crashed' }).first().waitFor({ timeout: 5000 });
      await page.locator(sel('timeline-item'), { hasText: 'worker recovered' }).first().waitFor({ timeout: 5000 });
      await page.locator(sel('timeline-item'), { hasText: 'crash_worker' }).first().waitFor({ timeout: 5000 });
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('reset asks for confirmation, and cancel sends nothing', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${dashboardUrl}/`);
      await waitConnected(page);
      let posted = 0;
      page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().endsWith('/metrics/control')) posted += 1;
      });
      await page.click(sel('control-reset'));
      await page.locator(sel('confirm-dialog')).waitFor();
      await page.click(sel('confirm-cancel'));
      await page.locator(sel('confirm-dialog')).waitFor({ state: 'detached' });
      await page.waitForTimeout(300);
      assert.equal(posted, 0);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

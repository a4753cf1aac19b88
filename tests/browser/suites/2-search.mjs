// /logs: a unique message is found, and "older" pages through the rest by cursor.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, dashboardUrl, ingest, sel, uniqueService, until, getJson } from '../lib.mjs';

describe('/logs search', () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('/logs search finds a unique message', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      const service = uniqueService('bt-search');
      const token = `needle${Date.now().toString(36)}`;
      await ingest(service, [
        { seq: 1, level: 'info', message: `hay ${service}` },
        { seq: 2, level: 'warn', message: `the ${token} in the stack`, requestId: 'req-needle' },
        { seq: 3, level: 'info', message: `more hay ${service}` },
      ]);
      await page.goto(`${dashboardUrl}/logs`);
      await page.locator(sel('page-logs')).waitFor();
      await page.fill(sel('search-q'), token);
      // The worker stores the batch within a moment: search again until it is there.
      await until('the search finds the message', 10_000, async () => {
        await page.click(sel('search-submit'));
        await page.waitForTimeout(300);
        return (await page.locator(sel('log-result')).count()) > 0;
      }, 400);
      const rows = page.locator(sel('log-result'));
      assert.equal(await rows.count(), 1);
      assert.match((await rows.first().textContent()) ?? '', new RegExp(token));
      assert.match((await rows.first().textContent()) ?? '', /req-needle/);
      assert.match(page.url(), new RegExp(`q=${token}`));
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('/logs pages older results by cursor, from a deep link', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      const service = uniqueService('bt-page');
      await ingest(service, Array.from({ length: 25 }, (_, i) => ({ seq: i + 1, level: 'info', message: `page-row ${i + 1}` })));
      await until('all 25 rows stored', 10_000, async () => (await getJson(`/logs?service=${service}&limit=100`)).items.length === 25);
      await page.goto(`${dashboardUrl}/logs?service=${service}&limit=10`);
      await page.locator(sel('log-result')).first().waitFor();
      assert.equal(await page.locator(sel('log-result')).count(), 10);
      await page.click(sel('search-older'));
      await until('20 rows', 5000, async () => (await page.locator(sel('log-result')).count()) === 20);
      await page.click(sel('search-older'));
      await until('25 rows', 5000, async () => (await page.locator(sel('log-result')).count()) === 25);
      // Newest first, every seq once.
      const seqs = await page.locator(`${sel('log-result')} td:nth-child(4)`).allTextContents();
      assert.deepEqual(seqs.map(Number), Array.from({ length: 25 }, (_, i) => 25 - i));
      assert.equal(await page.locator(sel('search-older')).count(), 0, 'no older page after the last');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

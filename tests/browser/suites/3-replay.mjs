// /replay: a manual replay of a stored range, triggered from the form, shows as completed
// (nothing of the range is missing, so the replay worker completes it with 0 recovered).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, dashboardUrl, ingest, sel, uniqueService, getJson } from '../lib.mjs';

describe('/replay', () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('a manual replay from /replay shows as completed', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      const service = uniqueService('bt-replay');
      const ack = await ingest(service, Array.from({ length: 10 }, (_, i) => ({ seq: i + 1, level: 'info', message: `r ${i + 1}` })));
      assert.equal(ack.ackTill, 10);
      await page.goto(`${dashboardUrl}/replay`);
      await page.locator(sel('page-replay')).waitFor();
      await page.fill(sel('replay-service'), service);
      await page.fill(sel('replay-from'), '1');
      await page.fill(sel('replay-to'), '10');
      await page.click(sel('replay-submit'));
      const result = page.locator(sel('replay-result'));
      await result.waitFor();
      const text = (await result.textContent()) ?? '';
      const id = /#(\d+)/.exec(text)?.[1];
      assert.ok(id, `no replay id in "${text}"`);

      await page.locator(`${sel(`replay-status-${id}`)}[data-value="completed"]`).waitFor({ timeout: 20_000 });
      const row = page.locator(sel(`replay-row-${id}`));
      assert.match((await row.textContent()) ?? '', new RegExp(service));
      // The page agrees with the API.
      const [stored] = (await getJson(`/replays?service=${service}`)).filter((r) => String(r.id) === id);
      assert.equal(stored?.status, 'completed');
      assert.equal(stored?.source, 'manual');

      // A bad range is refused with the backend's reason, not sent silently.
      await page.fill(sel('replay-from'), '5');
      await page.fill(sel('replay-to'), '2');
      await page.click(sel('replay-submit'));
      await page.locator(`${sel('replay-result')}.tone-bad`).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

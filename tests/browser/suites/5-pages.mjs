// Every page loads with no console error, by deep link and after a reload, and through the
// navigation bar; the dashboard port answers page paths with the app and API fetches with
// JSON; the layout fits a 390 px phone. Screenshots of every page go to docs/screenshots/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, dashboardUrl, apiUrl, ingest, sel, waitConnected, until, screenshot } from '../lib.mjs';

describe('every page', () => {
  const pages = [
    { path: '/', testid: 'page-overview', shot: 'overview' },
    { path: '/live-logs', testid: 'page-live-logs', shot: 'live-logs' },
    { path: '/queue', testid: 'page-queue', shot: 'queue' },
    { path: '/replay', testid: 'page-replay', shot: 'replay' },
    { path: '/services', testid: 'page-services', shot: 'services' },
    { path: '/logs', testid: 'page-logs', shot: 'logs' },
  ];

  let browser;
  let feed;
  // The simulators' names: each test run has its own database, and no other suite uses them.
  const services = ['payment-service', 'auth-service', 'order-service'];

  // Traffic for the screenshots: three services, a few errors, one gap on the first.
  function startFeed() {
    const seq = new Map(services.map((s) => [s, 0]));
    let stopped = false;
    let round = 0;
    const loop = (async () => {
      while (!stopped) {
        round += 1;
        for (const s of services) {
          const batch = [];
          for (let i = 0; i < 20; i++) {
            let n = seq.get(s) + 1;
            if (s === services[0] && round === 5 && i === 0) n += 3; // seqs lost on the way
            seq.set(s, n);
            const level = i % 17 === 0 ? 'error' : i % 7 === 0 ? 'warn' : 'info';
            batch.push({ seq: n, level, message: `${level === 'error' ? 'gateway.timeout' : 'request.handled'} route=/api/v1/${i % 4}`, requestId: `r-${round}-${i}` });
          }
          await ingest(s, batch).catch(() => {});
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
    };
  }

  before(async () => {
    browser = await launch();
    feed = startFeed();
  });
  after(async () => {
    await feed?.();
    await browser?.close();
  });

  test('the dashboard port serves the app for page paths and JSON for API fetches', async () => {
    for (const { path } of [...pages, { path: `/services/${services[0]}` }]) {
      const res = await fetch(`${dashboardUrl}${path}`, { headers: { accept: 'text/html,*/*;q=0.8' } });
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.equal(res.headers.get('cache-control'), 'no-cache', path);
      assert.match(await res.text(), /<div id="app">/, path);
    }
    const html = await (await fetch(`${dashboardUrl}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, 'index.html names its script');
    const js = await fetch(`${dashboardUrl}${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    // fetch() from the app: JSON, on both ports.
    for (const base of [dashboardUrl, apiUrl]) {
      const logs = await fetch(`${base}/logs?limit=1`);
      assert.equal(logs.status, 200, base);
      assert.match(logs.headers.get('content-type') ?? '', /json/, base);
    }
    // The API port stays an API: no app there.
    assert.equal((await fetch(`${apiUrl}/live-logs`, { headers: { accept: 'text/html' } })).status, 404);
    assert.equal((await fetch(`${dashboardUrl}/assets/missing-file.js`)).status, 404);
  });

  test('every page loads by deep link and after a reload with no console error', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      for (const p of [...pages, { path: `/services/${services[0]}`, testid: 'page-service-detail' }]) {
        const res = await page.goto(`${dashboardUrl}${p.path}`);
        assert.equal(res?.status(), 200, p.path);
        await page.locator(sel(p.testid)).waitFor();
        await waitConnected(page);
        await page.reload();
        await page.locator(sel(p.testid)).waitFor();
        await waitConnected(page);
        await page.waitForTimeout(500); // let the page's first REST answers arrive
        assert.equal(await page.locator(sel('state-error')).count(), 0, `${p.path} shows an error`);
        assert.deepEqual(errors, [], `console errors on ${p.path}`);
      }
    } finally {
      await close();
    }
  });

  test('the navigation bar reaches every page without a reload', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(`${dashboardUrl}/`);
      await waitConnected(page);
      await page.evaluate(() => {
        window.__noReload = true;
      });
      for (const p of pages) {
        const nav = p.path === '/' ? 'nav-overview' : `nav-${p.path.slice(1)}`;
        await page.click(sel(nav));
        await page.locator(sel(p.testid)).waitFor();
        assert.equal(new URL(page.url()).pathname, p.path);
      }
      await page.goBack();
      await page.locator(sel('page-services')).waitFor();
      assert.equal(await page.evaluate(() => window.__noReload), true, 'navigation reloaded the page');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test('screenshots of every page at 1280x800, and the overview fits a 390 px phone', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      // A few snapshots of traffic for the charts.
      await page.goto(`${dashboardUrl}/`);
      await waitConnected(page);
      await until('the overview shows the fed services', 15_000, async () => (await page.locator(sel(`service-row-${services[0]}`)).count()) > 0);
      await page.waitForTimeout(8000);
      for (const p of pages) {
        await page.click(sel(p.path === '/' ? 'nav-overview' : `nav-${p.path.slice(1)}`));
        await page.locator(sel(p.testid)).waitFor();
        if (p.path === '/logs') {
          await page.fill(sel('search-q'), 'gateway');
          await page.click(sel('search-submit'));
          await page.locator(sel('log-result')).first().waitFor();
        }
        if (p.path === '/live-logs') await page.locator(sel('log-row')).first().waitFor();
        await page.waitForTimeout(1200);
        await screenshot(page, p.shot);
      }
      await page.click(sel(`nav-services`));
      await page.click(`${sel(`service-row-${services[0]}`)} a`);
      await page.locator(sel('page-service-detail')).waitFor();
      await page.waitForTimeout(1500);
      await screenshot(page, 'service-detail');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }

    const phone = await openPage(browser, { width: 390, height: 844 });
    try {
      for (const p of pages) {
        await phone.page.goto(`${dashboardUrl}${p.path}`);
        await phone.page.locator(sel(p.testid)).waitFor();
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${p.path} is ${overflow} px wider than a 390 px screen`);
      }
      await phone.page.goto(`${dashboardUrl}/`);
      await waitConnected(phone.page);
      await phone.page.waitForTimeout(1500);
      await screenshot(phone.page, 'overview-390px');
      assert.deepEqual(phone.errors, []);
    } finally {
      await phone.close();
    }
  });
});

// Shared helpers of the browser tests: the stack's URLs, a Chromium per test file, pages that
// record console errors, REST calls to the backend, and polling with deadlines.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const dashboardUrl = process.env.TRACEHUB_DASHBOARD_URL;
export const apiUrl = process.env.TRACEHUB_API_URL;
assert.ok(dashboardUrl, 'TRACEHUB_DASHBOARD_URL must point at the backend dashboard port');
assert.ok(apiUrl, 'TRACEHUB_API_URL must point at the backend API port');

const here = dirname(fileURLToPath(import.meta.url));
export const screenshotDir = process.env.TRACEHUB_SCREENSHOT_DIR ?? join(here, '..', '..', 'docs', 'screenshots');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

// A page at 1280x800 whose console errors and uncaught exceptions are collected in `errors`.
export async function openPage(browser, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, colorScheme: 'dark' });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url ?? ''})`);
  });
  page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Aborted fetches (a page unmounting) are not errors.
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.setDefaultTimeout(10_000);
  return { page, errors, close: () => context.close() };
}

export const sel = (testid) => `[data-testid="${testid}"]`;

export async function waitConnected(page, timeout = 10_000) {
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout });
}

// Polls `fn` until it returns a truthy value; throws with `what` after `ms`.
export async function until(what, ms, fn, everyMs = 100) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not within ${ms} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

export async function ingest(service, batch) {
  const res = await fetch(`${apiUrl}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service, batch }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `POST /ingest: ${JSON.stringify(body)}`);
  return body;
}

export async function getJson(path) {
  const res = await fetch(`${apiUrl}${path}`);
  assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
  return res.json();
}

// A service name no other test run uses.
export const uniqueService = (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

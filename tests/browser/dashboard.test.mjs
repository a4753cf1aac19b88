// The dashboard in headless Chromium against the real backend (docs/PROTOCOL.md, "Dashboard", issue
// 5). Run by ctest (app_browser_test), which starts the backend with its dashboard port and sets
// TRACEHUB_DASHBOARD_URL and TRACEHUB_API_URL. The suites run one after another in this process, in
// this order: the fault controls crash the worker, and the page screenshots come last so they show
// the traffic and the events of the runs before them.
import './suites/1-live-logs.mjs';
import './suites/2-search.mjs';
import './suites/3-replay.mjs';
import './suites/4-crash-worker.mjs';
import './suites/5-pages.mjs';

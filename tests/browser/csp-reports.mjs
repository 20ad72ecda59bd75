// Loads one URL in headless Chromium, waits for the page's CSP reports to leave, and prints
// one JSON line with what the page itself saw of them (securitypolicyviolation events).
// The reports go to the server named in the page's policy; the test reads them there.
//
//   node tests/browser/csp-reports.mjs http://localhost:8080/ [WAIT_MS]
//
// Launched by chromium.mjs. Run by crates/parapet/tests/e2e/script_monitor.rs.

import { withChromium } from './chromium.mjs';

const url = process.argv[2];
const waitMs = Number(process.argv[3] || '3000');
if (!url) {
  console.error('usage: node csp-reports.mjs URL [WAIT_MS]');
  process.exit(2);
}

// --short-reporting-delay: Reporting API reports leave after 100 ms, not up to a minute.
await withChromium(['--short-reporting-delay'], async (page) => {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        disposition: e.disposition,
      });
    });
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  const violations = await page.evaluate(() => window.__violations);
  console.log(JSON.stringify({ status: response ? response.status() : null, violations }));
});

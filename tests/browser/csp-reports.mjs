// Loads one URL in headless Chromium, waits for the page's CSP reports to leave, and prints
// one JSON line with what the page itself saw of them (securitypolicyviolation events).
// The reports go to the server named in the page's policy; the test reads them there.
//
//   node tests/browser/csp-reports.mjs http://localhost:8080/ [WAIT_MS]
//
// --short-reporting-delay makes Chromium send Reporting API reports after 100 ms
// instead of batching them for up to a minute; certificate errors are ignored (the
// gateway under test uses its self-signed certificate). Uses Debian's Chromium (CHROMIUM_PATH
// overrides /usr/bin/chromium). Run by crates/parapet/tests/e2e/script_monitor.rs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.argv[2];
const waitMs = Number(process.argv[3] || '3000');
if (!url) {
  console.error('usage: node csp-reports.mjs URL [WAIT_MS]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const userDataDir = mkdtempSync(join(tmpdir(), 'parapet-chromium-'));

let context;
let exitCode = 0;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    ignoreHTTPSErrors: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--short-reporting-delay',
      '--ignore-certificate-errors',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
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
} catch (error) {
  console.error(`csp-reports.mjs: ${error?.stack ?? error}`);
  exitCode = 1;
} finally {
  if (context) {
    await context.close().catch(() => {});
  }
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);

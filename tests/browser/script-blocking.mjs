// Loads a checkout page in headless Chromium like a shopper: fills the card form and pays,
// then prints one JSON line with every request the page made, whether the skimmer's global
// exists, and which script tags Parapet neutralised. Submitting never leaves the page (the
// test's init script cancels the navigation after every listener has run).
//
//   node tests/browser/script-blocking.mjs https://localhost:8443/checkout.html [WAIT_MS]
//
// Launched by chromium.mjs. Run by crates/parapet/tests/e2e/script_blocking.rs.

import { withChromium } from './chromium.mjs';

const url = process.argv[2];
const waitMs = Number(process.argv[3] || '1500');
if (!url) {
  console.error('usage: node script-blocking.mjs URL [WAIT_MS]');
  process.exit(2);
}

await withChromium(['--short-reporting-delay'], async (page) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    // Bubbling phase on the document: the form's own listeners (and a skimmer's) run first.
    document.addEventListener('submit', (e) => e.preventDefault());
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  const seen = await page.evaluate(() => ({
    skimmer: typeof window.__hhSkim !== 'undefined',
    blocked: Array.from(document.querySelectorAll('script[type="parapet/blocked"]')).map((s) =>
      s.getAttribute('data-parapet-blocked'),
    ),
  }));
  await page.fill('input[name="cc-name"]', 'A Shopper');
  await page.fill('input[name="cc-number"]', '4111 1111 1111 1111');
  await page.fill('input[name="cc-exp"]', '12/30');
  await page.fill('input[name="cc-csc"]', '123');
  await page.fill('input[name="email"]', 'shopper@example.com');
  await page.click('button[type="submit"]');
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  console.log(
    JSON.stringify({ status: response ? response.status() : null, requests, ...seen }),
  );
});

// Signs in through Parapet with headless Chromium: opens URL (an application behind
// Parapet), follows the redirect to Parapet's sign-in page, picks the provider, fills the
// provider's login form with LOGIN, and prints one JSON line: the final URL and status, the
// page's text and Parapet's cookies.
//
//   node tests/browser/access-login.mjs URL LOGIN
//
// Launched by chromium.mjs. Run by crates/parapet/tests/e2e/access.rs.

import { withChromium } from './chromium.mjs';

const [url, login] = process.argv.slice(2);
if (!url || !login) {
  console.error('usage: node access-login.mjs URL LOGIN');
  process.exit(2);
}

await withChromium([], async (page, context) => {
  const steps = [];
  // Every navigation request, redirects included (the provider's /auth, the callback).
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      steps.push(request.url());
    }
  });
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  const signIn = page.locator('a.idp').first();
  await signIn.waitFor({ timeout: 15_000 });
  const providers = await page.locator('a.idp').allTextContents();
  await signIn.click();
  await page.locator('input[name="login"]').waitFor({ timeout: 15_000 });
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any');
  const [response] = await Promise.all([
    // The last navigation: back on Parapet's host, the application or a denial.
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.url().startsWith(new URL(url).origin)
      && !r.url().includes('/.parapet/access/callback'), { timeout: 30_000 }),
    page.click('button[type="submit"]'),
  ]);
  await page.waitForLoadState('load');
  const cookies = (await context.cookies()).filter((c) => c.name.startsWith('parapet_access'));
  console.log(JSON.stringify({
    providers,
    final_url: page.url(),
    status: response.status(),
    text: await page.locator('body').innerText(),
    cookies,
    steps,
  }));
});

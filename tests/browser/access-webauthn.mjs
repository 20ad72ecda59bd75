// Security keys through Parapet with headless Chromium and a virtual authenticator (the
// DevTools protocol's WebAuthn domain: CTAP2 over USB, resident keys, user verification),
// which stands in for a hardware key. One browser, in order:
//
//   1. sign in through the provider (LOGIN), open the keys page, register the key;
//   2. open the application (APP_PATH), whose policy requires a security key: sent to the
//      step-up page, a script's fetch gets 401; use the key, and the application answers;
//   3. signed out, sign in with the passkey alone (first factor) from the sign-in page;
//   4. copy the key to a second authenticator with a lower signature counter (a clone),
//      remove the first, try the passkey sign-in again: refused;
//   5. remove every authenticator, sign in through the provider: the application still
//      sends the browser to the step-up page and a script's fetch gets 401.
//
// Prints one JSON line with what each step saw.
//
//   node tests/browser/access-webauthn.mjs BASE_URL APP_PATH LOGIN
//
// Launched by chromium.mjs. Run by crates/parapet/tests/e2e/access_webauthn.rs.

import { withChromium } from './chromium.mjs';

const [base, appPath, login] = process.argv.slice(2);
if (!base || !appPath || !login) {
  console.error('usage: node access-webauthn.mjs BASE_URL APP_PATH LOGIN');
  process.exit(2);
}

const AUTHENTICATOR = {
  protocol: 'ctap2',
  transport: 'usb',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
};

await withChromium([], async (page, context) => {
  const out = { timings: {} };
  const started = Date.now();
  const mark = (name) => {
    out.timings[name] = Date.now() - started;
  };
  // Generous: the machine may be busy with other builds; every wait is still bounded.
  page.setDefaultTimeout(60_000);
  page.setDefaultNavigationTimeout(60_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId: first } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: AUTHENTICATOR,
  });

  // Through the provider's own login form, from wherever the sign-in page is.
  const providerSignIn = async () => {
    const idp = page.locator('a.idp').first();
    await idp.waitFor({ timeout: 60_000 });
    await idp.click();
    await page.locator('input[name="login"]').waitFor({ timeout: 60_000 });
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any');
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(base) && !u.pathname.endsWith('/callback'), { timeout: 60_000 }),
      page.click('button[type="submit"]'),
    ]);
    await page.waitForLoadState('load');
  };
  // Clicks the page's WebAuthn button and waits for the script to finish or leave.
  const useButton = async () => {
    await page.locator('#webauthn[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.click('#webauthn-go');
  };
  const scriptFetch = () => page.evaluate(async (path) => {
    const r = await fetch(path, { headers: { accept: 'application/json' } });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, appPath);
  const seen = async () => ({
    url: page.url(),
    text: await page.locator('body').innerText(),
  });

  // 1. Register.
  await page.goto(`${base}/.parapet/access/keys?rd=${encodeURIComponent(appPath)}`, { waitUntil: 'load' });
  await providerSignIn();
  mark('1-signed-in');
  out.keys_page_url = page.url();
  await page.fill('#webauthn-label', 'e2e key');
  await useButton();
  await page.locator('#webauthn[data-done]').waitFor({ timeout: 60_000 });
  out.register_status = await page.locator('#webauthn-status').innerText();
  await page.reload({ waitUntil: 'load' });
  out.registered_labels = await page.locator('td.label').allTextContents();
  out.authenticator_credentials = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: first })).credentials
    .map((c) => ({ isResidentCredential: c.isResidentCredential, signCount: c.signCount }));

  mark('2-start');
  // 2. The application requires the key: step-up.
  const toApp = await page.goto(`${base}${appPath}`, { waitUntil: 'load' });
  out.before_step_up = { ...(await seen()), status: toApp.status() };
  out.before_step_up_fetch = await scriptFetch();
  await Promise.all([
    page.waitForURL((u) => u.pathname === new URL(appPath, base).pathname, { timeout: 60_000 }),
    useButton(),
  ]);
  await page.waitForLoadState('load');
  out.after_step_up = await seen();
  out.after_step_up_fetch = await scriptFetch();

  mark('3-start');
  // 3. Signed out: the passkey alone signs in.
  await context.clearCookies();
  await page.goto(`${base}${appPath}`, { waitUntil: 'load' });
  out.sign_in_page = await seen();
  await Promise.all([
    page.waitForURL((u) => u.pathname === new URL(appPath, base).pathname, { timeout: 60_000 }),
    useButton(),
  ]);
  await page.waitForLoadState('load');
  out.after_passkey_sign_in = await seen();

  mark('4-start');
  // 4. A clone of the key, its counter behind the original's.
  const [credential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: first })).credentials;
  out.original_sign_count = credential.signCount;
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first });
  const { authenticatorId: clone } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: AUTHENTICATOR,
  });
  await cdp.send('WebAuthn.addCredential', {
    authenticatorId: clone,
    credential: { ...credential, signCount: 0 },
  });
  await context.clearCookies();
  await page.goto(`${base}${appPath}`, { waitUntil: 'load' });
  await useButton();
  await page.locator('#webauthn[data-done="failed"]').waitFor({ timeout: 60_000 });
  out.clone = {
    ...(await seen()),
    status: await page.locator('#webauthn-status').innerText(),
    cookies: (await context.cookies()).filter((c) => c.name === 'parapet_access').length,
  };

  mark('5-start');
  // 5. No key at all: the provider's sign-in is not enough for this application.
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: clone });
  await context.clearCookies();
  await page.goto(`${base}${appPath}`, { waitUntil: 'load' });
  await providerSignIn();
  out.without_key = await seen();
  out.without_key_fetch = await scriptFetch();

  mark('end');
  console.log(JSON.stringify(out));
});

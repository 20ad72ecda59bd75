// Loads one URL in headless Chromium and prints, as one JSON line, what the
// DevTools protocol says about the main document's connection: the TLS key
// exchange group (X25519MLKEM768 when post-quantum key agreement was used), the
// TLS version, the HTTP protocol and the status.
//
//   node tests/browser/tls-group.mjs https://localhost:8443/
//
// Uses Debian's Chromium (CHROMIUM_PATH overrides /usr/bin/chromium): no browser
// is ever downloaded. Run by crates/parapet/tests/e2e/browser.rs; scripts/test.sh
// installs Chromium and this folder's node_modules.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.argv[2];
if (!url) {
  console.error('usage: node tls-group.mjs URL');
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
      '--ignore-certificate-errors',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  let documentResponse = null;
  cdp.on('Network.responseReceived', (event) => {
    if (event.type === 'Document' && documentResponse === null) {
      documentResponse = event.response;
    }
  });
  await cdp.send('Network.enable');
  const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  // The CDP event and the navigation resolve independently: wait, bounded.
  for (let i = 0; i < 50 && documentResponse === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (documentResponse === null) {
    throw new Error(`no Network.responseReceived event for the document at ${url}`);
  }
  const security = documentResponse.securityDetails ?? {};
  console.log(
    JSON.stringify({
      url: documentResponse.url,
      status: documentResponse.status,
      pageStatus: response ? response.status() : null,
      protocol: documentResponse.protocol ?? null,
      securityState: documentResponse.securityState ?? null,
      keyExchangeGroup: security.keyExchangeGroup ?? null,
      keyExchange: security.keyExchange ?? null,
      tlsProtocol: security.protocol ?? null,
      cipher: security.cipher ?? null,
    }),
  );
} catch (error) {
  console.error(`tls-group.mjs: ${error?.stack ?? error}`);
  exitCode = 1;
} finally {
  if (context) {
    await context.close().catch(() => {});
  }
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);

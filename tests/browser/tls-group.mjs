// Loads one URL in headless Chromium and prints, as one JSON line, what the
// DevTools protocol says about the main document's connection: the TLS key
// exchange group (X25519MLKEM768 when post-quantum key agreement was used), the
// TLS version, the HTTP protocol and the status.
//
//   node tests/browser/tls-group.mjs https://localhost:8443/
//
// Launched by chromium.mjs. Run by crates/parapet/tests/e2e/browser.rs;
// scripts/test.sh installs Chromium and this folder's node_modules.

import { withChromium } from './chromium.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node tls-group.mjs URL');
  process.exit(2);
}

await withChromium([], async (page, context) => {
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
});

// Debian's headless Chromium for the browser tests, launched one way: a fresh profile in a
// temporary directory, the flags a closed test machine needs (no background networking,
// no first-run pages), certificate errors ignored (the gateway under test uses its
// self-signed certificate). CHROMIUM_PATH overrides /usr/bin/chromium; nothing is ever
// downloaded.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// Runs `body(page, context)` in a fresh browser and closes it; `extraArgs` are added
// Chromium flags. Prints errors to stderr and exits non-zero when `body` throws.
export async function withChromium(extraArgs, body) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'parapet-chromium-'));
  let context;
  let exitCode = 0;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
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
        ...extraArgs,
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await body(page, context);
  } catch (error) {
    console.error(error?.stack ?? String(error));
    exitCode = 1;
  } finally {
    if (context) {
      await context.close().catch(() => {});
    }
    rmSync(userDataDir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

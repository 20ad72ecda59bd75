// Signs in to the dashboard through its login form in headless Chromium, then loads each
// page given and prints one JSON document with what the browser made of each: the status,
// where it landed, and every sign that markup from the data ran or was injected (script
// elements, inline event handlers, images, dialogs), plus the visible text and the form
// values, so the test can check that hostile strings arrived as text.
//
//   node tests/browser/dashboard.mjs http://127.0.0.1:9090 TOKEN /path ...
//
// Pages linking to items (`/item?...`) have those items visited too. Launched by
// chromium.mjs. Run by crates/parapet/tests/e2e/dashboard.rs.

import { withChromium } from './chromium.mjs';

const [base, token, ...paths] = process.argv.slice(2);
if (!base || !token || paths.length === 0) {
  console.error('usage: node dashboard.mjs BASE TOKEN PATH...');
  process.exit(2);
}
const MAX_ITEM_VISITS = 20;

await withChromium([], async (page) => {
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });

  // Signed out, the first page sends the browser to the login form, which brings it back.
  await page.goto(base + paths[0], { waitUntil: 'load', timeout: 30_000 });
  const loginUrl = page.url();
  await page.fill('input[name=token]', token);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: 30_000 }),
    page.click('button[type=submit]'),
  ]);
  const afterLogin = page.url();

  const inspect = async (path) => {
    const before = dialogs.length;
    const response = await page.goto(base + path, { waitUntil: 'load', timeout: 30_000 });
    const seen = await page.evaluate(() => {
      const handlers = [];
      for (const el of document.querySelectorAll('*')) {
        for (const attr of el.attributes) {
          if (attr.name.toLowerCase().startsWith('on')) handlers.push(`${el.tagName}[${attr.name}]`);
        }
      }
      const inputs = {};
      for (const el of document.querySelectorAll('input[name]')) inputs[el.name] = el.value;
      return {
        title: document.title,
        scripts: document.scripts.length,
        handlers,
        images: document.images.length,
        iframes: document.querySelectorAll('iframe, object, embed, svg').length,
        text: document.body ? document.body.innerText : '',
        inputs,
        itemLinks: [...document.querySelectorAll('a[href^="/item?"]')].map((a) => a.getAttribute('href')),
        externalLinks: [...document.querySelectorAll('a[href]')]
          .map((a) => a.getAttribute('href'))
          .filter((h) => !h.startsWith('/')),
      };
    });
    return {
      path,
      status: response ? response.status() : null,
      url: page.url(),
      csp: response ? (await response.allHeaders())['content-security-policy'] ?? null : null,
      dialogs: dialogs.slice(before),
      ...seen,
    };
  };

  const pages = [];
  const items = new Set();
  for (const path of paths) {
    const p = await inspect(path);
    pages.push(p);
    for (const link of p.itemLinks) items.add(link);
  }
  for (const link of [...items].slice(0, MAX_ITEM_VISITS)) {
    pages.push(await inspect(link));
  }
  console.log(JSON.stringify({ loginUrl, afterLogin, dialogs, pages }));
});

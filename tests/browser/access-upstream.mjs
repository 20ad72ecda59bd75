// The application behind Parapet in the access tests: it verifies Parapet's identity header
// with a JWT library (jose) against Parapet's published keys, as any application would, and
// answers with what it verified and the Parapet headers it received.
//
//   node tests/browser/access-upstream.mjs PORT JWKS_URL AUDIENCE
//
// Prints `ready` once it listens. Run by crates/parapet/tests/e2e/access.rs.

import http from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [port, jwksUrl, audience] = process.argv.slice(2);
if (!port || !jwksUrl || !audience) {
  console.error('usage: node access-upstream.mjs PORT JWKS_URL AUDIENCE');
  process.exit(2);
}
const keys = createRemoteJWKSet(new URL(jwksUrl));

const server = http.createServer(async (req, res) => {
  const parapet = Object.fromEntries(
    Object.entries(req.headers).filter(([k]) => k.startsWith('parapet-access-')),
  );
  const answer = { path: req.url, parapet_headers: parapet, cookie: req.headers.cookie ?? null };
  const token = req.headers['parapet-access-jwt-assertion'];
  try {
    if (typeof token !== 'string') {
      throw new Error('no identity header');
    }
    const { payload, protectedHeader } = await jwtVerify(token, keys, {
      issuer: 'parapet-access',
      audience,
      algorithms: ['ES256'],
    });
    Object.assign(answer, { verified: true, claims: payload, alg: protectedHeader.alg });
  } catch (error) {
    Object.assign(answer, { verified: false, error: String(error?.code ?? error) });
  }
  const body = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  // A page whose text is the JSON, so the browser test can read it back.
  res.end(`<!doctype html><pre id="answer">${body.replace(/</g, '\\u003c')}</pre>`);
});
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));

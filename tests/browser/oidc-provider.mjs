// A real OpenID Provider (npm oidc-provider) for the access tests, on loopback: one
// confidential client, PKCE required, and fixed people (any password signs them in through
// the provider's own development login form).
//
//   node tests/browser/oidc-provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI...
//
// Prints `ready` on stdout once it listens. Run by crates/parapet/tests/e2e/access.rs.

import Provider from 'oidc-provider';

const [port, clientId, clientSecret, ...redirectUris] = process.argv.slice(2);
if (!port || !clientId || !clientSecret || redirectUris.length === 0) {
  console.error('usage: node oidc-provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI...');
  process.exit(2);
}

// The login name typed into the form is the subject.
const people = {
  ana: { email: 'ana@example.com', email_verified: true, groups: ['eng', 'staff'] },
  eve: { email: 'eve@evil.example', email_verified: true, groups: [] },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['groups'],
  },
  findAccount: async (_ctx, id) => {
    const person = people[id];
    if (!person) {
      return undefined;
    }
    return { accountId: id, claims: async () => ({ sub: id, ...person }) };
  },
  // Consent is implied for the test client: the person only signs in.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  cookies: { keys: ['parapet-access-test-only'] },
});
// Quiet: the development-interactions warning is expected here.
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));

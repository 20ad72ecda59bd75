// Passkeys and security keys on Parapet's access pages (sign-in, step-up, registration).
// Served by Parapet at /.parapet/access/webauthn.js and allowed by the pages' CSP nonce; it
// binds to the page's #webauthn element (its data-mode and data-rd) and never runs inline.
// The server keeps every ceremony's state: this script only carries the options to the
// authenticator and its answer back, with the byte fields in base64url.
'use strict';

(() => {
  const root = document.getElementById('webauthn');
  const button = document.getElementById('webauthn-go');
  const status = document.getElementById('webauthn-status');
  if (!root || !button || !status) {
    return;
  }
  const mode = root.dataset.mode;
  const rd = root.dataset.rd || '/';
  const base = '/.parapet/access/webauthn';
  const say = (text) => {
    status.textContent = text;
  };

  const toBytes = (text) => {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => {
    let binary = '';
    for (const b of new Uint8Array(buffer)) {
      binary += String.fromCharCode(b);
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  async function post(path, body) {
    const response = await fetch(`${base}/${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch {
      // Not JSON: the status says enough.
    }
    if (!response.ok) {
      throw new Error(answer.error || `HTTP ${response.status}`);
    }
    return answer;
  }

  async function register() {
    const label = document.getElementById('webauthn-label')?.value ?? '';
    const { ceremony, options } = await post('register/start', { rd });
    const publicKey = options.publicKey;
    publicKey.challenge = toBytes(publicKey.challenge);
    publicKey.user.id = toBytes(publicKey.user.id);
    for (const c of publicKey.excludeCredentials ?? []) {
      c.id = toBytes(c.id);
    }
    const created = await navigator.credentials.create({ publicKey });
    const response = {
      attestationObject: toText(created.response.attestationObject),
      clientDataJSON: toText(created.response.clientDataJSON),
    };
    if (typeof created.response.getTransports === 'function') {
      response.transports = created.response.getTransports();
    }
    const done = await post('register/finish', {
      ceremony,
      label,
      credential: {
        id: created.id,
        rawId: toText(created.rawId),
        type: created.type,
        response,
        extensions: created.getClientExtensionResults(),
      },
    });
    say(`Registered "${done.registered}".`);
    root.dataset.done = 'registered';
  }

  async function authenticate() {
    const { ceremony, options } = await post('authenticate/start', { rd });
    const publicKey = options.publicKey;
    publicKey.challenge = toBytes(publicKey.challenge);
    for (const c of publicKey.allowCredentials ?? []) {
      c.id = toBytes(c.id);
    }
    const got = await navigator.credentials.get({ publicKey });
    const response = {
      authenticatorData: toText(got.response.authenticatorData),
      clientDataJSON: toText(got.response.clientDataJSON),
      signature: toText(got.response.signature),
    };
    if (got.response.userHandle) {
      response.userHandle = toText(got.response.userHandle);
    }
    const done = await post('authenticate/finish', {
      ceremony,
      credential: {
        id: got.id,
        rawId: toText(got.rawId),
        type: got.type,
        response,
        extensions: got.getClientExtensionResults(),
      },
    });
    say('Verified.');
    window.location.assign(done.redirect);
  }

  if (!window.PublicKeyCredential) {
    say('This browser does not support passkeys or security keys.');
    button.disabled = true;
    return;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    say('Waiting for your key…');
    try {
      await (mode === 'register' ? register() : authenticate());
    } catch (error) {
      say(`Failed: ${error.message}`);
      root.dataset.done = 'failed';
    } finally {
      button.disabled = false;
    }
  });
  root.dataset.ready = 'true';
})();

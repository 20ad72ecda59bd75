-- Zero Trust access: passkeys and security keys (WebAuthn credentials), per person (the
-- identity provider's name and subject). `passkey` is the relying party library's own
-- serialised credential (public key, algorithm, flags, counter), opaque to the store;
-- `counter` repeats its signature counter so that an update can refuse a regression
-- atomically (a cloned authenticator).
CREATE TABLE access_credentials (
    credential_id BLOB    PRIMARY KEY,
    user_handle   TEXT    NOT NULL,  -- the WebAuthn user id (a UUID), one per person
    idp           TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    label         TEXT    NOT NULL,
    passkey       TEXT    NOT NULL,
    counter       INTEGER NOT NULL,
    created_ms    INTEGER NOT NULL,
    last_used_ms  INTEGER
);
CREATE INDEX access_credentials_person ON access_credentials (idp, subject);

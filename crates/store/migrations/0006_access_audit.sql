-- Zero Trust access: every audited decision (sign-ins, denials, grants once per token),
-- and revocations that must outlive a restart (a revoked session's cookie may still be
-- unexpired).
CREATE TABLE access_audit (
    id         INTEGER PRIMARY KEY,
    time_ms    INTEGER NOT NULL,
    app        TEXT    NOT NULL,
    decision   TEXT    NOT NULL,
    policy     TEXT,
    subject    TEXT,
    email      TEXT,
    idp        TEXT,
    client_ip  TEXT    NOT NULL,
    country    TEXT,
    request_id TEXT    NOT NULL,
    reason     TEXT
);
CREATE INDEX access_audit_time ON access_audit (time_ms);
CREATE INDEX access_audit_app_time ON access_audit (app, time_ms);

CREATE TABLE access_revocations (
    kind     TEXT    NOT NULL,  -- 'session' (value: session id) or 'subject' (value: sub)
    value    TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL,  -- when revoked
    until_ms INTEGER NOT NULL,  -- when the entry can be forgotten
    PRIMARY KEY (kind, value)
);

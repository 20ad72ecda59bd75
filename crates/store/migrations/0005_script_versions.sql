-- The script fetcher's versions: each distinct body once, by the sha256 of its bytes, and
-- per site and script URL a history of what fetching it answered. A fetch that answers what
-- the latest version has (same status, same body) only moves that version's last-fetched
-- time; anything else is a new version. Times are unix milliseconds, as in 0001.
CREATE TABLE script_bodies (
    sha256        TEXT    PRIMARY KEY,
    size          INTEGER NOT NULL,
    body          BLOB    NOT NULL,
    first_seen_ms INTEGER NOT NULL
);

CREATE TABLE script_versions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    site              TEXT    NOT NULL,
    url               TEXT    NOT NULL,
    final_url         TEXT    NOT NULL,
    first_fetched_ms  INTEGER NOT NULL,
    last_fetched_ms   INTEGER NOT NULL,
    fetches           INTEGER NOT NULL,
    status            INTEGER NOT NULL,
    size              INTEGER,
    content_type      TEXT,
    etag              TEXT,
    last_modified     TEXT,
    cache_control     TEXT,
    -- NULL for an answer without a body worth keeping (an error status).
    body_sha256       TEXT    REFERENCES script_bodies (sha256),
    -- 'sha256-' and base64: the form browsers report, compared with inventory_hashes.
    browser_hash      TEXT,
    -- The analysis of the body (NULL when not analysed): normalisation scheme, normalised
    -- hash, family, the fingerprint and verdict records as JSON, and the diff against the
    -- previous version.
    scheme            TEXT,
    normalized_hash   TEXT,
    family            TEXT,
    fingerprint       TEXT,
    risk              REAL,
    malicious         INTEGER,
    verdict           TEXT,
    behaviour_changed INTEGER,
    diff              TEXT
);
CREATE INDEX script_versions_by_url ON script_versions (site, url, id);
CREATE INDEX script_versions_by_body ON script_versions (body_sha256);

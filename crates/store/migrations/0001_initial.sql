-- Events: the one event model of parapet-core, one row each.
-- Times are unix milliseconds and severity is its rank (0 info .. 4 critical) so that filters
-- are integer comparisons that PostgreSQL can run unchanged on BIGINT/SMALLINT columns.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms   INTEGER NOT NULL,
    service   TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    severity  INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),
    subject   TEXT    NOT NULL,
    dedup_key TEXT    NOT NULL,
    summary   TEXT    NOT NULL,
    details   TEXT    NOT NULL
);

-- Newest-first listing, optionally per service and kind.
CREATE INDEX events_by_time ON events (time_ms, id);
CREATE INDEX events_by_service_kind_time ON events (service, kind, time_ms);
-- "Have we seen this before?" lookups by the alert pipeline and services.
CREATE INDEX events_by_dedup_key ON events (dedup_key, time_ms);

-- Small key-value state: cursors, last-seen markers, learned baselines' versions.
CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL
);

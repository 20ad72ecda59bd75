-- The script monitor's inventory: every script, inline code, eval, worker and connection
-- destination a site's pages were reported to load, with where and when.
-- Times are unix milliseconds, as in 0001.
CREATE TABLE inventory_items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    item          TEXT    NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    reports       INTEGER NOT NULL,
    UNIQUE (site, kind, item)
);
CREATE INDEX inventory_items_by_site_seen ON inventory_items (site, last_seen_ms);

-- The pages an item was seen on (bounded per item by the store).
CREATE TABLE inventory_pages (
    item_id      INTEGER NOT NULL REFERENCES inventory_items (id) ON DELETE CASCADE,
    page         TEXT    NOT NULL,
    reports      INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    PRIMARY KEY (item_id, page)
);

-- Hashes browsers reported for an item ('report-sha256').
CREATE TABLE inventory_hashes (
    item_id       INTEGER NOT NULL REFERENCES inventory_items (id) ON DELETE CASCADE,
    hash          TEXT    NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    reports       INTEGER NOT NULL,
    PRIMARY KEY (item_id, hash)
);

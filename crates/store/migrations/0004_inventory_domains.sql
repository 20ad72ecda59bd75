-- Registrable domains (public suffix list) a site's pages load from or connect to.
CREATE TABLE inventory_domains (
    site          TEXT    NOT NULL,
    domain        TEXT    NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    reports       INTEGER NOT NULL,
    PRIMARY KEY (site, domain)
);

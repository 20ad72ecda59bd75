//! [`SqliteStore`]: the embedded default [`Store`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use parapet_core::access::{AccessCredential, AccessRecord};
use parapet_core::inventory::{
    DomainItem, InactiveItem, InventoryItem, ItemKind, NewItem, Sighting,
};
use parapet_core::versions::{RecordedFetch, ScriptFetch, ScriptVersion};
use parapet_core::{Event, Severity, Timestamp};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{Result, StoreError};
use crate::migrate::{self, SCHEMA_VERSION};
use crate::tally::Tally;
use crate::{CredentialAdded, EventQuery, Store};

/// How long a statement waits for another process's write lock before failing with "database
/// is locked". Several Parapet processes (or an operator's `sqlite3` shell) may hold the file
/// briefly; five seconds rides out any sane transaction without hanging a request forever.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`Store`] in one SQLite file (or in memory, for tests).
///
/// # Why one connection behind a mutex, used from `spawn_blocking`
///
/// rusqlite is synchronous, so every call runs on tokio's blocking pool and never stalls the
/// async workers that serve HTTP and BGP. SQLite admits one writer at a time anyway, so a
/// single connection costs no write throughput, avoids `SQLITE_BUSY` between our own
/// connections, and makes an in-memory database (which is per connection) behave like a file.
/// Reads share that connection too; they are short, indexed and bounded by
/// [`MAX_EVENT_LIMIT`](crate::MAX_EVENT_LIMIT). A dedicated writer thread with a channel would
/// buy write coalescing, but [`Store::insert_events`] already batches, so the simpler design
/// wins until a benchmark says otherwise; a separate read-only connection for the dashboard is
/// the next step if reads ever queue behind writes.
///
/// Cloning is cheap and shares the connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// Creates missing parent directories. Blocking: call it at startup, or from
    /// `spawn_blocking`. Fails with [`StoreError::TooNew`] if a newer Parapet wrote the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT).map_err(open_err)?;
        // WAL: readers and the writer do not block each other, and a commit is one append.
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "SQLite refused WAL journaling");
        }
        // NORMAL is safe with WAL: a process crash loses nothing committed; a power cut may lose
        // the last commits but never corrupts the file. FULL would fsync on every commit.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        migrate::migrate(&mut conn)?;
        tracing::debug!(path = %path.display(), version = SCHEMA_VERSION, "opened SQLite store");
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path: Some(path.to_path_buf()),
        })
    }

    /// A private database in memory, with the full schema: for tests and dry runs.
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path: None,
        })
    }

    /// The file behind this store; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `work` with the connection on tokio's blocking pool.
    async fn with_conn<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves the connection usable: rusqlite rolls back
            // an unfinished transaction when it is dropped during the unwind.
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut guard)
        })
        .await?
    }
}

const EVENT_COLUMNS: &str =
    "id, time_ms, service, kind, severity, subject, dedup_key, summary, details";

fn event_from_row(row: &Row<'_>) -> Result<Event> {
    let id: i64 = row.get(0)?;
    let time: i64 = row.get(1)?;
    let service: String = row.get(2)?;
    let kind: String = row.get(3)?;
    let rank: i64 = row.get(4)?;
    let severity = u8::try_from(rank)
        .map_err(|_| parapet_core::CoreError::UnknownSeverity {
            value: rank.to_string(),
        })
        .and_then(Severity::from_rank)?;
    let details: String = row.get(8)?;

    let mut event = Event::new(service.parse()?, kind, severity, "", "");
    event.id = Some(id);
    event.time = Timestamp::from_unix_millis(time);
    // Assigned directly: the stored text was already cleaned when the event was made, and a
    // round trip must return exactly what was stored.
    event.subject = row.get(5)?;
    event.dedup_key = row.get(6)?;
    event.summary = row.get(7)?;
    event.details = serde_json::from_str(&details)?;
    Ok(event)
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_events(&self, events: &[Event]) -> Result<Vec<i64>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        // Encode before taking the lock: a bad event fails the batch without touching the file.
        let rows = events
            .iter()
            .map(|e| Ok((e.clone(), serde_json::to_string(&e.details)?)))
            .collect::<Result<Vec<_>>>()?;
        self.with_conn(move |conn| {
            let tx = conn.transaction()?;
            let mut ids = Vec::with_capacity(rows.len());
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO events \
                     (time_ms, service, kind, severity, subject, dedup_key, summary, details) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for (e, details) in &rows {
                    stmt.execute(params![
                        e.time.as_unix_millis(),
                        e.service.as_str(),
                        e.kind,
                        e.severity.rank(),
                        e.subject,
                        e.dedup_key,
                        e.summary,
                        details,
                    ])?;
                    ids.push(tx.last_insert_rowid());
                }
            }
            tx.commit()?;
            Ok(ids)
        })
        .await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>> {
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(service) = query.service {
            sql.push_str(" AND service = ?");
            args.push(Value::Text(service.as_str().to_owned()));
        }
        if let Some(kind) = &query.kind {
            sql.push_str(" AND kind = ?");
            args.push(Value::Text(kind.clone()));
        }
        if let Some(subject) = &query.subject {
            sql.push_str(" AND subject = ?");
            args.push(Value::Text(subject.clone()));
        }
        if let Some(min) = query.min_severity {
            sql.push_str(" AND severity >= ?");
            args.push(Value::Integer(i64::from(min.rank())));
        }
        if let Some(since) = query.since {
            sql.push_str(" AND time_ms >= ?");
            args.push(Value::Integer(since.as_unix_millis()));
        }
        if let Some(until) = query.until {
            sql.push_str(" AND time_ms < ?");
            args.push(Value::Integer(until.as_unix_millis()));
        }
        sql.push_str(" ORDER BY time_ms DESC, id DESC LIMIT ?");
        args.push(Value::Integer(i64::from(query.effective_limit())));

        self.with_conn(move |conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
            let mut events = Vec::new();
            while let Some(row) = rows.next()? {
                events.push(event_from_row(row)?);
            }
            Ok(events)
        })
        .await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
                .query_row([key], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.with_conn(move |conn| {
            conn.prepare_cached(
                "INSERT INTO settings (key, value, updated_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                 updated_ms = excluded.updated_ms",
            )?
            .execute(params![key, value, Timestamp::now().as_unix_millis()])?;
            Ok(())
        })
        .await
    }

    async fn record_sightings(&self, sightings: &[Sighting]) -> Result<Vec<NewItem>> {
        if sightings.is_empty() {
            return Ok(Vec::new());
        }
        // One row update per distinct item, page, hash and domain, not per report.
        let tally = Tally::of(sightings);
        self.with_conn(move |conn| {
            let tx = conn.transaction()?;
            let mut new = Vec::new();
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO inventory_items \
                     (site, kind, item, first_seen_ms, last_seen_ms, reports) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (site, kind, item) DO NOTHING",
                )?;
                let mut update = tx.prepare_cached(
                    "UPDATE inventory_items SET reports = reports + ?6, \
                     last_seen_ms = max(last_seen_ms, ?5), first_seen_ms = min(first_seen_ms, ?4), \
                     inactive_since_ms = NULL \
                     WHERE site = ?1 AND kind = ?2 AND item = ?3 RETURNING id",
                )?;
                let mut id_of = tx.prepare_cached(
                    "SELECT id FROM inventory_items WHERE site = ?1 AND kind = ?2 AND item = ?3",
                )?;
                let mut pages = tx.prepare_cached(
                    "INSERT INTO inventory_pages (item_id, page, reports, last_seen_ms) \
                     SELECT ?1, ?2, ?3, ?4 \
                     WHERE (SELECT count(*) FROM inventory_pages WHERE item_id = ?1) < ?5 \
                     ON CONFLICT (item_id, page) DO UPDATE SET reports = reports + excluded.reports, \
                     last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)",
                )?;
                let mut existing_page = tx.prepare_cached(
                    "UPDATE inventory_pages SET reports = reports + ?3, \
                     last_seen_ms = max(last_seen_ms, ?4) WHERE item_id = ?1 AND page = ?2",
                )?;
                let mut hashes = tx.prepare_cached(
                    "INSERT INTO inventory_hashes \
                     (item_id, hash, first_seen_ms, last_seen_ms, reports) \
                     SELECT ?1, ?2, ?3, ?4, ?5 \
                     WHERE (SELECT count(*) FROM inventory_hashes WHERE item_id = ?1) < ?6 \
                     ON CONFLICT (item_id, hash) DO UPDATE SET reports = reports + excluded.reports, \
                     last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)",
                )?;
                let mut existing_hash = tx.prepare_cached(
                    "UPDATE inventory_hashes SET reports = reports + ?3, \
                     first_seen_ms = min(first_seen_ms, ?4), last_seen_ms = max(last_seen_ms, ?5) \
                     WHERE item_id = ?1 AND hash = ?2",
                )?;
                let mut domains = tx.prepare_cached(
                    "INSERT INTO inventory_domains \
                     (site, domain, first_seen_ms, last_seen_ms, reports) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (site, domain) DO UPDATE SET reports = reports + excluded.reports, \
                     first_seen_ms = min(first_seen_ms, excluded.first_seen_ms), \
                     last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)",
                )?;
                for t in tally.items {
                    let key = params![
                        t.site,
                        t.kind.as_str(),
                        t.item,
                        t.first_ms,
                        t.last_ms,
                        t.reports
                    ];
                    let id: i64 = if insert.execute(key)? == 1 {
                        let id = id_of.query_row(params![t.site, t.kind.as_str(), t.item], |r| {
                            r.get(0)
                        })?;
                        new.push(NewItem {
                            site: t.site,
                            kind: t.kind,
                            item: t.item,
                            page: t.first_page,
                            first_seen: t.first_time,
                        });
                        id
                    } else {
                        update.query_row(key, |r| r.get(0))?
                    };
                    // A page or hash beyond the bound is not inserted; a known one is counted.
                    for p in &t.pages {
                        if existing_page.execute(params![id, p.key, p.reports, p.last_ms])? == 0 {
                            pages.execute(params![
                                id,
                                p.key,
                                p.reports,
                                p.last_ms,
                                crate::MAX_PAGES_PER_ITEM
                            ])?;
                        }
                    }
                    for h in &t.hashes {
                        if existing_hash
                            .execute(params![id, h.key, h.reports, h.first_ms, h.last_ms])?
                            == 0
                        {
                            hashes.execute(params![
                                id,
                                h.key,
                                h.first_ms,
                                h.last_ms,
                                h.reports,
                                crate::MAX_HASHES_PER_ITEM
                            ])?;
                        }
                    }
                }
                for (site, d) in &tally.domains {
                    domains.execute(params![site, d.key, d.first_ms, d.last_ms, d.reports])?;
                }
            }
            tx.commit()?;
            Ok(new)
        })
        .await
    }

    async fn inventory(&self, site: &str, limit: u32) -> Result<Vec<InventoryItem>> {
        let site = site.to_owned();
        let limit = limit.min(crate::MAX_EVENT_LIMIT);
        self.with_conn(move |conn| {
            let mut items = conn.prepare_cached(
                "SELECT id, kind, item, first_seen_ms, last_seen_ms, reports FROM inventory_items \
                 WHERE site = ?1 ORDER BY last_seen_ms DESC, id DESC LIMIT ?2",
            )?;
            let rows = items
                .query_map(params![site, limit], item_row)?
                .collect::<std::result::Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|row| inventory_item(conn, &site, row))
                .collect()
        })
        .await
    }

    async fn inventory_item(
        &self,
        site: &str,
        kind: ItemKind,
        item: &str,
    ) -> Result<Option<InventoryItem>> {
        let site = site.to_owned();
        let item = item.to_owned();
        self.with_conn(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT id, kind, item, first_seen_ms, last_seen_ms, reports \
                     FROM inventory_items WHERE site = ?1 AND kind = ?2 AND item = ?3",
                )?
                .query_row(params![site, kind.as_str(), item], item_row)
                .optional()?;
            row.map(|row| inventory_item(conn, &site, row)).transpose()
        })
        .await
    }

    async fn domains(&self, site: &str, limit: u32) -> Result<Vec<DomainItem>> {
        let site = site.to_owned();
        let limit = limit.min(crate::MAX_EVENT_LIMIT);
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT domain, first_seen_ms, last_seen_ms, reports FROM inventory_domains \
                 WHERE site = ?1 ORDER BY last_seen_ms DESC, domain LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![site, limit], |r| {
                    Ok(DomainItem {
                        site: site.clone(),
                        domain: r.get(0)?,
                        first_seen: Timestamp::from_unix_millis(r.get(1)?),
                        last_seen: Timestamp::from_unix_millis(r.get(2)?),
                        reports: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    })
                })?
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn mark_inactive(
        &self,
        idle_before: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<InactiveItem>> {
        self.with_conn(move |conn| {
            let tx = conn.transaction()?;
            let items = {
                let mut stmt = tx.prepare_cached(
                    "UPDATE inventory_items SET inactive_since_ms = ?2 \
                     WHERE id IN (SELECT id FROM inventory_items \
                       WHERE inactive_since_ms IS NULL AND last_seen_ms < ?1 LIMIT ?3) \
                     RETURNING site, kind, item, last_seen_ms, \
                       (SELECT page FROM inventory_pages p WHERE p.item_id = inventory_items.id \
                        ORDER BY reports DESC LIMIT 1)",
                )?;
                let rows = stmt
                    .query_map(
                        params![
                            idle_before.as_unix_millis(),
                            now.as_unix_millis(),
                            crate::MAX_EVENT_LIMIT
                        ],
                        |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, i64>(3)?,
                                r.get::<_, Option<String>>(4)?,
                            ))
                        },
                    )?
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                rows.into_iter()
                    .filter_map(|(site, kind, item, last, page)| {
                        Some(InactiveItem {
                            site,
                            kind: ItemKind::parse(&kind)?,
                            item,
                            page: page.unwrap_or_default(),
                            last_seen: Timestamp::from_unix_millis(last),
                        })
                    })
                    .collect::<Vec<_>>()
            };
            tx.commit()?;
            Ok(items)
        })
        .await
    }

    async fn record_access(&self, records: &[AccessRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let rows = records.to_vec();
        self.with_conn(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO access_audit (time_ms, app, decision, policy, subject, email, idp, \
                     client_ip, country, request_id, reason) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?;
                for r in &rows {
                    stmt.execute(params![
                        r.at.as_unix_millis(),
                        r.app,
                        r.decision,
                        r.policy,
                        r.subject,
                        r.email,
                        r.idp,
                        r.client_ip,
                        r.country,
                        r.request_id,
                        r.reason,
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn access_audit(&self, app: Option<&str>, limit: u32) -> Result<Vec<AccessRecord>> {
        let limit = limit.min(crate::MAX_EVENT_LIMIT);
        let app = app.map(str::to_owned);
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, time_ms, app, decision, policy, subject, email, idp, client_ip, \
                 country, request_id, reason FROM access_audit \
                 WHERE (?1 IS NULL OR app = ?1) ORDER BY time_ms DESC, id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![app, limit], |row| {
                let mut r = AccessRecord::new(
                    &row.get::<_, String>(2)?,
                    &row.get::<_, String>(3)?,
                    row.get(8)?,
                    &row.get::<_, String>(10)?,
                );
                r.id = row.get(0)?;
                r.at = Timestamp::from_unix_millis(row.get(1)?);
                r.policy = row.get(4)?;
                r.subject = row.get(5)?;
                r.email = row.get(6)?;
                r.idp = row.get(7)?;
                r.country = row.get(9)?;
                r.reason = row.get(11)?;
                Ok(r)
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn revoke_access(
        &self,
        kind: &str,
        value: &str,
        at: Timestamp,
        until: Timestamp,
    ) -> Result<()> {
        let (kind, value) = (kind.to_owned(), value.to_owned());
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO access_revocations (kind, value, at_ms, until_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (kind, value) DO UPDATE SET at_ms = excluded.at_ms, until_ms = excluded.until_ms",
                params![kind, value, at.as_unix_millis(), until.as_unix_millis()],
            )?;
            Ok(())
        })
        .await
    }

    async fn access_revocations(&self, now: Timestamp) -> Result<Vec<(String, String, Timestamp)>> {
        self.with_conn(move |conn| {
            let now = now.as_unix_millis();
            conn.execute(
                "DELETE FROM access_revocations WHERE until_ms <= ?1",
                params![now],
            )?;
            let mut stmt = conn.prepare_cached(
                "SELECT kind, value, at_ms FROM access_revocations ORDER BY at_ms",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    Timestamp::from_unix_millis(row.get(2)?),
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn add_access_credential(
        &self,
        credential: &AccessCredential,
        max_per_person: u32,
    ) -> Result<CredentialAdded> {
        let c = credential.clone();
        self.with_conn(move |conn| {
            let tx = conn.transaction()?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM access_credentials WHERE credential_id = ?1)",
                params![c.credential_id],
                |row| row.get(0),
            )?;
            if exists {
                return Ok(CredentialAdded::Duplicate);
            }
            let count: i64 = tx.query_row(
                "SELECT count(*) FROM access_credentials WHERE idp = ?1 AND subject = ?2",
                params![c.idp, c.subject],
                |row| row.get(0),
            )?;
            if count >= i64::from(max_per_person) {
                return Ok(CredentialAdded::LimitReached);
            }
            tx.execute(
                "INSERT INTO access_credentials (credential_id, user_handle, idp, subject, email, \
                 label, passkey, counter, created_ms, last_used_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    c.credential_id,
                    c.user_handle,
                    c.idp,
                    c.subject,
                    c.email,
                    c.label,
                    c.passkey,
                    c.counter,
                    c.created.as_unix_millis(),
                    c.last_used.map(Timestamp::as_unix_millis),
                ],
            )?;
            tx.commit()?;
            Ok(CredentialAdded::Added)
        })
        .await
    }

    async fn access_credentials(&self, idp: &str, subject: &str) -> Result<Vec<AccessCredential>> {
        let (idp, subject) = (idp.to_owned(), subject.to_owned());
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM access_credentials \
                 WHERE idp = ?1 AND subject = ?2 ORDER BY created_ms, rowid"
            ))?;
            let rows = stmt.query_map(params![idp, subject], credential_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn access_credential(&self, credential_id: &[u8]) -> Result<Option<AccessCredential>> {
        let id = credential_id.to_vec();
        self.with_conn(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM access_credentials WHERE credential_id = ?1"
            ))?;
            Ok(stmt.query_row(params![id], credential_row).optional()?)
        })
        .await
    }

    async fn use_access_credential(
        &self,
        credential_id: &[u8],
        passkey: &str,
        counter: u32,
        at: Timestamp,
    ) -> Result<bool> {
        let (id, passkey) = (credential_id.to_vec(), passkey.to_owned());
        self.with_conn(move |conn| {
            let n = conn.execute(
                "UPDATE access_credentials SET passkey = ?2, counter = ?3, last_used_ms = ?4 \
                 WHERE credential_id = ?1 AND (counter < ?3 OR (counter = 0 AND ?3 = 0))",
                params![id, passkey, counter, at.as_unix_millis()],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn delete_access_credential(
        &self,
        idp: &str,
        subject: &str,
        credential_id: &[u8],
    ) -> Result<bool> {
        let (idp, subject, id) = (idp.to_owned(), subject.to_owned(), credential_id.to_vec());
        self.with_conn(move |conn| {
            let n = conn.execute(
                "DELETE FROM access_credentials WHERE idp = ?1 AND subject = ?2 AND credential_id = ?3",
                params![idp, subject, id],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn record_script_fetch(&self, fetch: &ScriptFetch) -> Result<RecordedFetch> {
        let fetch = fetch.clone();
        self.with_conn(move |conn| crate::sqlite_versions::record(conn, &fetch))
            .await
    }

    async fn script_versions(
        &self,
        site: &str,
        url: &str,
        limit: u32,
    ) -> Result<Vec<ScriptVersion>> {
        let (site, url) = (site.to_owned(), url.to_owned());
        self.with_conn(move |conn| crate::sqlite_versions::versions(conn, &site, &url, limit))
            .await
    }

    async fn script_hash_fetched(&self, site: &str, url: &str, browser_hash: &str) -> Result<bool> {
        let (site, url, hash) = (site.to_owned(), url.to_owned(), browser_hash.to_owned());
        self.with_conn(move |conn| crate::sqlite_versions::hash_fetched(conn, &site, &url, &hash))
            .await
    }

    async fn script_body(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let sha256 = sha256.to_owned();
        self.with_conn(move |conn| crate::sqlite_versions::body(conn, &sha256))
            .await
    }

    async fn health(&self) -> Result<()> {
        self.with_conn(|conn| {
            // Another (newer) instance sharing the file may have migrated it under us.
            let found = migrate::current_version(conn)?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::TooNew {
                    found,
                    known: SCHEMA_VERSION,
                });
            }
            if found < SCHEMA_VERSION {
                return Err(StoreError::Other(format!(
                    "database schema version {found} is older than expected {SCHEMA_VERSION}"
                )));
            }
            Ok(())
        })
        .await
    }
}

type ItemRow = (i64, String, String, i64, i64, i64);

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

/// An inventory row with its pages and hashes.
fn inventory_item(
    conn: &rusqlite::Connection,
    site: &str,
    (id, kind, item, first, last, reports): ItemRow,
) -> Result<InventoryItem> {
    let kind = ItemKind::parse(&kind).ok_or_else(|| {
        StoreError::Other(format!("unknown inventory kind `{kind}` in the store"))
    })?;
    let pages = conn
        .prepare_cached(
            "SELECT page, reports FROM inventory_pages WHERE item_id = ?1 \
             ORDER BY reports DESC, page",
        )?
        .query_map(params![id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .map(|r| r.map(|(p, n)| (p, u64::try_from(n).unwrap_or(0))))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let hashes = conn
        .prepare_cached(
            "SELECT hash FROM inventory_hashes WHERE item_id = ?1 ORDER BY first_seen_ms, hash",
        )?
        .query_map(params![id], |r| r.get::<_, String>(0))?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(InventoryItem {
        site: site.to_owned(),
        kind,
        item,
        first_seen: Timestamp::from_unix_millis(first),
        last_seen: Timestamp::from_unix_millis(last),
        reports: u64::try_from(reports).unwrap_or(0),
        pages,
        hashes,
    })
}

const CREDENTIAL_COLUMNS: &str = "credential_id, user_handle, idp, subject, email, label, \
     passkey, counter, created_ms, last_used_ms";

fn credential_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccessCredential> {
    let mut c = AccessCredential::new(
        row.get(0)?,
        &row.get::<_, String>(1)?,
        &row.get::<_, String>(2)?,
        &row.get::<_, String>(3)?,
        row.get(6)?,
    );
    c.email = row.get(4)?;
    c.label = row.get(5)?;
    c.counter = row.get(7)?;
    c.created = Timestamp::from_unix_millis(row.get(8)?);
    c.last_used = row
        .get::<_, Option<i64>>(9)?
        .map(Timestamp::from_unix_millis);
    Ok(c)
}

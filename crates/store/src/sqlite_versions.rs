//! The script fetcher's tables in SQLite (migration 0005): bodies by sha256 and the version
//! history per site and URL. Called by [`SqliteStore`](crate::SqliteStore)'s trait methods
//! on the blocking pool, with its connection.

use parapet_core::versions::{
    RecordedFetch, ScriptFetch, ScriptVersion, VersionAnalysis, VersionHeaders,
};
use parapet_core::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use crate::error::Result;
use crate::MAX_VERSIONS_PER_SCRIPT;

const COLUMNS: &str = "id, site, url, final_url, first_fetched_ms, last_fetched_ms, fetches, \
     status, size, content_type, etag, last_modified, cache_control, body_sha256, browser_hash, \
     scheme, normalized_hash, family, fingerprint, risk, malicious, verdict, behaviour_changed, diff";

fn json(text: Option<String>) -> serde_json::Value {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

fn version_from_row(r: &Row<'_>) -> rusqlite::Result<ScriptVersion> {
    let scheme: Option<String> = r.get(15)?;
    let analysis = match scheme {
        Some(scheme) => {
            let mut a = VersionAnalysis::default();
            a.scheme = scheme;
            a.normalized_hash = r.get(16)?;
            a.family = r.get(17)?;
            a.fingerprint = json(r.get(18)?);
            a.risk = r.get::<_, Option<f64>>(19)?.unwrap_or(0.0);
            a.malicious = r.get::<_, Option<bool>>(20)?.unwrap_or(false);
            a.verdict = json(r.get(21)?);
            a.behaviour_changed = r.get(22)?;
            a.diff = r.get::<_, Option<String>>(23)?.map(|d| json(Some(d)));
            Some(a)
        }
        None => None,
    };
    Ok(ScriptVersion {
        id: r.get(0)?,
        site: r.get(1)?,
        url: r.get(2)?,
        final_url: r.get(3)?,
        first_fetched: Timestamp::from_unix_millis(r.get(4)?),
        last_fetched: Timestamp::from_unix_millis(r.get(5)?),
        fetches: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
        status: u16::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        size: r
            .get::<_, Option<i64>>(8)?
            .map(|s| u64::try_from(s).unwrap_or(0)),
        headers: VersionHeaders::new(r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?),
        body_sha256: r.get(13)?,
        browser_hash: r.get(14)?,
        analysis,
    })
}

fn latest(tx: &Transaction<'_>, site: &str, url: &str) -> Result<Option<ScriptVersion>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM script_versions WHERE site = ?1 AND url = ?2 \
         ORDER BY id DESC LIMIT 1"
    ))?;
    Ok(stmt
        .query_row(params![site, url], version_from_row)
        .optional()?)
}

fn by_id(tx: &Transaction<'_>, id: i64) -> Result<ScriptVersion> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM script_versions WHERE id = ?1"
    ))?;
    Ok(stmt.query_row(params![id], version_from_row)?)
}

pub(crate) fn record(conn: &mut Connection, f: &ScriptFetch) -> Result<RecordedFetch> {
    let tx = conn.transaction()?;
    let now = f.time.as_unix_millis();
    if let Some(body) = &f.body {
        tx.prepare_cached(
            "INSERT INTO script_bodies (sha256, size, body, first_seen_ms) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (sha256) DO NOTHING",
        )?
        .execute(params![
            body.sha256,
            i64::try_from(body.bytes.len()).unwrap_or(i64::MAX),
            body.bytes,
            now
        ])?;
    }
    let previous = latest(&tx, &f.site, &f.url)?;
    let sha = f.body.as_ref().map(|b| b.sha256.as_str());
    let same = previous
        .as_ref()
        .is_some_and(|p| p.status == f.status && p.body_sha256.as_deref() == sha);
    let h = &f.headers;
    let id = match (&previous, same) {
        (Some(p), true) => {
            tx.prepare_cached(
                "UPDATE script_versions SET last_fetched_ms = max(last_fetched_ms, ?2), \
                 fetches = fetches + 1, final_url = ?3, content_type = ?4, etag = ?5, \
                 last_modified = ?6, cache_control = ?7 WHERE id = ?1",
            )?
            .execute(params![
                p.id,
                now,
                f.final_url,
                h.content_type,
                h.etag,
                h.last_modified,
                h.cache_control
            ])?;
            p.id
        }
        _ => {
            let a = f.analysis.as_ref();
            let text = |v: Option<&serde_json::Value>| v.map(serde_json::Value::to_string);
            tx.prepare_cached(
                "INSERT INTO script_versions (site, url, final_url, first_fetched_ms, \
                 last_fetched_ms, fetches, status, size, content_type, etag, last_modified, \
                 cache_control, body_sha256, browser_hash, scheme, normalized_hash, family, \
                 fingerprint, risk, malicious, verdict, behaviour_changed, diff) \
                 VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
                 ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            )?
            .execute(params![
                f.site,
                f.url,
                f.final_url,
                now,
                f.status,
                f.body
                    .as_ref()
                    .map(|b| i64::try_from(b.bytes.len()).unwrap_or(i64::MAX)),
                h.content_type,
                h.etag,
                h.last_modified,
                h.cache_control,
                sha,
                f.body.as_ref().map(|b| b.browser_hash.as_str()),
                a.map(|a| a.scheme.as_str()),
                a.and_then(|a| a.normalized_hash.as_deref()),
                a.and_then(|a| a.family.as_deref()),
                text(a.map(|a| &a.fingerprint)),
                a.map(|a| a.risk),
                a.map(|a| a.malicious),
                text(a.map(|a| &a.verdict)),
                a.and_then(|a| a.behaviour_changed),
                text(a.and_then(|a| a.diff.as_ref())),
            ])?;
            let id = tx.last_insert_rowid();
            prune(&tx, &f.site, &f.url)?;
            id
        }
    };
    let version = by_id(&tx, id)?;
    tx.commit()?;
    Ok(RecordedFetch {
        version,
        new_version: !same,
        previous,
    })
}

/// Drops the versions of one URL beyond the newest [`MAX_VERSIONS_PER_SCRIPT`], then the
/// bodies no version uses.
fn prune(tx: &Transaction<'_>, site: &str, url: &str) -> Result<()> {
    let dropped = tx
        .prepare_cached(
            "DELETE FROM script_versions WHERE site = ?1 AND url = ?2 AND id NOT IN \
             (SELECT id FROM script_versions WHERE site = ?1 AND url = ?2 \
              ORDER BY id DESC LIMIT ?3)",
        )?
        .execute(params![site, url, MAX_VERSIONS_PER_SCRIPT])?;
    if dropped > 0 {
        tx.prepare_cached(
            "DELETE FROM script_bodies WHERE NOT EXISTS \
             (SELECT 1 FROM script_versions v WHERE v.body_sha256 = script_bodies.sha256)",
        )?
        .execute([])?;
    }
    Ok(())
}

pub(crate) fn versions(
    conn: &mut Connection,
    site: &str,
    url: &str,
    limit: u32,
) -> Result<Vec<ScriptVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM script_versions WHERE site = ?1 AND url = ?2 \
         ORDER BY id DESC LIMIT ?3"
    ))?;
    let rows = stmt
        .query_map(
            params![site, url, limit.min(MAX_VERSIONS_PER_SCRIPT)],
            version_from_row,
        )?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(crate) fn body(conn: &mut Connection, sha256: &str) -> Result<Option<Vec<u8>>> {
    let mut stmt = conn.prepare_cached("SELECT body FROM script_bodies WHERE sha256 = ?1")?;
    Ok(stmt.query_row(params![sha256], |r| r.get(0)).optional()?)
}

pub(crate) fn hash_fetched(
    conn: &mut Connection,
    site: &str,
    url: &str,
    browser_hash: &str,
) -> Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM script_versions \
         WHERE site = ?1 AND url = ?2 AND browser_hash = ?3)",
    )?;
    Ok(stmt.query_row(params![site, url, browser_hash], |r| r.get(0))?)
}

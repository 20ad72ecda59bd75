//! Storage for Parapet: the one interface every service writes events and state through.
//!
//! # The interface
//!
//! [`Store`] is an object-safe async trait (`Arc<dyn Store>` is what services hold). It is
//! deliberately small and speaks only in core types:
//!
//! - [`Store::insert_events`] stores a batch of [`Event`]s in one transaction and returns their
//!   new ids, so a service that detected ten things in one BGP update or one CSP report pays for
//!   one commit, and either all of them are stored or none is.
//! - [`Store::events`] lists events newest first through an [`EventQuery`] (service, kind,
//!   subject, minimum severity, time range, bounded limit): what the dashboard and the JSON API
//!   need.
//! - [`Store::get_setting`] / [`Store::put_setting`]: small key-value state (cursors, "last
//!   seen" markers). Keys are namespaced by convention: `routes.ris_live.cursor`.
//! - [`Store::health`]: a cheap round trip for readiness probes.
//!
//! - [`Store::record_sightings`] / [`Store::inventory`]: the script monitor's inventory (what
//!   each site's pages load, where and when), written in batches; new items come back so the
//!   monitor can alert on them.
//!
//! - [`Store::record_access`] / [`Store::access_audit`]: Zero Trust access's audit log;
//!   [`Store::revoke_access`] / [`Store::access_revocations`]: revoked sessions and people,
//!   kept until their cookies would have expired anyway.
//! - [`Store::record_script_fetch`] / [`Store::script_versions`] / [`Store::script_body`] /
//!   [`Store::script_hash_fetched`]: the script fetcher's versions: each distinct body once by sha256, a history per site and
//!   script URL (at most [`MAX_VERSIONS_PER_SCRIPT`] kept), with the analysis of each body.
//!
//! Further service tables (route state) come as further numbered migrations and trait
//! methods, in the same style.
//!
//! # SQLite, the embedded default
//!
//! [`SqliteStore`] needs nothing but a file path: it creates the file and its directory, sets
//! WAL journaling (readers never block the writer), `synchronous=NORMAL` (durable across a
//! Parapet crash; a power cut can lose the last commits but never corrupts the file), a busy
//! timeout and foreign keys, and applies the embedded migrations under `migrations/` in order.
//! A database written by a newer Parapet is refused with [`StoreError::TooNew`].
//!
//! # The plan for PostgreSQL
//!
//! Several Parapet instances sharing state will use a `PgStore` implementing the same trait.
//! The schema is written so that it ports without redesign: times are integer unix
//! milliseconds and severities integer ranks (BIGINT / SMALLINT there), details are JSON text
//! (JSONB there), and migrations are recorded in a `schema_migrations` table rather than an
//! SQLite pragma. The PostgreSQL migrations will live in their own numbered directory with the
//! same version numbers, so [`SCHEMA_VERSION`] means the same schema in both. Nothing outside
//! this crate may depend on which implementation is behind `dyn Store`.

mod error;
mod migrate;
mod sqlite;
mod sqlite_versions;
mod tally;

use async_trait::async_trait;
use parapet_core::access::{AccessCredential, AccessRecord};
use parapet_core::inventory::{
    DomainItem, InactiveItem, InventoryItem, ItemKind, NewItem, Sighting,
};
use parapet_core::versions::{RecordedFetch, ScriptFetch, ScriptVersion};
use parapet_core::{Event, Service, Severity, Timestamp};

pub use error::{Result, StoreError};
pub use migrate::SCHEMA_VERSION;
pub use sqlite::{SqliteStore, DEFAULT_BUSY_TIMEOUT};

/// What [`Store::add_access_credential`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialAdded {
    Added,
    /// The credential id is registered already (to this person or another).
    Duplicate,
    /// The person has the most credentials allowed.
    LimitReached,
}

/// How many events [`Store::events`] returns when the query sets no limit.
pub const DEFAULT_EVENT_LIMIT: u32 = 100;

/// The most events one [`Store::events`] call returns, whatever the query asks: the limit often
/// comes from an API parameter, and one request must not load the whole table.
pub const MAX_EVENT_LIMIT: u32 = 10_000;

/// The storage interface shared by every service.
///
/// Implementations must be safe to share between tasks and must not block the async runtime.
#[async_trait]
pub trait Store: Send + Sync {
    /// Stores `events` in one transaction and returns their new ids, in the same order.
    ///
    /// The `id` field of the given events is ignored: the store assigns ids. An empty slice
    /// is a no-op.
    async fn insert_events(&self, events: &[Event]) -> Result<Vec<i64>>;

    /// Events matching `query`, newest first (ties broken by id, newest first), at most
    /// [`EventQuery::effective_limit`] of them. Returned events have `id` set.
    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>>;

    /// The value stored under `key`, if any.
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;

    /// Stores `value` under `key`, replacing any previous value.
    async fn put_setting(&self, key: &str, value: &str) -> Result<()>;

    /// Succeeds when the store can serve requests and its schema is one this binary knows.
    async fn health(&self) -> Result<()>;

    /// Records a batch of the script monitor's sightings in one transaction: first and last
    /// seen, report counts, pages (at most [`MAX_PAGES_PER_ITEM`] per item) and hashes.
    /// Returns the items that were new to their site, in the order first met.
    async fn record_sightings(&self, sightings: &[Sighting]) -> Result<Vec<NewItem>>;

    /// A site's inventory, most recently seen first, at most `limit` items (capped at
    /// [`MAX_EVENT_LIMIT`]).
    async fn inventory(&self, site: &str, limit: u32) -> Result<Vec<InventoryItem>>;

    /// One item of a site's inventory, when the store has it.
    async fn inventory_item(
        &self,
        site: &str,
        kind: ItemKind,
        item: &str,
    ) -> Result<Option<InventoryItem>>;

    /// A site's registrable domains (from its sightings), most recently seen first, at most
    /// `limit` (capped at [`MAX_EVENT_LIMIT`]).
    async fn domains(&self, site: &str, limit: u32) -> Result<Vec<DomainItem>>;

    /// Marks the items last seen before `idle_before` as inactive (at `now`) and returns
    /// those that were not marked yet, at most [`MAX_EVENT_LIMIT`] per call: each item is
    /// reported inactive once, until it is seen again.
    async fn mark_inactive(
        &self,
        idle_before: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<InactiveItem>>;

    /// Appends access decisions to the audit log in one transaction.
    async fn record_access(&self, records: &[AccessRecord]) -> Result<()>;

    /// The newest audit records, newest first, at most `limit` (capped at
    /// [`MAX_EVENT_LIMIT`]); only `app`'s when given.
    async fn access_audit(&self, app: Option<&str>, limit: u32) -> Result<Vec<AccessRecord>>;

    /// Records a revocation (`kind` is `session` or `subject`), replacing an earlier one of
    /// the same value; it may be forgotten after `until`.
    async fn revoke_access(
        &self,
        kind: &str,
        value: &str,
        at: Timestamp,
        until: Timestamp,
    ) -> Result<()>;

    /// The revocations still in force at `now` as `(kind, value, at)`; older ones are deleted.
    async fn access_revocations(&self, now: Timestamp) -> Result<Vec<(String, String, Timestamp)>>;

    /// Registers a passkey or security key, unless its id is registered already or its owner
    /// (idp and subject) has `max_per_person` already; checked and inserted in one
    /// transaction.
    async fn add_access_credential(
        &self,
        credential: &AccessCredential,
        max_per_person: u32,
    ) -> Result<CredentialAdded>;

    /// One person's credentials, oldest first.
    async fn access_credentials(&self, idp: &str, subject: &str) -> Result<Vec<AccessCredential>>;

    /// The credential with this id, if registered.
    async fn access_credential(&self, credential_id: &[u8]) -> Result<Option<AccessCredential>>;

    /// Records a use of a credential: its new serialised state, counter and time. Only if the
    /// counter went up (or both the stored and the new counter are 0, an authenticator
    /// without one): `false` when the stored counter is not below `counter`, which means a
    /// cloned authenticator or a concurrent use, and nothing is changed.
    async fn use_access_credential(
        &self,
        credential_id: &[u8],
        passkey: &str,
        counter: u32,
        at: Timestamp,
    ) -> Result<bool>;

    /// Removes one of a person's credentials; `false` when they have none with this id.
    async fn delete_access_credential(
        &self,
        idp: &str,
        subject: &str,
        credential_id: &[u8],
    ) -> Result<bool>;

    /// Records one fetch of a script in one transaction: its body (once per sha256) and,
    /// when its status or body differ from the URL's latest version, a new version (with
    /// `fetch.analysis`); otherwise the latest version's last-fetched time, count and
    /// headers move. Versions beyond [`MAX_VERSIONS_PER_SCRIPT`] per URL are dropped, oldest
    /// first, with bodies no version uses any more.
    async fn record_script_fetch(&self, fetch: &ScriptFetch) -> Result<RecordedFetch>;

    /// A script URL's versions on `site`, newest first, at most `limit` (capped at
    /// [`MAX_VERSIONS_PER_SCRIPT`]).
    async fn script_versions(
        &self,
        site: &str,
        url: &str,
        limit: u32,
    ) -> Result<Vec<ScriptVersion>>;

    /// The body stored under `sha256` (hex), if any.
    async fn script_body(&self, sha256: &str) -> Result<Option<Vec<u8>>>;

    /// Whether a kept version of `url` on `site` had a body whose browser-form hash
    /// (`sha256-` and standard base64 with padding) is `browser_hash`.
    async fn script_hash_fetched(&self, site: &str, url: &str, browser_hash: &str) -> Result<bool>;
}

/// Versions kept per site and script URL. A script that answers differently on every fetch
/// (a hostile one can) must not grow the store without bound.
pub const MAX_VERSIONS_PER_SCRIPT: u32 = 200;

/// Pages remembered per inventory item: the first ones seen, then only counts. Report data
/// is attacker-controlled; an item reported from a million made-up pages must not grow the
/// store by a million rows.
pub const MAX_PAGES_PER_ITEM: u32 = 50;
/// Hashes remembered per inventory item, for the same reason.
pub const MAX_HASHES_PER_ITEM: u32 = 50;

/// Which events [`Store::events`] returns. Every filter is optional and they combine with AND.
///
/// Built with `EventQuery::new()` (or `default()`) and the builder methods, so that adding a
/// filter later breaks no caller.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EventQuery {
    /// Only events from this service.
    pub service: Option<Service>,
    /// Only events of exactly this kind.
    pub kind: Option<String>,
    /// Only events about exactly this subject.
    pub subject: Option<String>,
    /// Only events at least this severe.
    pub min_severity: Option<Severity>,
    /// Only events at or after this time.
    pub since: Option<Timestamp>,
    /// Only events strictly before this time (for paging backwards).
    pub until: Option<Timestamp>,
    /// At most this many events; see [`EventQuery::effective_limit`].
    pub limit: Option<u32>,
}

impl EventQuery {
    /// A query that matches every event (up to [`DEFAULT_EVENT_LIMIT`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only events from `service`.
    #[must_use]
    pub fn service(mut self, service: Service) -> Self {
        self.service = Some(service);
        self
    }

    /// Only events of kind `kind`.
    #[must_use]
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// Only events about `subject`.
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Only events at least as severe as `severity`.
    #[must_use]
    pub fn min_severity(mut self, severity: Severity) -> Self {
        self.min_severity = Some(severity);
        self
    }

    /// Only events at or after `since`.
    #[must_use]
    pub fn since(mut self, since: Timestamp) -> Self {
        self.since = Some(since);
        self
    }

    /// Only events strictly before `until`.
    #[must_use]
    pub fn until(mut self, until: Timestamp) -> Self {
        self.until = Some(until);
        self
    }

    /// At most `limit` events.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The limit actually applied: the requested one, or [`DEFAULT_EVENT_LIMIT`], capped at
    /// [`MAX_EVENT_LIMIT`].
    pub fn effective_limit(&self) -> u32 {
        self.limit
            .unwrap_or(DEFAULT_EVENT_LIMIT)
            .min(MAX_EVENT_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_is_capped() {
        assert_eq!(EventQuery::new().effective_limit(), DEFAULT_EVENT_LIMIT);
        assert_eq!(EventQuery::new().limit(7).effective_limit(), 7);
        assert_eq!(
            EventQuery::new().limit(u32::MAX).effective_limit(),
            MAX_EVENT_LIMIT
        );
    }

    #[test]
    fn store_is_object_safe() {
        fn takes(_: Option<std::sync::Arc<dyn Store>>) {}
        takes(None);
    }
}

//! Core types shared by every Parapet service.
//!
//! Parapet has three services — the gateway (L7 reverse proxy), the script monitor (client-side
//! scripts seen through CSP reports) and the route monitor (BGP) — and **one event model**: each
//! service turns what it detects into an [`Event`], the store keeps events, the alert pipeline
//! deduplicates, throttles and delivers them, and the dashboard lists them. Because all of those
//! consumers read the same type, it lives here, in a crate that depends on no service and on
//! nothing heavier than `serde`.
//!
//! What lives here:
//!
//! - [`Event`]: one thing worth recording, with its [`Service`], a `kind` slug such as
//!   `new-script` or `origin-hijack`, a [`Severity`], the `subject` it is about (a site, a
//!   prefix), a `dedup_key` that says which events are "the same thing again", a one-line
//!   human `summary` and free-form JSON `details`.
//! - [`Timestamp`]: a UTC instant as unix milliseconds. An integer keeps storage, ordering and
//!   comparison trivial and identical in SQLite and PostgreSQL; it prints and serialises as
//!   RFC 3339 so that people and JSON clients never see a bare number.
//! - [`CoreError`]: why a service name, severity or timestamp could not be parsed.
//! - [`inventory`]: the script monitor's sightings and inventory rows, as the store keeps them.
//! - [`versions`]: the script versions the fetcher records (bodies by sha256, history per URL).
//! - [`client_cert`]: a verified client certificate (mTLS), from the gateway to access.
//!
//! What does not live here: configuration (`parapet-config`), storage (`parapet-store`),
//! alert delivery (`parapet-alerts`), and anything specific to one service.

pub mod access;
pub mod client_cert;
mod error;
mod event;
pub mod inventory;
mod time;
pub mod versions;

pub use error::CoreError;
pub use event::{Event, Service, Severity, MAX_SUBJECT_CHARS, MAX_SUMMARY_CHARS};
pub use time::Timestamp;

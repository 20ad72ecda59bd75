//! The script monitor: every script and connection a site's pages load, as
//! real browsers report them (the client-side half of Parapet, what Cloudflare
//! calls Page Shield).
//!
//! The offline core of script analysis is here ([`analysis`]); the rest of the layout is
//! settled before its code arrives:
//!
//! - **telemetry** ([`telemetry`]: the policy, sampling, sensitive paths and
//!   the endpoint's tokens are here): the binary hands the gateway an
//!   `HttpModule` (the gateway's phases; this crate does not depend on the
//!   gateway) that adds the report-only `Content-Security-Policy` and
//!   `Reporting-Endpoints` to HTML responses and serves the same-origin report
//!   endpoint (to come).
//! - **ingest**: hostile-input parsing of `application/csp-report` and
//!   `application/reports+json` bodies ([`report`], done: bounded sizes and
//!   counts, browser variants, URLs normalised, every drop with its reason);
//!   to come: a token per site and time window, extension noise filtered,
//!   batched writes to the store.
//! - **inventory** ([`inventory`]: reports to sightings, new items to events;
//!   the store keeps scripts and destinations per site with pages, first and
//!   last seen, hashes); to come: status, registrable domains.
//! - **fetch** ([`fetch`]): the SSRF-safe fetcher (addresses checked after resolution and
//!   on every redirect, the checked address is the one connected to, bounded redirects,
//!   size and time, a browser's headers). Scheduling, versions and the alerts they raise
//!   are wired in the binary (`script_fetcher.rs`); the versions live in the store.
//! - **versioning** ([`versioning`]): what a fetched version means: its analysis against
//!   the previous version, and the `script-changed`, `script-malicious` and
//!   `fetch-mismatch` events (docs/script-fetch.md).
//! - **analysis** ([`analysis`], done): AST-normalised fingerprints (oxc), diffs
//!   that ignore cosmetic change, and a classifier for skimmers, cryptojackers
//!   and malvertising. File by file: `normalize.rs` (the one tree walk: scope-aware
//!   renaming, literal classes, minifier idioms, per-unit signals), `signals.rs`
//!   (the behaviour vocabulary), `fingerprint.rs` (hashes), `family.rs` (library
//!   and version line), `diff.rs` (behavioural diff), `classify.rs` (features and
//!   weights), `shape.rs` and the generated `shape_model.rs` (node-type
//!   n-grams). The `parapet scripts fingerprint|diff|classify` commands are thin
//!   wrappers over these; docs/scripts-analysis.md describes them and their measured
//!   quality.
//! - **blocking** ([`blocking`]): block entries (URLs by host and path, inline hashes), the
//!   streaming `lol_html` rewriter that neutralises blocked `<script>` tags, and the
//!   `script-src` policy generated from approved scripts (docs/script-blocking.md).
//! - **events**: `new-script`, `new-connection-domain`, `script-changed`,
//!   `script-malicious`, `fetch-mismatch` and the rest, as `parapet_core::Event`s through the
//!   shared alert pipeline.

pub mod analysis;
pub mod blocking;
mod error;
pub mod fetch;
pub mod inventory;
pub mod report;
pub mod telemetry;
pub mod versioning;

pub use error::{read_script, ScriptsError, MAX_READ_BYTES};

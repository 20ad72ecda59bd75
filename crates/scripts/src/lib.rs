//! The script monitor: every script and connection a site's pages load, as
//! real browsers report them (the client-side half of Parapet, what Cloudflare
//! calls Page Shield).
//!
//! Nothing is implemented yet; this is where it will live, so the layout is
//! settled before the code arrives:
//!
//! - **telemetry**: an `HttpModule` (from `parapet-gateway`'s phases, handed
//!   to the gateway by the binary; this crate does not depend on the gateway)
//!   that adds a report-only `Content-Security-Policy` and `Reporting-Endpoints`
//!   to HTML responses, with sampling and sensitive paths, and serves the
//!   same-origin report endpoint.
//! - **ingest**: hostile-input parsing of `application/csp-report` and
//!   `application/reports+json` bodies (bounded sizes and counts, a token per
//!   site and time window, extension noise filtered, URLs normalised), batched
//!   writes to the store.
//! - **inventory**: scripts and connection destinations per site, pages seen
//!   on, first and last seen, hashes, status; registrable domains.
//! - **fetch and analysis**: SSRF-safe versioned fetches, AST-normalised
//!   fingerprints (oxc), diffs that ignore cosmetic change, and a classifier
//!   for skimmers, cryptojackers and malvertising.
//! - **events**: `new-script`, `new-connection-domain`, `script-changed`,
//!   `fetch-mismatch` and the rest, as `parapet_core::Event`s through the
//!   shared alert pipeline.

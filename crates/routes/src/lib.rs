//! The route monitor: BGP hijack and route-leak detection for the operator's
//! own prefixes (the L3 half of Parapet; BGPalerter and ARTEMIS are the
//! open-source peers).
//!
//! Nothing is implemented yet; this is where it will live:
//!
//! - **ingest**: one route-event model fed by MRT archives (bgpkit-parser, with
//!   a virtual clock for replays), BMP streams from the operator's routers and
//!   RIS Live; BGP, BMP and MRT bytes treated as hostile.
//! - **state**: prefix tries per address family, route state per (vantage,
//!   prefix) in monitored space.
//! - **detectors**: origin and sub-prefix hijacks, unexpected more-specifics,
//!   path anomalies, route leaks (valley-free, RFC 9234 Only-To-Customer,
//!   ASPA), RPKI-invalid announcements (rpki crate), visibility loss; each with
//!   its resolution.
//! - **commands**: `parapet routes replay` and `parapet routes watch`, with
//!   the contracts in the design document.
//! - **events**: route alerts as `parapet_core::Event`s through the shared
//!   alert pipeline.

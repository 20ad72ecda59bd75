//! The route monitor: BGP hijack and route-leak detection for the operator's own prefixes
//! (the L3 half of Parapet; BGPalerter and ARTEMIS are the open-source peers).
//!
//! ```text
//! MRT files (mrt) ──┐
//! BMP, RIS Live  ───┴─> RouteEvent (model) ──> Engine (engine) ──> Alert (alert) ──> Event
//!                                               │  prefix tries (trie)
//!                                               │  ROV, ASPA records (rpki), ASPA paths (aspa)
//!                                               └  relationships, valley-free, OTC (relations)
//! ```
//!
//! - [`model`]: the one route-event model every input produces: announce, withdraw and
//!   peer-down per vantage (peer AS + peer address), with AS paths that keep AS_SETs and
//!   the RFC 9234 Only-To-Customer attribute.
//! - [`trie`]: prefix tries per address family (`prefix-trie`), used for monitored space,
//!   VRPs and allowed (prefix, origin) pairs.
//! - [`rpki`]: VRPs and ASPA records from rpki-client or Routinator JSON; route origin
//!   validation with maxLength.
//! - [`aspa`]: AS_PATH verification per the IETF ASPA verification draft.
//! - [`relations`]: CAIDA serial-2 relationships, valley-free and Only-To-Customer checks.
//! - [`engine`]: route state per (vantage, prefix) in monitored space, the detectors and
//!   the event life cycle (`min_vantages`, alert once, `-resolved`).
//! - [`alert`]: the alert record, its JSON Lines and text forms, and its
//!   `parapet_core::Event` for the shared alert pipeline.
//! - [`mrt`]: MRT replay through bgpkit-parser (plain, gzip, bzip2; BGP4MP incl. AS4 and
//!   ET, TABLE_DUMP and TABLE_DUMP_V2); malformed records are counted and skipped.
//!
//! Inputs treat every byte as hostile: nothing here panics on input, and a bad record,
//! VRP or relationship line is counted and skipped.
//!
//! Any input feeds the engine the same way:
//!
//! ```
//! use std::sync::Arc;
//! use parapet_core::Timestamp;
//! use parapet_routes::{AsPath, Engine, RouteChange, RouteEvent, Vantage};
//!
//! let config = parapet_config::Config::from_str(
//!     "[[routes.prefixes]]\nprefix = \"104.20.0.0/20\"\norigins = [13335]\n",
//!     std::path::Path::new("parapet.toml"),
//! )?;
//! let mut engine = Engine::new(config.routes.as_ref().expect("a [routes] table"), None, None);
//! let mut alerts = Vec::new();
//! engine.apply(
//!     &RouteEvent {
//!         time: Timestamp::from_unix_secs(1_561_372_440),
//!         vantage: Vantage::collector(3257, "192.0.2.57".parse()?),
//!         change: RouteChange::Announce {
//!             prefix: "104.20.0.0/20".parse()?,
//!             path_id: None,
//!             path: Arc::new(AsPath::from_sequence(&[3257, 64512])),
//!             otc: None,
//!         },
//!     },
//!     &mut alerts,
//! );
//! assert_eq!(alerts[0].kind_str, "origin-hijack");
//! assert_eq!(alerts[0].to_event().dedup_key, "routes/origin-hijack/104.20.0.0/20/AS64512");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod alert;
pub mod aspa;
mod bgp;
pub mod bmp;
pub mod engine;
mod error;
pub mod model;
pub mod mrt;
pub mod relations;
pub mod rislive;
pub mod rpki;
pub mod trie;

pub use alert::{Alert, AlertKind, FeedAlert, FeedKind, Report};
pub use engine::{Engine, EngineStats, RouteView, MAX_LISTED_VANTAGES, MAX_ROUTE_VIEWS};
pub use error::RoutesError;
pub use model::{AsPath, Asn, Hop, RouteChange, RouteEvent, Vantage, View};
pub use mrt::{MrtReplay, ReplayStats};
pub use relations::Relationships;
pub use rpki::{Aspas, RovState, RpkiData, Vrp, Vrps};

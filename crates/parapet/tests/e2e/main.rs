//! End-to-end tests of the real `parapet` binary.
//!
//! Every test starts its own peers on loopback: a real nginx (Debian's) as the
//! upstream, Parapet itself with a config written to a temporary directory, and
//! whatever small TCP or WebSocket servers it needs. [`harness`] does that and
//! kills everything on drop. `./scripts/test.sh` installs nginx, Chromium and the
//! browser script's node modules; a test whose peer is missing fails and says so.
//!
//! One module per topic, as in ripgrep's `tests/`.

// A failed `unwrap` in a test is a failed test, with its location: that is the point.
#![allow(clippy::unwrap_used)]

mod harness;

mod access;
mod access_mtls;
mod access_webauthn;
mod admin;
mod browser;
mod cli;
mod dashboard;
mod limits;
mod proxy;
mod resilience;
mod routes_live;
mod script_blocking;
mod script_fetch;
mod script_monitor;
mod selftest;
mod smuggling;
mod tls;
mod tls_options;
mod websocket;

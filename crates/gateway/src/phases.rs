//! The request phases other services hook into, shaped like Pingora's
//! `ProxyHttp`: a module sees each request at fixed points and may change it or
//! answer it. The script monitor uses [`HttpModule::response_filter`] to add its
//! report-only CSP header to HTML responses and [`HttpModule::request_filter`]
//! with [`HttpModule::serve`] to answer browsers' reports on the site itself.
//!
//! Phases are synchronous except [`HttpModule::serve`], so the common path
//! (no module claims the request) costs one virtual call per phase and no
//! allocation.
//!
//! A module that must change a response's body (the script monitor's blocking rewrites
//! `<script>` tags in HTML) returns a [`BodyFilter`] from
//! [`HttpModule::response_body_filter`]: the body then streams through it chunk by chunk,
//! never buffered whole. Responses no module filters keep their body untouched.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use http::{request, response, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::body::Body;

/// What the gateway knows about a request, shared with every phase.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestCtx {
    pub request_id: String,
    pub client: SocketAddr,
    /// `https` when the client connection is TLS.
    pub tls: bool,
    /// The listener's name from the config.
    pub listener: &'static str,
    /// Normalised host (no port, lower-case).
    pub host: String,
    /// The site the host belongs to, when one matched.
    pub site: Option<Arc<str>>,
    /// The client certificate of the connection (mTLS), verified and parsed once per
    /// connection; which applications' CAs it verifies against is in it.
    pub client_cert: Option<Arc<parapet_core::client_cert::ClientCert>>,
    /// The request's target as the client sent it (a cheap clone of its bytes), so that
    /// the response phase can tell pages apart by path.
    pub uri: http::Uri,
    /// The request's method (a `HEAD` response has no body to filter).
    pub method: http::Method,
    /// What a module's earlier phase hands to its later phases for this request.
    pub slots: Slots,
}

/// Per-request values a module passes from one of its phases to a later one (the access
/// decision made in [`HttpModule::request_filter`] and used in
/// [`HttpModule::upstream_request_filter`]), one per type.
///
/// Costs nothing unless a module puts something in: creating it allocates nothing, and a
/// lookup in an empty one is an uncontended lock and a length check. A request carries one
/// or two values, so they sit in a short list, each behind an `Arc` that a lookup clones.
#[derive(Debug, Default)]
pub struct Slots(std::sync::Mutex<Vec<Slot>>);

type Slot = Arc<dyn std::any::Any + Send + Sync>;

impl Slots {
    /// Stores `value`, replacing one of the same type.
    pub fn insert<T: Send + Sync + 'static>(&self, value: T) {
        let Ok(mut slots) = self.0.lock() else {
            return;
        };
        let value: Slot = Arc::new(value);
        match slots.iter_mut().find(|s| s.is::<T>()) {
            Some(s) => *s = value,
            None => slots.push(value),
        }
    }

    /// The value of type `T`, if one was stored.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let slots = self.0.lock().ok()?;
        let slot = slots.iter().find(|s| s.is::<T>())?;
        slot.clone().downcast::<T>().ok()
    }
}

impl Clone for Slots {
    fn clone(&self) -> Self {
        Slots(std::sync::Mutex::new(
            self.0.lock().map(|s| s.clone()).unwrap_or_default(),
        ))
    }
}

/// What [`HttpModule::request_filter`] decides.
#[non_exhaustive]
pub enum RequestAction {
    /// Go on to the next module, then the upstream.
    Continue,
    /// Answer now with this response (a denial, a redirect).
    Respond(Response<Body>),
    /// This module serves the request itself through [`HttpModule::serve`].
    Serve,
}

pub type ServeFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// Rewrites a response body as it streams: each chunk goes in as it arrives from the
/// upstream and what comes out is sent on at once (possibly nothing, when the filter
/// holds bytes back until it can decide). A filter must never fail: on input it cannot
/// rewrite it passes the bytes through unchanged, and counts that itself.
pub trait BodyFilter: Send + 'static {
    /// The next chunk of the body; returns the bytes to send now.
    fn chunk(&mut self, data: &[u8]) -> bytes::Bytes;
    /// The body has ended; returns the bytes still held back.
    fn end(&mut self) -> bytes::Bytes;
}

/// A service's hooks into the gateway. Every method has a default that does
/// nothing, so a module implements only the phases it needs.
pub trait HttpModule: Send + Sync + 'static {
    /// A short name for logs and metrics.
    fn name(&self) -> &'static str;

    /// Phase 1: the request head has arrived and its site is known.
    fn request_filter(&self, _req: &request::Parts, _ctx: &RequestCtx) -> RequestAction {
        RequestAction::Continue
    }

    /// Serves a request this module claimed with [`RequestAction::Serve`].
    fn serve(&self, _req: Request<Incoming>, _ctx: &RequestCtx) -> ServeFuture {
        Box::pin(async { crate::error::error_response(StatusCode::NOT_FOUND, "-") })
    }

    /// Phase 2: the request is about to be sent upstream, with Parapet's own
    /// headers already set.
    fn upstream_request_filter(&self, _req: &mut request::Parts, _ctx: &RequestCtx) {}

    /// Phase 3: the response head from the upstream (or a static file) is about
    /// to go to the client. The body streams on unchanged.
    fn response_filter(&self, _resp: &mut response::Parts, _ctx: &RequestCtx) {}

    /// Phase 3b, after every module's [`HttpModule::response_filter`]: a filter for the
    /// response's body, or `None` (the default) to leave it alone. Asked only for responses
    /// that have a body (not `HEAD`, 1xx, 204 or 304). When a module returns one, the gateway
    /// removes `Content-Length` (the length changes) and the body streams through the filter;
    /// the module is responsible for refusing bodies it cannot read (a `Content-Encoding`
    /// other than identity, a charset it does not know).
    fn response_body_filter(
        &self,
        _resp: &mut response::Parts,
        _ctx: &RequestCtx,
    ) -> Option<Box<dyn BodyFilter>> {
        None
    }

    /// Phase 4: the response head has been handed to the client.
    fn logging(&self, _ctx: &RequestCtx, _status: StatusCode) {}

    /// Answers a request to the admin listener's JSON API (`/api/...`), already
    /// authenticated, if the path is the module's; `None` leaves it to the next module.
    fn admin_route(&self, _req: &request::Parts) -> Option<ServeFuture> {
        None
    }

    /// Registers the module's own metrics, once, in the gateway's registry (served on the
    /// admin listener's `/metrics` with the gateway's).
    fn register_metrics(&self, _registry: &mut prometheus_client::registry::Registry) {}
}

/// The modules of a gateway, in the order their phases run.
pub type Modules = Arc<[Arc<dyn HttpModule>]>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_keep_one_value_per_type() {
        let slots = Slots::default();
        assert!(slots.get::<u32>().is_none());
        slots.insert(7u32);
        slots.insert(String::from("grant"));
        slots.insert(8u32);
        assert_eq!(slots.get::<u32>().as_deref(), Some(&8));
        assert_eq!(
            slots.get::<String>().as_deref().map(String::as_str),
            Some("grant")
        );
        assert!(slots.get::<u64>().is_none());
        let copy = slots.clone();
        slots.insert(9u32);
        assert_eq!(copy.get::<u32>().as_deref(), Some(&8), "a clone is its own");
    }
}

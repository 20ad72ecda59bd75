//! One request, from the client's head to the response head: routing, the
//! modules' phases, the headers Parapet owns, the upstream call with its
//! retries and timeouts, upgrades, and the access-log line.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Version};
use http_body::Body as _;
use hyper::body::Incoming;

use crate::body::{self, Body};
use crate::error::{error_response, ProxyError};
use crate::h1::SendError;
use crate::phases::{RequestAction, RequestCtx};
use crate::server::ConnInfo;
use crate::upstream::Pool;
use crate::{Runtime, Shared, UpstreamImpl};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");
const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
const PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// Headers that describe one hop, never the message (RFC 9110 7.6.1).
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    KEEP_ALIVE,
    PROXY_CONNECTION,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
];

/// Headers whose meaning Parapet vouches for: a client's copies are removed
/// before Parapet sets its own, so an upstream can trust them.
const OWNED: [HeaderName; 6] = [
    X_FORWARDED_FOR,
    X_FORWARDED_PROTO,
    X_FORWARDED_HOST,
    header::FORWARDED,
    X_REAL_IP,
    REQUEST_ID,
];

/// The forwarding headers' values that depend on the connection alone, made
/// once per connection instead of once per request; `Forwarded` also names the
/// host, so the last one made is kept with its host (a connection's requests
/// nearly always share one).
#[derive(Debug)]
pub struct Forwarding {
    /// `X-Forwarded-For` and `X-Real-IP`.
    client_ip: Option<HeaderValue>,
    /// `for=...;proto=...;host=`, completed by the quoted host.
    prefix: String,
    last: std::sync::Mutex<Option<(Bytes, HeaderValue)>>,
}

impl Forwarding {
    pub fn new(ip: IpAddr, tls: bool) -> Self {
        let proto = if tls { "https" } else { "http" };
        let for_ = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("\"[{v6}]\""),
        };
        Self {
            client_ip: HeaderValue::from_str(&ip.to_string()).ok(),
            prefix: format!("for={for_};proto={proto};host="),
            last: std::sync::Mutex::new(None),
        }
    }

    /// The `Forwarded` value for a request to `host` (which passed
    /// `normalize_host`, so it holds no quote or backslash).
    fn forwarded(&self, host: &HeaderValue) -> Option<HeaderValue> {
        let mut last = self.last.lock().ok();
        if let Some(Some((h, v))) = last.as_deref() {
            if h == host.as_bytes() {
                return Some(v.clone());
            }
        }
        let mut value = Vec::with_capacity(self.prefix.len() + host.len() + 2);
        value.extend_from_slice(self.prefix.as_bytes());
        value.push(b'"');
        value.extend_from_slice(host.as_bytes());
        value.push(b'"');
        let value = HeaderValue::from_maybe_shared(Bytes::from(value)).ok()?;
        if let Some(last) = last.as_deref_mut() {
            *last = Some((Bytes::copy_from_slice(host.as_bytes()), value.clone()));
        }
        Some(value)
    }
}

/// Request ids: unique per process start (random prefix) and cheap (a counter).
#[derive(Debug)]
pub struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestIds {
    pub fn new() -> Self {
        Self {
            prefix: rand::random(),
            next: AtomicU64::new(1),
        }
    }

    /// Twenty hex digits: the prefix, then the low 48 bits of the counter.
    fn next(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.next.fetch_add(1, Relaxed) & 0xffff_ffff_ffff;
        let v = (u128::from(self.prefix) << 48) | u128::from(n);
        let mut id = String::with_capacity(20);
        id.extend(
            (0..20)
                .rev()
                .map(|i| char::from(HEX[((v >> (4 * i)) & 0xf) as usize])),
        );
        id
    }
}

/// What the access log says about where a request went.
#[derive(Default)]
struct Outcome {
    host: String,
    site: Option<Arc<str>>,
    upstream: Option<Arc<str>>,
    server: Option<Arc<str>>,
    error: Option<ProxyError>,
}

/// The hyper service: never fails, every error becomes a response here.
pub async fn handle(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let start = Instant::now();
    let rt = shared.runtime.load_full();
    let request_id = shared.ids.next();
    let _in_flight = conn.activity.request_started();
    let log = rt
        .access_log
        .then(|| (req.method().clone(), req.uri().clone(), req.version()));
    let mut outcome = Outcome::default();
    let mut resp = match proxy(&shared, &rt, &conn, &request_id, req, &mut outcome).await {
        Ok(resp) => resp,
        Err(e) => {
            let status = e.status();
            outcome.error = Some(e);
            error_response(status, &request_id)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    let status = resp.status();
    let elapsed = start.elapsed();
    shared
        .metrics
        .request(status.as_u16(), elapsed.as_secs_f64());
    if let Some((method, uri, version)) = log {
        tracing::info!(
            target: "access",
            request_id = %request_id,
            client = %conn.client.ip(),
            listener = conn.listener,
            proto = ?version,
            tls_group = conn.tls_group,
            method = %method,
            host = %outcome.host,
            path = uri.path(),
            status = status.as_u16(),
            site = outcome.site.as_deref().unwrap_or("-"),
            upstream = outcome.upstream.as_deref().unwrap_or("-"),
            server = outcome.server.as_deref().unwrap_or("-"),
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            error = outcome.error.as_ref().map(tracing::field::display),
        );
    } else if let Some(e) = &outcome.error {
        tracing::warn!(request_id = %request_id, error = %e, "request failed");
    }
    Ok(resp)
}

async fn proxy(
    shared: &Shared,
    rt: &Runtime,
    conn: &ConnInfo,
    request_id: &str,
    mut req: Request<Incoming>,
    outcome: &mut Outcome,
) -> Result<Response<Body>, ProxyError> {
    // Where the request goes. HTTP/2 carries the host in :authority, HTTP/1.1
    // in Host; a request with neither, or with a malformed one, is refused.
    // The host as the client wrote it, kept as a header value (a cheap clone
    // of the request's bytes) for `Host`, `X-Forwarded-Host` and `Forwarded`.
    let raw_host = match req.uri().authority() {
        Some(a) => HeaderValue::from_str(a.as_str()).ok(),
        None => req.headers().get(header::HOST).cloned(),
    }
    .ok_or(ProxyError::BadRequest("missing or invalid Host"))?;
    let host = raw_host
        .to_str()
        .ok()
        .and_then(crate::router::normalize_host)
        .ok_or(ProxyError::BadRequest("invalid Host"))?
        .into_owned();
    if rt.access_log {
        outcome.host.clone_from(&host);
    }

    // Request smuggling: hyper already refuses malformed chunking, obs-fold,
    // conflicting Content-Length values and unknown transfer codings. A head
    // with both framings reaches here without its Content-Length (hyper drops
    // it), so the connection's scanner tells (RFC 9112 6.1: "ought to be
    // handled as an error").
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING)
        && (headers.contains_key(header::CONTENT_LENGTH) || conn.activity.take_both_framings())
    {
        return Err(ProxyError::BadRequest(
            "both Transfer-Encoding and Content-Length",
        ));
    }
    if let Some(len) = req.body().size_hint().exact() {
        if len > rt.limits.max_body_bytes {
            return Err(ProxyError::BodyTooLarge);
        }
    }

    let matched = rt
        .router
        .route(&host, req.uri().path())
        .ok_or(ProxyError::NoSite)?;
    let site = matched.site.name.clone();
    outcome.site = Some(site.clone());
    let ctx = RequestCtx {
        request_id: request_id.to_owned(),
        client: conn.client,
        tls: conn.tls,
        listener: conn.listener,
        host,
        site: Some(site),
        client_cert: conn.client_cert.clone(),
        uri: req.uri().clone(),
        method: req.method().clone(),
        slots: Default::default(),
    };

    let (parts, body) = req.into_parts();
    for (i, module) in shared.modules.iter().enumerate() {
        match module.request_filter(&parts, &ctx) {
            RequestAction::Continue => {}
            RequestAction::Respond(resp) => return Ok(finish(shared, resp, &ctx)),
            RequestAction::Serve => {
                let resp = shared.modules[i]
                    .serve(Request::from_parts(parts, body), &ctx)
                    .await;
                return Ok(finish(shared, resp, &ctx));
            }
        }
    }
    req = Request::from_parts(parts, body);

    match &rt.upstreams[matched.upstream] {
        UpstreamImpl::Static(files) => {
            outcome.upstream = Some("static".into());
            let resp = Box::pin(files.serve(req)).await;
            Ok(finish(shared, resp, &ctx))
        }
        UpstreamImpl::Pool(pool) => {
            outcome.upstream = Some(pool.name.clone());
            forward(shared, rt, pool, conn, &ctx, &raw_host, req, outcome).await
        }
    }
}

/// Runs the response phase of every module.
fn finish(shared: &Shared, resp: Response<Body>, ctx: &RequestCtx) -> Response<Body> {
    if shared.modules.is_empty() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    for m in shared.modules.iter() {
        m.response_filter(&mut parts, ctx);
    }
    let mut body = body;
    if has_body(&ctx.method, parts.status) {
        for m in shared.modules.iter() {
            if let Some(filter) = m.response_body_filter(&mut parts, ctx) {
                parts.headers.remove(header::CONTENT_LENGTH);
                body = body::boxed(body::Filtered::new(body, filter));
            }
        }
    }
    for m in shared.modules.iter() {
        m.logging(ctx, parts.status);
    }
    Response::from_parts(parts, body)
}

/// Whether a response to `method` with `status` carries a body (RFC 9110 6.4.1).
fn has_body(method: &http::Method, status: StatusCode) -> bool {
    method != http::Method::HEAD
        && !status.is_informational()
        && status != StatusCode::NO_CONTENT
        && status != StatusCode::NOT_MODIFIED
}

#[allow(clippy::too_many_arguments)]
async fn forward(
    shared: &Shared,
    rt: &Runtime,
    pool: &Arc<Pool>,
    conn: &ConnInfo,
    ctx: &RequestCtx,
    raw_host: &HeaderValue,
    mut req: Request<Incoming>,
    outcome: &mut Outcome,
) -> Result<Response<Body>, ProxyError> {
    let upgrade = is_upgrade(req.version(), req.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
    let (mut parts, body) = req.into_parts();

    strip_hop_by_hop(&mut parts.headers, upgrade);
    set_forwarding_headers(&mut parts.headers, conn, ctx, raw_host);
    if !parts.headers.contains_key(header::HOST) {
        parts.headers.insert(header::HOST, raw_host.clone());
    }
    if upgrade {
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
    // The upstream hop has its own version, whatever the client spoke: the
    // pool's client sends this as HTTP/2 where the connection is HTTP/2.
    parts.version = Version::HTTP_11;
    for m in shared.modules.iter() {
        m.upstream_request_filter(&mut parts, ctx);
    }

    let bodiless = body.is_end_stream();
    // The client's body is watched while it streams upstream: a malformed or
    // oversized body is the client's fault (400, 413), never the server's.
    let body_verdict = (!bodiless).then(|| Arc::new(ClientBodyVerdict::default()));
    let body: Body = match &body_verdict {
        None => body::empty(),
        Some(verdict) => body::boxed(ClientBody {
            inner: body,
            limit: rt.limits.max_body_bytes,
            seen: 0,
            verdict: verdict.clone(),
        }),
    };
    let verdict = |v: &Option<Arc<ClientBodyVerdict>>| v.as_ref().map(|v| v.0.load(Relaxed));
    // A request with no body can be sent again to another server when the
    // first cannot be reached; one with a body cannot (it was consumed). On
    // the hot path the request is only borrowed, so a retry costs no copy.
    let can_retry = bodiless && pool.servers.len() > 1;
    let hot_path = bodiless && !upgrade && pool.fast_h1();
    let mut body = Some(body);
    let mut tried = 0u64;
    let mut resp = loop {
        let i = pool
            .select(tried)
            .ok_or_else(|| ProxyError::NoServer(pool.name.to_string()))?;
        tried |= 1u64.checked_shl(i as u32).unwrap_or(0);
        let server = &pool.servers[i];
        outcome.server = Some(server.label.clone());
        let sent = if hot_path {
            tokio::time::timeout(pool.response_timeout, pool.send_bodiless(i, &parts)).await
        } else {
            let mut up = Request::new(body.take().unwrap_or_else(body::empty));
            *up.method_mut() = parts.method.clone();
            // The pool sets the scheme and server when its client needs them.
            *up.uri_mut() = parts.uri.clone();
            *up.version_mut() = parts.version;
            *up.headers_mut() = if can_retry {
                parts.headers.clone()
            } else {
                std::mem::take(&mut parts.headers)
            };
            tokio::time::timeout(pool.response_timeout, pool.send(i, up)).await
        };
        match sent {
            Ok(Ok(resp)) => {
                pool.succeeded(i);
                break resp;
            }
            Ok(Err(SendError::Connect(e))) => {
                pool.failed(i);
                let untried = (0..pool.servers.len()).any(|j| j >= 64 || tried & (1 << j) == 0);
                if can_retry && untried {
                    tracing::debug!(request_id = %ctx.request_id, server = %server.label, error = %e, "connect failed; trying another server");
                    continue;
                }
                return Err(ProxyError::Connect {
                    server: server.label.to_string(),
                    source: e,
                });
            }
            Ok(Err(e)) => {
                let e = e.into_source();
                match verdict(&body_verdict) {
                    Some(BODY_TOO_LARGE) => return Err(ProxyError::BodyTooLarge),
                    Some(BODY_MALFORMED) => {
                        return Err(ProxyError::BadRequest("malformed request body"))
                    }
                    _ => {}
                }
                pool.failed(i);
                return Err(ProxyError::Upstream {
                    server: server.label.to_string(),
                    source: e,
                });
            }
            Err(_) => {
                if verdict(&body_verdict).is_some_and(|v| v != BODY_DONE) {
                    // Still waiting for the client's body: the client is slow,
                    // not the server.
                    return Err(ProxyError::ClientTimeout);
                }
                pool.failed(i);
                return Err(ProxyError::Timeout {
                    server: server.label.to_string(),
                    timeout: pool.response_timeout,
                });
            }
        }
    };

    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        let Some(client_upgrade) = client_upgrade else {
            return Err(ProxyError::Internal(
                "upstream switched protocols unasked".into(),
            ));
        };
        let upstream_upgrade = hyper::upgrade::on(&mut resp);
        let idle = rt.limits.idle_timeout;
        let request_id = ctx.request_id.clone();
        let (parts, in_flight) = resp.into_parts();
        tokio::spawn(async move {
            // The body holds the server's in-flight count: a tunnel is load.
            let _in_flight = in_flight;
            match tokio::try_join!(client_upgrade, upstream_upgrade) {
                Ok((client, upstream)) => {
                    crate::server::tunnel(client, upstream, idle, &request_id).await
                }
                Err(e) => tracing::debug!(request_id = %request_id, error = %e, "upgrade failed"),
            }
        });
        return Ok(finish(
            shared,
            Response::from_parts(parts, body::empty()),
            ctx,
        ));
    }

    strip_hop_by_hop(resp.headers_mut(), false);
    Ok(finish(shared, resp, ctx))
}

const BODY_MALFORMED: u8 = 1;
const BODY_TOO_LARGE: u8 = 2;
const BODY_DONE: u8 = 3;

/// Why the client's body failed, if it did.
#[derive(Default)]
struct ClientBodyVerdict(std::sync::atomic::AtomicU8);

pin_project_lite::pin_project! {
    /// The client's request body on its way upstream: counts bytes against the
    /// limit (chunked bodies declare no length) and records why it failed.
    struct ClientBody {
        #[pin]
        inner: Incoming,
        limit: u64,
        seen: u64,
        verdict: Arc<ClientBodyVerdict>,
    }
}

impl http_body::Body for ClientBody {
    type Data = bytes::Bytes;
    type Error = crate::body::BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        let mut this = self.project();
        match this.inner.as_mut().poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.seen += data.len() as u64;
                    if *this.seen > *this.limit {
                        this.verdict.0.store(BODY_TOO_LARGE, Relaxed);
                        return Poll::Ready(Some(Err("request body larger than the limit".into())));
                    }
                }
                if this.inner.is_end_stream() {
                    this.verdict.0.store(BODY_DONE, Relaxed);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                this.verdict.0.store(BODY_DONE, Relaxed);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.verdict.0.store(BODY_MALFORMED, Relaxed);
                Poll::Ready(Some(Err(Box::new(e))))
            }
            other => other.map_err(Into::into),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// `Connection: upgrade` with an `Upgrade` header, on HTTP/1.1.
fn is_upgrade(version: Version, headers: &HeaderMap) -> bool {
    version == Version::HTTP_11
        && headers.contains_key(header::UPGRADE)
        && headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

/// Removes the hop-by-hop headers and those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    // Most messages carry none of them: one pass over the names (cheap
    // comparisons) spares a hashed lookup per name to remove.
    if !headers
        .keys()
        .any(|n| HOP_BY_HOP.contains(n) || n == header::UPGRADE)
    {
        return;
    }
    if let Some(conn) = headers.get(header::CONNECTION) {
        if let Ok(v) = conn.to_str() {
            let listed: Vec<HeaderName> = v
                .split(',')
                .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
                .filter(|n| !(keep_upgrade && n == header::UPGRADE))
                .collect();
            for name in listed {
                // A client must not be able to remove the headers Parapet owns
                // by listing them in Connection; they are set again anyway.
                headers.remove(name);
            }
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
    if !keep_upgrade {
        headers.remove(header::UPGRADE);
    }
}

/// Sets the headers that tell the upstream who the client is, replacing any
/// copies the client sent (they would let it spoof its address).
fn set_forwarding_headers(
    headers: &mut HeaderMap,
    conn: &ConnInfo,
    ctx: &RequestCtx,
    raw_host: &HeaderValue,
) {
    if headers.keys().any(|n| OWNED.contains(n)) {
        for name in &OWNED {
            headers.remove(name);
        }
    }
    // One growth for the six values below, not one per doubling.
    headers.reserve(OWNED.len());
    let fwd = &conn.forwarding;
    if let Some(ip) = &fwd.client_ip {
        headers.insert(X_FORWARDED_FOR, ip.clone());
        headers.insert(X_REAL_IP, ip.clone());
    }
    let proto = if conn.tls { "https" } else { "http" };
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    headers.insert(X_FORWARDED_HOST, raw_host.clone());
    if let Some(v) = fwd.forwarded(raw_host) {
        headers.insert(header::FORWARDED, v);
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        headers.insert(REQUEST_ID, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_listed_and_hop_headers_are_removed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, X-Secret, upgrade"),
        );
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert(KEEP_ALIVE, HeaderValue::from_static("timeout=5"));
        h.insert(header::TE, HeaderValue::from_static("trailers"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h, false);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h.contains_key("x-kept"));
    }

    #[test]
    fn upgrade_needs_both_headers_on_http11() {
        let mut h = HeaderMap::new();
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        assert!(!is_upgrade(Version::HTTP_11, &h));
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, Upgrade"),
        );
        assert!(is_upgrade(Version::HTTP_11, &h));
        assert!(!is_upgrade(Version::HTTP_2, &h));
    }

    #[test]
    fn request_ids_are_unique() {
        let ids = RequestIds::new();
        let a = ids.next();
        let b = ids.next();
        assert_ne!(a, b);
        assert_eq!(a.len(), 20);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        // Same process, same prefix; the counter is the tail.
        assert_eq!(a[..8], b[..8]);
        let (na, nb) = (
            u64::from_str_radix(&a[8..], 16).unwrap(),
            u64::from_str_radix(&b[8..], 16).unwrap(),
        );
        assert_eq!(nb, na + 1);
    }

    #[test]
    fn forwarded_values_follow_the_host() {
        let f = Forwarding::new("192.0.2.7".parse().unwrap(), true);
        let a = HeaderValue::from_static("shop.example:8443");
        let b = HeaderValue::from_static("api.example");
        assert_eq!(
            f.forwarded(&a).unwrap(),
            "for=192.0.2.7;proto=https;host=\"shop.example:8443\""
        );
        // Cached for the same host, made again for another.
        assert_eq!(f.forwarded(&a).unwrap(), f.forwarded(&a).unwrap());
        assert_eq!(
            f.forwarded(&b).unwrap(),
            "for=192.0.2.7;proto=https;host=\"api.example\""
        );
        let v6 = Forwarding::new("2001:db8::1".parse().unwrap(), false);
        assert_eq!(
            v6.forwarded(&b).unwrap(),
            "for=\"[2001:db8::1]\";proto=http;host=\"api.example\""
        );
        assert_eq!(v6.client_ip.as_ref().unwrap(), "2001:db8::1");
    }
}

#[cfg(test)]
mod size_guard {
    use super::*;

    fn future_size<F, Fut>(_: F) -> usize
    where
        F: Fn(Arc<Shared>, Arc<ConnInfo>, Request<Incoming>) -> Fut,
    {
        std::mem::size_of::<Fut>()
    }

    /// hyper moves each request's future into place, so its size is copied
    /// per request; rare, large paths (connecting, static files, HTTP/2) are
    /// boxed to keep it small. It was 9 KiB before they were.
    #[test]
    fn the_per_request_future_stays_small() {
        let size = future_size(handle);
        assert!(size <= 6 * 1024, "proxy::handle's future is {size} bytes");
    }
}

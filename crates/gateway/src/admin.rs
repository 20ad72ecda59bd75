//! The admin listener: `/healthz` and `/metrics` (Prometheus text), the JSON API under
//! `/api/` and the dashboard's pages, both served by modules
//! ([`crate::HttpModule::admin_route`]). The API takes the admin token as a bearer token;
//! the dashboard takes it once on `/login` and then a signed session cookie. It is meant for
//! operators and should stay on loopback or a management network.
//!
//! Every page gets a strict Content Security Policy (no scripts at all), `nosniff`, no
//! framing and no caching: the pages show strings that came from hostile reports, and
//! although every one is escaped where it is rendered, the headers are a second wall.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::body::{self, Body};
use crate::Shared;

pub async fn serve(
    socket: std::net::TcpListener,
    shared: Arc<Shared>,
    token: Option<Arc<str>>,
    shutdown: CancellationToken,
) {
    let listener = match TcpListener::from_std(socket) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot register the admin listener");
            return;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "admin listening");
    }
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "admin accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => return,
        };
        let shared = shared.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let shared = shared.clone();
                let token = token.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(route(&shared, token.as_deref(), req).await)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// The dashboard's session cookie.
pub const SESSION_COOKIE: &str = "parapet_admin";
/// How long a dashboard login lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The largest login form accepted.
const MAX_LOGIN_BODY: usize = 4096;
/// The longest return path kept through a login.
const MAX_NEXT_CHARS: usize = 1024;
/// A failed login waits this long before its answer (slows guessing).
const LOGIN_FAILURE_DELAY: Duration = Duration::from_millis(300);

const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const STYLESHEET: &str = include_str!("admin.css");

async fn route(shared: &Shared, token: Option<&str>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    let method = req.method().clone();
    let read_only = method == Method::GET || method == Method::HEAD;
    match path {
        "/healthz" if read_only => return text(StatusCode::OK, "ok\n".into(), "text/plain"),
        "/metrics" if read_only => {
            return text(
                StatusCode::OK,
                shared.metrics.encode(),
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )
        }
        "/assets/admin.css" if read_only => {
            let mut resp = text(StatusCode::OK, STYLESHEET.into(), "text/css; charset=utf-8");
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=3600"),
            );
            return resp;
        }
        _ => {}
    }
    let is_api = path.starts_with("/api/");
    let Some(token) = token else {
        let msg = "the API and the dashboard are off: set admin.token (or admin.token_env)\n";
        return text(StatusCode::FORBIDDEN, msg.into(), "text/plain");
    };
    if is_api {
        // Changes of state (POST, DELETE) are taken too: the bearer token is never sent by
        // a browser on its own, so a cross-site request cannot make one.
        if !(read_only || method == Method::POST || method == Method::DELETE) {
            return text(
                StatusCode::METHOD_NOT_ALLOWED,
                "only GET, POST and DELETE\n".into(),
                "text/plain",
            );
        }
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
            let mut resp = text(
                StatusCode::UNAUTHORIZED,
                "bearer token required\n".into(),
                "text/plain",
            );
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"parapet\""),
            );
            return resp;
        }
        let (parts, _) = req.into_parts();
        for m in shared.modules.iter() {
            if let Some(fut) = m.admin_route(&parts) {
                let mut resp = fut.await;
                resp.headers_mut().insert(
                    "x-content-type-options",
                    HeaderValue::from_static("nosniff"),
                );
                return resp;
            }
        }
        return text(StatusCode::NOT_FOUND, "not found\n".into(), "text/plain");
    }
    let sessions = Sessions::new(token);
    let resp = match (path, method) {
        ("/login", Method::GET | Method::HEAD) => {
            let next = query_param(req.uri().query(), "next");
            login_page(StatusCode::OK, None, &safe_next(next.as_deref()))
        }
        ("/login", Method::POST) => login(&sessions, token, req).await,
        ("/logout", Method::POST) => {
            if !same_origin(req.headers()) {
                return page_headers(text(
                    StatusCode::FORBIDDEN,
                    "cross-origin\n".into(),
                    "text/plain",
                ));
            }
            let mut resp = redirect("/login");
            resp.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "parapet_admin=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                ),
            );
            resp
        }
        // The dashboard's own forms (a module's page posts to its path): signed in, and
        // from the dashboard itself.
        (_, Method::POST) => {
            if !same_origin(req.headers()) {
                return page_headers(text(
                    StatusCode::FORBIDDEN,
                    "cross-origin\n".into(),
                    "text/plain",
                ));
            }
            if !sessions.valid(req.headers(), unix_now()) {
                redirect("/login")
            } else {
                let (parts, _) = req.into_parts();
                let mut found = None;
                for m in shared.modules.iter() {
                    if let Some(fut) = m.admin_route(&parts) {
                        found = Some(fut.await);
                        break;
                    }
                }
                found.unwrap_or_else(|| {
                    text(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method not allowed\n".into(),
                        "text/plain",
                    )
                })
            }
        }
        (_, Method::GET | Method::HEAD) => {
            if !sessions.valid(req.headers(), unix_now()) {
                let target = req
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                let mut to = String::from("/login?next=");
                to.extend(url::form_urlencoded::byte_serialize(target.as_bytes()));
                redirect(&to)
            } else {
                let (parts, _) = req.into_parts();
                let mut found = None;
                for m in shared.modules.iter() {
                    if let Some(fut) = m.admin_route(&parts) {
                        found = Some(fut.await);
                        break;
                    }
                }
                found.unwrap_or_else(|| {
                    text(StatusCode::NOT_FOUND, "not found\n".into(), "text/plain")
                })
            }
        }
        _ => text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed\n".into(),
            "text/plain",
        ),
    };
    page_headers(resp)
}

/// The dashboard's session cookies: `EXPIRY.MAC`, the MAC an HMAC-SHA256 keyed with the
/// admin token, so changing the token ends every session and no key file is needed.
struct Sessions<'a> {
    token: &'a str,
}

impl<'a> Sessions<'a> {
    fn new(token: &'a str) -> Self {
        Sessions { token }
    }

    fn mac(&self, expiry: u64) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(self.token.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(b"parapet-admin-session:");
        mac.update(expiry.to_string().as_bytes());
        mac
    }

    fn issue(&self, now: u64) -> String {
        let expiry = now + SESSION_TTL.as_secs();
        let tag = self.mac(expiry).finalize().into_bytes();
        let mut value = format!("{expiry}.");
        for b in tag {
            value.push_str(&format!("{b:02x}"));
        }
        value
    }

    /// Whether the request carries a session cookie that is ours and not expired.
    fn valid(&self, headers: &http::HeaderMap, now: u64) -> bool {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix("parapet_admin="))
            .any(|v| self.check(v, now))
    }

    fn check(&self, value: &str, now: u64) -> bool {
        let Some((expiry, tag)) = value.split_once('.') else {
            return false;
        };
        let Ok(expiry) = expiry.parse::<u64>() else {
            return false;
        };
        if expiry <= now || expiry > now + SESSION_TTL.as_secs() {
            return false;
        }
        let Some(tag) = unhex(tag) else {
            return false;
        };
        // verify_slice compares in constant time.
        self.mac(expiry).verify_slice(&tag).is_ok()
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

async fn login(sessions: &Sessions<'_>, token: &str, req: Request<Incoming>) -> Response<Body> {
    if !same_origin(req.headers()) {
        return text(StatusCode::FORBIDDEN, "cross-origin\n".into(), "text/plain");
    }
    let body = match Limited::new(req.into_body(), MAX_LOGIN_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "login form too large\n".into(),
                "text/plain",
            )
        }
    };
    let mut given = String::new();
    let mut next = None;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match &*k {
            "token" => given = v.into_owned(),
            "next" => next = Some(v.into_owned()),
            _ => {}
        }
    }
    let next = safe_next(next.as_deref());
    if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
        tracing::warn!("dashboard login refused: wrong token");
        tokio::time::sleep(LOGIN_FAILURE_DELAY).await;
        return login_page(
            StatusCode::UNAUTHORIZED,
            Some("That token is not right."),
            &next,
        );
    }
    let mut resp = redirect(&next);
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict",
        sessions.issue(unix_now()),
        SESSION_TTL.as_secs()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// A return path after login: only a path on this listener (`/...`, not `//host` or
/// `/\host`, which browsers treat as another origin), else the dashboard's front page.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.len() <= MAX_NEXT_CHARS
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A state-changing form must come from the dashboard itself: when the browser names the
/// origin, its host must be the one the request was sent to.
fn same_origin(headers: &http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, h)| h);
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn login_page(status: StatusCode, error: Option<&str>, next: &str) -> Response<Body> {
    // `error` is one of this file's constants; `next` went through `safe_next` and is
    // escaped for the attribute it lands in.
    let error = error.map_or(String::new(), |e| format!("<p class=\"error\">{e}</p>"));
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Parapet — sign in</title>\
         <link rel=\"stylesheet\" href=\"/assets/admin.css\"></head>\
         <body class=\"login\"><main><h1>Parapet</h1>{error}\
         <form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label>Admin token <input type=\"password\" name=\"token\" \
         autocomplete=\"current-password\" autofocus required></label>\
         <button type=\"submit\">Sign in</button></form></main></body></html>\n",
        next = escape_attr(next),
    );
    text(status, body, "text/html; charset=utf-8")
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn redirect(to: &str) -> Response<Body> {
    let mut resp = Response::new(body::empty());
    *resp.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// The headers every dashboard answer carries.
fn page_headers(mut resp: Response<Body>) -> Response<Body> {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: under the latter, browsers send `Origin: null` with
    // the dashboard's own forms, which the origin check refuses.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn text(status: StatusCode, body: String, content_type: &'static str) -> Response<Body> {
    let mut resp = Response::new(body::full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_signed_with_the_token_and_expire() {
        let s = Sessions::new("a-token-of-sixteen-chars");
        let now = 1_700_000_000;
        let cookie = s.issue(now);
        assert!(s.check(&cookie, now));
        assert!(s.check(&cookie, now + SESSION_TTL.as_secs() - 1));
        assert!(!s.check(&cookie, now + SESSION_TTL.as_secs()), "expired");
        // Another token (a rotated one) does not accept it.
        assert!(!Sessions::new("another-token-sixteen").check(&cookie, now));
        // A later expiry with the old MAC is refused.
        let (_, tag) = cookie.split_once('.').unwrap();
        assert!(!s.check(&format!("{}.{tag}", now + 60), now));
        // Garbage in every part.
        for bad in [
            "",
            ".",
            "x.y",
            "1.",
            &format!("{}.zz", now + 10),
            "99999999999999999999999.00",
        ] {
            assert!(!s.check(bad, now), "{bad:?}");
        }
        let mut headers = http::HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; parapet_admin={cookie}")).unwrap(),
        );
        assert!(s.valid(&headers, now));
    }

    #[test]
    fn return_paths_stay_on_the_listener() {
        assert_eq!(safe_next(Some("/scripts?site=shop")), "/scripts?site=shop");
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/a b",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn login_page_never_echoes_markup() {
        let resp = login_page(StatusCode::OK, None, "/\"><script>x</script>");
        let (_, body) = resp.into_parts();
        let bytes = futures_util::FutureExt::now_or_never(body.collect())
            .unwrap()
            .unwrap()
            .to_bytes();
        let html = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;script&gt;"), "{html}");
    }
}

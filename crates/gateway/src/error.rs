//! Errors of the gateway, and the one place where they become HTTP responses.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};

use crate::body::{self, Body};

/// Why the gateway could not start or reload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("{0}")]
    Other(String),
}

impl GatewayError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// Why one request could not be proxied. Each variant knows its status and
/// whether the upstream server should be counted as failing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("no site is configured for this host")]
    NoSite,
    #[error("request body larger than the limit")]
    BodyTooLarge,
    #[error("the client did not send its request body in time")]
    ClientTimeout,
    #[error("no server of upstream `{0}` is available")]
    NoServer(String),
    #[error("cannot connect to upstream server {server}: {source}")]
    Connect {
        server: String,
        source: crate::body::BoxError,
    },
    #[error("upstream server {server} failed: {source}")]
    Upstream {
        server: String,
        source: crate::body::BoxError,
    },
    #[error("upstream server {server} did not answer within {timeout:?}")]
    Timeout {
        server: String,
        timeout: std::time::Duration,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ProxyError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NoSite => StatusCode::NOT_FOUND,
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::ClientTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::NoServer(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Connect { .. } | Self::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Self::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The response for an error: a small branded page that shows the request id,
/// so a visitor can quote it and an operator can find the access-log line. The
/// detail of the error goes to the log, never to the visitor.
pub fn error_response(status: StatusCode, request_id: &str) -> Response<Body> {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{code} {reason}</title>\
<style>body{{font:16px/1.5 system-ui,sans-serif;background:#0f172a;color:#e2e8f0;display:grid;place-items:center;min-height:100vh;margin:0}}\
main{{max-width:32rem;padding:2rem;border:1px solid #334155;border-radius:12px;background:#111827}}\
h1{{margin:0 0 .5rem;font-size:1.4rem}}code{{color:#fbbf24}}small{{color:#94a3b8}}</style></head>\
<body><main><h1>{code} {reason}</h1><p>The request could not be completed.</p>\
<p><small>Request id <code>{request_id}</code> &middot; Parapet</small></p></main></body></html>\n"
    );
    let mut resp = Response::new(body::full(Bytes::from(page)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(crate::proxy::REQUEST_ID, v);
    }
    resp
}

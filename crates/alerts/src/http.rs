//! [`JsonPoster`]: one JSON POST to a fixed HTTP(S) URL, shared by every channel that speaks
//! HTTP (the generic webhook, Slack, PagerDuty), so that they agree on timeouts, TLS,
//! bounded answers and which failures are worth retrying.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, CONTENT_TYPE, USER_AGENT};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::AlertError;

/// How long one attempt may take, connection and answer included.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Most bytes of a receiver's answer that are read: enough to reuse the connection and to
/// quote an error, bounded so a hostile receiver cannot make us buffer without end.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

const PARAPET_USER_AGENT: &str = concat!("parapet/", env!("CARGO_PKG_VERSION"));

/// Posts JSON bodies to one URL.
pub(crate) struct JsonPoster {
    url: Uri,
    timeout: Duration,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl JsonPoster {
    /// Checks `url` (`http` or `https`, with a host) and sets up the client. `what` names the
    /// setting in errors ("webhook URL").
    pub(crate) fn new(
        url: &str,
        timeout: Duration,
        tls: Option<rustls::ClientConfig>,
        what: &'static str,
    ) -> Result<Self, AlertError> {
        let bad = |reason| AlertError::Config { reason };
        let url: Uri = url.parse().map_err(|_| bad(what))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) {
            return Err(bad("URL must start with http:// or https://"));
        }
        if url.host().is_none_or(str::is_empty) {
            return Err(bad("URL has no host"));
        }
        let tls = match tls {
            Some(tls) => tls,
            None => default_tls()?,
        };
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(JsonPoster {
            url,
            timeout,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    pub(crate) fn url(&self) -> &Uri {
        &self.url
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// One POST of `body` with `headers`; 2xx is success. Redirects are not followed: the
    /// configured URL is the receiver.
    pub(crate) async fn post(
        &self,
        body: Bytes,
        headers: &[(HeaderName, String)],
    ) -> Result<(), AlertError> {
        tokio::time::timeout(self.timeout, self.attempt(body, headers))
            .await
            .map_err(|_| AlertError::Timeout(self.timeout))?
    }

    async fn attempt(
        &self,
        body: Bytes,
        headers: &[(HeaderName, String)],
    ) -> Result<(), AlertError> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, PARAPET_USER_AGENT);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| AlertError::Transport(Box::new(e)))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| AlertError::Transport(Box::new(e)))?;
        let status = response.status();
        // Read (a bounded amount of) the answer so the connection can be reused.
        let _ = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await;
        if status.is_success() {
            Ok(())
        } else {
            Err(AlertError::Status {
                status: status.as_u16(),
            })
        }
    }
}

fn default_tls() -> Result<rustls::ClientConfig, AlertError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // aws-lc-rs's default provider offers X25519MLKEM768 first: post-quantum where the
    // receiver supports it, classical otherwise.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

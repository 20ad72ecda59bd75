//! [`WebhookChannel`]: a signed JSON POST to any HTTP(S) endpoint.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

use crate::{Alert, AlertError, Channel};

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
///
/// Receivers recompute the HMAC with the shared secret over the exact body bytes and compare
/// in constant time ([`verify_signature`]); that proves the alert came from this Parapet and
/// was not altered. The body carries the event time, so a receiver can also refuse replays.
pub const SIGNATURE_HEADER: &str = "x-parapet-signature";

/// How long one attempt may take, connection and answer included.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Most bytes of a receiver's answer that are read (then discarded): enough to reuse the
/// connection, bounded so a hostile receiver cannot make us buffer without end.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

const PARAPET_USER_AGENT: &str = concat!("parapet/", env!("CARGO_PKG_VERSION"));

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<lowercase hex>` of HMAC-SHA256(`secret`, `body`): the value of
/// [`SIGNATURE_HEADER`].
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + digest.len() * 2);
    out.push_str("sha256=");
    for byte in digest {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Whether `header` is a valid signature of `body` under `secret`, compared in constant time.
/// For receivers written in Rust, and for tests.
pub fn verify_signature(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn mac(secret: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(secret)
        .expect("HMAC is defined for keys of any length (long keys are hashed)")
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |b: u8| char::from(b).to_digit(16);
            u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()
        })
        .collect()
}

/// Builds a [`WebhookChannel`].
pub struct WebhookBuilder {
    name: String,
    url: String,
    secret: Vec<u8>,
    timeout: Duration,
    tls: Option<rustls::ClientConfig>,
}

impl WebhookBuilder {
    /// How long one attempt may take (default [`DEFAULT_WEBHOOK_TIMEOUT`]).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// TLS settings for `https` URLs, e.g. with a private CA. The default trusts the public
    /// web PKI (Mozilla's roots, built in) and prefers post-quantum hybrid key exchange.
    #[must_use]
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Checks the settings and builds the channel.
    pub fn build(self) -> Result<WebhookChannel, AlertError> {
        let url: Uri = self.url.parse().map_err(|_| AlertError::Config {
            reason: "webhook URL is not a valid URL",
        })?;
        match url.scheme_str() {
            Some("http" | "https") => {}
            _ => {
                return Err(AlertError::Config {
                    reason: "webhook URL must start with http:// or https://",
                })
            }
        }
        if url.host().is_none_or(str::is_empty) {
            return Err(AlertError::Config {
                reason: "webhook URL has no host",
            });
        }
        if self.secret.is_empty() {
            return Err(AlertError::Config {
                reason: "webhook secret is empty; unsigned alerts could be forged",
            });
        }
        let tls = match self.tls {
            Some(tls) => tls,
            None => default_tls()?,
        };
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(WebhookChannel {
            name: self.name,
            url,
            secret: self.secret,
            timeout: self.timeout,
            client,
        })
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

/// The generic webhook: POSTs each [`Alert`] as JSON, signed in [`SIGNATURE_HEADER`].
///
/// One attempt per [`Channel::send`]; the pipeline retries. 2xx is success; 5xx, 408, 429,
/// timeouts and connection errors are retryable; other answers are not. Redirects are not
/// followed: the configured URL is the receiver.
pub struct WebhookChannel {
    name: String,
    url: Uri,
    secret: Vec<u8>,
    timeout: Duration,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl std::fmt::Debug for WebhookChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed; the URL may carry a token in its query, so only the
        // scheme and authority are.
        f.debug_struct("WebhookChannel")
            .field("name", &self.name)
            .field("scheme", &self.url.scheme_str())
            .field("authority", &self.url.authority().map(|a| a.as_str()))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl WebhookChannel {
    /// Starts building a webhook channel named `name` that posts to `url` signed with
    /// `secret`.
    pub fn builder(
        name: impl Into<String>,
        url: impl Into<String>,
        secret: impl Into<Vec<u8>>,
    ) -> WebhookBuilder {
        WebhookBuilder {
            name: name.into(),
            url: url.into(),
            secret: secret.into(),
            timeout: DEFAULT_WEBHOOK_TIMEOUT,
            tls: None,
        }
    }

    async fn attempt(&self, body: Bytes, signature: String) -> Result<(), AlertError> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, PARAPET_USER_AGENT)
            .header(SIGNATURE_HEADER, signature)
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

#[async_trait]
impl Channel for WebhookChannel {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, alert: &Alert) -> Result<(), AlertError> {
        let body = Bytes::from(serde_json::to_vec(alert)?);
        let signature = sign(&self.secret, &body);
        tokio::time::timeout(self.timeout, self.attempt(body, signature))
            .await
            .map_err(|_| AlertError::Timeout(self.timeout))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_matches_rfc4231_test_case_2() {
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_accepts_own_signature_and_rejects_tampering() {
        let sig = sign(b"secret", b"{\"a\":1}");
        assert!(verify_signature(b"secret", b"{\"a\":1}", &sig));
        assert!(!verify_signature(b"secret", b"{\"a\":2}", &sig));
        assert!(!verify_signature(b"other", b"{\"a\":1}", &sig));
        assert!(!verify_signature(b"secret", b"{\"a\":1}", &sig[7..]));
        assert!(!verify_signature(b"secret", b"{\"a\":1}", "sha256=zz"));
        assert!(!verify_signature(b"secret", b"{\"a\":1}", "sha256=abc"));
    }

    #[test]
    fn builder_rejects_bad_settings() {
        for (url, secret) in [
            ("ftp://example.com/hook", "s"),
            ("not a url", "s"),
            ("/relative", "s"),
            ("http://example.com/hook", ""),
        ] {
            let err = WebhookChannel::builder("w", url, secret)
                .build()
                .expect_err(url);
            assert!(matches!(err, AlertError::Config { .. }), "{url}: {err:?}");
        }
    }

    #[test]
    fn debug_hides_secret_and_path() {
        let ch =
            WebhookChannel::builder("ops", "https://hooks.example/T0KEN?key=abc", "very-secret")
                .build()
                .expect("valid settings");
        let shown = format!("{ch:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(!shown.contains("T0KEN"), "{shown}");
        assert!(shown.contains("hooks.example"), "{shown}");
    }
}

//! [`WebhookChannel`]: a signed JSON POST to any HTTP(S) endpoint.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::header::HeaderName;
use sha2::Sha256;

use crate::http::{JsonPoster, DEFAULT_HTTP_TIMEOUT};
use crate::{Alert, AlertError, Channel};

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
///
/// Receivers recompute the HMAC with the shared secret over the exact body bytes and compare
/// in constant time ([`verify_signature`]); that proves the alert came from this Parapet and
/// was not altered. The body carries the event time, so a receiver can also refuse replays.
pub const SIGNATURE_HEADER: &str = "x-parapet-signature";

/// How long one attempt may take, connection and answer included.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = DEFAULT_HTTP_TIMEOUT;

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
        if self.secret.is_empty() {
            return Err(AlertError::Config {
                reason: "webhook secret is empty; unsigned alerts could be forged",
            });
        }
        Ok(WebhookChannel {
            name: self.name,
            poster: JsonPoster::new(
                &self.url,
                self.timeout,
                self.tls,
                "webhook URL is not a valid URL",
            )?,
            secret: self.secret,
        })
    }
}

/// The generic webhook: POSTs each [`Alert`] as JSON, signed in [`SIGNATURE_HEADER`].
///
/// One attempt per [`Channel::send`]; the pipeline retries. 2xx is success; 5xx, 408, 429,
/// timeouts and connection errors are retryable; other answers are not. Redirects are not
/// followed: the configured URL is the receiver.
pub struct WebhookChannel {
    name: String,
    poster: JsonPoster,
    secret: Vec<u8>,
}

impl std::fmt::Debug for WebhookChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed; the URL may carry a token in its query, so only the
        // scheme and authority are.
        let url = self.poster.url();
        f.debug_struct("WebhookChannel")
            .field("name", &self.name)
            .field("scheme", &url.scheme_str())
            .field("authority", &url.authority().map(|a| a.as_str()))
            .field("timeout", &self.poster.timeout())
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
}

#[async_trait]
impl Channel for WebhookChannel {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, alert: &Alert) -> Result<(), AlertError> {
        let body = Bytes::from(serde_json::to_vec(alert)?);
        let signature = sign(&self.secret, &body);
        self.poster
            .post(
                body,
                &[(HeaderName::from_static(SIGNATURE_HEADER), signature)],
            )
            .await
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

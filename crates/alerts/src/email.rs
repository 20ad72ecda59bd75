//! [`EmailChannel`]: alerts as plain-text mail over SMTP, with STARTTLS required.
//!
//! The connection is upgraded with STARTTLS before anything else is said (a server that does
//! not offer it is an error, never a fallback to clear text), the server's certificate is
//! checked against the public roots or an operator's CA, and credentials, when set, are only
//! sent inside TLS. SMTP itself is lettre's (a well-kept client); this file decides what the
//! mail says and which failures are worth retrying.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rustls::pki_types::pem::PemObject as _;

use crate::alert::cut;
use crate::{Alert, AlertError, Channel};

/// The submission port with STARTTLS (RFC 6409).
pub const DEFAULT_SMTP_PORT: u16 = 587;

/// How long one delivery may take, from connecting to the server's last answer.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Mail subjects are cut to this many characters.
const MAX_SUBJECT_CHARS: usize = 200;

/// Builds an [`EmailChannel`].
pub struct EmailBuilder {
    name: String,
    server: String,
    port: u16,
    from: String,
    to: Vec<String>,
    credentials: Option<(String, String)>,
    ca_pem: Option<Vec<u8>>,
    timeout: Duration,
}

impl EmailBuilder {
    /// The server's port (default [`DEFAULT_SMTP_PORT`]).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// A user name and password, sent only after STARTTLS.
    #[must_use]
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// Trust only this CA (PEM) for the server's certificate, instead of the public roots.
    #[must_use]
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// How long one delivery may take (default [`DEFAULT_SMTP_TIMEOUT`]).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the addresses and TLS settings and builds the channel.
    pub fn build(self) -> Result<EmailChannel, AlertError> {
        let bad = |reason| AlertError::Config { reason };
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|_| bad("email `from` is not an address"))?;
        if self.to.is_empty() {
            return Err(bad("email `to` lists no recipient"));
        }
        let to = self
            .to
            .iter()
            .map(|a| a.parse::<Mailbox>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad("email `to` holds something that is not an address"))?;
        if self.server.trim().is_empty() {
            return Err(bad("email server is empty"));
        }
        let mut tls = TlsParameters::builder(self.server.clone());
        if let Some(pem) = &self.ca_pem {
            // lettre accepts a PEM file without certificates (and then trusts nothing):
            // count them first, so a wrong file is a clear error at start.
            let certs = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| bad("email CA is not a PEM certificate"))?;
            if certs.is_empty() {
                return Err(bad("email CA file holds no PEM certificate"));
            }
            let ca =
                Certificate::from_pem(pem).map_err(|_| bad("email CA is not a PEM certificate"))?;
            tls = tls
                .certificate_store(CertificateStore::None)
                .add_root_certificate(ca);
        } else {
            tls = tls.certificate_store(CertificateStore::WebpkiRoots);
        }
        let tls = tls
            .build_rustls()
            .map_err(|_| bad("email TLS settings are unusable"))?;
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.server)
            .port(self.port)
            .tls(Tls::Required(tls))
            .timeout(Some(self.timeout));
        if let Some((user, password)) = self.credentials {
            transport = transport.credentials(Credentials::new(user, password));
        }
        Ok(EmailChannel {
            name: self.name,
            from,
            to,
            transport: transport.build(),
            timeout: self.timeout,
        })
    }
}

/// Sends each alert as one plain-text mail to every recipient.
///
/// 4xx answers (greylisting, a full queue), timeouts and connection failures are retried;
/// 5xx answers (unknown recipient, refused sender), TLS failures and a server without
/// STARTTLS are not.
pub struct EmailChannel {
    name: String,
    from: Mailbox,
    to: Vec<Mailbox>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("name", &self.name)
            .field("from", &self.from.to_string())
            .field("recipients", &self.to.len())
            .finish_non_exhaustive()
    }
}

impl EmailChannel {
    /// Starts building a channel named `name` that submits to `server` (STARTTLS required)
    /// from `from` to `to`.
    pub fn builder(
        name: impl Into<String>,
        server: impl Into<String>,
        from: impl Into<String>,
        to: impl IntoIterator<Item = impl Into<String>>,
    ) -> EmailBuilder {
        EmailBuilder {
            name: name.into(),
            server: server.into(),
            port: DEFAULT_SMTP_PORT,
            from: from.into(),
            to: to.into_iter().map(Into::into).collect(),
            credentials: None,
            ca_pem: None,
            timeout: DEFAULT_SMTP_TIMEOUT,
        }
    }

    /// The mail for `alert`: the summary as subject; the body says what, where and when,
    /// then the alert as JSON for tools.
    pub fn message(&self, alert: &Alert) -> Result<Message, AlertError> {
        let mut body = String::new();
        body.push_str(&alert.summary());
        body.push_str("\n\n");
        if let Alert::Event { event } = alert {
            for (label, value) in [
                ("Severity", event.severity.as_str().to_owned()),
                ("Service", event.service.to_string()),
                ("Kind", event.kind.clone()),
                ("Subject", event.subject.clone()),
                ("Time", event.time.to_string()),
                ("Dedup key", event.dedup_key.clone()),
            ] {
                body.push_str(&format!("{label}: {value}\n"));
            }
            body.push('\n');
        }
        if let Alert::Digest { events, count, .. } = alert {
            for e in events {
                body.push_str(&format!(
                    "{}  [{}] {} {}: {}\n",
                    e.time, e.severity, e.service, e.kind, e.summary
                ));
            }
            let listed = events.len() as u64;
            if *count > listed {
                body.push_str(&format!("... and {} more\n", count - listed));
            }
            body.push('\n');
        }
        body.push_str(&serde_json::to_string_pretty(alert)?);
        body.push('\n');
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject(cut(
                &format!("Parapet: {}", alert.summary()),
                MAX_SUBJECT_CHARS,
            ))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            message = message.to(to.clone());
        }
        message
            .body(body)
            .map_err(|e| AlertError::Other(format!("cannot build the mail: {e}")))
    }
}

/// Whether the TLS handshake failed (an untrusted or mismatched certificate, say): lettre
/// reports it as a connection error around an I/O error around rustls's, and trying again
/// will not change the certificate.
fn tls_refused(e: &lettre::transport::smtp::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if err.is::<rustls::Error>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                return true;
            }
        }
        next = err.source();
    }
    false
}

#[async_trait]
impl Channel for EmailChannel {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, alert: &Alert) -> Result<(), AlertError> {
        let message = self.message(alert)?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Err(_) => Err(AlertError::Timeout(self.timeout)),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() || e.is_tls() || e.is_client() || tls_refused(&e) => {
                Err(AlertError::Rejected(Box::new(e)))
            }
            Ok(Err(e)) => Err(AlertError::Transport(Box::new(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parapet_core::{Event, Service, Severity};

    fn channel() -> EmailChannel {
        EmailChannel::builder(
            "mail",
            "mail.example",
            "parapet@example.com",
            ["soc@example.com"],
        )
        .build()
        .expect("valid settings")
    }

    #[test]
    fn bad_addresses_are_config_errors() {
        for (from, to) in [
            ("not an address", "soc@example.com"),
            ("a@example.com", "nope"),
        ] {
            let err = EmailChannel::builder("m", "mail.example", from, [to])
                .build()
                .expect_err(from);
            assert!(matches!(err, AlertError::Config { .. }), "{err:?}");
        }
        let none: [&str; 0] = [];
        assert!(
            EmailChannel::builder("m", "mail.example", "a@example.com", none)
                .build()
                .is_err()
        );
    }

    #[test]
    fn hostile_summaries_cannot_add_headers() {
        let e = Event::new(
            Service::Scripts,
            "new-script",
            Severity::High,
            "shop.example",
            "new script\r\nBcc: attacker@evil.example",
        );
        let raw =
            String::from_utf8(channel().message(&Alert::event(e)).unwrap().formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(!head.to_ascii_lowercase().contains("\r\nbcc:"), "{head}");
        assert!(
            head.contains("Subject: Parapet: [high] scripts new-script"),
            "{head}"
        );
    }
}

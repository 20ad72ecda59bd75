#![allow(clippy::unwrap_used)]
//! The email channel against a real SMTP server on loopback: aiosmtpd (installed by the test
//! command), with STARTTLS on a certificate made here, storing what it receives in a Maildir.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use parapet_alerts::{Alert, AlertError, Channel, EmailChannel};
use parapet_core::{Event, Service, Severity};

struct Smtp {
    child: Child,
    port: u16,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts aiosmtpd delivering into `maildir`; with STARTTLS when `tls` holds (cert, key).
fn smtp(maildir: &Path, tls: Option<(&Path, &Path)>) -> Smtp {
    let port = free_port();
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")]);
    if let Some((cert, key)) = tls {
        cmd.arg("--tlscert").arg(cert).arg("--tlskey").arg(key);
    }
    cmd.args(["-c", "aiosmtpd.handlers.Mailbox"]).arg(maildir);
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with aiosmtpd (scripts/test.sh installs it)");
    let server = Smtp { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn certificate(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    (c, k, cert.pem())
}

fn delivered(maildir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

/// A channel to `server` on localhost trusting only `ca_pem`.
fn channel_to(server: &Smtp, ca_pem: String) -> EmailChannel {
    EmailChannel::builder(
        "m",
        "localhost",
        "parapet@edge.example",
        ["soc@corp.example"],
    )
    .port(server.port)
    .ca_pem(ca_pem)
    .timeout(Duration::from_secs(15))
    .build()
    .unwrap()
}

fn skimmer() -> Event {
    Event::new(
        Service::Scripts,
        "script-changed",
        Severity::Critical,
        "https://shop.example/js/modernizr.js",
        "behaviour changed: posts the payment form to baways.example",
    )
    .with_details(serde_json::json!({"new_hosts": ["baways.example"]}))
}

#[tokio::test]
async fn alerts_arrive_by_mail_over_starttls() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, pem) = certificate(dir.path());
    let maildir = dir.path().join("Maildir");
    let server = smtp(&maildir, Some((&cert, &key)));
    let mail = EmailChannel::builder(
        "soc-mail",
        "localhost",
        "Parapet <parapet@edge.example>",
        ["soc@corp.example", "oncall@corp.example"],
    )
    .port(server.port)
    .ca_pem(pem)
    .timeout(Duration::from_secs(15))
    .build()
    .unwrap();
    mail.send(&Alert::event(skimmer())).await.unwrap();

    let got = delivered(&maildir);
    assert_eq!(got.len(), 1, "one mail for both recipients");
    let m = &got[0];
    assert!(
        m.contains("Subject: Parapet: [critical] scripts script-changed"),
        "{m}"
    );
    assert!(
        m.contains("To: soc@corp.example, oncall@corp.example"),
        "{m}"
    );
    assert!(m.contains("Kind: script-changed"), "{m}");
    assert!(
        m.contains("\"baways.example\""),
        "the JSON form is attached: {m}"
    );
}

#[tokio::test]
async fn a_server_without_starttls_gets_nothing_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, pem) = certificate(dir.path());
    let maildir = dir.path().join("Maildir");
    let server = smtp(&maildir, None);
    let mail = channel_to(&server, pem);
    let err = mail.send(&Alert::event(skimmer())).await.unwrap_err();
    assert!(matches!(err, AlertError::Rejected(_)), "{err:?}");
    assert!(!err.is_retryable());
    assert!(delivered(&maildir).is_empty());
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = certificate(dir.path());
    let other = tempfile::tempdir().unwrap();
    let (_, _, other_pem) = certificate(other.path());
    let maildir = dir.path().join("Maildir");
    let server = smtp(&maildir, Some((&cert, &key)));
    let mail = channel_to(&server, other_pem);
    let err = mail.send(&Alert::event(skimmer())).await.unwrap_err();
    assert!(matches!(err, AlertError::Rejected(_)), "{err:?}");
    assert!(delivered(&maildir).is_empty());
}

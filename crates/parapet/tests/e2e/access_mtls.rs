//! Client certificates (mTLS) with real parts: two test CAs and their client certificates
//! made by `rcgen`, a rustls client that records whether the server asked for a
//! certificate, the real `parapet serve`, and nginx as the application, echoing the
//! identity header it received. Two applications, each with its own CA: a certificate
//! counts only for the application whose CA issued it, also on one connection that carries
//! requests for both (HTTP/1.1 with another Host, HTTP/2 coalescing); hosts without a
//! client CA are never asked for one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;

use crate::harness::*;

/// A client certificate resolver that remembers whether the server asked.
#[derive(Debug)]
struct Recorder {
    key: Option<Arc<CertifiedKey>>,
    asked: AtomicBool,
}

impl Recorder {
    fn new(key: Option<Arc<CertifiedKey>>) -> Arc<Recorder> {
        Arc::new(Recorder {
            key,
            asked: AtomicBool::new(false),
        })
    }

    fn asked(&self) -> bool {
        self.asked.load(Ordering::SeqCst)
    }
}

impl ResolvesClientCert for Recorder {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        // Called only when a CertificateRequest arrived.
        self.asked.store(true, Ordering::SeqCst);
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

struct Ca(CertifiedIssuer<'static, KeyPair>);

impl Ca {
    fn new(name: &str) -> Ca {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Ca(CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap())
    }

    /// A client certificate with `cn`, for client authentication.
    fn client(&self, cn: &str) -> (Arc<CertifiedKey>, CertificateDer<'static>) {
        let mut p = CertificateParams::new(vec![format!("{cn}.clients.test")]).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.0).unwrap();
        let der = cert.der().clone();
        let certified = CertifiedKey::from_der(
            vec![der.clone()],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            &rustls::crypto::aws_lc_rs::default_provider(),
        )
        .unwrap();
        (Arc::new(certified), der)
    }
}

struct World {
    parapet: Parapet,
    _nginx: Nginx,
    _dir: tempfile::TempDir,
    alpha: Ca,
    beta: Ca,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (alpha, beta) = (Ca::new("alpha test CA"), Ca::new("beta test CA"));
    let ca_a = dir.path().join("ca-alpha.pem");
    let ca_b = dir.path().join("ca-beta.pem");
    std::fs::write(&ca_a, alpha.0.pem()).unwrap();
    std::fs::write(&ca_b, beta.0.pem()).unwrap();
    let app_port = free_port();
    let nginx = Nginx::start(
        dir.path(),
        vec![NginxServer {
            port: app_port,
            body: r#"location / { return 200 "host=$http_host\njwt=$http_parapet_access_jwt_assertion\n"; }"#
                .into(),
        }],
    );
    let mut config = Config::new(local(app_port));
    config.extra = format!(
        r#"
[[access.apps]]
name = "alpha"
hosts = ["alpha.test"]
client_ca = {ca_a:?}

[[access.apps.policies]]
name = "alpha-services"
action = "service-auth"
include = [{{ client_certificate_cn = ["svc-alpha"] }}]

[[access.apps]]
name = "beta"
hosts = ["beta.test"]
client_ca = {ca_b:?}

[[access.apps.policies]]
name = "beta-devices"
action = "service-auth"
include = [{{ client_certificate = true }}]
require = [{{ ip_ranges = ["127.0.0.0/8"] }}]
"#
    );
    let parapet = Parapet::start(dir.path(), &config);
    World {
        parapet,
        _nginx: nginx,
        _dir: dir,
        alpha,
        beta,
    }
}

fn get_host(host: &str, path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", host)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

/// A TLS connection for `sni` presenting `key` if asked; the recorder says whether it was.
async fn connect(
    w: &World,
    sni: &str,
    key: Option<Arc<CertifiedKey>>,
    alpn: &[u8],
) -> (
    Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, String>,
    Arc<Recorder>,
) {
    let rec = Recorder::new(key);
    let client = TlsClient {
        alpn: vec![alpn.to_vec()],
        ..TlsClient::default()
    };
    let config = tls_config_with_client_auth(client, Some(rec.clone()));
    (try_tls_connect(w.parapet.https(), config, sni).await, rec)
}

/// Several HTTP/1.1 requests, in turn, on one connection.
async fn h1_requests(
    tls: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    reqs: Vec<Request<Full<Bytes>>>,
) -> Result<Vec<(StatusCode, String)>, String> {
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut out = Vec::new();
    for (i, req) in reqs.into_iter().enumerate() {
        // The connection takes the next request only once it is done with the last one.
        sender
            .ready()
            .await
            .map_err(|e| format!("request {i}: {e}"))?;
        let resp = tokio::time::timeout(IO_TIMEOUT, sender.send_request(req))
            .await
            .map_err(|_| format!("request {i}: timeout"))?
            .map_err(|e| format!("request {i}: {e}"))?;
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?;
        out.push((
            status,
            String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        ));
    }
    Ok(out)
}

/// Several HTTP/2 requests on one connection (as a browser coalescing host names would).
async fn h2_requests(
    tls: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    reqs: Vec<Request<Full<Bytes>>>,
) -> Vec<(StatusCode, String)> {
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut out = Vec::new();
    for req in reqs {
        sender.ready().await.unwrap();
        let resp = tokio::time::timeout(IO_TIMEOUT, sender.send_request(req))
            .await
            .unwrap()
            .unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        out.push((status, String::from_utf8_lossy(&body).into_owned()));
    }
    out
}

fn h2_get(authority: &str, path: &str) -> Request<Full<Bytes>> {
    Request::get(format!("https://{authority}{path}"))
        .body(Full::new(Bytes::new()))
        .unwrap()
}

fn line<'a>(body: &'a str, key: &str) -> &'a str {
    body.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key}= in {body}"))
}

/// The identity token's claims, verified against Parapet's published keys.
async fn verify(w: &World, token: &str, aud: &str) -> serde_json::Value {
    let (tls, _) = connect(w, "alpha.test", None, b"http/1.1").await;
    let jwks = h1_requests(
        tls.unwrap(),
        vec![get_host("alpha.test", "/.parapet/access/certs")],
    )
    .await
    .unwrap();
    assert_eq!(jwks[0].0, StatusCode::OK, "{jwks:?}");
    let set: JwkSet = serde_json::from_str(&jwks[0].1).unwrap();
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&[aud]);
    v.set_issuer(&["parapet-access"]);
    let key = DecodingKey::from_jwk(set.find(&kid).expect("published key")).unwrap();
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &v)
        .unwrap()
        .claims
}

fn sha256_hex(der: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_per_application() {
    let w = world();
    let (svc_alpha, svc_alpha_der) = w.alpha.client("svc-alpha");
    let (intruder, _) = w.alpha.client("intruder");
    let (svc_beta, _) = w.beta.client("svc-alpha");

    // Hosts without a client CA are never asked for a certificate, even by a client
    // that holds one; they are served as before.
    for sni in ["localhost", "other.test"] {
        let (tls, rec) = connect(&w, sni, Some(svc_alpha.clone()), b"http/1.1").await;
        let r = h1_requests(tls.unwrap(), vec![get_host(sni, "/")])
            .await
            .unwrap();
        assert!(!rec.asked(), "{sni}: CertificateRequest sent");
        assert_eq!(r[0].0, StatusCode::OK, "{sni}: {r:?}");
    }

    // A protected host asks; without a certificate the policy refuses: 401 JSON.
    let (tls, rec) = connect(&w, "alpha.test", None, b"http/1.1").await;
    let r = h1_requests(tls.unwrap(), vec![get_host("alpha.test", "/data")])
        .await
        .unwrap();
    assert!(rec.asked(), "alpha.test must ask for a client certificate");
    assert_eq!(r[0].0, StatusCode::UNAUTHORIZED, "{r:?}");
    let body: serde_json::Value = serde_json::from_str(&r[0].1).unwrap();
    assert_eq!(body["error"], "sign-in required", "{body}");

    // The right CA and an admitted CN: passes, and the application sees the identity.
    // On the same connection, a request for the other application (Host differing from
    // the SNI) is refused: the certificate is not from beta's CA.
    let (tls, rec) = connect(&w, "alpha.test", Some(svc_alpha.clone()), b"http/1.1").await;
    let r = h1_requests(
        tls.unwrap(),
        vec![
            get_host("alpha.test", "/data"),
            get_host("beta.test", "/data"),
            get_host("alpha.test", "/again"),
        ],
    )
    .await
    .unwrap();
    assert!(rec.asked());
    assert_eq!(r[0].0, StatusCode::OK, "{r:?}");
    assert_eq!(line(&r[0].1, "host"), "alpha.test");
    let claims = verify(&w, line(&r[0].1, "jwt"), "alpha").await;
    assert_eq!(claims["sub"], "svc-alpha", "{claims}");
    assert_eq!(claims["idp"], "mtls", "{claims}");
    assert_eq!(claims["amr"], serde_json::json!(["mtls"]), "{claims}");
    assert_eq!(claims["cert_cn"], "svc-alpha", "{claims}");
    assert_eq!(
        claims["cert_sha256"],
        sha256_hex(svc_alpha_der.as_ref()),
        "{claims}"
    );
    assert_eq!(
        r[1].0,
        StatusCode::UNAUTHORIZED,
        "beta with alpha's cert: {r:?}"
    );
    assert_eq!(r[2].0, StatusCode::OK, "{r:?}");

    // The same over HTTP/2, where a browser may coalesce both host names on one
    // connection.
    let (tls, _) = connect(&w, "alpha.test", Some(svc_alpha.clone()), b"h2").await;
    let r = h2_requests(
        tls.unwrap(),
        vec![h2_get("alpha.test", "/h2"), h2_get("beta.test", "/h2")],
    )
    .await;
    assert_eq!(r[0].0, StatusCode::OK, "{r:?}");
    assert_eq!(r[1].0, StatusCode::UNAUTHORIZED, "{r:?}");

    // The right CA, a CN the policy does not name: refused.
    let (tls, _) = connect(&w, "alpha.test", Some(intruder), b"http/1.1").await;
    let r = h1_requests(tls.unwrap(), vec![get_host("alpha.test", "/data")])
        .await
        .unwrap();
    assert_eq!(r[0].0, StatusCode::UNAUTHORIZED, "{r:?}");

    // A certificate from another CA: the handshake fails (TLS 1.3 reports it after the
    // client's Finished, so the first request fails at the latest).
    let (tls, rec) = connect(&w, "alpha.test", Some(svc_beta.clone()), b"http/1.1").await;
    assert!(rec.asked());
    let refused = match tls {
        Err(_) => true,
        Ok(tls) => h1_requests(tls, vec![get_host("alpha.test", "/data")])
            .await
            .map_or(true, |r| r[0].0 != StatusCode::OK),
    };
    assert!(
        refused,
        "a certificate from beta's CA was accepted on alpha"
    );

    // Beta's own certificate works on beta, and not for alpha on that connection.
    let (tls, _) = connect(&w, "beta.test", Some(svc_beta), b"http/1.1").await;
    let r = h1_requests(
        tls.unwrap(),
        vec![get_host("beta.test", "/b"), get_host("alpha.test", "/b")],
    )
    .await
    .unwrap();
    assert_eq!(r[0].0, StatusCode::OK, "{r:?}");
    let claims = verify(&w, line(&r[0].1, "jwt"), "beta").await;
    assert_eq!(claims["cert_cn"], "svc-alpha", "{claims}");
    assert_eq!(r[1].0, StatusCode::UNAUTHORIZED, "{r:?}");

    // A plain-host connection that claims a protected Host carries no certificate.
    let (tls, rec) = connect(&w, "localhost", Some(svc_alpha), b"http/1.1").await;
    let r = h1_requests(tls.unwrap(), vec![get_host("alpha.test", "/data")])
        .await
        .unwrap();
    assert!(!rec.asked());
    assert_eq!(r[0].0, StatusCode::UNAUTHORIZED, "{r:?}");
}

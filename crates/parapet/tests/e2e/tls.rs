//! TLS on the https listener: post-quantum key agreement preferred, classical
//! clients and TLS 1.2 still served, HTTP/2 by ALPN.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::crypto::aws_lc_rs::kx_group;
use rustls::{NamedGroup, ProtocolVersion};

use crate::harness::{get, send_on, tls_config, tls_connect, Env, TlsClient, IO_TIMEOUT};

/// Connects with `client`, checks the group and version negotiated, and proves
/// the connection carries a proxied request.
async fn handshake_and_request(
    env: &Env,
    client: TlsClient,
    groups: &[NamedGroup],
    version: ProtocolVersion,
) {
    let tls = tls_connect(env.parapet.https(), tls_config(client)).await;
    let (_, conn) = tls.get_ref();
    let group = conn.negotiated_key_exchange_group().map(|g| g.name());
    assert!(
        group.is_some_and(|g| groups.contains(&g)),
        "key exchange group: got {group:?}, expected one of {groups:?}"
    );
    assert_eq!(conn.protocol_version(), Some(version), "TLS version");
    let resp = send_on(tls, get("/over-tls")).await.unwrap();
    assert_eq!(resp.status, StatusCode::OK, "{resp:?}");
    assert_eq!(resp.echo().get("xfp"), "https");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_quantum_group_is_negotiated() {
    let env = Env::start();
    // A modern client offers X25519MLKEM768 first (with an X25519 share beside
    // it, as browsers do): the server must pick the hybrid.
    handshake_and_request(
        &env,
        TlsClient::default(),
        &[NamedGroup::X25519MLKEM768],
        ProtocolVersion::TLSv1_3,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classical_clients_still_connect() {
    let env = Env::start();
    let x25519 = TlsClient {
        groups: vec![kx_group::X25519],
        ..TlsClient::default()
    };
    handshake_and_request(
        &env,
        x25519,
        &[NamedGroup::X25519],
        ProtocolVersion::TLSv1_3,
    )
    .await;
    let p256 = TlsClient {
        groups: vec![kx_group::SECP256R1],
        ..TlsClient::default()
    };
    handshake_and_request(
        &env,
        p256,
        &[NamedGroup::secp256r1],
        ProtocolVersion::TLSv1_3,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_client_connects() {
    let env = Env::start();
    // ML-KEM hybrids are TLS 1.3 only: a TLS 1.2 client gets a classical group.
    let client = TlsClient {
        versions: vec![&rustls::version::TLS12],
        ..TlsClient::default()
    };
    handshake_and_request(
        &env,
        client,
        &[NamedGroup::X25519, NamedGroup::secp256r1],
        ProtocolVersion::TLSv1_2,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_is_negotiated_by_alpn() {
    let env = Env::start();
    let client = TlsClient {
        alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        ..TlsClient::default()
    };
    let tls = tls_connect(env.parapet.https(), tls_config(client)).await;
    assert_eq!(
        tls.get_ref().1.alpn_protocol(),
        Some(&b"h2"[..]),
        "ALPN must select h2"
    );
    assert_eq!(
        tls.get_ref()
            .1
            .negotiated_key_exchange_group()
            .map(|g| g.name()),
        Some(NamedGroup::X25519MLKEM768)
    );

    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .expect("HTTP/2 handshake");
    tokio::spawn(conn);

    // Several streams at once on the one connection.
    let mut tasks = Vec::new();
    for i in 0..4 {
        let mut sender = sender.clone();
        tasks.push(tokio::spawn(async move {
            let req = Request::get(format!("https://localhost/h2/{i}"))
                .body(Full::new(Bytes::new()))
                .unwrap();
            let resp = tokio::time::timeout(IO_TIMEOUT, sender.send_request(req))
                .await
                .expect("h2 response in time")
                .expect("h2 response");
            let status = resp.status();
            let version = resp.version();
            let rid = resp
                .headers()
                .get("x-request-id")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            (i, status, version, rid, body)
        }));
    }
    for task in tasks {
        let (i, status, version, rid, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(version, Version::HTTP_2);
        let echo = crate::harness::Echo::parse(&body);
        assert_eq!(echo.get("path"), format!("/h2/{i}"));
        assert_eq!(echo.get("xfp"), "https");
        assert_eq!(
            echo.get("xfh"),
            "localhost",
            "X-Forwarded-Host from the h2 :authority"
        );
        assert_eq!(rid.as_deref(), Some(echo.get("rid")));
    }
}

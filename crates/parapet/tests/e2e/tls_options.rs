//! TLS options an operator sets: post-quantum only, certificates chosen by
//! SNI from PEM files, and session resumption.

use rustls::crypto::aws_lc_rs::kx_group;
use rustls::NamedGroup;

use crate::harness::{get, send_on, tls_config, try_tls_connect, Env, TlsClient};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_post_quantum_refuses_classical_clients() {
    let env = Env::start_with(|mut c| {
        c.tls = "require_post_quantum = true".into();
        c
    });
    let classical = TlsClient {
        groups: vec![kx_group::X25519, kx_group::SECP256R1],
        ..TlsClient::default()
    };
    let refused = try_tls_connect(env.parapet.https(), tls_config(classical), "localhost").await;
    assert!(
        refused.is_err(),
        "a client without X25519MLKEM768 must fail the handshake"
    );

    let tls = try_tls_connect(
        env.parapet.https(),
        tls_config(TlsClient::default()),
        "localhost",
    )
    .await
    .unwrap();
    let group = tls
        .get_ref()
        .1
        .negotiated_key_exchange_group()
        .map(|g| g.name());
    assert_eq!(group, Some(NamedGroup::X25519MLKEM768));
    let resp = send_on(tls, get("/pq-only")).await.unwrap();
    assert_eq!(resp.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_are_chosen_by_sni() {
    let certs = tempfile::tempdir().unwrap();
    let mut ders = Vec::new();
    let mut toml = String::new();
    for name in ["shop.test", "*.api.test"] {
        let c = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        let file = name.replace('*', "star");
        let (cert, key) = (
            certs.path().join(format!("{file}.pem")),
            certs.path().join(format!("{file}.key")),
        );
        std::fs::write(&cert, c.cert.pem()).unwrap();
        std::fs::write(&key, c.signing_key.serialize_pem()).unwrap();
        toml.push_str(&format!(
            "[[tls.certificates]]\ncert = {:?}\nkey = {:?}\n",
            cert.display().to_string(),
            key.display().to_string()
        ));
        ders.push(c.cert.der().to_vec());
    }
    let env = Env::start_with(|mut c| {
        c.tls = toml;
        c
    });
    let served = |sni: &'static str| {
        let addr = env.parapet.https();
        async move {
            let tls = try_tls_connect(addr, tls_config(TlsClient::default()), sni)
                .await
                .unwrap();
            tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
        }
    };
    assert_eq!(served("shop.test").await, ders[0], "exact name");
    assert_eq!(served("v2.api.test").await, ders[1], "wildcard name");
    assert_eq!(
        served("unknown.test").await,
        ders[0],
        "no match: the first certificate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_resume() {
    let env = Env::start();
    // One client config keeps the session tickets between connections.
    let config = tls_config(TlsClient::default());
    let first = try_tls_connect(env.parapet.https(), config.clone(), "localhost")
        .await
        .unwrap();
    assert_eq!(
        first.get_ref().1.handshake_kind(),
        Some(rustls::HandshakeKind::Full)
    );
    // A request makes the client read the tickets the server sent after the handshake.
    assert_eq!(send_on(first, get("/first")).await.unwrap().status, 200);
    let second = try_tls_connect(env.parapet.https(), config, "localhost")
        .await
        .unwrap();
    assert_eq!(
        second.get_ref().1.handshake_kind(),
        Some(rustls::HandshakeKind::Resumed)
    );
    assert_eq!(send_on(second, get("/second")).await.unwrap().status, 200);
}

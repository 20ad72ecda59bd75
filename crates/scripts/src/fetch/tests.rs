//! The fetcher against real servers on loopback: forbidden targets (by address, by name,
//! by redirect), the allow-list, the caps, DNS rebinding, TLS with a configured root.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use http::Response;
use http_body_util::Full;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

#[test]
fn addresses_are_classified() {
    use Forbidden::*;
    let cases = [
        ("127.0.0.1", Loopback),
        ("127.255.0.9", Loopback),
        ("10.1.2.3", Private),
        ("172.16.0.1", Private),
        ("172.31.255.255", Private),
        ("192.168.1.1", Private),
        ("100.64.0.1", SharedAddressSpace),
        ("100.127.255.254", SharedAddressSpace),
        ("169.254.169.254", Metadata),
        ("169.254.170.2", Metadata),
        ("100.100.100.200", Metadata),
        ("168.63.129.16", Metadata),
        ("169.254.1.1", LinkLocal),
        ("0.0.0.0", Unspecified),
        ("0.1.2.3", Unspecified),
        ("224.0.0.1", Multicast),
        ("239.255.255.250", Multicast),
        ("255.255.255.255", Broadcast),
        ("240.0.0.1", Reserved),
        ("192.0.2.10", Documentation),
        ("198.51.100.1", Documentation),
        ("203.0.113.5", Documentation),
        ("198.18.0.1", Documentation),
        ("::", Unspecified),
        ("::1", Loopback),
        ("fd00:ec2::254", Metadata),
        ("fc00::1", Private),
        ("fd12:3456::1", Private),
        ("fe80::1", LinkLocal),
        ("fec0::1", LinkLocal),
        ("ff02::1", Multicast),
        ("2001:db8::1", Documentation),
        ("2001::1", Reserved),
        ("64:ff9b:1::a00:1", Private),
        // IPv4 in IPv6 clothing.
        ("::ffff:127.0.0.1", Loopback),
        ("::ffff:169.254.169.254", Metadata),
        ("::ffff:10.0.0.1", Private),
        ("::127.0.0.1", Loopback),
        ("64:ff9b::a9fe:a9fe", Metadata),
        ("64:ff9b::7f00:1", Loopback),
        ("2002:7f00:1::", Loopback),
        ("2002:a9fe:a9fe::1", Metadata),
    ];
    for (addr, want) in cases {
        assert_eq!(forbidden(ip(addr)), Some(want), "{addr}");
    }
    for public in [
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.32.0.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ] {
        assert_eq!(forbidden(ip(public)), None, "{public}");
    }
}

#[test]
fn the_allow_list_opens_what_it_names_and_nothing_else() {
    let loopback = [net("127.0.0.0/8")];
    assert_eq!(check_address(ip("127.0.0.1"), &loopback), Ok(()));
    assert_eq!(check_address(ip("127.9.9.9"), &loopback), Ok(()));
    assert_eq!(
        check_address(ip("::ffff:127.0.0.1"), &loopback),
        Ok(()),
        "the same address in another form"
    );
    assert_eq!(
        check_address(ip("::1"), &loopback),
        Err(Forbidden::Loopback)
    );
    assert_eq!(
        check_address(ip("10.0.0.1"), &loopback),
        Err(Forbidden::Private)
    );
    assert_eq!(check_address(ip("8.8.8.8"), &[]), Ok(()));
    // A link-local appliance allowed does not open the metadata service...
    let link = [net("169.254.0.0/16")];
    assert_eq!(check_address(ip("169.254.10.1"), &link), Ok(()));
    assert_eq!(
        check_address(ip("169.254.169.254"), &link),
        Err(Forbidden::Metadata)
    );
    // ...naming it does.
    let metadata = [net("169.254.169.254/32")];
    assert_eq!(check_address(ip("169.254.169.254"), &metadata), Ok(()));
}

#[test]
fn browser_hashes_are_sha256_base64() {
    // `printf 'alert(1)' | openssl dgst -sha256 -binary | base64`
    assert_eq!(
        browser_hash(b"alert(1)"),
        "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="
    );
    assert_eq!(
        sha256_hex(b"alert(1)"),
        "6e11c72f7cf6bc383152dd16ddd5903aba6bb1c99d6b6639a4bb0b838185fa92"
    );
}

#[test]
fn reported_hashes_are_compared_in_every_spelling_browsers_use() {
    let body = b"alert(1)";
    let standard = "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=";
    assert_eq!(canonical_hash(standard).as_deref(), Some(standard));
    for spelling in [
        standard,
        "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI",
        "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF-pI=",
    ] {
        assert_eq!(
            canonical_hash(spelling).as_deref(),
            Some(standard),
            "{spelling}"
        );
        assert!(body_matches(body, spelling), "{spelling}");
    }
    assert!(!body_matches(b"alert(2)", standard));
    // Other algorithms browsers may use, computed over the same bytes.
    let sha384 = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(body))
    );
    assert!(body_matches(body, &sha384));
    assert!(!body_matches(body, "sha256-AAAA"), "too short");
    assert_eq!(canonical_hash("md5-bhHHL3z2vDgx"), None);
    assert_eq!(canonical_hash("sha256-not base64!"), None);
}

// ---------------------------------------------------------------- servers on loopback

/// An HTTP server on 127.0.0.1 with the routes the tests need; counts connections.
struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    /// Request heads seen, for header checks.
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn respond(req: &Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let redirect = |to: String| {
        Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, to)
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    if path == "/redirect" {
        let to = query.strip_prefix("to=").unwrap_or_default();
        return redirect(to.replace("%3A", ":").replace("%2F", "/"));
    }
    if let Some(n) = path.strip_prefix("/hops/") {
        let n: usize = n.parse().unwrap();
        return if n == 0 {
            Response::new(Full::new(Bytes::from_static(b"arrived")))
        } else {
            redirect(format!("/hops/{}", n - 1))
        };
    }
    match path {
        "/loop" => redirect("/loop".into()),
        "/big" => Response::new(Full::new(Bytes::from(vec![b'a'; MAX_BODY_BYTES + 1]))),
        "/gone.js" => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"no")))
            .unwrap(),
        _ => Response::builder()
            .header(header::CONTENT_TYPE, "application/javascript")
            .header(header::ETAG, "\"v1\"")
            .header(header::CACHE_CONTROL, "max-age=60")
            .header(header::LAST_MODIFIED, "Mon, 23 Nov 2026 08:00:00 GMT")
            .body(Full::new(Bytes::from_static(b"window.ok = 1;\n")))
            .unwrap(),
    }
}

async fn server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (count, log) = (connections.clone(), seen.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let log = log.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    log.lock().unwrap().push(req.headers().clone());
                    let r = respond(&req);
                    async move {
                        if req.uri().path() == "/slow" {
                            tokio::time::sleep(Duration::from_secs(5)).await;
                        }
                        Ok::<_, Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server {
        addr,
        connections,
        seen,
    }
}

/// Names the tests resolve without DNS; anything else goes to the system resolver.
struct Names(HashMap<&'static str, Vec<IpAddr>>);

impl Resolve for Names {
    fn resolve(&self, host: &str) -> ResolveFuture {
        match self.0.get(host) {
            Some(addrs) => {
                let addrs = addrs.clone();
                Box::pin(async move { Ok(addrs) })
            }
            None => SystemResolver.resolve(host),
        }
    }
}

fn names() -> Arc<Names> {
    Arc::new(Names(HashMap::from([
        ("metadata.attacker.net", vec![ip("169.254.169.254")]),
        ("internal.attacker.net", vec![ip("10.0.0.7")]),
        ("ula.attacker.net", vec![ip("fd00::7"), ip("192.168.0.7")]),
        ("mapped.attacker.net", vec![ip("::ffff:127.0.0.1")]),
        ("loopback.attacker.net", vec![ip("127.0.0.1")]),
    ])))
}

fn fetcher(allow: &[&str]) -> Fetcher {
    let mut o = FetchOptions {
        allow: allow.iter().map(|a| net(a)).collect(),
        ..FetchOptions::default()
    };
    o.resolver = names();
    o.timeout = Duration::from_secs(10);
    Fetcher::new(o).unwrap()
}

/// The refusal for `url`, asserting that it is one.
async fn refusal(f: &Fetcher, url: &str) -> (Forbidden, String) {
    match f.fetch(url, None).await {
        Err(e @ FetchError::Forbidden { why, .. }) => (why, e.to_string()),
        other => panic!("{url}: expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn forbidden_targets_are_refused_by_address_and_by_name() {
    let s = server().await;
    let f = fetcher(&[]);
    let port = s.addr.port();
    use Forbidden::*;
    let targets: Vec<(String, Forbidden)> = vec![
        // The test server itself: loopback is off limits without an allow-list.
        (s.url("/ok.js"), Loopback),
        (format!("http://localhost:{port}/ok.js"), Loopback),
        (format!("http://[::1]:{port}/"), Loopback),
        (format!("http://[::ffff:127.0.0.1]:{port}/"), Loopback),
        // Other spellings of 127.0.0.1 that URL parsers accept.
        (format!("http://2130706433:{port}/"), Loopback),
        (format!("http://0x7f.1:{port}/"), Loopback),
        (format!("http://017700000001:{port}/"), Loopback),
        ("http://169.254.169.254/latest/meta-data/".into(), Metadata),
        ("http://[fd00:ec2::254]/latest/meta-data/".into(), Metadata),
        ("http://[::ffff:a9fe:a9fe]/".into(), Metadata),
        ("http://[64:ff9b::a9fe:a9fe]/".into(), Metadata),
        ("http://100.100.100.200/".into(), Metadata),
        ("http://10.0.0.1/".into(), Private),
        ("http://172.20.0.1/".into(), Private),
        ("http://192.168.0.1/".into(), Private),
        ("http://[fc00::1]/".into(), Private),
        ("http://100.64.1.1/".into(), SharedAddressSpace),
        ("http://169.254.3.4/".into(), LinkLocal),
        ("http://[fe80::1]/".into(), LinkLocal),
        ("http://0.0.0.0/".into(), Unspecified),
        ("http://[::]/".into(), Unspecified),
        ("http://224.0.0.251/".into(), Multicast),
        ("http://[ff02::1]/".into(), Multicast),
        ("http://255.255.255.255/".into(), Broadcast),
        ("http://192.0.2.1/".into(), Documentation),
        ("http://[2001:db8::1]/".into(), Documentation),
        // By name.
        (
            "http://metadata.attacker.net/latest/meta-data/".into(),
            Metadata,
        ),
        ("http://internal.attacker.net/".into(), Private),
        ("https://ula.attacker.net/".into(), Private),
        (format!("http://mapped.attacker.net:{port}/"), Loopback),
        (format!("http://loopback.attacker.net:{port}/"), Loopback),
    ];
    for (url, want) in &targets {
        let (why, message) = refusal(&f, url).await;
        assert_eq!(why, *want, "{url}: {message}");
        assert!(
            message.contains(&why.to_string()) && message.contains("not fetched"),
            "a clear reason: {message}"
        );
    }
    assert_eq!(
        s.connections.load(Ordering::SeqCst),
        0,
        "nothing refused was connected to"
    );
    // Names that are never public are refused before any resolver is asked.
    for host in [
        "printer.local",
        "db.internal",
        "cdn.example",
        "x.invalid",
        "a.test",
        "app.localhost",
        "hidden.onion",
    ] {
        let e = f
            .fetch(&format!("http://{host}/x.js"), None)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::ForbiddenName { .. }), "{host}: {e}");
        assert!(e.to_string().contains("special-use name"), "{e}");
    }
    assert!(!special_use_name("example.com") && !special_use_name("notexample"));
    // Not HTTP at all, or with credentials.
    for url in [
        "file:///etc/passwd",
        "gopher://example.com/",
        "ftp://x.example/",
    ] {
        let e = f.fetch(url, None).await.unwrap_err();
        assert!(matches!(e, FetchError::Scheme { .. }), "{url}: {e}");
    }
    let e = f
        .fetch("http://user:pw@example.com/a.js", None)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Credentials), "{e}");
    let e = f.fetch("not a url", None).await.unwrap_err();
    assert_eq!(e.reason(), "invalid_url");
}

#[tokio::test]
async fn redirects_to_forbidden_targets_are_refused() {
    let s = server().await;
    // Loopback allowed (the server lives there); nothing else private is.
    let f = fetcher(&["127.0.0.0/8"]);
    use Forbidden::*;
    let port = s.addr.port();
    for (to, want) in [
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            Metadata,
        ),
        ("http://metadata.attacker.net/".to_owned(), Metadata),
        ("http://[fd00:ec2::254]/".to_owned(), Metadata),
        ("http://10.0.0.1/admin".to_owned(), Private),
        ("http://internal.attacker.net/".to_owned(), Private),
        (format!("http://[::1]:{port}/ok.js"), Loopback),
        ("http://[::ffff:192.168.1.1]/".to_owned(), Private),
    ] {
        let url = s.url(&format!("/redirect?to={to}"));
        let (why, message) = refusal(&f, &url).await;
        assert_eq!(why, want, "{url}: {message}");
    }
    let e = f
        .fetch(&s.url("/redirect?to=file:///etc/passwd"), None)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Scheme { .. }), "{e}");
    // The allowed hop itself was made each time.
    assert!(s.connections.load(Ordering::SeqCst) >= 8);
}

#[tokio::test]
async fn an_allowed_fetch_looks_like_a_browser_loading_a_script() {
    let s = server().await;
    let f = fetcher(&["127.0.0.0/8"]);
    let page = "http://shop.example/checkout.html";
    let got = f.fetch(&s.url("/js/app.js"), Some(page)).await.unwrap();
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(&got.body[..], b"window.ok = 1;\n");
    assert_eq!(got.address, s.addr);
    assert_eq!(got.sha256_hex(), sha256_hex(b"window.ok = 1;\n"));
    assert!(got.browser_hash().starts_with("sha256-"));
    assert_eq!(
        got.headers,
        KeptHeaders {
            content_type: Some("application/javascript".into()),
            etag: Some("\"v1\"".into()),
            last_modified: Some("Mon, 23 Nov 2026 08:00:00 GMT".into()),
            cache_control: Some("max-age=60".into()),
        }
    );
    let head = s.seen.lock().unwrap().last().cloned().unwrap();
    let h = |name: &str| head.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(h("user-agent").starts_with("Mozilla/5.0"), "{head:?}");
    assert!(h("user-agent").contains("Chrome/"), "{head:?}");
    assert_eq!(h("referer"), page);
    assert_eq!(h("sec-fetch-dest"), "script");
    assert_eq!(h("sec-fetch-site"), "cross-site");
    assert_eq!(h("accept-encoding"), "identity");
    assert_eq!(h("host"), s.addr.to_string());

    // A name in the allowed range is fine too, and an error status is an answer.
    let got = f
        .fetch(
            &format!("http://loopback.attacker.net:{}/gone.js", s.addr.port()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(got.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn redirects_bodies_and_time_are_capped() {
    let s = server().await;
    let mut o = FetchOptions {
        allow: vec![net("127.0.0.0/8")],
        ..FetchOptions::default()
    };
    o.timeout = Duration::from_millis(500);
    let f = Fetcher::new(o).unwrap();
    let ok = f.fetch(&s.url("/hops/5"), None).await.unwrap();
    assert_eq!(&ok.body[..], b"arrived");
    assert_eq!(ok.redirects.len(), 5);
    assert!(ok.final_url.ends_with("/hops/0"), "{}", ok.final_url);
    let e = f.fetch(&s.url("/hops/6"), None).await.unwrap_err();
    assert!(matches!(e, FetchError::TooManyRedirects { max: 5 }), "{e}");
    let e = f.fetch(&s.url("/loop"), None).await.unwrap_err();
    assert!(matches!(e, FetchError::TooManyRedirects { .. }), "{e}");
    let e = f.fetch(&s.url("/big"), None).await.unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
    let e = f.fetch(&s.url("/slow"), None).await.unwrap_err();
    assert!(matches!(e, FetchError::Timeout { .. }), "{e}");

    // A body with no declared length is cut at the cap as it streams.
    let raw = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let raw_addr = raw.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = raw.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
            .await;
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..(MAX_BODY_BYTES / chunk.len() + 2) {
            if stream.write_all(&chunk).await.is_err() {
                return;
            }
        }
    });
    let o = FetchOptions {
        allow: vec![net("127.0.0.0/8")],
        ..FetchOptions::default()
    };
    let f = Fetcher::new(o).unwrap();
    let e = f
        .fetch(&format!("http://{raw_addr}/stream.js"), None)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
}

/// A server on 127.0.0.1 that answers every connection with `bytes`, then closes.
async fn raw_server(bytes: Vec<u8>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let bytes = bytes.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn hostile_answers_are_errors_not_panics() {
    let f = fetcher(&["127.0.0.0/8"]);
    let mut huge_head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..5_000 {
        huge_head.extend_from_slice(format!("x-filler-{i}: {}\r\n", "a".repeat(20)).as_bytes());
    }
    huge_head.extend_from_slice(b"\r\n");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"\x00\x01 not http at all\r\n\r\n".to_vec()),
        ("empty", Vec::new()),
        ("head larger than 64 KiB", huge_head),
        (
            "body shorter than declared",
            b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort".to_vec(),
        ),
        (
            "bad chunking",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n".to_vec(),
        ),
        (
            "redirect without a usable location",
            b"HTTP/1.1 302 Found\r\nlocation: http://[::1\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        let addr = raw_server(bytes).await;
        let e = f
            .fetch(&format!("http://{addr}/x.js"), None)
            .await
            .expect_err(what);
        assert!(
            matches!(e, FetchError::Http { .. } | FetchError::BadRedirect { .. }),
            "{what}: {e:?}"
        );
    }
}

/// First answer allowed, every later one forbidden: what a rebinding attacker's DNS does.
struct Rebinding(AtomicUsize);

impl Resolve for Rebinding {
    fn resolve(&self, _host: &str) -> ResolveFuture {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            Ok(vec![if n == 0 {
                ip("127.0.0.1")
            } else {
                ip("10.0.0.1")
            }])
        })
    }
}

#[tokio::test]
async fn the_checked_address_is_the_one_connected_to() {
    let s = server().await;
    let resolver = Arc::new(Rebinding(AtomicUsize::new(0)));
    let mut o = FetchOptions {
        allow: vec![net("127.0.0.0/8")],
        ..FetchOptions::default()
    };
    o.resolver = resolver.clone();
    let f = Fetcher::new(o).unwrap();
    let url = format!("http://rebind.attacker.net:{}/a.js", s.addr.port());
    let got = f.fetch(&url, None).await.unwrap();
    assert_eq!(got.address, s.addr);
    assert_eq!(resolver.0.load(Ordering::SeqCst), 1, "resolved once");
    // The next answer points inside: refused, never connected.
    let before = s.connections.load(Ordering::SeqCst);
    let (why, _) = refusal(&f, &url).await;
    assert_eq!(why, Forbidden::Private);
    assert_eq!(s.connections.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn https_with_a_configured_root() {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = generated.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        generated.signing_key.serialize_der(),
    ));
    let server_config =
        rustls::ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(|req| {
                    let r = respond(&req);
                    async move { Ok::<_, Infallible>(r) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    let url = format!("https://localhost:{port}/js/app.js");
    // Without the root the certificate is not trusted.
    let e = fetcher(&["127.0.0.0/8"])
        .fetch(&url, None)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Tls { .. }), "{e}");
    let mut o = FetchOptions {
        allow: vec![net("127.0.0.0/8")],
        ..FetchOptions::default()
    };
    o.extra_roots = vec![cert];
    let got = Fetcher::new(o).unwrap().fetch(&url, None).await.unwrap();
    assert_eq!(&got.body[..], b"window.ok = 1;\n");
}

mod props {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// An IPv4 host is judged the same in every IPv6 form that reaches it.
        #[test]
        fn ipv4_in_ipv6_clothing_is_judged_alike(v4 in any::<[u8; 4]>()) {
            let a = Ipv4Addr::from(v4);
            let want = forbidden(IpAddr::V4(a));
            prop_assert_eq!(forbidden(IpAddr::V6(a.to_ipv6_mapped())), want);
            let nat64 = Ipv6Addr::from(0x0064_ff9b_u128 << 96 | u128::from(u32::from(a)));
            prop_assert_eq!(forbidden(IpAddr::V6(nat64)), want);
            let six_to_four = Ipv6Addr::from(0x2002_u128 << 112 | u128::from(u32::from(a)) << 80);
            prop_assert_eq!(forbidden(IpAddr::V6(six_to_four)), want);
        }

        /// Without an allow-list, permitted means exactly "not forbidden"; an allow-list
        /// entry for the address itself permits it unless it is a metadata host (which
        /// needs a host entry, and this is one).
        #[test]
        fn the_allow_list_and_the_policy_agree(v6 in any::<[u8; 16]>(), v4 in any::<[u8; 4]>()) {
            for ip in [IpAddr::V6(Ipv6Addr::from(v6)), IpAddr::V4(Ipv4Addr::from(v4))] {
                prop_assert_eq!(check_address(ip, &[]).is_ok(), forbidden(ip).is_none());
                prop_assert!(check_address(ip, &[IpNet::from(ip)]).is_ok());
            }
        }

        /// Every spelling browsers may use of one digest canonicalises to the same text,
        /// and canonical text stays as it is.
        #[test]
        fn hash_spellings_converge(digest in any::<[u8; 32]>()) {
            let want = format!("sha256-{}", STANDARD.encode(digest));
            for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                let spelled = format!("sha256-{}", engine.encode(digest));
                prop_assert_eq!(canonical_hash(&spelled), Some(want.clone()));
            }
            prop_assert_eq!(canonical_hash(&want), Some(want.clone()));
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,200}") {
            let _ = special_use_name(&s);
            if let Some(c) = canonical_hash(&s) {
                prop_assert_eq!(canonical_hash(&c), Some(c.clone()));
            }
        }
    }
}

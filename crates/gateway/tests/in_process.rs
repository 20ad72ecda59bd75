//! The gateway run in-process against peers started by the test: upstream
//! TLS (post-quantum, HTTP/2 by ALPN), the module phases, load balancing and
//! passive health. The end-to-end tests of the binary with real nginx live in
//! `crates/parapet/tests`.

#![allow(clippy::unwrap_used)] // test helpers: a failed setup should stop the test

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use parapet_config::Config;
use parapet_gateway::{Gateway, HttpModule, RequestCtx};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A test CA and a certificate for `localhost` it signed; returns the CA PEM
/// path and the server's rustls config.
fn test_pki(dir: &Path) -> (std::path::PathBuf, rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
        )
        .unwrap();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (ca_path, cfg)
}

/// An HTTPS upstream that answers with the key-exchange group and HTTP
/// version it negotiated with Parapet.
async fn tls_upstream(cfg: rustls::ServerConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let group = format!(
                    "{:?}",
                    tls.get_ref()
                        .1
                        .negotiated_key_exchange_group()
                        .map(|g| g.name())
                );
                let svc = service_fn(move |req: Request<Incoming>| {
                    let body = format!("group={group} version={:?}", req.version());
                    async move { Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(body)))) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    addr
}

/// One site for any host, routing everything to the upstream `pool` with
/// `servers`; `upstream_keys` go into that upstream's table.
fn one_pool(servers: &[SocketAddr], upstream_keys: &str) -> String {
    let list: Vec<String> = servers.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "[[sites]]\nname = \"app\"\nhosts = [\"*\"]\n[[sites.routes]]\nupstream = \"pool\"\n[[upstreams]]\nname = \"pool\"\nservers = [{}]\n{upstream_keys}",
        list.join(", ")
    )
}

/// A plain HTTP upstream that answers with its own name.
async fn named_upstream(name: &'static str, hits: Arc<AtomicUsize>) -> SocketAddr {
    counting_upstream(name, hits, Arc::new(AtomicUsize::new(0))).await
}

/// The same, also counting the connections it accepts.
async fn counting_upstream(
    name: &'static str,
    hits: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
) -> SocketAddr {
    upstream(accepted, move |_, _| {
        hits.fetch_add(1, Ordering::Relaxed);
        Response::new(Full::new(Bytes::from(name)))
    })
    .await
}

/// A plain HTTP/1.1 upstream on a free port: `answer` makes each response
/// from the request and the client's address; `accepted` counts connections.
async fn upstream<F>(accepted: Arc<AtomicUsize>, answer: F) -> SocketAddr
where
    F: Fn(&Request<Incoming>, SocketAddr) -> Response<Full<Bytes>> + Clone + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, peer)) = listener.accept().await else {
                return;
            };
            accepted.fetch_add(1, Ordering::Relaxed);
            let answer = answer.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let resp = answer(&req, peer);
                    async move { Ok::<_, hyper::Error>(resp) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    addr
}

struct Running {
    port: u16,
    stop: CancellationToken,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn start(toml: &str, dir: &Path, modules: Vec<Arc<dyn HttpModule>>) -> Running {
    let port = free_port();
    let text = format!(
        "[server]\nstate_dir = \"{}\"\n[log]\naccess_log = false\n[[listeners]]\nname = \"http\"\nlisten = \"127.0.0.1:{port}\"\n{toml}",
        dir.join("state").display()
    );
    let config = Config::from_str(&text, &dir.join("parapet.toml")).unwrap();
    let gateway = Gateway::bind(&config, modules).unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(gateway.run(stop.clone()));
    Running { port, stop }
}

async fn get(port: u16, path: &str) -> (StatusCode, http::HeaderMap, String) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = Request::get(path)
        .header("host", "app.test")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_tls_is_post_quantum_and_speaks_h2_by_alpn() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, server_cfg) = test_pki(dir.path());
    let up = tls_upstream(server_cfg).await;
    let gw = start(
        &format!(
            r#"
[[sites]]
name = "app"
hosts = ["*"]
[[sites.routes]]
path = "/h1"
upstream = "tls-h1"
[[sites.routes]]
path = "/h2"
upstream = "tls-h2"
[[upstreams]]
name = "tls-h1"
servers = ["{up}"]
[upstreams.tls]
ca = "{ca}"
server_name = "localhost"
[[upstreams]]
name = "tls-h2"
servers = ["{up}"]
protocol = "h2"
[upstreams.tls]
ca = "{ca}"
server_name = "localhost"
require_post_quantum = true
"#,
            ca = ca.display()
        ),
        dir.path(),
        Vec::new(),
    );
    let (status, _, body) = get(gw.port, "/h1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("X25519MLKEM768"), "{body}");
    assert!(body.contains("HTTP/1.1"), "{body}");
    let (status, _, body) = get(gw.port, "/h2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("X25519MLKEM768"), "{body}");
    assert!(body.contains("HTTP/2.0"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_tls_with_an_unknown_ca_is_a_bad_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let (_, server_cfg) = test_pki(dir.path());
    let other = tempfile::tempdir().unwrap();
    let (wrong_ca, _) = test_pki(other.path());
    let up = tls_upstream(server_cfg).await;
    let gw = start(
        &one_pool(
            &[up],
            &format!(
                "[upstreams.tls]\nca = \"{}\"\nserver_name = \"localhost\"\n",
                wrong_ca.display()
            ),
        ),
        dir.path(),
        Vec::new(),
    );
    let (status, headers, body) = get(gw.port, "/").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let id = headers.get("x-request-id").unwrap().to_str().unwrap();
    assert!(body.contains(id), "the error page shows the request id");
}

/// A module that tags HTML responses, as the script monitor will.
struct TagHtml {
    seen: Mutex<Vec<String>>,
}

impl HttpModule for TagHtml {
    fn name(&self) -> &'static str {
        "tag-html"
    }

    fn response_filter(&self, resp: &mut http::response::Parts, ctx: &RequestCtx) {
        self.seen.lock().unwrap().push(ctx.request_id.clone());
        resp.headers
            .insert("x-tagged", http::HeaderValue::from_static("1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_spreads_and_a_dead_server_is_ejected() {
    let dir = tempfile::tempdir().unwrap();
    let (a_hits, b_hits) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let a = named_upstream("a", a_hits.clone()).await;
    let b = named_upstream("b", b_hits.clone()).await;
    let dead = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let module = Arc::new(TagHtml {
        seen: Mutex::new(Vec::new()),
    });
    let gw = start(
        &one_pool(
            &[a, b, dead],
            "[upstreams.passive_health]\nmax_fails = 1\nfail_timeout = \"30s\"\n",
        ),
        dir.path(),
        vec![module.clone()],
    );
    for _ in 0..30 {
        let (status, headers, _) = get(gw.port, "/").await;
        // The dead server is retried away from (no body), then ejected.
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers.get("x-tagged").map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
    }
    let (a, b) = (
        a_hits.load(Ordering::Relaxed),
        b_hits.load(Ordering::Relaxed),
    );
    assert_eq!(a + b, 30);
    assert!(a >= 10 && b >= 10, "round robin spreads: a={a} b={b}");
    assert_eq!(
        module.seen.lock().unwrap().len(),
        30,
        "the response phase ran once per request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_connections_are_kept_alive_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let (hits, accepted) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let up = counting_upstream("a", hits.clone(), accepted.clone()).await;
    let gw = start(&one_pool(&[up], ""), dir.path(), Vec::new());
    for _ in 0..50 {
        let (status, _, body) = get(gw.port, "/").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "a"));
    }
    assert_eq!(hits.load(Ordering::Relaxed), 50);
    // Each gateway worker (one per core by default) keeps its own idle connections.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let opened = accepted.load(Ordering::Relaxed);
    assert!(
        (1..=workers).contains(&opened),
        "sequential requests reuse one upstream connection per worker: {opened} opened, {workers} workers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let dir = tempfile::tempdir().unwrap();
    let up = named_upstream("a", Arc::new(AtomicUsize::new(0))).await;
    let gw = start(
        &format!("[limits]\nmax_connections = 1\n{}", one_pool(&[up], "")),
        dir.path(),
        Vec::new(),
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = b"GET / HTTP/1.1\r\nhost: app.test\r\n\r\n";
    let mut first = tokio::net::TcpStream::connect(("127.0.0.1", gw.port))
        .await
        .unwrap();
    first.write_all(request).await.unwrap();
    let mut buf = [0u8; 512];
    let n = first.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );

    let mut second = tokio::net::TcpStream::connect(("127.0.0.1", gw.port))
        .await
        .unwrap();
    second.write_all(request).await.unwrap();
    let waited =
        tokio::time::timeout(std::time::Duration::from_millis(400), second.read(&mut buf)).await;
    assert!(
        waited.is_err(),
        "the second connection must wait while the first is open"
    );

    drop(first);
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), second.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "served once a slot is free"
    );
}

/// An upstream that answers `/health` with 200 or 503 as `healthy` says, and
/// anything else with the client address it saw.
async fn health_upstream(
    healthy: Arc<std::sync::atomic::AtomicBool>,
    hits: Arc<AtomicUsize>,
) -> SocketAddr {
    upstream(Arc::new(AtomicUsize::new(0)), move |req, peer| {
        let mut resp = Response::new(Full::new(Bytes::from(peer.ip().to_string())));
        if req.uri().path() == "/health" {
            if !healthy.load(Ordering::Relaxed) {
                *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            }
        } else {
            hits.fetch_add(1, Ordering::Relaxed);
        }
        resp
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_health_checks_take_a_server_out_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let (a_ok, a_hits) = (
        Arc::new(std::sync::atomic::AtomicBool::new(true)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (b_ok, b_hits) = (
        Arc::new(std::sync::atomic::AtomicBool::new(true)),
        Arc::new(AtomicUsize::new(0)),
    );
    let a = health_upstream(a_ok.clone(), a_hits.clone()).await;
    let b = health_upstream(b_ok.clone(), b_hits.clone()).await;
    let gw = start(
        &one_pool(&[a, b], "[upstreams.health_check]\npath = \"/health\"\ninterval = \"100ms\"\ntimeout = \"1s\"\nfall = 2\nrise = 2\n"),
        dir.path(),
        Vec::new(),
    );
    // Requests b receives out of `n`, once its health has had time to change.
    let b_share = |n: usize| {
        let b_hits = b_hits.clone();
        async move {
            let before = b_hits.load(Ordering::Relaxed);
            for _ in 0..n {
                assert_eq!(get(gw.port, "/").await.0, StatusCode::OK);
            }
            b_hits.load(Ordering::Relaxed) - before
        }
    };
    assert!(b_share(10).await > 0, "both servers serve while healthy");

    b_ok.store(false, Ordering::Relaxed);
    let mut marked_down = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if b_share(10).await == 0 {
            marked_down = true;
            break;
        }
    }
    assert!(marked_down, "failed checks mark b down within 5 s");
    assert_eq!(b_share(20).await, 0, "a server marked down gets no request");
    assert!(a_hits.load(Ordering::Relaxed) >= 20);

    b_ok.store(true, Ordering::Relaxed);
    let mut back = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if b_share(10).await > 0 {
            back = true;
            break;
        }
    }
    assert!(back, "passed checks bring b back within 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_connections_leave_from_the_source_address() {
    let dir = tempfile::tempdir().unwrap();
    let up = health_upstream(
        Arc::new(std::sync::atomic::AtomicBool::new(true)),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    let toml = |src: &str| one_pool(&[up], &format!("source_address = \"{src}\"\n"));
    // The whole 127.0.0.0/8 is loopback: 127.0.0.2 is a distinct source.
    let gw = start(&toml("127.0.0.2"), dir.path(), Vec::new());
    let (status, _, seen) = get(gw.port, "/").await;
    assert_eq!((status, seen.as_str()), (StatusCode::OK, "127.0.0.2"));
    let other = tempfile::tempdir().unwrap();
    let gw = start(&toml("127.0.0.3"), other.path(), Vec::new());
    assert_eq!(get(gw.port, "/").await.2, "127.0.0.3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_stream_without_waiting_for_the_whole_body() {
    // The upstream sends a first part, then the rest a second later.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let Ok((mut tcp, _)) = listener.accept().await else {
            return;
        };
        let mut buf = [0u8; 1024];
        let _ = tokio::io::AsyncReadExt::read(&mut tcp, &mut buf).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            .await;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let _ = tcp.write_all(b"4\r\nlast\r\n0\r\n\r\n").await;
    });
    let dir = tempfile::tempdir().unwrap();
    let gw = start(&one_pool(&[up], ""), dir.path(), Vec::new());
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", gw.port))
        .await
        .unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let started = std::time::Instant::now();
    let req = Request::get("/")
        .header("host", "app.test")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let mut body = send.send_request(req).await.unwrap().into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(&first[..], b"first");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(800),
        "the first part arrives before the last is sent"
    );
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(&rest[..], b"last");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_share_their_port_with_a_successor() {
    let dir = tempfile::tempdir().unwrap();
    let up = named_upstream("a", Arc::new(AtomicUsize::new(0))).await;
    let gw = start(&one_pool(&[up], ""), dir.path(), Vec::new());
    // SO_REUSEPORT: a new process (here, a second socket) binds the same
    // address while the first still serves, as a binary upgrade does.
    let successor = parapet_gateway::server::bind(SocketAddr::from(([127, 0, 0, 1], gw.port)));
    assert!(successor.is_ok(), "{successor:?}");
    drop(successor);
    assert_eq!(get(gw.port, "/").await.0, StatusCode::OK);
}

/// A connection to the gateway on `port` that has had one request answered with 200 and is
/// kept alive.
async fn answered_connection(port: u16) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nhost: app.test\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    tcp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let up = named_upstream("a", Arc::new(AtomicUsize::new(0))).await;
    let gw = start(
        &format!("[limits]\nidle_timeout = \"1s\"\n{}", one_pool(&[up], "")),
        dir.path(),
        Vec::new(),
    );
    use tokio::io::AsyncReadExt;
    let mut tcp = answered_connection(gw.port).await;
    let mut buf = [0u8; 512];
    let started = std::time::Instant::now();
    // Nothing more is sent: the gateway closes the connection (read returns 0).
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0, "closed, not answered");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(900)
            && waited < std::time::Duration::from_secs(3),
        "closed after {waited:?}, expected between one and one and a half idle timeouts"
    );
}

/// The header read timeout also bounds the wait for a keep-alive connection's next head,
/// however the client trickles it, well before the idle timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_second_head_is_cut_off_at_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let up = named_upstream("a", Arc::new(AtomicUsize::new(0))).await;
    let gw = start(
        &format!(
            "[limits]\nidle_timeout = \"30s\"\nheader_read_timeout = \"1s\"\n{}",
            one_pool(&[up], "")
        ),
        dir.path(),
        Vec::new(),
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut reader, mut writer) = answered_connection(gw.port).await.into_split();
    let mut buf = [0u8; 512];
    let started = std::time::Instant::now();
    let trickle = tokio::spawn(async move {
        for &b in b"GET / HTTP/1.1\r\nhost: app.test\r\nx-slow: aaaaaaaaaaaaaaaa" {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            if writer.write_all(&[b]).await.is_err() {
                return;
            }
        }
    });
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), reader.read(&mut buf))
        .await
        .expect("the trickling connection was still open after 10 s")
        .unwrap_or(0);
    let waited = started.elapsed();
    trickle.abort();
    assert!(
        n == 0 || buf[..n].starts_with(b"HTTP/1.1 408"),
        "expected a close, got {:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(
        waited >= std::time::Duration::from_millis(900)
            && waited < std::time::Duration::from_millis(2500),
        "cut off after {waited:?}, expected within a tick of the 1 s header timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_listeners_speak_h2c_only_when_asked() {
    let up = named_upstream("a", Arc::new(AtomicUsize::new(0))).await;
    let routes = one_pool(&[up], "");
    async fn h2_prior_knowledge(port: u16) -> Result<StatusCode, String> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| e.to_string())?;
        let (mut send, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let req = Request::get("http://app.test/")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let resp = tokio::time::timeout(std::time::Duration::from_secs(3), send.send_request(req))
            .await
            .map_err(|_| "timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        Ok(resp.status())
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = start(&routes, dir.path(), Vec::new());
    let refused = h2_prior_knowledge(plain.port).await;
    assert!(refused.is_err(), "HTTP/1.1 only by default: {refused:?}");
    let dir2 = tempfile::tempdir().unwrap();
    let port = free_port();
    let text = format!(
        "[server]\nstate_dir = \"{}\"\n[[listeners]]\nname = \"h2c\"\nlisten = \"127.0.0.1:{port}\"\nh2c = true\n{routes}",
        dir2.path().join("state").display()
    );
    let config = Config::from_str(&text, &dir2.path().join("parapet.toml")).unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(
        Gateway::bind(&config, Vec::new())
            .unwrap()
            .run(stop.clone()),
    );
    let _running = Running { port, stop };
    assert_eq!(h2_prior_knowledge(port).await, Ok(StatusCode::OK));
    assert_eq!(get(port, "/").await.0, StatusCode::OK, "and HTTP/1.1 still");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_upstreams_bind_their_source_address_too() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        // No IPv6 loopback on this machine: nothing to test.
        return;
    };
    let up = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            tokio::spawn(async move {
                let svc = service_fn(move |_req: Request<Incoming>| async move {
                    Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(
                        peer.ip().to_string(),
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let gw = start(
        &one_pool(&[up], "source_address = \"::1\"\n"),
        dir.path(),
        Vec::new(),
    );
    let (status, _, seen) = get(gw.port, "/").await;
    assert_eq!((status, seen.as_str()), (StatusCode::OK, "::1"));
}

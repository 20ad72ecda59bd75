//! Upstream failures, reloads and shutdown: what happens to clients.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use nix::sys::signal::Signal;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::harness::{
    eventually, free_port, get, local, send, Config, Env, Nginx, NginxServer, Parapet, Upstream,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_down_gives_branded_502_then_recovers() {
    let mut env = Env::start();
    let http = env.parapet.http();
    assert_eq!(send(http, get("/")).await.status, StatusCode::OK);

    env.nginx.stop();
    let down = send(http, get("/while-down")).await;
    assert_eq!(down.status, StatusCode::BAD_GATEWAY, "{down:?}");
    let rid = down
        .header("x-request-id")
        .expect("x-request-id on the error response")
        .to_owned();
    assert!(!rid.is_empty());
    assert!(
        down.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "error page must be HTML: {down:?}"
    );
    let page = down.text();
    assert!(
        page.contains(&rid),
        "the error page must show the request id {rid}: {page}"
    );
    assert!(
        page.to_ascii_lowercase().contains("parapet"),
        "the error page must be Parapet's: {page}"
    );

    env.nginx.restart();
    let recovered = eventually(Duration::from_secs(6), || async {
        let r = send(http, get("/after")).await;
        (r.status == StatusCode::OK).then_some(r)
    })
    .await;
    assert!(
        recovered.is_some(),
        "no 200 within 6 s after the upstream came back"
    );
}

/// A TCP server that accepts and never answers; it holds its connections open.
async fn start_black_hole() -> SocketAddr {
    let listener = TcpListener::bind(local(0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_upstream_gives_504_after_response_timeout() {
    let hole = start_black_hole().await;
    let env = Env::start_with(|c| {
        c.route(
            "/hang",
            Upstream::new("hole", &[hole]).response_timeout("1s"),
        )
    });
    let start = Instant::now();
    let resp = send(env.parapet.http(), get("/hang")).await;
    let took = start.elapsed();
    assert_eq!(resp.status, StatusCode::GATEWAY_TIMEOUT, "{resp:?}");
    assert!(
        took >= Duration::from_millis(900),
        "504 before response_timeout (1 s): after {took:?}"
    );
    assert!(resp.header("x-request-id").is_some());
    // The other routes are unaffected.
    assert_eq!(
        send(env.parapet.http(), get("/")).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_under_load_fails_no_request() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let _nginx = Nginx::start(
        dir.path(),
        vec![NginxServer::echo(a, "a"), NginxServer::echo(b, "b")],
    );
    let before = Config::new(local(a));
    let mut parapet = Parapet::start(dir.path(), &before);
    let http = parapet.http();
    assert_eq!(send(http, get("/new/x")).await.echo().get("upstream"), "a");

    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut loops = Vec::new();
    for i in 0..8 {
        let (ok, failures) = (ok.clone(), failures.clone());
        loops.push(tokio::spawn(async move {
            // A keep-alive client, as a browser or load balancer would use.
            let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
            let uri: hyper::Uri = format!("http://{http}/load/{i}").parse().unwrap();
            while Instant::now() < deadline {
                let result = tokio::time::timeout(Duration::from_secs(5), async {
                    let resp = client
                        .get(uri.clone())
                        .await
                        .map_err(|e| format!("{e:?}"))?;
                    let status = resp.status();
                    resp.into_body()
                        .collect()
                        .await
                        .map_err(|e| format!("body: {e}"))?;
                    if status == StatusCode::OK {
                        Ok(())
                    } else {
                        Err(format!("status {status}"))
                    }
                })
                .await
                .unwrap_or_else(|_| Err("no response within 5 s".to_owned()));
                match result {
                    Ok(()) => ok.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        failures.lock().unwrap().push(e);
                        0
                    }
                };
            }
        }));
    }

    let after = before
        .clone()
        .route("/new/", Upstream::new("b", &[local(b)]));
    tokio::time::sleep(Duration::from_millis(700)).await;
    parapet.signal(Signal::SIGHUP); // same config
    tokio::time::sleep(Duration::from_millis(900)).await;
    parapet.rewrite_config(&after);
    parapet.signal(Signal::SIGHUP); // a new route
    tokio::time::sleep(Duration::from_millis(900)).await;
    parapet.signal(Signal::SIGHUP); // the new config again
    for l in loops {
        l.await.unwrap();
    }

    assert!(
        parapet.is_running(),
        "parapet exited on SIGHUP; stderr:\n{}",
        parapet.stderr()
    );
    let failures = std::mem::take(&mut *failures.lock().unwrap());
    let ok = ok.load(Ordering::Relaxed);
    assert!(
        failures.is_empty(),
        "{} of {} requests failed during reloads, first: {:?}",
        failures.len(),
        failures.len() + ok,
        &failures[..failures.len().min(5)]
    );
    assert!(ok >= 8 * 10, "the load loops made only {ok} requests");

    let routed = eventually(Duration::from_secs(3), || async {
        let resp = send(http, get("/new/x")).await;
        (resp.echo().get("upstream") == "b").then_some(())
    })
    .await;
    assert!(
        routed.is_some(),
        "the route added by the reload is not used; stderr:\n{}",
        parapet.stderr()
    );
    assert_eq!(send(http, get("/other")).await.echo().get("upstream"), "a");
}

/// An upstream that reads a request head, then answers after `delay`. It
/// notifies `got_request` when a request arrived.
async fn start_slow_upstream(delay: Duration, got_request: Arc<Notify>) -> SocketAddr {
    let listener = TcpListener::bind(local(0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let got_request = got_request.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                got_request.notify_one();
                tokio::time::sleep(delay).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\nslow done")
                    .await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests_then_exits_zero() {
    let got_request = Arc::new(Notify::new());
    let slow = start_slow_upstream(Duration::from_millis(1500), got_request.clone()).await;
    let mut env = Env::start_with(|c| {
        c.route(
            "/slow",
            Upstream::new("slow", &[slow]).response_timeout("10s"),
        )
    });
    let http = env.parapet.http();

    let in_flight = tokio::spawn(async move { send(http, get("/slow")).await });
    tokio::time::timeout(Duration::from_secs(5), got_request.notified())
        .await
        .expect("the slow request reached its upstream");
    let sent_term = Instant::now();
    env.parapet.signal(Signal::SIGTERM);

    // New connections are refused soon, while the old request is still running.
    let refused = eventually(Duration::from_millis(1000), || async {
        match TcpStream::connect(http).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Some(()),
            _ => None,
        }
    })
    .await;
    assert!(
        refused.is_some(),
        "the http listener still accepts connections 1 s after SIGTERM"
    );

    let resp = in_flight.await.unwrap();
    assert_eq!(
        resp.status,
        StatusCode::OK,
        "the in-flight request must complete: {resp:?}"
    );
    assert_eq!(resp.text(), "slow done");

    // shutdown_timeout is 5 s in the test config.
    let status = env.parapet.wait_exit(Duration::from_secs(6)).await;
    let status = status.unwrap_or_else(|| {
        panic!(
            "parapet still running {:?} after SIGTERM",
            sent_term.elapsed()
        )
    });
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM; stderr:\n{}",
        env.parapet.stderr()
    );
}

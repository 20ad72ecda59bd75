//! The harness itself: a real nginx started as the tests expect it. When this
//! fails, every other test fails for the same reason, and this one says why.

use std::time::Duration;

use hyper::StatusCode;

use crate::harness::{free_port, get, local, raw, send, status_of, Nginx, NginxServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_upstream_echoes_stops_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut nginx = Nginx::start(dir.path(), vec![NginxServer::echo(port, "lab")]);

    let req = hyper::Request::get("/p?q=1")
        .header("host", "example.test")
        .header("x-forwarded-for", "1.2.3.4")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let resp = send(local(port), req).await;
    assert_eq!(resp.header("x-upstream"), Some("lab"));
    let echo = resp.echo();
    assert_eq!(echo.get("upstream"), "lab");
    assert_eq!(echo.get("path"), "/p?q=1");
    assert_eq!(echo.get("host"), "example.test");
    assert_eq!(echo.get("xff"), "1.2.3.4");
    assert_eq!(echo.get("rid"), "", "an absent header echoes as empty");
    assert_eq!(
        send(local(port), get("/status/418")).await.status,
        StatusCode::IM_A_TEAPOT
    );
    assert!(
        nginx.access_log().contains("GET /p?q=1 200"),
        "{}",
        nginx.access_log()
    );

    nginx.stop();
    assert!(
        tokio::net::TcpStream::connect(local(port)).await.is_err(),
        "nginx still listens after stop"
    );
    nginx.restart();
    let (answer, _) = raw(
        local(port),
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(status_of(&answer), Some(200));
}

//! HTTP/1.1 reverse proxying to a real nginx: status, body, forwarding headers.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, StatusCode};

use std::time::Duration;

use crate::harness::{eventually, get, send, send_tls, Echo, Env};

/// Splits a `Forwarded` element (`for=1.2.3.4;proto=http;host="a:1"`) into
/// lower-cased keys and unquoted values.
fn forwarded_pairs(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_owned(),
            )
        })
        .collect()
}

fn forwarded_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_body_and_response_headers_come_from_the_upstream() {
    let env = Env::start();
    let http = env.parapet.http();

    let teapot = send(http, get("/status/418")).await;
    assert_eq!(teapot.status, StatusCode::IM_A_TEAPOT, "{teapot:?}");
    assert_eq!(teapot.text(), "short and stout\n");
    assert_eq!(
        teapot.header("x-upstream"),
        Some("nginx"),
        "upstream response header lost: {teapot:?}"
    );

    let missing = send(http, get("/status/404")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{missing:?}");
    assert_eq!(missing.text(), "not here\n");

    let echo = send(http, get("/some/path?q=1")).await.echo();
    assert_eq!(
        echo.get("path"),
        "/some/path?q=1",
        "path and query must reach the upstream unchanged"
    );
    assert_eq!(echo.get("method"), "GET");
    // nginx writes its access-log line after the response has gone out.
    let logged = eventually(Duration::from_secs(2), || async {
        env.nginx
            .access_log()
            .contains("GET /some/path?q=1 200")
            .then_some(())
    })
    .await;
    assert!(
        logged.is_some(),
        "nginx did not log the request:\n{}",
        env.nginx.access_log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_body_reaches_the_upstream() {
    let env = Env::start();
    let body = vec![b'x'; 3000];
    let req = Request::post("/upload")
        .header("host", "localhost")
        .header("content-type", "application/octet-stream")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let echo = send(env.parapet.http(), req).await.echo();
    assert_eq!(echo.get("method"), "POST");
    assert_eq!(
        echo.get("cl"),
        "3000",
        "the upstream must see the body's length"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_are_set_and_client_values_replaced() {
    let env = Env::start();
    let req = Request::get("/whoami")
        .header("host", "shop.example")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-forwarded-proto", "gopher")
        .header("x-forwarded-host", "evil.example")
        .header("forwarded", "for=6.6.6.6;proto=gopher;host=evil.example")
        .header("x-request-id", "spoofed-request-id")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = send(env.parapet.http(), req).await;
    let echo = resp.echo();

    assert_eq!(
        echo.get("xff"),
        "127.0.0.1",
        "X-Forwarded-For must be the client address only"
    );
    assert_eq!(echo.get("xfp"), "http");
    assert_eq!(
        echo.get("xfh"),
        "shop.example",
        "X-Forwarded-Host must be the client's Host"
    );

    let fwd = echo.get("fwd");
    assert!(
        !fwd.contains("6.6.6.6") && !fwd.contains("gopher") && !fwd.contains("evil"),
        "client Forwarded passed through: {fwd}"
    );
    let pairs = forwarded_pairs(fwd);
    assert_eq!(
        forwarded_get(&pairs, "for"),
        Some("127.0.0.1"),
        "Forwarded: {fwd}"
    );
    assert_eq!(
        forwarded_get(&pairs, "proto"),
        Some("http"),
        "Forwarded: {fwd}"
    );
    assert_eq!(
        forwarded_get(&pairs, "host"),
        Some("shop.example"),
        "Forwarded: {fwd}"
    );

    let rid = echo.get("rid");
    assert!(!rid.is_empty(), "the upstream got no X-Request-Id");
    assert_ne!(
        rid, "spoofed-request-id",
        "a client-supplied X-Request-Id must be replaced"
    );
    assert_eq!(
        resp.header("x-request-id"),
        Some(rid),
        "the response's x-request-id must be the id the upstream saw"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_differ_between_requests() {
    let env = Env::start();
    let a = send(env.parapet.http(), get("/")).await;
    let b = send(env.parapet.http(), get("/")).await;
    let (a, b) = (
        a.header("x-request-id").unwrap(),
        b.header("x-request-id").unwrap(),
    );
    assert!(!a.is_empty());
    assert_ne!(a, b, "every request needs its own id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hop_by_hop_headers_are_not_forwarded() {
    let env = Env::start();
    let req = Request::get("/hop")
        .header("host", "localhost")
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "secret-hop-value")
        .header("keep-alive", "timeout=99")
        .header("te", "gzip")
        .header("proxy-authorization", "Basic c2VjcmV0OnNlY3JldA==")
        .header("x-kept", "end-to-end")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let echo: Echo = send(env.parapet.http(), req).await.echo();
    assert_eq!(
        echo.get("kept"),
        "end-to-end",
        "an end-to-end header was dropped"
    );
    assert_eq!(
        echo.get("hop"),
        "",
        "a header named in Connection was forwarded"
    );
    assert!(
        !echo.get("keepalive").contains("99"),
        "Keep-Alive was forwarded: {}",
        echo.get("keepalive")
    );
    assert!(
        !echo.get("te").contains("gzip"),
        "TE was forwarded: {}",
        echo.get("te")
    );
    assert_eq!(
        echo.get("proxyauth"),
        "",
        "Proxy-Authorization was forwarded"
    );
    assert!(
        !echo.get("connection").contains("x-hop"),
        "Connection was forwarded: {}",
        echo.get("connection")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_listener_forwards_proto_https() {
    let env = Env::start();
    let resp = send_tls(env.parapet.https(), get("/tls")).await;
    let echo = resp.echo();
    assert_eq!(echo.get("xfp"), "https");
    assert_eq!(echo.get("xff"), "127.0.0.1");
    let pairs = forwarded_pairs(echo.get("fwd"));
    assert_eq!(
        forwarded_get(&pairs, "proto"),
        Some("https"),
        "Forwarded: {}",
        echo.get("fwd")
    );
    assert!(resp
        .header("x-request-id")
        .is_some_and(|r| r == echo.get("rid")));
}

/// `s` without ANSI colour escapes (`ESC [ ... m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_log_has_one_line_per_request() {
    let env = Env::start();
    let resp = send(env.parapet.http(), get("/logged/path")).await;
    let rid = resp.header("x-request-id").unwrap().to_owned();
    let line = crate::harness::eventually(std::time::Duration::from_secs(3), || async {
        strip_ansi(&env.parapet.stderr())
            .lines()
            .find(|l| l.contains(&rid) && l.contains("access"))
            .map(str::to_owned)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no access log line with request id {rid} on stderr:\n{}",
            env.parapet.stderr()
        )
    });
    assert!(
        line.contains("/logged/path"),
        "access line lacks the path: {line}"
    );
    assert!(line.contains("200"), "access line lacks the status: {line}");
    assert!(
        line.contains("127.0.0.1"),
        "access line lacks the client: {line}"
    );
}

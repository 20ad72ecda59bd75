//! `[limits]`: slow header senders are cut off, oversized heads and bodies refused.
//! The test config sets header_read_timeout = 1s, max_header_bytes = 8192,
//! max_body_bytes = 65536.

use std::time::{Duration, Instant};

use hyper::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::harness::{get, raw, read_until_close, send, status_of, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_sender_is_cut_off() {
    let env = Env::start();
    let stream = TcpStream::connect(env.parapet.http()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let start = Instant::now();
    writer
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();

    // One more header byte every 300 ms, for at most 10 s.
    let trickle = tokio::spawn(async move {
        for &b in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if writer.write_all(&[b]).await.is_err() {
                return;
            }
        }
    });

    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 1024];
        loop {
            match tokio::io::AsyncReadExt::read(&mut reader, &mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let took = start.elapsed();
    trickle.abort();

    assert!(
        closed.is_ok(),
        "a client trickling its head was still connected after 10 s"
    );
    // header_read_timeout is 1 s; allow a margin for a loaded machine.
    assert!(
        took < Duration::from_millis(2500),
        "cut off only after {took:?} (header_read_timeout 1 s)"
    );
    let status = status_of(&answer);
    assert!(
        status.is_none() || status == Some(408),
        "expected a close or 408, got {status:?}: {:?}",
        String::from_utf8_lossy(&answer)
    );
    // It never reached the upstream.
    assert!(
        !env.nginx.access_log().contains("GET / "),
        "the trickled request was forwarded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_head_gets_431() {
    let env = Env::start();
    let big = "a".repeat(20_000);
    let req = format!("GET /big-head HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n");
    let (answer, _) = raw(env.parapet.http(), req.as_bytes(), Duration::from_secs(5)).await;
    assert_eq!(
        status_of(&answer),
        Some(431),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    // A head just under the limit is fine.
    let ok = "a".repeat(6_000);
    let req = format!("GET /fits HTTP/1.1\r\nHost: x\r\nX-Big: {ok}\r\nConnection: close\r\n\r\n");
    let (answer, _) = raw(env.parapet.http(), req.as_bytes(), Duration::from_secs(5)).await;
    assert_eq!(
        status_of(&answer),
        Some(200),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(!env.nginx.access_log().contains("/big-head"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_gets_413() {
    let env = Env::start();
    // The head announces more than max_body_bytes: refused before the body is sent.
    let mut s = TcpStream::connect(env.parapet.http()).await.unwrap();
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        .await
        .unwrap();
    let (answer, _) = read_until_close(&mut s, Duration::from_secs(5)).await;
    assert_eq!(
        status_of(&answer),
        Some(413),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        !env.nginx.access_log().contains("/upload"),
        "the oversized request was forwarded"
    );

    // Within the limit it passes.
    let req = hyper::Request::post("/upload")
        .header("host", "localhost")
        .body(http_body_util::Full::new(bytes::Bytes::from(vec![
            b'x';
            60_000
        ])))
        .unwrap();
    let resp = send(env.parapet.http(), req).await;
    assert_eq!(resp.status, StatusCode::OK, "{resp:?}");
    assert_eq!(
        send(env.parapet.http(), get("/")).await.status,
        StatusCode::OK
    );
}

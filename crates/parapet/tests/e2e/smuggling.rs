//! Request smuggling: ambiguous framing is refused at the edge, and nothing
//! hidden in a body ever reaches the upstream as a request of its own.
//!
//! Each case sends raw bytes whose body, under one of the two readings, holds a
//! second request for `/smuggled`. After it, a marker request proves nginx's
//! access log is up to date, and the log must not contain `/smuggled`.

use std::time::Duration;

use hyper::StatusCode;

use crate::harness::{eventually, get, raw, send, status_of, Env};

const SMUGGLED: &str = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

/// Sends `request`, returns the status Parapet answered (if any) and asserts no
/// smuggled request reached nginx.
async fn attempt(env: &Env, name: &str, request: &str) -> Option<u16> {
    let (answer, _closed) = raw(
        env.parapet.http(),
        request.as_bytes(),
        Duration::from_secs(3),
    )
    .await;
    let status = status_of(&answer);
    assert_nothing_smuggled(env, name, status).await;
    status
}

/// After an attempt that got `status`: the next well-formed request is served,
/// and nginx's access log, once it shows that request, has no `/smuggled`.
async fn assert_nothing_smuggled(env: &Env, name: &str, status: Option<u16>) {
    // A well-formed request right after must still be served: bad framing is the
    // client's fault and must not eject the upstream server (nor cost others).
    let marker = format!("/marker-{name}");
    let after = send(env.parapet.http(), get(&marker)).await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "{name}: the next well-formed request was not served (the attempt got {status:?}): {after:?}"
    );
    let logged = eventually(Duration::from_secs(3), || async {
        env.nginx.access_log().contains(&marker).then_some(())
    })
    .await;
    assert!(logged.is_some(), "nginx never logged {marker}");
    let log = env.nginx.access_log();
    assert!(
        !log.contains("/smuggled"),
        "{name}: a smuggled request reached nginx (parapet answered {status:?}); nginx log:\n{log}"
    );
}

/// Every answer to a smuggling attempt must be 400 (or another 4xx/5xx the
/// case allows), or no answer at all.
fn assert_refused(name: &str, status: Option<u16>, allowed: &[u16]) {
    match status {
        Some(s) if allowed.contains(&s) => {}
        other => panic!("{name}: expected one of {allowed:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_length_with_transfer_encoding_is_refused() {
    let env = Env::start();
    let body = format!("0\r\n\r\n{SMUGGLED}");
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{body}",
        body.len()
    );
    let status = attempt(&env, "cl-te", &req).await;
    assert_refused("Content-Length + Transfer-Encoding", status, &[400]);

    // The same with the headers the other way round, and a short Content-Length.
    let req = format!("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n{SMUGGLED}");
    let status = attempt(&env, "te-cl", &req).await;
    assert_refused("Transfer-Encoding + Content-Length", status, &[400]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_different_content_lengths_are_refused() {
    let env = Env::start();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: {}\r\n\r\n{SMUGGLED}",
        SMUGGLED.len()
    );
    let status = attempt(&env, "cl-cl", &req).await;
    assert_refused("two Content-Length values", status, &[400]);

    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0, {}\r\n\r\n{SMUGGLED}",
        SMUGGLED.len()
    );
    let status = attempt(&env, "cl-list", &req).await;
    assert_refused("a Content-Length list of different values", status, &[400]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_chunk_size_is_refused() {
    let env = Env::start();
    let req = format!("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n{SMUGGLED}");
    let (answer, closed) = raw(env.parapet.http(), req.as_bytes(), Duration::from_secs(3)).await;
    let status = status_of(&answer);
    // The head may already have been forwarded when the body turns out bad: then
    // the connection must be cut, never answered with success.
    assert!(
        status == Some(400) || (closed && !status.is_some_and(|s| (200..300).contains(&s))),
        "invalid chunk size: expected 400 or a closed connection without 2xx, got {status:?} (closed: {closed})"
    );
    // Nothing after the bad chunk may be read as a request.
    assert_nothing_smuggled(&env, "bad-chunk", status).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn obs_fold_is_refused() {
    let env = Env::start();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n Transfer-Encoding: chunked\r\nContent-Length: {}\r\n\r\n{SMUGGLED}",
        SMUGGLED.len()
    );
    let status = attempt(&env, "obs-fold", &req).await;
    assert_refused("obs-fold header line", status, &[400]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_transfer_codings_are_refused() {
    let env = Env::start();
    for (name, te) in [
        ("xchunked", "xchunked"),
        ("chunked-identity", "chunked, identity"),
    ] {
        // Without Content-Length: a gateway that ignored the coding would read an
        // empty body and then SMUGGLED as the next request.
        let req =
            format!("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\n\r\n{SMUGGLED}");
        let status = attempt(&env, name, &req).await;
        assert_refused(&format!("Transfer-Encoding: {te:?}"), status, &[400, 501]);
        // With a Content-Length that covers it.
        let req = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\nContent-Length: {}\r\n\r\n{SMUGGLED}",
            SMUGGLED.len()
        );
        let status = attempt(&env, &format!("{name}-cl"), &req).await;
        assert_refused(
            &format!("Transfer-Encoding: {te:?} with Content-Length"),
            status,
            &[400, 501],
        );
    }
}

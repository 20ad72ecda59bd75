//! The admin listener: health and Prometheus metrics.

use std::time::Duration;

use hyper::StatusCode;

use crate::harness::{eventually, get, metric_sum, send, send_tls, Env};

const REQUESTS: &str = "parapet_http_requests_total";
const HANDSHAKES: &str = "parapet_tls_handshakes_total";
const PQ: &str = "group=\"X25519MLKEM768\"";

async fn metrics(env: &Env) -> String {
    let resp = send(env.parapet.admin(), get("/metrics")).await;
    assert_eq!(resp.status, StatusCode::OK, "{resp:?}");
    resp.text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_200() {
    let env = Env::start();
    let resp = send(env.parapet.admin(), get("/healthz")).await;
    assert_eq!(resp.status, StatusCode::OK, "{resp:?}");
    // The admin listener is not the proxy: it does not forward to the upstream.
    assert!(!env.nginx.access_log().contains("/healthz"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_and_tls_handshakes_by_group() {
    let env = Env::start();
    let text = metrics(&env).await;
    assert!(text.contains("# TYPE"), "not Prometheus text:\n{text}");

    let requests_before = metric_sum(&text, REQUESTS, &[]).unwrap_or(0.0);
    let pq_before = metric_sum(&text, HANDSHAKES, &[PQ]).unwrap_or(0.0);

    assert_eq!(
        send(env.parapet.http(), get("/counted")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send_tls(env.parapet.https(), get("/counted-tls"))
            .await
            .status,
        StatusCode::OK
    );

    // Counters may be bumped just after the response went out: poll, bounded.
    let counted = eventually(Duration::from_secs(3), || async {
        let text = metrics(&env).await;
        let requests = metric_sum(&text, REQUESTS, &[])?;
        let pq = metric_sum(&text, HANDSHAKES, &[PQ])?;
        (requests >= requests_before + 2.0 && pq >= pq_before + 1.0).then_some(())
    })
    .await;
    let text = metrics(&env).await;
    assert!(
        counted.is_some(),
        "expected {REQUESTS} to grow by 2 (from {requests_before}) and {HANDSHAKES}{{{PQ}}} by 1 (from {pq_before}); /metrics:\n{text}"
    );
}

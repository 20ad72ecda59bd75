//! The webhook channel against a real HTTP server on loopback, started by each test.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::receiver;
use parapet_alerts::{
    sign, verify_signature, Alert, AlertError, Channel, ChannelOptions, DeliveryOutcome, Pipeline,
    RetryPolicy, WebhookChannel,
};
use parapet_core::{Event, Service, Severity};
use tokio::net::TcpListener;

const SECRET: &[u8] = b"shared webhook secret";

fn hijack() -> Event {
    Event::new(
        Service::Routes,
        "origin-hijack",
        Severity::High,
        "192.0.2.0/24",
        "192.0.2.0/24 originated by AS64512",
    )
    .with_details(serde_json::json!({"origin_asn": 64512, "as_path": [64500, 64512]}))
}

fn channel(addr: SocketAddr) -> WebhookChannel {
    WebhookChannel::builder("ops", format!("http://{addr}/hooks/parapet"), SECRET)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid webhook settings")
}

#[tokio::test]
async fn posts_signed_json_and_retries_after_a_500() {
    let server = receiver(&[500], Duration::ZERO).await;
    let pipeline = Pipeline::builder()
        .retry(RetryPolicy::new(3, Duration::from_millis(20)))
        .channel(Arc::new(channel(server.addr)), ChannelOptions::default())
        .build();

    let event = hijack();
    let outcome = pipeline.submit(event.clone()).await;
    assert!(
        matches!(
            outcome.deliveries[0].outcome,
            DeliveryOutcome::Sent { attempts: 2 }
        ),
        "{:?}",
        outcome.deliveries
    );

    let received = server.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 2, "one 500, then one success");
    for r in &received {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hooks/parapet");
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        let signature = r.signature.as_deref().expect("signature header present");
        // Independently recomputed over the exact bytes received.
        assert_eq!(signature, sign(SECRET, &r.body));
        assert!(verify_signature(SECRET, &r.body, signature));
        assert!(!verify_signature(b"wrong secret", &r.body, signature));
        let alert: Alert = serde_json::from_slice(&r.body).expect("body is an alert");
        assert_eq!(alert, Alert::event(event.clone()));
    }
    // The retry resends the same alert, byte for byte.
    assert_eq!(received[0].body, received[1].body);
    assert!(pipeline.take_failed().is_empty());
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_the_alert_is_kept() {
    let server = receiver(&[403, 200], Duration::ZERO).await;
    let pipeline = Pipeline::builder()
        .retry(RetryPolicy::new(3, Duration::from_millis(10)))
        .channel(Arc::new(channel(server.addr)), ChannelOptions::default())
        .build();
    let outcome = pipeline.submit(hijack()).await;
    match &outcome.deliveries[0].outcome {
        DeliveryOutcome::Failed { attempts, error } => {
            assert_eq!(*attempts, 1);
            assert!(matches!(**error, AlertError::Status { status: 403 }));
        }
        other => panic!("expected failure, got {other:?}"),
    }
    assert_eq!(server.received.lock().expect("lock").len(), 1);
    assert_eq!(pipeline.take_failed().len(), 1);
}

#[tokio::test]
async fn a_slow_receiver_times_out_as_retryable() {
    let server = receiver(&[], Duration::from_secs(5)).await;
    let channel = WebhookChannel::builder("slow", format!("http://{}/", server.addr), SECRET)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("valid settings");
    let err = channel
        .send(&Alert::event(hijack()))
        .await
        .expect_err("must time out");
    assert!(matches!(err, AlertError::Timeout(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_closed_port_is_a_retryable_transport_error() {
    // Bind then drop to get a loopback port with nothing listening.
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        l.local_addr().expect("address")
    };
    let err = channel(addr)
        .send(&Alert::event(hijack()))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, AlertError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}

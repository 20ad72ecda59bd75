#![allow(clippy::unwrap_used)]

//! Slack and PagerDuty channels against a real HTTP server on loopback: the bodies have the
//! shapes those services document, and their answers are retried or not as they mean.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::receiver;
use parapet_alerts::{
    Alert, AlertError, Channel, ChannelOptions, DeliveryOutcome, PagerDutyChannel, Pipeline,
    RetryPolicy, SlackChannel,
};
use parapet_core::{Event, Service, Severity, Timestamp};
use serde_json::Value;

fn new_script() -> Event {
    Event::new(
        Service::Scripts,
        "new-script",
        Severity::Medium,
        "shop.example",
        "new script https://cdn.example/skim.js on /checkout",
    )
}

fn pagerduty(url: String) -> PagerDutyChannel {
    PagerDutyChannel::with_options(
        "pd",
        "0123456789abcdef0123456789abcdef",
        "edge-1",
        &url,
        Duration::from_secs(5),
        None,
    )
    .expect("valid PagerDuty settings")
}

/// The Events API v2 rules a trigger must follow.
fn assert_trigger_shape(v: &Value) {
    assert_eq!(v["event_action"], "trigger");
    assert_eq!(v["routing_key"], "0123456789abcdef0123456789abcdef");
    let key = v["dedup_key"].as_str().expect("dedup_key");
    assert!(!key.is_empty() && key.chars().count() <= 255, "{key}");
    let p = &v["payload"];
    let summary = p["summary"].as_str().expect("payload.summary");
    assert!(!summary.is_empty() && summary.chars().count() <= 1024);
    assert!(!p["source"].as_str().expect("payload.source").is_empty());
    assert!(
        ["critical", "error", "warning", "info"].contains(&p["severity"].as_str().unwrap_or("")),
        "{p}"
    );
    if let Some(t) = p["timestamp"].as_str() {
        Timestamp::parse_rfc3339(t).expect("payload.timestamp is RFC 3339");
    }
}

#[tokio::test]
async fn pagerduty_triggers_then_resolves_one_incident() {
    let server = receiver(&[202, 202], Duration::ZERO).await;
    let pd = pagerduty(format!("http://{}/v2/enqueue", server.addr));
    let hijack = Event::new(
        Service::Routes,
        "origin-hijack",
        Severity::Critical,
        "192.0.2.0/24",
        "192.0.2.0/24 originated by AS64512",
    )
    .with_details(serde_json::json!({"origin_asn": 64512}));
    let over = Event::new(
        Service::Routes,
        "origin-hijack-resolved",
        Severity::Info,
        "192.0.2.0/24",
        "no vantage carries it any more",
    );
    pd.send(&Alert::event(hijack))
        .await
        .expect("trigger accepted");
    pd.send(&Alert::event(over))
        .await
        .expect("resolve accepted");

    let got = server.received.lock().expect("lock").clone();
    assert_eq!(got.len(), 2);
    assert!(got
        .iter()
        .all(|r| r.path == "/v2/enqueue" && r.content_type.as_deref() == Some("application/json")));
    let trigger: Value = serde_json::from_slice(&got[0].body).expect("JSON");
    let resolve: Value = serde_json::from_slice(&got[1].body).expect("JSON");
    assert_trigger_shape(&trigger);
    assert_eq!(trigger["payload"]["severity"], "critical");
    assert_eq!(trigger["payload"]["custom_details"]["origin_asn"], 64512);
    assert_eq!(resolve["event_action"], "resolve");
    assert_eq!(resolve["dedup_key"], trigger["dedup_key"]);
    assert!(
        resolve.get("payload").is_none(),
        "a resolve needs no payload"
    );
}

#[tokio::test]
async fn pagerduty_rate_limits_are_retried_and_bad_events_are_not() {
    let server = receiver(&[429, 202], Duration::ZERO).await;
    let pipeline = Pipeline::builder()
        .retry(RetryPolicy::new(3, Duration::from_millis(10)))
        .channel(
            Arc::new(pagerduty(format!("http://{}/v2/enqueue", server.addr))),
            ChannelOptions::default(),
        )
        .build();
    let outcome = pipeline.submit(new_script()).await;
    assert!(
        matches!(
            outcome.deliveries[0].outcome,
            DeliveryOutcome::Sent { attempts: 2 }
        ),
        "{:?}",
        outcome.deliveries
    );

    let server = receiver(&[400], Duration::ZERO).await;
    let err = pagerduty(format!("http://{}/v2/enqueue", server.addr))
        .send(&Alert::event(new_script()))
        .await
        .expect_err("400 is an invalid event");
    assert!(matches!(err, AlertError::Status { status: 400 }));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn slack_gets_a_block_kit_message_with_inert_text() {
    let server = receiver(&[200], Duration::ZERO).await;
    let slack = SlackChannel::new("chat", &format!("http://{}/services/T0/B0/X", server.addr))
        .expect("valid Slack settings");
    let hostile = Event::new(
        Service::Scripts,
        "new-connection-domain",
        Severity::High,
        "<https://evil.example|login>",
        "new destination <!channel> https://exfil.example",
    );
    slack
        .send(&Alert::event(hostile))
        .await
        .expect("Slack answered 200");

    let got = server.received.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/services/T0/B0/X");
    let m: Value = serde_json::from_slice(&got[0].body).expect("JSON");
    // Incoming webhooks need `text` (the notification fallback) or blocks; we send both.
    let text = m["text"].as_str().expect("text");
    assert!(text.contains("&lt;!channel&gt;"), "{text}");
    let blocks = m["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header");
    assert!(blocks[0]["text"]["text"].as_str().unwrap().chars().count() <= 150);
    let fields = blocks[1]["fields"].as_array().expect("section fields");
    assert!(fields.len() <= 10, "Slack allows ten fields");
    assert!(
        fields
            .iter()
            .any(|f| f["text"] == "Subject: <https://evil.example|login>"
                && f["type"] == "plain_text")
    );
}

#[tokio::test]
async fn slack_errors_are_classified() {
    // 404 no_service: the webhook was removed; retrying cannot help.
    let server = receiver(&[404], Duration::ZERO).await;
    let slack = SlackChannel::new("chat", &format!("http://{}/services/x", server.addr)).unwrap();
    let err = slack.send(&Alert::event(new_script())).await.unwrap_err();
    assert!(!err.is_retryable(), "{err:?}");
    // 503: Slack is having a moment.
    let server = receiver(&[503], Duration::ZERO).await;
    let slack = SlackChannel::new("chat", &format!("http://{}/services/x", server.addr)).unwrap();
    let err = slack.send(&Alert::event(new_script())).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

//! Dedup, severity filter, throttle and failure handling of the pipeline, with an in-memory
//! channel and the runtime's paused clock (windows are advanced, never slept through).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use parapet_alerts::{
    Alert, AlertError, Channel, ChannelOptions, DeliveryOutcome, Pipeline, RetryPolicy,
};
use parapet_core::{Event, Service, Severity};

/// Records what it is sent; fails with the queued errors first.
#[derive(Default)]
struct Recorder {
    name: String,
    sent: Mutex<Vec<Alert>>,
    fail_with: Mutex<VecDeque<AlertError>>,
    attempts: Mutex<u32>,
}

impl Recorder {
    fn named(name: &str) -> Arc<Self> {
        Arc::new(Recorder {
            name: name.to_owned(),
            ..Recorder::default()
        })
    }

    fn sent(&self) -> Vec<Alert> {
        self.sent.lock().expect("lock").clone()
    }

    fn fail_next(&self, errors: impl IntoIterator<Item = AlertError>) {
        self.fail_with.lock().expect("lock").extend(errors);
    }
}

#[async_trait]
impl Channel for Recorder {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, alert: &Alert) -> Result<(), AlertError> {
        *self.attempts.lock().expect("lock") += 1;
        if let Some(err) = self.fail_with.lock().expect("lock").pop_front() {
            return Err(err);
        }
        self.sent.lock().expect("lock").push(alert.clone());
        Ok(())
    }
}

fn event(kind: &str, subject: &str, severity: Severity) -> Event {
    Event::new(
        Service::Routes,
        kind,
        severity,
        subject,
        format!("{kind} {subject}"),
    )
}

fn event_kinds(alerts: &[Alert]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| match a {
            Alert::Event { event } => format!("{}:{}", event.kind, event.subject),
            Alert::Throttled { suppressed, .. } => format!("throttled:{suppressed}"),
            _ => "other".to_owned(),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn same_dedup_key_alerts_once_per_window() {
    let rec = Recorder::named("rec");
    let pipeline = Pipeline::builder()
        .dedup_window(Duration::from_secs(60))
        .channel(rec.clone(), ChannelOptions::default())
        .build();

    let first = pipeline
        .submit(event("origin-hijack", "192.0.2.0/24", Severity::High))
        .await;
    assert!(!first.duplicate);
    let again = pipeline
        .submit(event("origin-hijack", "192.0.2.0/24", Severity::High))
        .await;
    assert!(again.duplicate);
    assert!(again.deliveries.is_empty());
    // A different key is not a duplicate.
    let other = pipeline
        .submit(event("origin-hijack", "198.51.100.0/24", Severity::High))
        .await;
    assert!(!other.duplicate);

    tokio::time::advance(Duration::from_secs(59)).await;
    assert!(
        pipeline
            .submit(event("origin-hijack", "192.0.2.0/24", Severity::High))
            .await
            .duplicate
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    assert!(
        !pipeline
            .submit(event("origin-hijack", "192.0.2.0/24", Severity::High))
            .await
            .duplicate
    );

    assert_eq!(
        event_kinds(&rec.sent()),
        [
            "origin-hijack:192.0.2.0/24",
            "origin-hijack:198.51.100.0/24",
            "origin-hijack:192.0.2.0/24"
        ]
    );
    let stats = pipeline.stats();
    assert_eq!(stats.received, 5);
    assert_eq!(stats.duplicates, 2);
    assert_eq!(stats.sent, 3);
}

#[tokio::test(start_paused = true)]
async fn custom_dedup_key_merges_different_subjects() {
    let rec = Recorder::named("rec");
    let pipeline = Pipeline::builder()
        .channel(rec.clone(), ChannelOptions::default())
        .build();
    pipeline
        .submit(event("new-script", "a", Severity::Low).with_dedup_key("same"))
        .await;
    let second = pipeline
        .submit(event("new-script", "b", Severity::Low).with_dedup_key("same"))
        .await;
    assert!(second.duplicate);
    assert_eq!(rec.sent().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn channels_filter_by_minimum_severity() {
    let all = Recorder::named("all");
    let pager = Recorder::named("pager");
    let pipeline = Pipeline::builder()
        .channel(all.clone(), ChannelOptions::default())
        .channel(
            pager.clone(),
            ChannelOptions::default().min_severity(Severity::High),
        )
        .build();
    let low = pipeline
        .submit(event("more-specific", "a", Severity::Low))
        .await;
    assert!(matches!(
        low.deliveries[1].outcome,
        DeliveryOutcome::BelowSeverity
    ));
    pipeline
        .submit(event("origin-hijack", "b", Severity::Critical))
        .await;
    assert_eq!(
        event_kinds(&all.sent()),
        ["more-specific:a", "origin-hijack:b"]
    );
    assert_eq!(event_kinds(&pager.sent()), ["origin-hijack:b"]);
    assert_eq!(pipeline.stats().below_severity, 1);
}

#[tokio::test(start_paused = true)]
async fn throttle_caps_each_window_and_summarises_the_excess() {
    let rec = Recorder::named("ops");
    let pipeline = Pipeline::builder()
        .channel(
            rec.clone(),
            ChannelOptions::default().throttle(3, Duration::from_secs(60)),
        )
        .build();

    for i in 0..5 {
        let severity = if i == 4 {
            Severity::Critical
        } else {
            Severity::Medium
        };
        let kind = if i == 3 { "route-leak" } else { "rpki-invalid" };
        let outcome = pipeline
            .submit(event(kind, &format!("p{i}"), severity))
            .await;
        let throttled = matches!(outcome.deliveries[0].outcome, DeliveryOutcome::Throttled);
        assert_eq!(throttled, i >= 3, "event {i}");
    }
    assert_eq!(rec.sent().len(), 3);
    assert_eq!(pipeline.stats().throttled, 2);

    // Window not over: no summary yet.
    tokio::time::advance(Duration::from_secs(30)).await;
    assert!(pipeline.tick().await.is_empty());

    tokio::time::advance(Duration::from_secs(31)).await;
    let due = pipeline.tick().await;
    assert_eq!(due.len(), 1);
    assert!(matches!(
        due[0].outcome,
        DeliveryOutcome::Sent { attempts: 1 }
    ));
    match rec.sent().last() {
        Some(Alert::Throttled {
            channel,
            suppressed,
            max_severity,
            kinds,
            ..
        }) => {
            assert_eq!(channel, "ops");
            assert_eq!(*suppressed, 2);
            assert_eq!(*max_severity, Severity::Critical);
            assert_eq!(kinds, &["route-leak", "rpki-invalid"]);
        }
        other => panic!("expected a throttle summary, got {other:?}"),
    }
    // The summary was sent once, not again on the next tick.
    assert!(pipeline.tick().await.is_empty());

    // A fresh window admits alerts again.
    let next = pipeline
        .submit(event("rpki-invalid", "p9", Severity::Low))
        .await;
    assert!(matches!(
        next.deliveries[0].outcome,
        DeliveryOutcome::Sent { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn due_summary_is_sent_before_the_next_alert_without_tick() {
    let rec = Recorder::named("ops");
    let pipeline = Pipeline::builder()
        .channel(
            rec.clone(),
            ChannelOptions::default().throttle(1, Duration::from_secs(10)),
        )
        .build();
    pipeline.submit(event("k", "a", Severity::Low)).await;
    pipeline.submit(event("k", "b", Severity::Low)).await;
    tokio::time::advance(Duration::from_secs(11)).await;
    let outcome = pipeline.submit(event("k", "c", Severity::Low)).await;
    assert_eq!(outcome.deliveries.len(), 2);
    assert_eq!(event_kinds(&rec.sent()), ["k:a", "throttled:1", "k:c"]);
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_with_backoff() {
    let rec = Recorder::named("flaky");
    rec.fail_next([
        AlertError::Status { status: 503 },
        AlertError::Timeout(Duration::from_secs(1)),
    ]);
    let pipeline = Pipeline::builder()
        .retry(RetryPolicy::new(4, Duration::from_secs(1)))
        .channel(rec.clone(), ChannelOptions::default())
        .build();
    let started = tokio::time::Instant::now();
    let outcome = pipeline.submit(event("k", "a", Severity::High)).await;
    assert!(matches!(
        outcome.deliveries[0].outcome,
        DeliveryOutcome::Sent { attempts: 3 }
    ));
    // Backoff 1 s then 2 s, on the paused clock.
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(rec.sent().len(), 1);
    assert!(pipeline.take_failed().is_empty());
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_are_returned_and_kept_not_lost() {
    let rec = Recorder::named("down");
    rec.fail_next((0..10).map(|_| AlertError::Status { status: 500 }));
    let pipeline = Pipeline::builder()
        .retry(RetryPolicy::new(3, Duration::from_millis(100)))
        .channel(rec.clone(), ChannelOptions::default())
        .build();
    let outcome = pipeline
        .submit(event("origin-hijack", "a", Severity::High))
        .await;
    let failures: Vec<_> = outcome.failures().collect();
    assert_eq!(failures.len(), 1);
    match &failures[0].outcome {
        DeliveryOutcome::Failed { attempts, error } => {
            assert_eq!(*attempts, 3);
            assert!(matches!(**error, AlertError::Status { status: 500 }));
        }
        other => panic!("expected failure, got {other:?}"),
    }
    assert_eq!(*rec.attempts.lock().expect("lock"), 3);

    let kept = pipeline.take_failed();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].channel, "down");
    assert_eq!(
        event_kinds(std::slice::from_ref(&kept[0].alert)),
        ["origin-hijack:a"]
    );
    assert!(pipeline.take_failed().is_empty(), "take_failed drains");
    assert_eq!(pipeline.stats().failed, 1);
}

#[tokio::test(start_paused = true)]
async fn permanent_failures_are_not_retried() {
    let rec = Recorder::named("bad");
    rec.fail_next([AlertError::Status { status: 401 }]);
    let pipeline = Pipeline::builder()
        .retry(RetryPolicy::new(5, Duration::from_secs(1)))
        .channel(rec.clone(), ChannelOptions::default())
        .build();
    let outcome = pipeline.submit(event("k", "a", Severity::High)).await;
    assert!(matches!(
        outcome.deliveries[0].outcome,
        DeliveryOutcome::Failed { attempts: 1, .. }
    ));
    assert_eq!(*rec.attempts.lock().expect("lock"), 1);
}

#[tokio::test(start_paused = true)]
async fn one_failing_channel_does_not_hold_back_another() {
    let good = Recorder::named("good");
    let bad = Recorder::named("bad");
    bad.fail_next([AlertError::Other("broken".into())]);
    let pipeline = Pipeline::builder()
        .channel(bad.clone(), ChannelOptions::default())
        .channel(good.clone(), ChannelOptions::default())
        .build();
    let outcome = pipeline.submit(event("k", "a", Severity::High)).await;
    assert_eq!(outcome.failures().count(), 1);
    assert_eq!(good.sent().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn low_severities_wait_for_the_daily_digest_and_the_rest_go_at_once() {
    let rec = Recorder::named("mail");
    let day = Duration::from_secs(24 * 3600);
    let pipeline = Pipeline::builder()
        .channel(
            rec.clone(),
            ChannelOptions::default().digest(Severity::Low, day),
        )
        .build();

    for i in 0..150 {
        let out = pipeline
            .submit(event(
                "new-script",
                &format!("https://cdn{i}.example/a.js"),
                Severity::Low,
            ))
            .await;
        assert!(matches!(
            out.deliveries[0].outcome,
            DeliveryOutcome::Digested
        ));
    }
    // A high-severity event is not held for the digest.
    pipeline
        .submit(event("origin-hijack", "192.0.2.0/24", Severity::High))
        .await;
    assert_eq!(event_kinds(&rec.sent()), ["origin-hijack:192.0.2.0/24"]);

    // Not a day yet: tick sends nothing.
    tokio::time::advance(day - Duration::from_secs(1)).await;
    assert!(pipeline.tick().await.is_empty());
    tokio::time::advance(Duration::from_secs(2)).await;
    let sent = pipeline.tick().await;
    assert_eq!(sent.len(), 1);
    match &sent[0].alert {
        Alert::Digest {
            channel,
            count,
            events,
            max_severity,
            ..
        } => {
            assert_eq!(channel, "mail");
            assert_eq!(*count, 150, "all are counted");
            assert_eq!(events.len(), Alert::MAX_DIGEST_EVENTS, "a bounded list");
            assert_eq!(
                events[0].subject, "https://cdn0.example/a.js",
                "oldest first"
            );
            assert_eq!(*max_severity, Severity::Low);
        }
        other => panic!("expected a digest, got {other:?}"),
    }
    assert_eq!(pipeline.stats().digested, 150);
    // The next period starts with the next low event; nothing is sent for an empty one.
    tokio::time::advance(day * 2).await;
    assert!(pipeline.tick().await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_due_digest_goes_out_before_the_next_alert_without_tick() {
    let rec = Recorder::named("chat");
    let pipeline = Pipeline::builder()
        .channel(
            rec.clone(),
            ChannelOptions::default().digest(Severity::Info, Duration::from_secs(60)),
        )
        .build();
    pipeline
        .submit(event("script-inactive", "a.js", Severity::Info))
        .await;
    tokio::time::advance(Duration::from_secs(61)).await;
    pipeline
        .submit(event(
            "new-connection-domain",
            "x.example",
            Severity::Medium,
        ))
        .await;
    let sent = rec.sent();
    assert_eq!(sent.len(), 2);
    assert!(
        matches!(&sent[0], Alert::Digest { count: 1, .. }),
        "{sent:?}"
    );
    assert_eq!(event_kinds(&sent[1..]), ["new-connection-domain:x.example"]);
}

//! Route alerts through the shared alert pipeline (`parapet-alerts`): the 2019 leak
//! replayed, its alerts turned into events, delivered once each, with resolutions passing
//! the dedup and a second report of the same event held back.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use parapet_alerts::{Alert as Notification, AlertError, Channel, ChannelOptions, Pipeline};
use parapet_core::Severity;
use parapet_routes::{Engine, MrtReplay};

#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<Notification>>,
}

#[async_trait]
impl Channel for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }

    async fn send(&self, alert: &Notification) -> Result<(), AlertError> {
        self.sent.lock().unwrap().push(alert.clone());
        Ok(())
    }
}

fn replay(config: &str, file: &str) -> Vec<parapet_routes::Alert> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata");
    let config = parapet_config::Config::load(&dir.join(config)).unwrap();
    let mut engine = Engine::load(config.routes.as_ref().unwrap()).unwrap();
    let mut alerts = Vec::new();
    MrtReplay::new(&mut engine)
        .file(&dir.join(file), &mut |a| alerts.push(a))
        .unwrap();
    alerts
}

#[tokio::test(start_paused = true)]
async fn route_alerts_are_delivered_once_with_their_resolutions() {
    let alerts = replay("incident-2019-dqe-leak.toml", "incident-2019-dqe-leak.mrt");
    assert_eq!(alerts.len(), 8);
    let rec = Arc::new(Recorder::default());
    let pipeline = Pipeline::builder()
        .channel(rec.clone(), ChannelOptions::default())
        .build();
    for a in &alerts {
        let outcome = pipeline.submit(a.to_event()).await;
        assert!(!outcome.duplicate, "{}", a.summary());
    }
    // The same leak reported again (another collector's file, say) is not a new alert.
    let again = pipeline.submit(alerts[1].to_event()).await;
    assert!(again.duplicate);

    let sent = rec.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 8);
    let events: Vec<_> = sent
        .iter()
        .filter_map(|n| match n {
            Notification::Event { event } => Some(event),
            _ => None,
        })
        .collect();
    let leak = events.iter().find(|e| e.kind == "route-leak").unwrap();
    assert_eq!(leak.severity, Severity::High);
    assert_eq!(leak.subject, "104.20.0.0/21");
    assert_eq!(leak.details["offender_asn"], 396531);
    assert_eq!(leak.time.to_string(), "2019-06-24T10:34:30.000Z");
    let resolved = events
        .iter()
        .filter(|e| e.is_resolution())
        .collect::<Vec<_>>();
    assert_eq!(resolved.len(), 4);
    assert!(resolved.iter().all(|e| e.severity == Severity::Info));
}

//! [`PagerDutyChannel`]: PagerDuty Events API v2.
//!
//! An event triggers an incident keyed by its dedup key; the event that reports its end (a
//! kind ending in `-resolved`, see [`parapet_core::Event::is_resolution`]) resolves the same
//! incident. A service gives the resolution the key of what it resolves with `-resolved`
//! after the kind (the default keys, `service/kind/subject`, do that by themselves), so
//! [`incident_key`] maps both to one PagerDuty `dedup_key`.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use parapet_core::Severity;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::alert::cut;
use crate::http::{JsonPoster, DEFAULT_HTTP_TIMEOUT};
use crate::{Alert, AlertError, Channel};

/// The Events API v2 endpoint.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// PagerDuty's limit on `dedup_key`.
const MAX_DEDUP_KEY_CHARS: usize = 255;
/// PagerDuty's limit on `payload.summary`.
const MAX_SUMMARY_CHARS: usize = 1024;

/// Sends alerts to a PagerDuty service's Events API v2 integration.
///
/// PagerDuty answers 202; 400 (an invalid event) is not retried, 429 and 5xx are.
pub struct PagerDutyChannel {
    name: String,
    routing_key: String,
    source: String,
    poster: JsonPoster,
}

impl std::fmt::Debug for PagerDutyChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The routing key is a credential.
        f.debug_struct("PagerDutyChannel")
            .field("name", &self.name)
            .field("source", &self.source)
            .field("host", &self.poster.url().host())
            .finish_non_exhaustive()
    }
}

impl PagerDutyChannel {
    /// A channel named `name` sending to the integration with `routing_key`; `source` names
    /// this Parapet in incidents (its host name, say).
    pub fn new(
        name: impl Into<String>,
        routing_key: impl Into<String>,
        source: impl Into<String>,
    ) -> Result<Self, AlertError> {
        Self::with_options(
            name,
            routing_key,
            source,
            PAGERDUTY_EVENTS_URL,
            DEFAULT_HTTP_TIMEOUT,
            None,
        )
    }

    /// Same, with another endpoint (a proxy, a test receiver), timeout and TLS settings.
    pub fn with_options(
        name: impl Into<String>,
        routing_key: impl Into<String>,
        source: impl Into<String>,
        url: &str,
        timeout: Duration,
        tls: Option<rustls::ClientConfig>,
    ) -> Result<Self, AlertError> {
        let routing_key = routing_key.into();
        if routing_key.trim().is_empty() {
            return Err(AlertError::Config {
                reason: "PagerDuty routing key is empty",
            });
        }
        let source = source.into();
        Ok(PagerDutyChannel {
            name: name.into(),
            routing_key,
            source: if source.trim().is_empty() {
                "parapet".into()
            } else {
                source
            },
            poster: JsonPoster::new(url, timeout, tls, "PagerDuty URL is not a valid URL")?,
        })
    }

    /// The Events API v2 body for `alert`.
    pub fn event_body(&self, alert: &Alert) -> Value {
        match alert {
            Alert::Event { event } if event.is_resolution() => json!({
                "routing_key": self.routing_key,
                "event_action": "resolve",
                "dedup_key": incident_key(&event.dedup_key, true),
            }),
            Alert::Event { event } => json!({
                "routing_key": self.routing_key,
                "event_action": "trigger",
                "dedup_key": incident_key(&event.dedup_key, false),
                "client": "Parapet",
                "payload": {
                    "summary": cut(&alert.summary(), MAX_SUMMARY_CHARS),
                    "source": self.source,
                    "severity": severity(event.severity),
                    "timestamp": event.time.to_string(),
                    "component": event.service.to_string(),
                    "group": event.subject,
                    "class": event.kind,
                    "custom_details": event.details,
                },
            }),
            Alert::Throttled { channel, since, .. } | Alert::Digest { channel, since, .. } => {
                json!({
                    "routing_key": self.routing_key,
                    "event_action": "trigger",
                    "dedup_key": incident_key(
                        &format!("parapet/{}/{channel}/{since}", if matches!(alert, Alert::Digest { .. }) { "digest" } else { "throttled" }),
                        false,
                    ),
                    "client": "Parapet",
                    "payload": {
                        "summary": cut(&alert.summary(), MAX_SUMMARY_CHARS),
                        "source": self.source,
                        "severity": severity(alert.severity()),
                        "class": if matches!(alert, Alert::Digest { .. }) { "digest" } else { "throttled" },
                        "custom_details": alert,
                    },
                })
            }
        }
    }
}

/// The PagerDuty `dedup_key` of an event's incident: for a resolution, its key without the
/// first `-resolved`, which is then the key of the event it resolves. Keys longer than
/// PagerDuty allows are replaced by their SHA-256 (stable, so trigger and resolve agree).
pub fn incident_key(dedup_key: &str, resolution: bool) -> String {
    let key = if resolution {
        dedup_key.replacen("-resolved", "", 1)
    } else {
        dedup_key.to_owned()
    };
    if key.chars().count() <= MAX_DEDUP_KEY_CHARS {
        return key;
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut out = String::from("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// PagerDuty's four severities.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        // Info, Low, and any severity added later.
        _ => "info",
    }
}

#[async_trait]
impl Channel for PagerDutyChannel {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, alert: &Alert) -> Result<(), AlertError> {
        let body = Bytes::from(serde_json::to_vec(&self.event_body(alert))?);
        self.poster.post(body, &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parapet_core::{Event, Service};

    #[test]
    fn a_resolution_resolves_the_incident_its_trigger_opened() {
        let ch = PagerDutyChannel::new("pd", "R0UT1NGKEY", "edge-1").unwrap();
        let up = Event::new(
            Service::Routes,
            "origin-hijack",
            Severity::Critical,
            "192.0.2.0/24",
            "hijack",
        );
        let down = Event::new(
            Service::Routes,
            "origin-hijack-resolved",
            Severity::Info,
            "192.0.2.0/24",
            "over",
        );
        assert_ne!(
            up.dedup_key, down.dedup_key,
            "the pipeline must not merge them"
        );
        let t = ch.event_body(&Alert::event(up));
        let r = ch.event_body(&Alert::event(down));
        assert_eq!(t["event_action"], "trigger");
        assert_eq!(r["event_action"], "resolve");
        assert_eq!(t["dedup_key"], r["dedup_key"]);
        assert_eq!(t["payload"]["severity"], "critical");
        assert_eq!(t["payload"]["source"], "edge-1");
    }

    #[test]
    fn long_keys_are_hashed_the_same_way_for_both() {
        let long = format!("scripts/new-script-resolved/{}", "a".repeat(400));
        let r = incident_key(&long, true);
        let t = incident_key(&long.replacen("-resolved", "", 1), false);
        assert_eq!(r, t);
        assert!(
            r.len() <= MAX_DEDUP_KEY_CHARS && r.starts_with("sha256:"),
            "{r}"
        );
    }

    #[test]
    fn empty_routing_key_is_refused() {
        assert!(matches!(
            PagerDutyChannel::new("pd", " ", "x"),
            Err(AlertError::Config { .. })
        ));
    }
}

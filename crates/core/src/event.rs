//! The one event model: [`Event`], [`Service`], [`Severity`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{echo, CoreError};
use crate::Timestamp;

/// Longest `summary`, in characters, that [`Event::new`] keeps.
///
/// Summaries often quote attacker-controlled text (a script URL from a CSP report, an AS path
/// from a peer); a bound keeps one hostile report from filling the dashboard, a Slack message
/// or the database.
pub const MAX_SUMMARY_CHARS: usize = 500;

/// Longest `subject` (and default `dedup_key` part), in characters, that [`Event::new`] keeps.
pub const MAX_SUBJECT_CHARS: usize = 255;

/// Which Parapet service produced an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Service {
    /// The L7 reverse proxy.
    Gateway,
    /// The client-side script monitor.
    Scripts,
    /// The BGP route monitor.
    Routes,
}

impl Service {
    /// Every service, in a stable order.
    pub const ALL: [Service; 3] = [Service::Gateway, Service::Scripts, Service::Routes];

    /// The lowercase name used in config, storage, JSON and metrics labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Service::Gateway => "gateway",
            Service::Scripts => "scripts",
            Service::Routes => "routes",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Service {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Service::ALL
            .into_iter()
            .find(|svc| svc.as_str() == s)
            .ok_or_else(|| CoreError::UnknownService { value: echo(s) })
    }
}

/// How bad an event is. Ordered: `Info < Low < Medium < High < Critical`, so that "at least
/// High" is a plain comparison in filters, channels and SQL (see [`Severity::rank`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Worth recording, not worth waking anyone: a script seen again, a hijack resolved.
    Info,
    /// Probably benign but new: a new first-party script.
    Low,
    /// Needs a look during working hours: a new third-party destination.
    Medium,
    /// Likely an attack or an outage in progress: an origin hijack, a skimmer-like change.
    High,
    /// Confirmed and severe: act now.
    Critical,
}

impl Severity {
    /// Every severity, least severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in config, storage, JSON and metrics labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// A stable small integer, 0 (info) to 4 (critical), that orders like the severity.
    ///
    /// Stores keep this rank so that "minimum severity" is an indexed integer comparison in any
    /// SQL database; never renumber it.
    pub const fn rank(self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
            Severity::Critical => 4,
        }
    }

    /// The severity of a [`rank`](Severity::rank).
    pub fn from_rank(rank: u8) -> Result<Self, CoreError> {
        Severity::ALL
            .into_iter()
            .find(|s| s.rank() == rank)
            .ok_or_else(|| CoreError::UnknownSeverity {
                value: rank.to_string(),
            })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str() == s)
            .ok_or_else(|| CoreError::UnknownSeverity { value: echo(s) })
    }
}

/// One thing a service detected, in the form every other part of Parapet understands.
///
/// Build one with [`Event::new`] and the `with_*` methods: they bound and clean the text fields
/// and derive a sensible `dedup_key`. The fields stay public for reading and for stores that
/// rebuild events from rows; the struct is `#[non_exhaustive]` so that adding a field later
/// breaks no caller.
///
/// ```
/// use parapet_core::{Event, Service, Severity};
///
/// let event = Event::new(
///     Service::Routes,
///     "origin-hijack",
///     Severity::High,
///     "104.20.0.0/20",
///     "104.20.0.0/20 announced by AS64512, expected AS13335",
/// )
/// .with_details(serde_json::json!({ "origin_asn": 64512 }));
/// assert_eq!(event.dedup_key, "routes/origin-hijack/104.20.0.0/20");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The store's identifier; `None` until the event has been stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// When the event happened (or was first observed).
    pub time: Timestamp,
    /// The service that produced it.
    pub service: Service,
    /// What happened, as a lowercase slug owned by the service: `new-script`,
    /// `origin-hijack`, `origin-hijack-resolved`, ...
    pub kind: String,
    /// How bad it is.
    pub severity: Severity,
    /// What it is about: a site host, a monitored prefix, a script URL.
    pub subject: String,
    /// Events with the same key describe the same ongoing thing; the alert pipeline alerts
    /// once per key per window.
    pub dedup_key: String,
    /// One human-readable line.
    pub summary: String,
    /// Service-specific structured data (JSON object by convention, `null` when none).
    #[serde(default)]
    pub details: serde_json::Value,
}

impl Event {
    /// An event that happened now, with the default dedup key
    /// ([`Event::default_dedup_key`]) and no details.
    ///
    /// `summary` is made one line (control characters become spaces) and cut to
    /// [`MAX_SUMMARY_CHARS`]; `subject` likewise to [`MAX_SUBJECT_CHARS`]. Both often carry
    /// attacker-controlled text, and an event must be safe to print on one log line.
    pub fn new(
        service: Service,
        kind: impl Into<String>,
        severity: Severity,
        subject: impl AsRef<str>,
        summary: impl AsRef<str>,
    ) -> Self {
        let kind = kind.into();
        let subject = one_line(subject.as_ref(), MAX_SUBJECT_CHARS);
        let dedup_key = Event::default_dedup_key(service, &kind, &subject);
        Event {
            id: None,
            time: Timestamp::now(),
            service,
            kind,
            severity,
            subject,
            dedup_key,
            summary: one_line(summary.as_ref(), MAX_SUMMARY_CHARS),
            details: serde_json::Value::Null,
        }
    }

    /// `service/kind/subject`: the same kind of event about the same subject from the same
    /// service is, by default, the same thing again.
    pub fn default_dedup_key(service: Service, kind: &str, subject: &str) -> String {
        format!("{service}/{kind}/{subject}")
    }

    /// Sets when the event happened, e.g. a BGP update's first observation rather than now.
    #[must_use]
    pub fn with_time(mut self, time: Timestamp) -> Self {
        self.time = time;
        self
    }

    /// Replaces the default dedup key, for services whose identity is finer or coarser than
    /// the subject (a route event keyed by prefix *and* offending AS, say).
    #[must_use]
    pub fn with_dedup_key(mut self, key: impl AsRef<str>) -> Self {
        self.dedup_key = one_line(key.as_ref(), MAX_SUBJECT_CHARS * 2);
        self
    }

    /// Attaches structured details.
    #[must_use]
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// Whether this event reports the end of an earlier one (its kind ends in `-resolved`).
    pub fn is_resolution(&self) -> bool {
        self.kind.ends_with("-resolved")
    }
}

/// `text` on one line, trimmed, at most `max` characters (the last one an ellipsis if cut).
fn one_line(text: &str, max: usize) -> String {
    let cleaned: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if cleaned.chars().count() <= max {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_ranks_round_trip() {
        assert!(Severity::Info < Severity::Low);
        assert!(Severity::High < Severity::Critical);
        for (i, sev) in Severity::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(sev.rank()), i);
            assert_eq!(Severity::from_rank(sev.rank()), Ok(sev));
            assert_eq!(sev.as_str().parse::<Severity>(), Ok(sev));
        }
        assert!(Severity::from_rank(5).is_err());
        assert!("HIGH".parse::<Severity>().is_err());
    }

    #[test]
    fn service_names_round_trip() {
        for svc in Service::ALL {
            assert_eq!(svc.as_str().parse::<Service>(), Ok(svc));
            let json = serde_json::to_string(&svc).expect("serialise");
            assert_eq!(json, format!("\"{}\"", svc.as_str()));
        }
        let err = "bgp".parse::<Service>().expect_err("unknown service");
        assert!(err.to_string().contains("\"bgp\""), "{err}");
    }

    #[test]
    fn severity_serialises_lowercase() {
        assert_eq!(
            serde_json::to_string(&Severity::Critical).expect("serialise"),
            "\"critical\""
        );
        let parsed: Severity = serde_json::from_str("\"medium\"").expect("parse");
        assert_eq!(parsed, Severity::Medium);
    }

    #[test]
    fn new_event_cleans_text_and_derives_dedup_key() {
        let before = Timestamp::now();
        let e = Event::new(
            Service::Scripts,
            "new-script",
            Severity::Low,
            " shop.example\n",
            "new script\r\nhttps://cdn.example/a.js\tloaded",
        );
        assert_eq!(e.id, None);
        assert!(e.time >= before);
        assert_eq!(e.subject, "shop.example");
        assert_eq!(e.summary, "new script  https://cdn.example/a.js loaded");
        assert_eq!(e.dedup_key, "scripts/new-script/shop.example");
        assert_eq!(e.details, serde_json::Value::Null);
        assert!(!e.is_resolution());
    }

    #[test]
    fn long_text_is_bounded() {
        let e = Event::new(
            Service::Gateway,
            "k",
            Severity::Info,
            "é".repeat(10_000),
            "x".repeat(10_000),
        );
        assert_eq!(e.summary.chars().count(), MAX_SUMMARY_CHARS);
        assert!(e.summary.ends_with('…'));
        assert_eq!(e.subject.chars().count(), MAX_SUBJECT_CHARS);
    }

    #[test]
    fn builders_set_fields_and_json_round_trips() {
        let t = Timestamp::from_unix_millis(1_700_000_000_123);
        let e = Event::new(
            Service::Routes,
            "origin-hijack-resolved",
            Severity::Info,
            "192.0.2.0/24",
            "resolved",
        )
        .with_time(t)
        .with_dedup_key("routes/origin-hijack/192.0.2.0/24/AS64512")
        .with_details(serde_json::json!({"as_path": [64500, 64512]}));
        assert!(e.is_resolution());
        let json = serde_json::to_value(&e).expect("serialise");
        assert_eq!(json["time"], "2023-11-14T22:13:20.123Z");
        assert_eq!(json["service"], "routes");
        assert_eq!(json["severity"], "info");
        assert!(json.get("id").is_none());
        let back: Event = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, e);
    }
}

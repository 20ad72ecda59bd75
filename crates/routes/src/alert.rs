//! Route alerts: what the engine reports, in the JSON Lines shape of `parapet routes
//! replay`, as one text line, and as a [`parapet_core::Event`] for the shared pipeline.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use parapet_core::{Event, Service, Severity, Timestamp};
use serde::Serialize;

use crate::model::{Asn, Vantage};

/// The kinds of route events (each also has its `-resolved` form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AlertKind {
    /// The exact monitored prefix from an origin that is not allowed.
    OriginHijack,
    /// A more-specific of a monitored prefix from an origin that is not allowed.
    SubprefixHijack,
    /// A more-specific from an allowed origin while `more_specifics = "alert"`.
    MoreSpecific,
    /// An allowed origin reached through a neighbour that is not an allowed upstream, or
    /// through an adjacency the relationships file does not know.
    PathAnomaly,
    /// A valley-free, Only-To-Customer or ASPA violation.
    RouteLeak,
    /// Route origin validation says Invalid.
    RpkiInvalid,
    /// A monitored prefix withdrawn by at least half of the vantages that announced it.
    VisibilityLoss,
}

impl AlertKind {
    pub const ALL: [AlertKind; 7] = [
        AlertKind::OriginHijack,
        AlertKind::SubprefixHijack,
        AlertKind::MoreSpecific,
        AlertKind::PathAnomaly,
        AlertKind::RouteLeak,
        AlertKind::RpkiInvalid,
        AlertKind::VisibilityLoss,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AlertKind::OriginHijack => "origin-hijack",
            AlertKind::SubprefixHijack => "subprefix-hijack",
            AlertKind::MoreSpecific => "more-specific",
            AlertKind::PathAnomaly => "path-anomaly",
            AlertKind::RouteLeak => "route-leak",
            AlertKind::RpkiInvalid => "rpki-invalid",
            AlertKind::VisibilityLoss => "visibility-loss",
        }
    }

    pub const fn resolved_str(self) -> &'static str {
        match self {
            AlertKind::OriginHijack => "origin-hijack-resolved",
            AlertKind::SubprefixHijack => "subprefix-hijack-resolved",
            AlertKind::MoreSpecific => "more-specific-resolved",
            AlertKind::PathAnomaly => "path-anomaly-resolved",
            AlertKind::RouteLeak => "route-leak-resolved",
            AlertKind::RpkiInvalid => "rpki-invalid-resolved",
            AlertKind::VisibilityLoss => "visibility-loss-resolved",
        }
    }

    /// How bad the event is while it lasts.
    pub const fn severity(self) -> Severity {
        match self {
            AlertKind::OriginHijack
            | AlertKind::SubprefixHijack
            | AlertKind::RouteLeak
            | AlertKind::VisibilityLoss => Severity::High,
            AlertKind::MoreSpecific | AlertKind::PathAnomaly | AlertKind::RpkiInvalid => {
                Severity::Medium
            }
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One AS path and how many observations carried it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TopPath {
    pub as_path: serde_json::Value,
    pub count: u32,
}

/// One route alert: the start or the end of an event.
///
/// Serialised, this is one line of `parapet routes replay --format json`; the field names
/// are a stable contract (DESIGN.md, docs/routes.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Alert {
    /// `origin-hijack`, ..., or `origin-hijack-resolved`, ...
    #[serde(rename = "type")]
    pub kind_str: &'static str,
    #[serde(skip)]
    pub kind: AlertKind,
    pub resolved: bool,
    /// The announced (or, for visibility loss, the monitored) prefix.
    pub prefix: IpNet,
    /// The configured prefix whose rule matched: the most specific one covering `prefix`.
    pub monitored_prefix: IpNet,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The origin of the first path that showed the event (`null` for an AS_SET origin).
    pub origin_asn: Option<Asn>,
    /// The AS the event is about: the unexpected origin, the unexpected neighbour, the AS
    /// that leaked.
    pub offender_asn: Option<Asn>,
    /// The first path that showed the event, neighbour first, AS_SETs as arrays.
    pub as_path: serde_json::Value,
    /// Distinct vantages that saw the event.
    pub vantages: usize,
    /// Those vantages (at most [`crate::MAX_LISTED_VANTAGES`]).
    pub peers: Vec<Vantage>,
    /// First observation of the event (virtual time in a replay).
    pub first_seen: Timestamp,
    /// When this alert was raised (the end, for a resolution).
    pub time: Timestamp,
    pub severity: Severity,
    /// Which check fired: `allowed-origins`, `more-specifics`, `upstreams`, `adjacency`,
    /// `valley-free`, `only-to-customer`, `aspa`, `rov`, `visibility`.
    pub rule: &'static str,
    /// Why, in one sentence.
    pub evidence: String,
    /// The most frequently observed paths, most frequent first.
    pub top_paths: Vec<TopPath>,
    /// ROV state of the first observed route: `valid`, `invalid`, `not-found`, or
    /// `not-checked` without VRPs.
    pub rpki: &'static str,
    /// ASPA state of the first observed path: `valid`, `invalid`, `unknown`, or
    /// `not-checked` without ASPA records.
    pub aspa: &'static str,
}

impl Alert {
    /// One human-readable line.
    pub fn summary(&self) -> String {
        format!("{} {}: {}", self.kind_str, self.prefix, self.evidence)
    }

    /// The alert as an event of the shared model. The dedup key names the kind, the prefix
    /// and the offender, so that one event alerts once however many vantages report it,
    /// and its resolution is a different key that the pipeline lets through.
    pub fn to_event(&self) -> Event {
        let severity = if self.resolved {
            Severity::Info
        } else {
            self.severity
        };
        let offender = self
            .offender_asn
            .map_or_else(|| "-".to_owned(), |a| format!("AS{a}"));
        let details = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        Event::new(
            Service::Routes,
            self.kind_str,
            severity,
            self.prefix.to_string(),
            self.summary(),
        )
        .with_time(self.time)
        .with_dedup_key(format!(
            "routes/{}/{}/{}",
            self.kind_str, self.prefix, offender
        ))
        .with_details(details)
    }

    /// The `--format text` line.
    pub fn text_line(&self) -> String {
        let path = self
            .as_path
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let origin = self
            .origin_asn
            .map_or_else(|| "-".to_owned(), |a| format!("AS{a}"));
        format!(
            "{} {} {} (rule {}) origin {} path [{}] vantages {} rpki {} aspa {}: {}",
            self.time,
            self.kind_str,
            self.prefix,
            self.monitored_prefix,
            origin,
            path,
            self.vantages,
            self.rpki,
            self.aspa,
            self.evidence
        )
    }
}

/// What a feed-health alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FeedKind {
    /// A source is gone: a BMP router's session closed (or it stopped talking for longer
    /// than `silence_timeout`), or the RIS Live stream broke or went silent past its
    /// watchdog. Detection is blind to what it would have shown.
    FeedDown,
    /// A BGP peer of one of the operator's routers went down (a BMP Peer Down), or did not
    /// come back after the router's BMP session was re-established.
    PeerDown,
}

impl FeedKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            FeedKind::FeedDown => "feed-down",
            FeedKind::PeerDown => "peer-down",
        }
    }

    pub const fn resolved_str(self) -> &'static str {
        match self {
            FeedKind::FeedDown => "feed-down-resolved",
            FeedKind::PeerDown => "peer-down-resolved",
        }
    }
}

/// A feed-health alert: a source or a peer went down, or came back (`resolved`).
///
/// Serialised, this is one line of `parapet routes watch --format json`, told apart from
/// route alerts by its `type` (`feed-down`, `peer-down` and their `-resolved` forms).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FeedAlert {
    #[serde(rename = "type")]
    pub kind_str: &'static str,
    #[serde(skip)]
    pub kind: FeedKind,
    pub resolved: bool,
    /// The input: `bmp` or `ris-live`.
    pub source: &'static str,
    /// For BMP: the router (the session's remote address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router: Option<IpAddr>,
    /// For RIS Live: the stream's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its sysName from the BMP Initiation message, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router_name: Option<String>,
    /// For `peer-down`: the BGP peer (AS and address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_asn: Option<Asn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_address: Option<IpAddr>,
    /// When the outage began.
    pub first_seen: Timestamp,
    /// When this alert was raised (the end, for a resolution).
    pub time: Timestamp,
    pub severity: Severity,
    /// Why, in one sentence.
    pub evidence: String,
}

impl FeedAlert {
    /// The alert as an event of the shared model; the dedup key names the router (and the
    /// peer), so that a flapping session alerts once per dedup window.
    pub fn to_event(&self) -> Event {
        let severity = if self.resolved {
            Severity::Info
        } else {
            self.severity
        };
        let mut subject = self.source.to_owned();
        if let Some(r) = self.router {
            subject += &format!(" {r}");
        }
        if let Some(u) = &self.url {
            subject += &format!(" {u}");
        }
        if let (Some(asn), Some(addr)) = (self.peer_asn, self.peer_address) {
            subject += &format!(" AS{asn} {addr}");
        }
        let details = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        Event::new(
            Service::Routes,
            self.kind_str,
            severity,
            subject.clone(),
            format!("{} {}: {}", self.kind_str, subject, self.evidence),
        )
        .with_time(self.time)
        .with_dedup_key(format!(
            "routes/{}/{}",
            self.kind_str,
            subject.replace(' ', "/")
        ))
        .with_details(details)
    }

    /// The `--format text` line.
    pub fn text_line(&self) -> String {
        let name = self
            .router_name
            .as_deref()
            .map_or_else(String::new, |n| format!(" ({n})"));
        let peer = match (self.peer_asn, self.peer_address) {
            (Some(a), Some(p)) => format!(" peer AS{a} {p}"),
            _ => String::new(),
        };
        let from = self
            .router
            .map(|r| r.to_string())
            .or_else(|| self.url.clone())
            .unwrap_or_default();
        format!(
            "{} {} {} {from}{name}{peer}: {}",
            self.time, self.kind_str, self.source, self.evidence
        )
    }
}

/// Anything the route monitor reports: a route alert or a feed-health alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Report {
    Route(Alert),
    Feed(FeedAlert),
}

impl Report {
    pub fn to_event(&self) -> Event {
        match self {
            Report::Route(a) => a.to_event(),
            Report::Feed(a) => a.to_event(),
        }
    }

    pub fn text_line(&self) -> String {
        match self {
            Report::Route(a) => a.text_line(),
            Report::Feed(a) => a.text_line(),
        }
    }

    /// The `type` field: `origin-hijack`, `feed-down-resolved`, ...
    pub fn kind_str(&self) -> &'static str {
        match self {
            Report::Route(a) => a.kind_str,
            Report::Feed(a) => a.kind_str,
        }
    }
}

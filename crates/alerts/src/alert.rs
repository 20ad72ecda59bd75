//! [`Alert`]: what a channel is asked to deliver.

use parapet_core::{Event, Severity, Timestamp};
use serde::{Deserialize, Serialize};

/// One notification for a channel.
///
/// Serialised (for webhooks) with a `type` tag:
/// `{"type":"event","event":{...}}` or
/// `{"type":"throttled","channel":"ops","suppressed":12,...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Alert {
    /// An event that passed deduplication, severity filter and throttling.
    Event {
        /// The event.
        event: Event,
    },
    /// How many alerts a channel's throttle held back during one window.
    Throttled {
        /// The channel whose throttle held them back.
        channel: String,
        /// How many alerts were held back.
        suppressed: u64,
        /// The most severe of them.
        max_severity: Severity,
        /// Distinct kinds among them (at most [`Alert::MAX_SUMMARY_KINDS`]).
        kinds: Vec<String>,
        /// When the throttle window began.
        since: Timestamp,
        /// When the summary was made.
        until: Timestamp,
    },
    /// The low-severity events a channel collected over one digest period, sent together
    /// instead of one by one.
    Digest {
        /// The channel that collected them.
        channel: String,
        /// How many events the period held.
        count: u64,
        /// The most severe of them.
        max_severity: Severity,
        /// The first [`Alert::MAX_DIGEST_EVENTS`] of them, oldest first; the rest are counted.
        events: Vec<Event>,
        /// When the period began.
        since: Timestamp,
        /// When the digest was made.
        until: Timestamp,
    },
}

impl Alert {
    /// How many distinct kinds a throttle summary lists.
    pub const MAX_SUMMARY_KINDS: usize = 10;

    /// How many events a digest lists (it counts them all).
    pub const MAX_DIGEST_EVENTS: usize = 100;

    /// An alert for `event`.
    pub fn event(event: Event) -> Self {
        Alert::Event { event }
    }

    /// How urgent this alert is: the event's severity, or the worst one held back.
    pub fn severity(&self) -> Severity {
        match self {
            Alert::Event { event } => event.severity,
            Alert::Throttled { max_severity, .. } | Alert::Digest { max_severity, .. } => {
                *max_severity
            }
        }
    }

    /// One human line, for channels that show text (chat, email subject, logs).
    pub fn summary(&self) -> String {
        match self {
            Alert::Event { event } => format!(
                "[{}] {} {}: {}",
                event.severity, event.service, event.kind, event.summary
            ),
            Alert::Throttled {
                channel,
                suppressed,
                max_severity,
                kinds,
                since,
                ..
            } => format!(
                "[{max_severity}] {suppressed} alerts held back on channel {channel} since \
                 {since} ({})",
                kinds.join(", ")
            ),
            Alert::Digest {
                channel,
                count,
                max_severity,
                since,
                ..
            } => format!(
                "[{max_severity}] digest for channel {channel}: {count} low-severity events \
                 since {since}"
            ),
        }
    }
}

/// `text` in at most `max` characters, the last one an ellipsis when cut: channels have
/// limits of their own (a Slack header, a PagerDuty summary).
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use parapet_core::Service;

    #[test]
    fn serialises_with_type_tag_and_round_trips() {
        let e = Event::new(
            Service::Scripts,
            "new-script",
            Severity::Medium,
            "shop.example",
            "new script",
        );
        let alert = Alert::event(e);
        let json = serde_json::to_value(&alert).expect("serialise");
        assert_eq!(json["type"], "event");
        assert_eq!(json["event"]["kind"], "new-script");
        let back: Alert = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, alert);

        let summary = Alert::Throttled {
            channel: "ops".into(),
            suppressed: 3,
            max_severity: Severity::High,
            kinds: vec!["origin-hijack".into()],
            since: Timestamp::EPOCH,
            until: Timestamp::EPOCH,
        };
        let json = serde_json::to_value(&summary).expect("serialise");
        assert_eq!(json["type"], "throttled");
        assert_eq!(json["suppressed"], 3);
        assert_eq!(summary.severity(), Severity::High);
        assert!(summary
            .summary()
            .contains("3 alerts held back on channel ops"));
    }
}

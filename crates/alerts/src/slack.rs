//! [`SlackChannel`]: Slack's incoming-webhook format.
//!
//! The message carries a `text` fallback (notifications, old clients) and Block Kit blocks: a
//! header with the one-line summary, the fields an on-call engineer triages by, and the
//! dedup key and time as context. Event text often comes from hostile input (a script URL
//! from a CSP report), so every field from an event is `plain_text`, which Slack never turns
//! into links or mentions, and the `text` fallback (mrkdwn) is escaped as Slack documents.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::alert::cut;
use crate::http::{JsonPoster, DEFAULT_HTTP_TIMEOUT};
use crate::{Alert, AlertError, Channel};

/// Slack's limit on a header block's text.
const MAX_HEADER_CHARS: usize = 150;
/// Slack's limit on a text object inside a section's fields.
const MAX_FIELD_CHARS: usize = 2000;
/// Events a digest shows one by one (with the four other fields, under Slack's ten).
const MAX_DIGEST_LINES: usize = 6;
/// What we allow the fallback text (Slack truncates at 40,000).
const MAX_TEXT_CHARS: usize = 3000;

/// Posts alerts to a Slack incoming webhook (`https://hooks.slack.com/services/...`).
///
/// Slack answers 200 `ok`; 4xx answers (`invalid_payload`, `no_service`,
/// `channel_is_archived`) are not retried, 429 and 5xx are.
pub struct SlackChannel {
    name: String,
    poster: JsonPoster,
}

impl std::fmt::Debug for SlackChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The webhook URL's path is the credential: only the host is shown.
        f.debug_struct("SlackChannel")
            .field("name", &self.name)
            .field("host", &self.poster.url().host())
            .finish_non_exhaustive()
    }
}

impl SlackChannel {
    /// A channel named `name` posting to the incoming-webhook `url`.
    pub fn new(name: impl Into<String>, url: &str) -> Result<Self, AlertError> {
        Self::with_options(name, url, DEFAULT_HTTP_TIMEOUT, None)
    }

    /// Same, with an attempt timeout and TLS settings (a private CA, say).
    pub fn with_options(
        name: impl Into<String>,
        url: &str,
        timeout: Duration,
        tls: Option<rustls::ClientConfig>,
    ) -> Result<Self, AlertError> {
        Ok(SlackChannel {
            name: name.into(),
            poster: JsonPoster::new(url, timeout, tls, "Slack webhook URL is not a valid URL")?,
        })
    }
}

/// The Slack message for `alert`.
pub fn slack_message(alert: &Alert) -> Value {
    let summary = alert.summary();
    let mut fields = vec![field("Severity", alert.severity().as_str())];
    let context = match alert {
        Alert::Event { event } => {
            fields.push(field("Service", &event.service.to_string()));
            fields.push(field("Kind", &event.kind));
            fields.push(field("Subject", &event.subject));
            format!("{} · dedup key {}", event.time, event.dedup_key)
        }
        Alert::Throttled {
            channel,
            suppressed,
            since,
            until,
            ..
        } => {
            fields.push(field("Channel", channel));
            fields.push(field("Held back", &suppressed.to_string()));
            format!("{since} to {until}")
        }
        Alert::Digest {
            channel,
            count,
            events,
            since,
            until,
            ..
        } => {
            fields.push(field("Channel", channel));
            fields.push(field("Events", &count.to_string()));
            // Slack allows ten fields: the first few events, one line each.
            for e in events.iter().take(MAX_DIGEST_LINES) {
                fields.push(field(
                    e.severity.as_str(),
                    &format!("{} {}", e.kind, e.subject),
                ));
            }
            format!("{since} to {until}")
        }
    };
    json!({
        "text": escape(&cut(&summary, MAX_TEXT_CHARS)),
        "blocks": [
            {"type": "header", "text": plain(&cut(&summary, MAX_HEADER_CHARS))},
            {"type": "section", "fields": fields},
            {"type": "context", "elements": [plain(&cut(&context, MAX_FIELD_CHARS))]},
        ],
    })
}

fn field(label: &str, value: &str) -> Value {
    plain(&cut(&format!("{label}: {value}"), MAX_FIELD_CHARS))
}

fn plain(text: &str) -> Value {
    json!({"type": "plain_text", "text": text, "emoji": false})
}

/// Slack's mrkdwn escaping: `&`, `<` and `>` as entities, so that `<!channel>` or
/// `<https://evil|bank>` in hostile text stay text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[async_trait]
impl Channel for SlackChannel {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, alert: &Alert) -> Result<(), AlertError> {
        let body = Bytes::from(serde_json::to_vec(&slack_message(alert))?);
        self.poster.post(body, &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parapet_core::{Event, Service, Severity};

    #[test]
    fn hostile_text_cannot_mention_or_link() {
        let e = Event::new(
            Service::Scripts,
            "new-script",
            Severity::High,
            "shop.example",
            "new script <!channel> <https://evil.example|your bank> & more",
        );
        let m = slack_message(&Alert::event(e));
        let text = m["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
        for block in m["blocks"].as_array().unwrap() {
            let texts: Vec<&Value> = match block["type"].as_str().unwrap() {
                "header" => vec![&block["text"]],
                "section" => block["fields"].as_array().unwrap().iter().collect(),
                _ => block["elements"].as_array().unwrap().iter().collect(),
            };
            for t in texts {
                assert_eq!(t["type"], "plain_text", "{block}");
            }
        }
    }

    #[test]
    fn a_digest_keeps_within_ten_fields() {
        let events: Vec<Event> = (0..40)
            .map(|i| {
                Event::new(
                    Service::Scripts,
                    "new-script",
                    Severity::Low,
                    format!("https://cdn{i}.example/a.js"),
                    "new script",
                )
            })
            .collect();
        let digest = Alert::Digest {
            channel: "chat".into(),
            count: 40,
            max_severity: Severity::Low,
            events,
            since: parapet_core::Timestamp::EPOCH,
            until: parapet_core::Timestamp::EPOCH,
        };
        let m = slack_message(&digest);
        let fields = m["blocks"][1]["fields"].as_array().unwrap();
        assert!(fields.len() <= 10, "{}", fields.len());
        assert!(fields.iter().any(|f| f["text"] == "Events: 40"));
        assert!(m["text"]
            .as_str()
            .unwrap()
            .contains("40 low-severity events"));
    }

    #[test]
    fn long_summaries_fit_slack_limits() {
        let e = Event::new(
            Service::Routes,
            "origin-hijack",
            Severity::Critical,
            "192.0.2.0/24",
            "x".repeat(5000),
        );
        let m = slack_message(&Alert::event(e));
        let header = m["blocks"][0]["text"]["text"].as_str().unwrap();
        assert_eq!(header.chars().count(), MAX_HEADER_CHARS);
        assert!(header.ends_with('…'));
        assert!(m["text"].as_str().unwrap().chars().count() <= MAX_TEXT_CHARS);
    }
}

//! The shared alert pipeline: from [`Event`]s to notifications, without floods or losses.
//!
//! Every service hands the events worth telling someone about to one [`Pipeline`]. It:
//!
//! 1. **deduplicates**: events with the same `dedup_key` alert once per dedup window (a BGP
//!    hijack seen by forty vantages, a new script reported by ten thousand browsers, is one
//!    alert);
//! 2. **filters** per channel by minimum severity, and optionally collects the low-severity
//!    rest into a periodic [`Alert::Digest`] (daily by default) instead of sending each;
//! 3. **throttles** per channel: at most N alerts per window; the excess is counted and, when
//!    the window ends, sent as one [`Alert::Throttled`] summary, so an operator learns that
//!    something was held back and how much, instead of being paged two hundred times;
//! 4. **delivers** to each [`Channel`] with retries and exponential backoff
//!    ([`RetryPolicy`]). An alert that still fails is logged, counted, returned to the caller
//!    in the [`SubmitOutcome`] and kept in a bounded dead-letter queue
//!    ([`Pipeline::take_failed`]) so the caller can store it: never silently lost.
//!
//! Channels: the generic signed [`WebhookChannel`] (JSON POST, HMAC-SHA256 signature in
//! `X-Parapet-Signature`), [`SlackChannel`] (incoming-webhook format, hostile text kept
//! inert) and [`PagerDutyChannel`] (Events API v2, trigger and resolve by dedup key); all
//! three share one HTTP(S) client setup (`http.rs`); and [`EmailChannel`] (plain-text
//! mail over SMTP, STARTTLS required, through lettre).
//!
//! This crate depends on `parapet-core` only, never on a service crate.

mod alert;
mod channel;
mod email;
mod error;
mod http;
mod pagerduty;
mod pipeline;
mod slack;
mod webhook;

pub use alert::Alert;
pub use channel::{deliver, Channel, RetryPolicy};
pub use email::{EmailBuilder, EmailChannel, DEFAULT_SMTP_PORT, DEFAULT_SMTP_TIMEOUT};
pub use error::AlertError;
pub use http::DEFAULT_HTTP_TIMEOUT;
pub use pagerduty::{incident_key, PagerDutyChannel, PAGERDUTY_EVENTS_URL};
pub use pipeline::{
    ChannelOptions, Delivery, DeliveryOutcome, DigestOptions, FailedAlert, Pipeline,
    PipelineBuilder, PipelineStats, SubmitOutcome, DEFAULT_DEDUP_WINDOW, DEFAULT_DIGEST_PERIOD,
    DEFAULT_MAX_ALERTS_PER_WINDOW, DEFAULT_THROTTLE_WINDOW, MAX_DEDUP_KEYS, MAX_FAILED_ALERTS,
};
pub use slack::{slack_message, SlackChannel};
pub use webhook::{
    sign, verify_signature, WebhookBuilder, WebhookChannel, DEFAULT_WEBHOOK_TIMEOUT,
    SIGNATURE_HEADER,
};

#[doc(no_inline)]
pub use parapet_core::Event;

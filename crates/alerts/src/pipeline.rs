//! [`Pipeline`]: dedup, per-channel severity filter and throttle, delivery with retries.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::join_all;
use parapet_core::{Event, Severity, Timestamp};
use tokio::time::Instant;

use crate::channel::{deliver, Channel, RetryPolicy};
use crate::{Alert, AlertError};

/// How long an event's `dedup_key` suppresses repeats. An hour: long enough that a flapping
/// route or a script reported by every visitor pages once, short enough that an attack still
/// going on tomorrow alerts again.
pub const DEFAULT_DEDUP_WINDOW: Duration = Duration::from_secs(3600);

/// Alerts one channel may send per [`DEFAULT_THROTTLE_WINDOW`] before the rest are summarised.
pub const DEFAULT_MAX_ALERTS_PER_WINDOW: u32 = 20;

/// The throttle window. Five minutes: a burst is summarised quickly, and a pager receives at
/// most [`DEFAULT_MAX_ALERTS_PER_WINDOW`] alerts in it.
pub const DEFAULT_THROTTLE_WINDOW: Duration = Duration::from_secs(300);

/// Most dedup keys remembered at once. Keys can derive from attacker-controlled input (one per
/// script URL); beyond this the oldest are forgotten, which may let a repeat through but never
/// grows memory without bound. Throttling still caps what reaches a channel.
pub const MAX_DEDUP_KEYS: usize = 100_000;

/// Most undelivered alerts kept for [`Pipeline::take_failed`]. Beyond it the oldest is dropped
/// and an error logged; callers should drain the queue into the store regularly.
pub const MAX_FAILED_ALERTS: usize = 1_000;

/// How often a channel's digest of low-severity events is sent: daily.
pub const DEFAULT_DIGEST_PERIOD: Duration = Duration::from_secs(24 * 3600);

/// A channel's digest: events up to `max_severity` are collected and sent together once per
/// `period` (counted from the first one collected) instead of one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DigestOptions {
    /// The most severe events that go to the digest.
    pub max_severity: Severity,
    /// How long a digest collects before it is sent.
    pub period: Duration,
}

/// Per-channel settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelOptions {
    /// Events below this severity are not sent to the channel.
    pub min_severity: Severity,
    /// Alerts the channel may send per `window`; at least 1.
    pub max_per_window: u32,
    /// The throttle window.
    pub window: Duration,
    /// Low-severity events go to a periodic digest instead, when set.
    pub digest: Option<DigestOptions>,
}

impl Default for ChannelOptions {
    fn default() -> Self {
        ChannelOptions {
            min_severity: Severity::Info,
            max_per_window: DEFAULT_MAX_ALERTS_PER_WINDOW,
            window: DEFAULT_THROTTLE_WINDOW,
            digest: None,
        }
    }
}

impl ChannelOptions {
    /// Only events at least this severe.
    #[must_use]
    pub fn min_severity(mut self, severity: Severity) -> Self {
        self.min_severity = severity;
        self
    }

    /// At most `max` alerts per `window`.
    #[must_use]
    pub fn throttle(mut self, max: u32, window: Duration) -> Self {
        self.max_per_window = max.max(1);
        self.window = window;
        self
    }

    /// Events up to `max_severity` go to a digest sent once per `period`.
    #[must_use]
    pub fn digest(mut self, max_severity: Severity, period: Duration) -> Self {
        self.digest = Some(DigestOptions {
            max_severity,
            period,
        });
        self
    }
}

/// What happened to one alert on one channel.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// Delivered after this many attempts.
    Sent {
        /// Attempts used, the successful one included.
        attempts: u32,
    },
    /// Below the channel's minimum severity; not sent.
    BelowSeverity,
    /// Held back by the channel's throttle; it will be counted in the next summary.
    Throttled,
    /// Collected for the channel's next digest.
    Digested,
    /// Not delivered after its retries. Also queued for [`Pipeline::take_failed`].
    Failed {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        error: Arc<AlertError>,
    },
}

/// One alert's fate on one channel.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The channel's name.
    pub channel: String,
    /// The alert (the event itself, or a throttle summary sent before it).
    pub alert: Alert,
    /// What happened.
    pub outcome: DeliveryOutcome,
}

/// What [`Pipeline::submit`] did with an event.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SubmitOutcome {
    /// The event repeated a `dedup_key` seen within the dedup window and went nowhere.
    pub duplicate: bool,
    /// One entry per channel (plus any throttle summary that was due), in channel order.
    pub deliveries: Vec<Delivery>,
}

impl SubmitOutcome {
    /// Deliveries that failed after their retries.
    pub fn failures(&self) -> impl Iterator<Item = &Delivery> {
        self.deliveries
            .iter()
            .filter(|d| matches!(d.outcome, DeliveryOutcome::Failed { .. }))
    }
}

/// An alert that could not be delivered, kept so that it is not lost.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FailedAlert {
    /// The channel it was meant for.
    pub channel: String,
    /// The alert.
    pub alert: Alert,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub error: Arc<AlertError>,
    /// When it was given up on.
    pub failed_at: Timestamp,
}

/// Counters since the pipeline was built, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipelineStats {
    /// Events submitted.
    pub received: u64,
    /// Events dropped as duplicates.
    pub duplicates: u64,
    /// Channel deliveries skipped for low severity.
    pub below_severity: u64,
    /// Channel deliveries held back by throttling.
    pub throttled: u64,
    /// Channel deliveries collected for a digest.
    pub digested: u64,
    /// Alerts delivered (summaries included).
    pub sent: u64,
    /// Alerts that failed after their retries (summaries included).
    pub failed: u64,
}

#[derive(Default)]
struct Counters {
    received: AtomicU64,
    duplicates: AtomicU64,
    below_severity: AtomicU64,
    throttled: AtomicU64,
    digested: AtomicU64,
    sent: AtomicU64,
    failed: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Remembered dedup keys. The window is the same for every key, so keys expire in insertion
/// order: a queue gives O(1) pruning and eviction alongside the map.
#[derive(Default)]
struct DedupState {
    first_seen: HashMap<String, Instant>,
    order: VecDeque<(String, Instant)>,
}

impl DedupState {
    /// Whether `key` is new (and now remembered) at `now`.
    fn admit(&mut self, key: &str, now: Instant, window: Duration) -> bool {
        self.prune(now, window);
        if self.first_seen.contains_key(key) {
            return false;
        }
        while self.first_seen.len() >= MAX_DEDUP_KEYS {
            let Some((old, at)) = self.order.pop_front() else {
                break;
            };
            if self.first_seen.get(&old) == Some(&at) {
                self.first_seen.remove(&old);
            }
        }
        self.first_seen.insert(key.to_owned(), now);
        self.order.push_back((key.to_owned(), now));
        true
    }

    fn prune(&mut self, now: Instant, window: Duration) {
        while let Some((key, at)) = self.order.front() {
            if now.saturating_duration_since(*at) < window {
                break;
            }
            if self.first_seen.get(key) == Some(at) {
                self.first_seen.remove(key);
            }
            self.order.pop_front();
        }
    }
}

/// One channel's throttle window.
#[derive(Default)]
struct ThrottleState {
    started: Option<(Instant, Timestamp)>,
    sent: u32,
    suppressed: u64,
    max_severity: Option<Severity>,
    kinds: BTreeSet<String>,
}

impl ThrottleState {
    fn window_over(&self, now: Instant, window: Duration) -> bool {
        self.started
            .is_none_or(|(at, _)| now.saturating_duration_since(at) >= window)
    }

    /// Ends the current window; returns its summary if anything was held back.
    fn roll(&mut self, channel: &str, now: Option<Instant>) -> Option<Alert> {
        let summary = match (self.started, self.max_severity) {
            (Some((_, since)), Some(max_severity)) if self.suppressed > 0 => {
                Some(Alert::Throttled {
                    channel: channel.to_owned(),
                    suppressed: self.suppressed,
                    max_severity,
                    kinds: std::mem::take(&mut self.kinds).into_iter().collect(),
                    since,
                    until: Timestamp::now(),
                })
            }
            _ => None,
        };
        *self = ThrottleState {
            started: now.map(|at| (at, Timestamp::now())),
            ..ThrottleState::default()
        };
        summary
    }

    /// Whether `event` may be sent now, and the previous window's summary if one is due.
    fn admit(
        &mut self,
        channel: &str,
        options: &ChannelOptions,
        event: &Event,
        now: Instant,
    ) -> (Option<Alert>, bool) {
        let summary = if self.window_over(now, options.window) {
            self.roll(channel, Some(now))
        } else {
            None
        };
        if self.sent < options.max_per_window.max(1) {
            self.sent += 1;
            return (summary, true);
        }
        self.suppressed += 1;
        self.max_severity = self.max_severity.max(Some(event.severity));
        if self.kinds.len() < Alert::MAX_SUMMARY_KINDS {
            self.kinds.insert(event.kind.clone());
        }
        (summary, false)
    }
}

/// One channel's digest being collected.
#[derive(Default)]
struct DigestState {
    started: Option<(Instant, Timestamp)>,
    count: u64,
    max_severity: Option<Severity>,
    events: Vec<Event>,
}

impl DigestState {
    fn add(&mut self, event: &Event, now: Instant) {
        if self.started.is_none() {
            self.started = Some((now, Timestamp::now()));
        }
        self.count += 1;
        self.max_severity = self.max_severity.max(Some(event.severity));
        if self.events.len() < Alert::MAX_DIGEST_EVENTS {
            self.events.push(event.clone());
        }
    }

    /// The digest, if its period is over at `now`; the state starts afresh.
    fn take_due(&mut self, channel: &str, now: Instant, period: Duration) -> Option<Alert> {
        let (at, since) = self.started?;
        if now.saturating_duration_since(at) < period {
            return None;
        }
        let done = std::mem::take(self);
        Some(Alert::Digest {
            channel: channel.to_owned(),
            count: done.count,
            max_severity: done.max_severity.unwrap_or(Severity::Info),
            events: done.events,
            since,
            until: Timestamp::now(),
        })
    }
}

struct ChannelSlot {
    channel: Arc<dyn Channel>,
    options: ChannelOptions,
    throttle: Mutex<ThrottleState>,
    digest: Mutex<DigestState>,
}

impl ChannelSlot {
    /// The channel's digest, when one is due.
    fn due_digest(&self, now: Instant) -> Option<Alert> {
        let d = self.options.digest?;
        lock(&self.digest).take_due(self.channel.name(), now, d.period)
    }
}

/// Where an admitted event goes on one channel.
enum Route {
    Send,
    Throttle,
    Digest,
}

/// Builds a [`Pipeline`].
#[derive(Default)]
pub struct PipelineBuilder {
    dedup_window: Option<Duration>,
    retry: Option<RetryPolicy>,
    channels: Vec<ChannelSlot>,
}

impl PipelineBuilder {
    /// How long a `dedup_key` suppresses repeats (default [`DEFAULT_DEDUP_WINDOW`]).
    #[must_use]
    pub fn dedup_window(mut self, window: Duration) -> Self {
        self.dedup_window = Some(window);
        self
    }

    /// How failed deliveries are retried (default [`RetryPolicy::DEFAULT`]).
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Adds a channel with its options. Channels are served in the order added.
    #[must_use]
    pub fn channel(mut self, channel: Arc<dyn Channel>, options: ChannelOptions) -> Self {
        self.channels.push(ChannelSlot {
            channel,
            options,
            throttle: Mutex::new(ThrottleState::default()),
            digest: Mutex::new(DigestState::default()),
        });
        self
    }

    /// The pipeline.
    pub fn build(self) -> Pipeline {
        Pipeline {
            dedup_window: self.dedup_window.unwrap_or(DEFAULT_DEDUP_WINDOW),
            retry: self.retry.unwrap_or_default(),
            channels: self.channels,
            dedup: Mutex::new(DedupState::default()),
            failed: Mutex::new(VecDeque::new()),
            counters: Counters::default(),
        }
    }
}

/// The alert pipeline shared by every service. Hold it in an `Arc`; all methods take `&self`.
///
/// Time for dedup and throttle windows is the monotonic clock of the async runtime, not event
/// time: an event replayed from an old archive still alerts once per window of wall time.
pub struct Pipeline {
    dedup_window: Duration,
    retry: RetryPolicy,
    channels: Vec<ChannelSlot>,
    dedup: Mutex<DedupState>,
    failed: Mutex<VecDeque<FailedAlert>>,
    counters: Counters,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("dedup_window", &self.dedup_window)
            .field("retry", &self.retry)
            .field(
                "channels",
                &self
                    .channels
                    .iter()
                    .map(|c| c.channel.name())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded state is plain counters and maps, consistent after any panic.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pipeline {
    /// Starts building a pipeline.
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder::default()
    }

    /// Runs `event` through dedup, filters and throttles, and delivers it to every channel
    /// that takes it, concurrently across channels.
    ///
    /// Resolves when every delivery has succeeded or exhausted its retries, which can take
    /// the retry policy's total backoff; a caller on a hot path should spawn it.
    pub async fn submit(&self, event: Event) -> SubmitOutcome {
        bump(&self.counters.received);
        let now = Instant::now();
        if !lock(&self.dedup).admit(&event.dedup_key, now, self.dedup_window) {
            bump(&self.counters.duplicates);
            tracing::debug!(dedup_key = %event.dedup_key, kind = %event.kind, "duplicate event");
            return SubmitOutcome {
                duplicate: true,
                deliveries: Vec::new(),
            };
        }

        let alert = Alert::event(event);
        let per_channel = self.channels.iter().map(|slot| {
            let name = slot.channel.name().to_owned();
            let digest = slot.due_digest(now);
            let (summary, admitted) = match &alert {
                Alert::Event { event } if event.severity < slot.options.min_severity => {
                    (None, None)
                }
                Alert::Event { event }
                    if slot
                        .options
                        .digest
                        .is_some_and(|d| event.severity <= d.max_severity) =>
                {
                    lock(&slot.digest).add(event, now);
                    (None, Some(Route::Digest))
                }
                Alert::Event { event } => {
                    let (summary, ok) =
                        lock(&slot.throttle).admit(&name, &slot.options, event, now);
                    (
                        summary,
                        Some(if ok { Route::Send } else { Route::Throttle }),
                    )
                }
                _ => (None, Some(Route::Send)),
            };
            let alert = alert.clone();
            async move {
                let mut out = Vec::with_capacity(3);
                for due in [digest, summary].into_iter().flatten() {
                    out.push(self.send(slot, due).await);
                }
                out.push(match admitted {
                    None => {
                        bump(&self.counters.below_severity);
                        Delivery {
                            channel: name,
                            alert,
                            outcome: DeliveryOutcome::BelowSeverity,
                        }
                    }
                    Some(Route::Digest) => {
                        bump(&self.counters.digested);
                        Delivery {
                            channel: name,
                            alert,
                            outcome: DeliveryOutcome::Digested,
                        }
                    }
                    Some(Route::Throttle) => {
                        bump(&self.counters.throttled);
                        tracing::debug!(channel = %name, "alert throttled");
                        Delivery {
                            channel: name,
                            alert,
                            outcome: DeliveryOutcome::Throttled,
                        }
                    }
                    Some(Route::Send) => self.send(slot, alert).await,
                });
                out
            }
        });
        let deliveries = join_all(per_channel).await.into_iter().flatten().collect();
        SubmitOutcome {
            duplicate: false,
            deliveries,
        }
    }

    /// Sends the throttle summaries whose window has ended and the digests whose period has,
    /// and forgets expired dedup keys.
    ///
    /// Call it periodically (every few seconds); without it a summary or digest waits for the
    /// channel's next alert.
    pub async fn tick(&self) -> Vec<Delivery> {
        let now = Instant::now();
        lock(&self.dedup).prune(now, self.dedup_window);
        let due = self.channels.iter().flat_map(|slot| {
            let summary = {
                let mut state = lock(&slot.throttle);
                if state.window_over(now, slot.options.window) {
                    state.roll(slot.channel.name(), None)
                } else {
                    None
                }
            };
            [slot.due_digest(now), summary]
                .into_iter()
                .flatten()
                .map(move |a| self.send(slot, a))
        });
        join_all(due).await
    }

    /// Removes and returns the alerts that failed after their retries, oldest first, so the
    /// caller can store or re-submit them.
    pub fn take_failed(&self) -> Vec<FailedAlert> {
        lock(&self.failed).drain(..).collect()
    }

    /// Counters since the pipeline was built.
    pub fn stats(&self) -> PipelineStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        PipelineStats {
            received: get(&c.received),
            duplicates: get(&c.duplicates),
            below_severity: get(&c.below_severity),
            throttled: get(&c.throttled),
            digested: get(&c.digested),
            sent: get(&c.sent),
            failed: get(&c.failed),
        }
    }

    async fn send(&self, slot: &ChannelSlot, alert: Alert) -> Delivery {
        let channel = slot.channel.name().to_owned();
        match deliver(slot.channel.as_ref(), &alert, &self.retry).await {
            Ok(attempts) => {
                bump(&self.counters.sent);
                Delivery {
                    channel,
                    alert,
                    outcome: DeliveryOutcome::Sent { attempts },
                }
            }
            Err((attempts, error)) => {
                bump(&self.counters.failed);
                let error = Arc::new(error);
                tracing::error!(
                    channel = %channel,
                    attempts,
                    error = %error,
                    alert = %alert.summary(),
                    "alert not delivered after retries; kept for take_failed"
                );
                let mut failed = lock(&self.failed);
                if failed.len() >= MAX_FAILED_ALERTS {
                    if let Some(dropped) = failed.pop_front() {
                        tracing::error!(
                            channel = %dropped.channel,
                            alert = %dropped.alert.summary(),
                            "failed-alert queue full; oldest failed alert dropped"
                        );
                    }
                }
                failed.push_back(FailedAlert {
                    channel: channel.clone(),
                    alert: alert.clone(),
                    attempts,
                    error: Arc::clone(&error),
                    failed_at: Timestamp::now(),
                });
                Delivery {
                    channel,
                    alert,
                    outcome: DeliveryOutcome::Failed { attempts, error },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_forgets_oldest_beyond_the_bound() {
        let mut d = DedupState::default();
        let now = Instant::now();
        let window = Duration::from_secs(60);
        for i in 0..MAX_DEDUP_KEYS + 5 {
            assert!(d.admit(&format!("k{i}"), now, window));
        }
        assert_eq!(d.first_seen.len(), MAX_DEDUP_KEYS);
        // The oldest were forgotten, so they alert again; the newest are still remembered.
        assert!(d.admit("k0", now, window));
        assert!(!d.admit(&format!("k{}", MAX_DEDUP_KEYS + 4), now, window));
    }

    #[test]
    fn dedup_expires_after_window() {
        let mut d = DedupState::default();
        let t0 = Instant::now();
        let window = Duration::from_secs(60);
        assert!(d.admit("a", t0, window));
        assert!(!d.admit("a", t0 + Duration::from_secs(59), window));
        assert!(d.admit("a", t0 + Duration::from_secs(60), window));
        // The stale queue entry for the first sighting must not evict the fresh one.
        assert!(!d.admit("a", t0 + Duration::from_secs(61), window));
    }
}

//! [`Channel`]: where alerts go, and [`deliver`]: how hard we try.

use std::time::Duration;

use async_trait::async_trait;

use crate::{Alert, AlertError};

/// A destination for alerts: a webhook, later Slack, PagerDuty, email.
///
/// `send` makes one attempt; retries, backoff and accounting are the pipeline's job (see
/// [`deliver`]), so that every channel gets them the same way. A channel reports whether a
/// failure is worth retrying through the [`AlertError`] variant it returns.
#[async_trait]
pub trait Channel: Send + Sync {
    /// A short stable name for logs, metrics and throttle summaries (`ops-webhook`).
    fn name(&self) -> &str;

    /// Delivers `alert` once.
    async fn send(&self, alert: &Alert) -> Result<(), AlertError>;
}

/// How often and how patiently a failed delivery is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included; at least 1.
    pub max_attempts: u32,
    /// Wait before the second attempt; each later wait doubles.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Four attempts over about 3.5 s (0.5 s, 1 s, 2 s apart): enough to ride out a receiver
    /// restart without holding an alert back for long.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(30),
    };

    /// A policy with the given attempts and first wait, and the default cap.
    pub fn new(max_attempts: u32, initial_backoff: Duration) -> Self {
        RetryPolicy {
            max_attempts,
            initial_backoff,
            ..RetryPolicy::DEFAULT
        }
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

/// Sends `alert` on `channel`, retrying transient failures per `policy`.
///
/// Returns the number of attempts on success, or the attempts made and the last error.
/// Every failed attempt is logged with the channel and attempt number.
pub async fn deliver(
    channel: &dyn Channel,
    alert: &Alert,
    policy: &RetryPolicy,
) -> Result<u32, (u32, AlertError)> {
    let max = policy.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        match channel.send(alert).await {
            Ok(()) => return Ok(attempt),
            Err(err) => {
                let retry = err.is_retryable() && attempt < max;
                tracing::warn!(
                    channel = channel.name(),
                    attempt,
                    max_attempts = max,
                    retry,
                    error = %err,
                    source = ?std::error::Error::source(&err).map(ToString::to_string),
                    "alert delivery attempt failed"
                );
                if !retry {
                    return Err((attempt, err));
                }
                tokio::time::sleep(policy.backoff(attempt)).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(4), Duration::from_millis(800));
        assert_eq!(p.backoff(5), Duration::from_secs(1));
        assert_eq!(p.backoff(200), Duration::from_secs(1));
    }
}

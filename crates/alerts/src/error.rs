//! The one error type of this crate.

use std::time::Duration;

/// Why an alert could not be delivered or a channel could not be set up.
///
/// [`AlertError::is_retryable`] says whether trying again may help; the pipeline's retry loop
/// relies on it, so a channel should pick the variant that tells the truth.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// The receiver answered with a status other than 2xx.
    #[error("receiver answered HTTP {status}")]
    Status {
        /// The HTTP status code.
        status: u16,
    },
    /// The request could not be sent or its answer not read (connection refused, reset, TLS).
    #[error("request failed")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The receiver refused the alert for good (an SMTP 5xx answer, a TLS failure).
    #[error("receiver refused the alert")]
    Rejected(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// No complete answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The alert could not be encoded.
    #[error("cannot encode alert")]
    Encode(#[from] serde_json::Error),
    /// The channel's settings are unusable (bad URL, empty secret, TLS setup).
    #[error("invalid channel configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: &'static str,
    },
    /// TLS could not be set up.
    #[error("TLS setup failed")]
    Tls(#[from] rustls::Error),
    /// Anything else a channel needs to report.
    #[error("{0}")]
    Other(String),
}

impl AlertError {
    /// Whether the same alert may succeed if sent again later.
    ///
    /// Server errors, 408 and 429, timeouts and transport failures are transient; other 4xx
    /// answers, encoding and configuration errors will fail the same way every time.
    pub fn is_retryable(&self) -> bool {
        match self {
            AlertError::Status { status } => *status >= 500 || *status == 408 || *status == 429,
            AlertError::Transport(_) | AlertError::Timeout(_) => true,
            AlertError::Encode(_)
            | AlertError::Rejected(_)
            | AlertError::Config { .. }
            | AlertError::Tls(_)
            | AlertError::Other(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_classification() {
        assert!(AlertError::Status { status: 500 }.is_retryable());
        assert!(AlertError::Status { status: 503 }.is_retryable());
        assert!(AlertError::Status { status: 429 }.is_retryable());
        assert!(!AlertError::Status { status: 400 }.is_retryable());
        assert!(!AlertError::Status { status: 401 }.is_retryable());
        assert!(!AlertError::Status { status: 301 }.is_retryable());
        assert!(AlertError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(!AlertError::Config { reason: "x" }.is_retryable());
    }
}

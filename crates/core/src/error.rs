//! The one error type of this crate.

/// Longest piece of rejected input an error keeps. Inputs come from config files, the JSON API
/// and the database; an error message must stay readable (and small) whatever was sent.
const MAX_ECHO_CHARS: usize = 64;

/// Why a value could not be turned into a core type.
///
/// Each variant keeps (a bounded prefix of) the rejected value so that the message can name it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// Not one of `gateway`, `scripts`, `routes`.
    #[error("unknown service {value:?} (expected gateway, scripts or routes)")]
    UnknownService {
        /// The rejected value, truncated.
        value: String,
    },
    /// Not one of `info`, `low`, `medium`, `high`, `critical` (or their ranks 0–4).
    #[error("unknown severity {value:?} (expected info, low, medium, high or critical)")]
    UnknownSeverity {
        /// The rejected value, truncated.
        value: String,
    },
    /// Not an RFC 3339 date-time, or out of the representable range.
    #[error("invalid timestamp {value:?}: {reason}")]
    InvalidTimestamp {
        /// The rejected value, truncated.
        value: String,
        /// What was wrong with it.
        reason: &'static str,
    },
}

/// A bounded copy of `value` for an error message.
pub(crate) fn echo(value: &str) -> String {
    value.chars().take(MAX_ECHO_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_is_bounded() {
        let long = "x".repeat(10_000);
        let err = CoreError::UnknownService { value: echo(&long) };
        assert!(err.to_string().len() < 200, "{err}");
    }
}

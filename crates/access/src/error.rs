use std::path::PathBuf;

/// What can go wrong in access control. A request never sees these details: they go to
/// the log and the audit record, the visitor gets a page with a request id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error("signing: {0}")]
    Crypto(String),
    /// The identity provider could not be reached or answered something unusable.
    #[error("identity provider: {0}")]
    Provider(String),
    /// The ID token failed verification.
    #[error("ID token refused: {0}")]
    IdToken(String),
    #[error("store: {0}")]
    Store(String),
}

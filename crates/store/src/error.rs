//! The one error type of this crate.

use std::path::PathBuf;

/// Why a storage operation failed.
///
/// Messages do not repeat their source; print the chain (`{:#}` with `anyhow`, or walk
/// [`std::error::Error::source`]) to see the database's own words.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database engine reported an error.
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file could not be opened or configured.
    #[error("cannot open database {}", path.display())]
    Open {
        /// The file that was being opened.
        path: PathBuf,
        /// What the engine said.
        #[source]
        source: rusqlite::Error,
    },
    /// The directory that should hold the database could not be created.
    #[error("cannot create directory {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A schema migration failed; it was rolled back, and the database is at the version
    /// before it.
    #[error("schema migration {version} failed")]
    Migration {
        /// The number of the migration that failed.
        version: u32,
        /// What the engine said.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer Parapet. Opening it could corrupt data the newer
    /// schema relies on, so it is refused.
    #[error(
        "database schema version {found} is newer than this binary knows ({known}); \
         run a newer Parapet or point this one at another database"
    )]
    TooNew {
        /// The schema version found in the database.
        found: u32,
        /// The newest schema version this binary knows.
        known: u32,
    },
    /// Event details could not be encoded to or decoded from JSON.
    #[error("cannot encode or decode event details")]
    Serde(#[from] serde_json::Error),
    /// A stored value is not a valid service, severity or timestamp.
    #[error("invalid value in the database")]
    Decode(#[from] parapet_core::CoreError),
    /// The background task that runs the blocking database call panicked or was cancelled.
    #[error("storage task did not complete")]
    Background(#[from] tokio::task::JoinError),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// The result type of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

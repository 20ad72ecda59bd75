//! The one error type of this crate.

use std::path::PathBuf;

/// Why a route-monitor input could not be used.
///
/// I/O causes are kept as the error's `source`, not repeated in its message: print the
/// chain (`{:#}` with anyhow) to see them.
///
/// Files that cannot be read at all are errors; single bad entries inside a file are not:
/// they are counted and skipped (see [`crate::RpkiData`], [`crate::Relationships`] and
/// [`crate::ReplayStats`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoutesError {
    #[error("{}: cannot read", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The RPKI file is not JSON, or not an object with `roas` (and maybe `aspas`).
    #[error("{}: not rpki-client or Routinator JSON: {reason}", path.display())]
    RpkiFormat { path: PathBuf, reason: String },
    /// An MRT stream failed below the record level (an I/O or decompression error).
    #[error("{}: cannot read the MRT stream", path.display())]
    Mrt {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

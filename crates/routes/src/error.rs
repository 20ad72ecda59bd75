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
    /// A BMP stream whose next message is not version 3: not BMP, or out of step.
    #[error("BMP version {0}, expected 3")]
    BmpVersion(u8),
    /// A BMP message length outside what a router sends (6 to `bmp::MAX_MESSAGE_BYTES`).
    #[error("BMP message length {0} is outside 6..={max}", max = crate::bmp::MAX_MESSAGE_BYTES)]
    BmpLength(u32),
    /// A BMP message that frames but does not decode.
    #[error("BMP message does not decode: {0}")]
    BmpDecode(#[from] bgpkit_parser::parser::bmp::error::ParserBmpError),
    /// A Route Monitoring UPDATE that announces prefixes without an AS_PATH.
    #[error("BMP route monitoring announces prefixes without an AS path")]
    BmpNoAsPath,
    /// A RIS Live message that is not JSON.
    #[error("RIS Live message is not JSON")]
    RisLiveJson(#[source] serde_json::Error),
    /// A RIS Live message that is JSON but not what RIS Live sends.
    #[error("RIS Live message does not decode: {0}")]
    RisLiveDecode(#[from] bgpkit_parser::parser::rislive::error::ParserRisliveError),
    /// A RIS Live announcement without an AS path.
    #[error("RIS Live announcement without an AS path")]
    RisLiveNoAsPath,
    #[error("cannot listen on {addr}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

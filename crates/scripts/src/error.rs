//! The one error type of this crate.

use std::path::PathBuf;

/// Largest file `read_script` reads. Bigger than [`MAX_SCRIPT_BYTES`](crate::analysis::MAX_SCRIPT_BYTES)
/// on purpose: a script too big to analyse is still hashed and reported as such.
pub const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// Why a script could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptsError {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is bigger than [`MAX_READ_BYTES`].
    #[error("{path} is larger than {MAX_READ_BYTES} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
}

/// Reads a script file, bounded. Bytes that are not UTF-8 become U+FFFD: scripts in legacy
/// encodings are still analysed (their non-ASCII text is in strings and comments, which the
/// normalisation does not keep).
pub fn read_script(path: &std::path::Path) -> Result<String, ScriptsError> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|source| ScriptsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_READ_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ScriptsError::Read {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_READ_BYTES {
        return Err(ScriptsError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

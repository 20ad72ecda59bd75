use std::path::PathBuf;

/// Why a configuration was refused. Every variant names the file; validation
/// errors also name the key (`upstreams[1].servers[0]`) and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{}: cannot read the config file: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key, or a value of the wrong type; the TOML error
    /// carries the line, the column and the key.
    #[error("{}: {source}", file.display())]
    Parse {
        file: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("{}: `{key}` {message}", file.display())]
    Invalid {
        file: PathBuf,
        key: String,
        message: String,
    },
}

impl ConfigError {
    /// The key at fault, when validation (not TOML parsing) refused it.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}

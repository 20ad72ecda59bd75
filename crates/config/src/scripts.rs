//! `[scripts.fetch]`: how the script monitor fetches the scripts browsers report (for every
//! site with `[sites.script_monitor]`).
//!
//! The URLs come from reports anyone can send, so the fetcher refuses private, loopback,
//! link-local and metadata addresses; `allow` names the networks an operator wants fetched
//! anyway (a staging site on `10.0.0.0/8`, tests on `127.0.0.0/8`).

use std::path::PathBuf;
use std::time::Duration;

use crate::{raw, ConfigError, Validator};

/// How often every script in the inventory is fetched again (`scripts.fetch.interval`):
/// six hours, so that a script swapped on a CDN is seen the same day even when no browser
/// reports a new hash (pages served over plain HTTP send none).
pub const DEFAULT_SCRIPT_FETCH_INTERVAL: Duration = Duration::from_secs(6 * 3600);
/// The least time between two fetches of one URL (`scripts.fetch.min_interval`): browsers
/// reporting many hashes for one script, or a forged flood of them, cost one fetch a
/// minute at most.
pub const DEFAULT_SCRIPT_FETCH_MIN_INTERVAL: Duration = Duration::from_secs(60);
/// Time budget of one fetch, redirects included (`scripts.fetch.timeout`).
pub const DEFAULT_SCRIPT_FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Fetches in flight at once (`scripts.fetch.concurrency`).
pub const DEFAULT_SCRIPT_FETCH_CONCURRENCY: usize = 4;
/// The least time between two fetches from one host (`scripts.fetch.host_delay`); one
/// fetch at a time per host in any case.
pub const DEFAULT_SCRIPT_FETCH_HOST_DELAY: Duration = Duration::from_secs(1);
/// Fetches waiting at most (`scripts.fetch.queue`); beyond it new requests are dropped and
/// counted (the next scheduled round picks them up).
pub const DEFAULT_SCRIPT_FETCH_QUEUE: usize = 10_000;
/// Most entries in `scripts.fetch.allow`.
pub const MAX_FETCH_ALLOW: usize = 64;

/// The validated `[scripts.fetch]` table (defaults when the file has none).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScriptFetch {
    /// Fetch at all (on by default wherever a site has the script monitor).
    pub enabled: bool,
    pub interval: Duration,
    pub min_interval: Duration,
    pub timeout: Duration,
    pub concurrency: usize,
    pub host_delay: Duration,
    pub queue: usize,
    /// Networks fetched from although they are not public.
    pub allow: Vec<ipnet::IpNet>,
    /// A PEM file of certificates trusted besides Mozilla's roots.
    pub ca: Option<PathBuf>,
    /// The `User-Agent` sent, when not the built-in browser one.
    pub user_agent: Option<String>,
}

impl Default for ScriptFetch {
    fn default() -> Self {
        ScriptFetch {
            enabled: true,
            interval: DEFAULT_SCRIPT_FETCH_INTERVAL,
            min_interval: DEFAULT_SCRIPT_FETCH_MIN_INTERVAL,
            timeout: DEFAULT_SCRIPT_FETCH_TIMEOUT,
            concurrency: DEFAULT_SCRIPT_FETCH_CONCURRENCY,
            host_delay: DEFAULT_SCRIPT_FETCH_HOST_DELAY,
            queue: DEFAULT_SCRIPT_FETCH_QUEUE,
            allow: Vec::new(),
            ca: None,
            user_agent: None,
        }
    }
}

/// The validated `[scripts]` table.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Scripts {
    pub fetch: ScriptFetch,
}

impl Validator<'_> {
    pub(crate) fn scripts(&self, s: raw::Scripts) -> Result<Scripts, ConfigError> {
        let Some(f) = s.fetch else {
            return Ok(Scripts::default());
        };
        let key = "scripts.fetch";
        let count = |name: &str, v: Option<usize>, default: usize, max: usize| {
            let n = v.unwrap_or(default);
            if n == 0 || n > max {
                return Err(self.err(
                    format!("{key}.{name}"),
                    format!("`{n}` is not between 1 and {max}"),
                ));
            }
            Ok(n)
        };
        let allow = f.allow.unwrap_or_default();
        if allow.len() > MAX_FETCH_ALLOW {
            return Err(self.err(
                format!("{key}.allow"),
                format!("has {} entries; at most {MAX_FETCH_ALLOW}", allow.len()),
            ));
        }
        let allow = allow
            .iter()
            .enumerate()
            .map(|(i, a)| self.prefix(&format!("{key}.allow[{i}]"), Some(a.as_str())))
            .collect::<Result<Vec<_>, _>>()?;
        let user_agent = match f.user_agent {
            Some(ua) if ua.is_empty() || ua.len() > 512 || ua.chars().any(char::is_control) => {
                return Err(self.err(
                    format!("{key}.user_agent"),
                    "must be 1 to 512 characters of one line",
                ))
            }
            ua => ua,
        };
        Ok(Scripts {
            fetch: ScriptFetch {
                enabled: f.enabled.unwrap_or(true),
                interval: self.duration(
                    &format!("{key}.interval"),
                    f.interval.as_deref(),
                    DEFAULT_SCRIPT_FETCH_INTERVAL,
                )?,
                min_interval: self.duration(
                    &format!("{key}.min_interval"),
                    f.min_interval.as_deref(),
                    DEFAULT_SCRIPT_FETCH_MIN_INTERVAL,
                )?,
                timeout: self.duration(
                    &format!("{key}.timeout"),
                    f.timeout.as_deref(),
                    DEFAULT_SCRIPT_FETCH_TIMEOUT,
                )?,
                concurrency: count(
                    "concurrency",
                    f.concurrency,
                    DEFAULT_SCRIPT_FETCH_CONCURRENCY,
                    256,
                )?,
                host_delay: self.duration(
                    &format!("{key}.host_delay"),
                    f.host_delay.as_deref(),
                    DEFAULT_SCRIPT_FETCH_HOST_DELAY,
                )?,
                queue: count("queue", f.queue, DEFAULT_SCRIPT_FETCH_QUEUE, 1_000_000)?,
                allow,
                ca: f.ca.as_deref().map(|p| self.path(p)),
                user_agent,
            },
        })
    }
}

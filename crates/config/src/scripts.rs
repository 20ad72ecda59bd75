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

/// Most entries in a site's `block` or `approve` list.
pub const MAX_SCRIPT_LIST_ENTRIES: usize = 10_000;
/// The enforced policy is off until the operator turns it on (`csp_enforce`): it is offered
/// first as report-only, so that what it would break shows before it breaks anything.
pub const DEFAULT_CSP_ENFORCE: CspEnforce = CspEnforce::Off;

/// `csp_enforce`: whether the gateway adds a `script-src` policy listing the approved
/// scripts, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CspEnforce {
    /// No policy.
    Off,
    /// `Content-Security-Policy-Report-Only`: browsers report what it would block.
    ReportOnly,
    /// `Content-Security-Policy`: browsers block every script not approved.
    Enforce,
}

impl CspEnforce {
    /// The value as written in the config and shown by the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            CspEnforce::Off => "off",
            CspEnforce::ReportOnly => "report-only",
            CspEnforce::Enforce => "enforce",
        }
    }
}

/// The blocking keys of `[sites.script_monitor]`: scripts refused from the start (`block`),
/// scripts approved for the enforced policy (`approve`), the risk above which a fetched
/// script is blocked on its own (`auto_block_risk`, off when absent) and the policy's mode
/// (`csp_enforce`). Entries are absolute `http(s)` URLs or inline hashes (`sha256-` and
/// base64); the operator adds more at run time through the admin API and the dashboard.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScriptBlocking {
    pub block: Vec<String>,
    pub approve: Vec<String>,
    pub auto_block_risk: Option<f64>,
    pub csp_enforce: CspEnforce,
}

impl Default for ScriptBlocking {
    fn default() -> Self {
        ScriptBlocking {
            block: Vec::new(),
            approve: Vec::new(),
            auto_block_risk: None,
            csp_enforce: DEFAULT_CSP_ENFORCE,
        }
    }
}

/// Whether `entry` is a script URL or an inline hash as the block and approve lists take
/// them.
fn script_entry_ok(entry: &str) -> bool {
    if let Some(b64) = entry.strip_prefix("sha256-") {
        // 32 bytes: 43 base64 characters and one `=` of padding, standard or URL-safe.
        let b64 = b64.trim_end_matches('=');
        return b64.len() == 43
            && b64
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'));
    }
    entry.len() <= 4096
        && url::Url::parse(entry)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

impl Validator<'_> {
    pub(crate) fn script_blocking(
        &self,
        key: &str,
        m: &raw::ScriptMonitor,
    ) -> Result<ScriptBlocking, ConfigError> {
        let list = |name: &str, v: &Option<Vec<String>>| {
            let v = v.clone().unwrap_or_default();
            if v.len() > MAX_SCRIPT_LIST_ENTRIES {
                return Err(self.err(
                    format!("{key}.{name}"),
                    format!("has {} entries; at most {MAX_SCRIPT_LIST_ENTRIES}", v.len()),
                ));
            }
            for (i, e) in v.iter().enumerate() {
                if !script_entry_ok(e) {
                    return Err(self.err(
                        format!("{key}.{name}[{i}]"),
                        format!(
                            "`{e}` is neither an absolute http(s) URL nor an inline hash \
                             like \"sha256-BASE64\""
                        ),
                    ));
                }
            }
            Ok(v)
        };
        let auto_block_risk = match m.auto_block_risk {
            Some(r) if !(r > 0.0 && r <= 1.0) => {
                return Err(self.err(
                    format!("{key}.auto_block_risk"),
                    format!("`{r}` is not a risk above 0 and at most 1"),
                ))
            }
            r => r,
        };
        let csp_enforce = match m.csp_enforce.as_deref() {
            None => DEFAULT_CSP_ENFORCE,
            Some("off") => CspEnforce::Off,
            Some("report-only") => CspEnforce::ReportOnly,
            Some("enforce") => CspEnforce::Enforce,
            Some(other) => {
                return Err(self.err(
                    format!("{key}.csp_enforce"),
                    format!("`{other}` is not one of \"off\", \"report-only\", \"enforce\""),
                ))
            }
        };
        Ok(ScriptBlocking {
            block: list("block", &m.block)?,
            approve: list("approve", &m.approve)?,
            auto_block_risk,
            csp_enforce,
        })
    }
}

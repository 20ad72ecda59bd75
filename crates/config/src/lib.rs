//! Parapet's one configuration file, parsed into validated types.
//!
//! Loading happens in two steps. [`raw`] mirrors the TOML and rejects unknown
//! keys; [`Config::from_str`] then turns it into the types below, filling every
//! omitted value from a documented `DEFAULT_*` constant and refusing anything that
//! would only fail later (an address that does not parse, a route to an upstream
//! that does not exist). Once a [`Config`] exists, the services can trust it: they
//! never re-check what this crate has checked ("parse, don't validate").
//!
//! Relative paths are resolved against the directory of the config file, so a
//! config behaves the same whichever directory Parapet is started from.

mod access;
mod alerts;
mod error;
mod raw;
mod scripts;

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use access::{
    Access, AccessApp, AuthMethod, ClientCa, IdentityProvider, Policy, PolicyAction, Selector,
    ServiceToken, Webauthn, DEFAULT_ACCESS_COOKIE_LIFETIME, DEFAULT_ACCESS_KEY_ROTATION,
    DEFAULT_ACCESS_PASSKEYS, DEFAULT_ACCESS_SESSION_DURATION, DEFAULT_ACCESS_TOKEN_LIFETIME,
    DEFAULT_OIDC_GROUPS_CLAIM, DEFAULT_OIDC_SCOPES, DEFAULT_WEBAUTHN_MAX_CREDENTIALS,
    DEFAULT_WEBAUTHN_RP_NAME, MAX_ACCESS_ENTRIES, MAX_CLIENT_CA_BYTES, MAX_SELECTOR_VALUES,
};
pub use alerts::{
    AlertChannel, AlertChannelKind, Alerts, Secret, DEFAULT_ALERT_DEDUP_WINDOW,
    DEFAULT_ALERT_DIGEST_PERIOD, DEFAULT_ALERT_MAX_PER_WINDOW, DEFAULT_ALERT_THROTTLE_WINDOW,
    DEFAULT_ALERT_TIMEOUT, DEFAULT_SMTP_PORT, MAX_ALERT_CHANNELS,
};
pub use error::ConfigError;
pub use scripts::{
    CspEnforce, ScriptBlocking, ScriptFetch, Scripts, DEFAULT_CSP_ENFORCE,
    DEFAULT_SCRIPT_FETCH_CONCURRENCY, DEFAULT_SCRIPT_FETCH_HOST_DELAY,
    DEFAULT_SCRIPT_FETCH_INTERVAL, DEFAULT_SCRIPT_FETCH_MIN_INTERVAL, DEFAULT_SCRIPT_FETCH_QUEUE,
    DEFAULT_SCRIPT_FETCH_TIMEOUT, MAX_FETCH_ALLOW, MAX_SCRIPT_LIST_ENTRIES,
};

/// Where Parapet keeps what it creates (certificates, the SQLite store), relative
/// to the config file.
pub const DEFAULT_STATE_DIR: &str = "parapet-state";
/// Gateway workers: threads with a single-threaded runtime and their own listening
/// sockets each (`SO_REUSEPORT`); 0 means one per CPU core.
pub const DEFAULT_WORKER_THREADS: usize = 0;
/// Log level when neither the config nor `RUST_LOG` says otherwise.
pub const DEFAULT_LOG_LEVEL: &str = "info";
/// The whole request head must arrive within this time: it cuts off slowloris
/// clients that trickle headers to hold connections open.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection that moves no byte in either direction for this long is closed.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest request head accepted; larger heads get 431. Same order as nginx's
/// `large_client_header_buffers` (4 x 8k) with room for big cookies.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;
/// Largest request body accepted; larger bodies get 413.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 100 * 1024 * 1024;
/// Connections served at once per listener; further ones wait in the backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// On SIGTERM, in-flight requests get this long to finish.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// The embedded store, relative to the state directory.
pub const DEFAULT_SQLITE_FILE: &str = "parapet.db";
/// Time allowed to open a TCP (and TLS) connection to an upstream server.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for an upstream to send the response head: 504 after.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Idle keep-alive connections to upstreams are kept this long.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle keep-alive connections kept per upstream server.
pub const DEFAULT_POOL_MAX_IDLE_PER_SERVER: usize = 256;
/// Consecutive failures after which a server is ejected from its pool.
pub const DEFAULT_MAX_FAILS: u32 = 3;
/// How long an ejected server stays out before it is tried again.
pub const DEFAULT_FAIL_TIMEOUT: Duration = Duration::from_secs(10);
/// Active health checks: time between checks of one server.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(5);
/// Active health checks: time allowed for one check.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// Active health checks: consecutive failures that mark a server down.
pub const DEFAULT_CHECK_FALL: u32 = 2;
/// Active health checks: consecutive successes that mark a server up again.
pub const DEFAULT_CHECK_RISE: u32 = 2;
/// The `static_dir` value that selects the demo shop compiled into Parapet.
pub const BUILTIN_DEMO: &str = "builtin:demo";
/// Script monitor: share of a site's page views that carry the report-only policy. Every
/// one by default: a small site needs them all to see rare scripts; a busy one can lower it
/// and still see every checkout through `sensitive_paths`.
pub const DEFAULT_SCRIPT_SAMPLE_RATE: f64 = 1.0;
/// Script monitor: report requests per second one client address may send to a site's
/// endpoint, and the burst it may send at once. A page view makes a handful of requests;
/// more than this from one address is a flood.
pub const DEFAULT_SCRIPT_CLIENT_RATE: f64 = 20.0;
pub const DEFAULT_SCRIPT_CLIENT_BURST: f64 = 200.0;
/// Script monitor: report requests per second a site's endpoint takes from everyone
/// together, and the burst: the cap that holds when a flood comes from many addresses.
pub const DEFAULT_SCRIPT_SITE_RATE: f64 = 20_000.0;
pub const DEFAULT_SCRIPT_SITE_BURST: f64 = 40_000.0;
/// Route monitor: distinct vantages (collector or router peers) that must see a
/// route event before it alerts. One is the most sensitive; two or more keep a
/// single peer's private view from paging anyone.
pub const DEFAULT_MIN_VANTAGES: usize = 1;
/// Route monitor: ignore routes whose vantage is one of `own_asns`. A
/// collector session from the operator's own network shows internal routes
/// (more-specifics, internal origins) that the rest of the Internet never sees.
pub const DEFAULT_IGNORE_OWN_VANTAGES: bool = true;
/// Route monitor: whether an RPKI-valid route silences origin, sub-prefix and
/// more-specific alerts. Off by default: a ROA with a loose maxLength is
/// exactly what a forged-origin sub-prefix hijack exploits.
pub const DEFAULT_SUPPRESS_RPKI_VALID: bool = false;
/// Route monitor: most prefixes one config may monitor.
pub const MAX_MONITORED_PREFIXES: usize = 100_000;
/// BMP: routers streaming at once. Each holds a session task and its routes; an operator
/// with more routers raises it.
pub const DEFAULT_BMP_MAX_ROUTERS: usize = 64;
/// BMP: how long a router whose session closed keeps its routes in the engine, waiting for
/// it to reconnect. A BMP session that drops says nothing about the router's BGP sessions,
/// so its routes (and the alerts they carry) are kept rather than read as withdrawn; after
/// this long they are forgotten.
pub const DEFAULT_BMP_HOLD_TIME: Duration = Duration::from_secs(300);
/// BMP: after a router reconnects, how long its initial dump may take. Routes it had before
/// and has not announced again by its End-of-RIB (or by then) are withdrawn.
pub const DEFAULT_BMP_RESYNC_TIMEOUT: Duration = Duration::from_secs(120);
/// RIS Live: RIPE NCC's public stream of its collectors' BGP messages.
pub const DEFAULT_RIS_LIVE_URL: &str = "wss://ris-live.ripe.net/v1/ws/?client=parapet";
/// RIS Live: a stream that delivers nothing (not even the answer to a ping, sent every third
/// of this) for this long is dead: it is reconnected, and `feed-down` says so.
pub const DEFAULT_RIS_LIVE_WATCHDOG: Duration = Duration::from_secs(60);

/// A validated configuration.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The file this was read from.
    pub source: PathBuf,
    pub server: Server,
    pub log: Log,
    pub admin: Option<Admin>,
    pub listeners: Vec<Listener>,
    pub tls: Tls,
    pub limits: Limits,
    pub store: Store,
    pub sites: Vec<Site>,
    pub upstreams: Vec<Upstream>,
    /// The route monitor, when the file has a `[routes]` table.
    pub routes: Option<Routes>,
    /// Alert channels (none when the file has no `[alerts]` table).
    pub alerts: Alerts,
    /// Zero Trust access, when the file has an `[access]` table with applications.
    pub access: Option<Access>,
    /// The script monitor's shared settings (`[scripts]`; defaults when absent).
    pub scripts: Scripts,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Server {
    pub state_dir: PathBuf,
    pub worker_threads: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Plain,
    Json,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Log {
    pub level: String,
    pub format: LogFormat,
    pub access_log: bool,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Admin {
    pub listen: SocketAddr,
    /// The bearer token the JSON API under `/api/` asks for; without one the API is off
    /// (`/healthz` and `/metrics` need none).
    pub token: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Listener {
    pub name: String,
    pub listen: SocketAddr,
    pub tls: bool,
    /// Plain listeners only: also accept HTTP/2 by prior knowledge (h2c).
    pub h2c: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    V1_2,
    V1_3,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Tls {
    pub require_post_quantum: bool,
    pub min_version: TlsVersion,
    pub certificates: Vec<CertificateFiles>,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CertificateFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CertificateFiles {
    pub fn new(cert: PathBuf, key: PathBuf) -> Self {
        Self { cert, key }
    }
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_body_bytes: u64,
    pub max_connections: usize,
    pub shutdown_timeout: Duration,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Store {
    pub sqlite: PathBuf,
}

/// One web property: the host names it answers to and its routes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Site {
    pub name: String,
    pub hosts: Vec<HostPattern>,
    pub routes: Vec<Route>,
    /// The script monitor's telemetry on this site, when enabled.
    pub script_monitor: Option<ScriptMonitor>,
}

/// `[sites.script_monitor]`: the report-only CSP the gateway adds to the site's HTML pages
/// so that browsers report every script and connection.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScriptMonitor {
    /// Share of page views that carry the policy, 0 to 1.
    pub sample_rate: f64,
    /// Path prefixes where every page view carries it (checkout, login).
    pub sensitive_paths: Vec<String>,
    /// Also report image destinations (`img-src`).
    pub images: bool,
    /// Also report form targets (`form-action`).
    pub form_actions: bool,
    /// Also report frames (`frame-src`).
    pub frames: bool,
    /// Keep query values in reported URLs (off: only parameter names, as values can carry
    /// session ids).
    pub full_urls: bool,
    /// Hosts whose reports are noise (injected adware, a known extension's CDN): a report
    /// naming one, or a subdomain of one, is dropped. Lower-case, without a scheme.
    pub ignore_hosts: Vec<String>,
    /// Report requests per second, and burst, from one client address.
    pub client_rate: f64,
    pub client_burst: f64,
    /// Report requests per second, and burst, from everyone together.
    pub site_rate: f64,
    pub site_burst: f64,
    /// Blocking and the enforced policy (`block`, `approve`, `auto_block_risk`,
    /// `csp_enforce`).
    pub blocking: ScriptBlocking,
}

/// A host name a site answers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// `*`: any host.
    Any,
    /// `*.example.com`: any name below `example.com` (stored as `.example.com`).
    Suffix(String),
    /// An exact name or address literal, lower-case, IPv6 in brackets.
    Exact(String),
}

impl HostPattern {
    fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        if s == "*" {
            return Ok(Self::Any);
        }
        if let Some(rest) = s.strip_prefix("*.") {
            if rest.is_empty() || rest.contains('*') {
                return Err(format!(
                    "`{s}` is not a valid wildcard; expected `*.domain`"
                ));
            }
            return Ok(Self::Suffix(format!(".{rest}")));
        }
        if s.is_empty() || s.contains('*') || s.contains('/') || s.contains(' ') {
            return Err(format!(
                "`{s}` is not a host name; expected a name, an address, `*` or `*.domain`"
            ));
        }
        if s.starts_with('[') != s.ends_with(']') {
            return Err(format!(
                "`{s}`: IPv6 addresses are written in brackets, like `[::1]`"
            ));
        }
        Ok(Self::Exact(s))
    }

    /// Whether `host` (lower-case, without port) matches.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Suffix(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
            Self::Exact(name) => name == host,
        }
    }
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Route {
    /// Path prefix, starting with `/`; the longest matching prefix wins.
    pub path: String,
    /// Index into [`Config::upstreams`].
    pub upstream: usize,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Upstream {
    pub name: String,
    pub kind: UpstreamKind,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // built once per config load
pub enum UpstreamKind {
    /// A pool of HTTP servers.
    Pool(Pool),
    /// Files served by Parapet itself.
    Static(StaticRoot),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticRoot {
    /// The demo shop compiled into the binary.
    BuiltinDemo,
    Dir(PathBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    RoundRobin,
    LeastConnections,
}

/// How Parapet speaks to the servers of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamProtocol {
    Http1,
    /// HTTP/2: by prior knowledge over plain TCP, by ALPN over TLS.
    H2,
    /// Whatever ALPN agrees on (TLS only).
    Auto,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pool {
    pub servers: Vec<ServerAddr>,
    pub balance: Balance,
    pub protocol: UpstreamProtocol,
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
    pub pool_idle_timeout: Duration,
    pub pool_max_idle_per_server: usize,
    pub source_address: Option<IpAddr>,
    pub tls: Option<UpstreamTls>,
    pub passive_health: PassiveHealth,
    pub health_check: Option<HealthCheck>,
}

/// `host:port` of an upstream server; names are resolved when connecting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    pub host: String,
    pub port: u16,
}

impl ServerAddr {
    fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not `host:port` (like `127.0.0.1:8080` or `[::1]:8080`)");
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return Ok(Self {
                host: bracket(addr.ip()),
                port: addr.port(),
            });
        }
        let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid || port == 0 {
            return Err(bad());
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl std::fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

fn bracket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct UpstreamTls {
    pub ca: Option<PathBuf>,
    pub server_name: Option<String>,
    pub require_post_quantum: bool,
}

#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PassiveHealth {
    pub max_fails: u32,
    pub fail_timeout: Duration,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HealthCheck {
    pub path: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub fall: u32,
    pub rise: u32,
}

/// The route monitor's settings (`[routes]`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Routes {
    /// Validated ROA payloads (and ASPA records), rpki-client or Routinator JSON.
    pub vrps: Option<PathBuf>,
    /// AS relationships, CAIDA serial-2.
    pub relationships: Option<PathBuf>,
    /// Distinct vantages that must see an event before it alerts (at least 1).
    pub min_vantages: usize,
    /// The operator's own AS numbers.
    pub own_asns: Vec<u32>,
    /// Skip routes whose vantage (the collector's peer) is one of `own_asns`.
    pub ignore_own_vantages: bool,
    /// An RPKI-valid route raises no origin, sub-prefix or more-specific alert.
    pub suppress_rpki_valid: bool,
    /// The monitored prefixes; no two are equal.
    pub prefixes: Vec<MonitoredPrefix>,
    /// Further (prefix, origin) pairs that are not alerts, such as customers
    /// announcing their part of the operator's space.
    pub allow: Vec<AllowedOrigin>,
    /// The BMP listener for the operator's routers (`[routes.bmp]`), a live feed.
    pub bmp: Option<Bmp>,
    /// The RIS Live client (`[routes.ris_live]`), a live feed.
    pub ris_live: Option<RisLive>,
}

impl Routes {
    /// Whether a live feed is configured (what `parapet routes watch` and `serve` run).
    pub fn has_live_feed(&self) -> bool {
        self.bmp.is_some() || self.ris_live.is_some()
    }
}

/// `[routes.ris_live]`: the public collectors' live stream, subscribed to the monitored
/// prefixes (with more- and less-specifics) and to paths ending in their origins.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RisLive {
    /// `ws://` or `wss://`.
    pub url: String,
    pub watchdog: Duration,
}

/// `[routes.bmp]`: where the operator's routers stream BMP (RFC 7854) to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bmp {
    pub listen: SocketAddr,
    /// Networks routers may connect from; empty means any (BMP has no authentication:
    /// listen on a management network, or list the routers).
    pub routers: Vec<ipnet::IpNet>,
    pub max_routers: usize,
    pub hold_time: Duration,
    pub resync_timeout: Duration,
    /// A connected router that sends nothing for this long raises `feed-down`; `None`
    /// (the default) never does: a quiet table is not a fault unless the router is set to
    /// send statistics reports.
    pub silence_timeout: Option<Duration>,
}

/// Whether more-specifics of a monitored prefix from an allowed origin alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoreSpecifics {
    Alert,
    Allow,
}

/// One `[[routes.prefixes]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MonitoredPrefix {
    /// In canonical form (no host bits set).
    pub prefix: ipnet::IpNet,
    /// Allowed origin ASNs; never empty.
    pub origins: Vec<u32>,
    /// Allowed first-hop neighbours of the origin; empty means not checked.
    pub upstreams: Vec<u32>,
    pub more_specifics: MoreSpecifics,
    pub description: Option<String>,
}

/// One `[[routes.allow]]` entry: `origin` may announce `prefix` and its
/// more-specifics up to `max_length`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AllowedOrigin {
    pub prefix: ipnet::IpNet,
    pub origin: u32,
    /// At least the prefix length; the prefix length when omitted.
    pub max_length: u8,
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: path.to_owned(),
            source,
        })?;
        Self::from_str(&text, path)
    }

    /// Validates `text` as if read from `path` (which anchors relative paths).
    pub fn from_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let raw: raw::File = toml::from_str(text).map_err(|source| ConfigError::Parse {
            file: path.to_owned(),
            source: Box::new(source),
        })?;
        let base = path.parent().map(Path::to_owned).unwrap_or_default();
        let v = Validator {
            file: path,
            base: &base,
        };
        v.config(raw)
    }

    /// The upstream a route points to.
    pub fn upstream(&self, route: &Route) -> &Upstream {
        &self.upstreams[route.upstream]
    }
}

struct Validator<'a> {
    file: &'a Path,
    base: &'a Path,
}

impl Validator<'_> {
    fn err(&self, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_owned(),
            key: key.into(),
            message: message.into(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.base.join(p)
        }
    }

    fn duration(
        &self,
        key: &str,
        v: Option<&str>,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        let Some(v) = v else { return Ok(default) };
        let d = humantime::parse_duration(v).map_err(|e| {
            self.err(
                key,
                format!("`{v}` is not a duration ({e}); expected e.g. \"500ms\", \"10s\", \"2m\""),
            )
        })?;
        if d.is_zero() {
            return Err(self.err(key, "must be longer than zero"));
        }
        Ok(d)
    }

    fn socket(&self, key: &str, v: Option<&str>) -> Result<SocketAddr, ConfigError> {
        let v = v.ok_or_else(|| {
            self.err(
                key,
                "is required; expected an address like \"127.0.0.1:8443\"",
            )
        })?;
        v.parse().map_err(|_| {
            self.err(
                key,
                format!("`{v}` is not an address like \"127.0.0.1:8443\" or \"[::1]:8443\""),
            )
        })
    }

    fn name(&self, key: &str, v: Option<String>) -> Result<String, ConfigError> {
        let v = v.ok_or_else(|| self.err(key, "is required"))?;
        let ok = !v.is_empty()
            && v.len() <= 64
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return Err(self.err(
                key,
                format!("`{v}` is not a name: 1 to 64 of a-z, A-Z, 0-9, `-`, `_`, `.`"),
            ));
        }
        Ok(v)
    }

    fn config(&self, raw: raw::File) -> Result<Config, ConfigError> {
        let server = raw.server.unwrap_or_default();
        let state_dir = self.path(server.state_dir.as_deref().unwrap_or(DEFAULT_STATE_DIR));
        let server = Server {
            state_dir: state_dir.clone(),
            worker_threads: server.worker_threads.unwrap_or(DEFAULT_WORKER_THREADS),
        };

        let log = raw.log.unwrap_or_default();
        let level = log
            .level
            .unwrap_or_else(|| DEFAULT_LOG_LEVEL.into())
            .to_ascii_lowercase();
        if !["trace", "debug", "info", "warn", "error"].contains(&level.as_str()) {
            return Err(self.err(
                "log.level",
                format!("`{level}` is not one of trace, debug, info, warn, error"),
            ));
        }
        let format = match log.format.as_deref() {
            None | Some("plain") => LogFormat::Plain,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(self.err("log.format", format!("`{other}` is not one of plain, json")))
            }
        };
        let log = Log {
            level,
            format,
            access_log: log.access_log.unwrap_or(true),
        };

        let admin = match raw.admin {
            Some(a) => Some(Admin {
                listen: self.socket("admin.listen", a.listen.as_deref())?,
                token: match (&a.token, &a.token_env) {
                    (None, None) => None,
                    _ => {
                        let t = self.secret("admin", "token", a.token, a.token_env)?;
                        if t.expose().len() < 16 {
                            return Err(self.err(
                                "admin.token",
                                "is shorter than 16 characters: too easy to guess",
                            ));
                        }
                        Some(t)
                    }
                },
            }),
            None => None,
        };

        let mut listeners = Vec::new();
        let mut seen = HashSet::new();
        for (i, l) in raw.listeners.into_iter().enumerate() {
            let key = format!("listeners[{i}]");
            let name = self.name(&format!("{key}.name"), l.name)?;
            if !seen.insert(name.clone()) {
                return Err(self.err(
                    format!("{key}.name"),
                    format!("`{name}` is used by another listener"),
                ));
            }
            let listen = self.socket(&format!("{key}.listen"), l.listen.as_deref())?;
            if admin.as_ref().is_some_and(|a| a.listen == listen)
                || listeners.iter().any(|o: &Listener| o.listen == listen)
            {
                return Err(self.err(
                    format!("{key}.listen"),
                    format!("{listen} is already used by another listener"),
                ));
            }
            let tls = l.tls.unwrap_or(false);
            if tls && l.h2c == Some(true) {
                return Err(self.err(
                    format!("{key}.h2c"),
                    "applies to plain listeners; TLS listeners offer HTTP/2 by ALPN",
                ));
            }
            listeners.push(Listener {
                name,
                listen,
                tls,
                h2c: l.h2c.unwrap_or(false),
            });
        }

        let tls = raw.tls.unwrap_or_default();
        let min_version = match tls.min_version.as_deref() {
            None | Some("1.2") => TlsVersion::V1_2,
            Some("1.3") => TlsVersion::V1_3,
            Some(other) => {
                return Err(self.err(
                    "tls.min_version",
                    format!("`{other}` is not one of \"1.2\", \"1.3\""),
                ))
            }
        };
        let mut certificates = Vec::new();
        for (i, c) in tls.certificates.into_iter().enumerate() {
            let key = format!("tls.certificates[{i}]");
            let cert = c.cert.ok_or_else(|| {
                self.err(
                    format!("{key}.cert"),
                    "is required: a PEM certificate chain",
                )
            })?;
            let k = c
                .key
                .ok_or_else(|| self.err(format!("{key}.key"), "is required: a PEM private key"))?;
            certificates.push(CertificateFiles {
                cert: self.path(&cert),
                key: self.path(&k),
            });
        }
        let tls = Tls {
            require_post_quantum: tls.require_post_quantum.unwrap_or(false),
            min_version,
            certificates,
        };

        let l = raw.limits.unwrap_or_default();
        let positive = |key: &str, v: Option<usize>, d: usize| -> Result<usize, ConfigError> {
            match v {
                Some(0) => Err(self.err(key, "must be larger than zero")),
                Some(v) => Ok(v),
                None => Ok(d),
            }
        };
        let max_header_bytes = positive(
            "limits.max_header_bytes",
            l.max_header_bytes,
            DEFAULT_MAX_HEADER_BYTES,
        )?;
        if max_header_bytes < 1024 {
            return Err(self.err("limits.max_header_bytes", "must be at least 1024"));
        }
        let limits = Limits {
            header_read_timeout: self.duration(
                "limits.header_read_timeout",
                l.header_read_timeout.as_deref(),
                DEFAULT_HEADER_READ_TIMEOUT,
            )?,
            idle_timeout: self.duration(
                "limits.idle_timeout",
                l.idle_timeout.as_deref(),
                DEFAULT_IDLE_TIMEOUT,
            )?,
            max_header_bytes,
            max_body_bytes: l.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            max_connections: positive(
                "limits.max_connections",
                l.max_connections,
                DEFAULT_MAX_CONNECTIONS,
            )?,
            shutdown_timeout: self.duration(
                "limits.shutdown_timeout",
                l.shutdown_timeout.as_deref(),
                DEFAULT_SHUTDOWN_TIMEOUT,
            )?,
        };

        let store = raw.store.unwrap_or_default();
        let sqlite = store.sqlite.as_deref().unwrap_or(DEFAULT_SQLITE_FILE);
        let store = Store {
            sqlite: if Path::new(sqlite).is_absolute() {
                PathBuf::from(sqlite)
            } else {
                state_dir.join(sqlite)
            },
        };

        let mut upstreams = Vec::new();
        for (i, u) in raw.upstreams.into_iter().enumerate() {
            let key = format!("upstreams[{i}]");
            let up = self.upstream(&key, u)?;
            if upstreams.iter().any(|o: &Upstream| o.name == up.name) {
                return Err(self.err(
                    format!("{key}.name"),
                    format!("`{}` is used by another upstream", up.name),
                ));
            }
            upstreams.push(up);
        }

        let mut sites = Vec::new();
        for (i, s) in raw.sites.into_iter().enumerate() {
            let key = format!("sites[{i}]");
            let name = self.name(&format!("{key}.name"), s.name)?;
            if sites.iter().any(|o: &Site| o.name == name) {
                return Err(self.err(
                    format!("{key}.name"),
                    format!("`{name}` is used by another site"),
                ));
            }
            if s.hosts.is_empty() {
                return Err(self.err(
                    format!("{key}.hosts"),
                    "needs at least one host name (or \"*\")",
                ));
            }
            let mut hosts = Vec::new();
            for (j, h) in s.hosts.iter().enumerate() {
                hosts.push(
                    HostPattern::parse(h).map_err(|m| self.err(format!("{key}.hosts[{j}]"), m))?,
                );
            }
            let mut routes = Vec::new();
            for (j, r) in s.routes.into_iter().enumerate() {
                let rkey = format!("{key}.routes[{j}]");
                let path = r.path.unwrap_or_else(|| "/".into());
                if !path.starts_with('/') || path.contains(char::is_whitespace) {
                    return Err(self.err(
                        format!("{rkey}.path"),
                        format!("`{path}` is not a path prefix starting with `/`"),
                    ));
                }
                if routes.iter().any(|o: &Route| o.path == path) {
                    return Err(self.err(
                        format!("{rkey}.path"),
                        format!("`{path}` is routed twice in this site"),
                    ));
                }
                let name = r
                    .upstream
                    .ok_or_else(|| self.err(format!("{rkey}.upstream"), "is required"))?;
                let upstream = upstreams
                    .iter()
                    .position(|u| u.name == name)
                    .ok_or_else(|| {
                        let known: Vec<_> = upstreams.iter().map(|u| u.name.as_str()).collect();
                        self.err(
                            format!("{rkey}.upstream"),
                            format!(
                                "no upstream is named `{name}` (known: {})",
                                known.join(", ")
                            ),
                        )
                    })?;
                routes.push(Route { path, upstream });
            }
            if routes.is_empty() {
                return Err(self.err(format!("{key}.routes"), "needs at least one route"));
            }
            let script_monitor = match s.script_monitor {
                Some(m) if m.enabled.unwrap_or(true) => {
                    Some(self.script_monitor(&format!("{key}.script_monitor"), m)?)
                }
                _ => None,
            };
            sites.push(Site {
                name,
                hosts,
                routes,
                script_monitor,
            });
        }
        if !listeners.is_empty() && sites.is_empty() {
            return Err(self.err(
                "sites",
                "listeners are configured but no site says where requests go",
            ));
        }

        let routes = match raw.routes {
            Some(r) => Some(self.routes(r)?),
            None => None,
        };
        let alerts = match raw.alerts {
            Some(a) => self.alerts(a)?,
            None => Alerts {
                dedup_window: DEFAULT_ALERT_DEDUP_WINDOW,
                channels: Vec::new(),
            },
        };

        let access = match raw.access {
            Some(a) => Some(self.access(a)?),
            None => None,
        };
        let scripts = match raw.scripts {
            Some(s) => self.scripts(s)?,
            None => Scripts::default(),
        };

        Ok(Config {
            source: self.file.to_owned(),
            server,
            log,
            admin,
            listeners,
            tls,
            limits,
            store,
            sites,
            upstreams,
            routes,
            alerts,
            access,
            scripts,
        })
    }

    fn script_monitor(
        &self,
        key: &str,
        m: raw::ScriptMonitor,
    ) -> Result<ScriptMonitor, ConfigError> {
        let blocking = self.script_blocking(key, &m)?;
        let sample_rate = m.sample_rate.unwrap_or(DEFAULT_SCRIPT_SAMPLE_RATE);
        if !(0.0..=1.0).contains(&sample_rate) {
            return Err(self.err(
                format!("{key}.sample_rate"),
                format!("`{sample_rate}` is not a share between 0 and 1"),
            ));
        }
        let sensitive_paths = m.sensitive_paths.unwrap_or_default();
        for (i, p) in sensitive_paths.iter().enumerate() {
            if !p.starts_with('/') || p.contains(char::is_whitespace) {
                return Err(self.err(
                    format!("{key}.sensitive_paths[{i}]"),
                    format!("`{p}` is not a path prefix starting with `/`"),
                ));
            }
        }
        let rate = |name: &str, v: Option<f64>, default: f64| {
            let v = v.unwrap_or(default);
            if v.is_finite() && v >= 1.0 {
                Ok(v)
            } else {
                Err(self.err(
                    format!("{key}.{name}"),
                    format!("`{v}` is not a number of requests of at least 1"),
                ))
            }
        };
        let client_rate = rate("client_rate", m.client_rate, DEFAULT_SCRIPT_CLIENT_RATE)?;
        let client_burst = rate("client_burst", m.client_burst, DEFAULT_SCRIPT_CLIENT_BURST)?;
        let site_rate = rate("site_rate", m.site_rate, DEFAULT_SCRIPT_SITE_RATE)?;
        let site_burst = rate("site_burst", m.site_burst, DEFAULT_SCRIPT_SITE_BURST)?;
        Ok(ScriptMonitor {
            blocking,
            client_rate,
            client_burst,
            site_rate,
            site_burst,
            sample_rate,
            sensitive_paths,
            images: m.images.unwrap_or(false),
            form_actions: m.form_actions.unwrap_or(false),
            frames: m.frames.unwrap_or(false),
            full_urls: m.full_urls.unwrap_or(false),
            ignore_hosts: {
                let hosts = m.ignore_hosts.unwrap_or_default();
                for (i, h) in hosts.iter().enumerate() {
                    let ok = !h.is_empty()
                        && h.len() <= 253
                        && h.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                    if !ok {
                        return Err(self.err(
                            format!("{key}.ignore_hosts[{i}]"),
                            format!("`{h}` is not a host name like \"ads.example.com\""),
                        ));
                    }
                }
                hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect()
            },
        })
    }

    fn prefix(&self, key: &str, v: Option<&str>) -> Result<ipnet::IpNet, ConfigError> {
        let v =
            v.ok_or_else(|| self.err(key, "is required; expected a prefix like \"192.0.2.0/24\""))?;
        let net: ipnet::IpNet = v.trim().parse().map_err(|_| {
            self.err(
                key,
                format!("`{v}` is not a prefix like \"192.0.2.0/24\" or \"2001:db8::/32\""),
            )
        })?;
        if net.trunc() != net {
            return Err(self.err(
                key,
                format!("`{v}` has host bits set; did you mean \"{}\"?", net.trunc()),
            ));
        }
        Ok(net)
    }

    fn asns(&self, key: &str, v: &[u32]) -> Result<(), ConfigError> {
        if let Some(i) = v.iter().position(|&a| a == 0) {
            return Err(self.err(format!("{key}[{i}]"), "AS 0 is reserved (RFC 7607)"));
        }
        Ok(())
    }

    fn routes(&self, r: raw::Routes) -> Result<Routes, ConfigError> {
        let min_vantages = match r.min_vantages {
            Some(0) => return Err(self.err("routes.min_vantages", "must be at least 1")),
            Some(n) => n,
            None => DEFAULT_MIN_VANTAGES,
        };
        let own_asns = r.own_asns.unwrap_or_default();
        self.asns("routes.own_asns", &own_asns)?;
        if r.prefixes.is_empty() {
            return Err(self.err(
                "routes.prefixes",
                "needs at least one monitored prefix ([[routes.prefixes]])",
            ));
        }
        if r.prefixes.len() > MAX_MONITORED_PREFIXES {
            return Err(self.err(
                "routes.prefixes",
                format!("has more than {MAX_MONITORED_PREFIXES} entries"),
            ));
        }
        let mut prefixes: Vec<MonitoredPrefix> = Vec::with_capacity(r.prefixes.len());
        let mut seen = HashSet::new();
        for (i, p) in r.prefixes.into_iter().enumerate() {
            let key = format!("routes.prefixes[{i}]");
            let prefix = self.prefix(&format!("{key}.prefix"), p.prefix.as_deref())?;
            if !seen.insert(prefix) {
                return Err(self.err(
                    format!("{key}.prefix"),
                    format!("`{prefix}` is monitored twice"),
                ));
            }
            let origins = p.origins.unwrap_or_default();
            if origins.is_empty() {
                return Err(self.err(
                    format!("{key}.origins"),
                    "needs at least one allowed origin ASN",
                ));
            }
            self.asns(&format!("{key}.origins"), &origins)?;
            let upstreams = p.upstreams.unwrap_or_default();
            self.asns(&format!("{key}.upstreams"), &upstreams)?;
            let more_specifics = match p.more_specifics.as_deref() {
                None | Some("alert") => MoreSpecifics::Alert,
                Some("allow") => MoreSpecifics::Allow,
                Some(o) => {
                    return Err(self.err(
                        format!("{key}.more_specifics"),
                        format!("`{o}` is not one of \"alert\", \"allow\""),
                    ))
                }
            };
            prefixes.push(MonitoredPrefix {
                prefix,
                origins,
                upstreams,
                more_specifics,
                description: p.description,
            });
        }
        let mut allow = Vec::with_capacity(r.allow.len());
        for (i, a) in r.allow.into_iter().enumerate() {
            let key = format!("routes.allow[{i}]");
            let prefix = self.prefix(&format!("{key}.prefix"), a.prefix.as_deref())?;
            let origin = a
                .origin
                .ok_or_else(|| self.err(format!("{key}.origin"), "is required: an ASN"))?;
            if origin == 0 {
                return Err(self.err(format!("{key}.origin"), "AS 0 is reserved (RFC 7607)"));
            }
            let max_length = a.max_length.unwrap_or(prefix.prefix_len());
            if max_length < prefix.prefix_len() || max_length > prefix.max_prefix_len() {
                return Err(self.err(
                    format!("{key}.max_length"),
                    format!(
                        "{max_length} is outside {}..={}",
                        prefix.prefix_len(),
                        prefix.max_prefix_len()
                    ),
                ));
            }
            allow.push(AllowedOrigin {
                prefix,
                origin,
                max_length,
            });
        }
        let bmp = match r.bmp {
            Some(b) => Some(self.bmp(b)?),
            None => None,
        };
        let ris_live = match r.ris_live {
            Some(l) => {
                let url = l.url.unwrap_or_else(|| DEFAULT_RIS_LIVE_URL.to_owned());
                let rest = url
                    .strip_prefix("wss://")
                    .or_else(|| url.strip_prefix("ws://"));
                if rest.is_none_or(|r| {
                    r.is_empty() || r.starts_with('/') || r.contains(char::is_whitespace)
                }) {
                    return Err(self.err(
                        "routes.ris_live.url",
                        format!("`{url}` is not a ws:// or wss:// URL"),
                    ));
                }
                Some(RisLive {
                    url,
                    watchdog: self.duration(
                        "routes.ris_live.watchdog",
                        l.watchdog.as_deref(),
                        DEFAULT_RIS_LIVE_WATCHDOG,
                    )?,
                })
            }
            None => None,
        };
        Ok(Routes {
            bmp,
            ris_live,
            vrps: r.vrps.as_deref().map(|p| self.path(p)),
            relationships: r.relationships.as_deref().map(|p| self.path(p)),
            min_vantages,
            own_asns,
            ignore_own_vantages: r.ignore_own_vantages.unwrap_or(DEFAULT_IGNORE_OWN_VANTAGES),
            suppress_rpki_valid: r.suppress_rpki_valid.unwrap_or(DEFAULT_SUPPRESS_RPKI_VALID),
            prefixes,
            allow,
        })
    }

    fn bmp(&self, b: raw::RoutesBmp) -> Result<Bmp, ConfigError> {
        let listen = self.socket("routes.bmp.listen", b.listen.as_deref())?;
        let mut routers = Vec::new();
        for (i, r) in b.routers.unwrap_or_default().iter().enumerate() {
            let key = format!("routes.bmp.routers[{i}]");
            let net = match r.trim().parse::<IpAddr>() {
                Ok(a) => ipnet::IpNet::from(a),
                Err(_) => self.prefix(&key, Some(r))?,
            };
            routers.push(net);
        }
        let max_routers = match b.max_routers {
            Some(0) => return Err(self.err("routes.bmp.max_routers", "must be at least 1")),
            Some(n) => n,
            None => DEFAULT_BMP_MAX_ROUTERS,
        };
        Ok(Bmp {
            listen,
            routers,
            max_routers,
            hold_time: self.duration(
                "routes.bmp.hold_time",
                b.hold_time.as_deref(),
                DEFAULT_BMP_HOLD_TIME,
            )?,
            resync_timeout: self.duration(
                "routes.bmp.resync_timeout",
                b.resync_timeout.as_deref(),
                DEFAULT_BMP_RESYNC_TIMEOUT,
            )?,
            silence_timeout: match b.silence_timeout.as_deref() {
                Some(v) => {
                    Some(self.duration("routes.bmp.silence_timeout", Some(v), Duration::ZERO)?)
                }
                None => None,
            },
        })
    }

    fn upstream(&self, key: &str, u: raw::Upstream) -> Result<Upstream, ConfigError> {
        let name = self.name(&format!("{key}.name"), u.name)?;
        let kind = match (u.servers, u.static_dir) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    key,
                    "has both `servers` and `static_dir`; an upstream is one or the other",
                ))
            }
            (None, None) => {
                return Err(self.err(key, "needs `servers` (a pool) or `static_dir` (files)"))
            }
            (None, Some(dir)) => {
                let pool_keys = [
                    ("balance", u.balance.is_some()),
                    ("protocol", u.protocol.is_some()),
                    ("tls", u.tls.is_some()),
                    ("health_check", u.health_check.is_some()),
                    ("passive_health", u.passive_health.is_some()),
                    ("source_address", u.source_address.is_some()),
                ];
                if let Some((k, _)) = pool_keys.iter().find(|(_, set)| *set) {
                    return Err(self.err(
                        format!("{key}.{k}"),
                        "applies to `servers` pools, not to `static_dir`",
                    ));
                }
                UpstreamKind::Static(if dir == BUILTIN_DEMO {
                    StaticRoot::BuiltinDemo
                } else {
                    StaticRoot::Dir(self.path(&dir))
                })
            }
            (Some(servers), None) => {
                if servers.is_empty() {
                    return Err(
                        self.err(format!("{key}.servers"), "needs at least one `host:port`")
                    );
                }
                let mut addrs = Vec::new();
                for (j, s) in servers.iter().enumerate() {
                    addrs.push(
                        ServerAddr::parse(s)
                            .map_err(|m| self.err(format!("{key}.servers[{j}]"), m))?,
                    );
                }
                let balance = match u.balance.as_deref() {
                    None | Some("round-robin") => Balance::RoundRobin,
                    Some("least-connections") => Balance::LeastConnections,
                    Some(o) => {
                        return Err(self.err(
                            format!("{key}.balance"),
                            format!("`{o}` is not one of \"round-robin\", \"least-connections\""),
                        ))
                    }
                };
                let protocol = match u.protocol.as_deref() {
                    None | Some("http1") => UpstreamProtocol::Http1,
                    Some("h2") => UpstreamProtocol::H2,
                    Some("auto") => UpstreamProtocol::Auto,
                    Some(o) => {
                        return Err(self.err(
                            format!("{key}.protocol"),
                            format!("`{o}` is not one of \"http1\", \"h2\", \"auto\""),
                        ))
                    }
                };
                if protocol == UpstreamProtocol::Auto && u.tls.is_none() {
                    return Err(self.err(
                        format!("{key}.protocol"),
                        "\"auto\" negotiates by ALPN and needs [upstreams.tls]; use \"http1\" or \"h2\"",
                    ));
                }
                let source_address = match u.source_address.as_deref() {
                    None => None,
                    Some(s) => Some(s.parse().map_err(|_| {
                        self.err(
                            format!("{key}.source_address"),
                            format!("`{s}` is not an IP address"),
                        )
                    })?),
                };
                let tls = u.tls.map(|t| UpstreamTls {
                    ca: t.ca.as_deref().map(|p| self.path(p)),
                    server_name: t.server_name,
                    require_post_quantum: t.require_post_quantum.unwrap_or(false),
                });
                let ph = u.passive_health.unwrap_or_default();
                let passive_health = PassiveHealth {
                    max_fails: match ph.max_fails {
                        Some(0) => {
                            return Err(self.err(
                                format!("{key}.passive_health.max_fails"),
                                "must be at least 1",
                            ))
                        }
                        v => v.unwrap_or(DEFAULT_MAX_FAILS),
                    },
                    fail_timeout: self.duration(
                        &format!("{key}.passive_health.fail_timeout"),
                        ph.fail_timeout.as_deref(),
                        DEFAULT_FAIL_TIMEOUT,
                    )?,
                };
                let health_check = match u.health_check {
                    None => None,
                    Some(h) => {
                        let hk = format!("{key}.health_check");
                        let path = h.path.unwrap_or_else(|| "/".into());
                        if !path.starts_with('/') {
                            return Err(self.err(
                                format!("{hk}.path"),
                                format!("`{path}` does not start with `/`"),
                            ));
                        }
                        Some(HealthCheck {
                            path,
                            interval: self.duration(
                                &format!("{hk}.interval"),
                                h.interval.as_deref(),
                                DEFAULT_CHECK_INTERVAL,
                            )?,
                            timeout: self.duration(
                                &format!("{hk}.timeout"),
                                h.timeout.as_deref(),
                                DEFAULT_CHECK_TIMEOUT,
                            )?,
                            fall: h.fall.unwrap_or(DEFAULT_CHECK_FALL).max(1),
                            rise: h.rise.unwrap_or(DEFAULT_CHECK_RISE).max(1),
                        })
                    }
                };
                UpstreamKind::Pool(Pool {
                    servers: addrs,
                    balance,
                    protocol,
                    connect_timeout: self.duration(
                        &format!("{key}.connect_timeout"),
                        u.connect_timeout.as_deref(),
                        DEFAULT_CONNECT_TIMEOUT,
                    )?,
                    response_timeout: self.duration(
                        &format!("{key}.response_timeout"),
                        u.response_timeout.as_deref(),
                        DEFAULT_RESPONSE_TIMEOUT,
                    )?,
                    pool_idle_timeout: self.duration(
                        &format!("{key}.pool_idle_timeout"),
                        u.pool_idle_timeout.as_deref(),
                        DEFAULT_POOL_IDLE_TIMEOUT,
                    )?,
                    pool_max_idle_per_server: u
                        .pool_max_idle_per_server
                        .unwrap_or(DEFAULT_POOL_MAX_IDLE_PER_SERVER),
                    source_address,
                    tls,
                    passive_health,
                    health_check,
                })
            }
        };
        Ok(Upstream { name, kind })
    }
}

#[cfg(test)]
mod tests;

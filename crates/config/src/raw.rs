//! The file as written: serde structures that mirror the TOML one to one.
//!
//! Every table rejects unknown keys, and every value a user may omit is an
//! `Option`, so that defaults live in one place (the `DEFAULT_*` constants) and
//! validation can name the key it is unhappy with. Values that need parsing
//! (addresses, durations) are kept as strings here for the same reason.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub server: Option<Server>,
    pub log: Option<Log>,
    pub admin: Option<Admin>,
    #[serde(default)]
    pub listeners: Vec<Listener>,
    pub tls: Option<Tls>,
    pub limits: Option<Limits>,
    pub store: Option<Store>,
    #[serde(default)]
    pub sites: Vec<Site>,
    #[serde(default)]
    pub upstreams: Vec<Upstream>,
    pub routes: Option<Routes>,
    pub alerts: Option<Alerts>,
    pub access: Option<Access>,
    pub scripts: Option<Scripts>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub state_dir: Option<String>,
    pub worker_threads: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    pub level: Option<String>,
    pub format: Option<String>,
    pub access_log: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Admin {
    pub listen: Option<String>,
    pub token: Option<String>,
    pub token_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    pub name: Option<String>,
    pub listen: Option<String>,
    pub tls: Option<bool>,
    pub h2c: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    pub require_post_quantum: Option<bool>,
    pub min_version: Option<String>,
    #[serde(default)]
    pub certificates: Vec<Certificate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub cert: Option<String>,
    pub key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub header_read_timeout: Option<String>,
    pub idle_timeout: Option<String>,
    pub max_header_bytes: Option<usize>,
    pub max_body_bytes: Option<u64>,
    pub max_connections: Option<usize>,
    pub shutdown_timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    pub sqlite: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: Option<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub routes: Vec<Route>,
    pub script_monitor: Option<ScriptMonitor>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptMonitor {
    pub enabled: Option<bool>,
    pub sample_rate: Option<f64>,
    pub sensitive_paths: Option<Vec<String>>,
    pub images: Option<bool>,
    pub form_actions: Option<bool>,
    pub frames: Option<bool>,
    pub full_urls: Option<bool>,
    pub ignore_hosts: Option<Vec<String>>,
    pub client_rate: Option<f64>,
    pub client_burst: Option<f64>,
    pub site_rate: Option<f64>,
    pub site_burst: Option<f64>,
    pub block: Option<Vec<String>>,
    pub approve: Option<Vec<String>>,
    pub auto_block_risk: Option<f64>,
    pub csp_enforce: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub path: Option<String>,
    pub upstream: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    pub name: Option<String>,
    pub servers: Option<Vec<String>>,
    pub static_dir: Option<String>,
    pub balance: Option<String>,
    pub protocol: Option<String>,
    pub connect_timeout: Option<String>,
    pub response_timeout: Option<String>,
    pub pool_idle_timeout: Option<String>,
    pub pool_max_idle_per_server: Option<usize>,
    pub source_address: Option<String>,
    pub tls: Option<UpstreamTls>,
    pub passive_health: Option<PassiveHealth>,
    pub health_check: Option<HealthCheck>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamTls {
    pub ca: Option<String>,
    pub server_name: Option<String>,
    pub require_post_quantum: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassiveHealth {
    pub max_fails: Option<u32>,
    pub fail_timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    pub path: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub fall: Option<u32>,
    pub rise: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routes {
    pub vrps: Option<String>,
    pub relationships: Option<String>,
    pub min_vantages: Option<usize>,
    pub own_asns: Option<Vec<u32>>,
    pub ignore_own_vantages: Option<bool>,
    pub suppress_rpki_valid: Option<bool>,
    #[serde(default)]
    pub prefixes: Vec<RoutesPrefix>,
    #[serde(default)]
    pub allow: Vec<RoutesAllow>,
    pub bmp: Option<RoutesBmp>,
    pub ris_live: Option<RoutesRisLive>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutesRisLive {
    pub url: Option<String>,
    pub watchdog: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutesBmp {
    pub listen: Option<String>,
    pub routers: Option<Vec<String>>,
    pub max_routers: Option<usize>,
    pub hold_time: Option<String>,
    pub resync_timeout: Option<String>,
    pub silence_timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutesPrefix {
    pub prefix: Option<String>,
    pub origins: Option<Vec<u32>>,
    pub upstreams: Option<Vec<u32>>,
    pub more_specifics: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutesAllow {
    pub prefix: Option<String>,
    pub origin: Option<u32>,
    pub max_length: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    pub dedup_window: Option<String>,
    #[serde(default)]
    pub channels: Vec<AlertChannel>,
}

/// One `[[alerts.channels]]` entry: the keys of every type, checked against `type` in
/// validation (a key another type uses is an error there, not silently ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertChannel {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub min_severity: Option<String>,
    pub max_per_window: Option<u32>,
    pub throttle_window: Option<String>,
    pub digest_max_severity: Option<String>,
    pub digest_period: Option<String>,
    pub url: Option<String>,
    pub url_env: Option<String>,
    pub secret: Option<String>,
    pub secret_env: Option<String>,
    pub routing_key: Option<String>,
    pub routing_key_env: Option<String>,
    pub source: Option<String>,
    pub server: Option<String>,
    pub port: Option<u16>,
    pub from: Option<String>,
    pub to: Option<Vec<String>>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub ca: Option<String>,
    pub timeout: Option<String>,
}

/// `[access]`: Zero Trust access in front of applications.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    pub cookie_lifetime: Option<String>,
    pub token_lifetime: Option<String>,
    pub key_rotation: Option<String>,
    pub geoip_db: Option<String>,
    #[serde(default)]
    pub apps: Vec<AccessApp>,
    #[serde(default)]
    pub idps: Vec<AccessIdp>,
    #[serde(default)]
    pub service_tokens: Vec<AccessServiceToken>,
    pub webauthn: Option<AccessWebauthn>,
}

/// `[access.webauthn]`: passkeys and security keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessWebauthn {
    pub rp_id: Option<String>,
    pub rp_name: Option<String>,
    pub max_credentials: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scripts {
    pub fetch: Option<ScriptFetch>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessApp {
    pub name: Option<String>,
    pub hosts: Option<Vec<String>>,
    pub paths: Option<Vec<String>>,
    pub idps: Option<Vec<String>>,
    pub session_duration: Option<String>,
    pub allow_preflight: Option<bool>,
    pub client_ca: Option<String>,
    pub passkeys: Option<bool>,
    #[serde(default)]
    pub policies: Vec<AccessPolicy>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    pub name: Option<String>,
    pub action: Option<String>,
    #[serde(default)]
    pub include: Vec<AccessSelector>,
    #[serde(default)]
    pub require: Vec<AccessSelector>,
    #[serde(default)]
    pub exclude: Vec<AccessSelector>,
}

/// One selector: exactly one key is set (checked in validation).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSelector {
    pub everyone: Option<bool>,
    pub emails: Option<Vec<String>>,
    pub email_domains: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
    pub idps: Option<Vec<String>>,
    pub auth_methods: Option<Vec<String>>,
    pub ip_ranges: Option<Vec<String>>,
    pub countries: Option<Vec<String>>,
    pub service_tokens: Option<Vec<String>>,
    pub any_service_token: Option<bool>,
    pub client_certificate: Option<bool>,
    pub client_certificate_cn: Option<Vec<String>>,
    pub security_key: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessIdp {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub display_name: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_env: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub groups_claim: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessServiceToken {
    pub name: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_secret_env: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptFetch {
    pub enabled: Option<bool>,
    pub interval: Option<String>,
    pub min_interval: Option<String>,
    pub timeout: Option<String>,
    pub concurrency: Option<usize>,
    pub host_delay: Option<String>,
    pub queue: Option<usize>,
    pub allow: Option<Vec<String>>,
    pub ca: Option<String>,
    pub user_agent: Option<String>,
}

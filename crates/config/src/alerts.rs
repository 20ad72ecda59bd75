//! `[alerts]`: the shared alert pipeline's channels.
//!
//! Secrets (a webhook's signing secret, a Slack URL, a PagerDuty routing key, an SMTP
//! password) may be written in the file or, better, named by a `*_env` key and read from the
//! environment when the file is loaded; either way they never show in `Debug` output.

use std::path::PathBuf;
use std::time::Duration;

use parapet_core::Severity;

use crate::{raw, ConfigError, Validator};

/// How long a dedup key suppresses repeats (`alerts.dedup_window`).
pub const DEFAULT_ALERT_DEDUP_WINDOW: Duration = Duration::from_secs(3600);
/// Alerts a channel sends per throttle window before the rest are summarised.
pub const DEFAULT_ALERT_MAX_PER_WINDOW: u32 = 20;
/// A channel's throttle window.
pub const DEFAULT_ALERT_THROTTLE_WINDOW: Duration = Duration::from_secs(300);
/// How often a channel's digest goes out, when it has one.
pub const DEFAULT_ALERT_DIGEST_PERIOD: Duration = Duration::from_secs(24 * 3600);
/// How long one delivery attempt may take.
pub const DEFAULT_ALERT_TIMEOUT: Duration = Duration::from_secs(10);
/// The SMTP submission port (STARTTLS).
pub const DEFAULT_SMTP_PORT: u16 = 587;
/// Most channels one file may configure.
pub const MAX_ALERT_CHANNELS: usize = 32;

/// A secret from the file or the environment. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the code that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The validated `[alerts]` table.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Alerts {
    pub dedup_window: Duration,
    pub channels: Vec<AlertChannel>,
}

/// One channel with its pipeline options.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AlertChannel {
    pub name: String,
    pub min_severity: Severity,
    pub max_per_window: u32,
    pub throttle_window: Duration,
    /// Events up to this severity wait for a digest sent every period.
    pub digest: Option<(Severity, Duration)>,
    pub timeout: Duration,
    pub kind: AlertChannelKind,
}

/// Where a channel delivers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AlertChannelKind {
    /// A JSON POST signed with HMAC-SHA256.
    Webhook { url: String, secret: Secret },
    /// A Slack incoming webhook (its URL is the credential).
    Slack { url: Secret },
    /// PagerDuty Events API v2.
    PagerDuty {
        routing_key: Secret,
        source: Option<String>,
    },
    /// Mail over SMTP with STARTTLS.
    Email {
        server: String,
        port: u16,
        from: String,
        to: Vec<String>,
        credentials: Option<(String, Secret)>,
        /// A CA to trust instead of the public roots.
        ca: Option<PathBuf>,
    },
}

impl Validator<'_> {
    pub(crate) fn alerts(&self, a: raw::Alerts) -> Result<Alerts, ConfigError> {
        let dedup_window = self.duration(
            "alerts.dedup_window",
            a.dedup_window.as_deref(),
            DEFAULT_ALERT_DEDUP_WINDOW,
        )?;
        if a.channels.len() > MAX_ALERT_CHANNELS {
            return Err(self.err(
                "alerts.channels",
                format!("at most {MAX_ALERT_CHANNELS} channels"),
            ));
        }
        let mut channels: Vec<AlertChannel> = Vec::new();
        for (i, c) in a.channels.into_iter().enumerate() {
            let key = format!("alerts.channels[{i}]");
            let channel = self.alert_channel(&key, c)?;
            if channels.iter().any(|o| o.name == channel.name) {
                return Err(self.err(
                    format!("{key}.name"),
                    format!("`{}` names another channel too", channel.name),
                ));
            }
            channels.push(channel);
        }
        Ok(Alerts {
            dedup_window,
            channels,
        })
    }

    fn alert_channel(&self, key: &str, c: raw::AlertChannel) -> Result<AlertChannel, ConfigError> {
        let name = self.name(&format!("{key}.name"), c.name.clone())?;
        let severity = |k: &str, v: Option<&str>, default: Severity| match v {
            None => Ok(default),
            Some(v) => v.parse::<Severity>().map_err(|_| {
                self.err(
                    format!("{key}.{k}"),
                    format!("`{v}` is not one of info, low, medium, high, critical"),
                )
            }),
        };
        let min_severity = severity("min_severity", c.min_severity.as_deref(), Severity::Info)?;
        let max_per_window = match c.max_per_window {
            Some(0) => return Err(self.err(format!("{key}.max_per_window"), "must be at least 1")),
            Some(n) => n,
            None => DEFAULT_ALERT_MAX_PER_WINDOW,
        };
        let throttle_window = self.duration(
            &format!("{key}.throttle_window"),
            c.throttle_window.as_deref(),
            DEFAULT_ALERT_THROTTLE_WINDOW,
        )?;
        let digest = match c.digest_max_severity.as_deref() {
            None if c.digest_period.is_some() => {
                return Err(self.err(
                    format!("{key}.digest_period"),
                    "needs digest_max_severity: which events go to the digest",
                ))
            }
            None => None,
            Some(v) => Some((
                severity("digest_max_severity", Some(v), Severity::Low)?,
                self.duration(
                    &format!("{key}.digest_period"),
                    c.digest_period.as_deref(),
                    DEFAULT_ALERT_DIGEST_PERIOD,
                )?,
            )),
        };
        let timeout = self.duration(
            &format!("{key}.timeout"),
            c.timeout.as_deref(),
            DEFAULT_ALERT_TIMEOUT,
        )?;
        let kind_name = c.kind.clone().ok_or_else(|| {
            self.err(
                format!("{key}.type"),
                "is required: one of webhook, slack, pagerduty, email",
            )
        })?;
        // Which type-specific keys each type takes; any other one set is a mistake.
        let (allowed, kind): (&[&str], AlertChannelKind) = match kind_name.as_str() {
            "webhook" => (
                &["url", "secret", "secret_env"],
                AlertChannelKind::Webhook {
                    url: self.required(key, "url", c.url.clone())?,
                    secret: self.secret(key, "secret", c.secret.clone(), c.secret_env.clone())?,
                },
            ),
            "slack" => (
                &["url", "url_env"],
                AlertChannelKind::Slack {
                    url: self.secret(key, "url", c.url.clone(), c.url_env.clone())?,
                },
            ),
            "pagerduty" => (
                &["routing_key", "routing_key_env", "source"],
                AlertChannelKind::PagerDuty {
                    routing_key: self.secret(
                        key,
                        "routing_key",
                        c.routing_key.clone(),
                        c.routing_key_env.clone(),
                    )?,
                    source: c.source.clone(),
                },
            ),
            "email" => {
                let to = c.to.clone().unwrap_or_default();
                if to.is_empty() {
                    return Err(self.err(format!("{key}.to"), "needs at least one recipient"));
                }
                let credentials = match c.username.clone() {
                    None if c.password.is_some() || c.password_env.is_some() => {
                        return Err(self.err(
                            format!("{key}.username"),
                            "is required when a password is set",
                        ))
                    }
                    None => None,
                    Some(user) => Some((
                        user,
                        self.secret(key, "password", c.password.clone(), c.password_env.clone())?,
                    )),
                };
                (
                    &[
                        "server",
                        "port",
                        "from",
                        "to",
                        "username",
                        "password",
                        "password_env",
                        "ca",
                    ],
                    AlertChannelKind::Email {
                        server: self.required(key, "server", c.server.clone())?,
                        port: c.port.unwrap_or(DEFAULT_SMTP_PORT),
                        from: self.required(key, "from", c.from.clone())?,
                        to,
                        credentials,
                        ca: c.ca.as_deref().map(|p| self.path(p)),
                    },
                )
            }
            other => {
                return Err(self.err(
                    format!("{key}.type"),
                    format!("`{other}` is not one of webhook, slack, pagerduty, email"),
                ))
            }
        };
        let set = [
            ("url", c.url.is_some()),
            ("url_env", c.url_env.is_some()),
            ("secret", c.secret.is_some()),
            ("secret_env", c.secret_env.is_some()),
            ("routing_key", c.routing_key.is_some()),
            ("routing_key_env", c.routing_key_env.is_some()),
            ("source", c.source.is_some()),
            ("server", c.server.is_some()),
            ("port", c.port.is_some()),
            ("from", c.from.is_some()),
            ("to", c.to.is_some()),
            ("username", c.username.is_some()),
            ("password", c.password.is_some()),
            ("password_env", c.password_env.is_some()),
            ("ca", c.ca.is_some()),
        ];
        if let Some((k, _)) = set.iter().find(|(k, on)| *on && !allowed.contains(k)) {
            return Err(self.err(
                format!("{key}.{k}"),
                format!("is not a setting of a `{kind_name}` channel"),
            ));
        }
        Ok(AlertChannel {
            name,
            min_severity,
            max_per_window,
            throttle_window,
            digest,
            timeout,
            kind,
        })
    }

    fn required(&self, key: &str, k: &str, v: Option<String>) -> Result<String, ConfigError> {
        match v {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(self.err(format!("{key}.{k}"), "is required")),
        }
    }

    /// `k` from the file, or the environment variable `k_env` names; exactly one of them.
    pub(crate) fn secret(
        &self,
        key: &str,
        k: &str,
        inline: Option<String>,
        env: Option<String>,
    ) -> Result<Secret, ConfigError> {
        match (inline, env) {
            (Some(_), Some(_)) => Err(self.err(
                format!("{key}.{k}_env"),
                format!("set either {k} or {k}_env, not both"),
            )),
            (Some(v), None) if !v.trim().is_empty() => Ok(Secret(v)),
            (Some(_), None) => Err(self.err(format!("{key}.{k}"), "is empty")),
            (None, Some(var)) => match std::env::var(&var) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v)),
                _ => Err(self.err(
                    format!("{key}.{k}_env"),
                    format!("the environment variable `{var}` is not set (or empty)"),
                )),
            },
            (None, None) => Err(self.err(
                format!("{key}.{k}"),
                format!("is required (or name an environment variable in {k}_env)"),
            )),
        }
    }
}

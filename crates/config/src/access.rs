//! `[access]`: Zero Trust access at the gateway, in Cloudflare Access's model.
//!
//! An *application* is a set of host names and path prefixes; requests to it are checked
//! against its *policies* on every request. People sign in through the *identity providers*
//! the application offers (OpenID Connect); machines present a *service token*. The request
//! still goes to whatever upstream the site's routes name.
//!
//! ```toml
//! [[access.idps]]
//! name = "corp"
//! issuer = "https://login.example.com"
//! client_id = "parapet"
//! client_secret_env = "PARAPET_OIDC_SECRET"
//!
//! [[access.apps]]
//! name = "wiki"
//! hosts = ["wiki.example.com"]
//! idps = ["corp"]
//!
//! [[access.apps.policies]]
//! name = "staff"
//! action = "allow"
//! include = [{ email_domains = ["example.com"] }]
//! exclude = [{ groups = ["suspended"] }]
//! ```

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use crate::{raw, ConfigError, HostPattern, Secret, Validator};

/// How long a sign-in lasts, at most, before the person signs in again (per application,
/// `session_duration`).
pub const DEFAULT_ACCESS_SESSION_DURATION: Duration = Duration::from_secs(24 * 3600);
/// How long the session cookie is valid without use. It is renewed (sliding) on requests
/// after half of it has passed, never beyond the session's end, so a stolen cookie that is
/// not used for this long is worthless and a revocation reaches every browser this fast.
pub const DEFAULT_ACCESS_COOKIE_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Lifetime of the signed identity (JWT) handed to the application with each request.
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// A new signing key is made this often; the previous one stays published (JWKS) for a
/// further `token_lifetime`, so tokens signed just before a rotation still verify.
pub const DEFAULT_ACCESS_KEY_ROTATION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Scopes asked of an OpenID provider when the config names none.
pub const DEFAULT_OIDC_SCOPES: &[&str] = &["openid", "email", "profile"];
/// The ID token or userinfo claim that lists a person's groups.
pub const DEFAULT_OIDC_GROUPS_CLAIM: &str = "groups";
/// The relying party name authenticators show when a key is registered.
pub const DEFAULT_WEBAUTHN_RP_NAME: &str = "Parapet";
/// Most passkeys and security keys one person may register.
pub const DEFAULT_WEBAUTHN_MAX_CREDENTIALS: usize = 10;
/// Whether an application's sign-in page offers "Sign in with a passkey" (per application,
/// `passkeys`); security keys as a second factor (step-up) need no such switch.
pub const DEFAULT_ACCESS_PASSKEYS: bool = false;
/// Most applications, providers, service tokens and policies per application.
pub const MAX_ACCESS_ENTRIES: usize = 1_000;
/// Most values in one selector (emails, ranges, ...).
pub const MAX_SELECTOR_VALUES: usize = 10_000;
/// Largest `client_ca` file read, in bytes (a bundle of a few hundred CA certificates).
pub const MAX_CLIENT_CA_BYTES: u64 = 1 << 20;

/// The validated `[access]` table.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Access {
    pub cookie_lifetime: Duration,
    pub token_lifetime: Duration,
    pub key_rotation: Duration,
    /// A MaxMind-format database (GeoLite2/GeoIP2 Country or any with `country.iso_code`
    /// or a flat `country_code`) for `countries` selectors and the identity's country.
    pub geoip_db: Option<PathBuf>,
    pub apps: Vec<AccessApp>,
    pub idps: Vec<IdentityProvider>,
    pub service_tokens: Vec<ServiceToken>,
    pub webauthn: Webauthn,
}

/// `[access.webauthn]`: the WebAuthn relying party (passkeys and security keys).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Webauthn {
    /// The relying party id: a domain that is the request's host or a suffix of it, so one
    /// key works on every application under it. `None`: each host is its own (a key
    /// registered on `wiki.example.com` works only there).
    pub rp_id: Option<String>,
    pub rp_name: String,
    pub max_credentials: usize,
}

impl Default for Webauthn {
    fn default() -> Self {
        Webauthn {
            rp_id: None,
            rp_name: DEFAULT_WEBAUTHN_RP_NAME.to_owned(),
            max_credentials: DEFAULT_WEBAUTHN_MAX_CREDENTIALS,
        }
    }
}

/// One `[[access.apps]]` entry.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccessApp {
    pub name: String,
    pub hosts: Vec<HostPattern>,
    /// Path prefixes, each starting with `/`; `["/"]` when omitted.
    pub paths: Vec<String>,
    /// Indices into [`Access::idps`]: the providers the login page offers.
    pub idps: Vec<usize>,
    pub session_duration: Duration,
    /// CORS preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) pass
    /// without a session: browsers never send cookies with them.
    pub allow_preflight: bool,
    /// The CAs whose client certificates count for this application (mTLS); the gateway
    /// asks for a certificate on TLS connections to its hosts.
    pub client_ca: Option<ClientCa>,
    /// The sign-in page offers a passkey (WebAuthn, discoverable credential) next to the
    /// providers.
    pub passkeys: bool,
    pub policies: Vec<Policy>,
}

/// A `client_ca` PEM bundle, read and checked at load.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientCa {
    pub path: PathBuf,
    /// The CA certificates (DER), in file order; at least one.
    pub certs: Vec<Vec<u8>>,
}

/// One policy: its action applies when any `include`, every `require` and no `exclude`
/// selector matches.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Policy {
    pub name: String,
    pub action: PolicyAction,
    pub include: Vec<Selector>,
    pub require: Vec<Selector>,
    pub exclude: Vec<Selector>,
}

impl Policy {
    pub fn new(name: &str, action: PolicyAction, include: Vec<Selector>) -> Self {
        Policy {
            name: name.to_owned(),
            action,
            include,
            require: Vec::new(),
            exclude: Vec::new(),
        }
    }

    #[must_use]
    pub fn require(mut self, s: Vec<Selector>) -> Self {
        self.require = s;
        self
    }

    #[must_use]
    pub fn exclude(mut self, s: Vec<Selector>) -> Self {
        self.exclude = s;
        self
    }
}

/// What a matching policy does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyAction {
    /// A signed-in person may pass.
    Allow,
    /// Refused.
    Block,
    /// Passes without any identity (no sign-in, no identity header).
    Bypass,
    /// A machine with a valid service token may pass.
    ServiceAuth,
}

impl PolicyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Block => "block",
            Self::Bypass => "bypass",
            Self::ServiceAuth => "service-auth",
        }
    }
}

/// How the requester proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Signed in through an OpenID Connect provider.
    Oidc,
    /// A service token's client id and secret.
    ServiceToken,
    /// A client certificate alone (no session, no service token): a machine identified by
    /// its certificate.
    Mtls,
    /// A passkey or security key (WebAuthn), at sign-in or as a step-up.
    Webauthn,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oidc => "oidc",
            Self::ServiceToken => "service-token",
            Self::Mtls => "mtls",
            Self::Webauthn => "webauthn",
        }
    }
}

/// One condition of a policy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Selector {
    /// Every request.
    Everyone,
    /// These addresses, lower-case.
    Emails(Vec<String>),
    /// Addresses in these domains (lower-case, without `@`); subdomains do not count.
    EmailDomains(Vec<String>),
    /// Members of one of these groups (from the provider's groups claim; exact match).
    Groups(Vec<String>),
    /// Signed in through one of these providers (by name).
    Idps(Vec<String>),
    AuthMethods(Vec<AuthMethod>),
    /// The client address is in one of these ranges (checked on every request).
    IpRanges(Vec<ipnet::IpNet>),
    /// The client address is in one of these countries (ISO 3166-1 alpha-2, upper-case),
    /// by the `geoip_db`; an address the database does not place matches none.
    Countries(Vec<String>),
    /// One of these service tokens (by name).
    ServiceTokens(Vec<String>),
    /// Any valid service token.
    AnyServiceToken,
    /// A client certificate that verifies against this application's `client_ca`.
    ClientCertificate,
    /// Such a certificate whose subject common name is one of these (exact match).
    ClientCertificateCn(Vec<String>),
    /// The person proved possession of a registered passkey or security key (WebAuthn) in
    /// this session, with user verification (PIN or biometric).
    SecurityKey,
}

/// An OpenID Connect provider.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IdentityProvider {
    pub name: String,
    /// What the login page shows.
    pub display_name: String,
    /// The issuer URL, without a trailing slash; discovery is at
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub groups_claim: String,
}

/// A machine credential: `Parapet-Access-Client-Id` and `Parapet-Access-Client-Secret`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServiceToken {
    pub name: String,
    pub client_id: String,
    pub client_secret: Secret,
}

impl Validator<'_> {
    pub(crate) fn access(&self, a: raw::Access) -> Result<Access, ConfigError> {
        let cookie_lifetime = self.duration(
            "access.cookie_lifetime",
            a.cookie_lifetime.as_deref(),
            DEFAULT_ACCESS_COOKIE_LIFETIME,
        )?;
        let token_lifetime = self.duration(
            "access.token_lifetime",
            a.token_lifetime.as_deref(),
            DEFAULT_ACCESS_TOKEN_LIFETIME,
        )?;
        if token_lifetime < Duration::from_secs(30) {
            return Err(self.err(
                "access.token_lifetime",
                "must be at least 30s: applications' clocks differ",
            ));
        }
        let key_rotation = self.duration(
            "access.key_rotation",
            a.key_rotation.as_deref(),
            DEFAULT_ACCESS_KEY_ROTATION,
        )?;
        if key_rotation < token_lifetime * 2 {
            return Err(self.err(
                "access.key_rotation",
                "must be at least twice access.token_lifetime",
            ));
        }
        for (key, n) in [
            ("access.apps", a.apps.len()),
            ("access.idps", a.idps.len()),
            ("access.service_tokens", a.service_tokens.len()),
        ] {
            if n > MAX_ACCESS_ENTRIES {
                return Err(self.err(key, format!("has more than {MAX_ACCESS_ENTRIES} entries")));
            }
        }

        let mut idps: Vec<IdentityProvider> = Vec::new();
        for (i, p) in a.idps.into_iter().enumerate() {
            let key = format!("access.idps[{i}]");
            let idp = self.idp(&key, p)?;
            if idps.iter().any(|o| o.name == idp.name) {
                return Err(self.err(
                    format!("{key}.name"),
                    format!("`{}` names another provider too", idp.name),
                ));
            }
            idps.push(idp);
        }

        let mut service_tokens: Vec<ServiceToken> = Vec::new();
        for (i, t) in a.service_tokens.into_iter().enumerate() {
            let key = format!("access.service_tokens[{i}]");
            let name = self.name(&format!("{key}.name"), t.name)?;
            let client_id = t
                .client_id
                .filter(|c| !c.trim().is_empty())
                .ok_or_else(|| self.err(format!("{key}.client_id"), "is required"))?;
            let client_secret =
                self.secret(&key, "client_secret", t.client_secret, t.client_secret_env)?;
            if client_secret.expose().len() < 16 {
                return Err(self.err(
                    format!("{key}.client_secret"),
                    "is shorter than 16 characters: too easy to guess",
                ));
            }
            if service_tokens
                .iter()
                .any(|o| o.name == name || o.client_id == client_id)
            {
                return Err(self.err(
                    key,
                    format!("`{name}` or its client_id is used by another service token"),
                ));
            }
            service_tokens.push(ServiceToken {
                name,
                client_id,
                client_secret,
            });
        }

        let mut apps: Vec<AccessApp> = Vec::new();
        for (i, app) in a.apps.into_iter().enumerate() {
            let key = format!("access.apps[{i}]");
            let app = self.access_app(&key, app, &idps, &service_tokens)?;
            if apps.iter().any(|o| o.name == app.name) {
                return Err(self.err(
                    format!("{key}.name"),
                    format!("`{}` names another application too", app.name),
                ));
            }
            apps.push(app);
        }
        let geoip_db = a.geoip_db.as_deref().map(|p| self.path(p));
        if geoip_db.is_none() {
            for (i, app) in apps.iter().enumerate() {
                for (j, p) in app.policies.iter().enumerate() {
                    let uses = p
                        .include
                        .iter()
                        .chain(&p.require)
                        .chain(&p.exclude)
                        .any(|s| matches!(s, Selector::Countries(_)));
                    if uses {
                        return Err(self.err(
                            format!("access.apps[{i}].policies[{j}]"),
                            "uses `countries` but [access] names no geoip_db",
                        ));
                    }
                }
            }
        }
        let webauthn = self.webauthn(a.webauthn.unwrap_or_default())?;
        Ok(Access {
            cookie_lifetime,
            token_lifetime,
            key_rotation,
            geoip_db,
            apps,
            idps,
            service_tokens,
            webauthn,
        })
    }

    fn webauthn(&self, w: raw::AccessWebauthn) -> Result<Webauthn, ConfigError> {
        let rp_id = match w.rp_id {
            None => None,
            Some(id) => {
                let id = id.trim().trim_end_matches('.').to_ascii_lowercase();
                let ok = !id.is_empty()
                    && id.len() <= 253
                    && id.split('.').all(|l| {
                        !l.is_empty()
                            && l.len() <= 63
                            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    });
                if !ok {
                    return Err(self.err(
                        "access.webauthn.rp_id",
                        format!("`{id}` is not a domain name like \"example.com\""),
                    ));
                }
                Some(id)
            }
        };
        let rp_name = match w.rp_name {
            None => DEFAULT_WEBAUTHN_RP_NAME.to_owned(),
            Some(n) if !n.trim().is_empty() && n.len() <= 64 => n,
            Some(_) => {
                return Err(self.err("access.webauthn.rp_name", "must be 1 to 64 characters"))
            }
        };
        let max_credentials = w
            .max_credentials
            .unwrap_or(DEFAULT_WEBAUTHN_MAX_CREDENTIALS);
        if !(1..=100).contains(&max_credentials) {
            return Err(self.err(
                "access.webauthn.max_credentials",
                "must be between 1 and 100",
            ));
        }
        Ok(Webauthn {
            rp_id,
            rp_name,
            max_credentials,
        })
    }

    fn idp(&self, key: &str, p: raw::AccessIdp) -> Result<IdentityProvider, ConfigError> {
        let name = self.name(&format!("{key}.name"), p.name)?;
        match p.kind.as_deref() {
            None | Some("oidc") => {}
            Some(o) => {
                return Err(self.err(
                    format!("{key}.type"),
                    format!("`{o}` is not a provider type; expected \"oidc\""),
                ))
            }
        }
        let issuer = p.issuer.ok_or_else(|| {
            self.err(
                format!("{key}.issuer"),
                "is required: the provider's issuer URL",
            )
        })?;
        let issuer = issuer.trim_end_matches('/').to_owned();
        let https = issuer.starts_with("https://");
        let loopback_http = issuer.strip_prefix("http://").is_some_and(|rest| {
            let authority = rest.split('/').next().unwrap_or("");
            let host = match authority.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None => authority.split(':').next().unwrap_or(""),
            };
            host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        if !(https || loopback_http) || issuer.len() <= "https://".len() {
            return Err(self.err(
                format!("{key}.issuer"),
                format!("`{issuer}` is not an https:// URL (plain http only on loopback)"),
            ));
        }
        let client_id = p
            .client_id
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| self.err(format!("{key}.client_id"), "is required"))?;
        let client_secret =
            self.secret(key, "client_secret", p.client_secret, p.client_secret_env)?;
        let scopes = p.scopes.unwrap_or_else(|| {
            DEFAULT_OIDC_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        });
        if !scopes.iter().any(|s| s == "openid") {
            return Err(self.err(
                format!("{key}.scopes"),
                "must include \"openid\" (OpenID Connect sign-in)",
            ));
        }
        if let Some(s) = scopes.iter().find(|s| {
            s.is_empty()
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        }) {
            return Err(self.err(format!("{key}.scopes"), format!("`{s}` is not a scope")));
        }
        Ok(IdentityProvider {
            display_name: p.display_name.unwrap_or_else(|| name.clone()),
            name,
            issuer,
            client_id,
            client_secret,
            scopes,
            groups_claim: p
                .groups_claim
                .unwrap_or_else(|| DEFAULT_OIDC_GROUPS_CLAIM.to_owned()),
        })
    }

    fn access_app(
        &self,
        key: &str,
        a: raw::AccessApp,
        idps: &[IdentityProvider],
        tokens: &[ServiceToken],
    ) -> Result<AccessApp, ConfigError> {
        let name = self.name(&format!("{key}.name"), a.name)?;
        let hosts = a.hosts.unwrap_or_default();
        if hosts.is_empty() {
            return Err(self.err(format!("{key}.hosts"), "needs at least one host name"));
        }
        let hosts = hosts
            .iter()
            .enumerate()
            .map(|(j, h)| {
                HostPattern::parse(h).map_err(|m| self.err(format!("{key}.hosts[{j}]"), m))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let paths = a.paths.unwrap_or_else(|| vec!["/".to_owned()]);
        if paths.is_empty() {
            return Err(self.err(format!("{key}.paths"), "needs at least one path prefix"));
        }
        for (j, p) in paths.iter().enumerate() {
            if !p.starts_with('/') || p.contains(char::is_whitespace) {
                return Err(self.err(
                    format!("{key}.paths[{j}]"),
                    format!("`{p}` is not a path prefix starting with `/`"),
                ));
            }
        }
        let mut idx = Vec::new();
        for (j, n) in a.idps.unwrap_or_default().iter().enumerate() {
            let Some(k) = idps.iter().position(|p| &p.name == n) else {
                return Err(self.err(
                    format!("{key}.idps[{j}]"),
                    format!("`{n}` is not an [[access.idps]] name"),
                ));
            };
            if !idx.contains(&k) {
                idx.push(k);
            }
        }
        if a.policies.is_empty() {
            return Err(self.err(
                format!("{key}.policies"),
                "needs at least one policy ([[access.apps.policies]]); without one every request is refused",
            ));
        }
        if a.policies.len() > MAX_ACCESS_ENTRIES {
            return Err(self.err(
                format!("{key}.policies"),
                format!("has more than {MAX_ACCESS_ENTRIES} entries"),
            ));
        }
        let mut policies: Vec<Policy> = Vec::new();
        let mut seen = HashSet::new();
        for (j, p) in a.policies.into_iter().enumerate() {
            let pk = format!("{key}.policies[{j}]");
            let pol = self.policy(&pk, p, idps, tokens)?;
            if !seen.insert(pol.name.clone()) {
                return Err(self.err(
                    format!("{pk}.name"),
                    format!("`{}` names another policy of this application", pol.name),
                ));
            }
            if pol.action == PolicyAction::Allow && idx.is_empty() {
                return Err(self.err(
                    format!("{key}.idps"),
                    "an \"allow\" policy needs at least one identity provider to sign in with",
                ));
            }
            policies.push(pol);
        }
        let client_ca = a
            .client_ca
            .as_deref()
            .map(|p| self.client_ca(&format!("{key}.client_ca"), p))
            .transpose()?;
        if client_ca.is_none() {
            for (j, p) in policies.iter().enumerate() {
                let uses = p
                    .include
                    .iter()
                    .chain(&p.require)
                    .chain(&p.exclude)
                    .any(|s| {
                        matches!(
                            s,
                            Selector::ClientCertificate | Selector::ClientCertificateCn(_)
                        ) || matches!(s, Selector::AuthMethods(m) if m.contains(&AuthMethod::Mtls))
                    });
                if uses {
                    return Err(self.err(
                        format!("{key}.policies[{j}]"),
                        "uses a client certificate selector but the application names no client_ca",
                    ));
                }
            }
        }
        Ok(AccessApp {
            name,
            hosts,
            paths,
            idps: idx,
            session_duration: self.duration(
                &format!("{key}.session_duration"),
                a.session_duration.as_deref(),
                DEFAULT_ACCESS_SESSION_DURATION,
            )?,
            allow_preflight: a.allow_preflight.unwrap_or(false),
            client_ca,
            passkeys: a.passkeys.unwrap_or(DEFAULT_ACCESS_PASSKEYS),
            policies,
        })
    }

    /// Reads a PEM bundle of CA certificates: readable, bounded, at least one certificate.
    fn client_ca(&self, key: &str, p: &str) -> Result<ClientCa, ConfigError> {
        use std::io::Read as _;
        let path = self.path(p);
        let mut pem = Vec::new();
        std::fs::File::open(&path)
            .and_then(|f| f.take(MAX_CLIENT_CA_BYTES + 1).read_to_end(&mut pem))
            .map_err(|e| self.err(key, format!("cannot read {}: {e}", path.display())))?;
        if pem.len() as u64 > MAX_CLIENT_CA_BYTES {
            return Err(self.err(
                key,
                format!(
                    "{} is larger than {MAX_CLIENT_CA_BYTES} bytes",
                    path.display()
                ),
            ));
        }
        let certs = rustls_pemfile::certs(&mut pem.as_slice())
            .map(|c| c.map(|c| c.as_ref().to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(key, format!("{}: not PEM: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(self.err(
                key,
                format!(
                    "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    path.display()
                ),
            ));
        }
        Ok(ClientCa { path, certs })
    }

    fn policy(
        &self,
        key: &str,
        p: raw::AccessPolicy,
        idps: &[IdentityProvider],
        tokens: &[ServiceToken],
    ) -> Result<Policy, ConfigError> {
        let name = self.name(&format!("{key}.name"), p.name)?;
        let action = match p.action.as_deref() {
            Some("allow") => PolicyAction::Allow,
            Some("block") => PolicyAction::Block,
            Some("bypass") => PolicyAction::Bypass,
            Some("service-auth") => PolicyAction::ServiceAuth,
            Some(o) => {
                return Err(self.err(
                    format!("{key}.action"),
                    format!(
                        "`{o}` is not one of \"allow\", \"block\", \"bypass\", \"service-auth\""
                    ),
                ))
            }
            None => {
                return Err(self.err(
                    format!("{key}.action"),
                    "is required: \"allow\", \"block\", \"bypass\" or \"service-auth\"",
                ))
            }
        };
        if p.include.is_empty() {
            return Err(self.err(
                format!("{key}.include"),
                "needs at least one selector (use [{ everyone = true }] for every request)",
            ));
        }
        let list = |part: &str, v: Vec<raw::AccessSelector>| {
            v.into_iter()
                .enumerate()
                .map(|(k, s)| self.selector(&format!("{key}.{part}[{k}]"), s, idps, tokens))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Policy {
            name,
            action,
            include: list("include", p.include)?,
            require: list("require", p.require)?,
            exclude: list("exclude", p.exclude)?,
        })
    }

    fn selector(
        &self,
        key: &str,
        s: raw::AccessSelector,
        idps: &[IdentityProvider],
        tokens: &[ServiceToken],
    ) -> Result<Selector, ConfigError> {
        let mut found: Vec<(&str, Selector)> = Vec::new();
        let strings = |k: &str, v: Vec<String>| -> Result<Vec<String>, ConfigError> {
            if v.is_empty() {
                return Err(self.err(format!("{key}.{k}"), "is empty"));
            }
            if v.len() > MAX_SELECTOR_VALUES {
                return Err(self.err(
                    format!("{key}.{k}"),
                    format!("has more than {MAX_SELECTOR_VALUES} values"),
                ));
            }
            Ok(v)
        };
        if let Some(b) = s.everyone {
            if !b {
                return Err(self.err(format!("{key}.everyone"), "can only be true"));
            }
            found.push(("everyone", Selector::Everyone));
        }
        if let Some(v) = s.emails {
            let v = strings("emails", v)?;
            for (i, e) in v.iter().enumerate() {
                if e.split('@').count() != 2 || e.starts_with('@') || e.ends_with('@') {
                    return Err(self.err(
                        format!("{key}.emails[{i}]"),
                        format!("`{e}` is not an address like \"ana@example.com\""),
                    ));
                }
            }
            found.push((
                "emails",
                Selector::Emails(v.iter().map(|e| e.to_ascii_lowercase()).collect()),
            ));
        }
        if let Some(v) = s.email_domains {
            let v = strings("email_domains", v)?;
            for (i, d) in v.iter().enumerate() {
                if d.is_empty() || d.contains('@') || d.starts_with('.') {
                    return Err(self.err(
                        format!("{key}.email_domains[{i}]"),
                        format!("`{d}` is not a domain like \"example.com\""),
                    ));
                }
            }
            found.push((
                "email_domains",
                Selector::EmailDomains(v.iter().map(|d| d.to_ascii_lowercase()).collect()),
            ));
        }
        if let Some(v) = s.groups {
            found.push(("groups", Selector::Groups(strings("groups", v)?)));
        }
        if let Some(v) = s.idps {
            let v = strings("idps", v)?;
            for (i, n) in v.iter().enumerate() {
                if !idps.iter().any(|p| &p.name == n) {
                    return Err(self.err(
                        format!("{key}.idps[{i}]"),
                        format!("`{n}` is not an [[access.idps]] name"),
                    ));
                }
            }
            found.push(("idps", Selector::Idps(v)));
        }
        if let Some(v) = s.auth_methods {
            let v = strings("auth_methods", v)?;
            let mut methods = Vec::new();
            for (i, m) in v.iter().enumerate() {
                methods.push(match m.as_str() {
                    "oidc" => AuthMethod::Oidc,
                    "service-token" => AuthMethod::ServiceToken,
                    "webauthn" => AuthMethod::Webauthn,
                    "mtls" => AuthMethod::Mtls,
                    o => {
                        return Err(self.err(
                            format!("{key}.auth_methods[{i}]"),
                            format!(
                                "`{o}` is not one of \"oidc\", \"service-token\", \"webauthn\", \"mtls\""
                            ),
                        ))
                    }
                });
            }
            found.push(("auth_methods", Selector::AuthMethods(methods)));
        }
        if let Some(v) = s.ip_ranges {
            let v = strings("ip_ranges", v)?;
            let mut nets = Vec::new();
            for (i, r) in v.iter().enumerate() {
                let k = format!("{key}.ip_ranges[{i}]");
                // A bare address is its own /32 or /128.
                let net = match r.trim().parse::<std::net::IpAddr>() {
                    Ok(ip) => ipnet::IpNet::from(ip),
                    Err(_) => self.prefix(&k, Some(r))?,
                };
                nets.push(net);
            }
            found.push(("ip_ranges", Selector::IpRanges(nets)));
        }
        if let Some(v) = s.countries {
            let v = strings("countries", v)?;
            for (i, c) in v.iter().enumerate() {
                if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(self.err(
                        format!("{key}.countries[{i}]"),
                        format!("`{c}` is not a two-letter country code like \"DE\""),
                    ));
                }
            }
            found.push((
                "countries",
                Selector::Countries(v.iter().map(|c| c.to_ascii_uppercase()).collect()),
            ));
        }
        if let Some(v) = s.service_tokens {
            let v = strings("service_tokens", v)?;
            for (i, n) in v.iter().enumerate() {
                if !tokens.iter().any(|t| &t.name == n) {
                    return Err(self.err(
                        format!("{key}.service_tokens[{i}]"),
                        format!("`{n}` is not an [[access.service_tokens]] name"),
                    ));
                }
            }
            found.push(("service_tokens", Selector::ServiceTokens(v)));
        }
        if let Some(b) = s.any_service_token {
            if !b {
                return Err(self.err(format!("{key}.any_service_token"), "can only be true"));
            }
            found.push(("any_service_token", Selector::AnyServiceToken));
        }
        if let Some(b) = s.client_certificate {
            if !b {
                return Err(self.err(format!("{key}.client_certificate"), "can only be true"));
            }
            found.push(("client_certificate", Selector::ClientCertificate));
        }
        if let Some(v) = s.client_certificate_cn {
            let v = strings("client_certificate_cn", v)?;
            for (i, cn) in v.iter().enumerate() {
                if cn.is_empty() || cn.len() > parapet_core::client_cert::MAX_CERT_NAME_LEN {
                    return Err(self.err(
                        format!("{key}.client_certificate_cn[{i}]"),
                        format!(
                            "must be a common name of 1 to {} bytes",
                            parapet_core::client_cert::MAX_CERT_NAME_LEN
                        ),
                    ));
                }
            }
            found.push(("client_certificate_cn", Selector::ClientCertificateCn(v)));
        }
        if let Some(b) = s.security_key {
            if !b {
                return Err(self.err(format!("{key}.security_key"), "can only be true"));
            }
            found.push(("security_key", Selector::SecurityKey));
        }
        match found.len() {
            1 => Ok(found.remove(0).1),
            0 => Err(self.err(
                key,
                "is empty; a selector is one of everyone, emails, email_domains, groups, idps, auth_methods, ip_ranges, countries, service_tokens, any_service_token, security_key, client_certificate, client_certificate_cn",
            )),
            _ => Err(self.err(
                key,
                format!(
                    "has {}; write one selector per table (`{{ emails = [...] }}, {{ groups = [...] }}`)",
                    found.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(" and ")
                ),
            )),
        }
    }
}

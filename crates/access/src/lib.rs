//! Zero Trust access at the gateway: who may reach each application, decided on every
//! request, and a signed identity handed to the application.
//!
//! This crate knows nothing of the gateway (services never depend on each other): it
//! decides on request heads and answers its own endpoints with plain `http` types; the
//! binary joins it to the gateway's phases (`crates/parapet/src/access.rs`).
//!
//! | file | what |
//! |---|---|
//! | `policy.rs` | selectors, include / require / exclude, the order of actions |
//! | `session.rs` | the signed session and sign-in cookies, revocation, safe return URLs |
//! | `keys.rs` | the cookie key, the ES256 signing keys with rotation, the JWKS, the token cache |
//! | `oidc.rs` | OpenID Connect: discovery, PKCE, code exchange, ID token verification |
//! | `pages.rs` | sign-in, denied and signed-out pages |
//! | `geo.rs` | countries from a MaxMind-format database |
//! | `webauthn.rs` | passkeys and security keys: registration, passkey sign-in, step-up |
//!
//! One request: [`Access::check`] finds the application by host and path (none: the
//! request is not Parapet's business, at the cost of a few string comparisons), reads a
//! service token or the session cookie, evaluates the policies and returns a
//! [`Verdict`]: pass (with the identity header to add upstream and maybe a renewed
//! cookie), or a response (sign-in redirect, 401 JSON for scripts, denial page).
//! Requests under [`ENDPOINT_PREFIX`] are the sign-in endpoints, served by
//! [`Access::serve`].

mod error;
pub mod geo;
pub mod keys;
pub mod oidc;
pub mod pages;
pub mod policy;
pub mod session;
pub mod webauthn;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE,
};
use http::{request, Method, Response, StatusCode};
use parapet_config::AccessApp;
use parapet_core::access::AccessRecord;
use parapet_core::client_cert::ClientCert;
use parapet_core::Timestamp;
use parapet_store::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

pub use error::AccessError;
use keys::{Claims, Signer, TokenCache, ISSUER};
use oidc::Provider;
use policy::{Facts, Outcome, Subject};
use session::{CookieError, CookieKey, Flow, Revocations, Session, FLOW_COOKIE, SESSION_COOKIE};

/// Where Parapet's own access endpoints live on every protected host.
pub const ENDPOINT_PREFIX: &str = "/.parapet/access/";
/// The sign-in page.
pub const LOGIN_PATH: &str = "/.parapet/access/login";
/// Starts a sign-in with one provider.
pub const START_PATH: &str = "/.parapet/access/start";
/// The OpenID Connect redirect URI.
pub const CALLBACK_PATH: &str = "/.parapet/access/callback";
pub const LOGOUT_PATH: &str = "/.parapet/access/logout";
/// The JWKS that verifies [`IDENTITY_HEADER`].
pub const CERTS_PATH: &str = "/.parapet/access/certs";

/// The signed identity (a JWT) on every request Parapet lets through with an identity.
pub const IDENTITY_HEADER: HeaderName = HeaderName::from_static("parapet-access-jwt-assertion");
/// A service token's id and secret, sent by machines.
pub const CLIENT_ID_HEADER: HeaderName = HeaderName::from_static("parapet-access-client-id");
pub const CLIENT_SECRET_HEADER: HeaderName =
    HeaderName::from_static("parapet-access-client-secret");
/// Every request header with this prefix is Parapet's: client copies never reach upstreams.
pub const OWNED_HEADER_PREFIX: &str = "parapet-access-";
/// How long a sign-in may take, from the sign-in page to the callback.
pub const FLOW_LIFETIME_SECS: u64 = 600;
/// Largest request body the endpoints read (the WebAuthn ones; the others read none).
pub const MAX_ENDPOINT_BODY: usize = webauthn::MAX_BODY_BYTES;
/// Audit records waiting for the writer at most; beyond it they are counted and dropped.
pub const AUDIT_QUEUE: usize = 10_000;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What the gateway knows about a request that access needs.
#[derive(Debug, Clone, Copy)]
pub struct RequestInfo<'a> {
    /// Normalised host (lower-case, no port).
    pub host: &'a str,
    pub client: IpAddr,
    pub tls: bool,
    pub request_id: &'a str,
    /// The connection's client certificate (mTLS), whichever application it is valid for.
    pub client_cert: Option<&'a ClientCert>,
}

/// What to do with a request.
#[derive(Debug)]
pub enum Verdict {
    /// No application covers it.
    NotProtected,
    /// One of Parapet's endpoints: answer with [`Access::serve`].
    Endpoint,
    /// Let it through.
    Pass(Grant),
    /// Answer now.
    Respond(Response<Bytes>),
}

/// A request let through: what the later phases add.
#[derive(Debug, Clone)]
pub struct Grant {
    pub app: usize,
    /// The signed identity for [`IDENTITY_HEADER`]; `None` for bypass.
    pub identity: Option<HeaderValue>,
    /// A renewed session cookie (`Set-Cookie` value) for the response.
    pub renew: Option<HeaderValue>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    app: String,
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LoginLabels {
    idp: String,
    result: &'static str,
}

const DECISIONS: [&str; 6] = [
    "allow",
    "bypass",
    "block",
    "deny",
    "sign_in_required",
    "service",
];

/// Counters per application and decision, made once so that a request only increments.
struct AppCounters([Counter; 6]);

#[derive(Default, Clone)]
struct Metrics {
    decisions: Family<DecisionLabels, Counter>,
    /// Cookies and credentials refused, by reason.
    refused: Family<ReasonLabels, Counter>,
    logins: Family<LoginLabels, Counter>,
    /// WebAuthn ceremonies by kind and result.
    webauthn: Family<webauthn::CeremonyLabels, Counter>,
    audit_dropped: Counter,
}

struct App {
    config: AccessApp,
    /// Signed identities per session id.
    tokens: TokenCache,
    /// Signed identities per service token name.
    service_tokens: TokenCache,
    /// Signed identities per client certificate (machines identified by certificate alone).
    certificates: TokenCache,
    counters: AppCounters,
}

struct ServiceCredential {
    name: String,
    secret_sha256: [u8; 32],
}

/// Access control for every configured application.
pub struct Access {
    apps: Vec<App>,
    providers: Vec<Arc<Provider>>,
    service_tokens: HashMap<String, ServiceCredential>,
    cookies: Arc<CookieKey>,
    signer: Arc<Signer>,
    revocations: Arc<Revocations>,
    cookie_lifetime: u64,
    metrics: Metrics,
    /// Countries of client addresses, when the config names a database.
    geo: Option<geo::Geo>,
    audit: Option<mpsc::Sender<AccessRecord>>,
    /// Where revocations and security keys are kept.
    store: Option<Arc<dyn Store>>,
    webauthn_config: parapet_config::Webauthn,
    /// WebAuthn ceremonies in progress.
    ceremonies: Arc<webauthn::Ceremonies>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("apps", &self.apps.len())
            .finish_non_exhaustive()
    }
}

fn sha256(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

/// Whether a request is a page navigation (a person at a browser) rather than a script's
/// fetch or XHR, which must get a status it can handle instead of a redirect.
pub fn is_navigation(headers: &HeaderMap) -> bool {
    if let Some(mode) = headers.get("sec-fetch-mode") {
        return mode.as_bytes() == b"navigate";
    }
    headers
        .get_all(ACCEPT)
        .iter()
        .any(|v| v.to_str().is_ok_and(|s| s.contains("text/html")))
}

fn html(status: StatusCode, body: String) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A page that loads the WebAuthn script: its CSP allows that one script (by `nonce`), the
/// pages' style sheet (by hash), requests to this origin and nothing else.
fn html_with_script(status: StatusCode, body: String, nonce: &str) -> Response<Bytes> {
    static STYLE_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(sha256(pages::STYLE.as_bytes()))
    });
    let mut r = html(status, body);
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'sha256-{}'; \
         connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'",
        *STYLE_HASH
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut()
            .insert(http::header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from(value.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn redirect(to: &str) -> Response<Bytes> {
    let mut r = Response::new(Bytes::new());
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: u64,
    secure: bool,
) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

fn apps(config: &parapet_config::Access, metrics: &Metrics) -> Vec<App> {
    config
        .apps
        .iter()
        .map(|a| App {
            counters: AppCounters(DECISIONS.map(|decision| {
                metrics
                    .decisions
                    .get_or_create(&DecisionLabels {
                        app: a.name.clone(),
                        decision,
                    })
                    .clone()
            })),
            config: a.clone(),
            tokens: TokenCache::default(),
            service_tokens: TokenCache::default(),
            certificates: TokenCache::default(),
        })
        .collect()
}

fn providers(config: &parapet_config::Access) -> Vec<Arc<Provider>> {
    config
        .idps
        .iter()
        .map(|p| Arc::new(Provider::new(p.clone())))
        .collect()
}

fn service_tokens(config: &parapet_config::Access) -> HashMap<String, ServiceCredential> {
    config
        .service_tokens
        .iter()
        .map(|t| {
            (
                t.client_id.clone(),
                ServiceCredential {
                    name: t.name.clone(),
                    secret_sha256: sha256(t.client_secret.expose().as_bytes()),
                },
            )
        })
        .collect()
}

impl Access {
    /// Access for `config`, with keys in `state_dir`; `audit` receives the decisions to
    /// record (the binary writes them to the store); revocations are kept in `store`.
    pub fn new(
        config: &parapet_config::Access,
        state_dir: &Path,
        audit: Option<mpsc::Sender<AccessRecord>>,
        store: Option<Arc<dyn Store>>,
    ) -> Result<Self, AccessError> {
        let now = unix_now();
        let signer = Signer::load(
            state_dir,
            config.key_rotation.as_secs(),
            config.token_lifetime.as_secs(),
            now,
        )?;
        let metrics = Metrics::default();
        Ok(Access {
            apps: apps(config, &metrics),
            providers: providers(config),
            service_tokens: service_tokens(config),
            cookies: Arc::new(CookieKey::new(keys::cookie_key(state_dir)?)),
            signer: Arc::new(signer),
            revocations: Arc::default(),
            cookie_lifetime: config.cookie_lifetime.as_secs(),
            metrics,
            geo: config.geoip_db.as_deref().map(geo::Geo::open).transpose()?,
            audit,
            store,
            webauthn_config: config.webauthn.clone(),
            ceremonies: Arc::default(),
        })
    }

    /// Access for a reloaded `config` (SIGHUP): applications, policies, providers, service
    /// tokens, cookie lifetime, WebAuthn settings and the country database are taken from
    /// it; what must outlive a reload is shared with `self`: the cookie and signing keys
    /// (sessions and identity tokens stay valid; `key_rotation` and `token_lifetime` take
    /// effect at the next start), revocations, ceremonies in progress, metrics and the
    /// audit log. Signed identity tokens are not carried over: the next request of each
    /// session is decided under the new policies and gets a new one.
    pub fn reloaded(&self, config: &parapet_config::Access) -> Result<Self, AccessError> {
        Ok(Access {
            apps: apps(config, &self.metrics),
            providers: providers(config),
            service_tokens: service_tokens(config),
            cookies: self.cookies.clone(),
            signer: self.signer.clone(),
            revocations: self.revocations.clone(),
            cookie_lifetime: config.cookie_lifetime.as_secs(),
            metrics: self.metrics.clone(),
            geo: config.geoip_db.as_deref().map(geo::Geo::open).transpose()?,
            audit: self.audit.clone(),
            store: self.store.clone(),
            webauthn_config: config.webauthn.clone(),
            ceremonies: self.ceremonies.clone(),
        })
    }

    /// Loads the revocations kept in the store (at start: a session revoked before a
    /// restart stays revoked).
    pub async fn load_revocations(&self) -> Result<usize, AccessError> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        let list = store
            .access_revocations(Timestamp::now())
            .await
            .map_err(|e| AccessError::Store(e.to_string()))?;
        let until = unix_now() + self.cookie_lifetime;
        for (kind, value, at) in &list {
            let at = u64::try_from(at.as_unix_secs()).unwrap_or(0);
            match kind.as_str() {
                "session" => self.revocations.revoke_session(value, until),
                "subject" => self.revocations.revoke_subject(value, at),
                _ => {}
            }
        }
        Ok(list.len())
    }

    async fn persist_revocation(&self, kind: &str, value: &str, until: u64) {
        if let Some(store) = &self.store {
            let until = Timestamp::from_unix_secs(i64::try_from(until).unwrap_or(i64::MAX));
            if let Err(e) = store
                .revoke_access(kind, value, Timestamp::now(), until)
                .await
            {
                tracing::error!(error = %e, kind, "cannot store an access revocation; it holds until restart");
            }
        }
    }

    /// The identity signer (for rotation by a timer, and tests).
    pub fn signer(&self) -> &Arc<Signer> {
        &self.signer
    }

    /// Forgets revoked sessions whose cookies have expired anyway and rotates the signing
    /// key when due; the binary calls it every few minutes.
    pub fn maintain(&self) {
        let now = unix_now();
        self.revocations.prune(now + self.cookie_lifetime);
        self.ceremonies.prune(now);
        if let Err(e) = self.signer.rotate_if_due(now) {
            tracing::error!(error = %e, "cannot rotate the access signing key");
        }
    }

    /// Ends every session `sub` signed in to so far, on every application.
    pub async fn revoke_subject(&self, sub: &str) {
        let now = unix_now();
        self.revocations.revoke_subject(sub, now);
        // Kept as long as the longest session can last.
        let longest = self
            .apps
            .iter()
            .map(|a| a.config.session_duration.as_secs())
            .max()
            .unwrap_or(0);
        self.persist_revocation("subject", sub, now + longest).await;
    }

    pub fn register_metrics(&self, registry: &mut Registry) {
        // The gateway's registry adds `parapet_`.
        let r = registry.sub_registry_with_prefix("access");
        r.register(
            "decisions",
            "Access decisions by application and outcome",
            self.metrics.decisions.clone(),
        );
        r.register(
            "refused",
            "Session cookies, sign-in flows and service tokens refused, by reason",
            self.metrics.refused.clone(),
        );
        r.register(
            "logins",
            "Sign-ins by identity provider and result",
            self.metrics.logins.clone(),
        );
        r.register(
            "webauthn_ceremonies",
            "Passkey and security key ceremonies (register, sign_in, step_up) by result",
            self.metrics.webauthn.clone(),
        );
        r.register(
            "audit_dropped",
            "Audit records dropped because the store writer fell behind",
            self.metrics.audit_dropped.clone(),
        );
    }

    fn refuse(&self, reason: &'static str) {
        self.metrics
            .refused
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    fn audit(&self, record: AccessRecord) {
        if let Some(tx) = &self.audit {
            if tx.try_send(record).is_err() {
                self.metrics.audit_dropped.inc();
            }
        }
    }

    /// The application covering `host` and `path`, if any: the first in config order.
    pub fn find_app(&self, host: &str, path: &str) -> Option<usize> {
        self.apps.iter().position(|a| {
            a.config.hosts.iter().any(|h| h.matches(host))
                && a.config.paths.iter().any(|p| path_has_prefix(path, p))
        })
    }

    fn any_app_on(&self, host: &str) -> bool {
        self.apps
            .iter()
            .any(|a| a.config.hosts.iter().any(|h| h.matches(host)))
    }

    /// The access decision for one request head.
    pub fn check(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Verdict {
        let path = req.uri.path();
        if path.starts_with(ENDPOINT_PREFIX) && self.any_app_on(info.host) {
            return Verdict::Endpoint;
        }
        let Some(index) = self.find_app(info.host, path) else {
            return Verdict::NotProtected;
        };
        let app = &self.apps[index];
        let counters = &app.counters.0;
        if app.config.allow_preflight
            && req.method == Method::OPTIONS
            && req.headers.contains_key(http::header::ORIGIN)
            && req
                .headers
                .contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            counters[1].inc();
            return Verdict::Pass(Grant {
                app: index,
                identity: None,
                renew: None,
            });
        }
        let now = unix_now();
        let country = self.geo.as_ref().and_then(|g| g.country(info.client));
        // A certificate counts here only if it verifies against this application's CAs:
        // one connection may carry requests for several applications.
        let cert = info
            .client_cert
            .filter(|c| c.is_verified_for(&app.config.name));
        if info.client_cert.is_some() && cert.is_none() && app.config.client_ca.is_some() {
            self.refuse("client_cert_other_ca");
        }
        let facts = Facts {
            client: info.client,
            country,
            cert,
        };
        let record = |decision: &str| {
            let mut r = self.record(&app.config.name, decision, info);
            r.country = country.map(|c| c.as_str().to_owned());
            r
        };

        // A machine's service token, if it sent one; a wrong one is refused outright.
        let mut service = None;
        if let Some(id) = req.headers.get(&CLIENT_ID_HEADER) {
            let secret = req
                .headers
                .get(&CLIENT_SECRET_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            let found = id
                .to_str()
                .ok()
                .and_then(|id| self.service_tokens.get(id))
                .filter(|c| constant_time_eq(&c.secret_sha256, &sha256(secret)));
            match found {
                Some(c) => service = Some(c.name.as_str()),
                None => {
                    self.refuse("service_token");
                    counters[3].inc();
                    let mut rec = record("refused");
                    rec.reason = Some("unknown service token or wrong secret".into());
                    self.audit(rec);
                    return Verdict::Respond(json(
                        StatusCode::UNAUTHORIZED,
                        &serde_json::json!({"error": "invalid service token", "request_id": info.request_id}),
                    ));
                }
            }
        }

        // Otherwise a person's session.
        let mut session = None;
        if service.is_none() {
            if let Some(value) = session::cookie(&req.headers, SESSION_COOKIE) {
                match self.cookies.open_session(value, info.host, now) {
                    Ok(s) if self.revocations.is_revoked(&s) => {
                        self.refuse(CookieError::Revoked.as_str())
                    }
                    Ok(s) => {
                        // A session from a provider this application does not offer is no
                        // sign-in to it.
                        let offered = app
                            .config
                            .idps
                            .iter()
                            .any(|&i| self.providers[i].config.name == s.user.idp);
                        if offered {
                            session = Some(s);
                        } else {
                            self.refuse("other_idp");
                        }
                    }
                    Err(e) => self.refuse(e.as_str()),
                }
            }
        }

        let who = match (&service, &session, cert) {
            (Some(name), _, _) => Subject::Service(name),
            (None, Some(s), _) => Subject::User(&s.user),
            (None, None, Some(c)) => Subject::Certificate(c),
            (None, None, None) => Subject::Anonymous,
        };
        let policies = &app.config.policies;
        match policy::evaluate(policies, who, &facts) {
            Outcome::Bypass(_) => {
                counters[1].inc();
                Verdict::Pass(Grant {
                    app: index,
                    identity: None,
                    renew: None,
                })
            }
            Outcome::Allow(i) => {
                let policy_name = &policies[i].name;
                let lifetime = self.signer.token_lifetime();
                let (cache, key) = match (&service, &session, cert) {
                    (Some(name), _, _) => {
                        counters[5].inc();
                        (&app.service_tokens, *name)
                    }
                    (None, Some(s), _) => {
                        counters[0].inc();
                        (&app.tokens, s.sid.as_str())
                    }
                    (None, None, Some(c)) => {
                        counters[5].inc();
                        (&app.certificates, c.fingerprint.as_str())
                    }
                    // evaluate() grants only a person or a machine.
                    (None, None, None) => return Verdict::Respond(self.denied(req, info)),
                };
                // The token names the certificate, so a session or service token used with
                // another certificate gets its own.
                let key: std::borrow::Cow<'_, str> = match cert {
                    Some(c) if service.is_some() || session.is_some() => {
                        format!("{key}/{}", c.fingerprint).into()
                    }
                    _ => key.into(),
                };
                // A token is signed (and the grant audited) once per half token lifetime
                // per session and application; other requests reuse it.
                let identity =
                    cache.get_or_sign(&key, geo::Country::tag(country), now, lifetime, || {
                        let mut claims = match &session {
                            Some(s) if service.is_none() => Claims {
                                iss: ISSUER.into(),
                                aud: app.config.name.clone(),
                                sub: s.user.sub.clone(),
                                email: s.user.email.clone(),
                                groups: s.user.groups.clone(),
                                idp: s.user.idp.clone(),
                                amr: s.user.methods.amr(),
                                country: country.map(|c| c.as_str().to_owned()),
                                cert_cn: None,
                                cert_sha256: None,
                                iat: now,
                                exp: now + lifetime,
                            },
                            _ if service.is_none() => Claims {
                                iss: ISSUER.into(),
                                aud: app.config.name.clone(),
                                sub: cert.map_or_else(String::new, cert_subject),
                                email: String::new(),
                                groups: Vec::new(),
                                idp: "mtls".into(),
                                amr: Vec::new(),
                                country: country.map(|c| c.as_str().to_owned()),
                                cert_cn: None,
                                cert_sha256: None,
                                iat: now,
                                exp: now + lifetime,
                            },
                            _ => Claims {
                                iss: ISSUER.into(),
                                aud: app.config.name.clone(),
                                sub: service.unwrap_or_default().to_owned(),
                                email: String::new(),
                                groups: Vec::new(),
                                idp: "service-token".into(),
                                amr: vec!["service-token".into()],
                                country: country.map(|c| c.as_str().to_owned()),
                                cert_cn: None,
                                cert_sha256: None,
                                iat: now,
                                exp: now + lifetime,
                            },
                        };
                        if let Some(c) = cert {
                            claims.amr.push("mtls".into());
                            claims.cert_cn.clone_from(&c.common_name);
                            claims.cert_sha256 = Some(c.fingerprint.clone());
                        }
                        let mut rec = record("allow");
                        rec.policy = Some(policy_name.clone());
                        rec.subject = Some(claims.sub.clone());
                        rec.email = (!claims.email.is_empty()).then(|| claims.email.clone());
                        rec.idp = Some(claims.idp.clone());
                        rec.reason = cert.map(cert_note);
                        self.audit(rec);
                        match self.signer.sign(&claims) {
                            Ok(t) => HeaderValue::from_str(&t).ok(),
                            Err(e) => {
                                tracing::error!(error = %e, "cannot sign the identity token");
                                None
                            }
                        }
                    });
                let Some(identity) = identity else {
                    return Verdict::Respond(html(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        pages::denied(info.request_id),
                    ));
                };
                let renew = session
                    .as_ref()
                    .and_then(|s| self.renewal(s, now, info.tls));
                Verdict::Pass(Grant {
                    app: index,
                    identity: Some(identity),
                    renew,
                })
            }
            Outcome::Block(i) => {
                counters[2].inc();
                let mut rec = record("block");
                rec.policy = Some(policies[i].name.clone());
                fill_subject(&mut rec, service, session.as_deref(), cert);
                self.audit(rec);
                Verdict::Respond(self.denied(req, info))
            }
            Outcome::NoMatch => {
                // Refused only for want of a security key: ask for one (the policies run
                // again only on this refusal path).
                if let Some(s) = session
                    .as_ref()
                    .filter(|s| !s.user.methods.webauthn || !s.user.methods.uv)
                {
                    let mut keyed = s.user.clone();
                    keyed.methods = keyed.methods.and(policy::Methods::webauthn(true));
                    if let Outcome::Allow(_) =
                        policy::evaluate(policies, Subject::User(&keyed), &facts)
                    {
                        counters[4].inc();
                        self.refuse("security_key_required");
                        let rd = req.uri.path_and_query().map_or("/", |pq| pq.as_str());
                        return Verdict::Respond(webauthn::step_up_response(
                            is_navigation(&req.headers),
                            rd,
                            info.request_id,
                        ));
                    }
                }
                counters[3].inc();
                let mut rec = record("deny");
                rec.reason = Some("no policy admits this identity".into());
                fill_subject(&mut rec, service, session.as_deref(), cert);
                self.audit(rec);
                Verdict::Respond(self.denied(req, info))
            }
            Outcome::SignIn => {
                counters[4].inc();
                let rd = req.uri.path_and_query().map_or("/", |pq| pq.as_str());
                let login = format!("{LOGIN_PATH}?rd={}", encode(rd));
                if is_navigation(&req.headers) {
                    Verdict::Respond(redirect(&login))
                } else {
                    Verdict::Respond(json(
                        StatusCode::UNAUTHORIZED,
                        &serde_json::json!({
                            "error": "sign-in required",
                            "login_url": login,
                            "request_id": info.request_id,
                        }),
                    ))
                }
            }
        }
    }

    fn record(&self, app: &str, decision: &str, info: &RequestInfo<'_>) -> AccessRecord {
        AccessRecord::new(app, decision, info.client.to_string(), info.request_id)
    }

    fn denied(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Response<Bytes> {
        if is_navigation(&req.headers) {
            html(StatusCode::FORBIDDEN, pages::denied(info.request_id))
        } else {
            json(
                StatusCode::FORBIDDEN,
                &serde_json::json!({"error": "access denied", "request_id": info.request_id}),
            )
        }
    }

    /// A renewed cookie once half of the current one's life has passed (sliding renewal),
    /// never beyond the session's end.
    fn renewal(&self, s: &Session, now: u64, tls: bool) -> Option<HeaderValue> {
        if now.saturating_sub(s.iat) < self.cookie_lifetime / 2 {
            return None;
        }
        let mut renewed = s.clone();
        renewed.iat = now;
        renewed.exp = (now + self.cookie_lifetime).min(s.end);
        let value = self.cookies.seal_session(&renewed)?;
        set_cookie(SESSION_COOKIE, &value, "/", renewed.exp - now, tls)
    }

    /// Adds what a granted request carries upstream; client copies of Parapet's headers
    /// are removed from every request (granted or not covered), so an application can
    /// trust them.
    pub fn upstream_headers(&self, grant: Option<&Grant>, headers: &mut HeaderMap) {
        strip_owned(headers);
        strip_own_cookies(headers);
        if let Some(v) = grant.and_then(|g| g.identity.as_ref()) {
            headers.insert(IDENTITY_HEADER, v.clone());
        }
    }

    /// Adds the renewed cookie, if any, to the response.
    pub fn response_headers(&self, grant: &Grant, headers: &mut HeaderMap) {
        if let Some(v) = &grant.renew {
            headers.append(SET_COOKIE, v.clone());
        }
    }

    /// Serves one of the endpoints under [`ENDPOINT_PREFIX`]; `body` is the request's body,
    /// read by the caller up to [`MAX_ENDPOINT_BODY`] (only the WebAuthn endpoints use it).
    pub async fn serve(
        &self,
        req: request::Parts,
        body: Bytes,
        host: String,
        client: IpAddr,
        tls: bool,
        request_id: String,
    ) -> Response<Bytes> {
        let info = RequestInfo {
            host: &host,
            client,
            tls,
            request_id: &request_id,
            client_cert: None,
        };
        if let Some(r) = self.serve_webauthn(&req, &body, &info).await {
            return r;
        }
        match req.uri.path() {
            CERTS_PATH => {
                let mut r = Response::new(self.signer.jwks());
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                r.headers_mut().insert(
                    CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                );
                r
            }
            LOGIN_PATH => self.login_page(&req, &info),
            START_PATH => self.start(&req, &info).await,
            CALLBACK_PATH => self.callback(&req, &info).await,
            LOGOUT_PATH => self.logout(&req, &info).await,
            _ => json(
                StatusCode::NOT_FOUND,
                &serde_json::json!({"error": "not found"}),
            ),
        }
    }

    /// The return URL of a sign-in request and the application it belongs to.
    fn target(&self, req: &request::Parts, host: &str) -> Option<(usize, String)> {
        let rd = query_param(req.uri.query(), "rd");
        let rd = session::safe_return(rd.as_deref().unwrap_or("/")).to_owned();
        let path = rd.split(['?', '#']).next().unwrap_or("/");
        let app = self.find_app(host, path)?;
        Some((app, rd))
    }

    fn login_page(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Response<Bytes> {
        let Some((app, rd)) = self.target(req, info.host) else {
            return html(StatusCode::NOT_FOUND, pages::signed_out());
        };
        let a = &self.apps[app].config;
        let providers: Vec<(&str, &str)> = a
            .idps
            .iter()
            .map(|&i| {
                let c = &self.providers[i].config;
                (c.name.as_str(), c.display_name.as_str())
            })
            .collect();
        let rd_enc = encode(&rd);
        let nonce = hex(&rand::random::<[u8; 16]>());
        let passkey = a.passkeys.then_some((rd.as_str(), nonce.as_str()));
        html_with_script(
            StatusCode::OK,
            pages::sign_in(&a.name, &providers, passkey, |idp| {
                format!("{START_PATH}?idp={}&rd={rd_enc}", encode(idp))
            }),
            &nonce,
        )
    }

    /// The origin the browser used: scheme and the host as it wrote it (with its port),
    /// which the provider (redirect URI) and WebAuthn (client data origin) must match.
    pub(crate) fn origin(&self, req: &request::Parts, info: &RequestInfo<'_>) -> String {
        let authority = req
            .uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .or_else(|| {
                req.headers
                    .get(http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| info.host.to_owned());
        let scheme = if info.tls { "https" } else { "http" };
        format!("{scheme}://{authority}")
    }

    fn callback_uri(&self, req: &request::Parts, info: &RequestInfo<'_>) -> String {
        format!("{}{CALLBACK_PATH}", self.origin(req, info))
    }

    async fn start(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Response<Bytes> {
        let Some((app, rd)) = self.target(req, info.host) else {
            return html(StatusCode::NOT_FOUND, pages::signed_out());
        };
        let a = &self.apps[app].config;
        let idp = query_param(req.uri.query(), "idp");
        let Some(provider) = a
            .idps
            .iter()
            .map(|&i| &self.providers[i])
            .find(|p| Some(p.config.name.as_str()) == idp.as_deref())
        else {
            self.refuse("unknown_idp");
            return html(
                StatusCode::BAD_REQUEST,
                pages::sign_in_failed(info.request_id, LOGIN_PATH),
            );
        };
        let discovery = match provider.discovery().await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(request_id = info.request_id, idp = %provider.config.name, error = %e, "identity provider unavailable");
                self.login_result(&provider.config.name, "provider_error");
                return html(
                    StatusCode::BAD_GATEWAY,
                    pages::sign_in_failed(info.request_id, LOGIN_PATH),
                );
            }
        };
        let (verifier, challenge) = oidc::pkce();
        let flow = Flow {
            state: oidc::random_token(),
            nonce: oidc::random_token(),
            verifier,
            idp: provider.config.name.clone(),
            app: a.name.clone(),
            host: info.host.to_owned(),
            rd,
            exp: unix_now() + FLOW_LIFETIME_SECS,
        };
        let redirect_uri = self.callback_uri(req, info);
        let url = match provider.authorize_url(
            &discovery,
            &redirect_uri,
            &flow.state,
            &flow.nonce,
            &challenge,
        ) {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(request_id = info.request_id, error = %e, "cannot build the authorization request");
                return html(
                    StatusCode::BAD_GATEWAY,
                    pages::sign_in_failed(info.request_id, LOGIN_PATH),
                );
            }
        };
        let Some(cookie) = self.cookies.seal_flow(&flow).and_then(|v| {
            set_cookie(
                FLOW_COOKIE,
                &v,
                ENDPOINT_PREFIX,
                FLOW_LIFETIME_SECS,
                info.tls,
            )
        }) else {
            return html(
                StatusCode::BAD_REQUEST,
                pages::sign_in_failed(info.request_id, LOGIN_PATH),
            );
        };
        let mut r = redirect(&url);
        r.headers_mut().append(SET_COOKIE, cookie);
        r
    }

    fn login_result(&self, idp: &str, result: &'static str) {
        self.metrics
            .logins
            .get_or_create(&LoginLabels {
                idp: idp.to_owned(),
                result,
            })
            .inc();
    }

    async fn callback(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Response<Bytes> {
        let now = unix_now();
        let q = req.uri.query();
        let fail = |reason: &str, app: &str, idp: Option<&str>| {
            let mut rec = self.record(app, "sign-in-failed", info);
            rec.reason = Some(reason.to_owned());
            rec.idp = idp.map(str::to_owned);
            self.audit(rec);
            let mut r = html(
                StatusCode::BAD_REQUEST,
                pages::sign_in_failed(info.request_id, LOGIN_PATH),
            );
            if let Some(c) = set_cookie(FLOW_COOKIE, "", ENDPOINT_PREFIX, 0, info.tls) {
                r.headers_mut().append(SET_COOKIE, c);
            }
            r
        };
        let flow = match session::cookie(&req.headers, FLOW_COOKIE)
            .and_then(|v| std::str::from_utf8(v).ok())
            .ok_or(CookieError::Malformed)
            .and_then(|v| self.cookies.open_flow(v, info.host, now))
        {
            Ok(f) => f,
            Err(e) => {
                self.refuse(match e {
                    CookieError::Expired => "flow_expired",
                    _ => "flow_missing",
                });
                return fail(&format!("sign-in flow cookie {}", e.as_str()), "-", None);
            }
        };
        let state = query_param(q, "state");
        if !state
            .as_deref()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), flow.state.as_bytes()))
        {
            self.refuse("state_mismatch");
            self.login_result(&flow.idp, "state_mismatch");
            return fail(
                "state does not match the sign-in",
                &flow.app,
                Some(&flow.idp),
            );
        }
        if let Some(err) = query_param(q, "error") {
            self.login_result(&flow.idp, "provider_error");
            let err: String = err.chars().take(200).collect();
            return fail(
                &format!("provider answered error {err}"),
                &flow.app,
                Some(&flow.idp),
            );
        }
        let Some(code) = query_param(q, "code").filter(|c| !c.is_empty() && c.len() <= 4096) else {
            return fail("no code", &flow.app, Some(&flow.idp));
        };
        let Some(provider) = self.providers.iter().find(|p| p.config.name == flow.idp) else {
            return fail("provider no longer configured", &flow.app, Some(&flow.idp));
        };
        let Some(app) = self.apps.iter().find(|a| a.config.name == flow.app) else {
            return fail(
                "application no longer configured",
                &flow.app,
                Some(&flow.idp),
            );
        };
        let redirect_uri = self.callback_uri(req, info);
        let user = match provider
            .finish(&code, &flow.verifier, &redirect_uri, &flow.nonce)
            .await
        {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(request_id = info.request_id, idp = %flow.idp, error = %e, "sign-in failed");
                self.login_result(&flow.idp, "refused");
                return fail(&e.to_string(), &flow.app, Some(&flow.idp));
            }
        };
        let end = now + app.config.session_duration.as_secs();
        let mut s = Session {
            sid: hex(&rand::random::<[u8; 16]>()),
            user,
            host: info.host.to_owned(),
            auth: now,
            iat: now,
            exp: (now + self.cookie_lifetime).min(end),
            end,
        };
        let mut value = self.cookies.seal_session(&s);
        if value.is_none() {
            // Too many groups for a cookie: keep those the policies name.
            let named: Vec<&String> = self
                .apps
                .iter()
                .flat_map(|a| &a.config.policies)
                .flat_map(|p| p.include.iter().chain(&p.require).chain(&p.exclude))
                .filter_map(|sel| match sel {
                    parapet_config::Selector::Groups(g) => Some(g),
                    _ => None,
                })
                .flatten()
                .collect();
            s.user.groups.retain(|g| named.contains(&g));
            value = self.cookies.seal_session(&s);
        }
        let Some(cookie) =
            value.and_then(|v| set_cookie(SESSION_COOKIE, &v, "/", s.exp - now, info.tls))
        else {
            return fail(
                "identity too large for a session cookie",
                &flow.app,
                Some(&flow.idp),
            );
        };
        self.login_result(&flow.idp, "ok");
        let mut rec = self.record(&flow.app, "sign-in", info);
        rec.subject = Some(s.user.sub.clone());
        rec.email = (!s.user.email.is_empty()).then(|| s.user.email.clone());
        rec.idp = Some(s.user.idp.clone());
        self.audit(rec);
        tracing::info!(request_id = info.request_id, app = %flow.app, idp = %flow.idp, sub = %s.user.sub, "signed in");
        let mut r = redirect(session::safe_return(&flow.rd));
        r.headers_mut().append(SET_COOKIE, cookie);
        if let Some(c) = set_cookie(FLOW_COOKIE, "", ENDPOINT_PREFIX, 0, info.tls) {
            r.headers_mut().append(SET_COOKIE, c);
        }
        r
    }

    async fn logout(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Response<Bytes> {
        let now = unix_now();
        if let Some(v) = session::cookie(&req.headers, SESSION_COOKIE) {
            if let Ok(s) = self.cookies.open_session(v, info.host, now) {
                self.revocations.revoke_session(&s.sid, s.end);
                self.persist_revocation("session", &s.sid, s.end).await;
                for a in &self.apps {
                    a.tokens.forget(&s.sid);
                }
                let app = self
                    .apps
                    .iter()
                    .find(|a| a.config.hosts.iter().any(|h| h.matches(info.host)))
                    .map_or("-", |a| a.config.name.as_str());
                let mut rec = self.record(app, "sign-out", info);
                rec.subject = Some(s.user.sub.clone());
                rec.email = (!s.user.email.is_empty()).then(|| s.user.email.clone());
                rec.idp = Some(s.user.idp.clone());
                self.audit(rec);
            }
        }
        let mut r = html(StatusCode::OK, pages::signed_out());
        if let Some(c) = set_cookie(SESSION_COOKIE, "", "/", 0, info.tls) {
            r.headers_mut().append(SET_COOKIE, c);
        }
        r
    }
}

fn fill_subject(
    rec: &mut AccessRecord,
    service: Option<&str>,
    session: Option<&Session>,
    cert: Option<&ClientCert>,
) {
    if let Some(name) = service {
        rec.subject = Some(name.to_owned());
        rec.idp = Some("service-token".into());
    } else if let Some(s) = session {
        rec.subject = Some(s.user.sub.clone());
        rec.email = (!s.user.email.is_empty()).then(|| s.user.email.clone());
        rec.idp = Some(s.user.idp.clone());
    } else if let Some(c) = cert {
        rec.subject = Some(cert_subject(c));
        rec.idp = Some("mtls".into());
    }
    if let Some(c) = cert {
        let note = cert_note(c);
        rec.reason = Some(match rec.reason.take() {
            Some(r) => format!("{r}; {note}"),
            None => note,
        });
    }
}

/// The subject of a machine identified by its certificate alone: its common name, or its
/// fingerprint when it has none.
fn cert_subject(c: &ClientCert) -> String {
    c.common_name
        .clone()
        .unwrap_or_else(|| format!("sha256:{}", c.fingerprint))
}

/// The certificate in the audit log (the `reason` column: the schema has no column of its own).
fn cert_note(c: &ClientCert) -> String {
    format!(
        "client certificate CN={} sha256={}",
        c.common_name.as_deref().unwrap_or("-"),
        c.fingerprint
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `path` is `prefix` or below it (`/app` covers `/app` and `/app/x`, not `/apple`).
fn path_has_prefix(path: &str, prefix: &str) -> bool {
    prefix == "/"
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/'))
}

/// Removes Parapet's own cookies from the `Cookie` headers: the session is Parapet's, and an
/// application that logs or leaks cookies must not hand it on.
pub fn strip_own_cookies(headers: &mut HeaderMap) {
    // Both names start with the session cookie's; the lines are read as bytes (see
    // `session::cookie`), and a line with none of ours is left as it is.
    let ours =
        |v: &HeaderValue| memchr::memmem::find(v.as_bytes(), SESSION_COOKIE.as_bytes()).is_some();
    if !headers.get_all(http::header::COOKIE).iter().any(ours) {
        return;
    }
    // The common request carries only the session cookie: nothing is allocated for it.
    let mut kept = Vec::new();
    for v in headers.get_all(http::header::COOKIE) {
        let mut rest = Vec::new();
        for pair in session::cookie_pairs(v.as_bytes()) {
            let name = memchr::memchr(b'=', pair).map_or(pair, |eq| &pair[..eq]);
            if name != SESSION_COOKIE.as_bytes() && name != FLOW_COOKIE.as_bytes() {
                if !rest.is_empty() {
                    rest.extend_from_slice(b"; ");
                }
                rest.extend_from_slice(pair);
            }
        }
        if !rest.is_empty() {
            if let Ok(h) = HeaderValue::from_bytes(&rest) {
                kept.push(h);
            }
        }
    }
    headers.remove(http::header::COOKIE);
    for v in kept {
        headers.append(http::header::COOKIE, v);
    }
}

/// Removes every `parapet-access-*` header a client sent.
pub fn strip_owned(headers: &mut HeaderMap) {
    // One pass over the names, usually finding none: no allocation on the common path.
    if !headers
        .keys()
        .any(|n| n.as_str().starts_with(OWNED_HEADER_PREFIX))
    {
        return;
    }
    let names: Vec<HeaderName> = headers
        .keys()
        .filter(|n| n.as_str().starts_with(OWNED_HEADER_PREFIX))
        .cloned()
        .collect();
    for n in names {
        headers.remove(n);
    }
}

#[cfg(test)]
mod tests;

//! Passkeys and security keys (WebAuthn, through `webauthn-rs`): registration by a person
//! already signed in, sign-in with a passkey as the first factor, and step-up, which adds
//! the key to a session so that a policy can `require` it.
//!
//! Every ceremony's state (the challenge and what it is for) stays in memory here, never
//! in the browser: [`Ceremonies`] holds at most [`MAX_CEREMONIES`] for
//! [`CEREMONY_LIFETIME_SECS`] each, and a ceremony is taken out when it is finished, so a
//! replayed answer finds nothing. The browser gets only a random ceremony id.
//!
//! The credentials are kept in the store (`access_credentials`): the library's serialised
//! passkey and its signature counter. A counter that does not go up is refused twice over:
//! by the library (its `CredentialPossibleCompromise`) and by the store's update, which
//! changes the row only if its counter is lower, so two concurrent uses of one clone cannot
//! both pass.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE, ORIGIN, SET_COOKIE};
use http::{request, Response, StatusCode};
use parapet_core::access::AccessCredential;
use parapet_core::Timestamp;
use parapet_store::CredentialAdded;
use prometheus_client::encoding::EncodeLabelSet;
use serde::Deserialize;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};

use crate::policy::{Methods, User};
use crate::session::{self, Session, SESSION_COOKIE};
use crate::{
    encode, hex, html, html_with_script, json, pages, query_param, redirect, set_cookie, unix_now,
    Access, RequestInfo, LOGIN_PATH,
};

/// The page where a signed-in person registers and lists their keys.
pub const KEYS_PATH: &str = "/.parapet/access/keys";
/// The page that asks for a security key when a policy requires one.
pub const STEP_UP_PATH: &str = "/.parapet/access/step-up";
/// The pages' script (served by Parapet, allowed by the pages' CSP nonce).
pub const SCRIPT_PATH: &str = "/.parapet/access/webauthn.js";
/// `POST`: options for registering a key; then the authenticator's answer.
pub const REGISTER_START_PATH: &str = "/.parapet/access/webauthn/register/start";
pub const REGISTER_FINISH_PATH: &str = "/.parapet/access/webauthn/register/finish";
/// `POST`: options for using a key (step-up with a session, passkey sign-in without);
/// then the authenticator's answer.
pub const AUTH_START_PATH: &str = "/.parapet/access/webauthn/authenticate/start";
pub const AUTH_FINISH_PATH: &str = "/.parapet/access/webauthn/authenticate/finish";

/// Ceremonies in progress at most; beyond it the oldest is dropped (and counted).
pub const MAX_CEREMONIES: usize = 10_000;
/// How long a ceremony may take, from its options to the authenticator's answer (the
/// WebAuthn timeout `webauthn-rs` asks browsers for is the same).
pub const CEREMONY_LIFETIME_SECS: u64 = 300;
/// Largest request body the WebAuthn endpoints read (an attestation with certificates is a
/// few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest credential id accepted (the WebAuthn limit).
pub const MAX_CREDENTIAL_ID_BYTES: usize = 1023;
/// Longest key name kept.
pub const MAX_LABEL_CHARS: usize = 64;
/// Registering a first key needs a sign-in this recent: a stolen session cookie must not be
/// enough to add the thief's key. Later keys need a key already used in the session.
pub const REGISTER_MAX_SIGN_IN_AGE_SECS: u64 = 600;

/// The script the pages load.
const SCRIPT: &str = include_str!("webauthn.js");

/// Which ceremony, for metrics and the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Register,
    StepUp,
    SignIn,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Register => "register",
            Kind::StepUp => "step_up",
            Kind::SignIn => "sign_in",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct CeremonyLabels {
    ceremony: &'static str,
    result: &'static str,
}

enum Pending {
    Register {
        state: PasskeyRegistration,
        /// The session that asked: the answer must come from it.
        sid: String,
        user: User,
        handle: Uuid,
    },
    StepUp {
        state: PasskeyAuthentication,
        sid: String,
        rd: String,
    },
    SignIn {
        state: DiscoverableAuthentication,
        app: usize,
        rd: String,
    },
}

impl Pending {
    fn kind(&self) -> Kind {
        match self {
            Pending::Register { .. } => Kind::Register,
            Pending::StepUp { .. } => Kind::StepUp,
            Pending::SignIn { .. } => Kind::SignIn,
        }
    }
}

struct Ceremony {
    pending: Pending,
    host: String,
    /// The relying party the options were made for; the answer is checked against the
    /// same one.
    rp_id: String,
    origin: String,
    exp: u64,
}

/// Why a ceremony could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TakeError {
    /// Never issued, already used, or expired.
    Unknown,
    /// Issued for another host or origin.
    WrongOrigin,
}

/// Ceremonies in progress, by id; each is taken out once.
#[derive(Default)]
pub(crate) struct Ceremonies {
    map: Mutex<HashMap<String, Ceremony>>,
}

impl Ceremonies {
    /// Keeps `c` and returns its id. At [`MAX_CEREMONIES`] the expired ones are dropped,
    /// and if none had expired the oldest goes (`true` in the answer): a flood of started
    /// ceremonies delays people by one retry at worst, never locks them out.
    fn insert(&self, c: Ceremony, now: u64) -> (String, bool) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut evicted = false;
        if map.len() >= MAX_CEREMONIES {
            map.retain(|_, c| c.exp > now);
            if map.len() >= MAX_CEREMONIES {
                // O(n), only when full.
                let oldest = map
                    .iter()
                    .min_by_key(|(_, c)| c.exp)
                    .map(|(id, _)| id.clone());
                if let Some(id) = oldest {
                    map.remove(&id);
                    evicted = true;
                }
            }
        }
        let id = hex(&rand::random::<[u8; 16]>());
        map.insert(id.clone(), c);
        (id, evicted)
    }

    /// Takes ceremony `id` out (single use) if it is current and was made for `host` and
    /// `origin`.
    fn take(&self, id: &str, host: &str, origin: &str, now: u64) -> Result<Ceremony, TakeError> {
        let c = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(id)
            .ok_or(TakeError::Unknown)?;
        if c.exp <= now {
            return Err(TakeError::Unknown);
        }
        if c.host != host || c.origin != origin {
            return Err(TakeError::WrongOrigin);
        }
        Ok(c)
    }

    /// Drops expired ceremonies (the binary's maintenance timer).
    pub(crate) fn prune(&self, now: u64) {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, c| c.exp > now);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

#[derive(Deserialize)]
struct RegisterFinish {
    ceremony: String,
    #[serde(default)]
    label: String,
    credential: RegisterPublicKeyCredential,
}

#[derive(Deserialize)]
struct AuthStart {
    #[serde(default)]
    rd: String,
}

#[derive(Deserialize)]
struct AuthFinish {
    ceremony: String,
    credential: PublicKeyCredential,
}

/// The relying party for `rp_id` as seen from `origin`; refuses an origin whose host is not
/// `rp_id` or below it.
pub(crate) fn relying_party(
    rp_id: &str,
    origin: &str,
    rp_name: &str,
) -> Result<Webauthn, WebauthnError> {
    let url = Url::parse(origin).map_err(|_| WebauthnError::Configuration)?;
    WebauthnBuilder::new(rp_id, &url)?.rp_name(rp_name).build()
}

fn error_json(status: StatusCode, error: &str, request_id: &str) -> Response<Bytes> {
    json(
        status,
        &serde_json::json!({"error": error, "request_id": request_id}),
    )
}

/// `s` without control characters, at most [`MAX_LABEL_CHARS`] characters.
fn clean_label(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LABEL_CHARS)
        .collect();
    let s = s.trim();
    if s.is_empty() {
        "Security key".to_owned()
    } else {
        s.to_owned()
    }
}

fn time_text(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "never".to_owned(), |t| t.to_string())
}

impl Access {
    fn ceremony_result(&self, kind: Kind, result: &'static str) {
        self.metrics
            .webauthn
            .get_or_create(&CeremonyLabels {
                ceremony: kind.as_str(),
                result,
            })
            .inc();
    }

    fn rp_id<'a>(&'a self, info: &RequestInfo<'a>) -> &'a str {
        self.webauthn_config.rp_id.as_deref().unwrap_or(info.host)
    }

    /// The current session on this host, if the request has a genuine, unrevoked one.
    pub(crate) fn current_session(
        &self,
        req: &request::Parts,
        info: &RequestInfo<'_>,
        now: u64,
    ) -> Option<Arc<Session>> {
        let value = session::cookie(&req.headers, SESSION_COOKIE)?;
        let s = self.cookies.open_session(value, info.host, now).ok()?;
        (!self.revocations.is_revoked(&s)).then_some(s)
    }

    /// A `POST` from one of Parapet's own pages: the browser's `Origin` is this origin and
    /// the body is JSON (which a cross-site form cannot send without a preflight).
    fn same_origin_json(&self, req: &request::Parts, info: &RequestInfo<'_>) -> bool {
        let origin_ok = req
            .headers
            .get(ORIGIN)
            .is_some_and(|o| o.as_bytes() == self.origin(req, info).as_bytes());
        let json_ok = req
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        req.method == http::Method::POST && origin_ok && json_ok
    }

    /// Serves the WebAuthn pages and endpoints; `None` when `path` is none of them.
    pub(crate) async fn serve_webauthn(
        &self,
        req: &request::Parts,
        body: &Bytes,
        info: &RequestInfo<'_>,
    ) -> Option<Response<Bytes>> {
        let path = req.uri.path();
        let r = match path {
            SCRIPT_PATH => {
                let mut r = Response::new(Bytes::from_static(SCRIPT.as_bytes()));
                r.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/javascript; charset=utf-8"),
                );
                r.headers_mut().insert(
                    http::header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                );
                r.headers_mut().insert(
                    http::header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                r
            }
            KEYS_PATH => self.keys_page(req, info).await,
            STEP_UP_PATH => self.step_up_page(req, info),
            REGISTER_START_PATH | REGISTER_FINISH_PATH | AUTH_START_PATH | AUTH_FINISH_PATH => {
                if !self.same_origin_json(req, info) {
                    self.refuse("webauthn_cross_origin");
                    return Some(error_json(
                        StatusCode::FORBIDDEN,
                        "a POST with JSON from this origin is required",
                        info.request_id,
                    ));
                }
                if body.len() > MAX_BODY_BYTES {
                    return Some(error_json(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "request too large",
                        info.request_id,
                    ));
                }
                if self.store.is_none() {
                    return Some(error_json(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "security keys need the store",
                        info.request_id,
                    ));
                }
                match path {
                    REGISTER_START_PATH => self.register_start(req, body, info).await,
                    REGISTER_FINISH_PATH => self.register_finish(req, body, info).await,
                    AUTH_START_PATH => self.auth_start(req, body, info).await,
                    _ => self.auth_finish(req, body, info).await,
                }
            }
            _ => return None,
        };
        Some(r)
    }

    async fn keys_page(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Response<Bytes> {
        let now = unix_now();
        let rd = query_param(req.uri.query(), "rd");
        let rd = session::safe_return(rd.as_deref().unwrap_or("/")).to_owned();
        let Some(s) = self.current_session(req, info, now) else {
            let back = format!("{KEYS_PATH}?rd={}", encode(&rd));
            return redirect(&format!("{LOGIN_PATH}?rd={}", encode(&back)));
        };
        let Some(store) = &self.store else {
            return html(
                StatusCode::SERVICE_UNAVAILABLE,
                pages::denied(info.request_id),
            );
        };
        let keys = match store.access_credentials(&s.user.idp, &s.user.sub).await {
            Ok(k) => k,
            Err(e) => {
                tracing::error!(request_id = info.request_id, error = %e, "cannot read security keys");
                return html(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    pages::denied(info.request_id),
                );
            }
        };
        let rows: Vec<(String, String, String)> = keys
            .iter()
            .map(|k| {
                (
                    k.label.clone(),
                    time_text(Some(k.created)),
                    time_text(k.last_used),
                )
            })
            .collect();
        let can_register = if keys.is_empty() {
            now.saturating_sub(s.auth) <= REGISTER_MAX_SIGN_IN_AGE_SECS
        } else {
            s.user.methods.webauthn
        };
        let who = if s.user.email.is_empty() {
            &s.user.sub
        } else {
            &s.user.email
        };
        let nonce = hex(&rand::random::<[u8; 16]>());
        html_with_script(
            StatusCode::OK,
            pages::keys(who, &rows, can_register, &rd, &nonce),
            &nonce,
        )
    }

    fn step_up_page(&self, req: &request::Parts, info: &RequestInfo<'_>) -> Response<Bytes> {
        let now = unix_now();
        let rd = query_param(req.uri.query(), "rd");
        let rd = session::safe_return(rd.as_deref().unwrap_or("/")).to_owned();
        if self.current_session(req, info, now).is_none() {
            return redirect(&format!("{LOGIN_PATH}?rd={}", encode(&rd)));
        }
        let keys = format!("{KEYS_PATH}?rd={}", encode(&rd));
        let nonce = hex(&rand::random::<[u8; 16]>());
        html_with_script(StatusCode::OK, pages::step_up(&rd, &keys, &nonce), &nonce)
    }

    fn audit_key(
        &self,
        kind: Kind,
        decision: &str,
        app: &str,
        user: Option<&User>,
        reason: Option<String>,
        info: &RequestInfo<'_>,
    ) {
        let mut rec = self.record(app, decision, info);
        if let Some(u) = user {
            rec.subject = Some(u.sub.clone());
            rec.email = (!u.email.is_empty()).then(|| u.email.clone());
            rec.idp = Some(u.idp.clone());
        }
        rec.reason = reason;
        self.audit(rec);
        tracing::info!(
            request_id = info.request_id,
            ceremony = kind.as_str(),
            decision,
            app,
            "webauthn ceremony"
        );
    }

    /// The application name for the audit log of a request on this host.
    fn app_on_host(&self, host: &str) -> &str {
        self.apps
            .iter()
            .find(|a| a.config.hosts.iter().any(|h| h.matches(host)))
            .map_or("-", |a| a.config.name.as_str())
    }

    async fn register_start(
        &self,
        req: &request::Parts,
        body: &Bytes,
        info: &RequestInfo<'_>,
    ) -> Response<Bytes> {
        let kind = Kind::Register;
        let now = unix_now();
        let Ok(serde_json::Value::Object(_)) = serde_json::from_slice(body) else {
            self.ceremony_result(kind, "malformed");
            return error_json(
                StatusCode::BAD_REQUEST,
                "malformed request",
                info.request_id,
            );
        };
        let Some(s) = self.current_session(req, info, now) else {
            self.ceremony_result(kind, "no_session");
            return error_json(StatusCode::UNAUTHORIZED, "sign in first", info.request_id);
        };
        let Some(store) = &self.store else {
            return error_json(StatusCode::SERVICE_UNAVAILABLE, "no store", info.request_id);
        };
        let existing = match store.access_credentials(&s.user.idp, &s.user.sub).await {
            Ok(k) => k,
            Err(e) => {
                tracing::error!(request_id = info.request_id, error = %e, "cannot read security keys");
                self.ceremony_result(kind, "store_error");
                return error_json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "store error",
                    info.request_id,
                );
            }
        };
        // A stolen cookie must not be enough to add a key: a fresh sign-in for the first
        // one, a key already proved in this session for more.
        let allowed = if existing.is_empty() {
            now.saturating_sub(s.auth) <= REGISTER_MAX_SIGN_IN_AGE_SECS
        } else {
            s.user.methods.webauthn
        };
        if !allowed {
            self.ceremony_result(kind, "not_recent");
            return error_json(
                StatusCode::FORBIDDEN,
                if existing.is_empty() {
                    "sign in again to register a key"
                } else {
                    "use one of your keys first to register another"
                },
                info.request_id,
            );
        }
        if existing.len() >= self.webauthn_config.max_credentials {
            self.ceremony_result(kind, "limit");
            return error_json(
                StatusCode::CONFLICT,
                "you have registered the most keys allowed",
                info.request_id,
            );
        }
        let handle = existing
            .first()
            .and_then(|k| Uuid::parse_str(&k.user_handle).ok())
            .unwrap_or_else(Uuid::new_v4);
        let origin = self.origin(req, info);
        let rp_id = self.rp_id(info).to_owned();
        let rp = match relying_party(&rp_id, &origin, &self.webauthn_config.rp_name) {
            Ok(rp) => rp,
            Err(e) => {
                tracing::warn!(request_id = info.request_id, %origin, rp_id, error = %e, "no relying party for this origin");
                self.ceremony_result(kind, "wrong_origin");
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "security keys are not offered on this host",
                    info.request_id,
                );
            }
        };
        let exclude: Vec<_> = existing.iter().map(|k| k.credential_id.clone()).collect();
        let name = if s.user.email.is_empty() {
            s.user.sub.clone()
        } else {
            s.user.email.clone()
        };
        let (options, state) = match rp.start_passkey_registration(
            handle,
            &name,
            &name,
            Some(exclude),
        ) {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(request_id = info.request_id, error = %e, "cannot start a key registration");
                self.ceremony_result(kind, "refused");
                return error_json(StatusCode::BAD_REQUEST, "cannot register", info.request_id);
            }
        };
        let (id, evicted) = self.ceremonies.insert(
            Ceremony {
                pending: Pending::Register {
                    state,
                    sid: s.sid.clone(),
                    user: s.user.clone(),
                    handle,
                },
                host: info.host.to_owned(),
                rp_id,
                origin,
                exp: now + CEREMONY_LIFETIME_SECS,
            },
            now,
        );
        if evicted {
            self.refuse("webauthn_ceremony_evicted");
        }
        // A passkey can sign in by itself only if the authenticator keeps it (discoverable);
        // prefer that, without refusing keys that cannot.
        let mut options = serde_json::to_value(&options).unwrap_or_default();
        if let Some(sel) = options
            .pointer_mut("/publicKey/authenticatorSelection")
            .and_then(serde_json::Value::as_object_mut)
        {
            sel.insert("residentKey".into(), "preferred".into());
        }
        json(
            StatusCode::OK,
            &serde_json::json!({"ceremony": id, "options": options}),
        )
    }

    async fn register_finish(
        &self,
        req: &request::Parts,
        body: &Bytes,
        info: &RequestInfo<'_>,
    ) -> Response<Bytes> {
        let kind = Kind::Register;
        let now = unix_now();
        let app = self.app_on_host(info.host);
        let Ok(f) = serde_json::from_slice::<RegisterFinish>(body) else {
            self.ceremony_result(kind, "malformed");
            return error_json(
                StatusCode::BAD_REQUEST,
                "malformed request",
                info.request_id,
            );
        };
        let origin = self.origin(req, info);
        let c = match self.ceremonies.take(&f.ceremony, info.host, &origin, now) {
            Ok(c) => c,
            Err(e) => {
                self.ceremony_result(kind, "unknown_ceremony");
                self.audit_key(
                    kind,
                    "key-registration-failed",
                    app,
                    None,
                    Some(format!("ceremony {e:?}")),
                    info,
                );
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "unknown or expired ceremony",
                    info.request_id,
                );
            }
        };
        let Pending::Register {
            state,
            sid,
            user,
            handle,
        } = c.pending
        else {
            self.ceremony_result(kind, "unknown_ceremony");
            return error_json(
                StatusCode::BAD_REQUEST,
                "not a registration",
                info.request_id,
            );
        };
        // The answer must come from the session that asked.
        if self
            .current_session(req, info, now)
            .is_none_or(|s| s.sid != sid)
        {
            self.ceremony_result(kind, "no_session");
            return error_json(StatusCode::UNAUTHORIZED, "sign in first", info.request_id);
        }
        let rp = match relying_party(&c.rp_id, &c.origin, &self.webauthn_config.rp_name) {
            Ok(rp) => rp,
            Err(_) => {
                self.ceremony_result(kind, "wrong_origin");
                return error_json(StatusCode::BAD_REQUEST, "wrong origin", info.request_id);
            }
        };
        let passkey = match rp.finish_passkey_registration(&f.credential, &state) {
            Ok(p) => p,
            Err(e) => {
                self.ceremony_result(kind, "refused");
                self.audit_key(
                    kind,
                    "key-registration-failed",
                    app,
                    Some(&user),
                    Some(format!("authenticator's answer refused: {e}")),
                    info,
                );
                return error_json(StatusCode::BAD_REQUEST, "key refused", info.request_id);
            }
        };
        let cred_id: &[u8] = passkey.cred_id().as_ref();
        if cred_id.len() > MAX_CREDENTIAL_ID_BYTES {
            self.ceremony_result(kind, "refused");
            return error_json(
                StatusCode::BAD_REQUEST,
                "credential id too long",
                info.request_id,
            );
        }
        let Ok(serialised) = serde_json::to_string(&passkey) else {
            self.ceremony_result(kind, "refused");
            return error_json(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot keep the key",
                info.request_id,
            );
        };
        let mut cred = AccessCredential::new(
            cred_id.to_vec(),
            &handle.to_string(),
            &user.idp,
            &user.sub,
            serialised,
        );
        cred.email = user.email.clone();
        cred.label = clean_label(&f.label);
        let Some(store) = &self.store else {
            return error_json(StatusCode::SERVICE_UNAVAILABLE, "no store", info.request_id);
        };
        let max = u32::try_from(self.webauthn_config.max_credentials).unwrap_or(u32::MAX);
        let (status, result, message) = match store.add_access_credential(&cred, max).await {
            Ok(CredentialAdded::Added) => (StatusCode::OK, "ok", "registered"),
            Ok(CredentialAdded::Duplicate) => (
                StatusCode::CONFLICT,
                "duplicate",
                "this key is registered already",
            ),
            Ok(CredentialAdded::LimitReached) => (
                StatusCode::CONFLICT,
                "limit",
                "you have registered the most keys allowed",
            ),
            Ok(_) => (StatusCode::CONFLICT, "refused", "not registered"),
            Err(e) => {
                tracing::error!(request_id = info.request_id, error = %e, "cannot store a security key");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "store_error",
                    "store error",
                )
            }
        };
        self.ceremony_result(kind, result);
        if result == "ok" {
            self.audit_key(
                kind,
                "key-registered",
                app,
                Some(&user),
                Some(format!("key \"{}\"", cred.label)),
                info,
            );
            json(status, &serde_json::json!({"registered": cred.label}))
        } else {
            self.audit_key(
                kind,
                "key-registration-failed",
                app,
                Some(&user),
                Some(message.to_owned()),
                info,
            );
            error_json(status, message, info.request_id)
        }
    }

    async fn auth_start(
        &self,
        req: &request::Parts,
        body: &Bytes,
        info: &RequestInfo<'_>,
    ) -> Response<Bytes> {
        let now = unix_now();
        let Ok(start) = serde_json::from_slice::<AuthStart>(body) else {
            self.ceremony_result(Kind::SignIn, "malformed");
            return error_json(
                StatusCode::BAD_REQUEST,
                "malformed request",
                info.request_id,
            );
        };
        let rd = session::safe_return(&start.rd).to_owned();
        let origin = self.origin(req, info);
        let rp_id = self.rp_id(info).to_owned();
        let Ok(rp) = relying_party(&rp_id, &origin, &self.webauthn_config.rp_name) else {
            self.ceremony_result(Kind::SignIn, "wrong_origin");
            return error_json(
                StatusCode::BAD_REQUEST,
                "security keys are not offered on this host",
                info.request_id,
            );
        };
        let (options, pending) = if let Some(s) = self.current_session(req, info, now) {
            // Step-up: one of this person's keys.
            let Some(store) = &self.store else {
                return error_json(StatusCode::SERVICE_UNAVAILABLE, "no store", info.request_id);
            };
            let keys = match store.access_credentials(&s.user.idp, &s.user.sub).await {
                Ok(k) => k,
                Err(e) => {
                    tracing::error!(request_id = info.request_id, error = %e, "cannot read security keys");
                    self.ceremony_result(Kind::StepUp, "store_error");
                    return error_json(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "store error",
                        info.request_id,
                    );
                }
            };
            let passkeys: Vec<Passkey> = keys
                .iter()
                .filter_map(|k| serde_json::from_str(&k.passkey).ok())
                .collect();
            if passkeys.is_empty() {
                self.ceremony_result(Kind::StepUp, "no_key");
                return json(
                    StatusCode::CONFLICT,
                    &serde_json::json!({
                        "error": "no security key registered",
                        "register_url": format!("{KEYS_PATH}?rd={}", encode(&rd)),
                        "request_id": info.request_id,
                    }),
                );
            }
            match rp.start_passkey_authentication(&passkeys) {
                Ok((o, state)) => (
                    o,
                    Pending::StepUp {
                        state,
                        sid: s.sid.clone(),
                        rd,
                    },
                ),
                Err(e) => {
                    tracing::warn!(request_id = info.request_id, error = %e, "cannot start a step-up");
                    self.ceremony_result(Kind::StepUp, "refused");
                    return error_json(
                        StatusCode::BAD_REQUEST,
                        "cannot use a key",
                        info.request_id,
                    );
                }
            }
        } else {
            // Sign-in with a passkey: only where the application offers it.
            let path = rd.split(['?', '#']).next().unwrap_or("/");
            let Some(app) = self
                .find_app(info.host, path)
                .filter(|&a| self.apps[a].config.passkeys)
            else {
                self.ceremony_result(Kind::SignIn, "not_offered");
                return error_json(
                    StatusCode::FORBIDDEN,
                    "passkey sign-in is not offered here",
                    info.request_id,
                );
            };
            match rp.start_discoverable_authentication() {
                Ok((o, state)) => (o, Pending::SignIn { state, app, rd }),
                Err(e) => {
                    tracing::warn!(request_id = info.request_id, error = %e, "cannot start a passkey sign-in");
                    self.ceremony_result(Kind::SignIn, "refused");
                    return error_json(
                        StatusCode::BAD_REQUEST,
                        "cannot use a key",
                        info.request_id,
                    );
                }
            }
        };
        let (id, evicted) = self.ceremonies.insert(
            Ceremony {
                pending,
                host: info.host.to_owned(),
                rp_id,
                origin,
                exp: now + CEREMONY_LIFETIME_SECS,
            },
            now,
        );
        if evicted {
            self.refuse("webauthn_ceremony_evicted");
        }
        json(
            StatusCode::OK,
            &serde_json::json!({"ceremony": id, "options": options}),
        )
    }

    async fn auth_finish(
        &self,
        req: &request::Parts,
        body: &Bytes,
        info: &RequestInfo<'_>,
    ) -> Response<Bytes> {
        let now = unix_now();
        let app_name = self.app_on_host(info.host);
        let Ok(f) = serde_json::from_slice::<AuthFinish>(body) else {
            self.ceremony_result(Kind::SignIn, "malformed");
            return error_json(
                StatusCode::BAD_REQUEST,
                "malformed request",
                info.request_id,
            );
        };
        let origin = self.origin(req, info);
        let c = match self.ceremonies.take(&f.ceremony, info.host, &origin, now) {
            Ok(c) => c,
            Err(e) => {
                self.ceremony_result(Kind::SignIn, "unknown_ceremony");
                self.audit_key(
                    Kind::SignIn,
                    "key-refused",
                    app_name,
                    None,
                    Some(format!("ceremony {e:?}")),
                    info,
                );
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "unknown or expired ceremony",
                    info.request_id,
                );
            }
        };
        let kind = c.pending.kind();
        let Ok(rp) = relying_party(&c.rp_id, &c.origin, &self.webauthn_config.rp_name) else {
            self.ceremony_result(kind, "wrong_origin");
            return error_json(StatusCode::BAD_REQUEST, "wrong origin", info.request_id);
        };
        let Some(store) = &self.store else {
            return error_json(StatusCode::SERVICE_UNAVAILABLE, "no store", info.request_id);
        };
        let cred_id = f.credential.get_credential_id();
        if cred_id.len() > MAX_CREDENTIAL_ID_BYTES {
            self.ceremony_result(kind, "unknown_credential");
            return error_json(StatusCode::BAD_REQUEST, "unknown key", info.request_id);
        }
        let stored = match store.access_credential(cred_id).await {
            Ok(Some(k)) => k,
            Ok(None) => {
                self.ceremony_result(kind, "unknown_credential");
                self.audit_key(
                    kind,
                    "key-refused",
                    app_name,
                    None,
                    Some("unknown key".into()),
                    info,
                );
                return error_json(StatusCode::UNAUTHORIZED, "unknown key", info.request_id);
            }
            Err(e) => {
                tracing::error!(request_id = info.request_id, error = %e, "cannot read a security key");
                self.ceremony_result(kind, "store_error");
                return error_json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "store error",
                    info.request_id,
                );
            }
        };
        let Ok(mut passkey) = serde_json::from_str::<Passkey>(&stored.passkey) else {
            tracing::error!(
                request_id = info.request_id,
                "a stored security key does not parse"
            );
            self.ceremony_result(kind, "store_error");
            return error_json(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store error",
                info.request_id,
            );
        };
        let owner = User {
            sub: stored.subject.clone(),
            email: stored.email.clone(),
            groups: Vec::new(),
            idp: stored.idp.clone(),
            methods: Methods::default(),
        };

        // The session this ceremony ends in: the step-up's, with the key added, or a new one.
        let (result, base, app, rd) = match c.pending {
            Pending::StepUp { state, sid, rd } => {
                let Some(s) = self
                    .current_session(req, info, now)
                    .filter(|s| s.sid == sid)
                else {
                    self.ceremony_result(kind, "no_session");
                    return error_json(StatusCode::UNAUTHORIZED, "sign in first", info.request_id);
                };
                if s.user.idp != stored.idp || s.user.sub != stored.subject {
                    self.ceremony_result(kind, "other_person");
                    self.audit_key(
                        kind,
                        "key-refused",
                        app_name,
                        Some(&s.user),
                        Some("another person's key".into()),
                        info,
                    );
                    return error_json(StatusCode::UNAUTHORIZED, "not your key", info.request_id);
                }
                let path = rd.split(['?', '#']).next().unwrap_or("/");
                let app = self.find_app(info.host, path);
                (
                    rp.finish_passkey_authentication(&f.credential, &state),
                    Some(s),
                    app,
                    rd,
                )
            }
            Pending::SignIn { state, app, rd } => {
                let handle_ok = rp
                    .identify_discoverable_authentication(&f.credential)
                    .is_ok_and(|(uuid, _)| uuid.to_string() == stored.user_handle);
                if !handle_ok {
                    self.ceremony_result(kind, "unknown_credential");
                    self.audit_key(
                        kind,
                        "key-refused",
                        app_name,
                        Some(&owner),
                        Some("user handle does not match the key".into()),
                        info,
                    );
                    return error_json(StatusCode::UNAUTHORIZED, "unknown key", info.request_id);
                }
                let offered = self.apps[app]
                    .config
                    .idps
                    .iter()
                    .any(|&i| self.providers[i].config.name == stored.idp);
                if !offered {
                    self.ceremony_result(kind, "not_offered");
                    self.audit_key(
                        kind,
                        "key-refused",
                        app_name,
                        Some(&owner),
                        Some("the key's provider is not offered by this application".into()),
                        info,
                    );
                    return error_json(StatusCode::FORBIDDEN, "not offered here", info.request_id);
                }
                (
                    rp.finish_discoverable_authentication_v2(&f.credential, state, &passkey),
                    None,
                    Some(app),
                    rd,
                )
            }
            Pending::Register { .. } => {
                self.ceremony_result(kind, "unknown_ceremony");
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "not an authentication",
                    info.request_id,
                );
            }
        };
        let auth = match result {
            Ok(a) => a,
            Err(e) => {
                let reason = if matches!(e, WebauthnError::CredentialPossibleCompromise) {
                    "cloned"
                } else {
                    "refused"
                };
                self.ceremony_result(kind, reason);
                tracing::warn!(request_id = info.request_id, sub = %stored.subject, error = %e, "security key refused");
                self.audit_key(
                    kind,
                    "key-refused",
                    app_name,
                    Some(&owner),
                    Some(format!("{reason}: {e}")),
                    info,
                );
                return error_json(StatusCode::UNAUTHORIZED, "key refused", info.request_id);
            }
        };
        // The counter: the library refused a regression against the stored passkey; the
        // store refuses one against a concurrent use.
        let _ = passkey.update_credential(&auth);
        let serialised = serde_json::to_string(&passkey).unwrap_or_else(|_| stored.passkey.clone());
        match store
            .use_access_credential(
                &stored.credential_id,
                &serialised,
                auth.counter(),
                Timestamp::now(),
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                self.ceremony_result(kind, "cloned");
                self.audit_key(
                    kind,
                    "key-refused",
                    app_name,
                    Some(&owner),
                    Some("signature counter did not increase (cloned key?)".into()),
                    info,
                );
                return error_json(StatusCode::UNAUTHORIZED, "key refused", info.request_id);
            }
            Err(e) => {
                tracing::error!(request_id = info.request_id, error = %e, "cannot record a security key use");
                self.ceremony_result(kind, "store_error");
                return error_json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "store error",
                    info.request_id,
                );
            }
        }
        let key_methods = Methods::webauthn(auth.user_verified());
        let new_session = match base {
            Some(old) => {
                // A new session id: the token cache and any copy of the old cookie stay
                // without the key.
                self.revocations.revoke_session(&old.sid, old.end);
                self.persist_revocation("session", &old.sid, old.end).await;
                let mut s = (*old).clone();
                s.sid = hex(&rand::random::<[u8; 16]>());
                s.user.methods = old.user.methods.and(key_methods);
                s.iat = now;
                s.exp = (now + self.cookie_lifetime).min(s.end);
                s
            }
            None => {
                let Some(app) = app else {
                    return error_json(StatusCode::BAD_REQUEST, "no application", info.request_id);
                };
                let end = now + self.apps[app].config.session_duration.as_secs();
                let mut user = owner.clone();
                user.methods = key_methods;
                Session {
                    sid: hex(&rand::random::<[u8; 16]>()),
                    user,
                    host: info.host.to_owned(),
                    auth: now,
                    iat: now,
                    exp: (now + self.cookie_lifetime).min(end),
                    end,
                }
            }
        };
        let Some(cookie) = self
            .cookies
            .seal_session(&new_session)
            .and_then(|v| set_cookie(SESSION_COOKIE, &v, "/", new_session.exp - now, info.tls))
        else {
            self.ceremony_result(kind, "refused");
            return error_json(
                StatusCode::INTERNAL_SERVER_ERROR,
                "session too large",
                info.request_id,
            );
        };
        self.ceremony_result(kind, "ok");
        let app_name = app.map_or(app_name, |a| self.apps[a].config.name.as_str());
        self.audit_key(
            kind,
            if kind == Kind::SignIn {
                "key-sign-in"
            } else {
                "key-step-up"
            },
            app_name,
            Some(&new_session.user),
            Some(format!(
                "key \"{}\", user verified: {}",
                stored.label,
                auth.user_verified()
            )),
            info,
        );
        if kind == Kind::SignIn {
            self.login_result("passkey", "ok");
        }
        let mut r = json(
            StatusCode::OK,
            &serde_json::json!({"redirect": session::safe_return(&rd)}),
        );
        r.headers_mut().append(SET_COOKIE, cookie);
        r
    }
}

/// A registered key for the admin API: everything but the serialised public key.
pub fn credential_json(c: &AccessCredential) -> serde_json::Value {
    use base64::Engine as _;
    serde_json::json!({
        "id": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&c.credential_id),
        "label": c.label,
        "idp": c.idp,
        "sub": c.subject,
        "email": c.email,
        "counter": c.counter,
        "created": c.created,
        "last_used": c.last_used,
    })
}

/// A credential id as [`credential_json`] writes it (base64url), bounded.
pub fn parse_credential_id(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    if s.len() > MAX_CREDENTIAL_ID_BYTES * 4 / 3 + 4 {
        return None;
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
        .filter(|b| !b.is_empty() && b.len() <= MAX_CREDENTIAL_ID_BYTES)
}

/// Where a person refused only for want of a security key is sent, or the 401 a script
/// gets; `rd` is the request's path and query.
pub(crate) fn step_up_response(navigation: bool, rd: &str, request_id: &str) -> Response<Bytes> {
    let url = format!("{STEP_UP_PATH}?rd={}", encode(rd));
    if navigation {
        redirect(&url)
    } else {
        json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({
                "error": "security key required",
                "login_url": url,
                "request_id": request_id,
            }),
        )
    }
}

#[cfg(test)]
mod tests;

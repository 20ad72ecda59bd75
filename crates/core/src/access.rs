//! The access audit record: one decision of Zero Trust access about one request or sign-in.

use serde::Serialize;

use crate::Timestamp;

/// One audited decision. Text fields come from the request or the identity provider and
/// are bounded by the access service before they get here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccessRecord {
    /// Set by the store on read; ignored on write.
    pub id: i64,
    pub at: Timestamp,
    /// The application's name.
    pub app: String,
    /// `allow`, `bypass`, `block`, `deny` (no policy admits), `sign-in` (completed),
    /// `sign-in-failed`, `sign-out`, `refused` (bad credentials); security keys:
    /// `key-registered`, `key-registration-failed`, `key-step-up`, `key-sign-in`,
    /// `key-refused`.
    pub decision: String,
    /// The policy that decided, when one did.
    pub policy: Option<String>,
    /// Subject: the provider's `sub`, or the service token's name.
    pub subject: Option<String>,
    pub email: Option<String>,
    /// The identity provider's name, or `service-token`.
    pub idp: Option<String>,
    pub client_ip: String,
    pub country: Option<String>,
    pub request_id: String,
    /// Why, in words for the administrator (never shown to the visitor).
    pub reason: Option<String>,
}

impl AccessRecord {
    /// A record of `decision` about `app` now; the optional fields start empty.
    pub fn new(app: &str, decision: &str, client_ip: String, request_id: &str) -> Self {
        AccessRecord {
            id: 0,
            at: Timestamp::now(),
            app: app.to_owned(),
            decision: decision.to_owned(),
            policy: None,
            subject: None,
            email: None,
            idp: None,
            client_ip,
            country: None,
            request_id: request_id.to_owned(),
            reason: None,
        }
    }
}

/// A registered passkey or security key (WebAuthn credential) of one person.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessCredential {
    /// The authenticator's credential id (bounded by the access service).
    pub credential_id: Vec<u8>,
    /// The WebAuthn user handle (a UUID): the same for every credential of one person.
    pub user_handle: String,
    /// The identity provider and subject of the person who registered it.
    pub idp: String,
    pub subject: String,
    pub email: String,
    /// The name the person gave it.
    pub label: String,
    /// The relying party's serialised credential (public key, flags, counter).
    pub passkey: String,
    /// The last signature counter seen.
    pub counter: u32,
    pub created: Timestamp,
    pub last_used: Option<Timestamp>,
}

impl AccessCredential {
    /// A credential registered now, never used yet.
    pub fn new(
        credential_id: Vec<u8>,
        user_handle: &str,
        idp: &str,
        subject: &str,
        passkey: String,
    ) -> Self {
        AccessCredential {
            credential_id,
            user_handle: user_handle.to_owned(),
            idp: idp.to_owned(),
            subject: subject.to_owned(),
            email: String::new(),
            label: String::new(),
            passkey,
            counter: 0,
            created: Timestamp::now(),
            last_used: None,
        }
    }
}

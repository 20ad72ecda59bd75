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
    /// `sign-in-failed`, `sign-out`, `refused` (bad credentials).
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

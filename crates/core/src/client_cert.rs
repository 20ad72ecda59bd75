//! A client certificate verified in the TLS handshake (mutual TLS), as the gateway hands it
//! to access control. It is made once per connection and shared by every request on it, so
//! policies read parsed facts, never certificate bytes.

use std::sync::Arc;

/// Most subject alternative names kept from one certificate; the rest are ignored.
pub const MAX_CERT_NAMES: usize = 32;
/// Longest common name or subject alternative name kept, in bytes; longer ones are ignored.
pub const MAX_CERT_NAME_LEN: usize = 255;

/// The facts of a client certificate whose chain verified against at least one client CA.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientCert {
    /// The names of the client CAs (one per access application with a `client_ca`) that
    /// this chain verifies against. A certificate counts for an application only when its
    /// name is here, whichever host name the connection was opened for.
    pub verified_for: Vec<Arc<str>>,
    /// The subject's common name, when it has one (UTF-8, at most [`MAX_CERT_NAME_LEN`]).
    pub common_name: Option<String>,
    /// DNS names, email addresses, URIs and IP addresses of the subject alternative name
    /// extension, at most [`MAX_CERT_NAMES`].
    pub sans: Vec<String>,
    /// SHA-256 of the end-entity certificate (DER).
    pub sha256: [u8; 32],
    /// [`ClientCert::sha256`] in lower-case hex, as logs, tokens and the audit log show it.
    pub fingerprint: String,
}

impl ClientCert {
    pub fn new(
        verified_for: Vec<Arc<str>>,
        common_name: Option<String>,
        sans: Vec<String>,
        sha256: [u8; 32],
    ) -> Self {
        let fingerprint = sha256.iter().map(|b| format!("{b:02x}")).collect();
        ClientCert {
            verified_for,
            common_name,
            sans,
            sha256,
            fingerprint,
        }
    }

    /// Whether the chain verified against the client CA named `name`.
    pub fn is_verified_for(&self, name: &str) -> bool {
        self.verified_for.iter().any(|n| &**n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_lower_hex_and_verification_is_by_name() {
        let mut h = [0u8; 32];
        h[0] = 0xab;
        h[31] = 0x01;
        let c = ClientCert::new(vec![Arc::from("wiki")], Some("svc".into()), vec![], h);
        assert_eq!(c.fingerprint.len(), 64);
        assert!(c.fingerprint.starts_with("ab00"));
        assert!(c.fingerprint.ends_with("01"));
        assert!(c.is_verified_for("wiki"));
        assert!(!c.is_verified_for("wik"));
        assert!(!c.is_verified_for("other"));
    }
}

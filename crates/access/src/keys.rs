//! Keys kept in the state directory: the cookie key (32 random bytes) and the ES256 keys
//! that sign the identity handed to applications, with rotation and overlap, published as a
//! JWKS. A signed token is cached per session and application until half its lifetime has
//! passed, so signing costs nothing on most requests.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use base64::engine::general_purpose::STANDARD as B64STD;
use base64::Engine as _;
use http::HeaderValue;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::AccessError;

/// The cookie key's file in the state directory.
pub const COOKIE_KEY_FILE: &str = "access-cookie.key";
/// The signing keys' file in the state directory (private keys: mode 0600).
pub const SIGNING_KEYS_FILE: &str = "access-signing-keys.json";
/// Most tokens cached per application; beyond it the cache is emptied (a flood of sessions
/// costs signatures, never memory).
const MAX_CACHED_TOKENS: usize = 100_000;

/// The cookie key: read from the state directory, made on first start.
pub fn cookie_key(state_dir: &Path) -> Result<Vec<u8>, AccessError> {
    let path = state_dir.join(COOKIE_KEY_FILE);
    match std::fs::read(&path) {
        Ok(k) if k.len() >= 32 => Ok(k),
        Ok(_) => Err(AccessError::Key {
            path,
            reason: "too short to be a key; remove it to make a new one".into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let k: [u8; 32] = rand::random();
            write_private(&path, &k)?;
            Ok(k.to_vec())
        }
        Err(e) => Err(AccessError::Io { path, source: e }),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AccessError> {
    let io = |source| AccessError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // Written beside, then renamed: a crash never leaves half a key file.
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    /// Unix seconds.
    created: u64,
    /// PKCS#8 DER, base64.
    pkcs8: String,
}

struct SigningKey {
    kid: String,
    created: u64,
    key: EncodingKey,
    jwk: Jwk,
}

impl SigningKey {
    fn from_stored(s: &StoredKey) -> Result<Self, String> {
        let der = B64STD.decode(&s.pkcs8).map_err(|e| e.to_string())?;
        let key = EncodingKey::from_ec_der(&der);
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).map_err(|e| e.to_string())?;
        jwk.common.key_id = Some(s.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::ES256);
        Ok(SigningKey {
            kid: s.kid.clone(),
            created: s.created,
            key,
            jwk,
        })
    }
}

fn new_key(now: u64) -> Result<StoredKey, AccessError> {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| AccessError::Crypto(e.to_string()))?;
    let rand: [u8; 6] = rand::random();
    Ok(StoredKey {
        kid: format!("{now:x}-{}", hex(&rand)),
        created: now,
        pkcs8: B64STD.encode(pair.serialize_der()),
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What is published and what signs, swapped whole on rotation.
struct KeySet {
    /// Newest first; the first signs.
    keys: Vec<SigningKey>,
    /// The JWKS document, made once per rotation.
    jwks: bytes::Bytes,
}

/// The identity signer.
pub struct Signer {
    path: PathBuf,
    rotation: u64,
    token_lifetime: u64,
    set: ArcSwap<KeySet>,
    rotating: Mutex<()>,
}

/// The claims of the identity token (what applications read).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    /// The application's name.
    pub aud: String,
    pub sub: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub email: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub groups: Vec<String>,
    /// The identity provider's name, or `service-token`.
    pub idp: String,
    /// Authentication methods (RFC 8176 style): `oidc` or `service-token`, and `mtls` when
    /// the request came with a client certificate valid for the application.
    pub amr: Vec<String>,
    /// The client's country (ISO 3166-1 alpha-2) when a geoip database places it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub country: Option<String>,
    /// The client certificate's subject common name (mTLS), when it has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cert_cn: Option<String>,
    /// The client certificate's SHA-256 fingerprint, lower-case hex (mTLS).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cert_sha256: Option<String>,
    pub iat: u64,
    pub exp: u64,
}

/// The issuer every identity token names.
pub const ISSUER: &str = "parapet-access";

impl Signer {
    /// Loads the keys from `state_dir`, making the first one, and rotates if the newest is
    /// older than `rotation` (seconds).
    pub fn load(
        state_dir: &Path,
        rotation: u64,
        token_lifetime: u64,
        now: u64,
    ) -> Result<Self, AccessError> {
        let path = state_dir.join(SIGNING_KEYS_FILE);
        let stored: Vec<StoredKey> = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| AccessError::Key {
                path: path.clone(),
                reason: format!("not a key list ({e}); remove it to make new keys"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(AccessError::Io { path, source: e }),
        };
        let signer = Signer {
            path,
            rotation,
            token_lifetime,
            set: ArcSwap::from_pointee(KeySet {
                keys: Vec::new(),
                jwks: bytes::Bytes::new(),
            }),
            rotating: Mutex::new(()),
        };
        signer.install(stored, now)?;
        Ok(signer)
    }

    /// Rotates when the newest key is due; call it now and then (hourly). Returns whether
    /// a new key was made.
    pub fn rotate_if_due(&self, now: u64) -> Result<bool, AccessError> {
        let _one = self
            .rotating
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = self.set.load();
        let due = current
            .keys
            .first()
            .is_none_or(|k| now >= k.created.saturating_add(self.rotation));
        if !due {
            return Ok(false);
        }
        let stored: Vec<StoredKey> = std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        self.install(stored, now)?;
        Ok(true)
    }

    fn install(&self, mut stored: Vec<StoredKey>, now: u64) -> Result<(), AccessError> {
        stored.sort_by_key(|k| std::cmp::Reverse(k.created));
        let due = stored
            .first()
            .is_none_or(|k| now >= k.created.saturating_add(self.rotation));
        if due {
            stored.insert(0, new_key(now)?);
        }
        // Keep a key while a token it signed can still be valid: the previous key stays
        // published for one token lifetime after the next one took over.
        let mut keep = Vec::new();
        for (i, k) in stored.iter().enumerate() {
            let retired_at = if i == 0 {
                u64::MAX
            } else {
                stored[i - 1].created
            };
            if i == 0 || now < retired_at.saturating_add(self.token_lifetime) {
                keep.push(k.clone());
            }
        }
        if due || keep.len() != stored.len() {
            let json =
                serde_json::to_vec_pretty(&keep).map_err(|e| AccessError::Crypto(e.to_string()))?;
            write_private(&self.path, &json)?;
        }
        let keys = keep
            .iter()
            .map(|s| {
                SigningKey::from_stored(s).map_err(|reason| AccessError::Key {
                    path: self.path.clone(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let jwks = JwkSet {
            keys: keys.iter().map(|k| k.jwk.clone()).collect(),
        };
        let jwks = serde_json::to_vec(&jwks).map_err(|e| AccessError::Crypto(e.to_string()))?;
        self.set.store(Arc::new(KeySet {
            keys,
            jwks: jwks.into(),
        }));
        Ok(())
    }

    /// The published keys (JWKS JSON).
    pub fn jwks(&self) -> bytes::Bytes {
        self.set.load().jwks.clone()
    }

    /// The id of the key that signs now.
    pub fn current_kid(&self) -> Option<String> {
        self.set.load().keys.first().map(|k| k.kid.clone())
    }

    /// Signs `claims` with the current key.
    pub fn sign(&self, claims: &Claims) -> Result<String, AccessError> {
        let set = self.set.load();
        let k = set
            .keys
            .first()
            .ok_or_else(|| AccessError::Crypto("no signing key".into()))?;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(k.kid.clone());
        jsonwebtoken::encode(&header, claims, &k.key)
            .map_err(|e| AccessError::Crypto(e.to_string()))
    }

    pub fn token_lifetime(&self) -> u64 {
        self.token_lifetime
    }
}

/// Signed tokens per session, for one application.
#[derive(Default)]
pub struct TokenCache {
    /// By session id. Ids are random and made by Parapet (a session is only read from a
    /// cookie whose MAC verified), so a fast unkeyed hash is safe.
    map: Mutex<FxHashMap<Box<str>, (HeaderValue, u64, u16)>>,
}

impl TokenCache {
    /// The cached token for `sid` if more than half its life (`lifetime`) is left at `now`
    /// and it was made for the same `tag` (what else the token says that may change between
    /// requests: the client's country); otherwise `make` signs one, which is cached.
    pub fn get_or_sign(
        &self,
        sid: &str,
        tag: u16,
        now: u64,
        lifetime: u64,
        make: impl FnOnce() -> Option<HeaderValue>,
    ) -> Option<HeaderValue> {
        if let Ok(m) = self.map.lock() {
            if let Some((v, exp, t)) = m.get(sid) {
                if *t == tag && exp.saturating_sub(now) > lifetime / 2 {
                    return Some(v.clone());
                }
            }
        }
        let v = make()?;
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= MAX_CACHED_TOKENS {
                m.retain(|_, (_, exp, _)| *exp > now);
                if m.len() >= MAX_CACHED_TOKENS {
                    m.clear();
                }
            }
            m.insert(sid.into(), (v.clone(), now + lifetime, tag));
        }
        Some(v)
    }

    /// Forgets a session's token (logout, revocation).
    pub fn forget(&self, sid: &str) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(sid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    fn claims(now: u64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            aud: "wiki".into(),
            sub: "u1".into(),
            email: "ana@example.com".into(),
            groups: vec!["eng".into()],
            idp: "corp".into(),
            amr: vec!["oidc".into()],
            country: Some("DE".into()),
            cert_cn: None,
            cert_sha256: None,
            iat: now,
            exp: now + 300,
        }
    }

    fn verify(jwks: &[u8], token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let set: JwkSet = serde_json::from_slice(jwks).unwrap();
        let kid = jsonwebtoken::decode_header(token)?.kid.unwrap();
        let jwk = set.find(&kid).expect("the signing key is published");
        let mut v = Validation::new(Algorithm::ES256);
        v.set_audience(&["wiki"]);
        v.set_issuer(&[ISSUER]);
        Ok(jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_jwk(jwk)?, &v)?.claims)
    }

    #[test]
    fn tokens_verify_against_the_published_keys_across_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let now = jsonwebtoken::get_current_timestamp();
        let s = Signer::load(dir.path(), 3600, 300, now).unwrap();
        let t1 = s.sign(&claims(now)).unwrap();
        assert_eq!(verify(&s.jwks(), &t1).unwrap(), claims(now));
        let kid1 = s.current_kid().unwrap();
        // The same keys after a restart.
        let again = Signer::load(dir.path(), 3600, 300, now + 10).unwrap();
        assert_eq!(again.current_kid().unwrap(), kid1);
        // Rotation: a new key signs, the old one stays published for a token lifetime.
        assert!(!s.rotate_if_due(now + 100).unwrap());
        assert!(s.rotate_if_due(now + 3600).unwrap());
        let kid2 = s.current_kid().unwrap();
        assert_ne!(kid1, kid2);
        assert!(
            verify(&s.jwks(), &t1).is_ok(),
            "old tokens verify during the overlap"
        );
        let t2 = s.sign(&claims(now)).unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&t2).unwrap().kid.as_deref(),
            Some(kid2.as_str())
        );
        // After the overlap the old key is gone.
        assert!(s.rotate_if_due(now + 7200).unwrap());
        let set: JwkSet = serde_json::from_slice(&s.jwks()).unwrap();
        assert!(set.find(&kid1).is_none());
        assert!(set.find(&kid2).is_some());
        // The private keys are readable by the owner only.
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join(SIGNING_KEYS_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0);
        // The JWKS carries public keys only.
        let text = String::from_utf8(s.jwks().to_vec()).unwrap();
        assert!(!text.contains("\"d\""), "{text}");
    }

    #[test]
    fn the_cache_signs_once_per_half_lifetime() {
        let c = TokenCache::default();
        let signed = std::cell::Cell::new(0);
        let make = || {
            signed.set(signed.get() + 1);
            Some(HeaderValue::from_static("t"))
        };
        c.get_or_sign("s", 0, 1000, 300, make);
        c.get_or_sign("s", 0, 1100, 300, make);
        assert_eq!(signed.get(), 1);
        c.get_or_sign("s", 0, 1151, 300, make);
        assert_eq!(signed.get(), 2);
        c.forget("s");
        c.get_or_sign("s", 0, 1152, 300, make);
        assert_eq!(signed.get(), 3);
        // Another country: another token.
        c.get_or_sign("s", 7, 1153, 300, make);
        assert_eq!(signed.get(), 4);
    }
}

//! The gateway's own cookies: the session (who signed in, until when) and the short-lived
//! sign-in flow (state, nonce and PKCE verifier of one login), both signed with HMAC-SHA256
//! under a key kept in the state directory, and the return-URL rule.
//!
//! A cookie is `<tag>.<payload>.<mac>` with the payload JSON in base64url; the tag separates
//! the two kinds so that one can never be taken for the other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rustc_hash::FxHashMap;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::Sha256;

use crate::policy::User;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "parapet_access";
/// The sign-in flow cookie's name (path-scoped to the access endpoints).
pub const FLOW_COOKIE: &str = "parapet_access_flow";
/// Largest cookie value read or written: browsers keep about 4 KiB per cookie.
pub const MAX_COOKIE_BYTES: usize = 4000;
/// Longest return URL kept through a sign-in.
pub const MAX_RETURN_URL_BYTES: usize = 2048;

/// Session cookies kept verified, so that a browser's next requests skip the HMAC and the
/// JSON decoding. Only genuine cookies enter, so filling it takes that many real sessions;
/// when full it is emptied (those sessions are verified once more on their next request).
/// Worst case about 4 KiB per entry.
pub const VERIFIED_SESSIONS: usize = 1024;

const SESSION_TAG: &str = "s1";
const FLOW_TAG: &str = "f1";

/// A signed-in session, as its cookie carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Random id: what logout and revocation name.
    pub sid: String,
    pub user: User,
    /// The host the cookie was set for: a cookie copied to another host is refused.
    pub host: String,
    /// When the person signed in (unix seconds).
    pub auth: u64,
    /// When this cookie was issued or last renewed.
    pub iat: u64,
    /// When this cookie stops being valid (sliding: renewed on use).
    pub exp: u64,
    /// The session's hard end (sign-in + the application's session duration).
    pub end: u64,
}

/// One sign-in in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub idp: String,
    pub app: String,
    pub host: String,
    /// Where to go after sign-in: a path on the same host (see [`safe_return`]).
    pub rd: String,
    pub exp: u64,
}

/// Why a cookie was refused (for metrics and the audit log; the visitor is not told).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieError {
    Malformed,
    BadSignature,
    Expired,
    WrongHost,
    Revoked,
}

impl CookieError {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::WrongHost => "wrong_host",
            Self::Revoked => "revoked",
        }
    }
}

/// Signs and checks cookies.
pub struct CookieKey {
    key: Vec<u8>,
    /// Session cookies this key verified: MAC text -> (the whole cookie, its session). The
    /// whole value is compared on a hit, so an entry vouches only for the exact bytes it
    /// verified; expiry and host are still checked on every request. A fast unkeyed hash is
    /// safe here: only MACs this key made are ever inserted, and nobody without the key
    /// can choose them to collide.
    verified: Mutex<FxHashMap<Box<[u8]>, Verified>>,
}

/// A cookie value this key verified, and its session.
type Verified = (Box<[u8]>, Arc<Session>);

impl CookieKey {
    pub fn new(key: Vec<u8>) -> Self {
        CookieKey {
            key,
            verified: Mutex::new(FxHashMap::default()),
        }
    }

    fn mac(&self, signed: &str) -> Hmac<Sha256> {
        let mut m =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        m.update(signed.as_bytes());
        m
    }

    fn seal<T: Serialize>(&self, tag: &str, value: &T) -> Option<String> {
        let json = serde_json::to_vec(value).ok()?;
        let mut out = String::with_capacity(tag.len() + json.len() * 4 / 3 + 48);
        out.push_str(tag);
        out.push('.');
        B64.encode_string(&json, &mut out);
        let mac = self.mac(&out).finalize().into_bytes();
        out.push('.');
        B64.encode_string(mac, &mut out);
        (out.len() <= MAX_COOKIE_BYTES).then_some(out)
    }

    fn open<T: DeserializeOwned>(&self, tag: &str, value: &str) -> Result<T, CookieError> {
        if value.len() > MAX_COOKIE_BYTES {
            return Err(CookieError::Malformed);
        }
        let (signed, mac) = value.rsplit_once('.').ok_or(CookieError::Malformed)?;
        let (t, payload) = signed.split_once('.').ok_or(CookieError::Malformed)?;
        if t != tag {
            return Err(CookieError::Malformed);
        }
        let mac = B64.decode(mac).map_err(|_| CookieError::Malformed)?;
        // Constant-time comparison.
        self.mac(signed)
            .verify_slice(&mac)
            .map_err(|_| CookieError::BadSignature)?;
        let json = B64.decode(payload).map_err(|_| CookieError::Malformed)?;
        serde_json::from_slice(&json).map_err(|_| CookieError::Malformed)
    }

    /// The cookie value for `s`; `None` if it would be too large for a browser.
    pub fn seal_session(&self, s: &Session) -> Option<String> {
        self.seal(SESSION_TAG, s)
    }

    /// The session in `value` if it is genuine, current at `now` and for `host`. A cookie
    /// verified before is taken from a bounded cache ([`VERIFIED_SESSIONS`]) instead of being
    /// checked and decoded again: most requests carry the cookie of the one before.
    pub fn open_session(
        &self,
        value: impl AsRef<[u8]>,
        host: &str,
        now: u64,
    ) -> Result<Arc<Session>, CookieError> {
        let value = value.as_ref();
        // The MAC is the last part, so it is found from the end.
        let mac = memchr::memrchr(b'.', value).map(|i| &value[i + 1..]);
        let cached = mac.and_then(|mac| {
            let verified = self.verified.lock().ok()?;
            verified
                .get(mac)
                .filter(|(whole, _)| **whole == *value)
                .map(|(_, s)| s.clone())
        });
        let s = match cached {
            Some(s) => s,
            None => {
                let text = std::str::from_utf8(value).map_err(|_| CookieError::Malformed)?;
                let s: Arc<Session> = Arc::new(self.open(SESSION_TAG, text)?);
                if let (Some(mac), Ok(mut verified)) = (mac, self.verified.lock()) {
                    if verified.len() >= VERIFIED_SESSIONS {
                        verified.clear();
                    }
                    verified.insert(mac.into(), (value.into(), s.clone()));
                }
                s
            }
        };
        if now >= s.exp || now >= s.end {
            return Err(CookieError::Expired);
        }
        if s.host != host {
            return Err(CookieError::WrongHost);
        }
        Ok(s)
    }

    pub fn seal_flow(&self, f: &Flow) -> Option<String> {
        self.seal(FLOW_TAG, f)
    }

    pub fn open_flow(&self, value: &str, host: &str, now: u64) -> Result<Flow, CookieError> {
        let f: Flow = self.open(FLOW_TAG, value)?;
        if now >= f.exp {
            return Err(CookieError::Expired);
        }
        if f.host != host {
            return Err(CookieError::WrongHost);
        }
        Ok(f)
    }
}

/// The value of cookie `name` in a request's `Cookie` headers, if any, as bytes.
///
/// The header lines are read as bytes: a session cookie is some 400 bytes, and validating
/// the whole line as text first cost more than the rest of the check. The session cookie's
/// bytes are compared with those verified before, and a value is read as text only when it
/// is decoded.
pub fn cookie<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a [u8]> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .find_map(|line| {
            cookie_pairs(line.as_bytes()).find_map(|pair| {
                let eq = memchr::memchr(b'=', pair)?;
                (&pair[..eq] == name.as_bytes()).then(|| trim_quotes(&pair[eq + 1..]))
            })
        })
}

/// `v` without the double quotes around it.
fn trim_quotes(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|&b| b != b'"').unwrap_or(v.len());
    let end = v.iter().rposition(|&b| b != b'"').map_or(start, |i| i + 1);
    &v[start..end.max(start)]
}

/// The non-empty `;`-separated pairs of one `Cookie` header line, trimmed of spaces.
pub fn cookie_pairs(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(line);
    std::iter::from_fn(move || loop {
        let line = rest?;
        let (pair, next) = match memchr::memchr(b';', line) {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        rest = next;
        let pair = pair.trim_ascii();
        if !pair.is_empty() {
            return Some(pair);
        }
    })
}

/// `rd` if it is a safe place to send the browser after sign-in: an absolute path on this
/// host (`/...`), never `//evil` or `/\evil` (browsers read both as another host), never a
/// scheme, no control characters. Anything else becomes `/`.
pub fn safe_return(rd: &str) -> &str {
    let ok = rd.len() <= MAX_RETURN_URL_BYTES
        && rd.starts_with('/')
        && !rd.starts_with("//")
        && !rd.starts_with("/\\")
        && !rd.bytes().any(|b| b.is_ascii_control() || b == b'\\' || b == b' ')
        // A percent-encoded slash or backslash right after the first one decodes to the
        // same tricks in some browsers and servers.
        && !rd
            .get(1..4)
            .is_some_and(|s| s.eq_ignore_ascii_case("%2f") || s.eq_ignore_ascii_case("%5c"));
    if ok {
        rd
    } else {
        "/"
    }
}

/// Sessions and people whose sessions were revoked before their cookies expire.
#[derive(Default)]
pub struct Revocations {
    /// Session id -> when its cookie would end anyway (then the entry can go).
    sessions: RwLock<HashMap<String, u64>>,
    /// Subject -> sessions signed in at or before this time are revoked.
    subjects: RwLock<HashMap<String, u64>>,
}

impl Revocations {
    pub fn revoke_session(&self, sid: &str, until: u64) {
        if let Ok(mut m) = self.sessions.write() {
            m.insert(sid.to_owned(), until);
        }
    }

    pub fn revoke_subject(&self, sub: &str, at: u64) {
        if let Ok(mut m) = self.subjects.write() {
            m.insert(sub.to_owned(), at);
        }
    }

    pub fn is_revoked(&self, s: &Session) -> bool {
        let by_sid = self
            .sessions
            .read()
            .map_or(true, |m| !m.is_empty() && m.contains_key(&s.sid));
        let by_sub = self.subjects.read().map_or(true, |m| {
            !m.is_empty() && m.get(&s.user.sub).is_some_and(|&at| s.auth <= at)
        });
        by_sid || by_sub
    }

    /// Forgets revoked sessions whose cookies have ended anyway.
    pub fn prune(&self, now: u64) {
        if let Ok(mut m) = self.sessions.write() {
            m.retain(|_, until| *until > now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(now: u64) -> Session {
        Session {
            sid: "abc".into(),
            user: User {
                sub: "u1".into(),
                email: "ana@example.com".into(),
                groups: vec!["eng".into()],
                idp: "corp".into(),
                methods: crate::policy::Methods::oidc(),
            },
            host: "app.example".into(),
            auth: now,
            iat: now,
            exp: now + 900,
            end: now + 86_400,
        }
    }

    #[test]
    fn sessions_round_trip_and_tampering_is_refused() {
        let k = CookieKey::new(vec![7; 32]);
        let s = session(1000);
        let c = k.seal_session(&s).unwrap();
        assert_eq!(
            k.open_session(&c, "app.example", 1001),
            Ok(Arc::new(s.clone()))
        );
        assert_eq!(
            k.open_session(&c, "other.example", 1001),
            Err(CookieError::WrongHost)
        );
        assert_eq!(
            k.open_session(&c, "app.example", 1900),
            Err(CookieError::Expired)
        );
        // Another key, a changed payload, a changed MAC, a flow cookie: all refused. The
        // genuine cookie is in the verified cache by now, so the forged payload under its
        // MAC also shows that a cache hit needs the whole value.
        let other = CookieKey::new(vec![8; 32]);
        assert_eq!(
            other.open_session(&c, "app.example", 1001),
            Err(CookieError::BadSignature)
        );
        let (signed, mac) = c.rsplit_once('.').unwrap();
        let mut forged = session(1000);
        forged.user.groups.push("admin".into());
        let forged_payload = B64.encode(serde_json::to_vec(&forged).unwrap());
        let forged_cookie = format!("{SESSION_TAG}.{forged_payload}.{mac}");
        assert_eq!(
            k.open_session(&forged_cookie, "app.example", 1001),
            Err(CookieError::BadSignature)
        );
        let mut flipped = mac.as_bytes().to_vec();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = format!("{signed}.{}", String::from_utf8(flipped).unwrap());
        assert_eq!(
            k.open_session(&flipped, "app.example", 1001),
            Err(CookieError::BadSignature)
        );
        let flow = Flow {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            idp: "corp".into(),
            app: "a".into(),
            host: "app.example".into(),
            rd: "/".into(),
            exp: 2000,
        };
        let fc = k.seal_flow(&flow).unwrap();
        assert_eq!(
            k.open_session(&fc, "app.example", 1001),
            Err(CookieError::Malformed)
        );
        assert_eq!(
            k.open_flow(&c, "app.example", 1001),
            Err(CookieError::Malformed)
        );
        assert_eq!(k.open_flow(&fc, "app.example", 1001), Ok(flow));
        for junk in [
            "",
            ".",
            "s1..",
            "s1.!!.!!",
            &"x".repeat(MAX_COOKIE_BYTES + 1),
        ] {
            assert!(k.open_session(junk, "app.example", 1001).is_err(), "{junk}");
        }
    }

    #[test]
    fn the_verified_cache_stays_bounded_and_keeps_answering() {
        let k = CookieKey::new(vec![7; 32]);
        let cookies: Vec<(Session, String)> = (0..VERIFIED_SESSIONS + 10)
            .map(|i| {
                let mut s = session(1000);
                s.sid = format!("sid-{i}");
                let c = k.seal_session(&s).unwrap();
                (s, c)
            })
            .collect();
        for (s, c) in cookies.iter().chain(cookies.iter()) {
            assert_eq!(k.open_session(c, "app.example", 1001).as_deref(), Ok(s));
            assert!(k.verified.lock().unwrap().len() <= VERIFIED_SESSIONS);
        }
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::COOKIE,
            "a=1; parapet_access=xyz; b=2".parse().unwrap(),
        );
        h.append(
            http::header::COOKIE,
            "parapet_access_flow=f".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some(&b"xyz"[..]));
        assert_eq!(cookie(&h, FLOW_COOKIE), Some(&b"f"[..]));
        assert_eq!(cookie(&h, "c"), None);

        // Spaces, empty pairs, quotes, a name that only starts like ours, a pair without
        // `=`, and bytes that are not text in another cookie.
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::COOKIE,
            http::HeaderValue::from_bytes(
                b"parapet_accessory=no;; junk ; x=\xff\xfe ;  parapet_access=\"q\" ;",
            )
            .unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some(&b"q"[..]));
        assert_eq!(cookie(&h, "parapet_accessory"), Some(&b"no"[..]));
        assert_eq!(cookie(&h, "junk"), None);
        // Bytes: a value is read as text only when it is decoded.
        assert_eq!(cookie(&h, "x"), Some(&b"\xff\xfe"[..]));
        assert_eq!(trim_quotes(b"\"\"a\"\""), b"a");
        assert_eq!(trim_quotes(b"\"\""), b"");
        let k = CookieKey::new(vec![7; 32]);
        assert_eq!(
            k.open_session(b"s1.\xff.\xfe", "app.example", 1).err(),
            Some(CookieError::Malformed)
        );
        let pairs: Vec<&[u8]> = cookie_pairs(b" ;a=1;;  b ; ").collect();
        assert_eq!(pairs, [&b"a=1"[..], b"b"]);
    }

    #[test]
    fn return_urls_stay_on_the_host() {
        for ok in ["/", "/wiki/page?x=1#top", "/a/b%2fc"] {
            assert_eq!(safe_return(ok), ok);
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2fevil.example",
            "/%5Cevil.example",
            "javascript:alert(1)",
            "evil.example",
            "/ok\r\nSet-Cookie: x=1",
            "/\tx",
            "",
        ] {
            assert_eq!(safe_return(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn revocation_by_session_and_by_subject() {
        let r = Revocations::default();
        let s = session(1000);
        assert!(!r.is_revoked(&s));
        r.revoke_session("other", 5000);
        assert!(!r.is_revoked(&s));
        r.revoke_session("abc", 5000);
        assert!(r.is_revoked(&s));
        r.prune(6000);
        assert!(!r.is_revoked(&s));
        // Revoking a person ends the sessions they had, not the ones they sign in to later.
        r.revoke_subject("u1", 1000);
        assert!(r.is_revoked(&s));
        assert!(!r.is_revoked(&session(1001)));
    }
}

//! Access cookies and return URLs, as any client may send them: the `Cookie` header, the
//! signed session and sign-in cookies, and the `rd` return URL. Never a panic; a return
//! URL always stays on the host.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_access::session::{self, CookieKey, FLOW_COOKIE, SESSION_COOKIE};

fuzz_target!(|data: &[u8]| {
    let key = CookieKey::new(vec![7; 32]);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = key.open_session(text, "app.example", 1_000);
        let _ = key.open_flow(text, "app.example", 1_000);
        let rd = session::safe_return(text);
        assert!(rd.starts_with('/') && !rd.starts_with("//") && !rd.starts_with("/\\"));
    }
    if let Ok(v) = http::HeaderValue::from_bytes(data) {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, v);
        let _ = session::cookie(&h, SESSION_COOKIE);
        let _ = session::cookie(&h, FLOW_COOKIE);
        parapet_access::strip_own_cookies(&mut h);
    }
});

//! Host and authority values come straight from clients (`Host`,
//! `:authority`). Normalising must never panic, must accept only what it can
//! give back unchanged, and must be idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_gateway::router::normalize_host;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Some(host) = normalize_host(s) {
        assert!(!host.is_empty());
        assert!(!host.bytes().any(|b| b.is_ascii_uppercase() || b == b'/' || b == b' '));
        assert_eq!(normalize_host(&host).as_deref(), Some(&*host));
    }
});

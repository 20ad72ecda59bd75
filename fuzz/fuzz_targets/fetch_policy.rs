//! The fetcher's address policy and reported-hash canonicalisation, on arbitrary input:
//! never a panic, and the invariants the fetcher relies on hold.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use parapet_scripts::fetch::{canonical_hash, check_address, forbidden, special_use_name};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = special_use_name(text);
        if let Some(c) = canonical_hash(text) {
            assert_eq!(canonical_hash(&c).as_deref(), Some(c.as_str()));
        }
    }
    if let Ok(v6) = <[u8; 16]>::try_from(data) {
        let a = Ipv6Addr::from(v6);
        assert_eq!(check_address(IpAddr::V6(a), &[]).is_ok(), forbidden(IpAddr::V6(a)).is_none());
    }
    if let Ok(v4) = <[u8; 4]>::try_from(data) {
        let a = Ipv4Addr::from(v4);
        // The same host in IPv6 clothing is judged the same.
        assert_eq!(forbidden(IpAddr::V6(a.to_ipv6_mapped())), forbidden(IpAddr::V4(a)));
    }
});

//! CAIDA relationship files are downloaded: parsing must never panic, and the valley-free
//! check over what was parsed must not either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_routes::relations::valley;
use parapet_routes::Relationships;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rels = Relationships::parse(text);
    let path: Vec<Option<u32>> = data.iter().take(16).map(|b| Some(u32::from(*b))).collect();
    let _ = valley(&path, &rels);
});

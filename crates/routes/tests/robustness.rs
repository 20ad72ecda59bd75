//! Hostile input, as property tests: the same invariants as the fuzz targets in `fuzz/`,
//! run on every `cargo test`.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use parapet_routes::relations::valley;
use parapet_routes::{Engine, MrtReplay, Relationships, RpkiData};
use proptest::prelude::*;

fn engine() -> Engine {
    let text = "[routes]\n[[routes.prefixes]]\nprefix = \"0.0.0.0/0\"\norigins = [64500]\n\
                [[routes.prefixes]]\nprefix = \"::/0\"\norigins = [64500]\n";
    let c = parapet_config::Config::from_str(text, Path::new("t.toml")).unwrap();
    Engine::new(&c.routes.unwrap(), None, None)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(
                || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
                std::path::PathBuf::from,
            )
            .join("testdata")
            .join(name),
    )
    .unwrap()
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut e = engine();
        let mut replay = MrtReplay::new(&mut e);
        let stats = replay.reader(&data[..], &mut |_| {}).unwrap();
        // Every record takes at least a 12-byte header.
        prop_assert!(stats.records <= data.len() as u64 / 12 + 1);
    }

    /// Corrupting bytes of a real file is counted, never fatal, and what precedes the
    /// corruption is still read.
    #[test]
    fn corrupted_fixtures_are_survived(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        truncate in any::<prop::sample::Index>(),
    ) {
        let clean = fixture("quiet.mrt");
        let mut e = engine();
        let clean_records = MrtReplay::new(&mut e).reader(&clean[..], &mut |_| {}).unwrap().records;
        let mut data = clean.clone();
        for (i, b) in &flips {
            let i = i.index(data.len());
            data[i] ^= b | 1;
        }
        data.truncate(truncate.index(data.len() + 1));
        let mut e = engine();
        let stats = MrtReplay::new(&mut e).reader(&data[..], &mut |_| {}).unwrap();
        prop_assert!(stats.records <= clean_records + 8, "{stats:?}");
    }

    #[test]
    fn rpki_json_never_panics(text in "\\PC{0,200}") {
        let _ = RpkiData::from_json(text.as_bytes());
    }

    #[test]
    fn rpki_json_shaped_input_never_panics(
        asn in "[A-Za-z0-9\"]{0,12}",
        prefix in "[0-9a-f:./]{0,24}",
        max in any::<i64>(),
    ) {
        let json = format!(r#"{{"roas":[{{"asn":{asn},"prefix":"{prefix}","maxLength":{max}}}],"aspas":[{{"customer":{asn},"providers":[{asn}]}}]}}"#);
        if let Ok(d) = RpkiData::from_json(json.as_bytes()) {
            let p = "10.0.0.0/8".parse().unwrap();
            let _ = d.vrps.validate(&p, Some(1));
        }
    }

    #[test]
    fn relationships_never_panic(text in "([0-9|#x -]{0,20}\n){0,20}", path in proptest::collection::vec(0u32..20, 0..10)) {
        let r = Relationships::parse(&text);
        let flat: Vec<Option<u32>> = path.into_iter().map(Some).collect();
        let _ = valley(&flat, &r);
    }
}

#[test]
fn a_truncated_file_keeps_what_came_before() {
    let clean = fixture("origin-hijack.mrt");
    // Cut the last record in half: the hijack by AS64666 (records 3 and 4) is still seen
    // (as a sub-prefix hijack of the 0.0.0.0/0 this engine monitors).
    let cut = &clean[..clean.len() - 20];
    let mut e = engine();
    let mut seen = Vec::new();
    let stats = MrtReplay::new(&mut e)
        .reader(cut, &mut |a| seen.push((a.kind_str, a.offender_asn)))
        .unwrap();
    assert_eq!(stats.malformed, 1);
    assert_eq!(stats.records, 5, "six records, the last one cut");
    assert!(
        seen.contains(&("subprefix-hijack", Some(64666))),
        "{seen:?}"
    );
}

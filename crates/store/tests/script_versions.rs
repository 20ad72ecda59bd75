//! The script fetcher's versions through the `Store` trait: bodies stored once, a new
//! version only for a new answer, analysis kept, history bounded.
#![allow(clippy::unwrap_used)]

use parapet_core::versions::{FetchedBody, ScriptFetch, VersionAnalysis, VersionHeaders};
use parapet_core::Timestamp;
use parapet_store::{SqliteStore, Store, MAX_VERSIONS_PER_SCRIPT};

const URL: &str = "https://shop.example/js/checkout.js";

fn body(text: &str) -> FetchedBody {
    // Stand-in hashes: the store keys by what it is given and never recomputes.
    FetchedBody::new(
        text.as_bytes().to_vec(),
        format!("{:0>64}", text.len()),
        format!("sha256-{}", text.len()),
    )
}

fn fetch(ms: i64, status: u16, text: Option<&str>, etag: &str) -> ScriptFetch {
    ScriptFetch::new(
        "shop",
        URL,
        URL,
        Timestamp::from_unix_millis(ms),
        status,
        VersionHeaders::new(
            Some("application/javascript".into()),
            Some(etag.into()),
            None,
            Some("max-age=60".into()),
        ),
        text.map(body),
    )
}

fn analysis(risk: f64, changed: Option<bool>) -> VersionAnalysis {
    let mut a = VersionAnalysis::default();
    a.scheme = "test-scheme".into();
    a.normalized_hash = Some("abc".into());
    a.family = Some("widget@1".into());
    a.fingerprint = serde_json::json!({"functions": ["1", "2"]});
    a.risk = risk;
    a.malicious = risk >= 0.5;
    a.verdict = serde_json::json!({"reasons": ["x"]});
    a.behaviour_changed = changed;
    a.diff = changed.map(|c| serde_json::json!({"behaviour_changed": c}));
    a
}

#[tokio::test]
async fn a_new_answer_is_a_new_version_and_a_repeat_is_not() {
    let store = SqliteStore::open_in_memory().unwrap();
    let first = store
        .record_script_fetch(
            &fetch(1_000, 200, Some("a()"), "\"1\"").with_analysis(analysis(0.1, None)),
        )
        .await
        .unwrap();
    assert!(first.new_version);
    assert!(first.previous.is_none());
    assert_eq!(first.version.fetches, 1);
    assert_eq!(first.version.size, Some(3));
    assert_eq!(first.version.browser_hash.as_deref(), Some("sha256-3"));
    assert_eq!(
        first.version.analysis.as_ref().map(|a| a.family.as_deref()),
        Some(Some("widget@1"))
    );

    // The same body again: the same version, fetched twice, with the newest headers.
    let again = store
        .record_script_fetch(&fetch(2_000, 200, Some("a()"), "\"2\""))
        .await
        .unwrap();
    assert!(!again.new_version);
    assert_eq!(again.version.id, first.version.id);
    assert_eq!(again.version.fetches, 2);
    assert_eq!(
        again.version.first_fetched,
        Timestamp::from_unix_millis(1_000)
    );
    assert_eq!(
        again.version.last_fetched,
        Timestamp::from_unix_millis(2_000)
    );
    assert_eq!(again.version.headers.etag.as_deref(), Some("\"2\""));
    assert!(
        again.version.analysis.is_some(),
        "the first fetch's analysis stays"
    );

    // Another body: a new version, the previous one returned.
    let changed = store
        .record_script_fetch(
            &fetch(3_000, 200, Some("a();b()"), "\"3\"").with_analysis(analysis(0.9, Some(true))),
        )
        .await
        .unwrap();
    assert!(changed.new_version);
    assert_eq!(
        changed.previous.as_ref().map(|p| p.id),
        Some(first.version.id)
    );
    let a = changed.version.analysis.clone().unwrap();
    assert!(a.malicious);
    assert_eq!(a.behaviour_changed, Some(true));
    assert_eq!(a.diff, Some(serde_json::json!({"behaviour_changed": true})));
    assert_eq!(a.verdict["reasons"][0], "x");

    // An error status is a version of its own, without a body.
    let gone = store
        .record_script_fetch(&fetch(4_000, 404, None, ""))
        .await
        .unwrap();
    assert!(gone.new_version);
    assert_eq!(gone.version.body_sha256, None);
    assert_eq!(gone.version.status, 404);

    let history = store.script_versions("shop", URL, 10).await.unwrap();
    let statuses: Vec<(u16, Option<u64>)> = history.iter().map(|v| (v.status, v.size)).collect();
    assert_eq!(
        statuses,
        [(404, None), (200, Some(7)), (200, Some(3))],
        "newest first"
    );
    assert!(store
        .script_versions("other", URL, 10)
        .await
        .unwrap()
        .is_empty());

    // Which browser hashes a fetch has had.
    assert!(store
        .script_hash_fetched("shop", URL, "sha256-3")
        .await
        .unwrap());
    assert!(store
        .script_hash_fetched("shop", URL, "sha256-7")
        .await
        .unwrap());
    assert!(!store
        .script_hash_fetched("shop", URL, "sha256-9")
        .await
        .unwrap());
    assert!(!store
        .script_hash_fetched("other", URL, "sha256-3")
        .await
        .unwrap());

    // Bodies by sha256, each once.
    let sha = first.version.body_sha256.clone().unwrap();
    assert_eq!(
        store.script_body(&sha).await.unwrap(),
        Some(b"a()".to_vec())
    );
    assert_eq!(store.script_body("nope").await.unwrap(), None);
}

#[tokio::test]
async fn the_history_is_bounded_and_unused_bodies_go_with_it() {
    let store = SqliteStore::open_in_memory().unwrap();
    let n = i64::from(MAX_VERSIONS_PER_SCRIPT) + 5;
    let mut first_sha = None;
    for i in 0..n {
        let text = "x".repeat(usize::try_from(i).unwrap() + 1);
        let r = store
            .record_script_fetch(&fetch(i, 200, Some(&text), ""))
            .await
            .unwrap();
        first_sha.get_or_insert(r.version.body_sha256.clone().unwrap());
    }
    let history = store.script_versions("shop", URL, u32::MAX).await.unwrap();
    assert_eq!(history.len(), MAX_VERSIONS_PER_SCRIPT as usize);
    assert_eq!(history[0].size, Some(u64::try_from(n).unwrap()));
    assert_eq!(
        store.script_body(&first_sha.unwrap()).await.unwrap(),
        None,
        "the oldest body went with its version"
    );
}

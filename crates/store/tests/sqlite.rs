//! Integration tests of the SQLite store through the `Store` trait.

use std::sync::Arc;

use parapet_core::inventory::{ItemKind, Sighting};
use parapet_core::{Event, Service, Severity, Timestamp};
use parapet_store::{EventQuery, SqliteStore, Store, StoreError, SCHEMA_VERSION};

fn event(service: Service, kind: &str, severity: Severity, subject: &str, ms: i64) -> Event {
    Event::new(
        service,
        kind,
        severity,
        subject,
        format!("{kind} on {subject}"),
    )
    .with_time(Timestamp::from_unix_millis(ms))
}

fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("nested").join("dir").join("parapet.db");
    (dir, path)
}

#[tokio::test]
async fn events_round_trip_with_every_field() {
    let store = SqliteStore::open_in_memory().expect("open");
    let original = Event::new(
        Service::Routes,
        "origin-hijack",
        Severity::Critical,
        "192.0.2.0/24",
        "192.0.2.0/24 originated by AS64512 — “unexpected”",
    )
    .with_time(Timestamp::from_unix_millis(1_700_000_000_123))
    .with_dedup_key("routes/origin-hijack/192.0.2.0/24/AS64512")
    .with_details(serde_json::json!({
        "origin_asn": 64512,
        "as_path": [64500, 64501, 64512],
        "vantages": [{"peer_asn": 3333, "peer": "2001:db8::1"}],
        "nested": {"null": null, "float": 1.5}
    }));

    let ids = store
        .insert_events(std::slice::from_ref(&original))
        .await
        .expect("insert");
    assert_eq!(ids.len(), 1);

    let stored = store.events(&EventQuery::new()).await.expect("query");
    assert_eq!(stored.len(), 1);
    let mut expected = original.clone();
    expected.id = Some(ids[0]);
    assert_eq!(stored[0], expected);
}

#[tokio::test]
async fn batch_insert_returns_ids_in_order_and_empty_batch_is_noop() {
    let store = SqliteStore::open_in_memory().expect("open");
    assert!(store.insert_events(&[]).await.expect("empty").is_empty());
    let batch: Vec<Event> = (0..50)
        .map(|i| {
            event(
                Service::Scripts,
                "new-script",
                Severity::Low,
                &format!("s{i}"),
                i,
            )
        })
        .collect();
    let ids = store.insert_events(&batch).await.expect("insert");
    assert_eq!(ids.len(), 50);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let all = store
        .events(&EventQuery::new().limit(1000))
        .await
        .expect("query");
    for e in &all {
        let idx = ids
            .iter()
            .position(|id| Some(*id) == e.id)
            .expect("every stored id was returned by insert");
        assert_eq!(e.subject, batch[idx].subject);
    }
}

#[tokio::test]
async fn query_filters_and_orders_newest_first() {
    let store = SqliteStore::open_in_memory().expect("open");
    store
        .insert_events(&[
            event(Service::Routes, "origin-hijack", Severity::High, "a", 1_000),
            event(
                Service::Routes,
                "rpki-invalid",
                Severity::Medium,
                "a",
                2_000,
            ),
            event(Service::Scripts, "new-script", Severity::Low, "b", 3_000),
            event(
                Service::Scripts,
                "new-script",
                Severity::Critical,
                "c",
                4_000,
            ),
            event(
                Service::Gateway,
                "upstream-down",
                Severity::Info,
                "d",
                5_000,
            ),
            // Same time as the previous one: the later insert must sort first.
            event(Service::Gateway, "upstream-up", Severity::Info, "d", 5_000),
        ])
        .await
        .expect("insert");

    let kinds = |events: Vec<Event>| events.into_iter().map(|e| e.kind).collect::<Vec<_>>();

    let all = store.events(&EventQuery::new()).await.expect("all");
    assert_eq!(
        kinds(all),
        [
            "upstream-up",
            "upstream-down",
            "new-script",
            "new-script",
            "rpki-invalid",
            "origin-hijack"
        ]
    );

    let routes = store
        .events(&EventQuery::new().service(Service::Routes))
        .await
        .expect("routes");
    assert_eq!(kinds(routes), ["rpki-invalid", "origin-hijack"]);

    let high = store
        .events(&EventQuery::new().min_severity(Severity::High))
        .await
        .expect("high");
    assert_eq!(
        high.iter().map(|e| e.severity).collect::<Vec<_>>(),
        [Severity::Critical, Severity::High]
    );

    let kind = store
        .events(&EventQuery::new().kind("new-script"))
        .await
        .expect("kind");
    assert_eq!(
        kind.iter().map(|e| e.subject.as_str()).collect::<Vec<_>>(),
        ["c", "b"]
    );

    let window = store
        .events(
            &EventQuery::new()
                .since(Timestamp::from_unix_millis(2_000))
                .until(Timestamp::from_unix_millis(4_000)),
        )
        .await
        .expect("window");
    assert_eq!(kinds(window), ["new-script", "rpki-invalid"]);

    let limited = store
        .events(&EventQuery::new().limit(2))
        .await
        .expect("limit");
    assert_eq!(kinds(limited), ["upstream-up", "upstream-down"]);

    let combined = store
        .events(
            &EventQuery::new()
                .service(Service::Scripts)
                .subject("b")
                .min_severity(Severity::Low),
        )
        .await
        .expect("combined");
    assert_eq!(combined.len(), 1);
    assert_eq!(combined[0].severity, Severity::Low);

    let none = store
        .events(&EventQuery::new().kind("x' OR '1'='1"))
        .await
        .expect("injection attempt is just a value");
    assert!(none.is_empty());
}

#[tokio::test]
async fn settings_put_get_and_replace() {
    let store = SqliteStore::open_in_memory().expect("open");
    assert_eq!(store.get_setting("routes.cursor").await.expect("get"), None);
    store.put_setting("routes.cursor", "42").await.expect("put");
    store.put_setting("other", "x").await.expect("put other");
    assert_eq!(
        store
            .get_setting("routes.cursor")
            .await
            .expect("get")
            .as_deref(),
        Some("42")
    );
    store
        .put_setting("routes.cursor", "43")
        .await
        .expect("replace");
    assert_eq!(
        store
            .get_setting("routes.cursor")
            .await
            .expect("get")
            .as_deref(),
        Some("43")
    );
    assert_eq!(
        store.get_setting("other").await.expect("get").as_deref(),
        Some("x")
    );
}

#[tokio::test]
async fn opening_twice_is_idempotent_and_creates_directories() {
    let (_dir, path) = temp_db();
    let first = SqliteStore::open(&path).expect("first open creates the file");
    assert!(path.exists());
    first.health().await.expect("healthy");
    drop(first);
    let second = SqliteStore::open(&path).expect("second open");
    second.health().await.expect("healthy");
    let (count, distinct, newest): (i64, i64, i64) = rusqlite::Connection::open(&path)
        .expect("raw open")
        .query_row(
            "SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("count");
    assert_eq!(count, distinct, "a migration ran twice");
    assert_eq!(newest, i64::from(SCHEMA_VERSION));
}

#[tokio::test]
async fn file_uses_wal_journaling() {
    let (_dir, path) = temp_db();
    let _store = SqliteStore::open(&path).expect("open");
    let mode: String = rusqlite::Connection::open(&path)
        .expect("raw open")
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn committed_data_survives_drop_and_reopen() {
    let (_dir, path) = temp_db();
    {
        let store = SqliteStore::open(&path).expect("open");
        store
            .insert_events(&[
                event(Service::Routes, "origin-hijack", Severity::High, "p", 10),
                event(Service::Routes, "visibility-loss", Severity::High, "p", 20),
            ])
            .await
            .expect("insert");
        store.put_setting("k", "v").await.expect("put");
    }
    let store = SqliteStore::open(&path).expect("reopen");
    let events = store.events(&EventQuery::new()).await.expect("query");
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["visibility-loss", "origin-hijack"]
    );
    assert_eq!(
        store.get_setting("k").await.expect("get").as_deref(),
        Some("v")
    );
}

#[tokio::test]
async fn newer_database_is_refused() {
    let (_dir, path) = temp_db();
    drop(SqliteStore::open(&path).expect("create"));
    let future = SCHEMA_VERSION + 7;
    rusqlite::Connection::open(&path)
        .expect("raw open")
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, 'future', 0)",
            [future],
        )
        .expect("pretend a newer binary migrated it");
    let err = SqliteStore::open(&path).expect_err("must refuse");
    match err {
        StoreError::TooNew { found, known } => {
            assert_eq!(found, future);
            assert_eq!(known, SCHEMA_VERSION);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert!(err_message(future).contains("newer than this binary knows"));
}

fn err_message(found: u32) -> String {
    StoreError::TooNew {
        found,
        known: SCHEMA_VERSION,
    }
    .to_string()
}

#[tokio::test]
async fn health_notices_a_newer_instance_migrating_underneath() {
    let (_dir, path) = temp_db();
    let store = SqliteStore::open(&path).expect("open");
    store.health().await.expect("healthy");
    rusqlite::Connection::open(&path)
        .expect("raw open")
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, 'future', 0)",
            [SCHEMA_VERSION + 1],
        )
        .expect("insert");
    assert!(matches!(
        store.health().await,
        Err(StoreError::TooNew { .. })
    ));
}

#[tokio::test]
async fn corrupt_rows_are_errors_not_panics() {
    let (_dir, path) = temp_db();
    let store = SqliteStore::open(&path).expect("open");
    rusqlite::Connection::open(&path)
        .expect("raw open")
        .execute(
            "INSERT INTO events (time_ms, service, kind, severity, subject, dedup_key, summary, details) \
             VALUES (0, 'bgp', 'k', 1, 's', 'd', 'x', 'null')",
            [],
        )
        .expect("insert");
    assert!(matches!(
        store.events(&EventQuery::new()).await,
        Err(StoreError::Decode(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_lose_nothing() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().expect("open"));
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let e = event(
                    Service::Gateway,
                    "k",
                    Severity::Info,
                    &format!("{t}-{i}"),
                    i,
                );
                store.insert_events(&[e]).await.expect("insert");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let all = store
        .events(&EventQuery::new().limit(1000))
        .await
        .expect("query");
    assert_eq!(all.len(), 80);
}

fn sighting(kind: ItemKind, item: &str, page: &str, hash: Option<&str>, ms: i64) -> Sighting {
    Sighting::new(
        "shop",
        kind,
        item,
        page,
        hash.map(str::to_owned),
        Timestamp::from_unix_millis(ms),
    )
}

#[tokio::test]
async fn sightings_build_the_inventory_and_say_what_is_new() {
    let store = SqliteStore::open_in_memory().expect("open");
    let lib = "https://cdn.example/lib.js";
    let new = store
        .record_sightings(&[
            sighting(
                ItemKind::Script,
                lib,
                "https://shop.example/",
                Some("sha256-a"),
                1_000,
            ),
            sighting(
                ItemKind::Script,
                lib,
                "https://shop.example/cart",
                Some("sha256-a"),
                2_000,
            ),
            sighting(
                ItemKind::Connection,
                "https://api.example/",
                "https://shop.example/",
                None,
                1_500,
            ),
        ])
        .await
        .unwrap();
    // Two items new to the site, each reported once as new, in the order first met.
    assert_eq!(new.len(), 2);
    assert_eq!(
        (new[0].item.as_str(), new[0].page.as_str()),
        (lib, "https://shop.example/")
    );
    assert_eq!(new[1].kind, ItemKind::Connection);

    // Seen again later, with a new hash: not new.
    let again = store
        .record_sightings(&[sighting(
            ItemKind::Script,
            lib,
            "https://shop.example/",
            Some("sha256-b"),
            5_000,
        )])
        .await
        .unwrap();
    assert!(again.is_empty());

    let inv = store.inventory("shop", 100).await.unwrap();
    assert_eq!(inv.len(), 2);
    let script = &inv[0];
    assert_eq!((script.item.as_str(), script.kind), (lib, ItemKind::Script));
    assert_eq!(script.reports, 3);
    assert_eq!(script.first_seen, Timestamp::from_unix_millis(1_000));
    assert_eq!(script.last_seen, Timestamp::from_unix_millis(5_000));
    assert_eq!(
        script.pages,
        [
            ("https://shop.example/".to_owned(), 2),
            ("https://shop.example/cart".to_owned(), 1)
        ]
    );
    assert_eq!(script.hashes, ["sha256-a", "sha256-b"]);
    // Another site's inventory is its own.
    assert!(store.inventory("elsewhere", 100).await.unwrap().is_empty());
    // One item, by site, kind and URL: the same record; another kind or site is not it.
    let one = store
        .inventory_item("shop", ItemKind::Script, lib)
        .await
        .unwrap();
    assert_eq!(one.as_ref(), Some(script));
    for (site, kind) in [
        ("shop", ItemKind::Connection),
        ("elsewhere", ItemKind::Script),
    ] {
        assert!(store
            .inventory_item(site, kind, lib)
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn pages_per_item_are_bounded() {
    let store = SqliteStore::open_in_memory().expect("open");
    let batch: Vec<Sighting> = (0..200)
        .map(|i| {
            sighting(
                ItemKind::Script,
                "https://cdn.example/x.js",
                &format!("https://shop.example/p{i}"),
                Some(&format!("sha256-{i}")),
                i,
            )
        })
        .collect();
    store.record_sightings(&batch).await.unwrap();
    let inv = store.inventory("shop", 10).await.unwrap();
    assert_eq!(inv[0].reports, 200, "every report is counted");
    assert_eq!(
        inv[0].pages.len(),
        parapet_store::MAX_PAGES_PER_ITEM as usize
    );
    assert_eq!(
        inv[0].hashes.len(),
        parapet_store::MAX_HASHES_PER_ITEM as usize
    );
}

#[tokio::test]
async fn items_turn_inactive_once_until_seen_again() {
    let store = SqliteStore::open_in_memory().expect("open");
    let day = 24 * 3600 * 1000;
    store
        .record_sightings(&[
            sighting(
                ItemKind::Script,
                "https://cdn.example/old.js",
                "https://shop.example/",
                None,
                day,
            ),
            sighting(
                ItemKind::Script,
                "https://cdn.example/new.js",
                "https://shop.example/",
                None,
                9 * day,
            ),
        ])
        .await
        .unwrap();
    let now = Timestamp::from_unix_millis(10 * day);
    let week_ago = Timestamp::from_unix_millis(3 * day);
    let gone = store.mark_inactive(week_ago, now).await.unwrap();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].item, "https://cdn.example/old.js");
    assert_eq!(gone[0].last_seen, Timestamp::from_unix_millis(day));
    assert_eq!(gone[0].page, "https://shop.example/");
    // Once only.
    assert!(store.mark_inactive(week_ago, now).await.unwrap().is_empty());
    // Seen again: active, and it can turn inactive again later.
    store
        .record_sightings(&[sighting(
            ItemKind::Script,
            "https://cdn.example/old.js",
            "https://shop.example/",
            None,
            11 * day,
        )])
        .await
        .unwrap();
    let later = Timestamp::from_unix_millis(20 * day);
    let again = store
        .mark_inactive(Timestamp::from_unix_millis(13 * day), later)
        .await
        .unwrap();
    assert_eq!(again.len(), 2, "{again:?}");
}

#[tokio::test]
async fn registrable_domains_are_kept_per_site() {
    let store = SqliteStore::open_in_memory().expect("open");
    let s = |item: &str, domain: Option<&str>, ms: i64| {
        sighting(ItemKind::Script, item, "https://shop.example/", None, ms)
            .with_domain(domain.map(str::to_owned))
    };
    store
        .record_sightings(&[
            s("https://cdn.example.co.uk/a.js", Some("example.co.uk"), 10),
            s("https://img.example.co.uk/b.js", Some("example.co.uk"), 20),
            s("https://other.example/c.js", Some("other.example"), 5),
            s("https://127.0.0.1/d.js", None, 30),
        ])
        .await
        .unwrap();
    let d = store.domains("shop", 10).await.unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].domain, "example.co.uk");
    assert_eq!(d[0].reports, 2);
    assert_eq!(d[0].first_seen, Timestamp::from_unix_millis(10));
    assert_eq!(d[0].last_seen, Timestamp::from_unix_millis(20));
    assert_eq!(d[1].domain, "other.example");
}

#[tokio::test]
async fn access_audit_and_revocations_round_trip() {
    use parapet_core::access::AccessRecord;
    let store = SqliteStore::open_in_memory().unwrap();
    let mut a = AccessRecord::new("wiki", "deny", "10.0.0.1".into(), "rid-1");
    a.at = Timestamp::from_unix_millis(1_000);
    a.subject = Some("u1".into());
    a.reason = Some("no policy admits this identity".into());
    let mut b = AccessRecord::new("crm", "allow", "::1".into(), "rid-2");
    b.at = Timestamp::from_unix_millis(2_000);
    b.policy = Some("staff".into());
    b.email = Some("ana@example.com".into());
    b.idp = Some("corp".into());
    store.record_access(&[a.clone(), b.clone()]).await.unwrap();
    store.record_access(&[]).await.unwrap();
    let all = store.access_audit(None, 10).await.unwrap();
    assert_eq!(all.len(), 2);
    // Newest first, every field back as written.
    assert_eq!((all[0].id > 0, all[0].request_id.as_str()), (true, "rid-2"));
    b.id = all[0].id;
    a.id = all[1].id;
    assert_eq!(all, vec![b, a.clone()]);
    assert_eq!(store.access_audit(Some("wiki"), 10).await.unwrap(), vec![a]);
    assert_eq!(store.access_audit(None, 1).await.unwrap().len(), 1);

    let t = Timestamp::from_unix_millis;
    store
        .revoke_access("session", "s1", t(10), t(100))
        .await
        .unwrap();
    store
        .revoke_access("subject", "u1", t(20), t(500))
        .await
        .unwrap();
    // Revoking again moves the dates.
    store
        .revoke_access("session", "s1", t(30), t(300))
        .await
        .unwrap();
    let r = store.access_revocations(t(200)).await.unwrap();
    assert_eq!(
        r,
        vec![
            ("subject".to_owned(), "u1".to_owned(), t(20)),
            ("session".to_owned(), "s1".to_owned(), t(30))
        ]
    );
    // Past their end they are forgotten.
    assert_eq!(store.access_revocations(t(400)).await.unwrap().len(), 1);
    assert!(store.access_revocations(t(600)).await.unwrap().is_empty());
}

/// A batch is summed per item, page, hash and domain before it is written: the inventory it
/// leaves must be the one that writing every sighting on its own would leave.
#[tokio::test]
async fn a_summed_batch_leaves_the_inventory_that_one_by_one_writes_leave() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let kinds = [ItemKind::Script, ItemKind::Connection, ItemKind::Worker];
    let batch: Vec<Sighting> = (0..3_000)
        .map(|_| {
            let host = next(6);
            let mut s = Sighting::new(
                if next(5) == 0 { "blog" } else { "shop" },
                kinds[next(3) as usize],
                format!("https://cdn{host}.example/{}.js", next(40)),
                format!("https://shop.example/p{}", next(70)),
                (next(3) == 0).then(|| format!("sha256-{}", next(40))),
                Timestamp::from_unix_millis(1_000 + next(100_000) as i64),
            );
            s.domain = Some(format!("cdn{host}.example"));
            s
        })
        .collect();
    let summed = SqliteStore::open_in_memory().expect("open");
    let single = SqliteStore::open_in_memory().expect("open");
    // In two batches, so that the second meets rows the first wrote.
    let mut new_summed = summed.record_sightings(&batch[..1_200]).await.unwrap();
    new_summed.extend(summed.record_sightings(&batch[1_200..]).await.unwrap());
    let mut new_single = Vec::new();
    for s in &batch {
        new_single.extend(
            single
                .record_sightings(std::slice::from_ref(s))
                .await
                .unwrap(),
        );
    }
    assert_eq!(new_summed, new_single);
    assert!(new_summed.len() > 100, "the batch holds many new items");
    for site in ["shop", "blog"] {
        let a = summed.inventory(site, 10_000).await.unwrap();
        let b = single.inventory(site, 10_000).await.unwrap();
        assert!(!a.is_empty());
        assert_eq!(a, b, "inventory of {site}");
        assert!(
            a.iter().any(|i| i.pages.len() > 1 && i.reports > 2),
            "items seen on several pages"
        );
        let a = summed.domains(site, 1_000).await.unwrap();
        let b = single.domains(site, 1_000).await.unwrap();
        assert_eq!(a, b, "domains of {site}");
    }
}

#[tokio::test]
async fn access_credentials_round_trip_with_limits_and_counters() {
    use parapet_core::access::AccessCredential;
    use parapet_store::CredentialAdded;
    let store = SqliteStore::open_in_memory().unwrap();
    let t = Timestamp::from_unix_millis;
    let mut a = AccessCredential::new(vec![1, 2, 3], "uh-ana", "corp", "ana", "{\"a\":1}".into());
    a.email = "ana@example.com".into();
    a.label = "YubiKey".into();
    a.created = t(1_000);
    let mut b = AccessCredential::new(vec![4, 5], "uh-ana", "corp", "ana", "{\"b\":1}".into());
    b.created = t(2_000);
    let other = AccessCredential::new(vec![9], "uh-bob", "corp", "bob", "{}".into());
    assert_eq!(
        store.add_access_credential(&a, 2).await.unwrap(),
        CredentialAdded::Added
    );
    // The same credential id again, for anyone, is refused.
    let mut stolen = other.clone();
    stolen.credential_id = vec![1, 2, 3];
    assert_eq!(
        store.add_access_credential(&stolen, 2).await.unwrap(),
        CredentialAdded::Duplicate
    );
    assert_eq!(
        store.add_access_credential(&b, 2).await.unwrap(),
        CredentialAdded::Added
    );
    // Ana is at her limit; Bob is not.
    let mut third = b.clone();
    third.credential_id = vec![7];
    assert_eq!(
        store.add_access_credential(&third, 2).await.unwrap(),
        CredentialAdded::LimitReached
    );
    assert_eq!(
        store.add_access_credential(&other, 2).await.unwrap(),
        CredentialAdded::Added
    );
    assert_eq!(
        store.access_credentials("corp", "ana").await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    // Same subject at another provider is another person.
    assert!(store
        .access_credentials("github", "ana")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.access_credential(&[9]).await.unwrap(), Some(other));
    assert_eq!(store.access_credential(&[8]).await.unwrap(), None);

    // Counters only go up: an equal or lower one is a clone and changes nothing.
    assert!(store
        .use_access_credential(&[1, 2, 3], "{\"a\":5}", 5, t(3_000))
        .await
        .unwrap());
    assert!(!store
        .use_access_credential(&[1, 2, 3], "{\"a\":4}", 4, t(4_000))
        .await
        .unwrap());
    assert!(!store
        .use_access_credential(&[1, 2, 3], "{\"a\":5}", 5, t(4_000))
        .await
        .unwrap());
    let used = store.access_credential(&[1, 2, 3]).await.unwrap().unwrap();
    assert_eq!(
        (used.counter, used.passkey.as_str(), used.last_used),
        (5, "{\"a\":5}", Some(t(3_000)))
    );
    // An authenticator without a counter (always 0) may be used again.
    assert!(store
        .use_access_credential(&[4, 5], "{\"b\":2}", 0, t(5_000))
        .await
        .unwrap());
    assert!(store
        .use_access_credential(&[4, 5], "{\"b\":3}", 0, t(6_000))
        .await
        .unwrap());

    // Only the owner removes a credential.
    assert!(!store
        .delete_access_credential("corp", "bob", &[1, 2, 3])
        .await
        .unwrap());
    assert!(store
        .delete_access_credential("corp", "ana", &[1, 2, 3])
        .await
        .unwrap());
    assert_eq!(
        store.access_credentials("corp", "ana").await.unwrap().len(),
        1
    );
}

//! The detection engine through its public API: one test per alert semantic of the design
//! document, and property tests for the event life cycle.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use ipnet::IpNet;
use parapet_core::{Service, Timestamp};
use parapet_routes::{
    Alert, AlertKind, AsPath, Asn, Engine, Hop, Relationships, RouteChange, RouteEvent, RpkiData,
    Vantage, View,
};
use proptest::prelude::*;

const BASE: &str = r#"
[[routes.prefixes]]
prefix = "104.20.0.0/20"
origins = [13335]
description = "web front ends"
"#;

fn engine_with(toml: &str, rpki: Option<RpkiData>, rels: Option<Relationships>) -> Engine {
    let c = parapet_config::Config::from_str(toml, Path::new("/etc/parapet/t.toml")).unwrap();
    Engine::new(&c.routes.unwrap(), rpki, rels)
}

fn engine(toml: &str) -> Engine {
    engine_with(toml, None, None)
}

fn v(n: u8) -> Vantage {
    Vantage::collector(64_600 + u32::from(n), IpAddr::from([192, 0, 2, n]))
}

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_561_370_000 + s)
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ann(e: &mut Engine, time: i64, vantage: Vantage, prefix: &str, path: &[Asn]) -> Vec<Alert> {
    ann_otc(e, time, vantage, prefix, path, None)
}

fn ann_otc(
    e: &mut Engine,
    time: i64,
    vantage: Vantage,
    prefix: &str,
    path: &[Asn],
    otc: Option<Asn>,
) -> Vec<Alert> {
    let mut out = Vec::new();
    e.apply(
        &RouteEvent {
            time: t(time),
            vantage,
            change: RouteChange::Announce {
                prefix: net(prefix),
                path_id: None,
                path: Arc::new(AsPath::from_sequence(path)),
                otc,
            },
        },
        &mut out,
    );
    out
}

fn wd(e: &mut Engine, time: i64, vantage: Vantage, prefix: &str) -> Vec<Alert> {
    let mut out = Vec::new();
    e.withdraw(t(time), vantage, net(prefix), &mut out);
    out
}

fn types(alerts: &[Alert]) -> Vec<&'static str> {
    alerts.iter().map(|a| a.kind_str).collect()
}

#[test]
fn origin_hijack_alerts_once_and_resolves_when_no_vantage_carries_it() {
    let mut e = engine(BASE);
    assert!(ann(&mut e, 0, v(1), "104.20.0.0/20", &[3356, 13335]).is_empty());
    let a = ann(&mut e, 10, v(2), "104.20.0.0/20", &[174, 64512]);
    assert_eq!(types(&a), ["origin-hijack"]);
    let a = &a[0];
    assert_eq!(a.prefix, net("104.20.0.0/20"));
    assert_eq!(a.monitored_prefix, net("104.20.0.0/20"));
    assert_eq!(a.origin_asn, Some(64512));
    assert_eq!(a.offender_asn, Some(64512));
    assert_eq!(a.as_path, serde_json::json!([174, 64512]));
    assert_eq!(a.first_seen, t(10));
    assert_eq!(a.vantages, 1);
    assert_eq!(a.rule, "allowed-origins");
    assert_eq!(a.description.as_deref(), Some("web front ends"));
    // A second vantage sees it: the same event, no second alert.
    assert!(ann(&mut e, 20, v(3), "104.20.0.0/20", &[3356, 64512]).is_empty());
    // One vantage stops carrying it: still open.
    assert!(ann(&mut e, 30, v(2), "104.20.0.0/20", &[174, 13335]).is_empty());
    // The last one withdraws it: resolved.
    let r = wd(&mut e, 40, v(3), "104.20.0.0/20");
    assert_eq!(types(&r), ["origin-hijack-resolved"]);
    assert_eq!(r[0].first_seen, t(10));
    assert_eq!(r[0].time, t(40));
    assert_eq!(r[0].vantages, 2);
    assert!(r[0].resolved);
    // It can start again, as a new event.
    let again = ann(&mut e, 50, v(3), "104.20.0.0/20", &[3356, 64512]);
    assert_eq!(types(&again), ["origin-hijack"]);
    assert_eq!(again[0].first_seen, t(50));
    assert_eq!(e.open_events(), 1);
}

#[test]
fn min_vantages_counts_distinct_peers_and_keeps_first_seen() {
    let mut e = engine(&format!("[routes]\nmin_vantages = 3\n{BASE}"));
    assert!(ann(&mut e, 0, v(1), "104.20.1.0/24", &[174, 64512]).is_empty());
    // The same vantage again is not a second witness.
    assert!(ann(&mut e, 5, v(1), "104.20.1.0/24", &[3356, 174, 64512]).is_empty());
    assert!(ann(&mut e, 10, v(2), "104.20.1.0/24", &[174, 64512]).is_empty());
    let a = ann(&mut e, 20, v(3), "104.20.1.0/24", &[2914, 64512]);
    assert_eq!(types(&a), ["subprefix-hijack"]);
    assert_eq!(a[0].vantages, 3);
    assert_eq!(a[0].first_seen, t(0));
    assert_eq!(a[0].time, t(20));
    assert_eq!(a[0].peers.len(), 3);
    // The most observed path leads the evidence.
    assert_eq!(a[0].top_paths[0].as_path, serde_json::json!([174, 64512]));
    assert_eq!(a[0].top_paths[0].count, 2);
    // An event that never alerted resolves silently.
    let mut e = engine(&format!("[routes]\nmin_vantages = 2\n{BASE}"));
    assert!(ann(&mut e, 0, v(1), "104.20.1.0/24", &[174, 64512]).is_empty());
    assert!(wd(&mut e, 1, v(1), "104.20.1.0/24").is_empty());
    assert_eq!(e.open_events(), 0);
}

/// A router that exports only its Loc-RIB is one vantage; beside an Adj-RIB-In view of
/// the same router it adds nothing; a second router's Loc-RIB is a second vantage. The same
/// count holds for visibility.
#[test]
fn a_routers_own_views_count_once_and_only_without_its_peers() {
    let router = |n: u8, view: View| Vantage {
        asn: 65000,
        address: IpAddr::from([127, 0, 0, n]),
        router: Some(IpAddr::from([127, 0, 0, n])),
        view,
    };
    let peer_of = |n: u8| Vantage {
        asn: 64_700,
        address: IpAddr::from([10, 0, 0, 2]),
        router: Some(IpAddr::from([127, 0, 0, n])),
        view: View::PrePolicy,
    };
    let toml = format!("[routes]\nmin_vantages = 2\n{BASE}");
    let mut e = engine(&toml);
    assert!(ann(&mut e, 0, peer_of(1), "104.20.1.0/24", &[64_700, 64512]).is_empty());
    assert!(ann(
        &mut e,
        1,
        router(1, View::LocRib),
        "104.20.1.0/24",
        &[64_700, 64512]
    )
    .is_empty());
    let a = ann(
        &mut e,
        2,
        router(2, View::LocRib),
        "104.20.1.0/24",
        &[64_701, 64512],
    );
    assert_eq!(types(&a), ["subprefix-hijack"]);
    assert_eq!(a[0].vantages, 2);

    // Two Loc-RIB views of one router (two address families, say) are one vantage.
    let mut e = engine(&toml);
    assert!(ann(
        &mut e,
        0,
        router(1, View::LocRib),
        "104.20.1.0/24",
        &[64_700, 64512]
    )
    .is_empty());
    assert!(ann(
        &mut e,
        1,
        router(1, View::AdjRibOutPost),
        "104.20.1.0/24",
        &[65000, 64_700, 64512]
    )
    .is_empty());

    // Visibility: the peer and its router's Loc-RIB withdrawing is one vantage, below 2.
    let mut e = engine(&toml);
    ann(&mut e, 0, peer_of(1), "104.20.0.0/20", &[64_700, 13335]);
    ann(
        &mut e,
        0,
        router(1, View::LocRib),
        "104.20.0.0/20",
        &[64_700, 13335],
    );
    assert!(wd(&mut e, 1, peer_of(1), "104.20.0.0/20").is_empty());
    assert!(wd(&mut e, 1, router(1, View::LocRib), "104.20.0.0/20").is_empty());
}

#[test]
fn more_specifics_alert_or_are_allowed() {
    let mut e = engine(BASE);
    let a = ann(&mut e, 0, v(1), "104.20.4.0/22", &[3356, 13335, 13335]);
    assert_eq!(types(&a), ["more-specific"]);
    assert_eq!(a[0].offender_asn, Some(13335));
    let mut e = engine(&BASE.replace(
        "origins = [13335]",
        "origins = [13335]\nmore_specifics = \"allow\"",
    ));
    assert!(ann(&mut e, 0, v(1), "104.20.4.0/22", &[3356, 13335]).is_empty());
    // Allowing more-specifics never allows another origin.
    assert_eq!(
        types(&ann(&mut e, 0, v(1), "104.20.5.0/24", &[3356, 64512])),
        ["subprefix-hijack"]
    );
}

#[test]
fn allowed_pairs_cover_customers() {
    let toml = format!(
        "{BASE}\n[[routes.allow]]\nprefix = \"104.20.8.0/22\"\norigin = 64500\nmax_length = 24\n"
    );
    let mut e = engine(&toml);
    assert!(ann(&mut e, 0, v(1), "104.20.8.0/22", &[3356, 13335, 64500]).is_empty());
    assert!(ann(&mut e, 0, v(1), "104.20.9.0/24", &[3356, 13335, 64500]).is_empty());
    // Longer than max_length, or outside the pair's prefix: not allowed.
    assert_eq!(
        types(&ann(&mut e, 0, v(1), "104.20.9.0/25", &[3356, 64500])),
        ["subprefix-hijack"]
    );
    assert_eq!(
        types(&ann(&mut e, 0, v(1), "104.20.0.0/24", &[3356, 64500])),
        ["subprefix-hijack"]
    );
}

#[test]
fn path_anomaly_from_upstreams_or_unknown_adjacency() {
    let toml = BASE.replace(
        "origins = [13335]",
        "origins = [13335]\nupstreams = [174, 3356]",
    );
    let mut e = engine(&toml);
    assert!(ann(&mut e, 0, v(1), "104.20.0.0/20", &[2914, 174, 13335]).is_empty());
    let a = ann(
        &mut e,
        1,
        v(2),
        "104.20.0.0/20",
        &[2914, 6461, 13335, 13335],
    );
    assert_eq!(types(&a), ["path-anomaly"]);
    assert_eq!(a[0].offender_asn, Some(6461));
    assert_eq!(a[0].rule, "upstreams");
    // A path of the origin alone (the vantage peers with it) has no neighbour to judge.
    assert!(ann(&mut e, 2, v(3), "104.20.0.0/20", &[13335]).is_empty());

    let rels = Relationships::parse("174|13335|-1|bgp\n3356|13335|-1|bgp\n");
    let mut e = engine_with(BASE, None, Some(rels));
    assert!(ann(&mut e, 0, v(1), "104.20.0.0/20", &[2914, 174, 13335]).is_empty());
    let a = ann(&mut e, 1, v(2), "104.20.0.0/20", &[2914, 6461, 13335]);
    assert_eq!(types(&a), ["path-anomaly"]);
    assert_eq!(a[0].rule, "adjacency");
}

#[test]
fn route_leak_from_valley_otc_and_aspa() {
    // 13335 -> 3356 (up) -> 33154 (down) -> 396531 (up: leak by 33154) -> 701 (up).
    let rels = Relationships::parse(
        "3356|13335|-1|x\n3356|33154|-1|x\n396531|33154|-1|x\n701|396531|-1|x\n",
    );
    let mut e = engine_with(BASE, None, Some(rels.clone()));
    let a = ann(
        &mut e,
        0,
        v(1),
        "104.20.0.0/20",
        &[701, 396531, 33154, 3356, 13335],
    );
    assert_eq!(types(&a), ["route-leak"]);
    assert_eq!(a[0].offender_asn, Some(33154));
    assert_eq!(a[0].rule, "valley-free");
    // The valley-free path through the same ASes raises nothing.
    assert!(ann(&mut e, 1, v(2), "104.20.0.0/20", &[33154, 3356, 13335]).is_empty());

    // OTC set by 3356 towards its customer 33154; 33154 sends it up to 396531.
    let mut e = engine_with(BASE, None, Some(rels));
    let a = ann_otc(
        &mut e,
        0,
        v(1),
        "104.20.0.0/20",
        &[396531, 33154, 3356, 13335],
        Some(3356),
    );
    assert!(types(&a).contains(&"route-leak"));
    assert!(a.iter().all(|x| x.offender_asn == Some(33154)), "{a:?}");

    // ASPA only: 33154 attests 396531 as its provider but not ... 3356 attests no 33154.
    let json = br#"{"roas": [], "aspas": [
        {"customer_asid": 13335, "providers": [3356]},
        {"customer_asid": 3356, "providers": []},
        {"customer_asid": 33154, "providers": [3356, 396531]},
        {"customer_asid": 396531, "providers": [701]},
        {"customer_asid": 701, "providers": []}
    ]}"#;
    let rpki = RpkiData::from_json(json).unwrap();
    let mut e = engine_with(BASE, Some(rpki), None);
    let a = ann(
        &mut e,
        0,
        v(1),
        "104.20.0.0/20",
        &[701, 396531, 33154, 3356, 13335],
    );
    assert_eq!(types(&a), ["route-leak"]);
    assert_eq!(a[0].rule, "aspa");
    assert_eq!(a[0].aspa, "invalid");
    assert_eq!(a[0].offender_asn, Some(33154));
    assert!(ann(&mut e, 1, v(2), "104.20.0.0/20", &[174, 3356, 13335]).is_empty());
}

#[test]
fn rpki_invalid_and_valid_suppression() {
    let json = br#"{"roas": [{"asn": 13335, "prefix": "104.20.0.0/20", "maxLength": 22}]}"#;
    let rpki = || Some(RpkiData::from_json(json).unwrap());
    let mut e = engine_with(BASE, rpki(), None);
    let mut a = ann(&mut e, 0, v(1), "104.20.1.0/24", &[174, 13335]);
    a.sort_by_key(|x| x.kind);
    assert_eq!(types(&a), ["more-specific", "rpki-invalid"]);
    assert!(a.iter().all(|x| x.rpki == "invalid"));
    // Covered, valid: only the more-specific.
    let a = ann(&mut e, 0, v(1), "104.20.4.0/22", &[174, 13335]);
    assert_eq!(types(&a), ["more-specific"]);
    assert_eq!(a[0].rpki, "valid");
    // With suppression, the RPKI-valid more-specific is silent, the invalid one is not.
    let mut e = engine_with(
        &format!("[routes]\nsuppress_rpki_valid = true\n{BASE}"),
        rpki(),
        None,
    );
    assert!(ann(&mut e, 0, v(1), "104.20.4.0/22", &[174, 13335]).is_empty());
    let mut a = ann(&mut e, 1, v(1), "104.20.1.0/24", &[174, 13335]);
    a.sort_by_key(|x| x.kind);
    assert_eq!(types(&a), ["more-specific", "rpki-invalid"]);
}

#[test]
fn new_rpki_data_judges_every_route_again() {
    let invalid = br#"{"roas": [{"asn": 64999, "prefix": "104.20.0.0/20", "maxLength": 24}]}"#;
    let valid = br#"{"roas": [{"asn": 13335, "prefix": "104.20.0.0/20", "maxLength": 20}]}"#;
    let mut e = engine_with(BASE, Some(RpkiData::from_json(invalid).unwrap()), None);
    assert_eq!(
        types(&ann(&mut e, 0, v(1), "104.20.0.0/20", &[174, 13335])),
        ["rpki-invalid"]
    );
    assert!(ann(&mut e, 1, v(2), "104.20.0.0/20", &[3356, 13335]).is_empty());
    assert_eq!(e.rpki_counts(), (1, 0));
    // The ROA is fixed: the route is valid, the event resolves once, with no new vantage.
    let mut out = Vec::new();
    e.set_rpki(t(10), Some(RpkiData::from_json(valid).unwrap()), &mut out);
    assert_eq!(types(&out), ["rpki-invalid-resolved"]);
    assert_eq!(out[0].time, t(10));
    assert_eq!(e.open_events(), 0);
    let routes = e.routes(&net("104.20.0.0/20"), false);
    assert_eq!(routes.len(), 2);
    assert!(routes
        .iter()
        .all(|r| r.rpki == "valid" && r.events.is_empty()));
    assert_eq!(
        routes[0].first_seen,
        t(0),
        "judging again is not a new announcement"
    );
    assert_eq!(routes[0].updated, t(0));
    // Without RPKI data nothing is invalid; back with the bad ROA, the event alerts again,
    // once, carried by both vantages.
    e.set_rpki(t(11), None, &mut out);
    assert_eq!(
        e.routes(&net("104.20.0.0/20"), false)[0].rpki,
        "not-checked"
    );
    out.clear();
    e.set_rpki(t(12), Some(RpkiData::from_json(invalid).unwrap()), &mut out);
    assert_eq!(types(&out), ["rpki-invalid"]);
    assert_eq!(out[0].first_seen, t(12));
    // A withdrawal still resolves it: the re-judged routes carry it like any other.
    out = wd(&mut e, 13, v(1), "104.20.0.0/20");
    assert!(!types(&out).contains(&"rpki-invalid-resolved"), "{out:?}");
    out = wd(&mut e, 14, v(2), "104.20.0.0/20");
    assert!(types(&out).contains(&"rpki-invalid-resolved"), "{out:?}");
    assert_eq!(e.open_events(), 0);
}

#[test]
fn routes_show_what_each_vantage_carries_now() {
    let mut e = engine(BASE);
    ann_otc(&mut e, 0, v(1), "104.20.0.0/20", &[174, 13335], Some(174));
    ann(&mut e, 1, v(2), "104.20.1.0/24", &[3356, 64512]);
    ann(&mut e, 2, v(1), "104.20.0.0/20", &[3356, 13335]);
    let exact = e.routes(&net("104.20.0.0/20"), false);
    assert_eq!(exact.len(), 1);
    let r = &exact[0];
    assert_eq!(r.vantage, v(1));
    assert_eq!(r.origin_asn, Some(13335));
    assert_eq!(r.as_path, serde_json::json!([3356, 13335]));
    assert_eq!(r.otc, None, "the new announcement has no OTC");
    assert_eq!((r.first_seen, r.updated), (t(0), t(2)));
    assert_eq!(r.rpki, "not-checked");
    let all = e.routes(&net("104.20.0.0/20"), true);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].prefix, net("104.20.1.0/24"));
    assert_eq!(all[1].monitored_prefix, net("104.20.0.0/20"));
    assert_eq!(all[1].events, ["subprefix-hijack"]);
    assert!(e.routes(&net("104.20.2.0/24"), true).is_empty());
    wd(&mut e, 3, v(2), "104.20.1.0/24");
    assert_eq!(e.routes(&net("104.20.0.0/20"), true).len(), 1);
}

#[test]
fn own_vantages_are_ignored_when_asked() {
    let mut e = engine(&format!("[routes]\nown_asns = [13335]\n{BASE}"));
    let own = Vantage::collector(13335, IpAddr::from([198, 51, 100, 1]));
    assert!(ann(&mut e, 0, own, "104.20.1.0/24", &[13335]).is_empty());
    assert_eq!(e.stats().own_vantage_skips, 1);
    let mut e = engine(&format!(
        "[routes]\nown_asns = [13335]\nignore_own_vantages = false\n{BASE}"
    ));
    assert_eq!(
        types(&ann(&mut e, 0, own, "104.20.1.0/24", &[13335])),
        ["more-specific"]
    );
}

#[test]
fn visibility_loss_at_half_of_the_announcers_and_back() {
    let mut e = engine(&format!("[routes]\nmin_vantages = 2\n{BASE}"));
    for n in 1..=4 {
        assert!(ann(&mut e, 0, v(n), "104.20.0.0/20", &[174, 13335]).is_empty());
    }
    assert!(
        wd(&mut e, 10, v(1), "104.20.0.0/20").is_empty(),
        "1 of 4: fine"
    );
    let mut out = Vec::new();
    e.peer_down(t(20), v(2), &mut out);
    assert_eq!(types(&out), ["visibility-loss"]);
    assert_eq!(out[0].prefix, net("104.20.0.0/20"));
    assert_eq!(out[0].vantages, 2);
    assert_eq!(out[0].first_seen, t(20));
    assert!(
        wd(&mut e, 25, v(3), "104.20.0.0/20").is_empty(),
        "already lost"
    );
    // Back on two of four: 2 withdrawn of 4 still is half.
    assert!(ann(&mut e, 30, v(1), "104.20.0.0/20", &[174, 13335]).is_empty());
    let r = ann(&mut e, 40, v(3), "104.20.0.0/20", &[174, 13335]);
    assert_eq!(types(&r), ["visibility-loss-resolved"]);
    assert_eq!(r[0].first_seen, t(20));
    // More-specifics do not count for visibility.
    assert!(wd(&mut e, 50, v(4), "104.20.1.0/24").is_empty());
}

#[test]
fn peer_down_resolves_what_the_peer_carried() {
    let mut e = engine(BASE);
    assert_eq!(
        types(&ann(&mut e, 0, v(1), "104.20.2.0/24", &[174, 64512])),
        ["subprefix-hijack"]
    );
    let mut out = Vec::new();
    e.peer_down(t(5), v(1), &mut out);
    assert_eq!(types(&out), ["subprefix-hijack-resolved"]);
    assert_eq!(e.open_events(), 0);
    // A peer that never spoke going down is harmless.
    e.peer_down(t(6), v(9), &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn routes_outside_monitored_space_cost_nothing() {
    let mut e = engine(BASE);
    assert!(!e.monitors(&net("104.16.0.0/12")));
    assert!(e.monitors(&net("104.20.15.0/24")));
    assert!(ann(&mut e, 0, v(1), "104.16.0.0/12", &[174, 64512]).is_empty());
    assert!(ann(&mut e, 0, v(1), "8.8.8.0/24", &[15169]).is_empty());
    assert_eq!(e.stats().monitored_changes, 0);
}

#[test]
fn add_path_routes_of_one_vantage_are_kept_apart() {
    let mut e = engine(BASE);
    let p = net("104.20.0.0/20");
    let hijack = Arc::new(AsPath::from_sequence(&[174, 64512]));
    let good = Arc::new(AsPath::from_sequence(&[174, 13335]));
    let mut out = Vec::new();
    e.announce_path(t(0), v(1), p, Some(1), &hijack, None, &mut out);
    e.announce_path(t(0), v(1), p, Some(2), &good, None, &mut out);
    e.announce_path(t(1), v(1), p, Some(3), &hijack, None, &mut out);
    assert_eq!(types(&out), ["origin-hijack"]);
    assert_eq!(out[0].vantages, 1, "one vantage, however many paths");
    assert_eq!(e.tracked_routes(), 3);
    out.clear();
    // One of the two hijacked paths goes: the vantage still carries the event.
    e.withdraw_path(t(2), v(1), p, Some(1), &mut out);
    assert!(out.is_empty(), "{out:?}");
    e.withdraw_path(t(3), v(1), p, Some(3), &mut out);
    assert_eq!(types(&out), ["origin-hijack-resolved"]);
    out.clear();
    // Path 2 still carries the prefix: no visibility loss until it goes too.
    e.withdraw_path(t(4), v(1), p, Some(9), &mut out);
    assert!(out.is_empty(), "an unknown path id changes nothing");
    e.withdraw_path(t(5), v(1), p, Some(2), &mut out);
    assert_eq!(types(&out), ["visibility-loss"]);
    assert_eq!(e.tracked_routes(), 0);
}

#[test]
fn tracked_routes_are_bounded() {
    let mut e = engine(BASE);
    e.set_max_tracked_routes(3);
    for i in 0..5u8 {
        ann(&mut e, 0, v(1), &format!("104.20.{i}.0/24"), &[174, 13335]);
    }
    assert_eq!(e.tracked_routes(), 3);
    assert_eq!(e.stats().dropped_routes, 2);
    // A known route may still change, and a withdrawal makes room.
    let a = ann(&mut e, 1, v(1), "104.20.0.0/24", &[174, 64512]);
    assert_eq!(types(&a), ["more-specific-resolved", "subprefix-hijack"]);
    wd(&mut e, 2, v(1), "104.20.1.0/24");
    assert_eq!(e.tracked_routes(), 2);
    ann(&mut e, 3, v(1), "104.20.9.0/24", &[174, 13335]);
    assert_eq!(e.tracked_routes(), 3);
    let mut out = Vec::new();
    e.peer_down(t(4), v(1), &mut out);
    assert_eq!(e.tracked_routes(), 0);
}

#[test]
fn as_set_origins_are_never_allowed() {
    let mut e = engine(BASE);
    let mut out = Vec::new();
    e.announce(
        t(0),
        v(1),
        net("104.20.0.0/20"),
        &Arc::new(AsPath::from_hops(vec![
            Hop::Asn(174),
            Hop::Set(vec![13335, 64512].into()),
        ])),
        None,
        &mut out,
    );
    assert_eq!(types(&out), ["origin-hijack"]);
    assert_eq!(out[0].origin_asn, None);
    assert_eq!(out[0].as_path, serde_json::json!([174, [13335, 64512]]));
}

#[test]
fn alerts_become_core_events_with_a_key_per_offender() {
    let mut e = engine(BASE);
    let a = ann(&mut e, 0, v(1), "104.20.0.0/20", &[174, 64512]);
    let ev = a[0].to_event();
    assert_eq!(ev.service, Service::Routes);
    assert_eq!(ev.kind, "origin-hijack");
    assert_eq!(ev.subject, "104.20.0.0/20");
    assert_eq!(ev.dedup_key, "routes/origin-hijack/104.20.0.0/20/AS64512");
    assert_eq!(ev.time, t(0));
    assert_eq!(ev.details["origin_asn"], 64512);
    let r = wd(&mut e, 1, v(1), "104.20.0.0/20");
    let ev = r[0].to_event();
    assert!(ev.is_resolution());
    assert_eq!(ev.severity, parapet_core::Severity::Info);
    assert_ne!(ev.dedup_key, a[0].to_event().dedup_key);
}

#[test]
fn json_has_the_contract_fields() {
    let mut e = engine(BASE);
    let a = ann(&mut e, 0, v(1), "104.20.0.0/20", &[174, 64512]);
    let j = serde_json::to_value(&a[0]).unwrap();
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
        "peers",
    ] {
        assert!(j.get(key).is_some(), "missing {key} in {j}");
    }
    assert_eq!(j["type"], "origin-hijack");
    assert_eq!(j["prefix"], "104.20.0.0/20");
    assert_eq!(j["first_seen"], t(0).to_string());
    assert_eq!(j["peers"][0]["asn"], 64601);
}

#[derive(Debug, Clone)]
enum Op {
    Ann(u8, u8, u8),
    Wd(u8, u8),
    Down(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, 0u8..3, 0u8..4).prop_map(|(v, p, o)| Op::Ann(v, p, o)),
        (0u8..4, 0u8..3).prop_map(|(v, p)| Op::Wd(v, p)),
        (0u8..4).prop_map(Op::Down),
    ]
}

proptest! {
    /// Whatever the vantages do, an event alerts at most once until it resolves, resolves
    /// only after it alerted, and nothing is left open once every vantage is down.
    #[test]
    fn events_alternate_between_alert_and_resolution(ops in proptest::collection::vec(op(), 0..60), min in 1usize..3) {
        let mut e = engine(&format!("[routes]\nmin_vantages = {min}\n{BASE}"));
        let prefixes = ["104.20.0.0/20", "104.20.1.0/24", "104.20.8.0/21"];
        let origins: [Asn; 4] = [13335, 64512, 64513, 13335];
        let mut open = std::collections::HashSet::new();
        let mut all = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let time = i as i64;
            let out = match *op {
                Op::Ann(vn, p, o) => ann(&mut e, time, v(vn), prefixes[p as usize], &[174, origins[o as usize]]),
                Op::Wd(vn, p) => wd(&mut e, time, v(vn), prefixes[p as usize]),
                Op::Down(vn) => { let mut out = Vec::new(); e.peer_down(t(time), v(vn), &mut out); out }
            };
            all.extend(out);
        }
        let mut out = Vec::new();
        for vn in 0..4 { e.peer_down(t(1000), v(vn), &mut out); }
        all.extend(out);
        for a in &all {
            let key = (a.kind, a.prefix, a.offender_asn);
            if a.resolved {
                prop_assert!(open.remove(&key), "resolved without an alert: {:?}", a);
            } else {
                prop_assert!(open.insert(key), "alerted twice: {:?}", a);
                prop_assert!(a.vantages >= min);
                prop_assert!(a.first_seen <= a.time);
            }
        }
        // Visibility loss may stay open once everything is down; nothing else may.
        prop_assert!(open.iter().all(|k| k.0 == AlertKind::VisibilityLoss), "{:?}", open);
        prop_assert_eq!(e.open_events(), 0);
    }
}

fn run(min: usize, ops: &[Op]) -> Vec<Alert> {
    let mut e = engine(&format!("[routes]\nmin_vantages = {min}\n{BASE}"));
    let prefixes = ["104.20.0.0/20", "104.20.1.0/24", "104.20.8.0/21"];
    let origins: [Asn; 4] = [13335, 64512, 64513, 13335];
    let mut all = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let time = i as i64;
        all.extend(match *op {
            Op::Ann(vn, p, o) => ann(
                &mut e,
                time,
                v(vn),
                prefixes[p as usize],
                &[174, origins[o as usize]],
            ),
            Op::Wd(vn, p) => wd(&mut e, time, v(vn), prefixes[p as usize]),
            Op::Down(vn) => {
                let mut out = Vec::new();
                e.peer_down(t(time), v(vn), &mut out);
                out
            }
        });
    }
    all
}

proptest! {
    /// Demanding more vantages never raises an event that fewer would not have raised.
    #[test]
    fn more_vantages_never_add_alerts(ops in proptest::collection::vec(op(), 0..60)) {
        let key = |a: &Alert| (a.kind, a.prefix, a.offender_asn);
        let one: std::collections::HashSet<_> = run(1, &ops).iter().filter(|a| !a.resolved).map(key).collect();
        let two: std::collections::HashSet<_> = run(2, &ops).iter().filter(|a| !a.resolved).map(key).collect();
        prop_assert!(two.is_subset(&one), "{:?} not in {:?}", two, one);
    }

    /// The operator's own routes over allowed upstreams, with any prepending and churn,
    /// raise nothing.
    #[test]
    fn legitimate_routes_never_alert(
        routes in proptest::collection::vec((0u8..6, 0usize..2, 1usize..4, 0u8..3), 1..40),
    ) {
        let toml = BASE.replace("origins = [13335]", "origins = [13335]\nupstreams = [174, 3356]\nmore_specifics = \"allow\"");
        let mut e = engine(&toml);
        let prefixes = ["104.20.0.0/20", "104.20.4.0/22", "104.20.15.0/24"];
        for (i, (vn, up, prepends, p)) in routes.into_iter().enumerate() {
            let mut path = vec![64_600 + u32::from(vn), [174, 3356][up]];
            path.extend(std::iter::repeat_n(13335, prepends));
            let out = ann(&mut e, i as i64, v(vn), prefixes[p as usize], &path);
            prop_assert!(out.is_empty(), "{:?}", out);
        }
    }
}

proptest! {
    /// Changing the RPKI data while routes are tracked leaves the engine with the events
    /// an engine that had the new data from the start would have: nothing is left open or
    /// lost by a reload.
    #[test]
    fn a_reload_ends_where_a_fresh_start_would(
        routes in proptest::collection::vec((0u8..4, 0usize..3, 0usize..3), 1..30),
        before in 0usize..3,
        after in 0usize..3,
    ) {
        let files: [&[u8]; 3] = [
            br#"{"roas": []}"#,
            br#"{"roas": [{"asn": 13335, "prefix": "104.20.0.0/20", "maxLength": 24}]}"#,
            br#"{"roas": [{"asn": 64512, "prefix": "104.20.0.0/20", "maxLength": 20}]}"#,
        ];
        let data = |i: usize| Some(RpkiData::from_json(files[i]).unwrap());
        let prefixes = ["104.20.0.0/20", "104.20.1.0/24", "104.20.8.0/21"];
        let origins: [Asn; 3] = [13335, 64512, 64513];
        let mut reloaded = engine_with(BASE, data(before), None);
        let mut fresh = engine_with(BASE, data(after), None);
        let mut open = std::collections::HashSet::new();
        let track = |alerts: Vec<Alert>, open: &mut std::collections::HashSet<_>| {
            for a in alerts {
                let key = (a.kind, a.prefix, a.offender_asn);
                if a.resolved { open.remove(&key); } else { open.insert(key); }
            }
        };
        let mut fresh_open = std::collections::HashSet::new();
        for (i, (vn, p, o)) in routes.iter().enumerate() {
            let path = [174, origins[*o]];
            track(ann(&mut reloaded, i as i64, v(*vn), prefixes[*p], &path), &mut open);
            track(ann(&mut fresh, i as i64, v(*vn), prefixes[*p], &path), &mut fresh_open);
        }
        let mut out = Vec::new();
        reloaded.set_rpki(t(1000), data(after), &mut out);
        track(out, &mut open);
        prop_assert_eq!(&open, &fresh_open);
        prop_assert_eq!(reloaded.open_events(), fresh.open_events());
        prop_assert_eq!(
            reloaded.routes(&net("104.20.0.0/20"), true).iter().map(|r| (r.prefix, r.rpki, r.events.clone())).collect::<Vec<_>>(),
            fresh.routes(&net("104.20.0.0/20"), true).iter().map(|r| (r.prefix, r.rpki, r.events.clone())).collect::<Vec<_>>()
        );
    }
}

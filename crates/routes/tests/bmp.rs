//! BMP: framing, decoding (a real FRR capture and messages written here with bgpkit-parser's
//! BGP encoder), the station's life cycle of routers and peers (session resets, hold time,
//! resync, peer up and down, silence), and the listener over real TCP with several routers.
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bgpkit_parser::models::{
    AsPath as BgpAsPath, AsnLength, AttributeValue, Attributes, BgpMessage, BgpOpenMessage,
    BgpUpdateMessage, NetworkPrefix, Origin,
};
use bytes::BytesMut;
use parapet_core::Timestamp;
use parapet_routes::bmp::{self, Input, MonitoredSpace, Record, Station, Timing};
use parapet_routes::{Engine, Report, RouteChange, RoutesError, View};

const CONFIG: &str = r#"
[[routes.prefixes]]
prefix = "192.0.2.0/24"
origins = [64500]
"#;

fn config(extra: &str) -> parapet_config::Routes {
    let c = parapet_config::Config::from_str(
        &format!("{extra}{CONFIG}"),
        Path::new("/etc/parapet/t.toml"),
    )
    .unwrap();
    c.routes.unwrap()
}

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_700_000_000 + s)
}

// ---------------------------------------------------------------- a small BMP encoder

const PRE: u8 = 0;
const POST: u8 = 0x40;

fn message(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![3];
    m.extend_from_slice(&u32::try_from(body.len() + 6).unwrap().to_be_bytes());
    m.push(msg_type);
    m.extend_from_slice(body);
    m
}

fn per_peer(flags: u8, peer: Ipv4Addr, asn: u32) -> Vec<u8> {
    per_peer_of(0, flags, peer, asn)
}

/// A per-peer header of peer type `peer_type` (0 global instance, 3 Loc-RIB, RFC 9069).
fn per_peer_of(peer_type: u8, flags: u8, peer: Ipv4Addr, asn: u32) -> Vec<u8> {
    let mut h = vec![peer_type, flags];
    h.extend_from_slice(&[0; 8]);
    h.extend_from_slice(&[0; 12]);
    h.extend_from_slice(&peer.octets());
    h.extend_from_slice(&asn.to_be_bytes());
    h.extend_from_slice(&peer.octets());
    h.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    h.extend_from_slice(&0u32.to_be_bytes());
    h
}

fn initiation(name: &str) -> Vec<u8> {
    let mut b = vec![0, 2];
    b.extend_from_slice(&u16::try_from(name.len()).unwrap().to_be_bytes());
    b.extend_from_slice(name.as_bytes());
    message(4, &b)
}

fn open(asn: u32) -> Vec<u8> {
    BgpMessage::Open(BgpOpenMessage {
        version: 4,
        asn: asn.into(),
        hold_time: 180,
        bgp_identifier: Ipv4Addr::new(10, 0, 0, 1),
        extended_length: false,
        opt_params: vec![],
    })
    .encode(AsnLength::Bits32)
    .unwrap()
    .to_vec()
}

fn peer_up(peer: Ipv4Addr, asn: u32) -> Vec<u8> {
    let mut b = per_peer(0, peer, asn);
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&[127, 0, 0, 1]);
    b.extend_from_slice(&179u16.to_be_bytes());
    b.extend_from_slice(&40000u16.to_be_bytes());
    b.extend(open(65000));
    b.extend(open(asn));
    message(3, &b)
}

fn peer_down(peer: Ipv4Addr, asn: u32) -> Vec<u8> {
    let mut b = per_peer(0, peer, asn);
    b.push(4); // remote system closed, no data
    message(2, &b)
}

fn update(flags: u8, peer: Ipv4Addr, asn: u32, u: BgpUpdateMessage) -> Vec<u8> {
    update_of(0, flags, peer, asn, u)
}

fn update_of(peer_type: u8, flags: u8, peer: Ipv4Addr, asn: u32, u: BgpUpdateMessage) -> Vec<u8> {
    let mut b = per_peer_of(peer_type, flags, peer, asn);
    b.extend_from_slice(&BgpMessage::Update(u).encode(AsnLength::Bits32).unwrap());
    message(0, &b)
}

fn announce(flags: u8, peer: Ipv4Addr, asn: u32, prefix: &str, path: &[u32]) -> Vec<u8> {
    announce_of(0, flags, peer, asn, prefix, path)
}

fn announce_of(
    peer_type: u8,
    flags: u8,
    peer: Ipv4Addr,
    asn: u32,
    prefix: &str,
    path: &[u32],
) -> Vec<u8> {
    let attrs = vec![
        AttributeValue::Origin(Origin::IGP),
        AttributeValue::AsPath(BgpAsPath::from_sequence(path)),
        AttributeValue::NextHop(IpAddr::V4(peer)),
    ];
    update_of(
        peer_type,
        flags,
        peer,
        asn,
        BgpUpdateMessage {
            withdrawn_prefixes: vec![],
            attributes: Attributes::from_iter(attrs),
            announced_prefixes: vec![NetworkPrefix::new(prefix.parse().unwrap(), None)],
        },
    )
}

fn withdraw(flags: u8, peer: Ipv4Addr, asn: u32, prefix: &str) -> Vec<u8> {
    update(
        flags,
        peer,
        asn,
        BgpUpdateMessage {
            withdrawn_prefixes: vec![NetworkPrefix::new(prefix.parse().unwrap(), None)],
            attributes: Attributes::default(),
            announced_prefixes: vec![],
        },
    )
}

fn end_of_rib(flags: u8, peer: Ipv4Addr, asn: u32) -> Vec<u8> {
    update(
        flags,
        peer,
        asn,
        BgpUpdateMessage {
            withdrawn_prefixes: vec![],
            attributes: Attributes::default(),
            announced_prefixes: vec![],
        },
    )
}

// ---------------------------------------------------------------- framing and decoding

#[test]
fn frames_wait_for_whole_messages_and_refuse_what_is_not_bmp() {
    let m = initiation("r1");
    let mut buf = BytesMut::from(&m[..4]);
    assert_eq!(bmp::next_frame(&mut buf).unwrap(), None);
    buf.extend_from_slice(&m[4..m.len() - 1]);
    assert_eq!(bmp::next_frame(&mut buf).unwrap(), None);
    buf.extend_from_slice(&m[m.len() - 1..]);
    buf.extend_from_slice(&m[..3]);
    assert_eq!(bmp::next_frame(&mut buf).unwrap().unwrap().len(), m.len());
    assert_eq!(buf.len(), 3, "the next message's bytes stay");

    let mut v2 = BytesMut::from(&[2u8, 0, 0, 0, 6, 4][..]);
    assert!(matches!(
        bmp::next_frame(&mut v2),
        Err(RoutesError::BmpVersion(2))
    ));
    // An absurd length is refused from the header alone, before anything is buffered.
    let mut huge = BytesMut::from(&[3u8, 0x7f, 0xff, 0xff, 0xff, 0][..]);
    assert!(matches!(
        bmp::next_frame(&mut huge),
        Err(RoutesError::BmpLength(0x7fff_ffff))
    ));
    assert!(huge.capacity() < 1024);
    let mut short = BytesMut::from(&[3u8, 0, 0, 0, 5, 0][..]);
    assert!(matches!(
        bmp::next_frame(&mut short),
        Err(RoutesError::BmpLength(5))
    ));
}

#[test]
fn a_real_frr_session_decodes() {
    let bytes = std::fs::read(
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(
                || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
                std::path::PathBuf::from,
            )
            .join("testdata/frr-8.4-session.bmp"),
    )
    .unwrap();
    let space = MonitoredSpace::new(&config(""));
    let router: IpAddr = "127.0.0.1".parse().unwrap();
    let mut buf = BytesMut::from(&bytes[..]);
    let mut records = Vec::new();
    while let Some(frame) = bmp::next_frame(&mut buf).unwrap() {
        records.push(bmp::decode(frame, router, &space).unwrap());
    }
    assert!(buf.is_empty());
    assert_eq!(records.len(), 7);
    assert_eq!(
        records[0],
        Record::Initiation {
            sys_name: Some("r1".into())
        }
    );
    assert!(matches!(records[1], Record::PeerDown { .. }));
    let Record::PeerUp { vantage, local_asn } = &records[2] else {
        panic!("peer up: {:?}", records[2])
    };
    assert_eq!(*local_asn, Some(65000));
    assert_eq!(vantage.asn, 64666);
    assert_eq!(vantage.address, "127.0.0.2".parse::<IpAddr>().unwrap());
    assert_eq!(vantage.router, Some(router));
    let mut views = Vec::new();
    let mut monitored = Vec::new();
    for r in &records[3..] {
        let Record::Routes {
            vantage,
            changes,
            prefixes,
        } = r
        else {
            panic!("route monitoring: {r:?}")
        };
        assert_eq!(*prefixes, 1);
        views.push(vantage.view);
        for c in changes {
            monitored.push(match c {
                RouteChange::Announce { prefix, path, .. } => format!("+{prefix} {path}"),
                RouteChange::Withdraw { prefix, .. } => format!("-{prefix}"),
                RouteChange::PeerDown => unreachable!("not from an UPDATE"),
            });
        }
    }
    assert_eq!(
        views,
        [
            View::PostPolicy,
            View::PrePolicy,
            View::PostPolicy,
            View::PrePolicy
        ]
    );
    // 198.51.100.0/24 is outside monitored space: decoded, counted, not passed on. (The
    // pre-policy messages of this capture are withdrawals: FRR keeps no Adj-RIB-In without
    // soft-reconfiguration. FRR 8.4 also puts its own AS, 65000, in front of post-policy
    // paths; the origin is unchanged.)
    assert_eq!(monitored, ["+192.0.2.0/25 65000 64666", "-192.0.2.0/25"]);
}

#[test]
fn malformed_and_unknown_messages_are_errors_or_ignored_never_panics() {
    let space = MonitoredSpace::new(&config(""));
    let router: IpAddr = "127.0.0.1".parse().unwrap();
    // An unknown message type (RFC 7854: ignore it).
    let unknown = message(42, &[1, 2, 3]);
    let mut buf = BytesMut::from(&unknown[..]);
    let frame = bmp::next_frame(&mut buf).unwrap().unwrap();
    assert_eq!(bmp::decode(frame, router, &space).unwrap(), Record::Ignored);
    // A route monitoring message cut short inside its BGP UPDATE.
    let mut m = announce(
        POST,
        Ipv4Addr::new(10, 0, 0, 2),
        64666,
        "192.0.2.0/24",
        &[64666],
    );
    m.truncate(m.len() - 5);
    let len = u32::try_from(m.len()).unwrap().to_be_bytes();
    m[1..5].copy_from_slice(&len);
    let mut buf = BytesMut::from(&m[..]);
    let frame = bmp::next_frame(&mut buf).unwrap().unwrap();
    assert!(bmp::decode(frame, router, &space).is_err());
}

// ---------------------------------------------------------------- the station

struct World {
    engine: Engine,
    station: Station,
    space: MonitoredSpace,
    now: i64,
}

const R1: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10));
const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PEER2: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 3);

impl World {
    fn new(extra: &str) -> World {
        let c = config(extra);
        World {
            engine: Engine::new(&c, None, None),
            station: Station::new(Timing {
                hold_time: Duration::from_secs(300),
                resync_timeout: Duration::from_secs(60),
                silence_timeout: Some(Duration::from_secs(600)),
            }),
            space: MonitoredSpace::new(&c),
            now: 0,
        }
    }

    fn input(&mut self, input: Input) -> Vec<String> {
        let mut out = Vec::new();
        self.station
            .handle(&mut self.engine, input, t(self.now), &mut out);
        kinds(&out)
    }

    fn connect(&mut self, conn: u64) -> Vec<String> {
        self.input(Input::Connected { router: R1, conn })
    }

    fn send(&mut self, conn: u64, bytes: &[u8]) -> Vec<String> {
        let mut buf = BytesMut::from(bytes);
        let mut got = Vec::new();
        while let Some(frame) = bmp::next_frame(&mut buf).unwrap() {
            let input = match bmp::decode(frame, R1, &self.space) {
                Ok(record) => Input::Record {
                    router: R1,
                    conn,
                    record,
                },
                Err(e) => Input::Malformed {
                    router: R1,
                    conn,
                    error: e.to_string(),
                },
            };
            got.extend(self.input(input));
        }
        got
    }

    /// The JSON of the reports `bytes` raise.
    fn station_alerts(&mut self, conn: u64, bytes: &[u8]) -> Vec<serde_json::Value> {
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(frame) = bmp::next_frame(&mut buf).unwrap() {
            let record = bmp::decode(frame, R1, &self.space).unwrap();
            self.station.handle(
                &mut self.engine,
                Input::Record {
                    router: R1,
                    conn,
                    record,
                },
                t(self.now),
                &mut out,
            );
        }
        out.iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect()
    }

    fn close(&mut self, conn: u64) -> Vec<String> {
        self.input(Input::Closed {
            router: R1,
            conn,
            reason: "closed by the router".into(),
            not_bmp: false,
        })
    }

    fn tick(&mut self, secs: i64) -> Vec<String> {
        self.now += secs;
        let mut out = Vec::new();
        self.station.tick(&mut self.engine, t(self.now), &mut out);
        kinds(&out)
    }
}

fn kinds(out: &[Report]) -> Vec<String> {
    out.iter().map(|r| r.kind_str().to_owned()).collect()
}

fn hello() -> Vec<u8> {
    let mut m = initiation("r1");
    m.extend(peer_up(PEER, 64666));
    m
}

#[test]
fn a_hijack_streamed_by_bmp_alerts_and_resolves() {
    let mut w = World::new("");
    assert!(w.connect(1).is_empty());
    assert!(w.send(1, &hello()).is_empty());
    assert_eq!(
        w.send(
            1,
            &announce(POST, PEER, 64666, "192.0.2.0/24", &[64666, 64999])
        ),
        ["origin-hijack"]
    );
    // The pre-policy view of the same peer carries the same event: no second alert.
    assert!(w
        .send(
            1,
            &announce(PRE, PEER, 64666, "192.0.2.0/24", &[64666, 64999])
        )
        .is_empty());
    assert!(
        w.send(1, &withdraw(POST, PEER, 64666, "192.0.2.0/24"))
            .is_empty(),
        "the pre-policy view still carries it: neither resolved nor lost"
    );
    let mut got = w.send(1, &withdraw(PRE, PEER, 64666, "192.0.2.0/24"));
    got.sort();
    assert_eq!(got, ["origin-hijack-resolved", "visibility-loss"]);
    assert_eq!(w.station.stats().route_changes, 4);
}

#[test]
fn two_views_of_one_peer_are_one_vantage_for_min_vantages() {
    let mut w = World::new("[routes]\nmin_vantages = 2\n");
    w.connect(1);
    w.send(1, &hello());
    w.send(1, &peer_up(PEER2, 64777));
    assert!(w
        .send(
            1,
            &announce(POST, PEER, 64666, "192.0.2.0/25", &[64666, 64999])
        )
        .is_empty());
    assert!(
        w.send(
            1,
            &announce(PRE, PEER, 64666, "192.0.2.0/25", &[64666, 64999])
        )
        .is_empty(),
        "pre- and post-policy of one peer are one peer"
    );
    assert_eq!(
        w.send(
            1,
            &announce(PRE, PEER2, 64777, "192.0.2.0/25", &[64777, 64999])
        ),
        ["subprefix-hijack"]
    );
}

/// A router's Loc-RIB (RFC 9069, peer type 3) and Adj-RIB-Out (RFC 8671, the O flag)
/// repeat what one of its peers sent: beside that peer's own view they are no second
/// vantage for `min_vantages`.
#[test]
fn loc_rib_and_adj_rib_out_of_one_router_are_no_second_vantage() {
    const LOC_RIB: u8 = 3;
    const ADJ_RIB_OUT_POST: u8 = 0x10 | POST;
    let mut w = World::new("[routes]\nmin_vantages = 2\n");
    w.connect(1);
    w.send(1, &hello());
    w.send(1, &peer_up(PEER2, 64777));
    assert!(w
        .send(
            1,
            &announce(PRE, PEER, 64666, "192.0.2.0/25", &[64666, 64999])
        )
        .is_empty());
    assert!(
        w.send(
            1,
            &announce_of(
                LOC_RIB,
                0,
                Ipv4Addr::UNSPECIFIED,
                65000,
                "192.0.2.0/25",
                &[64666, 64999]
            )
        )
        .is_empty(),
        "the router's best path is the peer's route"
    );
    assert!(
        w.send(
            1,
            &announce(
                ADJ_RIB_OUT_POST,
                PEER2,
                64777,
                "192.0.2.0/25",
                &[65000, 64666, 64999]
            )
        )
        .is_empty(),
        "what the router sends on is the same observation"
    );
    assert_eq!(
        w.send(
            1,
            &announce(PRE, PEER2, 64777, "192.0.2.0/25", &[64777, 64999])
        ),
        ["subprefix-hijack"],
        "a second peer is a second vantage"
    );
}

#[test]
fn a_session_reset_keeps_live_routes_and_withdraws_vanished_ones_at_end_of_rib() {
    let mut w = World::new("");
    w.connect(1);
    w.send(1, &hello());
    assert_eq!(
        w.send(
            1,
            &announce(POST, PEER, 64666, "192.0.2.0/25", &[64666, 64999])
        ),
        ["subprefix-hijack"]
    );
    assert_eq!(
        w.send(
            1,
            &announce(POST, PEER, 64666, "192.0.2.128/25", &[64666, 64998])
        ),
        ["subprefix-hijack"]
    );
    w.now += 5;
    assert_eq!(w.close(1), ["feed-down"], "detection is blind: say so");
    // Messages of the closed session that were still queued change nothing.
    assert!(w
        .send(1, &withdraw(POST, PEER, 64666, "192.0.2.0/25"))
        .is_empty());
    assert_eq!(
        w.engine.open_events(),
        2,
        "routes are kept while the router is away"
    );
    w.now += 5;
    assert_eq!(w.connect(2), ["feed-down-resolved"]);
    let mut resync = hello();
    // Still there: no alert, and no resolution either.
    resync.extend(announce(POST, PEER, 64666, "192.0.2.0/25", &[64666, 64999]));
    assert!(w.send(2, &resync).is_empty());
    // The other route was withdrawn while the session was down: gone at End-of-RIB.
    assert_eq!(
        w.send(2, &end_of_rib(POST, PEER, 64666)),
        ["subprefix-hijack-resolved"]
    );
    assert_eq!(w.engine.open_events(), 1);
    assert_eq!(w.station.stats().stale_withdrawn, 1);
    assert!(w.tick(120).is_empty(), "nothing left to sweep");
}

#[test]
fn a_resync_without_end_of_rib_sweeps_at_the_timeout_and_missing_peers_are_down() {
    let mut w = World::new("");
    w.connect(1);
    w.send(1, &hello());
    w.send(1, &peer_up(PEER2, 64777));
    w.send(
        1,
        &announce(POST, PEER, 64666, "192.0.2.0/25", &[64666, 64999]),
    );
    w.send(
        1,
        &announce(POST, PEER2, 64777, "192.0.2.0/24", &[64777, 64500]),
    );
    w.close(1);
    w.connect(2);
    // Only the first peer comes back, with nothing in monitored space.
    w.send(2, &hello());
    assert!(w.tick(30).is_empty(), "still within resync_timeout");
    let mut got = w.tick(31);
    got.sort();
    assert_eq!(
        got,
        ["peer-down", "subprefix-hijack-resolved", "visibility-loss"],
        "the swept hijack resolves; PEER2 never came up: its session is down, and with it the only route to the prefix"
    );
}

#[test]
fn a_router_that_does_not_return_is_forgotten_without_a_visibility_alarm() {
    let mut w = World::new("");
    w.connect(1);
    w.send(1, &hello());
    w.send(
        1,
        &announce(POST, PEER, 64666, "192.0.2.0/24", &[64666, 64500]),
    );
    w.send(
        1,
        &announce(POST, PEER, 64666, "192.0.2.0/25", &[64666, 64999]),
    );
    assert_eq!(w.close(1), ["feed-down"]);
    assert!(w.tick(299).is_empty());
    assert_eq!(
        w.tick(1),
        ["subprefix-hijack-resolved"],
        "the events end; the prefix is not 'lost' because a feed is"
    );
    assert_eq!(w.engine.tracked_routes(), 0);
    // It comes back much later: a fresh start, no stale routes to sweep.
    assert_eq!(w.connect(2), ["feed-down-resolved"]);
    assert!(w.tick(120).is_empty());
}

#[test]
fn peer_down_withdraws_every_view_and_peer_up_resolves_it() {
    let mut w = World::new("");
    w.connect(1);
    w.send(1, &hello());
    w.send(
        1,
        &announce(POST, PEER, 64666, "192.0.2.0/25", &[64666, 64999]),
    );
    w.send(
        1,
        &announce(PRE, PEER, 64666, "192.0.2.0/25", &[64666, 64999]),
    );
    let mut got = w.send(1, &peer_down(PEER, 64666));
    got.sort();
    assert_eq!(got, ["peer-down", "subprefix-hijack-resolved"]);
    assert_eq!(w.engine.tracked_routes(), 0);
    assert_eq!(w.send(1, &peer_up(PEER, 64666)), ["peer-down-resolved"]);
    // A peer never seen up whose connection attempt failed: no outage.
    assert!(w.send(1, &peer_down(PEER2, 64777)).is_empty());
}

/// FRR 8.4 puts its own AS in front of post-policy paths; it must not read as the
/// origin's upstream.
#[test]
fn the_exporters_own_as_in_front_of_a_path_is_dropped() {
    let mut w = World::new("");
    w.connect(1);
    w.send(1, &hello());
    // The peer-up's sent OPEN says the router is AS65000.
    let alerts = w.station_alerts(
        1,
        &announce(POST, PEER, 64666, "192.0.2.0/25", &[65000, 64666, 64999]),
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["as_path"], serde_json::json!([64666, 64999]));
    // Another AS in front is kept.
    let alerts = w.station_alerts(
        1,
        &announce(POST, PEER, 64666, "192.0.2.128/25", &[64666, 64998]),
    );
    assert_eq!(alerts[0]["as_path"], serde_json::json!([64666, 64998]));
}

#[test]
fn a_silent_router_raises_feed_down_until_it_talks_again() {
    let mut w = World::new("");
    w.connect(1);
    w.send(1, &hello());
    assert!(w.tick(599).is_empty());
    assert_eq!(w.tick(1), ["feed-down"]);
    assert!(w.tick(600).is_empty(), "once");
    assert_eq!(
        w.send(1, &end_of_rib(POST, PEER, 64666)),
        ["feed-down-resolved"]
    );
}

#[test]
fn malformed_messages_are_counted_and_the_session_goes_on() {
    let mut w = World::new("");
    w.connect(1);
    w.send(1, &hello());
    let mut bad = announce(POST, PEER, 64666, "192.0.2.0/24", &[64666]);
    // The UPDATE's path attribute length runs past the message.
    bad[6 + 42 + 19 + 2] = 0xff;
    bad[6 + 42 + 19 + 3] = 0xff;
    let mut stream = bad;
    stream.extend(announce(POST, PEER, 64666, "192.0.2.0/25", &[64666, 64999]));
    assert_eq!(w.send(1, &stream), ["subprefix-hijack"]);
    assert_eq!(w.station.stats().malformed, 1);
}

// ---------------------------------------------------------------- the listener, over TCP

/// Several routers at once over real sockets: one sends bytes that are not BMP and is
/// closed; the other's hijack still alerts.
#[tokio::test]
async fn the_listener_serves_several_routers_and_closes_only_the_broken_one() {
    use tokio::io::AsyncWriteExt;
    let c = config("");
    let listener = bmp::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let server = tokio::spawn(bmp::serve(
        listener,
        bmp::ListenOptions {
            routers: vec!["127.0.0.0/8".parse().unwrap()],
            max_routers: 8,
        },
        Arc::new(MonitoredSpace::new(&c)),
        tx,
    ));
    let connect_from = |src: [u8; 4]| async move {
        let s = tokio::net::TcpSocket::new_v4().unwrap();
        s.bind(SocketAddr::from((src, 0))).unwrap();
        s.connect(addr).await.unwrap()
    };
    let mut good = connect_from([127, 0, 0, 2]).await;
    let mut broken = connect_from([127, 0, 0, 3]).await;
    broken.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    good.write_all(&hello()).await.unwrap();
    good.write_all(&announce(
        POST,
        PEER,
        64666,
        "192.0.2.0/24",
        &[64666, 64999],
    ))
    .await
    .unwrap();

    let mut engine = Engine::new(&c, None, None);
    let mut station = Station::new(Timing {
        hold_time: Duration::from_secs(300),
        resync_timeout: Duration::from_secs(60),
        silence_timeout: None,
    });
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(seen.iter().any(|k| k == "origin-hijack") && seen.iter().any(|k| k == "feed-down")) {
        let input = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("inputs within 10 s")
            .unwrap();
        let mut out = Vec::new();
        station.handle(&mut engine, input, Timestamp::now(), &mut out);
        for r in &out {
            if let Report::Feed(f) = r {
                assert_eq!(
                    f.router,
                    Some("127.0.0.3".parse::<IpAddr>().unwrap()),
                    "only the broken router's feed is down"
                );
            }
        }
        seen.extend(kinds(&out));
    }
    assert_eq!(station.stats().framing_errors, 1);
    assert_eq!(station.connected_routers(), 1);
    server.abort();
}

//! The MRT fixtures under `testdata/`: written by this file with bgpkit-parser's encoders,
//! one scenario per alert type, one per historical incident (rebuilt from public facts),
//! and scenarios that must raise nothing.
//!
//! - `committed_fixtures_are_what_the_generator_writes` fails when a committed file differs
//!   from what the scenarios below encode; `PARAPET_WRITE_FIXTURES=1 cargo test -p
//!   parapet-routes --test fixtures` rewrites them.
//! - `replay_raises_exactly_the_expected_alerts` replays each file in process with its
//!   config and compares (type, prefix, offender) with the scenario's hand-written list.
//! - `bgpdump_decodes_the_fixtures_the_same_way` runs Debian's `bgpdump -m` (an
//!   independent MRT decoder) and compares its announcements and withdrawals with the
//!   scenario's.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use bgpkit_parser::models::{
    Afi, AsPath as WirePath, AsPathSegment, Asn as WireAsn, AttributeValue, Attributes, Bgp4MpEnum,
    Bgp4MpMessage, Bgp4MpStateChange, Bgp4MpType, BgpMessage, BgpState, BgpUpdateMessage,
    CommonHeader, EntryType, MrtMessage, MrtRecord, NetworkPrefix, NextHopAddress, Nlri, Origin,
    Peer as WirePeer, PeerIndexTable, RibAfiEntries, RibEntry, Safi, TableDumpV2Message,
    TableDumpV2Type,
};
use ipnet::IpNet;
use parapet_routes::{Engine, MrtReplay};

// ------------------------------------------------------------------ scenario language

#[derive(Clone, Copy, Debug)]
struct Peer {
    asn: u32,
    ip: &'static str,
}

impl Peer {
    fn addr(&self) -> IpAddr {
        self.ip.parse().unwrap()
    }
}

/// How the collector recorded the session.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Session {
    /// BGP4MP_ET, MESSAGE_AS4 (RIS today).
    As4Et,
    /// BGP4MP, MESSAGE_AS4 (RouteViews today).
    As4,
    /// BGP4MP, MESSAGE: a 2-octet session; 4-octet ASNs travel in AS4_PATH.
    As2,
}

#[derive(Clone, Debug)]
enum Seg {
    Seq(Vec<u32>),
    Set(Vec<u32>),
}

#[derive(Clone, Debug)]
enum Op {
    Announce {
        prefixes: Vec<&'static str>,
        path: Vec<Seg>,
        otc: Option<u32>,
    },
    Withdraw(Vec<&'static str>),
    Down,
    /// One TABLE_DUMP_V2 dump: (peer, prefix, path) entries.
    Rib(Vec<(Peer, &'static str, Vec<u32>)>),
    /// A record whose body does not decode.
    Garbage,
}

#[derive(Clone, Debug)]
struct Step {
    time: u32,
    peer: Peer,
    session: Session,
    op: Op,
}

#[derive(Clone, Copy, Debug)]
enum Compression {
    None,
    Gzip,
    Bzip2,
}

struct Scenario {
    file: &'static str,
    config: &'static str,
    compression: Compression,
    steps: Vec<Step>,
    /// (type, prefix, offender), in order.
    expect: Vec<(&'static str, &'static str, Option<u32>)>,
}

fn seq(p: &[u32]) -> Vec<Seg> {
    vec![Seg::Seq(p.to_vec())]
}

fn ann(time: u32, peer: Peer, session: Session, prefixes: &[&'static str], path: &[u32]) -> Step {
    Step {
        time,
        peer,
        session,
        op: Op::Announce {
            prefixes: prefixes.to_vec(),
            path: seq(path),
            otc: None,
        },
    }
}

fn wd(time: u32, peer: Peer, session: Session, prefixes: &[&'static str]) -> Step {
    Step {
        time,
        peer,
        session,
        op: Op::Withdraw(prefixes.to_vec()),
    }
}

/// 2023-11-14T22:13:20Z.
const T0: u32 = 1_700_000_000;
const ET: Session = Session::As4Et;

const A: Peer = Peer {
    asn: 65001,
    ip: "100.64.0.1",
};
const B: Peer = Peer {
    asn: 65002,
    ip: "100.64.0.2",
};
const C: Peer = Peer {
    asn: 65003,
    ip: "100.64.0.3",
};
const D: Peer = Peer {
    asn: 65004,
    ip: "2001:db8:ffff::4",
};
const E: Peer = Peer {
    asn: 65005,
    ip: "2001:db8:ffff::5",
};
const F: Peer = Peer {
    asn: 65006,
    ip: "100.64.0.6",
};
const OWN1: Peer = Peer {
    asn: 64500,
    ip: "100.64.0.10",
};
const OWN2: Peer = Peer {
    asn: 64500,
    ip: "100.64.0.11",
};

const P1: &str = "198.51.100.0/24";
const P2: &str = "203.0.113.0/24";
const P3: &str = "2001:db8:100::/40";
const P4: &str = "192.0.2.0/24";

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            file: "origin-hijack.mrt",
            config: "operator.toml",
            compression: Compression::None,
            steps: vec![
                ann(T0, A, ET, &[P1], &[65001, 64510, 64500]),
                ann(T0, B, ET, &[P1], &[65002, 64511, 64500]),
                ann(T0 + 60, A, ET, &[P1], &[65001, 64666]),
                ann(T0 + 90, B, ET, &[P1], &[65002, 3356, 64666]),
                ann(T0 + 600, A, ET, &[P1], &[65001, 64510, 64500]),
                ann(T0 + 660, B, ET, &[P1], &[65002, 64511, 64500]),
            ],
            expect: vec![
                ("origin-hijack", P1, Some(64666)),
                ("origin-hijack-resolved", P1, Some(64666)),
            ],
        },
        Scenario {
            file: "subprefix-hijack.mrt.gz",
            config: "operator.toml",
            compression: Compression::Gzip,
            steps: vec![
                ann(T0, A, ET, &[P2], &[65001, 64510, 64500]),
                ann(T0, B, ET, &[P2], &[65002, 64511, 64500]),
                ann(T0 + 60, A, ET, &["203.0.113.128/25"], &[65001, 64666]),
                ann(T0 + 61, B, ET, &["203.0.113.128/25"], &[65002, 64666]),
                wd(T0 + 300, A, ET, &["203.0.113.128/25"]),
                wd(T0 + 301, B, ET, &["203.0.113.128/25"]),
            ],
            // The ROA for 203.0.113.0/24 (AS64500, maxLength 26) makes it RPKI-invalid too.
            expect: vec![
                ("subprefix-hijack", "203.0.113.128/25", Some(64666)),
                ("rpki-invalid", "203.0.113.128/25", Some(64666)),
                ("subprefix-hijack-resolved", "203.0.113.128/25", Some(64666)),
                ("rpki-invalid-resolved", "203.0.113.128/25", Some(64666)),
            ],
        },
        Scenario {
            file: "more-specific.mrt.bz2",
            config: "operator.toml",
            compression: Compression::Bzip2,
            steps: vec![
                ann(
                    T0,
                    A,
                    Session::As4,
                    &["203.0.113.0/25"],
                    &[65001, 64510, 64500],
                ),
                ann(
                    T0 + 1,
                    B,
                    Session::As4,
                    &["203.0.113.0/25"],
                    &[65002, 64511, 64500],
                ),
                wd(T0 + 100, A, Session::As4, &["203.0.113.0/25"]),
                wd(T0 + 101, B, Session::As4, &["203.0.113.0/25"]),
            ],
            expect: vec![
                ("more-specific", "203.0.113.0/25", Some(64500)),
                ("more-specific-resolved", "203.0.113.0/25", Some(64500)),
            ],
        },
        Scenario {
            // A 2-octet session: the 4-octet neighbour travels as AS_TRANS in AS_PATH and
            // for real in AS4_PATH; the alert must name the real one.
            file: "path-anomaly.mrt",
            config: "operator.toml",
            compression: Compression::None,
            steps: vec![
                ann(T0, A, Session::As2, &[P1], &[65001, 4_200_000_001, 64500]),
                ann(
                    T0 + 5,
                    B,
                    Session::As2,
                    &[P1],
                    &[65002, 4_200_000_001, 64500],
                ),
                ann(T0 + 300, A, Session::As2, &[P1], &[65001, 64510, 64500]),
                ann(T0 + 301, B, Session::As2, &[P1], &[65002, 64511, 64500]),
            ],
            expect: vec![
                ("path-anomaly", P1, Some(4_200_000_001)),
                ("path-anomaly-resolved", P1, Some(4_200_000_001)),
            ],
        },
        Scenario {
            // IPv6 over MP_REACH_NLRI. 64510 gives the route to its customer 64520 with
            // Only-To-Customer 64510; 64520 sends it up to its other provider 64530.
            file: "route-leak.mrt",
            config: "operator.toml",
            compression: Compression::None,
            steps: vec![
                Step {
                    time: T0,
                    peer: D,
                    session: ET,
                    op: Op::Announce {
                        prefixes: vec![P3],
                        path: seq(&[65004, 64530, 64520, 64510, 64500]),
                        otc: Some(64510),
                    },
                },
                Step {
                    time: T0 + 2,
                    peer: E,
                    session: ET,
                    op: Op::Announce {
                        prefixes: vec![P3],
                        path: seq(&[65005, 64530, 64520, 64510, 64500]),
                        otc: Some(64510),
                    },
                },
                // The leak ends: both vantages go back to the provider's own route.
                ann(T0 + 600, D, ET, &[P3], &[65004, 64510, 64500]),
                ann(T0 + 601, E, ET, &[P3], &[65005, 64511, 64500]),
            ],
            expect: vec![
                ("route-leak", P3, Some(64520)),
                ("route-leak-resolved", P3, Some(64520)),
            ],
        },
        Scenario {
            // 64501 is an allowed origin in the config, but the ROA names 64500 only.
            file: "rpki-invalid.mrt",
            config: "operator.toml",
            compression: Compression::None,
            steps: vec![
                ann(T0, A, ET, &[P4], &[65001, 64511, 64501]),
                ann(T0 + 1, B, ET, &[P4], &[65002, 64511, 64501]),
                ann(T0 + 100, A, ET, &[P4], &[65001, 64511, 64500]),
                ann(T0 + 101, B, ET, &[P4], &[65002, 64510, 64500]),
            ],
            expect: vec![
                ("rpki-invalid", P4, Some(64501)),
                ("rpki-invalid-resolved", P4, Some(64501)),
            ],
        },
        Scenario {
            file: "visibility-loss.mrt",
            config: "operator.toml",
            compression: Compression::None,
            steps: vec![
                ann(T0, A, ET, &[P1], &[65001, 64510, 64500]),
                ann(T0, B, ET, &[P1], &[65002, 64511, 64500]),
                ann(T0, C, ET, &[P1], &[65003, 64510, 64500]),
                ann(T0, F, ET, &[P1], &[65006, 64511, 64500]),
                wd(T0 + 100, A, ET, &[P1]),
                Step {
                    time: T0 + 110,
                    peer: B,
                    session: ET,
                    op: Op::Down,
                },
                ann(T0 + 400, A, ET, &[P1], &[65001, 64510, 64500]),
            ],
            expect: vec![
                ("visibility-loss", P1, None),
                ("visibility-loss-resolved", P1, None),
            ],
        },
        Scenario {
            file: "rib-origin-hijack.mrt",
            config: "operator.toml",
            compression: Compression::None,
            steps: vec![Step {
                time: T0,
                peer: A,
                session: ET,
                op: Op::Rib(vec![
                    (A, P1, vec![65001, 64510, 64500]),
                    (B, P1, vec![65002, 64666]),
                    (C, P1, vec![65003, 174, 64666]),
                    (A, "8.8.8.0/24", vec![65001, 15169]),
                ]),
            }],
            expect: vec![("origin-hijack", P1, Some(64666))],
        },
        Scenario {
            // A record that does not decode sits between the two witnesses: the second
            // must still be read.
            file: "malformed.mrt",
            config: "operator.toml",
            compression: Compression::None,
            steps: vec![
                ann(T0, A, ET, &[P1], &[65001, 64666]),
                Step {
                    time: T0 + 1,
                    peer: A,
                    session: ET,
                    op: Op::Garbage,
                },
                ann(T0 + 2, B, ET, &[P1], &[65002, 64666]),
            ],
            expect: vec![("origin-hijack", P1, Some(64666))],
        },
        Scenario {
            file: "quiet.mrt",
            config: "quiet.toml",
            compression: Compression::None,
            steps: quiet_steps(),
            expect: vec![],
        },
        incident_2019_dqe_leak(),
        incident_2018_route53(),
        incident_2008_youtube(),
        incident_2022_klayswap(),
    ]
}

/// Ordinary life that must raise nothing: a pre-declared second origin, allowed
/// more-specifics, a customer's allowed pair, path churn and prepending, one vantage
/// flapping, the operator's own routers showing internal more-specifics, and a hijack of
/// someone else's prefix.
fn quiet_steps() -> Vec<Step> {
    let mut s = vec![
        ann(T0, A, ET, &[P1], &[65001, 64510, 64500]),
        ann(T0, B, ET, &[P1], &[65002, 64511, 64500]),
        ann(T0, C, ET, &[P1], &[65003, 64510, 64500, 64500]),
        ann(T0, F, ET, &[P1], &[65006, 3356, 64511, 64500]),
        // The second origin, declared in the config.
        ann(T0 + 10, A, ET, &[P1], &[65001, 64510, 64501]),
        ann(T0 + 11, B, ET, &[P1], &[65002, 64511, 64501]),
        // Churn and prepending.
        ann(T0 + 20, A, ET, &[P1], &[65001, 64511, 64500, 64500, 64500]),
        ann(T0 + 21, B, ET, &[P1], &[65002, 174, 64510, 64500]),
        ann(T0 + 22, C, ET, &[P1], &[65003, 64511, 64500]),
        // One vantage flaps: one of four is not a visibility loss.
        wd(T0 + 30, C, ET, &[P1]),
        ann(T0 + 40, C, ET, &[P1], &[65003, 64510, 64500]),
        // Allowed more-specifics.
        ann(
            T0 + 50,
            A,
            ET,
            &[P2, "203.0.113.0/25", "203.0.113.128/25"],
            &[65001, 64510, 64500],
        ),
        ann(
            T0 + 51,
            B,
            ET,
            &[P2, "203.0.113.0/25", "203.0.113.128/25"],
            &[65002, 64511, 64500],
        ),
        // A customer's allowed pair.
        ann(
            T0 + 60,
            A,
            ET,
            &["203.0.113.192/26"],
            &[65001, 64510, 64500, 64502],
        ),
        ann(
            T0 + 61,
            B,
            ET,
            &["203.0.113.192/26"],
            &[65002, 64511, 64500, 64502],
        ),
        // The operator's own routers as collector peers: internal more-specifics.
        ann(T0 + 70, OWN1, ET, &["198.51.100.128/25"], &[64500]),
        ann(T0 + 71, OWN2, ET, &["198.51.100.128/25"], &[64500]),
        // Somebody else's problem.
        ann(T0 + 80, A, ET, &["8.8.8.0/24"], &[65001, 64666]),
        ann(T0 + 81, B, ET, &["8.8.8.0/24"], &[65002, 64666]),
    ];
    s.push(wd(T0 + 90, A, ET, &["203.0.113.0/25"]));
    // The operator's aggregate, its origin in a one-member AS_SET.
    for (i, (peer, up)) in [(A, 64510), (B, 64511)].into_iter().enumerate() {
        s.push(Step {
            time: T0 + 100 + i as u32,
            peer,
            session: ET,
            op: Op::Announce {
                prefixes: vec![P2],
                path: vec![Seg::Seq(vec![peer.asn, up]), Seg::Set(vec![64500])],
                otc: None,
            },
        });
    }
    s
}

// Incidents. Addresses of collector peers are documentation addresses; the ASes, the
// prefixes, the paths and the times are the public record as reported at the time.

/// 24 June 2019: a BGP optimizer at DQE (AS33154) made more-specifics of routes it had
/// learned, among them Cloudflare's 104.20.0.0/20; its customer Allegheny Technologies
/// (AS396531) sent them up to its other provider, Verizon (AS701), which accepted and
/// propagated them from about 10:30 to 12:40 UTC.
fn incident_2019_dqe_leak() -> Scenario {
    const V1: Peer = Peer {
        asn: 3257,
        ip: "192.0.2.57",
    };
    const V2: Peer = Peer {
        asn: 1299,
        ip: "192.0.2.99",
    };
    let start = 1_561_372_200; // 2019-06-24T10:30:00Z
    let leaked = [
        ("104.20.0.0/21", [3257u32, 701, 396531, 33154, 3356, 13335]),
        ("104.20.8.0/21", [3257, 701, 396531, 33154, 3356, 13335]),
    ];
    let mut steps = vec![
        ann(
            start - 3600,
            V1,
            ET,
            &["104.20.0.0/20"],
            &[3257, 3356, 13335],
        ),
        ann(start - 3600, V2, ET, &["104.20.0.0/20"], &[1299, 13335]),
    ];
    for (i, (p, path)) in leaked.iter().enumerate() {
        let t = start + 240 + i as u32;
        steps.push(ann(t, V1, ET, &[p], path));
        let mut via_v2 = path.to_vec();
        via_v2[0] = 1299;
        steps.push(ann(t + 30, V2, ET, &[p], &via_v2));
    }
    let end = 1_561_380_000; // 2019-06-24T12:40:00Z
    for (p, _) in leaked {
        steps.push(wd(end, V1, ET, &[p]));
        steps.push(wd(end + 5, V2, ET, &[p]));
    }
    Scenario {
        file: "incident-2019-dqe-leak.mrt",
        config: "incident-2019-dqe-leak.toml",
        compression: Compression::None,
        steps,
        expect: vec![
            ("more-specific", "104.20.0.0/21", Some(13335)),
            ("route-leak", "104.20.0.0/21", Some(396531)),
            ("more-specific", "104.20.8.0/21", Some(13335)),
            ("route-leak", "104.20.8.0/21", Some(396531)),
            ("more-specific-resolved", "104.20.0.0/21", Some(13335)),
            ("route-leak-resolved", "104.20.0.0/21", Some(396531)),
            ("more-specific-resolved", "104.20.8.0/21", Some(13335)),
            ("route-leak-resolved", "104.20.8.0/21", Some(396531)),
        ],
    }
}

/// 24 April 2018, 11:05 to about 13:00 UTC: eNet (AS10297) originated /24s inside Amazon
/// Route 53's /23s (origin AS16509), through Hurricane Electric (AS6939), to answer DNS
/// queries for myetherwallet.com.
fn incident_2018_route53() -> Scenario {
    const V1: Peer = Peer {
        asn: 6939,
        ip: "192.0.2.39",
    };
    const V2: Peer = Peer {
        asn: 37100,
        ip: "192.0.2.100",
    };
    let start = 1_524_567_900; // 2018-04-24T11:05:00Z
    let hijacked = [
        "205.251.192.0/24",
        "205.251.193.0/24",
        "205.251.195.0/24",
        "205.251.197.0/24",
        "205.251.199.0/24",
    ];
    let mut steps = vec![
        ann(
            start - 600,
            V1,
            ET,
            &["205.251.192.0/23", "205.251.194.0/23"],
            &[6939, 16509],
        ),
        ann(
            start - 600,
            V2,
            ET,
            &["205.251.196.0/23", "205.251.198.0/23"],
            &[37100, 16509],
        ),
        ann(start, V1, ET, &hijacked, &[6939, 10297]),
        ann(start + 20, V2, ET, &hijacked, &[37100, 6939, 10297]),
    ];
    let end = 1_524_574_800; // 2018-04-24T13:00:00Z
    steps.push(wd(end, V1, ET, &hijacked));
    steps.push(wd(end + 10, V2, ET, &hijacked));
    let mut expect: Vec<_> = hijacked
        .iter()
        .map(|p| ("subprefix-hijack", *p, Some(10297)))
        .collect();
    expect.extend(
        hijacked
            .iter()
            .map(|p| ("subprefix-hijack-resolved", *p, Some(10297))),
    );
    Scenario {
        file: "incident-2018-route53.mrt",
        config: "incident-2018-route53.toml",
        compression: Compression::None,
        steps,
        expect,
    }
}

/// 24 February 2008: Pakistan Telecom (AS17557) announced 208.65.153.0/24, inside
/// YouTube's 208.65.152.0/22 (AS36561), to PCCW (AS3491) at 18:47 UTC; PCCW withdrew it at
/// 20:51. Collectors then recorded 2-octet sessions.
fn incident_2008_youtube() -> Scenario {
    const V1: Peer = Peer {
        asn: 3491,
        ip: "192.0.2.91",
    };
    const V2: Peer = Peer {
        asn: 2914,
        ip: "192.0.2.14",
    };
    let two = Session::As2;
    let start = 1_203_878_865; // 2008-02-24T18:47:45Z
    let end = 1_203_886_260; // 2008-02-24T20:51:00Z
    Scenario {
        file: "incident-2008-youtube.mrt",
        config: "incident-2008-youtube.toml",
        compression: Compression::None,
        steps: vec![
            ann(
                start - 3600,
                V1,
                two,
                &["208.65.152.0/22"],
                &[3491, 3356, 36561],
            ),
            ann(start - 3600, V2, two, &["208.65.152.0/22"], &[2914, 36561]),
            ann(start, V1, two, &["208.65.153.0/24"], &[3491, 17557]),
            ann(
                start + 40,
                V2,
                two,
                &["208.65.153.0/24"],
                &[2914, 3491, 17557],
            ),
            wd(end, V1, two, &["208.65.153.0/24"]),
            wd(end + 30, V2, two, &["208.65.153.0/24"]),
        ],
        expect: vec![
            ("subprefix-hijack", "208.65.153.0/24", Some(17557)),
            ("subprefix-hijack-resolved", "208.65.153.0/24", Some(17557)),
        ],
    }
}

/// 3 February 2022, about 01:04 to 03:04 UTC: 121.53.104.0/24, inside the /23 that served
/// developers.kakao.com's SDK (seen as 15412 10158 38099), appeared with path "6461 9457":
/// the address holder Dreamline (AS9457) as a forged origin behind Zayo (AS6461), an
/// adjacency seen in no other route. ROV cannot catch a forged origin; the path can.
fn incident_2022_klayswap() -> Scenario {
    const V1: Peer = Peer {
        asn: 6461,
        ip: "192.0.2.61",
    };
    const V2: Peer = Peer {
        asn: 3257,
        ip: "192.0.2.57",
    };
    let start = 1_643_850_240; // 2022-02-03T01:04:00Z
    let end = start + 7200;
    Scenario {
        file: "incident-2022-klayswap.mrt",
        config: "incident-2022-klayswap.toml",
        compression: Compression::None,
        steps: vec![
            ann(
                start - 600,
                V2,
                ET,
                &["121.53.104.0/23"],
                &[3257, 15412, 10158, 38099],
            ),
            ann(start, V1, ET, &["121.53.104.0/24"], &[6461, 9457]),
            ann(
                start + 15,
                V2,
                ET,
                &["121.53.104.0/24"],
                &[3257, 6461, 9457],
            ),
            wd(end, V1, ET, &["121.53.104.0/24"]),
            wd(end + 15, V2, ET, &["121.53.104.0/24"]),
        ],
        expect: vec![
            ("more-specific", "121.53.104.0/24", Some(9457)),
            ("path-anomaly", "121.53.104.0/24", Some(6461)),
            ("more-specific-resolved", "121.53.104.0/24", Some(9457)),
            ("path-anomaly-resolved", "121.53.104.0/24", Some(6461)),
        ],
    }
}

// ------------------------------------------------------------------ encoding

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn wire_path(path: &[Seg], two_octet: bool) -> (WirePath, Option<WirePath>) {
    let full = WirePath::from_segments(
        path.iter()
            .map(|s| match s {
                Seg::Seq(v) => AsPathSegment::sequence(v),
                Seg::Set(v) => AsPathSegment::set(v),
            })
            .collect::<Vec<_>>(),
    );
    let needs_as4 = path.iter().any(|s| match s {
        Seg::Seq(v) | Seg::Set(v) => v.iter().any(|a| *a > 65535),
    });
    if !two_octet || !needs_as4 {
        return (full, None);
    }
    let trans = |v: &Vec<u32>| {
        v.iter()
            .map(|a| if *a > 65535 { 23456 } else { *a })
            .collect::<Vec<_>>()
    };
    let two = WirePath::from_segments(
        path.iter()
            .map(|s| match s {
                Seg::Seq(v) => AsPathSegment::sequence(trans(v)),
                Seg::Set(v) => AsPathSegment::set(trans(v)),
            })
            .collect::<Vec<_>>(),
    );
    (two, Some(full))
}

fn session_asn(asn: u32, session: Session) -> WireAsn {
    if session == Session::As2 {
        WireAsn::new_16bit(u16::try_from(asn).unwrap_or(23456))
    } else {
        WireAsn::new_32bit(asn)
    }
}

fn local_ip(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => "100.64.255.254".parse().unwrap(),
        IpAddr::V6(_) => "2001:db8:ffff::fffe".parse().unwrap(),
    }
}

fn header(time: u32, session: Session, entry: EntryType, subtype: u16) -> CommonHeader {
    let et = session == Session::As4Et && entry != EntryType::TABLE_DUMP_V2;
    CommonHeader {
        timestamp: time,
        microsecond_timestamp: et.then_some(0),
        entry_type: if et { EntryType::BGP4MP_ET } else { entry },
        entry_subtype: subtype,
        length: 0,
    }
}

fn update(step: &Step, u: BgpUpdateMessage) -> Vec<u8> {
    let msg_type = if step.session == Session::As2 {
        Bgp4MpType::Message
    } else {
        Bgp4MpType::MessageAs4
    };
    let peer_ip = step.peer.addr();
    let record = MrtRecord {
        common_header: header(step.time, step.session, EntryType::BGP4MP, msg_type as u16),
        message: MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(Bgp4MpMessage {
            msg_type,
            peer_asn: session_asn(step.peer.asn, step.session),
            local_asn: session_asn(12654, step.session),
            interface_index: 0,
            peer_ip,
            local_ip: local_ip(peer_ip),
            bgp_message: BgpMessage::Update(u),
        })),
    };
    record.encode().unwrap().to_vec()
}

fn mp_nlri(afi: Afi, next_hop: Option<NextHopAddress>, prefixes: Vec<NetworkPrefix>) -> Nlri {
    Nlri {
        afi,
        safi: Safi::Unicast,
        next_hop,
        prefixes,
        labeled_prefixes: None,
        link_state_nlris: None,
        flowspec_nlris: None,
    }
}

fn route_attributes(
    path: &[Seg],
    otc: Option<u32>,
    two_octet: bool,
    next_hop: IpAddr,
) -> Vec<AttributeValue> {
    let (as_path, as4_path) = wire_path(path, two_octet);
    let mut attrs = vec![
        AttributeValue::Origin(Origin::IGP),
        AttributeValue::AsPath(as_path),
    ];
    if next_hop.is_ipv4() {
        attrs.push(AttributeValue::NextHop(next_hop));
    }
    if let Some(p) = as4_path {
        attrs.push(AttributeValue::As4Path(p));
    }
    if let Some(otc) = otc {
        attrs.push(AttributeValue::OnlyToCustomer(WireAsn::new_32bit(otc)));
    }
    attrs
}

fn encode_step(step: &Step, out: &mut Vec<u8>) {
    let peer_ip = step.peer.addr();
    match &step.op {
        Op::Announce {
            prefixes,
            path,
            otc,
        } => {
            let (v4, v6): (Vec<IpNet>, Vec<IpNet>) = prefixes
                .iter()
                .map(|p| net(p))
                .partition(|p| matches!(p, IpNet::V4(_)));
            // Each family in its own update, as routers send them.
            if !v4.is_empty() {
                let next_hop = match peer_ip {
                    IpAddr::V4(_) => peer_ip,
                    IpAddr::V6(_) => "100.64.255.1".parse().unwrap(),
                };
                let attrs = route_attributes(path, *otc, step.session == Session::As2, next_hop);
                out.extend(update(
                    step,
                    BgpUpdateMessage {
                        withdrawn_prefixes: vec![],
                        attributes: Attributes::from_iter(attrs),
                        announced_prefixes: v4
                            .iter()
                            .map(|p| NetworkPrefix::new(*p, None))
                            .collect(),
                    },
                ));
            }
            if !v6.is_empty() {
                let hop = match peer_ip {
                    IpAddr::V6(a) => a,
                    IpAddr::V4(_) => "2001:db8:ffff::1".parse().unwrap(),
                };
                let mut attrs =
                    route_attributes(path, *otc, step.session == Session::As2, IpAddr::V6(hop));
                attrs.insert(
                    1,
                    AttributeValue::MpReachNlri(mp_nlri(
                        Afi::Ipv6,
                        Some(NextHopAddress::Ipv6(hop)),
                        v6.iter().map(|p| NetworkPrefix::new(*p, None)).collect(),
                    )),
                );
                out.extend(update(
                    step,
                    BgpUpdateMessage {
                        withdrawn_prefixes: vec![],
                        attributes: Attributes::from_iter(attrs),
                        announced_prefixes: vec![],
                    },
                ));
            }
        }
        Op::Withdraw(prefixes) => {
            let (v4, v6): (Vec<IpNet>, Vec<IpNet>) = prefixes
                .iter()
                .map(|p| net(p))
                .partition(|p| matches!(p, IpNet::V4(_)));
            if !v4.is_empty() {
                out.extend(update(
                    step,
                    BgpUpdateMessage {
                        withdrawn_prefixes: v4
                            .iter()
                            .map(|p| NetworkPrefix::new(*p, None))
                            .collect(),
                        attributes: Attributes::default(),
                        announced_prefixes: vec![],
                    },
                ));
            }
            if !v6.is_empty() {
                let attrs = vec![AttributeValue::MpUnreachNlri(mp_nlri(
                    Afi::Ipv6,
                    None,
                    v6.iter().map(|p| NetworkPrefix::new(*p, None)).collect(),
                ))];
                out.extend(update(
                    step,
                    BgpUpdateMessage {
                        withdrawn_prefixes: vec![],
                        attributes: Attributes::from_iter(attrs),
                        announced_prefixes: vec![],
                    },
                ));
            }
        }
        Op::Down => {
            let record = MrtRecord {
                common_header: header(
                    step.time,
                    step.session,
                    EntryType::BGP4MP,
                    Bgp4MpType::StateChangeAs4 as u16,
                ),
                message: MrtMessage::Bgp4Mp(Bgp4MpEnum::StateChange(Bgp4MpStateChange {
                    msg_type: Bgp4MpType::StateChangeAs4,
                    peer_asn: WireAsn::new_32bit(step.peer.asn),
                    local_asn: WireAsn::new_32bit(12654),
                    interface_index: 0,
                    peer_ip,
                    local_addr: local_ip(peer_ip),
                    old_state: BgpState::Established,
                    new_state: BgpState::Idle,
                })),
            };
            out.extend(record.encode().unwrap());
        }
        Op::Rib(entries) => {
            let mut table = PeerIndexTable::default();
            let mut rows: Vec<(IpNet, u16, Vec<u32>)> = Vec::new();
            for (peer, prefix, path) in entries {
                let id = match peer.addr() {
                    IpAddr::V4(v4) => v4,
                    IpAddr::V6(_) => std::net::Ipv4Addr::new(0, 0, 0, 0),
                };
                let index = table
                    .add_peer(WirePeer::new(id, peer.addr(), WireAsn::new_32bit(peer.asn)))
                    .unwrap();
                rows.push((net(prefix), index, path.clone()));
            }
            let record = MrtRecord {
                common_header: header(
                    step.time,
                    step.session,
                    EntryType::TABLE_DUMP_V2,
                    TableDumpV2Type::PeerIndexTable as u16,
                ),
                message: MrtMessage::TableDumpV2Message(TableDumpV2Message::PeerIndexTable(table)),
            };
            out.extend(record.encode().unwrap());
            // One RIB record per prefix, its entries in peer order.
            let mut prefixes: Vec<IpNet> = rows.iter().map(|r| r.0).collect();
            prefixes.dedup();
            for (seq_no, prefix) in prefixes.iter().enumerate() {
                let rib_entries = rows
                    .iter()
                    .filter(|r| r.0 == *prefix)
                    .map(|(_, index, path)| RibEntry {
                        peer_index: *index,
                        originated_time: step.time - 3600,
                        path_id: None,
                        attributes: Attributes::from_iter(route_attributes(
                            &seq(path),
                            None,
                            false,
                            "100.64.255.1".parse().unwrap(),
                        )),
                    })
                    .collect();
                let rib_type = TableDumpV2Type::RibIpv4Unicast;
                let record = MrtRecord {
                    common_header: header(
                        step.time,
                        step.session,
                        EntryType::TABLE_DUMP_V2,
                        rib_type as u16,
                    ),
                    message: MrtMessage::TableDumpV2Message(TableDumpV2Message::RibAfi(
                        RibAfiEntries {
                            rib_type,
                            sequence_number: u32::try_from(seq_no).unwrap(),
                            prefix: NetworkPrefix::new(*prefix, None),
                            rib_entries,
                        },
                    )),
                };
                out.extend(record.encode().unwrap());
            }
        }
        Op::Garbage => {
            // A well-framed BGP4MP_ET MESSAGE_AS4 record whose body is not a BGP4MP message.
            let body = [0xffu8; 23];
            let h = CommonHeader {
                length: u32::try_from(body.len()).unwrap(),
                ..header(
                    step.time,
                    Session::As4Et,
                    EntryType::BGP4MP,
                    Bgp4MpType::MessageAs4 as u16,
                )
            };
            out.extend(h.encode());
            out.extend(body);
        }
    }
}

fn encode(s: &Scenario) -> Vec<u8> {
    let mut raw = Vec::new();
    for step in &s.steps {
        encode_step(step, &mut raw);
    }
    match s.compression {
        Compression::None => raw,
        Compression::Gzip => {
            let mut enc = flate2::GzBuilder::new()
                .mtime(0)
                .write(Vec::new(), flate2::Compression::default());
            enc.write_all(&raw).unwrap();
            enc.finish().unwrap()
        }
        Compression::Bzip2 => {
            let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            enc.write_all(&raw).unwrap();
            enc.finish().unwrap()
        }
    }
}

fn testdata() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata")
}

// ------------------------------------------------------------------ tests

#[test]
fn committed_fixtures_are_what_the_generator_writes() {
    let write = std::env::var_os("PARAPET_WRITE_FIXTURES").is_some();
    let mut stale = Vec::new();
    for s in scenarios() {
        let bytes = encode(&s);
        let path = testdata().join(s.file);
        if write {
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        match std::fs::read(&path) {
            Ok(committed) if committed == bytes => {}
            _ => stale.push(s.file),
        }
    }
    assert!(
        stale.is_empty(),
        "fixtures differ from the scenarios: {stale:?}; rewrite them with \
         PARAPET_WRITE_FIXTURES=1 cargo test -p parapet-routes --test fixtures"
    );
}

#[test]
fn replay_raises_exactly_the_expected_alerts() {
    for s in scenarios() {
        let config = parapet_config::Config::load(&testdata().join(s.config)).unwrap();
        let mut engine = Engine::load(config.routes.as_ref().unwrap()).unwrap();
        let mut got = Vec::new();
        let stats = {
            let mut replay = MrtReplay::new(&mut engine);
            replay
                .reader(std::io::Cursor::new(encode_raw(&s)), &mut |a| {
                    got.push((a.kind_str, a.prefix.to_string(), a.offender_asn));
                })
                .unwrap()
        };
        let want: Vec<_> = s
            .expect
            .iter()
            .map(|(k, p, o)| (*k, p.to_string(), *o))
            .collect();
        assert_eq!(got, want, "{}", s.file);
        let garbage = s
            .steps
            .iter()
            .filter(|st| matches!(st.op, Op::Garbage))
            .count();
        assert_eq!(stats.malformed, garbage as u64, "{}", s.file);
    }
}

fn encode_raw(s: &Scenario) -> Vec<u8> {
    let mut raw = Vec::new();
    for step in &s.steps {
        encode_step(step, &mut raw);
    }
    raw
}

/// What `bgpdump -m` prints for the scenario: `A|peer|asn|prefix|path` and
/// `W|peer|asn|prefix` lines (the time and the record type left out: bgpdump names RIB
/// entries differently).
fn expected_dump_lines(s: &Scenario) -> Vec<String> {
    let mut lines = Vec::new();
    let path_text = |path: &[Seg]| {
        path.iter()
            .map(|seg| match seg {
                Seg::Seq(v) => v.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
                Seg::Set(v) => format!(
                    "{{{}}}",
                    v.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
                ),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    for step in &s.steps {
        let peer = format!("{}|{}", step.peer.ip, step.peer.asn);
        match &step.op {
            Op::Announce { prefixes, path, .. } => {
                let mut sorted: Vec<IpNet> = prefixes.iter().map(|p| net(p)).collect();
                // v4 first, then v6, as encoded.
                sorted.sort_by_key(|p| matches!(p, IpNet::V6(_)));
                for p in sorted {
                    lines.push(format!("A|{peer}|{p}|{}", path_text(path)));
                }
            }
            Op::Withdraw(prefixes) => {
                let mut sorted: Vec<IpNet> = prefixes.iter().map(|p| net(p)).collect();
                sorted.sort_by_key(|p| matches!(p, IpNet::V6(_)));
                for p in sorted {
                    lines.push(format!("W|{peer}|{p}"));
                }
            }
            Op::Rib(entries) => {
                for (peer, prefix, path) in entries {
                    lines.push(format!(
                        "A|{}|{}|{prefix}|{}",
                        peer.ip,
                        peer.asn,
                        path_text(&seq(path))
                    ));
                }
            }
            Op::Down | Op::Garbage => {}
        }
    }
    lines
}

#[test]
fn bgpdump_decodes_the_fixtures_the_same_way() {
    let bgpdump = ["/usr/bin/bgpdump", "/usr/sbin/bgpdump"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("bgpdump is missing: install Debian's bgpdump (./scripts/test.sh does)");
    for s in scenarios() {
        if s.steps.iter().any(|st| matches!(st.op, Op::Garbage)) {
            continue;
        }
        let out = std::process::Command::new(bgpdump)
            .arg("-m")
            .arg(testdata().join(s.file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            s.file,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        // `TYPE|time|A|peer ip|peer as|prefix|path|origin|...` and `TYPE|time|W|ip|as|prefix`.
        let got: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('|').collect();
                match f.get(2).copied() {
                    Some("A" | "B") => Some(format!("A|{}|{}|{}|{}", f[3], f[4], f[5], f[6])),
                    Some("W") => Some(format!("W|{}|{}|{}", f[3], f[4], f[5])),
                    _ => None,
                }
            })
            .collect();
        assert_eq!(got, expected_dump_lines(&s), "{}", s.file);
    }
}

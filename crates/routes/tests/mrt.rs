//! MRT input details through the public API: record kinds beyond the fixtures, compression
//! recognised by content, and what counts as a session going down.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::net::IpAddr;
use std::path::Path;

use bgpkit_parser::models::{
    AsPath as WirePath, AsPathSegment, Asn as WireAsn, AttributeValue, Attributes, Bgp4MpEnum,
    Bgp4MpMessage, Bgp4MpStateChange, Bgp4MpType, BgpMessage, BgpState, BgpUpdateMessage,
    CommonHeader, EntryType, MrtMessage, MrtRecord, NetworkPrefix, Origin, TableDumpMessage,
};
use parapet_routes::{mrt, Alert, Engine, MrtReplay};

const CONFIG: &str = "[[routes.prefixes]]\nprefix = \"198.51.100.0/24\"\norigins = [64500]\n";

fn engine() -> Engine {
    let c = parapet_config::Config::from_str(CONFIG, Path::new("t.toml")).unwrap();
    Engine::new(&c.routes.unwrap(), None, None)
}

fn header(entry_type: EntryType, subtype: u16) -> CommonHeader {
    CommonHeader {
        timestamp: 1_700_000_000,
        microsecond_timestamp: None,
        entry_type,
        entry_subtype: subtype,
        length: 0,
    }
}

fn attrs(path: WirePath) -> Attributes {
    Attributes::from_iter(vec![
        AttributeValue::Origin(Origin::IGP),
        AttributeValue::AsPath(path),
        AttributeValue::NextHop("100.64.0.1".parse().unwrap()),
    ])
}

fn update(peer: u32, path: WirePath, prefix: &str) -> Vec<u8> {
    MrtRecord {
        common_header: header(EntryType::BGP4MP, Bgp4MpType::MessageAs4 as u16),
        message: MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(Bgp4MpMessage {
            msg_type: Bgp4MpType::MessageAs4,
            peer_asn: WireAsn::new_32bit(peer),
            local_asn: WireAsn::new_32bit(12654),
            interface_index: 0,
            peer_ip: IpAddr::from([100, 64, 0, u8::try_from(peer % 250).unwrap()]),
            local_ip: IpAddr::from([100, 64, 255, 254]),
            bgp_message: BgpMessage::Update(BgpUpdateMessage {
                withdrawn_prefixes: vec![],
                attributes: attrs(path),
                announced_prefixes: vec![NetworkPrefix::new(prefix.parse().unwrap(), None)],
            }),
        })),
    }
    .encode()
    .unwrap()
    .to_vec()
}

fn replay(bytes: &[u8]) -> (Vec<Alert>, parapet_routes::ReplayStats) {
    let mut e = engine();
    let mut alerts = Vec::new();
    let stats = MrtReplay::new(&mut e)
        .reader(bytes, &mut |a| alerts.push(a))
        .unwrap();
    (alerts, stats)
}

#[test]
fn table_dump_v1_entries_are_routes() {
    let record = MrtRecord {
        common_header: header(EntryType::TABLE_DUMP, 1),
        message: MrtMessage::TableDumpMessage(TableDumpMessage {
            view_number: 0,
            sequence_number: 0,
            prefix: NetworkPrefix::new("198.51.100.0/24".parse().unwrap(), None),
            status: 1,
            originated_time: 1_700_000_000,
            peer_ip: "100.64.0.1".parse().unwrap(),
            peer_asn: WireAsn::new_16bit(65001),
            attributes: attrs(WirePath::from_sequence([65001, 64666])),
        }),
    };
    let (alerts, stats) = replay(&record.encode().unwrap());
    assert_eq!(stats.malformed, 0);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind_str, "origin-hijack");
    assert_eq!(alerts[0].origin_asn, Some(64666));
}

#[test]
fn as_sets_and_confederations_are_read() {
    let path = WirePath::from_segments(vec![
        AsPathSegment::ConfedSequence([65100u32.into()].into_iter().collect()),
        AsPathSegment::sequence([65001, 174]),
        AsPathSegment::set([64500, 64666]),
    ]);
    let (alerts, _) = replay(&update(65001, path, "198.51.100.0/24"));
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].origin_asn, None,
        "a two-member AS_SET has no origin"
    );
    assert_eq!(
        alerts[0].as_path,
        serde_json::json!([65001, 174, [64500, 64666]]),
        "the confederation segment is dropped"
    );
}

#[test]
fn only_leaving_established_is_a_session_down() {
    let hijack = update(
        65001,
        WirePath::from_sequence([65001, 64666]),
        "198.51.100.0/24",
    );
    let change = |old, new| {
        MrtRecord {
            common_header: header(EntryType::BGP4MP, Bgp4MpType::StateChangeAs4 as u16),
            message: MrtMessage::Bgp4Mp(Bgp4MpEnum::StateChange(Bgp4MpStateChange {
                msg_type: Bgp4MpType::StateChangeAs4,
                peer_asn: WireAsn::new_32bit(65001),
                local_asn: WireAsn::new_32bit(12654),
                interface_index: 0,
                peer_ip: IpAddr::from([100, 64, 0, 1]),
                local_addr: IpAddr::from([100, 64, 255, 254]),
                old_state: old,
                new_state: new,
            })),
        }
        .encode()
        .unwrap()
        .to_vec()
    };
    let mut bytes = hijack.clone();
    bytes.extend(change(BgpState::Active, BgpState::Connect));
    let (alerts, _) = replay(&bytes);
    assert_eq!(alerts.len(), 1, "no session went down");
    bytes.extend(change(BgpState::Established, BgpState::Idle));
    let (alerts, _) = replay(&bytes);
    let kinds: Vec<_> = alerts.iter().map(|a| a.kind_str).collect();
    // The only vantage lost the prefix: the hijack ends, and so does the visibility.
    assert_eq!(
        kinds,
        ["origin-hijack", "origin-hijack-resolved", "visibility-loss"]
    );
}

#[test]
fn compression_is_recognised_by_content_not_name() {
    let bytes = update(
        65001,
        WirePath::from_sequence([65001, 64666]),
        "198.51.100.0/24",
    );
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&bytes).unwrap();
    let files = [
        ("plain.gz", bytes.clone()),
        ("gzip.bin", gz.finish().unwrap()),
        ("bzip2.mrt", bz.finish().unwrap()),
    ];
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let mut e = engine();
        let mut alerts = Vec::new();
        let stats =
            mrt::replay_files(&mut e, &[path], &mut |a| alerts.push(a.kind_str), None).unwrap();
        assert_eq!(stats.records, 1, "{name}");
        assert_eq!(alerts, ["origin-hijack"], "{name}");
    }
    // An empty file is an empty replay, not an error.
    let empty = dir.path().join("empty.mrt");
    std::fs::write(&empty, b"").unwrap();
    let stats = mrt::replay_files(&mut engine(), &[empty], &mut |_| {}, None).unwrap();
    assert_eq!(stats.records, 0);
    // A directory is not a file.
    assert!(mrt::replay_files(&mut engine(), &[dir.path().to_owned()], &mut |_| {}, None).is_err());
}

#[test]
fn corrupt_compressed_streams_are_errors_not_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.gz");
    std::fs::write(
        &path,
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef],
    )
    .unwrap();
    let err = mrt::replay_files(&mut engine(), &[path], &mut |_| {}, None).unwrap_err();
    assert!(err.to_string().contains("broken.gz"), "{err}");
}

#[test]
fn local_messages_and_other_protocols_are_ignored_not_malformed() {
    let record = MrtRecord {
        common_header: header(EntryType::BGP4MP, Bgp4MpType::MessageAs4Local as u16),
        message: MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(Bgp4MpMessage {
            msg_type: Bgp4MpType::MessageAs4Local,
            peer_asn: WireAsn::new_32bit(65001),
            local_asn: WireAsn::new_32bit(12654),
            interface_index: 0,
            peer_ip: IpAddr::from([100, 64, 0, 1]),
            local_ip: IpAddr::from([100, 64, 255, 254]),
            bgp_message: BgpMessage::Update(BgpUpdateMessage {
                withdrawn_prefixes: vec![],
                attributes: attrs(WirePath::from_sequence([12654, 64666])),
                announced_prefixes: vec![NetworkPrefix::new(
                    "198.51.100.0/24".parse().unwrap(),
                    None,
                )],
            }),
        })),
    };
    let mut bytes = record.encode().unwrap().to_vec();
    // An OSPFv2 record (MRT type 11): not BGP.
    let ospf = CommonHeader {
        length: 8,
        ..header(EntryType::OSPFv2, 0)
    };
    bytes.extend(ospf.encode());
    bytes.extend([0u8; 8]);
    let (alerts, stats) = replay(&bytes);
    assert!(alerts.is_empty(), "{alerts:?}");
    assert_eq!(stats.records, 2);
    assert_eq!(stats.ignored, 2);
    assert_eq!(stats.malformed, 0);
}

#[test]
fn add_path_messages_keep_their_paths_apart() {
    let msg = |path: WirePath, id: u32, withdraw: bool| {
        let prefix = NetworkPrefix::new("198.51.100.0/24".parse().unwrap(), Some(id));
        let update = if withdraw {
            BgpUpdateMessage {
                withdrawn_prefixes: vec![prefix],
                attributes: Attributes::default(),
                announced_prefixes: vec![],
            }
        } else {
            BgpUpdateMessage {
                withdrawn_prefixes: vec![],
                attributes: attrs(path),
                announced_prefixes: vec![prefix],
            }
        };
        MrtRecord {
            common_header: header(EntryType::BGP4MP, Bgp4MpType::MessageAs4Addpath as u16),
            message: MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(Bgp4MpMessage {
                msg_type: Bgp4MpType::MessageAs4Addpath,
                peer_asn: WireAsn::new_32bit(65001),
                local_asn: WireAsn::new_32bit(12654),
                interface_index: 0,
                peer_ip: IpAddr::from([100, 64, 0, 1]),
                local_ip: IpAddr::from([100, 64, 255, 254]),
                bgp_message: BgpMessage::Update(update),
            })),
        }
        .encode()
        .unwrap()
        .to_vec()
    };
    let mut bytes = msg(WirePath::from_sequence([65001, 64666]), 1, false);
    bytes.extend(msg(WirePath::from_sequence([65001, 64500]), 2, false));
    bytes.extend(msg(WirePath::new(), 1, true));
    let (alerts, stats) = replay(&bytes);
    assert_eq!(stats.malformed, 0);
    let kinds: Vec<_> = alerts.iter().map(|a| a.kind_str).collect();
    // Path 2 still carries the prefix: the hijack ends, visibility does not.
    assert_eq!(kinds, ["origin-hijack", "origin-hijack-resolved"]);
}

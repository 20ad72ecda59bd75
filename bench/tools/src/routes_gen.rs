//! `routes-gen`: the synthetic BGP update stream of `bench/routes.sh`.
//!
//! Deterministic for a seed. It writes, into one directory:
//!
//! - `updates.mrt`: BGP4MP update records (MESSAGE_AS4, most of them BGP4MP_ET as RIS writes
//!   them, some plain BGP4MP as RouteViews does, two vantages on 2-octet sessions with
//!   AS4_PATH), IPv4 in the NLRI and IPv6 in MP_REACH/MP_UNREACH;
//! - `parapet.toml`: the monitored prefixes with their origins, `min_vantages = 2`;
//! - `as-rel.txt`: CAIDA serial-2 relationships of the generated topology;
//! - `vrps.json`: a ROA for every monitored prefix.
//!
//! The topology is a small Internet: tier-1 networks peering with each other, large transit
//! networks below them, regional transit below those, and origins buying transit from one
//! to three of either. A vantage's path to an origin goes up from the origin and down to the
//! vantage (valley-free), with prepending at some origins, so that the monitored routes are
//! legitimate; a handful of injected events (origin and sub-prefix hijacks, leaks, forged
//! adjacencies) are what should alert.
//!
//! The stream has three parts: the monitored prefixes announced by every vantage; every
//! prefix of the table announced once by some vantage; then churn (announcements, path
//! changes, withdrawals) of random prefixes until the record count is reached, with the
//! injected events spread through it. The summary line says what was written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use bgpkit_parser::models::{
    Afi, AsPath, AsPathSegment, Asn, AttributeValue, Attributes, Bgp4MpEnum, Bgp4MpMessage,
    Bgp4MpType, BgpMessage, BgpUpdateMessage, CommonHeader, Community, EntryType, MrtMessage,
    MrtRecord, NetworkPrefix, NextHopAddress, Nlri, Origin, Safi,
};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// MRT update records to write.
    #[arg(long, default_value_t = 1_000_000)]
    updates: u64,
    /// Distinct prefixes in the table (about 12% of them IPv6).
    #[arg(long, default_value_t = 800_000)]
    prefixes: usize,
    /// Collector peers.
    #[arg(long, default_value_t = 20)]
    vantages: usize,
    /// Prefixes in the config.
    #[arg(long, default_value_t = 10_000)]
    monitored: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The first record's time: 2023-11-14T22:13:20Z.
const T0: u32 = 1_700_000_000;
/// Virtual time the stream spans.
const SPAN_SECS: u64 = 3600;
const TIER1: usize = 12;
const LARGE: usize = 500;
const REGIONAL: usize = 1500;
/// Injected events of each kind.
const INJECT_EACH: usize = 4;
/// Vantages that see an injected event (the config's `min_vantages` is 2).
const INJECT_VANTAGES: usize = 3;
/// The neighbour of a forged-origin path: an AS no origin has a link with.
const FORGED_NEIGHBOUR: u32 = 61_234;

/// SplitMix64: small, fast and the same on every platform and version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Clone, Copy, PartialEq)]
enum Session {
    /// BGP4MP_ET, MESSAGE_AS4 (RIS).
    As4Et,
    /// BGP4MP, MESSAGE_AS4 (RouteViews).
    As4,
    /// BGP4MP, MESSAGE: 4-octet ASNs travel in AS4_PATH.
    As2,
}

struct Vantage {
    asn: u32,
    ip: IpAddr,
    session: Session,
    /// Tier-1 providers.
    providers: Vec<usize>,
}

struct Topology {
    tier1: Vec<u32>,
    large: Vec<u32>,
    large_up: Vec<Vec<usize>>,
    regional: Vec<u32>,
    regional_up: Vec<Vec<usize>>,
    origins: Vec<OriginAs>,
    vantages: Vec<Vantage>,
}

/// A transit provider of an origin.
#[derive(Clone, Copy, PartialEq)]
enum Transit {
    Large(usize),
    Regional(usize),
}

struct OriginAs {
    asn: u32,
    providers: Vec<Transit>,
    prepend: usize,
    /// Its prefixes: `first..first + count` in the table.
    first: usize,
    count: usize,
}

impl Topology {
    fn transit_asn(&self, t: Transit) -> u32 {
        match t {
            Transit::Large(i) => self.large[i],
            Transit::Regional(i) => self.regional[i],
        }
    }

    /// Vantage `v` peers directly with large transit `l`.
    fn peers_with(v: usize, l: usize) -> bool {
        l % 5 == v % 5
    }

    /// The valley-free path from vantage `v` to origin `o`, neighbour of the vantage first;
    /// `variant` 0 is the usual best path, others are the alternatives churn switches to.
    fn path(&self, v: usize, o: usize, variant: u64) -> Vec<u32> {
        let origin = &self.origins[o];
        let mut h = mix(((v as u64) << 40) ^ ((o as u64) << 8) ^ variant);
        let mut take = |n: usize| {
            h = mix(h);
            (h % n as u64) as usize
        };
        let provider = origin.providers[take(origin.providers.len())];
        // Bottom-up: origin (prepended), its provider, up to a large transit.
        let mut up = vec![origin.asn; 1 + origin.prepend];
        up.push(self.transit_asn(provider));
        let large = match provider {
            Transit::Large(l) => l,
            Transit::Regional(r) => {
                let ups = &self.regional_up[r];
                let l = ups[take(ups.len())];
                up.push(self.large[l]);
                l
            }
        };
        let vantage = &self.vantages[v];
        if Self::peers_with(v, large) && take(3) == 0 {
            // Large transit to the vantage over a peering: [v, L, ...].
        } else {
            let t1s = &self.large_up[large];
            let t1 = t1s[take(t1s.len())];
            up.push(self.tier1[t1]);
            if !vantage.providers.contains(&t1) {
                // Across the tier-1 mesh to one of the vantage's providers.
                up.push(self.tier1[vantage.providers[take(vantage.providers.len())]]);
            }
        }
        up.push(vantage.asn);
        up.reverse();
        up
    }
}

fn build_topology(rng: &mut Rng, vantages: usize) -> Topology {
    let tier1: Vec<u32> = (0..TIER1 as u32).map(|i| 1000 + 7 * i).collect();
    let large: Vec<u32> = (0..LARGE as u32).map(|i| 2000 + i).collect();
    let large_up = (0..LARGE)
        .map(|_| {
            let k = 1 + rng.below(3);
            distinct(rng, TIER1, k)
        })
        .collect();
    let regional: Vec<u32> = (0..REGIONAL as u32).map(|i| 5000 + i).collect();
    let regional_up = (0..REGIONAL)
        .map(|_| {
            let k = 1 + rng.below(2);
            distinct(rng, LARGE, k)
        })
        .collect();
    let vantages = (0..vantages)
        .map(|i| {
            let n = i as u32 + 1;
            // Every fourth collector session over IPv6; a few 4-octet peers.
            let ip = if i % 4 == 3 {
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, n as u16))
            } else {
                IpAddr::V4(Ipv4Addr::new(198, 18, 0, n as u8))
            };
            let session = match i % 10 {
                8 => Session::As4,
                9 if i < 20 => Session::As2,
                _ => Session::As4Et,
            };
            let asn = if i % 7 == 6 && session != Session::As2 {
                400_000 + n
            } else {
                900 - n
            };
            Vantage {
                asn,
                ip,
                session,
                providers: distinct(rng, TIER1, 2),
            }
        })
        .collect();
    Topology {
        tier1,
        large,
        large_up,
        regional,
        regional_up,
        origins: Vec::new(),
        vantages,
    }
}

/// `k` distinct indices below `n`.
fn distinct(rng: &mut Rng, n: usize, k: usize) -> Vec<usize> {
    let mut v = Vec::with_capacity(k);
    while v.len() < k.min(n) {
        let x = rng.below(n);
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// Address space handed out in order, skipping special-purpose ranges.
struct Allocator {
    v4: u64,
    v6: u128,
    reserved: Vec<Ipv4Net>,
}

impl Allocator {
    fn new() -> Self {
        let reserved = [
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.168.0.0/16",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
        ]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
        Allocator {
            v4: 1 << 24,
            v6: 0x2a00_u128 << 112,
            reserved,
        }
    }

    fn v4(&mut self, rng: &mut Rng) -> Result<IpNet> {
        // Mostly /24s, as in the global table.
        let len = match rng.below(1000) {
            0..600 => 24,
            600..700 => 23,
            700..830 => 22,
            830..890 => 21,
            890..940 => 20,
            940..965 => 19,
            965..980 => 18,
            980..990 => 17,
            _ => 16,
        };
        let size = 1u64 << (32 - len);
        loop {
            let mut start = self.v4.div_ceil(size) * size;
            if rng.chance(0.25) {
                start += size;
            }
            if start + size > 224 << 24 {
                bail!("the IPv4 space is used up: ask for fewer prefixes");
            }
            let net = Ipv4Net::new(Ipv4Addr::from(start as u32), len)?;
            if let Some(r) = self
                .reserved
                .iter()
                .find(|r| r.contains(&net.network()) || net.contains(&r.network()))
            {
                self.v4 = u64::from(u32::from(r.broadcast())) + 1;
                continue;
            }
            self.v4 = start + size;
            return Ok(IpNet::V4(net));
        }
    }

    fn v6(&mut self, rng: &mut Rng) -> Result<IpNet> {
        let len = match rng.below(100) {
            0..45 => 48,
            45..50 => 46,
            50..60 => 44,
            60..70 => 40,
            70..75 => 36,
            75..95 => 32,
            _ => 29,
        };
        let size = 1u128 << (128 - len);
        let mut start = self.v6.div_ceil(size) * size;
        if rng.chance(0.25) {
            start += size;
        }
        self.v6 = start + size;
        Ok(IpNet::V6(Ipv6Net::new(Ipv6Addr::from(start), len)?))
    }
}

/// How many prefixes an origin announces: most a few, some hundreds.
fn origin_size(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0..40 => 1,
        40..70 => 2 + rng.below(3),
        70..95 => 5 + rng.below(16),
        _ => 21 + rng.below(200),
    }
}

/// One update record in the making.
struct Update {
    vantage: usize,
    prefixes: Vec<IpNet>,
    /// `None` for a withdrawal.
    path: Option<Vec<u32>>,
    /// Communities: (tier-1 ASN, value).
    communities: Vec<(u32, u16)>,
}

struct Writer {
    out: BufWriter<File>,
    records: u64,
    announced: u64,
    withdrawn: u64,
    bytes: u64,
    target: u64,
}

impl Writer {
    fn time(&self) -> (u32, u32) {
        let micros = self.records * SPAN_SECS * 1_000_000 / self.target.max(1);
        (
            T0 + (micros / 1_000_000) as u32,
            (micros % 1_000_000) as u32,
        )
    }

    fn write(&mut self, topo: &Topology, u: &Update) -> Result<()> {
        let vantage = &topo.vantages[u.vantage];
        let (v4, v6): (Vec<IpNet>, Vec<IpNet>) =
            u.prefixes.iter().partition(|p| matches!(p, IpNet::V4(_)));
        // One family per update (the table part and churn never mix them anyway).
        let (family_v6, prefixes) = if v6.is_empty() {
            (false, v4)
        } else {
            (true, v6)
        };
        let nlri: Vec<NetworkPrefix> = prefixes
            .iter()
            .map(|p| NetworkPrefix::new(*p, None))
            .collect();
        let n = nlri.len() as u64;
        let msg = match &u.path {
            None => {
                self.withdrawn += n;
                if family_v6 {
                    BgpUpdateMessage {
                        withdrawn_prefixes: vec![],
                        attributes: Attributes::from_iter(vec![AttributeValue::MpUnreachNlri(
                            mp_nlri(None, nlri),
                        )]),
                        announced_prefixes: vec![],
                    }
                } else {
                    BgpUpdateMessage {
                        withdrawn_prefixes: nlri,
                        attributes: Attributes::default(),
                        announced_prefixes: vec![],
                    }
                }
            }
            Some(path) => {
                self.announced += n;
                let (as_path, as4_path) = wire_path(path, vantage.session == Session::As2);
                let mut attrs = vec![
                    AttributeValue::Origin(Origin::IGP),
                    AttributeValue::AsPath(as_path),
                ];
                if let Some(p) = as4_path {
                    attrs.push(AttributeValue::As4Path(p));
                }
                if !u.communities.is_empty() {
                    attrs.push(AttributeValue::Communities(
                        u.communities
                            .iter()
                            .map(|(a, v)| Community::Custom(Asn::new_16bit(*a as u16), *v))
                            .collect(),
                    ));
                }
                if family_v6 {
                    let hop = match vantage.ip {
                        IpAddr::V6(a) => a,
                        IpAddr::V4(_) => Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1),
                    };
                    attrs.insert(
                        1,
                        AttributeValue::MpReachNlri(mp_nlri(Some(NextHopAddress::Ipv6(hop)), nlri)),
                    );
                    BgpUpdateMessage {
                        withdrawn_prefixes: vec![],
                        attributes: Attributes::from_iter(attrs),
                        announced_prefixes: vec![],
                    }
                } else {
                    let hop = match vantage.ip {
                        IpAddr::V4(_) => vantage.ip,
                        IpAddr::V6(_) => IpAddr::V4(Ipv4Addr::new(198, 18, 1, 1)),
                    };
                    attrs.push(AttributeValue::NextHop(hop));
                    BgpUpdateMessage {
                        withdrawn_prefixes: vec![],
                        attributes: Attributes::from_iter(attrs),
                        announced_prefixes: nlri,
                    }
                }
            }
        };
        let (secs, micros) = self.time();
        let msg_type = if vantage.session == Session::As2 {
            Bgp4MpType::Message
        } else {
            Bgp4MpType::MessageAs4
        };
        let session_asn = |a: u32| {
            if vantage.session == Session::As2 {
                Asn::new_16bit(u16::try_from(a).unwrap_or(23456))
            } else {
                Asn::new_32bit(a)
            }
        };
        let et = vantage.session == Session::As4Et;
        let record = MrtRecord {
            common_header: CommonHeader {
                timestamp: secs,
                microsecond_timestamp: et.then_some(micros),
                entry_type: if et {
                    EntryType::BGP4MP_ET
                } else {
                    EntryType::BGP4MP
                },
                entry_subtype: msg_type as u16,
                length: 0,
            },
            message: MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(Bgp4MpMessage {
                msg_type,
                peer_asn: session_asn(vantage.asn),
                local_asn: session_asn(12654),
                interface_index: 0,
                peer_ip: vantage.ip,
                local_ip: match vantage.ip {
                    IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(198, 18, 255, 254)),
                    IpAddr::V6(_) => {
                        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 0xfffe))
                    }
                },
                bgp_message: BgpMessage::Update(msg),
            })),
        };
        let bytes = record
            .encode()
            .map_err(|e| anyhow::anyhow!("encoding record {}: {e:?}", self.records))?;
        self.out.write_all(&bytes)?;
        self.bytes += bytes.len() as u64;
        self.records += 1;
        Ok(())
    }
}

fn mp_nlri(next_hop: Option<NextHopAddress>, prefixes: Vec<NetworkPrefix>) -> Nlri {
    Nlri {
        afi: Afi::Ipv6,
        safi: Safi::Unicast,
        next_hop,
        prefixes,
        labeled_prefixes: None,
        link_state_nlris: None,
        flowspec_nlris: None,
    }
}

/// AS_PATH, and AS4_PATH on a 2-octet session when the path has 4-octet ASNs (RFC 6793).
fn wire_path(path: &[u32], two_octet: bool) -> (AsPath, Option<AsPath>) {
    let full = AsPath::from_segments(vec![AsPathSegment::sequence(path)]);
    if !two_octet || path.iter().all(|a| *a <= 65535) {
        return (full, None);
    }
    let trans: Vec<u32> = path
        .iter()
        .map(|a| if *a > 65535 { 23456 } else { *a })
        .collect();
    (
        AsPath::from_segments(vec![AsPathSegment::sequence(&trans)]),
        Some(full),
    )
}

/// Up to six communities of the tier-1 networks on the path, as transit networks tag routes.
fn communities(topo: &Topology, path: &[u32], variant: u64) -> Vec<(u32, u16)> {
    let h = mix(u64::from(path[path.len() - 1]) ^ (variant << 32));
    let n = (h % 7) as usize;
    let tagger = path
        .iter()
        .find(|a| topo.tier1.contains(a))
        .or_else(|| path.iter().find(|a| **a <= 65535));
    match tagger {
        Some(&t) => (0..n)
            .map(|i| (t, (mix(h ^ i as u64) % 65000) as u16))
            .collect(),
        None => Vec::new(),
    }
}

pub fn run(a: Args) -> Result<Value> {
    if a.vantages < INJECT_VANTAGES || a.vantages > 250 {
        bail!("--vantages: between {INJECT_VANTAGES} and 250");
    }
    if a.monitored == 0 || a.monitored * 4 > a.prefixes {
        bail!("--monitored: at least 1, at most a quarter of --prefixes");
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut rng = Rng(a.seed);
    let mut topo = build_topology(&mut rng, a.vantages);

    // The table: origins and their prefixes, each origin's prefixes side by side.
    let mut alloc = Allocator::new();
    let mut table: Vec<IpNet> = Vec::with_capacity(a.prefixes);
    let mut owner: Vec<u32> = Vec::with_capacity(a.prefixes);
    let (mut two_octet, mut four_octet) = (0u32, 0u32);
    while table.len() < a.prefixes {
        let count = origin_size(&mut rng).min(a.prefixes - table.len());
        // A third of origins have 4-octet ASNs, the rest 2-octet ones below 60000.
        let asn = if rng.below(3) == 0 || two_octet >= 40_000 {
            four_octet += 1;
            200_000 + four_octet
        } else {
            two_octet += 1;
            let asn = 20_000 + two_octet;
            if asn == 23456 {
                two_octet += 1;
                20_000 + two_octet
            } else {
                asn
            }
        };
        let v6 = rng.chance(0.12);
        let o = topo.origins.len() as u32;
        let first = table.len();
        for _ in 0..count {
            table.push(if v6 {
                alloc.v6(&mut rng)?
            } else {
                alloc.v4(&mut rng)?
            });
            owner.push(o);
        }
        let providers = (0..1 + rng.below(3))
            .map(|_| {
                if rng.below(3) == 0 {
                    Transit::Large(rng.below(LARGE))
                } else {
                    Transit::Regional(rng.below(REGIONAL))
                }
            })
            .collect();
        let prepend = if rng.chance(0.12) {
            1 + rng.below(3)
        } else {
            0
        };
        topo.origins.push(OriginAs {
            asn,
            providers,
            prepend,
            first,
            count,
        });
    }

    // Monitored: whole origins (an operator's prefixes), until the count is reached.
    let mut monitored_origins: Vec<usize> = Vec::new();
    let mut monitored: Vec<usize> = Vec::with_capacity(a.monitored);
    let stride = (topo.origins.len() / 997).max(1);
    let mut o = rng.below(stride);
    while monitored.len() < a.monitored {
        let origin = &topo.origins[o % topo.origins.len()];
        if !monitored_origins.contains(&(o % topo.origins.len())) {
            monitored_origins.push(o % topo.origins.len());
            let take = origin.count.min(a.monitored - monitored.len());
            monitored.extend(origin.first..origin.first + take);
        }
        o += stride + rng.below(3);
    }

    let target = a.updates;
    let mut w = Writer {
        out: BufWriter::with_capacity(
            1 << 20,
            File::create(a.out.join("updates.mrt")).context("creating updates.mrt")?,
        ),
        records: 0,
        announced: 0,
        withdrawn: 0,
        bytes: 0,
        target,
    };
    let announce = |topo: &Topology, v: usize, o: usize, prefixes: Vec<IpNet>, variant: u64| {
        let path = topo.path(v, o, variant);
        Update {
            vantage: v,
            communities: communities(topo, &path, variant),
            prefixes,
            path: Some(path),
        }
    };
    let batch_len =
        |rng: &mut Rng| 1 + rng.below(3) + if rng.chance(0.2) { rng.below(12) } else { 0 };

    // 1. The monitored prefixes from every vantage.
    for &o in &monitored_origins {
        let origin = &topo.origins[o];
        let end = origin.first + origin.count;
        let mon_end = monitored
            .iter()
            .filter(|&&i| owner[i] as usize == o)
            .count()
            + origin.first;
        for v in 0..a.vantages {
            let mut i = origin.first;
            while i < mon_end.min(end) {
                let k = (1 + rng.below(8)).min(mon_end - i);
                let u = announce(&topo, v, o, table[i..i + k].to_vec(), 0);
                w.write(&topo, &u)?;
                i += k;
            }
        }
    }
    // 2. Every prefix once, from some vantage.
    for (o, origin) in topo.origins.iter().enumerate() {
        let mut i = origin.first;
        while i < origin.first + origin.count {
            let k = batch_len(&mut rng).min(origin.first + origin.count - i);
            let v = rng.below(a.vantages);
            let u = announce(&topo, v, o, table[i..i + k].to_vec(), 0);
            w.write(&topo, &u)?;
            i += k;
        }
    }
    if w.records + 10 * (INJECT_EACH * INJECT_VANTAGES) as u64 > target {
        bail!(
            "--updates {target} is too few: the table alone takes {} records",
            w.records
        );
    }

    // 3. Churn, with injected events at fixed points.
    let hijacker = |i: usize| 64_000 - i as u32 * 11;
    let mut injections = plan_injections(&mut rng, &topo, &monitored, &owner, a.vantages);
    injections.sort_by_key(|j| j.at);
    let churn_start = w.records;
    let churn = target - churn_start;
    let mut next = 0;
    let mut injected = std::collections::BTreeMap::<&str, usize>::new();
    while w.records < target {
        let done = w.records - churn_start;
        if let Some(j) = injections.get(next).filter(|j| j.at * churn / 1000 <= done) {
            next += 1;
            *injected.entry(j.kind).or_default() += usize::from(j.start);
            let p = table[j.prefix];
            let o = owner[j.prefix] as usize;
            for &v in &j.vantages {
                if w.records >= target {
                    break;
                }
                let u = injected_update(&topo, j, v, o, p, hijacker(j.index));
                w.write(&topo, &u)?;
            }
            continue;
        }
        let i = rng.below(table.len());
        let o = owner[i] as usize;
        let origin = &topo.origins[o];
        let k = batch_len(&mut rng).min(origin.first + origin.count - i);
        let v = rng.below(a.vantages);
        let prefixes = table[i..i + k].to_vec();
        let u = if rng.chance(0.15) {
            Update {
                vantage: v,
                prefixes,
                path: None,
                communities: vec![],
            }
        } else {
            let variant = if rng.chance(0.7) {
                0
            } else {
                1 + rng.below(3) as u64
            };
            announce(&topo, v, o, prefixes, variant)
        };
        w.write(&topo, &u)?;
    }
    w.out.flush()?;

    write_config(&a, &topo, &table, &owner, &monitored)?;
    write_relationships(&a, &topo)?;

    let v6 = table.iter().filter(|p| matches!(p, IpNet::V6(_))).count();
    Ok(json!({
        "mode": "routes-gen",
        "seed": a.seed,
        "records": w.records,
        "bytes": w.bytes,
        "prefix_events": w.announced + w.withdrawn,
        "announced": w.announced,
        "withdrawn": w.withdrawn,
        "prefixes": table.len(),
        "prefixes_v6": v6,
        "origins": topo.origins.len(),
        "vantages": a.vantages,
        "monitored": monitored.len(),
        "monitored_origins": monitored_origins.len(),
        "injected": injected,
    }))
}

/// An injected event: `start` makes it, the matching `!start` (later) ends it.
struct Injection {
    /// Per mille of the churn part at which it happens.
    at: u64,
    kind: &'static str,
    start: bool,
    index: usize,
    prefix: usize,
    vantages: Vec<usize>,
    /// Route leak: the leaker and its two large providers.
    leak: Option<(usize, usize, usize)>,
}

fn plan_injections(
    rng: &mut Rng,
    topo: &Topology,
    monitored: &[usize],
    owner: &[u32],
    vantages: usize,
) -> Vec<Injection> {
    let kinds = [
        "origin-hijack",
        "subprefix-hijack",
        "route-leak",
        "path-anomaly",
    ];
    let mut out = Vec::new();
    for (k, kind) in kinds.iter().enumerate() {
        for n in 0..INJECT_EACH {
            let index = k * INJECT_EACH + n;
            // Spread over the churn: each event lasts a few per cent of it.
            let at = 50 + (index as u64 * 900) / (kinds.len() * INJECT_EACH) as u64;
            let mut leak = None;
            let mut prefix = *rng.pick(monitored);
            if *kind == "route-leak" {
                // A monitored origin behind a regional transit, and another regional
                // with two large providers, one of them the first's.
                loop {
                    let o = &topo.origins[owner[prefix] as usize];
                    if let Some(Transit::Regional(r)) = o.providers.first().copied() {
                        let la = topo.regional_up[r][0];
                        let leaker = (0..REGIONAL).find(|&x| {
                            x != r
                                && topo.regional_up[x].len() == 2
                                && topo.regional_up[x].contains(&la)
                        });
                        if let Some(x) = leaker {
                            let lb = topo.regional_up[x]
                                .iter()
                                .copied()
                                .find(|&l| l != la)
                                .unwrap_or(la);
                            leak = Some((x, la, lb));
                            break;
                        }
                    }
                    prefix = *rng.pick(monitored);
                }
            }
            let vs = distinct(rng, vantages, INJECT_VANTAGES);
            for start in [true, false] {
                out.push(Injection {
                    at: if start { at } else { at + 30 },
                    kind,
                    start,
                    index,
                    prefix,
                    vantages: vs.clone(),
                    leak,
                });
            }
        }
    }
    out
}

fn injected_update(
    topo: &Topology,
    j: &Injection,
    v: usize,
    o: usize,
    p: IpNet,
    hijacker: u32,
) -> Update {
    let vantage = &topo.vantages[v];
    let t1 = topo.tier1[vantage.providers[0]];
    let legit = |prefixes| {
        let path = topo.path(v, o, 0);
        Update {
            vantage: v,
            communities: communities(topo, &path, 0),
            prefixes,
            path: Some(path),
        }
    };
    let sub = || {
        match p {
            IpNet::V4(n) => n
                .subnets(n.prefix_len() + 1)
                .ok()
                .and_then(|mut s| s.next())
                .map(IpNet::V4),
            IpNet::V6(n) => n
                .subnets(n.prefix_len() + 1)
                .ok()
                .and_then(|mut s| s.next())
                .map(IpNet::V6),
        }
        .unwrap_or(p)
    };
    let with_path = |prefixes, path: Vec<u32>| Update {
        vantage: v,
        communities: vec![],
        prefixes,
        path: Some(path),
    };
    let origin = topo.origins[o].asn;
    let large = topo.large[0];
    match (j.kind, j.start) {
        ("origin-hijack", true) => with_path(vec![p], vec![vantage.asn, t1, large, hijacker]),
        ("subprefix-hijack", true) => {
            with_path(vec![sub()], vec![vantage.asn, t1, large, hijacker])
        }
        ("subprefix-hijack", false) => Update {
            vantage: v,
            prefixes: vec![sub()],
            path: None,
            communities: vec![],
        },
        ("route-leak", true) => {
            let Some((leaker, la, lb)) = j.leak else {
                return legit(vec![p]);
            };
            let Some(Transit::Regional(r)) = topo.origins[o].providers.first().copied() else {
                return legit(vec![p]);
            };
            let t1b = topo.tier1[topo.large_up[lb][0]];
            let mut path = vec![vantage.asn];
            if !vantage.providers.contains(&topo.large_up[lb][0]) {
                path.push(t1);
            }
            path.extend([
                t1b,
                topo.large[lb],
                topo.regional[leaker],
                topo.large[la],
                topo.regional[r],
                origin,
            ]);
            with_path(vec![p], path)
        }
        // A forged adjacency: an allowed origin behind a neighbour it has no link with.
        ("path-anomaly", true) => with_path(
            vec![p],
            vec![vantage.asn, t1, large, FORGED_NEIGHBOUR, origin],
        ),
        _ => legit(vec![p]),
    }
}

fn write_config(
    a: &Args,
    topo: &Topology,
    table: &[IpNet],
    owner: &[u32],
    monitored: &[usize],
) -> Result<()> {
    let mut f = BufWriter::new(File::create(a.out.join("parapet.toml"))?);
    let mut vrps = BufWriter::new(File::create(a.out.join("vrps.json"))?);
    writeln!(
        f,
        "# Generated by `parapet-bench routes-gen --seed {}`: {} monitored prefixes.",
        a.seed,
        monitored.len()
    )?;
    writeln!(
        f,
        "[routes]\nvrps = \"vrps.json\"\nrelationships = \"as-rel.txt\"\nmin_vantages = 2\n"
    )?;
    writeln!(vrps, "{{\"roas\": [")?;
    for (n, &i) in monitored.iter().enumerate() {
        let origin = topo.origins[owner[i] as usize].asn;
        writeln!(
            f,
            "[[routes.prefixes]]\nprefix = \"{}\"\norigins = [{origin}]\n",
            table[i]
        )?;
        writeln!(
            vrps,
            "  {{\"asn\": {origin}, \"prefix\": \"{}\", \"maxLength\": {}, \"ta\": \"bench\"}}{}",
            table[i],
            table[i].prefix_len(),
            if n + 1 < monitored.len() { "," } else { "" }
        )?;
    }
    writeln!(vrps, "]}}")?;
    f.flush()?;
    vrps.flush()?;
    Ok(())
}

fn write_relationships(a: &Args, topo: &Topology) -> Result<()> {
    let mut f = BufWriter::new(File::create(a.out.join("as-rel.txt"))?);
    writeln!(
        f,
        "# Generated by `parapet-bench routes-gen --seed {}`.",
        a.seed
    )?;
    for (i, x) in topo.tier1.iter().enumerate() {
        for y in &topo.tier1[i + 1..] {
            writeln!(f, "{x}|{y}|0")?;
        }
    }
    for (l, ups) in topo.large_up.iter().enumerate() {
        for &t in ups {
            writeln!(f, "{}|{}|-1", topo.tier1[t], topo.large[l])?;
        }
    }
    for (r, ups) in topo.regional_up.iter().enumerate() {
        for &l in ups {
            writeln!(f, "{}|{}|-1", topo.large[l], topo.regional[r])?;
        }
    }
    for o in &topo.origins {
        for &p in &o.providers {
            writeln!(f, "{}|{}|-1", topo.transit_asn(p), o.asn)?;
        }
    }
    for (v, vantage) in topo.vantages.iter().enumerate() {
        for &t in &vantage.providers {
            writeln!(f, "{}|{}|-1", topo.tier1[t], vantage.asn)?;
        }
        for l in (0..LARGE).filter(|&l| Topology::peers_with(v, l)) {
            writeln!(f, "{}|{}|0", vantage.asn, topo.large[l])?;
        }
    }
    f.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::*;

    fn generate(dir: &std::path::Path, seed: u64) -> Value {
        run(Args {
            out: dir.to_owned(),
            updates: 20_000,
            prefixes: 16_000,
            vantages: 20,
            monitored: 200,
            seed,
        })
        .unwrap()
    }

    #[test]
    fn the_same_seed_writes_the_same_bytes() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        generate(a.path(), 7);
        generate(b.path(), 7);
        generate(c.path(), 8);
        for f in ["updates.mrt", "parapet.toml", "vrps.json", "as-rel.txt"] {
            let x = std::fs::read(a.path().join(f)).unwrap();
            assert_eq!(x, std::fs::read(b.path().join(f)).unwrap(), "{f}");
            if f != "as-rel.txt" {
                assert_ne!(x, std::fs::read(c.path().join(f)).unwrap(), "{f}");
            }
        }
    }

    /// The replay reads every record and prefix written, and only the injected events
    /// alert: ordinary routes are legitimate for the config, the ROAs and the relationships.
    #[test]
    fn replay_reads_everything_and_alerts_only_on_the_injected_events() {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(dir.path(), 1);
        let config = parapet_config::Config::load(&dir.path().join("parapet.toml")).unwrap();
        let routes = config.routes.as_ref().unwrap();
        assert_eq!(routes.prefixes.len(), 200);
        let mut engine = parapet_routes::Engine::load(routes).unwrap();
        let mut got = BTreeMap::<String, u64>::new();
        let stats = parapet_routes::mrt::replay_files(
            &mut engine,
            &[dir.path().join("updates.mrt")],
            &mut |a| *got.entry(a.kind_str.to_string()).or_default() += 1,
            None,
        )
        .unwrap();
        assert_eq!(stats.records, 20_000);
        assert_eq!(Some(stats.prefixes), summary["prefix_events"].as_u64());
        assert_eq!(stats.malformed, 0);
        let n = INJECT_EACH as u64;
        let want: BTreeMap<String, u64> = [
            ("origin-hijack", n),
            ("subprefix-hijack", n),
            ("route-leak", n),
            ("path-anomaly", n),
            // Both hijacks are RPKI-invalid too.
            ("rpki-invalid", 2 * n),
        ]
        .into_iter()
        .flat_map(|(k, c)| [(k.to_string(), c), (format!("{k}-resolved"), c)])
        .collect();
        assert_eq!(got, want);
        for kind in [
            "origin-hijack",
            "subprefix-hijack",
            "route-leak",
            "path-anomaly",
        ] {
            assert_eq!(summary["injected"][kind].as_u64(), Some(n), "{kind}");
        }
    }
}

//! BGP UPDATE messages (as bgpkit-parser decodes them) in terms of the route model: the one
//! place that walks withdrawn and announced NLRI (IPv4 fields and MP_REACH / MP_UNREACH)
//! and builds AS paths, for every input that carries BGP messages (MRT, BMP).

use std::sync::Arc;

use bgpkit_parser::models::{AsPathSegment, Attributes, BgpUpdateMessage};
use ipnet::IpNet;

use crate::model::{AsPath, Asn, Hop};

/// One prefix of an UPDATE, inside monitored space.
pub(crate) enum Nlri<'a> {
    Withdraw {
        prefix: IpNet,
        path_id: Option<u32>,
    },
    Announce {
        prefix: IpNet,
        path_id: Option<u32>,
        path: &'a Arc<AsPath>,
        otc: Option<Asn>,
    },
}

/// An announcement without an AS path: the UPDATE is malformed (RFC 4271 makes AS_PATH
/// mandatory). Its withdrawals were still reported.
#[derive(Debug)]
pub(crate) struct NoAsPath;

/// Where the prefixes of an UPDATE go.
pub(crate) trait NlriSink {
    /// Whether `prefix` is in monitored space (others are only counted).
    fn monitors(&self, prefix: &IpNet) -> bool;
    fn nlri(&mut self, nlri: Nlri<'_>);
}

/// Hands `sink` every withdrawn, then every announced prefix of `u` in monitored space, and
/// returns how many prefixes the UPDATE carried in all.
///
/// The AS path is built once, and only when a monitored prefix is announced: the hot path
/// of a replay or a table dump is one trie lookup per prefix.
pub(crate) fn for_each_nlri(
    u: &BgpUpdateMessage,
    sink: &mut impl NlriSink,
) -> Result<u64, NoAsPath> {
    let mut count = 0u64;
    let unreach = u.attributes.get_unreachable_nlri();
    let withdrawn = u
        .withdrawn_prefixes
        .iter()
        .chain(unreach.iter().flat_map(|n| n.prefixes.iter()));
    for p in withdrawn {
        count += 1;
        if sink.monitors(&p.prefix) {
            sink.nlri(Nlri::Withdraw {
                prefix: p.prefix,
                path_id: p.path_id,
            });
        }
    }
    let reach = u.attributes.get_reachable_nlri();
    let announced = u
        .announced_prefixes
        .iter()
        .chain(reach.iter().flat_map(|n| n.prefixes.iter()));
    let mut path: Option<Arc<AsPath>> = None;
    let otc = u.attributes.only_to_customer().map(|a| a.to_u32());
    for p in announced {
        count += 1;
        if !sink.monitors(&p.prefix) {
            continue;
        }
        let path = match &path {
            Some(path) => path,
            None => path.insert(Arc::new(as_path(&u.attributes).ok_or(NoAsPath)?)),
        };
        sink.nlri(Nlri::Announce {
            prefix: p.prefix,
            path_id: p.path_id,
            path,
            otc,
        });
    }
    Ok(count)
}

/// The route's AS path (AS_PATH merged with AS4_PATH per RFC 6793 when both are
/// present), confederation segments dropped. `None` when there is no path at all.
pub(crate) fn as_path(attributes: &Attributes) -> Option<AsPath> {
    let merged;
    let path = match (attributes.as_path(), attributes.as4_path()) {
        (Some(p), Some(p4)) => {
            merged = bgpkit_parser::models::AsPath::merge_aspath_as4path(p, p4);
            &merged
        }
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => return None,
    };
    Some(from_bgpkit(path))
}

/// bgpkit-parser's AS path in the model's terms, confederation segments dropped.
pub(crate) fn from_bgpkit(path: &bgpkit_parser::models::AsPath) -> AsPath {
    let mut hops = Vec::with_capacity(8);
    for seg in path.iter_segments() {
        match seg {
            AsPathSegment::AsSequence(v) => hops.extend(v.iter().map(|a| Hop::Asn(a.to_u32()))),
            AsPathSegment::AsSet(v) => {
                hops.push(Hop::Set(v.iter().map(|a| a.to_u32()).collect()));
            }
            AsPathSegment::ConfedSequence(_) | AsPathSegment::ConfedSet(_) => {}
        }
    }
    AsPath::from_hops(hops)
}

//! The one route-event model every input feeds: MRT replay, BMP, later RIS Live.
//!
//! A [`RouteEvent`] is what one vantage said at one instant: a route announced, a route
//! withdrawn, or the vantage's session gone (which withdraws everything it announced). The
//! engine ([`crate::Engine`]) never learns which input an event came from; a vantage says
//! only whose view it is (a collector's peer, or one RIB of one of the operator's routers).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use parapet_core::Timestamp;
use serde::Serialize;

/// An autonomous system number (4 octets, RFC 6793).
pub type Asn = u32;

/// One BGP peer whose view we see: a collector's peer, or a peer of one of the operator's
/// routers seen through BMP (one vantage per RIB view, so that a pre-policy and a
/// post-policy stream of the same peer never overwrite each other's routes).
///
/// `min_vantages` and an alert's `vantages` count distinct peers ([`Vantage::peer`]): the
/// two views of one peer, or one route server seen by two routers, are one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Vantage {
    /// The peer's AS.
    pub asn: Asn,
    /// The peer's address on the session.
    pub address: IpAddr,
    /// The BMP exporter whose stream this is; `None` for collectors (MRT, RIS Live).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router: Option<IpAddr>,
    /// Which RIB of the router the routes come from.
    #[serde(skip_serializing_if = "View::is_collector")]
    pub view: View,
}

impl Vantage {
    /// A collector's peer (MRT archives, RIS Live).
    pub const fn collector(asn: Asn, address: IpAddr) -> Self {
        Vantage {
            asn,
            address,
            router: None,
            view: View::Collector,
        }
    }

    /// The BGP peer itself (AS, address), whatever router or view it is seen through.
    pub const fn peer(&self) -> (Asn, IpAddr) {
        (self.asn, self.address)
    }
}

impl fmt::Display for Vantage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AS{} {}", self.asn, self.address)?;
        if let Some(r) = self.router {
            write!(f, " via {r} ({})", self.view.as_str())?;
        }
        Ok(())
    }
}

/// The RIB a vantage's routes come from (RFC 7854 pre/post-policy Adj-RIB-In, RFC 8671
/// Adj-RIB-Out, RFC 9069 Loc-RIB), or a collector's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum View {
    /// A route collector's session (MRT, RIS Live): what the peer sent.
    #[default]
    Collector,
    /// What the peer sent the router, before its import policy.
    PrePolicy,
    /// What the router accepted from the peer, after its import policy.
    PostPolicy,
    /// What the router sends the peer, before its export policy.
    AdjRibOutPre,
    /// What the router sends the peer, after its export policy.
    AdjRibOutPost,
    /// The router's own best paths (the peer is the router itself).
    LocRib,
}

impl View {
    pub const fn as_str(self) -> &'static str {
        match self {
            View::Collector => "collector",
            View::PrePolicy => "pre-policy",
            View::PostPolicy => "post-policy",
            View::AdjRibOutPre => "adj-rib-out-pre",
            View::AdjRibOutPost => "adj-rib-out-post",
            View::LocRib => "loc-rib",
        }
    }

    pub const fn is_collector(&self) -> bool {
        matches!(self, View::Collector)
    }
}

/// One element of an AS path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hop {
    /// One AS of an AS_SEQUENCE.
    Asn(Asn),
    /// An AS_SET (aggregation, RFC 4271): an unordered set whose members are all "the" AS.
    Set(Box<[Asn]>),
}

/// An AS path as received: the vantage's neighbour first, the origin last, prepends kept.
///
/// Confederation segments are dropped when a path is built: they are internal to one AS and
/// never part of the inter-domain path the detectors reason about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AsPath {
    hops: Vec<Hop>,
}

impl AsPath {
    /// A path of plain AS_SEQUENCE hops.
    pub fn from_sequence(asns: &[Asn]) -> Self {
        AsPath {
            hops: asns.iter().copied().map(Hop::Asn).collect(),
        }
    }

    /// A path of the given hops.
    pub fn from_hops(hops: Vec<Hop>) -> Self {
        AsPath { hops }
    }

    pub fn hops(&self) -> &[Hop] {
        &self.hops
    }

    pub fn is_empty(&self) -> bool {
        self.hops.is_empty()
    }

    /// The origin AS: the last hop, or the only member of a final one-element AS_SET.
    /// `None` for an empty path or one that ends in a larger AS_SET (RFC 6907: such a route
    /// has no single origin, so it can never match a ROA).
    pub fn origin(&self) -> Option<Asn> {
        match self.hops.last()? {
            Hop::Asn(a) => Some(*a),
            Hop::Set(s) if s.len() == 1 => s.first().copied(),
            Hop::Set(_) => None,
        }
    }

    /// The path with prepends removed, one entry per AS hop, neighbour first: `Some(asn)`
    /// for a single AS (including a one-element AS_SET), `None` for a larger AS_SET.
    pub fn flat(&self) -> Vec<Option<Asn>> {
        let mut out: Vec<Option<Asn>> = Vec::with_capacity(self.hops.len());
        for hop in &self.hops {
            let h = match hop {
                Hop::Asn(a) => Some(*a),
                Hop::Set(s) if s.len() == 1 => s.first().copied(),
                Hop::Set(_) => None,
            };
            if h.is_some() && out.last() == Some(&h) {
                continue;
            }
            out.push(h);
        }
        out
    }

    /// The JSON form used in alerts: numbers for sequence hops, an array for an AS_SET.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.hops
                .iter()
                .map(|h| match h {
                    Hop::Asn(a) => serde_json::Value::from(*a),
                    Hop::Set(s) => serde_json::Value::from(s.to_vec()),
                })
                .collect(),
        )
    }
}

impl fmt::Display for AsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, h) in self.hops.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match h {
                Hop::Asn(a) => write!(f, "{a}")?,
                Hop::Set(s) => {
                    f.write_str("{")?;
                    for (j, a) in s.iter().enumerate() {
                        if j > 0 {
                            f.write_str(",")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str("}")?;
                }
            }
        }
        Ok(())
    }
}

/// What a vantage said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteChange {
    /// A route to `prefix` over `path`, replacing any earlier route to it from this vantage.
    Announce {
        prefix: IpNet,
        /// The ADD-PATH (RFC 7911) path identifier, on sessions that use it.
        path_id: Option<u32>,
        path: Arc<AsPath>,
        /// The RFC 9234 Only-To-Customer attribute, when present.
        otc: Option<Asn>,
    },
    /// The vantage no longer has a route to `prefix` (or this ADD-PATH path of it).
    Withdraw { prefix: IpNet, path_id: Option<u32> },
    /// The vantage's session went down: every route it announced is gone.
    PeerDown,
}

/// One observation from one vantage, at the time the input says it happened (the replay's
/// virtual clock, or the receive time of a live feed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEvent {
    pub time: Timestamp,
    pub vantage: Vantage,
    pub change: RouteChange,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_and_flat_handle_prepends_and_sets() {
        let p = AsPath::from_hops(vec![
            Hop::Asn(3356),
            Hop::Asn(13335),
            Hop::Asn(13335),
            Hop::Set(vec![64500].into()),
        ]);
        assert_eq!(p.origin(), Some(64500));
        assert_eq!(p.flat(), vec![Some(3356), Some(13335), Some(64500)]);
        let set = AsPath::from_hops(vec![Hop::Asn(174), Hop::Set(vec![1, 2].into())]);
        assert_eq!(set.origin(), None);
        assert_eq!(set.flat(), vec![Some(174), None]);
        assert_eq!(set.to_string(), "174 {1,2}");
        assert_eq!(set.to_json(), serde_json::json!([174, [1, 2]]));
        assert_eq!(AsPath::default().origin(), None);
    }
}

//! AS relationships (CAIDA serial-2), the valley-free rule and RFC 9234 Only-To-Customer.
//!
//! Paths here are "flat" ([`crate::AsPath::flat`]): prepends removed, neighbour first,
//! origin last, `None` for an AS_SET. A route travels from the origin towards the vantage,
//! so the edges are walked from the end of the slice to its start.

use std::collections::HashMap;
use std::path::Path;

use crate::model::Asn;
use crate::rpki::Aspas;
use crate::RoutesError;

/// How a route moves over one edge, from the sender's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Customer to provider.
    Up,
    /// Between peers.
    Across,
    /// Provider to customer.
    Down,
}

/// Who is whose provider, from a CAIDA serial-2 file (`provider|customer|-1|source`,
/// `peer|peer|0|source`; `#` starts a comment).
#[derive(Debug, Clone, Default)]
pub struct Relationships {
    /// Keyed by (smaller ASN, larger ASN): -1 means the smaller is the provider, 1 the
    /// larger, 0 peers.
    pairs: HashMap<(Asn, Asn), i8>,
    /// Lines that were skipped because they made no sense.
    pub skipped: usize,
}

impl Relationships {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn load(path: &Path) -> Result<Self, RoutesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RoutesError::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self::parse(&text))
    }

    /// Parses serial-2 (and serial-1, which has no source column) text.
    pub fn parse(text: &str) -> Self {
        let mut r = Relationships::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('|');
            let (Some(a), Some(b), Some(rel)) = (fields.next(), fields.next(), fields.next())
            else {
                r.skipped += 1;
                continue;
            };
            match (a.trim().parse(), b.trim().parse(), rel.trim()) {
                (Ok(a), Ok(b), "-1") if a != b => r.insert_provider(a, b),
                (Ok(a), Ok(b), "0") if a != b => r.insert_peers(a, b),
                _ => r.skipped += 1,
            }
        }
        r
    }

    pub fn insert_provider(&mut self, provider: Asn, customer: Asn) {
        if provider < customer {
            self.pairs.insert((provider, customer), -1);
        } else {
            self.pairs.insert((customer, provider), 1);
        }
    }

    pub fn insert_peers(&mut self, a: Asn, b: Asn) {
        self.pairs.insert((a.min(b), a.max(b)), 0);
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Whether the file knows any relationship between `a` and `b`.
    pub fn adjacent(&self, a: Asn, b: Asn) -> bool {
        self.pairs.contains_key(&(a.min(b), a.max(b)))
    }

    /// How a route sent by `from` to `to` moves, when the file knows.
    pub fn edge(&self, from: Asn, to: Asn) -> Option<Edge> {
        let rel = *self.pairs.get(&(from.min(to), from.max(to)))?;
        // Normalise to "is `from` the provider of `to`?".
        let from_is_smaller = from < to;
        Some(match (rel, from_is_smaller) {
            (0, _) => Edge::Across,
            (-1, true) | (1, false) => Edge::Down,
            _ => Edge::Up,
        })
    }
}

/// A valley in `flat`: after the route went across or down, it went up or across again.
/// Returns the offender, the AS that sent it up or sideways. Unknown edges (no relationship
/// known, or an AS_SET on either side) are skipped.
pub fn valley(flat: &[Option<Asn>], rels: &Relationships) -> Option<Asn> {
    let mut descending = false;
    for i in (1..flat.len()).rev() {
        let (Some(from), Some(to)) = (flat[i], flat[i - 1]) else {
            continue;
        };
        match rels.edge(from, to) {
            None => {}
            Some(Edge::Up | Edge::Across) if descending => return Some(from),
            Some(Edge::Across | Edge::Down) => descending = true,
            Some(Edge::Up) => {}
        }
    }
    None
}

/// An RFC 9234 Only-To-Customer violation: once the route reached the OTC AS, it may only
/// go down (and across from the OTC AS itself, which set OTC when sending to its peer).
/// Returns the offender. Edges are known from the relationships or, failing that, from
/// ASPA records (a customer's ASPA naming the receiver makes the edge "up").
pub fn otc_violation(
    flat: &[Option<Asn>],
    otc: Asn,
    rels: Option<&Relationships>,
    aspas: Option<&Aspas>,
) -> Option<Asn> {
    // The OTC AS nearest the origin: everything after it must flow down.
    let start = flat.iter().rposition(|h| *h == Some(otc))?;
    for i in (1..=start).rev() {
        let (Some(from), Some(to)) = (flat[i], flat[i - 1]) else {
            continue;
        };
        let edge = rels.and_then(|r| r.edge(from, to)).or_else(|| {
            aspas
                .and_then(|a| a.providers(from))
                .filter(|p| p.binary_search(&to).is_ok())
                .map(|_| Edge::Up)
        });
        match edge {
            Some(Edge::Up) => return Some(from),
            Some(Edge::Across) if from != otc => return Some(from),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CAIDA: &str = "# source:topology|BGP\n\
        # provider|customer|-1, peer|peer|0\n\
        701|396531|-1|bgp\n\
        396531|33154|-1|bgp\n\
        174|701|0|bgp\n\
        3356|701|0|bgp\n\
        3356|13335|-1|bgp\n\
        garbage line\n\
        1|x|-1|bgp\n";

    fn flat(p: &[Asn]) -> Vec<Option<Asn>> {
        p.iter().copied().map(Some).collect()
    }

    #[test]
    fn parses_serial_2() {
        let r = Relationships::parse(CAIDA);
        assert_eq!(r.len(), 5);
        assert_eq!(r.skipped, 2);
        assert_eq!(r.edge(396531, 701), Some(Edge::Up));
        assert_eq!(r.edge(701, 396531), Some(Edge::Down));
        assert_eq!(r.edge(174, 701), Some(Edge::Across));
        assert_eq!(r.edge(701, 174), Some(Edge::Across));
        assert_eq!(r.edge(13335, 174), None);
        assert!(r.adjacent(13335, 3356));
    }

    #[test]
    fn the_2019_leak_is_a_valley_with_its_leaker() {
        let r = Relationships::parse(CAIDA);
        // 13335 -> 3356 (up) -> 701 (across) -> 396531 (down) -> 33154 (down): fine.
        assert_eq!(valley(&flat(&[33154, 396531, 701, 3356, 13335]), &r), None);
        // 33154 -> 396531 (up) -> 701 (up) -> 174 (across): fine, a customer route.
        assert_eq!(valley(&flat(&[174, 701, 396531, 33154]), &r), None);
        assert_eq!(
            valley(&flat(&[174, 701, 396531, 33154]), &r),
            None,
            "a customer route is not a leak"
        );
        let leak = flat(&[701, 396531, 33154, 3356, 13335]);
        let mut r2 = r.clone();
        r2.insert_provider(3356, 33154);
        // 13335 -> 3356 (up) -> 33154 (down) -> 396531 (up!): 33154 leaked.
        assert_eq!(valley(&leak, &r2), Some(33154));
        // Peer then peer: also a valley, the second sender is the offender.
        let mut r3 = Relationships::new();
        r3.insert_peers(1, 2);
        r3.insert_peers(2, 3);
        assert_eq!(valley(&flat(&[3, 2, 1]), &r3), Some(2));
        // Unknown edges are skipped, never blamed.
        assert_eq!(valley(&flat(&[9, 8, 7]), &r3), None);
    }

    #[test]
    fn otc_violations() {
        let mut r = Relationships::new();
        r.insert_provider(10, 20); // 10 provides 20
        r.insert_provider(30, 20); // 30 provides 20
        r.insert_peers(20, 40);
        r.insert_peers(10, 50);
        // Origin 1 -> 10; 10 sends to its customer 20 with OTC=10; 20 sends up to 30: leak.
        assert_eq!(
            otc_violation(&flat(&[30, 20, 10, 1]), 10, Some(&r), None),
            Some(20)
        );
        // 20 sends to its peer 40: leak (a peer other than the OTC AS).
        assert_eq!(
            otc_violation(&flat(&[40, 20, 10, 1]), 10, Some(&r), None),
            Some(20)
        );
        // 10 itself sends to its peer 50 after setting OTC: allowed.
        assert_eq!(otc_violation(&flat(&[50, 10, 1]), 10, Some(&r), None), None);
        // Down only: fine.
        assert_eq!(otc_violation(&flat(&[20, 10, 1]), 10, Some(&r), None), None);
        // The OTC AS is not on the path: nothing to say.
        assert_eq!(otc_violation(&flat(&[30, 20]), 99, Some(&r), None), None);
        // Without relationships, an ASPA naming the receiver as provider shows the "up".
        let mut a = Aspas::new();
        a.insert(20, &[30]);
        assert_eq!(
            otc_violation(&flat(&[30, 20, 10, 1]), 10, None, Some(&a)),
            Some(20)
        );
    }

    proptest! {
        #[test]
        fn a_path_going_only_up_then_down_has_no_valley(up in 1usize..6, down in 0usize..6, peer in any::<bool>()) {
            // AS numbers 1..: origin 1 goes up `up` times, maybe across, then down.
            let mut r = Relationships::new();
            let mut path: Vec<Asn> = vec![1];
            let mut next = 2;
            for _ in 0..up { r.insert_provider(next, next - 1); path.push(next); next += 1; }
            if peer { r.insert_peers(next - 1, next); path.push(next); next += 1; }
            for _ in 0..down { r.insert_provider(next - 1, next); path.push(next); next += 1; }
            path.reverse();
            prop_assert_eq!(valley(&flat(&path), &r), None);
            // Any extra step up at the end after a descent is a valley blamed on the sender.
            if peer || down > 0 {
                let last = *path.first().unwrap();
                r.insert_provider(next, last);
                path.insert(0, next);
                prop_assert_eq!(valley(&flat(&path), &r), Some(last));
            }
        }
    }
}

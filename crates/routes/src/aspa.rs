//! AS_PATH verification with ASPA records, per the IETF SIDROPS ASPA verification draft.
//!
//! The draft numbers the path from the origin: AS(1) is the origin, AS(N) the neighbour
//! that sent the route. `hop(AS(i), AS(j))` asks whether AS(j) is an attested provider of
//! AS(i): "Provider+" when AS(i)'s ASPA lists AS(j), "Not Provider+" when AS(i) has an
//! ASPA that does not, "No Attestation" when AS(i) has none.
//!
//! - **Upstream** (route received from a customer or a peer): every hop must go up.
//! - **Downstream** (route received from a provider): the path must be an up-ramp followed
//!   by a down-ramp; it is Invalid when even the longest possible up-ramp and down-ramp
//!   cannot cover the path, Unknown when the shortest ones (counting "No Attestation" as a
//!   break) cannot.
//!
//! A collector's peer sends the collector its whole table, as a provider sends a customer,
//! so feeds from collectors are verified as downstream.

use serde::Serialize;

use crate::model::Asn;
use crate::rpki::Aspas;

/// The outcome of ASPA verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AspaState {
    Valid,
    Invalid,
    Unknown,
}

impl AspaState {
    pub const fn as_str(self) -> &'static str {
        match self {
            AspaState::Valid => "valid",
            AspaState::Invalid => "invalid",
            AspaState::Unknown => "unknown",
        }
    }
}

/// The relation of the route's direction to the verifying AS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Received from a customer, a peer or a route server.
    Upstream,
    /// Received from a provider (or seen by a collector).
    Downstream,
}

/// The result of a verification: the state and, when Invalid because of an attested
/// relation, the AS that sent the route the wrong way (up or sideways after going down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AspaVerdict {
    pub state: AspaState,
    pub offender: Option<Asn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    ProviderPlus,
    NotProviderPlus,
    NoAttestation,
}

fn hop(aspas: &Aspas, from: Asn, to: Asn) -> Hop {
    match aspas.providers(from) {
        None => Hop::NoAttestation,
        Some(p) if p.binary_search(&to).is_ok() => Hop::ProviderPlus,
        Some(_) => Hop::NotProviderPlus,
    }
}

/// Verifies a flat path (prepends removed, neighbour first, `None` for an AS_SET).
pub fn verify(flat: &[Option<Asn>], aspas: &Aspas, direction: Direction) -> AspaVerdict {
    let invalid = |offender| AspaVerdict {
        state: AspaState::Invalid,
        offender,
    };
    // The draft's AS(i), i = 1..=N, origin first.
    let mut path: Vec<Asn> = Vec::with_capacity(flat.len());
    for h in flat.iter().rev() {
        match h {
            Some(a) => path.push(*a),
            // An AS_SET makes the path unverifiable, hence Invalid.
            None => return invalid(None),
        }
    }
    let n = path.len();
    if n == 0 {
        return invalid(None);
    }
    // AS(i) in the draft is path[i - 1].
    let up = |i: usize| hop(aspas, path[i - 1], path[i]); // hop(AS(i), AS(i+1))
    let down = |j: usize| hop(aspas, path[j - 1], path[j - 2]); // hop(AS(j), AS(j-1))

    match direction {
        Direction::Upstream => {
            let mut unknown = false;
            for i in 1..n {
                match up(i) {
                    // AS(i+1) received it from a non-customer and sent it up: it leaked.
                    Hop::NotProviderPlus => {
                        return invalid(path.get(i).copied());
                    }
                    Hop::NoAttestation => unknown = true,
                    Hop::ProviderPlus => {}
                }
            }
            AspaVerdict {
                state: if unknown {
                    AspaState::Unknown
                } else {
                    AspaState::Valid
                },
                offender: None,
            }
        }
        Direction::Downstream => {
            // Up-ramps: the first i where hop(AS(i), AS(i+1)) breaks.
            let max_up = (1..n).find(|&i| up(i) == Hop::NotProviderPlus).unwrap_or(n);
            let min_up = (1..n).find(|&i| up(i) != Hop::ProviderPlus).unwrap_or(n);
            // Down-ramps: the last j where hop(AS(j), AS(j-1)) breaks.
            let last_np = (2..=n).rev().find(|&j| down(j) == Hop::NotProviderPlus);
            let last_break = (2..=n).rev().find(|&j| down(j) != Hop::ProviderPlus);
            let max_down = last_np.map_or(n, |j| n - j + 1);
            let min_down = last_break.map_or(n, |j| n - j + 1);
            if max_up + max_down < n {
                // The route went down or across after AS(max_up). The leaker is the first
                // AS after that point that sent it to an attested provider; failing that,
                // AS(J-1), which sent it to AS(J), whose ASPA does not list it as a
                // provider (so up or across), where the down-ramp ends.
                let offender = (max_up + 1..n)
                    .find(|&k| up(k) == Hop::ProviderPlus)
                    .map(|k| path[k - 1])
                    .or_else(|| last_np.map(|j| path[j - 2]));
                return invalid(offender);
            }
            AspaVerdict {
                state: if min_up + min_down < n {
                    AspaState::Unknown
                } else {
                    AspaState::Valid
                },
                offender: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `path` neighbour first, as on the wire.
    fn check(path: &[Asn], aspas: &Aspas, d: Direction) -> AspaVerdict {
        let flat: Vec<Option<Asn>> = path.iter().copied().map(Some).collect();
        verify(&flat, aspas, d)
    }

    fn aspas(list: &[(Asn, &[Asn])]) -> Aspas {
        let mut a = Aspas::new();
        for (c, p) in list {
            a.insert(*c, p);
        }
        a
    }

    // A small topology for the cases below: origin AS1 with providers AS2 and AS3; AS2
    // and AS3 with provider AS4; AS5 a peer of AS4; AS6 a customer of AS5.
    fn topology() -> Aspas {
        aspas(&[
            (1, &[2, 3]),
            (2, &[4]),
            (3, &[4]),
            (4, &[]),
            (5, &[]),
            (6, &[5]),
        ])
    }

    #[test]
    fn upstream_valid_unknown_and_leak() {
        let a = topology();
        // AS4 receives from its customer AS2 the route 2 1: all hops up.
        assert_eq!(
            check(&[2, 1], &a, Direction::Upstream).state,
            AspaState::Valid
        );
        // An origin with no ASPA: nothing attested.
        assert_eq!(
            check(&[2, 9], &a, Direction::Upstream).state,
            AspaState::Unknown
        );
        // AS3 leaks a route learned from its provider AS4 (path 4 2 1) up to... AS4's peer
        // sees 3 4 2 1 from a customer: hop(AS4, AS3) is Not Provider+: AS3 leaked.
        let v = check(&[3, 4, 2, 1], &a, Direction::Upstream);
        assert_eq!(v.state, AspaState::Invalid);
        assert_eq!(v.offender, Some(3));
        // A single-hop path is always fine.
        assert_eq!(check(&[1], &a, Direction::Upstream).state, AspaState::Valid);
    }

    #[test]
    fn downstream_up_then_down_is_valid() {
        let a = topology();
        // AS6 receives from its provider AS5: 5 4 2 1 (up 1->2->4, across 4->5, down 5->6).
        assert_eq!(
            check(&[5, 4, 2, 1], &a, Direction::Downstream).state,
            AspaState::Valid
        );
        // A customer of AS2 receiving 2 1: valid.
        assert_eq!(
            check(&[2, 1], &a, Direction::Downstream).state,
            AspaState::Valid
        );
        // Two hops are always valid downstream.
        assert_eq!(
            check(&[7, 8], &a, Direction::Downstream).state,
            AspaState::Valid
        );
    }

    #[test]
    fn downstream_valley_is_invalid_with_the_leaker() {
        let a = topology();
        // AS3 takes the route from its provider AS4 (4 2 1) and sends it to AS5, which
        // is not its provider; a customer of AS5 receives 5 3 4 2 1.
        let v = check(&[5, 3, 4, 2, 1], &a, Direction::Downstream);
        assert_eq!(v.state, AspaState::Invalid);
        assert_eq!(v.offender, Some(3));
        // The same seen one hop further down, by AS6 from its provider AS5.
        let v = check(&[6, 5, 3, 4, 2, 1], &a, Direction::Downstream);
        assert_eq!(v.state, AspaState::Invalid);
        assert_eq!(v.offender, Some(3));
    }

    #[test]
    fn the_leaker_is_the_first_to_send_up_after_the_descent() {
        // 1 -> 2 (up) -> 3 (down: 2 has no provider 3) -> 4 (up, attested) -> 5 (up).
        let a = aspas(&[(1, &[2]), (2, &[]), (3, &[2, 4]), (4, &[5]), (5, &[])]);
        let v = check(&[5, 4, 3, 2, 1], &a, Direction::Downstream);
        assert_eq!(v.state, AspaState::Invalid);
        assert_eq!(v.offender, Some(3));
    }

    #[test]
    fn downstream_missing_attestations_give_unknown_not_invalid() {
        let a = aspas(&[(1, &[2])]);
        // 1 -> 2 (up), then 2 -> 8 -> 9 unknown: cannot say.
        assert_eq!(
            check(&[9, 8, 2, 1], &a, Direction::Downstream).state,
            AspaState::Unknown
        );
    }

    #[test]
    fn as_sets_and_empty_paths_are_invalid() {
        let a = topology();
        let v = verify(&[Some(2), None], &a, Direction::Downstream);
        assert_eq!(v.state, AspaState::Invalid);
        assert_eq!(v.offender, None);
        assert_eq!(
            verify(&[], &a, Direction::Upstream).state,
            AspaState::Invalid
        );
    }

    proptest! {
        #[test]
        fn a_true_up_down_path_with_full_attestation_is_valid(up in 0usize..6, down in 0usize..6) {
            // Origin 1, `up` providers above it, then `down` customers below the top.
            let mut a = Aspas::new();
            let mut path = vec![1u32];
            let mut next = 2u32;
            for _ in 0..up { a.insert(next - 1, &[next]); path.push(next); next += 1; }
            a.insert(next - 1, &[]);
            for _ in 0..down { a.insert(next, &[next - 1]); path.push(next); next += 1; }
            path.reverse();
            prop_assert_eq!(check(&path, &a, Direction::Downstream).state, AspaState::Valid);
            if down == 0 {
                prop_assert_eq!(check(&path, &a, Direction::Upstream).state, AspaState::Valid);
            }
        }

        #[test]
        fn removing_attestations_never_makes_a_path_invalid(path in proptest::collection::vec(1u32..8, 1..7)) {
            // With no ASPA at all nothing can be Invalid.
            let a = Aspas::new();
            prop_assert_ne!(check(&path, &a, Direction::Downstream).state, AspaState::Invalid);
            prop_assert_ne!(check(&path, &a, Direction::Upstream).state, AspaState::Invalid);
        }
    }
}

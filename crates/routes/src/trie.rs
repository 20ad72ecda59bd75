//! Prefix tries, one per address family, behind one type that takes [`IpNet`].

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

/// A map from prefixes to values with exact, longest-match and covering lookups.
#[derive(Debug, Clone)]
pub struct PrefixTrie<T> {
    v4: PrefixMap<Ipv4Net, T>,
    v6: PrefixMap<Ipv6Net, T>,
}

impl<T> Default for PrefixTrie<T> {
    fn default() -> Self {
        PrefixTrie {
            v4: PrefixMap::new(),
            v6: PrefixMap::new(),
        }
    }
}

impl<T> PrefixTrie<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inserts (the canonical form of) `prefix`; returns the value it replaced.
    pub fn insert(&mut self, prefix: IpNet, value: T) -> Option<T> {
        match prefix.trunc() {
            IpNet::V4(p) => self.v4.insert(p, value),
            IpNet::V6(p) => self.v6.insert(p, value),
        }
    }

    pub fn get(&self, prefix: &IpNet) -> Option<&T> {
        match prefix {
            IpNet::V4(p) => self.v4.get(&p.trunc()),
            IpNet::V6(p) => self.v6.get(&p.trunc()),
        }
    }

    pub fn get_mut(&mut self, prefix: &IpNet) -> Option<&mut T> {
        match prefix {
            IpNet::V4(p) => self.v4.get_mut(&p.trunc()),
            IpNet::V6(p) => self.v6.get_mut(&p.trunc()),
        }
    }

    /// The most specific entry equal to or covering `prefix`.
    pub fn longest_match(&self, prefix: &IpNet) -> Option<(IpNet, &T)> {
        match prefix {
            IpNet::V4(p) => self.v4.get_lpm(&p.trunc()).map(|(k, v)| (IpNet::V4(k), v)),
            IpNet::V6(p) => self.v6.get_lpm(&p.trunc()).map(|(k, v)| (IpNet::V6(k), v)),
        }
    }

    /// Every entry equal to or covering `prefix`, least specific first.
    pub fn covering<'a>(&'a self, prefix: &IpNet) -> Box<dyn Iterator<Item = (IpNet, &'a T)> + 'a> {
        match prefix {
            IpNet::V4(p) => Box::new(self.v4.cover(&p.trunc()).map(|(k, v)| (IpNet::V4(k), v))),
            IpNet::V6(p) => Box::new(self.v6.cover(&p.trunc()).map(|(k, v)| (IpNet::V6(k), v))),
        }
    }

    /// Whether any entry is equal to or covers `prefix`.
    pub fn is_covered(&self, prefix: &IpNet) -> bool {
        self.longest_match(prefix).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn longest_match_and_cover() {
        let mut t = PrefixTrie::new();
        t.insert(net("10.0.0.0/8"), 8);
        t.insert(net("10.1.0.0/16"), 16);
        t.insert(net("2001:db8::/32"), 32);
        assert_eq!(
            t.longest_match(&net("10.1.2.0/24")),
            Some((net("10.1.0.0/16"), &16))
        );
        assert_eq!(
            t.longest_match(&net("10.2.0.0/16")),
            Some((net("10.0.0.0/8"), &8))
        );
        assert_eq!(t.longest_match(&net("10.0.0.0/7")), None);
        assert_eq!(t.longest_match(&net("11.0.0.0/8")), None);
        assert_eq!(
            t.longest_match(&net("2001:db8:1::/48")).map(|x| *x.1),
            Some(32)
        );
        let cover: Vec<_> = t.covering(&net("10.1.0.0/16")).map(|(_, v)| *v).collect();
        assert_eq!(cover, vec![8, 16]);
        assert_eq!(t.get(&net("10.1.0.0/16")), Some(&16));
        assert_eq!(t.get(&net("10.1.0.0/17")), None);
        assert_eq!(t.len(), 3);
    }

    fn v4net() -> impl Strategy<Value = IpNet> {
        // A small address space so that random prefixes overlap often.
        (0u32..16, 0u8..=8).prop_map(|(hi, len)| {
            let addr = std::net::Ipv4Addr::from(hi << 28);
            IpNet::V4(Ipv4Net::new(addr, len).unwrap().trunc())
        })
    }

    proptest! {
        #[test]
        fn longest_match_agrees_with_a_linear_scan(
            entries in proptest::collection::vec(v4net(), 0..24),
            probe_hi in 0u32..(1 << 12),
            probe_len in 0u8..=32,
        ) {
            let mut t = PrefixTrie::new();
            for (i, e) in entries.iter().enumerate() {
                t.insert(*e, i);
            }
            let probe = IpNet::V4(
                Ipv4Net::new(std::net::Ipv4Addr::from(probe_hi << 20), probe_len).unwrap().trunc(),
            );
            let linear = entries
                .iter()
                .filter(|e| e.contains(&probe))
                .max_by_key(|e| e.prefix_len())
                .copied();
            prop_assert_eq!(t.longest_match(&probe).map(|(k, _)| k), linear);
            let mut want: Vec<IpNet> = entries.iter().filter(|e| e.contains(&probe)).copied().collect();
            want.sort_by_key(|e| e.prefix_len());
            want.dedup();
            let got: Vec<IpNet> = t.covering(&probe).map(|(k, _)| k).collect();
            prop_assert_eq!(got, want);
        }
    }
}

//! RPKI data: validated ROA payloads (VRPs) and ASPA records, read from the JSON that
//! rpki-client (`-j`) and Routinator (`--format json` / `jsonext`) write, and route origin
//! validation (RFC 6811) with maxLength.
//!
//! The two tools write slightly different shapes: rpki-client gives ASNs as numbers and
//! ASPAs as `{"customer_asid": N, "providers": [..]}`; Routinator gives ASNs as `"AS13335"`
//! and ASPAs as `{"customer": "AS..", "providers": ["AS..", ..]}`. Both are accepted, and
//! so is the older rpki-client `provider_set` form. Entries that make no sense (a prefix
//! that does not parse, a maxLength shorter than the prefix) are counted and skipped.

use std::collections::HashMap;
use std::path::Path;

use ipnet::IpNet;
use serde::Serialize;
use serde_json::Value;

use crate::model::Asn;
use crate::trie::PrefixTrie;
use crate::RoutesError;

/// One validated ROA payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vrp {
    pub prefix: IpNet,
    pub max_length: u8,
    pub asn: Asn,
}

/// Route origin validation state (RFC 6811).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RovState {
    /// A covering VRP matches the origin and allows the length.
    Valid,
    /// Covered by at least one VRP, matched by none.
    Invalid,
    /// No VRP covers the prefix.
    NotFound,
}

impl RovState {
    pub const fn as_str(self) -> &'static str {
        match self {
            RovState::Valid => "valid",
            RovState::Invalid => "invalid",
            RovState::NotFound => "not-found",
        }
    }
}

/// VRPs indexed by prefix.
#[derive(Debug, Clone, Default)]
pub struct Vrps {
    trie: PrefixTrie<Vec<(u8, Asn)>>,
    count: usize,
}

impl Vrps {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds a VRP (duplicates are kept once).
    pub fn insert(&mut self, vrp: Vrp) {
        let prefix = vrp.prefix.trunc();
        let entry = (vrp.max_length, vrp.asn);
        if let Some(list) = self.trie.get_mut(&prefix) {
            if !list.contains(&entry) {
                list.push(entry);
                self.count += 1;
            }
            return;
        }
        self.trie.insert(prefix, vec![entry]);
        self.count += 1;
    }

    /// The ROV state of `prefix` originated by `origin` (`None`: the path has no single
    /// origin, such as one ending in an AS_SET, which no VRP can match).
    ///
    /// AS 0 VRPs (RFC 7607) cover but never match, which makes everything they cover
    /// Invalid unless another VRP matches: exactly their purpose.
    pub fn validate(&self, prefix: &IpNet, origin: Option<Asn>) -> RovState {
        let len = prefix.prefix_len();
        let mut covered = false;
        for (_, list) in self.trie.covering(prefix) {
            covered |= !list.is_empty();
            let matched = list
                .iter()
                .any(|&(max, asn)| asn != 0 && Some(asn) == origin && len <= max);
            if matched {
                return RovState::Valid;
            }
        }
        if covered {
            RovState::Invalid
        } else {
            RovState::NotFound
        }
    }
}

/// ASPA records: for each customer AS, the set of its providers.
#[derive(Debug, Clone, Default)]
pub struct Aspas {
    providers: HashMap<Asn, Box<[Asn]>>,
}

impl Aspas {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the provider set of `customer` (merged with any earlier record for it).
    pub fn insert(&mut self, customer: Asn, providers: &[Asn]) {
        let mut set: Vec<Asn> = self
            .providers
            .get(&customer)
            .map(|p| p.to_vec())
            .unwrap_or_default();
        set.extend_from_slice(providers);
        set.sort_unstable();
        set.dedup();
        self.providers.insert(customer, set.into_boxed_slice());
    }

    /// The attested providers of `customer`, or `None` when it has no ASPA.
    pub fn providers(&self, customer: Asn) -> Option<&[Asn]> {
        self.providers.get(&customer).map(|p| &p[..])
    }

    pub fn len(&self) -> usize {
        self.providers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }
}

/// What one RPKI JSON file held.
#[derive(Debug, Clone, Default)]
pub struct RpkiData {
    pub vrps: Vrps,
    pub aspas: Aspas,
    /// Entries that were skipped because they made no sense.
    pub skipped: usize,
}

impl RpkiData {
    /// Reads an rpki-client or Routinator JSON file.
    pub fn load(path: &Path) -> Result<Self, RoutesError> {
        let bytes = std::fs::read(path).map_err(|source| RoutesError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&bytes).map_err(|reason| RoutesError::RpkiFormat {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses the JSON text of an rpki-client or Routinator export.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let Some(obj) = doc.as_object() else {
            return Err("expected a JSON object".into());
        };
        let roas = match obj.get("roas") {
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => return Err("`roas` is not an array".into()),
            None if obj.contains_key("aspas") => &[],
            None => return Err("no `roas` array".into()),
        };
        let mut data = RpkiData::default();
        for roa in roas {
            match parse_roa(roa) {
                Some(vrp) => data.vrps.insert(vrp),
                None => data.skipped += 1,
            }
        }
        if let Some(Value::Array(aspas)) = obj.get("aspas") {
            for aspa in aspas {
                match parse_aspa(aspa) {
                    Some((customer, providers)) => data.aspas.insert(customer, &providers),
                    None => data.skipped += 1,
                }
            }
        }
        Ok(data)
    }
}

/// `13335`, `"13335"`, `"AS13335"` or `"as13335"`.
fn parse_asn(v: &Value) -> Option<Asn> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| Asn::try_from(n).ok()),
        Value::String(s) => {
            let s = s.trim();
            let digits = s
                .strip_prefix("AS")
                .or_else(|| s.strip_prefix("as"))
                .unwrap_or(s);
            digits.parse().ok()
        }
        _ => None,
    }
}

fn parse_roa(v: &Value) -> Option<Vrp> {
    let asn = parse_asn(v.get("asn")?)?;
    let prefix: IpNet = v.get("prefix")?.as_str()?.trim().parse().ok()?;
    let prefix = prefix.trunc();
    let max_length = match v.get("maxLength").or_else(|| v.get("max_length")) {
        Some(m) => u8::try_from(m.as_u64()?).ok()?,
        None => prefix.prefix_len(),
    };
    if max_length < prefix.prefix_len() || max_length > prefix.max_prefix_len() {
        return None;
    }
    Some(Vrp {
        prefix,
        max_length,
        asn,
    })
}

fn parse_aspa(v: &Value) -> Option<(Asn, Vec<Asn>)> {
    let customer = parse_asn(
        v.get("customer_asid")
            .or_else(|| v.get("customer"))
            .or_else(|| v.get("customer_asn"))?,
    )?;
    let mut providers = Vec::new();
    if let Some(list) = v.get("providers").and_then(Value::as_array) {
        for p in list {
            // Routinator once wrote `"AS2914(v4)"`-style entries; the ASN is what counts.
            let p = match p {
                Value::String(s) => {
                    Value::String(s.split('(').next().unwrap_or_default().to_owned())
                }
                other => other.clone(),
            };
            providers.push(parse_asn(&p)?);
        }
    } else if let Some(list) = v.get("provider_set").and_then(Value::as_array) {
        for p in list {
            providers.push(parse_asn(p.get("asid").unwrap_or(p))?);
        }
    } else {
        return None;
    }
    Some((customer, providers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn vrps(list: &[(&str, u8, Asn)]) -> Vrps {
        let mut v = Vrps::new();
        for &(p, max_length, asn) in list {
            v.insert(Vrp {
                prefix: net(p),
                max_length,
                asn,
            });
        }
        v
    }

    #[test]
    fn rov_with_max_length() {
        let v = vrps(&[("104.20.0.0/20", 24, 13335), ("192.0.2.0/24", 24, 0)]);
        let ok = |p: &str, o| v.validate(&net(p), Some(o));
        assert_eq!(ok("104.20.0.0/20", 13335), RovState::Valid);
        assert_eq!(ok("104.20.1.0/24", 13335), RovState::Valid);
        assert_eq!(
            ok("104.20.1.0/25", 13335),
            RovState::Invalid,
            "longer than maxLength"
        );
        assert_eq!(
            ok("104.20.1.0/24", 64512),
            RovState::Invalid,
            "wrong origin"
        );
        assert_eq!(
            ok("104.16.0.0/12", 13335),
            RovState::NotFound,
            "less specific"
        );
        assert_eq!(ok("198.51.100.0/24", 64512), RovState::NotFound);
        assert_eq!(
            ok("192.0.2.0/24", 0),
            RovState::Invalid,
            "AS0 never matches"
        );
        assert_eq!(v.validate(&net("104.20.0.0/20"), None), RovState::Invalid);
    }

    #[test]
    fn reads_rpki_client_json() {
        let json = br#"{
          "metadata": {"buildtime": "2024-01-01T00:00:00Z", "roas": 3},
          "roas": [
            {"asn": 13335, "prefix": "104.16.0.0/13", "maxLength": 24, "ta": "arin", "expires": 1},
            {"asn": 13335, "prefix": "2606:4700::/32", "maxLength": 48, "ta": "arin"},
            {"asn": 1, "prefix": "not a prefix", "maxLength": 24},
            {"asn": 1, "prefix": "10.0.0.0/16", "maxLength": 8}
          ],
          "aspas": [
            {"customer_asid": 64500, "expires": 1, "providers": [64510, 64511]},
            {"customer_asid": 64501, "provider_set": [{"asid": 64510, "afi_limit": "ipv4"}]}
          ]
        }"#;
        let d = RpkiData::from_json(json).unwrap();
        assert_eq!(d.vrps.len(), 2);
        assert_eq!(d.skipped, 2);
        assert_eq!(
            d.vrps.validate(&net("2606:4700:10::/44"), Some(13335)),
            RovState::Valid
        );
        assert_eq!(d.aspas.providers(64500), Some(&[64510, 64511][..]));
        assert_eq!(d.aspas.providers(64501), Some(&[64510][..]));
        assert_eq!(d.aspas.providers(64502), None);
    }

    #[test]
    fn reads_routinator_json() {
        let json = br#"{
          "metadata": {"generated": 1700000000},
          "roas": [
            {"asn": "AS13335", "prefix": "1.1.1.0/24", "maxLength": 24, "ta": "apnic"}
          ],
          "aspas": [
            {"customer": "AS64500", "providers": ["AS64510", "AS64511(v4)"]}
          ]
        }"#;
        let d = RpkiData::from_json(json).unwrap();
        assert_eq!(
            d.vrps.validate(&net("1.1.1.0/24"), Some(13335)),
            RovState::Valid
        );
        assert_eq!(d.aspas.providers(64500), Some(&[64510, 64511][..]));
    }

    #[test]
    fn rejects_what_is_not_an_export() {
        assert!(RpkiData::from_json(b"[]").is_err());
        assert!(RpkiData::from_json(b"{\"x\": 1}").is_err());
        assert!(RpkiData::from_json(b"{\"roas\": 1}").is_err());
        assert!(RpkiData::from_json(b"not json").is_err());
    }

    fn arb_vrp() -> impl Strategy<Value = Vrp> {
        (0u32..8, 8u8..=16, 0u8..=8, 1u32..4).prop_map(|(hi, len, extra, asn)| {
            let p = ipnet::Ipv4Net::new(std::net::Ipv4Addr::from(hi << 24), len)
                .unwrap()
                .trunc();
            Vrp {
                prefix: IpNet::V4(p),
                max_length: (len + extra).min(32),
                asn,
            }
        })
    }

    proptest! {
        #[test]
        fn a_route_equal_to_a_vrp_is_valid(list in proptest::collection::vec(arb_vrp(), 1..12), pick in 0usize..12) {
            let v = vrps(&[]);
            let mut v = v;
            for vrp in &list { v.insert(*vrp); }
            let vrp = list[pick % list.len()];
            prop_assert_eq!(v.validate(&vrp.prefix, Some(vrp.asn)), RovState::Valid);
        }

        #[test]
        fn adding_a_vrp_never_turns_valid_into_invalid(
            list in proptest::collection::vec(arb_vrp(), 0..12),
            extra in arb_vrp(),
            route in arb_vrp(),
        ) {
            let mut v = Vrps::new();
            for vrp in &list { v.insert(*vrp); }
            let before = v.validate(&route.prefix, Some(route.asn));
            v.insert(extra);
            let after = v.validate(&route.prefix, Some(route.asn));
            if before == RovState::Valid {
                prop_assert_eq!(after, RovState::Valid);
            }
            if before == RovState::Invalid {
                prop_assert_ne!(after, RovState::NotFound);
            }
        }

        #[test]
        fn rov_agrees_with_a_linear_scan(list in proptest::collection::vec(arb_vrp(), 0..12), route in arb_vrp()) {
            let mut v = Vrps::new();
            for vrp in &list { v.insert(*vrp); }
            let covering: Vec<_> = list.iter().filter(|x| x.prefix.contains(&route.prefix)).collect();
            let want = if covering.is_empty() {
                RovState::NotFound
            } else if covering.iter().any(|x| x.asn == route.asn && route.prefix.prefix_len() <= x.max_length) {
                RovState::Valid
            } else {
                RovState::Invalid
            };
            prop_assert_eq!(v.validate(&route.prefix, Some(route.asn)), want);
        }
    }
}

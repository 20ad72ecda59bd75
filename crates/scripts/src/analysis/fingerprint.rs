//! Hashes over the normalised stream, and the fingerprint record of one script.
//!
//! Every hash renumbers bound symbols by first appearance *inside the hashed range*, so a
//! function's hash is the same wherever it sits and whatever its neighbours are called. The
//! whole-script hash decides "identical behaviour"; the multiset of unit hashes (functions
//! and statements) says *what* changed, and a three-line injection into a 90 kB library
//! shows up as a handful of new units, not as a 0.1 % drop in some similarity score.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::normalize::{Normalized, Tok, UnitKind};
use super::{hex, Analysis, Family, SCHEME};

/// Hashes token ranges, renumbering symbols per range.
pub(crate) struct UnitHasher {
    /// Per symbol id: (range generation, number within the range).
    seen: Vec<(u32, u32)>,
    generation: u32,
}

impl UnitHasher {
    pub fn new(symbols: usize) -> Self {
        UnitHasher {
            seen: vec![(0, 0); symbols],
            generation: 0,
        }
    }

    /// Full sha256 of `toks[start..end]`.
    pub fn digest(&mut self, n: &Normalized, start: usize, end: usize) -> [u8; 32] {
        self.next_generation();
        let mut next = 0u32;
        let mut h = Sha256::new();
        let mut buf = Vec::with_capacity(256);
        for tok in n.toks.get(start..end).unwrap_or_default() {
            match *tok {
                Tok::Open(ty) => buf.extend_from_slice(&[1, ty as u8]),
                Tok::Close => buf.push(2),
                Tok::Sym(id) => {
                    let number = match self.seen.get_mut(id as usize) {
                        Some(slot) if slot.0 == self.generation => slot.1,
                        Some(slot) => {
                            *slot = (self.generation, next);
                            next += 1;
                            slot.1
                        }
                        None => u32::MAX,
                    };
                    buf.push(3);
                    buf.extend_from_slice(&number.to_le_bytes());
                }
                Tok::Atom(a) => {
                    let s = n.atom(a);
                    buf.push(4);
                    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    buf.extend_from_slice(s.as_bytes());
                }
                Tok::Lit(class) => buf.extend_from_slice(&[5, class as u8]),
            }
            if buf.len() >= 4096 {
                h.update(&buf);
                buf.clear();
            }
        }
        h.update(&buf);
        h.finalize().into()
    }

    /// A 64-bit hash of `toks[start..end]` with the same renumbering: enough to tell a
    /// script's units apart, and much cheaper than sha256 (every token is hashed once per
    /// enclosing unit). Not collision-resistant against a crafted unit; whether behaviour
    /// changed is decided by the sha256 of the whole script.
    pub fn short(&mut self, n: &Normalized, atom_hashes: &[u64], start: usize, end: usize) -> u64 {
        self.next_generation();
        let mut next = 0u32;
        let mut h = 0x243f_6a88_85a3_08d3_u64;
        for tok in n.toks.get(start..end).unwrap_or_default() {
            let x = match *tok {
                Tok::Open(ty) => 0x0100 | u64::from(ty as u8),
                Tok::Close => 0x0200,
                Tok::Sym(id) => {
                    let number = match self.seen.get_mut(id as usize) {
                        Some(slot) if slot.0 == self.generation => slot.1,
                        Some(slot) => {
                            *slot = (self.generation, next);
                            next += 1;
                            slot.1
                        }
                        None => u32::MAX,
                    };
                    0x0300_0000_0000 | u64::from(number)
                }
                Tok::Atom(a) => atom_hashes.get(a as usize).copied().unwrap_or(0),
                Tok::Lit(class) => 0x0500 | class as u64,
            };
            h = (h.rotate_left(23) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        h ^ (h >> 29)
    }

    fn next_generation(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.seen.iter_mut().for_each(|s| *s = (0, 0));
            self.generation = 1;
        }
    }
}

/// What `parapet scripts fingerprint` prints for one file.
#[derive(Debug, Clone, Serialize)]
pub struct Fingerprint {
    /// The file as given on the command line (filled in by the caller).
    pub file: String,
    /// sha256 of the raw bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: usize,
    /// Whether the script parsed (otherwise only `sha256` identifies it).
    pub parsed: bool,
    /// Why it did not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The normalisation scheme the hashes belong to.
    pub scheme: &'static str,
    /// sha256 of the whole normalised script, hex; equal hashes mean equal behaviour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized_hash: Option<String>,
    /// Library and version line, when recognised.
    pub family: Option<Family>,
    /// Hashes of every function, sorted (a multiset: repeats are kept).
    pub functions: Vec<String>,
    /// Hashes of every top-level statement and every statement directly in a function body,
    /// sorted (a multiset).
    pub statements: Vec<String>,
    /// URL hosts named in string literals, sorted.
    pub hosts: Vec<String>,
    /// Notable browser APIs used (sinks, sources, decoders...), sorted.
    pub apis: Vec<String>,
}

impl Fingerprint {
    /// The fingerprint of an analysed script.
    pub fn of(file: &str, a: &Analysis<'_>) -> Fingerprint {
        let mut fp = Fingerprint {
            file: file.to_owned(),
            sha256: a.sha256.clone(),
            size: a.source.len(),
            parsed: a.outcome.is_ok(),
            error: a.outcome.as_ref().err().map(ToString::to_string),
            scheme: SCHEME,
            normalized_hash: None,
            family: a.family.clone(),
            functions: Vec::new(),
            statements: Vec::new(),
            hosts: Vec::new(),
            apis: Vec::new(),
        };
        if let Ok(p) = &a.outcome {
            fp.normalized_hash = Some(p.normalized_hash.clone());
            for (u, h) in p.norm.units.iter().zip(&p.unit_hashes) {
                let list = match u.kind {
                    UnitKind::Function => &mut fp.functions,
                    UnitKind::Statement => &mut fp.statements,
                };
                list.push(short_hex(*h));
            }
            fp.functions.sort_unstable();
            fp.statements.sort_unstable();
            fp.hosts = p.hosts();
            fp.apis = p.apis();
        }
        fp
    }
}

/// FNV-1a of an atom's text, the input of [`UnitHasher::short`] for it.
pub(crate) fn atom_hashes(n: &Normalized) -> Vec<u64> {
    n.atoms
        .iter()
        .map(|a| {
            a.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            })
        })
        .collect()
}

/// A unit hash as printed: 16 hex digits.
pub(crate) fn short_hex(h: u64) -> String {
    hex(&h.to_be_bytes())
}

impl super::Parsed {
    /// Every URL host in the script, sorted and unique.
    pub fn hosts(&self) -> Vec<String> {
        self.collect(|u| &u.hosts)
    }

    /// Every notable API name in the script, sorted and unique.
    pub fn apis(&self) -> Vec<String> {
        self.collect(|u| &u.apis)
    }

    fn collect(&self, f: impl Fn(&super::normalize::Unit) -> &Vec<u32>) -> Vec<String> {
        let mut out: Vec<String> = self
            .norm
            .units
            .iter()
            .filter(|u| u.parent.is_none())
            .flat_map(|u| f(u).iter().map(|&a| self.norm.atom(a).to_owned()))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::analyse;
    use super::*;

    #[test]
    fn units_are_counted_and_hashed_independently_of_neighbours() {
        let one = analyse("function a(x){return x.value}\nfunction b(y){y.send()}");
        let two = analyse("var zzz = 1;\nfunction b(q){q.send()}\nfunction a(p){return p.value}");
        let f1 = Fingerprint::of("one.js", &one);
        let f2 = Fingerprint::of("two.js", &two);
        assert_eq!(f1.functions.len(), 2);
        assert_eq!(
            f1.functions, f2.functions,
            "same functions, other order and neighbours"
        );
        assert_ne!(f1.normalized_hash, f2.normalized_hash);
        assert_eq!(f2.statements.len(), 3, "{:?}", f2.statements);
    }

    #[test]
    fn hosts_and_apis_are_listed() {
        let a = analyse(
            "var x = new XMLHttpRequest(); x.open('POST', 'https://baways.com/gateway/app'); x.send(d);",
        );
        let fp = Fingerprint::of("s.js", &a);
        assert_eq!(fp.hosts, vec!["baways.com".to_owned()]);
        assert!(
            fp.apis.contains(&"XMLHttpRequest".to_owned()),
            "{:?}",
            fp.apis
        );
    }

    #[test]
    fn a_parse_failure_still_has_a_raw_hash() {
        let a = analyse("var = ;");
        let fp = Fingerprint::of("bad.js", &a);
        assert!(!fp.parsed);
        assert!(fp.error.is_some());
        assert_eq!(fp.sha256.len(), 64);
        assert!(fp.normalized_hash.is_none());
    }
}

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
use super::{Analysis, Family, SCHEME};

/// The multiplier of [`UnitHasher::short`]'s mixing step.
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// Largest table of symbol numbers by nesting level [`UnitHasher::whole_and_units`] builds
/// (symbols times the deepest nesting of units); beyond it, units are hashed one by one.
const MAX_LEVEL_TABLE: usize = 1 << 24;

/// Bytes of the whole stream gathered before they are fed to sha256.
const WHOLE_BUFFER: usize = 4096;

/// Writes a token's bytes as [`UnitHasher::digest`] hashes them; `number` is a symbol's
/// number within the range (ignored for other tokens).
#[inline(always)]
fn put_bytes(buf: &mut Vec<u8>, n: &Normalized, tok: Tok, number: u32) {
    match tok {
        Tok::Open(ty) => buf.extend_from_slice(&[1, ty]),
        Tok::Close => buf.push(2),
        Tok::Sym(_) => {
            buf.push(3);
            buf.extend_from_slice(&number.to_le_bytes());
        }
        Tok::Atom(a) => {
            let s = n.atom(a);
            buf.push(4);
            buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
        Tok::Lit(class) => buf.extend_from_slice(&[5, class]),
    }
}

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
            let tok = tok.tok();
            let number = match tok {
                Tok::Sym(id) => match self.seen.get_mut(id as usize) {
                    Some(slot) if slot.0 == self.generation => slot.1,
                    Some(slot) => {
                        *slot = (self.generation, next);
                        next += 1;
                        slot.1
                    }
                    None => u32::MAX,
                },
                _ => 0,
            };
            put_bytes(&mut buf, n, tok, number);
            if buf.len() >= WHOLE_BUFFER {
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
            let x = match tok.tok() {
                Tok::Open(ty) => 0x0100 | u64::from(ty),
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
                Tok::Lit(class) => 0x0500 | u64::from(class),
            };
            h = (h.rotate_left(23) ^ x).wrapping_mul(MIX);
        }
        h ^ (h >> 29)
    }

    /// [`Self::digest`] of the whole stream and [`Self::short`] of every unit (in the order of
    /// `n.units`), in one pass over the stream.
    ///
    /// Units nest, so one walk keeps a hash state for every open unit and feeds each token to
    /// all of them: the states are independent, so the processor runs their multiplications
    /// side by side instead of one unit after another, and a token's value is worked out
    /// once. Renumbering needs, per open unit, the number each symbol got in it: a symbol
    /// last seen at position `q` was seen in exactly the open units that start at or before
    /// `q` (the outermost ones), which kept the numbers it had there; in the others it is
    /// new. So each symbol keeps its numbers by nesting level from its last occurrence. The
    /// whole stream is one more range, the outermost, whose numbers are those of first
    /// occurrences: its bytes for sha256 are written in the same walk, so each token is
    /// decoded once for every hash.
    ///
    /// Falls back to hashing the stream and then unit by unit when units do not nest (they
    /// always do) or when that table (symbols times depth) would be large (hostile nesting).
    pub fn whole_and_units(&mut self, n: &Normalized, atom_hashes: &[u64]) -> ([u8; 32], Vec<u64>) {
        match self.nested(n, atom_hashes) {
            Some(hashes) => hashes,
            None => {
                let whole = self.digest(n, 0, n.toks.len());
                let units = n
                    .units
                    .iter()
                    .map(|u| self.short(n, atom_hashes, u.start, u.end))
                    .collect();
                (whole, units)
            }
        }
    }

    fn nested(&mut self, n: &Normalized, atom_hashes: &[u64]) -> Option<([u8; 32], Vec<u64>)> {
        const SEED: u64 = 0x243f_6a88_85a3_08d3;
        const SYM: u64 = 0x0300_0000_0000;
        // Check the nesting, and how deep it goes, before any work.
        let mut depth = 0usize;
        let mut ends: Vec<usize> = Vec::new();
        let mut last_start = 0;
        for u in &n.units {
            if u.start < last_start || u.start > u.end || u.end > n.toks.len() {
                return None;
            }
            last_start = u.start;
            if u.start == u.end {
                continue;
            }
            while ends.last().is_some_and(|&e| e <= u.start) {
                ends.pop();
            }
            if ends.last().is_some_and(|&e| e < u.end) {
                return None;
            }
            ends.push(u.end);
            depth = depth.max(ends.len());
        }
        if depth.saturating_mul(self.seen.len()) > MAX_LEVEL_TABLE {
            return None;
        }
        let mut out = vec![0u64; n.units.len()];
        // The open units: index, start, end, next symbol number; and their hash states.
        let mut open: Vec<(usize, usize, usize, u32)> = Vec::with_capacity(depth);
        let mut states: Vec<u64> = Vec::with_capacity(depth);
        // Per symbol: last position + 1 (0: not seen), its number in the whole stream, and
        // where its numbers by level are.
        let mut last = vec![0usize; self.seen.len()];
        let mut whole_number = vec![0u32; self.seen.len()];
        let mut next_whole = 0u32;
        let mut slot = vec![(0u32, 0u32); self.seen.len()];
        let mut levels: Vec<u32> = Vec::new();
        let mut whole = Sha256::new();
        let mut buf: Vec<u8> = Vec::with_capacity(WHOLE_BUFFER + 512);
        let mut next_unit = 0;
        let finish = |h: u64| h ^ (h >> 29);
        for (p, tok) in n.toks.iter().enumerate() {
            while open.last().is_some_and(|o| o.2 <= p) {
                if let (Some(o), Some(h)) = (open.pop(), states.pop()) {
                    out[o.0] = finish(h);
                }
            }
            while let Some(u) = n.units.get(next_unit).filter(|u| u.start == p) {
                if u.end == p {
                    out[next_unit] = finish(SEED);
                } else {
                    open.push((next_unit, u.start, u.end, 0));
                    states.push(SEED);
                }
                next_unit += 1;
            }
            if buf.len() >= WHOLE_BUFFER {
                whole.update(&buf);
                buf.clear();
            }
            let t = tok.tok();
            // A symbol's bytes carry its number in the whole stream, written below.
            if !matches!(t, Tok::Sym(_)) {
                put_bytes(&mut buf, n, t, 0);
            }
            let x = match t {
                Tok::Open(ty) => 0x0100 | u64::from(ty),
                Tok::Close => 0x0200,
                Tok::Atom(a) => atom_hashes.get(a as usize).copied().unwrap_or(0),
                Tok::Lit(class) => 0x0500 | u64::from(class),
                Tok::Sym(id) => {
                    let id = id as usize;
                    if id >= last.len() {
                        put_bytes(&mut buf, n, t, u32::MAX);
                        for h in &mut states {
                            *h =
                                (h.rotate_left(23) ^ (SYM | u64::from(u32::MAX))).wrapping_mul(MIX);
                        }
                        continue;
                    }
                    // Levels opened at or before its last occurrence saw it there.
                    let seen = if last[id] == 0 {
                        whole_number[id] = next_whole;
                        next_whole += 1;
                        0
                    } else {
                        open.partition_point(|o| o.1 < last[id])
                    };
                    put_bytes(&mut buf, n, t, whole_number[id]);
                    let (mut at, cap) = slot[id];
                    if (cap as usize) < open.len() {
                        let new_at = levels.len();
                        let new_cap = open.len().max(2 * cap as usize);
                        levels.extend_from_within(at as usize..(at + cap) as usize);
                        levels.resize(new_at + new_cap, 0);
                        at = u32::try_from(new_at).ok()?;
                        slot[id] = (at, u32::try_from(new_cap).ok()?);
                    }
                    let numbers = levels.get_mut(at as usize..at as usize + open.len())?;
                    for (o, number) in open.iter_mut().zip(numbers.iter_mut()).skip(seen) {
                        *number = o.3;
                        o.3 += 1;
                    }
                    for (number, h) in numbers.iter().zip(&mut states) {
                        *h = (h.rotate_left(23) ^ (SYM | u64::from(*number))).wrapping_mul(MIX);
                    }
                    last[id] = p + 1;
                    continue;
                }
            };
            for h in &mut states {
                *h = (h.rotate_left(23) ^ x).wrapping_mul(MIX);
            }
        }
        while let (Some(o), Some(h)) = (open.pop(), states.pop()) {
            out[o.0] = finish(h);
        }
        for (i, u) in n.units.iter().enumerate().skip(next_unit) {
            if u.start == u.end {
                out[i] = finish(SEED);
            }
        }
        whole.update(&buf);
        Some((whole.finalize().into(), out))
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
            // Sorted as numbers, then printed: fixed-width lower-case hex sorts the same.
            let (mut functions, mut statements) = (Vec::new(), Vec::new());
            for (u, h) in p.norm.units.iter().zip(&p.unit_hashes) {
                match u.kind {
                    UnitKind::Function => functions.push(*h),
                    UnitKind::Statement => statements.push(*h),
                }
            }
            functions.sort_unstable();
            statements.sort_unstable();
            fp.functions = functions.into_iter().map(short_hex).collect();
            fp.statements = statements.into_iter().map(short_hex).collect();
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

/// A unit hash as printed: 16 hex digits (as [`hex`](super::hex) of its big-endian bytes).
///
/// Written into an array and copied once: a fingerprint prints one per unit, and pushing
/// the digits one `char` at a time onto a `String` cost more than the allocation.
pub(crate) fn short_hex(h: u64) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    for (i, d) in digits.iter_mut().enumerate() {
        *d = DIGITS[(h >> (60 - 4 * i)) as usize & 15];
    }
    // ASCII digits are always UTF-8: the default is never taken.
    String::from_utf8(digits.to_vec()).unwrap_or_default()
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
        // Sorted and made unique as atoms, then copied: the same name is listed by many
        // units, and an atom is one text (interned once), so unique atoms are unique texts.
        let mut atoms: Vec<u32> = self
            .norm
            .units
            .iter()
            .filter(|u| u.parent.is_none())
            .flat_map(|u| f(u).iter().copied())
            .collect();
        atoms.sort_unstable_by(|&a, &b| self.norm.atom(a).cmp(self.norm.atom(b)));
        atoms.dedup();
        atoms
            .into_iter()
            .map(|a| self.norm.atom(a).to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{analyse, hex};
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
    fn short_hex_prints_as_hex_of_the_big_endian_bytes() {
        for h in [
            0,
            1,
            0xabc,
            u64::MAX,
            0x0123_4567_89ab_cdef,
            0xf000_0000_0000_000f,
        ] {
            assert_eq!(short_hex(h), hex(&h.to_be_bytes()), "{h:x}");
            assert_eq!(short_hex(h), format!("{h:016x}"));
        }
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

    /// The one-pass hashes are exactly the whole-stream digest and the unit-by-unit hashes, on
    /// nested code where symbols recur across levels and on every script of the test data.
    #[test]
    fn one_pass_unit_hashes_equal_unit_by_unit_hashes() {
        let mut sources = vec![
            "function a(x){var y=x;function b(z){return x+y+z+q}return b(y)+x}var q=a(1);".to_owned(),
            "(function(g,f){g.m=f(g)})(this,function(w){var d=w.document;return{f:function(e){return d.createElement(e)},g:function(){return w}}});".to_owned(),
            "var t=function(){};t();t();".to_owned(),
        ];
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(
                || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
                std::path::PathBuf::from,
            )
            .join("testdata");
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "js") {
                    sources.push(std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut units = 0;
        for src in &sources {
            let a = analyse(src);
            let Ok(p) = &a.outcome else { continue };
            let n = &p.norm;
            let atoms = atom_hashes(n);
            let mut hasher = UnitHasher::new(n.symbols);
            let one_by_one: Vec<u64> = n
                .units
                .iter()
                .map(|u| hasher.short(n, &atoms, u.start, u.end))
                .collect();
            let whole = hasher.digest(n, 0, n.toks.len());
            assert_eq!(hasher.nested(n, &atoms), Some((whole, one_by_one.clone())));
            assert_eq!(p.unit_hashes, one_by_one);
            units += one_by_one.len();
        }
        assert!(units > 1000, "{units} units compared");
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

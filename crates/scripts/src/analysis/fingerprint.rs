//! Hashes over the normalised stream, and the fingerprint record of one script.
//!
//! Every hash renames bound symbols *inside the hashed range*, so a function's hash is the
//! same wherever it sits and whatever its neighbours are called. The whole-script hash
//! decides "identical behaviour"; the multiset of unit hashes (functions and statements)
//! says *what* changed, and a three-line injection into a 90 kB library shows up as a
//! handful of new units, not as a 0.1 % drop in some similarity score.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::normalize::{Normalized, Packed, UnitKind};
use super::{Analysis, Family, SCHEME};

/// Bytes of the whole stream gathered before they are fed to sha256.
const WHOLE_BUFFER: usize = 4096;

/// Most bytes one token writes (an atom's text aside).
const MAX_TOKEN_BYTES: usize = 5;

/// Tokens written between two checks of the whole stream's room ([`Whole::room`]).
const CHUNK: usize = 64;

/// The largest number a symbol or atom can have in 29 bits: the word of a symbol the table
/// of symbols does not know.
const UNKNOWN: u32 = (1 << 29) - 1;

// The walks tell a symbol or an atom from the other kinds by `raw & 6 == 2`.
const _: () = assert!(
    Packed::SYM == 2
        && Packed::ATOM == 3
        && Packed::OPEN & 6 != 2
        && Packed::CLOSE & 6 != 2
        && Packed::LIT & 6 != 2
);

/// The sha256 of a whole stream, fed one token at a time.
///
/// Each token is written as its kind and a number: a node's type or a literal's class as in
/// the stream; a symbol's number by first occurrence; an atom's likewise, followed at its
/// first occurrence by its length and text. A number below 2^12 takes two bytes (number,
/// kind, and a low bit 0), a bigger one five (kind and a low bit 1, then the number).
/// Equal streams up to a renaming of symbols (and whatever numbers the atoms were interned
/// under) give the same bytes, and the bytes give back the stream.
struct Whole {
    sha: Sha256,
    /// Bytes not yet fed, `buf[..len]`. [`Self::room`], called before every [`CHUNK`]
    /// tokens, leaves at most [`WHOLE_BUFFER`] there, and an atom's text never leaves more,
    /// so a chunk's tokens always fit after.
    buf: [u8; WHOLE_BUFFER + CHUNK * MAX_TOKEN_BYTES],
    len: usize,
    /// Per symbol and per atom: its number plus one (0: not met yet).
    symbols: Vec<u32>,
    atoms: Vec<u32>,
    next_symbol: u32,
    next_atom: u32,
}

impl Whole {
    fn new(n: &Normalized, symbols: usize) -> Self {
        Whole {
            sha: Sha256::new(),
            buf: [0; WHOLE_BUFFER + CHUNK * MAX_TOKEN_BYTES],
            len: 0,
            symbols: vec![0; symbols],
            atoms: vec![0; n.atoms.len()],
            next_symbol: 0,
            next_atom: 0,
        }
    }

    /// Makes room for the next [`CHUNK`] tokens.
    #[inline(always)]
    fn room(&mut self) {
        if self.len > WHOLE_BUFFER {
            self.flush();
        }
    }

    #[inline(always)]
    fn put(&mut self, kind: u32, number: u32) {
        let at = self.len;
        if number < 1 << 12 {
            if let Some(out) = self.buf.get_mut(at..at + 2) {
                out.copy_from_slice(&((number << 4 | kind << 1) as u16).to_le_bytes());
                self.len = at + 2;
            }
        } else if let Some(out) = self.buf.get_mut(at..at + 5) {
            out[0] = (kind << 1 | 1) as u8;
            out[1..].copy_from_slice(&number.to_le_bytes());
            self.len = at + 5;
        }
    }

    /// Writes bytes of any length (an atom's text), leaving at most [`WHOLE_BUFFER`] in the
    /// buffer.
    fn text(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > WHOLE_BUFFER {
            self.flush();
        }
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(out) if bytes.len() <= WHOLE_BUFFER => {
                out.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            _ => self.sha.update(bytes),
        }
    }

    fn flush(&mut self) {
        self.sha.update(&self.buf[..self.len.min(self.buf.len())]);
        self.len = 0;
    }

    /// Writes any token, given as its 32 bits.
    #[inline(always)]
    fn token(&mut self, n: &Normalized, raw: u32) {
        // The same test as the unit hashes' walk.
        if raw & 6 != 2 {
            self.plain(raw);
        } else if raw & 7 == Packed::SYM {
            self.symbol(raw >> 3);
        } else {
            self.atom(n, raw >> 3);
        }
    }

    /// Writes a node, a close or a literal class, given as its 32 bits: its number (a type
    /// or a class, below 2^8) is always small, and `number << 4 | kind << 1` is `raw << 1`.
    #[inline(always)]
    fn plain(&mut self, raw: u32) {
        debug_assert!(raw & 6 != 2 && raw >> 3 < 1 << 8);
        let at = self.len;
        if let Some(out) = self.buf.get_mut(at..at + 2) {
            out.copy_from_slice(&((raw << 1) as u16).to_le_bytes());
            self.len = at + 2;
        }
    }

    /// Writes the symbol `id`.
    #[inline(always)]
    fn symbol(&mut self, id: u32) {
        let number = match self.symbols.get_mut(id as usize) {
            Some(slot) if *slot > 0 => *slot - 1,
            Some(slot) => {
                self.next_symbol += 1;
                *slot = self.next_symbol;
                self.next_symbol - 1
            }
            None => UNKNOWN,
        };
        self.put(Packed::SYM, number);
    }

    /// Writes the atom `id`, with its text where it first occurs.
    #[inline(always)]
    fn atom(&mut self, n: &Normalized, id: u32) {
        match self.atoms.get_mut(id as usize) {
            Some(slot) if *slot > 0 => {
                let number = *slot - 1;
                self.put(Packed::ATOM, number);
            }
            Some(slot) => {
                self.next_atom += 1;
                *slot = self.next_atom;
                let text = n.atom(id);
                self.put(Packed::ATOM, self.next_atom - 1);
                self.text(&(text.len() as u32).to_le_bytes());
                self.text(text.as_bytes());
            }
            None => self.put(Packed::ATOM, UNKNOWN),
        }
    }

    fn finish(mut self) -> [u8; 32] {
        self.flush();
        self.sha.finalize().into()
    }
}

/// The multiplier of [`value`]'s and [`finish`]'s mixing.
const MIX: u64 = 0x94d0_49bb_1331_11eb;

/// The unit hashes' polynomial base: odd, and fixed so that hashes are stable.
const BASE: u64 = 0x0b4d_27c9_1e35_a6f3;

/// A symbol's raw value where it occurs first in the hashed range.
const SYM_NEW: u64 = 0x0300_0000_0000_0000;

/// A symbol's raw value where the table of symbols does not know it (never, in practice).
const SYM_UNKNOWN: u64 = 0x0400_0000_0000_0000;

/// A well-mixed 64-bit value for `x` (splitmix64's finaliser).
#[inline(always)]
fn value(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(MIX);
    z ^ (z >> 31)
}

/// The value of a symbol that last occurred `distance` tokens earlier in the hashed range.
#[inline(always)]
fn back_reference(distance: usize) -> u64 {
    value(0x0500_0000_0000_0000 | distance as u64)
}

/// The value of a token that is not a symbol: an atom's from `atoms` ([`atom_values`]), a
/// node's or literal class's from `small` ([`small_values`]).
#[inline(always)]
fn plain_value(raw: u32, atoms: &[u64], small: &[u64; SMALL]) -> u64 {
    if raw & 7 == Packed::ATOM {
        atoms.get((raw >> 3) as usize).copied().unwrap_or(0)
    } else {
        small[raw as usize & (SMALL - 1)]
    }
}

/// Entries of [`small_values`]: every 32 bits of a node or a literal class is below.
const SMALL: usize = 1 << 11;

/// [`value`] of every node and literal class as their 32 bits (below 2^11: an eight-bit type
/// or class above the three bits of kind).
fn small_values() -> &'static [u64; SMALL] {
    static VALUES: std::sync::OnceLock<[u64; SMALL]> = std::sync::OnceLock::new();
    VALUES.get_or_init(|| std::array::from_fn(|raw| value(raw as u64)))
}

/// `BASE^k` for `k` up to a bound, as the product of two small tables' entries (low and
/// high bits of `k`): a table of every power would be written afresh, eight bytes a token,
/// for every script.
struct Powers {
    high: Vec<u64>,
    low: &'static [u64; POWER_LOW],
}

/// Entries of [`Powers`]' table of low powers.
const POWER_LOW: usize = 1 << 11;

impl Powers {
    fn upto(len: usize) -> Powers {
        static LOW: std::sync::OnceLock<[u64; POWER_LOW]> = std::sync::OnceLock::new();
        let low = LOW.get_or_init(|| {
            let mut t = [1u64; POWER_LOW];
            for k in 1..POWER_LOW {
                t[k] = t[k - 1].wrapping_mul(BASE);
            }
            t
        });
        let step = low[POWER_LOW - 1].wrapping_mul(BASE);
        let mut high = vec![1u64; len / POWER_LOW + 1];
        for k in 1..high.len() {
            high[k] = high[k - 1].wrapping_mul(step);
        }
        Powers { high, low }
    }

    #[inline(always)]
    fn get(&self, k: usize) -> u64 {
        let high = self.high.get(k / POWER_LOW).copied().unwrap_or(0);
        high.wrapping_mul(self.low[k % POWER_LOW])
    }
}

/// A unit's hash from its polynomial and its length.
fn finish(h: u64, len: usize) -> u64 {
    let z = h ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (z ^ (z >> 29)).wrapping_mul(MIX) ^ (z >> 32)
}

/// Hashes units: token ranges, with symbols renamed per range.
///
/// A unit's hash is a polynomial (over 64-bit words, base [`BASE`]) of its tokens' values,
/// where a symbol's value says how many tokens back, inside the unit, the same symbol last
/// occurred, or that it occurs first there. Two ranges that differ only by a renaming of
/// their symbols have the same values; ranges that differ otherwise do not. So a function's
/// hash is the same wherever it sits and whatever its neighbours are called; and because a
/// value depends on the range only where a symbol's last occurrence lies outside it, the
/// hashes of nested units follow from one pass over the stream
/// ([`Self::whole_and_units`]). Enough to tell a script's units apart, not
/// collision-resistant against a crafted unit: whether behaviour changed is decided by the
/// sha256 of the whole script.
pub(crate) struct UnitHasher {
    /// Per symbol id: (range generation, its last position within the range).
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

    /// The sha256 of the whole stream (see [`Whole`]).
    pub fn digest(&self, n: &Normalized) -> [u8; 32] {
        let mut whole = Whole::new(n, self.seen.len());
        for chunk in n.toks.chunks(CHUNK) {
            whole.room();
            for tok in chunk {
                whole.token(n, tok.raw());
            }
        }
        whole.finish()
    }

    /// The hash of the unit `toks[start..end]`.
    pub fn short(&mut self, n: &Normalized, atoms: &[u64], start: usize, end: usize) -> u64 {
        self.next_generation();
        let small = small_values();
        let mut h = 0u64;
        let toks = n.toks.get(start..end).unwrap_or_default();
        for (p, tok) in toks.iter().enumerate() {
            let raw = tok.raw();
            let v = if raw & 7 == Packed::SYM {
                match self.seen.get_mut((raw >> 3) as usize) {
                    Some(slot) if slot.0 == self.generation => {
                        let distance = p - slot.1 as usize;
                        slot.1 = p as u32;
                        back_reference(distance)
                    }
                    Some(slot) => {
                        *slot = (self.generation, p as u32);
                        value(SYM_NEW)
                    }
                    None => value(SYM_UNKNOWN),
                }
            } else {
                plain_value(raw, atoms, small)
            };
            h = h.wrapping_mul(BASE).wrapping_add(v);
        }
        finish(h, toks.len())
    }

    /// [`Self::digest`] and [`Self::short`] of every unit (in the order of `n.units`), in
    /// one pass over the stream.
    ///
    /// The pass keeps the polynomial of the stream so far, `P`, giving each symbol the
    /// distance to its last occurrence anywhere before. A unit over `[s, e)` is then
    /// `P(e) - P(s) * BASE^(e-s)`, except where a symbol's last occurrence lies before `s`:
    /// inside the unit that symbol occurs first. Those occurrences are corrected as they are
    /// met, in the open units that started after the symbol's last occurrence, by
    /// `(new - back) * BASE^(e-1-p)` each: a symbol used throughout a function is corrected
    /// once per statement that uses it, a local one not at all (on the npm corpus, one
    /// correction per 13 tokens). The whole stream's words for sha256 are written in the
    /// same walk.
    ///
    /// Falls back to hashing the stream and then unit by unit when units do not nest (they
    /// always do).
    pub fn whole_and_units(&mut self, n: &Normalized, atoms: &[u64]) -> ([u8; 32], Vec<u64>) {
        match self.nested(n, atoms) {
            Some(hashes) => hashes,
            None => {
                let whole = self.digest(n);
                let units = n
                    .units
                    .iter()
                    .map(|u| self.short(n, atoms, u.start, u.end))
                    .collect();
                (whole, units)
            }
        }
    }

    fn nested(&mut self, n: &Normalized, atoms: &[u64]) -> Option<([u8; 32], Vec<u64>)> {
        /// An open unit.
        struct Open {
            index: usize,
            start: usize,
            end: usize,
            /// The stream's polynomial where the unit starts.
            before: u64,
            /// The sum of its corrections.
            correction: u64,
        }
        // Check the nesting before any work.
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
        }
        let len = n.toks.len();
        let pow = Powers::upto(len);
        let new = value(SYM_NEW);
        let unknown = value(SYM_UNKNOWN);
        let small = small_values();
        let close = |o: &Open, prefix: u64| {
            let h = prefix.wrapping_sub(o.before.wrapping_mul(pow.get(o.end - o.start)));
            finish(h.wrapping_add(o.correction), o.end - o.start)
        };
        let mut out = vec![finish(0, 0); n.units.len()];
        let mut open: Vec<Open> = Vec::new();
        let mut prefix = 0u64;
        // Per symbol: its last position + 1 (0: not seen).
        let mut last = vec![0usize; self.seen.len()];
        let mut whole = Whole::new(n, self.seen.len());
        let mut next_unit = 0;
        // The next position where a unit opens or closes.
        let mut boundary = n.units.first().map_or(usize::MAX, |u| u.start);
        // The position of `tok` in the stream.
        let mut p = 0;
        for chunk in n.toks.chunks(CHUNK) {
            whole.room();
            for tok in chunk {
                if p == boundary {
                    while open.last().is_some_and(|o| o.end <= p) {
                        if let Some(o) = open.pop() {
                            out[o.index] = close(&o, prefix);
                        }
                    }
                    while let Some(u) = n.units.get(next_unit).filter(|u| u.start == p) {
                        if u.end > p {
                            open.push(Open {
                                index: next_unit,
                                start: u.start,
                                end: u.end,
                                before: prefix,
                                correction: 0,
                            });
                        }
                        next_unit += 1;
                    }
                    boundary = open
                        .last()
                        .map_or(usize::MAX, |o| o.end)
                        .min(n.units.get(next_unit).map_or(usize::MAX, |u| u.start));
                }
                let raw = tok.raw();
                // Three tokens in four are nodes, closes and literal classes: one test
                // sets them apart from symbols and atoms.
                let v = if raw & 6 != 2 {
                    whole.plain(raw);
                    small[raw as usize & (SMALL - 1)]
                } else if raw & 7 == Packed::SYM {
                    whole.symbol(raw >> 3);
                    match last.get_mut((raw >> 3) as usize) {
                        None => unknown,
                        Some(seen @ 0) => {
                            *seen = p + 1;
                            new
                        }
                        Some(seen) => {
                            let q = *seen - 1;
                            *seen = p + 1;
                            let v = back_reference(p - q);
                            // Units opened after the last occurrence see the symbol first
                            // here (mostly none: it was last used in the innermost open
                            // unit).
                            if open.last().is_some_and(|o| o.start > q) {
                                let first = open.partition_point(|o| o.start <= q);
                                let delta = new.wrapping_sub(v);
                                for o in &mut open[first..] {
                                    o.correction = o
                                        .correction
                                        .wrapping_add(delta.wrapping_mul(pow.get(o.end - 1 - p)));
                                }
                            }
                            v
                        }
                    }
                } else {
                    whole.atom(n, raw >> 3);
                    atoms.get((raw >> 3) as usize).copied().unwrap_or(0)
                };
                prefix = prefix.wrapping_mul(BASE).wrapping_add(v);
                p += 1;
            }
        }
        while let Some(o) = open.pop() {
            out[o.index] = close(&o, prefix);
        }
        Some((whole.finish(), out))
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
    pub functions: Vec<UnitHash>,
    /// Hashes of every top-level statement and every statement directly in a function body,
    /// sorted (a multiset).
    pub statements: Vec<UnitHash>,
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
            fp.functions = functions.into_iter().map(UnitHash).collect();
            fp.statements = statements.into_iter().map(UnitHash).collect();
            fp.hosts = p.hosts();
            fp.apis = p.apis();
        }
        fp
    }
}

/// Each atom's value in the unit hashes: its text's FNV-1a, mixed.
pub(crate) fn atom_values(n: &Normalized) -> Vec<u64> {
    n.atoms
        .iter()
        .map(|a| {
            value(a.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            }))
        })
        .collect()
}

/// A unit hash as printed: 16 hex digits (as [`hex`](super::hex) of its big-endian bytes).
///
/// Written into an array and copied once: a fingerprint prints one per unit, and pushing
/// the digits one `char` at a time onto a `String` cost more than the allocation.
pub(crate) fn short_hex(h: u64) -> String {
    String::from(&*hex_digits(h))
}

/// `h` as 16 lower-case hex digits, on the stack.
fn hex_digits(h: u64) -> HexDigits {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    for (i, d) in digits.iter_mut().enumerate() {
        *d = DIGITS[(h >> (60 - 4 * i)) as usize & 15];
    }
    HexDigits(digits)
}

/// Sixteen ASCII hex digits.
struct HexDigits([u8; 16]);

impl std::ops::Deref for HexDigits {
    type Target = str;
    fn deref(&self) -> &str {
        // ASCII digits are always UTF-8: the empty string is never taken.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A unit's hash: printed and serialised as 16 lower-case hex digits. Kept as a number, so
/// that a fingerprint does not allocate a string per unit (a script has thousands).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitHash(pub u64);

impl std::fmt::Display for UnitHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex_digits(self.0))
    }
}

impl std::fmt::Debug for UnitHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", &*hex_digits(self.0))
    }
}

impl Serialize for UnitHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex_digits(self.0))
    }
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
            assert_eq!(UnitHash(h).to_string(), format!("{h:016x}"));
            assert_eq!(
                serde_json::to_string(&UnitHash(h)).unwrap(),
                format!("\"{h:016x}\"")
            );
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

    /// Every script of the test data and a few nested snippets.
    fn sources() -> Vec<String> {
        let mut sources = vec![
            "function a(x){var y=x;function b(z){return x+y+z+q}return b(y)+x}var q=a(1);".to_owned(),
            "(function(g,f){g.m=f(g)})(this,function(w){var d=w.document;return{f:function(e){return d.createElement(e)},g:function(){return w}}});".to_owned(),
            "var t=function(){};t();t();".to_owned(),
        ];
        for path in super::super::testdata_files() {
            if path.extension().is_some_and(|x| x == "js") {
                sources.push(std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
        sources
    }

    /// The stream reads back as a sequence of whole nodes, each unit's range too: a leaf's
    /// `Open` is followed by exactly one symbol, atom or literal class, any other node's by
    /// whole nodes and values up to its `Close`. A unit's size counts each leaf twice.
    #[test]
    fn streams_read_back_as_whole_nodes_with_leaves_unclosed() {
        use super::super::normalize::{is_leaf, Tok};
        /// Reads whole items from `toks[at..]` until `end`; the position reached, or `None`
        /// where the tokens are no sequence of whole items.
        fn items(toks: &[Packed], mut at: usize, end: usize) -> Option<usize> {
            let mut open = 0usize;
            while at < end {
                match toks[at].tok() {
                    Tok::Open(ty) if is_leaf(ty) => {
                        at += 1;
                        match toks.get(at)?.tok() {
                            Tok::Open(_) | Tok::Close => return None,
                            _ => {}
                        }
                    }
                    Tok::Open(_) => open += 1,
                    Tok::Close => open = open.checked_sub(1)?,
                    _ => {}
                }
                at += 1;
            }
            (open == 0 && at == end).then_some(at)
        }
        let mut leaves_seen = 0;
        for src in &sources() {
            let a = analyse(src);
            let Ok(p) = &a.outcome else { continue };
            let toks = &p.norm.toks;
            assert_eq!(items(toks, 0, toks.len()), Some(toks.len()), "{src:.80}");
            for u in &p.norm.units {
                assert_eq!(items(toks, u.start, u.end), Some(u.end), "{src:.80}");
                let leaves = toks[u.start..u.end]
                    .iter()
                    .filter(|t| matches!(t.tok(), Tok::Open(ty) if is_leaf(ty)))
                    .count();
                assert_eq!(u.size(), u.end - u.start + leaves);
                leaves_seen += leaves;
            }
        }
        assert!(leaves_seen > 10_000, "{leaves_seen} leaves");
    }

    /// The node types the normaliser writes as it opens each node are exactly the stream's
    /// `Open`s, in order, for the whole stream and for every unit's range: inlined values,
    /// normalised aside and put where they are read, take their types along.
    #[test]
    fn node_type_rows_are_the_streams_opens() {
        use super::super::normalize::Tok;
        let opens = |toks: &[Packed]| -> Vec<u8> {
            toks.iter()
                .filter_map(|t| match t.tok() {
                    Tok::Open(ty) => Some(ty),
                    _ => None,
                })
                .collect()
        };
        let mut sources = sources();
        sources.push("function f(b,d){var a=b.c(d,{k:[1,2]});return a+1}".to_owned());
        let mut inlined = 0;
        for src in &sources {
            let a = analyse(src);
            let Ok(p) = &a.outcome else { continue };
            let n = &p.norm;
            assert_eq!(n.types, opens(&n.toks), "{src:.80}");
            for u in &n.units {
                let row = &n.types[u.nodes_start as usize..u.nodes_end as usize];
                assert_eq!(row, opens(&n.toks[u.start..u.end]).as_slice(), "{src:.80}");
            }
            // The single-use `a` is inlined: no declarator is left, its value moved.
            let declarator = oxc_ast::AstType::VariableDeclarator as u8;
            if src.contains("var a=b.c(d") && !n.types.contains(&declarator) {
                inlined += 1;
            }
        }
        assert_eq!(inlined, 1, "the inlined value was checked");
    }

    /// The one-pass hashes are exactly the whole-stream digest and the unit-by-unit hashes, on
    /// nested code where symbols recur across levels and on every script of the test data.
    #[test]
    fn one_pass_unit_hashes_equal_unit_by_unit_hashes() {
        let mut units = 0;
        for src in &sources() {
            let a = analyse(src);
            let Ok(p) = &a.outcome else { continue };
            let n = &p.norm;
            let atoms = atom_values(n);
            let mut hasher = UnitHasher::new(n.symbols);
            let one_by_one: Vec<u64> = n
                .units
                .iter()
                .map(|u| hasher.short(n, &atoms, u.start, u.end))
                .collect();
            let whole = hasher.digest(n);
            assert_eq!(hasher.nested(n, &atoms), Some((whole, one_by_one.clone())));
            assert_eq!(p.unit_hashes, one_by_one);
            units += one_by_one.len();
        }
        assert!(units > 1000, "{units} units compared");
    }

    /// Units hash alike exactly when their tokens are alike up to a renaming of symbols:
    /// checked against each unit's tokens with symbols numbered by first occurrence and
    /// atoms written out, over every unit of the test data.
    #[test]
    fn unit_hashes_are_equal_exactly_for_renamed_copies() {
        use std::collections::HashMap;
        #[derive(PartialEq, Eq, Hash, Clone, Debug)]
        enum Canon {
            Plain(u32),
            Sym(u32),
            Atom(String),
        }
        let mut by_hash: HashMap<u64, Vec<Canon>> = HashMap::new();
        let mut by_tokens: HashMap<Vec<Canon>, u64> = HashMap::new();
        let mut alike = 0;
        for src in &sources() {
            let a = analyse(src);
            let Ok(p) = &a.outcome else { continue };
            let n = &p.norm;
            for (u, &h) in n.units.iter().zip(&p.unit_hashes) {
                let mut numbers = HashMap::new();
                let canon: Vec<Canon> = n.toks[u.start..u.end]
                    .iter()
                    .map(|t| match t.raw() & 7 {
                        Packed::SYM => {
                            let next = numbers.len() as u32;
                            Canon::Sym(*numbers.entry(t.raw() >> 3).or_insert(next))
                        }
                        Packed::ATOM => Canon::Atom(n.atom(t.raw() >> 3).to_owned()),
                        _ => Canon::Plain(t.raw()),
                    })
                    .collect();
                if let Some(seen) = by_hash.get(&h) {
                    assert_eq!(seen, &canon, "one hash for two different units");
                    alike += 1;
                }
                assert_eq!(*by_tokens.entry(canon.clone()).or_insert(h), h);
                by_hash.insert(h, canon);
            }
        }
        assert!(alike > 100, "{alike} repeated units");
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

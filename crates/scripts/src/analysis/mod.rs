//! Offline analysis of one script body: parse, normalise, fingerprint, diff, classify.
//!
//! Everything starts with [`analyse`]: it parses the text once with oxc, resolves scopes,
//! and walks the tree once ([`normalize`]), producing the normalised token stream, the units
//! (functions and statements) and the behaviour signals. [`fingerprint`] hashes that,
//! [`diff`] compares two analyses unit by unit (and, when they differ, asks [`canonical`]
//! whether oxc's compressor brings them together), [`classify`] scores one (or the code one adds
//! to another). A script that cannot be parsed is still an [`Analysis`]: it keeps its raw
//! sha256 and the reason, and the classifier falls back to what can be read from the text.

pub mod canonical;
pub mod classify;
pub mod diff;
pub mod family;
pub mod fingerprint;
pub mod learned;
mod learned_model;
pub(crate) mod normalize;
mod prescan;
pub mod shape;
mod shape_model;
pub mod signals;

use std::cell::RefCell;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::{SemanticBuilder, Stats};
use oxc_span::SourceType;
use sha2::{Digest, Sha256};

pub use family::Family;
pub use normalize::UnitKind;

use normalize::{Normalized, Normalizer};
use prescan::prescan;

/// Largest script analysed, in bytes. Matches the fetcher's body cap: nothing bigger is ever
/// stored, and parse time and memory stay bounded.
pub const MAX_SCRIPT_BYTES: usize = 5 * 1024 * 1024;

/// Deepest bracket nesting analysed. The parser and the tree walks recurse once per level;
/// real code stays far below this, hostile input does not.
pub const MAX_NESTING: usize = 1024;

/// Deepest tree the analysis walks, as estimated from the text before parsing (see
/// `prescan`). Operators, member accesses, calls and prefix keywords nest the tree without
/// brackets (`a+a+a+...`, `!!!!x`, `f()()()`, `typeof typeof x`), so brackets alone do not
/// bound recursion.
pub const MAX_DEPTH_ESTIMATE: usize = 20_000;

/// Scripts whose estimated depth (deepest bracket nesting plus longest operator run) is at
/// most this are analysed on the caller's thread; deeper ones on a thread with
/// [`ANALYSIS_STACK_BYTES`] of stack.
const INLINE_DEPTH: usize = 128;

/// Scripts whose estimated depth is at most this (and above [`INLINE_DEPTH`]) are analysed
/// on the calling thread's companion, which is kept between scripts; deeper ones on a thread
/// of their own. The stack a companion has used stays mapped while it lives, so this bounds
/// what a hostile script leaves behind (the npm corpus goes no deeper than 864).
const COMPANION_DEPTH: usize = 4096;

/// Stack for the analysis thread: generous, so that the bounds above, not the stack, decide.
const ANALYSIS_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Names the normalisation: hashes from different schemes are not comparable, so stores keep
/// it beside every hash.
pub const SCHEME: &str = "parapet-norm-4/oxc-0.146";

/// One script, analysed.
#[derive(Debug)]
pub struct Analysis<'s> {
    /// The text analysed.
    pub source: &'s str,
    /// sha256 of the raw bytes, hex.
    pub sha256: String,
    /// The parsed form, or why there is none.
    pub outcome: Result<Parsed, ParseFailure>,
    /// Library and version line, when recognised (from the text, so also for parse failures).
    pub family: Option<Family>,
}

/// Why a script has no normalised form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseFailure {
    /// Bigger than [`MAX_SCRIPT_BYTES`].
    #[error("script is {size} bytes, more than the {MAX_SCRIPT_BYTES} analysed")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// Nested deeper than the walks allow.
    #[error("script nests deeper than the analysis allows ({what})")]
    TooDeep {
        /// Which bound was hit.
        what: &'static str,
    },
    /// Not JavaScript oxc can parse.
    #[error("syntax error: {message}")]
    Syntax {
        /// The parser's first message, bounded.
        message: String,
    },
}

/// A parsed, normalised script.
#[derive(Debug)]
pub struct Parsed {
    pub(crate) norm: Normalized,
    /// sha256 of the whole normalised stream, hex.
    pub normalized_hash: String,
    /// One hash per unit, in the order of `norm.units`.
    pub(crate) unit_hashes: Vec<u64>,
}

/// Analyses a script. Never panics on input and never fails: see [`Analysis::outcome`].
///
/// Deep scripts are analysed on a thread with a large stack (the calling thread's companion,
/// or for the deepest a thread of their own), so that the nesting bounds, not the caller's
/// stack size, decide what is too deep.
pub fn analyse(source: &str) -> Analysis<'_> {
    analyse_with(source, None)
}

/// [`analyse`], adding the time of each step to `steps` when given.
fn analyse_with<'s>(source: &'s str, steps: Option<&mut Steps>) -> Analysis<'s> {
    let mut clock = Clock(steps.map(|s| (s, Instant::now())));
    let depth = prescan(source);
    clock.lap(|s| &mut s.prescan);
    let timed = clock.0.is_some();
    let outcome = match depth {
        Err(e) => Err(e),
        // Shallow scripts (most small ones) need no stack of their own, and a thread per
        // small script would cost more than analysing it.
        Ok(depth) if depth <= INLINE_DEPTH => parse_and_normalise(source, clock.steps()),
        Ok(depth) => {
            let (outcome, far) = (depth <= COMPANION_DEPTH)
                .then(|| on_companion(source, timed))
                .flatten()
                .unwrap_or_else(|| on_own_thread(source, timed));
            if let Some(steps) = clock.steps() {
                steps.add(&far);
            }
            outcome
        }
    };
    // The steps on other threads were added as they were timed there.
    clock.restart();
    let sha256 = hex(&Sha256::digest(source.as_bytes()));
    clock.lap(|s| &mut s.sha256);
    let family = family::detect(source);
    clock.lap(|s| &mut s.family);
    Analysis {
        source,
        sha256,
        outcome,
        family,
    }
}

/// Time spent in each step of an analysis, summed over the scripts given to
/// [`analyse_timed`] (`examples/throughput.rs --steps` prints it per MB).
#[doc(hidden)]
#[derive(Debug, Default, Clone, Copy)]
pub struct Steps {
    /// The depth prescan.
    pub prescan: Duration,
    /// oxc's parse (both tries, when the first fails).
    pub parse: Duration,
    /// oxc's semantic pass: scopes, symbols, references.
    pub semantic: Duration,
    /// The normaliser's walk.
    pub normalise: Duration,
    /// Unit hashes and the whole stream's sha256.
    pub hashes: Duration,
    /// sha256 of the raw bytes.
    pub sha256: Duration,
    /// The family signature.
    pub family: Duration,
}

impl Steps {
    fn add(&mut self, o: &Steps) {
        self.prescan += o.prescan;
        self.parse += o.parse;
        self.semantic += o.semantic;
        self.normalise += o.normalise;
        self.hashes += o.hashes;
        self.sha256 += o.sha256;
        self.family += o.family;
    }
}

/// Adds the time since its last lap to a step of [`Steps`], when there is one to add to.
struct Clock<'a>(Option<(&'a mut Steps, Instant)>);

impl Clock<'_> {
    /// The steps being timed, if any.
    fn steps(&mut self) -> Option<&mut Steps> {
        self.0.as_mut().map(|(steps, _)| &mut **steps)
    }

    /// Starts the next lap now.
    fn restart(&mut self) {
        if let Some((_, since)) = &mut self.0 {
            *since = Instant::now();
        }
    }

    fn lap(&mut self, step: fn(&mut Steps) -> &mut Duration) {
        if let Some((steps, since)) = &mut self.0 {
            let now = Instant::now();
            *step(steps) += now - *since;
            *since = now;
        }
    }
}

/// [`analyse`], adding the time of each step to `steps` (handing a script to a thread with a
/// large stack is in none of them). For measuring, not for the service.
#[doc(hidden)]
pub fn analyse_timed<'s>(source: &'s str, steps: &mut Steps) -> Analysis<'s> {
    analyse_with(source, Some(steps))
}

/// The outcome when the thread meant to analyse a script could not (it did not start, or
/// the analysis panicked).
fn thread_failed() -> Result<Parsed, ParseFailure> {
    Err(ParseFailure::Syntax {
        message: "the analysis thread could not run".into(),
    })
}

/// A script handed to a companion (copied: the companion outlives the borrow), and where its
/// outcome goes.
/// Whether the steps are to be timed ([`analyse_timed`]); the reply carries their times.
type Job = (
    Box<str>,
    bool,
    mpsc::SyncSender<(Result<Parsed, ParseFailure>, Steps)>,
);

thread_local! {
    /// This thread's companion: a thread with [`ANALYSIS_STACK_BYTES`] of stack that
    /// analyses the scripts too deep for this thread's stack, started on first need and kept.
    /// A thread per script costs its start and its stack mapped and zeroed again as the
    /// analysis recurses, every time; a kept one pays that once. The companion ends with this
    /// thread (its job channel closes).
    static COMPANION: RefCell<Option<mpsc::Sender<Job>>> = const { RefCell::new(None) };
}

/// Analyses a script on a thread of its own.
fn on_own_thread(source: &str, timed: bool) -> (Result<Parsed, ParseFailure>, Steps) {
    let mut steps = Steps::default();
    let outcome = on_big_stack("script-analysis", || {
        parse_and_normalise(source, timed.then_some(&mut steps))
    })
    .unwrap_or_else(thread_failed);
    (outcome, steps)
}

/// Runs `f` on a scoped thread called `name` with [`ANALYSIS_STACK_BYTES`] of stack; `None`
/// when the thread cannot start or `f` panics (the panic ends that thread, not the caller).
pub(crate) fn on_big_stack<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name(name.into())
            .stack_size(ANALYSIS_STACK_BYTES)
            .spawn_scoped(scope, f)
            .ok()
            .and_then(|handle| handle.join().ok())
    })
}

/// Analyses a script on this thread's companion; `None` when there is none to be had (it
/// cannot start, or this thread is ending).
fn on_companion(source: &str, timed: bool) -> Option<(Result<Parsed, ParseFailure>, Steps)> {
    COMPANION
        .try_with(|companion| {
            let mut companion = companion.try_borrow_mut().ok()?;
            let (reply, outcome) = mpsc::sync_channel(1);
            let mut job = (Box::from(source), timed, reply);
            // A companion whose analysis panicked is gone: the first send then fails, and a
            // new one takes the job.
            for _ in 0..2 {
                if companion.is_none() {
                    *companion = start_companion();
                }
                match companion.as_ref()?.send(job) {
                    Ok(()) => {
                        return Some(outcome.recv().unwrap_or_else(|_| {
                            *companion = None;
                            (thread_failed(), Steps::default())
                        }))
                    }
                    Err(mpsc::SendError(returned)) => {
                        job = returned;
                        *companion = None;
                    }
                }
            }
            None
        })
        .ok()
        .flatten()
}

/// Starts a companion thread; returns where to send it jobs.
fn start_companion() -> Option<mpsc::Sender<Job>> {
    let (jobs, incoming) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("script-analysis".into())
        .stack_size(ANALYSIS_STACK_BYTES)
        .spawn(move || {
            for (source, timed, reply) in incoming {
                let mut steps = Steps::default();
                let outcome = parse_and_normalise(&source, timed.then_some(&mut steps));
                // The caller may have gone; there is nobody else to tell.
                let _ = reply.send((outcome, steps));
            }
        })
        .ok()?;
    Some(jobs)
}

/// Arenas of earlier analyses, emptied and kept for the next ones. A fresh arena gets its
/// memory from the system, which maps and zeroes it page by page as the parser first writes
/// it: on the npm corpus, a sixth of the analysis time. At most [`KEPT_ARENAS`] are
/// kept (one per analysis running at once, in practice), none bigger than
/// [`MAX_KEPT_ARENA_BYTES`], so what stays allocated between analyses is bounded.
static ARENAS: Mutex<Vec<Allocator>> = Mutex::new(Vec::new());

/// Most arenas kept for reuse.
const KEPT_ARENAS: usize = 4;

/// Largest arena kept for reuse, in bytes (the biggest scripts' arenas are given back).
const MAX_KEPT_ARENA_BYTES: usize = 64 * 1024 * 1024;

fn parse_and_normalise(source: &str, steps: Option<&mut Steps>) -> Result<Parsed, ParseFailure> {
    let mut allocator = ARENAS
        .lock()
        .ok()
        .and_then(|mut kept| kept.pop())
        .unwrap_or_default();
    let result = parse_and_normalise_in(&allocator, source, steps);
    if allocator.capacity() <= MAX_KEPT_ARENA_BYTES {
        allocator.reset();
        if let Ok(mut kept) = ARENAS.lock() {
            if kept.len() < KEPT_ARENAS {
                kept.push(allocator);
            }
        }
    }
    result
}

fn parse_and_normalise_in(
    allocator: &Allocator,
    source: &str,
    steps: Option<&mut Steps>,
) -> Result<Parsed, ParseFailure> {
    let mut clock = Clock(steps.map(|s| (s, Instant::now())));
    let options = ParseOptions {
        preserve_parens: false,
        ..ParseOptions::default()
    };
    // Browsers run classic scripts; a module is the second guess.
    let mut ret = Parser::new(allocator, source, SourceType::script())
        .with_options(options)
        .parse();
    if ret.panicked || ret.diagnostics.has_errors() {
        let module = Parser::new(allocator, source, SourceType::mjs())
            .with_options(options)
            .parse();
        if !module.panicked && !module.diagnostics.has_errors() {
            ret = module;
        }
    }
    clock.lap(|s| &mut s.parse);
    if ret.panicked || ret.diagnostics.has_errors() {
        let message = ret
            .diagnostics
            .errors()
            .next()
            .map_or_else(|| "unparsable".to_owned(), |d| d.to_string());
        return Err(ParseFailure::Syntax {
            message: message.chars().take(200).collect(),
        });
    }
    let program = allocator.alloc(ret.program);
    let semantic = SemanticBuilder::new()
        .with_stats(table_sizes(source.len()))
        .build(program)
        .semantic;
    clock.lap(|s| &mut s.semantic);
    let norm = Normalizer::new(semantic.scoping()).run(program);
    clock.lap(|s| &mut s.normalise);
    let mut hasher = fingerprint::UnitHasher::new(norm.symbols);
    let atoms = fingerprint::atom_values(&norm);
    let (whole, unit_hashes) = hasher.whole_and_units(&norm, &atoms);
    clock.lap(|s| &mut s.hashes);
    Ok(Parsed {
        normalized_hash: hex(&whole),
        norm,
        unit_hashes,
    })
}

/// Sizes for oxc's scope, symbol and reference tables, estimated from the text's length.
/// Given sizes, the semantic pass does not count them with a walk of its own (a quarter of
/// its time); they only reserve capacity, so a denser script than estimated makes a table
/// grow, nothing else. Real code is sparser: the npm corpus has at least 51 bytes per scope,
/// 25 per symbol and 8 per reference.
fn table_sizes(len: usize) -> Stats {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    Stats::new(0, len / 16 + 16, len / 8 + 16, len / 4 + 16)
}

/// Lower-case hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    // A table rather than `write!`: a fingerprint prints one per unit, thousands a script.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A one-line excerpt of source text: whitespace collapsed, at most `max` characters.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if out.chars().count() >= max {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(source: &str, offset: u32) -> usize {
    let end = (offset as usize).min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// [`line_of`] for offsets asked mostly in increasing order: each line is counted from the
/// offset asked before, not from the start (the classifier asks for the line of every piece
/// of a script, and counting each from the start was quadratic).
pub(crate) struct Lines<'s> {
    source: &'s str,
    offset: usize,
    line: usize,
}

impl<'s> Lines<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Lines {
            source,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn of(&mut self, offset: u32) -> usize {
        let end = (offset as usize).min(self.source.len());
        if end < self.offset {
            *self = Lines::new(self.source);
        }
        self.line += self.source.as_bytes()[self.offset..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = end;
        self.line
    }
}

/// Every file under the crate's `testdata`, for tests that run over all of it.
#[cfg(test)]
pub(crate) fn testdata_files() -> Vec<std::path::PathBuf> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata");
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(src: &str) -> String {
        match analyse(src).outcome {
            Ok(p) => p.normalized_hash,
            Err(e) => panic!("{src:?} did not parse: {e}"),
        }
    }

    #[test]
    fn cosmetic_rewrites_keep_the_hash() {
        let pairs = [
            (
                "function f(a){return a+1}",
                "function   g(x) {\n  // add one\n  return x + 1;\n}",
            ),
            (
                "var a = !0, b = void 0;",
                "var a = true;\nvar b = undefined;",
            ),
            ("a(), b();", "a();\nb();"),
            ("x && y();", "if (x) { y(); }"),
            ("x || y();", "if (!x) y();"),
            ("x ? y() : z();", "if (x) y(); else z();"),
            ("document['cookie'];", "document.cookie;"),
            ("var o = {'k': 1};", "var o = {k: 2};"),
            ("!function(){f()}();", "(function(){f()})();"),
            ("const q = 'a';", "var q = \"completely different\";"),
            ("f('click');", "f(`click`);"),
            ("function f(){return a(),b}", "function f(){a();return b}"),
            ("for(;;)x();", "for(;;){x()}"),
            ("var f = x => x.y;", "var f = (z) => { return z.y; };"),
            (
                "function r(c){var t=l();if(!t.length){c.hidden=true;return}c.html=t.join()}",
                "function r(c){var t=l();t.length?c.html=t.join():c.hidden=!0}",
            ),
            (
                "function g(a){if(a){b()}else{c()}}",
                "function g(a){a?b():c()}",
            ),
            // Private names are renamed by minifiers as locals are.
            (
                "class P{#provider;#data;get(){return this.#provider.call(this.#data)}has(o){return #data in o}}",
                "class P{#t;#e;get(){return this.#t.call(this.#e)}has(o){return #e in o}}",
            ),
        ];
        for (a, b) in pairs {
            assert_eq!(hash(a), hash(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn behaviour_changes_change_the_hash() {
        let pairs = [
            ("document.cookie;", "document.title;"),
            ("f('https://a.example/x');", "f('https://b.example/x');"),
            ("a + b;", "a - b;"),
            (
                "x.addEventListener('click', f);",
                "x.addEventListener('submit', f);",
            ),
            ("function f(a, b){return a}", "function f(a, b){return b}"),
            (
                "class P{#a;#b;f(){return this.#a(this.#b)}}",
                "class P{#a;#b;f(){return this.#b(this.#a)}}",
            ),
            ("a();", "a(); new Image().src = u;"),
            ("var t = true;", "var t = false;"),
            ("for(;;){if(a)continue;x()}", "for(;;){if(a)break;x()}"),
            ("if(a&&b)x();", "if(a||b)x();"),
            ("eval('f(1)');", "eval('g(1)');"),
            (
                "document.write('<b>a</b>');",
                "document.write('<script>x()</script>');",
            ),
            (
                "e.innerHTML = '<p>hi</p>';",
                "e.innerHTML = '<img src=x onerror=steal()>';",
            ),
            ("setTimeout('a()', 1);", "setTimeout('b()', 1);"),
            ("new Function('a()')();", "new Function('b()')();"),
            (
                "f('https://' + 'a.example');",
                "f('https://' + 'b.example');",
            ),
            (
                "function g(a){if(a)return b;return c}",
                "function g(a){return a?b:b}",
            ),
        ];
        for (a, b) in pairs {
            assert_ne!(hash(a), hash(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn syntax_errors_are_recorded_not_fatal() {
        let a = analyse("function (");
        assert!(matches!(a.outcome, Err(ParseFailure::Syntax { .. })));
        assert_eq!(a.sha256.len(), 64);
    }

    #[test]
    fn hostile_nesting_is_refused_before_parsing() {
        let deep = "[".repeat(MAX_NESTING + 1);
        assert!(matches!(
            analyse(&deep).outcome,
            Err(ParseFailure::TooDeep { .. })
        ));
        for unit in ["+a", "!", ".a", "()", "typeof ", "[0]", "a=>"] {
            let chain = "x ".to_owned() + &unit.repeat(MAX_DEPTH_ESTIMATE + 1);
            let a = analyse(&chain);
            assert!(
                matches!(a.outcome, Err(ParseFailure::TooDeep { .. })),
                "{unit}"
            );
            // Just under the bound, analysis runs (on its own big stack) and does not crash.
            let under = unit.repeat(MAX_DEPTH_ESTIMATE / 4) + "a";
            let _ = analyse(&under);
        }
        // Siblings do not add up: a long array or object literal is shallow.
        let wide = format!("var t = [{}];", "f(1+2),".repeat(MAX_DEPTH_ESTIMATE));
        assert!(analyse(&wide).outcome.is_ok());
    }

    #[test]
    fn constants_read_before_their_declaration_are_values_past_the_look_budget() {
        // More constants read before their declaration than a script may look around for:
        // the first ones are looked up one by one, the rest from one walk of the whole tree.
        let n = 1500;
        let reads: Vec<String> = (0..n).map(|i| format!("o[K{i}]")).collect();
        let names: Vec<String> = (0..n).map(|i| format!("o.p{i}")).collect();
        let values: Vec<String> = (0..n).map(|i| format!("K{i}=\"p{i}\"")).collect();
        let hoisted = format!(
            "(function(){{w(function(o){{return [{}]}});var {}}})()",
            reads.join(","),
            values.join(",")
        );
        let inlined = format!(
            "(function(){{w(function(o){{return [{}]}})}})()",
            names.join(",")
        );
        assert_eq!(hash(&hoisted), hash(&inlined));
        let other = inlined.replace("o.p1499", "o.q1499");
        assert_ne!(hash(&hoisted), hash(&other));
    }

    #[test]
    fn timed_analysis_is_the_same_analysis_with_each_step_timed() {
        let shallow = "document.querySelector('#card').addEventListener('input', f);".to_owned();
        let companion = format!("var x = {}f(1){};", "(".repeat(150), ")".repeat(150));
        let own = format!("var y = {}g(2);", "!".repeat(COMPANION_DEPTH + 100));
        for src in [&shallow, &companion, &own] {
            let mut steps = Steps::default();
            let timed = analyse_timed(src, &mut steps);
            let plain = analyse(src);
            assert_eq!(
                timed.outcome.as_ref().map(|p| &p.normalized_hash),
                plain.outcome.as_ref().map(|p| &p.normalized_hash)
            );
            assert_eq!(timed.sha256, plain.sha256);
            assert!(timed.outcome.is_ok(), "{:?}", timed.outcome);
            // Every step ran, wherever the script was analysed, and was counted.
            assert!(steps.parse > Duration::ZERO && steps.semantic > Duration::ZERO);
            assert!(steps.normalise > Duration::ZERO && steps.hashes > Duration::ZERO);
        }
        assert!(matches!(prescan(&own), Ok(d) if d > COMPANION_DEPTH));
    }

    #[test]
    fn the_companion_analyses_as_this_thread_does() {
        let src = format!("var x = {}f(1){};", "(".repeat(150), ")".repeat(150));
        assert!(
            matches!(prescan(&src), Ok(d) if d > INLINE_DEPTH && d <= COMPANION_DEPTH),
            "{:?}",
            prescan(&src)
        );
        let here = parse_and_normalise(&src, None).map(|p| p.normalized_hash);
        assert!(here.is_ok(), "{here:?}");
        // Twice on this thread's companion, then on another thread's.
        for _ in 0..2 {
            assert_eq!(analyse(&src).outcome.map(|p| p.normalized_hash), here);
        }
        let there = std::thread::spawn(move || analyse(&src).outcome.map(|p| p.normalized_hash))
            .join()
            .ok();
        assert_eq!(there, Some(here));
    }

    #[test]
    fn modules_parse_too() {
        assert!(analyse("import x from './x.js'; export default x;")
            .outcome
            .is_ok());
    }

    #[test]
    fn lines_counted_on_agree_with_line_of() {
        let source = "a\nbb\n\nccc\nd";
        let mut lines = Lines::new(source);
        // Forwards, repeated, backwards and past the end.
        for offset in [0, 1, 2, 5, 5, 6, 9, 3, 0, 12, 40, 7] {
            assert_eq!(lines.of(offset), line_of(source, offset), "offset {offset}");
        }
    }

    #[test]
    fn excerpts_are_one_bounded_line() {
        assert_eq!(excerpt("a\n   b\tc", 10), "a b c");
        assert_eq!(excerpt(&"x".repeat(50), 5), "xxxxx…");
    }
}

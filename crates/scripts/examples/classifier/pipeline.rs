//! The classifier's corpus, training and grouped evaluation, shared by the `classifier`
//! example (the full corpus, from `bench/classifier.sh`) and `tests/classifier_pipeline.rs`
//! (a small slice, in the test command).
//!
//! - Benign: real browser builds of npm libraries at many versions (`bench/corpus/npm.tsv`,
//!   fetched by `bench/corpus.sh`), each scored whole; each version scored against the
//!   previous one (a real version change, `--baseline` semantics); and two cosmetic variants
//!   of each version made with oxc (reprinted, and compressed and mangled), scored against
//!   the version itself.
//! - Malicious: the families of `testdata/families`, each variant disguised four ways (as
//!   written, minified, `eval(atob(...))`, `eval(String.fromCharCode(...))`) and injected
//!   four ways (appended, prepended, in a new IIFE, inside a function in the middle of the
//!   library) into a library version, scored whole and against the clean version.
//! - Evaluation: K folds; fold k holds out whole libraries (every version, every change, every
//!   variant) and whole families (injected only into held-out libraries). The model is
//!   trained on the other folds and scored on fold k; figures are pooled over folds.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use base64::Engine as _;
use oxc_allocator::Allocator;
use oxc_ast::ast::FunctionBody;
use oxc_ast_visit::{walk, Visit};
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_minifier::{CompressOptions, MangleOptions, Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;
use parapet_scripts::analysis::canonical::compressed;
use parapet_scripts::analysis::classify::MALICIOUS_THRESHOLD;
use parapet_scripts::analysis::classify::{added_features, features, local_features, Context};
use parapet_scripts::analysis::diff::{innermost_added, names_more_often, ScriptDiff};
use parapet_scripts::analysis::learned::{self, Example, Model, TrainOptions, DIM};
use parapet_scripts::analysis::{analyse, Analysis};

/// The site every corpus script is scored for; families' look-alike hosts imitate it.
pub const SITE: &str = "www.northwind-outfitters.example";

/// The repository's root.
pub fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("../..")
}

/// Where `bench/corpus.sh` keeps the npm files.
pub fn cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("PARAPET_CORPUS") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp/.cache"));
    base.join("parapet-corpus")
}

/// Runs `bench/corpus.sh` for these libraries (all when empty).
pub fn fetch(libraries: &[&str]) -> Result<(), String> {
    let status = std::process::Command::new("bash")
        .arg(repo().join("bench/corpus.sh"))
        .args(libraries)
        .status()
        .map_err(|e| format!("cannot run bench/corpus.sh: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "bench/corpus.sh {libraries:?} failed ({status}); it needs npm and the registry"
        ))
    }
}

/// One version of one library.
pub struct Version {
    pub version: String,
    pub text: String,
}

/// A library and its versions, oldest first (manifest order).
pub struct Library {
    pub name: String,
    pub versions: Vec<Version>,
}

/// Reads the manifest's libraries (only those named, when `only` is not empty) from the
/// cache.
pub fn libraries(only: &[&str]) -> Result<Vec<Library>, String> {
    let manifest = std::fs::read_to_string(repo().join("bench/corpus/npm.tsv"))
        .map_err(|e| format!("bench/corpus/npm.tsv: {e}"))?;
    let mut out: Vec<Library> = Vec::new();
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cols = line.split('\t');
        let (Some(name), Some(version)) = (cols.next(), cols.next()) else {
            return Err(format!("bad manifest line: {line}"));
        };
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        let path = cache()
            .join("npm")
            .join(name.replace('/', "+"))
            .join(format!("{version}.js"));
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("{}: {e} (run bench/corpus.sh first)", path.display()))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let v = Version {
            version: version.to_owned(),
            text,
        };
        match out.last_mut() {
            Some(l) if l.name == name => l.versions.push(v),
            _ => out.push(Library {
                name: name.to_owned(),
                versions: vec![v],
            }),
        }
    }
    Ok(out)
}

/// One malicious family and its hand-written variants.
pub struct Family {
    pub name: String,
    pub category: String,
    pub variants: Vec<(String, String)>,
    /// Whether models are trained on it: families listed in `testdata/families/untrained.txt`
    /// are only ever scored (held out in every fold, and left out of the shipped model).
    pub trained: bool,
}

/// Reads `testdata/families` (only those named, when `only` is not empty).
pub fn families(only: &[&str]) -> Result<Vec<Family>, String> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata/families");
    let index = std::fs::read_to_string(root.join("families.tsv"))
        .map_err(|e| format!("families.tsv: {e}"))?;
    let untrained = std::fs::read_to_string(root.join("untrained.txt"))
        .map_err(|e| format!("untrained.txt: {e}"))?;
    let untrained: Vec<&str> = untrained
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let mut out = Vec::new();
    for line in index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cols = line.split('\t');
        let (Some(name), Some(category)) = (cols.next(), cols.next()) else {
            return Err(format!("bad families.tsv line: {line}"));
        };
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(name))
            .map_err(|e| format!("{name}: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "js"))
            .collect();
        files.sort();
        let mut variants = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            let stem = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            variants.push((stem, text));
        }
        out.push(Family {
            name: name.to_owned(),
            category: category.to_owned(),
            variants,
            trained: !untrained.contains(&name),
        });
    }
    if let Some(unknown) = untrained
        .iter()
        .find(|u| !index.lines().any(|l| l.split('\t').next() == Some(**u)))
    {
        return Err(format!(
            "untrained.txt names {unknown}, which families.tsv does not"
        ));
    }
    Ok(out)
}

/// How an injected payload is disguised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Disguise {
    Plain,
    Minified,
    Base64Eval,
    CharCodes,
}

pub const DISGUISES: [Disguise; 4] = [
    Disguise::Plain,
    Disguise::Minified,
    Disguise::Base64Eval,
    Disguise::CharCodes,
];

/// Where a payload is injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Appended,
    Prepended,
    NewIife,
    InFunction,
}

pub const PLACES: [Place; 4] = [
    Place::Appended,
    Place::Prepended,
    Place::NewIife,
    Place::InFunction,
];

/// oxc's code generator: reprinted, or compressed and mangled. `None` if oxc cannot parse.
pub fn rewrite(source: &str, minify: bool) -> Option<String> {
    let allocator = Allocator::default();
    let ret = Parser::new(&allocator, source, SourceType::script()).parse();
    if ret.panicked || ret.diagnostics.has_errors() {
        return None;
    }
    let mut program = ret.program;
    let scoping = minify.then(|| {
        Minifier::new(MinifierOptions {
            mangle: Some(MangleOptions::default()),
            mangle_properties: None,
            compress: Some(CompressOptions::default()),
        })
        .minify(&allocator, &mut program)
        .scoping
    });
    let options = if minify {
        CodegenOptions::minify()
    } else {
        CodegenOptions::default()
    };
    Some(
        Codegen::new()
            .with_options(options)
            .with_scoping(scoping.flatten())
            .build(&program)
            .code,
    )
}

/// The payload in disguise.
pub fn disguise(payload: &str, d: Disguise) -> Option<String> {
    match d {
        Disguise::Plain => Some(payload.to_owned()),
        Disguise::Minified => rewrite(payload, true),
        Disguise::Base64Eval => Some(format!(
            "eval(atob(\"{}\"));",
            base64::engine::general_purpose::STANDARD.encode(payload)
        )),
        Disguise::CharCodes => {
            let codes: Vec<String> = payload.encode_utf16().map(|c| c.to_string()).collect();
            Some(format!(
                "var _0x5f3a=[{}];eval(String.fromCharCode.apply(null,_0x5f3a));",
                codes.join(",")
            ))
        }
    }
}

/// Function bodies with braces, by the offset of their `{`, with their length.
struct Bodies(Vec<(usize, usize)>);

impl<'a> Visit<'a> for Bodies {
    fn visit_function_body(&mut self, it: &FunctionBody<'a>) {
        self.0.push((
            it.span.start as usize,
            (it.span.end - it.span.start) as usize,
        ));
        walk::walk_function_body(self, it);
    }
}

/// The host with the payload injected, or `None` if that place does not exist in it.
pub fn inject(host: &str, payload: &str, place: Place) -> Option<String> {
    match place {
        Place::Appended => Some(format!("{host}\n{payload}\n")),
        Place::Prepended => Some(format!("{payload}\n{host}")),
        Place::NewIife => Some(format!("{host}\n;(function () {{\n{payload}\n}})();\n")),
        Place::InFunction => {
            let allocator = Allocator::default();
            let ret = Parser::new(&allocator, host, SourceType::script()).parse();
            if ret.panicked || ret.diagnostics.has_errors() {
                return None;
            }
            let mut bodies = Bodies(Vec::new());
            bodies.visit_program(&ret.program);
            let middle = host.len() / 2;
            let (at, _) = bodies
                .0
                .into_iter()
                .filter(|&(start, len)| len >= 200 && host.as_bytes().get(start) == Some(&b'{'))
                .min_by_key(|&(start, _)| start.abs_diff(middle))?;
            Some(format!("{}\n{payload}\n{}", &host[..=at], &host[at + 1..]))
        }
    }
}

/// What a sample is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A library version, scored whole.
    Whole,
    /// A library version scored against the previous one.
    Change,
    /// A cosmetic variant scored against the version it was made from.
    Cosmetic,
    /// A disguised payload on its own (a skimmer loaded as a script of its own).
    Standalone,
    /// An injected library scored whole.
    InjectedWhole,
    /// An injected library scored against the clean version.
    InjectedAdded,
    /// A benign script of the hand-written corpus (`testdata/corpus`, tuning and seen
    /// splits): widgets that send what users type to their own services. Trained on in
    /// every fold, never scored.
    HandBenign,
    /// A malicious script of the hand-written corpus (tuning and seen splits).
    HandMalicious,
}

/// One scored sample.
pub struct Sample {
    /// The vector of the scored code as one (the code added to the baseline, or the whole
    /// file's union).
    pub x: [f64; DIM],
    /// Scored whole: the vectors of the pieces `classify` scores one by one.
    pub pieces: Vec<[f64; DIM]>,
    pub malicious: bool,
    pub kind: Kind,
    pub library: usize,
    pub family: Option<usize>,
    pub name: String,
    /// Cosmetic variants, version changes and injected libraries: whether the diff judged the
    /// behaviour unchanged.
    pub unchanged: bool,
    /// Whether models may train on it (see [`Family::trained`]).
    pub trained: bool,
}

/// The samples and what could not be made.
#[derive(Default)]
pub struct Corpus {
    pub samples: Vec<Sample>,
    pub skipped: Vec<String>,
    pub bytes: usize,
}

fn vector(a: &Analysis<'_>, baseline: Option<&Analysis<'_>>) -> [f64; DIM] {
    learned::vector(&features(a, baseline, Context { site: Some(SITE) }))
}

fn pieces(a: &Analysis<'_>) -> Vec<[f64; DIM]> {
    pieces_for(a, SITE)
}

/// The places where `a` adds code to `base`, as `--baseline` scores them.
fn added_pieces(a: &Analysis<'_>, base: &Analysis<'_>) -> Vec<[f64; DIM]> {
    added_features(a, base, Context { site: Some(SITE) })
        .iter()
        .map(|(_, f)| learned::vector(f))
        .collect()
}

fn pieces_for(a: &Analysis<'_>, site: &str) -> Vec<[f64; DIM]> {
    local_features(a, Context { site: Some(site) })
        .iter()
        .map(|(_, f)| learned::vector(f))
        .collect()
}

/// Fold of the i-th library or family.
pub fn fold(i: usize, k: usize) -> usize {
    i % k
}

/// Adds the tuning and seen splits of the hand-written corpus (`testdata/corpus`; its
/// `heldout` split stays out, as the independent check of `tests/corpus.rs`).
pub fn add_hand_corpus(c: &mut Corpus) -> Result<(), String> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata/corpus");
    let manifest = std::fs::read_to_string(root.join("manifest.tsv"))
        .map_err(|e| format!("testdata/corpus/manifest.tsv: {e}"))?;
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let Some((path, site)) = line.split_once('\t') else {
            return Err(format!("bad corpus manifest line: {line}"));
        };
        if path.starts_with("heldout/") {
            continue;
        }
        let text = std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))?;
        let a = analyse(&text);
        let site = site.trim();
        let malicious = path.contains("/malicious/");
        c.samples.push(Sample {
            x: learned::vector(&features(&a, None, Context { site: Some(site) })),
            pieces: pieces_for(&a, site),
            malicious,
            kind: if malicious {
                Kind::HandMalicious
            } else {
                Kind::HandBenign
            },
            library: usize::MAX,
            family: None,
            name: path.to_owned(),
            unchanged: false,
            trained: true,
        });
    }
    Ok(())
}

/// Builds every sample. `cosmetic` adds the cosmetic variants (the slowest part).
pub fn build(libs: &[Library], fams: &[Family], k: usize, cosmetic: bool) -> Corpus {
    let mut c = Corpus::default();
    for (li, lib) in libs.iter().enumerate() {
        let mut previous: Option<Analysis<'_>> = None;
        for v in &lib.versions {
            let name = format!("{}@{}", lib.name, v.version);
            let a = analyse(&v.text);
            c.bytes += v.text.len();
            if a.outcome.is_err() {
                c.skipped.push(format!("{name}: does not parse"));
            }
            let mut push = |x, pieces, kind, unchanged, name: String| {
                c.samples.push(Sample {
                    x,
                    pieces,
                    malicious: false,
                    kind,
                    library: li,
                    family: None,
                    name,
                    unchanged,
                    trained: true,
                })
            };
            push(
                vector(&a, None),
                pieces(&a),
                Kind::Whole,
                false,
                name.clone(),
            );
            if let Some(prev) = &previous {
                let unchanged = !ScriptDiff::between("a", prev, "b", &a).behaviour_changed;
                push(
                    vector(&a, Some(prev)),
                    added_pieces(&a, prev),
                    Kind::Change,
                    unchanged,
                    format!("{name} (change)"),
                );
            }
            if cosmetic {
                for minify in [false, true] {
                    let Some(variant) = rewrite(&v.text, minify) else {
                        c.skipped.push(format!("{name}: oxc cannot rewrite it"));
                        continue;
                    };
                    let va = analyse(&variant);
                    let unchanged = !ScriptDiff::between("a", &a, "b", &va).behaviour_changed;
                    let what = if minify { "minified" } else { "reprinted" };
                    push(
                        vector(&va, Some(&a)),
                        added_pieces(&va, &a),
                        Kind::Cosmetic,
                        unchanged,
                        format!("{name} {what}"),
                    );
                    push(
                        vector(&va, None),
                        pieces(&va),
                        Kind::Whole,
                        false,
                        format!("{name} {what} (whole)"),
                    );
                }
            }
            previous = Some(a);
        }
    }
    // Hosts of fold f's families: fold f's library versions.
    let hosts: Vec<Vec<(usize, usize)>> = (0..k)
        .map(|f| {
            libs.iter()
                .enumerate()
                .filter(|(li, _)| fold(*li, k) == f)
                .flat_map(|(li, l)| (0..l.versions.len()).map(move |vi| (li, vi)))
                .collect()
        })
        .collect();
    let mut counter = 0usize;
    for (fi, fam) in fams.iter().enumerate() {
        let pool = &hosts[fold(fi, k)];
        if pool.is_empty() {
            c.skipped
                .push(format!("{}: no library in its fold", fam.name));
            continue;
        }
        for (vname, payload) in &fam.variants {
            for d in DISGUISES {
                let Some(code) = disguise(payload, d) else {
                    c.skipped
                        .push(format!("{}/{vname} {d:?}: cannot disguise", fam.name));
                    continue;
                };
                let alone = analyse(&code);
                if alone.outcome.is_err() {
                    c.skipped
                        .push(format!("{}/{vname} {d:?}: does not parse", fam.name));
                    continue;
                }
                c.samples.push(Sample {
                    x: vector(&alone, None),
                    pieces: pieces(&alone),
                    malicious: true,
                    kind: Kind::Standalone,
                    library: pool[0].0,
                    family: Some(fi),
                    name: format!("{}/{vname} {d:?} alone", fam.name),
                    unchanged: false,
                    trained: fam.trained,
                });
                for p in PLACES {
                    // Spread the injections over the fold's versions, deterministically.
                    counter += 1;
                    let (li, vi) = pool[(counter * 7919) % pool.len()];
                    let host = &libs[li].versions[vi];
                    let name = format!(
                        "{}/{vname} {d:?} {p:?} in {}@{}",
                        fam.name, libs[li].name, host.version
                    );
                    let Some(text) = inject(&host.text, &code, p) else {
                        c.skipped.push(format!("{name}: no place to inject"));
                        continue;
                    };
                    let a = analyse(&text);
                    if a.outcome.is_err() {
                        c.skipped
                            .push(format!("{name}: injected file does not parse"));
                        continue;
                    }
                    let base = analyse(&host.text);
                    c.bytes += text.len();
                    // The diff must judge every injection a change, second opinion included.
                    let unchanged = !ScriptDiff::between("a", &base, "b", &a).behaviour_changed;
                    for (kind, x, pieces) in [
                        (Kind::InjectedWhole, vector(&a, None), pieces(&a)),
                        (
                            Kind::InjectedAdded,
                            vector(&a, Some(&base)),
                            added_pieces(&a, &base),
                        ),
                    ] {
                        c.samples.push(Sample {
                            x,
                            pieces,
                            malicious: true,
                            kind,
                            library: li,
                            family: Some(fi),
                            name: name.clone(),
                            unchanged,
                            trained: fam.trained,
                        });
                    }
                }
            }
        }
    }
    c
}

/// Whether a sample is scored as a whole file (piece by piece, as `classify` does without
/// a baseline).
pub fn whole_scope(k: Kind) -> bool {
    matches!(k, Kind::Whole | Kind::InjectedWhole | Kind::Standalone)
}

/// Whether the model flags a sample: when any piece (of a whole file, or place of added
/// code) scores at least the threshold; the hand-written corpus's scripts by their one
/// vector.
pub fn flagged(model: &Model, s: &Sample) -> bool {
    if matches!(s.kind, Kind::HandBenign | Kind::HandMalicious) {
        model.risk(&s.x) >= MALICIOUS_THRESHOLD
    } else {
        s.pieces
            .iter()
            .any(|x| model.risk(x) >= MALICIOUS_THRESHOLD)
    }
}

/// Training examples from samples, in six groups that weigh the same whatever their
/// sizes: the pieces of benign files (every piece a whole-file score looks at, so the
/// model learns what ordinary library code that sends or injects looks like), the places of
/// benign added code (version changes, cosmetic variants), the places of injected code as it
/// is added to a library (an injection is written in one place),
/// disguised payloads on their own, and the benign (by piece) and malicious scripts of the
/// hand-written corpus's tuning and seen splits (widgets that send to their own services,
/// which no npm library does). Injected libraries scored whole are not trained on:
/// which of their pieces is the injection is not labelled.
pub fn examples<'a>(samples: impl Iterator<Item = &'a Sample> + Clone) -> Vec<Example> {
    let group = |s: &Sample| match (s.malicious, s.kind) {
        (false, Kind::Whole) => Some(0),
        (false, Kind::HandBenign) => Some(4),
        (false, _) => Some(1),
        (true, Kind::InjectedAdded) => Some(2),
        (true, Kind::Standalone) => Some(3),
        (true, Kind::HandMalicious) => Some(5),
        (true, _) => None,
    };
    let by_piece = |g: usize| g <= 2 || g == 4;
    let mut counts = [0usize; 6];
    for s in samples.clone() {
        if let Some(g) = group(s) {
            counts[g] += if by_piece(g) { s.pieces.len() } else { 1 };
        }
    }
    let groups = counts.iter().filter(|&&n| n > 0).count().max(1) as f64;
    let weight = |g: usize| 1.0 / groups / counts[g].max(1) as f64;
    let mut out = Vec::new();
    for s in samples {
        match group(s) {
            Some(g) if by_piece(g) => out.extend(s.pieces.iter().map(|x| Example {
                x: *x,
                malicious: s.malicious,
                weight: weight(g),
            })),
            Some(g) => out.push(Example {
                x: s.x,
                malicious: s.malicious,
                weight: weight(g),
            }),
            None => {}
        }
    }
    out
}

/// Trains on every sample of the families trained on (see [`Family::trained`]).
pub fn train_all(c: &Corpus, opt: TrainOptions) -> Model {
    learned::train(&examples(c.samples.iter().filter(|s| s.trained)), opt)
}

/// Counts of one kind of sample.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub n: usize,
    pub flagged: usize,
}

impl Tally {
    pub fn rate(&self) -> f64 {
        self.flagged as f64 / self.n.max(1) as f64
    }
}

/// Pooled held-out results.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub folds: usize,
    pub by_kind: BTreeMap<Kind, Tally>,
    pub by_family: BTreeMap<String, Tally>,
    pub by_disguise: BTreeMap<String, Tally>,
    pub cosmetic_unchanged: Tally,
    /// Real version changes the diff judged unchanged (cosmetic or restructured).
    pub changes_unchanged: Tally,
    /// Injected libraries against the clean version that the diff judged unchanged (must be
    /// none).
    pub injected_unchanged: Tally,
    pub false_alarms: Vec<String>,
    pub misses: Vec<String>,
    /// For every miss and false alarm: the riskiest piece's risk, its non-zero semantic
    /// features and the weights that pushed it most (the `--explain` output of `eval`).
    pub details: Vec<String>,
}

impl Evaluation {
    fn tally(&self, kind: Kind) -> Tally {
        self.by_kind.get(&kind).copied().unwrap_or_default()
    }
    /// Injections caught, scored against their clean version.
    pub fn recall_added(&self) -> f64 {
        self.tally(Kind::InjectedAdded).rate()
    }
    /// Payloads on their own caught.
    pub fn recall_standalone(&self) -> f64 {
        self.tally(Kind::Standalone).rate()
    }
    /// False alarms on whole benign files.
    pub fn whole_false_alarms(&self) -> f64 {
        self.tally(Kind::Whole).rate()
    }
    /// Injections caught, scored whole.
    pub fn recall_whole(&self) -> f64 {
        self.tally(Kind::InjectedWhole).rate()
    }
    /// False alarms per real benign version change.
    pub fn change_false_alarms(&self) -> f64 {
        self.tally(Kind::Change).rate()
    }
    /// Precision over every held-out sample.
    pub fn precision(&self) -> f64 {
        let tp = self.tally(Kind::InjectedWhole).flagged
            + self.tally(Kind::InjectedAdded).flagged
            + self.tally(Kind::Standalone).flagged;
        let fp = self.tally(Kind::Whole).flagged
            + self.tally(Kind::Change).flagged
            + self.tally(Kind::Cosmetic).flagged;
        tp as f64 / (tp + fp).max(1) as f64
    }
}

/// Grouped K-fold cross-validation.
pub fn cross_validate(
    c: &Corpus,
    libs: &[Library],
    fams: &[Family],
    k: usize,
    opt: TrainOptions,
) -> Evaluation {
    let mut e = Evaluation {
        folds: k,
        ..Evaluation::default()
    };
    let hand = |s: &Sample| matches!(s.kind, Kind::HandBenign | Kind::HandMalicious);
    let held = |s: &Sample, f: usize| {
        !hand(s) && fold(s.library, k) == f && s.family.is_none_or(|fi| fold(fi, k) == f)
    };
    for f in 0..k {
        let train = examples(c.samples.iter().filter(|s| {
            s.trained
                && (hand(s)
                    || (fold(s.library, k) != f && s.family.is_none_or(|fi| fold(fi, k) != f)))
        }));
        let model = learned::train(&train, opt);
        for s in c.samples.iter().filter(|s| held(s, f)) {
            let flagged = flagged(&model, s);
            let add = |t: &mut Tally| {
                t.n += 1;
                t.flagged += usize::from(flagged);
            };
            add(e.by_kind.entry(s.kind).or_default());
            if let Some(fi) = s.family {
                add(e.by_family.entry(fams[fi].name.clone()).or_default());
                let d = s.name.split(' ').nth(1).unwrap_or("").to_owned();
                add(e.by_disguise.entry(d).or_default());
                if !flagged {
                    e.misses.push(format!("{} ({:?})", s.name, s.kind));
                    e.details.push(explain(&model, s));
                }
            } else if flagged {
                e.details.push(explain(&model, s));
                e.false_alarms.push(format!(
                    "{} ({:?}, {})",
                    s.name, s.kind, libs[s.library].name
                ));
            }
            if s.kind == Kind::Cosmetic {
                e.cosmetic_unchanged.n += 1;
                e.cosmetic_unchanged.flagged += usize::from(s.unchanged);
            }
            if s.kind == Kind::Change {
                e.changes_unchanged.n += 1;
                e.changes_unchanged.flagged += usize::from(s.unchanged);
            }
            if s.kind == Kind::InjectedAdded {
                e.injected_unchanged.n += 1;
                e.injected_unchanged.flagged += usize::from(s.unchanged);
                if s.unchanged {
                    e.misses
                        .push(format!("{} (judged unchanged by the diff)", s.name));
                }
            }
        }
    }
    e
}

/// A file scored whole under a model, in words (see [`explain`]).
pub fn explain_file(model: &Model, name: &str, text: &str) -> String {
    let a = analyse(text);
    explain(
        model,
        &Sample {
            x: vector(&a, None),
            pieces: Vec::new(),
            malicious: false,
            kind: Kind::HandBenign,
            library: 0,
            family: None,
            name: name.to_owned(),
            unchanged: false,
            trained: false,
        },
    )
}

/// One sample's riskiest piece under a model, in words: its risk, the non-zero semantic
/// features and the features that pushed the score up most.
pub fn explain(model: &Model, s: &Sample) -> String {
    let candidates: Vec<&[f64; DIM]> = if matches!(s.kind, Kind::HandBenign | Kind::HandMalicious) {
        vec![&s.x]
    } else {
        s.pieces.iter().collect()
    };
    let Some(x) = candidates
        .into_iter()
        .max_by(|a, b| model.risk(a).total_cmp(&model.risk(b)))
    else {
        return format!("{} ({:?}): nothing scored", s.name, s.kind);
    };
    let named: Vec<String> = learned::SEMANTIC_NAMES
        .iter()
        .zip(x.iter())
        .filter(|(_, v)| **v != 0.0)
        .map(|(n, v)| format!("{n}={v:.2}"))
        .collect();
    format!(
        "{} ({:?}): {} pieces, risk {:.3}; {}; strongest {:?}",
        s.name,
        s.kind,
        s.pieces.len(),
        model.risk(x),
        named.join(" "),
        model.strongest(x, 4)
    )
}

/// The evaluation as markdown.
pub fn markdown(c: &Corpus, libs: &[Library], fams: &[Family], e: &Evaluation) -> String {
    let mut o = String::new();
    let versions: usize = libs.iter().map(|l| l.versions.len()).sum();
    let variants: usize = fams.iter().map(|f| f.variants.len()).sum();
    let _ = writeln!(
        o,
        "Corpus: {} libraries, {versions} versions; {} families, {variants} variants, \
         {} disguises x {} places; {} samples ({:.1} MB analysed); {} skipped.\n",
        libs.len(),
        fams.len(),
        DISGUISES.len(),
        PLACES.len(),
        c.samples.len(),
        c.bytes as f64 / 1e6,
        c.skipped.len()
    );
    let _ = writeln!(
        o,
        "Held out, pooled over {} folds (whole libraries and whole families per fold):\n",
        e.folds
    );
    let _ = writeln!(
        o,
        "| samples | held out | scored malicious | rate |\n|---|---|---|---|"
    );
    for (kind, what) in [
        (
            Kind::Whole,
            "benign library versions and their cosmetic variants, whole",
        ),
        (
            Kind::Change,
            "benign version changes (new vs previous version)",
        ),
        (Kind::Cosmetic, "cosmetic variants vs their version"),
        (Kind::Standalone, "disguised payloads on their own"),
        (Kind::InjectedWhole, "injected libraries, whole"),
        (
            Kind::InjectedAdded,
            "injected libraries vs the clean version",
        ),
    ] {
        let t = e.tally(kind);
        let _ = writeln!(
            o,
            "| {what} | {} | {} | {:.2} % |",
            t.n,
            t.flagged,
            100.0 * t.rate()
        );
    }
    let _ = writeln!(
        o,
        "\nRecall: {:.2} % against the clean version, {:.2} % whole, {:.2} % alone. Precision \
         over all held-out samples: {:.4}. False alarms per benign version change: {:.2} %; per \
         whole benign file: {:.2} %. Cosmetic variants judged unchanged by the diff: {} of {} \
         ({:.1} %). Injected libraries judged changed by the diff: {} of {}. Real version \
         changes judged changed by the diff: {} of {}.\n",
        100.0 * e.recall_added(),
        100.0 * e.recall_whole(),
        100.0 * e.recall_standalone(),
        e.precision(),
        100.0 * e.change_false_alarms(),
        100.0 * e.whole_false_alarms(),
        e.cosmetic_unchanged.flagged,
        e.cosmetic_unchanged.n,
        100.0 * e.cosmetic_unchanged.rate(),
        e.injected_unchanged.n - e.injected_unchanged.flagged,
        e.injected_unchanged.n,
        e.changes_unchanged.n - e.changes_unchanged.flagged,
        e.changes_unchanged.n
    );
    let _ = writeln!(o, "| family | held-out injections caught |\n|---|---|");
    for (name, t) in &e.by_family {
        let _ = writeln!(o, "| {name} | {} / {} |", t.flagged, t.n);
    }
    let _ = writeln!(o, "\n| disguise | caught |\n|---|---|");
    for (name, t) in &e.by_disguise {
        let _ = writeln!(o, "| {name} | {} / {} |", t.flagged, t.n);
    }
    let _ = writeln!(o, "\nFalse alarms ({}):\n", e.false_alarms.len());
    for f in &e.false_alarms {
        let _ = writeln!(o, "- {f}");
    }
    let _ = writeln!(o, "\nMisses ({}, first 40):\n", e.misses.len());
    for m in e.misses.iter().take(40) {
        let _ = writeln!(o, "- {m}");
    }
    if !c.skipped.is_empty() {
        let _ = writeln!(o, "\nSkipped ({}):\n", c.skipped.len());
        for s in c.skipped.iter().take(20) {
            let _ = writeln!(o, "- {s}");
        }
    }
    o
}

/// Every library version against its cosmetic variants (reprinted; compressed and mangled by
/// oxc; and, for each `(label, dir)` in `external`, the file `dir/<library>/<version>.js` that
/// another minifier made, when present): how many the diff judges unchanged by the
/// normalised hashes alone and with its second opinion (both versions compressed), what the
/// second opinion cost, and for the variants still judged changed the innermost units that
/// differ on each side (at most `listed` a side), so that the normalisation's misses can be
/// read.
pub fn cosmetic_report(libs: &[Library], listed: usize, external: &[(String, PathBuf)]) -> String {
    let mut o = String::new();
    let mut labels = vec![
        "reprinted by oxc".to_owned(),
        "compressed and mangled by oxc".to_owned(),
    ];
    labels.extend(external.iter().map(|(l, _)| l.clone()));
    #[derive(Default, Clone, Copy)]
    struct Row {
        n: usize,
        fast: usize,
        unchanged: usize,
        /// Judged unchanged because nothing is named or called more often, though the
        /// compressed forms differ.
        restructured: usize,
        /// Compressed forms equal, but the new version names something the old did not.
        vetoed: usize,
        units: usize,
        slow_secs: f64,
        slow_bytes: usize,
    }
    let mut rows = vec![Row::default(); labels.len()];
    let mut details = String::new();
    for l in libs {
        for v in &l.versions {
            let a = analyse(&v.text);
            let Ok(pa) = &a.outcome else {
                continue;
            };
            for (m, what) in labels.iter().enumerate() {
                let variant = match m {
                    0 => rewrite(&v.text, false),
                    1 => rewrite(&v.text, true),
                    _ => {
                        let dir = &external[m - 2].1;
                        let path = dir
                            .join(l.name.replace('/', "+"))
                            .join(format!("{}.js", v.version));
                        std::fs::read(path)
                            .ok()
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                    }
                };
                let Some(variant) = variant else {
                    continue;
                };
                let va = analyse(&variant);
                let row = &mut rows[m];
                row.n += 1;
                let fast =
                    matches!(&va.outcome, Ok(pv) if pv.normalized_hash == pa.normalized_hash);
                row.fast += usize::from(fast);
                let started = std::time::Instant::now();
                let d = ScriptDiff::between("a", &a, "b", &va);
                if !fast {
                    row.slow_secs += started.elapsed().as_secs_f64();
                    row.slow_bytes += v.text.len() + variant.len();
                }
                row.unchanged += usize::from(!d.behaviour_changed);
                row.restructured += usize::from(d.restructured);
                if !d.behaviour_changed {
                    continue;
                }
                // What still differs once both are compressed (or, when one cannot be, as
                // served).
                let (cx, cy) = (
                    compressed(&v.text).unwrap_or_default(),
                    compressed(&variant).unwrap_or_default(),
                );
                let (ax, ay) = (analyse(&cx), analyse(&cy));
                let compressed_equal = matches!((&ax.outcome, &ay.outcome), (Ok(p), Ok(q)) if p.normalized_hash == q.normalized_hash);
                row.vetoed += usize::from(compressed_equal);
                let (gone, new) = if compressed_equal || ax.outcome.is_err() || ay.outcome.is_err()
                {
                    (
                        innermost_added(&va, &a, usize::MAX),
                        innermost_added(&a, &va, usize::MAX),
                    )
                } else {
                    (
                        innermost_added(&ay, &ax, usize::MAX),
                        innermost_added(&ax, &ay, usize::MAX),
                    )
                };
                row.units += gone.len() + new.len();
                let _ = writeln!(
                    details,
                    "## {}@{} {what} ({} innermost units only in the original, {} only in the variant{})\n",
                    l.name,
                    v.version,
                    gone.len(),
                    new.len(),
                    if compressed_equal {
                        "; compressed forms equal, new names in the variant"
                    } else {
                        ", both compressed"
                    }
                );
                {
                    let more = names_more_often(&a, &va);
                    let shown: Vec<String> = more
                        .iter()
                        .take(12)
                        .map(|(n, o, v)| format!("{n} {o}->{v}"))
                        .collect();
                    let _ = writeln!(details, "named more often: {}", shown.join(", "));
                }
                for (sign, units) in [("-", gone), ("+", new)] {
                    for u in units.into_iter().take(listed) {
                        let _ = writeln!(
                            details,
                            "{sign} {:?} line {} {}: {}",
                            u.kind, u.line, u.hash, u.excerpt
                        );
                    }
                }
                details.push('\n');
            }
        }
    }
    let _ = writeln!(
        o,
        "| variant | pairs | unchanged by the hashes alone | unchanged by the diff | of which restructured | compressed equal but new names | innermost differing units left | second opinion, ms per MB (both sides) |\n|---|---|---|---|---|---|---|---|"
    );
    for (what, r) in labels.iter().zip(&rows) {
        let _ = writeln!(
            o,
            "| {what} | {} | {} ({:.1} %) | {} ({:.1} %) | {} | {} | {} | {:.0} |",
            r.n,
            r.fast,
            100.0 * r.fast as f64 / r.n.max(1) as f64,
            r.unchanged,
            100.0 * r.unchanged as f64 / r.n.max(1) as f64,
            r.restructured,
            r.vetoed,
            r.units,
            1000.0 * r.slow_secs / (r.slow_bytes as f64 / 1e6).max(1e-9)
        );
    }
    o.push('\n');
    o.push_str(&details);
    o
}

/// Every version change of these libraries scored as `--baseline` scores it (with the shipped
/// model): risk, features, reasons and the first added units, to read why a change alarms.
pub fn changes_report(libs: &[Library], listed: usize) -> String {
    let mut o = String::new();
    let ctx = Context { site: Some(SITE) };
    for l in libs {
        for v in &l.versions {
            let a = analyse(&v.text);
            let w = parapet_scripts::analysis::classify::classify("whole", &a, None, ctx);
            let _ = writeln!(
                o,
                "## {}@{} whole: risk {:.3}\nfeatures: {:?}\nreasons: {:?}\n",
                l.name, v.version, w.risk, w.features, w.reasons
            );
        }
        for pair in l.versions.windows(2) {
            let (old, new) = (analyse(&pair[0].text), analyse(&pair[1].text));
            let v = parapet_scripts::analysis::classify::classify("new", &new, Some(&old), ctx);
            let d = ScriptDiff::between("old", &old, "new", &new);
            let _ = writeln!(
                o,
                "## {} {} -> {}: risk {:.3}, {} added units\nfeatures: {:?}\nreasons: {:?}",
                l.name,
                pair[0].version,
                pair[1].version,
                v.risk,
                d.added_units,
                v.features,
                v.reasons
            );
            for c in d.added.iter().take(listed) {
                let _ = writeln!(
                    o,
                    "+ {:?} line {}: {} {:?}",
                    c.kind, c.line, c.excerpt, c.apis
                );
            }
            o.push('\n');
        }
    }
    o
}

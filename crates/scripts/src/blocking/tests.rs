use super::*;
use proptest::prelude::*;

const PAGE: &str = "https://shop.example/checkout.html";

fn list(entries: &[&str]) -> Arc<BlockList> {
    let mut l = BlockList::new(UrlPolicy::default());
    for e in entries {
        assert!(l.add(e).is_some(), "{e}");
    }
    Arc::new(l)
}

/// `html` through a rewriter, fed in pieces cut at `cuts` (byte offsets).
fn rewrite_cut(list: &Arc<BlockList>, html: &[u8], cuts: &[usize]) -> (Vec<u8>, Stats) {
    let mut r = Rewriter::new(Arc::clone(list), Url::parse(PAGE).unwrap(), None).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    for &c in cuts {
        let c = c.clamp(at, html.len());
        out.extend(r.chunk(&html[at..c]));
        at = c;
    }
    out.extend(r.chunk(&html[at..]));
    out.extend(r.end());
    (out, r.stats())
}

fn rewrite(list: &Arc<BlockList>, html: &str) -> (String, Stats) {
    let (out, st) = rewrite_cut(list, html.as_bytes(), &[]);
    (String::from_utf8(out).unwrap(), st)
}

/// Pages with the awkward parts of HTML: odd quoting, upper case, comments and strings that
/// look like tags, an inline script, entities, non-ASCII text, a truncated tail.
const TRICKY: &[&str] = &[
    "<!doctype html><HTML><HEAD><SCRIPT SRC='/js/a.js' DEFER></SCRIPT></HEAD></HTML>",
    "<script src=/js/a.js?v=1&amp;x=2 async></script><p>caf\u{e9} \u{1f600}</p>",
    "<script>var s = \"</scr\" + \"ipt>\"; if (a < b && c > d) {}</script>",
    "<!-- <script src=\"/js/a.js\"></script> --><script type=module src = \"/js/b.js\" ></script>",
    "<div title='<script src=/js/a.js>'>x</div><textarea><script src=/js/a.js></script></textarea>",
    "<svg><script href=\"/js/a.js\"></script></svg><script src=\"  /js/a.js\t\">",
    "<script src=\"/js/a.js\" integrity=\"sha256-AAAA\" crossorigin></script><p>unclosed <b",
];

#[test]
fn a_page_with_nothing_blocked_comes_out_byte_identical() {
    let l = list(&[
        "https://other.example/x.js",
        "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    ]);
    for page in TRICKY {
        let (out, st) = rewrite(&l, page);
        assert_eq!(&out, page);
        assert_eq!(st, Stats::default(), "{page}");
    }
}

#[test]
fn blocked_sources_are_neutralised_whatever_the_spelling() {
    let l = list(&["https://shop.example/js/a.js"]);
    let (out, st) = rewrite(&l, TRICKY[0]);
    assert_eq!(
        out,
        "<!doctype html><HTML><HEAD><SCRIPT DEFER type=\"parapet/blocked\" \
         data-parapet-blocked=\"https://shop.example/js/a.js\"></SCRIPT></HEAD></HTML>"
    );
    assert_eq!(st.blocked_src, 1);
    // The query's values are not part of the normalised URL; the entity is decoded first.
    let (out, st) = rewrite(&l, TRICKY[1]);
    assert!(
        out.starts_with("<script async type=\"parapet/blocked\""),
        "{out}"
    );
    assert!(!out.contains("src="), "{out}");
    assert_eq!(st.blocked_src, 1);
    // In a comment, an attribute or a textarea it is text, not a script.
    let (out, st) = rewrite(&l, TRICKY[4]);
    assert_eq!(out, TRICKY[4]);
    assert_eq!(st.blocked_src, 0);
    // SVG's href, and whitespace around the URL.
    let (out, st) = rewrite(&l, TRICKY[5]);
    assert_eq!(st.blocked_src, 2, "{out}");
    assert!(!out.contains("src=") && !out.contains("href="), "{out}");
    // Integrity goes with the source.
    let (out, _) = rewrite(&l, TRICKY[6]);
    assert!(!out.contains("integrity"), "{out}");
    assert!(out.ends_with("<p>unclosed <b"), "{out}");
}

#[test]
fn a_base_element_moves_relative_sources() {
    let l = list(&["https://cdn.example/lib/a.js"]);
    let (out, st) = rewrite(
        &l,
        "<base href=\"https://cdn.example/lib/\"><base href=\"https://x.example/\"><script src=\"a.js\"></script>",
    );
    assert_eq!(st.blocked_src, 1, "{out}");
    // Without it, the same tag names another script.
    let (_, st) = rewrite(&l, "<script src=\"a.js\"></script>");
    assert_eq!(st.blocked_src, 0);
}

#[test]
fn inline_scripts_are_blocked_by_hash_and_others_kept() {
    let bad = "document.write('skim')";
    let l = list(&[&inline_hash(bad)]);
    let page = format!("<script>{bad}</script><script>ok()</script><script></script>");
    let (out, st) = rewrite(&l, &page);
    assert_eq!(
        out,
        format!(
            "<script>/* blocked by Parapet: {} */</script><script>ok()</script><script></script>",
            inline_hash(bad)
        )
    );
    assert_eq!(st.blocked_inline, 1);
    // The hash is CSP's: sha256 of the UTF-8 text, base64.
    assert_eq!(
        inline_hash(""),
        "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
}

#[test]
fn every_split_of_the_stream_gives_the_same_page() {
    let bad = "steal(document.forms[0])";
    let l = list(&["https://shop.example/js/a.js", &inline_hash(bad)]);
    for page in TRICKY.iter().map(|p| (*p).to_owned()).chain([format!(
        "<p>x</p><script>{bad}</script><SCRIPT src='/js/a.js'></SCRIPT>"
    )]) {
        let whole = rewrite_cut(&l, page.as_bytes(), &[]);
        for cut in 0..=page.len() {
            assert_eq!(
                rewrite_cut(&l, page.as_bytes(), &[cut]),
                whole,
                "cut at {cut} of {page}"
            );
        }
    }
}

#[test]
fn long_inline_scripts_pass_unchecked_and_whole() {
    let long = "x=1;".repeat(MAX_INLINE_BYTES / 4 + 10);
    let l = list(&[&inline_hash(&long)]);
    let page = format!("<script>{long}</script><p>after</p>");
    let bytes = page.as_bytes();
    let cuts: Vec<usize> = (1..bytes.len()).step_by(4096).collect();
    let (out, st) = rewrite_cut(&l, bytes, &cuts);
    assert_eq!(out, bytes);
    assert_eq!(st.inline_too_long, 1);
    assert_eq!(st.blocked_inline, 0);
}

#[test]
fn a_tag_beyond_the_memory_bound_passes_the_page_through_unchanged() {
    let l = list(&["https://shop.example/js/a.js"]);
    let page = format!(
        "<p>before</p><script title=\"{}\" src=/js/a.js></script><p>after</p>",
        "a".repeat(MAX_REWRITER_MEMORY + 1024)
    );
    let bytes = page.as_bytes();
    let cuts: Vec<usize> = (1..bytes.len()).step_by(64 * 1024).collect();
    let (out, st) = rewrite_cut(&l, bytes, &cuts);
    assert!(st.failed);
    assert_eq!(out.len(), bytes.len());
    assert!(out == bytes, "the page passed unchanged");
}

#[test]
fn charsets_lol_html_cannot_rewrite_are_refused_and_legacy_ones_work() {
    let l = list(&["https://shop.example/js/a.js"]);
    let u = Url::parse(PAGE).unwrap();
    assert!(Rewriter::new(Arc::clone(&l), u.clone(), Some("utf-16le")).is_none());
    assert!(Rewriter::new(Arc::clone(&l), u.clone(), Some("no-such-charset")).is_none());
    let mut r = Rewriter::new(l, u, Some("windows-1252")).unwrap();
    // "café" in windows-1252, then a blocked tag.
    let page = b"<p>caf\xe9</p><script src=/js/a.js></script>";
    let mut out = r.chunk(page);
    out.extend(r.end());
    assert!(out.starts_with(b"<p>caf\xe9</p><script type=\"parapet/blocked\""));
}

#[test]
fn a_url_entry_blocks_its_path_whatever_the_query_port_or_spelling() {
    let l = list(&["https://shop.example:8443/js/a.js?v"]);
    for u in [
        "https://shop.example:8443/js/a.js",
        "http://SHOP.example/js/a.js?v=2&x",
        "https://shop.example/js//%61.js",
        "https://shop.example/js/./a.js#f",
    ] {
        assert!(l.blocks_url(&Url::parse(u).unwrap()), "{u}");
    }
    for u in [
        "https://shop.example/js/a.jsx",
        "https://cdn.example/js/a.js",
    ] {
        assert!(!l.blocks_url(&Url::parse(u).unwrap()), "{u}");
    }
    assert!(l.blocks_path("shop.example", "/js/%61.js"));
    assert!(l.blocks_path("shop.example", "//js/a.js"));
    assert!(!l.blocks_path("shop.example", "/js/b.js"));
    assert!(!l.blocks_path("other.example", "/js/a.js"));
}

#[test]
fn entries_are_canonical() {
    let p = UrlPolicy::default();
    assert_eq!(
        BlockEntry::parse("https://Shop.Example/js/a.js?b=2&a=1#x", p),
        Some(BlockEntry::Url("https://shop.example/js/a.js?a&b".into()))
    );
    assert!(BlockEntry::parse("javascript:alert(1)", p).is_none());
    assert!(BlockEntry::parse("/relative.js", p).is_none());
    assert!(BlockEntry::parse("sha256-short", p).is_none());
    assert_eq!(
        BlockEntry::parse("sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", p),
        Some(BlockEntry::Hash(
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into()
        ))
    );
}

#[test]
fn the_policy_lists_the_approved_scripts_only() {
    let approved = [
        BlockEntry::Url("https://shop.example/js/a.js?v".into()),
        BlockEntry::Url("https://cdn.example/x;y.js".into()),
        BlockEntry::Hash(inline_hash("ok()")),
    ];
    let p = script_src_policy(&approved, "/.parapet/csp-report?t=1");
    assert_eq!(
        p,
        format!(
            "script-src '{}' https://cdn.example/x%3By.js https://shop.example/js/a.js; \
             report-uri /.parapet/csp-report?t=1",
            inline_hash("ok()")
        )
    );
    assert_eq!(
        script_src_policy(&[], "/r"),
        "script-src 'none'; report-uri /r"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the bytes and however they are cut, the rewriter never panics, and a page
    /// with nothing to block comes out as it went in.
    #[test]
    fn arbitrary_bytes_pass_unchanged_when_nothing_matches(
        page in proptest::collection::vec(
            prop_oneof![
                Just(b'<'), Just(b'>'), Just(b'"'), Just(b'\''), Just(b'='), Just(b'/'),
                Just(b' '), Just(b's'), Just(b'c'), Just(b'r'), Just(b'i'), Just(b'p'), Just(b't'),
                any::<u8>(),
            ],
            0..400,
        ),
        cuts in proptest::collection::vec(0usize..400, 0..6),
    ) {
        let l = list(&["https://elsewhere.example/z.js"]);
        let mut cuts = cuts;
        cuts.sort_unstable();
        let (out, st) = rewrite_cut(&l, &page, &cuts);
        if !st.failed {
            // lol_html decodes and re-encodes nothing it does not touch: bytes survive,
            // invalid UTF-8 included.
            prop_assert_eq!(out, page);
        }
    }

    /// A blocked tag is found wherever the stream is cut.
    #[test]
    fn a_blocked_tag_is_found_at_any_cut(
        prefix in "[a-z <>/=\"']{0,40}",
        quote in prop_oneof![Just(""), Just("'"), Just("\"")],
        upper in any::<bool>(),
        cut in 0usize..200,
    ) {
        let l = list(&["https://shop.example/js/a.js"]);
        let tag = if upper { "SCRIPT" } else { "script" };
        let page = format!("<p>{}</p><{tag} src={quote}/js/a.js{quote}></{tag}>", prefix.replace(['<', '>'], ""));
        let (out, st) = rewrite_cut(&l, page.as_bytes(), &[cut]);
        prop_assert_eq!(st.blocked_src, 1, "{}", String::from_utf8_lossy(&out));
    }
}

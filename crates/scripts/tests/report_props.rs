#![allow(clippy::unwrap_used)]
//! Invariants of the CSP report parser on arbitrary input: it never panics, takes at most
//! a hundred reports from a body, and whatever URL it keeps has no fragment, no credentials
//! and, unless full URLs are asked for, no query values.

use parapet_scripts::report::{
    parse, Blocked, BodyKind, Report, UrlPolicy, MAX_REPORTS_PER_BODY, MAX_URL_CHARS,
};
use proptest::prelude::*;

fn kept_urls(r: &Report) -> Vec<String> {
    match r {
        Report::Violation(v) => {
            let mut u = vec![v.document.clone()];
            if let Blocked::Url(b) = &v.blocked {
                u.push(b.clone());
            }
            u.extend(v.source_file.clone());
            u
        }
        Report::Hash(h) => vec![h.document.clone(), h.subresource.clone()],
        _ => Vec::new(),
    }
}

fn check(urls: &[String]) {
    for u in urls {
        assert!(u.chars().count() <= MAX_URL_CHARS, "{u}");
        assert!(!u.contains('#'), "fragment kept: {u}");
        let parsed = url::Url::parse(u).unwrap();
        assert!(
            parsed.username().is_empty() && parsed.password().is_none(),
            "{u}"
        );
        assert!(
            parsed.query_pairs().all(|(_, v)| v.is_empty()),
            "query value kept: {u}"
        );
    }
}

/// URL-ish strings: schemes, credentials, queries, fragments, junk.
fn url_like() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "https://",
            "http://",
            "wss://",
            "javascript:",
            "data:",
            "",
            "ftp://",
        ]),
        prop::option::of("[a-z]{1,5}:[a-z]{1,5}@"),
        "[a-z0-9.-]{1,20}",
        "(/[a-zA-Z0-9._%-]{0,10}){0,3}",
        prop::option::of("\\?[a-z]{1,4}=[a-z0-9]{0,6}(&[a-z]{1,4}=[a-z0-9]{0,6}){0,3}"),
        prop::option::of("#[a-z]{0,6}"),
    )
        .prop_map(|(s, cred, host, path, q, f)| {
            format!(
                "{s}{}{host}{path}{}{}",
                cred.unwrap_or_default(),
                q.unwrap_or_default(),
                f.unwrap_or_default()
            )
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        for kind in [BodyKind::CspReport, BodyKind::ReportsJson, BodyKind::Json] {
            let p = parse(kind, &body, UrlPolicy::default());
            prop_assert!(p.reports.len() <= MAX_REPORTS_PER_BODY);
        }
    }

    #[test]
    fn kept_urls_are_normalised(
        doc in url_like(),
        blocked in url_like(),
        source in url_like(),
        n in 1usize..130,
    ) {
        let one = serde_json::json!({
            "type": "csp-violation",
            "url": doc,
            "body": {"documentURL": doc, "blockedURL": blocked, "sourceFile": source,
                     "effectiveDirective": "script-src-elem", "lineNumber": "3"},
        });
        let body = serde_json::to_vec(&vec![one; n]).unwrap();
        let p = parse(BodyKind::ReportsJson, &body, UrlPolicy::default());
        prop_assert!(p.reports.len() <= MAX_REPORTS_PER_BODY);
        prop_assert_eq!(p.reports.len() + p.dropped.len(), n.min(MAX_REPORTS_PER_BODY) + usize::from(n > MAX_REPORTS_PER_BODY));
        for r in &p.reports {
            check(&kept_urls(r));
        }
    }
}

proptest! {
    /// `host_of` and `registrable_domain` read plain hosts off the string instead of parsing:
    /// whenever they do, the answer must be the url crate's, on any mix of name-like
    /// characters, digits, ports, dots, case and path.
    #[test]
    fn hosts_read_off_the_string_are_the_url_crates(
        scheme in prop::sample::select(vec!["http", "https", "ws", "wss", "ftp", "HTTP"]),
        host in "[a-zA-Z0-9.\\-]{0,20}(\\.[0-9]{1,3}|\\.0x[0-9a-f]{1,2}|\\.[a-z]{2,4})?\\.?",
        port in prop::option::of(0u32..70_000),
        rest in "(/[a-z0-9%@:._-]{0,8})?(\\?[a-z=&]{0,6})?(#[a-z]{0,4})?",
    ) {
        let url = match port {
            Some(p) => format!("{scheme}://{host}:{p}{rest}"),
            None => format!("{scheme}://{host}{rest}"),
        };
        if let Some(fast) = parapet_scripts::report::plain_host(&url) {
            let parsed = url::Url::parse(&url);
            prop_assert!(parsed.is_ok(), "{url}: read {fast}, but the url crate refuses it");
            let parsed = parsed.unwrap();
            let lower = fast.to_ascii_lowercase();
            prop_assert_eq!(Some(lower.as_str()), parsed.host_str(), "{}", url);
            prop_assert!(matches!(parsed.host(), Some(url::Host::Domain(_))), "{}", url);
        }
        // Through the public functions, with their url-crate fallback, the answers match.
        let slow_host = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        prop_assert_eq!(parapet_scripts::report::host_of(&url), slow_host, "{}", url);
    }
}

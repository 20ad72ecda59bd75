//! From reports to the inventory, and from new inventory items to events.
//!
//! A report names one thing a page loaded; the inventory keeps it as a [`Sighting`]:
//!
//! - scripts by their URL (a `csp-hash` report adds the hash browsers computed);
//! - inline code and `eval` by the page they ran on (their text is not a stable identity);
//! - connection destinations by origin (`https://api.example`): a new path on a known
//!   destination is not news, a new destination is;
//! - workers by URL; images, forms and frames (when their directives are on) as `other`.
//!
//! `data:` and `blob:` sources and Trusted Types sinks are not inventory items.

use parapet_core::inventory::{InactiveItem, ItemKind, NewItem, Sighting};
use parapet_core::{Event, Service, Severity, Timestamp};
use url::Url;

use crate::report::{Blocked, Report};

/// The sighting a report makes for `site`, if it names an inventory item, with the
/// registrable domain of the item's host.
pub fn sighting(site: &str, report: &Report, time: Timestamp) -> Option<Sighting> {
    let s = bare_sighting(site, report, time)?;
    let domain = match s.kind {
        ItemKind::Inline | ItemKind::Eval => None,
        _ => registrable_domain(&s.item),
    };
    Some(s.with_domain(domain))
}

/// The registrable domain (public suffix list) of `url`'s host: `example.co.uk` for
/// `https://cdn.example.co.uk/x.js`; `None` for IP addresses and bare suffixes.
pub fn registrable_domain(url: &str) -> Option<String> {
    if let Some(host) = crate::report::plain_host(url) {
        return psl::domain_str(&host.to_ascii_lowercase()).map(str::to_owned);
    }
    let u = Url::parse(url).ok()?;
    let host = match u.host()? {
        url::Host::Domain(d) => d.to_owned(),
        _ => return None,
    };
    psl::domain_str(&host).map(str::to_owned)
}

fn bare_sighting(site: &str, report: &Report, time: Timestamp) -> Option<Sighting> {
    match report {
        Report::Hash(h) => Some(Sighting::new(
            site,
            ItemKind::Script,
            h.subresource.clone(),
            h.document.clone(),
            Some(h.hash.clone()),
            time,
        )),
        Report::Violation(v) => {
            let directive = v.directive.as_str();
            let (kind, item) = match (&v.blocked, directive) {
                (Blocked::Inline, _) => (ItemKind::Inline, v.document.clone()),
                (Blocked::Eval | Blocked::WasmEval, _) => (ItemKind::Eval, v.document.clone()),
                (Blocked::Url(u) | Blocked::Origin(u), "connect-src") => {
                    (ItemKind::Connection, origin(u)?)
                }
                (Blocked::Url(u) | Blocked::Origin(u), "worker-src" | "child-src") => {
                    (ItemKind::Worker, u.clone())
                }
                (
                    Blocked::Url(u) | Blocked::Origin(u),
                    "script-src" | "script-src-elem" | "default-src",
                ) => (ItemKind::Script, u.clone()),
                (Blocked::Url(u) | Blocked::Origin(u), _) => (ItemKind::Other, u.clone()),
                _ => return None,
            };
            Some(Sighting::new(
                site,
                kind,
                item,
                v.document.clone(),
                None,
                time,
            ))
        }
    }
}

fn origin(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization())
}

/// The event for an item new to its site. `sensitive` says whether the page it was first
/// seen on is one of the site's sensitive paths (checkout, login): a new script or
/// destination there is where a skimmer would show first, so it is more severe.
pub fn new_item_event(item: &NewItem, sensitive: bool) -> Event {
    let third_party = host(&item.item) != host(&item.page);
    let (kind, what) = match item.kind {
        ItemKind::Connection => ("new-connection-domain", "connection destination"),
        ItemKind::Inline => ("new-inline-script", "inline script"),
        ItemKind::Eval => ("new-eval", "use of eval"),
        ItemKind::Worker => ("new-worker", "worker"),
        ItemKind::Script => ("new-script", "script"),
        _ => ("new-destination", "destination"),
    };
    let severity = match (sensitive, third_party) {
        (true, _) => Severity::High,
        (false, true) => Severity::Medium,
        (false, false) => Severity::Low,
    };
    Event::new(
        Service::Scripts,
        kind,
        severity,
        &item.site,
        format!("new {what} {} on {}", item.item, item.page),
    )
    .with_time(item.first_seen)
    .with_dedup_key(format!("scripts/{kind}/{}/{}", item.site, item.item))
    .with_details(serde_json::json!({
        "site": item.site,
        "kind": item.kind.as_str(),
        "item": item.item,
        "page": item.page,
        "first_seen": item.first_seen.to_string(),
        "third_party": third_party,
        "sensitive_page": sensitive,
    }))
}

/// The event for an item that stopped being reported (`script-inactive`, ...): low, as it
/// needs no action, but a script gone from a checkout page is worth knowing about.
pub fn inactive_item_event(item: &InactiveItem) -> Event {
    let kind = match item.kind {
        ItemKind::Connection => "connection-domain-inactive",
        _ => "script-inactive",
    };
    Event::new(
        Service::Scripts,
        kind,
        Severity::Low,
        &item.site,
        format!(
            "{} {} not reported since {}",
            item.kind.as_str(),
            item.item,
            item.last_seen
        ),
    )
    .with_dedup_key(format!("scripts/{kind}/{}/{}", item.site, item.item))
    .with_details(serde_json::json!({
        "site": item.site,
        "kind": item.kind.as_str(),
        "item": item.item,
        "page": item.page,
        "last_seen": item.last_seen.to_string(),
    }))
}

fn host(url: &str) -> Option<String> {
    Url::parse(url).ok()?.host_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{parse, BodyKind, UrlPolicy};

    fn reports(body: &str) -> Vec<Report> {
        parse(BodyKind::Json, body.as_bytes(), UrlPolicy::default()).reports
    }

    #[test]
    fn reports_become_sightings_by_kind() {
        let t = Timestamp::from_unix_millis(1);
        let page = "https://shop.example/checkout";
        let cases = [
            (
                "script-src-elem",
                "https://cdn.example/lib.js?v=1",
                ItemKind::Script,
                "https://cdn.example/lib.js?v",
            ),
            (
                "connect-src",
                "https://api.example/collect?id=9",
                ItemKind::Connection,
                "https://api.example",
            ),
            ("script-src-elem", "inline", ItemKind::Inline, page),
            ("script-src", "eval", ItemKind::Eval, page),
            (
                "worker-src",
                "https://shop.example/w.js",
                ItemKind::Worker,
                "https://shop.example/w.js",
            ),
            (
                "img-src",
                "https://pixel.example/p.gif",
                ItemKind::Other,
                "https://pixel.example/p.gif",
            ),
        ];
        for (directive, blocked, kind, item) in cases {
            let r = reports(&format!(
                r#"{{"csp-report":{{"document-uri":"{page}","effective-directive":"{directive}","blocked-uri":"{blocked}"}}}}"#
            ));
            let s = sighting("shop", &r[0], t).unwrap();
            assert_eq!(
                (s.kind, s.item.as_str()),
                (kind, item),
                "{directive} {blocked}"
            );
            assert_eq!(s.page, page);
        }
        let data = reports(&format!(
            r#"{{"csp-report":{{"document-uri":"{page}","effective-directive":"script-src-elem","blocked-uri":"data"}}}}"#
        ));
        assert!(sighting("shop", &data[0], t).is_none());
    }

    #[test]
    fn registrable_domains_follow_the_public_suffix_list() {
        assert_eq!(
            registrable_domain("https://cdn.example.co.uk/x.js").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(
            registrable_domain("https://a.b.shop.example.com/").as_deref(),
            Some("example.com")
        );
        assert_eq!(registrable_domain("https://127.0.0.1:8443/x.js"), None);
        assert_eq!(registrable_domain("https://co.uk/"), None);
    }

    #[test]
    fn new_items_are_more_severe_off_site_and_on_sensitive_pages() {
        let item = |url: &str| NewItem {
            site: "shop".into(),
            kind: ItemKind::Script,
            item: url.into(),
            page: "https://shop.example/".into(),
            first_seen: Timestamp::from_unix_millis(5),
        };
        let own = new_item_event(&item("https://shop.example/app.js"), false);
        let third = new_item_event(&item("https://cdn.example/x.js"), false);
        let checkout = new_item_event(&item("https://cdn.example/x.js"), true);
        assert_eq!(own.severity, Severity::Low);
        assert_eq!(third.severity, Severity::Medium);
        assert_eq!(checkout.severity, Severity::High);
        assert_eq!(third.kind, "new-script");
        assert_ne!(
            own.dedup_key, third.dedup_key,
            "one alert per item, not per site"
        );
        assert_eq!(third.details["third_party"], true);
        let gone = inactive_item_event(&InactiveItem {
            site: "shop".into(),
            kind: ItemKind::Script,
            item: "https://cdn.example/x.js".into(),
            page: "https://shop.example/".into(),
            last_seen: Timestamp::from_unix_millis(5),
        });
        assert_eq!(
            (gone.kind.as_str(), gone.severity),
            ("script-inactive", Severity::Low)
        );
        assert_ne!(gone.dedup_key, third.dedup_key);
    }
}

//! Routing: which site a request belongs to (by host) and which upstream serves
//! it (by the longest matching path prefix).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use parapet_config::{Config, HostPattern};

/// The routing table, compiled once per configuration.
#[derive(Debug)]
pub struct Router {
    exact: HashMap<String, usize>,
    /// `(".example.com", site)`, longest suffix first so the most specific wins.
    suffix: Vec<(String, usize)>,
    any: Option<usize>,
    sites: Vec<SiteRoutes>,
}

#[derive(Debug)]
pub struct SiteRoutes {
    pub name: Arc<str>,
    /// `(prefix, upstream index)`, longest prefix first.
    routes: Vec<(String, usize)>,
}

/// Where a request goes.
#[derive(Debug, Clone, Copy)]
pub struct Matched<'a> {
    pub site: &'a SiteRoutes,
    pub upstream: usize,
}

impl Router {
    pub fn new(config: &Config) -> Self {
        let mut exact = HashMap::new();
        let mut suffix = Vec::new();
        let mut any = None;
        let mut sites = Vec::new();
        for (i, site) in config.sites.iter().enumerate() {
            for host in &site.hosts {
                // The first site to claim a host keeps it, as in the file.
                match host {
                    HostPattern::Any => {
                        any.get_or_insert(i);
                    }
                    HostPattern::Suffix(s) => suffix.push((s.clone(), i)),
                    HostPattern::Exact(name) => {
                        exact.entry(name.clone()).or_insert(i);
                    }
                }
            }
            let mut routes: Vec<_> = site
                .routes
                .iter()
                .map(|r| (r.path.clone(), r.upstream))
                .collect();
            routes.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
            sites.push(SiteRoutes {
                name: site.name.as_str().into(),
                routes,
            });
        }
        suffix.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        Self {
            exact,
            suffix,
            any,
            sites,
        }
    }

    /// Routes a request by its normalised host (see [`normalize_host`]) and path.
    pub fn route(&self, host: &str, path: &str) -> Option<Matched<'_>> {
        let site = self
            .exact
            .get(host)
            .copied()
            .or_else(|| {
                self.suffix
                    .iter()
                    .find(|(s, _)| host.len() > s.len() && host.ends_with(s.as_str()))
                    .map(|(_, i)| *i)
            })
            .or(self.any)?;
        let site = &self.sites[site];
        let upstream = site
            .routes
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix.as_str()))?
            .1;
        Some(Matched { site, upstream })
    }
}

/// The host of a `Host` header or `:authority`: port removed, lower-case, a
/// trailing dot removed, IPv6 kept in brackets. `None` when it is not a valid
/// host, which the gateway answers with 400 rather than guessing.
pub fn normalize_host(authority: &str) -> Option<Cow<'_, str>> {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest.find(']')?;
        let after = &rest[end + 1..];
        if !(after.is_empty() || valid_port(after.strip_prefix(':')?)) {
            return None;
        }
        let inner = &rest[..end];
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        &authority[..end + 2]
    } else {
        let host = match authority.rsplit_once(':') {
            Some((h, port)) if valid_port(port) => h,
            Some(_) => return None,
            None => authority,
        };
        let host = host.strip_suffix('.').unwrap_or(host);
        // Every label has a character: `..`, `.a` and `a..b` are no hosts (and `..` would
        // become `.`, which is none either).
        if host.len() > 253
            || host.split('.').any(str::is_empty)
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        {
            return None;
        }
        host
    };
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(host.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(host))
    }
}

fn valid_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(
            normalize_host("Shop.Example.COM:8443").as_deref(),
            Some("shop.example.com")
        );
        assert_eq!(
            normalize_host("example.com.").as_deref(),
            Some("example.com")
        );
        assert_eq!(normalize_host("[::1]:443").as_deref(), Some("[::1]"));
        assert_eq!(normalize_host("127.0.0.1").as_deref(), Some("127.0.0.1"));
        for bad in [
            "",
            ":80",
            "a b",
            "ex/ample",
            "[::1",
            "[zz]",
            "host:port",
            "host:123456",
            "[::1]x",
        ] {
            assert_eq!(normalize_host(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn longest_prefix_and_most_specific_host_win() {
        let cfg = Config::from_str(
            r#"
[[sites]]
name = "shop"
hosts = ["shop.example.com", "*.shop.example.com"]
[[sites.routes]]
path = "/"
upstream = "web"
[[sites.routes]]
path = "/api/"
upstream = "api"
[[sites]]
name = "fallback"
hosts = ["*"]
[[sites.routes]]
upstream = "web"
[[upstreams]]
name = "web"
servers = ["127.0.0.1:1"]
[[upstreams]]
name = "api"
servers = ["127.0.0.1:2"]
"#,
            Path::new("t.toml"),
        )
        .unwrap();
        let r = Router::new(&cfg);
        let m = r.route("shop.example.com", "/api/orders").unwrap();
        assert_eq!((&*m.site.name, m.upstream), ("shop", 1));
        let m = r.route("eu.shop.example.com", "/cart").unwrap();
        assert_eq!((&*m.site.name, m.upstream), ("shop", 0));
        let m = r.route("other.test", "/api/x").unwrap();
        assert_eq!((&*m.site.name, m.upstream), ("fallback", 0));
    }

    #[test]
    fn empty_labels_are_no_host() {
        for bad in ["", ".", "..", ".a", "a..b", "a..", ":80", "..:80"] {
            assert_eq!(normalize_host(bad), None, "{bad:?}");
        }
        assert_eq!(
            normalize_host("Shop.Example.").as_deref(),
            Some("shop.example")
        );
        assert_eq!(
            normalize_host("127.0.0.1:8080").as_deref(),
            Some("127.0.0.1")
        );
    }

    proptest::proptest! {
        #[test]
        fn normalize_never_panics_and_is_idempotent(s in "\\PC{0,40}") {
            if let Some(h) = normalize_host(&s) {
                let again = normalize_host(&h).map(Cow::into_owned);
                proptest::prop_assert_eq!(again.as_deref(), Some(&*h));
            }
        }
    }
}

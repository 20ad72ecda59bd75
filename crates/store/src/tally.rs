//! A batch of sightings summed per row it touches, before it reaches the database.
//!
//! Browsers report the same scripts from the same pages over and over: a shop's twenty
//! scripts come back with every page view. Writing each report as its own row update makes
//! the store's cost follow the report rate; summing first makes it follow the number of
//! distinct items, pages, hashes and domains in the batch, and the stored counts, first and
//! last times are the same as if every sighting had been written one by one.

use std::collections::HashMap;

use parapet_core::inventory::{ItemKind, Sighting};
use parapet_core::Timestamp;

/// Reports of one key (a page or a hash of an item, or a domain of a site).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Count {
    pub key: String,
    pub reports: i64,
    pub first_ms: i64,
    pub last_ms: i64,
}

impl Count {
    fn new(key: &str, ms: i64) -> Self {
        Count {
            key: key.to_owned(),
            reports: 1,
            first_ms: ms,
            last_ms: ms,
        }
    }

    fn add(&mut self, ms: i64) {
        self.reports += 1;
        self.first_ms = self.first_ms.min(ms);
        self.last_ms = self.last_ms.max(ms);
    }
}

/// One item's sightings in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemTally {
    pub site: String,
    pub kind: ItemKind,
    pub item: String,
    /// The page and time of its first sighting in the batch (what a "new item" names).
    pub first_page: String,
    pub first_time: Timestamp,
    pub reports: i64,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Pages and hashes in the order first met, so that the per-item bounds keep the same
    /// ones as writing one by one would.
    pub pages: Vec<Count>,
    pub hashes: Vec<Count>,
}

/// A batch, summed: items in the order first met, then each site's domains.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub items: Vec<ItemTally>,
    /// `(site, count of the domain)`, in the order first met.
    pub domains: Vec<(String, Count)>,
}

impl Tally {
    pub fn of(sightings: &[Sighting]) -> Tally {
        let mut tally = Tally::default();
        let mut items: HashMap<(&str, ItemKind, &str), usize> = HashMap::new();
        let mut pages: HashMap<(usize, &str), usize> = HashMap::new();
        let mut hashes: HashMap<(usize, &str), usize> = HashMap::new();
        let mut domains: HashMap<(&str, &str), usize> = HashMap::new();
        for s in sightings {
            let ms = s.time.as_unix_millis();
            let i = *items
                .entry((s.site.as_str(), s.kind, s.item.as_str()))
                .or_insert_with(|| {
                    tally.items.push(ItemTally {
                        site: s.site.clone(),
                        kind: s.kind,
                        item: s.item.clone(),
                        first_page: s.page.clone(),
                        first_time: s.time,
                        reports: 0,
                        first_ms: ms,
                        last_ms: ms,
                        pages: Vec::new(),
                        hashes: Vec::new(),
                    });
                    tally.items.len() - 1
                });
            let item = &mut tally.items[i];
            item.reports += 1;
            item.first_ms = item.first_ms.min(ms);
            item.last_ms = item.last_ms.max(ms);
            count(&mut item.pages, &mut pages, (i, &s.page), ms);
            if let Some(h) = &s.hash {
                count(&mut item.hashes, &mut hashes, (i, h), ms);
            }
            if let Some(d) = &s.domain {
                match domains.get(&(s.site.as_str(), d.as_str())) {
                    Some(&j) => tally.domains[j].1.add(ms),
                    None => {
                        domains.insert((&s.site, d), tally.domains.len());
                        tally.domains.push((s.site.clone(), Count::new(d, ms)));
                    }
                }
            }
        }
        tally
    }
}

fn count<'a>(
    list: &mut Vec<Count>,
    index: &mut HashMap<(usize, &'a str), usize>,
    key: (usize, &'a str),
    ms: i64,
) {
    match index.get(&key) {
        Some(&j) => list[j].add(ms),
        None => {
            index.insert(key, list.len());
            list.push(Count::new(key.1, ms));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(item: &str, page: &str, hash: Option<&str>, ms: i64) -> Sighting {
        let mut s = Sighting::new(
            "shop",
            ItemKind::Script,
            item,
            page,
            hash.map(str::to_owned),
            Timestamp::from_unix_millis(ms),
        );
        s.domain = Some("example".to_owned());
        s
    }

    #[test]
    fn sums_per_item_page_hash_and_domain_in_first_met_order() {
        let t = Tally::of(&[
            s("b.js", "/x", Some("h1"), 5),
            s("a.js", "/y", None, 3),
            s("b.js", "/x", Some("h2"), 1),
            s("b.js", "/z", Some("h1"), 9),
        ]);
        assert_eq!(t.items.len(), 2);
        let b = &t.items[0];
        assert_eq!((b.item.as_str(), b.first_page.as_str()), ("b.js", "/x"));
        assert_eq!(b.first_time, Timestamp::from_unix_millis(5));
        assert_eq!((b.reports, b.first_ms, b.last_ms), (3, 1, 9));
        let pages: Vec<_> = b
            .pages
            .iter()
            .map(|c| (c.key.as_str(), c.reports))
            .collect();
        assert_eq!(pages, [("/x", 2), ("/z", 1)]);
        let hashes: Vec<_> = b
            .hashes
            .iter()
            .map(|c| (c.key.as_str(), c.reports, c.first_ms, c.last_ms))
            .collect();
        assert_eq!(hashes, [("h1", 2, 5, 9), ("h2", 1, 1, 1)]);
        assert_eq!(t.items[1].item, "a.js");
        assert_eq!(t.domains.len(), 1);
        assert_eq!((t.domains[0].1.reports, t.domains[0].1.first_ms), (4, 1));
    }

    #[test]
    fn the_same_url_under_another_kind_or_site_is_another_item() {
        let mut other_kind = s("a.js", "/", None, 1);
        other_kind.kind = ItemKind::Worker;
        let mut other_site = s("a.js", "/", None, 1);
        other_site.site = "blog".to_owned();
        let t = Tally::of(&[s("a.js", "/", None, 1), other_kind, other_site]);
        assert_eq!(t.items.len(), 3);
        assert_eq!(t.domains.len(), 2, "domains are per site");
    }
}

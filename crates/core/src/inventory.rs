//! The script monitor's inventory, in the terms the store keeps it: what a site's pages load
//! (scripts, inline code, `eval`, workers, connection destinations), where and when.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// What a page loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ItemKind {
    /// An external script (`<script src>`, `import`).
    Script,
    /// Inline code: a `<script>` element or an event handler attribute.
    Inline,
    /// `eval`, `new Function`, string timers.
    Eval,
    /// A worker's script.
    Worker,
    /// A fetch, XHR, WebSocket, EventSource or beacon destination.
    Connection,
    /// Another destination a policy directive reports (images, forms, frames).
    Other,
}

impl ItemKind {
    /// The lowercase name used in storage, JSON and events.
    pub const fn as_str(self) -> &'static str {
        match self {
            ItemKind::Script => "script",
            ItemKind::Inline => "inline",
            ItemKind::Eval => "eval",
            ItemKind::Worker => "worker",
            ItemKind::Connection => "connection",
            ItemKind::Other => "other",
        }
    }

    /// The kind named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ItemKind::Script,
            ItemKind::Inline,
            ItemKind::Eval,
            ItemKind::Worker,
            ItemKind::Connection,
            ItemKind::Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One observation of an item on a page, from one browser report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sighting {
    /// The site (its name in the config).
    pub site: String,
    pub kind: ItemKind,
    /// What was loaded: a normalised URL, or for inline code and `eval` the page it ran on.
    pub item: String,
    /// The page (normalised URL) that loaded it.
    pub page: String,
    /// A hash the browser reported for it (`sha256-...`), if any.
    pub hash: Option<String>,
    pub time: Timestamp,
    /// The registrable domain of the item's host (public suffix list), when it has one.
    #[serde(default)]
    pub domain: Option<String>,
}

impl Sighting {
    pub fn new(
        site: impl Into<String>,
        kind: ItemKind,
        item: impl Into<String>,
        page: impl Into<String>,
        hash: Option<String>,
        time: Timestamp,
    ) -> Self {
        Sighting {
            site: site.into(),
            kind,
            item: item.into(),
            page: page.into(),
            hash,
            time,
            domain: None,
        }
    }

    /// With the registrable domain of its host.
    #[must_use]
    pub fn with_domain(mut self, domain: Option<String>) -> Self {
        self.domain = domain;
        self
    }
}

/// A registrable domain a site's pages load from or connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainItem {
    pub site: String,
    pub domain: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub reports: u64,
}

/// An item the store had not seen on its site before: what the monitor alerts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewItem {
    pub site: String,
    pub kind: ItemKind,
    pub item: String,
    /// The page it was first seen on.
    pub page: String,
    pub first_seen: Timestamp,
}

/// An item that stopped being reported: what the monitor says once when it turns inactive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InactiveItem {
    pub site: String,
    pub kind: ItemKind,
    pub item: String,
    /// The page it was seen on most.
    pub page: String,
    pub last_seen: Timestamp,
}

/// One inventory row with where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    pub site: String,
    pub kind: ItemKind,
    pub item: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// Reports that named it.
    pub reports: u64,
    /// Pages it was seen on, most reports first (at most the store's bound per item).
    pub pages: Vec<(String, u64)>,
    /// Hashes browsers reported for it, oldest first.
    pub hashes: Vec<String>,
}

/// How much an item is in use, Page Shield's way: what an operator filters the inventory by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// Seen recently and often enough.
    Active,
    /// Seen recently, but fewer than [`INFREQUENT_BELOW_REPORTS`] times in all: a rare
    /// script is also what a targeted skimmer looks like.
    Infrequent,
    /// Not seen for [`INACTIVE_AFTER`].
    Inactive,
}

/// An item not reported for this long is inactive: a week, so a weekly job's script is not.
pub const INACTIVE_AFTER: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);
/// Fewer reports than this, in all, make an item infrequent.
pub const INFREQUENT_BELOW_REPORTS: u64 = 3;

impl InventoryItem {
    /// The item's status at `now`.
    pub fn status(&self, now: Timestamp) -> ItemStatus {
        let idle = now.duration_since(self.last_seen).unwrap_or_default();
        if idle >= INACTIVE_AFTER {
            ItemStatus::Inactive
        } else if self.reports < INFREQUENT_BELOW_REPORTS {
            ItemStatus::Infrequent
        } else {
            ItemStatus::Active
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_recency_then_frequency() {
        let day = 24 * 3600 * 1000;
        let item = |last: i64, reports: u64| InventoryItem {
            site: "s".into(),
            kind: ItemKind::Script,
            item: "https://cdn.example/a.js".into(),
            first_seen: Timestamp::from_unix_millis(0),
            last_seen: Timestamp::from_unix_millis(last),
            reports,
            pages: Vec::new(),
            hashes: Vec::new(),
        };
        let now = Timestamp::from_unix_millis(30 * day);
        assert_eq!(item(29 * day, 100).status(now), ItemStatus::Active);
        assert_eq!(item(29 * day, 2).status(now), ItemStatus::Infrequent);
        assert_eq!(item(23 * day, 100).status(now), ItemStatus::Inactive);
        assert_eq!(item(23 * day, 1).status(now), ItemStatus::Inactive);
    }
}

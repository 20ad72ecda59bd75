//! The detection engine: route state per (vantage, prefix) in monitored space, the
//! detectors, and the event life cycle (alert once at `min_vantages`, resolve when no
//! vantage carries the event any more).
//!
//! The engine is fed [`RouteEvent`]s (or the borrowed [`Engine::announce`],
//! [`Engine::withdraw`], [`Engine::peer_down`] calls that the MRT reader uses to avoid
//! building events for routes outside monitored space) and pushes [`Alert`]s into a
//! caller-owned vector. It keeps no clock of its own: time is what the events say (the
//! virtual clock of a replay, the receive time of a live feed).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ipnet::IpNet;
use parapet_config::{MoreSpecifics, Routes};
use parapet_core::Timestamp;
use serde::Serialize;

use crate::alert::{Alert, AlertKind, TopPath};
use crate::aspa::{self, AspaState, Direction};
use crate::model::{AsPath, Asn, RouteChange, RouteEvent, Vantage, View};
use crate::relations::{otc_violation, valley, Relationships};
use crate::rpki::{RovState, RpkiData};
use crate::trie::PrefixTrie;
use crate::RoutesError;

/// Distinct paths an event remembers for `top_paths`; later new paths are not counted.
pub const MAX_TRACKED_PATHS: usize = 16;
/// Paths listed in an alert's `top_paths`.
pub const MAX_TOP_PATHS: usize = 5;
/// Vantages listed in an alert's `peers` (the count in `vantages` is exact).
pub const MAX_LISTED_VANTAGES: usize = 32;
/// Routes (vantage, prefix) kept in monitored space. A feed that floods monitored space
/// with more-specifics cannot grow the state past this; routes beyond it are counted in
/// [`EngineStats::dropped_routes`] and not tracked.
pub const MAX_TRACKED_ROUTES: usize = 10_000_000;

/// One monitored prefix, as the engine uses it.
#[derive(Debug, Clone)]
struct Rule {
    prefix: IpNet,
    origins: Vec<Asn>,
    upstreams: Vec<Asn>,
    more_specifics: MoreSpecifics,
    description: Option<String>,
    /// Visibility of the exact prefix.
    announced: HashSet<u32>,
    withdrawn: HashSet<u32>,
    lost: Option<Lost>,
    last_path: Option<Arc<AsPath>>,
}

#[derive(Debug, Clone)]
struct Lost {
    since: Timestamp,
    vantages: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EventKey {
    kind: AlertKind,
    prefix: IpNet,
    offender: Option<Asn>,
}

/// Why a route matched a detector.
#[derive(Debug, Clone)]
struct Finding {
    key: EventKey,
    rule: &'static str,
    evidence: String,
}

#[derive(Debug)]
struct EventState {
    rule: usize,
    first_seen: Timestamp,
    first_path: Arc<AsPath>,
    origin: Option<Asn>,
    rule_name: &'static str,
    evidence: String,
    rpki: &'static str,
    aspa: &'static str,
    /// Vantage -> number of its routes (ADD-PATH paths) carrying the event.
    carriers: HashMap<u32, u32>,
    seen: Vec<u32>,
    /// Distinct observers among `seen` ([`observers`]: two views of one peer count once).
    peers: usize,
    paths: Vec<(Arc<AsPath>, u32)>,
    alerted: bool,
}

/// One route of a vantage: a prefix may have several with ADD-PATH (RFC 7911), told apart
/// by their path identifier (0 without ADD-PATH). The path and OTC are kept so that the
/// route can be judged again when the RPKI data changes, and shown by [`Engine::routes`].
#[derive(Debug)]
struct RouteState {
    path_id: u32,
    path: Arc<AsPath>,
    otc: Option<Asn>,
    /// When this vantage first announced this route (any path).
    first_seen: Timestamp,
    /// When the vantage last announced it (a new path, or the same again).
    updated: Timestamp,
    events: Vec<EventKey>,
}

/// One route a vantage carries now, as [`Engine::routes`] shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RouteView {
    pub prefix: IpNet,
    /// The configured prefix whose rule the route falls under.
    pub monitored_prefix: IpNet,
    pub vantage: Vantage,
    /// The ADD-PATH path identifier (0 without ADD-PATH).
    pub path_id: u32,
    /// The origin AS (`null` for an AS_SET origin).
    pub origin_asn: Option<Asn>,
    /// The path, neighbour first, AS_SETs as arrays.
    pub as_path: serde_json::Value,
    /// The RFC 9234 Only-To-Customer attribute, when the route carries it.
    pub otc: Option<Asn>,
    pub first_seen: Timestamp,
    pub updated: Timestamp,
    /// ROV state with the RPKI data loaded now (`not-checked` without VRPs).
    pub rpki: &'static str,
    /// The alert types the route raises now (alerted or still below `min_vantages`).
    pub events: Vec<&'static str>,
}

/// A route to judge again: (vantage id, prefix, path id, path, OTC).
type Rejudge = (u32, IpNet, u32, Arc<AsPath>, Option<Asn>);

/// The most routes [`Engine::routes`] returns: an admin query must not copy a flood.
pub const MAX_ROUTE_VIEWS: usize = 10_000;

#[derive(Debug)]
struct VantageState {
    vantage: Vantage,
    routes: HashMap<IpNet, Vec<RouteState>>,
}

/// Counters an operator graphs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineStats {
    /// Announcements and withdrawals inside monitored space.
    pub monitored_changes: u64,
    /// Changes skipped because the vantage is one of the operator's own ASes.
    pub own_vantage_skips: u64,
    pub peer_downs: u64,
    pub alerts: u64,
    pub resolutions: u64,
    /// New routes not tracked because [`MAX_TRACKED_ROUTES`] were.
    pub dropped_routes: u64,
}

/// The route monitor's detection state.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<Rule>,
    trie: PrefixTrie<usize>,
    allow: PrefixTrie<Vec<(u8, Asn)>>,
    rpki: Option<RpkiData>,
    rels: Option<Relationships>,
    min_vantages: usize,
    own_asns: Vec<Asn>,
    ignore_own_vantages: bool,
    suppress_rpki_valid: bool,
    vantage_ids: HashMap<Vantage, u32>,
    vantages: Vec<VantageState>,
    events: HashMap<EventKey, EventState>,
    routes: usize,
    max_routes: usize,
    now: Timestamp,
    stats: EngineStats,
}

impl Engine {
    /// An engine for `config`, reading the VRP and relationships files it names.
    pub fn load(config: &Routes) -> Result<Self, RoutesError> {
        let rpki = match &config.vrps {
            Some(p) => {
                let d = RpkiData::load(p)?;
                if d.skipped > 0 {
                    tracing::warn!(file = %p.display(), skipped = d.skipped, "RPKI entries that make no sense were skipped");
                }
                Some(d)
            }
            None => None,
        };
        let rels = match &config.relationships {
            Some(p) => {
                let r = Relationships::load(p)?;
                if r.skipped > 0 {
                    tracing::warn!(file = %p.display(), skipped = r.skipped, "relationship lines that make no sense were skipped");
                }
                Some(r)
            }
            None => None,
        };
        Ok(Self::new(config, rpki, rels))
    }

    /// An engine for `config` with the RPKI data and relationships given.
    pub fn new(config: &Routes, rpki: Option<RpkiData>, rels: Option<Relationships>) -> Self {
        let mut trie = PrefixTrie::new();
        let mut rules = Vec::with_capacity(config.prefixes.len());
        for p in &config.prefixes {
            trie.insert(p.prefix, rules.len());
            rules.push(Rule {
                prefix: p.prefix,
                origins: p.origins.clone(),
                upstreams: p.upstreams.clone(),
                more_specifics: p.more_specifics,
                description: p.description.clone(),
                announced: HashSet::new(),
                withdrawn: HashSet::new(),
                lost: None,
                last_path: None,
            });
        }
        let mut allow: PrefixTrie<Vec<(u8, Asn)>> = PrefixTrie::new();
        for a in &config.allow {
            match allow.get_mut(&a.prefix) {
                Some(list) => list.push((a.max_length, a.origin)),
                None => {
                    allow.insert(a.prefix, vec![(a.max_length, a.origin)]);
                }
            }
        }
        Engine {
            rules,
            trie,
            allow,
            rpki,
            rels,
            min_vantages: config.min_vantages.max(1),
            own_asns: config.own_asns.clone(),
            ignore_own_vantages: config.ignore_own_vantages,
            suppress_rpki_valid: config.suppress_rpki_valid,
            vantage_ids: HashMap::new(),
            vantages: Vec::new(),
            events: HashMap::new(),
            routes: 0,
            max_routes: MAX_TRACKED_ROUTES,
            now: Timestamp::EPOCH,
            stats: EngineStats::default(),
        }
    }

    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Lowers the bound on tracked routes (tests, small machines).
    pub fn set_max_tracked_routes(&mut self, max: usize) {
        self.max_routes = max;
    }

    /// Routes (vantage, prefix) currently tracked.
    pub fn tracked_routes(&self) -> usize {
        self.routes
    }

    /// The latest time any input reported (the virtual clock of a replay).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Whether `prefix` is in monitored space: equal to or more specific than a configured
    /// prefix. Inputs call this first, so that routes elsewhere cost one trie lookup.
    #[inline]
    pub fn monitors(&self, prefix: &IpNet) -> bool {
        self.trie.is_covered(prefix)
    }

    /// Events currently open (carried by at least one vantage).
    pub fn open_events(&self) -> usize {
        self.events.len()
    }

    /// Applies one event.
    pub fn apply(&mut self, event: &RouteEvent, out: &mut Vec<Alert>) {
        match &event.change {
            RouteChange::Announce {
                prefix,
                path_id,
                path,
                otc,
            } => self.announce_path(
                event.time,
                event.vantage,
                *prefix,
                *path_id,
                path,
                *otc,
                out,
            ),
            RouteChange::Withdraw { prefix, path_id } => {
                self.withdraw_path(event.time, event.vantage, *prefix, *path_id, out)
            }
            RouteChange::PeerDown => self.peer_down(event.time, event.vantage, out),
        }
    }

    fn tick(&mut self, time: Timestamp) {
        if time > self.now {
            self.now = time;
        }
    }

    fn skip_vantage(&mut self, vantage: &Vantage) -> bool {
        if self.ignore_own_vantages && self.own_asns.contains(&vantage.asn) {
            self.stats.own_vantage_skips += 1;
            return true;
        }
        false
    }

    fn vantage_id(&mut self, vantage: Vantage) -> u32 {
        if let Some(id) = self.vantage_ids.get(&vantage) {
            return *id;
        }
        let id = u32::try_from(self.vantages.len()).unwrap_or(u32::MAX);
        self.vantage_ids.insert(vantage, id);
        self.vantages.push(VantageState {
            vantage,
            routes: HashMap::new(),
        });
        id
    }

    /// `vantage` announced `prefix` over `path`.
    pub fn announce(
        &mut self,
        time: Timestamp,
        vantage: Vantage,
        prefix: IpNet,
        path: &Arc<AsPath>,
        otc: Option<Asn>,
        out: &mut Vec<Alert>,
    ) {
        self.announce_path(time, vantage, prefix, None, path, otc, out);
    }

    /// `vantage` announced `prefix` over `path`, as ADD-PATH path `path_id` when given.
    #[allow(clippy::too_many_arguments)]
    pub fn announce_path(
        &mut self,
        time: Timestamp,
        vantage: Vantage,
        prefix: IpNet,
        path_id: Option<u32>,
        path: &Arc<AsPath>,
        otc: Option<Asn>,
        out: &mut Vec<Alert>,
    ) {
        let path_id = path_id.unwrap_or(0);
        self.tick(time);
        let prefix = prefix.trunc();
        let Some((_, &rule)) = self.trie.longest_match(&prefix) else {
            return;
        };
        if self.skip_vantage(&vantage) {
            return;
        }
        self.stats.monitored_changes += 1;
        let vid = self.vantage_id(vantage);
        let known = self.vantages[vid as usize]
            .routes
            .get(&prefix)
            .is_some_and(|l| l.iter().any(|r| r.path_id == path_id));
        if !known && self.routes >= self.max_routes {
            self.stats.dropped_routes += 1;
            return;
        }
        self.judge(vid, rule, prefix, path_id, path, otc, false, out);
        let r = &mut self.rules[rule];
        if r.prefix == prefix {
            r.announced.insert(vid);
            r.withdrawn.remove(&vid);
            r.last_path = Some(Arc::clone(path));
            self.check_visibility(rule, out);
        }
    }

    /// Runs the detectors on one route of a vantage (new, changed, or judged again) and
    /// moves the vantage between events: detached from those the route no longer shows,
    /// attached to the new ones.
    #[allow(clippy::too_many_arguments)]
    fn judge(
        &mut self,
        vid: u32,
        rule: usize,
        prefix: IpNet,
        path_id: u32,
        path: &Arc<AsPath>,
        otc: Option<Asn>,
        again: bool,
        out: &mut Vec<Alert>,
    ) {
        let now = self.now;
        let (findings, rpki, aspa) = self.detect(rule, prefix, path, otc);
        let keys: Vec<EventKey> = findings.iter().map(|f| f.key.clone()).collect();
        let list = self.vantages[vid as usize]
            .routes
            .entry(prefix)
            .or_default();
        let old = match list.iter_mut().find(|r| r.path_id == path_id) {
            Some(r) => {
                r.path = Arc::clone(path);
                r.otc = otc;
                r.updated = now;
                std::mem::replace(&mut r.events, keys)
            }
            None => {
                list.push(RouteState {
                    path_id,
                    path: Arc::clone(path),
                    otc,
                    first_seen: now,
                    updated: now,
                    events: keys,
                });
                self.routes += 1;
                Vec::new()
            }
        };
        for k in &old {
            if !findings.iter().any(|f| f.key == *k) {
                self.detach(k, vid, out);
            }
        }
        for f in findings {
            let new = !old.contains(&f.key);
            // Judged again, an event the route already carried saw no new observation.
            if new || !again {
                self.attach(f, rule, vid, new, path, rpki, aspa, out);
            }
        }
    }

    /// Replaces the RPKI data (VRPs and ASPA records, after the file changed) and judges
    /// every tracked route again: events the old data raised and the new one does not
    /// resolve, new ones alert. `time` is when the new data took effect.
    pub fn set_rpki(&mut self, time: Timestamp, rpki: Option<RpkiData>, out: &mut Vec<Alert>) {
        self.tick(time);
        self.rpki = rpki;
        let mut routes: Vec<Rejudge> = Vec::new();
        for (vid, v) in self.vantages.iter().enumerate() {
            let vid = u32::try_from(vid).unwrap_or(u32::MAX);
            for (prefix, list) in &v.routes {
                for r in list {
                    routes.push((vid, *prefix, r.path_id, Arc::clone(&r.path), r.otc));
                }
            }
        }
        // In a fixed order, so that the alerts come out the same way every time.
        routes.sort_unstable_by_key(|a| (a.1, a.0, a.2));
        for (vid, prefix, path_id, path, otc) in routes {
            let Some((_, &rule)) = self.trie.longest_match(&prefix) else {
                continue;
            };
            let kept = self.vantages[vid as usize]
                .routes
                .get(&prefix)
                .and_then(|l| l.iter().find(|r| r.path_id == path_id))
                .map(|r| r.updated);
            self.judge(vid, rule, prefix, path_id, &path, otc, true, out);
            // Judging again is not a new announcement.
            if let (Some(t), Some(r)) = (
                kept,
                self.vantages[vid as usize]
                    .routes
                    .get_mut(&prefix)
                    .and_then(|l| l.iter_mut().find(|r| r.path_id == path_id)),
            ) {
                r.updated = t;
            }
        }
    }

    /// How many VRPs and ASPA records the engine checks against now.
    pub fn rpki_counts(&self) -> (usize, usize) {
        self.rpki
            .as_ref()
            .map_or((0, 0), |d| (d.vrps.len(), d.aspas.len()))
    }

    /// The routes vantages carry now for `prefix` and, with `more_specifics`, for every
    /// prefix inside it; sorted by prefix and vantage, at most [`MAX_ROUTE_VIEWS`].
    pub fn routes(&self, prefix: &IpNet, more_specifics: bool) -> Vec<RouteView> {
        let prefix = prefix.trunc();
        let mut out = Vec::new();
        for v in &self.vantages {
            let mut add = |p: &IpNet, list: &Vec<RouteState>| {
                for r in list {
                    if out.len() >= MAX_ROUTE_VIEWS {
                        return;
                    }
                    let rule = self
                        .trie
                        .longest_match(p)
                        .and_then(|(_, &i)| self.rules.get(i));
                    let Some(rule) = rule else { continue };
                    let origin = r.path.origin();
                    out.push(RouteView {
                        prefix: *p,
                        monitored_prefix: rule.prefix,
                        vantage: v.vantage,
                        path_id: r.path_id,
                        origin_asn: origin,
                        as_path: r.path.to_json(),
                        otc: r.otc,
                        first_seen: r.first_seen,
                        updated: r.updated,
                        rpki: self
                            .rpki
                            .as_ref()
                            .filter(|d| !d.vrps.is_empty())
                            .map_or("not-checked", |d| d.vrps.validate(p, origin).as_str()),
                        events: r.events.iter().map(|k| k.kind.as_str()).collect(),
                    });
                }
            };
            if more_specifics {
                for (p, list) in &v.routes {
                    if prefix.contains(p) {
                        add(p, list);
                    }
                }
            } else if let Some(list) = v.routes.get(&prefix) {
                add(&prefix, list);
            }
        }
        out.sort_by_key(|a| (a.prefix, a.vantage, a.path_id));
        out
    }

    /// `vantage` withdrew `prefix`.
    pub fn withdraw(
        &mut self,
        time: Timestamp,
        vantage: Vantage,
        prefix: IpNet,
        out: &mut Vec<Alert>,
    ) {
        self.withdraw_path(time, vantage, prefix, None, out);
    }

    /// `vantage` withdrew `prefix`, or only its ADD-PATH path `path_id` when given.
    pub fn withdraw_path(
        &mut self,
        time: Timestamp,
        vantage: Vantage,
        prefix: IpNet,
        path_id: Option<u32>,
        out: &mut Vec<Alert>,
    ) {
        let path_id = path_id.unwrap_or(0);
        self.tick(time);
        let prefix = prefix.trunc();
        let Some((_, &rule)) = self.trie.longest_match(&prefix) else {
            return;
        };
        if self.skip_vantage(&vantage) {
            return;
        }
        self.stats.monitored_changes += 1;
        let Some(&vid) = self.vantage_ids.get(&vantage) else {
            return;
        };
        self.remove_route(vid, rule, prefix, Some(path_id), out);
    }

    /// `vantage`'s session went down: everything it announced is withdrawn.
    pub fn peer_down(&mut self, time: Timestamp, vantage: Vantage, out: &mut Vec<Alert>) {
        self.tick(time);
        self.stats.peer_downs += 1;
        let Some(&vid) = self.vantage_ids.get(&vantage) else {
            return;
        };
        // In prefix order, so that a replay prints the same lines every time.
        let mut prefixes: Vec<IpNet> = self.vantages[vid as usize].routes.keys().copied().collect();
        prefixes.sort_unstable();
        for prefix in prefixes {
            if let Some((_, &rule)) = self.trie.longest_match(&prefix) {
                self.remove_route(vid, rule, prefix, None, out);
            }
        }
    }

    /// The routes (prefix, ADD-PATH path id, 0 without) `vantage` has in monitored space: what
    /// a live input marks stale when its source reconnects, and withdraws unless the source
    /// announces it again.
    pub fn routes_of(&self, vantage: &Vantage) -> Vec<(IpNet, u32)> {
        let Some(&vid) = self.vantage_ids.get(vantage) else {
            return Vec::new();
        };
        let mut out: Vec<(IpNet, u32)> = self.vantages[vid as usize]
            .routes
            .iter()
            .flat_map(|(p, list)| list.iter().map(|r| (*p, r.path_id)))
            .collect();
        out.sort_unstable();
        out
    }

    /// Forgets everything `vantage` announced because its *feed* is gone (a BMP router that
    /// did not come back), not because its routes were withdrawn: the events it carried end
    /// as with a withdrawal, but the vantage no longer counts for visibility either way, so
    /// a lost feed never reads as a lost prefix.
    pub fn forget(&mut self, time: Timestamp, vantage: &Vantage, out: &mut Vec<Alert>) {
        self.tick(time);
        let Some(&vid) = self.vantage_ids.get(vantage) else {
            return;
        };
        let mut touched = Vec::new();
        for (i, r) in self.rules.iter_mut().enumerate() {
            let a = r.announced.remove(&vid);
            let w = r.withdrawn.remove(&vid);
            if a || w {
                touched.push(i);
            }
        }
        let mut prefixes: Vec<IpNet> = self.vantages[vid as usize].routes.keys().copied().collect();
        prefixes.sort_unstable();
        for prefix in prefixes {
            if let Some((_, &rule)) = self.trie.longest_match(&prefix) {
                self.remove_route(vid, rule, prefix, None, out);
            }
        }
        for rule in touched {
            self.check_visibility(rule, out);
        }
    }

    /// Removes one path of `prefix` (`Some(path_id)`) or all of them (`None`).
    fn remove_route(
        &mut self,
        vid: u32,
        rule: usize,
        prefix: IpNet,
        path_id: Option<u32>,
        out: &mut Vec<Alert>,
    ) {
        let routes = &mut self.vantages[vid as usize].routes;
        let Some(list) = routes.get_mut(&prefix) else {
            return;
        };
        let removed: Vec<RouteState> = match path_id {
            None => std::mem::take(list),
            Some(id) => match list.iter().position(|r| r.path_id == id) {
                Some(i) => vec![list.swap_remove(i)],
                None => Vec::new(),
            },
        };
        let gone = list.is_empty();
        if gone {
            routes.remove(&prefix);
        }
        self.routes -= removed.len();
        for route in removed {
            for k in route.events {
                self.detach(&k, vid, out);
            }
        }
        let r = &mut self.rules[rule];
        if gone && r.prefix == prefix && r.announced.contains(&vid) {
            r.withdrawn.insert(vid);
            self.check_visibility(rule, out);
        }
    }

    /// Every detector on one route. Returns the findings and the ROV and ASPA states.
    fn detect(
        &self,
        rule_idx: usize,
        prefix: IpNet,
        path: &AsPath,
        otc: Option<Asn>,
    ) -> (Vec<Finding>, &'static str, &'static str) {
        let rule = &self.rules[rule_idx];
        let origin = path.origin();
        let flat = path.flat();
        let mut findings = Vec::new();
        let finding = |kind, offender, rule: &'static str, evidence: String| Finding {
            key: EventKey {
                kind,
                prefix,
                offender,
            },
            rule,
            evidence,
        };

        let rov = self
            .rpki
            .as_ref()
            .filter(|d| !d.vrps.is_empty())
            .map(|d| d.vrps.validate(&prefix, origin));
        let aspa = self
            .rpki
            .as_ref()
            .filter(|d| !d.aspas.is_empty())
            .map(|d| aspa::verify(&flat, &d.aspas, Direction::Downstream));
        let rpki_str = rov.map_or("not-checked", RovState::as_str);
        let aspa_str = aspa.map_or("not-checked", |v| v.state.as_str());
        let suppressed = self.suppress_rpki_valid && rov == Some(RovState::Valid);
        let origin_name = origin.map_or_else(|| "an AS_SET".to_owned(), |o| format!("AS{o}"));

        let configured = origin.is_some_and(|o| rule.origins.contains(&o));
        let pair_allowed = origin.is_some_and(|o| self.allowed_pair(&prefix, o));
        let exact = prefix == rule.prefix;
        if !configured && !pair_allowed {
            if !suppressed {
                let (kind, what) = if exact {
                    (AlertKind::OriginHijack, "")
                } else {
                    (AlertKind::SubprefixHijack, "a more-specific, ")
                };
                findings.push(finding(
                    kind,
                    origin,
                    "allowed-origins",
                    format!(
                        "{prefix} ({what}covered by {}) is originated by {origin_name}; allowed origins: {}",
                        rule.prefix,
                        list(&rule.origins)
                    ),
                ));
            }
        } else if !exact
            && configured
            && !pair_allowed
            && rule.more_specifics == MoreSpecifics::Alert
            && !suppressed
        {
            findings.push(finding(
                AlertKind::MoreSpecific,
                origin,
                "more-specifics",
                format!(
                    "allowed origin {origin_name} announces {prefix}, a more-specific of {} (more_specifics = \"alert\")",
                    rule.prefix
                ),
            ));
        }

        // Path anomalies: only for the operator's own origins.
        if configured && flat.len() >= 2 {
            if let (Some(o), Some(Some(neighbour))) = (origin, flat.get(flat.len() - 2)) {
                let neighbour = *neighbour;
                if !rule.upstreams.is_empty() {
                    if !rule.upstreams.contains(&neighbour) {
                        findings.push(finding(
                            AlertKind::PathAnomaly,
                            Some(neighbour),
                            "upstreams",
                            format!(
                                "origin AS{o} is reached through AS{neighbour}, not an allowed upstream ({})",
                                list(&rule.upstreams)
                            ),
                        ));
                    }
                } else if let Some(rels) = &self.rels {
                    if !rels.adjacent(o, neighbour) {
                        findings.push(finding(
                            AlertKind::PathAnomaly,
                            Some(neighbour),
                            "adjacency",
                            format!(
                                "adjacency AS{neighbour}-AS{o} is not in the relationships file: a forged origin?"
                            ),
                        ));
                    }
                }
            }
        }

        // Route leaks: each detector may name an offender; one event per offender.
        let mut leak = |offender: Asn, rule: &'static str, evidence: String| {
            if !findings
                .iter()
                .any(|f| f.key.kind == AlertKind::RouteLeak && f.key.offender == Some(offender))
            {
                findings.push(finding(
                    AlertKind::RouteLeak,
                    Some(offender),
                    rule,
                    evidence,
                ));
            }
        };
        if let Some(rels) = &self.rels {
            if let Some(x) = valley(&flat, rels) {
                leak(
                    x,
                    "valley-free",
                    format!("AS{x} sent the route to a provider or peer after learning it from a provider or peer"),
                );
            }
        }
        if let Some(otc) = otc {
            let aspas = self.rpki.as_ref().map(|d| &d.aspas);
            if let Some(x) = otc_violation(&flat, otc, self.rels.as_ref(), aspas) {
                leak(
                    x,
                    "only-to-customer",
                    format!("the route carries Only-To-Customer AS{otc}, yet AS{x} sent it to a provider or a peer"),
                );
            }
        }
        if let Some(v) = aspa {
            if let (AspaState::Invalid, Some(x)) = (v.state, v.offender) {
                leak(
                    x,
                    "aspa",
                    format!("ASPA verification is invalid: AS{x} sent the route up or sideways after it went down"),
                );
            }
        }

        if rov == Some(RovState::Invalid) {
            findings.push(finding(
                AlertKind::RpkiInvalid,
                origin,
                "rov",
                format!(
                    "{prefix} from {origin_name} is covered by VRPs, none of which matches the origin and length"
                ),
            ));
        }
        (findings, rpki_str, aspa_str)
    }

    fn allowed_pair(&self, prefix: &IpNet, origin: Asn) -> bool {
        let len = prefix.prefix_len();
        self.allow
            .covering(prefix)
            .any(|(_, list)| list.iter().any(|&(max, o)| o == origin && len <= max))
    }

    #[allow(clippy::too_many_arguments)]
    fn attach(
        &mut self,
        f: Finding,
        rule: usize,
        vid: u32,
        new: bool,
        path: &Arc<AsPath>,
        rpki: &'static str,
        aspa: &'static str,
        out: &mut Vec<Alert>,
    ) {
        let now = self.now;
        let state = self
            .events
            .entry(f.key.clone())
            .or_insert_with(|| EventState {
                rule,
                first_seen: now,
                first_path: Arc::clone(path),
                origin: path.origin(),
                rule_name: f.rule,
                evidence: f.evidence,
                rpki,
                aspa,
                carriers: HashMap::new(),
                seen: Vec::new(),
                peers: 0,
                paths: Vec::new(),
                alerted: false,
            });
        if new {
            *state.carriers.entry(vid).or_insert(0) += 1;
        }
        if !state.seen.contains(&vid) {
            state.seen.push(vid);
            state.peers = observers(&self.vantages, &state.seen).len();
        }
        if let Some(p) = state.paths.iter_mut().find(|(p, _)| **p == **path) {
            p.1 += 1;
        } else if state.paths.len() < MAX_TRACKED_PATHS {
            state.paths.push((Arc::clone(path), 1));
        }
        if !state.alerted && state.peers >= self.min_vantages {
            state.alerted = true;
            self.stats.alerts += 1;
            let alert = self.alert(&f.key, false);
            out.extend(alert);
        }
    }

    fn detach(&mut self, key: &EventKey, vid: u32, out: &mut Vec<Alert>) {
        let Some(state) = self.events.get_mut(key) else {
            return;
        };
        if let Some(n) = state.carriers.get_mut(&vid) {
            *n -= 1;
            if *n == 0 {
                state.carriers.remove(&vid);
            }
        }
        if !state.carriers.is_empty() {
            return;
        }
        if state.alerted {
            self.stats.resolutions += 1;
            out.extend(self.alert(key, true));
        }
        self.events.remove(key);
    }

    fn alert(&self, key: &EventKey, resolved: bool) -> Option<Alert> {
        let state = self.events.get(key)?;
        let rule = self.rules.get(state.rule)?;
        let mut paths: Vec<&(Arc<AsPath>, u32)> = state.paths.iter().collect();
        paths.sort_by_key(|p| std::cmp::Reverse(p.1));
        let peers = state
            .seen
            .iter()
            .take(MAX_LISTED_VANTAGES)
            .filter_map(|v| self.vantages.get(*v as usize).map(|s| s.vantage))
            .collect();
        Some(Alert {
            kind_str: if resolved {
                key.kind.resolved_str()
            } else {
                key.kind.as_str()
            },
            kind: key.kind,
            resolved,
            prefix: key.prefix,
            monitored_prefix: rule.prefix,
            description: rule.description.clone(),
            origin_asn: state.origin,
            offender_asn: key.offender,
            as_path: state.first_path.to_json(),
            vantages: state.peers,
            peers,
            first_seen: state.first_seen,
            time: self.now,
            severity: key.kind.severity(),
            rule: state.rule_name,
            evidence: state.evidence.clone(),
            top_paths: paths
                .into_iter()
                .take(MAX_TOP_PATHS)
                .map(|(p, n)| TopPath {
                    as_path: p.to_json(),
                    count: *n,
                })
                .collect(),
            rpki: state.rpki,
            aspa: state.aspa,
        })
    }

    fn check_visibility(&mut self, rule_idx: usize, out: &mut Vec<Alert>) {
        let min = self.min_vantages;
        let now = self.now;
        let r = &self.rules[rule_idx];
        if r.withdrawn.is_empty() && r.lost.is_none() {
            // The common case (a table loading): nothing to count.
            return;
        }
        let (withdrawn, announced) = visibility(&self.vantages, r);
        let r = &mut self.rules[rule_idx];
        let lost_now = withdrawn >= min && 2 * withdrawn >= announced;
        let resolved = match (&r.lost, lost_now) {
            (None, true) => {
                r.lost = Some(Lost {
                    since: now,
                    vantages: withdrawn,
                });
                false
            }
            (Some(_), false) => true,
            _ => return,
        };
        let lost = if resolved {
            r.lost.take()
        } else {
            r.lost.clone()
        };
        let Some(lost) = lost else { return };
        let mut ids: Vec<u32> = r.withdrawn.iter().copied().collect();
        ids.sort_unstable();
        let peers = ids
            .iter()
            .take(MAX_LISTED_VANTAGES)
            .filter_map(|v| self.vantages.get(*v as usize).map(|s| s.vantage))
            .collect();
        let path = r.last_path.clone();
        if resolved {
            self.stats.resolutions += 1;
        } else {
            self.stats.alerts += 1;
        }
        let kind = AlertKind::VisibilityLoss;
        out.push(Alert {
            kind_str: if resolved {
                kind.resolved_str()
            } else {
                kind.as_str()
            },
            kind,
            resolved,
            prefix: r.prefix,
            monitored_prefix: r.prefix,
            description: r.description.clone(),
            origin_asn: path.as_ref().and_then(|p| p.origin()),
            offender_asn: None,
            as_path: path
                .as_ref()
                .map_or(serde_json::Value::Array(Vec::new()), |p| p.to_json()),
            vantages: if resolved { lost.vantages } else { withdrawn },
            peers,
            first_seen: lost.since,
            time: now,
            severity: kind.severity(),
            rule: "visibility",
            evidence: if resolved {
                format!(
                    "{} visible again: withdrawn by {} of the {} vantages that announced it",
                    r.prefix, withdrawn, announced
                )
            } else {
                format!(
                    "{} withdrawn by {} of the {} vantages that announced it",
                    r.prefix, withdrawn, announced
                )
            },
            top_paths: Vec::new(),
            rpki: "not-checked",
            aspa: "not-checked",
        });
    }
}

/// Who an observation comes from, for counting vantages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Observer {
    /// A BGP peer ([`Vantage::peer`]), whatever router or Adj-RIB-In view shows it.
    Peer(Asn, std::net::IpAddr),
    /// A router's own choice: its Loc-RIB, or what it sends (Adj-RIB-Out).
    Router(std::net::IpAddr),
}

/// The distinct observers among the vantages `ids`. Two views of one peer are one peer; a
/// router's own views (Loc-RIB, Adj-RIB-Out) repeat a route one of its peers sent, so they
/// count as one observer of their own only when no Adj-RIB-In view of that router is
/// among `ids` (a router that exports only its Loc-RIB is one vantage).
fn observers(vantages: &[VantageState], ids: &[u32]) -> HashSet<Observer> {
    let mut out = HashSet::with_capacity(ids.len());
    let mut own = Vec::new();
    let mut heard_through = HashSet::new();
    for v in ids.iter().filter_map(|i| vantages.get(*i as usize)) {
        let v = v.vantage;
        match (v.view, v.router) {
            (View::LocRib | View::AdjRibOutPre | View::AdjRibOutPost, Some(r)) => own.push(r),
            _ => {
                let (asn, address) = v.peer();
                out.insert(Observer::Peer(asn, address));
                if let Some(r) = v.router {
                    heard_through.insert(r);
                }
            }
        }
    }
    for r in own {
        if !heard_through.contains(&r) {
            out.insert(Observer::Router(r));
        }
    }
    out
}

/// Of the distinct observers ([`observers`]) that announced a rule's prefix, how many have
/// withdrawn it, and how many announced it: an observer has withdrawn it only when none of
/// its views (pre- and post-policy, ...) still carries it.
fn visibility(vantages: &[VantageState], r: &Rule) -> (usize, usize) {
    let announced_ids: Vec<u32> = r.announced.iter().copied().collect();
    let announced = observers(vantages, &announced_ids);
    let carrying_ids: Vec<u32> = r
        .announced
        .iter()
        .filter(|v| !r.withdrawn.contains(v))
        .copied()
        .collect();
    let carrying = observers(vantages, &carrying_ids);
    let withdrawn = announced.difference(&carrying).count();
    (withdrawn, announced.len())
}

fn list(asns: &[Asn]) -> String {
    asns.iter()
        .map(|a| format!("AS{a}"))
        .collect::<Vec<_>>()
        .join(", ")
}

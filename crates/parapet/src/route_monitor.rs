//! The live route monitor: the BMP listener's sessions and the RIS Live client feed one
//! task that owns the BMP station, the RIS Live feed state and the engine; every report
//! (route alert or feed health) is printed (`routes watch`), stored as an event, and
//! submitted to the alert pipeline.
//!
//! `parapet routes watch` runs it alone; `parapet serve` runs it beside the gateway when
//! the config has a live feed (`[routes.bmp]`, `[routes.ris_live]`).
//!
//! The task also watches the RPKI file (`routes.vrps`): when it changes, the new VRPs and
//! ASPA records replace the old ones and every tracked route is judged again; a file that
//! does not read keeps the old data (logged, counted). And it answers the admin API's
//! questions about the live state ([`Module`]: `/api/v1/routes/state`, `/feeds`);
//! `/api/v1/routes/alerts` comes from the store.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use http::{request, Method, StatusCode};
use ipnet::IpNet;
use parapet_alerts::Pipeline;
use parapet_config::{Config, Routes};
use parapet_core::Timestamp;
use parapet_gateway::phases::ServeFuture;
use parapet_routes::bmp::{self, ListenOptions, MonitoredSpace, RouterHealth, Station, Timing};
use parapet_routes::rislive::{self, RisFeed, RisHealth, RisInput};
use parapet_routes::{AlertKind, Engine, Report, RouteView, RpkiData};
use parapet_store::{EventQuery, Store, MAX_EVENT_LIMIT};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::json;
use crate::AlertFormat;

/// Inputs queued between the session tasks and the engine; beyond it, the sessions wait
/// (TCP back-pressure on the routers) and nothing is lost.
const QUEUE: usize = 4096;
/// How often the station's deadlines (hold time, resync, silence) are checked.
const TICK: Duration = Duration::from_secs(1);

/// The route monitor's counters, served on the admin listener's `/metrics` by `serve`
/// (through [`Module`]). Cheap clones of one set of atomics.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    sessions: Counter,
    routers: Gauge,
    messages: Counter,
    malformed: Counter,
    framing_errors: Counter,
    refused: Counter,
    route_changes: Counter,
    stale_withdrawn: Counter,
    reports: Family<Vec<(String, String)>, Counter>,
    rpki_reloads: Counter,
    rpki_reload_errors: Counter,
    rpki_vrps: Gauge,
}

impl Metrics {
    fn register(&self, registry: &mut Registry) {
        let r = registry.sub_registry_with_prefix("routes");
        r.register(
            "bmp_sessions",
            "BMP sessions opened by routers",
            self.sessions.clone(),
        );
        r.register(
            "bmp_routers",
            "Routers with a BMP session open",
            self.routers.clone(),
        );
        r.register(
            "bmp_messages",
            "BMP messages decoded",
            self.messages.clone(),
        );
        r.register(
            "bmp_malformed",
            "BMP messages that framed but did not decode (skipped)",
            self.malformed.clone(),
        );
        r.register(
            "bmp_framing_errors",
            "BMP sessions closed for bytes that are not BMP",
            self.framing_errors.clone(),
        );
        r.register(
            "bmp_refused",
            "BMP connections refused (address not allowed, too many routers)",
            self.refused.clone(),
        );
        r.register(
            "route_changes",
            "Announcements and withdrawals in monitored space from live feeds",
            self.route_changes.clone(),
        );
        r.register(
            "stale_withdrawn",
            "Routes withdrawn because a reconnected router did not announce them again",
            self.stale_withdrawn.clone(),
        );
        r.register(
            "reports",
            "Route and feed-health alerts raised, by type",
            self.reports.clone(),
        );
        r.register(
            "rpki_reloads",
            "RPKI files (VRPs, ASPA) read again after they changed",
            self.rpki_reloads.clone(),
        );
        r.register(
            "rpki_reload_errors",
            "Changed RPKI files that could not be read (the previous data stays)",
            self.rpki_reload_errors.clone(),
        );
        r.register(
            "rpki_vrps",
            "VRPs route origin validation uses now",
            self.rpki_vrps.clone(),
        );
    }

    /// Brings the counters up to `s` (the station's running totals, `last` the previous).
    fn sync(&self, s: &bmp::StationStats, last: &mut bmp::StationStats, routers: usize) {
        self.sessions.inc_by(s.sessions - last.sessions);
        self.messages.inc_by(s.messages - last.messages);
        self.malformed.inc_by(s.malformed - last.malformed);
        self.framing_errors
            .inc_by(s.framing_errors - last.framing_errors);
        self.refused.inc_by(s.refused - last.refused);
        self.route_changes
            .inc_by(s.route_changes - last.route_changes);
        self.stale_withdrawn
            .inc_by(s.stale_withdrawn - last.stale_withdrawn);
        self.routers.set(i64::try_from(routers).unwrap_or(i64::MAX));
        *last = *s;
    }
}

/// A question from the admin API to the monitor's task, which owns the live state.
#[derive(Debug)]
pub enum Ask {
    /// The routes vantages carry for a prefix (and its more-specifics).
    Routes {
        prefix: IpNet,
        more_specifics: bool,
        reply: oneshot::Sender<Option<Vec<RouteView>>>,
    },
    /// The feeds' and the RPKI file's health.
    Feeds { reply: oneshot::Sender<FeedsView> },
}

/// Questions queued for the monitor's task; beyond it, the API answers 503.
const ASKS: usize = 64;
/// How long the API waits for the monitor's task (it may be busy with a table dump).
const ASK_TIMEOUT: Duration = Duration::from_secs(5);
/// Alerts `/api/v1/routes/alerts` returns when the request names no `limit`.
pub const DEFAULT_ALERT_LIMIT: u32 = 100;

/// The admin API's view of the feeds: `GET /api/v1/routes/feeds`.
#[derive(Debug, Clone, Serialize)]
pub struct FeedsView {
    /// The BMP routers (none without `[routes.bmp]`).
    pub bmp: Vec<RouterHealth>,
    pub ris_live: Option<RisHealth>,
    pub rpki: Option<RpkiView>,
    pub tracked_routes: usize,
    pub open_events: usize,
}

/// The RPKI file's state, as `/api/v1/routes/feeds` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RpkiView {
    pub file: PathBuf,
    pub vrps: usize,
    pub aspas: usize,
    /// When the data in use was read (start, or the last good reload).
    pub loaded_at: Timestamp,
    pub reloads: u64,
    pub reload_errors: u64,
    /// Why the last change of the file could not be used, while the file stays unusable.
    pub last_error: Option<String>,
}

/// The route monitor on the admin listener: its counters on `/metrics` and the admin API's
/// `/api/v1/routes/*` routes. Built before the gateway; [`start`] takes the receiving end
/// of its questions.
pub struct Module {
    metrics: Option<Metrics>,
    store: Arc<dyn Store>,
    asks: mpsc::Sender<Ask>,
}

impl Module {
    /// The module and the queue [`start`] answers; `metrics` when the monitor runs.
    pub fn new(
        store: Arc<dyn Store>,
        metrics: Option<Metrics>,
    ) -> (Arc<Self>, mpsc::Receiver<Ask>) {
        let (asks, rx) = mpsc::channel(ASKS);
        (
            Arc::new(Module {
                metrics,
                store,
                asks,
            }),
            rx,
        )
    }
}

fn bad_request(message: &str) -> ServeFuture {
    let body = serde_json::json!({ "error": message });
    Box::pin(async move { json(StatusCode::BAD_REQUEST, &body) })
}

/// Asks the monitor's task for its live state on behalf of the dashboard.
#[derive(Clone)]
pub struct Asker(mpsc::Sender<Ask>);

impl Asker {
    /// The feeds' health; `None` when no live feed runs or the task did not answer.
    pub async fn feeds(&self) -> Option<FeedsView> {
        ask(self.0.clone(), |reply| Ask::Feeds { reply }).await.ok()
    }
}

impl Module {
    /// A handle for the dashboard's routes page.
    pub fn asker(&self) -> Asker {
        Asker(self.asks.clone())
    }
}

/// Sends `ask` to the monitor's task and answers with what it replies.
async fn ask<T: Serialize>(
    asks: mpsc::Sender<Ask>,
    make: impl FnOnce(oneshot::Sender<T>) -> Ask,
) -> Result<T, http::Response<parapet_gateway::body::Body>> {
    let (tx, rx) = oneshot::channel();
    let unavailable = || {
        json(
            StatusCode::SERVICE_UNAVAILABLE,
            &serde_json::json!({"error": "the route monitor is not running (no live feed configured)"}),
        )
    };
    if asks.try_send(make(tx)).is_err() {
        return Err(unavailable());
    }
    match tokio::time::timeout(ASK_TIMEOUT, rx).await {
        Ok(Ok(v)) => Ok(v),
        _ => Err(unavailable()),
    }
}

impl parapet_gateway::HttpModule for Module {
    fn name(&self) -> &'static str {
        "route-monitor"
    }

    fn register_metrics(&self, registry: &mut Registry) {
        if let Some(m) = &self.metrics {
            m.register(registry);
        }
    }

    /// `GET /api/v1/routes/alerts`, `/api/v1/routes/state?prefix=`, `/api/v1/routes/feeds`
    /// (docs/routes.md, docs/api/openapi.json).
    fn admin_route(&self, req: &request::Parts) -> Option<ServeFuture> {
        let path = req.uri.path();
        if !path.starts_with("/api/v1/routes/") {
            return None;
        }
        if req.method != Method::GET {
            return None;
        }
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(req.uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        match path {
            "/api/v1/routes/alerts" => {
                let filter = match AlertFilter::parse(&params) {
                    Ok(f) => f,
                    Err(e) => return Some(bad_request(&e)),
                };
                let store = Arc::clone(&self.store);
                Some(Box::pin(async move {
                    crate::api::answer(stored_alerts(&*store, &filter).await.map(
                        |(alerts, scanned)| {
                            let alerts: Vec<_> = alerts.iter().map(StoredAlert::to_json).collect();
                            serde_json::json!({ "alerts": alerts, "scanned": scanned })
                        },
                    ))
                }))
            }
            "/api/v1/routes/state" => {
                let Some(prefix) = params.get("prefix").and_then(|p| p.parse::<IpNet>().ok())
                else {
                    return Some(bad_request(
                        "give a prefix in CIDR form as ?prefix=, such as 192.0.2.0/24",
                    ));
                };
                let more_specifics = match params.get("more_specifics").map(String::as_str) {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(_) => return Some(bad_request("more_specifics is true or false")),
                };
                let asks = self.asks.clone();
                Some(Box::pin(async move {
                    let prefix = prefix.trunc();
                    match ask(asks, |reply| Ask::Routes {
                        prefix,
                        more_specifics,
                        reply,
                    })
                    .await
                    {
                        Ok(Some(routes)) => json(
                            StatusCode::OK,
                            &serde_json::json!({"prefix": prefix, "routes": routes}),
                        ),
                        Ok(None) => json(
                            StatusCode::NOT_FOUND,
                            &serde_json::json!({"error": "the prefix is not in monitored space"}),
                        ),
                        Err(r) => r,
                    }
                }))
            }
            "/api/v1/routes/feeds" => {
                let asks = self.asks.clone();
                Some(Box::pin(async move {
                    match ask(asks, |reply| Ask::Feeds { reply }).await {
                        Ok(v) => json(StatusCode::OK, &v),
                        Err(r) => r,
                    }
                }))
            }
            _ => None,
        }
    }
}

/// Which stored route alerts `/api/v1/routes/alerts` (and the dashboard's routes page)
/// lists.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFilter {
    prefix: Option<(IpNet, PrefixMatch)>,
    kind: Option<AlertKind>,
    status: Option<bool>,
    since: Option<Timestamp>,
    limit: u32,
}

/// How an alert's prefix relates to the `prefix` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrefixMatch {
    /// The prefix itself or one inside it (the default).
    MoreSpecific,
    /// The prefix itself or one that covers it.
    Covering,
    Exact,
}

impl AlertFilter {
    /// From query parameters (`prefix`, `match`, `kind`, `status`, `since`, `limit`); the
    /// error names the parameter.
    pub fn parse(params: &HashMap<String, String>) -> Result<Self, String> {
        let prefix = match params.get("prefix") {
            None => None,
            Some(p) => {
                let net: IpNet = p
                    .parse()
                    .map_err(|_| format!("prefix: {p:?} is not a prefix in CIDR form"))?;
                let how = match params.get("match").map(String::as_str) {
                    None | Some("more-specific") => PrefixMatch::MoreSpecific,
                    Some("covering") => PrefixMatch::Covering,
                    Some("exact") => PrefixMatch::Exact,
                    Some(m) => {
                        return Err(format!(
                            "match: {m:?} is not more-specific, covering or exact"
                        ))
                    }
                };
                Some((net.trunc(), how))
            }
        };
        let kind = match params.get("kind") {
            None => None,
            Some(k) => Some(
                AlertKind::ALL
                    .into_iter()
                    .find(|a| a.as_str() == k)
                    .ok_or_else(|| format!("kind: {k:?} is not a route alert type"))?,
            ),
        };
        let status = match params.get("status").map(String::as_str) {
            None | Some("all") => None,
            Some("open") => Some(true),
            Some("resolved") => Some(false),
            Some(s) => return Err(format!("status: {s:?} is not open, resolved or all")),
        };
        let since = match params.get("since") {
            None => None,
            Some(t) => Some(
                Timestamp::parse_rfc3339(t)
                    .map_err(|_| format!("since: {t:?} is not an RFC 3339 time"))?,
            ),
        };
        let limit = match params.get("limit") {
            None => DEFAULT_ALERT_LIMIT,
            Some(l) => l
                .parse::<u32>()
                .map_err(|_| format!("limit: {l:?} is not a number"))?
                .clamp(1, MAX_EVENT_LIMIT),
        };
        Ok(AlertFilter {
            prefix,
            kind,
            status,
            since,
            limit,
        })
    }

    fn prefix_matches(&self, prefix: &IpNet) -> bool {
        match self.prefix {
            None => true,
            Some((p, PrefixMatch::MoreSpecific)) => p.contains(prefix),
            Some((p, PrefixMatch::Covering)) => prefix.contains(&p),
            Some((p, PrefixMatch::Exact)) => p == *prefix,
        }
    }
}

/// One stored route alert and what became of it.
pub struct StoredAlert {
    pub kind: AlertKind,
    /// The stored event; its details are the alert's JSON line.
    pub event: parapet_core::Event,
    /// When its `-resolved` was stored; `None` while it is open.
    pub resolved_at: Option<Timestamp>,
}

impl StoredAlert {
    /// The JSON of `/api/v1/routes/alerts`: the alert's line with `id`, `open` and
    /// `resolved_at`.
    fn to_json(&self) -> serde_json::Value {
        let mut v = match &self.event.details {
            serde_json::Value::Object(m) => m.clone(),
            _ => serde_json::Map::new(),
        };
        v.insert("id".into(), serde_json::json!(self.event.id));
        v.insert("open".into(), serde_json::json!(self.resolved_at.is_none()));
        v.insert("resolved_at".into(), serde_json::json!(self.resolved_at));
        serde_json::Value::Object(v)
    }
}

/// The stored route alerts matching `filter`, newest first, each with when it resolved
/// (a `-resolved` of the same event stored after it), and how many stored route events
/// were read: the newest [`MAX_EVENT_LIMIT`] (since `since`). An alert whose resolution is
/// older than that window cannot exist, and an older alert is not listed.
pub async fn stored_alerts(
    store: &dyn Store,
    filter: &AlertFilter,
) -> parapet_store::Result<(Vec<StoredAlert>, usize)> {
    let mut q = EventQuery::new()
        .service(parapet_core::Service::Routes)
        .limit(MAX_EVENT_LIMIT);
    if let Some(t) = filter.since {
        q = q.since(t);
    }
    let events = store.events(&q).await?;
    let scanned = events.len();
    // Newest first: a resolution is met before the alert it ends.
    let mut resolutions: HashMap<String, Timestamp> = HashMap::new();
    let mut out = Vec::new();
    for e in events {
        let Some(kind) = AlertKind::ALL
            .into_iter()
            .find(|k| e.kind == k.as_str() || e.kind == k.resolved_str())
        else {
            continue; // feed health
        };
        let base = e.dedup_key.replacen(kind.resolved_str(), kind.as_str(), 1);
        if e.kind == kind.resolved_str() {
            resolutions.insert(base, e.time);
            continue;
        }
        let resolved_at = resolutions.get(&base).copied();
        if out.len() as u32 >= filter.limit
            || filter.kind.is_some_and(|k| k != kind)
            || filter
                .status
                .is_some_and(|open| open != resolved_at.is_none())
            || !e
                .subject
                .parse::<IpNet>()
                .is_ok_and(|p| filter.prefix_matches(&p))
        {
            continue;
        }
        out.push(StoredAlert {
            kind,
            event: e,
            resolved_at,
        });
    }
    Ok((out, scanned))
}

/// Binds the live feeds of `routes` and starts the monitor; it runs until `shutdown`.
/// Fails (naming the address or file) when a feed cannot listen or a data file cannot be
/// read, so that a broken config stops the command before it reports anything.
pub async fn start(
    routes: &Routes,
    store: Arc<dyn Store>,
    alerts: Arc<Pipeline>,
    print: Option<AlertFormat>,
    metrics: Metrics,
    asks: Option<mpsc::Receiver<Ask>>,
    shutdown: CancellationToken,
) -> anyhow::Result<JoinHandle<()>> {
    if !routes.has_live_feed() {
        anyhow::bail!(
            "no live feed is configured: add [routes.bmp] or [routes.ris_live] (see docs/routes.md)"
        );
    }
    let rpki = routes.vrps.as_ref().map(|p| RpkiWatch::new(p.clone()));
    let engine = Engine::load(routes)?;
    let space = Arc::new(MonitoredSpace::new(routes));
    let mut tasks = Vec::new();
    let mut feeds = Feeds {
        station: Station::new(routes.bmp.as_ref().map_or(
            Timing {
                hold_time: Duration::ZERO,
                resync_timeout: Duration::ZERO,
                silence_timeout: None,
            },
            Timing::from,
        )),
        bmp: None,
        ris: None,
        ris_rx: None,
        asks,
        rpki,
    };
    if let Some(b) = &routes.bmp {
        let listener = bmp::bind(b.listen).await?;
        let addr = listener.local_addr().unwrap_or(b.listen);
        tracing::info!(listen = %addr, prefixes = routes.prefixes.len(), "BMP listener up");
        let (tx, rx) = mpsc::channel(QUEUE);
        tasks.push(tokio::spawn(bmp::serve(
            listener,
            ListenOptions::from(b),
            Arc::clone(&space),
            tx,
        )));
        feeds.bmp = Some(rx);
    }
    if let Some(r) = &routes.ris_live {
        let subscriptions = rislive::subscriptions(routes);
        tracing::info!(url = %r.url, subscriptions = subscriptions.len(), "RIS Live client started");
        let (tx, rx) = mpsc::channel(QUEUE);
        tasks.push(tokio::spawn(rislive::run(
            r.clone(),
            subscriptions,
            Arc::clone(&space),
            tx,
        )));
        feeds.ris = Some(RisFeed::new(r));
        feeds.ris_rx = Some(rx);
    }
    Ok(tokio::spawn(async move {
        run(engine, feeds, store, alerts, print, metrics, shutdown).await;
        for t in tasks {
            t.abort();
        }
    }))
}

/// The live feeds' state and queues, owned by the monitor's task with the engine.
struct Feeds {
    station: Station,
    bmp: Option<mpsc::Receiver<bmp::Input>>,
    ris: Option<RisFeed>,
    ris_rx: Option<mpsc::Receiver<RisInput>>,
    asks: Option<mpsc::Receiver<Ask>>,
    rpki: Option<RpkiWatch>,
}

/// What identifies one version of a file without reading it: modification time, size and
/// inode (a rename over it, as rpki-client and Routinator do, changes the inode).
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(path: &Path) -> Stamp {
    use std::os::unix::fs::MetadataExt as _;
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len(), m.ino()))
}

/// A read of the RPKI file, off the monitor's task.
type Loading = oneshot::Receiver<Result<RpkiData, parapet_routes::RoutesError>>;

/// The RPKI file, checked every [`TICK`] and read again when it changed. The read and the
/// JSON parse (a full RPKI export is tens of megabytes) run on a blocking thread, so that
/// the feeds are served meanwhile; the engine takes the result on its own task.
#[derive(Debug)]
struct RpkiWatch {
    path: PathBuf,
    stamp: Stamp,
    loading: Option<Loading>,
    loaded_at: Timestamp,
    reloads: u64,
    errors: u64,
    last_error: Option<String>,
}

impl RpkiWatch {
    /// Taken before the engine reads the file, so that a change in between is not missed.
    fn new(path: PathBuf) -> Self {
        RpkiWatch {
            stamp: stamp(&path),
            path,
            loading: None,
            loaded_at: Timestamp::now(),
            reloads: 0,
            errors: 0,
            last_error: None,
        }
    }

    /// Starts reading the file again if it changed since it was last read (one read at a
    /// time: a change during a read is seen at the next check).
    fn check(&mut self) {
        if self.loading.is_some() {
            return;
        }
        let current = stamp(&self.path);
        if current == self.stamp {
            return;
        }
        self.stamp = current;
        let (tx, rx) = oneshot::channel();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(RpkiData::load(&path));
        });
        self.loading = Some(rx);
    }

    /// The engine takes the new data, or keeps the old when the file did not read (logged,
    /// counted).
    fn loaded(
        &mut self,
        result: Result<RpkiData, String>,
        engine: &mut Engine,
        now: Timestamp,
        metrics: &Metrics,
        out: &mut Vec<Report>,
    ) {
        self.loading = None;
        match result {
            Ok(data) => {
                let (vrps, aspas, skipped) = (data.vrps.len(), data.aspas.len(), data.skipped);
                let mut alerts = Vec::new();
                engine.set_rpki(now, Some(data), &mut alerts);
                self.reloads += 1;
                self.loaded_at = now;
                self.last_error = None;
                metrics.rpki_reloads.inc();
                tracing::info!(file = %self.path.display(), vrps, aspas, skipped, changes = alerts.len(), "RPKI data reloaded");
                out.extend(alerts.into_iter().map(Report::Route));
            }
            Err(e) => {
                self.errors += 1;
                metrics.rpki_reload_errors.inc();
                let (vrps, _) = engine.rpki_counts();
                tracing::error!(file = %self.path.display(), error = %e, kept_vrps = vrps, "the changed RPKI file cannot be used; the previous data stays");
                self.last_error = Some(e);
            }
        }
    }

    fn view(&self, engine: &Engine) -> RpkiView {
        let (vrps, aspas) = engine.rpki_counts();
        RpkiView {
            file: self.path.clone(),
            vrps,
            aspas,
            loaded_at: self.loaded_at,
            reloads: self.reloads,
            reload_errors: self.errors,
            last_error: self.last_error.clone(),
        }
    }
}

/// The result of the RPKI file's read under way; never, when none is.
async fn rpki_read(w: &mut Option<RpkiWatch>) -> Result<RpkiData, String> {
    match w.as_mut().and_then(|w| w.loading.as_mut()) {
        Some(rx) => match rx.await {
            Ok(r) => r.map_err(|e| format!("{e:#}")),
            Err(_) => Err("the read of the file was cut short".to_owned()),
        },
        None => std::future::pending().await,
    }
}

/// The next input of an optional queue; never, once it is gone.
async fn next<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn run(
    mut engine: Engine,
    mut feeds: Feeds,
    store: Arc<dyn Store>,
    alerts: Arc<Pipeline>,
    print: Option<AlertFormat>,
    metrics: Metrics,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(TICK);
    let mut out: Vec<Report> = Vec::new();
    let mut last = bmp::StationStats::default();
    metrics
        .rpki_vrps
        .set(i64::try_from(engine.rpki_counts().0).unwrap_or(i64::MAX));
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            got = next(&mut feeds.bmp) => match got {
                Some(input) => feeds.station.handle(&mut engine, input, Timestamp::now(), &mut out),
                None => feeds.bmp = None,
            },
            got = next(&mut feeds.ris_rx) => match (got, feeds.ris.as_mut()) {
                (Some(input), Some(ris)) => ris.handle(&mut engine, input, Timestamp::now(), &mut out),
                _ => feeds.ris_rx = None,
            },
            got = next(&mut feeds.asks) => match got {
                Some(a) => answer(a, &engine, &feeds),
                None => feeds.asks = None,
            },
            got = rpki_read(&mut feeds.rpki) => {
                if let Some(w) = feeds.rpki.as_mut() {
                    w.loaded(got, &mut engine, Timestamp::now(), &metrics, &mut out);
                }
            }
            _ = tick.tick() => {
                feeds.station.tick(&mut engine, Timestamp::now(), &mut out);
                if let Some(w) = feeds.rpki.as_mut() {
                    w.check();
                }
            }
        }
        metrics.sync(
            &feeds.station.stats(),
            &mut last,
            feeds.station.connected_routers(),
        );
        metrics
            .rpki_vrps
            .set(i64::try_from(engine.rpki_counts().0).unwrap_or(i64::MAX));
        for r in &out {
            metrics
                .reports
                .get_or_create(&vec![("type".to_owned(), r.kind_str().to_owned())])
                .inc();
        }
        if !out.is_empty() {
            report(&mut out, &store, &alerts, print).await;
        }
    }
    let s = feeds.station.stats();
    let e = engine.stats();
    let r = feeds.ris.as_ref().map(RisFeed::stats).unwrap_or_default();
    tracing::info!(
        bmp_sessions = s.sessions,
        bmp_messages = s.messages,
        bmp_malformed = s.malformed,
        bmp_framing_errors = s.framing_errors,
        bmp_refused = s.refused,
        ris_live_connects = r.connects,
        ris_live_events = r.events,
        ris_live_malformed = r.malformed,
        alerts = e.alerts,
        resolutions = e.resolutions,
        "route monitor stopped"
    );
}

/// Answers one question of the admin API from the live state.
fn answer(ask: Ask, engine: &Engine, feeds: &Feeds) {
    // A requester that gave up (timeout) is no error.
    match ask {
        Ask::Routes {
            prefix,
            more_specifics,
            reply,
        } => {
            let routes = engine
                .monitors(&prefix)
                .then(|| engine.routes(&prefix, more_specifics));
            let _ = reply.send(routes);
        }
        Ask::Feeds { reply } => {
            let _ = reply.send(FeedsView {
                bmp: feeds.station.health(),
                ris_live: feeds.ris.as_ref().map(RisFeed::health),
                rpki: feeds.rpki.as_ref().map(|w| w.view(engine)),
                tracked_routes: engine.tracked_routes(),
                open_events: engine.open_events(),
            });
        }
    }
}

/// Prints, stores and submits `reports` (and empties it).
async fn report(
    reports: &mut Vec<Report>,
    store: &Arc<dyn Store>,
    alerts: &Arc<Pipeline>,
    print: Option<AlertFormat>,
) {
    if let Some(format) = print {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        for r in reports.iter() {
            let line = match format {
                AlertFormat::Json => serde_json::to_string(r).unwrap_or_default(),
                AlertFormat::Text => r.text_line(),
            };
            // A reader that went away (`| head`) is not a reason to stop monitoring.
            let _ = writeln!(lock, "{line}");
        }
        let _ = lock.flush();
    }
    let events: Vec<_> = reports.drain(..).map(|r| r.to_event()).collect();
    for e in &events {
        tracing::warn!(target: "parapet::routes", kind = %e.kind, subject = %e.subject, summary = %e.summary, "route monitor");
    }
    if let Err(e) = store.insert_events(&events).await {
        tracing::error!(error = %e, events = events.len(), "cannot store route events");
    }
    for e in events {
        let alerts = Arc::clone(alerts);
        tokio::spawn(async move {
            alerts.submit(e).await;
        });
    }
}

/// `parapet routes watch --config FILE`: the live monitor alone, reports on stdout.
pub fn watch(path: &Path, format: AlertFormat) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    let routes = config.routes.as_ref().with_context(|| {
        format!(
            "{}: no [routes] table: nothing to monitor (see docs/routes.md)",
            path.display()
        )
    })?;
    if !routes.has_live_feed() {
        anyhow::bail!(
            "{}: no live feed is configured: add [routes.bmp] or [routes.ris_live] (see docs/routes.md)",
            path.display()
        );
    }
    crate::init_logging(&config);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = crate::open_store(&config)?;
        let alerts = Arc::new(
            crate::alerting::pipeline(&config.alerts)
                .context("cannot set up the alert channels")?,
        );
        let shutdown = CancellationToken::new();
        let monitor = start(
            routes,
            store,
            alerts.clone(),
            Some(format),
            Metrics::default(),
            None,
            shutdown.clone(),
        )
        .await?;
        if !config.alerts.channels.is_empty() {
            tokio::spawn(crate::alerting::tick(alerts, shutdown.clone()));
        }
        tokio::spawn(crate::stop_on_signal(shutdown));
        monitor.await.context("the route monitor failed")?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parapet_core::{Event, Service, Severity};

    fn params(q: &str) -> HashMap<String, String> {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    }

    fn filter(q: &str) -> AlertFilter {
        AlertFilter::parse(&params(q)).unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn the_filter_parses_and_names_what_it_refuses() {
        let f = filter("prefix=192.0.2.0/24&kind=route-leak&status=open&limit=0");
        assert_eq!(f.kind, Some(AlertKind::RouteLeak));
        assert_eq!(f.status, Some(true));
        assert_eq!(f.limit, 1, "at least one");
        assert_eq!(filter("limit=99999999").limit, MAX_EVENT_LIMIT);
        assert_eq!(filter("").limit, DEFAULT_ALERT_LIMIT);
        for (q, names) in [
            ("prefix=192.0.2.0", "prefix"),
            ("prefix=192.0.2.0/24&match=near", "match"),
            ("kind=feed-down", "kind"),
            ("status=maybe", "status"),
            ("since=yesterday", "since"),
            ("limit=-1", "limit"),
        ] {
            let e = AlertFilter::parse(&params(q)).unwrap_err();
            assert!(e.starts_with(names), "{q}: {e}");
        }
        // More-specific (default), covering, exact.
        let inside = filter("prefix=192.0.2.0/23");
        assert!(inside.prefix_matches(&net("192.0.2.0/24")));
        assert!(inside.prefix_matches(&net("192.0.2.0/23")));
        assert!(!inside.prefix_matches(&net("192.0.0.0/16")));
        let covering = filter("prefix=192.0.2.0/24&match=covering");
        assert!(covering.prefix_matches(&net("192.0.0.0/16")));
        assert!(!covering.prefix_matches(&net("192.0.2.0/25")));
        let exact = filter("prefix=192.0.2.1/24&match=exact");
        assert!(
            exact.prefix_matches(&net("192.0.2.0/24")),
            "host bits dropped"
        );
        assert!(!exact.prefix_matches(&net("192.0.2.0/25")));
    }

    fn event(kind: &str, prefix: &str, secs: i64) -> Event {
        let base = kind.trim_end_matches("-resolved");
        Event::new(Service::Routes, kind, Severity::High, prefix, "s")
            .with_time(Timestamp::from_unix_secs(1_700_000_000 + secs))
            .with_dedup_key(format!("routes/{kind}/{prefix}/AS64666"))
            .with_details(serde_json::json!({"type": kind, "prefix": prefix, "base": base}))
    }

    /// An alert is open until a resolution of the same event is stored after it; one that
    /// alerts again after its resolution is open again.
    #[tokio::test]
    async fn stored_alerts_know_what_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let store = parapet_store::SqliteStore::open(dir.path().join("t.db")).unwrap();
        store
            .insert_events(&[
                event("origin-hijack", "192.0.2.0/24", 0),
                event("subprefix-hijack", "192.0.2.128/25", 1),
                event("origin-hijack-resolved", "192.0.2.0/24", 2),
                event("feed-down", "bmp 127.0.0.1", 3),
                event("route-leak", "198.51.100.0/24", 4),
                event("route-leak-resolved", "198.51.100.0/24", 5),
                event("route-leak", "198.51.100.0/24", 6),
            ])
            .await
            .unwrap();
        let list = |q: &'static str| {
            let store = &store;
            async move {
                let (alerts, _) = stored_alerts(store, &filter(q)).await.unwrap();
                alerts
                    .iter()
                    .map(|a| {
                        (
                            a.event.subject.clone(),
                            a.kind.as_str(),
                            a.resolved_at.map(|t| t.as_unix_secs() - 1_700_000_000),
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        let all = list("").await;
        assert_eq!(
            all,
            [
                ("198.51.100.0/24".to_owned(), "route-leak", None),
                ("198.51.100.0/24".to_owned(), "route-leak", Some(5)),
                ("192.0.2.128/25".to_owned(), "subprefix-hijack", None),
                ("192.0.2.0/24".to_owned(), "origin-hijack", Some(2)),
            ]
        );
        assert_eq!(list("status=open").await.len(), 2);
        assert_eq!(list("status=resolved").await.len(), 2);
        assert_eq!(
            list("prefix=192.0.2.0/24").await.len(),
            2,
            "the /24 and the /25 inside it"
        );
        assert_eq!(list("prefix=192.0.2.0/24&match=exact").await.len(), 1);
        assert_eq!(list("kind=route-leak&limit=1").await[0].2, None);
        assert_eq!(list("since=2023-11-14T22:13:24Z").await.len(), 2);
    }
}

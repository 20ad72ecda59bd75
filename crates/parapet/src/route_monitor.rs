//! The live route monitor: the BMP listener's sessions and the RIS Live client feed one
//! task that owns the BMP station, the RIS Live feed state and the engine; every report
//! (route alert or feed health) is printed (`routes watch`), stored as an event, and
//! submitted to the alert pipeline.
//!
//! `parapet routes watch` runs it alone; `parapet serve` runs it beside the gateway when
//! the config has a live feed (`[routes.bmp]`, `[routes.ris_live]`).

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use parapet_alerts::Pipeline;
use parapet_config::{Config, Routes};
use parapet_core::Timestamp;
use parapet_routes::bmp::{self, ListenOptions, MonitoredSpace, Station, Timing};
use parapet_routes::rislive::{self, RisFeed, RisInput};
use parapet_routes::{Engine, Report};
use parapet_store::Store;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::AlertFormat;

/// Inputs queued between the session tasks and the engine; beyond it, the sessions wait
/// (TCP back-pressure on the routers) and nothing is lost.
const QUEUE: usize = 4096;
/// How often the station's deadlines (hold time, resync, silence) are checked.
const TICK: Duration = Duration::from_secs(1);

/// The route monitor's counters, served on the admin listener's `/metrics` by `serve`
/// (through [`MetricsModule`]). Cheap clones of one set of atomics.
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

/// Puts the route monitor's [`Metrics`] beside the gateway's on `/metrics`; it has no
/// request phases.
pub struct MetricsModule(pub Metrics);

impl parapet_gateway::HttpModule for MetricsModule {
    fn name(&self) -> &'static str {
        "route-monitor"
    }

    fn register_metrics(&self, registry: &mut Registry) {
        self.0.register(registry);
    }
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
    shutdown: CancellationToken,
) -> anyhow::Result<JoinHandle<()>> {
    if !routes.has_live_feed() {
        anyhow::bail!(
            "no live feed is configured: add [routes.bmp] or [routes.ris_live] (see docs/routes.md)"
        );
    }
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
            _ = tick.tick() => feeds.station.tick(&mut engine, Timestamp::now(), &mut out),
        }
        metrics.sync(
            &feeds.station.stats(),
            &mut last,
            feeds.station.connected_routers(),
        );
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

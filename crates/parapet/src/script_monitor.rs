//! The script monitor's telemetry inside the gateway: the `HttpModule` that adds the
//! report-only policy to monitored sites' HTML pages and answers browsers' reports on the
//! sites themselves. The policy, tokens and report parsing are `parapet-scripts`'; this file
//! only joins them to the gateway's phases (services never depend on each other).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::api::json;
use anyhow::Context as _;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{request, response, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use parapet_alerts::Pipeline;
use parapet_config::Config;
use parapet_core::inventory::{Sighting, INACTIVE_AFTER};
use parapet_core::Timestamp;
use parapet_gateway::body;
use parapet_gateway::phases::{HttpModule, RequestAction, RequestCtx, ServeFuture};
use parapet_scripts::inventory;
use parapet_scripts::report::{self, BodyKind, DropReason, Report, UrlPolicy};
use parapet_scripts::telemetry::{Extras, Telemetry, Tokens, REPORT_PATH};
use parapet_store::Store;

use crate::script_fetcher::ScriptFetcher;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const CSP_REPORT_ONLY: HeaderName = HeaderName::from_static("content-security-policy-report-only");
const REPORTING_ENDPOINTS: HeaderName = HeaderName::from_static("reporting-endpoints");

/// The key file in the state directory: tokens stay valid across restarts.
const KEY_FILE: &str = "script-monitor.key";

struct Site {
    telemetry: Telemetry,
    urls: UrlPolicy,
    /// Reports naming these hosts (or their subdomains) are noise.
    ignore_hosts: Arc<[String]>,
    limiter: Mutex<Limiter>,
}

/// Whether `url`'s host is one of `hosts` or below one.
fn ignored(url: &str, hosts: &[String]) -> bool {
    let Some(host) = report::host_of(url) else {
        return false;
    };
    hosts.iter().any(|h| {
        host == *h
            || host
                .strip_suffix(h.as_str())
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// What the endpoint did, for `/metrics`: reports taken by kind, reports dropped and
/// requests refused by reason.
#[derive(Default)]
pub struct Counters {
    taken: Family<KindLabel, Counter>,
    dropped: Family<ReasonLabel, Counter>,
    refused: Family<ReasonLabel, Counter>,
    /// The writer: sightings committed to the store, transactions, failed attempts,
    /// sightings set aside in the spill file and later replayed from it, and sightings
    /// lost because the spill file was full.
    written: Counter,
    commits: Counter,
    store_errors: Counter,
    spilled: Counter,
    replayed: Counter,
    lost: Counter,
}

impl Counters {
    fn refuse(&self, reason: &'static str) {
        self.refused.get_or_create(&ReasonLabel { reason }).inc();
    }
    fn drop_report(&self, reason: DropReason) {
        self.dropped
            .get_or_create(&ReasonLabel {
                reason: reason.as_str(),
            })
            .inc();
    }
}

/// Clients remembered by the limiter; beyond it, the idlest half is forgotten.
const MAX_TRACKED_CLIENTS: usize = 100_000;

/// A token bucket.
#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Self {
        Bucket {
            tokens: burst,
            at: now,
        }
    }

    /// Takes `n` tokens if there are, refilling at `rate` up to `burst` first.
    fn take(&mut self, n: f64, rate: f64, burst: f64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.at = now;
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }
}

/// Token-bucket rates, requests per second and burst.
#[derive(Clone, Copy)]
struct Rates {
    client_rate: f64,
    client_burst: f64,
    site_rate: f64,
    site_burst: f64,
}

/// A site's buckets: one per client address and one for everyone: a flood from one
/// client, or from many, is refused before its body is read.
struct Limiter {
    rates: Rates,
    clients: HashMap<IpAddr, Bucket>,
    global: Bucket,
}

impl Limiter {
    fn new(rates: Rates) -> Self {
        Limiter {
            rates,
            clients: HashMap::new(),
            global: Bucket::full(rates.site_burst, Instant::now()),
        }
    }

    fn admit(&mut self, client: IpAddr, now: Instant) -> bool {
        if self.clients.len() >= MAX_TRACKED_CLIENTS && !self.clients.contains_key(&client) {
            // Forget the clients idle longest: a bounded map whatever the addresses.
            let mut ages: Vec<Instant> = self.clients.values().map(|b| b.at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            self.clients.retain(|_, b| b.at > cut);
        }
        let r = self.rates;
        let bucket = self
            .clients
            .entry(client)
            .or_insert_with(|| Bucket::full(r.client_burst, now));
        bucket.take(1.0, r.client_rate, r.client_burst, now)
            && self.global.take(1.0, r.site_rate, r.site_burst, now)
    }
}

pub struct ScriptMonitor {
    sites: HashMap<String, Site>,
    tokens: Tokens,
    counters: Arc<Counters>,
    /// Sightings on their way to the store (see [`writer`]).
    sightings: mpsc::Sender<Sighting>,
    /// For the admin API's reads.
    store: Arc<dyn Store>,
}

/// Sightings waiting for the writer at most; beyond it the endpoint answers 503.
const QUEUE: usize = 50_000;
/// The writer commits at least this often while sightings arrive, so that a report
/// acknowledged a second before a crash is in the store.
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// Most sightings in one transaction.
const BATCH: usize = 2_000;
/// While it gathers a batch, the writer looks at its queue this often.
const GATHER_TICK: Duration = Duration::from_millis(5);
/// How often the writer looks for items that became inactive.
const INACTIVE_SCAN: Duration = Duration::from_secs(600);

impl ScriptMonitor {
    /// The module for the sites of `config` with `[sites.script_monitor]`; `None` when no
    /// site has it.
    ///
    /// Also starts the writer that records reports in `store` and submits new items to
    /// `alerts` (and, when there is a `fetcher`, hands it new items and reported hashes);
    /// it stops, after a last commit, when `shutdown` fires (await the handle).
    pub fn from_config(
        config: &Config,
        store: Arc<dyn Store>,
        alerts: Arc<Pipeline>,
        fetcher: Option<Arc<ScriptFetcher>>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Option<(Arc<Self>, JoinHandle<()>)>> {
        let sites: HashMap<String, Site> = config
            .sites
            .iter()
            .filter_map(|s| {
                let m = s.script_monitor.as_ref()?;
                let mut extras = Extras::default();
                extras.images = m.images;
                extras.form_actions = m.form_actions;
                extras.frames = m.frames;
                Some((
                    s.name.clone(),
                    Site {
                        telemetry: Telemetry::new(m.sample_rate, m.sensitive_paths.clone(), extras),
                        urls: UrlPolicy {
                            full_urls: m.full_urls,
                        },
                        ignore_hosts: m.ignore_hosts.clone().into(),
                        limiter: Mutex::new(Limiter::new(Rates {
                            client_rate: m.client_rate,
                            client_burst: m.client_burst,
                            site_rate: m.site_rate,
                            site_burst: m.site_burst,
                        })),
                    },
                ))
            })
            .collect();
        if sites.is_empty() {
            return Ok(None);
        }
        let key = key(&config.server.state_dir)?;
        let sensitive: HashMap<String, Telemetry> = sites
            .iter()
            .map(|(k, v)| (k.clone(), v.telemetry.clone()))
            .collect();
        let (tx, rx) = mpsc::channel(QUEUE);
        let counters: Arc<Counters> = Arc::default();
        let writer = tokio::spawn(writer(
            rx,
            Writer {
                store: store.clone(),
                alerts,
                sites: sensitive,
                counters: Arc::clone(&counters),
                spill: config.server.state_dir.join(SPILL_FILE),
                fetcher,
            },
            shutdown,
        ));
        let module = Arc::new(ScriptMonitor {
            sites,
            tokens: Tokens::new(key),
            counters,
            sightings: tx,
            store,
        });
        Ok(Some((module, writer)))
    }

    fn site<'a>(&'a self, ctx: &RequestCtx) -> Option<(&'a str, &'a Site)> {
        let name = ctx.site.as_deref()?;
        self.sites.get_key_value(name).map(|(k, v)| (k.as_str(), v))
    }
}

/// The token key: read from the state directory, made (32 random bytes) on first start.
pub(crate) fn key(state_dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = state_dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(k) if k.len() >= 32 => Ok(k),
        Ok(_) => anyhow::bail!(
            "{}: too short to be a key; remove it to make a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let k: [u8; 32] = rand::random();
            std::fs::create_dir_all(state_dir)
                .with_context(|| format!("cannot create {}", state_dir.display()))?;
            write_private(&path, &k).with_context(|| format!("cannot write {}", path.display()))?;
            Ok(k.to_vec())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn status(code: StatusCode) -> Response<body::Body> {
    let mut r = Response::new(body::empty());
    *r.status_mut() = code;
    r
}

impl HttpModule for ScriptMonitor {
    fn name(&self) -> &'static str {
        "script-monitor"
    }

    fn request_filter(&self, req: &request::Parts, ctx: &RequestCtx) -> RequestAction {
        if req.uri.path() == REPORT_PATH && self.site(ctx).is_some() {
            RequestAction::Serve
        } else {
            RequestAction::Continue
        }
    }

    fn serve(&self, req: Request<Incoming>, ctx: &RequestCtx) -> ServeFuture {
        // Everything the future needs, owned: the checks that need no body run here.
        let verdict = (|| {
            let (site, s) = self.site(ctx).ok_or(("site", StatusCode::NOT_FOUND))?;
            if req.method() != Method::POST {
                return Err(("method", StatusCode::METHOD_NOT_ALLOWED));
            }
            let token = req
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("t=")))
                .unwrap_or_default();
            if !self.tokens.verify(site, token, unix_now()) {
                return Err(("token", StatusCode::FORBIDDEN));
            }
            let kind = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(BodyKind::from_content_type)
                .ok_or(("content_type", StatusCode::UNSUPPORTED_MEDIA_TYPE))?;
            let admitted = s
                .limiter
                .lock()
                .map(|mut l| l.admit(ctx.client.ip(), Instant::now()))
                .unwrap_or(false);
            if !admitted {
                return Err(("rate_limited", StatusCode::TOO_MANY_REQUESTS));
            }
            Ok((site.to_owned(), kind, s.urls, Arc::clone(&s.ignore_hosts)))
        })();
        let (site, kind, urls, ignore_hosts) = match verdict {
            Ok(v) => v,
            Err((reason, code)) => {
                self.counters.refuse(reason);
                tracing::debug!(request_id = %ctx.request_id, reason, status = code.as_u16(), "CSP report refused");
                return Box::pin(async move { status(code) });
            }
        };
        let host = ctx.host.clone();
        let request_id = ctx.request_id.clone();
        let body = req.into_body();
        let counts = Arc::clone(&self.counters);
        let queue = self.sightings.clone();
        Box::pin(async move {
            let bytes = match Limited::new(body, report::MAX_BODY_BYTES).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    let too_large = e.is::<http_body_util::LengthLimitError>();
                    counts.refuse(if too_large { "too_large" } else { "body" });
                    tracing::debug!(request_id = %request_id, error = %e, "CSP report body not read");
                    return status(if too_large {
                        StatusCode::PAYLOAD_TOO_LARGE
                    } else {
                        StatusCode::BAD_REQUEST
                    });
                }
            };
            let parsed = report::parse(kind, &bytes, urls);
            // Room for all of this body's sightings, or none: a report is acknowledged only
            // when it will be written. The places are reserved at once, so that concurrent
            // bodies cannot both count on the same free room.
            let mut permits = match parsed.reports.len() {
                0 => None,
                n => match queue.try_reserve_many(n) {
                    Ok(p) => Some(p),
                    Err(_) => {
                        counts.refuse("overloaded");
                        return status(StatusCode::SERVICE_UNAVAILABLE);
                    }
                },
            };
            let now = Timestamp::now();
            for r in &parsed.reports {
                // The endpoint is on the site: a report about a page elsewhere is forged
                // or misdirected.
                if report::host_of(r.document()).as_deref() != Some(host.as_str()) {
                    counts.drop_report(DropReason::OffSite);
                    continue;
                }
                let named = match r {
                    Report::Hash(h) => Some(h.subresource.as_str()),
                    Report::Violation(v) => match &v.blocked {
                        report::Blocked::Url(u) | report::Blocked::Origin(u) => Some(u.as_str()),
                        _ => v.source_file.as_deref(),
                    },
                    _ => None,
                };
                if named.is_some_and(|u| ignored(u, &ignore_hosts)) {
                    counts.drop_report(DropReason::Ignored);
                    continue;
                }
                let kind = match r {
                    Report::Hash(_) => "hash",
                    _ => "violation",
                };
                counts.taken.get_or_create(&KindLabel { kind }).inc();
                log_report(&site, r);
                if let Some(s) = inventory::sighting(&site, r, now) {
                    // One permit was reserved per report, so there is always one here.
                    if let Some(permit) = permits.as_mut().and_then(Iterator::next) {
                        permit.send(s);
                    }
                }
            }
            for reason in &parsed.dropped {
                counts.drop_report(*reason);
                tracing::debug!(site = %site, reason = reason.as_str(), "CSP report dropped");
            }
            status(StatusCode::NO_CONTENT)
        })
    }

    /// `GET /api/v1/scripts/inventory?site=NAME[&limit=N]`: a site's inventory, most recently
    /// seen first; `GET /api/v1/scripts/events[?limit=N]`: the script monitor's events,
    /// newest first. JSON; every string in it came from browsers' reports, so clients must
    /// treat it as text (the admin listener sends `nosniff`).
    fn admin_route(&self, req: &request::Parts) -> Option<ServeFuture> {
        #[derive(Clone, Copy)]
        enum Query {
            Inventory,
            Domains,
            Events,
        }
        let query = match req.uri.path() {
            "/api/v1/scripts/inventory" => Query::Inventory,
            "/api/v1/scripts/domains" => Query::Domains,
            "/api/v1/scripts/events" => Query::Events,
            _ => return None,
        };
        let params = req.uri.query().unwrap_or_default();
        let param = |name: &str| {
            url::form_urlencoded::parse(params.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let limit = param("limit")
            .and_then(|l| l.parse::<u32>().ok())
            .unwrap_or(100);
        // The per-site queries need a monitored site; events do not.
        let site = param("site").filter(|s| self.sites.contains_key(s));
        if site.is_none() && !matches!(query, Query::Events) {
            return Some(Box::pin(async {
                json(
                    StatusCode::NOT_FOUND,
                    &serde_json::json!({"error": "no monitored site by that name"}),
                )
            }));
        }
        let site = site.unwrap_or_default();
        let store = Arc::clone(&self.store);
        Some(Box::pin(async move {
            let answer = match query {
                Query::Inventory => store.inventory(&site, limit).await.map(|items| {
                    let now = Timestamp::now();
                    items
                        .iter()
                        .map(|i| {
                            let mut v = serde_json::to_value(i).unwrap_or_default();
                            if let Some(o) = v.as_object_mut() {
                                o.insert("status".into(), serde_json::json!(i.status(now)));
                            }
                            v
                        })
                        .collect::<Vec<_>>()
                        .into()
                }),
                Query::Domains => store
                    .domains(&site, limit)
                    .await
                    .map(|d| serde_json::to_value(d).unwrap_or_default()),
                Query::Events => {
                    let q = parapet_store::EventQuery::new()
                        .service(parapet_core::Service::Scripts)
                        .limit(limit);
                    store
                        .events(&q)
                        .await
                        .map(|e| serde_json::to_value(e).unwrap_or_default())
                }
            };
            crate::api::answer(answer)
        }))
    }

    fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "csp_reports",
            "CSP reports taken by the script monitor's endpoint, by kind",
            self.counters.taken.clone(),
        );
        registry.register(
            "csp_reports_dropped",
            "CSP reports dropped, by reason",
            self.counters.dropped.clone(),
        );
        registry.register(
            "csp_report_requests_refused",
            "Requests to the CSP report endpoint refused before reading, by reason",
            self.counters.refused.clone(),
        );
        let c = &self.counters;
        for (name, help, counter) in [
            (
                "script_sightings_written",
                "Sightings the script monitor committed to the store",
                &c.written,
            ),
            (
                "script_store_commits",
                "Transactions the script monitor's writer committed",
                &c.commits,
            ),
            (
                "script_store_errors",
                "Failed attempts to write sightings to the store",
                &c.store_errors,
            ),
            (
                "script_sightings_spilled",
                "Sightings set aside in the spill file while the store failed",
                &c.spilled,
            ),
            (
                "script_sightings_replayed",
                "Sightings replayed from the spill file into the store",
                &c.replayed,
            ),
            (
                "script_sightings_lost",
                "Sightings lost because the spill file was full",
                &c.lost,
            ),
        ] {
            registry.register(name, help, counter.clone());
        }
    }

    fn response_filter(&self, resp: &mut response::Parts, ctx: &RequestCtx) {
        let Some((site, s)) = self.site(ctx) else {
            return;
        };
        let html = resp
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html"))
            });
        if !html || !s.telemetry.sampled(ctx.uri.path(), rand::random::<f64>()) {
            return;
        }
        let endpoint = self.tokens.endpoint(site, unix_now());
        // The Reporting API (and with it script hashes) only over HTTPS; see
        // `Telemetry::policy`. Appended, never replacing: the application's own policies
        // stay as they are.
        if let Ok(v) = HeaderValue::from_str(&s.telemetry.policy(&endpoint, ctx.tls)) {
            resp.headers.append(CSP_REPORT_ONLY, v);
        }
        if ctx.tls {
            if let Ok(v) = HeaderValue::from_str(&Telemetry::reporting_endpoints(&endpoint)) {
                resp.headers.append(REPORTING_ENDPOINTS, v);
            }
        }
    }
}

/// Records sightings in batches (one transaction each, at least every [`FLUSH_EVERY`]) and
/// turns the items new to their site into events: stored, and submitted to the alert
/// pipeline. A failed commit is retried (the batch is kept); at shutdown what is queued is
/// written before the task ends.
/// What the writer needs besides its queue.
struct Writer {
    store: Arc<dyn Store>,
    alerts: Arc<Pipeline>,
    /// Each site's telemetry, to tell sensitive pages.
    sites: HashMap<String, Telemetry>,
    counters: Arc<Counters>,
    /// Where sightings wait while the store cannot take them.
    spill: PathBuf,
    /// The script fetcher, told of new items and reported hashes.
    fetcher: Option<Arc<ScriptFetcher>>,
}

async fn writer(mut rx: mpsc::Receiver<Sighting>, w: Writer, shutdown: CancellationToken) {
    let mut batch: Vec<Sighting> = Vec::new();
    let mut scan = tokio::time::interval(INACTIVE_SCAN);
    // Sightings spilled by an earlier run (or this one) go in first.
    let mut spill_pending = w.spill.exists();
    loop {
        if spill_pending {
            spill_pending = !w.replay().await;
        }
        let open = tokio::select! {
            biased;
            got = rx.recv() => match got {
                Some(s) => { batch.push(s); true }
                None => false,
            },
            () = shutdown.cancelled() => false,
            _ = scan.tick() => {
                mark_inactive(&w.store, &w.alerts).await;
                continue;
            }
        };
        if open {
            // Gather what arrives within the flush interval, up to a batch. The queue is
            // looked at every GATHER_TICK instead of waking the writer for each sighting:
            // at tens of thousands of reports a second, a wake-up per report costs more
            // than the report.
            let deadline = tokio::time::Instant::now() + FLUSH_EVERY;
            loop {
                let mut closed = false;
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(s) => batch.push(s),
                        Err(mpsc::error::TryRecvError::Empty) => break,
                        Err(mpsc::error::TryRecvError::Disconnected) => {
                            closed = true;
                            break;
                        }
                    }
                }
                let now = tokio::time::Instant::now();
                if closed || batch.len() >= BATCH || now >= deadline {
                    break;
                }
                tokio::time::sleep_until(deadline.min(now + GATHER_TICK)).await;
            }
        } else {
            // Shutting down: take everything still queued.
            rx.close();
            while let Ok(s) = rx.try_recv() {
                batch.push(s);
            }
        }
        if !batch.is_empty() && !w.commit(&mut batch).await {
            spill_pending = true;
        }
        if !open {
            return;
        }
    }
}

/// The spill file, in the state directory: JSON lines of sightings.
const SPILL_FILE: &str = "script-monitor.spill.jsonl";
/// The spill file grows to this at most; beyond it sightings are lost (and counted).
const MAX_SPILL_BYTES: u64 = 256 * 1024 * 1024;
/// How long the writer retries a batch before it spills it.
const RETRY_FOR: Duration = Duration::from_secs(10);

impl Writer {
    /// Records `batch` (emptying it), retrying for [`RETRY_FOR`]; when the store still
    /// fails, the batch goes to the spill file and `false` is returned. Acknowledged
    /// reports are never dropped while there is room on disk.
    async fn commit(&self, batch: &mut Vec<Sighting>) -> bool {
        let mut wait = Duration::from_millis(100);
        let started = Instant::now();
        let new = loop {
            match self.store.record_sightings(batch).await {
                Ok(new) => break new,
                Err(e) => {
                    self.counters.store_errors.inc();
                    if started.elapsed() >= RETRY_FOR {
                        tracing::error!(error = %e, sightings = batch.len(), spill = %self.spill.display(), "cannot record sightings; set aside in the spill file");
                        self.spill(batch);
                        batch.clear();
                        return false;
                    }
                    tracing::error!(error = %e, sightings = batch.len(), "cannot record sightings; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
            }
        };
        self.counters.commits.inc();
        self.counters.written.inc_by(batch.len() as u64);
        self.hand_over(&new, batch);
        batch.clear();
        self.announce(new).await;
        true
    }

    /// Tells the script fetcher of recorded sightings: new scripts and reported hashes.
    fn hand_over(&self, new: &[parapet_core::inventory::NewItem], recorded: &[Sighting]) {
        if let Some(f) = &self.fetcher {
            f.new_items(new);
            f.reported(recorded);
        }
    }

    /// Events and alerts for items new to their site.
    async fn announce(&self, new: Vec<parapet_core::inventory::NewItem>) {
        if new.is_empty() {
            return;
        }
        let events: Vec<_> = new
            .iter()
            .map(|item| {
                let sensitive = self
                    .sites
                    .get(&item.site)
                    .is_some_and(|t| url_path(&item.page).is_some_and(|p| t.is_sensitive(&p)));
                inventory::new_item_event(item, sensitive)
            })
            .collect();
        if let Err(e) = self.store.insert_events(&events).await {
            tracing::error!(error = %e, "cannot store new-item events");
        }
        for e in events {
            tracing::info!(target: "parapet::csp", kind = %e.kind, subject = %e.subject, summary = %e.summary, "new inventory item");
            let alerts = Arc::clone(&self.alerts);
            tokio::spawn(async move {
                alerts.submit(e).await;
            });
        }
    }

    /// Appends `batch` to the spill file, as far as [`MAX_SPILL_BYTES`] allows.
    fn spill(&self, batch: &[Sighting]) {
        match self.write_spill(batch, false) {
            Ok(kept) => {
                self.counters.spilled.inc_by(kept);
                let lost = batch.len() as u64 - kept;
                if lost > 0 {
                    self.counters.lost.inc_by(lost);
                    tracing::error!(lost, "the spill file is full: sightings lost");
                }
            }
            Err(e) => {
                self.counters.lost.inc_by(batch.len() as u64);
                tracing::error!(error = %e, lost = batch.len(), "cannot write the spill file: sightings lost");
            }
        }
    }

    /// Writes `batch` to the spill file (appended, or replacing it), synced; returns how
    /// many sightings fit under [`MAX_SPILL_BYTES`].
    fn write_spill(&self, batch: &[Sighting], replace: bool) -> std::io::Result<u64> {
        use std::io::Write as _;
        let size = if replace {
            0
        } else {
            std::fs::metadata(&self.spill).map_or(0, |m| m.len())
        };
        let mut lines = Vec::new();
        let mut kept = 0u64;
        for s in batch {
            let Ok(line) = serde_json::to_vec(s) else {
                continue;
            };
            if size + (lines.len() + line.len() + 1) as u64 > MAX_SPILL_BYTES {
                break;
            }
            lines.extend_from_slice(&line);
            lines.push(b'\n');
            kept += 1;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(!replace)
            .truncate(replace)
            .open(&self.spill)?;
        f.write_all(&lines)?;
        f.sync_data()?;
        Ok(kept)
    }

    /// Records the spill file's sightings and removes it; `false` (the file kept) when the
    /// store still fails. Lines that do not parse are counted and skipped.
    async fn replay(&self) -> bool {
        let text = match tokio::fs::read(&self.spill).await {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the spill file");
                return false;
            }
        };
        let mut sightings = Vec::new();
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            match serde_json::from_slice::<Sighting>(line) {
                Ok(s) => sightings.push(s),
                Err(e) => {
                    self.counters.lost.inc();
                    tracing::warn!(error = %e, "a spilled sighting does not parse; skipped");
                }
            }
        }
        for (i, chunk) in sightings.chunks(BATCH).enumerate() {
            match self.store.record_sightings(chunk).await {
                Ok(new) => {
                    self.counters.commits.inc();
                    self.counters.written.inc_by(chunk.len() as u64);
                    self.counters.replayed.inc_by(chunk.len() as u64);
                    self.hand_over(&new, chunk);
                    self.announce(new).await;
                }
                Err(e) => {
                    self.counters.store_errors.inc();
                    tracing::warn!(error = %e, "the store still fails; the spill file waits");
                    // Keep only what is not recorded yet, so nothing is counted twice.
                    let rest = &sightings[i * BATCH..];
                    if let Err(e) = self.write_spill(rest, true) {
                        tracing::error!(error = %e, "cannot rewrite the spill file");
                    }
                    return false;
                }
            }
        }
        if let Err(e) = tokio::fs::remove_file(&self.spill).await {
            tracing::error!(error = %e, "cannot remove the replayed spill file");
        }
        tracing::info!(sightings = sightings.len(), "spilled sightings recorded");
        true
    }
}

/// Items not reported for [`INACTIVE_AFTER`] are marked inactive, once each, with an event.
async fn mark_inactive(store: &Arc<dyn Store>, alerts: &Arc<Pipeline>) {
    let now = Timestamp::now();
    let idle_before = now.saturating_sub(INACTIVE_AFTER);
    let gone = match store.mark_inactive(idle_before, now).await {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "cannot check for inactive items");
            return;
        }
    };
    if gone.is_empty() {
        return;
    }
    let events: Vec<_> = gone.iter().map(inventory::inactive_item_event).collect();
    if let Err(e) = store.insert_events(&events).await {
        tracing::error!(error = %e, "cannot store inactive-item events");
    }
    for e in events {
        let alerts = Arc::clone(alerts);
        tokio::spawn(async move {
            alerts.submit(e).await;
        });
    }
}

fn url_path(url: &str) -> Option<String> {
    Some(url::Url::parse(url).ok()?.path().to_owned())
}

/// One line per report: what the inventory will be built from.
fn log_report(site: &str, r: &Report) {
    match r {
        Report::Violation(v) => tracing::info!(
            target: "parapet::csp",
            site,
            kind = "violation",
            directive = %v.directive,
            blocked = ?v.blocked,
            document = ?v.document,
            "CSP report"
        ),
        Report::Hash(h) => tracing::info!(
            target: "parapet::csp",
            site,
            kind = "hash",
            subresource = ?h.subresource,
            hash = %h.hash,
            document = ?h.document,
            "CSP report"
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_hosts_cover_their_subdomains_only() {
        let hosts = vec!["ads.example".to_owned()];
        assert!(ignored("https://ads.example/x.js", &hosts));
        assert!(ignored("https://cdn.ads.example/x.js", &hosts));
        assert!(!ignored("https://badads.example/x.js", &hosts));
        assert!(!ignored("https://ads.example.evil/x.js", &hosts));
        assert!(!ignored("not a url", &hosts));
    }
}

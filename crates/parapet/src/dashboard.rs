//! The dashboard: server-rendered pages on the admin listener for a security engineer —
//! the sites, each site's script and connection inventory with filters, one item's detail
//! (where it was seen, the hashes browsers reported, its history), the alerts, and the
//! route monitor's alerts (open or resolved) with its feeds' health.
//!
//! The gateway's admin listener signs the operator in and adds the page headers (a CSP with
//! no scripts, no framing); this module only reads the store and renders. Every string
//! shown came, in the end, from a browser's report and is hostile: the templates
//! (`templates/`, askama) escape everything they print, and report-derived URLs are never
//! put into a link's target — links go to the dashboard's own pages, with the value
//! percent-encoded as a query parameter.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{request, Response, StatusCode};
use parapet_config::{Config, HostPattern};
use parapet_core::inventory::{InventoryItem, ItemKind, ItemStatus};
use parapet_core::{Event, Service, Severity, Timestamp};
use parapet_gateway::body;
use parapet_gateway::phases::{HttpModule, ServeFuture};
use parapet_scripts::inventory::registrable_domain;
use parapet_store::{EventQuery, Store, MAX_EVENT_LIMIT};

use crate::route_monitor::{self, Asker};

/// Rows shown on one inventory page; the count of all matches is shown beside them.
pub const MAX_ROWS: usize = 500;
/// Alerts shown on the alerts page, and on the front page.
const ALERT_ROWS: u32 = 200;
const FRONT_PAGE_ALERTS: u32 = 10;
/// Access decisions read for the access page (the newest first); filters apply to these.
const ACCESS_SCAN: u32 = 2_000;
/// Events searched for one item's history.
const HISTORY_SCAN: u32 = 2_000;
/// "New" on the front page: first seen within this window.
const NEW_WITHIN: Duration = Duration::from_secs(24 * 3600);

struct SiteInfo {
    name: String,
    hosts: String,
    monitored: bool,
    /// The blocking keys and URL policy of a monitored site.
    blocking: Option<(
        parapet_config::ScriptBlocking,
        parapet_scripts::report::UrlPolicy,
    )>,
}

pub struct Dashboard {
    store: Arc<dyn Store>,
    sites: Arc<[SiteInfo]>,
    /// The access applications' names, for the access page's filter.
    access_apps: Arc<[String]>,
    /// The route monitor's live state (feeds' health), when one runs.
    routes: Option<Asker>,
}

impl Dashboard {
    pub fn new(config: &Config, store: Arc<dyn Store>, routes: Option<Asker>) -> Arc<Self> {
        let sites = config
            .sites
            .iter()
            .map(|s| SiteInfo {
                name: s.name.clone(),
                hosts: s
                    .hosts
                    .iter()
                    .map(|h| match h {
                        HostPattern::Any => "*".to_owned(),
                        HostPattern::Suffix(s) => format!("*{s}"),
                        HostPattern::Exact(s) => s.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                monitored: s.script_monitor.is_some(),
                blocking: s.script_monitor.as_ref().map(|m| {
                    (
                        m.blocking.clone(),
                        parapet_scripts::report::UrlPolicy {
                            full_urls: m.full_urls,
                        },
                    )
                }),
            })
            .collect();
        let access_apps = config
            .access
            .iter()
            .flat_map(|a| a.apps.iter().map(|app| app.name.clone()))
            .collect();
        Arc::new(Dashboard {
            store,
            sites,
            access_apps,
            routes,
        })
    }

    fn monitored(&self, site: Option<&str>) -> Option<String> {
        let site = site?;
        self.sites
            .iter()
            .find(|s| s.monitored && s.name == site)
            .map(|s| s.name.clone())
    }
}

impl HttpModule for Dashboard {
    fn name(&self) -> &'static str {
        "dashboard"
    }

    fn admin_route(&self, req: &request::Parts) -> Option<ServeFuture> {
        let params = Params::parse(req.uri.query());
        let store = Arc::clone(&self.store);
        let page: ServeFuture = match req.uri.path() {
            "/" => {
                let sites = Arc::clone(&self.sites);
                Box::pin(async move { render(overview(&*store, &sites).await) })
            }
            path @ ("/scripts" | "/connections") => {
                let connections = path == "/connections";
                let Some(site) = self.monitored(params.get("site")) else {
                    return Some(not_found("no monitored site by that name"));
                };
                let filter = InventoryFilter::from(&params);
                Box::pin(async move { render(inventory(&*store, site, connections, filter).await) })
            }
            "/item" => {
                let Some(site) = self.monitored(params.get("site")) else {
                    return Some(not_found("no monitored site by that name"));
                };
                let Some(kind) = params.get("kind").and_then(ItemKind::parse) else {
                    return Some(not_found("no such kind of item"));
                };
                let url = params.get("url").unwrap_or_default().to_owned();
                let blocking = self
                    .sites
                    .iter()
                    .find(|s| s.name == site)
                    .and_then(|s| s.blocking.clone());
                let back = req
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                Box::pin(
                    async move { render(item(&*store, site, kind, url, blocking, back).await) },
                )
            }
            "/domains" => {
                let Some(site) = self.monitored(params.get("site")) else {
                    return Some(not_found("no monitored site by that name"));
                };
                Box::pin(async move {
                    render(store.domains(&site, MAX_EVENT_LIMIT).await.map(|rows| {
                        Some(DomainsPage {
                            site,
                            rows: rows
                                .into_iter()
                                .map(|d| DomainRow {
                                    domain: d.domain,
                                    first_seen: d.first_seen,
                                    last_seen: d.last_seen,
                                    reports: d.reports,
                                })
                                .collect(),
                        })
                    }))
                })
            }
            "/alerts" => {
                let filter = AlertFilter::from(&params);
                Box::pin(async move { render(alerts(&*store, filter).await) })
            }
            "/access" => {
                let filter = AccessFilter::from(&params);
                let apps = Arc::clone(&self.access_apps);
                Box::pin(async move { render(access_page(&*store, &apps, filter).await) })
            }
            "/routes" => {
                let form = RoutesForm::from(&params);
                let routes = self.routes.clone();
                Box::pin(async move { render(routes_page(&*store, routes, form).await) })
            }
            _ => return None,
        };
        Some(page)
    }
}

/// A page's query parameters (the last value of each name wins).
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: Option<&str>) -> Self {
        Params(
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn string(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }
}

fn render<T: Template>(page: parapet_store::Result<Option<T>>) -> Response<body::Body> {
    match page {
        Ok(Some(page)) => match page.render() {
            Ok(html) => html_response(StatusCode::OK, html),
            Err(e) => {
                tracing::error!(error = %e, "dashboard page failed to render");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the page failed to render\n",
                )
            }
        },
        Ok(None) => plain(StatusCode::NOT_FOUND, "not found\n"),
        Err(e) => {
            tracing::error!(error = %e, "dashboard query failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "store error\n")
        }
    }
}

fn not_found(msg: &'static str) -> ServeFuture {
    Box::pin(async move { plain(StatusCode::NOT_FOUND, msg) })
}

fn html_response(status: StatusCode, html: String) -> Response<body::Body> {
    let mut resp = Response::new(body::full(html));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

fn plain(status: StatusCode, msg: &'static str) -> Response<body::Body> {
    let mut resp = Response::new(body::full(msg));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

fn status_name(s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Active => "active",
        ItemStatus::Infrequent => "infrequent",
        ItemStatus::Inactive => "inactive",
    }
}

// ------------------------------------------------------------------ front page

struct SiteCard {
    name: String,
    hosts: String,
    monitored: bool,
    scripts: usize,
    connections: usize,
    new_scripts: usize,
    new_connections: usize,
    domains: usize,
    active: usize,
    infrequent: usize,
    inactive: usize,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    sites: Vec<SiteCard>,
    events: Vec<EventRow>,
}

async fn overview(
    store: &dyn Store,
    sites: &[SiteInfo],
) -> parapet_store::Result<Option<OverviewPage>> {
    let now = Timestamp::now();
    let recent = now.saturating_sub(NEW_WITHIN);
    let mut cards = Vec::with_capacity(sites.len());
    for s in sites {
        let mut card = SiteCard {
            name: s.name.clone(),
            hosts: s.hosts.clone(),
            monitored: s.monitored,
            scripts: 0,
            connections: 0,
            new_scripts: 0,
            new_connections: 0,
            domains: 0,
            active: 0,
            infrequent: 0,
            inactive: 0,
        };
        if s.monitored {
            for item in store.inventory(&s.name, MAX_EVENT_LIMIT).await? {
                let new = item.first_seen >= recent;
                if item.kind == ItemKind::Connection {
                    card.connections += 1;
                    card.new_connections += usize::from(new);
                } else {
                    card.scripts += 1;
                    card.new_scripts += usize::from(new);
                }
                match item.status(now) {
                    ItemStatus::Active => card.active += 1,
                    ItemStatus::Infrequent => card.infrequent += 1,
                    ItemStatus::Inactive => card.inactive += 1,
                }
            }
            card.domains = store.domains(&s.name, MAX_EVENT_LIMIT).await?.len();
        }
        cards.push(card);
    }
    let events = store
        .events(&EventQuery::new().limit(FRONT_PAGE_ALERTS))
        .await?;
    Ok(Some(OverviewPage {
        sites: cards,
        events: events.into_iter().map(EventRow::from).collect(),
    }))
}

// ------------------------------------------------------------------ alerts

struct EventRow {
    time: Timestamp,
    severity: &'static str,
    service: &'static str,
    kind: String,
    subject: String,
    summary: String,
    /// The event's details as indented JSON; empty when it has none.
    details: String,
}

impl From<Event> for EventRow {
    fn from(e: Event) -> Self {
        let details = if e.details.is_null()
            || e.details.as_object().is_some_and(serde_json::Map::is_empty)
        {
            String::new()
        } else {
            serde_json::to_string_pretty(&e.details).unwrap_or_default()
        };
        EventRow {
            time: e.time,
            severity: e.severity.as_str(),
            service: e.service.as_str(),
            kind: e.kind,
            subject: e.subject,
            summary: e.summary,
            details,
        }
    }
}

struct AlertFilter {
    service: String,
    severity: String,
    kind: String,
    subject: String,
}

impl From<&Params> for AlertFilter {
    fn from(p: &Params) -> Self {
        AlertFilter {
            service: p.string("service"),
            severity: p.string("severity"),
            kind: p.string("kind"),
            subject: p.string("subject"),
        }
    }
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    filter: AlertFilter,
    services: Vec<&'static str>,
    severities: Vec<&'static str>,
    events: Vec<EventRow>,
}

async fn alerts(
    store: &dyn Store,
    filter: AlertFilter,
) -> parapet_store::Result<Option<AlertsPage>> {
    let mut q = EventQuery::new().limit(ALERT_ROWS);
    if let Ok(s) = filter.service.parse::<Service>() {
        q = q.service(s);
    }
    if let Ok(s) = filter.severity.parse::<Severity>() {
        q = q.min_severity(s);
    }
    if !filter.kind.is_empty() {
        q = q.kind(filter.kind.clone());
    }
    if !filter.subject.is_empty() {
        q = q.subject(filter.subject.clone());
    }
    let events = store.events(&q).await?;
    Ok(Some(AlertsPage {
        filter,
        services: Service::ALL.iter().map(|s| s.as_str()).collect(),
        severities: Severity::ALL.iter().map(|s| s.as_str()).collect(),
        events: events.into_iter().map(EventRow::from).collect(),
    }))
}

// ------------------------------------------------------------------ access

/// The access page's filter form, as typed (empty: not set).
struct AccessFilter {
    app: String,
    decision: String,
    text: String,
}

impl From<&Params> for AccessFilter {
    fn from(p: &Params) -> Self {
        AccessFilter {
            app: p.string("app"),
            decision: p.string("decision"),
            text: p.string("q"),
        }
    }
}

/// Every decision the audit log records (`parapet_core::access::AccessRecord::decision`).
const ACCESS_DECISIONS: [&str; 13] = [
    "allow",
    "bypass",
    "block",
    "deny",
    "refused",
    "sign-in",
    "sign-in-failed",
    "sign-out",
    "key-registered",
    "key-registration-failed",
    "key-step-up",
    "key-sign-in",
    "key-refused",
];

struct AccessRow {
    time: Timestamp,
    app: String,
    decision: String,
    /// The badge's class: how the decision reads at a glance.
    tone: &'static str,
    policy: String,
    who: String,
    idp: String,
    client_ip: String,
    country: String,
    request_id: String,
    reason: String,
}

impl AccessFilter {
    fn matches(&self, r: &parapet_core::access::AccessRecord) -> bool {
        if !self.decision.is_empty() && r.decision != self.decision {
            return false;
        }
        if self.text.is_empty() {
            return true;
        }
        [
            r.email.as_deref(),
            r.subject.as_deref(),
            Some(r.client_ip.as_str()),
            r.country.as_deref(),
            Some(r.request_id.as_str()),
            r.policy.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|field| contains_ignore_case(field, &self.text))
    }
}

fn access_tone(decision: &str) -> &'static str {
    match decision {
        "allow" | "bypass" | "sign-in" | "key-sign-in" | "key-registered" | "key-step-up" => {
            "active"
        }
        "block"
        | "deny"
        | "refused"
        | "sign-in-failed"
        | "key-refused"
        | "key-registration-failed" => "refused",
        _ => "inactive",
    }
}

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    filter: AccessFilter,
    apps: Vec<String>,
    decisions: Vec<&'static str>,
    /// Decisions read from the log (the filters apply to these).
    scanned: usize,
    /// Matching rows per decision, most frequent first.
    counts: Vec<(String, usize)>,
    rows: Vec<AccessRow>,
}

async fn access_page(
    store: &dyn Store,
    apps: &[String],
    filter: AccessFilter,
) -> parapet_store::Result<Option<AccessPage>> {
    let app = (!filter.app.is_empty()).then_some(filter.app.as_str());
    let records = store.access_audit(app, ACCESS_SCAN).await?;
    let scanned = records.len();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let rows: Vec<AccessRow> = records
        .into_iter()
        .filter(|r| filter.matches(r))
        .map(|r| {
            *counts.entry(r.decision.clone()).or_default() += 1;
            let who = match (&r.email, &r.subject) {
                (Some(e), _) => e.clone(),
                (None, Some(s)) => s.clone(),
                (None, None) => String::new(),
            };
            AccessRow {
                time: r.at,
                tone: access_tone(&r.decision),
                app: r.app,
                decision: r.decision,
                policy: r.policy.unwrap_or_default(),
                who,
                idp: r.idp.unwrap_or_default(),
                client_ip: r.client_ip,
                country: r.country.unwrap_or_default(),
                request_id: r.request_id,
                reason: r.reason.unwrap_or_default(),
            }
        })
        .collect();
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Some(AccessPage {
        filter,
        apps: apps.to_vec(),
        decisions: ACCESS_DECISIONS.to_vec(),
        scanned,
        counts,
        rows,
    }))
}

// ------------------------------------------------------------------ routes

/// The routes page's filter form, as typed (empty: not set).
struct RoutesForm {
    prefix: String,
    matching: String,
    kind: String,
    status: String,
}

impl From<&Params> for RoutesForm {
    fn from(p: &Params) -> Self {
        RoutesForm {
            prefix: p.string("prefix"),
            matching: p.string("match"),
            kind: p.string("kind"),
            status: p.string("status"),
        }
    }
}

struct RouteAlertRow {
    time: Timestamp,
    severity: &'static str,
    kind: &'static str,
    prefix: String,
    monitored_prefix: String,
    origin: String,
    offender: String,
    vantages: u64,
    /// Empty while open.
    resolved_at: String,
    evidence: String,
    details: String,
}

struct RouterRow {
    router: String,
    name: String,
    connected: bool,
    last_message: String,
    down_since: String,
    peers_up: usize,
    peers: usize,
    down_peers: Vec<String>,
}

#[derive(Template)]
#[template(path = "routes.html")]
struct RoutesPage {
    form: RoutesForm,
    kinds: Vec<&'static str>,
    /// Why the filter was refused (the parameter named); the list is empty then.
    error: String,
    alerts: Vec<RouteAlertRow>,
    /// False without a live feed: the feeds section says so.
    live: bool,
    routers: Vec<RouterRow>,
    /// (URL, up, down since) of the RIS Live stream.
    ris: Option<(String, bool, String)>,
    /// (file, VRPs, ASPA records, loaded at, reload errors, last error) of the RPKI file.
    rpki: Option<(String, usize, usize, Timestamp, u64, String)>,
    tracked_routes: usize,
    open_events: usize,
}

fn asn_text(v: &serde_json::Value) -> String {
    v.as_u64()
        .map_or_else(|| "-".to_owned(), |a| format!("AS{a}"))
}

fn time_text(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

async fn routes_page(
    store: &dyn Store,
    routes: Option<Asker>,
    form: RoutesForm,
) -> parapet_store::Result<Option<RoutesPage>> {
    let mut params = HashMap::new();
    for (k, v) in [
        ("prefix", &form.prefix),
        ("match", &form.matching),
        ("kind", &form.kind),
        ("status", &form.status),
    ] {
        if !v.is_empty() {
            params.insert(k.to_owned(), v.clone());
        }
    }
    params.insert("limit".to_owned(), ALERT_ROWS.to_string());
    let (error, alerts) = match route_monitor::AlertFilter::parse(&params) {
        Err(e) => (e, Vec::new()),
        Ok(filter) => {
            let (stored, _) = route_monitor::stored_alerts(store, &filter).await?;
            let rows = stored
                .into_iter()
                .map(|a| {
                    let d = &a.event.details;
                    let text = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                    RouteAlertRow {
                        time: a.event.time,
                        severity: a.event.severity.as_str(),
                        kind: a.kind.as_str(),
                        prefix: a.event.subject.clone(),
                        monitored_prefix: text("monitored_prefix").to_owned(),
                        origin: asn_text(&d["origin_asn"]),
                        offender: asn_text(&d["offender_asn"]),
                        vantages: d["vantages"].as_u64().unwrap_or_default(),
                        resolved_at: time_text(a.resolved_at),
                        evidence: text("evidence").to_owned(),
                        details: serde_json::to_string_pretty(d).unwrap_or_default(),
                    }
                })
                .collect();
            (String::new(), rows)
        }
    };
    let feeds = match routes {
        Some(r) => r.feeds().await,
        None => None,
    };
    let mut page = RoutesPage {
        form,
        kinds: parapet_routes::AlertKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
        error,
        alerts,
        live: feeds.is_some(),
        routers: Vec::new(),
        ris: None,
        rpki: None,
        tracked_routes: 0,
        open_events: 0,
    };
    if let Some(f) = feeds {
        page.routers = f
            .bmp
            .iter()
            .map(|r| RouterRow {
                router: r.router.to_string(),
                name: r.name.clone().unwrap_or_default(),
                connected: r.connected,
                last_message: time_text(r.last_message),
                down_since: time_text(r.down_since),
                peers_up: r.peers.iter().filter(|p| p.up).count(),
                peers: r.peers.len(),
                down_peers: r
                    .peers
                    .iter()
                    .filter(|p| !p.up)
                    .map(|p| format!("AS{} {}", p.asn, p.address))
                    .collect(),
            })
            .collect();
        page.ris = f.ris_live.map(|r| (r.url, r.up, time_text(r.down_since)));
        page.rpki = f.rpki.map(|r| {
            (
                r.file.display().to_string(),
                r.vrps,
                r.aspas,
                r.loaded_at,
                r.reload_errors,
                r.last_error.unwrap_or_default(),
            )
        });
        page.tracked_routes = f.tracked_routes;
        page.open_events = f.open_events;
    }
    Ok(Some(page))
}

// ------------------------------------------------------------------ inventory

struct InventoryFilter {
    kind: String,
    status: String,
    /// `1d`, `7d` or `30d`: first seen within.
    since: String,
    q: String,
    page: String,
}

impl From<&Params> for InventoryFilter {
    fn from(p: &Params) -> Self {
        InventoryFilter {
            kind: p.string("kind"),
            status: p.string("status"),
            since: p.string("since"),
            q: p.string("q"),
            page: p.string("page"),
        }
    }
}

const SINCE_CHOICES: [(&str, &str, u64); 3] = [
    ("1d", "last 24 hours", 1),
    ("7d", "last 7 days", 7),
    ("30d", "last 30 days", 30),
];

impl InventoryFilter {
    fn matches(&self, item: &InventoryItem, connections: bool, now: Timestamp) -> bool {
        let kind_ok = if connections {
            item.kind == ItemKind::Connection
        } else {
            item.kind != ItemKind::Connection
                && (self.kind.is_empty() || item.kind.as_str() == self.kind)
        };
        let status_ok = self.status.is_empty() || status_name(item.status(now)) == self.status;
        let since_ok = SINCE_CHOICES
            .iter()
            .find(|(key, _, _)| *key == self.since)
            .is_none_or(|(_, _, days)| {
                item.first_seen >= now.saturating_sub(Duration::from_secs(days * 24 * 3600))
            });
        let q_ok = self.q.is_empty() || contains_ignore_case(&item.item, &self.q);
        let page_ok = self.page.is_empty()
            || item
                .pages
                .iter()
                .any(|(p, _)| contains_ignore_case(p, &self.page));
        kind_ok && status_ok && since_ok && q_ok && page_ok
    }
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

struct InventoryRow {
    url: String,
    kind: &'static str,
    status: &'static str,
    domain: String,
    first_seen: Timestamp,
    last_seen: Timestamp,
    reports: u64,
    pages: usize,
}

#[derive(Template)]
#[template(path = "inventory.html")]
struct InventoryPage {
    heading: &'static str,
    path: &'static str,
    site: String,
    filter: InventoryFilter,
    kinds: Vec<&'static str>,
    statuses: Vec<&'static str>,
    since_choices: Vec<(&'static str, &'static str)>,
    rows: Vec<InventoryRow>,
    total: usize,
    truncated: bool,
}

async fn inventory(
    store: &dyn Store,
    site: String,
    connections: bool,
    filter: InventoryFilter,
) -> parapet_store::Result<Option<InventoryPage>> {
    let now = Timestamp::now();
    let items = store.inventory(&site, MAX_EVENT_LIMIT).await?;
    let matching: Vec<_> = items
        .iter()
        .filter(|i| filter.matches(i, connections, now))
        .collect();
    let total = matching.len();
    let rows = matching
        .into_iter()
        .take(MAX_ROWS)
        .map(|i| InventoryRow {
            url: i.item.clone(),
            kind: i.kind.as_str(),
            status: status_name(i.status(now)),
            domain: registrable_domain(&i.item).unwrap_or_default(),
            first_seen: i.first_seen,
            last_seen: i.last_seen,
            reports: i.reports,
            pages: i.pages.len(),
        })
        .collect::<Vec<_>>();
    let (heading, path, kinds) = if connections {
        ("Connections", "/connections", Vec::new())
    } else {
        (
            "Scripts",
            "/scripts",
            [
                ItemKind::Script,
                ItemKind::Inline,
                ItemKind::Eval,
                ItemKind::Worker,
            ]
            .iter()
            .map(|k| k.as_str())
            .collect(),
        )
    };
    Ok(Some(InventoryPage {
        heading,
        path,
        site,
        truncated: total > rows.len(),
        total,
        rows,
        filter,
        kinds,
        statuses: vec!["active", "infrequent", "inactive"],
        since_choices: SINCE_CHOICES.iter().map(|(k, l, _)| (*k, *l)).collect(),
    }))
}

// ------------------------------------------------------------------ one item

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    site: String,
    kind: &'static str,
    url: String,
    status: &'static str,
    domain: String,
    first_seen: Timestamp,
    last_seen: Timestamp,
    reports: u64,
    pages: Vec<(String, u64)>,
    hashes: Vec<String>,
    events: Vec<EventRow>,
    /// Blocking, for scripts: where it stands and the forms' targets.
    blocking: Option<BlockingBox>,
}

/// The item page's blocking box: state, and each form's action (the dashboard's own path,
/// with the values percent-encoded).
struct BlockingBox {
    blocked: Option<String>,
    approved: Option<String>,
    block_action: String,
    approve_action: String,
}

fn form_action(path: &str, site: &str, entry: &str, back: &str, remove: bool) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("site", site)
        .append_pair("entry", entry)
        .append_pair("back", back);
    if remove {
        q.append_pair("remove", "1");
    }
    format!("{path}?{}", q.finish())
}

async fn item(
    store: &dyn Store,
    site: String,
    kind: ItemKind,
    url: String,
    blocking: Option<(
        parapet_config::ScriptBlocking,
        parapet_scripts::report::UrlPolicy,
    )>,
    back: String,
) -> parapet_store::Result<Option<ItemPage>> {
    let Some(item) = store.inventory_item(&site, kind, &url).await? else {
        return Ok(None);
    };
    let mut blocking_box = None;
    if let (Some((conf, policy)), ItemKind::Script | ItemKind::Worker) = (&blocking, kind) {
        if let Some((entry, state)) =
            crate::script_blocking::entry_state(store, &site, conf, *policy, &url).await?
        {
            blocking_box = Some(BlockingBox {
                block_action: form_action(
                    "/scripts/block",
                    &site,
                    entry.as_str(),
                    &back,
                    state.blocked.is_some(),
                ),
                approve_action: form_action(
                    "/scripts/approve",
                    &site,
                    entry.as_str(),
                    &back,
                    state.approved.is_some(),
                ),
                blocked: state.blocked,
                approved: state.approved,
            });
        }
    }
    // The script monitor's events name the site as their subject and the item in their
    // details.
    let history = store
        .events(
            &EventQuery::new()
                .service(Service::Scripts)
                .subject(site.clone())
                .limit(HISTORY_SCAN),
        )
        .await?;
    let mut seen = HashSet::new();
    let events = history
        .into_iter()
        .filter(|e| e.details.get("item").and_then(|v| v.as_str()) == Some(url.as_str()))
        .filter(|e| seen.insert(e.id))
        .map(EventRow::from)
        .collect();
    Ok(Some(ItemPage {
        status: status_name(item.status(Timestamp::now())),
        domain: registrable_domain(&item.item).unwrap_or_default(),
        kind: item.kind.as_str(),
        first_seen: item.first_seen,
        last_seen: item.last_seen,
        reports: item.reports,
        pages: item.pages,
        hashes: item.hashes,
        url: item.item,
        site,
        events,
        blocking: blocking_box,
    }))
}

// ------------------------------------------------------------------ domains

struct DomainRow {
    domain: String,
    first_seen: Timestamp,
    last_seen: Timestamp,
    reports: u64,
}

#[derive(Template)]
#[template(path = "domains.html")]
struct DomainsPage {
    site: String,
    rows: Vec<DomainRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str =
        "https://x.example/\"><script>alert(1)</script><img src=x onerror=alert(2)>";

    fn hostile_event() -> Event {
        Event::new(
            Service::Scripts,
            "new-script<b>",
            Severity::High,
            "shop",
            format!("new script {HOSTILE}"),
        )
        .with_details(serde_json::json!({ "item": HOSTILE }))
    }

    #[test]
    fn pages_escape_every_report_derived_string() {
        let page = AlertsPage {
            filter: AlertFilter {
                service: String::new(),
                severity: String::new(),
                kind: "\"><svg onload=alert(3)>".into(),
                subject: String::new(),
            },
            services: vec!["scripts"],
            severities: vec!["high"],
            events: vec![EventRow::from(hostile_event())],
        };
        let html = page.render().unwrap();
        for raw in ["<script>alert", "<img src=x", "<svg onload", "<b>"] {
            assert!(
                !html.contains(raw),
                "{raw} reached the page unescaped:\n{html}"
            );
        }
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{html}"
        );

        let inv = InventoryPage {
            heading: "Scripts",
            path: "/scripts",
            site: "shop".into(),
            filter: InventoryFilter {
                kind: String::new(),
                status: String::new(),
                since: String::new(),
                q: "\"><script>q</script>".into(),
                page: String::new(),
            },
            kinds: vec!["script"],
            statuses: vec!["active"],
            since_choices: vec![("1d", "last 24 hours")],
            rows: vec![InventoryRow {
                url: HOSTILE.into(),
                kind: "script",
                status: "active",
                domain: "x.example".into(),
                first_seen: Timestamp::from_unix_millis(0),
                last_seen: Timestamp::from_unix_millis(0),
                reports: 1,
                pages: 1,
            }],
            total: 1,
            truncated: false,
        };
        let html = inv.render().unwrap();
        assert!(!html.contains("<script>"), "{html}");
        // The link to the item's page carries the URL percent-encoded, never as the target.
        assert!(
            html.contains("url=https%3A%2F%2Fx.example%2F%22%3E%3Cscript%3E"),
            "{html}"
        );
        assert!(!html.contains("href=\"https://x.example"), "{html}");
    }

    /// A router's sysName and a BMP peer's text come from the network: escaped like
    /// report data.
    #[test]
    fn the_routes_page_escapes_what_feeds_said() {
        let page = RoutesPage {
            form: RoutesForm {
                prefix: "\"><script>p</script>".into(),
                matching: String::new(),
                kind: String::new(),
                status: String::new(),
            },
            kinds: vec!["route-leak"],
            error: String::new(),
            alerts: vec![RouteAlertRow {
                time: Timestamp::from_unix_millis(0),
                severity: "high",
                kind: "route-leak",
                prefix: "192.0.2.0/24".into(),
                monitored_prefix: "192.0.2.0/24".into(),
                origin: "AS64500".into(),
                offender: "AS64511".into(),
                vantages: 1,
                resolved_at: String::new(),
                evidence: HOSTILE.into(),
                details: HOSTILE.into(),
            }],
            live: true,
            routers: vec![RouterRow {
                router: "192.0.2.1".into(),
                name: "<img src=x onerror=alert(4)>".into(),
                connected: true,
                last_message: String::new(),
                down_since: String::new(),
                peers_up: 0,
                peers: 1,
                down_peers: vec!["AS64500 192.0.2.2".into()],
            }],
            ris: None,
            rpki: Some((
                "vrps.json".into(),
                1,
                0,
                Timestamp::from_unix_millis(0),
                1,
                "<b>bad</b>".into(),
            )),
            tracked_routes: 1,
            open_events: 1,
        };
        let html = page.render().unwrap();
        for raw in ["<script>", "<img src=x", "<b>bad"] {
            assert!(
                !html.contains(raw),
                "{raw} reached the page unescaped:\n{html}"
            );
        }
        assert!(html.contains("AS64500 192.0.2.2 down"), "{html}");
        assert!(html.contains(">open<"), "{html}");
    }

    #[test]
    fn the_access_page_escapes_and_filters_the_audit_log() {
        let record = |decision: &str, email: &str, ip: &str| {
            let mut r =
                parapet_core::access::AccessRecord::new("wiki", decision, ip.to_owned(), "rid-1");
            r.email = Some(email.to_owned());
            r.reason = Some("<script>cn</script>".into());
            r
        };
        let filter = |decision: &str, text: &str| AccessFilter {
            app: String::new(),
            decision: decision.into(),
            text: text.into(),
        };
        let ana = record("allow", "ana@example.com", "192.0.2.1");
        let eve = record("deny", "Eve@Example.com", "198.51.100.7");
        assert!(filter("", "").matches(&ana) && filter("", "").matches(&eve));
        assert!(!filter("deny", "").matches(&ana) && filter("deny", "").matches(&eve));
        assert!(filter("", "eve@example").matches(&eve) && !filter("", "eve@").matches(&ana));
        assert!(filter("", "198.51.100").matches(&eve) && !filter("", "198.51").matches(&ana));

        let page = AccessPage {
            filter: filter("", "\"><script>q</script>"),
            apps: vec!["<img src=x onerror=alert(1)>".into()],
            decisions: ACCESS_DECISIONS.to_vec(),
            scanned: 1,
            counts: vec![("deny".into(), 1)],
            rows: vec![AccessRow {
                time: Timestamp::from_unix_millis(0),
                app: "wiki".into(),
                decision: "deny".into(),
                tone: access_tone("deny"),
                policy: "staff".into(),
                who: "<b>eve</b>".into(),
                idp: "corp".into(),
                client_ip: "198.51.100.7".into(),
                country: "KP".into(),
                request_id: "rid-1".into(),
                reason: "<script>cn</script>".into(),
            }],
        };
        let html = page.render().unwrap();
        for raw in ["<script>", "<img src=x", "<b>eve"] {
            assert!(
                !html.contains(raw),
                "{raw} reached the page unescaped:\n{html}"
            );
        }
        assert!(html.contains("badge refused"), "{html}");
    }

    #[test]
    fn filters_select_by_kind_status_time_and_text() {
        let now = Timestamp::from_unix_millis(40 * 24 * 3600 * 1000);
        let day = Duration::from_secs(24 * 3600);
        let item = |kind, url: &str, first_days_ago: u32, reports| InventoryItem {
            site: "shop".into(),
            kind,
            item: url.into(),
            first_seen: now.saturating_sub(day * first_days_ago),
            last_seen: now,
            reports,
            pages: vec![("https://shop.example/checkout".into(), reports)],
            hashes: Vec::new(),
        };
        let a = item(ItemKind::Script, "https://cdn.example/a.js", 2, 10);
        let b = item(ItemKind::Inline, "inline", 20, 1);
        let c = item(ItemKind::Connection, "https://api.example", 0, 5);
        let params = |q: &str| InventoryFilter::from(&Params::parse(Some(q)));
        let pick = |f: &InventoryFilter, conn: bool| {
            [&a, &b, &c]
                .into_iter()
                .filter(|i| f.matches(i, conn, now))
                .map(|i| i.item.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pick(&params(""), false),
            ["https://cdn.example/a.js", "inline"]
        );
        assert_eq!(pick(&params(""), true), ["https://api.example"]);
        assert_eq!(pick(&params("kind=inline"), false), ["inline"]);
        assert_eq!(pick(&params("status=infrequent"), false), ["inline"]);
        assert_eq!(
            pick(&params("since=7d"), false),
            ["https://cdn.example/a.js"]
        );
        assert_eq!(
            pick(&params("q=CDN.EXAMPLE"), false),
            ["https://cdn.example/a.js"]
        );
        assert_eq!(
            pick(&params("page=checkout&q=nothing"), false),
            Vec::<&str>::new()
        );
    }
}

//! Blocking in the gateway, the script monitor's negative security model: per site, the
//! scripts an operator (or the fetcher's classifier, above `auto_block_risk`) blocked are
//! neutralised in HTML pages as they stream (`parapet_scripts::blocking::Rewriter`), and
//! same-origin requests for them are refused; the scripts the operator approved make an
//! additive `script-src` policy, report-only or enforced (`csp_enforce`).
//!
//! The lists live in the store's settings (one JSON value per site and list), are read at
//! start and changed through the admin API (`/api/v1/scripts/block`, `/approve`, `/csp`) and
//! the dashboard's item page; a change takes effect on the next request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE,
};
use http::{request, response, Method, Response, StatusCode};
use parapet_alerts::Pipeline;
use parapet_config::{Config, CspEnforce};
use parapet_core::{Event, Service, Severity, Timestamp};
use parapet_gateway::body;
use parapet_gateway::phases::{BodyFilter, HttpModule, RequestAction, RequestCtx, ServeFuture};
use parapet_scripts::blocking::{self, BlockEntry, BlockList, Rewriter};
use parapet_scripts::report::UrlPolicy;
use parapet_scripts::telemetry::Tokens;
use parapet_store::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};

use crate::api::json;
use crate::script_fetcher::FetchVerdict;

const CSP: HeaderName = HeaderName::from_static("content-security-policy");
const CSP_REPORT_ONLY: HeaderName = HeaderName::from_static("content-security-policy-report-only");

/// Most entries a site's run-time lists take (the config's bound too).
const MAX_ENTRIES: usize = parapet_config::MAX_SCRIPT_LIST_ENTRIES;
/// Longest reason kept with an entry.
const MAX_REASON_CHARS: usize = 500;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WhatLabel {
    what: &'static str,
}

/// What blocking did, for `/metrics`.
#[derive(Default)]
struct Counters {
    /// Script tags neutralised (`src` or `inline`).
    neutralised: Family<WhatLabel, Counter>,
    /// Same-origin requests for blocked scripts refused.
    refused: Counter,
    /// Pages rewritten.
    pages: Counter,
    /// Pages not rewritten, by reason (`encoded`, `charset`), or whose rewriting stopped
    /// part-way (`failed`).
    skipped: Family<WhatLabel, Counter>,
    /// Scripts blocked on their own (the classifier's risk above the site's threshold).
    auto_blocked: Counter,
}

/// One entry of a list, as stored and shown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// The URL (normalised) or `sha256-` hash.
    pub entry: String,
    /// `config`, `operator` or `auto`.
    pub source: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub time: Timestamp,
}

/// A site's run-time lists, as the store keeps them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Saved {
    #[serde(default)]
    block: Vec<Record>,
    #[serde(default)]
    approve: Vec<Record>,
}

/// A site's settings from the config.
struct SiteConf {
    policy: UrlPolicy,
    auto_block_risk: Option<f64>,
    csp: CspEnforce,
    block: Vec<Record>,
    approve: Vec<Record>,
}

/// What the request path reads: the lists as they are now.
struct Snapshot {
    saved: Saved,
    list: Arc<BlockList>,
    approved: Vec<BlockEntry>,
}

/// The page's own URL, from `request_filter` to the body filter (relative `src` resolve
/// against it).
#[derive(Clone)]
struct PageUrl(Arc<url::Url>);

/// The gateway module; cheap to share with the futures the admin API answers with.
pub struct ScriptBlocking {
    inner: Arc<Inner>,
}

impl std::ops::Deref for ScriptBlocking {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

pub struct Inner {
    sites: HashMap<String, SiteConf>,
    state: RwLock<HashMap<String, Arc<Snapshot>>>,
    /// One change at a time (read, change, write the store, swap the snapshot).
    edits: tokio::sync::Mutex<()>,
    store: Arc<dyn Store>,
    alerts: Arc<Pipeline>,
    tokens: Tokens,
    counters: Arc<Counters>,
}

fn setting_key(site: &str) -> String {
    format!("scripts.blocking.{site}")
}

fn config_records(entries: &[String], policy: UrlPolicy) -> Vec<Record> {
    entries
        .iter()
        .filter_map(|e| BlockEntry::parse(e, policy))
        .map(|e| Record {
            entry: e.as_str().to_owned(),
            source: "config".into(),
            reason: None,
            time: Timestamp::from_unix_secs(0),
        })
        .collect()
}

impl ScriptBlocking {
    /// The module for every site with the script monitor, its run-time lists read from
    /// `store`; `None` when no site has the script monitor.
    pub async fn from_config(
        config: &Config,
        store: Arc<dyn Store>,
        alerts: Arc<Pipeline>,
    ) -> anyhow::Result<Option<Arc<Self>>> {
        let sites: HashMap<String, SiteConf> = config
            .sites
            .iter()
            .filter_map(|s| {
                let m = s.script_monitor.as_ref()?;
                let policy = UrlPolicy {
                    full_urls: m.full_urls,
                };
                let b = &m.blocking;
                Some((
                    s.name.clone(),
                    SiteConf {
                        policy,
                        auto_block_risk: b.auto_block_risk,
                        csp: b.csp_enforce,
                        block: config_records(&b.block, policy),
                        approve: config_records(&b.approve, policy),
                    },
                ))
            })
            .collect();
        if sites.is_empty() {
            return Ok(None);
        }
        let key = crate::script_monitor::key(&config.server.state_dir)?;
        let module = Inner {
            sites,
            state: RwLock::new(HashMap::new()),
            edits: tokio::sync::Mutex::new(()),
            store,
            alerts,
            tokens: Tokens::new(key),
            counters: Arc::default(),
        };
        for site in module.sites.keys() {
            let saved = match module.store.get_setting(&setting_key(site)).await {
                Ok(Some(text)) => match serde_json::from_str::<Saved>(&text) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(site, error = %e, "the stored block list does not parse; starting from the config's");
                        Saved::default()
                    }
                },
                Ok(None) => Saved::default(),
                Err(e) => anyhow::bail!("cannot read the block list of site {site}: {e}"),
            };
            module.install(site, saved);
        }
        Ok(Some(Arc::new(ScriptBlocking {
            inner: Arc::new(module),
        })))
    }

    /// The fetcher's verdict on a new body: blocked when its site blocks on its own and the
    /// risk reaches the threshold.
    pub fn verdict(&self, v: FetchVerdict) {
        self.inner.verdict(v);
    }
}

impl Inner {
    /// Makes `saved` (with the config's entries) the lists requests see.
    fn install(&self, site: &str, saved: Saved) {
        let Some(conf) = self.sites.get(site) else {
            return;
        };
        let mut list = BlockList::new(conf.policy);
        for r in conf.block.iter().chain(&saved.block) {
            list.add(&r.entry);
        }
        let approved = conf
            .approve
            .iter()
            .chain(&saved.approve)
            .filter_map(|r| BlockEntry::parse(&r.entry, conf.policy))
            .collect();
        let snap = Arc::new(Snapshot {
            saved,
            list: Arc::new(list),
            approved,
        });
        if let Ok(mut state) = self.state.write() {
            state.insert(site.to_owned(), snap);
        }
    }

    fn snapshot(&self, site: &str) -> Option<Arc<Snapshot>> {
        self.state.read().ok()?.get(site).cloned()
    }

    fn site<'a>(&'a self, ctx: &RequestCtx) -> Option<(&'a str, &'a SiteConf)> {
        let name = ctx.site.as_deref()?;
        self.sites.get_key_value(name).map(|(k, v)| (k.as_str(), v))
    }

    /// Adds (`add`) or removes an entry of a site's `block` or `approve` list, stores the
    /// lists and swaps them in. Returns the record added or removed, `Ok(None)` when there
    /// was nothing to do.
    async fn edit(
        &self,
        site: &str,
        list: ListName,
        entry: BlockEntry,
        add: Option<Record>,
    ) -> Result<Option<Record>, EditError> {
        let _one = self.edits.lock().await;
        let conf = self.sites.get(site).ok_or(EditError::NoSite)?;
        let mut saved = self
            .snapshot(site)
            .map(|s| s.saved.clone())
            .unwrap_or_default();
        let (configured, records) = match list {
            ListName::Block => (&conf.block, &mut saved.block),
            ListName::Approve => (&conf.approve, &mut saved.approve),
        };
        let in_config = configured.iter().any(|r| r.entry == entry.as_str());
        let at = records.iter().position(|r| r.entry == entry.as_str());
        let changed = match (add, at) {
            (Some(_), Some(_)) => return Ok(None),
            (Some(_), None) if in_config => return Ok(None),
            (Some(_), None) if records.len() >= MAX_ENTRIES => return Err(EditError::Full),
            (Some(r), None) => {
                records.push(r.clone());
                r
            }
            (None, Some(i)) => records.remove(i),
            (None, None) if in_config => return Err(EditError::InConfig),
            (None, None) => return Ok(None),
        };
        let text = serde_json::to_string(&saved).map_err(|_| EditError::Store)?;
        if let Err(e) = self.store.put_setting(&setting_key(site), &text).await {
            tracing::error!(site, error = %e, "cannot store the block list");
            return Err(EditError::Store);
        }
        self.install(site, saved);
        Ok(Some(changed))
    }

    /// Blocks a script (operator or automatic) and raises `script-blocked`.
    async fn block(
        &self,
        site: &str,
        entry: BlockEntry,
        source: &'static str,
        reason: Option<String>,
        extra: serde_json::Value,
    ) -> Result<Option<Record>, EditError> {
        let record = Record {
            entry: entry.as_str().to_owned(),
            source: source.into(),
            reason: reason.clone(),
            time: Timestamp::now(),
        };
        let added = self
            .edit(site, ListName::Block, entry.clone(), Some(record))
            .await?;
        if added.is_some() {
            let severity = if source == "auto" {
                Severity::High
            } else {
                Severity::Medium
            };
            let why = reason
                .as_deref()
                .map_or(String::new(), |r| format!(": {r}"));
            let event = Event::new(
                Service::Scripts,
                "script-blocked",
                severity,
                site,
                format!("script {} blocked ({source}){why}", entry.as_str()),
            )
            .with_dedup_key(format!("scripts/script-blocked/{site}/{}", entry.as_str()))
            .with_details(serde_json::json!({
                "site": site,
                "entry": entry.as_str(),
                "source": source,
                "reason": reason,
                "verdict": extra,
            }));
            tracing::warn!(target: "parapet::csp", site, entry = entry.as_str(), source, "script blocked");
            if let Err(e) = self.store.insert_events(std::slice::from_ref(&event)).await {
                tracing::error!(error = %e, "cannot store the script-blocked event");
            }
            let alerts = Arc::clone(&self.alerts);
            tokio::spawn(async move { alerts.submit(event).await });
        }
        Ok(added)
    }

    fn verdict(self: &Arc<Self>, v: FetchVerdict) {
        let Some(conf) = self.sites.get(&v.site) else {
            return;
        };
        let Some(threshold) = conf.auto_block_risk else {
            return;
        };
        if v.risk < threshold {
            return;
        }
        let Some(entry) = BlockEntry::parse(&v.url, conf.policy) else {
            return;
        };
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let reason = format!(
                "risk {:.2} at least {threshold:.2}{}",
                v.risk,
                if v.categories.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", v.categories.join(", "))
                }
            );
            let extra = serde_json::json!({
                "risk": v.risk, "malicious": v.malicious, "categories": v.categories, "sha256": v.sha256,
            });
            match me.block(&v.site, entry, "auto", Some(reason), extra).await {
                Ok(Some(_)) => {
                    me.counters.auto_blocked.inc();
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(site = %v.site, url = %v.url, error = ?e, "cannot block the script")
                }
            }
        });
    }

    /// The policy a site's approved scripts make, with the report endpoint it names.
    fn policy(&self, site: &str, snap: &Snapshot) -> String {
        let endpoint = self.tokens.endpoint(site, unix_now());
        blocking::script_src_policy(&snap.approved, &endpoint)
    }

    /// The lists and the policy of `site`, as the API shows them.
    fn describe(&self, site: &str) -> serde_json::Value {
        let (Some(conf), Some(snap)) = (self.sites.get(site), self.snapshot(site)) else {
            return serde_json::Value::Null;
        };
        let all =
            |c: &[Record], s: &[Record]| -> Vec<Record> { c.iter().chain(s).cloned().collect() };
        serde_json::json!({
            "site": site,
            "block": all(&conf.block, &snap.saved.block),
            "approve": all(&conf.approve, &snap.saved.approve),
            "auto_block_risk": conf.auto_block_risk,
            "csp_enforce": conf.csp.as_str(),
            "policy": self.policy(site, &snap),
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum ListName {
    Block,
    Approve,
}

#[derive(Debug)]
enum EditError {
    NoSite,
    Full,
    InConfig,
    Store,
}

impl EditError {
    fn answer(&self) -> Response<body::Body> {
        let (code, msg) = match self {
            EditError::NoSite => (StatusCode::NOT_FOUND, "no monitored site by that name"),
            EditError::Full => (StatusCode::CONFLICT, "the list is full"),
            EditError::InConfig => (
                StatusCode::CONFLICT,
                "the entry comes from the config file; remove it there",
            ),
            EditError::Store => (StatusCode::INTERNAL_SERVER_ERROR, "store error"),
        };
        json(code, &serde_json::json!({ "error": msg }))
    }
}

/// Back to the dashboard page the form was on (a path on the admin listener only).
fn see_other(back: Option<&str>) -> Response<body::Body> {
    let to = back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or("/");
    let mut r = Response::new(body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(http::header::LOCATION, v);
    }
    r
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a response is an HTML page, and its charset.
fn html_charset(resp: &response::Parts) -> Option<Option<String>> {
    let ct = resp.headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let mut parts = ct.split(';');
    if !parts
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html"))
    {
        return None;
    }
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_owned())
    });
    Some(charset)
}

/// The page's URL as the browser sees it.
fn page_url(req: &request::Parts, ctx: &RequestCtx) -> Option<url::Url> {
    let authority = match req.uri.authority() {
        Some(a) => a.as_str().to_owned(),
        None => req
            .headers
            .get(http::header::HOST)?
            .to_str()
            .ok()?
            .to_owned(),
    };
    let scheme = if ctx.tls { "https" } else { "http" };
    let pq = req.uri.path_and_query().map_or("/", |p| p.as_str());
    url::Url::parse(&format!("{scheme}://{authority}{pq}")).ok()
}

/// A page's body through the rewriter, counted when it ends.
struct PageFilter {
    rewriter: Rewriter,
    counters: Arc<Counters>,
    done: bool,
}

impl BodyFilter for PageFilter {
    fn chunk(&mut self, data: &[u8]) -> Bytes {
        Bytes::from(self.rewriter.chunk(data))
    }

    fn end(&mut self) -> Bytes {
        let out = Bytes::from(self.rewriter.end());
        if !std::mem::replace(&mut self.done, true) {
            let st = self.rewriter.stats();
            let c = &self.counters;
            c.pages.inc();
            for (what, n) in [("src", st.blocked_src), ("inline", st.blocked_inline)] {
                if n > 0 {
                    c.neutralised
                        .get_or_create(&WhatLabel { what })
                        .inc_by(u64::from(n));
                }
            }
            if st.failed {
                c.skipped.get_or_create(&WhatLabel { what: "failed" }).inc();
                tracing::warn!(
                    "a page's rewriting stopped part-way (memory bound); the rest passed unchanged"
                );
            }
        }
        out
    }
}

impl HttpModule for ScriptBlocking {
    fn name(&self) -> &'static str {
        "script-blocking"
    }

    fn request_filter(&self, req: &request::Parts, ctx: &RequestCtx) -> RequestAction {
        let Some((site, conf)) = self.site(ctx) else {
            return RequestAction::Continue;
        };
        let Some(snap) = self.snapshot(site) else {
            return RequestAction::Continue;
        };
        if snap.list.is_empty() && conf.csp == CspEnforce::Off {
            return RequestAction::Continue;
        }
        // A blocked same-origin script is refused however it is asked for (a tag, an
        // `import()`, a script injected at run time).
        if snap.list.blocks_path(&ctx.host, req.uri.path()) {
            self.counters.refused.inc();
            tracing::info!(request_id = %ctx.request_id, site, path = req.uri.path(), "blocked script refused");
            return RequestAction::Respond(parapet_gateway::error::error_response(
                StatusCode::FORBIDDEN,
                &ctx.request_id,
            ));
        }
        if !snap.list.is_empty() {
            if let Some(u) = page_url(req, ctx) {
                ctx.slots.insert(PageUrl(Arc::new(u)));
            }
        }
        RequestAction::Continue
    }

    /// Pages must reach the rewriter readable: while a site blocks anything, requests that
    /// accept HTML ask the upstream for no content coding (the gateway does not compress,
    /// so the client gets the page as the upstream sends it).
    fn upstream_request_filter(&self, req: &mut request::Parts, ctx: &RequestCtx) {
        if ctx.slots.get::<PageUrl>().is_none() {
            return;
        }
        let wants_html = req
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        if wants_html {
            req.headers
                .insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        }
    }

    fn response_filter(&self, resp: &mut response::Parts, ctx: &RequestCtx) {
        let Some((site, conf)) = self.site(ctx) else {
            return;
        };
        let header = match conf.csp {
            CspEnforce::ReportOnly => CSP_REPORT_ONLY,
            CspEnforce::Enforce => CSP,
            _ => return,
        };
        if html_charset(resp).is_none() {
            return;
        }
        let Some(snap) = self.snapshot(site) else {
            return;
        };
        // Appended: the application's own policies stay; browsers enforce each.
        if let Ok(v) = HeaderValue::from_str(&self.policy(site, &snap)) {
            resp.headers.append(header, v);
        }
    }

    fn response_body_filter(
        &self,
        resp: &mut response::Parts,
        ctx: &RequestCtx,
    ) -> Option<Box<dyn BodyFilter>> {
        let page = ctx.slots.get::<PageUrl>()?;
        let charset = html_charset(resp)?;
        let snap = self.snapshot(ctx.site.as_deref()?)?;
        if snap.list.is_empty() {
            return None;
        }
        let encoded = resp
            .headers
            .get(CONTENT_ENCODING)
            .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
        if encoded {
            self.counters
                .skipped
                .get_or_create(&WhatLabel { what: "encoded" })
                .inc();
            tracing::warn!(request_id = %ctx.request_id, "a compressed page passed without blocking");
            return None;
        }
        let Some(rewriter) = Rewriter::new(
            Arc::clone(&snap.list),
            (*page.0).clone(),
            charset.as_deref(),
        ) else {
            self.counters
                .skipped
                .get_or_create(&WhatLabel { what: "charset" })
                .inc();
            return None;
        };
        Some(Box::new(PageFilter {
            rewriter,
            counters: Arc::clone(&self.counters),
            done: false,
        }))
    }

    /// `GET|POST|DELETE /api/v1/scripts/block?site=S[&entry=E&reason=R]`, the same for
    /// `/api/v1/scripts/approve`, and `GET /api/v1/scripts/csp?site=S`; the dashboard's
    /// forms post to `/scripts/block` and `/scripts/approve` (with `remove=1` to undo) and
    /// are sent back to the item page.
    fn admin_route(&self, req: &request::Parts) -> Option<ServeFuture> {
        let path = req.uri.path();
        let (list, form) = match path {
            "/api/v1/scripts/block" => (Some(ListName::Block), false),
            "/api/v1/scripts/approve" => (Some(ListName::Approve), false),
            "/api/v1/scripts/csp" => (None, false),
            "/scripts/block" => (Some(ListName::Block), true),
            "/scripts/approve" => (Some(ListName::Approve), true),
            _ => return None,
        };
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(req.uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let answer = |code: StatusCode, msg: &str| -> Option<ServeFuture> {
            let r = json(code, &serde_json::json!({ "error": msg }));
            Some(Box::pin(async move { r }))
        };
        let Some(site) = params
            .get("site")
            .filter(|s| self.sites.contains_key(*s))
            .cloned()
        else {
            return answer(StatusCode::NOT_FOUND, "no monitored site by that name");
        };
        let remove = if form {
            if req.method != Method::POST {
                return answer(StatusCode::METHOD_NOT_ALLOWED, "forms post");
            }
            Some(params.get("remove").is_some_and(|v| v == "1"))
        } else {
            match req.method {
                Method::GET | Method::HEAD => None,
                Method::POST if list.is_some() => Some(false),
                Method::DELETE if list.is_some() => Some(true),
                _ => return answer(StatusCode::METHOD_NOT_ALLOWED, "GET, POST or DELETE"),
            }
        };
        let (Some(list), Some(remove)) = (list, remove) else {
            let v = self.describe(&site);
            return Some(Box::pin(async move { json(StatusCode::OK, &v) }));
        };
        let Some(conf) = self.sites.get(&site) else {
            return answer(StatusCode::NOT_FOUND, "no monitored site by that name");
        };
        let Some(entry) = params
            .get("entry")
            .and_then(|e| BlockEntry::parse(e, conf.policy))
        else {
            return answer(
                StatusCode::BAD_REQUEST,
                "give the script as entry=: an absolute http(s) URL or sha256-BASE64",
            );
        };
        let reason: Option<String> = params
            .get("reason")
            .map(|r| {
                r.chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_REASON_CHARS)
                    .collect()
            })
            .filter(|r: &String| !r.is_empty());
        let back = params.get("back").cloned();
        let inner = Arc::clone(&self.inner);
        Some(Box::pin(async move {
            let done = if remove {
                inner.edit(&site, list, entry, None).await
            } else {
                match list {
                    ListName::Block => {
                        inner
                            .block(&site, entry, "operator", reason, serde_json::Value::Null)
                            .await
                    }
                    ListName::Approve => {
                        let record = Record {
                            entry: entry.as_str().to_owned(),
                            source: "operator".into(),
                            reason,
                            time: Timestamp::now(),
                        };
                        inner.edit(&site, list, entry, Some(record)).await
                    }
                }
            };
            match (done, form) {
                (Err(e), _) => e.answer(),
                (Ok(_), true) => see_other(back.as_deref()),
                (Ok(changed), false) => json(
                    StatusCode::OK,
                    &serde_json::json!({ "changed": changed, "lists": inner.describe(&site) }),
                ),
            }
        }))
    }

    fn register_metrics(&self, registry: &mut Registry) {
        let c = &self.counters;
        registry.register(
            "script_blocking_neutralised",
            "Script tags neutralised in pages, by what (src, inline)",
            c.neutralised.clone(),
        );
        registry.register(
            "script_blocking_refused",
            "Same-origin requests for blocked scripts refused",
            c.refused.clone(),
        );
        registry.register(
            "script_blocking_pages",
            "HTML pages streamed through the blocking rewriter",
            c.pages.clone(),
        );
        registry.register(
            "script_blocking_skipped",
            "Pages of sites that block not rewritten (encoded, charset) or only in part (failed)",
            c.skipped.clone(),
        );
        registry.register(
            "script_blocking_auto",
            "Scripts blocked on their own, their risk above the site's threshold",
            c.auto_blocked.clone(),
        );
    }
}

/// One script's place in its site's lists, for the dashboard's item page.
#[derive(Debug, Clone, Default)]
pub struct EntryState {
    /// Who blocked it (`config`, `operator`, `auto`), when it is blocked.
    pub blocked: Option<String>,
    /// Who approved it, when it is approved.
    pub approved: Option<String>,
}

/// Where `url` stands in `site`'s lists: the config's (`conf`) and the store's. `None` when
/// `url` cannot be an entry.
pub async fn entry_state(
    store: &dyn Store,
    site: &str,
    conf: &parapet_config::ScriptBlocking,
    policy: UrlPolicy,
    url: &str,
) -> parapet_store::Result<Option<(BlockEntry, EntryState)>> {
    let Some(entry) = BlockEntry::parse(url, policy) else {
        return Ok(None);
    };
    let saved = store
        .get_setting(&setting_key(site))
        .await?
        .and_then(|t| serde_json::from_str::<Saved>(&t).ok())
        .unwrap_or_default();
    let find = |configured: &[String], records: &[Record]| {
        let configured = configured
            .iter()
            .any(|e| BlockEntry::parse(e, policy).as_ref() == Some(&entry));
        if configured {
            return Some("config".to_owned());
        }
        records
            .iter()
            .find(|r| r.entry == entry.as_str())
            .map(|r| r.source.clone())
    };
    let state = EntryState {
        blocked: find(&conf.block, &saved.block),
        approved: find(&conf.approve, &saved.approve),
    };
    Ok(Some((entry, state)))
}

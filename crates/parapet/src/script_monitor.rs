//! The script monitor's telemetry inside the gateway: the `HttpModule` that adds the
//! report-only policy to monitored sites' HTML pages and answers browsers' reports on the
//! sites themselves. The policy, tokens and report parsing are `parapet-scripts`'; this file
//! only joins them to the gateway's phases (services never depend on each other).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{request, response, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use parapet_config::Config;
use parapet_gateway::body;
use parapet_gateway::phases::{HttpModule, RequestAction, RequestCtx, ServeFuture};
use parapet_scripts::report::{self, BodyKind, Report, UrlPolicy};
use parapet_scripts::telemetry::{Extras, Telemetry, Tokens, REPORT_PATH};

const CSP_REPORT_ONLY: HeaderName = HeaderName::from_static("content-security-policy-report-only");
const REPORTING_ENDPOINTS: HeaderName = HeaderName::from_static("reporting-endpoints");

/// The key file in the state directory: tokens stay valid across restarts.
const KEY_FILE: &str = "script-monitor.key";

struct Site {
    telemetry: Telemetry,
    urls: UrlPolicy,
}

/// Reports taken, requests refused (token, method, type, size) and reports dropped: for
/// metrics next.
#[derive(Default)]
pub struct Counters {
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
    pub dropped: AtomicU64,
}

pub struct ScriptMonitor {
    sites: HashMap<String, Site>,
    tokens: Tokens,
    pub counters: Arc<Counters>,
}

impl ScriptMonitor {
    /// The module for the sites of `config` with `[sites.script_monitor]`; `None` when no
    /// site has it.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Arc<Self>>> {
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
                    },
                ))
            })
            .collect();
        if sites.is_empty() {
            return Ok(None);
        }
        let key = key(&config.server.state_dir)?;
        Ok(Some(Arc::new(ScriptMonitor {
            sites,
            tokens: Tokens::new(key),
            counters: Arc::default(),
        })))
    }

    fn site<'a>(&'a self, ctx: &RequestCtx) -> Option<(&'a str, &'a Site)> {
        let name = ctx.site.as_deref()?;
        self.sites.get_key_value(name).map(|(k, v)| (k.as_str(), v))
    }
}

/// The token key: read from the state directory, made (32 random bytes) on first start.
fn key(state_dir: &Path) -> anyhow::Result<Vec<u8>> {
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
            let (site, s) = self.site(ctx).ok_or(StatusCode::NOT_FOUND)?;
            if req.method() != Method::POST {
                return Err(StatusCode::METHOD_NOT_ALLOWED);
            }
            let token = req
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("t=")))
                .unwrap_or_default();
            if !self.tokens.verify(site, token, unix_now()) {
                return Err(StatusCode::FORBIDDEN);
            }
            let kind = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(BodyKind::from_content_type)
                .ok_or(StatusCode::UNSUPPORTED_MEDIA_TYPE)?;
            Ok((site.to_owned(), kind, s.urls))
        })();
        let (site, kind, urls) = match verdict {
            Ok(v) => v,
            Err(code) => {
                self.counters.refused.fetch_add(1, Relaxed);
                tracing::debug!(request_id = %ctx.request_id, status = code.as_u16(), "CSP report refused");
                return Box::pin(async move { status(code) });
            }
        };
        let request_id = ctx.request_id.clone();
        let body = req.into_body();
        let counts = Arc::clone(&self.counters);
        Box::pin(async move {
            let bytes = match Limited::new(body, report::MAX_BODY_BYTES).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    let too_large = e.is::<http_body_util::LengthLimitError>();
                    counts.refused.fetch_add(1, Relaxed);
                    tracing::debug!(request_id = %request_id, error = %e, "CSP report body not read");
                    return status(if too_large {
                        StatusCode::PAYLOAD_TOO_LARGE
                    } else {
                        StatusCode::BAD_REQUEST
                    });
                }
            };
            let parsed = report::parse(kind, &bytes, urls);
            for r in &parsed.reports {
                log_report(&site, r);
            }
            counts
                .accepted
                .fetch_add(parsed.reports.len() as u64, Relaxed);
            counts
                .dropped
                .fetch_add(parsed.dropped.len() as u64, Relaxed);
            for reason in &parsed.dropped {
                tracing::debug!(site = %site, reason = reason.as_str(), "CSP report dropped");
            }
            status(StatusCode::NO_CONTENT)
        })
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

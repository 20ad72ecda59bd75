//! Zero Trust access inside the gateway: the `HttpModule` that joins `parapet-access`'s
//! decisions to the gateway's phases (services never depend on each other), the writer
//! that records its audit log in the store, and the admin API's access routes.
//!
//! - `request_filter` decides; a grant is kept in the request's slots,
//! - `serve` answers the sign-in endpoints under `/.parapet/access/`,
//! - `upstream_request_filter` removes client copies of Parapet's identity headers from
//!   every request and adds the signed identity to granted ones,
//! - `response_filter` adds a renewed session cookie.

use arc_swap::ArcSwap;
use std::sync::Arc;
use std::time::Duration;

use crate::api::json;
use http::{request, response, Method, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use parapet_access::{Access, Grant, RequestInfo, Verdict, AUDIT_QUEUE};
use parapet_config::Config;
use parapet_core::access::AccessRecord;
use parapet_gateway::body;
use parapet_gateway::phases::{HttpModule, RequestAction, RequestCtx, ServeFuture};
use parapet_store::Store;
use prometheus_client::registry::Registry;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Audit records written in one transaction at most.
const BATCH: usize = 1_000;
/// The writer commits at least this often while records arrive.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// How often revocations are pruned and the signing key's age is checked.
const MAINTAIN_EVERY: Duration = Duration::from_secs(300);

pub struct AccessModule {
    /// Swapped whole on reload ([`AccessModule::reload`]); a request decides under one
    /// generation from start to end.
    access: ArcSwap<Access>,
    store: Arc<dyn Store>,
}

impl AccessModule {
    /// The module for `config`'s `[access]` applications, or `None` when there are none.
    /// Also starts the audit writer and the maintenance timer; both stop when `shutdown`
    /// fires (await the handle for the last commit).
    pub async fn from_config(
        config: &Config,
        store: Arc<dyn Store>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Option<(Arc<Self>, JoinHandle<()>)>> {
        let Some(a) = config.access.as_ref().filter(|a| !a.apps.is_empty()) else {
            return Ok(None);
        };
        let (tx, rx) = mpsc::channel(AUDIT_QUEUE);
        let access = Arc::new(Access::new(
            a,
            &config.server.state_dir,
            Some(tx),
            Some(store.clone()),
        )?);
        let revoked = access.load_revocations().await?;
        tracing::info!(
            apps = a.apps.len(),
            idps = a.idps.len(),
            revoked,
            "access control on"
        );
        let writer = tokio::spawn(writer(rx, store.clone(), shutdown.clone()));
        // Maintenance touches only what generations share (keys, revocations, ceremonies).
        tokio::spawn(maintain(access.clone(), shutdown));
        let access = ArcSwap::new(access);
        Ok(Some((Arc::new(AccessModule { access, store }), writer)))
    }

    /// Takes the `[access]` section of a reloaded `config`: new policies apply to the next
    /// request, live sessions included ([`Access::reloaded`]). On error, or when the new
    /// config has no applications (turning access control off, or on, needs a restart),
    /// the running policies stay.
    pub fn reload(&self, config: &Config) {
        let Some(a) = config.access.as_ref().filter(|a| !a.apps.is_empty()) else {
            tracing::warn!("the reloaded configuration has no [access] applications; access control stays as it was until a restart");
            return;
        };
        match self.access.load().reloaded(a) {
            Ok(next) => {
                self.access.store(Arc::new(next));
                tracing::info!(
                    apps = a.apps.len(),
                    idps = a.idps.len(),
                    "access policies reloaded"
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "access reload failed; the running policies stay");
            }
        }
    }
}

async fn maintain(access: Arc<Access>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(MAINTAIN_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => access.maintain(),
            () = shutdown.cancelled() => return,
        }
    }
}

/// Records audit entries in batches; the last batch is written after `shutdown`.
async fn writer(
    mut rx: mpsc::Receiver<AccessRecord>,
    store: Arc<dyn Store>,
    shutdown: CancellationToken,
) {
    let mut batch: Vec<AccessRecord> = Vec::new();
    loop {
        let stop = tokio::select! {
            n = rx.recv_many(&mut batch, BATCH) => n == 0,
            () = shutdown.cancelled() => true,
        };
        if !stop {
            // Gather what arrives shortly after, for one commit.
            let deadline = tokio::time::sleep(FLUSH_EVERY);
            tokio::pin!(deadline);
            while batch.len() < BATCH {
                let room = BATCH - batch.len();
                tokio::select! {
                    n = rx.recv_many(&mut batch, room) => if n == 0 { break },
                    () = &mut deadline => break,
                }
            }
        } else {
            while let Ok(r) = rx.try_recv() {
                batch.push(r);
            }
        }
        if !batch.is_empty() {
            if let Err(e) = store.record_access(&batch).await {
                tracing::error!(error = %e, records = batch.len(), "access audit records not stored");
            }
            batch.clear();
        }
        if stop {
            return;
        }
    }
}

fn convert(r: Response<bytes::Bytes>) -> Response<body::Body> {
    r.map(body::full)
}

impl HttpModule for AccessModule {
    fn name(&self) -> &'static str {
        "access"
    }

    fn request_filter(&self, req: &request::Parts, ctx: &RequestCtx) -> RequestAction {
        let info = RequestInfo {
            host: &ctx.host,
            client: ctx.client.ip(),
            tls: ctx.tls,
            request_id: &ctx.request_id,
            client_cert: ctx.client_cert.as_deref(),
        };
        match self.access.load().check(req, &info) {
            Verdict::NotProtected => RequestAction::Continue,
            Verdict::Endpoint => RequestAction::Serve,
            Verdict::Pass(grant) => {
                ctx.slots.insert(grant);
                RequestAction::Continue
            }
            Verdict::Respond(r) => RequestAction::Respond(convert(r)),
        }
    }

    fn serve(&self, req: Request<Incoming>, ctx: &RequestCtx) -> ServeFuture {
        let (parts, body) = req.into_parts();
        let access = self.access.load_full();
        let (host, client, tls, rid) = (
            ctx.host.clone(),
            ctx.client.ip(),
            ctx.tls,
            ctx.request_id.clone(),
        );
        Box::pin(async move {
            // Only the WebAuthn endpoints read a body (POSTed JSON); bounded.
            let body = if parts.method == Method::POST {
                match http_body_util::Limited::new(body, parapet_access::MAX_ENDPOINT_BODY)
                    .collect()
                    .await
                {
                    Ok(b) => b.to_bytes(),
                    Err(_) => {
                        return json(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            &serde_json::json!({"error": "request body too large or unreadable", "request_id": rid}),
                        )
                    }
                }
            } else {
                bytes::Bytes::new()
            };
            convert(access.serve(parts, body, host, client, tls, rid).await)
        })
    }

    fn upstream_request_filter(&self, req: &mut request::Parts, ctx: &RequestCtx) {
        let grant = ctx.slots.get::<Grant>();
        self.access
            .load()
            .upstream_headers(grant.as_deref(), &mut req.headers);
    }

    fn response_filter(&self, resp: &mut response::Parts, ctx: &RequestCtx) {
        if let Some(grant) = ctx.slots.get::<Grant>() {
            self.access
                .load()
                .response_headers(&grant, &mut resp.headers);
        }
    }

    fn admin_route(&self, req: &request::Parts) -> Option<ServeFuture> {
        let param = |name: &str| {
            url::form_urlencoded::parse(req.uri.query().unwrap_or_default().as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        match (req.uri.path(), &req.method) {
            ("/api/v1/access/audit", &Method::GET) => {
                let limit = param("limit")
                    .and_then(|l| l.parse::<u32>().ok())
                    .unwrap_or(100);
                let app = param("app");
                let store = self.store.clone();
                Some(Box::pin(async move {
                    crate::api::answer(
                        store
                            .access_audit(app.as_deref(), limit)
                            .await
                            .map(|records| serde_json::json!({ "records": records })),
                    )
                }))
            }
            // A change of state, but behind the bearer token (never a cookie), so a GET is no
            // cross-site risk; the admin listener takes only GET today.
            ("/api/v1/access/revoke", &Method::POST | &Method::GET) => {
                let Some(sub) = param("sub").filter(|s| !s.is_empty() && s.len() <= 255) else {
                    return Some(Box::pin(async {
                        json(
                            StatusCode::BAD_REQUEST,
                            &serde_json::json!({"error": "give the subject to revoke as ?sub="}),
                        )
                    }));
                };
                let access = self.access.load_full();
                Some(Box::pin(async move {
                    access.revoke_subject(&sub).await;
                    tracing::info!(sub = %sub, "access sessions revoked");
                    json(StatusCode::OK, &serde_json::json!({ "revoked": sub }))
                }))
            }
            // A person's passkeys and security keys; removing one is how an operator
            // locks out a lost key (a GET behind the bearer token, like revoke).
            ("/api/v1/access/credentials", &Method::GET)
            | ("/api/v1/access/credentials/remove", &Method::GET) => {
                let (Some(idp), Some(sub)) = (
                    param("idp").filter(|s| !s.is_empty() && s.len() <= 255),
                    param("sub").filter(|s| !s.is_empty() && s.len() <= 255),
                ) else {
                    return Some(Box::pin(async {
                        json(
                            StatusCode::BAD_REQUEST,
                            &serde_json::json!({"error": "give the person as ?idp=&sub="}),
                        )
                    }));
                };
                let store = self.store.clone();
                if req.uri.path().ends_with("/remove") {
                    let Some(id) = param("id")
                        .as_deref()
                        .and_then(parapet_access::webauthn::parse_credential_id)
                    else {
                        return Some(Box::pin(async {
                            json(
                                StatusCode::BAD_REQUEST,
                                &serde_json::json!({"error": "give the key's id (base64url) as ?id="}),
                            )
                        }));
                    };
                    return Some(Box::pin(async move {
                        match store.delete_access_credential(&idp, &sub, &id).await {
                            Ok(true) => {
                                tracing::info!(idp = %idp, sub = %sub, "security key removed");
                                json(StatusCode::OK, &serde_json::json!({"removed": true}))
                            }
                            Ok(false) => json(
                                StatusCode::NOT_FOUND,
                                &serde_json::json!({"error": "no such key for this person"}),
                            ),
                            Err(e) => crate::api::answer::<()>(Err(e)),
                        }
                    }));
                }
                Some(Box::pin(async move {
                    crate::api::answer(store.access_credentials(&idp, &sub).await.map(|list| {
                        serde_json::json!({
                            "credentials": list
                                .iter()
                                .map(parapet_access::webauthn::credential_json)
                                .collect::<Vec<_>>()
                        })
                    }))
                }))
            }
            _ => None,
        }
    }

    fn register_metrics(&self, registry: &mut Registry) {
        self.access.load().register_metrics(registry);
    }
}

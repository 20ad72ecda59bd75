//! The gateway: Parapet's reverse proxy, which every other service rides on.
//!
//! ```text
//! client ──TLS 1.3, X25519MLKEM768──> server (accept, handshake, hyper h1/h2)
//!        ──> proxy::handle (request id, routing, phases, owned headers)
//!        ──> upstream::Pool (select server, keep-alive pool, retries, health)
//!        <── response phase (modules) <── streamed body
//! ```
//!
//! Where things live:
//! - [`server`]: listeners (`SO_REUSEPORT`), the connection cap, TLS handshakes,
//!   hyper connections, idle and header timeouts, graceful shutdown, upgrades.
//! - [`proxy`]: one request end to end, and the access-log line.
//! - [`upstream`]: pools, balancing, passive and active health, the connector.
//! - [`tls`]: server and client TLS configs, SNI, the self-signed certificate.
//! - [`phases`]: the hooks other services implement ([`HttpModule`]).
//! - [`error`]: errors, and the one function that turns them into responses.
//! - [`admin`]: `/healthz` and `/metrics` on the admin listener.
//!
//! A configuration becomes a [`Runtime`] (routes, pools, TLS, limits); a reload
//! builds a new one and swaps it in atomically, so requests in flight finish on
//! the generation they started with and no request is dropped.

pub mod admin;
pub mod body;
pub mod error;
mod h1;
pub mod metrics;
pub mod phases;
pub mod proxy;
pub mod router;
pub mod server;
pub mod statics;
pub mod tls;
pub mod upstream;

use std::sync::Arc;

use arc_swap::ArcSwap;
use parapet_config::{Config, Limits, UpstreamKind};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use error::{GatewayError, ProxyError};
pub use metrics::Metrics;
pub use phases::{HttpModule, RequestAction, RequestCtx};

/// Everything a configuration generation decides.
pub struct Runtime {
    pub router: router::Router,
    pub upstreams: Vec<UpstreamImpl>,
    pub limits: Limits,
    pub tls: Option<Arc<tls::TlsServer>>,
    pub access_log: bool,
    _health_checks: Vec<upstream::AbortOnDrop>,
}

pub enum UpstreamImpl {
    Pool(Arc<upstream::Pool>),
    Static(statics::StaticFiles),
}

impl Runtime {
    /// Builds a generation from a validated config. Must run inside a Tokio
    /// runtime (health checks are spawned).
    pub fn build(config: &Config, metrics: &Arc<Metrics>) -> Result<Self, GatewayError> {
        let mut upstreams = Vec::with_capacity(config.upstreams.len());
        let mut checks = Vec::new();
        for u in &config.upstreams {
            upstreams.push(match &u.kind {
                UpstreamKind::Pool(p) => {
                    let pool = Arc::new(upstream::Pool::new(
                        &u.name,
                        p,
                        workers(config),
                        metrics.clone(),
                    )?);
                    checks.extend(pool.spawn_health_checks());
                    UpstreamImpl::Pool(pool)
                }
                UpstreamKind::Static(root) => {
                    UpstreamImpl::Static(statics::StaticFiles::new(root, &config.server.state_dir)?)
                }
                _ => {
                    return Err(GatewayError::Other(format!(
                        "upstream `{}`: unsupported kind",
                        u.name
                    )))
                }
            });
        }
        let tls = if config.listeners.iter().any(|l| l.tls) {
            Some(Arc::new(tls::TlsServer::new(
                &config.tls,
                &config.server.state_dir,
                &tls::ClientCaEntry::from_config(config),
            )?))
        } else {
            None
        };
        Ok(Self {
            router: router::Router::new(config),
            upstreams,
            limits: config.limits.clone(),
            tls,
            access_log: config.log.access_log,
            _health_checks: checks,
        })
    }
}

/// State shared by every connection and request.
pub struct Shared {
    pub runtime: ArcSwap<Runtime>,
    pub modules: phases::Modules,
    pub metrics: Arc<Metrics>,
    pub(crate) ids: proxy::RequestIds,
}

/// How many gateway workers `config` asks for: `server.worker_threads`, or one per CPU
/// core when it is 0.
pub fn workers(config: &Config) -> usize {
    match config.server.worker_threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        n => n,
    }
}

/// A gateway with its sockets bound, ready to [`Gateway::run`].
///
/// # Workers
///
/// The gateway serves on `workers` threads, each with its own single-threaded Tokio
/// runtime and its own socket for every listener (`SO_REUSEPORT`: the kernel spreads new
/// connections across them), as nginx's worker processes do. A connection lives and
/// dies on the worker that accepted it, and so do the upstream connections it opens, so
/// requests never pay for work stealing or cross-thread wake-ups; on two cores this
/// doubled the CSP report endpoint's rate over one work-stealing runtime
/// (`bench/results/reports.md`). Worker 0 is the runtime [`Gateway::run`] is called on,
/// which also runs the background services.
pub struct Gateway {
    shared: Arc<Shared>,
    /// Per worker, its socket of each listener.
    listeners: Vec<Vec<server::Listener>>,
    /// The admin socket and the API's bearer token.
    admin: Option<(std::net::TcpListener, Option<Arc<str>>)>,
    listen_set: Vec<(String, std::net::SocketAddr, bool, bool)>,
}

impl Gateway {
    /// Binds every listener of `config` and builds its first generation.
    pub fn bind(config: &Config, modules: Vec<Arc<dyn HttpModule>>) -> Result<Self, GatewayError> {
        let metrics = Metrics::with_modules(&modules);
        let runtime = Runtime::build(config, &metrics)?;
        let workers = workers(config);
        let mut listeners: Vec<Vec<server::Listener>> = (0..workers).map(|_| Vec::new()).collect();
        for l in &config.listeners {
            // Listener names live as long as the process; leaking one
            // small string per listener lets every request borrow it.
            let name: &'static str = Box::leak(l.name.clone().into_boxed_str());
            let slots = Arc::new(tokio::sync::Semaphore::new(config.limits.max_connections));
            let first = server::bind(l.listen)?;
            // The other workers' sockets join the first one's port (which the kernel chose
            // when the config says port 0).
            let addr = first.local_addr().unwrap_or(l.listen);
            let mut socket = Some(first);
            for (i, own) in listeners.iter_mut().enumerate() {
                let socket = match (i, socket.take()) {
                    (0, Some(first)) => first,
                    _ => server::bind(addr)?,
                };
                own.push(server::Listener {
                    name,
                    addr: l.listen,
                    tls: l.tls,
                    h2c: l.h2c,
                    socket,
                    slots: slots.clone(),
                });
            }
        }
        let admin = match &config.admin {
            Some(a) => Some((
                server::bind(a.listen)?,
                a.token.as_ref().map(|t| Arc::<str>::from(t.expose())),
            )),
            None => None,
        };
        Ok(Self {
            shared: Arc::new(Shared {
                runtime: ArcSwap::from_pointee(runtime),
                modules: modules.into(),
                metrics,
                ids: proxy::RequestIds::new(),
            }),
            listeners,
            admin,
            listen_set: listen_set(config),
        })
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// A handle that applies new configurations to the running gateway.
    pub fn reloader(&self) -> Reloader {
        Reloader {
            shared: self.shared.clone(),
            listen_set: self.listen_set.clone(),
        }
    }

    /// Serves until `shutdown` is cancelled, then stops accepting and gives the
    /// requests in flight up to `limits.shutdown_timeout` to finish.
    pub async fn run(self, shutdown: CancellationToken) {
        let tracker = TaskTracker::new();
        let limits = self.shared.runtime.load().limits.clone();
        let mut per_worker = self.listeners.into_iter();
        let mut accept_loops = Vec::new();
        for l in per_worker.next().unwrap_or_default() {
            accept_loops.push(tokio::spawn(server::accept_loop(
                l,
                self.shared.clone(),
                shutdown.clone(),
                tracker.clone(),
            )));
        }
        let mut workers = Vec::new();
        for (i, listeners) in per_worker.enumerate() {
            let index = i + 1;
            let (shared, shutdown, tracker) =
                (self.shared.clone(), shutdown.clone(), tracker.clone());
            let drain = limits.shutdown_timeout;
            let spawned = std::thread::Builder::new()
                .name(format!("parapet-worker-{index}"))
                .spawn(move || worker(index, listeners, shared, shutdown, tracker, drain));
            match spawned {
                Ok(handle) => workers.push(handle),
                // Its sockets were moved into the closure and are closed with it: the
                // kernel sends their share of connections to the other workers.
                Err(e) => {
                    tracing::error!(worker = index, error = %e, "cannot start a gateway worker")
                }
            }
        }
        let admin = self.admin.map(|(socket, token)| {
            tokio::spawn(admin::serve(
                socket,
                self.shared.clone(),
                token,
                shutdown.clone(),
            ))
        });
        shutdown.cancelled().await;
        for a in accept_loops {
            let _ = a.await;
        }
        tracker.close();
        let open = tracker.len();
        tracing::info!(connections = open, timeout = ?limits.shutdown_timeout, "shutting down: draining connections");
        if tokio::time::timeout(limits.shutdown_timeout, tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                connections = tracker.len(),
                "shutdown timeout: closing the connections still open"
            );
        }
        if let Some(a) = admin {
            a.abort();
        }
        if tracker.is_empty() {
            // Drained: the workers are finishing too.
            let _ = tokio::task::spawn_blocking(move || {
                for w in workers {
                    let _ = w.join();
                }
            })
            .await;
        }
    }
}

/// A gateway worker's thread: its own single-threaded runtime, its sockets, and the
/// connections it accepts, served until they drain after `shutdown` (or `drain` passes).
fn worker(
    index: usize,
    listeners: Vec<server::Listener>,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    drain: std::time::Duration,
) {
    server::set_worker(index);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(worker = index, error = %e, "cannot start a gateway worker's runtime");
            return;
        }
    };
    rt.block_on(async move {
        let loops: Vec<_> = listeners
            .into_iter()
            .map(|l| {
                tokio::spawn(server::accept_loop(
                    l,
                    shared.clone(),
                    shutdown.clone(),
                    tracker.clone(),
                ))
            })
            .collect();
        for l in loops {
            let _ = l.await;
        }
        // The connections this worker accepted run on this runtime: keep it until every
        // connection is done (the tracker is closed by worker 0) or the drain time is up.
        let _ = tokio::time::timeout(drain, tracker.wait()).await;
    });
}

fn listen_set(config: &Config) -> Vec<(String, std::net::SocketAddr, bool, bool)> {
    config
        .listeners
        .iter()
        .map(|l| (l.name.clone(), l.listen, l.tls, l.h2c))
        .collect()
}

/// Applies a new configuration to a running gateway.
#[derive(Clone)]
pub struct Reloader {
    shared: Arc<Shared>,
    listen_set: Vec<(String, std::net::SocketAddr, bool, bool)>,
}

impl Reloader {
    /// Builds the new generation and swaps it in; on error the running one
    /// stays. Listener and admin addresses are bound at start: a change to
    /// them is reported and needs a restart.
    pub fn reload(&self, config: &Config) -> Result<(), GatewayError> {
        let result = Runtime::build(config, &self.shared.metrics);
        self.shared.metrics.reload(result.is_ok());
        let runtime = result?;
        if listen_set(config) != self.listen_set {
            tracing::warn!("listener changes take effect at the next restart; routes, upstreams, TLS and limits are reloaded");
        }
        self.shared.runtime.store(Arc::new(runtime));
        tracing::info!(file = %config.source.display(), "configuration reloaded");
        Ok(())
    }
}

//! Upstream pools: server selection, passive and active health, and the
//! keep-alive connection pool that reaches the servers (plain or TLS).

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::uri::{Authority, Scheme};
use http::{Request, Uri};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use parapet_config::{Balance, HealthCheck, PassiveHealth, UpstreamProtocol};
use tokio::net::{TcpSocket, TcpStream};

use crate::body::{self, Body};
use crate::error::GatewayError;
use crate::metrics::Metrics;

pub type HttpClient = Client<HttpsConnector<TcpConnector>, Body>;

/// Milliseconds since the process started: a cheap clock for atomics.
pub fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// One server of a pool, with its health.
#[derive(Debug)]
pub struct Server {
    pub label: Arc<str>,
    pub authority: Authority,
    /// Requests sent and not yet answered in full (least-connections).
    pub in_flight: AtomicUsize,
    /// Consecutive failures (passive health).
    fails: AtomicU32,
    /// Ejected until this time (`now_ms`), 0 when not ejected.
    ejected_until: AtomicU64,
    /// Marked down by active health checks.
    check_down: AtomicBool,
}

impl Server {
    fn available(&self) -> bool {
        if self.check_down.load(Relaxed) {
            return false;
        }
        // Read the clock only for a server that was ejected.
        let until = self.ejected_until.load(Relaxed);
        until == 0 || until <= now_ms()
    }
}

/// A named pool of HTTP servers.
pub struct Pool {
    pub name: Arc<str>,
    pub servers: Vec<Server>,
    balance: Balance,
    rr: AtomicUsize,
    /// hyper's pooled client: requests with a body, HTTP/2 and upgrades.
    client: HttpClient,
    /// The HTTP/1.1 hot path for bodiless requests (see [`crate::h1`]).
    tcp: TcpConnector,
    tls: Option<(
        tokio_rustls::TlsConnector,
        Option<rustls::pki_types::ServerName<'static>>,
    )>,
    pub(crate) conns: crate::h1::IdleConns,
    fast_h1: bool,
    pub scheme: Scheme,
    pub response_timeout: Duration,
    passive: PassiveHealth,
    health_check: Option<HealthCheck>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.name)
            .field("servers", &self.servers)
            .finish()
    }
}

impl Pool {
    /// `workers`: the gateway's workers, each of which keeps its own idle connections.
    pub fn new(
        name: &str,
        cfg: &parapet_config::Pool,
        workers: usize,
        metrics: Arc<Metrics>,
    ) -> Result<Self, GatewayError> {
        let tcp = TcpConnector {
            connect_timeout: cfg.connect_timeout,
            source: cfg.source_address,
        };
        // Plain pools build one too: hyper's connector takes it either way.
        // ALPN is set by whoever connects (hyper-rustls, or the hot path below).
        let tls_cfg = crate::tls::client_config(&cfg.tls.clone().unwrap_or_default())?;
        let server_name = match cfg.tls.as_ref().and_then(|t| t.server_name.clone()) {
            Some(name) => Some(
                rustls::pki_types::ServerName::try_from(name.clone()).map_err(|e| {
                    GatewayError::Tls(format!("upstream `{name}`: bad tls.server_name: {e}"))
                })?,
            ),
            None => None,
        };
        let fast_tls = cfg.tls.is_some().then(|| {
            let mut c = tls_cfg.clone();
            c.alpn_protocols = vec![b"http/1.1".to_vec()];
            (
                tokio_rustls::TlsConnector::from(Arc::new(c)),
                server_name.clone(),
            )
        });
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_cfg)
            .https_or_http();
        let builder = match server_name {
            Some(name) => builder.with_server_name_resolver(FixedServerNameResolver::new(name)),
            None => builder,
        };
        let connector = match cfg.protocol {
            UpstreamProtocol::Http1 => builder.enable_http1().wrap_connector(tcp.clone()),
            UpstreamProtocol::H2 => builder.enable_http2().wrap_connector(tcp.clone()),
            UpstreamProtocol::Auto => builder.enable_all_versions().wrap_connector(tcp.clone()),
        };
        let mut b = Client::builder(TokioExecutor::new());
        b.pool_idle_timeout(cfg.pool_idle_timeout)
            .pool_max_idle_per_host(cfg.pool_max_idle_per_server)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .http1_preserve_header_case(false)
            .set_host(false);
        if cfg.protocol == UpstreamProtocol::H2 {
            b.http2_only(true);
        }
        let client = b.build(connector);
        let servers = cfg
            .servers
            .iter()
            .map(|s| {
                let authority: Authority = s.to_string().parse().map_err(|e| {
                    GatewayError::Other(format!("upstream `{name}`: server `{s}`: {e}"))
                })?;
                Ok(Server {
                    label: s.to_string().into(),
                    authority,
                    in_flight: AtomicUsize::new(0),
                    fails: AtomicU32::new(0),
                    ejected_until: AtomicU64::new(0),
                    check_down: AtomicBool::new(false),
                })
            })
            .collect::<Result<Vec<_>, GatewayError>>()?;
        Ok(Self {
            name: name.into(),
            conns: crate::h1::IdleConns::new(
                servers.len(),
                workers,
                cfg.pool_max_idle_per_server,
                cfg.pool_idle_timeout,
            ),
            tcp,
            tls: fast_tls,
            fast_h1: cfg.protocol == UpstreamProtocol::Http1,
            servers,
            balance: cfg.balance,
            rr: AtomicUsize::new(0),
            client,
            scheme: if cfg.tls.is_some() {
                Scheme::HTTPS
            } else {
                Scheme::HTTP
            },
            response_timeout: cfg.response_timeout,
            passive: cfg.passive_health,
            health_check: cfg.health_check.clone(),
            metrics,
        })
    }

    /// Picks a server that is up and not in `tried` (a bit set of indexes).
    pub fn select(&self, tried: u64) -> Option<usize> {
        let n = self.servers.len();
        let usable = |i: usize| (i >= 64 || tried & (1 << i) == 0) && self.servers[i].available();
        let start = if n == 1 {
            0
        } else {
            self.rr.fetch_add(1, Relaxed) % n
        };
        match self.balance {
            Balance::RoundRobin => (0..n).map(|k| (start + k) % n).find(|&i| usable(i)),
            Balance::LeastConnections => (0..n)
                .map(|k| (start + k) % n)
                .filter(|&i| usable(i))
                .min_by_key(|&i| self.servers[i].in_flight.load(Relaxed)),
        }
    }

    /// Records a connect failure or timeout; ejects the server after
    /// `max_fails` in a row.
    pub fn failed(&self, i: usize) {
        let s = &self.servers[i];
        let fails = s.fails.fetch_add(1, Relaxed) + 1;
        self.metrics.upstream_failure(&self.name, &s.label);
        if fails >= self.passive.max_fails {
            let until = now_ms() + self.passive.fail_timeout.as_millis() as u64;
            if s.ejected_until.swap(until, Relaxed) <= now_ms() {
                tracing::warn!(upstream = %self.name, server = %s.label, fails, for_ms = self.passive.fail_timeout.as_millis() as u64, "server ejected");
            }
            s.fails.store(0, Relaxed);
        }
    }

    pub fn succeeded(&self, i: usize) {
        let s = &self.servers[i];
        if s.fails.load(Relaxed) != 0 {
            s.fails.store(0, Relaxed);
        }
        if s.ejected_until.load(Relaxed) != 0 {
            s.ejected_until.store(0, Relaxed);
        }
    }

    /// Whether bodiless HTTP/1.1 requests take the hot path, [`Pool::send_bodiless`].
    pub fn fast_h1(&self) -> bool {
        self.fast_h1
    }

    /// Sends a request without a body (and not an upgrade) to server `i` on
    /// the HTTP/1.1 hot path and waits for the response head. The request is
    /// only borrowed: after a failed connect it can go to another server
    /// without having been copied.
    pub async fn send_bodiless(
        self: &Arc<Self>,
        i: usize,
        parts: &http::request::Parts,
    ) -> Result<http::Response<Body>, crate::h1::SendError> {
        let in_flight = InFlight::start(self, i);
        let resp = crate::h1::send(self, i, parts, in_flight).await?;
        Ok(resp.map(body::boxed))
    }

    /// Sends a request to server `i` through hyper's pooled client (bodies,
    /// HTTP/2, upgrades) and waits for the response head.
    pub async fn send(
        self: &Arc<Self>,
        i: usize,
        req: Request<Body>,
    ) -> Result<http::Response<Body>, crate::h1::SendError> {
        use crate::h1::SendError;
        let in_flight = InFlight::start(self, i);
        // hyper's client picks its connection by the URI's scheme and authority.
        let (mut parts, body) = req.into_parts();
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        parts.uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.servers[i].authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|e| SendError::Other(Box::new(e)))?;
        let req = Request::from_parts(parts, body);
        // Boxed: a rare path whose future is large.
        match Box::pin(self.client.request(req)).await {
            Ok(resp) => Ok(resp.map(|inner| {
                body::boxed(GuardedBody {
                    inner,
                    _in_flight: in_flight,
                })
            })),
            Err(e) if e.is_connect() => Err(SendError::Connect(Box::new(e))),
            Err(e) => Err(SendError::Other(Box::new(e))),
        }
    }

    /// Opens a connection to server `i` for the HTTP/1.1 hot path.
    pub(crate) async fn connect_h1(&self, i: usize) -> io::Result<Box<crate::h1::Conn>> {
        let authority = &self.servers[i].authority;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority
            .port_u16()
            .unwrap_or(if self.tls.is_some() { 443 } else { 80 });
        let tcp = self.tcp.open(host, port).await?;
        let io = match &self.tls {
            None => crate::h1::Io::Plain(tcp),
            Some((connector, name)) => {
                let name = match name {
                    Some(n) => n.clone(),
                    None => rustls::pki_types::ServerName::try_from(host.to_owned())
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
                };
                let tls =
                    tokio::time::timeout(self.tcp.connect_timeout, connector.connect(name, tcp))
                        .await
                        .map_err(|_| {
                            io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")
                        })??;
                crate::h1::Io::Tls(Box::new(tls))
            }
        };
        Ok(crate::h1::Conn::new(io))
    }

    /// Runs active health checks until the returned handle is dropped.
    pub fn spawn_health_checks(self: &Arc<Self>) -> Option<AbortOnDrop> {
        let check = self.health_check.clone()?;
        let pool = Arc::downgrade(self);
        let task = tokio::spawn(async move {
            let mut rises = Vec::new();
            let mut falls = Vec::new();
            let mut tick = tokio::time::interval(check.interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(pool) = pool.upgrade() else { return };
                rises.resize(pool.servers.len(), 0u32);
                falls.resize(pool.servers.len(), 0u32);
                for (i, s) in pool.servers.iter().enumerate() {
                    let ok = pool.probe(s, &check).await;
                    let (r, f) = (&mut rises[i], &mut falls[i]);
                    if ok {
                        *r += 1;
                        *f = 0;
                    } else {
                        *f += 1;
                        *r = 0;
                    }
                    let down = s.check_down.load(Relaxed);
                    if !down && *f >= check.fall {
                        s.check_down.store(true, Relaxed);
                        tracing::warn!(upstream = %pool.name, server = %s.label, "health check failed: server marked down");
                    } else if down && *r >= check.rise {
                        s.check_down.store(false, Relaxed);
                        tracing::info!(upstream = %pool.name, server = %s.label, "health check passed: server marked up");
                    }
                    pool.metrics
                        .set_server_up(&pool.name, &s.label, !s.check_down.load(Relaxed));
                }
            }
        });
        Some(AbortOnDrop(task))
    }

    async fn probe(&self, s: &Server, check: &HealthCheck) -> bool {
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(s.authority.clone())
            .path_and_query(check.path.as_str())
            .build();
        let Ok(uri) = uri else { return false };
        let mut req = Request::new(body::empty());
        *req.uri_mut() = uri;
        if let Ok(host) = http::HeaderValue::from_str(s.authority.as_str()) {
            req.headers_mut().insert(http::header::HOST, host);
        }
        req.headers_mut().insert(
            http::header::USER_AGENT,
            http::HeaderValue::from_static("parapet-health-check"),
        );
        match tokio::time::timeout(check.timeout, self.client.request(req)).await {
            Ok(Ok(resp)) => resp.status().is_success() || resp.status().is_redirection(),
            _ => false,
        }
    }
}

/// Counts a request against its server from the moment it is sent until its
/// response body is done or dropped; least-connections balancing reads it.
pub(crate) struct InFlight {
    pool: Arc<Pool>,
    server: usize,
}

impl InFlight {
    fn start(pool: &Arc<Pool>, server: usize) -> Self {
        pool.servers[server].in_flight.fetch_add(1, Relaxed);
        Self {
            pool: pool.clone(),
            server,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.pool.servers[self.server]
            .in_flight
            .fetch_sub(1, Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// A response body from hyper's client, holding its in-flight count.
    struct GuardedBody {
        #[pin]
        inner: hyper::body::Incoming,
        _in_flight: InFlight,
    }
}

impl http_body::Body for GuardedBody {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Aborts a background task when dropped (so a replaced config's health checks stop).
#[derive(Debug)]
pub struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Opens TCP connections to upstream servers: resolves names, tries each
/// address in turn within the connect timeout, disables Nagle, and binds the
/// configured source address with `IP_BIND_ADDRESS_NO_PORT`, so the kernel
/// picks the source port at connect time from the full 4-tuple space instead of
/// reserving one per socket at bind time (which exhausts ephemeral ports under
/// many upstream connections).
#[derive(Debug, Clone)]
pub struct TcpConnector {
    connect_timeout: Duration,
    source: Option<IpAddr>,
}

impl tower_service::Service<Uri> for TcpConnector {
    type Response = TokioIo<TcpStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let host = uri
                .host()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no host in URI"))?;
            let default_port = if uri.scheme() == Some(&Scheme::HTTPS) {
                443
            } else {
                80
            };
            let port = uri.port_u16().unwrap_or(default_port);
            let host = host.trim_start_matches('[').trim_end_matches(']');
            this.open(host, port).await.map(TokioIo::new)
        })
    }
}

impl TcpConnector {
    /// Resolves `host` and connects to its addresses in turn, within the
    /// connect timeout.
    pub async fn open(&self, host: &str, port: u16) -> io::Result<TcpStream> {
        let work = async {
            let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => tokio::net::lookup_host((host, port)).await?.collect(),
            };
            let mut last = io::Error::new(io::ErrorKind::NotFound, "name resolved to no address");
            for addr in addrs {
                match self.connect(addr).await {
                    Ok(s) => return Ok(s),
                    Err(e) => last = e,
                }
            }
            Err(last)
        };
        tokio::time::timeout(self.connect_timeout, work)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))?
    }

    async fn connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_nodelay(true)?;
        if let Some(src) = self.source {
            if src.is_ipv4() == addr.is_ipv4() {
                // Linux honours it on IPv6 sockets as well.
                nix::sys::socket::setsockopt(
                    &socket,
                    nix::sys::socket::sockopt::IpBindAddressNoPort,
                    &true,
                )
                .map_err(io::Error::from)?;
                socket.bind(SocketAddr::new(src, 0))?;
            }
        }
        socket.connect(addr).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(balance: &str, servers: usize) -> Pool {
        let list: Vec<String> = (0..servers)
            .map(|i| format!("\"127.0.0.1:{}\"", 1000 + i))
            .collect();
        let text = format!(
            "[[upstreams]]\nname = \"p\"\nservers = [{}]\nbalance = \"{balance}\"\n[upstreams.passive_health]\nmax_fails = 2\nfail_timeout = \"1h\"\n",
            list.join(", ")
        );
        let cfg = parapet_config::Config::from_str(&text, std::path::Path::new("t.toml")).unwrap();
        let parapet_config::UpstreamKind::Pool(p) = &cfg.upstreams[0].kind else {
            panic!("a pool")
        };
        Pool::new("p", p, 1, Metrics::new()).unwrap()
    }

    #[test]
    fn least_connections_picks_the_least_busy() {
        let p = pool("least-connections", 3);
        p.servers[0].in_flight.store(5, Relaxed);
        p.servers[1].in_flight.store(1, Relaxed);
        p.servers[2].in_flight.store(3, Relaxed);
        for _ in 0..6 {
            assert_eq!(p.select(0), Some(1));
        }
        assert_eq!(
            p.select(1 << 1),
            Some(2),
            "a server already tried is skipped"
        );
    }

    #[test]
    fn round_robin_cycles_and_ejection_needs_max_fails_in_a_row() {
        let p = pool("round-robin", 3);
        let picks: Vec<_> = (0..6).map(|_| p.select(0).unwrap()).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2]);
        p.failed(1);
        p.succeeded(1);
        p.failed(1);
        assert!(p.servers[1].available(), "a success resets the count");
        p.failed(1);
        assert!(!p.servers[1].available(), "two failures in a row eject");
        assert!((0..6).all(|_| p.select(0) != Some(1)));
        p.failed(0);
        p.failed(0);
        p.failed(2);
        p.failed(2);
        assert_eq!(p.select(0), None, "every server ejected");
    }
}

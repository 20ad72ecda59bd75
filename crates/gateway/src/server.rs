//! Listeners and client connections: accept with a connection cap, TLS
//! handshake, HTTP/1.1 or HTTP/2 with hyper, idle and header timeouts, graceful
//! shutdown, and the byte tunnel of upgraded connections.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::error::GatewayError;
use crate::Shared;

/// Binds a listening socket with `SO_REUSEPORT`, so that a new Parapet process
/// can bind the same address during an upgrade and the kernel spreads
/// connections across processes that share it.
pub fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, GatewayError> {
    use socket2::{Domain, Protocol, Socket, Type};
    let err = |source| GatewayError::Bind { addr, source };
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(err)?;
    socket.set_reuse_address(true).map_err(err)?;
    socket.set_reuse_port(true).map_err(err)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true).map_err(err)?;
    }
    socket.set_nonblocking(true).map_err(err)?;
    socket.bind(&addr.into()).map_err(err)?;
    socket.listen(4096).map_err(err)?;
    Ok(socket.into())
}

/// Whether a connection moves bytes, and how many requests it has in flight;
/// the idle timeout reads both. Reads and writes only bump a counter (no
/// clock on the hot path); the idle check compares it across its ticks.
#[derive(Debug, Default)]
pub struct Activity {
    ops: AtomicU64,
    in_flight: AtomicUsize,
    /// A request head on this connection carried both Content-Length and
    /// Transfer-Encoding (see [`HeadScan`]).
    both_framings: std::sync::atomic::AtomicBool,
    /// When the idle tick last ran ([`since_start`] nanoseconds), for [`TickTimer`].
    last_tick: AtomicU64,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    #[inline]
    fn touch(&self) {
        self.ops
            .store(self.ops.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Whether a head with both framings was read since the last call.
    pub fn take_both_framings(&self) -> bool {
        self.both_framings.swap(false, Relaxed)
    }

    pub fn request_started(self: &Arc<Self>) -> RequestGuard {
        self.in_flight.fetch_add(1, Relaxed);
        RequestGuard(self.clone())
    }

    /// Resolves once no byte moved for a whole `timeout` while no request was
    /// waiting for its response head (that wait is the upstream's response
    /// timeout). Checked every `tick` (at most half the timeout), so a
    /// connection is closed after between one timeout and one timeout and a
    /// tick. Each tick also notes the time for [`TickTimer`].
    async fn idle(&self, timeout: Duration, tick: Duration) {
        let tick = tick.min(timeout / 2).max(Duration::from_millis(1));
        let mut last = self.ops.load(Relaxed);
        let mut quiet = Duration::ZERO;
        loop {
            tokio::time::sleep(tick).await;
            self.last_tick.store(since_start(Instant::now()), Relaxed);
            let now = self.ops.load(Relaxed);
            if now != last || self.in_flight.load(Relaxed) != 0 {
                last = now;
                quiet = Duration::ZERO;
                continue;
            }
            quiet += tick;
            if quiet >= timeout {
                return;
            }
        }
    }
}

/// Nanoseconds from the first call to `at` (a process-wide origin), for instants kept in
/// atomics.
fn since_start(at: Instant) -> u64 {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    u64::try_from(at.saturating_duration_since(origin).as_nanos()).unwrap_or(u64::MAX)
}

/// hyper's timer for an HTTP/1 connection, whose only use is the header read timeout: a
/// deadline set when hyper starts waiting for a request head and dropped when the head
/// is in. tokio's timer would register and deregister an entry in its wheel for every
/// request; this one is a deadline checked against the connection's own idle tick
/// instead, so it costs nothing per request but a small allocation.
///
/// It works only where hyper polls it from the task that also runs the connection's
/// [`Activity::idle`] tick, polled first ([`drive`]): every tick wakes that task, and
/// hyper polls the timer again whenever it is still waiting for the head, so the timeout
/// fires at the first tick after the deadline (within one tick of it), without a waker
/// of its own.
#[derive(Clone)]
struct TickTimer(Arc<Activity>);

impl hyper::rt::Timer for TickTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(TickSleep {
            deadline: since_start(deadline),
            activity: self.0.clone(),
        })
    }
}

struct TickSleep {
    deadline: u64,
    activity: Arc<Activity>,
}

impl Future for TickSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.activity.last_tick.load(Relaxed) >= self.deadline {
            Poll::Ready(())
        } else {
            // Woken by the connection's next tick (see [`TickTimer`]).
            Poll::Pending
        }
    }
}

impl hyper::rt::Sleep for TickSleep {}

pub struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
        self.0.touch();
    }
}

/// What a request knows of its connection.
#[derive(Debug)]
pub struct ConnInfo {
    pub client: SocketAddr,
    pub listener: &'static str,
    pub tls: bool,
    /// The negotiated key-exchange group, `-` on plain connections.
    pub tls_group: &'static str,
    /// The client certificate of an mTLS connection, parsed and verified once.
    pub client_cert: Option<Arc<parapet_core::client_cert::ClientCert>>,
    pub activity: Arc<Activity>,
    pub forwarding: crate::proxy::Forwarding,
}

/// One worker's socket of a listener, bound at start.
pub struct Listener {
    pub name: &'static str,
    pub addr: SocketAddr,
    pub tls: bool,
    /// Plain listener that also detects HTTP/2 prior knowledge.
    pub h2c: bool,
    pub socket: std::net::TcpListener,
    /// The listener's connection cap, shared by the sockets of every worker.
    pub slots: Arc<Semaphore>,
}

std::thread_local! {
    static WORKER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The gateway worker this thread is (0 on the process's own runtime): per-worker state,
/// such as idle upstream connections, is kept apart by it.
pub fn worker() -> usize {
    WORKER.with(std::cell::Cell::get)
}

pub(crate) fn set_worker(index: usize) {
    WORKER.with(|w| w.set(index));
}

/// Accepts connections until `shutdown`, at most the listener's cap at once across
/// workers (further ones wait in the kernel's backlog).
pub async fn accept_loop(
    listener: Listener,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    let socket = match TcpListener::from_std(listener.socket) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(listener = listener.name, error = %e, "cannot register the listener");
            return;
        }
    };
    if worker() == 0 {
        tracing::info!(listener = listener.name, addr = %listener.addr, tls = listener.tls, "listening");
    }
    let slots = listener.slots;
    loop {
        // Accept, then wait for a slot: a worker that waited for a slot first would hold
        // one while its socket is idle, and with several workers the connections that
        // the kernel queues on another worker's socket could wait for a slot that an
        // idle worker holds. So each worker holds at most one accepted connection that
        // waits; the rest wait in the kernel's backlog.
        let accepted = tokio::select! {
            r = socket.accept() => r,
            () = shutdown.cancelled() => return,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather
                // than spin; the connections already open go on.
                tracing::warn!(listener = listener.name, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            () = shutdown.cancelled() => return,
        };
        let _ = stream.set_nodelay(true);
        shared.metrics.connection(listener.name);
        let shared = shared.clone();
        let shutdown = shutdown.clone();
        let (name, tls, h2c) = (listener.name, listener.tls, listener.h2c);
        tracker.spawn(async move {
            shared.metrics.connections_active.inc();
            serve_connection(stream, peer, name, tls, h2c, &shared, &shutdown).await;
            shared.metrics.connections_active.dec();
            drop(permit);
        });
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    listener: &'static str,
    tls: bool,
    h2c: bool,
    shared: &Arc<Shared>,
    shutdown: &CancellationToken,
) {
    let rt = shared.runtime.load_full();
    let activity = Activity::new();
    if !tls {
        let io = IdleIo {
            inner: stream,
            activity: activity.clone(),
            scan: Some(HeadScan::default()),
        };
        let info = ConnInfo {
            client: peer,
            listener,
            tls: false,
            tls_group: "-",
            client_cert: None,
            activity,
            forwarding: crate::proxy::Forwarding::new(peer.ip(), false),
        };
        // Without h2c the protocol is known; with it, hyper tells HTTP/2
        // prior knowledge from HTTP/1.1 by the connection preface.
        let h2 = if h2c { None } else { Some(false) };
        return serve_http(TokioIo::new(io), h2, info, shared, shutdown).await;
    }
    let Some(server) = rt.tls.clone() else {
        tracing::error!(listener, "TLS listener without a TLS configuration");
        return;
    };
    let io = IdleIo {
        inner: stream,
        activity: activity.clone(),
        scan: None,
    };
    let handshake = tokio::time::timeout(rt.limits.header_read_timeout, server.accept(io)).await;
    let (tls_stream, client_cert) = match handshake {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            shared.metrics.tls_handshake_failures.inc();
            tracing::debug!(client = %peer, error = %e, "TLS handshake failed");
            return;
        }
        Err(_) => {
            shared.metrics.tls_handshake_failures.inc();
            shared.metrics.connection_error("timeout");
            return;
        }
    };
    let (_, session) = tls_stream.get_ref();
    let group = crate::tls::group_name(session.negotiated_key_exchange_group());
    let version = crate::tls::version_name(session.protocol_version());
    let h2 = session.alpn_protocol() == Some(b"h2");
    shared.metrics.tls_handshake(group, version);
    tracing::info!(
        target: "parapet::tls",
        client = %peer,
        sni = session.server_name().unwrap_or("-"),
        group,
        version,
        alpn = if h2 { "h2" } else { "http/1.1" },
        client_cn = client_cert
            .as_ref()
            .map_or("-", |c| c.common_name.as_deref().unwrap_or("")),
        "TLS handshake"
    );
    let info = ConnInfo {
        client: peer,
        listener,
        tls: true,
        tls_group: group,
        client_cert,
        activity,
        forwarding: crate::proxy::Forwarding::new(peer.ip(), true),
    };
    if h2 {
        // HTTP/2 frames its messages itself: nothing to scan.
        serve_http(TokioIo::new(tls_stream), Some(true), info, shared, shutdown).await;
    } else {
        let activity = info.activity.clone();
        let io = IdleIo {
            inner: tls_stream,
            activity,
            scan: Some(HeadScan::default()),
        };
        serve_http(TokioIo::new(io), Some(false), info, shared, shutdown).await;
    }
}

/// Serves HTTP on one connection. `h2` says which protocol (the ALPN result on
/// TLS); `None` lets hyper tell HTTP/2 prior knowledge from HTTP/1.1.
async fn serve_http<I>(
    io: TokioIo<I>,
    h2: Option<bool>,
    info: ConnInfo,
    shared: &Arc<Shared>,
    shutdown: &CancellationToken,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = shared.runtime.load().limits.clone();
    let info = Arc::new(info);
    let activity = info.activity.clone();
    let service = {
        let shared = shared.clone();
        let info = info.clone();
        service_fn(move |req| crate::proxy::handle(shared.clone(), info.clone(), req))
    };
    let max_headers = u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX);
    // A known protocol gets its own hyper connection; only a plain listener
    // with h2c pays for sniffing the first bytes (hyper-util's auto builder).
    match h2 {
        Some(false) => {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TickTimer(activity.clone()))
                .header_read_timeout(limits.header_read_timeout)
                .max_buf_size(limits.max_header_bytes.max(8192))
                .writev(false)
                .keep_alive(true)
                .serve_connection(io, service)
                .with_upgrades();
            let tick = limits.header_read_timeout / 2;
            drive(conn, tick, &activity, &limits, &info, shared, shutdown).await;
        }
        Some(true) => {
            let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .max_header_list_size(max_headers)
                .max_concurrent_streams(256)
                .serve_connection(io, service);
            let tick = limits.idle_timeout / 2;
            drive(conn, tick, &activity, &limits, &info, shared, shutdown).await;
        }
        None => {
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .max_buf_size(limits.max_header_bytes.max(8192))
                .keep_alive(true);
            builder
                .http2()
                .timer(TokioTimer::new())
                .max_header_list_size(max_headers)
                .max_concurrent_streams(256);
            let conn = builder.serve_connection_with_upgrades(io, service);
            let tick = limits.idle_timeout / 2;
            drive(conn, tick, &activity, &limits, &info, shared, shutdown).await;
        }
    }
}

/// A hyper connection that can finish its requests in flight and close.
trait Drain: Future {
    fn drain(self: Pin<&mut Self>);
}

impl<I, S, B> Drain for hyper::server::conn::http1::UpgradeableConnection<I, S>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn drain(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl<I, S, B, E> Drain for hyper::server::conn::http2::Connection<I, S, E>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    fn drain(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl<I, S, B, E> Drain for auto::UpgradeableConnection<'_, I, S, E>
where
    S: hyper::service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::Future: 'static,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: hyper_util::server::conn::auto::HttpServerConnExec<S::Future, B>,
{
    fn drain(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// Runs a connection to its end: drained on shutdown, closed when idle.
async fn drive<C, E>(
    conn: C,
    tick: Duration,
    activity: &Activity,
    limits: &parapet_config::Limits,
    info: &ConnInfo,
    shared: &Shared,
    shutdown: &CancellationToken,
) where
    C: Drain<Output = Result<(), E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(conn);
    let mut draining = false;
    // The idle tick first: it also keeps the time that an HTTP/1 connection's header
    // read timeout is checked against (see [`TickTimer`]).
    let idle = activity.idle(limits.idle_timeout, tick);
    tokio::pin!(idle);
    loop {
        tokio::select! {
            biased;
            () = idle.as_mut() => {
                shared.metrics.connection_error("idle");
                return;
            }
            r = conn.as_mut() => {
                if let Err(e) = r {
                    let e: Box<dyn std::error::Error + Send + Sync> = e.into();
                    let kind = classify(&*e);
                    shared.metrics.connection_error(kind);
                    tracing::debug!(client = %info.client, error = %e, kind, "connection ended with an error");
                }
                return;
            }
            () = shutdown.cancelled(), if !draining => {
                // Finish the requests in flight, then close; keep-alive ends.
                draining = true;
                conn.as_mut().drain();
            }
        }
    }
}

fn classify(e: &(dyn std::error::Error + 'static)) -> &'static str {
    if let Some(h) = e.downcast_ref::<hyper::Error>() {
        if h.is_timeout() {
            return "timeout";
        }
        if h.is_parse() || h.is_parse_status() {
            return "protocol";
        }
        if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
            return "closed";
        }
    }
    "io"
}

/// Copies bytes both ways between an upgraded client connection and its
/// upstream until either side closes or nothing moves for `idle`.
pub async fn tunnel(
    client: hyper::upgrade::Upgraded,
    upstream: hyper::upgrade::Upgraded,
    idle: Duration,
    request_id: &str,
) {
    let activity = Activity::new();
    let mut client = IdleIo {
        inner: TokioIo::new(client),
        activity: activity.clone(),
        scan: None,
    };
    let mut upstream = TokioIo::new(upstream);
    tokio::select! {
        r = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {
            if let Err(e) = r {
                tracing::debug!(request_id, error = %e, "upgraded connection ended with an error");
            }
        }
        () = activity.idle(idle, idle / 2) => {
            tracing::debug!(request_id, "upgraded connection idle: closed");
        }
    }
}

pin_project_lite::pin_project! {
    /// Notes every byte that moves, for the idle timeout; on HTTP/1 plaintext
    /// it also watches request heads (see [`HeadScan`]).
    pub struct IdleIo<T> {
        #[pin]
        inner: T,
        activity: Arc<Activity>,
        scan: Option<HeadScan>,
    }
}

/// Finds request heads that carry both `Content-Length` and
/// `Transfer-Encoding`. hyper resolves such a message as RFC 9112 allows
/// (Transfer-Encoding wins, the connection closes after the response), but the
/// combination is the signature of request smuggling and Parapet refuses it
/// with 400, as nginx does. hyper drops the Content-Length before the request
/// reaches Parapet, so the raw bytes are where it can be seen: this keeps, per
/// line, only the few bytes that can hold either name, and raises the flag at
/// the blank line that ends a head with both.
#[derive(Debug, Default)]
pub struct HeadScan {
    prefix: [u8; 18],
    prefix_len: usize,
    line_len: usize,
    content_length: bool,
    transfer_encoding: bool,
}

impl HeadScan {
    /// Feeds bytes read from the client; true when a head with both
    /// framings ended in them.
    pub fn feed(&mut self, mut data: &[u8]) -> bool {
        let mut found = false;
        while let Some(pos) = memchr::memchr(b'\n', data) {
            self.push(&data[..pos]);
            found |= self.end_line();
            data = &data[pos + 1..];
        }
        self.push(data);
        found
    }

    fn push(&mut self, part: &[u8]) {
        let take = part.len().min(self.prefix.len() - self.prefix_len);
        self.prefix[self.prefix_len..self.prefix_len + take].copy_from_slice(&part[..take]);
        self.prefix_len += take;
        self.line_len += part.len();
    }

    fn end_line(&mut self) -> bool {
        let line = &self.prefix[..self.prefix_len];
        let blank = self.line_len == 0 || (self.line_len == 1 && line == b"\r");
        let mut found = false;
        if blank {
            found = self.content_length && self.transfer_encoding;
            self.content_length = false;
            self.transfer_encoding = false;
        } else if line.len() >= 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
            self.content_length = true;
        } else if line.len() >= 18 && line[..18].eq_ignore_ascii_case(b"transfer-encoding:") {
            self.transfer_encoding = true;
        }
        self.prefix_len = 0;
        self.line_len = 0;
        found
    }
}

impl<T: AsyncRead> AsyncRead for IdleIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let r = this.inner.poll_read(cx, buf);
        if buf.filled().len() != before {
            this.activity.touch();
            if let Some(scan) = this.scan {
                if scan.feed(&buf.filled()[before..]) {
                    this.activity.both_framings.store(true, Relaxed);
                }
            }
        }
        r
    }
}

impl<T: AsyncWrite> AsyncWrite for IdleIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let r = this.inner.poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            if n > 0 {
                this.activity.touch();
            }
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let r = this.inner.poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            if n > 0 {
                this.activity.touch();
            }
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::HeadScan;
    use proptest::strategy::Strategy;

    fn scan_in_pieces(data: &[u8], piece: usize) -> bool {
        let mut s = HeadScan::default();
        data.chunks(piece).fold(false, |found, c| found | s.feed(c))
    }

    #[test]
    fn both_framings_are_found_in_either_order_and_any_split() {
        let heads: [&[u8]; 2] = [
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\nhost: a\r\nCONTENT-LENGTH: 5\r\n\r\n0\r\n\r\n",
        ];
        for head in heads {
            for piece in [1, 2, 3, 7, 16, 1000] {
                assert!(
                    scan_in_pieces(head, piece),
                    "piece {piece}: {}",
                    String::from_utf8_lossy(head)
                );
            }
        }
    }

    proptest::proptest! {
        /// However the bytes are split across reads, the verdict is the same.
        #[test]
        fn the_verdict_does_not_depend_on_how_reads_split(
            data in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(b"Content-Length: 1\r\n".to_vec()),
                proptest::strategy::Just(b"transfer-encoding: chunked\r\n".to_vec()),
                proptest::strategy::Just(b"\r\n".to_vec()),
                proptest::collection::vec(proptest::num::u8::ANY, 0..12),
            ], 0..12).prop_map(|v| v.concat()),
            piece in 1usize..9,
        ) {
            proptest::prop_assert_eq!(scan_in_pieces(&data, piece), scan_in_pieces(&data, data.len().max(1)));
        }
    }

    #[test]
    fn ordinary_heads_are_not_flagged() {
        let ok: [&[u8]; 3] = [
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            // The two framings in two different messages of one connection.
            b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\nPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ];
        for head in ok {
            for piece in [1, 5, 1000] {
                assert!(
                    !scan_in_pieces(head, piece),
                    "{}",
                    String::from_utf8_lossy(head)
                );
            }
        }
    }
}

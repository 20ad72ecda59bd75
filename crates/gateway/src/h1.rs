//! The HTTP/1.1 hot path to upstream servers: requests without a body (GET,
//! HEAD: most of a site's traffic), written and read by the request's own task.
//!
//! hyper's client runs each upstream connection as a task of its own and
//! passes the request, the response head and every body chunk over channels,
//! so a proxied request wakes extra tasks and crosses several queues. Here the
//! request head is written straight to the socket, the response head is parsed
//! in place (httparse, as hyper does), and the body is read from the socket by
//! whoever polls it: the client connection's task. Idle connections wait in a
//! per-server stack.
//!
//! Response framing follows RFC 9112 section 6.3 strictly: no body for HEAD,
//! 1xx, 204 and 304; a `Transfer-Encoding` ending in `chunked` wins over
//! `Content-Length` (and the connection is then not reused); malformed or
//! conflicting lengths are errors; otherwise the body runs to the close.
//! Requests with a body, HTTP/2 and upgrades go through hyper's client (see
//! [`crate::upstream::Pool::send`]); the proxy picks the path.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Waker};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode, Version};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::body::BoxError;
use crate::upstream::now_ms;

/// Largest response head accepted from an upstream.
const MAX_HEAD: usize = 64 * 1024;
/// Most header lines accepted in a response head.
const MAX_HEADERS: usize = 128;
/// Longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 4096;
/// Read buffer growth step.
const READ_CHUNK: usize = 16 * 1024;
/// Informational (1xx) heads skipped before the final one, at most.
const MAX_INFORMATIONAL: usize = 8;

/// Why a request did not get a response head.
#[derive(Debug)]
pub enum SendError {
    /// No connection could be opened: nothing was sent.
    Connect(BoxError),
    /// The exchange failed after the request may have been sent.
    Other(BoxError),
}

impl SendError {
    pub fn into_source(self) -> BoxError {
        match self {
            Self::Connect(e) | Self::Other(e) => e,
        }
    }
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// The socket to an upstream server, plain or TLS.
pub enum Io {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_flush(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// One upstream connection with its buffers.
pub struct Conn {
    io: Io,
    /// Bytes read and not yet consumed.
    rbuf: BytesMut,
    /// The request head being written (reused across requests).
    wbuf: Vec<u8>,
    /// When it was put back idle (`now_ms`).
    since: u64,
}

impl Conn {
    pub fn new(io: Io) -> Box<Self> {
        Box::new(Self {
            io,
            rbuf: BytesMut::new(),
            wbuf: Vec::with_capacity(512),
            since: now_ms(),
        })
    }

    /// Reads more bytes into `rbuf`; `Ok(0)` at the end of the stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.rbuf.capacity() - self.rbuf.len() < 1024 {
            self.rbuf.reserve(READ_CHUNK);
        }
        tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.rbuf)
    }

    /// Whether the server closed (or wrote to) this idle connection; it is
    /// reusable only when there is nothing to read.
    fn still_open(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        matches!(self.poll_fill(&mut cx), Poll::Pending) && self.rbuf.is_empty()
    }
}

/// Idle keep-alive connections, per server and gateway worker: a connection is
/// registered with the runtime of the worker that opened it, so only that worker
/// reuses it (no cross-thread wake-ups on the hot path).
pub struct IdleConns {
    /// Boxed: a connection is large, and the futures that hold one would be
    /// too; a box moves as a pointer. Server `s`, worker `w` at `s * workers + w`.
    #[allow(clippy::vec_box)]
    stacks: Vec<Mutex<Vec<Box<Conn>>>>,
    workers: usize,
    /// Per stack: the server's idle bound shared out among the workers.
    max_idle: usize,
    idle_timeout_ms: u64,
}

impl IdleConns {
    pub fn new(servers: usize, workers: usize, max_idle: usize, idle_timeout: Duration) -> Self {
        let workers = workers.max(1);
        Self {
            stacks: (0..servers * workers)
                .map(|_| Mutex::new(Vec::new()))
                .collect(),
            workers,
            max_idle: max_idle.div_ceil(workers),
            idle_timeout_ms: idle_timeout.as_millis() as u64,
        }
    }

    #[allow(clippy::vec_box)] // see `stacks`
    fn stack(&self, server: usize) -> Option<&Mutex<Vec<Box<Conn>>>> {
        let worker = crate::server::worker() % self.workers;
        self.stacks.get(server.checked_mul(self.workers)? + worker)
    }

    /// This worker's most recently used idle connection to `server` that is still open.
    pub fn checkout(&self, server: usize) -> Option<Box<Conn>> {
        let now = now_ms();
        loop {
            let mut c = self.stack(server)?.lock().ok()?.pop()?;
            if now.saturating_sub(c.since) <= self.idle_timeout_ms && c.still_open() {
                return Some(c);
            }
        }
    }

    fn put_back(&self, server: usize, mut c: Box<Conn>) {
        c.since = now_ms();
        if let Some(Ok(mut stack)) = self.stack(server).map(Mutex::lock) {
            if stack.len() < self.max_idle {
                stack.push(c);
            }
        }
    }
}

/// Writes the request head of a bodiless request.
fn encode_head(parts: &http::request::Parts, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.push(b' ');
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in &parts.headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// How the response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    Close,
}

/// A parsed response head.
struct Head {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    framing: Framing,
    /// The connection may carry another request after this response.
    reusable: bool,
}

/// Room left in a response's header map for the headers Parapet and its
/// modules add (the request id, a report-only CSP): no regrowth for them.
const ADDED_HEADERS: usize = 4;

/// Where a header's name and value lie in the head: (offset, length) each.
type Span = [(u32, u32); 2];

/// Parses a response head at the start of `buf` and consumes it; `Ok(None)`
/// (nothing consumed) when more bytes are needed.
///
/// The head is split off the read buffer and frozen, and header values are
/// slices of it: no copy and no allocation per header. httparse's slots are
/// left uninitialised (it fills what it uses); the headers' places are noted
/// as offsets, which stay valid across the split.
fn parse_head(buf: &mut BytesMut, method: &Method) -> io::Result<Option<Head>> {
    if buf.is_empty() {
        return Ok(None);
    }
    // Only as many spans as there are headers: zeroing room for `MAX_HEADERS` of them cost
    // more than the parse itself.
    let mut spans: Vec<Span> = Vec::new();
    let (len, code, minor) = {
        let mut slots = [const { MaybeUninit::uninit() }; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut []);
        let parsed = httparse::ParserConfig::default()
            .parse_response_with_uninit_headers(&mut resp, buf, &mut slots);
        let len = match parsed {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                if buf.len() > MAX_HEAD {
                    return Err(invalid("upstream response head too large"));
                }
                return Ok(None);
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(invalid("upstream response has too many headers"))
            }
            Err(_) => return Err(invalid("malformed upstream response head")),
        };
        let base = buf.as_ptr() as usize;
        let span = |b: &[u8]| {
            let offset = (b.as_ptr() as usize).wrapping_sub(base);
            (
                u32::try_from(offset).unwrap_or(u32::MAX),
                u32::try_from(b.len()).unwrap_or(u32::MAX),
            )
        };
        spans.extend(
            resp.headers
                .iter()
                .map(|h| [span(h.name.as_bytes()), span(h.value)]),
        );
        (len, resp.code, resp.version)
    };
    let head = buf.split_to(len).freeze();
    let range = |(offset, n): (u32, u32)| -> io::Result<std::ops::Range<usize>> {
        let (offset, n) = (offset as usize, n as usize);
        match offset.checked_add(n) {
            _ if n == 0 => Ok(0..0),
            Some(end) if end <= head.len() => Ok(offset..end),
            _ => Err(invalid("malformed upstream response head")),
        }
    };
    let status =
        StatusCode::from_u16(code.unwrap_or(0)).map_err(|_| invalid("bad upstream status"))?;
    let version = if minor == Some(1) {
        Version::HTTP_11
    } else {
        Version::HTTP_10
    };
    let mut headers = HeaderMap::with_capacity(spans.len() + ADDED_HEADERS);
    let mut length: Option<u64> = None;
    let mut te_chunked = None;
    let (mut saw_close, mut saw_keep_alive) = (false, false);
    let mut connection_listed: Vec<HeaderName> = Vec::new();
    for [name, value] in &spans {
        let name = HeaderName::from_bytes(&head[range(*name)?])
            .map_err(|_| invalid("bad upstream header name"))?;
        let value = HeaderValue::from_maybe_shared(head.slice(range(*value)?))
            .map_err(|_| invalid("bad upstream header value"))?;
        let raw = value.as_bytes();
        if name == header::CONTENT_LENGTH {
            for part in raw.split(|&b| b == b',') {
                let n = parse_length(part).ok_or_else(|| invalid("bad upstream Content-Length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(invalid("conflicting upstream Content-Length"));
                }
                length = Some(n);
            }
        } else if name == header::TRANSFER_ENCODING {
            // Only the last coding decides whether the body is chunked.
            let last = raw.rsplit(|&b| b == b',').next().unwrap_or_default();
            te_chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if name == header::CONNECTION {
            for token in raw.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    saw_close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    saw_keep_alive = true;
                } else if let Ok(listed) = HeaderName::from_bytes(token) {
                    connection_listed.push(listed);
                }
            }
        }
        // Hop-by-hop headers describe this connection, not the response:
        // they are not passed on (RFC 9110 7.6.1).
        if !is_hop_by_hop(&name) {
            headers.append(name, value);
        }
    }
    // HTTP/1.0 closes unless asked to keep alive; a `close` always wins.
    let close = saw_close || (version == Version::HTTP_10 && !saw_keep_alive);
    let no_body = *method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let (framing, reusable) = match (no_body, te_chunked, length) {
        (true, _, _) => (Framing::Empty, !close),
        // Both framings: chunked wins, and the connection is not trusted again.
        (false, Some(true), Some(_)) => (Framing::Chunked, false),
        (false, Some(true), None) => (Framing::Chunked, !close),
        (false, Some(false), _) => (Framing::Close, false),
        (false, None, Some(0)) => (Framing::Empty, !close),
        (false, None, Some(n)) => (Framing::Length(n), !close),
        (false, None, None) => (Framing::Close, false),
    };
    if !no_body && te_chunked.is_some() {
        headers.remove(header::CONTENT_LENGTH);
    }
    for name in connection_listed {
        headers.remove(name);
    }
    Ok(Some(Head {
        status,
        version,
        headers,
        framing,
        reusable,
    }))
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    name == header::CONNECTION
        || name == header::TRANSFER_ENCODING
        || name == header::UPGRADE
        || name == header::TE
        || name == header::TRAILER
        || name == header::PROXY_AUTHENTICATE
        || name == header::PROXY_AUTHORIZATION
        || name.as_str() == "keep-alive"
        || name.as_str() == "proxy-connection"
}

fn parse_length(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Sends a bodiless request on `conn` and reads the response head.
async fn exchange(conn: &mut Conn, parts: &http::request::Parts) -> io::Result<Head> {
    encode_head(parts, &mut conn.wbuf);
    conn.io.write_all(&conn.wbuf).await?;
    conn.io.flush().await?;
    let mut informational = 0;
    loop {
        if let Some(head) = parse_head(&mut conn.rbuf, &parts.method)? {
            if head.status.is_informational() {
                // 100 Continue, 103 Early Hints: skip to the final response.
                informational += 1;
                if informational > MAX_INFORMATIONAL {
                    return Err(invalid("too many informational responses"));
                }
                continue;
            }
            return Ok(head);
        }
        if std::future::poll_fn(|cx| conn.poll_fill(cx)).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "upstream closed before the response head",
            ));
        }
    }
}

/// Sends a request without a body to server `server` of `pool`, on an idle
/// connection or a new one, and returns the response with its streaming body.
/// A reused connection that the server had closed meanwhile (nothing came back)
/// is retried once on a new connection for safe methods.
pub(crate) async fn send(
    pool: &Arc<crate::upstream::Pool>,
    server: usize,
    parts: &http::request::Parts,
    in_flight: crate::upstream::InFlight,
) -> Result<Response<H1Body>, SendError> {
    let mut in_flight = Some(in_flight);
    let mut reused = pool.conns.checkout(server);
    loop {
        let (mut conn, was_reused) = match reused.take() {
            Some(c) => (c, true),
            None => (
                Box::pin(pool.connect_h1(server))
                    .await
                    .map_err(|e| SendError::Connect(Box::new(e)))?,
                false,
            ),
        };
        match exchange(&mut conn, parts).await {
            Ok(head) => {
                let mut resp = Response::new(H1Body {
                    conn: Some(conn),
                    state: match head.framing {
                        Framing::Empty => State::Done,
                        Framing::Length(n) => State::Length(n),
                        Framing::Chunked => State::ChunkSize,
                        Framing::Close => State::Close,
                    },
                    reusable: head.reusable,
                    pool: pool.clone(),
                    server,
                    _in_flight: in_flight.take(),
                });
                *resp.status_mut() = head.status;
                *resp.version_mut() = head.version;
                *resp.headers_mut() = head.headers;
                resp.body_mut().finish_if_done();
                return Ok(resp);
            }
            Err(e) => {
                let stale = was_reused
                    && matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::BrokenPipe
                    );
                if stale && parts.method.is_safe() {
                    continue;
                }
                return Err(SendError::Other(Box::new(e)));
            }
        }
    }
}

/// Where the body reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Bytes left of a `Content-Length` body.
    Length(u64),
    /// Expecting a chunk-size line.
    ChunkSize,
    /// Bytes left of the current chunk.
    ChunkData(u64),
    /// Expecting the CRLF after a chunk's data.
    ChunkEnd,
    /// Reading trailer lines until the empty one.
    Trailers,
    /// Until the server closes.
    Close,
    Done,
}

/// A response body read straight from its upstream connection. When it ends
/// as framed, the connection goes back to the idle stack.
pub struct H1Body {
    conn: Option<Box<Conn>>,
    state: State,
    reusable: bool,
    pool: Arc<crate::upstream::Pool>,
    server: usize,
    /// Released with the body (least-connections balancing).
    _in_flight: Option<crate::upstream::InFlight>,
}

impl H1Body {
    /// At the end of the body: the connection goes back idle if the server
    /// allows it and sent nothing past the response.
    fn finish_if_done(&mut self) {
        if self.state != State::Done {
            return;
        }
        if let Some(c) = self.conn.take() {
            if self.reusable && c.rbuf.is_empty() {
                self.pool.conns.put_back(self.server, c);
            }
        }
    }

    /// Takes one line (without CRLF) from the buffer, reading as needed.
    fn poll_line(conn: &mut Conn, cx: &mut Context<'_>) -> Poll<io::Result<Bytes>> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &conn.rbuf) {
                if pos > MAX_LINE {
                    return Poll::Ready(Err(invalid("chunked line too long")));
                }
                let mut line = conn.rbuf.split_to(pos + 1).freeze();
                line.truncate(pos);
                if line.last() == Some(&b'\r') {
                    line.truncate(pos - 1);
                }
                return Poll::Ready(Ok(line));
            }
            if conn.rbuf.len() > MAX_LINE {
                return Poll::Ready(Err(invalid("chunked line too long")));
            }
            if ready!(conn.poll_fill(cx))? == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "upstream closed inside a chunked body",
                )));
            }
        }
    }

    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        let Some(conn) = self.conn.as_mut() else {
            return Poll::Ready(None);
        };
        loop {
            match self.state {
                State::Done => return Poll::Ready(None),
                State::Length(left) | State::ChunkData(left) => {
                    if conn.rbuf.is_empty() && ready!(conn.poll_fill(cx))? == 0 {
                        return Poll::Ready(Some(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "upstream closed before the end of the body",
                        ))));
                    }
                    let take = conn
                        .rbuf
                        .len()
                        .min(usize::try_from(left).unwrap_or(usize::MAX));
                    let data = conn.rbuf.split_to(take).freeze();
                    let left = left - take as u64;
                    self.state = match (self.state, left) {
                        (State::Length(_), 0) => State::Done,
                        (State::Length(_), n) => State::Length(n),
                        (_, 0) => State::ChunkEnd,
                        (_, n) => State::ChunkData(n),
                    };
                    return Poll::Ready(Some(Ok(data)));
                }
                State::ChunkSize => {
                    let line = ready!(Self::poll_line(conn, cx))?;
                    let size = line
                        .split(|&b| b == b';')
                        .next()
                        .unwrap_or_default()
                        .trim_ascii();
                    if size.is_empty() || size.len() > 15 || !size.iter().all(u8::is_ascii_hexdigit)
                    {
                        return Poll::Ready(Some(Err(invalid("bad chunk size from upstream"))));
                    }
                    let n = std::str::from_utf8(size)
                        .ok()
                        .and_then(|s| u64::from_str_radix(s, 16).ok())
                        .ok_or_else(|| invalid("bad chunk size from upstream"))?;
                    self.state = if n == 0 {
                        State::Trailers
                    } else {
                        State::ChunkData(n)
                    };
                }
                State::ChunkEnd => {
                    let line = ready!(Self::poll_line(conn, cx))?;
                    if !line.is_empty() {
                        return Poll::Ready(Some(Err(invalid("chunk data longer than its size"))));
                    }
                    self.state = State::ChunkSize;
                }
                State::Trailers => {
                    // Trailers are dropped: hop-by-hop framing metadata here.
                    if ready!(Self::poll_line(conn, cx))?.is_empty() {
                        self.state = State::Done;
                    }
                }
                State::Close => {
                    if conn.rbuf.is_empty() && ready!(conn.poll_fill(cx))? == 0 {
                        self.state = State::Done;
                        self.reusable = false;
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(conn.rbuf.split().freeze())));
                }
            }
        }
    }
}

impl http_body::Body for H1Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = this.poll_data(cx);
        match &polled {
            Poll::Ready(Some(Err(_))) => {
                this.conn = None;
                this.state = State::Done;
            }
            Poll::Ready(_) => this.finish_if_done(),
            Poll::Pending => {}
        }
        polled.map(|o| o.map(|r| r.map(http_body::Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        self.state == State::Done
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self.state {
            State::Done => http_body::SizeHint::with_exact(0),
            State::Length(n) => http_body::SizeHint::with_exact(n),
            _ => http_body::SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn head(raw: &str, method: Method) -> io::Result<Option<Head>> {
        parse_head(&mut BytesMut::from(raw.as_bytes()), &method)
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let cases = [
            (
                "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n",
                Method::GET,
                Framing::Length(5),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n",
                Method::HEAD,
                Framing::Empty,
                true,
            ),
            (
                "HTTP/1.1 204 No Content\r\n\r\n",
                Method::GET,
                Framing::Empty,
                true,
            ),
            (
                "HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n",
                Method::GET,
                Framing::Empty,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
                Method::GET,
                Framing::Chunked,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n",
                Method::GET,
                Framing::Chunked,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n",
                Method::GET,
                Framing::Close,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\n\r\n",
                Method::GET,
                Framing::Close,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\n",
                Method::GET,
                Framing::Length(5),
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\ncontent-length: 5\r\n\r\n",
                Method::GET,
                Framing::Length(5),
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\ncontent-length: 5\r\nconnection: keep-alive\r\n\r\n",
                Method::GET,
                Framing::Length(5),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\ncontent-length: 5, 5\r\n\r\n",
                Method::GET,
                Framing::Length(5),
                true,
            ),
        ];
        for (raw, method, framing, reusable) in cases {
            let mut buf = BytesMut::from(format!("{raw}body").as_bytes());
            let h = parse_head(&mut buf, &method).unwrap().unwrap();
            assert_eq!((h.framing, h.reusable), (framing, reusable), "{raw:?}");
            assert_eq!(
                &buf[..],
                b"body",
                "the head, and only the head, is consumed"
            );
        }
    }

    #[test]
    fn hop_by_hop_headers_are_left_out() {
        let h = head(
            "HTTP/1.1 200 OK\r\nconnection: keep-alive, x-hop\r\nkeep-alive: timeout=5\r\nx-hop: 1\r\ntransfer-encoding: chunked\r\nx-app: 2\r\n\r\n",
            Method::GET,
        )
        .unwrap()
        .unwrap();
        let names: Vec<_> = h.headers.keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["x-app"]);
        assert_eq!((h.framing, h.reusable), (Framing::Chunked, true));
    }

    #[test]
    fn bad_heads_are_errors_and_partial_heads_wait() {
        for raw in [
            "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 1e3\r\n\r\n",
            "HTTP/1.1 999999 Nope\r\n\r\n",
            "garbage\r\n\r\n",
        ] {
            assert!(head(raw, Method::GET).is_err(), "{raw:?}");
        }
        assert!(head("HTTP/1.1 200 OK\r\ncontent-le", Method::GET)
            .unwrap()
            .is_none());
        let huge = format!("HTTP/1.1 200 OK\r\nx: {}", "a".repeat(MAX_HEAD + 1));
        assert!(head(&huge, Method::GET).is_err());
    }

    #[test]
    fn request_heads_are_encoded() {
        let (parts, ()) = Request::get("http://10.0.0.1:8080/a?b=c")
            .header("host", "shop.test")
            .header("x-forwarded-for", "192.0.2.1")
            .body(())
            .unwrap()
            .into_parts();
        let mut out = Vec::new();
        encode_head(&parts, &mut out);
        assert_eq!(
            out,
            b"GET /a?b=c HTTP/1.1\r\nhost: shop.test\r\nx-forwarded-for: 192.0.2.1\r\n\r\n"
        );
    }
}

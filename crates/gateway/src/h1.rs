//! HTTP/1.1 to upstream servers, driven inside the request's own task.
//!
//! hyper's pooled client runs every upstream connection as a task of its own
//! and talks to it over channels, so each proxied request wakes two extra tasks
//! and crosses a pool lock keyed by a hashed authority. Here the request's task
//! polls the upstream connection itself, first while waiting for the response
//! head and then from the response body, and idle connections wait in a plain
//! per-server stack. That is the proxy's hot path; HTTP/2 and protocol
//! upgrades use hyper's pooled client (see [`crate::upstream`]).

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::body::{Body, BoxError};
use crate::upstream::{now_ms, TcpConnector};

type Io = MaybeHttpsStream<TokioIo<TcpStream>>;

/// One upstream connection: the handle to send on, and the connection to poll.
pub struct Conn {
    send: SendRequest<Body>,
    conn: Connection<Io, Body>,
    /// When it was put back idle (`now_ms`).
    since: u64,
}

/// Idle keep-alive connections, per server.
pub struct IdleConns {
    /// Boxed: a connection is large, and the futures that hold one would be
    /// too; a box moves as a pointer.
    #[allow(clippy::vec_box)]
    stacks: Vec<Mutex<Vec<Box<Conn>>>>,
    max_idle: usize,
    idle_timeout_ms: u64,
}

/// Why a request did not get a response head.
#[derive(Debug)]
pub enum SendError {
    /// No connection could be opened: nothing was sent.
    Connect(BoxError),
    /// The connection failed after the request may have been sent.
    Other(BoxError),
}

impl SendError {
    pub fn into_source(self) -> BoxError {
        match self {
            Self::Connect(e) | Self::Other(e) => e,
        }
    }
}

impl IdleConns {
    pub fn new(servers: usize, max_idle: usize, idle_timeout: Duration) -> Self {
        Self {
            stacks: (0..servers).map(|_| Mutex::new(Vec::new())).collect(),
            max_idle,
            idle_timeout_ms: idle_timeout.as_millis() as u64,
        }
    }

    /// Takes the most recently used idle connection that is still open.
    fn checkout(&self, server: usize) -> Option<Box<Conn>> {
        let now = now_ms();
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            let mut c = self.stacks[server].lock().ok()?.pop()?;
            if now.saturating_sub(c.since) > self.idle_timeout_ms {
                continue;
            }
            // Polling lets hyper notice a close from the server (and makes an
            // idle connection ask for its next request).
            if Pin::new(&mut c.conn).poll(&mut cx).is_ready() {
                continue;
            }
            if let Poll::Ready(Ok(())) = c.send.poll_ready(&mut cx) {
                return Some(c);
            }
        }
    }

    fn put_back(&self, server: usize, mut c: Box<Conn>) {
        c.since = now_ms();
        if let Ok(mut stack) = self.stacks[server].lock() {
            if stack.len() < self.max_idle {
                stack.push(c);
            }
        }
    }
}

/// Opens a connection (TCP, then TLS when the URI is https).
async fn connect(
    connector: &HttpsConnector<TcpConnector>,
    uri: Uri,
) -> Result<Box<Conn>, SendError> {
    let io = tower_service::Service::call(&mut connector.clone(), uri)
        .await
        .map_err(SendError::Connect)?;
    let (send, conn) = http1::Builder::new()
        .handshake(io)
        .await
        .map_err(|e| SendError::Connect(Box::new(e)))?;
    Ok(Box::new(Conn {
        send,
        conn,
        since: now_ms(),
    }))
}

/// Sends `req` to `server` on an idle connection, or a new one. A request
/// that a reused connection refused before writing it (the server had closed
/// it) goes again on a new connection.
pub(crate) async fn send(
    idle: &std::sync::Arc<crate::upstream::Pool>,
    connector: &HttpsConnector<TcpConnector>,
    server: usize,
    req: Request<Body>,
) -> Result<Response<H1Body>, SendError> {
    let uri = req.uri().clone();
    let mut req = req;
    let mut fresh = false;
    loop {
        let mut c = match idle.conns.checkout(server) {
            Some(c) => c,
            None => {
                fresh = true;
                Box::pin(connect(connector, uri.clone())).await?
            }
        };
        let mut pending = std::pin::pin!(c.send.try_send_request(req));
        let mut conn_done = false;
        let result = poll_fn(|cx| {
            if let Poll::Ready(r) = pending.as_mut().poll(cx) {
                return Poll::Ready(r);
            }
            if !conn_done && Pin::new(&mut c.conn).poll(cx).is_ready() {
                // The connection ended; the response future now holds why.
                conn_done = true;
                return pending.as_mut().poll(cx);
            }
            Poll::Pending
        })
        .await;
        match result {
            Ok(resp) => {
                let (parts, incoming) = resp.into_parts();
                let conn = (!conn_done).then_some(c);
                return Ok(Response::from_parts(
                    parts,
                    H1Body {
                        incoming,
                        conn,
                        pool: idle.clone(),
                        server,
                    },
                ));
            }
            Err(mut e) => match e.take_message() {
                Some(unsent) if !fresh => req = unsent,
                _ => return Err(SendError::Other(Box::new(e.into_error()))),
            },
        }
    }
}

/// A response body read straight from its upstream connection; when it ends
/// cleanly the connection goes back to the idle stack.
pub struct H1Body {
    incoming: Incoming,
    conn: Option<Box<Conn>>,
    pool: std::sync::Arc<crate::upstream::Pool>,
    server: usize,
}

impl http_body::Body for H1Body {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(c) = &mut this.conn {
            if Pin::new(&mut c.conn).poll(cx).is_ready() {
                this.conn = None;
            }
        }
        let frame = Pin::new(&mut this.incoming).poll_frame(cx);
        if let Poll::Ready(None) = frame {
            if let Some(c) = this.conn.take() {
                this.pool.conns.put_back(this.server, c);
            }
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.incoming)
    }
}

impl Drop for H1Body {
    fn drop(&mut self) {
        // A body that ended before its last frame was read (empty bodies, HEAD)
        // still leaves a reusable connection when hyper says it is done.
        if http_body::Body::is_end_stream(&self.incoming) {
            if let Some(c) = self.conn.take() {
                self.pool.conns.put_back(self.server, c);
            }
        }
    }
}

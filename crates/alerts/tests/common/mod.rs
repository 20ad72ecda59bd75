//! A receiver on loopback for the HTTP channels' tests: records every request and answers
//! with queued statuses.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use parapet_alerts::SIGNATURE_HEADER;
use tokio::net::TcpListener;

/// What the receiver saw of one request.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    pub signature: Option<String>,
    pub body: Bytes,
}

/// A tiny receiver: answers with the queued statuses (then 200) and records every request.
pub struct Receiver {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn receiver(statuses: &[u16], delay: Duration) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let received = Arc::new(Mutex::new(Vec::new()));
    let statuses = Arc::new(Mutex::new(
        statuses.iter().copied().collect::<VecDeque<_>>(),
    ));
    let log = Arc::clone(&received);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = Arc::clone(&log);
            let statuses = Arc::clone(&statuses);
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let log = Arc::clone(&log);
                    let statuses = Arc::clone(&statuses);
                    async move {
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                        };
                        let entry = Received {
                            method: req.method().to_string(),
                            path: req.uri().path().to_owned(),
                            content_type: header("content-type"),
                            signature: header(SIGNATURE_HEADER),
                            body: Bytes::new(),
                        };
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        log.lock().expect("lock").push(Received { body, ..entry });
                        tokio::time::sleep(delay).await;
                        let status = statuses.lock().expect("lock").pop_front().unwrap_or(200);
                        let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
                        *response.status_mut() =
                            StatusCode::from_u16(status).expect("test status is valid");
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Receiver {
        addr,
        received,
        task,
    }
}

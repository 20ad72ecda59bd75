//! Full TLS 1.3 handshake rate with one key-exchange group.
//!
//! Every connection is new, without session resumption, and offers exactly one group, so
//! the server pays a full handshake with that group or fails. The negotiated group is
//! checked. After the handshake the client sends close_notify and reads until the server
//! closes (with or without its own close_notify): the server has then read the client's
//! Finished, so the handshake is complete on both sides, and no HTTP request adds proxying
//! work to the measure.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::procstat::Meter;
use crate::tls::{self, Group};

/// A connection that does not finish within this is an error.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// HOST:PORT of the TLS listener.
    #[arg(long)]
    addr: SocketAddr,
    /// SNI and the name the certificate must carry.
    #[arg(long, default_value = "localhost")]
    server_name: String,
    /// The only key-exchange group offered.
    #[arg(long, value_enum)]
    group: Group,
    /// PEM certificate(s) to trust.
    #[arg(long)]
    ca: PathBuf,
    #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
    duration: Duration,
    /// Handshakes before measuring (not recorded).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1s")]
    warmup: Duration,
    /// Connections in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    #[command(flatten)]
    common: crate::Common,
}

struct Stats {
    latency: Histogram<u64>,
    ok: u64,
    errors: u64,
    wrong_group: u64,
    first_error: Option<String>,
}

impl Stats {
    fn error(&mut self, e: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e);
        }
    }
}

async fn one(
    addr: SocketAddr,
    connector: &TlsConnector,
    name: &ServerName<'static>,
    want: Group,
) -> Result<()> {
    let tcp = TcpStream::connect(addr).await.context("connect")?;
    tcp.set_nodelay(true)?;
    let mut tls = connector
        .connect(name.clone(), tcp)
        .await
        .context("handshake")?;
    let got = tls
        .get_ref()
        .1
        .negotiated_key_exchange_group()
        .map(|g| g.name());
    if got != Some(want.kx().name()) {
        bail!("wrong group: asked {}, got {got:?}", want.name());
    }
    tls.shutdown().await.context("close_notify")?;
    let mut sink = [0u8; 4096];
    loop {
        match tls.read(&mut sink).await {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            // nginx answers close_notify by closing the socket without its own.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e).context("reading until close"),
        }
    }
}

async fn client(
    addr: SocketAddr,
    connector: Arc<TlsConnector>,
    name: ServerName<'static>,
    want: Group,
    record_from: Instant,
    end: Instant,
) -> Result<Stats> {
    let mut s = Stats {
        latency: Histogram::new_with_bounds(1, 100_000_000_000, 3).context("histogram")?,
        ok: 0,
        errors: 0,
        wrong_group: 0,
        first_error: None,
    };
    loop {
        let started = Instant::now();
        if started >= end {
            break;
        }
        let r = tokio::time::timeout(CONNECTION_TIMEOUT, one(addr, &connector, &name, want)).await;
        let recorded = started >= record_from;
        if !recorded {
            continue;
        }
        match r {
            Ok(Ok(())) => {
                s.ok += 1;
                let ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                s.latency.saturating_record(ns.max(1));
            }
            Ok(Err(e)) => {
                let msg = format!("{e:#}");
                if msg.starts_with("wrong group") {
                    s.wrong_group += 1;
                }
                s.error(msg);
            }
            Err(_) => s.error("timed out".into()),
        }
    }
    Ok(s)
}

pub async fn run(args: Args) -> Result<Value> {
    if args.concurrency == 0 {
        bail!("--concurrency must be positive");
    }
    let config = tls::client_config(&args.ca, Some(args.group), false)?;
    let connector = Arc::new(TlsConnector::from(config));
    let name = ServerName::try_from(args.server_name.clone()).context("--server-name")?;
    let start = Instant::now();
    let record_from = start + args.warmup;
    let end = record_from + args.duration;
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        tasks.push(tokio::spawn(client(
            args.addr,
            connector.clone(),
            name.clone(),
            args.group,
            record_from,
            end,
        )));
    }
    let pid = args.common.pid;
    let meter = tokio::spawn(async move {
        tokio::time::sleep_until(record_from.into()).await;
        pid.map(Meter::start).transpose()
    });
    let mut ok = 0;
    let mut errors = 0;
    let mut wrong_group = 0;
    let mut first_error = None;
    let mut latency = Histogram::<u64>::new_with_bounds(1, 100_000_000_000, 3)?;
    for t in tasks {
        let s = t.await.context("client panicked")??;
        ok += s.ok;
        errors += s.errors;
        wrong_group += s.wrong_group;
        first_error = first_error.or(s.first_error);
        latency.add(&s.latency).context("merging histograms")?;
    }
    let meter = meter.await.context("meter panicked")??;
    // Connections started before `end` finish after it; divide by the real window.
    let window = Instant::now().saturating_duration_since(record_from);
    let us = |ns: u64| (ns as f64 / 100.0).round() / 10.0;
    let mut out = json!({
        "mode": "handshake",
        "addr": args.addr.to_string(),
        "group": args.group.name(),
        "duration_s": args.duration.as_secs_f64(),
        "window_s": window.as_secs_f64(),
        "concurrency": args.concurrency,
        "handshakes": ok,
        "handshakes_per_s": ok as f64 / window.as_secs_f64(),
        "errors": errors,
        "wrong_group": wrong_group,
        "first_error": first_error,
        "latency_us": if latency.is_empty() { Value::Null } else { json!({
            "p50": us(latency.value_at_quantile(0.5)),
            "p99": us(latency.value_at_quantile(0.99)),
            "max": us(latency.max()),
        })},
    });
    if let Some(m) = meter {
        crate::extend(&mut out, m.finish(ok, "handshakes")?);
    }
    crate::extend(&mut out, args.common.tags()?);
    Ok(out)
}

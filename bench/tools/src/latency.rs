//! Open-loop latency at a fixed request rate.
//!
//! A pacer thread emits one intended send time every `1/rate` seconds, whatever the server
//! does; a pool of keep-alive connections takes them in order. Latency is measured from the
//! intended send time, so a stalled server is charged for every request that queued behind
//! it (no coordinated omission). The time from the actual write to the end of the response
//! ("service time") is reported too: the difference is queueing in the client pool.
//!
//! With several `--target NAME,URL[,PID]`, the servers are measured in turn, `--slice` at a
//! time, each for `--duration` in all, and one JSON line is printed per server. A tail is
//! set by the worst one percent of a run, so on a shared machine a stall of the host decides
//! it; measured one after another, whichever server ran then takes the blame, while in
//! slices of a millisecond every server meets the same host: a host stall lasts several.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::sync::Mutex;
use tokio_rustls::TlsConnector;

use crate::procstat::Meter;
use crate::tls;

/// How long requests still in flight when the schedule ends may take before they are
/// counted as unfinished.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// http://HOST:PORT/PATH or https://...
    #[arg(long, required_unless_present = "targets", conflicts_with = "targets")]
    url: Option<String>,
    /// NAME,URL[,PID]: one of several servers measured in slices (repeatable); NAME becomes
    /// the `target` tag, PID is metered like `--pid`.
    #[arg(long = "target")]
    targets: Vec<String>,
    /// How long each server is loaded at a time when there are several.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1ms")]
    slice: Duration,
    /// Requests per second, offered whatever the server does.
    #[arg(long)]
    rate: u64,
    /// How long to measure.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
    duration: Duration,
    /// Time at the same rate before measuring (not recorded).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1s")]
    warmup: Duration,
    /// Keep-alive connections in the pool (each server's own).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// PEM certificate(s) to trust for https.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// TLS server name (SNI) and certificate name; default: the URL's host.
    #[arg(long)]
    server_name: Option<String>,
    #[command(flatten)]
    common: crate::Common,
}

struct Target {
    addr: SocketAddr,
    authority: String,
    path: String,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

type Sender = http1::SendRequest<Empty<Bytes>>;

async fn connect(t: &Target) -> Result<Sender> {
    let tcp = TcpStream::connect(t.addr).await?;
    tcp.set_nodelay(true)?;
    match &t.tls {
        None => {
            let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(sender)
        }
        Some((connector, name)) => {
            let stream = connector.connect(name.clone(), tcp).await?;
            let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(sender)
        }
    }
}

struct Stats {
    latency: Histogram<u64>,
    service: Histogram<u64>,
    ok: u64,
    non_2xx: u64,
    errors: u64,
    unfinished: u64,
    first_error: Option<String>,
}

impl Stats {
    fn new() -> Result<Stats> {
        // 1 ns .. 100 s at 3 significant digits.
        let h = || Histogram::new_with_bounds(1, 100_000_000_000, 3);
        Ok(Stats {
            latency: h().context("histogram")?,
            service: h().context("histogram")?,
            ok: 0,
            non_2xx: 0,
            errors: 0,
            unfinished: 0,
            first_error: None,
        })
    }

    fn error(&mut self, recorded: bool, e: impl std::fmt::Display) {
        if recorded {
            self.errors += 1;
            if self.first_error.is_none() {
                self.first_error = Some(e.to_string());
            }
        }
    }

    fn merge(&mut self, o: Stats) -> Result<()> {
        self.latency.add(&o.latency).context("merging histograms")?;
        self.service.add(&o.service).context("merging histograms")?;
        self.ok += o.ok;
        self.non_2xx += o.non_2xx;
        self.errors += o.errors;
        self.unfinished += o.unfinished;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        Ok(())
    }
}

async fn worker(
    target: Arc<Target>,
    queue: Arc<Mutex<UnboundedReceiver<Instant>>>,
    record_from: Instant,
    deadline: Instant,
) -> Result<Stats> {
    let mut stats = Stats::new()?;
    let mut sender: Option<Sender> = None;
    loop {
        let intended = {
            let mut q = queue.lock().await;
            match q.recv().await {
                Some(t) => t,
                None => break,
            }
        };
        let recorded = intended >= record_from;
        if Instant::now() >= deadline {
            if recorded {
                stats.unfinished += 1;
            }
            continue;
        }
        let s = match sender.as_mut() {
            Some(s) if !s.is_closed() => s,
            _ => match connect(&target).await {
                Ok(s) => sender.insert(s),
                Err(e) => {
                    stats.error(recorded, format!("connect: {e:#}"));
                    sender = None;
                    continue;
                }
            },
        };
        let req = match http::Request::get(target.path.as_str())
            .header(http::header::HOST, target.authority.as_str())
            .body(Empty::<Bytes>::new())
        {
            Ok(r) => r,
            Err(e) => bail!("building request: {e}"),
        };
        let one = async {
            s.ready().await?;
            let sent = Instant::now();
            let resp = s.send_request(req).await?;
            let status = resp.status();
            resp.into_body().collect().await?;
            Ok::<_, hyper::Error>((sent, status))
        };
        match tokio::time::timeout_at(deadline.into(), one).await {
            Ok(Ok((sent, status))) => {
                if recorded {
                    let done = Instant::now();
                    stats
                        .latency
                        .saturating_record(nanos(done.saturating_duration_since(intended)));
                    stats
                        .service
                        .saturating_record(nanos(done.saturating_duration_since(sent)));
                    if status.is_success() {
                        stats.ok += 1;
                    } else {
                        stats.non_2xx += 1;
                    }
                }
            }
            Ok(Err(e)) => {
                stats.error(recorded, format!("request: {e}"));
                sender = None;
            }
            Err(_) => {
                if recorded {
                    stats.unfinished += 1;
                }
                sender = None;
            }
        }
    }
    Ok(stats)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1)
}

fn quantiles_us(h: &Histogram<u64>) -> Value {
    let us = |ns: u64| (ns as f64 / 1000.0 * 10.0).round() / 10.0;
    if h.is_empty() {
        return Value::Null;
    }
    json!({
        "p50": us(h.value_at_quantile(0.50)),
        "p90": us(h.value_at_quantile(0.90)),
        "p99": us(h.value_at_quantile(0.99)),
        "p999": us(h.value_at_quantile(0.999)),
        "max": us(h.max()),
        "mean": us(h.mean() as u64),
    })
}

/// The histogram as `[upper bound in µs, count]` pairs of logarithmic buckets 1 % wide
/// (the empty ones left out), so that the report can pool rounds and read percentiles from
/// all of them at once: a few hundred pairs where the raw histogram has thousands of values.
fn buckets_us(h: &Histogram<u64>) -> Value {
    if h.is_empty() {
        return Value::Null;
    }
    let pairs: Vec<Value> = h
        .iter_log(1000, 1.01)
        .filter(|b| b.count_since_last_iteration() > 0)
        .map(|b| {
            let us = (b.value_iterated_to() as f64 / 1000.0 * 10.0).round() / 10.0;
            json!([us, b.count_since_last_iteration()])
        })
        .collect();
    Value::Array(pairs)
}

async fn target(url: &str, args: &Args) -> Result<Target> {
    let uri: http::Uri = url.parse().with_context(|| format!("URL {url}"))?;
    let https = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        _ => bail!("URL must start with http:// or https://"),
    };
    let host = uri.host().context("URL without host")?.to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let host_bare = host.trim_start_matches('[').trim_end_matches(']');
    let addr = tokio::net::lookup_host((host_bare, port))
        .await?
        .next()
        .with_context(|| format!("resolving {host}"))?;
    let tls = if https {
        let ca = args.ca.as_deref().context("https needs --ca")?;
        let config = tls::client_config(ca, None, true)?;
        let name = args
            .server_name
            .clone()
            .unwrap_or_else(|| host_bare.to_string());
        let name = ServerName::try_from(name).context("TLS server name")?;
        Some((TlsConnector::from(config), name))
    } else {
        None
    };
    Ok(Target {
        addr,
        authority: uri.authority().map(|a| a.to_string()).unwrap_or(host),
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "/".into()),
        tls,
    })
}

/// Which of `n` servers, taking turns `slice` nanoseconds long, a request scheduled
/// `offset` nanoseconds into the run goes to.
fn turn(offset: u64, slice: u128, n: u32) -> usize {
    usize::try_from(u128::from(offset) / slice.max(1) % u128::from(n.max(1))).unwrap_or(0)
}

/// One server to measure: its name (for several), URL and process.
struct Spec {
    name: Option<String>,
    url: String,
    pid: Option<u32>,
}

fn specs(args: &Args) -> Result<Vec<Spec>> {
    if let Some(url) = &args.url {
        return Ok(vec![Spec {
            name: None,
            url: url.clone(),
            pid: args.common.pid,
        }]);
    }
    args.targets
        .iter()
        .map(|t| {
            let mut it = t.splitn(3, ',');
            let (Some(name), Some(url)) = (it.next(), it.next()) else {
                bail!("--target {t:?}: expected NAME,URL[,PID]");
            };
            let pid = it
                .next()
                .map(|p| {
                    p.parse::<u32>()
                        .with_context(|| format!("--target {t:?}: PID"))
                })
                .transpose()?;
            Ok(Spec {
                name: Some(name.to_owned()),
                url: url.to_owned(),
                pid,
            })
        })
        .collect()
}

pub async fn run(args: Args) -> Result<Value> {
    if args.rate == 0 || args.connections == 0 {
        bail!("--rate and --connections must be positive");
    }
    let specs = specs(&args)?;
    let n = specs.len() as u32;
    if n > 1
        && (args.slice.is_zero()
            || !args
                .duration
                .as_nanos()
                .is_multiple_of(args.slice.as_nanos()))
    {
        bail!("--duration must be a whole number of --slice");
    }
    let mut targets = Vec::with_capacity(specs.len());
    for spec in &specs {
        let target = Arc::new(target(&spec.url, &args).await?);
        // Open the pool before the clock starts, so connection setup is not measured.
        for _ in 0..args.connections {
            connect(&target)
                .await
                .with_context(|| format!("opening the connection pool to {}", spec.url))?;
        }
        // Warm-up reconnects them; what we wanted was a reachable server.
        targets.push(target);
    }

    // Every server gets `warmup` and then `duration`, in slices taken in turn.
    let start = Instant::now() + Duration::from_millis(50);
    let record_from = start + args.warmup * n;
    let end = record_from + args.duration * n;
    let deadline = end + DRAIN_TIMEOUT;
    let rate = args.rate;
    let slice = args.slice.as_nanos().max(1);
    let total =
        ((args.warmup + args.duration).as_secs_f64() * f64::from(n) * rate as f64).round() as u64;
    // Each server has its own queue of intended send times and its own pool of workers.
    let mut txs = Vec::with_capacity(specs.len());
    let mut pools = Vec::with_capacity(specs.len());
    for target in &targets {
        let (tx, rx) = unbounded_channel::<Instant>();
        let queue = Arc::new(Mutex::new(rx));
        txs.push(tx);
        pools.push(
            (0..args.connections)
                .map(|_| tokio::spawn(worker(target.clone(), queue.clone(), record_from, deadline)))
                .collect::<Vec<_>>(),
        );
    }
    let pacer = std::thread::spawn(move || {
        for k in 0..total {
            let offset =
                u64::try_from(u128::from(k) * 1_000_000_000 / u128::from(rate)).unwrap_or(u64::MAX);
            let t = start + Duration::from_nanos(offset);
            let which = turn(offset, slice, n);
            let now = Instant::now();
            if t > now {
                std::thread::sleep(t - now);
            }
            if txs[which].send(t).is_err() {
                break;
            }
        }
    });

    let pids: Vec<Option<u32>> = specs.iter().map(|s| s.pid).collect();
    let meters = tokio::spawn(async move {
        tokio::time::sleep_until(record_from.into()).await;
        pids.into_iter()
            .map(|pid| pid.map(Meter::start).transpose())
            .collect::<Result<Vec<_>>>()
    });
    let mut all = Vec::with_capacity(specs.len());
    for workers in pools {
        let mut stats = Stats::new()?;
        for w in workers {
            stats.merge(w.await.context("worker panicked")??)?;
        }
        all.push(stats);
    }
    let meters = meters.await.context("meter panicked")??;
    let measured = Instant::now().saturating_duration_since(record_from);
    let _ = pacer.join();

    let mut lines = Vec::with_capacity(specs.len());
    for ((spec, stats), meter) in specs.iter().zip(all).zip(meters) {
        let completed = stats.ok + stats.non_2xx;
        let mut out = json!({
            "mode": "latency",
            "url": spec.url,
            "rate": args.rate,
            "duration_s": args.duration.as_secs_f64(),
            "connections": args.connections,
            "scheduled": (args.duration.as_secs_f64() * rate as f64).round() as u64,
            "ok": stats.ok,
            "non_2xx": stats.non_2xx,
            "errors": stats.errors,
            "unfinished": stats.unfinished,
            "first_error": stats.first_error,
            "achieved_rps": completed as f64 / args.duration.as_secs_f64(),
            "latency_us": quantiles_us(&stats.latency),
            "latency_buckets": buckets_us(&stats.latency),
            "service_us": quantiles_us(&stats.service),
            "window_s": measured.as_secs_f64(),
        });
        if n > 1 {
            crate::extend(
                &mut out,
                json!({ "interleaved": n, "slice_ms": args.slice.as_secs_f64() * 1000.0 }),
            );
        }
        if let Some(m) = meter {
            crate::extend(&mut out, m.finish(completed, "requests")?);
        }
        crate::extend(&mut out, args.common.tags()?);
        if let Some(name) = &spec.name {
            crate::extend(&mut out, json!({ "target": name }));
        }
        lines.push(out);
    }
    Ok(if lines.len() == 1 {
        lines.remove(0)
    } else {
        Value::Array(lines)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(argv: &[&str]) -> Result<Args, clap::Error> {
        Cli::try_parse_from(std::iter::once("latency").chain(argv.iter().copied())).map(|c| c.args)
    }

    #[test]
    fn servers_take_turns_slice_by_slice() {
        let ms = 1_000_000u64;
        let turns: Vec<usize> = (0..8)
            .map(|k| turn(k * 100 * ms, 250 * u128::from(ms), 3))
            .collect();
        // 0, 100, 200 ms: first; 300, 400 ms: second; 500, 600, 700 ms: third.
        assert_eq!(turns, [0, 0, 0, 1, 1, 2, 2, 2]);
        assert_eq!(
            turn(751 * ms, 250 * u128::from(ms), 3),
            0,
            "then the first again"
        );
        assert_eq!(
            turn(123 * ms, 250 * u128::from(ms), 1),
            0,
            "one server has every turn"
        );
    }

    #[test]
    fn targets_are_name_url_and_an_optional_pid() {
        let a = args(&[
            "--rate",
            "10",
            "--target",
            "a,http://127.0.0.1:1/,42",
            "--target",
            "b,https://[::1]:2/x",
        ])
        .unwrap();
        let s = specs(&a).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].name.as_deref(), s[0].url.as_str(), s[0].pid),
            (Some("a"), "http://127.0.0.1:1/", Some(42))
        );
        assert_eq!(
            (s[1].name.as_deref(), s[1].url.as_str(), s[1].pid),
            (Some("b"), "https://[::1]:2/x", None)
        );
        assert!(specs(&args(&["--rate", "10", "--target", "nourl"]).unwrap()).is_err());
        assert!(specs(&args(&["--rate", "10", "--target", "a,http://h/,pid"]).unwrap()).is_err());
        assert!(args(&["--rate", "10"]).is_err(), "a URL or targets");
        assert!(
            args(&[
                "--rate",
                "10",
                "--url",
                "http://h/",
                "--target",
                "a,http://h/"
            ])
            .is_err(),
            "not both"
        );
    }
}

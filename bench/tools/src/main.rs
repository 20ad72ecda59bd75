//! `parapet-bench`: the load tools behind `bench/gateway.sh`.
//!
//! - `latency`: open-loop requests at a fixed rate, latency from the intended send time.
//! - `handshake`: full TLS 1.3 handshakes per second with one key-exchange group.
//! - `wrk`: runs wrk and reports its throughput as JSON with the server's CPU time.
//! - `proc`: CPU time and peak memory of a process tree.
//! - `report`: the markdown tables of `bench/results/gateway.md` from the JSON lines.
//! - `routes-gen`: the synthetic BGP update stream and config of `bench/routes.sh`.
//! - `access-cookie`: a signed-in browser's session cookie for the access phase.
//!
//! Every measuring command prints one JSON object on one line; `--pid` adds the server's
//! CPU-seconds over the measured window and the work done per CPU-second.

mod access_cookie;
mod handshake;
mod latency;
mod procstat;
mod report;
mod routes_gen;
mod tls;
mod wrk;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde_json::{json, Map, Value};

#[derive(Parser)]
#[command(name = "parapet-bench", about = "Tools of Parapet's benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Open-loop latency at a fixed request rate (HTTP/1.1 keep-alive, http or https).
    Latency(latency::Args),
    /// Full TLS 1.3 handshakes per second with one key-exchange group.
    Handshake(handshake::Args),
    /// Run wrk; print its result as JSON with the server's CPU time.
    Wrk(wrk::Args),
    /// CPU time and peak memory (VmHWM) of a process and its descendants.
    Proc {
        #[arg(long)]
        pid: u32,
        /// key=value added to the JSON (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
    },
    /// Write a deterministic synthetic BGP update stream (MRT) and its route monitor config.
    RoutesGen(routes_gen::Args),
    /// Print the session cookie a signed-in browser carries, sealed with the cookie key
    /// of a Parapet state directory.
    AccessCookie(access_cookie::Args),
    /// Markdown tables from the JSON lines the other commands printed.
    Report {
        /// File of JSON lines.
        input: PathBuf,
    },
}

/// Options shared by the measuring commands.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Server process whose CPU time (with its children's) is read over the measured window.
    #[arg(long)]
    pid: Option<u32>,
    /// key=value added to the JSON (repeatable), e.g. --tag target=nginx.
    #[arg(long = "tag")]
    tags: Vec<String>,
}

impl Common {
    fn tags(&self) -> Result<Value> {
        tags(&self.tags)
    }
}

fn tags(list: &[String]) -> Result<Value> {
    let mut m = Map::new();
    for t in list {
        let (k, v) = t
            .split_once('=')
            .with_context(|| format!("--tag {t:?}: expected key=value"))?;
        m.insert(k.to_string(), Value::String(v.to_string()));
    }
    Ok(Value::Object(m))
}

/// Adds the fields of `more` (an object) to `out` (an object).
fn extend(out: &mut Value, more: Value) {
    if let (Some(o), Value::Object(m)) = (out.as_object_mut(), more) {
        o.extend(m);
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    // One thread: the load generator is pinned to one CPU and must not steal another.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parapet-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let out = match cli.command {
        Cmd::Latency(a) => runtime()?.block_on(latency::run(a))?,
        Cmd::Handshake(a) => runtime()?.block_on(handshake::run(a))?,
        Cmd::Wrk(a) => wrk::run(a)?,
        Cmd::RoutesGen(a) => routes_gen::run(a)?,
        Cmd::Proc { pid, tags: t } => {
            let s = procstat::sample(pid)?;
            let mut v = json!({
                "mode": "proc",
                "pid": pid,
                "cpu_s": s.cpu_ticks as f64 / procstat::clk_tck() as f64,
                "vmhwm_kb": s.vmhwm_kb,
                "processes": s.processes,
                "threads": s.threads,
            });
            extend(&mut v, tags(&t)?);
            v
        }
        Cmd::AccessCookie(a) => return access_cookie::run(a),
        Cmd::Report { input } => {
            print!("{}", report::render(&input)?);
            return Ok(());
        }
    };
    // Several servers measured together print one line each.
    match out {
        Value::Array(lines) => lines.iter().for_each(|l| println!("{l}")),
        out => println!("{out}"),
    }
    Ok(())
}

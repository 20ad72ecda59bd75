//! `parapet`: the command line. It parses arguments, loads the config, wires
//! the services together and handles signals; everything else lives in the
//! library crates (see ARCHITECTURE.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use parapet_config::{Config, LogFormat};
use tokio_util::sync::CancellationToken;

mod access;
mod alerting;
mod api;
mod dashboard;
mod route_monitor;
mod script_blocking;
mod script_fetcher;
mod script_monitor;
mod scripts;

/// mimalloc: the proxy allocates small, short-lived buffers per request, where
/// it is markedly cheaper than the system allocator (see bench/results). Its v2 line: the
/// Rust crate asks for every block with its alignment, and v3 serves an 8-byte-aligned
/// block above 1 KiB (hyper's read buffer, each request) by over-allocating, where v2 takes
/// its ordinary path; about 1% of the proxy's instructions per request
/// (bench/instructions.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "parapet",
    version,
    about = "Security edge: post-quantum reverse proxy, script monitor, route monitor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the services the config enables, until SIGTERM or SIGINT.
    /// SIGHUP reloads the config without dropping a request.
    Serve {
        #[arg(long, short, value_name = "FILE")]
        config: PathBuf,
    },
    /// Work with configuration files.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Analyse script files offline: fingerprint, diff, classify.
    Scripts {
        #[command(subcommand)]
        command: scripts::ScriptsCommand,
    },
    /// The route monitor: BGP hijack and route-leak detection.
    Routes {
        #[command(subcommand)]
        command: RoutesCommand,
    },
}

#[derive(Subcommand)]
enum RoutesCommand {
    /// Replay MRT files (plain, gzip or bzip2) through the detectors, in the order given,
    /// and print one alert per line on stdout.
    Replay {
        #[arg(long, short, value_name = "FILE")]
        config: PathBuf,
        #[arg(required = true, value_name = "MRT")]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "json")]
        format: AlertFormat,
    },
    /// Run the detectors on the live feeds the config names (BMP from your routers), and
    /// print one alert per line on stdout until SIGTERM or SIGINT. Alerts are also stored
    /// and sent through the `[alerts]` channels.
    Watch {
        #[arg(long, short, value_name = "FILE")]
        config: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: AlertFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum AlertFormat {
    /// JSON Lines: one object per alert.
    Json,
    /// One human-readable line per alert.
    Text,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a config file and explain every error with its key.
    Check { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config } => serve(&config),
        Command::Config {
            command: ConfigCommand::Check { file },
        } => check(&file),
        Command::Scripts { command } => match scripts::run(command) {
            Ok(true) => Ok(()),
            // Each unreadable file was reported as it was met.
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Routes {
            command:
                RoutesCommand::Replay {
                    config,
                    files,
                    format,
                },
        } => routes_replay(&config, &files, format),
        Command::Routes {
            command: RoutesCommand::Watch { config, format },
        } => route_monitor::watch(&config, format),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parapet: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check(file: &Path) -> anyhow::Result<()> {
    let config = Config::load(file)?;
    let routes = config
        .routes
        .as_ref()
        .map(|r| {
            let bmp = r
                .bmp
                .as_ref()
                .map(|b| format!(", BMP on {}", b.listen))
                .unwrap_or_default();
            format!(", {} monitored prefix(es){bmp}", r.prefixes.len())
        })
        .unwrap_or_default();
    let access = config
        .access
        .as_ref()
        .map(|a| {
            format!(
                ", {} access app(s), {} identity provider(s)",
                a.apps.len(),
                a.idps.len()
            )
        })
        .unwrap_or_default();
    // Channels are set up too (CA files read, addresses parsed), as `serve` would.
    alerting::pipeline(&config.alerts)?;
    script_fetcher::ScriptFetcher::check(&config)?;
    println!(
        "{}: ok ({} listener(s), {} site(s), {} upstream(s){routes}{access}, {} alert channel(s))",
        file.display(),
        config.listeners.len(),
        config.sites.len(),
        config.upstreams.len(),
        config.alerts.channels.len()
    );
    Ok(())
}

fn routes_replay(path: &Path, files: &[PathBuf], format: AlertFormat) -> anyhow::Result<()> {
    use std::io::Write as _;
    let config = Config::load(path)?;
    let routes = config.routes.as_ref().with_context(|| {
        format!(
            "{}: no [routes] table: nothing to monitor (see docs/routes.md)",
            path.display()
        )
    })?;
    // Warnings (malformed records) go to stderr; stdout carries only alerts.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let mut engine = parapet_routes::Engine::load(routes)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_error: Option<std::io::Error> = None;
    let mut alerts = 0u64;
    let mut emit = |alert: parapet_routes::Alert| {
        if write_error.is_some() {
            return;
        }
        alerts += 1;
        let line = match format {
            AlertFormat::Json => serde_json::to_string(&alert).unwrap_or_default(),
            AlertFormat::Text => alert.text_line(),
        };
        if let Err(e) = writeln!(out, "{line}") {
            write_error = Some(e);
        }
    };
    // A progress line for a person at a terminal, never into files or pipes.
    let started = std::time::Instant::now();
    let mut progress = |s: &parapet_routes::ReplayStats| {
        let secs = started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\rparapet: {} records, {} prefixes ({:.0} records/s)",
            s.records,
            s.prefixes,
            s.records as f64 / secs
        );
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let stats = parapet_routes::mrt::replay_files(
        &mut engine,
        files,
        &mut emit,
        if terminal { Some(&mut progress) } else { None },
    )?;
    if terminal && stats.records >= parapet_routes::mrt::PROGRESS_EVERY {
        eprintln!();
    }
    if let Some(e) = write_error {
        // The reader went away (`| head`): what it wanted, it has.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(());
        }
        return Err(e).context("cannot write alerts to stdout");
    }
    out.flush().context("cannot write alerts to stdout")?;
    let engine_stats = engine.stats();
    let mut notes = String::new();
    if engine_stats.own_vantage_skips > 0 {
        notes += &format!(
            "; {} change(s) from own vantages ignored",
            engine_stats.own_vantage_skips
        );
    }
    if engine_stats.dropped_routes > 0 {
        notes += &format!(
            "; {} route(s) over the tracking limit not tracked",
            engine_stats.dropped_routes
        );
    }
    eprintln!(
        "parapet: replayed {} MRT record(s), {} prefix(es); {} malformed record(s) skipped; {} alert(s){notes}",
        stats.records, stats.prefixes, stats.malformed, alerts
    );
    Ok(())
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let mut f = EnvFilter::new(&config.log.level);
        if !config.log.access_log {
            f = f.add_directive("access=off".parse().expect("a fixed, valid directive"));
        }
        f
    });
    use std::io::IsTerminal;
    // Colour only for a person at a terminal, never into files or journals.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match config.log.format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Plain => builder.init(),
    }
}

fn serve(path: &Path) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    init_logging(&config);
    // Single-threaded: this runtime is the gateway's worker 0 and runs the background
    // services; the gateway starts its other workers, each with a runtime of its own
    // (see `parapet_gateway::Gateway`). No work-stealing machinery to pay for.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(run(path, config))
}

async fn run(path: &Path, config: Config) -> anyhow::Result<()> {
    let store = open_store(&config)?;

    // The alert pipeline every service reports to; the monitors submit their events here.
    let alerts = std::sync::Arc::new(
        alerting::pipeline(&config.alerts).context("cannot set up the alert channels")?,
    );

    // The script monitor's telemetry rides on the gateway's phases; its writer records
    // reports in the store until the gateway has drained.
    let shutdown = CancellationToken::new();
    let writer_stop = CancellationToken::new();
    let mut modules: Vec<std::sync::Arc<dyn parapet_gateway::HttpModule>> = Vec::new();
    let mut writer = None;
    // The script fetcher: fed by the monitor's writer, stopped with it.
    let fetcher = script_fetcher::ScriptFetcher::from_config(
        &config,
        store.clone(),
        alerts.clone(),
        writer_stop.clone(),
    )?;
    if let Some((f, _)) = &fetcher {
        modules.push(f.clone());
    }
    if let Some((m, w)) = script_monitor::ScriptMonitor::from_config(
        &config,
        store.clone(),
        alerts.clone(),
        fetcher.as_ref().map(|(f, _)| f.clone()),
        writer_stop.clone(),
    )? {
        modules.push(m);
        writer = Some(w);
    }
    // Blocking: same-origin requests for blocked scripts are refused before access (a
    // blocked script is refused to everyone), pages rewritten on their way out; the
    // fetcher's verdicts reach it for automatic blocking.
    if let Some(b) =
        script_blocking::ScriptBlocking::from_config(&config, store.clone(), alerts.clone()).await?
    {
        if let Some((f, _)) = &fetcher {
            let sink = b.clone();
            f.on_verdict(std::sync::Arc::new(move |v| sink.verdict(v)));
        }
        modules.push(b);
    }
    // Access comes after the script monitor, so that browsers' CSP reports reach it on
    // protected sites (they carry no session).
    let mut access_writer = None;
    // What a SIGHUP reloads besides the gateway's own runtime.
    let mut on_reload: Vec<OnReload> = Vec::new();
    if let Some((m, w)) =
        access::AccessModule::from_config(&config, store.clone(), writer_stop.clone()).await?
    {
        let access = m.clone();
        on_reload.push(Box::new(move |c| access.reload(c)));
        modules.push(m);
        access_writer = Some(w);
    }
    let live_routes = config.routes.as_ref().filter(|r| r.has_live_feed());
    let route_metrics = route_monitor::Metrics::default();
    // The route monitor's API: stored alerts always, live state when a feed runs.
    let (route_module, route_asks) = route_monitor::Module::new(
        store.clone(),
        live_routes.is_some().then(|| route_metrics.clone()),
    );
    // The dashboard's pages on the admin listener (the admin token signs the operator in).
    modules.push(dashboard::Dashboard::new(
        &config,
        store.clone(),
        Some(route_module.asker()),
    ));
    modules.push(route_module);
    let gateway =
        parapet_gateway::Gateway::bind(&config, modules).context("cannot start the gateway")?;
    let reloader = gateway.reloader();
    tokio::spawn(signals(
        path.to_owned(),
        reloader,
        on_reload,
        shutdown.clone(),
    ));
    if !config.alerts.channels.is_empty() {
        tokio::spawn(alerting::tick(alerts.clone(), shutdown.clone()));
    }
    // The route monitor, when the config names a live feed.
    let routes = match live_routes {
        Some(r) => Some(
            route_monitor::start(
                r,
                store.clone(),
                alerts.clone(),
                None,
                route_metrics,
                Some(route_asks),
                shutdown.clone(),
            )
            .await?,
        ),
        None => {
            drop(route_asks);
            None
        }
    };
    tracing::info!(config = %path.display(), version = env!("CARGO_PKG_VERSION"), "parapet started");
    gateway.run(shutdown).await;
    if let Some(r) = routes {
        let _ = r.await;
    }
    // Requests have drained: what the monitor acknowledged is written before exit.
    writer_stop.cancel();
    if let Some(w) = writer {
        let _ = w.await;
    }
    if let Some(w) = access_writer {
        let _ = w.await;
    }
    if let Some((_, f)) = fetcher {
        let _ = f.await;
    }
    tracing::info!("parapet stopped");
    Ok(())
}

/// The embedded store every service writes to, in the state directory; opening it runs
/// migrations.
fn open_store(config: &Config) -> anyhow::Result<std::sync::Arc<dyn parapet_store::Store>> {
    std::fs::create_dir_all(&config.server.state_dir).with_context(|| {
        format!(
            "cannot create state_dir {}",
            config.server.state_dir.display()
        )
    })?;
    let store = parapet_store::SqliteStore::open(&config.store.sqlite)
        .with_context(|| format!("cannot open the store {}", config.store.sqlite.display()))?;
    Ok(std::sync::Arc::new(store))
}

/// SIGTERM or SIGINT cancels `shutdown` (commands without a config to reload).
async fn stop_on_signal(shutdown: CancellationToken) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop Parapet with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutdown requested");
    shutdown.cancel();
}

/// A service's part of a reload: it takes the new config (and keeps its own on error).
type OnReload = Box<dyn Fn(&Config) + Send>;

/// SIGHUP reloads the config (the gateway's runtime, then `on_reload`'s services, only if
/// the gateway took it); SIGTERM and SIGINT start a graceful shutdown.
async fn signals(
    path: PathBuf,
    reloader: parapet_gateway::Reloader,
    on_reload: Vec<OnReload>,
    shutdown: CancellationToken,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut hup), Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop Parapet with SIGKILL");
        return;
    };
    loop {
        tokio::select! {
            _ = hup.recv() => match Config::load(&path) {
                Ok(config) => match reloader.reload(&config) {
                    Ok(()) => on_reload.iter().for_each(|reload| reload(&config)),
                    Err(e) => tracing::error!(error = %e, "reload failed; the running configuration stays"),
                },
                Err(e) => tracing::error!(error = %e, "reload failed; the running configuration stays"),
            },
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    tracing::info!("shutdown requested");
    shutdown.cancel();
}

//! `parapet`: the command line. It parses arguments, loads the config, wires
//! the services together and handles signals; everything else lives in the
//! library crates (see ARCHITECTURE.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use parapet_config::{Config, LogFormat};
use tokio_util::sync::CancellationToken;

mod scripts;

/// mimalloc: the proxy allocates small, short-lived buffers per request, where
/// it is markedly cheaper than the system allocator (see bench/results).
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
    println!(
        "{}: ok ({} listener(s), {} site(s), {} upstream(s))",
        file.display(),
        config.listeners.len(),
        config.sites.len(),
        config.upstreams.len()
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
    // One worker: a single-threaded runtime, with no work-stealing machinery
    // to pay for. More: the multi-threaded scheduler.
    let mut rt = if config.server.worker_threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    rt.enable_all();
    if config.server.worker_threads > 1 {
        rt.worker_threads(config.server.worker_threads);
    }
    let rt = rt.build().context("cannot start the async runtime")?;
    rt.block_on(run(path, config))
}

async fn run(path: &Path, config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.server.state_dir).with_context(|| {
        format!(
            "cannot create state_dir {}",
            config.server.state_dir.display()
        )
    })?;
    // The embedded store every service writes to; opening it runs migrations.
    let _store = parapet_store::SqliteStore::open(&config.store.sqlite)
        .with_context(|| format!("cannot open the store {}", config.store.sqlite.display()))?;

    let gateway =
        parapet_gateway::Gateway::bind(&config, Vec::new()).context("cannot start the gateway")?;
    let reloader = gateway.reloader();
    let shutdown = CancellationToken::new();
    tokio::spawn(signals(path.to_owned(), reloader, shutdown.clone()));
    tracing::info!(config = %path.display(), version = env!("CARGO_PKG_VERSION"), "parapet started");
    gateway.run(shutdown).await;
    tracing::info!("parapet stopped");
    Ok(())
}

/// SIGHUP reloads the config; SIGTERM and SIGINT start a graceful shutdown.
async fn signals(path: PathBuf, reloader: parapet_gateway::Reloader, shutdown: CancellationToken) {
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
                Ok(config) => {
                    if let Err(e) = reloader.reload(&config) {
                        tracing::error!(error = %e, "reload failed; the running configuration stays");
                    }
                }
                Err(e) => tracing::error!(error = %e, "reload failed; the running configuration stays"),
            },
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    tracing::info!("shutdown requested");
    shutdown.cancel();
}

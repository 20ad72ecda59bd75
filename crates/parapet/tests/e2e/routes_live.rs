//! The route monitor on a live feed: a real ExaBGP announces routes to a real FRR
//! (`bgpd -M bmp`, started directly as root without zebra), FRR streams BMP to
//! `parapet routes watch`, and the alerts reach a webhook receiver, signed, and the store.
//! Everything listens on loopback ports of its own; ExaBGP speaks from 127.0.0.2.
//!
//! The Only-To-Customer scenario puts a real BIRD with RFC 9234 roles between ExaBGP and
//! FRR: BIRD (127.0.0.4) sets OTC on what it learns from a peer and passes on what it
//! learns from a provider, and `parapet serve` judges what FRR streams.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;

/// How long FRR and ExaBGP get to connect, establish and stream (a cold start takes a few
/// seconds; a loaded CI machine more).
const LIVE_TIMEOUT: Duration = Duration::from_secs(60);
const SECRET: &str = "live-secret";
const HINT: &str = "run ./scripts/test.sh, which installs frr, exabgp and bird2";
/// The admin API's bearer token in the `serve` tests.
const TOKEN: &str = "a-route-monitor-token-for-tests";

/// A child process killed when dropped.
struct Proc(Option<Child>);

impl Proc {
    fn kill(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn bgpd_binary() -> PathBuf {
    let p = PathBuf::from("/usr/lib/frr/bgpd");
    assert!(p.is_file(), "FRR's bgpd is not at {}: {HINT}", p.display());
    p
}

fn exabgp_binary() -> PathBuf {
    [
        "/usr/sbin/exabgp",
        "/usr/bin/exabgp",
        "/usr/local/bin/exabgp",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .unwrap_or_else(|| panic!("exabgp not found: {HINT}"))
}

/// FRR's bgpd as AS65000 on 127.0.0.1:`bgp_port`, peering with ExaBGP (AS64666 at
/// 127.0.0.2) and streaming pre- and post-policy BMP to 127.0.0.1:`bmp_port`.
fn start_frr(dir: &Path, bgp_port: u16, bmp_port: u16) -> Proc {
    start_frr_with(
        dir,
        (&["127.0.0.1"], bgp_port),
        bmp_port,
        "127.0.0.2",
        64666,
        " neighbor 127.0.0.2 timers connect 1\n",
    )
}

/// FRR's bgpd as AS65000 on the addresses `listen` (port `bgp_port`), peering with
/// `neighbor` (AS`remote_as`, more neighbor lines in `options`) and streaming pre- and
/// post-policy BMP to 127.0.0.1:`bmp_port`.
fn start_frr_with(
    dir: &Path,
    (listen, bgp_port): (&[&str], u16),
    bmp_port: u16,
    neighbor: &str,
    remote_as: u32,
    options: &str,
) -> Proc {
    let conf = dir.join("frr.conf");
    std::fs::write(
        &conf,
        format!(
            "frr defaults traditional\nhostname r1\nlog stdout informational\n\
             router bgp 65000\n bgp router-id 10.0.0.1\n no bgp ebgp-requires-policy\n\
             \x20neighbor {neighbor} remote-as {remote_as}\n{options}\
             \x20address-family ipv4 unicast\n  neighbor {neighbor} activate\n exit-address-family\n\
             \x20bmp targets parapet\n  bmp connect 127.0.0.1 port {bmp_port} min-retry 100 max-retry 500\n\
             \x20 bmp monitor ipv4 unicast pre-policy\n  bmp monitor ipv4 unicast post-policy\n exit\n"
        ),
    )
    .unwrap();
    let vty = dir.join("vty");
    std::fs::create_dir_all(&vty).unwrap();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("bgpd.log"))
        .unwrap();
    let child = Command::new(bgpd_binary())
        .args(["-Z", "-S", "-n", "-u", "root", "-g", "root", "-M", "bmp"])
        .args(listen.iter().flat_map(|a| ["-l", a]))
        .args(["-p", &bgp_port.to_string()])
        .arg("-f")
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("bgpd.pid"))
        .arg("--vty_socket")
        .arg(&vty)
        .args(["--log", "stdout"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start bgpd: {e}: {HINT}"));
    Proc(Some(child))
}

/// GoBGP's gobgpd as AS65001 on 127.0.0.1:`bgp_port`, waiting for ExaBGP (AS64666 at
/// 127.0.0.2) and exporting pre- and post-policy BMP to 127.0.0.1:`bmp_port`.
fn start_gobgp(dir: &Path, bgp_port: u16, bmp_port: u16) -> Proc {
    let gobgpd = ["/usr/bin/gobgpd", "/usr/sbin/gobgpd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("gobgpd not found: run ./scripts/test.sh, which installs gobgpd")
        });
    let conf = dir.join("gobgpd.toml");
    std::fs::write(
        &conf,
        format!(
            "[global.config]\n  as = 65001\n  router-id = \"10.0.0.3\"\n  port = {bgp_port}\n  local-address-list = [\"127.0.0.1\"]\n\
             [[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"127.0.0.2\"\n    peer-as = 64666\n\
             \x20 [neighbors.transport.config]\n    passive-mode = true\n\
             [[bmp-servers]]\n  [bmp-servers.config]\n    address = \"127.0.0.1\"\n    port = {bmp_port}\n    route-monitoring-policy = \"all\"\n"
        ),
    )
    .unwrap();
    let child = Command::new(gobgpd)
        .arg("-f")
        .arg(&conf)
        .args(["-t", "toml", "-p", "--pprof-disable"])
        .arg(format!("--api-hosts=127.0.0.1:{}", free_port()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("gobgpd.log")).unwrap())
        .stderr(std::fs::File::create(dir.join("gobgpd.err")).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start gobgpd: {e}"));
    Proc(Some(child))
}

/// ExaBGP as AS64666 from 127.0.0.2, announcing `routes` ("prefix as-path [ ... ]") to
/// the speaker (AS`peer_as`) on `bgp_port`.
fn start_exabgp_to(dir: &Path, name: &str, bgp_port: u16, peer_as: u32, routes: &[&str]) -> Proc {
    let statics: Vec<String> = routes
        .iter()
        .map(|r| {
            let (prefix, path) = r.split_once(' ').unwrap();
            format!("{prefix} next-hop 10.255.0.2 {path}")
        })
        .collect();
    let statics: Vec<&str> = statics.iter().map(String::as_str).collect();
    start_exabgp_as(
        dir,
        name,
        ("127.0.0.2", 64666),
        ("127.0.0.1", peer_as),
        bgp_port,
        &statics,
    )
}

/// ExaBGP speaking as (address, AS) `local` to the speaker `peer` on `bgp_port`, announcing
/// `routes`: ExaBGP `route` statements without the keyword (prefix, next-hop, path,
/// attributes).
fn start_exabgp_as(
    dir: &Path,
    name: &str,
    local: (&str, u32),
    peer: (&str, u32),
    bgp_port: u16,
    routes: &[&str],
) -> Proc {
    let conf = dir.join(format!("{name}.conf"));
    let statics: String = routes.iter().map(|r| format!("    route {r};\n")).collect();
    let ((local_addr, local_as), (peer_addr, peer_as)) = (local, peer);
    // 127.0.0.N speaks as router id 10.0.0.N.
    let router_id = local_addr.replacen("127.", "10.", 1);
    std::fs::write(
        &conf,
        format!(
            "neighbor {peer_addr} {{\n  router-id {router_id};\n  local-address {local_addr};\n  local-as {local_as};\n  peer-as {peer_as};\n  static {{\n{statics}  }}\n}}\n"
        ),
    )
    .unwrap();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let child = Command::new(exabgp_binary())
        .arg(&conf)
        .env("exabgp.tcp.port", bgp_port.to_string())
        .env("exabgp.daemon.user", user)
        .env("exabgp.log.destination", dir.join(format!("{name}.log")))
        .env("exabgp.api.cli", "false")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join(format!("{name}.out"))).unwrap())
        .stderr(std::fs::File::create(dir.join(format!("{name}.err"))).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start exabgp: {e}: {HINT}"));
    Proc(Some(child))
}

/// ExaBGP peering with the FRR of [`start_frr`] (AS65000).
fn start_exabgp(dir: &Path, name: &str, bgp_port: u16, routes: &[&str]) -> Proc {
    start_exabgp_to(dir, name, bgp_port, 65000, routes)
}

/// BIRD as AS64510 at 127.0.0.4 with RFC 9234 roles: ExaBGP AS64500 (127.0.0.2) is its
/// peer, ExaBGP AS64520 (127.0.0.3) its provider (both connect to `listen_port`), and the
/// FRR of [`start_frr_with`] (AS65000, port `frr_port`) both its customer (127.0.0.1, from
/// 127.0.0.4) and its provider (127.0.0.6, from 127.0.0.5). It originates 203.0.113.0/24
/// on both. BIRD runs in the foreground with its own control socket; it forwards nothing,
/// so the next hops it cannot resolve do not matter, and it announces a next hop FRR accepts.
fn start_bird(dir: &Path, listen_port: u16, frr_port: u16) -> Proc {
    let bird = ["/usr/sbin/bird", "/usr/bin/bird"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("bird not found: {HINT}"));
    let conf = dir.join("bird.conf");
    let log = dir.join("bird.log");
    // Loopback neighbours are not "directly connected" to BIRD: every session is multihop.
    // Every session names the listening port and binds its own address (`strict bind`), so
    // that BIRD listens on loopback only and never on port 179.
    std::fs::write(
        &conf,
        format!(
            "log \"{log}\" all;\nrouter id 10.0.0.4;\nprotocol device {{ }}\n\
             protocol bgp from_peer {{\n  local 127.0.0.4 port {listen_port} as 64510;\n  neighbor 127.0.0.2 as 64500;\n\
             \x20 passive on;\n  multihop;\n  strict bind on;\n  local role peer;\n  ipv4 {{ import all; export none; }};\n}}\n\
             protocol bgp from_provider {{\n  local 127.0.0.4 port {listen_port} as 64510;\n  neighbor 127.0.0.3 as 64520;\n\
             \x20 passive on;\n  multihop;\n  strict bind on;\n  local role customer;\n  ipv4 {{ import all; export none; }};\n}}\n\
             protocol static own {{ ipv4; route 203.0.113.0/24 blackhole; }}\n\
             protocol bgp to_customer {{\n  local 127.0.0.4 port {listen_port} as 64510;\n  neighbor 127.0.0.1 port {frr_port} as 65000;\n\
             \x20 multihop;\n  strict bind on;\n  connect retry time 1;\n  local role provider;\n\
             \x20 ipv4 {{ import none; export where source = RTS_BGP || proto = \"own\"; next hop address 10.255.0.4; }};\n}}\n\
             protocol bgp to_provider {{\n  local 127.0.0.5 port {listen_port} as 64510;\n  neighbor 127.0.0.6 port {frr_port} as 65000;\n\
             \x20 multihop;\n  strict bind on;\n  connect retry time 1;\n  local role customer;\n\
             \x20 ipv4 {{ import none; export where source = RTS_BGP || proto = \"own\"; next hop address 10.255.0.5; }};\n}}\n",
            log = log.display()
        ),
    )
    .unwrap();
    let child = Command::new(bird)
        .arg("-f")
        .arg("-c")
        .arg(&conf)
        .arg("-s")
        .arg(dir.join("bird.ctl"))
        .arg("-P")
        .arg(dir.join("bird.pid"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("bird.out")).unwrap())
        .stderr(std::fs::File::create(dir.join("bird.err")).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start bird: {e}: {HINT}"));
    Proc(Some(child))
}

/// `birdc show route all` on BIRD's control socket.
fn birdc_routes(dir: &Path) -> String {
    let out = Command::new("birdc")
        .arg("-s")
        .arg(dir.join("bird.ctl"))
        .args(["show", "route", "all"])
        .output();
    match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
        Err(e) => format!("birdc: {e}"),
    }
}

/// An admin API GET with the test token; the JSON body.
async fn api(admin: std::net::SocketAddr, path: &str) -> (hyper::StatusCode, serde_json::Value) {
    let req = hyper::Request::get(path)
        .header("host", "localhost")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let r = send(admin, req).await;
    let v = serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null);
    (r.status, v)
}

/// A dashboard page, signed in with the admin token.
async fn dashboard_page(admin: std::net::SocketAddr, path: &str) -> String {
    let login = hyper::Request::post("/login")
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(http_body_util::Full::new(bytes::Bytes::from(format!(
            "token={TOKEN}&next=%2F"
        ))))
        .unwrap();
    let r = send(admin, login).await;
    let cookie = r
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie: {r:?}"))
        .to_owned();
    let req = hyper::Request::get(path)
        .header("host", "localhost")
        .header("cookie", cookie)
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let r = send(admin, req).await;
    assert_eq!(r.status, hyper::StatusCode::OK, "{path}: {}", r.text());
    r.text()
}

/// The events the webhook received so far, with the kind `kind`.
fn events_of(
    got: &std::sync::Mutex<Vec<(String, bytes::Bytes)>>,
    kind: &str,
) -> Vec<serde_json::Value> {
    events(got)
        .into_iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

/// `parapet routes watch` with its BMP listener on `bmp_port` and a webhook channel.
fn start_watch(dir: &Path, bmp_port: u16, hook: u16) -> Proc {
    start_watch_with(
        dir,
        &format!("[routes.bmp]\nlisten = \"127.0.0.1:{bmp_port}\"\nrouters = [\"127.0.0.0/8\"]\n"),
        hook,
        "BMP listener up",
    )
}

/// `parapet routes watch` with the live feed `feed` (TOML) and a webhook channel; started
/// once its stderr says `ready`.
fn start_watch_with(dir: &Path, feed: &str, hook: u16, ready: &str) -> Proc {
    let config = dir.join("parapet.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nstate_dir = \"state\"\n\n{feed}\n\
             [[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\ndescription = \"web front ends\"\n\n\
             [[alerts.channels]]\nname = \"soc\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{hook}/hook\"\nsecret = \"{SECRET}\"\n"
        ),
    )
    .unwrap();
    let stderr = dir.join("watch.stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["routes", "watch", "--format", "json", "--config"])
        .arg(&config)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("watch.stdout")).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("start parapet routes watch");
    let start = Instant::now();
    while !std::fs::read_to_string(&stderr)
        .unwrap_or_default()
        .contains(ready)
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "routes watch did not start listening; stderr:\n{}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Proc(Some(child))
}

/// The events the webhook received so far, signature checked.
fn events(got: &std::sync::Mutex<Vec<(String, bytes::Bytes)>>) -> Vec<serde_json::Value> {
    got.lock()
        .unwrap()
        .iter()
        .map(|(sig, body)| {
            assert!(
                parapet_alerts::verify_signature(SECRET.as_bytes(), body, sig),
                "signed"
            );
            let v: serde_json::Value = serde_json::from_slice(body).unwrap();
            assert_eq!(v["type"], "event", "{v}");
            v["event"].clone()
        })
        .collect()
}

/// Waits until the webhook has an event of `kind`; on timeout, fails with every log.
async fn wait_for(
    dir: &Path,
    got: &std::sync::Arc<std::sync::Mutex<Vec<(String, bytes::Bytes)>>>,
    kind: &str,
) -> serde_json::Value {
    let found = eventually(LIVE_TIMEOUT, || {
        let e = events(got).into_iter().find(|e| e["kind"] == kind);
        async move { e }
    })
    .await;
    found.unwrap_or_else(|| {
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        panic!(
            "no `{kind}` at the webhook within {LIVE_TIMEOUT:?}; received: {:?}\n--- watch stdout\n{}\n--- watch stderr\n{}\n--- bgpd\n{}\n--- exabgp\n{}{}",
            events(got).iter().map(|e| e["kind"].clone()).collect::<Vec<_>>(),
            read("watch.stdout"),
            read("watch.stderr"),
            read("bgpd.log"),
            read("exabgp.err"),
            read("exabgp.log"),
        )
    })
}

const LEGIT: &str = "192.0.2.0/24 as-path [ 64666 64500 ]";
const HIJACK: &str = "192.0.2.128/25 as-path [ 64666 ]";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exabgp_hijack_streamed_by_frr_bmp_reaches_the_webhook_and_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (hook, got) = webhook_receiver().await;
    let (bgp_port, bmp_port) = (free_port(), free_port());
    let _watch = start_watch(dir.path(), bmp_port, hook);
    let _frr = start_frr(dir.path(), bgp_port, bmp_port);
    let _exa = start_exabgp(dir.path(), "exabgp", bgp_port, &[LEGIT, HIJACK]);

    let e = wait_for(dir.path(), &got, "subprefix-hijack").await;
    assert_eq!(e["service"], "routes");
    assert_eq!(e["severity"], "high");
    assert_eq!(e["subject"], "192.0.2.128/25");
    let d = &e["details"];
    assert_eq!(d["monitored_prefix"], "192.0.2.0/24");
    assert_eq!(d["origin_asn"], 64666);
    assert_eq!(d["description"], "web front ends");
    assert_eq!(
        d["as_path"],
        serde_json::json!([64666]),
        "the path as the peer sent it (FRR's own AS in front of post-policy paths dropped)"
    );
    assert_eq!(d["peers"][0]["asn"], 64666);
    assert_eq!(d["peers"][0]["address"], "127.0.0.2");
    assert_eq!(d["peers"][0]["router"], "127.0.0.1");

    // The same alert on stdout, JSON Lines; the legitimate /24 raised nothing.
    let stdout = std::fs::read_to_string(dir.path().join("watch.stdout")).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "subprefix-hijack" && l["prefix"] == "192.0.2.128/25"),
        "{stdout}"
    );
    assert!(
        !lines.iter().any(|l| l["prefix"] == "192.0.2.0/24"),
        "the allowed origin raised an alert: {stdout}"
    );
    // And in the store, for the dashboard and the API.
    use parapet_store::Store as _;
    let store =
        parapet_store::SqliteStore::open(dir.path().join("state").join("parapet.db")).unwrap();
    let stored = store
        .events(&parapet_store::EventQuery::new().kind("subprefix-hijack"))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].subject, "192.0.2.128/25");
}

/// FRR dies (its BMP session drops without a word); while it is gone the hijack stops.
/// FRR comes back and resyncs: the hijack resolves, nothing is raised twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bmp_session_reset_is_reported_and_resolves_what_vanished_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let (hook, got) = webhook_receiver().await;
    let (bgp_port, bmp_port) = (free_port(), free_port());
    let _watch = start_watch(dir.path(), bmp_port, hook);
    let mut frr = start_frr(dir.path(), bgp_port, bmp_port);
    let mut exa = start_exabgp(dir.path(), "exabgp", bgp_port, &[LEGIT, HIJACK]);
    wait_for(dir.path(), &got, "subprefix-hijack").await;

    frr.kill();
    let down = wait_for(dir.path(), &got, "feed-down").await;
    assert_eq!(down["subject"], "bmp 127.0.0.1");
    assert_eq!(down["details"]["router_name"], "r1");
    exa.kill();
    let _exa = start_exabgp(dir.path(), "exabgp2", bgp_port, &[LEGIT]);
    let _frr = start_frr(dir.path(), bgp_port, bmp_port);

    wait_for(dir.path(), &got, "feed-down-resolved").await;
    let resolved = wait_for(dir.path(), &got, "subprefix-hijack-resolved").await;
    assert_eq!(resolved["subject"], "192.0.2.128/25");
    assert_eq!(resolved["severity"], "info");
    // FRR's restart really dropped its BGP session with ExaBGP, so a peer-down (and a
    // visibility-loss of the /24, for this single vantage) may come and go on the way; what
    // must hold is that every alert raised is resolved, and the hijack was raised once.
    let settled = eventually(LIVE_TIMEOUT, || {
        let kinds: Vec<String> = events(&got)
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect();
        let open = kinds
            .iter()
            .filter(|k| !k.ends_with("-resolved"))
            .any(|k| !kinds.contains(&format!("{k}-resolved")));
        async move { (!open).then_some(kinds) }
    })
    .await;
    let kinds = settled.unwrap_or_else(|| {
        panic!(
            "alerts left open: {:?}",
            events(&got)
                .iter()
                .map(|e| e["kind"].clone())
                .collect::<Vec<_>>()
        )
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again: Vec<serde_json::Value> = events(&got);
    assert_eq!(
        again
            .iter()
            .filter(|e| e["kind"] == "subprefix-hijack")
            .count(),
        1,
        "{kinds:?}"
    );
}

/// The same hijack through a second BMP exporter, GoBGP (`route-monitoring-policy = "all"`:
/// pre- and post-policy, Loc-RIB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gobgp_bmp_export_streams_the_same_hijack() {
    let dir = tempfile::tempdir().unwrap();
    let (hook, got) = webhook_receiver().await;
    let (bgp_port, bmp_port) = (free_port(), free_port());
    let _watch = start_watch(dir.path(), bmp_port, hook);
    let _gobgp = start_gobgp(dir.path(), bgp_port, bmp_port);
    let _exa = start_exabgp_to(dir.path(), "exabgp", bgp_port, 65001, &[LEGIT, HIJACK]);
    let e = wait_for(dir.path(), &got, "subprefix-hijack").await;
    assert_eq!(e["subject"], "192.0.2.128/25");
    assert_eq!(e["details"]["origin_asn"], 64666);
    assert_eq!(e["details"]["peers"][0]["router"], "127.0.0.1");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let kinds: Vec<serde_json::Value> = events(&got).iter().map(|e| e["kind"].clone()).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "subprefix-hijack").count(),
        1,
        "every view of the one peer carries one event: {kinds:?}"
    );
    assert!(
        !kinds.iter().any(|k| *k == "origin-hijack"),
        "the allowed origin raised nothing: {kinds:?}"
    );
}

/// `parapet serve` runs the route monitor when the config has `[routes.bmp]`: the hijack
/// is stored, and the route monitor's counters are on the admin listener's `/metrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_the_route_monitor_with_its_metrics() {
    let (bgp_port, bmp_port) = (free_port(), free_port());
    let env = Env::start_with(|mut c| {
        c.extra = format!(
            "[routes.bmp]\nlisten = \"127.0.0.1:{bmp_port}\"\n\n\
             [[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n"
        );
        c
    });
    let dir = env.parapet.state_dir.parent().unwrap().to_owned();
    let _frr = start_frr(&dir, bgp_port, bmp_port);
    let _exa = start_exabgp(&dir, "exabgp", bgp_port, &[LEGIT, HIJACK]);
    let admin = env.parapet.admin();
    let metrics = eventually(LIVE_TIMEOUT, || async move {
        let text = send(admin, get("/metrics")).await.text();
        metric_sum(
            &text,
            "parapet_routes_reports_total",
            &["type=\"subprefix-hijack\""],
        )
        .is_some_and(|n| n >= 1.0)
        .then_some(text)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no subprefix-hijack counted on /metrics; parapet stderr:\n{}",
            env.parapet.stderr()
        )
    });
    assert_eq!(
        metric_sum(&metrics, "parapet_routes_bmp_routers", &[]),
        Some(1.0)
    );
    assert!(metric_sum(&metrics, "parapet_routes_bmp_messages_total", &[]).unwrap() >= 3.0);
    assert_eq!(
        metric_sum(&metrics, "parapet_routes_bmp_malformed_total", &[]),
        Some(0.0)
    );
    use parapet_store::Store as _;
    let store = parapet_store::SqliteStore::open(env.parapet.state_dir.join("parapet.db")).unwrap();
    let stored = store
        .events(&parapet_store::EventQuery::new().kind("subprefix-hijack"))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
}

/// `routes watch` on a RIS Live feed: a local WebSocket server speaks RIS Live's JSON; the
/// client subscribes, a hijack seen by a collector peer alerts, and a server that closes
/// the stream is a `feed-down` until the client is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ris_live_feeds_routes_watch() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let dir = tempfile::tempdir().unwrap();
    let (hook, got) = webhook_receiver().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(s).await.unwrap();
        let mut subs = Vec::new();
        while subs.len() < 2 {
            if let Some(Ok(Message::Text(t))) = ws.next().await {
                subs.push(t.to_string());
            }
        }
        ws.send(Message::text(
            r#"{"type":"ris_message","data":{"timestamp":1700000000.5,"peer":"198.51.100.1","peer_asn":"64496","id":"1","host":"rrc00","type":"UPDATE","path":[64496,64666],"origin":"igp","announcements":[{"next_hop":"198.51.100.1","prefixes":["192.0.2.128/25"]}],"withdrawals":[]}}"#,
        ))
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        ws.close(None).await.unwrap();
        drop(ws);
        // The client returns; keep it connected.
        let (s, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(s).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
        subs
    });
    let _watch = start_watch_with(
        dir.path(),
        &format!("[routes.ris_live]\nurl = \"ws://127.0.0.1:{port}/v1/ws/\"\n"),
        hook,
        "RIS Live client started",
    );
    let e = wait_for(dir.path(), &got, "subprefix-hijack").await;
    assert_eq!(e["subject"], "192.0.2.128/25");
    assert_eq!(e["details"]["peers"][0]["asn"], 64496);
    assert!(
        e["details"]["peers"][0].get("router").is_none(),
        "a collector peer"
    );
    let down = wait_for(dir.path(), &got, "feed-down").await;
    assert_eq!(
        down["subject"],
        format!("ris-live ws://127.0.0.1:{port}/v1/ws/")
    );
    wait_for(dir.path(), &got, "feed-down-resolved").await;
    server.abort();
}

/// RFC 9234 end to end: BIRD, configured with roles, sets Only-To-Customer on the route it
/// learns from its peer (AS64500) and sends it down to its customer FRR: a legitimate OTC
/// route, which raises nothing. From its provider it learns a route that AS64511 leaked: it
/// carries OTC 64500, yet AS64511 sent it up to its provider AS64520 (the relationships file
/// knows that edge; it does not know 64500-64511, so only OTC can tell). BIRD accepts it
/// from a provider and passes it down; FRR streams both over BMP to `parapet serve`, which
/// raises one `route-leak` (rule `only-to-customer`, offender AS64511) at the webhook, and
/// shows the OTC of both routes in `/api/v1/routes/state`. BIRD itself leaks nothing: over
/// its session to a provider only its own prefix goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bird_only_to_customer_routes_and_a_leak_through_them() {
    let data = tempfile::tempdir().unwrap();
    let rels = data.path().join("as-rel.txt");
    std::fs::write(
        &rels,
        "# provider|customer|-1, peer|peer|0\n64500|64510|0\n64520|64511|-1\n64520|64510|-1\n64510|65000|-1\n",
    )
    .unwrap();
    let (hook, got) = webhook_receiver().await;
    let (bgp_port, bmp_port, bird_port) = (free_port(), free_port(), free_port());
    let env = Env::start_with(|mut c| {
        c.admin = format!("token = \"{TOKEN}\"");
        c.extra = format!(
            "[routes]\nrelationships = {rels:?}\n\n\
             [routes.bmp]\nlisten = \"127.0.0.1:{bmp_port}\"\n\n\
             [[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\nupstreams = [64510, 64511]\n\n\
             [[routes.prefixes]]\nprefix = \"198.51.100.0/24\"\norigins = [64500]\nupstreams = [64510, 64511]\n\n\
             [[routes.prefixes]]\nprefix = \"203.0.113.0/24\"\norigins = [64510]\n\n\
             [[alerts.channels]]\nname = \"soc\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{hook}/hook\"\nsecret = \"{SECRET}\"\n",
            rels = rels.display().to_string()
        );
        c
    });
    let dir = data.path();
    // FRR is BIRD's customer on 127.0.0.1 and its provider on 127.0.0.6 (BIRD opens one
    // session per remote address).
    let _frr = start_frr_with(
        dir,
        (&["127.0.0.1", "127.0.0.6"], bgp_port),
        bmp_port,
        "127.0.0.4",
        64510,
        " neighbor 127.0.0.4 passive\n neighbor 127.0.0.4 ebgp-multihop 2\n\
         \x20neighbor 127.0.0.5 remote-as 64510\n neighbor 127.0.0.5 passive\n neighbor 127.0.0.5 ebgp-multihop 2\n",
    );
    let _bird = start_bird(dir, bird_port, bgp_port);
    let _peer = start_exabgp_as(
        dir,
        "exabgp",
        ("127.0.0.2", 64500),
        ("127.0.0.4", 64510),
        bird_port,
        &["192.0.2.0/24 next-hop 127.0.0.2"],
    );
    // OTC is attribute 35, optional transitive (0xc0), four octets: AS64500 (0xfbf4).
    let _provider = start_exabgp_as(
        dir,
        "exabgp2",
        ("127.0.0.3", 64520),
        ("127.0.0.4", 64510),
        bird_port,
        &["198.51.100.0/24 next-hop 127.0.0.3 as-path [ 64520 64511 64500 ] attribute [ 0x23 0xc0 0x0000fbf4 ]"],
    );

    let logs = || {
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        format!(
            "--- parapet\n{}\n--- bird\n{}\n{}\n--- bgpd\n{}\n--- exabgp\n{}{}",
            env.parapet.stderr(),
            read("bird.log"),
            birdc_routes(dir),
            read("bgpd.log"),
            read("exabgp.err"),
            read("exabgp2.err"),
        )
    };
    let leak = eventually(LIVE_TIMEOUT, || {
        let e = events_of(&got, "route-leak").into_iter().next();
        async move { e }
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no route-leak at the webhook within {LIVE_TIMEOUT:?}\n{}",
            logs()
        )
    });
    assert_eq!(leak["subject"], "198.51.100.0/24");
    assert_eq!(leak["severity"], "high");
    let d = &leak["details"];
    assert_eq!(d["rule"], "only-to-customer", "{d}");
    assert_eq!(d["offender_asn"], 64511, "{d}");
    assert_eq!(
        d["as_path"],
        serde_json::json!([64510, 64520, 64511, 64500])
    );
    assert_eq!(d["peers"][0]["asn"], 64510);
    assert_eq!(d["peers"][0]["address"], "127.0.0.4");
    assert!(
        d["evidence"]
            .as_str()
            .unwrap()
            .contains("Only-To-Customer AS64500"),
        "{d}"
    );

    // BIRD put OTC on the peer's route itself (RFC 9234 ingress from a peer), and Parapet
    // read it off FRR's BMP stream: the legitimate OTC route is tracked, with its OTC, and
    // raises nothing.
    let admin = env.parapet.admin();
    let state = eventually(LIVE_TIMEOUT, || async move {
        let (status, v) = api(admin, "/api/v1/routes/state?prefix=192.0.2.0/24").await;
        (status == hyper::StatusCode::OK && v["routes"].as_array().is_some_and(|r| !r.is_empty()))
            .then_some(v)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "192.0.2.0/24 never showed in /api/v1/routes/state\n{}",
            logs()
        )
    });
    let routes = state["routes"].as_array().unwrap();
    assert!(
        routes.iter().all(|r| r["otc"] == 64500
            && r["as_path"] == serde_json::json!([64510, 64500])
            && r["vantage"]["address"] == "127.0.0.4"
            && r["events"] == serde_json::json!([])),
        "{state}"
    );
    assert!(
        birdc_routes(dir).contains("BGP.otc: 64500"),
        "BIRD set OTC: {}",
        birdc_routes(dir)
    );
    // And BIRD keeps RFC 9234's egress rules: toward its provider (FRR's session with
    // 127.0.0.5) it sends its own prefix, but neither OTC-marked route.
    let own = eventually(LIVE_TIMEOUT, || async move {
        let (_, v) = api(admin, "/api/v1/routes/state?prefix=203.0.113.0/24").await;
        v["routes"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["vantage"]["address"] == "127.0.0.5"))
            .then_some(v)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "BIRD's own prefix never came over the provider session\n{}",
            logs()
        )
    });
    // RFC 9234 egress: what BIRD sends a customer it marks with its own AS, what it sends a
    // provider it does not.
    for r in own["routes"].as_array().unwrap() {
        let expected = match r["vantage"]["address"].as_str() {
            Some("127.0.0.4") => serde_json::json!(64510),
            _ => serde_json::Value::Null,
        };
        assert_eq!(r["otc"], expected, "{own}");
    }
    // (The provider session carries BIRD's table already; a leak would have come with it.)
    tokio::time::sleep(Duration::from_secs(1)).await;
    for prefix in ["192.0.2.0/24", "198.51.100.0/24"] {
        let (_, v) = api(admin, &format!("/api/v1/routes/state?prefix={prefix}")).await;
        let routes = v["routes"].as_array().unwrap();
        assert!(
            routes
                .iter()
                .all(|r| r["vantage"]["address"] == "127.0.0.4"),
            "BIRD sent an OTC route to its provider: {v}"
        );
    }
    let (_, leaked) = api(admin, "/api/v1/routes/state?prefix=198.51.100.0/24").await;
    assert!(
        leaked["routes"].as_array().is_some_and(|r| !r.is_empty()
            && r.iter()
                .all(|r| r["otc"] == 64500 && r["events"] == serde_json::json!(["route-leak"]))),
        "{leaked}"
    );

    tokio::time::sleep(Duration::from_secs(1)).await;
    let kinds: Vec<serde_json::Value> = events(&got).iter().map(|e| e["kind"].clone()).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "route-leak").count(),
        1,
        "one event, however many views carry it: {kinds:?}"
    );
    assert!(
        events(&got).iter().all(|e| e["subject"] != "192.0.2.0/24"),
        "the legitimate OTC route raised an alert: {kinds:?}"
    );
    // Stored, and listed by the API as open.
    let (status, listed) = api(admin, "/api/v1/routes/alerts?kind=route-leak&status=open").await;
    assert_eq!(status, hyper::StatusCode::OK, "{listed}");
    let alerts = listed["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{listed}");
    assert_eq!(alerts[0]["prefix"], "198.51.100.0/24");
    assert_eq!(alerts[0]["open"], true);
}

/// Writes `text` to `path` the way rpki-client and Routinator do: a temporary file renamed
/// over the old one.
fn replace_file(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn vrps(asn: u32) -> String {
    format!(
        r#"{{"metadata":{{"generated":1700000000}},"roas":[{{"prefix":"192.0.2.0/24","maxLength":24,"asn":"AS{asn}"}}],"aspas":[]}}"#
    )
}

/// The RPKI file changes while `serve` runs: the new VRPs are used at once (the route that
/// was rpki-invalid becomes valid and the alert resolves); a malformed file keeps the old
/// data, and is logged and counted; a good file after it is read again. The admin API
/// shows the alerts, the routes' ROV state and the file's state along the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rpki_file_is_reloaded_when_it_changes_and_a_bad_one_keeps_the_old_data() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("vrps.json");
    std::fs::write(&file, vrps(64501)).unwrap();
    let (hook, got) = webhook_receiver().await;
    let (bgp_port, bmp_port) = (free_port(), free_port());
    let env = Env::start_with(|mut c| {
        c.admin = format!("token = \"{TOKEN}\"");
        c.extra = format!(
            "[routes]\nvrps = {file:?}\n\n[routes.bmp]\nlisten = \"127.0.0.1:{bmp_port}\"\n\n\
             [[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n\n\
             [[alerts.channels]]\nname = \"soc\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{hook}/hook\"\nsecret = \"{SECRET}\"\n",
            file = file.display().to_string()
        );
        c
    });
    let dir = data.path();
    let _frr = start_frr(dir, bgp_port, bmp_port);
    let _exa = start_exabgp(dir, "exabgp", bgp_port, &[LEGIT]);
    let admin = env.parapet.admin();
    let logs = || {
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        format!(
            "--- parapet\n{}\n--- bgpd\n{}\n--- exabgp\n{}",
            env.parapet.stderr(),
            read("bgpd.log"),
            read("exabgp.err")
        )
    };
    let wait_kind = |kind: &'static str, n: usize| {
        let got = got.clone();
        async move {
            eventually(LIVE_TIMEOUT, || {
                let e = events_of(&got, kind);
                async move { (e.len() >= n).then_some(e) }
            })
            .await
        }
    };

    // The ROA names AS64501: the allowed origin's route is rpki-invalid.
    let invalid = wait_kind("rpki-invalid", 1)
        .await
        .unwrap_or_else(|| panic!("no rpki-invalid\n{}", logs()));
    assert_eq!(invalid[0]["subject"], "192.0.2.0/24");
    let (_, state) = api(admin, "/api/v1/routes/state?prefix=192.0.2.0/24").await;
    assert!(
        state["routes"]
            .as_array()
            .is_some_and(|r| !r.is_empty() && r.iter().all(|r| r["rpki"] == "invalid")),
        "{state}"
    );

    // The operator's ROA is fixed: the route is valid, the alert resolves.
    replace_file(&file, &vrps(64500));
    wait_kind("rpki-invalid-resolved", 1)
        .await
        .unwrap_or_else(|| panic!("the new VRPs were not used\n{}", logs()));
    let (_, state) = api(admin, "/api/v1/routes/state?prefix=192.0.2.0/24").await;
    assert!(
        state["routes"].as_array().is_some_and(|r| !r.is_empty()
            && r.iter()
                .all(|r| r["rpki"] == "valid" && r["events"] == serde_json::json!([]))),
        "{state}"
    );
    let (_, feeds) = api(admin, "/api/v1/routes/feeds").await;
    assert_eq!(feeds["rpki"]["vrps"], 1, "{feeds}");
    assert_eq!(feeds["rpki"]["reloads"], 1, "{feeds}");
    assert_eq!(feeds["bmp"][0]["router"], "127.0.0.1", "{feeds}");
    assert_eq!(feeds["bmp"][0]["connected"], true, "{feeds}");
    assert_eq!(feeds["bmp"][0]["peers"][0]["asn"], 64666, "{feeds}");
    assert_eq!(feeds["bmp"][0]["peers"][0]["up"], true, "{feeds}");
    let (_, resolved) = api(
        admin,
        "/api/v1/routes/alerts?prefix=192.0.0.0/16&status=resolved",
    )
    .await;
    let list = resolved["alerts"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{resolved}");
    assert_eq!(list[0]["type"], "rpki-invalid");
    assert_eq!(list[0]["open"], false);
    assert!(list[0]["resolved_at"].is_string(), "{resolved}");
    let (_, open) = api(admin, "/api/v1/routes/alerts?status=open").await;
    assert_eq!(open["alerts"], serde_json::json!([]), "{open}");

    // The OpenAPI document describes what was answered: the paths, and every field its
    // schemas list as required.
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/api/openapi.json")).unwrap(),
    )
    .unwrap();
    for path in ["alerts", "state", "feeds"] {
        let path = format!("/api/v1/routes/{path}");
        assert!(spec["paths"][&path]["get"].is_object(), "{path} documented");
    }
    for (schema, answer) in [
        ("RouteAlert", &list[0]),
        ("RouteView", &state["routes"][0]),
        ("RouteFeeds", &feeds),
    ] {
        for field in spec["components"]["schemas"][schema]["required"]
            .as_array()
            .unwrap()
        {
            assert!(
                answer.get(field.as_str().unwrap()).is_some(),
                "{schema}.{field} in {answer}"
            );
        }
    }

    // The dashboard's routes page shows the same: the router and the resolved alert.
    let page = dashboard_page(admin, "/routes?prefix=192.0.2.0%2F24&status=resolved").await;
    assert!(
        page.contains("127.0.0.1") && page.contains("1 of 1"),
        "{page}"
    );
    assert!(
        page.contains("rpki-invalid") && page.contains("resolved 20"),
        "{page}"
    );
    assert!(page.contains("1 VRPs"), "{page}");

    // A truncated file (a broken export): the old data stays, the error is logged and counted.
    replace_file(&file, r#"{"roas":[{"prefix":"192.0.2.0/24","#);
    let counted = eventually(LIVE_TIMEOUT, || async move {
        let text = send(admin, get("/metrics")).await.text();
        metric_sum(&text, "parapet_routes_rpki_reload_errors_total", &[])
            .is_some_and(|n| n >= 1.0)
            .then_some(text)
    })
    .await
    .unwrap_or_else(|| panic!("the bad file was not counted\n{}", logs()));
    assert_eq!(
        metric_sum(&counted, "parapet_routes_rpki_vrps", &[]),
        Some(1.0)
    );
    assert!(
        env.parapet.stderr().contains("the previous data stays"),
        "{}",
        logs()
    );
    let (_, feeds) = api(admin, "/api/v1/routes/feeds").await;
    assert_eq!(feeds["rpki"]["vrps"], 1, "{feeds}");
    assert_eq!(feeds["rpki"]["reload_errors"], 1, "{feeds}");
    assert!(feeds["rpki"]["last_error"].is_string(), "{feeds}");
    let (_, state) = api(admin, "/api/v1/routes/state?prefix=192.0.2.0/24").await;
    assert!(
        state["routes"]
            .as_array()
            .is_some_and(|r| !r.is_empty() && r.iter().all(|r| r["rpki"] == "valid")),
        "the old data stays: {state}"
    );
    assert_eq!(events_of(&got, "rpki-invalid").len(), 1);

    // The file is still watched: the bad ROA comes back, and so does the alert (stored and
    // open; the webhook's dedup window holds back the repeat of the same event).
    replace_file(&file, &vrps(64501));
    let open = eventually(LIVE_TIMEOUT, || async move {
        let (_, v) = api(admin, "/api/v1/routes/alerts?status=open&kind=rpki-invalid").await;
        (v["alerts"].as_array().map(Vec::len) == Some(1)).then_some(v)
    })
    .await
    .unwrap_or_else(|| panic!("the file was not read again after a bad one\n{}", logs()));
    assert_eq!(open["alerts"][0]["prefix"], "192.0.2.0/24");
    let (_, all) = api(admin, "/api/v1/routes/alerts?kind=rpki-invalid").await;
    assert_eq!(all["alerts"].as_array().map(Vec::len), Some(2), "{all}");

    // Questions the API refuses.
    let (status, _) = api(admin, "/api/v1/routes/state?prefix=not-a-prefix").await;
    assert_eq!(status, hyper::StatusCode::BAD_REQUEST);
    let (status, _) = api(admin, "/api/v1/routes/state?prefix=203.0.113.0/24").await;
    assert_eq!(status, hyper::StatusCode::NOT_FOUND);
    let (status, _) = api(admin, "/api/v1/routes/alerts?status=maybe").await;
    assert_eq!(status, hyper::StatusCode::BAD_REQUEST);
    let r = send(admin, get("/api/v1/routes/alerts")).await;
    assert_eq!(r.status, hyper::StatusCode::UNAUTHORIZED);
}

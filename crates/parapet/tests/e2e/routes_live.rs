//! The route monitor on a live feed: a real ExaBGP announces routes to a real FRR
//! (`bgpd -M bmp`, started directly as root without zebra), FRR streams BMP to
//! `parapet routes watch`, and the alerts reach a webhook receiver, signed, and the store.
//! Everything listens on loopback ports of its own; ExaBGP speaks from 127.0.0.2.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;

/// How long FRR and ExaBGP get to connect, establish and stream (a cold start takes a few
/// seconds; a loaded CI machine more).
const LIVE_TIMEOUT: Duration = Duration::from_secs(60);
const SECRET: &str = "live-secret";
const HINT: &str = "run ./scripts/test.sh, which installs frr and exabgp";

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
    let conf = dir.join("frr.conf");
    std::fs::write(
        &conf,
        format!(
            "frr defaults traditional\nhostname r1\nlog stdout informational\n\
             router bgp 65000\n bgp router-id 10.0.0.1\n no bgp ebgp-requires-policy\n\
             \x20neighbor 127.0.0.2 remote-as 64666\n neighbor 127.0.0.2 timers connect 1\n\
             \x20address-family ipv4 unicast\n  neighbor 127.0.0.2 activate\n exit-address-family\n\
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
        .args(["-l", "127.0.0.1", "-p", &bgp_port.to_string()])
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
    let conf = dir.join(format!("{name}.conf"));
    let statics: String = routes
        .iter()
        .map(|r| {
            let (prefix, path) = r.split_once(' ').unwrap();
            format!("    route {prefix} next-hop 10.255.0.2 {path};\n")
        })
        .collect();
    std::fs::write(
        &conf,
        format!(
            "neighbor 127.0.0.1 {{\n  router-id 10.0.0.2;\n  local-address 127.0.0.2;\n  local-as 64666;\n  peer-as {peer_as};\n  static {{\n{statics}  }}\n}}\n"
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

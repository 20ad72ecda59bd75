//! The script monitor's telemetry in the real binary: the report-only policy on a monitored
//! site's HTML pages (and nowhere else), and the same-origin report endpoint with its token,
//! content types and size limit.

use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;

use crate::harness::*;

fn monitored() -> Env {
    Env::start_with(|mut c| {
        // The demo shop (HTML and scripts) at `/`, the echo upstream (text/plain) at `/api`.
        c.routes = vec![("/".into(), "demo".into()), ("/api".into(), "nginx".into())];
        c.site = "[sites.script_monitor]\nsample_rate = 1.0\nsensitive_paths = [\"/checkout.html\"]\nform_actions = true\nignore_hosts = [\"adware.example\"]\n".into();
        c.extra = "[[upstreams]]\nname = \"demo\"\nstatic_dir = \"builtin:demo\"\n".into();
        c
    })
}

/// The `report-uri` of a policy: the endpoint with its token.
fn endpoint_of(policy: &str) -> String {
    policy
        .split("report-uri ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap()
        .trim()
        .to_owned()
}

fn post(path: &str, content_type: &str, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .unwrap()
}

#[tokio::test]
async fn html_pages_carry_the_report_only_policy_and_reports_are_taken() {
    let env = monitored();
    let addr = env.parapet.http();
    let page = send(addr, get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page
        .header("content-security-policy-report-only")
        .expect("HTML gets the policy")
        .to_owned();
    assert!(
        policy.contains("script-src 'none' 'report-sample' 'report-sha256'"),
        "{policy}"
    );
    assert!(policy.contains("form-action 'none'"), "{policy}");
    let endpoint = endpoint_of(&policy);
    assert!(
        endpoint.starts_with("/.well-known/parapet/csp-report?t="),
        "{endpoint}"
    );
    // Plain HTTP: report-uri only (Chromium sends Reporting API reports only over HTTPS,
    // and ignores report-uri when report-to is present).
    assert!(!policy.contains("report-to"), "{policy}");
    assert!(page.header("reporting-endpoints").is_none());
    let tls_page = send_tls(env.parapet.https(), get("/")).await;
    let tls_policy = tls_page
        .header("content-security-policy-report-only")
        .expect("HTML over TLS gets the policy")
        .to_owned();
    assert!(
        tls_policy.ends_with("; report-to parapet-csp"),
        "{tls_policy}"
    );
    let tls_endpoint = &endpoint_of(&tls_policy);
    assert_eq!(
        tls_page.header("reporting-endpoints"),
        Some(&*format!("parapet-csp=\"{tls_endpoint}\""))
    );
    // Not on scripts, not on the plain-text API.
    let js = send(addr, get("/js/cart.js")).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.header("content-security-policy-report-only").is_none());
    let api = send(addr, get("/api/x")).await;
    assert!(api.header("content-security-policy-report-only").is_none());

    // A report as Chromium sends it to report-uri, and a Reporting API batch.
    let legacy = r#"{"csp-report":{"document-uri":"http://localhost/checkout?order=1","effective-directive":"script-src-elem","blocked-uri":"https://cdn.example/skim.js","disposition":"report"}}"#;
    let r = send(addr, post(&endpoint, "application/csp-report", legacy)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let batch = r#"[{"type":"csp-hash","url":"http://localhost/","body":{"documentURL":"http://localhost/","subresourceURL":"http://localhost/js/cart.js","hash":"sha256-1XF/E08XndkoxwN6eIa5J89hYn3OVZ/UyB8BrU5jgzk=","destination":"script"}}]"#;
    let r = send(addr, post(&endpoint, "application/reports+json", batch)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // Refused: a forged token, another content type, a GET, an oversized body.
    let forged = "/.well-known/parapet/csp-report?t=AAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        send(addr, post(forged, "application/csp-report", legacy))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(addr, post(&endpoint, "text/plain", legacy))
            .await
            .status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        send(addr, get(&endpoint)).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let huge = vec![b' '; 70 * 1024];
    assert_eq!(
        send(addr, post(&endpoint, "application/json", huge))
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Dropped, not refused: a page on another site, an extension's own script.
    let off_site = r#"{"csp-report":{"document-uri":"https://evil.example/","effective-directive":"script-src-elem","blocked-uri":"https://cdn.example/x.js"}}"#;
    let extension = r#"{"csp-report":{"document-uri":"http://localhost/","effective-directive":"script-src-elem","blocked-uri":"chrome-extension://abc/inject.js"}}"#;
    let adware = r#"{"csp-report":{"document-uri":"http://localhost/","effective-directive":"script-src-elem","blocked-uri":"https://cdn.adware.example/inject.js"}}"#;
    for body in [off_site, extension, adware] {
        let r = send(addr, post(&endpoint, "application/csp-report", body)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }

    // Every outcome is counted by reason. (The oversized body above met the gateway's own
    // body limit first, 64 KiB in these tests, so the endpoint never saw it.)
    let metrics = send(env.parapet.admin(), get("/metrics")).await.text();
    for (name, label, want) in [
        ("parapet_csp_reports_total", "kind=\"violation\"", 1.0),
        ("parapet_csp_reports_total", "kind=\"hash\"", 1.0),
        (
            "parapet_csp_reports_dropped_total",
            "reason=\"off_site\"",
            1.0,
        ),
        (
            "parapet_csp_reports_dropped_total",
            "reason=\"extension\"",
            1.0,
        ),
        (
            "parapet_csp_reports_dropped_total",
            "reason=\"ignored\"",
            1.0,
        ),
        (
            "parapet_csp_report_requests_refused_total",
            "reason=\"token\"",
            1.0,
        ),
        (
            "parapet_csp_report_requests_refused_total",
            "reason=\"content_type\"",
            1.0,
        ),
        (
            "parapet_csp_report_requests_refused_total",
            "reason=\"method\"",
            1.0,
        ),
    ] {
        assert_eq!(
            metric_sum(&metrics, name, &[label]),
            Some(want),
            "{name}{{{label}}}\n{metrics}"
        );
    }

    // Without admin.token the API is off.
    let r = send(env.parapet.admin(), get("/api/v1/scripts/inventory?site=t")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // What was taken, normalised (the query value is gone), is in the log.
    let log = env.parapet.stderr();
    assert!(
        log.contains("https://cdn.example/skim.js") && log.contains("script-src-elem"),
        "{log}"
    );
    assert!(!log.contains("order=1"), "query values are not kept: {log}");
    assert!(
        log.contains("sha256-1XF/E08XndkoxwN6eIa5J89hYn3OVZ/UyB8BrU5jgzk="),
        "{log}"
    );
}

#[tokio::test]
async fn a_flooding_client_is_cut_off_and_the_endpoint_stays_up() {
    let env = monitored();
    let addr = env.parapet.http();
    let page = send(addr, get("/")).await;
    let policy = page.header("content-security-policy-report-only").unwrap();
    let endpoint = endpoint_of(policy);
    let body = r#"{"csp-report":{"document-uri":"http://localhost/","effective-directive":"connect-src","blocked-uri":"https://api.example/x"}}"#;
    let (mut ok, mut limited) = (0, 0);
    // Bounded: past the burst (200) the client is refused with 429. The bucket refills at
    // the default 20 a second, so a slow (loaded) machine lets a few more through.
    let started = std::time::Instant::now();
    for _ in 0..260 {
        match send(addr, post(&endpoint, "application/csp-report", body))
            .await
            .status
        {
            StatusCode::NO_CONTENT => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    let refilled = (started.elapsed().as_secs_f64() * parapet_config::DEFAULT_SCRIPT_CLIENT_RATE)
        .ceil() as i32;
    assert!(
        (200..=201 + refilled).contains(&ok) && ok < 260,
        "{ok} taken, {limited} refused, {refilled} refilled"
    );
    assert_eq!(ok + limited, 260);
    // The gateway itself still serves.
    assert_eq!(send(addr, get("/")).await.status, StatusCode::OK);
    let metrics = send(env.parapet.admin(), get("/metrics")).await.text();
    assert_eq!(
        metric_sum(
            &metrics,
            "parapet_csp_report_requests_refused_total",
            &["reason=\"rate_limited\""]
        ),
        Some(f64::from(limited))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_reports_survive_kill_9_in_the_inventory() {
    use parapet_core::inventory::ItemKind;
    use parapet_store::Store as _;

    let mut env = monitored();
    let addr = env.parapet.http();
    let page = send(addr, get("/checkout.html")).await;
    let endpoint = endpoint_of(page.header("content-security-policy-report-only").unwrap());
    let reports = [
        ("script-src-elem", "https://cdn.example/skim.js"),
        ("script-src-elem", "http://localhost/js/cart.js"),
        ("connect-src", "https://exfil.example/collect?card=4111"),
    ];
    for (directive, blocked) in reports {
        let body = format!(
            r#"{{"csp-report":{{"document-uri":"http://localhost/checkout.html","effective-directive":"{directive}","blocked-uri":"{blocked}"}}}}"#
        );
        let r = send(addr, post(&endpoint, "application/csp-report", body)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    // Acknowledged more than a second ago, then the process is killed without warning.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    env.parapet.signal(nix::sys::signal::Signal::SIGKILL);
    assert!(env
        .parapet
        .wait_exit(Duration::from_secs(5))
        .await
        .is_some());

    let store = parapet_store::SqliteStore::open(env.parapet.state_dir.join("parapet.db")).unwrap();
    let inv = store.inventory("t", 100).await.unwrap();
    let has = |kind: ItemKind, item: &str| inv.iter().any(|i| i.kind == kind && i.item == item);
    assert!(
        has(ItemKind::Script, "https://cdn.example/skim.js"),
        "{inv:?}"
    );
    assert!(
        has(ItemKind::Script, "http://localhost/js/cart.js"),
        "{inv:?}"
    );
    assert!(
        has(ItemKind::Connection, "https://exfil.example"),
        "destinations by origin: {inv:?}"
    );
    assert!(inv
        .iter()
        .all(|i| i.pages == [("http://localhost/checkout.html".to_owned(), 1)]));
    // Each was new: one event each, the third-party ones on the sensitive page the most severe.
    let events = store
        .events(&parapet_store::EventQuery::new().service(parapet_core::Service::Scripts))
        .await
        .unwrap();
    let of = |kind: &str, item: &str| {
        events
            .iter()
            .find(|e| e.kind == kind && e.details["item"] == item)
            .map(|e| e.severity)
    };
    assert_eq!(
        of("new-script", "https://cdn.example/skim.js"),
        Some(parapet_core::Severity::High)
    );
    assert_eq!(
        of("new-connection-domain", "https://exfil.example"),
        Some(parapet_core::Severity::High)
    );
    assert_eq!(events.len(), 3, "{events:?}");
}

#[tokio::test]
async fn sites_without_the_monitor_are_untouched() {
    let env = Env::start_with(|mut c| {
        c.routes = vec![("/".into(), "demo".into())];
        c.extra = "[[upstreams]]\nname = \"demo\"\nstatic_dir = \"builtin:demo\"\n".into();
        c
    });
    let page = send(env.parapet.http(), get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-security-policy-report-only").is_none());
    // The reserved path is nothing special there: it goes to the upstream, here the static
    // one, which refuses a POST (the endpoint would have said 403 to this token).
    let r = send(
        env.parapet.http(),
        post(
            "/.well-known/parapet/csp-report?t=x",
            "application/csp-report",
            "{}",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// Visits `url` in Chromium (`tests/browser/csp-reports.mjs`), waits for its reports to
/// leave, and returns what the page saw of its violations (one JSON line).
pub(crate) async fn visit(url: String) -> String {
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(repo_root().join("tests/browser/csp-reports.mjs"))
            .arg(&url)
            .arg("1500")
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "csp-reports.mjs failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// nginx serving the files of `DIR/site` (HTML and scripts) and an echo API; the config
/// routes `/` to the files and `/api` to the echo, with the script monitor on.
fn pages_site(dir: &std::path::Path) -> (Nginx, std::path::PathBuf, Config) {
    let (echo_port, pages_port) = (free_port(), free_port());
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("js")).unwrap();
    let nginx = Nginx::start(
        dir,
        vec![
            NginxServer::echo(echo_port, "api"),
            NginxServer {
                port: pages_port,
                body: format!(
                    "root {};\ntypes {{ text/html html; application/javascript js; }}\nlocation / {{ try_files $uri =404; }}",
                    site.display()
                ),
            },
        ],
    );
    let mut config = Config::new(local(echo_port));
    config.routes = vec![
        ("/".into(), "pages".into()),
        ("/api".into(), "nginx".into()),
    ];
    config
        .upstreams
        .push(Upstream::new("pages", &[local(pages_port)]));
    config.site = "[sites.script_monitor]\nsample_rate = 1.0\n".into();
    (nginx, site, config)
}

/// Which reports a real browser sends for a page that loads a same-origin script, a
/// cross-origin one, inline code, `eval`, a `fetch` and a beacon, through the gateway: over
/// plain HTTP (`report-uri`) and over HTTPS (the Reporting API, with script hashes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_reports_every_script_and_connection() {
    let browser_dir = repo_root().join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run ./scripts/test.sh"
    );
    let dir = tempfile::tempdir().unwrap();
    let (_nginx, site, config) = pages_site(dir.path());
    let parapet = Parapet::start(dir.path(), &config);
    // The page is on localhost; 127.0.0.1 is another origin (another loopback host name)
    // served by the same gateway.
    for (file, scheme, port) in [
        ("http.html", "http", parapet.ports.http),
        ("https.html", "https", parapet.ports.https),
    ] {
        std::fs::write(
            site.join(file),
            format!(
                r#"<!doctype html><html><head><meta charset="utf-8"><title>shop</title>
<script src="/js/app.js"></script>
<script src="{scheme}://127.0.0.1:{port}/js/lib.js"></script>
<script>window.inlineRan = 'yes';</script>
</head><body><p>shop</p>
<script>
fetch('/api/ping').catch(function () {{}});
navigator.sendBeacon('/api/beacon', 'x');
try {{ (0, eval)('1 + 1'); }} catch (e) {{}}
</script></body></html>
"#
            ),
        )
        .unwrap();
    }
    std::fs::write(site.join("js/app.js"), "window.app = 1;\n").unwrap();
    std::fs::write(site.join("js/lib.js"), "window.lib = 2;\n").unwrap();

    let wanted = |origin: &str| -> Vec<(String, String)> {
        [
            ("script-src-elem", format!("{origin}/js/app.js")),
            ("script-src-elem", "/js/lib.js".into()),
            ("script-src-elem", "Inline".into()),
            ("script-src", "Eval".into()),
            ("connect-src", format!("{origin}/api/ping")),
            ("connect-src", format!("{origin}/api/beacon")),
        ]
        .into_iter()
        .map(|(d, b)| (d.to_owned(), b))
        .collect()
    };
    for (page, origin, hashes) in [
        (
            "http.html",
            format!("http://localhost:{}", parapet.ports.http),
            false,
        ),
        (
            "https.html",
            format!("https://localhost:{}", parapet.ports.https),
            true,
        ),
    ] {
        let stdout = visit(format!("{origin}/{page}")).await;
        let document = format!("document=\"{origin}/{page}\"");
        let want = wanted(&origin);
        let lines = eventually(Duration::from_secs(20), || {
            let lines: Vec<String> = parapet
                .stderr()
                .lines()
                .filter(|l| l.contains("CSP report") && l.contains(&document))
                .map(str::to_owned)
                .collect();
            let all = want.iter().all(|(d, b)| {
                lines
                    .iter()
                    .any(|l| l.contains(&format!("directive={d} ")) && l.contains(b.as_str()))
            });
            // Chromium hashes same-origin scripts only (a cross-origin one would need CORS).
            let hashed = lines
                .iter()
                .any(|l| l.contains("kind=\"hash\"") && l.contains(&format!("{origin}/js/app.js")));
            async move { (all && (hashed || !hashes)).then_some(lines) }
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "{page}: not every expected report arrived; the page saw {stdout}\nthe gateway logged:\n{}",
                parapet.stderr()
            )
        });
        if !hashes {
            assert!(
                !lines.iter().any(|l| l.contains("kind=\"hash\"")),
                "no Reporting API over plain HTTP: {lines:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_script_and_a_new_destination_reach_the_webhook_signed() {
    let (hook, received) = webhook_receiver().await;
    let env = Env::start_with(|mut c| {
        c.routes = vec![("/".into(), "demo".into())];
        c.site =
            "[sites.script_monitor]\nsample_rate = 1.0\nsensitive_paths = [\"/checkout.html\"]\n"
                .into();
        c.extra = format!(
            "[[upstreams]]\nname = \"demo\"\nstatic_dir = \"builtin:demo\"\n\n\
             [[alerts.channels]]\nname = \"soc\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{hook}/hook\"\nsecret = \"e2e-secret\"\n"
        );
        c.admin = "token = \"an-admin-token-for-tests\"".into();
        c
    });
    let addr = env.parapet.http();
    let page = send(addr, get("/checkout.html")).await;
    let endpoint = endpoint_of(page.header("content-security-policy-report-only").unwrap());
    for (directive, blocked) in [
        ("script-src-elem", "https://baways.example/gtm.js"),
        ("connect-src", "https://baways.example/collect?data=1"),
        // Seen twice: still one alert.
        ("script-src-elem", "https://baways.example/gtm.js"),
    ] {
        let body = format!(
            r#"{{"csp-report":{{"document-uri":"http://localhost/checkout.html","effective-directive":"{directive}","blocked-uri":"{blocked}"}}}}"#
        );
        let r = send(addr, post(&endpoint, "application/csp-report", body)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    let alerts = eventually(Duration::from_secs(10), || {
        let got = received.lock().unwrap().clone();
        async move { (got.len() >= 2).then_some(got) }
    })
    .await
    .expect("two alerts at the webhook");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(received.lock().unwrap().len(), 2, "one alert per new item");
    let mut kinds = Vec::new();
    for (sig, body) in &alerts {
        assert!(
            parapet_alerts::verify_signature(b"e2e-secret", body, sig),
            "signed"
        );
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["type"], "event");
        let e = &v["event"];
        assert_eq!(e["service"], "scripts");
        assert_eq!(
            e["severity"], "high",
            "first seen on the sensitive checkout page: {e}"
        );
        assert_eq!(e["details"]["page"], "http://localhost/checkout.html");
        kinds.push((
            e["kind"].as_str().unwrap().to_owned(),
            e["details"]["item"].as_str().unwrap().to_owned(),
        ));
    }
    kinds.sort();
    assert_eq!(
        kinds,
        [
            (
                "new-connection-domain".to_owned(),
                "https://baways.example".to_owned()
            ),
            (
                "new-script".to_owned(),
                "https://baways.example/gtm.js".to_owned()
            ),
        ]
    );

    // The same through the admin API, which wants the token.
    let admin = env.parapet.admin();
    let api = |path: &str, token: Option<&str>| {
        let mut b = Request::get(path).header("host", "localhost");
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        b.body(Full::new(Bytes::new())).unwrap()
    };
    const TOKEN: &str = "an-admin-token-for-tests";
    let inventory = "/api/v1/scripts/inventory?site=t";
    assert_eq!(
        send(admin, api(inventory, None)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = send(admin, api(inventory, Some("wrong-token-wrong-token"))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let r = send(admin, api(inventory, Some(TOKEN))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let items: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let script = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "https://baways.example/gtm.js")
        .expect("the script in the inventory")
        .clone();
    assert_eq!(script["kind"], "script");
    assert_eq!(script["reports"], 2);
    assert_eq!(script["status"], "infrequent", "two reports so far");
    assert_eq!(script["pages"][0][0], "http://localhost/checkout.html");
    let r = send(admin, api("/api/v1/scripts/domains?site=t", Some(TOKEN))).await;
    let domains: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(domains[0]["domain"], "baways.example", "{domains}");
    assert_eq!(domains[0]["reports"], 3);
    let r = send(admin, api("/api/v1/scripts/events?limit=10", Some(TOKEN))).await;
    let events: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(events.as_array().unwrap().len(), 2, "{events}");
    let nope = send(
        admin,
        api("/api/v1/scripts/inventory?site=nope", Some(TOKEN)),
    )
    .await;
    assert_eq!(nope.status, StatusCode::NOT_FOUND);
    // Health stays open.
    assert_eq!(send(admin, get("/healthz")).await.status, StatusCode::OK);

    // The OpenAPI document describes what was answered: its paths, and every field of an
    // inventory item it lists as required.
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/api/openapi.json")).unwrap(),
    )
    .unwrap();
    for path in [
        "/api/v1/scripts/inventory",
        "/api/v1/scripts/domains",
        "/api/v1/scripts/events",
    ] {
        assert!(spec["paths"][path]["get"].is_object(), "{path} documented");
    }
    for field in spec["components"]["schemas"]["InventoryItem"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(
            !script[field.as_str().unwrap()].is_null(),
            "{field} in {script}"
        );
    }
}

/// Issue-level scenario in a real browser: a page's scripts and destinations are learned;
/// then the page changes to load one new script and one new destination, and exactly two
/// new alerts reach the webhook; the hashes Chromium reported are in the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_page_change_raises_exactly_the_two_new_alerts() {
    use parapet_store::Store as _;
    let (hook, received) = webhook_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let (_nginx, site, mut config) = pages_site(dir.path());
    config.extra = format!(
        "[[alerts.channels]]\nname = \"soc\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{hook}/hook\"\nsecret = \"s\"\n"
    );
    let mut parapet = Parapet::start(dir.path(), &config);
    let port = parapet.ports.https;
    std::fs::write(site.join("js/app.js"), "window.app = 1;\n").unwrap();
    std::fs::write(site.join("js/new.js"), "window.added = 1;\n").unwrap();
    let write_page = |extra: &str| {
        std::fs::write(
            site.join("shop.html"),
            format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>shop</title>\n\
                 <script src=\"/js/app.js\"></script>\n{extra}</head><body><p>shop</p>\n\
                 <script>fetch('/api/ping').catch(function () {{}});</script></body></html>\n"
            ),
        )
        .unwrap();
    };

    let url = format!("https://localhost:{port}/shop.html");

    // The first visit teaches the inventory: app.js, the inline script, the API origin.
    write_page("");
    visit(url.clone()).await;
    let baseline = eventually(Duration::from_secs(10), || {
        let n = received.lock().unwrap().len();
        async move { (n >= 3).then_some(n) }
    })
    .await
    .expect("alerts for the first sightings");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let baseline = baseline.max(received.lock().unwrap().len());

    // The page now also loads a script from another origin and calls another destination.
    write_page(&format!(
        "<script src=\"https://127.0.0.1:{port}/js/new.js\"></script>\n\
         <script>fetch('https://127.0.0.1:{port}/api/collect').catch(function () {{}});</script>\n"
    ));
    visit(url.clone()).await;
    let all = eventually(Duration::from_secs(10), || {
        let got = received.lock().unwrap().clone();
        async move { (got.len() >= baseline + 2).then_some(got) }
    })
    .await
    .expect("two more alerts");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let all = {
        let now = received.lock().unwrap().clone();
        if now.len() > all.len() {
            now
        } else {
            all
        }
    };
    let new: Vec<(String, String)> = all[baseline..]
        .iter()
        .map(|(_, body)| {
            let v: serde_json::Value = serde_json::from_slice(body).unwrap();
            (
                v["event"]["kind"].as_str().unwrap().to_owned(),
                v["event"]["details"]["item"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = new.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            (
                "new-connection-domain".to_owned(),
                format!("https://127.0.0.1:{port}")
            ),
            (
                "new-script".to_owned(),
                format!("https://127.0.0.1:{port}/js/new.js")
            ),
        ],
        "exactly the two new things"
    );

    // The store has the page's items, and the hash Chromium reported for app.js.
    parapet.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(parapet.wait_exit(Duration::from_secs(10)).await.is_some());
    let store = parapet_store::SqliteStore::open(parapet.state_dir.join("parapet.db")).unwrap();
    let inv = store.inventory("t", 100).await.unwrap();
    let app = inv
        .iter()
        .find(|i| i.item == format!("https://localhost:{port}/js/app.js"))
        .expect("app.js in the inventory");
    assert!(
        app.hashes.iter().any(|h| h.starts_with("sha256-")),
        "{app:?}"
    );
    assert!(app.pages.iter().any(|(p, _)| p == &url), "{app:?}");
}

/// The store fails (another process holds the database's write lock) while reports are
/// acknowledged: the writer retries, then sets them aside in the spill file; the process is
/// killed; the next start replays the file, and every acknowledged report is in the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_taken_while_the_store_fails_survive_in_the_spill_file() {
    use parapet_core::inventory::ItemKind;
    use parapet_store::Store as _;

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(local(free_port()));
    config.routes = vec![("/".into(), "demo".into())];
    config.site = "[sites.script_monitor]\nsample_rate = 1.0\n".into();
    config.extra = "[[upstreams]]\nname = \"demo\"\nstatic_dir = \"builtin:demo\"\n".into();
    let mut parapet = Parapet::start(dir.path(), &config);
    let db_path = parapet.state_dir.join("parapet.db");
    let spill = parapet.state_dir.join("script-monitor.spill.jsonl");

    let blocker = rusqlite::Connection::open(&db_path).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let addr = parapet.http();
    let page = send(addr, get("/checkout.html")).await;
    let endpoint = endpoint_of(page.header("content-security-policy-report-only").unwrap());
    let scripts = [
        "https://cdn.example/a.js",
        "https://cdn.example/b.js",
        "https://pay.example/c.js",
    ];
    for s in scripts {
        let body = format!(
            r#"{{"csp-report":{{"document-uri":"http://localhost/checkout.html","effective-directive":"script-src-elem","blocked-uri":"{s}"}}}}"#
        );
        let r = send(addr, post(&endpoint, "application/csp-report", body)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "acknowledged");
    }
    let spilled = eventually(Duration::from_secs(40), || async {
        let m = send(parapet.admin(), get("/metrics")).await.text();
        metric_sum(&m, "parapet_script_sightings_spilled_total", &[]).filter(|n| *n >= 3.0)
    })
    .await;
    assert_eq!(spilled, Some(3.0), "{}", parapet.stderr());
    assert!(spill.exists());
    let m = send(parapet.admin(), get("/metrics")).await.text();
    assert!(
        metric_sum(&m, "parapet_script_store_errors_total", &[]).unwrap_or(0.0) >= 2.0,
        "{m}"
    );

    // Killed without warning; the lock goes with the other process.
    parapet.signal(nix::sys::signal::Signal::SIGKILL);
    assert!(parapet.wait_exit(Duration::from_secs(5)).await.is_some());
    drop(blocker);
    let parapet = Parapet::start(dir.path(), &config);
    let replayed = eventually(Duration::from_secs(10), || async {
        let m = send(parapet.admin(), get("/metrics")).await.text();
        metric_sum(&m, "parapet_script_sightings_replayed_total", &[]).filter(|n| *n >= 3.0)
    })
    .await;
    assert_eq!(replayed, Some(3.0), "{}", parapet.stderr());
    assert!(!spill.exists(), "the replayed file is removed");
    let store = parapet_store::SqliteStore::open(&db_path).unwrap();
    let inv = store.inventory("t", 100).await.unwrap();
    for s in scripts {
        assert!(
            inv.iter()
                .any(|i| i.kind == ItemKind::Script && i.item == s),
            "{s} lost: {inv:?}"
        );
    }
}

/// One request from a chosen loopback source address (every 127.0.0.0/8 address is local),
/// so that a test can be many clients. `None` when the server cut the exchange short.
async fn send_from(
    src: std::net::Ipv4Addr,
    to: std::net::SocketAddr,
    req: Request<Full<Bytes>>,
) -> Option<Resp> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((src, 0).into()).unwrap();
    let tcp = socket.connect(to).await.ok()?;
    send_on(tcp, req).await.ok()
}

/// A bounded flood from 48 addresses at once — forged tokens, oversized and malformed bodies,
/// and valid reports of made-up scripts past every rate limit — while one real client keeps
/// reporting: the gateway keeps answering, memory stays bounded, every refusal is counted,
/// and the real client's reports all land.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_many_addresses_leaves_memory_bounded_and_real_reports_land() {
    use parapet_store::Store as _;
    use std::net::Ipv4Addr;

    let env = monitored();
    let addr = env.parapet.http();
    let page = send(addr, get("/")).await;
    let endpoint = endpoint_of(page.header("content-security-policy-report-only").unwrap());
    let forged = "/.well-known/parapet/csp-report?t=0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let rss_before = env.parapet.memory_kb("VmRSS");

    // 2 MiB bodies: the endpoint must stop reading at 64 KiB, whatever is announced.
    let oversized = Bytes::from(vec![b'['; 2 * 1024 * 1024]);
    let flood = (0..48u8).map(|n| {
        let endpoint = endpoint.clone();
        let oversized = oversized.clone();
        tokio::spawn(async move {
            let src = Ipv4Addr::new(127, 0, 1, n + 1);
            let (mut answered, mut too_large) = (0u32, 0u32);
            for i in 0..150u32 {
                let req = match i % 5 {
                    0 => post(forged, "application/csp-report", "{}"),
                    1 => post(&endpoint, "application/csp-report", oversized.clone()),
                    2 => post(&endpoint, "application/reports+json", "[{\"type\":"),
                    _ => post(
                        &endpoint,
                        "application/csp-report",
                        format!(
                            r#"{{"csp-report":{{"document-uri":"http://localhost/","effective-directive":"script-src-elem","blocked-uri":"https://flood{n}.example/{i}.js"}}}}"#
                        ),
                    ),
                };
                if let Some(r) = send_from(src, addr, req).await {
                    answered += 1;
                    too_large += u32::from(r.status == StatusCode::PAYLOAD_TOO_LARGE);
                }
            }
            (answered, too_large)
        })
    });
    let flood: Vec<_> = flood.collect();

    // Meanwhile a real client, from its own address, every 50 ms, and the health check.
    let real = Ipv4Addr::new(127, 0, 2, 1);
    let mut real_scripts = Vec::new();
    for i in 0..30 {
        let script = format!("https://real.example/{i}.js");
        let body = format!(
            r#"{{"csp-report":{{"document-uri":"http://localhost/checkout.html","effective-directive":"script-src-elem","blocked-uri":"{script}"}}}}"#
        );
        let r = send_from(real, addr, post(&endpoint, "application/csp-report", body))
            .await
            .expect("the real client is answered");
        assert_eq!(r.status, StatusCode::NO_CONTENT, "real report {i}");
        assert_eq!(
            send(env.parapet.admin(), get("/healthz")).await.status,
            StatusCode::OK
        );
        real_scripts.push(script);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut answered, mut too_large) = (0, 0);
    for f in flood {
        let (a, t) = f.await.unwrap();
        answered += a;
        too_large += t;
    }
    assert!(
        answered > 48 * 100,
        "most flood requests got an answer: {answered}"
    );
    // The oversized bodies are refused (by the gateway's body limit, before the endpoint).
    assert!(too_large > 0, "{answered} answered, none of them 413");
    assert_eq!(
        send(addr, get("/")).await.status,
        StatusCode::OK,
        "the site still serves"
    );

    // Bounded: the flood sent 48 x 30 x 2 MiB = 2.8 GiB of oversized bodies.
    let peak = env.parapet.memory_kb("VmHWM");
    assert!(
        peak < rss_before + 96 * 1024,
        "peak {peak} KiB against {rss_before} KiB before the flood"
    );
    let metrics = send(env.parapet.admin(), get("/metrics")).await.text();
    let refused = |reason: &str| {
        metric_sum(
            &metrics,
            "parapet_csp_report_requests_refused_total",
            &[&format!("reason=\"{reason}\"")],
        )
        .unwrap_or(0.0)
    };
    assert_eq!(refused("token"), 48.0 * 30.0, "{metrics}");
    assert!(
        metric_sum(
            &metrics,
            "parapet_csp_reports_dropped_total",
            &["reason=\"malformed\""]
        )
        .unwrap_or(0.0)
            > 0.0,
        "{metrics}"
    );

    let store = parapet_store::SqliteStore::open(env.parapet.state_dir.join("parapet.db")).unwrap();
    let landed = eventually(Duration::from_secs(5), || {
        let store = &store;
        let real_scripts = &real_scripts;
        async move {
            let inv = store.inventory("t", 10_000).await.ok()?;
            real_scripts
                .iter()
                .all(|s| inv.iter().any(|i| &i.item == s))
                .then_some(())
        }
    })
    .await;
    assert!(landed.is_some(), "every real report is in the inventory");
}

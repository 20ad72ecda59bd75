//! The script fetcher in the real binary, end to end: the demo shop served by nginx behind
//! Parapet over HTTPS, visited in headless Chromium. Its scripts are fetched when first
//! reported (through the gateway, 127.0.0.0/8 allowed, the test's certificate trusted);
//! then the checkout script is replaced on disk by a skimmed copy, the next visit reports
//! its new hash, the fetcher fetches it at once, and the webhook receives
//! `script-changed` and `script-malicious` with what changed and why it is malicious.
//! Also: forged reports cannot point the fetcher at loopback services, the metadata address
//! or the local network, and `config check` reads the fetcher's CA file.

use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::Full;

use crate::harness::*;
use crate::script_monitor::visit;

const TOKEN: &str = "an-admin-token-for-fetch-tests";

fn api(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skimmed_checkout_script_is_fetched_at_once_and_alerts() {
    assert!(
        repo_root()
            .join("tests/browser/node_modules/playwright-core")
            .is_dir(),
        "tests/browser/node_modules is missing: run ./scripts/test.sh"
    );
    let (hook, received) = webhook_receiver().await;
    let dir = tempfile::tempdir().unwrap();

    // The demo shop, copied so that the test can change it, served by nginx.
    let shop = dir.path().join("shop");
    copy_dir(&repo_root().join("crates/gateway/demo"), &shop);
    let (echo_port, shop_port) = (free_port(), free_port());
    let _nginx = Nginx::start(
        dir.path(),
        vec![
            NginxServer::echo(echo_port, "api"),
            NginxServer {
                port: shop_port,
                body: format!(
                    "root {};\ntypes {{ text/html html; text/css css; application/javascript js; }}\n\
                     location / {{ try_files $uri =404; }}",
                    shop.display()
                ),
            },
        ],
    );

    // A certificate for localhost, served by the gateway and trusted by the fetcher.
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();

    let mut config = Config::new(local(echo_port));
    config.routes = vec![("/".into(), "shop".into()), ("/api".into(), "nginx".into())];
    config
        .upstreams
        .push(Upstream::new("shop", &[local(shop_port)]));
    config.tls = format!(
        "[[tls.certificates]]\ncert = {:?}\nkey = {:?}\n",
        cert_path.display().to_string(),
        key_path.display().to_string()
    );
    config.site =
        "[sites.script_monitor]\nsample_rate = 1.0\nsensitive_paths = [\"/checkout.html\"]\n"
            .into();
    config.admin = format!("token = \"{TOKEN}\"");
    config.extra = format!(
        "[scripts.fetch]\nallow = [\"127.0.0.0/8\"]\nca = {:?}\nmin_interval = \"1s\"\nhost_delay = \"10ms\"\n\n\
         [[alerts.channels]]\nname = \"soc\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{hook}/hook\"\nsecret = \"s\"\n",
        cert_path.display().to_string()
    );
    let parapet = Parapet::start(dir.path(), &config);
    let origin = format!("https://localhost:{}", parapet.ports.https);
    let page = format!("{origin}/checkout.html");
    let script = format!("{origin}/js/checkout.js");
    let versions_path = format!(
        "/api/v1/scripts/versions?site=t&url={}",
        url::form_urlencoded::byte_serialize(script.as_bytes()).collect::<String>()
    );
    let versions = || async {
        let r = send(parapet.admin(), api(&versions_path)).await;
        assert_eq!(r.status, http::StatusCode::OK, "{}", r.text());
        serde_json::from_slice::<Vec<serde_json::Value>>(&r.body).unwrap()
    };

    // First visit: the scripts are new, and fetched.
    visit(page.clone()).await;
    let first = eventually(Duration::from_secs(30), || async {
        let v = versions().await;
        (!v.is_empty()).then_some(v)
    })
    .await
    .unwrap_or_else(|| panic!("checkout.js was not fetched:\n{}", parapet.stderr()));
    let original = std::fs::read(shop.join("js/checkout.js")).unwrap();
    assert_eq!(first[0]["status"], 200);
    assert_eq!(
        first[0]["body_sha256"],
        parapet_scripts::fetch::sha256_hex(&original).as_str(),
        "the fetch got the file nginx serves"
    );
    assert_eq!(first[0]["analysis"]["malicious"], false, "{}", first[0]);
    let news = eventually(Duration::from_secs(15), || async {
        let got = webhook_alerts(&received);
        let scripts = got.iter().filter(|(k, _)| k == "new-script").count();
        (scripts >= 3).then_some(got)
    })
    .await
    .expect("new-script alerts for the three scripts");
    assert!(
        news.iter().all(|(k, _)| k.starts_with("new-")),
        "only new items so far: {news:?}"
    );

    // The checkout script is skimmed on the server; the next visit runs it.
    let mut skimmed = original.clone();
    skimmed.extend_from_slice(SKIMMER.as_bytes());
    std::fs::write(shop.join("js/checkout.js"), &skimmed).unwrap();
    visit(page.clone()).await;

    let got = eventually(Duration::from_secs(30), || async {
        let got = webhook_alerts(&received);
        let has = |kind: &str| got.iter().any(|(k, _)| k == kind);
        (has("script-changed") && has("script-malicious")).then_some(got)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no script-changed and script-malicious alerts; got {:?}\n{}",
            webhook_alerts(&received),
            parapet.stderr()
        )
    });
    let event = |kind: &str| {
        let all: Vec<_> = got.iter().filter(|(k, _)| k == kind).collect();
        assert_eq!(all.len(), 1, "one {kind} alert: {all:?}");
        all[0].1.clone()
    };
    let skimmed_sha = parapet_scripts::fetch::sha256_hex(&skimmed);

    let changed = event("script-changed");
    let d = &changed["details"];
    assert_eq!(changed["severity"], "high", "{changed}");
    assert_eq!(d["url"], script.as_str());
    assert_eq!(d["page"], page.as_str());
    assert_eq!(d["sha256"], skimmed_sha.as_str());
    assert_eq!(
        d["previous_sha256"],
        parapet_scripts::fetch::sha256_hex(&original).as_str()
    );
    assert_eq!(
        d["new_hosts"],
        serde_json::json!(["harbor-hill-cdn.invalid"])
    );
    assert!(
        d["new_sinks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "fetch"),
        "{d}"
    );
    assert_eq!(
        d["removed_units"], 0,
        "nothing of the original was removed: {d}"
    );
    let added = d["added"].as_array().unwrap();
    assert_eq!(added.len(), 1, "one injected unit: {d}");
    assert!(
        added[0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("getElementById(\"payment\")"),
        "{d}"
    );
    assert!(
        changed["summary"]
            .as_str()
            .unwrap()
            .contains("new hosts: harbor-hill-cdn.invalid"),
        "{changed}"
    );

    let malicious = event("script-malicious");
    let d = &malicious["details"];
    assert_eq!(malicious["severity"], "high");
    assert_eq!(d["url"], script.as_str());
    assert_eq!(d["sha256"], skimmed_sha.as_str());
    assert!(d["risk"].as_f64().unwrap() >= 0.5, "{d}");
    assert!(
        d["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "magecart"),
        "{d}"
    );
    assert!(!d["reasons"].as_array().unwrap().is_empty(), "{d}");
    assert!(
        d["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == "harbor-hill-cdn.invalid"),
        "{d}"
    );
    // Browsers and the fetcher saw the same bytes: no cloaking alarm.
    assert!(!got.iter().any(|(k, _)| k == "fetch-mismatch"), "{got:?}");

    // The history: two versions, the newest the skimmed one, as browsers hashed it.
    let history = versions().await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["body_sha256"], skimmed_sha.as_str());
    assert_eq!(
        history[0]["browser_hash"],
        parapet_scripts::fetch::browser_hash(&skimmed).as_str()
    );
    assert_eq!(history[0]["analysis"]["behaviour_changed"], true);
    assert_eq!(history[0]["analysis"]["malicious"], true);
    assert_eq!(
        history[0]["headers"]["content_type"],
        "application/javascript"
    );

    // The OpenAPI document describes the answer: the path, and every required field.
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/api/openapi.json")).unwrap(),
    )
    .unwrap();
    assert!(spec["paths"]["/api/v1/scripts/versions"]["get"].is_object());
    for field in spec["components"]["schemas"]["ScriptVersion"]["required"]
        .as_array()
        .unwrap()
    {
        let field = field.as_str().unwrap();
        assert!(history[0].get(field).is_some(), "{field} in {}", history[0]);
    }
    for field in spec["components"]["schemas"]["ScriptVersion"]["properties"]["analysis"]
        ["properties"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            history[0]["analysis"].get(field).is_some(),
            "analysis.{field} in {}",
            history[0]
        );
    }

    // The change was fetched because of the new hash, not by the schedule.
    let metrics = send(parapet.admin(), get("/metrics")).await.text();
    assert!(
        metric_sum(
            &metrics,
            "parapet_script_fetches_queued_total",
            &["trigger=\"hash\""]
        )
        .is_some_and(|n| n >= 1.0),
        "{metrics}"
    );
    assert!(
        metric_sum(
            &metrics,
            "parapet_script_fetches_total",
            &["outcome=\"ok\""]
        )
        .is_some_and(|n| n >= 4.0),
        "three scripts, then the change: {metrics}"
    );
    assert_eq!(
        metric_sum(&metrics, "parapet_script_versions_new_total", &[]),
        Some(4.0),
        "three first versions and the skimmed one: {metrics}"
    );
}

/// Reports are anyone's to forge: ones that name scripts on loopback services, the cloud
/// metadata address or the local network make the real binary fetch nothing there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_reports_do_not_make_the_fetcher_reach_inside() {
    let dir = tempfile::tempdir().unwrap();
    // nginx stands for a service on the machine's loopback that must stay out of reach.
    let nginx_port = free_port();
    let nginx = Nginx::start(dir.path(), vec![NginxServer::echo(nginx_port, "internal")]);
    let mut config = Config::new(local(nginx_port));
    config.routes = vec![("/".into(), "demo".into())];
    config.site = "[sites.script_monitor]\nsample_rate = 1.0\n".into();
    config.extra = "[[upstreams]]\nname = \"demo\"\nstatic_dir = \"builtin:demo\"\n".into();
    let parapet = Parapet::start(dir.path(), &config);
    let addr = parapet.http();
    let page = send(addr, get("/checkout.html")).await;
    let policy = page.header("content-security-policy-report-only").unwrap();
    let endpoint = policy
        .split("report-uri ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap()
        .trim()
        .to_owned();
    let targets = [
        format!("http://127.0.0.1:{nginx_port}/internal-secret.js"),
        format!("http://[::ffff:7f00:1]:{nginx_port}/mapped-secret.js"),
        format!("http://localhost:{nginx_port}/named-secret.js"),
        "http://169.254.169.254/latest/meta-data/iam.js".to_owned(),
        "http://printer.local/x.js".to_owned(),
    ];
    for blocked in &targets {
        let body = format!(
            r#"{{"csp-report":{{"document-uri":"http://localhost/checkout.html","effective-directive":"script-src-elem","blocked-uri":"{blocked}"}}}}"#
        );
        let r = send(
            addr,
            Request::post(&endpoint)
                .header("host", "localhost")
                .header("content-type", "application/csp-report")
                .body(Full::new(Bytes::from(body)))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, http::StatusCode::NO_CONTENT);
    }
    let refused = eventually(Duration::from_secs(15), || async {
        let metrics = send(parapet.admin(), get("/metrics")).await.text();
        let n = metric_sum(
            &metrics,
            "parapet_script_fetches_total",
            &["outcome=\"forbidden\""],
        )
        .unwrap_or(0.0);
        (n >= targets.len() as f64).then_some(metrics)
    })
    .await
    .unwrap_or_else(|| panic!("not every forged target was refused:\n{}", parapet.stderr()));
    assert_eq!(
        metric_sum(
            &refused,
            "parapet_script_fetches_total",
            &["outcome=\"ok\""]
        ),
        None,
        "nothing was fetched"
    );
    let log = nginx.access_log();
    assert!(
        !log.contains("secret"),
        "the internal service was reached: {log}"
    );
    let stderr = parapet.stderr();
    for reason in [
        "a loopback address",
        "a cloud metadata service",
        "special-use name",
    ] {
        assert!(stderr.contains(reason), "{reason} in the log:\n{stderr}");
    }
}

/// `parapet config check` reads `scripts.fetch.ca` as `serve` would, and names the key.
#[test]
fn config_check_reads_the_fetchers_ca() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("parapet.toml");
    let check = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_parapet"))
            .args(["config", "check"])
            .arg(&file)
            .output()
            .unwrap()
    };
    std::fs::write(&file, "[scripts.fetch]\nca = \"ca.pem\"\n").unwrap();
    std::fs::write(dir.path().join("ca.pem"), "not a certificate\n").unwrap();
    let out = check();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("scripts.fetch.ca") && stderr.contains("no PEM certificate"),
        "{stderr}"
    );
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.path().join("ca.pem"), cert.cert.pem()).unwrap();
    let out = check();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

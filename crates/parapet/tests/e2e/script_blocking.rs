//! Blocking end to end: the demo shop served from a directory the test controls (a
//! static-file upstream) behind Parapet over HTTPS, visited in headless Chromium by a shopper
//! who pays. The checkout script is replaced by a skimmed copy; the browser reports its new
//! hash, the fetcher fetches it, the webhook receives `script-changed`, `script-malicious`
//! and (the site blocks on its own above a risk) `script-blocked`; the next visit no longer
//! runs the script (its global is absent, nothing goes to the skimmer's host) and a direct
//! request for it is refused. The operator's API undoes and redoes the block, each taking
//! effect on the next page. Also: a page with nothing blocked passes byte for byte, and the
//! policy generated from approved scripts is added beside the application's own.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Full;

use crate::harness::*;

const TOKEN: &str = "an-admin-token-for-blocking-tests";
/// Where the skimmer sends what it reads (a reserved name: it resolves nowhere).
const EXFIL_HOST: &str = "harbor-hill-cdn.invalid";

/// What `script-blocking.mjs` saw of one visit.
#[derive(Debug, serde::Deserialize)]
struct Visit {
    status: Option<u16>,
    requests: Vec<String>,
    skimmer: bool,
    blocked: Vec<String>,
}

impl Visit {
    fn exfiltrated(&self) -> bool {
        self.requests.iter().any(|r| r.contains(EXFIL_HOST))
    }
    fn loaded(&self, path: &str) -> bool {
        self.requests.iter().any(|r| r.ends_with(path))
    }
}

async fn shop_visit(url: String) -> Visit {
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(repo_root().join("tests/browser/script-blocking.mjs"))
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
        "script-blocking.mjs failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn api(method: http::Method, path: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::new()))
        .unwrap()
}

/// A dashboard form post.
fn dash_post(
    path: &str,
    body: String,
    origin: Option<&str>,
    cookie: Option<&str>,
) -> Request<Full<Bytes>> {
    let mut b = Request::post(path)
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        b = b.header("origin", o);
    }
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(Full::new(Bytes::from(body))).unwrap()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A config serving `shop` as static files on `/`, over HTTPS with a certificate for
/// localhost that the fetcher trusts, the script monitor on with `site` extra keys.
fn shop_config(dir: &Path, shop: &Path, site: &str, hook: u16) -> Config {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let mut config = Config::new(local(free_port()));
    config.routes = vec![("/".into(), "shop".into())];
    config.upstreams.clear();
    config.tls = format!(
        "[[tls.certificates]]\ncert = {:?}\nkey = {:?}\n",
        cert_path.display().to_string(),
        key_path.display().to_string()
    );
    config.site = format!(
        "[sites.script_monitor]\nsample_rate = 1.0\nsensitive_paths = [\"/checkout.html\"]\n{site}"
    );
    config.admin = format!("token = \"{TOKEN}\"");
    config.extra = format!(
        "[[upstreams]]\nname = \"shop\"\nstatic_dir = {:?}\n\n\
         [scripts.fetch]\nallow = [\"127.0.0.0/8\"]\nca = {:?}\nmin_interval = \"1s\"\nhost_delay = \"10ms\"\n\n\
         [[alerts.channels]]\nname = \"soc\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:{hook}/hook\"\nsecret = \"s\"\n",
        shop.display().to_string(),
        cert_path.display().to_string()
    );
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skimmed_checkout_script_is_blocked_and_no_longer_runs() {
    assert!(
        repo_root()
            .join("tests/browser/node_modules/playwright-core")
            .is_dir(),
        "tests/browser/node_modules is missing: run ./scripts/test.sh"
    );
    let (hook, received) = webhook_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    copy_dir(&repo_root().join("crates/gateway/demo"), &shop);
    let config = shop_config(dir.path(), &shop, "auto_block_risk = 0.5\n", hook);
    let parapet = Parapet::start(dir.path(), &config);
    let origin = format!("https://localhost:{}", parapet.ports.https);
    let page = format!("{origin}/checkout.html");
    let script = format!("{origin}/js/checkout.js");
    let versions_path = format!("/api/v1/scripts/versions?site=t&url={}", enc(&script));
    let versions = || async {
        let r = send(parapet.admin(), api(http::Method::GET, &versions_path)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        serde_json::from_slice::<Vec<serde_json::Value>>(&r.body).unwrap()
    };

    // A clean shop: the checkout script runs, nothing leaves, and it is fetched.
    let clean = shop_visit(page.clone()).await;
    assert_eq!(clean.status, Some(200));
    assert!(clean.loaded("/js/checkout.js"), "{clean:?}");
    assert!(!clean.skimmer && !clean.exfiltrated(), "{clean:?}");
    assert!(clean.blocked.is_empty(), "{clean:?}");
    eventually(Duration::from_secs(30), || async {
        (!versions().await.is_empty()).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("checkout.js was not fetched:\n{}", parapet.stderr()));

    // Skimmed on the server: the next shopper's card goes to the skimmer's host (what the
    // test looks for below can be seen), and the browser reports the new hash.
    let original = std::fs::read(shop.join("js/checkout.js")).unwrap();
    let mut skimmed = original.clone();
    // The skimmer leaves a global behind: that is how the test tells it ran.
    skimmed.extend_from_slice(b"\nwindow.__hhSkim = 1;");
    skimmed.extend_from_slice(SKIMMER.as_bytes());
    std::fs::write(shop.join("js/checkout.js"), &skimmed).unwrap();
    let victim = shop_visit(page.clone()).await;
    assert!(victim.skimmer, "the skimmed copy ran: {victim:?}");
    assert!(victim.exfiltrated(), "the card was sent: {victim:?}");

    // The fetcher fetches the new version; its verdict blocks it.
    let got = eventually(Duration::from_secs(30), || async {
        let got = webhook_alerts(&received);
        let has = |kind: &str| got.iter().any(|(k, _)| k == kind);
        (has("script-changed") && has("script-malicious") && has("script-blocked")).then_some(got)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no script-changed, script-malicious and script-blocked alerts; got {:?}\n{}",
            webhook_alerts(&received),
            parapet.stderr()
        )
    });
    let blocked_alert = &got.iter().find(|(k, _)| k == "script-blocked").unwrap().1;
    assert_eq!(blocked_alert["severity"], "high", "{blocked_alert}");
    let d = &blocked_alert["details"];
    assert_eq!(d["entry"], script.as_str(), "{d}");
    assert_eq!(d["source"], "auto", "{d}");
    assert_eq!(
        d["verdict"]["sha256"],
        parapet_scripts::fetch::sha256_hex(&skimmed).as_str(),
        "{d}"
    );
    assert!(d["verdict"]["risk"].as_f64().unwrap() >= 0.5, "{d}");

    // The next page load: the tag is neutralised, the script never loads or runs.
    let safe = shop_visit(page.clone()).await;
    assert_eq!(safe.status, Some(200));
    assert!(!safe.skimmer, "the skimmer ran: {safe:?}");
    assert!(
        !safe.exfiltrated(),
        "a request went to the skimmer's host: {safe:?}"
    );
    assert!(!safe.loaded("/js/checkout.js"), "{safe:?}");
    assert_eq!(safe.blocked, std::slice::from_ref(&script));
    // The other scripts still load.
    assert!(safe.loaded("/js/cart.js"), "{safe:?}");
    // Asked for directly (a script injected at run time would be), in any spelling: 403.
    for path in [
        "/js/checkout.js",
        "/js//checkout.js?v=2",
        "/js/%63heckout.js",
    ] {
        let r = send(parapet.http(), get(path)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = send(parapet.http(), get("/js/cart.js")).await;
    assert_eq!(r.status, StatusCode::OK);

    // The list, through the API; the operator lifts the block and the script runs again on
    // the next load, then blocks it by hand.
    let lists = send(
        parapet.admin(),
        api(http::Method::GET, "/api/v1/scripts/block?site=t"),
    )
    .await;
    assert_eq!(lists.status, StatusCode::OK, "{}", lists.text());
    let v: serde_json::Value = serde_json::from_slice(&lists.body).unwrap();
    assert_eq!(v["block"][0]["entry"], script.as_str(), "{v}");
    assert_eq!(v["block"][0]["source"], "auto", "{v}");
    let entry = format!("/api/v1/scripts/block?site=t&entry={}", enc(&script));
    let r = send(parapet.admin(), api(http::Method::DELETE, &entry)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let again = shop_visit(page.clone()).await;
    assert!(again.skimmer && again.exfiltrated(), "{again:?}");
    let r = send(
        parapet.admin(),
        api(http::Method::POST, &format!("{entry}&reason=skimmer")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["changed"]["source"], "operator", "{v}");
    assert_eq!(v["changed"]["reason"], "skimmer", "{v}");
    let safe = shop_visit(page.clone()).await;
    assert!(!safe.skimmer && !safe.exfiltrated(), "{safe:?}");

    // Bad entries are refused with a reason.
    let r = send(
        parapet.admin(),
        api(
            http::Method::POST,
            "/api/v1/scripts/block?site=t&entry=/js/x.js",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());

    // The dashboard's item page shows the block and unblocks with its form (signed in,
    // same origin); a form from another origin is refused.
    let login = send(
        parapet.admin(),
        dash_post("/login", format!("token={TOKEN}&next=%2F"), None, None),
    )
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let cookie = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let item_path = format!("/item?site=t&kind=script&url={}", enc(&script));
    let item = send(
        parapet.admin(),
        Request::get(item_path.as_str())
            .header("host", "localhost")
            .header("cookie", &cookie)
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.text());
    let html = item.text();
    assert!(html.contains("blocked (operator)"), "{html}");
    let action = html
        .split("<form method=\"post\" action=\"")
        .find(|s| s.starts_with("/scripts/block?"))
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no block form: {html}"))
        .replace("&#38;", "&");
    assert!(action.contains("remove=1"), "{action}");
    let refused = send(
        parapet.admin(),
        dash_post(
            &action,
            String::new(),
            Some("https://evil.example"),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let done = send(
        parapet.admin(),
        dash_post(&action, String::new(), None, Some(&cookie)),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.header("location"), Some(item_path.as_str()));
    let v: serde_json::Value = serde_json::from_slice(
        &send(
            parapet.admin(),
            api(http::Method::GET, "/api/v1/scripts/block?site=t"),
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(v["block"], serde_json::json!([]), "{v}");
    let item = send(
        parapet.admin(),
        Request::get(item_path.as_str())
            .header("host", "localhost")
            .header("cookie", &cookie)
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert!(item.text().contains("Block this script"), "{}", item.text());

    let metrics = send(parapet.admin(), get("/metrics")).await.text();
    assert!(
        metric_sum(
            &metrics,
            "parapet_script_blocking_neutralised_total",
            &["what=\"src\""]
        )
        .is_some_and(|n| n >= 2.0),
        "{metrics}"
    );
    assert!(
        metric_sum(&metrics, "parapet_script_blocking_refused_total", &[])
            .is_some_and(|n| n >= 3.0),
        "{metrics}"
    );
    assert_eq!(
        metric_sum(&metrics, "parapet_script_blocking_auto_total", &[]),
        Some(1.0)
    );
}

/// Pages whose scripts are awkward to find (odd quoting, upper case, a script in a
/// comment), served as files.
const TRICKY: &str = "<!doctype html>\n<HTML><HEAD><meta charset=utf-8>\n\
<SCRIPT SRC='/js/app.js' DEFER></SCRIPT>\n<script src=/js/other.js?v=1&amp;x=2 async></script>\n\
<!-- <script src=\"/js/app.js\"></script> -->\n<script>if (a < b && c > d) document.title = \"</scr\" + \"ipt>\";</script>\n\
</HEAD><BODY><p title='<script src=/js/app.js>'>caf\u{e9} \u{1f600}</p></BODY></HTML>\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_pass_byte_for_byte_unless_they_load_a_blocked_script() {
    let (hook, _received) = webhook_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    std::fs::create_dir_all(shop.join("js")).unwrap();
    std::fs::write(shop.join("tricky.html"), TRICKY).unwrap();
    // Big enough to arrive in many chunks.
    let big = format!(
        "<html><body>{}<script src=\"/js/app.js\"></script></body></html>",
        "<p>filler &amp; more</p>\n".repeat(20_000)
    );
    std::fs::write(shop.join("big.html"), &big).unwrap();
    std::fs::write(shop.join("js/app.js"), "console.log(1)").unwrap();
    let config = shop_config(
        dir.path(),
        &shop,
        "block = [\"https://localhost/js/blocked.js\"]\n\
         approve = [\"https://localhost/js/app.js\"]\ncsp_enforce = \"report-only\"\n",
        hook,
    );
    let parapet = Parapet::start(dir.path(), &config);

    // Nothing on these pages is blocked: the rewriter hands them on unchanged.
    for (path, want) in [
        ("/tricky.html", TRICKY.as_bytes()),
        ("/big.html", big.as_bytes()),
    ] {
        let r = send(parapet.http(), get(path)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body == want, "{path} changed on its way through");
    }

    // The approved scripts make a report-only policy, beside the script monitor's own.
    let r = send(parapet.http(), get("/tricky.html")).await;
    let policies: Vec<&str> = r
        .headers
        .get_all("content-security-policy-report-only")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(policies.len(), 2, "{policies:?}");
    assert!(
        policies
            .iter()
            .any(|p| p.starts_with("script-src https://localhost/js/app.js; report-uri ")),
        "{policies:?}"
    );
    assert!(r.header("content-security-policy").is_none());
    let csp = send(
        parapet.admin(),
        api(http::Method::GET, "/api/v1/scripts/csp?site=t"),
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&csp.body).unwrap();
    assert_eq!(v["csp_enforce"], "report-only", "{v}");
    assert!(
        v["policy"]
            .as_str()
            .unwrap()
            .starts_with("script-src https://localhost/js/app.js;"),
        "{v}"
    );
    // A config entry cannot be removed at run time.
    let r = send(
        parapet.admin(),
        api(
            http::Method::DELETE,
            &format!(
                "/api/v1/scripts/block?site=t&entry={}",
                enc("https://localhost/js/blocked.js")
            ),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // Block app.js: the same pages now differ exactly at its tags, and nowhere else.
    let r = send(
        parapet.admin(),
        api(
            http::Method::POST,
            &format!(
                "/api/v1/scripts/block?site=t&entry={}",
                enc("https://localhost/js/app.js")
            ),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = send(parapet.http(), get("/tricky.html")).await;
    let neutral = "<SCRIPT DEFER type=\"parapet/blocked\" data-parapet-blocked=\"http://localhost/js/app.js\"></SCRIPT>";
    assert_eq!(
        r.text(),
        TRICKY.replace("<SCRIPT SRC='/js/app.js' DEFER></SCRIPT>", neutral)
    );
    assert!(r.header("content-length").is_none());
    let r = send(parapet.http(), get("/big.html")).await;
    assert_eq!(
        r.text(),
        big.replace(
            "<script src=\"/js/app.js\"></script>",
            "<script type=\"parapet/blocked\" data-parapet-blocked=\"http://localhost/js/app.js\"></script>"
        )
    );
    // HEAD has no body to rewrite, and still answers.
    let head = Request::head("/tricky.html")
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let r = send(parapet.http(), head).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    assert_eq!(
        send(parapet.http(), get("/js/app.js")).await.status,
        StatusCode::FORBIDDEN
    );
}

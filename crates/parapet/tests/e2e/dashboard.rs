//! The dashboard on the admin listener: sign-in with the admin token (and nothing else),
//! its session cookie, safe return paths, cross-origin forms refused, the page headers;
//! and, in headless Chromium, every page with hostile report data and hostile links shows
//! that data as text and runs nothing.

use std::process::Command;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;

use crate::harness::*;

const TOKEN: &str = "an-admin-token-for-the-dashboard";

fn dashboard_env() -> Env {
    Env::start_with(|mut c| {
        c.routes = vec![("/".into(), "demo".into())];
        c.site =
            "[sites.script_monitor]\nsample_rate = 1.0\nsensitive_paths = [\"/checkout.html\"]\n"
                .into();
        c.extra = "[[upstreams]]\nname = \"demo\"\nstatic_dir = \"builtin:demo\"\n".into();
        c.admin = format!("token = \"{TOKEN}\"");
        c
    })
}

fn form(
    path: &str,
    body: String,
    origin: Option<&str>,
    cookie: Option<&str>,
) -> Request<Full<Bytes>> {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
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

fn get_with_cookie(path: &str, cookie: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .header("cookie", cookie)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Posts legacy CSP reports for `(directive, blocked, document)` to the site's endpoint.
async fn report(env: &Env, reports: &[(&str, &str, &str)]) {
    let addr = env.parapet.http();
    let page = send(addr, get("/checkout.html")).await;
    let policy = page
        .header("content-security-policy-report-only")
        .expect("the policy")
        .to_owned();
    let endpoint = policy
        .split("report-uri ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap()
        .trim()
        .to_owned();
    for (directive, blocked, document) in reports {
        let body = serde_json::json!({"csp-report": {
            "document-uri": document,
            "effective-directive": directive,
            "blocked-uri": blocked,
            "script-sample": "</pre><script>alert('sample')</script>",
        }})
        .to_string();
        let r = send(
            addr,
            Request::post(&endpoint)
                .header("host", "localhost")
                .header("content-type", "application/csp-report")
                .body(Full::new(Bytes::from(body)))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_takes_the_token_and_nothing_else() {
    let env = dashboard_env();
    let admin = env.parapet.admin();

    // Signed out: pages send the browser to the form, with the way back.
    let r = send(admin, get("/scripts?site=t")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        Some("/login?next=%2Fscripts%3Fsite%3Dt")
    );
    let login = send(admin, get("/login?next=/scripts?site=t")).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login
            .text()
            .contains("name=\"next\" value=\"/scripts?site=t\""),
        "{}",
        login.text()
    );
    // The API does not take a session, nor the dashboard a bearer token.
    let bearer = Request::get("/")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(send(admin, bearer).await.status, StatusCode::SEE_OTHER);

    // A wrong token: the form again, 401, no cookie.
    let wrong = send(
        admin,
        form(
            "/login",
            "token=not-the-admin-token-at-all&next=%2F".into(),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.header("set-cookie").is_none());
    assert!(wrong.text().contains("not right"));

    // A login form posted from another origin is refused (login CSRF).
    let cross = form(
        "/login",
        format!("token={TOKEN}"),
        Some("http://evil.example"),
        None,
    );
    assert_eq!(send(admin, cross).await.status, StatusCode::FORBIDDEN);

    // The right token: a cookie, HttpOnly and SameSite=Strict, and back to `next`.
    let ok = send(
        admin,
        form(
            "/login",
            format!("token={TOKEN}&next=%2Falerts%3Fseverity%3Dhigh"),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.header("location"), Some("/alerts?severity=high"));
    let set = ok.header("set-cookie").unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();

    // Return paths that would leave the listener go to the front page instead.
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let r = send(
            admin,
            form(
                "/login",
                format!("token={TOKEN}&next={}", encode(next)),
                None,
                None,
            ),
        )
        .await;
        assert_eq!(r.header("location"), Some("/"), "{next}");
    }

    // Signed in: every page, with the headers that keep hostile data inert.
    for path in [
        "/",
        "/scripts?site=t",
        "/connections?site=t",
        "/domains?site=t",
        "/alerts",
        "/routes",
    ] {
        let r = send(admin, get_with_cookie(path, &cookie)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{csp}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    // A site that is not monitored, an unknown item: 404.
    for path in [
        "/scripts?site=nope",
        "/item?site=t&kind=script&url=https%3A%2F%2Fnone.example%2F",
    ] {
        assert_eq!(
            send(admin, get_with_cookie(path, &cookie)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // A tampered cookie is no session.
    let (value, tag) = cookie.split_once('.').unwrap();
    let later: u64 = value
        .trim_start_matches("parapet_admin=")
        .parse::<u64>()
        .unwrap()
        + 3600;
    let forged = format!("parapet_admin={later}.{tag}");
    assert_eq!(
        send(admin, get_with_cookie("/", &forged)).await.status,
        StatusCode::SEE_OTHER
    );

    // Sign-out clears the cookie.
    let out = send(admin, form("/logout", String::new(), None, Some(&cookie))).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
}

/// Hostile strings from reports and from links an attacker could send the operator, in
/// every page, in a real browser: they show as text, nothing runs, nothing is injected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_report_data_renders_inert_in_chromium() {
    let env = dashboard_env();
    report(
        &env,
        &[
            (
                "script-src-elem",
                "https://evil.example/x.js?<img src=x onerror=alert(1)>=1",
                "http://localhost/checkout.html",
            ),
            (
                "script-src-elem",
                "https://evil.example/\"><script>alert(2)</script>.js",
                "http://localhost/checkout.html?\"><svg/onload=alert(3)>=1",
            ),
            (
                "connect-src",
                "wss://evil.example/'-alert(4)-'",
                "http://localhost/checkout.html",
            ),
            (
                "script-src-elem",
                "inline",
                "http://localhost/checkout.html#<iframe src=javascript:alert(5)>",
            ),
        ],
    )
    .await;
    // The inventory as the API has it: what the pages must show as text.
    let api = Request::get("/api/v1/scripts/inventory?site=t")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let items = eventually(std::time::Duration::from_secs(10), || {
        let api = api.clone();
        let admin = env.parapet.admin();
        async move {
            let r = send(admin, api).await;
            let v: serde_json::Value = serde_json::from_slice(&r.body).ok()?;
            (v.as_array()?.len() >= 4).then_some(v)
        }
    })
    .await
    .expect("the reports in the inventory");
    let urls: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_str().unwrap().to_owned())
        .collect();

    let reflected_kind = "\"><script>alert(6)</script>";
    let reflected_q = "\"><img src=x onerror=alert(7)>";
    let paths = [
        "/".to_owned(),
        "/scripts?site=t".to_owned(),
        "/connections?site=t".to_owned(),
        "/domains?site=t".to_owned(),
        "/alerts".to_owned(),
        format!("/alerts?kind={}", encode(reflected_kind)),
        format!(
            "/scripts?site=t&q={}&page={}",
            encode(reflected_q),
            encode("'><b>x")
        ),
    ];
    let admin = env.parapet.admin();
    let base = format!("http://{admin}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(repo_root().join("tests/browser/dashboard.mjs"))
            .arg(base)
            .arg(TOKEN)
            .args(paths)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "dashboard.mjs failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        seen["loginUrl"]
            .as_str()
            .unwrap()
            .contains("/login?next=%2F"),
        "{seen}"
    );
    assert!(
        seen["afterLogin"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{admin}/")),
        "{seen}"
    );
    assert_eq!(
        seen["dialogs"],
        serde_json::json!([]),
        "a payload ran: {seen}"
    );

    let pages = seen["pages"].as_array().unwrap();
    let item_pages = pages
        .iter()
        .filter(|p| p["path"].as_str().unwrap().starts_with("/item?"))
        .count();
    assert_eq!(
        item_pages,
        urls.len(),
        "every item's page was visited: {seen}"
    );
    for p in pages {
        let path = p["path"].as_str().unwrap();
        assert_eq!(p["status"], 200, "{path}: {p}");
        assert_eq!(p["scripts"], 0, "{path}: a script element: {p}");
        assert_eq!(p["handlers"], serde_json::json!([]), "{path}: {p}");
        assert_eq!(p["images"], 0, "{path}: an injected image: {p}");
        assert_eq!(p["iframes"], 0, "{path}: an injected frame or svg: {p}");
        assert_eq!(
            p["externalLinks"],
            serde_json::json!([]),
            "{path}: a link off the dashboard: {p}"
        );
        assert!(
            p["csp"].as_str().unwrap().contains("default-src 'none'"),
            "{p}"
        );
    }
    let page = |path: &str| pages.iter().find(|p| p["path"] == path).unwrap();
    // The stored strings show as text, exactly as stored, on the inventory pages.
    let text = format!(
        "{}{}",
        page("/scripts?site=t")["text"].as_str().unwrap(),
        page("/connections?site=t")["text"].as_str().unwrap()
    );
    for url in &urls {
        assert!(
            text.contains(url.as_str()),
            "{url} not shown as text:\n{text}"
        );
    }
    // Reflected values come back as the inputs' values, not as markup.
    let alerts_page = page(&format!("/alerts?kind={}", encode(reflected_kind)));
    assert_eq!(
        alerts_page["inputs"]["kind"], reflected_kind,
        "{alerts_page}"
    );
    let scripts_page = page(&format!(
        "/scripts?site=t&q={}&page={}",
        encode(reflected_q),
        encode("'><b>x")
    ));
    assert_eq!(scripts_page["inputs"]["q"], reflected_q, "{scripts_page}");
    assert_eq!(scripts_page["inputs"]["page"], "'><b>x", "{scripts_page}");
    // The alerts page lists the new-item alerts the reports raised.
    let alerts_text = page("/alerts")["text"].as_str().unwrap();
    assert!(alerts_text.contains("new-script"), "{alerts_text}");
}

//! The script monitor's telemetry in the real binary: the report-only policy on a monitored
//! site's HTML pages (and nowhere else), and the same-origin report endpoint with its token,
//! content types and size limit.

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;

use crate::harness::*;

fn monitored() -> Env {
    Env::start_with(|mut c| {
        // The demo shop (HTML and scripts) at `/`, the echo upstream (text/plain) at `/api`.
        c.routes = vec![("/".into(), "demo".into()), ("/api".into(), "nginx".into())];
        c.site = "[sites.script_monitor]\nsample_rate = 1.0\nsensitive_paths = [\"/checkout\"]\nform_actions = true\n".into();
        c.extra = "[[upstreams]]\nname = \"demo\"\nstatic_dir = \"builtin:demo\"\n".into();
        c
    })
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
    let endpoint = policy
        .split("report-uri ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        endpoint.starts_with("/.well-known/parapet/csp-report?t="),
        "{endpoint}"
    );
    assert_eq!(
        page.header("reporting-endpoints"),
        Some(&*format!("parapet-csp=\"{endpoint}\""))
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

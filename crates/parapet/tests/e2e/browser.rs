//! A real browser negotiates post-quantum key agreement with Parapet.
//!
//! Runs `tests/browser/tls-group.mjs` (Playwright driving Debian's headless
//! Chromium, read over the DevTools protocol) against the https listener.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{eventually, repo_root, Env};

const HINT: &str = "run ./scripts/test.sh, which installs Chromium and the node modules";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_negotiates_x25519mlkem768() {
    let browser_dir = repo_root().join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "{}/node_modules/playwright-core is missing: {HINT}",
        browser_dir.display()
    );
    let env = Env::start();
    let url = format!(
        "https://localhost:{}/from-chromium",
        env.parapet.ports.https
    );

    let script = browser_dir.join("tls-group.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node: {e}: {HINT}"));
    // Bounded: the script has its own 60 s launch and 30 s load timeouts.
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("tls-group.mjs did not finish within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tls-group.mjs failed ({}):\n{stderr}\n{stdout}",
        out.status
    );

    let line = stdout.lines().last().unwrap_or_default();
    let report: serde_json::Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("tls-group.mjs printed no JSON ({e}): {stdout}"));
    assert_eq!(
        report["keyExchangeGroup"], "X25519MLKEM768",
        "Chromium's connection: {report}"
    );
    assert_eq!(report["status"], 200, "Chromium's connection: {report}");
    assert_eq!(
        report["tlsProtocol"], "TLS 1.3",
        "Chromium's connection: {report}"
    );
    // nginx writes its access-log line after the response has gone out.
    let logged = eventually(Duration::from_secs(2), || async {
        env.nginx
            .access_log()
            .contains("/from-chromium")
            .then_some(())
    })
    .await;
    assert!(logged.is_some(), "the page did not come from the upstream");
}

//! Security keys with real parts: a real OpenID Provider (npm `oidc-provider`), headless
//! Chromium with a DevTools virtual authenticator as the hardware key (CTAP2, USB, resident
//! keys, user verification), and the application verifying Parapet's identity header. The
//! browser registers the key, passes an application whose policy requires it only after
//! using it, signs in with the passkey alone, is refused with a clone of the key whose
//! signature counter went back, and is sent to the step-up page without any key.

use std::process::Command;

use hyper::StatusCode;

use crate::access::{answer, Node};
use crate::harness::*;

const CLIENT_ID: &str = "parapet-e2e-keys";
const CLIENT_SECRET: &str = "e2e-client-secret-keys-0123456789";
const ADMIN_TOKEN: &str = "access-keys-admin-token-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_registers_a_security_key_and_the_key_policy_needs_it() {
    let dir = tempfile::tempdir().unwrap();
    let (idp_port, app_port) = (free_port(), free_port());
    let mut config = Config::new(local(app_port));
    config.admin = format!("token = {ADMIN_TOKEN:?}");
    config.extra = format!(
        r#"
[access]

[[access.idps]]
name = "test-idp"
display_name = "Test Provider"
issuer = "http://127.0.0.1:{idp_port}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"

[[access.apps]]
name = "wiki"
hosts = ["localhost", "127.0.0.1"]
idps = ["test-idp"]
passkeys = true

[[access.apps.policies]]
name = "staff-with-key"
action = "allow"
include = [{{ email_domains = ["example.com"] }}]
require = [{{ security_key = true }}]
"#
    );
    let parapet = Parapet::start(dir.path(), &config);
    // WebAuthn needs a secure context: http://localhost is one (rp id `localhost`).
    let base = format!("http://localhost:{}", parapet.ports.http);
    let _idp = Node::start(
        "oidc-provider.mjs",
        &[
            idp_port.to_string(),
            CLIENT_ID.into(),
            CLIENT_SECRET.into(),
            format!("{base}/.parapet/access/callback"),
        ],
    );
    let _app = Node::start(
        "access-upstream.mjs",
        &[
            app_port.to_string(),
            format!(
                "http://127.0.0.1:{}/.parapet/access/certs",
                parapet.ports.http
            ),
            "wiki".into(),
        ],
    );

    let script = repo_root().join("tests/browser/access-webauthn.mjs");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(&base)
            .arg("/docs/page")
            .arg("ana")
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "access-webauthn.mjs failed:\n{}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr),
        parapet.stderr()
    );
    let seen: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    // Milliseconds from the browser's start to each step, for a slow run's log.
    eprintln!("access-webauthn.mjs timings: {}", seen["timings"]);
    let base = format!("http://localhost:{}", parapet.ports.http);

    // 1. Registered on the keys page, after the provider's sign-in; kept by the
    //    authenticator as a resident (discoverable) credential.
    assert!(
        seen["keys_page_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/.parapet/access/keys")),
        "{seen}"
    );
    assert_eq!(seen["register_status"], "Registered \"e2e key\".", "{seen}");
    assert_eq!(seen["registered_labels"], serde_json::json!(["e2e key"]));
    assert_eq!(
        seen["authenticator_credentials"][0]["isResidentCredential"], true,
        "{seen}"
    );

    // 2. The provider's sign-in alone: the step-up page, and 401 for a script.
    let before = &seen["before_step_up"];
    assert!(
        before["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/.parapet/access/step-up?rd=%2Fdocs%2Fpage")),
        "{seen}"
    );
    assert!(before["text"]
        .as_str()
        .unwrap()
        .contains("Security key required"));
    assert_eq!(seen["before_step_up_fetch"]["status"], 401, "{seen}");
    assert_eq!(
        seen["before_step_up_fetch"]["body"]["error"],
        "security key required"
    );
    // With the key: the application, with a verified identity that says how.
    assert_eq!(
        seen["after_step_up"]["url"],
        format!("{base}/docs/page"),
        "{seen}"
    );
    let app = answer(seen["after_step_up"]["text"].as_str().unwrap());
    assert_eq!(app["verified"], true, "{app}");
    assert_eq!(app["claims"]["sub"], "ana");
    assert_eq!(
        app["claims"]["amr"],
        serde_json::json!(["oidc", "webauthn", "hwk", "mfa"]),
        "{app}"
    );
    assert_eq!(seen["after_step_up_fetch"]["status"], 200);

    // 3. The passkey alone, from the sign-in page.
    assert!(
        seen["sign_in_page"]["text"]
            .as_str()
            .unwrap()
            .contains("Sign in with a passkey"),
        "{seen}"
    );
    assert_eq!(
        seen["after_passkey_sign_in"]["url"],
        format!("{base}/docs/page"),
        "{seen}"
    );
    let app = answer(seen["after_passkey_sign_in"]["text"].as_str().unwrap());
    assert_eq!(app["verified"], true, "{app}");
    assert_eq!(app["claims"]["sub"], "ana");
    assert_eq!(app["claims"]["email"], "ana@example.com");
    assert_eq!(app["claims"]["idp"], "test-idp");
    assert_eq!(
        app["claims"]["amr"],
        serde_json::json!(["webauthn", "hwk", "mfa"]),
        "{app}"
    );

    // 4. The clone: refused, no session, still on the sign-in page.
    assert!(seen["original_sign_count"].as_u64().unwrap() > 0, "{seen}");
    assert_eq!(seen["clone"]["status"], "Failed: key refused", "{seen}");
    assert_eq!(seen["clone"]["cookies"], 0);
    assert!(seen["clone"]["url"]
        .as_str()
        .unwrap()
        .contains("/.parapet/access/login"));

    // 5. No key: the provider's sign-in does not open the application.
    assert!(
        seen["without_key"]["url"]
            .as_str()
            .unwrap()
            .contains("/.parapet/access/step-up"),
        "{seen}"
    );
    assert_eq!(seen["without_key_fetch"]["status"], 401);

    // Every ceremony is in the audit log, with who and the outcome.
    let mut req = get("/api/v1/access/audit?limit=200");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {ADMIN_TOKEN}").parse().unwrap(),
    );
    let r = send(parapet.admin(), req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let audit: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let records = audit["records"].as_array().unwrap();
    let has = |decision: &str, reason: &str| {
        records.iter().any(|r| {
            r["decision"] == decision
                && r["subject"] == "ana"
                && r["app"] == "wiki"
                && r["reason"].as_str().unwrap_or("").contains(reason)
        })
    };
    assert!(has("key-registered", "e2e key"), "{audit}");
    assert!(has("key-step-up", "user verified: true"), "{audit}");
    assert!(has("key-sign-in", "e2e key"), "{audit}");
    assert!(has("key-refused", "cloned"), "{audit}");

    // The admin API lists her key (never its public key) and removes it.
    let admin = |path: String| {
        let mut req = get(&path);
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {ADMIN_TOKEN}").parse().unwrap(),
        );
        send(parapet.admin(), req)
    };
    let r = admin("/api/v1/access/credentials?idp=test-idp&sub=ana".into()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let list: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let keys = list["credentials"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{list}");
    assert_eq!(keys[0]["label"], "e2e key");
    assert_eq!(keys[0]["email"], "ana@example.com");
    assert!(keys[0]["counter"].as_u64().unwrap() > 0, "{list}");
    assert!(keys[0]["last_used"].is_string(), "{list}");
    assert!(!r.text().contains("cred_id"), "no key material: {list}");
    let id = keys[0]["id"].as_str().unwrap().to_owned();
    let r = admin(format!(
        "/api/v1/access/credentials/remove?idp=test-idp&sub=eve&id={id}"
    ))
    .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "only the owner's key: {}",
        r.text()
    );
    let r = admin(format!(
        "/api/v1/access/credentials/remove?idp=test-idp&sub=ana&id={id}"
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = admin("/api/v1/access/credentials?idp=test-idp&sub=ana".into()).await;
    assert!(r.text().contains("\"credentials\":[]"), "{}", r.text());

    let mut req = get("/metrics");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {ADMIN_TOKEN}").parse().unwrap(),
    );
    let metrics = send(parapet.admin(), req).await.text();
    for (ceremony, result) in [
        ("register", "ok"),
        ("step_up", "ok"),
        ("sign_in", "ok"),
        ("sign_in", "cloned"),
    ] {
        let n = metric_sum(
            &metrics,
            "parapet_access_webauthn_ceremonies_total",
            &[
                &format!("ceremony=\"{ceremony}\""),
                &format!("result=\"{result}\""),
            ],
        );
        assert_eq!(n, Some(1.0), "{ceremony} {result}: {metrics}");
    }
}

//! The WebAuthn ceremonies through the endpoints, with a software authenticator
//! (`webauthn-authenticator-rs`'s `SoftPasskey`, which signs like a real key and counts its
//! uses): registration, step-up, and every way an answer must be refused.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http::{request, Method, Request, StatusCode};
use parapet_store::{SqliteStore, Store};
use tokio::sync::mpsc;
use webauthn_authenticator_rs::prelude::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

use super::*;
use crate::policy::{Methods, User};
use crate::{Access, Verdict};

/// WebAuthn needs a secure context (HTTPS, or http://localhost).
const ORIGIN: &str = "https://wiki.example";

const CONFIG: &str = r#"
[access]
cookie_lifetime = "10m"

[[access.idps]]
name = "corp"
issuer = "http://127.0.0.1:9"
client_id = "parapet"
client_secret = "x"

[[access.apps]]
name = "wiki"
hosts = ["wiki.example"]
idps = ["corp"]
passkeys = true

[[access.apps.policies]]
name = "staff-with-key"
action = "allow"
include = [{ email_domains = ["example.com"] }]
require = [{ security_key = true }]
"#;

struct World {
    access: Access,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
    _audit: mpsc::Receiver<parapet_core::access::AccessRecord>,
}

fn world() -> World {
    let c = parapet_config::Config::from_str(CONFIG, Path::new("/t.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel(1000);
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let access = Access::new(
        c.access.as_ref().unwrap(),
        dir.path(),
        Some(tx),
        Some(store.clone() as Arc<dyn Store>),
    )
    .unwrap();
    World {
        access,
        store,
        _dir: dir,
        _audit: rx,
    }
}

/// A session cookie for ana, signed in through OpenID Connect `age` seconds ago.
fn ana_cookie(w: &World, age: u64) -> String {
    let now = unix_now();
    let s = Session {
        sid: hex(&rand::random::<[u8; 16]>()),
        user: User {
            sub: "ana".into(),
            email: "ana@example.com".into(),
            groups: vec![],
            idp: "corp".into(),
            methods: Methods::oidc(),
        },
        host: "wiki.example".into(),
        auth: now - age,
        iat: now,
        exp: now + 600,
        end: now + 86_400,
    };
    format!(
        "{SESSION_COOKIE}={}",
        w.access.cookies.seal_session(&s).unwrap()
    )
}

fn info() -> RequestInfo<'static> {
    RequestInfo {
        host: "wiki.example",
        client: "10.0.0.1".parse().unwrap(),
        tls: true,
        request_id: "rid",
        client_cert: None,
    }
}

fn post(path: &str, cookie: Option<&str>, origin: &str) -> request::Parts {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("host", "wiki.example")
        .header("origin", origin)
        .header("content-type", "application/json");
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(()).unwrap().into_parts().0
}

struct Answer {
    status: StatusCode,
    json: serde_json::Value,
    cookie: Option<String>,
}

async fn call(w: &World, path: &str, cookie: Option<&str>, body: serde_json::Value) -> Answer {
    call_from(w, path, cookie, ORIGIN, body).await
}

async fn call_from(
    w: &World,
    path: &str,
    cookie: Option<&str>,
    origin: &str,
    body: serde_json::Value,
) -> Answer {
    let r = w
        .access
        .serve(
            post(path, cookie, origin),
            Bytes::from(body.to_string()),
            "wiki.example".into(),
            "10.0.0.1".parse().unwrap(),
            true,
            "rid".into(),
        )
        .await;
    let cookie = r
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("parapet_access="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    Answer {
        status: r.status(),
        json: serde_json::from_slice(r.body()).unwrap_or_default(),
        cookie,
    }
}

fn origin() -> Url {
    Url::parse(ORIGIN).unwrap()
}

/// Registration options from the endpoint, as the authenticator gets them.
async fn register_options(w: &World, cookie: &str) -> (String, CreationChallengeResponse) {
    let a = call(
        w,
        REGISTER_START_PATH,
        Some(cookie),
        serde_json::json!({"rd": "/"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(
        a.json["options"]["publicKey"]["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    (
        a.json["ceremony"].as_str().unwrap().to_owned(),
        serde_json::from_value(a.json["options"].clone()).unwrap(),
    )
}

/// Registers `key` for ana; returns her cookie.
async fn register(w: &World, key: &mut SoftPasskey) -> String {
    let cookie = ana_cookie(w, 10);
    let (ceremony, options) = register_options(w, &cookie).await;
    let credential = key.do_registration(origin(), options).unwrap();
    let a = call(
        w,
        REGISTER_FINISH_PATH,
        Some(&cookie),
        serde_json::json!({"ceremony": ceremony, "label": "Soft\u{7}key", "credential": credential}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(
        a.json["registered"], "Softkey",
        "control characters removed"
    );
    cookie
}

async fn step_up_options(w: &World, cookie: &str) -> (String, RequestChallengeResponse) {
    let a = call(
        w,
        AUTH_START_PATH,
        Some(cookie),
        serde_json::json!({"rd": "/doc"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    (
        a.json["ceremony"].as_str().unwrap().to_owned(),
        serde_json::from_value(a.json["options"].clone()).unwrap(),
    )
}

async fn step_up(w: &World, key: &mut SoftPasskey, cookie: &str) -> Answer {
    let (ceremony, options) = step_up_options(w, cookie).await;
    let credential = key.do_authentication(origin(), options).unwrap();
    call(
        w,
        AUTH_FINISH_PATH,
        Some(cookie),
        serde_json::json!({"ceremony": ceremony, "credential": credential}),
    )
    .await
}

fn get(path: &str, cookie: &str, navigate: bool) -> request::Parts {
    let mut b = Request::get(path)
        .header("host", "wiki.example")
        .header("cookie", cookie);
    if navigate {
        b = b.header("sec-fetch-mode", "navigate");
    }
    b.body(()).unwrap().into_parts().0
}

fn metric(w: &World, needle: &str) -> bool {
    let mut registry = prometheus_client::registry::Registry::default();
    w.access.register_metrics(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    text.lines()
        .any(|l| l.starts_with(needle) && !l.ends_with(" 0"))
}

#[tokio::test]
async fn register_then_step_up_passes_the_key_policy() {
    let w = world();
    let mut key = SoftPasskey::new(true);
    let cookie = register(&w, &mut key).await;
    let keys = w.store.access_credentials("corp", "ana").await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].email, "ana@example.com");

    // Without the key in the session: a browser goes to the step-up page, a script gets 401.
    match w.access.check(&get("/doc?x=1", &cookie, true), &info()) {
        Verdict::Respond(r) => {
            assert_eq!(r.status(), StatusCode::FOUND);
            let to = r.headers()["location"].to_str().unwrap();
            assert_eq!(to, format!("{STEP_UP_PATH}?rd=%2Fdoc%3Fx%3D1"));
        }
        v => panic!("{v:?}"),
    }
    match w.access.check(&get("/doc", &cookie, false), &info()) {
        Verdict::Respond(r) => {
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            let j: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
            assert_eq!(j["error"], "security key required");
        }
        v => panic!("{v:?}"),
    }

    let a = step_up(&w, &mut key, &cookie).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["redirect"], "/doc");
    let stepped = a.cookie.expect("a new session cookie");
    match w.access.check(&get("/doc", &stepped, true), &info()) {
        Verdict::Pass(g) => assert!(g.identity.is_some()),
        v => panic!("{v:?}"),
    }
    // The old cookie is revoked: a copy of it never gets the key.
    match w.access.check(&get("/doc", &cookie, true), &info()) {
        Verdict::Respond(r) => assert_eq!(r.status(), StatusCode::FOUND),
        v => panic!("{v:?}"),
    }
    let used = w.store.access_credentials("corp", "ana").await.unwrap();
    assert!(
        used[0].counter > 0 && used[0].last_used.is_some(),
        "{used:?}"
    );
    assert!(metric(
        &w,
        "access_webauthn_ceremonies_total{ceremony=\"step_up\",result=\"ok\"}"
    ));
    assert!(metric(
        &w,
        "access_webauthn_ceremonies_total{ceremony=\"register\",result=\"ok\"}"
    ));
}

#[tokio::test]
async fn ceremonies_are_single_use_and_cannot_be_forged() {
    let w = world();
    let mut key = SoftPasskey::new(true);
    let cookie = ana_cookie(&w, 10);
    let (ceremony, options) = register_options(&w, &cookie).await;
    let credential = key.do_registration(origin(), options).unwrap();
    let body = serde_json::json!({"ceremony": ceremony, "credential": credential});
    // A made-up or altered ceremony id finds nothing.
    let mut forged = body.clone();
    let last = if ceremony.ends_with('0') { '1' } else { '0' };
    forged["ceremony"] = format!("{}{last}", &ceremony[..ceremony.len() - 1]).into();
    let a = call(&w, REGISTER_FINISH_PATH, Some(&cookie), forged).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.json);
    let a = call(&w, REGISTER_FINISH_PATH, Some(&cookie), body.clone()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    // Replayed: the ceremony was used up.
    let a = call(&w, REGISTER_FINISH_PATH, Some(&cookie), body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json["error"], "unknown or expired ceremony");
    assert_eq!(w.access.ceremonies.len(), 0);

    // A step-up answer replayed after its success.
    let (ceremony, options) = step_up_options(&w, &cookie).await;
    let credential = key.do_authentication(origin(), options).unwrap();
    let body = serde_json::json!({"ceremony": ceremony, "credential": credential});
    let a = call(&w, AUTH_FINISH_PATH, Some(&cookie), body.clone()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    let again = call(&w, AUTH_FINISH_PATH, a.cookie.as_deref(), body).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);

    // A ceremony started by one session is no use to another.
    let other = ana_cookie(&w, 10);
    let (ceremony, options) = step_up_options(&w, a.cookie.as_deref().unwrap()).await;
    let credential = key.do_authentication(origin(), options).unwrap();
    let a = call(
        &w,
        AUTH_FINISH_PATH,
        Some(&other),
        serde_json::json!({"ceremony": ceremony, "credential": credential}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.json);

    // Cross-site posts and non-JSON bodies are refused before anything else.
    let a = call_from(
        &w,
        REGISTER_START_PATH,
        Some(&cookie),
        "https://evil.example",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let r = w
        .access
        .serve(
            post(AUTH_START_PATH, None, ORIGIN),
            Bytes::from_static(b"{not json"),
            "wiki.example".into(),
            "10.0.0.1".parse().unwrap(),
            true,
            "rid".into(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn answers_for_another_origin_or_relying_party_are_refused() {
    let w = world();
    let mut key = SoftPasskey::new(true);
    let cookie = ana_cookie(&w, 10);

    // The authenticator was used on another origin (a phishing page relaying the options).
    let (ceremony, options) = register_options(&w, &cookie).await;
    let mut evil = options.clone();
    evil.public_key.rp.id = "evil.example".into();
    let credential = key
        .do_registration(Url::parse("https://evil.example").unwrap(), evil)
        .unwrap();
    let a = call(
        &w,
        REGISTER_FINISH_PATH,
        Some(&cookie),
        serde_json::json!({"ceremony": ceremony, "credential": credential}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.json);
    assert_eq!(a.json["error"], "key refused");

    // The right origin but a credential scoped to another relying party id (its hash in the
    // authenticator data is not ours).
    let (ceremony, mut options) = register_options(&w, &cookie).await;
    options.public_key.rp.id = "example".into();
    let credential = key.do_registration(origin(), options).unwrap();
    let a = call(
        &w,
        REGISTER_FINISH_PATH,
        Some(&cookie),
        serde_json::json!({"ceremony": ceremony, "credential": credential}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.json);
    assert_eq!(a.json["error"], "key refused");

    // The answer of a real registration, posted from another origin.
    let (ceremony, options) = register_options(&w, &cookie).await;
    let credential = key.do_registration(origin(), options).unwrap();
    let a = call_from(
        &w,
        REGISTER_FINISH_PATH,
        Some(&cookie),
        "https://wiki.example:8080",
        serde_json::json!({"ceremony": ceremony, "credential": credential}),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
    assert!(w
        .store
        .access_credentials("corp", "ana")
        .await
        .unwrap()
        .is_empty());
    // A relying party id that the origin's host is not under.
    assert!(relying_party("other.example", ORIGIN, "P").is_err());
    assert!(relying_party("wiki.example", ORIGIN, "P").is_ok());
}

#[tokio::test]
async fn a_signature_counter_that_goes_back_is_a_cloned_key() {
    let w = world();
    let mut key = SoftPasskey::new(true);
    let cookie = register(&w, &mut key).await;
    let first = step_up(&w, &mut key, &cookie).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json);
    let cookie = first.cookie.unwrap();
    // Another copy of the key has been used further: the stored counter is ahead of this one.
    let stored = w
        .store
        .access_credentials("corp", "ana")
        .await
        .unwrap()
        .remove(0);
    let mut passkey: serde_json::Value = serde_json::from_str(&stored.passkey).unwrap();
    *passkey
        .pointer_mut("/cred/counter")
        .expect("the passkey keeps its counter") = 99.into();
    assert!(w
        .store
        .use_access_credential(
            &stored.credential_id,
            &passkey.to_string(),
            99,
            parapet_core::Timestamp::now()
        )
        .await
        .unwrap());
    let a = step_up(&w, &mut key, &cookie).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.json);
    assert!(a.cookie.is_none());
    assert!(metric(
        &w,
        "access_webauthn_ceremonies_total{ceremony=\"step_up\",result=\"cloned\"}"
    ));
    // Nothing moved back.
    let after = w
        .store
        .access_credentials("corp", "ana")
        .await
        .unwrap()
        .remove(0);
    assert_eq!(after.counter, 99);
}

#[tokio::test]
async fn registering_needs_a_fresh_sign_in_or_a_key_already_used() {
    let w = world();
    // An hour-old sign-in (a stolen cookie, perhaps) cannot add the first key.
    let old = ana_cookie(&w, 3600);
    let a = call(&w, REGISTER_START_PATH, Some(&old), serde_json::json!({})).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
    // Nor can anyone without a session.
    let a = call(&w, REGISTER_START_PATH, None, serde_json::json!({})).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let mut key = SoftPasskey::new(true);
    let cookie = register(&w, &mut key).await;
    // A second key needs the first one used in this session.
    let a = call(
        &w,
        REGISTER_START_PATH,
        Some(&cookie),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.json);
    let stepped = step_up(&w, &mut key, &cookie).await.cookie.unwrap();
    let (_, options) = register_options(&w, &stepped).await;
    // The registered key is excluded from the new registration.
    assert_eq!(
        options.public_key.exclude_credentials.map(|v| v.len()),
        Some(1)
    );
}

#[tokio::test]
async fn passkey_sign_in_is_offered_only_where_the_app_says() {
    let w = world();
    // No session: a discoverable-credential request for an app that offers passkeys.
    let a = call(&w, AUTH_START_PATH, None, serde_json::json!({"rd": "/doc"})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert!(a.json["options"]["publicKey"]["allowCredentials"]
        .as_array()
        .is_none_or(Vec::is_empty));
    // The sign-in page shows the button, under a CSP that allows only its nonce'd script.
    let r = w
        .access
        .serve(
            Request::get(format!("{}?rd=%2Fdoc", crate::LOGIN_PATH))
                .header("host", "wiki.example")
                .body(())
                .unwrap()
                .into_parts()
                .0,
            Bytes::new(),
            "wiki.example".into(),
            "10.0.0.1".parse().unwrap(),
            true,
            "rid".into(),
        )
        .await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = String::from_utf8_lossy(r.body()).into_owned();
    assert!(page.contains("id=\"webauthn-go\""), "{page}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .unwrap();
    assert!(page.contains(&format!("nonce=\"{nonce}\"")), "{page}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // The style sheet's hash is the one in the CSP.
    use base64::Engine as _;
    let hash = base64::engine::general_purpose::STANDARD
        .encode(crate::sha256(crate::pages::STYLE.as_bytes()));
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
}

#[test]
fn a_flood_of_ceremonies_drops_the_oldest_never_the_newest() {
    let ceremonies = Ceremonies::default();
    let rp = relying_party("wiki.example", ORIGIN, "P").unwrap();
    let now = 1_000;
    let make = |exp: u64| Ceremony {
        pending: Pending::SignIn {
            state: rp.start_discoverable_authentication().unwrap().1,
            app: 0,
            rd: "/".into(),
        },
        host: "wiki.example".into(),
        rp_id: "wiki.example".into(),
        origin: ORIGIN.into(),
        exp,
    };
    let (first, evicted) = ceremonies.insert(make(now + 1), now);
    assert!(!evicted);
    for i in 1..MAX_CEREMONIES {
        let (_, evicted) = ceremonies.insert(make(now + 2 + i as u64), now);
        assert!(!evicted);
    }
    assert_eq!(ceremonies.len(), MAX_CEREMONIES);
    let (newest, evicted) = ceremonies.insert(make(now + 100_000), now);
    assert!(evicted);
    assert_eq!(ceremonies.len(), MAX_CEREMONIES);
    assert_eq!(
        ceremonies.take(&first, "wiki.example", ORIGIN, now).err(),
        Some(TakeError::Unknown)
    );
    // Another host or origin cannot take it, and the attempt uses it up.
    let (other, _) = ceremonies.insert(make(now + 100_000), now);
    assert_eq!(
        ceremonies.take(&other, "evil.example", ORIGIN, now).err(),
        Some(TakeError::WrongOrigin)
    );
    assert!(ceremonies
        .take(&other, "wiki.example", ORIGIN, now)
        .is_err());
    assert!(ceremonies
        .take(&newest, "wiki.example", ORIGIN, now)
        .is_ok());
    // Expired ones are gone on the next prune and cannot be taken.
    let (old, _) = ceremonies.insert(make(now + 5), now);
    assert!(ceremonies
        .take(&old, "wiki.example", ORIGIN, now + 5)
        .is_err());
    ceremonies.prune(u64::MAX);
    assert_eq!(ceremonies.len(), 0);
}

//! Zero Trust access with real parts: a real OpenID Provider (npm `oidc-provider`), headless
//! Chromium signing in through Parapet with PKCE, and an application that verifies
//! Parapet's identity header with a JWT library (`jose`) against Parapet's JWKS. Then the
//! bypass attempts, each refused: forged identity headers, `alg: none` tokens, tampered and
//! expired cookies, open redirects through the return URL, a state mismatch on the callback.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, StatusCode};

use crate::harness::*;

const CLIENT_ID: &str = "parapet-e2e";
const CLIENT_SECRET: &str = "e2e-client-secret-0123456789";
const SERVICE_SECRET: &str = "service-secret-0123456789abcdef";
const ADMIN_TOKEN: &str = "access-admin-token-0123456789";

/// A node script from `tests/browser`, killed on drop.
pub(crate) struct Node(Child);

impl Node {
    /// Starts `script` with `args` and waits (bounded) for it to print `ready`.
    pub(crate) fn start(script: &str, args: &[String]) -> Node {
        let browser_dir = repo_root().join("tests/browser");
        assert!(
            browser_dir.join("node_modules/oidc-provider").is_dir(),
            "tests/browser/node_modules is missing oidc-provider: run ./scripts/test.sh"
        );
        let mut child = Command::new("node")
            .arg(browser_dir.join(script))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.trim() == "ready" {
                    let _ = tx.send(());
                }
            }
        });
        // Generous: under the whole suite's load (browsers, builds) a Node start once took
        // longer than 20 s; the wait ends as soon as it is ready.
        rx.recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{script} did not print `ready` within 60s"));
        Node(child)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the application behind Parapet saw (its page is that JSON).
pub(crate) fn answer(text: &str) -> serde_json::Value {
    let json = text
        .split_once("<pre id=\"answer\">")
        .map_or(text, |(_, rest)| {
            rest.split("</pre>").next().unwrap_or(rest)
        });
    serde_json::from_str(json.trim())
        .unwrap_or_else(|e| panic!("not the app's answer ({e}): {text}"))
}

/// Signs in as `login` with Chromium, starting at `url`.
async fn chromium_login(url: String, login: &str) -> serde_json::Value {
    let login = login.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(repo_root().join("tests/browser/access-login.mjs"))
            .arg(&url)
            .arg(&login)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "access-login.mjs failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn request(path: &str, headers: &[(&str, &str)]) -> Request<Full<Bytes>> {
    let mut b = Request::get(path).header("host", "localhost");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Full::new(Bytes::new())).unwrap()
}

fn session_cookie(login: &serde_json::Value) -> String {
    let c = login["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "parapet_access")
        .unwrap_or_else(|| panic!("no session cookie after sign-in: {login}"));
    assert_eq!(c["httpOnly"], true, "{c}");
    assert_eq!(c["sameSite"], "Lax", "{c}");
    format!("parapet_access={}", c["value"].as_str().unwrap())
}

/// The new session cookie a response sets, if any.
fn set_session(resp: &Resp) -> Option<String> {
    resp.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("parapet_access="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

struct World {
    parapet: Parapet,
    _idp: Node,
    _app: Node,
    _dir: tempfile::TempDir,
}

/// A MaxMind-format database, made here: 127.0.0.1 is in DE (GeoLite2's nested
/// `country.iso_code`), 127.0.0.3 in KP (a flat `country_code` record).
fn country_database(path: &std::path::Path) {
    use maxminddb_writer::paths::IpAddrWithMask;
    #[derive(serde::Serialize)]
    struct Iso {
        iso_code: &'static str,
    }
    #[derive(serde::Serialize)]
    struct Nested {
        country: Iso,
    }
    #[derive(serde::Serialize)]
    struct Flat {
        country_code: &'static str,
    }
    let mut db = maxminddb_writer::Database::default();
    db.metadata.database_type = "Parapet-E2E-Country".into();
    db.metadata.binary_format_major_version = 2;
    db.metadata.languages = vec!["en".into()];
    let de = db
        .insert_value(Nested {
            country: Iso { iso_code: "DE" },
        })
        .unwrap();
    let kp = db.insert_value(Flat { country_code: "KP" }).unwrap();
    db.insert_node("127.0.0.1/32".parse::<IpAddrWithMask>().unwrap(), de);
    db.insert_node("127.0.0.3/32".parse::<IpAddrWithMask>().unwrap(), kp);
    let mut out = Vec::new();
    db.write_to(&mut out).unwrap();
    std::fs::write(path, out).unwrap();
}

/// A request from another loopback address (127.0.0.X), for network and country rules.
async fn send_from(from: &str, addr: std::net::SocketAddr, req: Request<Full<Bytes>>) -> Resp {
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let stream = tcp.connect(addr).await.unwrap();
    send_on(stream, req).await.unwrap()
}

/// The provider, the application and Parapet protecting it (app `wiki`, everything on
/// `localhost` and `127.0.0.1`; `example.com` staff allowed except from KP, 127.0.0.2
/// bypassed, one service token).
fn world() -> World {
    world_with(|c| c)
}

/// As [`world`], with Parapet's config changed by `f` first (more routes).
fn world_with(f: impl FnOnce(Config) -> Config) -> World {
    let dir = tempfile::tempdir().unwrap();
    let geo = dir.path().join("country.mmdb");
    country_database(&geo);
    let (idp_port, app_port) = (free_port(), free_port());
    let mut config = f(Config::new(local(app_port)));
    config.admin = format!("token = {ADMIN_TOKEN:?}");
    config.extra = format!(
        r#"
[access]
cookie_lifetime = "10s"
geoip_db = {geo:?}

[[access.idps]]
name = "test-idp"
display_name = "Test Provider"
issuer = "http://127.0.0.1:{idp_port}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"

[[access.service_tokens]]
name = "ci"
client_id = "ci.e2e"
client_secret = "{SERVICE_SECRET}"

[[access.apps]]
name = "wiki"
hosts = ["localhost", "127.0.0.1"]
idps = ["test-idp"]

[[access.apps.policies]]
name = "health"
action = "bypass"
include = [{{ everyone = true }}]
require = [{{ ip_ranges = ["127.0.0.0/8"] }}]
exclude = [{{ ip_ranges = ["127.0.0.1", "127.0.0.3"] }}]

[[access.apps.policies]]
name = "robots"
action = "service-auth"
include = [{{ service_tokens = ["ci"] }}]

[[access.apps.policies]]
name = "staff"
action = "allow"
include = [{{ email_domains = ["example.com"] }}]
require = [{{ groups = ["staff"] }}]
exclude = [{{ countries = ["KP"] }}]
"#,
        geo = geo.display().to_string()
    );
    let parapet = Parapet::start(dir.path(), &config);
    let redirect = format!(
        "http://localhost:{}/.parapet/access/callback",
        parapet.ports.http
    );
    let idp = Node::start(
        "oidc-provider.mjs",
        &[
            idp_port.to_string(),
            CLIENT_ID.into(),
            CLIENT_SECRET.into(),
            redirect,
        ],
    );
    let app = Node::start(
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
    World {
        parapet,
        _idp: idp,
        _app: app,
        _dir: dir,
    }
}

/// The whole sign-in with a real provider and a real browser, the identity verified by the
/// application, sliding renewal, expiry, logout, the audit log and the metrics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_with_pkce_and_the_app_verifies_the_identity() {
    let w = world();
    let http = w.parapet.http();
    let base = format!("http://localhost:{}", w.parapet.ports.http);

    let login = chromium_login(format!("{base}/docs/page?x=1"), "ana").await;
    let signed_in = Instant::now();
    assert_eq!(
        login["providers"],
        serde_json::json!(["Continue with Test Provider"])
    );
    assert_eq!(
        login["final_url"],
        format!("{base}/docs/page?x=1"),
        "{login}"
    );
    assert_eq!(login["status"], 200, "{login}");
    let steps = login["steps"].to_string();
    assert!(
        steps.contains("code_challenge_method=S256"),
        "PKCE on the way out: {steps}"
    );
    assert!(steps.contains("/.parapet/access/callback?code="), "{steps}");
    let seen = answer(login["text"].as_str().unwrap());
    assert_eq!(
        seen["verified"], true,
        "the application verifies the JWT: {seen}"
    );
    assert_eq!(seen["alg"], "ES256");
    let claims = &seen["claims"];
    assert_eq!(claims["sub"], "ana");
    assert_eq!(claims["email"], "ana@example.com");
    assert_eq!(claims["groups"], serde_json::json!(["eng", "staff"]));
    assert_eq!(claims["aud"], "wiki");
    assert_eq!(claims["idp"], "test-idp");
    assert_eq!(claims["country"], "DE", "the country the request came from");
    assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());
    let cookie = session_cookie(&login);

    // A script with the session gets through too; a forged identity header (alg none,
    // claiming to be an admin) is replaced by Parapet's own.
    let forged =
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsImF1ZCI6Indpa2kiLCJpc3MiOiJwYXJhcGV0LWFjY2VzcyJ9.";
    let r = send(
        http,
        request(
            "/api/me",
            &[
                ("cookie", &cookie),
                ("accept", "application/json"),
                ("parapet-access-jwt-assertion", forged),
                (
                    "parapet-access-authenticated-user-email",
                    "admin@example.com",
                ),
            ],
        ),
    )
    .await;
    let seen = answer(&r.text());
    assert_eq!(seen["verified"], true, "{seen}");
    assert_eq!(seen["claims"]["sub"], "ana");
    let headers = seen["parapet_headers"].as_object().unwrap();
    assert_eq!(
        headers.len(),
        1,
        "only Parapet's own header arrives: {headers:?}"
    );
    assert_ne!(headers["parapet-access-jwt-assertion"], forged);
    // The session cookie stays with Parapet; the application's own cookies pass.
    let r = send(
        http,
        request("/c", &[("cookie", &format!("theme=dark; {cookie}"))]),
    )
    .await;
    assert_eq!(answer(&r.text())["cookie"], "theme=dark");

    // The same session from a country the policy excludes is refused, on this request.
    let r = send_from(
        "127.0.0.3",
        http,
        request(
            "/from-kp",
            &[("cookie", &cookie), ("accept", "application/json")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // Sliding renewal: after half the cookie's life a request renews it.
    tokio::time::sleep(Duration::from_millis(5_500).saturating_sub(signed_in.elapsed())).await;
    let r = send(http, request("/renew", &[("cookie", &cookie)])).await;
    assert_eq!(answer(&r.text())["verified"], true);
    let renewed = set_session(&r).expect("a renewed cookie after half its life");
    assert_ne!(renewed, cookie);

    // The original cookie expires at 10s; the renewed one lives on.
    tokio::time::sleep(Duration::from_millis(11_000).saturating_sub(signed_in.elapsed())).await;
    let r = send(
        http,
        request(
            "/old",
            &[("cookie", &cookie), ("accept", "application/json")],
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "an expired cookie: {}",
        r.text()
    );
    let r = send(http, request("/new", &[("cookie", &renewed)])).await;
    assert_eq!(answer(&r.text())["verified"], true);

    // Logout revokes the session even though its cookie has not expired.
    let r = send(
        http,
        request("/.parapet/access/logout", &[("cookie", &renewed)]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(set_session(&r).is_some_and(|c| c == "parapet_access="));
    let r = send(
        http,
        request(
            "/after",
            &[("cookie", &renewed), ("accept", "application/json")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());

    // Someone the policy does not admit: the denial page with the request id, no reason.
    let eve = chromium_login(format!("{base}/"), "eve").await;
    assert_eq!(eve["status"], 403, "{eve}");
    let text = eve["text"].as_str().unwrap();
    assert!(
        text.contains("Access denied") && text.contains("Request id"),
        "{text}"
    );
    assert!(
        !text.contains("staff") && !text.contains("example.com"),
        "{text}"
    );

    // An open redirect through the return URL lands on this host instead.
    let away = chromium_login(
        format!("{base}/.parapet/access/login?rd=%2F%2Fevil.example%2Fx"),
        "ana",
    )
    .await;
    assert_eq!(away["final_url"], format!("{base}/"), "{away}");

    // The audit log has the sign-ins, the grant and the denial, with who and which rule.
    let r = send(
        w.parapet.admin(),
        request(
            "/api/v1/access/audit?limit=100",
            &[("authorization", &format!("Bearer {ADMIN_TOKEN}"))],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let audit: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let records = audit["records"].as_array().unwrap();
    let has = |decision: &str, subject: &str| {
        records
            .iter()
            .any(|r| r["decision"] == decision && r["subject"] == subject && r["app"] == "wiki")
    };
    assert!(
        has("sign-in", "ana") && has("allow", "ana") && has("sign-out", "ana"),
        "{audit}"
    );
    assert!(has("sign-in", "eve") && has("deny", "eve"), "{audit}");
    assert!(
        records
            .iter()
            .any(|r| r["decision"] == "deny" && r["subject"] == "ana" && r["country"] == "KP"),
        "the refusal from KP, with its country: {audit}"
    );
    assert!(records
        .iter()
        .any(|r| r["decision"] == "allow" && r["policy"] == "staff" && r["idp"] == "test-idp"));

    // The dashboard's access page shows the same log to a signed-in operator, filtered.
    let login = Request::post("/login")
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(format!(
            "token={ADMIN_TOKEN}&next=%2Faccess"
        ))))
        .unwrap();
    let login = send(w.parapet.admin(), login).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text());
    let operator = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = send(
        w.parapet.admin(),
        request("/access?app=wiki&decision=deny", &[("cookie", &operator)]),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(">deny</span>") && html.contains("eve") && html.contains("KP"),
        "{html}"
    );
    assert!(
        !html.contains(">allow</span>"),
        "filtered to denials: {html}"
    );

    // Every field the OpenAPI document requires of a record is there.
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/api/openapi.json")).unwrap(),
    )
    .unwrap();
    assert!(spec["paths"]["/api/v1/access/audit"]["get"].is_object());
    for field in spec["components"]["schemas"]["AccessRecord"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(!records[0][field.as_str().unwrap()].is_null(), "{field}");
    }

    // Revoking a person through the admin API ends their live session at once.
    let live = session_cookie(&away);
    let r = send(http, request("/live", &[("cookie", &live)])).await;
    assert_eq!(answer(&r.text())["verified"], true);
    let revoke = Request::get("/api/v1/access/revoke?sub=ana")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let r = send(w.parapet.admin(), revoke).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = send(
        http,
        request(
            "/live",
            &[("cookie", &live), ("accept", "application/json")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());

    let metrics = send(w.parapet.admin(), get("/metrics")).await.text();
    let count = |labels: &[&str]| metric_sum(&metrics, "parapet_access_decisions_total", labels);
    assert!(
        count(&["app=\"wiki\"", "decision=\"allow\""]).unwrap_or(0.0) >= 3.0,
        "{metrics}"
    );
    assert!(count(&["app=\"wiki\"", "decision=\"deny\""]).unwrap_or(0.0) >= 1.0);
    assert!(
        metric_sum(&metrics, "parapet_access_logins_total", &["result=\"ok\""]).unwrap_or(0.0)
            >= 3.0
    );
}

/// Every way around the sign-in is refused, before anything reaches the application.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bypass_attempts_are_refused() {
    let w = world();
    let http = w.parapet.http();

    // No session: a browser is sent to sign in, a script gets 401 JSON (never a redirect).
    let r = send(
        http,
        request(
            "/wiki?a=b",
            &[("accept", "text/html"), ("sec-fetch-mode", "navigate")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        r.header("location"),
        Some("/.parapet/access/login?rd=%2Fwiki%3Fa%3Db")
    );
    let r = send(
        http,
        request(
            "/api",
            &[("accept", "text/html"), ("sec-fetch-mode", "cors")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["error"], "sign-in required");
    assert!(body["request_id"].as_str().is_some_and(|id| id.len() == 20));

    // Forged identity headers alone get nowhere.
    for forged in [
        // alg none
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
        // HS256 with a made-up key
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl",
    ] {
        let r = send(
            http,
            request(
                "/",
                &[
                    ("parapet-access-jwt-assertion", forged),
                    ("accept", "application/json"),
                ],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }

    // Made-up, tampered and truncated cookies.
    for cookie in [
        "parapet_access=s1.eyJzaWQiOiJ4In0.AAAA",
        "parapet_access=garbage",
        "parapet_access=",
    ] {
        let r = send(
            http,
            request("/", &[("cookie", cookie), ("accept", "application/json")]),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{cookie}");
    }

    // A wrong service token secret is refused; the right one passes with its identity.
    let r = send(
        http,
        request(
            "/",
            &[
                ("parapet-access-client-id", "ci.e2e"),
                ("parapet-access-client-secret", "wrong-secret-0123456789"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send(
        http,
        request(
            "/",
            &[
                ("parapet-access-client-id", "ci.e2e"),
                ("parapet-access-client-secret", SERVICE_SECRET),
            ],
        ),
    )
    .await;
    let seen = answer(&r.text());
    assert_eq!(seen["verified"], true, "{seen}");
    assert_eq!(seen["claims"]["sub"], "ci");
    assert_eq!(seen["claims"]["amr"], serde_json::json!(["service-token"]));
    // Its secret never reaches the application.
    assert_eq!(
        seen["parapet_headers"].as_object().unwrap().len(),
        1,
        "{seen}"
    );

    // The bypass policy applies from 127.0.0.2 only: no identity, but through.
    let r = send_from("127.0.0.2", http, request("/health", &[])).await;
    let seen = answer(&r.text());
    assert_eq!(seen["verified"], false);
    assert_eq!(seen["path"], "/health");

    // The return URL cannot leave the host: the login page links to `/` instead.
    for rd in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example%2F",
        "%2F%5Cevil.example",
    ] {
        let r = send(
            http,
            request(&format!("/.parapet/access/login?rd={rd}"), &[]),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let page = r.text();
        assert!(page.contains("rd=%2F\""), "{rd}: {page}");
        assert!(!page.contains("evil"), "{rd}: {page}");
    }

    // State mismatch: a real sign-in flow started, then a callback with another state.
    let r = send(
        http,
        request("/.parapet/access/start?idp=test-idp&rd=%2F", &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let to_idp = r.header("location").unwrap().to_owned();
    assert!(
        to_idp.contains("code_challenge_method=S256") && to_idp.contains("nonce="),
        "{to_idp}"
    );
    let flow = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("parapet_access_flow="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let r = send(
        http,
        request(
            "/.parapet/access/callback?code=abc&state=not-the-state",
            &[("cookie", &flow)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(set_session(&r).is_none_or(|c| c == "parapet_access="));
    // And a callback with no flow cookie at all (login CSRF) is refused too.
    let state = to_idp
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let r = send(
        http,
        request(
            &format!("/.parapet/access/callback?code=abc&state={state}"),
            &[],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let metrics = send(w.parapet.admin(), get("/metrics")).await.text();
    for reason in [
        "state_mismatch",
        "flow_missing",
        "service_token",
        "malformed",
    ] {
        assert!(
            metric_sum(
                &metrics,
                "parapet_access_refused_total",
                &[&format!("reason=\"{reason}\"")]
            )
            .unwrap_or(0.0)
                >= 1.0,
            "{reason}: {metrics}"
        );
    }

    // The JWKS is public and holds one ES256 public key.
    let r = send(http, request("/.parapet/access/certs", &[])).await;
    let jwks: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
    assert!(jwks["keys"][0].get("d").is_none());
}

/// A WebSocket server that answers each upgrade with one text message: the Parapet
/// headers it received, as JSON.
async fn start_identity_ws() -> std::net::SocketAddr {
    use tokio_tungstenite::tungstenite::handshake::server::{
        Request as WsRequest, Response as WsResponse,
    };
    let listener = tokio::net::TcpListener::bind(local(0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                use futures_util::SinkExt;
                let mut seen = serde_json::Map::new();
                // The error type is tungstenite's, not ours to shrink.
                #[allow(clippy::result_large_err)]
                let callback = |req: &WsRequest, resp: WsResponse| {
                    for (k, v) in req.headers() {
                        if k.as_str().starts_with("parapet-access-") {
                            seen.insert(k.as_str().to_owned(), v.to_str().unwrap_or("").into());
                        }
                    }
                    Ok(resp)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
                    return;
                };
                let text = serde_json::Value::Object(seen).to_string();
                let _ = ws
                    .send(tokio_tungstenite::tungstenite::Message::text(text))
                    .await;
            });
        }
    });
    addr
}

/// Verifies Parapet's identity token the way an application in Rust would: the JWKS from
/// Parapet, the key by `kid`, ES256, audience and issuer.
async fn verify_identity(parapet: std::net::SocketAddr, token: &str) -> serde_json::Value {
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let jwks = send(parapet, request("/.parapet/access/certs", &[])).await;
    let set: JwkSet = serde_json::from_slice(&jwks.body).unwrap();
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let key = DecodingKey::from_jwk(set.find(&kid).expect("the key is published")).unwrap();
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&["wiki"]);
    v.set_issuer(&["parapet-access"]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &v)
        .expect("Parapet's token verifies")
        .claims
}

/// WebSocket upgrades and HTTP/2 streams are checked like any request and carry the
/// identity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_and_http2_requests_are_checked_and_carry_the_identity() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let ws_server = start_identity_ws().await;
    let w = world_with(|c| {
        c.route(
            "/ws",
            Upstream::new("ws", &[ws_server]).response_timeout("5s"),
        )
    });
    let http = w.parapet.http();
    let url = format!("ws://localhost:{}/ws", http.port());

    // No credentials: the upgrade is refused before it reaches the server.
    let tcp = tokio::net::TcpStream::connect(http).await.unwrap();
    let err = tokio_tungstenite::client_async(url.clone(), tcp)
        .await
        .expect_err("refused");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => {
            assert_eq!(resp.status().as_u16(), 401)
        }
        other => panic!("expected an HTTP refusal, got {other}"),
    }

    // A machine with its token: upgraded, and the server got Parapet's identity only.
    let mut req = url.into_client_request().unwrap();
    let h = req.headers_mut();
    h.insert("parapet-access-client-id", "ci.e2e".parse().unwrap());
    h.insert(
        "parapet-access-client-secret",
        SERVICE_SECRET.parse().unwrap(),
    );
    h.insert(
        "parapet-access-jwt-assertion",
        "forged.token.here".parse().unwrap(),
    );
    let tcp = tokio::net::TcpStream::connect(http).await.unwrap();
    let (mut ws, resp) =
        tokio::time::timeout(IO_TIMEOUT, tokio_tungstenite::client_async(req, tcp))
            .await
            .expect("in time")
            .expect("upgraded");
    assert_eq!(resp.status().as_u16(), 101);
    let msg = tokio::time::timeout(IO_TIMEOUT, ws.next())
        .await
        .expect("in time")
        .expect("a message")
        .unwrap();
    let seen: serde_json::Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
    let seen = seen.as_object().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let token = seen["parapet-access-jwt-assertion"].as_str().unwrap();
    assert_ne!(token, "forged.token.here");
    let claims = verify_identity(http, token).await;
    assert_eq!(claims["sub"], "ci");
    assert_eq!(claims["aud"], "wiki");

    // HTTP/2 over TLS: one stream without credentials (401), one with (the app verifies).
    let tls = tls_connect(
        w.parapet.https(),
        tls_config(TlsClient {
            alpn: vec![b"h2".to_vec()],
            ..TlsClient::default()
        }),
    )
    .await;
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .expect("HTTP/2 handshake");
    tokio::spawn(conn);
    let h2 = |creds: bool| {
        let mut b = Request::get("https://localhost/h2").header("accept", "application/json");
        if creds {
            b = b
                .header("parapet-access-client-id", "ci.e2e")
                .header("parapet-access-client-secret", SERVICE_SECRET);
        }
        b.body(Full::new(Bytes::new())).unwrap()
    };
    let resp = sender.send_request(h2(false)).await.unwrap();
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = sender.send_request(h2(true)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let seen = answer(&String::from_utf8_lossy(&body));
    assert_eq!(seen["verified"], true, "{seen}");
    assert_eq!(seen["claims"]["sub"], "ci");
}

/// SIGHUP reloads the policies: the next request is decided under the new ones, and the
/// running process keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_reload_on_sighup() {
    let mut w = world();
    let http = w.parapet.http();
    let robot = || {
        request(
            "/",
            &[
                ("parapet-access-client-id", "ci.e2e"),
                ("parapet-access-client-secret", SERVICE_SECRET),
            ],
        )
    };
    assert_eq!(send(http, robot()).await.status, StatusCode::OK);

    // The robots' policy becomes a block.
    w.parapet.edit_config(|c| {
        let edited = c.replace(
            "name = \"robots\"\naction = \"service-auth\"",
            "name = \"robots\"\naction = \"block\"",
        );
        assert_ne!(edited, c, "the config names the robots' policy");
        edited
    });
    w.parapet.signal(nix::sys::signal::Signal::SIGHUP);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = send(http, robot()).await.status;
        if status == StatusCode::FORBIDDEN {
            break;
        }
        assert_eq!(status, StatusCode::OK, "before the reload: still granted");
        assert!(
            Instant::now() < deadline,
            "the reloaded policy did not apply within 10 s; stderr:\n{}",
            w.parapet.stderr()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(w.parapet.is_running());
}

//! The decision on request heads, end to end inside the crate: sessions made with the
//! crate's own cookie key, service tokens, the responses for browsers and for scripts.

use super::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use policy::User;

const CONFIG: &str = r#"

[access]
cookie_lifetime = "10m"

[[access.idps]]
name = "corp"
display_name = "Corp <SSO>"
issuer = "http://127.0.0.1:9"
client_id = "parapet"
client_secret = "x"

[[access.idps]]
name = "other"
issuer = "http://127.0.0.1:10"
client_id = "parapet"
client_secret = "x"

[[access.service_tokens]]
name = "ci"
client_id = "ci-id"
client_secret = "0123456789abcdef0123"

[[access.apps]]
name = "wiki"
hosts = ["wiki.example"]
paths = ["/app"]
idps = ["corp"]
allow_preflight = true

[[access.apps.policies]]
name = "health"
action = "bypass"
include = [{ ip_ranges = ["192.0.2.0/24"] }]

[[access.apps.policies]]
name = "robots"
action = "service-auth"
include = [{ service_tokens = ["ci"] }]

[[access.apps.policies]]
name = "staff"
action = "allow"
include = [{ email_domains = ["example.com"] }]
exclude = [{ groups = ["suspended"] }]
"#;

struct World {
    access: Access,
    _dir: tempfile::TempDir,
    audit: mpsc::Receiver<AccessRecord>,
}

fn world() -> World {
    let c = parapet_config::Config::from_str(CONFIG, Path::new("/t.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel(100);
    let access = Access::new(
        c.access.as_ref().unwrap(),
        dir.path(),
        Some(tx),
        Some(Arc::new(
            parapet_store::SqliteStore::open_in_memory().unwrap(),
        )),
    )
    .unwrap();
    World {
        access,
        _dir: dir,
        audit: rx,
    }
}

fn parts(path: &str, headers: &[(&str, &str)]) -> request::Parts {
    let mut b = http::Request::get(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(()).unwrap().into_parts().0
}

fn info<'a>(ip: &str) -> RequestInfo<'a> {
    RequestInfo {
        host: "wiki.example",
        client: ip.parse().unwrap(),
        tls: true,
        request_id: "rid-1",
        client_cert: None,
    }
}

fn session_cookie(w: &World, email: &str, groups: &[&str], idp: &str, iat: u64) -> String {
    let s = Session {
        sid: "0123456789abcdef0123456789abcdef".into(),
        user: User {
            sub: "u1".into(),
            email: email.into(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            idp: idp.into(),
            methods: policy::Methods::oidc(),
        },
        host: "wiki.example".into(),
        auth: iat,
        iat,
        exp: iat + 600,
        end: iat + 86_400,
    };
    format!(
        "{SESSION_COOKIE}={}",
        w.access.cookies.seal_session(&s).unwrap()
    )
}

fn verify(w: &World, token: &HeaderValue) -> Claims {
    let set: JwkSet = serde_json::from_slice(&w.access.signer().jwks()).unwrap();
    let token = token.to_str().unwrap();
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&["wiki"]);
    v.set_issuer(&[ISSUER]);
    let key = DecodingKey::from_jwk(set.find(&kid).unwrap()).unwrap();
    jsonwebtoken::decode::<Claims>(token, &key, &v)
        .unwrap()
        .claims
}

#[test]
fn uncovered_requests_are_not_protected() {
    let w = world();
    for path in ["/", "/apple", "/other/app"] {
        assert!(matches!(
            w.access.check(&parts(path, &[]), &info("10.0.0.1")),
            Verdict::NotProtected
        ));
    }
    let mut other_host = info("10.0.0.1");
    other_host.host = "shop.example";
    assert!(matches!(
        w.access.check(&parts("/app", &[]), &other_host),
        Verdict::NotProtected
    ));
    // The endpoints exist on protected hosts only.
    assert!(matches!(
        w.access.check(&parts(CERTS_PATH, &[]), &info("10.0.0.1")),
        Verdict::Endpoint
    ));
    assert!(matches!(
        w.access.check(&parts(CERTS_PATH, &[]), &other_host),
        Verdict::NotProtected
    ));
}

#[test]
fn browsers_are_sent_to_sign_in_and_scripts_get_401_json() {
    let w = world();
    let nav = parts(
        "/app/page?x=1",
        &[("sec-fetch-mode", "navigate"), ("accept", "text/html")],
    );
    let Verdict::Respond(r) = w.access.check(&nav, &info("10.0.0.1")) else {
        panic!("a response")
    };
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(
        r.headers()[LOCATION],
        "/.parapet/access/login?rd=%2Fapp%2Fpage%3Fx%3D1"
    );
    for headers in [
        vec![("sec-fetch-mode", "cors"), ("accept", "text/html")],
        vec![("accept", "application/json")],
        vec![],
    ] {
        let Verdict::Respond(r) = w
            .access
            .check(&parts("/app/api", &headers), &info("10.0.0.1"))
        else {
            panic!("a response")
        };
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
        let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(body["request_id"], "rid-1");
        assert!(body["login_url"].as_str().unwrap().starts_with(LOGIN_PATH));
    }
}

#[test]
fn a_valid_session_passes_with_a_signed_identity_and_others_do_not() {
    let mut w = world();
    let now = unix_now();
    let cookie = session_cookie(&w, "ana@example.com", &["eng"], "corp", now);
    let Verdict::Pass(g) = w
        .access
        .check(&parts("/app", &[("cookie", &cookie)]), &info("10.0.0.1"))
    else {
        panic!("granted")
    };
    let claims = verify(&w, g.identity.as_ref().unwrap());
    assert_eq!(claims.sub, "u1");
    assert_eq!(claims.email, "ana@example.com");
    assert_eq!(claims.groups, vec!["eng"]);
    assert_eq!(claims.aud, "wiki");
    assert!(claims.exp > now && claims.exp <= now + DEFAULT_TOKEN_LIFETIME_FOR_TESTS);
    assert!(g.renew.is_none(), "a fresh cookie is not renewed");
    // The token is cached: the same one on the next request.
    let Verdict::Pass(g2) = w
        .access
        .check(&parts("/app/x", &[("cookie", &cookie)]), &info("10.0.0.1"))
    else {
        panic!("granted")
    };
    assert_eq!(g.identity, g2.identity);
    let rec = w.audit.try_recv().unwrap();
    assert_eq!(
        (rec.decision.as_str(), rec.policy.as_deref()),
        ("allow", Some("staff"))
    );
    assert!(
        w.audit.try_recv().is_err(),
        "one audit record per signed token"
    );

    // Excluded group, other domain: denied, with the request id and no reason.
    for c in [
        session_cookie(&w, "sam@example.com", &["suspended"], "corp", now),
        session_cookie(&w, "eve@evil.example", &[], "corp", now),
    ] {
        let Verdict::Respond(r) = w.access.check(
            &parts("/app", &[("cookie", &c), ("accept", "text/html")]),
            &info("10.0.0.1"),
        ) else {
            panic!("denied")
        };
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let page = String::from_utf8_lossy(r.body());
        assert!(
            page.contains("rid-1") && !page.contains("suspended"),
            "{page}"
        );
        assert_eq!(w.audit.try_recv().unwrap().decision, "deny");
    }
    // A session from a provider the app does not offer is no session here.
    let c = session_cookie(&w, "ana@example.com", &[], "other", now);
    assert!(matches!(
        w.access.check(&parts("/app", &[("cookie", &c)]), &info("10.0.0.1")),
        Verdict::Respond(r) if r.status() == StatusCode::UNAUTHORIZED
    ));
    // Expired and tampered cookies: sign in again.
    let old = session_cookie(&w, "ana@example.com", &[], "corp", now - 601);
    let tampered = cookie.replacen("s1.", "s1.x", 1);
    for c in [old, tampered] {
        assert!(matches!(
            w.access.check(&parts("/app", &[("cookie", &c)]), &info("10.0.0.1")),
            Verdict::Respond(r) if r.status() == StatusCode::UNAUTHORIZED
        ));
    }
}

const DEFAULT_TOKEN_LIFETIME_FOR_TESTS: u64 =
    parapet_config::DEFAULT_ACCESS_TOKEN_LIFETIME.as_secs();

#[test]
fn cookies_are_renewed_after_half_their_life_and_logout_revokes() {
    let w = world();
    let now = unix_now();
    let cookie = session_cookie(&w, "ana@example.com", &[], "corp", now - 400);
    let Verdict::Pass(g) = w
        .access
        .check(&parts("/app", &[("cookie", &cookie)]), &info("10.0.0.1"))
    else {
        panic!("granted")
    };
    let renewed = g.renew.expect("renewed after half of 10m");
    let v = renewed.to_str().unwrap();
    assert!(
        v.contains("HttpOnly") && v.contains("Secure") && v.contains("SameSite=Lax"),
        "{v}"
    );
    let value = v
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("parapet_access=")
        .unwrap();
    let s = w
        .access
        .cookies
        .open_session(value, "wiki.example", now)
        .unwrap();
    assert!(s.exp >= now + 599 && s.auth == now - 400);
    let mut resp = HeaderMap::new();
    w.access.response_headers(
        &Grant {
            app: 0,
            identity: None,
            renew: Some(renewed.clone()),
        },
        &mut resp,
    );
    assert_eq!(resp[SET_COOKIE], renewed);

    // Logout revokes the session: the same cookie no longer passes.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let r = rt.block_on(w.access.serve(
        parts(LOGOUT_PATH, &[("cookie", &cookie)]),
        Bytes::new(),
        "wiki.example".into(),
        "10.0.0.1".parse().unwrap(),
        true,
        "rid-2".into(),
    ));
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert!(matches!(
        w.access.check(&parts("/app", &[("cookie", &cookie)]), &info("10.0.0.1")),
        Verdict::Respond(r) if r.status() == StatusCode::UNAUTHORIZED
    ));
    // Revoking a person works the same way.
    let fresh = session_cookie(&w, "ana@example.com", &[], "corp", now - 1);
    let other = Session {
        sid: "ffffffffffffffffffffffffffffffff".into(),
        ..(*w
            .access
            .cookies
            .open_session(fresh.split_once('=').unwrap().1, "wiki.example", now)
            .unwrap())
        .clone()
    };
    let other = format!(
        "{SESSION_COOKIE}={}",
        w.access.cookies.seal_session(&other).unwrap()
    );
    assert!(matches!(
        w.access
            .check(&parts("/app", &[("cookie", &other)]), &info("10.0.0.1")),
        Verdict::Pass(_)
    ));
    rt.block_on(w.access.revoke_subject("u1"));
    assert!(matches!(
        w.access
            .check(&parts("/app", &[("cookie", &other)]), &info("10.0.0.1")),
        Verdict::Respond(_)
    ));
}

#[test]
fn service_tokens_bypass_and_preflight() {
    let w = world();
    let ok = [
        ("parapet-access-client-id", "ci-id"),
        ("parapet-access-client-secret", "0123456789abcdef0123"),
    ];
    let Verdict::Pass(g) = w.access.check(&parts("/app", &ok), &info("10.0.0.1")) else {
        panic!("a machine with its token passes")
    };
    let c = verify(&w, g.identity.as_ref().unwrap());
    assert_eq!((c.sub.as_str(), c.idp.as_str()), ("ci", "service-token"));
    let bad = [
        ("parapet-access-client-id", "ci-id"),
        ("parapet-access-client-secret", "0123456789abcdef012X"),
    ];
    assert!(matches!(
        w.access.check(&parts("/app", &bad), &info("10.0.0.1")),
        Verdict::Respond(r) if r.status() == StatusCode::UNAUTHORIZED
    ));
    // Bypass by network: no identity at all.
    let Verdict::Pass(g) = w.access.check(&parts("/app", &[]), &info("192.0.2.7")) else {
        panic!("bypassed")
    };
    assert!(g.identity.is_none());
    // A CORS preflight passes without a session; a plain OPTIONS does not.
    let mut pre = parts(
        "/app",
        &[
            ("origin", "https://x.example"),
            ("access-control-request-method", "POST"),
        ],
    );
    pre.method = Method::OPTIONS;
    assert!(matches!(
        w.access.check(&pre, &info("10.0.0.1")),
        Verdict::Pass(_)
    ));
    let mut plain = parts("/app", &[]);
    plain.method = Method::OPTIONS;
    assert!(matches!(
        w.access.check(&plain, &info("10.0.0.1")),
        Verdict::Respond(_)
    ));
}

#[test]
fn client_copies_of_identity_headers_never_reach_the_upstream() {
    let w = world();
    let mut h = HeaderMap::new();
    h.insert(
        "parapet-access-jwt-assertion",
        HeaderValue::from_static("eyJhbGciOiJub25lIn0.e30."),
    );
    h.insert(
        "parapet-access-client-secret",
        HeaderValue::from_static("s"),
    );
    h.insert("Parapet-Access-Anything", HeaderValue::from_static("x"));
    h.insert("x-kept", HeaderValue::from_static("1"));
    w.access.upstream_headers(None, &mut h);
    assert_eq!(h.len(), 1, "{h:?}");
    let grant = Grant {
        app: 0,
        identity: Some(HeaderValue::from_static("signed")),
        renew: None,
    };
    h.insert(
        "parapet-access-jwt-assertion",
        HeaderValue::from_static("forged"),
    );
    w.access.upstream_headers(Some(&grant), &mut h);
    assert_eq!(
        h.get_all(IDENTITY_HEADER).iter().collect::<Vec<_>>(),
        vec!["signed"]
    );
}

#[test]
fn the_login_page_lists_the_apps_providers_and_keeps_return_urls_local() {
    let w = world();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let serve = |path: &str| {
        rt.block_on(w.access.serve(
            parts(path, &[]),
            Bytes::new(),
            "wiki.example".into(),
            "10.0.0.1".parse().unwrap(),
            false,
            "rid".into(),
        ))
    };
    let r = serve("/.parapet/access/login?rd=%2Fapp%2Fdocs");
    assert_eq!(r.status(), StatusCode::OK);
    let page = String::from_utf8_lossy(r.body()).into_owned();
    assert!(page.contains("Corp &lt;SSO&gt;"), "{page}");
    assert!(
        !page.contains("idp-other"),
        "a provider the app does not offer: {page}"
    );
    assert!(
        page.contains("/.parapet/access/start?idp=corp&amp;rd=%2Fapp%2Fdocs"),
        "{page}"
    );
    // An absolute return URL is not kept: it falls back to `/`, which no app covers here.
    let r = serve("/.parapet/access/login?rd=https%3A%2F%2Fevil.example%2Fapp");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The JWKS is served as JSON.
    let r = serve(CERTS_PATH);
    let set: JwkSet = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(set.keys.len(), 1);
    // A callback without its flow cookie is refused.
    let r = serve("/.parapet/access/callback?code=c&state=s");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// Countries are re-checked on every request: a session from an excluded country is
/// refused, and the identity names the country it was used from.
#[test]
fn countries_are_checked_per_request_and_named_in_the_identity() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("country.mmdb");
    std::fs::write(&db, geo::tests::database()).unwrap();
    let text = CONFIG
        .replace(
            "cookie_lifetime = \"10m\"",
            &format!(
                "cookie_lifetime = \"10m\"\ngeoip_db = {:?}",
                db.display().to_string()
            ),
        )
        .replace(
            "exclude = [{ groups = [\"suspended\"] }]",
            "exclude = [{ groups = [\"suspended\"] }, { countries = [\"KP\"] }]",
        );
    let c = parapet_config::Config::from_str(&text, Path::new("/t.toml")).unwrap();
    let w = World {
        access: Access::new(c.access.as_ref().unwrap(), dir.path(), None, None).unwrap(),
        _dir: dir,
        audit: mpsc::channel(1).1,
    };
    let cookie = session_cookie(&w, "ana@example.com", &[], "corp", unix_now());
    let Verdict::Pass(g) = w
        .access
        .check(&parts("/app", &[("cookie", &cookie)]), &info("10.9.9.9"))
    else {
        panic!("granted from DE")
    };
    assert_eq!(
        verify(&w, g.identity.as_ref().unwrap()).country.as_deref(),
        Some("DE")
    );
    // The same session from a KP address (flat `country_code` record): refused.
    let Verdict::Respond(r) = w
        .access
        .check(&parts("/app", &[("cookie", &cookie)]), &info("203.0.113.1"))
    else {
        panic!("refused from KP")
    };
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An address the database does not place matches no country: let in, no country claim.
    let Verdict::Pass(g) = w
        .access
        .check(&parts("/app", &[("cookie", &cookie)]), &info("100.64.0.1"))
    else {
        panic!("granted from an unplaced address")
    };
    assert_eq!(verify(&w, g.identity.as_ref().unwrap()).country, None);
}

/// An application that takes client certificates: machines by certificate alone, people
/// with a session and a certificate.
fn mtls_world(dir: &tempfile::TempDir) -> World {
    let ca = dir.path().join("ca.pem");
    std::fs::write(
        &ca,
        "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let text = format!(
        r#"
[[access.idps]]
name = "corp"
issuer = "http://127.0.0.1:9"
client_id = "parapet"
client_secret = "x"

[[access.apps]]
name = "wiki"
hosts = ["wiki.example"]
idps = ["corp"]
client_ca = {ca:?}

[[access.apps.policies]]
name = "machines"
action = "service-auth"
include = [{{ client_certificate_cn = ["svc-a"] }}]

[[access.apps.policies]]
name = "staff-devices"
action = "allow"
include = [{{ email_domains = ["example.com"] }}]
require = [{{ client_certificate = true }}]
"#
    );
    let c = parapet_config::Config::from_str(&text, &dir.path().join("t.toml")).unwrap();
    let (tx, rx) = mpsc::channel(100);
    let access = Access::new(c.access.as_ref().unwrap(), dir.path(), Some(tx), None).unwrap();
    World {
        access,
        _dir: tempfile::tempdir().unwrap(),
        audit: rx,
    }
}

fn client_cert(verified_for: &[&str], cn: &str, fp: u8) -> ClientCert {
    ClientCert::new(
        verified_for.iter().map(|n| Arc::from(*n)).collect(),
        Some(cn.to_owned()),
        Vec::new(),
        [fp; 32],
    )
}

#[test]
fn client_certificates_grant_machines_and_mark_people() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = mtls_world(&dir);
    let svc = client_cert(&["wiki"], "svc-a", 1);
    let with = |c: Option<&'static ClientCert>| RequestInfo {
        client_cert: c,
        ..info("10.0.0.1")
    };
    let svc: &'static ClientCert = Box::leak(Box::new(svc));
    // A machine with a certificate for this application and an admitted CN.
    let Verdict::Pass(g) = w.access.check(&parts("/api", &[]), &with(Some(svc))) else {
        panic!("granted")
    };
    let claims = verify(&w, g.identity.as_ref().unwrap());
    assert_eq!(claims.sub, "svc-a");
    assert_eq!(claims.idp, "mtls");
    assert_eq!(claims.amr, vec!["mtls"]);
    assert_eq!(claims.cert_cn.as_deref(), Some("svc-a"));
    assert_eq!(
        claims.cert_sha256.as_deref(),
        Some("01".repeat(32).as_str())
    );
    let rec = w.audit.try_recv().unwrap();
    assert_eq!(rec.decision, "allow");
    assert_eq!(rec.policy.as_deref(), Some("machines"));
    assert_eq!(rec.subject.as_deref(), Some("svc-a"));
    assert_eq!(rec.idp.as_deref(), Some("mtls"));
    assert!(rec.reason.unwrap().contains(&"01".repeat(32)));

    // Refused: no certificate, another CN, a certificate valid for another application
    // only (as on a coalesced connection). Scripts get 401 JSON: a person might sign in.
    let rogue: &'static ClientCert = Box::leak(Box::new(client_cert(&["wiki"], "rogue", 2)));
    let foreign: &'static ClientCert = Box::leak(Box::new(client_cert(&["shop"], "svc-a", 3)));
    for c in [None, Some(rogue), Some(foreign)] {
        let Verdict::Respond(r) = w.access.check(&parts("/api", &[]), &with(c)) else {
            panic!("refused: {c:?}")
        };
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{c:?}");
    }
    let mut reg = Registry::default();
    w.access.register_metrics(&mut reg);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &reg).unwrap();
    assert!(
        text.contains("reason=\"client_cert_other_ca\"} 1"),
        "{text}"
    );

    // A person needs the certificate too (a device rule, checked on every request), and
    // the identity then names both.
    let now = unix_now();
    let cookie = session_cookie(&w, "ana@example.com", &["eng"], "corp", now);
    let Verdict::Respond(r) = w
        .access
        .check(&parts("/", &[("cookie", &cookie)]), &with(Some(foreign)))
    else {
        panic!("denied without a certificate for this application")
    };
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let Verdict::Pass(a) = w
        .access
        .check(&parts("/", &[("cookie", &cookie)]), &with(Some(svc)))
    else {
        panic!("granted")
    };
    let claims = verify(&w, a.identity.as_ref().unwrap());
    assert_eq!((claims.sub.as_str(), claims.idp.as_str()), ("u1", "corp"));
    assert_eq!(claims.amr, vec!["oidc", "mtls"]);
    assert_eq!(claims.cert_cn.as_deref(), Some("svc-a"));
    // The same session with another certificate gets a token naming that one.
    let Verdict::Pass(b) = w
        .access
        .check(&parts("/", &[("cookie", &cookie)]), &with(Some(rogue)))
    else {
        panic!("granted")
    };
    assert_ne!(a.identity, b.identity);
    let claims = verify(&w, b.identity.as_ref().unwrap());
    assert_eq!(claims.cert_cn.as_deref(), Some("rogue"));
}

#[test]
fn the_gateways_cookies_never_reach_the_upstream_and_others_do() {
    let strip = |values: &[&str]| {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(http::header::COOKIE, HeaderValue::from_str(v).unwrap());
        }
        strip_own_cookies(&mut h);
        h.get_all(http::header::COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&["parapet_access=s1.x.y"]), Vec::<String>::new());
    assert_eq!(
        strip(&[
            "theme=dark; parapet_access=s1.x.y;lang=en",
            "parapet_access_flow=f1.a.b"
        ]),
        vec!["theme=dark; lang=en"]
    );
    assert_eq!(
        strip(&["parapet_accessory=1; a=2", "b=3"]),
        vec!["parapet_accessory=1; a=2", "b=3"]
    );
    // A line with bytes that are not text keeps its other cookies.
    let mut h = HeaderMap::new();
    h.append(
        http::header::COOKIE,
        HeaderValue::from_bytes(b"x=\xff; parapet_access=s1.x.y; y").unwrap(),
    );
    strip_own_cookies(&mut h);
    let kept: Vec<&[u8]> = h
        .get_all(http::header::COOKIE)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    assert_eq!(kept, [&b"x=\xff; y"[..]]);
}

#[test]
fn a_reload_applies_new_policies_to_live_sessions_and_keeps_keys_and_revocations() {
    let w = world();
    let now = unix_now();
    let ana = session_cookie(&w, "ana@example.com", &["eng"], "corp", now);
    let granted = |a: &Access, cookie: &str| {
        matches!(
            a.check(&parts("/app", &[("cookie", cookie)]), &info("10.0.0.1")),
            Verdict::Pass(Grant {
                identity: Some(_),
                ..
            })
        )
    };
    assert!(granted(&w.access, &ana));
    let jwks = w.access.signer().jwks();

    // The new policy excludes ana's group: her live session is refused at once.
    let stricter = CONFIG.replace(
        r#"exclude = [{ groups = ["suspended"] }]"#,
        r#"exclude = [{ groups = ["suspended", "eng"] }]"#,
    );
    assert_ne!(stricter, CONFIG);
    let c = parapet_config::Config::from_str(&stricter, Path::new("/t.toml")).unwrap();
    let reloaded = w.access.reloaded(c.access.as_ref().unwrap()).unwrap();
    assert!(
        !granted(&reloaded, &ana),
        "the cached token is not carried over"
    );
    // The cookie key and the signing keys are the same: sessions and tokens stay valid.
    assert_eq!(reloaded.signer().jwks(), jwks);
    let bob = session_cookie(&w, "bob@example.com", &["ops"], "corp", now);
    assert!(granted(&reloaded, &bob));

    // A revocation made on either side holds on both.
    w.access.revocations.revoke_subject("u1", now + 1);
    assert!(!granted(&reloaded, &bob), "revoked before: {bob}");
    // And the decisions are counted in the same metrics.
    let counted = |a: &Access| {
        a.metrics
            .decisions
            .get_or_create(&DecisionLabels {
                app: "wiki".into(),
                decision: "allow",
            })
            .get()
    };
    assert_eq!(counted(&w.access), counted(&reloaded));
    assert!(counted(&reloaded) >= 2);
}

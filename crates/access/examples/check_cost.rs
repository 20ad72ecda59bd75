//! What the access check costs per request, on this machine:
//!
//! ```sh
//! cargo run --release -p parapet-access --example check_cost
//! ```
//!
//! Three cases through `Access::check` and the upstream phase: a request no application
//! covers, a request with a valid session under a policy of several rules (the identity
//! token comes from the per-session cache), and the same with the token signed every time
//! (what the cache saves). The first line is the cost of copying the request headers,
//! which the other lines include and the gateway does not (it works on the request itself).

use std::time::Instant;

use parapet_access::keys::cookie_key;
use parapet_access::policy::User;
use parapet_access::session::{CookieKey, Session, SESSION_COOKIE};
use parapet_access::{Access, RequestInfo, Verdict};

/// The benchmarks' access policy (all four kinds of policy), so that this and
/// `bench/gateway.sh` measure the same check. Its application covers every host; here it
/// covers one, so that a request it does not cover can be measured too.
const CONFIG: &str = include_str!("../../../bench/access-policy.toml");

fn main() {
    let config = CONFIG.replace(r#"hosts = ["*"]"#, r#"hosts = ["wiki.example"]"#);
    assert_ne!(
        config, CONFIG,
        "the policy names its hosts as the example expects"
    );
    let config = parapet_config::Config::from_str(&config, std::path::Path::new("/bench.toml"))
        .expect("the example config is valid");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let access = Access::new(
        config.access.as_ref().expect("[access]"),
        dir.path(),
        None,
        None,
    )
    .expect("access starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let key = CookieKey::new(cookie_key(dir.path()).expect("the key Access made"));
    let session = Session {
        sid: "0123456789abcdef0123456789abcdef".into(),
        user: User {
            sub: "00u1abcd".into(),
            email: "ana@example.com".into(),
            groups: vec!["eng".into(), "staff".into(), "oncall".into()],
            idp: "corp".into(),
            methods: parapet_access::policy::Methods::oidc(),
        },
        host: "wiki.example".into(),
        auth: now,
        iat: now,
        exp: now + 3600,
        end: now + 86_400,
    };
    let cookie = format!(
        "{SESSION_COOKIE}={}",
        key.seal_session(&session).expect("fits")
    );
    let head = |host: &str| {
        http::Request::get("/page?x=1")
            .header("host", host)
            .header("accept", "text/html")
            .header("cookie", format!("theme=dark; {cookie}"))
            .body(())
            .expect("a request")
            .into_parts()
            .0
    };
    let info = |host: &'static str| RequestInfo {
        host,
        client: "10.1.2.3".parse().expect("an address"),
        tls: true,
        request_id: "00000000000000000001",
        client_cert: None,
    };

    let run = |name: &str, n: u32, f: &mut dyn FnMut()| {
        for _ in 0..n / 10 {
            f();
        }
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        let per = start.elapsed().as_nanos() as f64 / f64::from(n);
        println!("{name:<48} {per:>9.0} ns/request");
    };

    let uncovered = head("shop.example");
    run(
        "baseline: copying the request headers",
        1_000_000,
        &mut || {
            let h = uncovered.headers.clone();
            assert!(!h.is_empty());
        },
    );
    run("no application covers the host", 1_000_000, &mut || {
        let v = access.check(&uncovered, &info("shop.example"));
        assert!(matches!(v, Verdict::NotProtected));
        let mut h = uncovered.headers.clone();
        access.upstream_headers(None, &mut h);
    });
    let covered = head("wiki.example");
    run(
        "valid session, 4 policies, cached identity",
        200_000,
        &mut || {
            let Verdict::Pass(g) = access.check(&covered, &info("wiki.example")) else {
                panic!("granted")
            };
            let mut h = covered.headers.clone();
            access.upstream_headers(Some(&g), &mut h);
        },
    );
    let signer = access.signer().clone();
    let claims = parapet_access::keys::Claims {
        iss: "parapet-access".into(),
        aud: "wiki".into(),
        sub: session.user.sub.clone(),
        email: session.user.email.clone(),
        groups: session.user.groups.clone(),
        idp: "corp".into(),
        amr: vec!["oidc".into()],
        country: None,
        cert_cn: None,
        cert_sha256: None,
        iat: now,
        exp: now + 300,
    };
    run(
        "signing one identity token (ES256), uncached",
        20_000,
        &mut || {
            signer.sign(&claims).expect("signs");
        },
    );
}

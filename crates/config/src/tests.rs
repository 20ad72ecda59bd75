use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str(text, Path::new("/etc/parapet/test.toml"))
}

const MINIMAL: &str = r#"
[[listeners]]
name = "http"
listen = "127.0.0.1:8080"
[[sites]]
name = "s"
hosts = ["*"]
[[sites.routes]]
upstream = "app"
[[upstreams]]
name = "app"
servers = ["127.0.0.1:3000"]
"#;

#[test]
fn example_config_is_valid() {
    let path = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("../../parapet.example.toml");
    let c = Config::load(&path).expect("the shipped example must be valid");
    assert_eq!(c.listeners.len(), 2);
    assert!(c.listeners.iter().any(|l| l.tls && l.listen.port() == 8443));
    assert_eq!(c.admin.as_ref().map(|a| a.listen.port()), Some(9090));
    assert!(matches!(
        c.upstreams[0].kind,
        UpstreamKind::Static(StaticRoot::BuiltinDemo)
    ));
    assert!(c.server.state_dir.ends_with("parapet-state"));
}

#[test]
fn defaults_fill_what_is_omitted() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.limits.header_read_timeout, DEFAULT_HEADER_READ_TIMEOUT);
    assert_eq!(c.limits.max_header_bytes, DEFAULT_MAX_HEADER_BYTES);
    assert_eq!(
        c.server.state_dir,
        Path::new("/etc/parapet").join(DEFAULT_STATE_DIR)
    );
    assert_eq!(c.store.sqlite, c.server.state_dir.join(DEFAULT_SQLITE_FILE));
    let UpstreamKind::Pool(p) = &c.upstreams[0].kind else {
        panic!("a pool")
    };
    assert_eq!(p.balance, Balance::RoundRobin);
    assert_eq!(p.passive_health.max_fails, DEFAULT_MAX_FAILS);
    assert_eq!(c.sites[0].routes[0].path, "/");
}

#[test]
fn unknown_key_is_refused_with_its_name() {
    let err = parse(&MINIMAL.replace("listen = ", "lisen = "))
        .unwrap_err()
        .to_string();
    assert!(err.contains("test.toml"), "{err}");
    assert!(err.contains("lisen"), "{err}");
}

#[test]
fn bad_values_name_the_key() {
    let cases = [
        (
            MINIMAL.replace("127.0.0.1:8080", "nope"),
            "listeners[0].listen",
        ),
        (
            MINIMAL.replace("127.0.0.1:3000", "no-port"),
            "upstreams[0].servers[0]",
        ),
        (
            MINIMAL.replace("upstream = \"app\"", "upstream = \"ghost\""),
            "sites[0].routes[0].upstream",
        ),
        (
            format!("{MINIMAL}\n[limits]\nidle_timeout = \"soon\"\n"),
            "limits.idle_timeout",
        ),
        (
            MINIMAL.replace("hosts = [\"*\"]", "hosts = [\"*.*\"]"),
            "sites[0].hosts[0]",
        ),
        (
            format!("{MINIMAL}\n[log]\nformat = \"xml\"\n"),
            "log.format",
        ),
        (
            format!("{MINIMAL}\n[sites.script_monitor]\nclient_rate = 0\n"),
            "sites[0].script_monitor.client_rate",
        ),
        (
            format!("{MINIMAL}\n[sites.script_monitor]\nsite_burst = nan\n"),
            "sites[0].script_monitor.site_burst",
        ),
        (
            format!("{MINIMAL}\n[sites.script_monitor]\nblock = [\"/js/a.js\"]\n"),
            "sites[0].script_monitor.block[0]",
        ),
        (
            format!("{MINIMAL}\n[sites.script_monitor]\napprove = [\"https://a.example/\", \"sha256-abc\"]\n"),
            "sites[0].script_monitor.approve[1]",
        ),
        (
            format!("{MINIMAL}\n[sites.script_monitor]\nauto_block_risk = 0\n"),
            "sites[0].script_monitor.auto_block_risk",
        ),
        (
            format!("{MINIMAL}\n[sites.script_monitor]\ncsp_enforce = \"on\"\n"),
            "sites[0].script_monitor.csp_enforce",
        ),
    ];
    for (text, key) in cases {
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
        assert!(err.to_string().contains("test.toml"), "{err}");
    }
}

#[test]
fn duplicate_addresses_and_names_are_refused() {
    let text = MINIMAL.replace(
        "[[sites]]",
        "[[listeners]]\nname = \"again\"\nlisten = \"127.0.0.1:8080\"\n[[sites]]",
    );
    assert_eq!(parse(&text).unwrap_err().key(), Some("listeners[1].listen"));
}

#[test]
fn host_patterns_match_as_documented() {
    let any = HostPattern::parse("*").unwrap();
    let sub = HostPattern::parse("*.Example.com").unwrap();
    let exact = HostPattern::parse("shop.example.com").unwrap();
    assert!(any.matches("whatever"));
    assert!(sub.matches("a.example.com"));
    assert!(sub.matches("a.b.example.com"));
    assert!(!sub.matches("example.com"));
    assert!(!sub.matches("badexample.com"));
    assert!(exact.matches("shop.example.com"));
    assert!(!exact.matches("shop.example.com.evil"));
    assert!(HostPattern::parse("[::1").is_err());
}

#[test]
fn server_addresses_parse() {
    assert_eq!(
        ServerAddr::parse("[::1]:80").unwrap().to_string(),
        "[::1]:80"
    );
    assert_eq!(
        ServerAddr::parse("App.Internal:443").unwrap().host,
        "app.internal"
    );
    assert!(ServerAddr::parse("app:0").is_err());
    assert!(ServerAddr::parse("app:99999").is_err());
    assert!(ServerAddr::parse("a b:80").is_err());
}

const ROUTES: &str = r#"
[routes]
vrps = "rpki/vrps.json"
relationships = "/var/lib/caida/as-rel.txt"
min_vantages = 2
own_asns = [13335]

[[routes.prefixes]]
prefix = "104.20.0.0/20"
origins = [13335]
upstreams = [174, 3356]
more_specifics = "alert"
description = "web front ends"

[[routes.prefixes]]
prefix = "2606:4700::/32"
origins = [13335, 209242]
more_specifics = "allow"

[[routes.allow]]
prefix = "104.20.8.0/22"
origin = 64500
max_length = 24
"#;

#[test]
fn routes_section_parses_with_defaults_and_paths() {
    let c = parse(ROUTES).unwrap();
    let r = c.routes.expect("a [routes] table");
    assert_eq!(
        r.vrps.as_deref(),
        Some(Path::new("/etc/parapet/rpki/vrps.json"))
    );
    assert_eq!(
        r.relationships.as_deref(),
        Some(Path::new("/var/lib/caida/as-rel.txt"))
    );
    assert_eq!(r.min_vantages, 2);
    assert_eq!(r.own_asns, vec![13335]);
    assert_eq!(r.ignore_own_vantages, DEFAULT_IGNORE_OWN_VANTAGES);
    assert_eq!(r.suppress_rpki_valid, DEFAULT_SUPPRESS_RPKI_VALID);
    assert_eq!(r.prefixes.len(), 2);
    assert_eq!(r.prefixes[0].prefix.to_string(), "104.20.0.0/20");
    assert_eq!(r.prefixes[0].upstreams, vec![174, 3356]);
    assert_eq!(r.prefixes[0].more_specifics, MoreSpecifics::Alert);
    assert_eq!(r.prefixes[0].description.as_deref(), Some("web front ends"));
    assert_eq!(r.prefixes[1].more_specifics, MoreSpecifics::Allow);
    assert!(r.prefixes[1].upstreams.is_empty());
    assert_eq!(r.allow[0].max_length, 24);
    assert!(c.listeners.is_empty());
}

#[test]
fn routes_defaults_fill_what_is_omitted() {
    let c = parse("[[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n").unwrap();
    let r = c.routes.unwrap();
    assert_eq!(r.min_vantages, DEFAULT_MIN_VANTAGES);
    assert_eq!(r.vrps, None);
    assert_eq!(r.prefixes[0].more_specifics, MoreSpecifics::Alert);
    let c = parse("[[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n[[routes.allow]]\nprefix = \"192.0.2.0/25\"\norigin = 64501\n").unwrap();
    assert_eq!(c.routes.unwrap().allow[0].max_length, 25);
}

#[test]
fn routes_bad_values_name_the_key() {
    let cases = [
        (
            ROUTES.replace("min_vantages = 2", "min_vantages = 0"),
            "routes.min_vantages",
        ),
        (
            ROUTES.replace("104.20.0.0/20", "104.20.0.1/20"),
            "routes.prefixes[0].prefix",
        ),
        (
            ROUTES.replace("104.20.0.0/20", "not-a-prefix"),
            "routes.prefixes[0].prefix",
        ),
        (
            ROUTES.replace("origins = [13335]\n", "origins = []\n"),
            "routes.prefixes[0].origins",
        ),
        (
            ROUTES.replace("upstreams = [174, 3356]", "upstreams = [174, 0]"),
            "routes.prefixes[0].upstreams[1]",
        ),
        (
            ROUTES.replace("\"alert\"", "\"maybe\""),
            "routes.prefixes[0].more_specifics",
        ),
        (
            ROUTES.replace("2606:4700::/32", "104.20.0.0/20"),
            "routes.prefixes[1].prefix",
        ),
        (
            ROUTES.replace("max_length = 24", "max_length = 21"),
            "routes.allow[0].max_length",
        ),
        (
            ROUTES.replace("max_length = 24", "max_length = 33"),
            "routes.allow[0].max_length",
        ),
        (
            ROUTES.replace("origin = 64500\n", ""),
            "routes.allow[0].origin",
        ),
        ("[routes]\nmin_vantages = 1\n".to_owned(), "routes.prefixes"),
    ];
    for (text, key) in cases {
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
        assert!(err.to_string().contains("test.toml"), "{err}");
    }
}

#[test]
fn routes_unknown_key_is_refused_with_its_name() {
    let err = parse(&ROUTES.replace("min_vantages", "min_vantage"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("min_vantage"), "{err}");
    let err = parse(&ROUTES.replace("description", "comment"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("comment"), "{err}");
}

#[test]
fn alert_channels_are_validated_with_their_keys() {
    std::env::set_var("PARAPET_TEST_PD_KEY", "0123456789abcdef0123456789abcdef");
    let c = parse(&format!(
        r#"{MINIMAL}
[alerts]
dedup_window = "30m"
[[alerts.channels]]
name = "soc-hook"
type = "webhook"
url = "https://hooks.example/parapet"
secret = "s3cret"
min_severity = "medium"
[[alerts.channels]]
name = "pager"
type = "pagerduty"
routing_key_env = "PARAPET_TEST_PD_KEY"
min_severity = "high"
[[alerts.channels]]
name = "mail"
type = "email"
server = "smtp.example.com"
from = "parapet@example.com"
to = ["soc@example.com"]
digest_max_severity = "low"
"#
    ))
    .unwrap();
    assert_eq!(c.alerts.dedup_window, Duration::from_secs(1800));
    assert_eq!(c.alerts.channels.len(), 3);
    let pager = &c.alerts.channels[1];
    assert_eq!(pager.min_severity, parapet_core::Severity::High);
    match &pager.kind {
        AlertChannelKind::PagerDuty { routing_key, .. } => {
            assert_eq!(routing_key.expose(), "0123456789abcdef0123456789abcdef")
        }
        other => panic!("{other:?}"),
    }
    let mail = &c.alerts.channels[2];
    assert_eq!(
        mail.digest,
        Some((parapet_core::Severity::Low, DEFAULT_ALERT_DIGEST_PERIOD))
    );
    assert!(matches!(
        mail.kind,
        AlertChannelKind::Email { port: 587, .. }
    ));
    // Secrets never show in Debug output.
    assert!(!format!("{:?}", c.alerts).contains("s3cret"));
    // No [alerts] table: no channels, default window.
    assert!(parse(MINIMAL).unwrap().alerts.channels.is_empty());
}

#[test]
fn alert_channel_mistakes_name_their_key() {
    let cases = [
        (
            "type = \"webhook\"\nurl = \"https://h.example\"",
            "alerts.channels[0].secret",
        ),
        (
            "type = \"slack\"\nurl = \"https://h.example\"\nrouting_key = \"k\"",
            "alerts.channels[0].routing_key",
        ),
        (
            "type = \"pagerduty\"\nrouting_key_env = \"PARAPET_TEST_SURELY_UNSET\"",
            "alerts.channels[0].routing_key_env",
        ),
        (
            "type = \"email\"\nserver = \"s\"\nfrom = \"a@b.example\"\nto = []",
            "alerts.channels[0].to",
        ),
        ("type = \"sms\"", "alerts.channels[0].type"),
        (
            "type = \"slack\"\nurl = \"u\"\nmin_severity = \"urgent\"",
            "alerts.channels[0].min_severity",
        ),
        (
            "type = \"slack\"\nurl = \"u\"\nsecret = \"x\"\nsecret_env = \"Y\"",
            "alerts.channels[0].secret",
        ),
    ];
    for (body, key) in cases {
        let text = format!("{MINIMAL}\n[[alerts.channels]]\nname = \"c\"\n{body}\n");
        let err = parse(&text).expect_err(body);
        assert_eq!(err.key(), Some(key), "{body}: {err}");
    }
}

#[test]
fn the_admin_token_is_a_secret_of_some_length() {
    let with = |t: &str| {
        parse(&format!(
            "{MINIMAL}\n[admin]\nlisten = \"127.0.0.1:9090\"\n{t}\n"
        ))
    };
    assert!(with("").unwrap().admin.unwrap().token.is_none());
    let c = with("token = \"0123456789abcdef-long\"").unwrap();
    assert_eq!(
        c.admin.as_ref().unwrap().token.as_ref().unwrap().expose(),
        "0123456789abcdef-long"
    );
    assert!(!format!("{c:?}").contains("0123456789abcdef-long"));
    assert_eq!(
        with("token = \"short\"").unwrap_err().key(),
        Some("admin.token")
    );
    assert_eq!(
        with("token_env = \"PARAPET_TEST_SURELY_UNSET_TOKEN\"")
            .unwrap_err()
            .key(),
        Some("admin.token_env")
    );
}

const ACCESS: &str = r#"
[access]
token_lifetime = "2m"

[[access.idps]]
name = "corp"
issuer = "https://login.example.com/"
client_id = "parapet"
client_secret = "s3cret"

[[access.service_tokens]]
name = "ci"
client_id = "ci.access"
client_secret = "0123456789abcdef0123"

[[access.apps]]
name = "wiki"
hosts = ["wiki.example.com", "*.wiki.example.com"]
paths = ["/", "/api"]
idps = ["corp"]

[[access.apps.policies]]
name = "staff"
action = "allow"
include = [{ email_domains = ["Example.com"] }, { emails = ["Ana@partner.org"] }]
require = [{ ip_ranges = ["10.0.0.0/8", "2001:db8::1"] }]
exclude = [{ groups = ["suspended"] }]

[[access.apps.policies]]
name = "robots"
action = "service-auth"
include = [{ service_tokens = ["ci"] }]
"#;

#[test]
fn access_apps_parse_with_defaults() {
    let c = parse(&format!("{MINIMAL}{ACCESS}")).unwrap();
    let a = c.access.expect("an [access] table");
    assert_eq!(a.token_lifetime, Duration::from_secs(120));
    assert_eq!(a.cookie_lifetime, DEFAULT_ACCESS_COOKIE_LIFETIME);
    assert_eq!(a.key_rotation, DEFAULT_ACCESS_KEY_ROTATION);
    assert_eq!(a.idps[0].issuer, "https://login.example.com");
    assert_eq!(a.idps[0].scopes, DEFAULT_OIDC_SCOPES);
    assert_eq!(a.idps[0].groups_claim, DEFAULT_OIDC_GROUPS_CLAIM);
    assert_eq!(a.idps[0].client_secret.expose(), "s3cret");
    let app = &a.apps[0];
    assert_eq!(app.session_duration, DEFAULT_ACCESS_SESSION_DURATION);
    assert_eq!(app.idps, vec![0]);
    assert!(!app.allow_preflight);
    assert_eq!(app.passkeys, DEFAULT_ACCESS_PASSKEYS);
    assert_eq!(a.webauthn.rp_id, None);
    assert_eq!(a.webauthn.rp_name, DEFAULT_WEBAUTHN_RP_NAME);
    assert_eq!(a.webauthn.max_credentials, DEFAULT_WEBAUTHN_MAX_CREDENTIALS);
    let p = &app.policies[0];
    assert_eq!(p.action, PolicyAction::Allow);
    assert_eq!(
        p.include,
        vec![
            Selector::EmailDomains(vec!["example.com".into()]),
            Selector::Emails(vec!["ana@partner.org".into()])
        ]
    );
    assert_eq!(
        p.require,
        vec![Selector::IpRanges(vec![
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8::1/128".parse().unwrap()
        ])]
    );
    assert_eq!(app.policies[1].action, PolicyAction::ServiceAuth);
    // Secrets never show in Debug output.
    assert!(!format!("{:?}", a.service_tokens).contains("0123456789abcdef0123"));
}

#[test]
fn access_errors_name_their_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "action = \"allow\"",
            "action = \"permit\"",
            "access.apps[0].policies[0].action",
        ),
        (
            "idps = [\"corp\"]",
            "idps = [\"nope\"]",
            "access.apps[0].idps[0]",
        ),
        (
            "{ groups = [\"suspended\"] }",
            "{ groups = [\"suspended\"], emails = [\"a@b.c\"] }",
            "access.apps[0].policies[0].exclude[0]",
        ),
        (
            "\"10.0.0.0/8\"",
            "\"10.0.0.1/8\"",
            "access.apps[0].policies[0].require[0].ip_ranges[0]",
        ),
        (
            "https://login.example.com/",
            "http://login.example.com",
            "access.idps[0].issuer",
        ),
        (
            "service_tokens = [\"ci\"]",
            "service_tokens = [\"cd\"]",
            "access.apps[0].policies[1].include[0].service_tokens[0]",
        ),
        (
            "client_secret = \"0123456789abcdef0123\"",
            "client_secret = \"short\"",
            "access.service_tokens[0].client_secret",
        ),
        (
            "token_lifetime = \"2m\"",
            "token_lifetime = \"1s\"",
            "access.token_lifetime",
        ),
    ];
    for (from, to, key) in cases {
        let text = format!("{MINIMAL}{}", ACCESS.replacen(from, to, 1));
        let err = parse(&text).expect_err(to);
        assert_eq!(err.key(), Some(*key), "{to}: {err}");
    }
    // Security keys: the selector, the method, the relying party.
    let keys = ACCESS
        .replace(
            "require = [{ ip_ranges",
            "require = [{ security_key = true }, { auth_methods = [\"oidc\", \"webauthn\"] }, { ip_ranges",
        )
        .replace("idps = [\"corp\"]\n", "idps = [\"corp\"]\npasskeys = true\n")
        .replace(
            "token_lifetime = \"2m\"",
            "token_lifetime = \"2m\"\n[access.webauthn]\nrp_id = \"Example.com\"\nmax_credentials = 3",
        );
    let a = parse(&format!("{MINIMAL}{keys}")).unwrap().access.unwrap();
    assert_eq!(a.webauthn.rp_id.as_deref(), Some("example.com"));
    assert_eq!(a.webauthn.max_credentials, 3);
    assert!(a.apps[0].passkeys);
    assert_eq!(a.apps[0].policies[0].require[0], Selector::SecurityKey);
    assert_eq!(
        a.apps[0].policies[0].require[1],
        Selector::AuthMethods(vec![AuthMethod::Oidc, AuthMethod::Webauthn])
    );
    for (from, to, key) in [
        (
            "rp_id = \"Example.com\"",
            "rp_id = \"exa mple.com\"",
            "access.webauthn.rp_id",
        ),
        (
            "max_credentials = 3",
            "max_credentials = 0",
            "access.webauthn.max_credentials",
        ),
        (
            "{ security_key = true }",
            "{ security_key = false }",
            "access.apps[0].policies[0].require[0].security_key",
        ),
        (
            "\"webauthn\"]",
            "\"u2f\"]",
            "access.apps[0].policies[0].require[1].auth_methods[1]",
        ),
    ] {
        let text = format!("{MINIMAL}{}", keys.replacen(from, to, 1));
        let err = parse(&text).expect_err(to);
        assert_eq!(err.key(), Some(key), "{to}: {err}");
    }
    // Unknown keys are refused by name.
    let err = parse(&format!(
        "{MINIMAL}{}",
        ACCESS.replace("paths =", "pathz =")
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("pathz"), "{err}");
    // Countries need a database; with one they parse, upper-cased.
    let geo = ACCESS
        .replace("{ groups = [\"suspended\"] }", "{ countries = [\"kp\"] }")
        .replace(
            "token_lifetime = \"2m\"",
            "token_lifetime = \"2m\"\ngeoip_db = \"geo/country.mmdb\"",
        );
    let c = parse(&format!("{MINIMAL}{geo}")).unwrap();
    let a = c.access.unwrap();
    assert_eq!(
        a.geoip_db.as_deref(),
        Some(Path::new("/etc/parapet/geo/country.mmdb"))
    );
    assert_eq!(
        a.apps[0].policies[0].exclude,
        vec![Selector::Countries(vec!["KP".into()])]
    );
    let bad = geo.replace("\"kp\"", "\"KPX\"");
    assert_eq!(
        parse(&format!("{MINIMAL}{bad}")).unwrap_err().key(),
        Some("access.apps[0].policies[0].exclude[0].countries[0]")
    );
    // Plain http is fine on loopback (a local provider, tests).
    let local = ACCESS.replace("https://login.example.com/", "http://127.0.0.1:9000");
    assert!(parse(&format!("{MINIMAL}{local}")).is_ok());
    // A secret from the environment that is not set names its key.
    let env = ACCESS.replace(
        "client_secret = \"s3cret\"",
        "client_secret_env = \"PARAPET_TEST_UNSET_OIDC_SECRET\"",
    );
    let err = parse(&format!("{MINIMAL}{env}")).unwrap_err();
    assert_eq!(err.key(), Some("access.idps[0].client_secret_env"));
}

#[test]
fn script_fetch_defaults_values_and_errors() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.scripts.fetch, ScriptFetch::default());
    assert_eq!(c.scripts.fetch.interval, DEFAULT_SCRIPT_FETCH_INTERVAL);
    assert_eq!(
        c.scripts.fetch.min_interval,
        DEFAULT_SCRIPT_FETCH_MIN_INTERVAL
    );
    assert!(c.scripts.fetch.enabled && c.scripts.fetch.allow.is_empty());

    let c = parse(&format!(
        "{MINIMAL}\n[scripts.fetch]\ninterval = \"1h\"\nmin_interval = \"5s\"\ntimeout = \"10s\"\n\
         concurrency = 2\nhost_delay = \"250ms\"\nqueue = 100\nallow = [\"127.0.0.0/8\", \"::1/128\"]\n\
         ca = \"ca.pem\"\nuser_agent = \"Mozilla/5.0 test\"\n"
    ))
    .unwrap();
    let f = &c.scripts.fetch;
    assert_eq!(f.interval, Duration::from_secs(3600));
    assert_eq!(f.min_interval, Duration::from_secs(5));
    assert_eq!(f.timeout, Duration::from_secs(10));
    assert_eq!((f.concurrency, f.queue), (2, 100));
    assert_eq!(f.host_delay, Duration::from_millis(250));
    assert_eq!(
        f.allow,
        vec![
            "127.0.0.0/8".parse::<ipnet::IpNet>().unwrap(),
            "::1/128".parse().unwrap()
        ]
    );
    assert_eq!(f.ca.as_deref(), Some(Path::new("/etc/parapet/ca.pem")));
    assert_eq!(f.user_agent.as_deref(), Some("Mozilla/5.0 test"));

    for (body, key) in [
        ("interval = \"soon\"", "scripts.fetch.interval"),
        ("concurrency = 0", "scripts.fetch.concurrency"),
        ("allow = [\"10.0.0.1/8\"]", "scripts.fetch.allow[0]"),
        ("allow = [\"nope\"]", "scripts.fetch.allow[0]"),
        ("user_agent = \"\"", "scripts.fetch.user_agent"),
    ] {
        let err = parse(&format!("{MINIMAL}\n[scripts.fetch]\n{body}\n")).expect_err(body);
        assert_eq!(err.key(), Some(key), "{body}: {err}");
    }
    // Unknown keys are refused, in the table and beside it.
    assert!(parse(&format!("{MINIMAL}\n[scripts.fetch]\nretries = 3\n")).is_err());
    assert!(parse(&format!("{MINIMAL}\n[scripts]\nfetcher = {{}}\n")).is_err());
}

#[test]
fn routes_bmp_parses_with_defaults_and_names_bad_keys() {
    let base = "[[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n";
    let c = parse(&format!(
        "[routes.bmp]\nlisten = \"127.0.0.1:11019\"\nrouters = [\"10.0.0.1\", \"192.0.2.0/28\"]\nsilence_timeout = \"10m\"\n{base}"
    ))
    .unwrap();
    let r = c.routes.unwrap();
    assert!(r.has_live_feed());
    let b = r.bmp.unwrap();
    assert_eq!(b.listen.port(), 11019);
    assert_eq!(b.routers[0].to_string(), "10.0.0.1/32");
    assert_eq!(b.routers[1].to_string(), "192.0.2.0/28");
    assert_eq!(b.max_routers, DEFAULT_BMP_MAX_ROUTERS);
    assert_eq!(b.hold_time, DEFAULT_BMP_HOLD_TIME);
    assert_eq!(b.resync_timeout, DEFAULT_BMP_RESYNC_TIMEOUT);
    assert_eq!(b.silence_timeout, Some(std::time::Duration::from_secs(600)));
    assert!(!parse(base).unwrap().routes.unwrap().has_live_feed());
    for (text, key) in [
        ("[routes.bmp]\n", "routes.bmp.listen"),
        ("[routes.bmp]\nlisten = \"nope\"\n", "routes.bmp.listen"),
        (
            "[routes.bmp]\nlisten = \"127.0.0.1:1\"\nrouters = [\"10.0.0.1/8\"]\n",
            "routes.bmp.routers[0]",
        ),
        (
            "[routes.bmp]\nlisten = \"127.0.0.1:1\"\nmax_routers = 0\n",
            "routes.bmp.max_routers",
        ),
        (
            "[routes.bmp]\nlisten = \"127.0.0.1:1\"\nhold_time = \"soon\"\n",
            "routes.bmp.hold_time",
        ),
    ] {
        let err = parse(&format!("{text}{base}")).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
    }
    let err = parse(&format!(
        "[routes.bmp]\nlisten = \"127.0.0.1:1\"\nport = 5\n{base}"
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("port"), "unknown keys are refused: {err}");
}

#[test]
fn routes_ris_live_has_defaults_and_checks_its_url() {
    let base = "[[routes.prefixes]]\nprefix = \"192.0.2.0/24\"\norigins = [64500]\n";
    let c = parse(&format!("[routes.ris_live]\n{base}")).unwrap();
    let r = c.routes.unwrap();
    assert!(r.has_live_feed());
    let l = r.ris_live.unwrap();
    assert_eq!(l.url, DEFAULT_RIS_LIVE_URL);
    assert_eq!(l.watchdog, DEFAULT_RIS_LIVE_WATCHDOG);
    for url in ["http://example.com/", "wss://", "ws:///x", "wss://a b/"] {
        let err = parse(&format!("[routes.ris_live]\nurl = \"{url}\"\n{base}")).unwrap_err();
        assert_eq!(err.key(), Some("routes.ris_live.url"), "{url}: {err}");
    }
    let err = parse(&format!("[routes.ris_live]\nwatchdog = \"0s\"\n{base}")).unwrap_err();
    assert_eq!(err.key(), Some("routes.ris_live.watchdog"));
}

#[test]
fn client_ca_and_certificate_selectors() {
    let dir = tempfile::tempdir().unwrap();
    // The config reads PEM blocks; whether they are usable CA certificates is the TLS
    // layer's check when it builds the verifier.
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n";
    std::fs::write(dir.path().join("ca.pem"), format!("{pem}{pem}")).unwrap();
    std::fs::write(dir.path().join("empty.pem"), "no certificate here\n").unwrap();
    let file = dir.path().join("parapet.toml");
    let app = |ca: &str, selector: &str| {
        format!(
            r#"{MINIMAL}
[[access.apps]]
name = "api"
hosts = ["api.example.com"]
{ca}
[[access.apps.policies]]
name = "machines"
action = "service-auth"
include = [{selector}]
"#
        )
    };
    let load = |text: String| Config::from_str(&text, &file);
    let c = load(app(
        "client_ca = \"ca.pem\"",
        "{ client_certificate_cn = [\"svc-a\", \"svc-b\"] }",
    ))
    .unwrap();
    let a = &c.access.as_ref().unwrap().apps[0];
    let ca = a.client_ca.as_ref().expect("a client CA");
    assert_eq!(ca.path, dir.path().join("ca.pem"));
    assert_eq!(ca.certs, vec![vec![0x30, 0x82, 0x01, 0x00]; 2]);
    assert_eq!(
        a.policies[0].include,
        vec![Selector::ClientCertificateCn(vec![
            "svc-a".into(),
            "svc-b".into()
        ])]
    );
    let c = load(app(
        "client_ca = \"ca.pem\"",
        "{ client_certificate = true }, { auth_methods = [\"mtls\"] }",
    ))
    .unwrap();
    assert_eq!(
        c.access.unwrap().apps[0].policies[0].include,
        vec![
            Selector::ClientCertificate,
            Selector::AuthMethods(vec![AuthMethod::Mtls])
        ]
    );
    // Each error names the file and the key.
    for (ca, selector, key, words) in [
        (
            "client_ca = \"missing.pem\"",
            "{ client_certificate = true }",
            "access.apps[0].client_ca",
            "missing.pem",
        ),
        (
            "client_ca = \"empty.pem\"",
            "{ client_certificate = true }",
            "access.apps[0].client_ca",
            "no PEM certificate",
        ),
        (
            "",
            "{ client_certificate = true }",
            "access.apps[0].policies[0]",
            "no client_ca",
        ),
        (
            "",
            "{ auth_methods = [\"mtls\"] }",
            "access.apps[0].policies[0]",
            "no client_ca",
        ),
        (
            "client_ca = \"ca.pem\"",
            "{ client_certificate = false }",
            "access.apps[0].policies[0].include[0].client_certificate",
            "only be true",
        ),
        (
            "client_ca = \"ca.pem\"",
            "{ client_certificate_cn = [\"\"] }",
            "access.apps[0].policies[0].include[0].client_certificate_cn[0]",
            "common name",
        ),
        (
            "client_ca = \"ca.pem\"",
            "{ client_certificate_cn = [] }",
            "access.apps[0].policies[0].include[0].client_certificate_cn",
            "is empty",
        ),
    ] {
        let err = load(app(ca, selector)).unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
        let text = err.to_string();
        assert!(text.contains("parapet.toml"), "{text}");
        assert!(text.contains(words), "{text}");
    }
}

#[test]
fn blocking_keys_are_read_and_default_to_off() {
    let c = parse(&format!("{MINIMAL}\n[sites.script_monitor]\n")).unwrap();
    let b = &c.sites[0].script_monitor.as_ref().unwrap().blocking;
    assert_eq!(b, &ScriptBlocking::default());
    assert_eq!(b.csp_enforce, CspEnforce::Off);
    assert_eq!(b.auto_block_risk, None);
    let c = parse(&format!(
        "{MINIMAL}\n[sites.script_monitor]\nblock = [\"https://shop.example/js/x.js\", \
         \"sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"]\n\
         approve = [\"https://shop.example/js/app.js\"]\nauto_block_risk = 0.9\n\
         csp_enforce = \"report-only\"\n"
    ))
    .unwrap();
    let b = &c.sites[0].script_monitor.as_ref().unwrap().blocking;
    assert_eq!(b.block.len(), 2);
    assert_eq!(b.approve, ["https://shop.example/js/app.js"]);
    assert_eq!(b.auto_block_risk, Some(0.9));
    assert_eq!(b.csp_enforce, CspEnforce::ReportOnly);
}

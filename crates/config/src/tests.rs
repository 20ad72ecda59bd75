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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../parapet.example.toml");
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

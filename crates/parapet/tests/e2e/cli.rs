//! `parapet config check FILE`: a stable command-line contract.

use std::path::Path;
use std::process::{Command, Output};

use crate::harness::repo_root;

fn config_check(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parapet"))
        .args(["config", "check"])
        .arg(file)
        .output()
        .expect("run parapet config check")
}

fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn example_config_is_valid() {
    let example = repo_root().join("parapet.example.toml");
    let out = config_check(&example);
    assert!(
        out.status.success(),
        "config check of the example failed:\n{}",
        both(&out)
    );
}

#[test]
fn unknown_key_is_named_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    std::fs::write(
        &file,
        "[admin]\nlisten = \"127.0.0.1:9090\"\n\n[[listeners]]\nname = \"http\"\nlisten = \"127.0.0.1:8080\"\nbogus_setting = 1\n",
    )
    .unwrap();
    let out = config_check(&file);
    let msg = both(&out);
    assert!(
        !out.status.success(),
        "a config with an unknown key was accepted:\n{msg}"
    );
    assert!(
        msg.contains("bogus_setting"),
        "the message must name the unknown key:\n{msg}"
    );
    assert!(
        msg.contains("typo.toml"),
        "the message must name the file:\n{msg}"
    );
}

#[test]
fn bad_value_is_named_by_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[admin]\nlisten = \"nope\"\n").unwrap();
    let out = config_check(&file);
    let msg = both(&out);
    assert!(
        !out.status.success(),
        "listen = \"nope\" was accepted:\n{msg}"
    );
    assert!(
        msg.contains("listen"),
        "the message must name the key:\n{msg}"
    );
}

#[test]
fn route_to_unknown_upstream_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("route.toml");
    std::fs::write(
        &file,
        "[[sites]]\nname = \"s\"\nhosts = [\"*\"]\n  [[sites.routes]]\n  path = \"/\"\n  upstream = \"nowhere\"\n",
    )
    .unwrap();
    let out = config_check(&file);
    let msg = both(&out);
    assert!(
        !out.status.success(),
        "a route to an undefined upstream was accepted:\n{msg}"
    );
    assert!(
        msg.contains("nowhere"),
        "the message must name the missing upstream:\n{msg}"
    );
}

#[test]
fn alert_channels_are_checked_with_secrets_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alerts.toml");
    std::fs::write(
        &file,
        "[[alerts.channels]]\nname = \"pager\"\ntype = \"pagerduty\"\nrouting_key_env = \"PARAPET_E2E_PD_KEY\"\n\
         [[alerts.channels]]\nname = \"mail\"\ntype = \"email\"\nserver = \"smtp.example.com\"\n\
         from = \"parapet@example.com\"\nto = [\"soc@example.com\"]\nca = \"missing-ca.pem\"\n",
    )
    .unwrap();
    let run = |key: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parapet"));
        cmd.args(["config", "check"]).arg(&file);
        cmd.env_remove("PARAPET_E2E_PD_KEY");
        if let Some(k) = key {
            cmd.env("PARAPET_E2E_PD_KEY", k);
        }
        cmd.output().expect("run parapet config check")
    };
    // The variable is not set: the key that names it is the error.
    let out = run(None);
    let msg = both(&out);
    assert!(!out.status.success(), "{msg}");
    assert!(msg.contains("alerts.channels[0].routing_key_env"), "{msg}");
    assert!(msg.contains("PARAPET_E2E_PD_KEY"), "{msg}");
    // Set, the next problem shows: the CA file of the mail channel does not exist.
    let out = run(Some("0123456789abcdef0123456789abcdef"));
    let msg = both(&out);
    assert!(!out.status.success(), "{msg}");
    assert!(
        msg.contains("mail") && msg.contains("missing-ca.pem"),
        "{msg}"
    );
    // And the secret itself is never printed.
    assert!(!msg.contains("0123456789abcdef0123456789abcdef"), "{msg}");
    std::fs::write(dir.path().join("missing-ca.pem"), "not a certificate").unwrap();
    let out = run(Some("0123456789abcdef0123456789abcdef"));
    let msg = both(&out);
    assert!(
        !out.status.success(),
        "a CA that is not PEM must be refused: {msg}"
    );
}

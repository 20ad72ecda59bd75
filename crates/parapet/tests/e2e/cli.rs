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

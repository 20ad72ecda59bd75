//! Rebuilds the shape model from the labelled corpus (tuning and seen splits, never the
//! held-out one) and prints `shape_model.rs`:
//!
//! ```sh
//! cargo run -p parapet-scripts --example shape_model > crates/scripts/src/analysis/shape_model.rs
//! ```
#![allow(clippy::unwrap_used)]

use parapet_scripts::analysis::shape;

fn main() {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        )
        .join("testdata/corpus");
    let manifest = std::fs::read_to_string(root.join("manifest.tsv")).unwrap();
    let samples: Vec<(String, bool)> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap())
        .filter(|p| !p.starts_with("heldout/"))
        .map(|p| {
            (
                std::fs::read_to_string(root.join(p)).unwrap(),
                p.contains("/malicious/"),
            )
        })
        .collect();
    let model = shape::build(samples.iter().map(|(s, m)| (s.as_str(), *m)));
    print!("{}", shape::render(&model));
}

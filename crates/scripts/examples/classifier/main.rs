//! Builds the classifier's corpus, trains the shipped model and evaluates it with whole
//! libraries and whole families held out (see `pipeline.rs` and docs/scripts-analysis.md).
//!
//! ```sh
//! bench/corpus.sh    # fetch the pinned npm libraries into the cache
//! cargo run --release -p parapet-scripts --example classifier -- train > crates/scripts/src/analysis/learned_model.rs
//! cargo run --release -p parapet-scripts --example classifier -- eval [--folds 4]
//! cargo run --release -p parapet-scripts --example classifier -- cosmetic [--listed 3] [--variants LABEL=DIR]...
//! ```
//!
//! `explain FILE...` trains as `train` does (nothing is written) and prints, for each file,
//! its risk under that model with the non-zero semantic features and the strongest weights.
//! `changes --libraries a,b` scores every version change of those libraries with the shipped
//! model and prints its features, reasons and added units. `cosmetic` lists, for every library version whose oxc reprint or compressed and mangled
//! form the diff judges changed, the innermost units that differ on each side; `--variants
//! terser=DIR` adds the builds another minifier made (`DIR/<library>/<version>.js`, as
//! `bench/cosmetic.sh` writes them), and the table says how many of each kind the hashes
//! alone and the diff's second opinion judge unchanged.
//!
//! `--libraries a,b` and `--families x,y` restrict the corpus; `--no-cosmetic` leaves the
//! cosmetic variants out. `eval --explain` prints, on stderr, every miss and false alarm
//! with its riskiest piece's risk and features under the fold's model.

#[path = "pipeline.rs"]
mod pipeline;

use std::process::ExitCode;

use parapet_scripts::analysis::learned;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("classifier: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut command = None;
    let mut listed = 3;
    let mut external = Vec::new();
    let (mut libs, mut fams, mut folds, mut cosmetic) = (String::new(), String::new(), 4, true);
    let mut explain = false;
    let mut files: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--libraries" => libs = it.next().cloned().unwrap_or_default(),
            "--families" => fams = it.next().cloned().unwrap_or_default(),
            "--folds" => {
                folds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&k: &usize| k >= 2)
                    .ok_or("--folds needs a number of at least 2")?
            }
            "--no-cosmetic" => cosmetic = false,
            "--explain" => explain = true,
            "--variants" => {
                let spec = it.next().ok_or("--variants needs LABEL=DIR")?;
                let (label, dir) = spec.split_once('=').ok_or("--variants needs LABEL=DIR")?;
                external.push((label.to_owned(), std::path::PathBuf::from(dir)));
            }
            "train" | "eval" | "cosmetic" | "changes" | "explain" => command = Some(a.clone()),
            "--listed" => {
                listed = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--listed needs a number")?
            }
            other if command.as_deref() == Some("explain") => files.push(other.to_owned()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (libs, fams) = (split(&libs), split(&fams));
    let lib_refs: Vec<&str> = libs.iter().map(String::as_str).collect();
    let fam_refs: Vec<&str> = fams.iter().map(String::as_str).collect();
    let libraries = pipeline::libraries(&lib_refs)?;
    let families = pipeline::families(&fam_refs)?;
    match command.as_deref() {
        Some("cosmetic") => {
            print!(
                "{}",
                pipeline::cosmetic_report(&libraries, listed, &external)
            );
            return Ok(());
        }
        Some("changes") => {
            print!("{}", pipeline::changes_report(&libraries, listed));
            return Ok(());
        }
        _ => {}
    }
    let started = std::time::Instant::now();
    let mut corpus = pipeline::build(&libraries, &families, folds, cosmetic);
    pipeline::add_hand_corpus(&mut corpus)?;
    eprintln!(
        "built {} samples in {:.1}s",
        corpus.samples.len(),
        started.elapsed().as_secs_f64()
    );
    match command.as_deref() {
        Some("train") => {
            let model = pipeline::train_all(&corpus, learned::TRAIN);
            let versions: usize = libraries.iter().map(|l| l.versions.len()).sum();
            let about = format!(
                "Trained on {} samples: {} libraries at {versions} versions (bench/corpus/npm.tsv), \
                 {} families\n(testdata/families, less untrained.txt){}, and the hand-written corpus's tuning and seen splits.",
                corpus.samples.iter().filter(|s| s.trained).count(),
                libraries.len(),
                families.iter().filter(|f| f.trained).count(),
                if cosmetic { ", cosmetic variants included" } else { "" }
            );
            print!("{}", learned::render(&model, &about));
        }
        Some("eval") => {
            let e = pipeline::cross_validate(&corpus, &libraries, &families, folds, learned::TRAIN);
            print!("{}", pipeline::markdown(&corpus, &libraries, &families, &e));
            if explain {
                for d in &e.details {
                    eprintln!("{d}");
                }
            }
        }
        Some("explain") => {
            let model = pipeline::train_all(&corpus, learned::TRAIN);
            for f in &files {
                let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?;
                println!("{}", pipeline::explain_file(&model, f, &text));
            }
        }
        _ => return Err("say train, eval, explain, cosmetic or changes".into()),
    }
    Ok(())
}

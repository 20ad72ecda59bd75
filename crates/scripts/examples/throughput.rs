//! Throughput of script analysis on this machine, beside oxc's raw parse speed on the same
//! files (the issue's target: fingerprint plus classify at 30 MB of JavaScript per second
//! per core). Also times oxc's compressor, the "minify before hashing" alternative.
//!
//! ```sh
//! cargo run --release -p parapet-scripts --example throughput -- FILE... [--rounds N] [--dump | --only-analysis | --only-parse | --steps]
//! ```
//!
//! Each line gives the rate by the wall clock and, where `/proc/self/stat` can be read, by
//! the CPU time the process spent (in its 10 ms ticks): on a machine shared with other work
//! the second is the steadier one, and the ratios to raw parse are given for both.
//!
//! With `--dump`, it times nothing and prints instead, for every file, everything the
//! analysis decides (fingerprint, features, local pieces, verdict; and against the file
//! before it, the diff and the verdict on the added code), so that two builds can be
//! compared byte for byte: a speed-up must not change a single output.
//!
//! With `--only-analysis`, it times fingerprint plus classify alone, so that a profiler
//! (`perf record`) sees nothing else; with `--only-parse`, oxc's raw parse alone (the two
//! runs `bench/script-instructions.sh` counts instructions in).
//!
//! With `--steps`, it times each step of fingerprint plus classify on its own (the depth
//! prescan, oxc's parse and semantic pass, the normaliser, the hashes, the raw sha256, the
//! family, the fingerprint's lists, classification) and prints each in ms per MB.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use oxc_allocator::Allocator;
use oxc_minifier::{CompressOptions, Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;
use parapet_scripts::analysis::classify::{classify, features, local_features, Context};
use parapet_scripts::analysis::diff::ScriptDiff;
use parapet_scripts::analysis::fingerprint::Fingerprint;
use parapet_scripts::analysis::{analyse, analyse_timed, Steps};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 20;
    if let Some(i) = args.iter().position(|a| a == "--rounds") {
        rounds = args
            .get(i + 1)
            .and_then(|r| r.parse().ok())
            .unwrap_or(rounds);
        args.drain(i..=(i + 1).min(args.len() - 1));
    }
    let dump = match args.iter().position(|a| a == "--dump") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let steps = match args.iter().position(|a| a == "--steps") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let only_analysis = match args.iter().position(|a| a == "--only-analysis") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let only_parse = match args.iter().position(|a| a == "--only-parse") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    // Directories named like scripts (`chart.js/`) are skipped, not read.
    args.retain(|f| {
        let file = std::path::Path::new(f).is_file();
        if !file {
            eprintln!("skipping {f}: not a file");
        }
        file
    });
    let files: Vec<String> = args
        .iter()
        .map(|f| {
            parapet_scripts::read_script(std::path::Path::new(f))
                .unwrap_or_else(|e| panic!("cannot read {f}: {e}"))
        })
        .collect();
    if dump {
        return dump_all(&args, &files);
    }
    if steps {
        return time_steps(&files, rounds);
    }
    let bytes: usize = files.iter().map(String::len).sum::<usize>() * rounds;
    let mb = bytes as f64 / 1e6;

    let rate = |label: &str, f: &dyn Fn(&str)| {
        let t = Instant::now();
        let c = cpu_seconds();
        for _ in 0..rounds {
            for src in &files {
                f(src);
            }
        }
        let s = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds().zip(c).map(|(after, before)| after - before);
        match cpu {
            Some(cpu) if cpu > 0.0 => {
                println!(
                    "{label:<34} {:>8.1} MB/s  (CPU time: {:>6.1} MB/s)",
                    mb / s,
                    mb / cpu
                );
                (mb / s, mb / cpu)
            }
            _ => {
                println!("{label:<34} {:>8.1} MB/s", mb / s);
                (mb / s, f64::NAN)
            }
        }
    };
    println!(
        "{} files, {:.2} MB per round, {rounds} rounds",
        files.len(),
        mb / rounds as f64
    );
    let analysis = |src: &str| {
        let a = analyse(src);
        std::hint::black_box(Fingerprint::of("f", &a));
        std::hint::black_box(classify("f", &a, None, Context::default()));
    };
    if only_analysis {
        rate("fingerprint + classify", &analysis);
        return;
    }
    // One arena, emptied between files, as the analysis keeps its arenas: a fresh arena per
    // file would add the system's mapping of new pages to the baseline.
    let kept = std::cell::RefCell::new(Allocator::default());
    let raw_parse = |src: &str| {
        let mut alloc = kept.borrow_mut();
        alloc.reset();
        let ret = Parser::new(&alloc, src, SourceType::script()).parse();
        std::hint::black_box(ret.program.body.len());
    };
    if only_parse {
        rate("oxc parse only", &raw_parse);
        return;
    }
    let parse = rate("oxc parse only", &raw_parse);
    let fp = rate("fingerprint (parse+normalise+hash)", &|src| {
        std::hint::black_box(Fingerprint::of("f", &analyse(src)));
    });
    let both = rate("fingerprint + classify", &analysis);
    let compress = rate("oxc parse + compress (alternative)", &|src| {
        let mut alloc = kept.borrow_mut();
        alloc.reset();
        let mut program = Parser::new(&alloc, src, SourceType::script())
            .parse()
            .program;
        let options = MinifierOptions {
            mangle: None,
            mangle_properties: None,
            compress: Some(CompressOptions::default()),
        };
        Minifier::new(options).minify(&alloc, &mut program);
        std::hint::black_box(program.body.len());
    });
    println!(
        "ratios to raw parse: fingerprint {:.2}, fingerprint+classify {:.2}, parse+compress {:.2}",
        fp.0 / parse.0,
        both.0 / parse.0,
        compress.0 / parse.0
    );
    if !parse.1.is_nan() {
        println!(
            "by CPU time:         fingerprint {:.2}, fingerprint+classify {:.2}, parse+compress {:.2}",
            fp.1 / parse.1,
            both.1 / parse.1,
            compress.1 / parse.1
        );
    }
}

/// CPU time the process has used (user and system, all threads), from `/proc/self/stat`,
/// in seconds; `None` where there is no such file. Linux counts it in ticks of 1/100 s.
fn cpu_seconds() -> Option<f64> {
    const TICKS_PER_SECOND: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): state is
    // the first, utime and stime the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// Prints every output of the analysis for each file (and each file against the one before).
fn dump_all(names: &[String], files: &[String]) {
    let ctx = Context::default();
    let site = Context {
        site: Some("www.shop.example"),
    };
    let mut previous = None;
    for (name, src) in names.iter().zip(files) {
        let a = analyse(src);
        println!(
            "{}",
            serde_json::to_string(&Fingerprint::of(name, &a)).unwrap()
        );
        println!(
            "{}",
            serde_json::to_string(&classify(name, &a, None, ctx)).unwrap()
        );
        println!(
            "{}",
            serde_json::to_string(&classify(name, &a, None, site)).unwrap()
        );
        println!("{:?}", features(&a, None, site));
        for (line, f) in local_features(&a, site) {
            println!("piece {line} {f:?}");
        }
        if let Some((old_name, old_src)) = previous {
            let old = analyse(old_src);
            let d = ScriptDiff::between(old_name, &old, name, &a);
            println!("{}", serde_json::to_string(&d).unwrap());
            let v = classify(name, &a, Some(&old), site);
            println!("{}", serde_json::to_string(&v).unwrap());
            println!("{:?}", features(&a, Some(&old), site));
        }
        previous = Some((name, src));
    }
}

/// Times each step of fingerprint plus classify over `rounds` rounds of the files, and
/// prints each in ms per MB of source.
fn time_steps(files: &[String], rounds: usize) {
    let mb = files.iter().map(String::len).sum::<usize>() as f64 * rounds as f64 / 1e6;
    let mut steps = Steps::default();
    let (mut lists, mut classifying) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        for src in files {
            let a = analyse_timed(src, &mut steps);
            let t = Instant::now();
            std::hint::black_box(Fingerprint::of("f", &a));
            lists += t.elapsed();
            let t = Instant::now();
            std::hint::black_box(classify("f", &a, None, Context::default()));
            classifying += t.elapsed();
        }
    }
    let rows = [
        ("depth prescan", steps.prescan),
        ("oxc parse", steps.parse),
        ("oxc semantic pass", steps.semantic),
        ("normaliser", steps.normalise),
        ("unit hashes and stream sha256", steps.hashes),
        ("raw sha256", steps.sha256),
        ("family", steps.family),
        ("fingerprint lists", lists),
        ("classification", classifying),
    ];
    println!(
        "{} files, {:.2} MB per round, {rounds} rounds; ms per MB of source",
        files.len(),
        mb / rounds as f64
    );
    let mut total = 0.0;
    for (label, d) in rows {
        let ms = d.as_secs_f64() * 1e3 / mb;
        total += ms;
        println!("{label:<32} {ms:>6.2}");
    }
    println!(
        "{:<32} {total:>6.2}  ({:.1} MB/s)",
        "all steps",
        1e3 / total
    );
}

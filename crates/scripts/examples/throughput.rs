//! Throughput of script analysis on this machine, beside oxc's raw parse speed on the same
//! files (the issue's target: fingerprint plus classify at 30 MB of JavaScript per second
//! per core). Also times oxc's compressor, the "minify before hashing" alternative.
//!
//! ```sh
//! cargo run --release -p parapet-scripts --example throughput -- FILE... [--rounds N]
//! ```
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use oxc_allocator::Allocator;
use oxc_minifier::{CompressOptions, Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;
use parapet_scripts::analysis::analyse;
use parapet_scripts::analysis::classify::{classify, Context};
use parapet_scripts::analysis::fingerprint::Fingerprint;

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
    let files: Vec<String> = args
        .iter()
        .map(|f| parapet_scripts::read_script(std::path::Path::new(f)).unwrap())
        .collect();
    let bytes: usize = files.iter().map(String::len).sum::<usize>() * rounds;
    let mb = bytes as f64 / 1e6;

    let rate = |label: &str, f: &dyn Fn(&str)| {
        let t = Instant::now();
        for _ in 0..rounds {
            for src in &files {
                f(src);
            }
        }
        let s = t.elapsed().as_secs_f64();
        println!("{label:<34} {:>8.1} MB/s", mb / s);
        mb / s
    };
    println!(
        "{} files, {:.2} MB per round, {rounds} rounds",
        files.len(),
        mb / rounds as f64
    );
    let parse = rate("oxc parse only", &|src| {
        let alloc = Allocator::default();
        let ret = Parser::new(&alloc, src, SourceType::script()).parse();
        std::hint::black_box(ret.program.body.len());
    });
    let fp = rate("fingerprint (parse+normalise+hash)", &|src| {
        std::hint::black_box(Fingerprint::of("f", &analyse(src)));
    });
    let both = rate("fingerprint + classify", &|src| {
        let a = analyse(src);
        std::hint::black_box(Fingerprint::of("f", &a));
        std::hint::black_box(classify("f", &a, None, Context::default()));
    });
    let compress = rate("oxc parse + compress (alternative)", &|src| {
        let alloc = Allocator::default();
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
        fp / parse,
        both / parse,
        compress / parse
    );
}

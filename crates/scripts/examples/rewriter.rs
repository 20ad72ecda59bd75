//! Throughput of the blocking rewriter on this machine: a generated page (text, links,
//! inline and external scripts) streamed through it in chunks, with one of its scripts
//! blocked and with nothing on it blocked, beside a plain copy of the same bytes.
//!
//! ```sh
//! cargo run --release -p parapet-scripts --example rewriter -- [PAGE_KIB] [ROUNDS]
//! ```
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Instant;

use parapet_scripts::blocking::{inline_hash, BlockList, Rewriter};
use parapet_scripts::report::UrlPolicy;
use url::Url;

/// Chunk size: what a TCP read of an upstream response typically hands on.
const CHUNK: usize = 16 * 1024;

fn page(kib: usize) -> Vec<u8> {
    let mut p = String::from("<!doctype html><html><head><meta charset=utf-8>\n");
    let mut i = 0;
    while p.len() < kib * 1024 {
        p.push_str(&format!(
            "<div class=\"row\"><a href=\"/item/{i}\">Item {i} &amp; more</a><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p></div>\n"
        ));
        if i % 50 == 0 {
            p.push_str(&format!("<script src=\"/js/widget-{i}.js\" defer></script>\n<script>window.x{i} = {i};</script>\n"));
        }
        i += 1;
    }
    p.push_str("<script src=\"/js/checkout.js\"></script></body></html>\n");
    p.into_bytes()
}

fn run(name: &str, bytes: &[u8], rounds: usize, mut f: impl FnMut(&[u8]) -> usize) {
    let start = Instant::now();
    let mut out = 0;
    for _ in 0..rounds {
        out += f(bytes);
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes.len() * rounds) as f64 / 1e6;
    println!(
        "{name:<28} {:>8.1} MB/s  ({} bytes out per page)",
        mb / secs,
        out / rounds
    );
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let kib = args.first().copied().unwrap_or(1024);
    let rounds = args.get(1).copied().unwrap_or(20);
    let html = page(kib);
    let url = Url::parse("https://shop.example/checkout.html").unwrap();
    let mut blocking = BlockList::new(UrlPolicy::default());
    blocking.add("https://shop.example/js/checkout.js").unwrap();
    let blocking = Arc::new(blocking);
    let mut with_hash = (*blocking).clone();
    with_hash.add(&inline_hash("window.x50 = 50;")).unwrap();
    let with_hash = Arc::new(with_hash);
    let mut other = BlockList::new(UrlPolicy::default());
    other.add("https://elsewhere.example/x.js").unwrap();
    let other = Arc::new(other);
    println!(
        "page: {} KiB, chunks of {} KiB, {rounds} rounds",
        html.len() / 1024,
        CHUNK / 1024
    );
    run("copy (no rewriter)", &html, rounds, |b| {
        b.chunks(CHUNK)
            .map(|c| std::hint::black_box(c.to_vec()).len())
            .sum()
    });
    for (name, list) in [
        ("rewriter, nothing matches", &other),
        ("rewriter, one src blocked", &blocking),
        ("rewriter, src + inline hash", &with_hash),
    ] {
        run(name, &html, rounds, |b| {
            let mut r = Rewriter::new(Arc::clone(list), url.clone(), None).unwrap();
            let mut n = 0;
            for c in b.chunks(CHUNK) {
                n += r.chunk(c).len();
            }
            n + r.end().len()
        });
    }
}

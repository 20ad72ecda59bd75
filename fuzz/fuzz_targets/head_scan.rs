//! Every byte a client sends on an HTTP/1 connection passes through the head
//! scanner. It must never panic, and its verdict must not depend on how the
//! bytes were split across reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_gateway::server::HeadScan;

fuzz_target!(|input: (u8, &[u8])| {
    let (split, data) = input;
    let mut whole = HeadScan::default();
    let expected = whole.feed(data);
    let mut pieces = HeadScan::default();
    let step = usize::from(split.max(1));
    let got = data.chunks(step).fold(false, |found, c| found | pieces.feed(c));
    assert_eq!(expected, got);
});

//! A whole chunk of bytes, cut at different sizes and line limits: never a panic, every
//! line counted once, and the same totals whatever the cut.
#![no_main]

use errstat::scan::{self, ScanSettings};
use errstat::stats::Aggregation;
use libfuzzer_sys::fuzz_target;

fn totals(data: &[u8], chunk_size: usize, max_line: usize) -> errstat::stats::Totals {
    let scan = ScanSettings {
        chunk_size,
        max_line,
        ..ScanSettings::new(Aggregation { samples: 2, ..Aggregation::with_bucket(Some(1000)) })
    };
    let stats = scan::fold_bytes(data, 0, 0, &scan);
    stats.totals
}

fuzz_target!(|data: &[u8]| {
    let whole = totals(data, 1 << 20, 1 << 20);
    let t = whole;
    assert_eq!(t.lines, t.blank + t.skipped + t.malformed + t.filtered + t.responses);
    for size in [1, 7, 64] {
        assert_eq!(totals(data, size, 1 << 20), whole, "chunk size {size}");
    }
    // A small line limit changes what is malformed, never how many lines there are.
    assert_eq!(totals(data, 16, 40).lines, whole.lines);
});

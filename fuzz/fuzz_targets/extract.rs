//! Lines, both extractors: never a panic, and the same answer. Each line alone: the fast
//! path, and each of its walks alone, where they answer at all, equal serde_json. The lines
//! one after another through one extractor, which keeps their shapes: its answers, and the
//! shape path's where it answers, equal serde_json (the seeds `pair-*` hold a line twice,
//! so that mutating one gives a line read after a near twin).
#![no_main]

use errstat::record::{Extractor, Keys, Route, classify_exact};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let keys = Keys::default();
    let mut kept = Extractor::new(&keys);
    for line in input.split(|&b| b == b'\n') {
        let exact = classify_exact(line, &keys);
        let mut ex = Extractor::new(&keys);
        assert_eq!(ex.classify(line), exact);
        for path in [Route::Any, Route::Indexed, Route::Scanned] {
            if let Some(fast) = ex.fast_by(path, line) {
                assert_eq!(fast, exact, "{path:?}");
            }
        }
        if let Some(shaped) = kept.fast_by(Route::Shaped, line) {
            assert_eq!(shaped, exact, "Shaped");
        }
        assert_eq!(kept.classify(line), exact, "after the lines before");
    }
});

//! One line, both extractors: never a panic, and the same answer (the fast path, and each
//! of its walks alone, where they answer at all, equal serde_json's).
#![no_main]

use errstat::record::{Extractor, Keys, Path, classify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let keys = Keys::default();
    let mut ex = Extractor::new(&keys);
    let exact = classify(line, &keys);
    assert_eq!(ex.classify(line, &keys), exact);
    for path in [Path::Any, Path::Indexed, Path::Scanned] {
        if let Some(fast) = ex.fast_by(path, line) {
            assert_eq!(fast, exact, "{path:?}");
        }
    }
});

//! One line, both extractors: never a panic, and the same answer (the fast path, where it
//! answers at all, equals serde_json's).
#![no_main]

use errstat::record::{Extractor, Keys, classify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let keys = Keys::default();
    let mut ex = Extractor::new(&keys);
    let exact = classify(line, &keys);
    assert_eq!(ex.classify(line, &keys), exact);
    if let Some(fast) = ex.fast_only(line) {
        assert_eq!(fast, exact);
    }
});

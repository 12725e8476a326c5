//! Throughput benchmarks (criterion, bytes per second).
//!
//! - `extract/*`: one line at a time, per line shape, for the fast path (`fast`: a kept
//!   shape where one matches, else a walk, else serde_json), each of its two walks alone
//!   (`indexed`: over the SIMD structural index; `scanned`: byte by byte), the exact path
//!   (serde_json), and simd-json's tape with reused buffers (a parser we could build the
//!   fast path on, measured here so the choice stays informed). `envelope-unique` is the
//!   shapes' worst case: envelope lines that each end in a key of their own, so that a
//!   line seldom has a kept shape (4,000 of them, read again each iteration, against at
//!   most 32 kept endings) and is tried against the kept ones before its walk.
//! - `scan/*`: the whole batch pipeline (read, split, extract, aggregate, merge) on a
//!   generated log file, with 1 and 2 threads and the default report (1 m buckets).
//!
//! `cargo bench --bench throughput`; `-- extract` or `-- scan` for one group.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use errstat::batch;
use errstat::input::Source;
use errstat::loggen::{Options, generate};
use errstat::record::{Extractor, Keys, Route, classify_exact};
use errstat::scan::ScanSettings;
use errstat::stats::Aggregation;

/// Generated lines of one shape: (name, lines joined by `\n`).
fn shapes() -> Vec<(&'static str, Vec<u8>)> {
    let mut log = Vec::new();
    let opts = Options {
        bytes: 4 << 20,
        ..Options::default()
    };
    generate(&opts, &mut log).unwrap();
    let lines: Vec<&[u8]> = log
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let pick = |f: &dyn Fn(&[u8]) -> bool| -> Vec<u8> {
        lines
            .iter()
            .filter(|l| f(l))
            .take(4000)
            .flat_map(|l| [*l, b"\n"].concat())
            .collect()
    };
    let has = |l: &[u8], s: &str| l.windows(s.len()).any(|w| w == s.as_bytes());
    vec![
        (
            "envelope-success",
            pick(&|l| l.starts_with(b"{\"ts\"") && !has(l, "\"Error\"")),
        ),
        (
            "envelope-error",
            pick(&|l| l.starts_with(b"{\"ts\"") && has(l, "\"Error\"")),
        ),
        ("bare", pick(&|l| l.starts_with(b"{\"Response\""))),
        (
            "envelope-unique",
            lines
                .iter()
                .filter(|l| l.starts_with(b"{\"ts\""))
                .take(4000)
                .enumerate()
                .flat_map(|(i, l)| {
                    let body = &l[..l.len() - 1];
                    [body, format!(",\"k{i}\":1}}\n").as_bytes()].concat()
                })
                .collect(),
        ),
        (
            "text-prefix",
            pick(&|l| l.starts_with(b"20") && l.contains(&b'{')),
        ),
    ]
}

fn extract(c: &mut Criterion) {
    let keys = Keys::default();
    let mut group = c.benchmark_group("extract");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    for (shape, text) in shapes() {
        let lines: Vec<&[u8]> = text
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        group.throughput(Throughput::Bytes(text.len() as u64));
        let mut ex = Extractor::new(&keys);
        group.bench_function(BenchmarkId::new("fast", shape), |b| {
            b.iter(|| {
                lines
                    .iter()
                    .map(|l| ex.classify(l))
                    .filter(|l| matches!(l, errstat::record::Line::Response(_)))
                    .count()
            })
        });
        for (name, path) in [("indexed", Route::Indexed), ("scanned", Route::Scanned)] {
            group.bench_function(BenchmarkId::new(name, shape), |b| {
                b.iter(|| {
                    lines
                        .iter()
                        .filter_map(|l| ex.fast_by(path, l))
                        .filter(|l| matches!(l, errstat::record::Line::Response(_)))
                        .count()
                })
            });
        }
        group.bench_function(BenchmarkId::new("exact", shape), |b| {
            b.iter(|| {
                lines
                    .iter()
                    .map(|l| classify_exact(l, &keys))
                    .filter(|l| matches!(l, errstat::record::Line::Response(_)))
                    .count()
            })
        });
        let mut buffers = simd_json::Buffers::default();
        let mut scratch = Vec::new();
        group.bench_function(BenchmarkId::new("simd-json-tape", shape), |b| {
            b.iter(|| {
                let mut ok = 0;
                for l in &lines {
                    let start = l.iter().position(|c| *c == b'{').unwrap_or(0);
                    scratch.clear();
                    scratch.extend_from_slice(&l[start..]);
                    ok += simd_json::to_tape_with_buffers(&mut scratch, &mut buffers).is_ok()
                        as usize;
                }
                ok
            })
        });
    }
    group.finish();
}

fn scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    generate(
        &Options {
            bytes: 64 << 20,
            ..Options::default()
        },
        &mut file,
    )
    .unwrap();
    drop(file);
    let len = std::fs::metadata(&path).unwrap().len();
    let sources = [Source::File(path.clone())];
    let mut group = c.benchmark_group("scan");
    group
        .measurement_time(Duration::from_secs(8))
        .sample_size(10);
    group.throughput(Throughput::Bytes(len));
    for threads in [1, 2] {
        let scan = ScanSettings {
            threads,
            ..ScanSettings::new(Aggregation::with_bucket(Some(60_000)))
        };
        let progress = Arc::new(AtomicU64::new(0));
        let pool = scan.pool().unwrap();
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| {
                batch::run(&pool, &sources, &scan, &progress)
                    .unwrap()
                    .stats
                    .totals
                    .errors
            })
        });
    }
    group.finish();
}

criterion_group!(benches, extract, scan);
criterion_main!(benches);

//! Partial reports (SPEC §4.7): for any split of the inputs into shards, merging the shards'
//! partials in input order writes the bytes one run over all the inputs writes, in every
//! format. Generated logs are cut at random lines into files, the files into shards at
//! random points; each side is read by `batch::run`, as the binary reads.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use errstat::batch;
use errstat::catalog::{Catalog, Lang};
use errstat::input::Source;
use errstat::loggen::{Options, generate};
use errstat::partial::{self, Covered, Inputs, Merger, Settings};
use errstat::report::{Csv, CsvRows, GroupBy, Json, Ndjson, Render, Report, Table};
use errstat::scan::ScanSettings;
use errstat::stats::Aggregation;
use proptest::prelude::*;

fn scan(max_codes: usize, split: bool, chunk_size: usize) -> ScanSettings {
    ScanSettings {
        chunk_size,
        max_line: 400,
        ..ScanSettings::new(Aggregation {
            samples: 2,
            max_codes,
            group_by: split.then_some(GroupBy::Region),
            ..Aggregation::with_bucket(Some(10_000))
        })
    }
}

fn group_by(scan: &ScanSettings) -> Option<GroupBy> {
    scan.aggregation.group_by
}

fn settings(scan: &ScanSettings) -> Settings {
    Settings {
        aggregation: scan.aggregation,
        group_by: group_by(scan).map(|g| g.as_str().to_string()),
        code: None,
        action: None,
        region: None,
        since: None,
        until: None,
        time_key: Vec::new(),
        action_key: Vec::new(),
        service_key: Vec::new(),
        region_key: Vec::new(),
        latency_key: Vec::new(),
        response_path: None,
        max_line: scan.max_line as u64,
        catalog: partial::catalog_version(&Catalog::builtin()),
        assume_tz: None,
    }
}

/// One run over `files`, as `errstat FILES…` makes it.
fn run(files: &[&Path], scan: &ScanSettings) -> Covered {
    let sources: Vec<Source> = files
        .iter()
        .map(|p| Source::File(p.to_path_buf()))
        .collect();
    let pool = scan.pool().unwrap();
    let out = batch::run(&pool, &sources, scan, &Arc::new(AtomicU64::new(0))).unwrap();
    assert!(out.errors.is_empty());
    Covered {
        settings: settings(scan),
        inputs: Inputs {
            read: sources.len() as u64,
            sources: out.sources,
            ..Inputs::default()
        },
        stats: out.stats,
    }
}

/// Every format of a report, one after the other.
fn render_all(c: &Covered, scan: &ScanSettings) -> String {
    let catalog = Catalog::builtin();
    let report = Report::build(
        &c.stats,
        &c.inputs.sources,
        Vec::new(),
        &catalog,
        Lang::En,
        group_by(scan),
    );
    let csv = |rows| Box::new(Csv { rows, safe: false }) as Box<dyn Render>;
    let renderers: Vec<Box<dyn Render>> = vec![
        Box::new(Json { compact: false }),
        Box::new(Ndjson),
        csv(CsvRows::Codes),
        csv(CsvRows::Buckets),
        csv(CsvRows::BucketCodes),
        Box::new(Table { width: Some(160) }),
    ];
    let mut out = Vec::new();
    for r in renderers {
        r.render(&report, &mut out).unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn encoded(c: &Covered) -> Vec<u8> {
    let mut out = Vec::new();
    partial::encode(c, &mut out).unwrap();
    out
}

/// A generated log with malformed and untimed lines spliced in at a few places.
fn log(seed: u64) -> Vec<u8> {
    let mut data = Vec::new();
    let options = Options {
        seed,
        bytes: 30_000,
        ..Options::default()
    };
    generate(&options, &mut data).unwrap();
    let mut lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
    let bad: [&[u8]; 3] = [
        b"{\"Response\":{\"Error\":{\"Code\":\"Cut\"}\n",
        b"{\"a\":\"\xff\"}\n",
        b"{\"Response\":{\"Error\":{\"Code\":\"NoTime\"},\"RequestId\":\"untimed\"}}\n",
    ];
    let n = lines.len();
    for (i, at) in [n / 5, n / 2, 4 * n / 5, n / 3].into_iter().enumerate() {
        lines.insert(at, bad[(i + seed as usize) % bad.len()]);
    }
    lines.concat()
}

/// Cuts `data` into files at the line boundaries nearest to `cuts` (fractions).
fn write_pieces(dir: &Path, data: &[u8], cuts: &[f64]) -> Vec<std::path::PathBuf> {
    let mut at: Vec<usize> = cuts
        .iter()
        .map(|f| {
            let i = (f * data.len() as f64) as usize;
            data[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(data.len(), |p| i + p + 1)
        })
        .collect();
    at.push(0);
    at.push(data.len());
    at.sort_unstable();
    at.dedup();
    at.windows(2)
        .enumerate()
        .map(|(i, w)| {
            let path = dir.join(format!("piece-{i}.log"));
            std::fs::write(&path, &data[w[0]..w[1]]).unwrap();
            path
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_split_into_shards_merges_to_the_one_run(
        seed in 0u64..1000,
        cuts in proptest::collection::vec(0.0f64..1.0, 1..6),
        shard_at in proptest::collection::vec(any::<bool>(), 6),
        max_codes in 2usize..8,
        split in any::<bool>(),
        chunk_size in 300usize..5000,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let files = write_pieces(dir.path(), &log(seed), &cuts);
        let files: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
        let one_scan = scan(max_codes, split, 1 << 20);
        let whole = render_all(&run(&files, &one_scan), &one_scan);
        // Shards read with another chunk size: a partial does not depend on it.
        let shard_scan = scan(max_codes, split, chunk_size);
        let mut shards: Vec<Vec<&Path>> = vec![Vec::new()];
        for (i, f) in files.iter().enumerate() {
            if i > 0 && shard_at[i % shard_at.len()] {
                shards.push(Vec::new());
            }
            shards.last_mut().unwrap().push(f);
        }
        let mut merger = Merger::new();
        for (i, shard) in shards.iter().enumerate() {
            merger.add(&format!("s{i}"), &encoded(&run(shard, &shard_scan))).unwrap();
        }
        let merged = merger.finish().unwrap();
        prop_assert_eq!(render_all(&merged, &one_scan), whole);
        // And a partial of the merge is the partial of the one run.
        prop_assert_eq!(encoded(&merged), encoded(&run(&files, &one_scan)));
    }
}

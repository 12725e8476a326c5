//! Properties of the aggregate over generated inputs (proptest): any cut of the input gives
//! the same report, merge is associative and commutative, a file read in two parts and
//! merged equals one read, and no bytes make the scanner panic.

use errstat::catalog::{Catalog, Lang};
use errstat::loggen::{Options, generate};
use errstat::report::{Json, Render, Report};
use errstat::scan::{self, ScanSettings};
use errstat::stats::{Aggregation, Stats};
use proptest::prelude::*;

fn scan() -> ScanSettings {
    ScanSettings {
        max_line: 300,
        ..ScanSettings::new(Aggregation {
            samples: 2,
            ..Aggregation::with_bucket(Some(10_000))
        })
    }
}

/// Reads `data` as source `source`, chunks numbered from `first_chunk`.
fn read(data: &[u8], source: u32, first_chunk: u64, chunk_size: usize) -> Stats {
    let scan = ScanSettings {
        chunk_size,
        ..scan()
    };
    scan::fold_bytes(data, source, first_chunk, &scan)
}

fn render(stats: &Stats) -> String {
    let catalog = Catalog::builtin();
    let report = Report::build(stats, &["log".into()], Vec::new(), &catalog, Lang::En, None);
    let mut out = Vec::new();
    Json { compact: true }.render(&report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A generated log with bad lines spliced in.
fn log(seed: u64, bytes: u64) -> Vec<u8> {
    let mut data = Vec::new();
    generate(
        &Options {
            seed,
            bytes,
            ..Options::default()
        },
        &mut data,
    )
    .unwrap();
    let at = data.len() / 2;
    let at = at
        + data[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
    let bad = b"{\"Response\":{\"Error\":{\"Code\":\"Cut\"}\nplain text\n\n{\"a\":\"\xff\"}\n";
    data.splice(at..at, bad.iter().copied());
    data
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_cut_gives_the_same_report(seed in 0u64..1000, size in 1usize..5000) {
        let data = log(seed, 60_000);
        let whole = render(&read(&data, 0, 0, 1 << 20));
        prop_assert_eq!(render(&read(&data, 0, 0, size)), whole);
    }

    #[test]
    fn merge_is_associative_and_commutative(seed in 0u64..1000, cuts in prop::collection::vec(0.0f64..1.0, 2)) {
        let data = log(seed, 60_000);
        // Three parts at line ends, read as chunks 0, 1 and 2 of one source.
        let mut at: Vec<usize> = cuts.iter().map(|c| (c * data.len() as f64) as usize).collect();
        at.sort();
        let mut bounds = vec![0];
        for a in at {
            let end = a + data[a..].iter().position(|b| *b == b'\n').map_or(data.len() - a, |i| i + 1);
            bounds.push(end.max(*bounds.last().unwrap()));
        }
        bounds.push(data.len());
        let part = |i: usize| read(&data[bounds[i]..bounds[i + 1]], 0, i as u64, 1 << 20);
        let whole = render(&read(&data, 0, 0, 1 << 20));
        // (a + b) + c
        let mut left = part(0);
        left.merge(part(1));
        left.merge(part(2));
        // a + (b + c)
        let mut right = part(1);
        right.merge(part(2));
        let mut a = part(0);
        a.merge(right);
        // (c + a) + b
        let mut shuffled = part(2);
        shuffled.merge(part(0));
        shuffled.merge(part(1));
        prop_assert_eq!(render(&left), whole.clone());
        prop_assert_eq!(render(&a), whole.clone());
        prop_assert_eq!(render(&shuffled), whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_every_line_counts_once(bytes in prop::collection::vec(any::<u8>(), 0..4000), size in 1usize..600) {
        let stats = read(&bytes, 0, 0, size);
        let t = stats.totals;
        prop_assert_eq!(t.lines, t.blank + t.skipped + t.malformed + t.filtered + t.responses);
        let expected_lines = bytes.split(|b| *b == b'\n').count() as u64 - u64::from(bytes.ends_with(b"\n") || bytes.is_empty());
        prop_assert_eq!(t.lines, expected_lines);
        let _ = render(&stats);
    }
}

#[test]
fn a_file_read_in_two_parts_and_merged_equals_one_read() {
    let data = log(7, 200_000);
    let mid = data.len() / 3;
    let mid = mid + data[mid..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut first = read(&data[..mid], 0, 0, 1 << 20);
    first.merge(read(&data[mid..], 0, 1, 1 << 20));
    assert_eq!(render(&first), render(&read(&data, 0, 0, 1 << 20)));
}

use std::io::Write;

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize};

use super::ranges::*;
use super::*;
use crate::input::{Chunker, Mapped};
use crate::loggen::{Options, generate};
use crate::record::Malformed;
use crate::stats::Aggregation;
use crate::time::Millis;

#[test]
fn workers_take_every_range_once_a_few_at_a_time() {
    for (total, workers) in [(0, 2), (1, 2), (7, 2), (200, 2), (1000, 3), (50, 1)] {
        let next = AtomicUsize::new(0);
        let mut sizes = Vec::new();
        loop {
            let t = claim_ranges(&next, total, workers);
            if t.is_empty() {
                break;
            }
            assert_eq!(t.start, sizes.iter().sum::<usize>());
            sizes.push(t.len());
        }
        assert_eq!(sizes.iter().sum::<usize>(), total);
        assert!(sizes.iter().all(|&n| (1..=RUN).contains(&n)), "{sizes:?}");
        // In runs while many are left, one at a time at the end.
        if total >= 200 {
            assert_eq!(sizes[0], RUN);
            assert_eq!(sizes[sizes.len() - 4 * workers..], vec![1; 4 * workers][..]);
        }
    }
    // Taken from threads at once: each range by one of them.
    let next = AtomicUsize::new(0);
    let mut all: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let t = claim_ranges(&next, 5000, 4);
                        if t.is_empty() {
                            return mine;
                        }
                        mine.extend(t);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    all.sort_unstable();
    assert_eq!(all, (0..5000).collect::<Vec<_>>());
}

fn scan(chunk_size: usize) -> ScanSettings {
    ScanSettings {
        chunk_size,
        max_line: 1 << 20,
        ..ScanSettings::new(Aggregation::with_bucket(Some(60_000)))
    }
}

/// A worker that has read the ranges of `path` in turn, calling `between` after the
/// first.
fn read(path: &Path, len: u64, scan: &ScanSettings, between: impl FnOnce()) -> Worker {
    let count = len.div_ceil(scan.chunk_size as u64);
    let mut w = Worker {
        part: Part::new(scan),
        chunker: Chunker::new(scan.chunk_size, scan.max_line),
        file: None,
    };
    let progress = AtomicU64::new(0);
    let mut between = Some(between);
    for index in 0..count {
        let range = Range {
            source: 0,
            path,
            index,
            last: index + 1 == count,
        };
        w.read(&range, scan, &progress);
        if let Some(f) = between.take() {
            f();
        }
    }
    w
}

/// Whether the worker read through a map, and whether that map faulted.
fn mapped(w: &Worker) -> (bool, bool) {
    let map = w.file.as_ref().and_then(|o| o.map.as_ref());
    (map.is_some(), map.is_some_and(Mapped::faulted))
}

/// Everything a report is made of that a shrinking file could get wrong.
fn summary(s: &Stats) -> String {
    let mut codes: Vec<(&str, u64)> = s
        .codes
        .iter()
        .map(|(c, known)| (&**c, known.groups.values().map(|c| c.count).sum()))
        .collect();
    codes.sort();
    let malformed: Vec<(u64, Malformed)> = s
        .malformed
        .iter()
        .map(|(p, why)| (s.line_number(*p), *why))
        .collect();
    let buckets: Vec<(Millis, u64, u64)> = s
        .buckets()
        .map(|(at, b)| (at, b.responses, b.errors))
        .collect();
    format!("{:?}\n{codes:?}\n{malformed:?}\n{buckets:?}", s.totals)
}

fn log(bytes: u64) -> Vec<u8> {
    let mut data = Vec::new();
    let opts = Options {
        seed: 5,
        bytes,
        ..Options::default()
    };
    generate(&opts, &mut data).unwrap();
    data
}

#[test]
fn a_file_read_through_its_map_reads_as_by_position() {
    let (worker, plain) = mapped_and_plain(&log(600_000), &scan(64 << 10));
    assert_eq!(summary(&worker), summary(&plain));
    assert!(worker.totals.lines > 2_000, "{:?}", worker.totals);
}

/// Reads `data` as a file through its map (which must not fault), and as one chunk by
/// position: the worker's aggregate, and the one read by position.
fn mapped_and_plain(data: &[u8], scan: &ScanSettings) -> (Stats, Stats) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(data).unwrap();
    let w = read(f.path(), data.len() as u64, scan, || {});
    assert_eq!(mapped(&w), (true, false));
    let mut plain = Stats::new(scan.aggregation);
    let chunk = Chunk {
        offset: 0,
        len: data.len(),
        data: data.to_vec(),
        start: 0,
        too_long: false,
    };
    let _ = scan::chunk(&chunk, 0, 0, u64::MAX, scan, &mut plain);
    (w.part.stats, plain)
}

/// Ranges of several blocks, with lines that cross a block's end, lines longer than a
/// block, lines longer than `max_line` (shorter and longer than a block), a line that
/// ends the file without a `\n`, and malformed lines: read through the map as by
/// position, for two `max_line`s, and with ranges smaller than a block.
#[test]
fn lines_of_any_length_read_through_the_map_as_by_position() {
    let mut data = Vec::new();
    let long = |n: usize| {
        format!(
            "{{\"Response\":{{\"Error\":{{\"Code\":\"InternalError\",\"Message\":\"{}\"}},\
             \"RequestId\":\"r\"}}}}\n",
            "m".repeat(n)
        )
    };
    for (i, piece) in log(1_500_000).split_inclusive(|&b| b == b'\n').enumerate() {
        data.extend_from_slice(piece);
        match i % 997 {
            0 => data.extend_from_slice(long(3 * BLOCK).as_bytes()),
            1 => data.extend_from_slice(long(BLOCK - 100).as_bytes()),
            2 => data.extend_from_slice(long(5000).as_bytes()),
            3 => data.extend_from_slice(b"{\"Response\":{\"Error\":\n"),
            _ => {}
        }
    }
    data.extend_from_slice(b"{\"Response\":{\"RequestId\":\"last\"}}");
    for (max_line, range) in [(1 << 20, 256 << 10), (4000, 256 << 10), (1 << 20, 4 << 10)] {
        let scan = ScanSettings {
            max_line,
            ..scan(range)
        };
        let (worker, plain) = mapped_and_plain(&data, &scan);
        assert_eq!(summary(&worker), summary(&plain), "{max_line} {range}");
        assert!(worker.totals.lines > 6_000, "{:?}", worker.totals);
        assert!(!worker.malformed.is_empty());
    }
}

/// A BOM ends past a range of 1 to 3 bytes; the line it starts still belongs to the
/// range that holds byte 0, read through the map or by position.
#[test]
fn a_bom_line_belongs_to_the_first_range_however_small() {
    let line = b"{\"Response\":{\"Error\":{\"Code\":\"A\"},\"RequestId\":\"r\"}}\n";
    let data = [&b"\xef\xbb\xbf"[..], line, line].concat();
    for size in 1..=8 {
        let scan = scan(size);
        let (worker, plain) = mapped_and_plain(&data, &scan);
        assert_eq!(summary(&worker), summary(&plain), "size {size}");
        assert_eq!(worker.totals.errors, 2, "size {size}");
        let chunk = Chunk {
            offset: 0,
            len: data.len(),
            data: data.clone(),
            start: 0,
            too_long: false,
        };
        let mut first = Stats::new(scan.aggregation);
        let _ = scan::chunk(&chunk, 0, 0, size as u64, &scan, &mut first);
        assert_eq!(first.totals.errors, 1, "size {size}");
    }
}

#[test]
fn a_file_cut_while_read_through_its_map_ends_where_it_now_ends() {
    let data = log(600_000);
    // Cuts inside a line and on a line's end, past the first range, in a page and on a
    // page's edge.
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap();
    for cut in [200_001usize, 300_000, page * 70, page * 70 + 1, 599_000] {
        let cut = cut.min(data.len() - 1);
        let file = tempfile::NamedTempFile::new().unwrap();
        file.as_file().write_all(&data).unwrap();
        let scan = scan(64 << 10);
        let handle = file.as_file().try_clone().unwrap();
        let w = read(file.path(), data.len() as u64, &scan, move || {
            handle.set_len(cut as u64).unwrap();
        });
        // A page past the one holding the new end was read, and faulted.
        let past = cut / page + 1 < data.len().div_ceil(page);
        assert_eq!(mapped(&w), (true, past), "cut at {cut}");
        let part = w.part;
        assert!(part.errors.is_empty(), "{:?}", part.errors);
        // What reading the cut file from its start gives.
        let mut expected = Stats::new(scan.aggregation);
        let chunk = Chunk {
            offset: 0,
            len: cut,
            data: data[..cut].to_vec(),
            start: 0,
            too_long: false,
        };
        let _ = scan::chunk(&chunk, 0, 0, u64::MAX, &scan, &mut expected);
        assert_eq!(summary(&part.stats), summary(&expected), "cut at {cut}");
    }
}

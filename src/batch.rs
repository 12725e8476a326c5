//! Batch mode: read every source in parallel chunks, fold lines into per-worker `Stats`,
//! reduce by `merge`.
//!
//! A plain file is cut into ranges of `chunk_size` bytes read by position, one rayon task
//! each: a range owns the lines that *start* inside it, so no byte is read twice as a line
//! and no coordinator thread is needed. A stream (stdin, gzip, zstd) is read and decoded on
//! its own thread, which hands newline-aligned chunks to the workers. Every line carries a
//! `Pos` (source, chunk, line in chunk), which is all the stats need to stay independent of
//! the cut and of the number of threads.

use std::io;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use rayon::prelude::*;

use crate::filter::Filter;
use crate::input::{self, Chunk, Chunker, InputError, Opened, PositionedReader, Source};
use crate::record::{Extractor, Keys, Line, Malformed};
use crate::stats::{Pos, Shape, Stats};

const BOM: &[u8] = b"\xef\xbb\xbf";
/// Bits of a chunk index that number the chunks inside one range of a plain file.
const SUB_CHUNK_BITS: u32 = 24;

/// How lines are read and which are counted.
#[derive(Debug, Clone)]
pub struct Scan {
    pub keys: Keys,
    pub filter: Filter,
    pub shape: Shape,
    pub chunk_size: usize,
    pub max_line: usize,
    pub threads: usize,
    /// Stop at the first source that cannot be read.
    pub stop_on_error: bool,
}

/// What a batch run produced.
#[derive(Debug)]
pub struct Outcome {
    pub stats: Stats,
    /// Source names, indexed by `Pos::source`.
    pub sources: Vec<String>,
    pub errors: Vec<InputError>,
}

/// Reads every source and aggregates it. `progress` counts the raw bytes read.
pub fn run(sources: &[Source], scan: &Scan, progress: &Arc<AtomicU64>) -> io::Result<Outcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(scan.threads)
        .build()
        .map_err(io::Error::other)?;
    let mut stats = Stats::new(scan.shape);
    let mut errors = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let counter = Arc::clone(progress);
        let counted = move |n| {
            counter.fetch_add(n, Ordering::Relaxed);
        };
        let index = u32::try_from(i).map_err(io::Error::other)?;
        let failed = match input::open(source, counted) {
            Err(error) => Some(error),
            Ok(opened) => {
                let (s, failed) = pool.install(|| match opened {
                    Opened::Plain(file, len) => scan_file(&file, len, index, scan, progress),
                    Opened::Stream(reader) => scan_stream(reader, index, scan),
                });
                stats.merge(s);
                failed
            }
        };
        match failed {
            None => {}
            Some(error) => {
                errors.push(InputError {
                    source: source.name(),
                    error,
                });
                if scan.stop_on_error {
                    break;
                }
            }
        }
    }
    Ok(Outcome {
        stats,
        sources: sources.iter().map(Source::name).collect(),
        errors,
    })
}

/// What was read of a source, and the error that stopped it early, if one did.
type Partial = (Stats, Option<io::Error>);

/// Reads a plain file in parallel ranges.
fn scan_file(
    file: &std::fs::File,
    len: u64,
    source: u32,
    scan: &Scan,
    progress: &AtomicU64,
) -> Partial {
    let size = scan.chunk_size as u64;
    let ranges = len.div_ceil(size).max(1);
    (0..ranges)
        .into_par_iter()
        .fold(
            // A chunker per fold keeps its read buffers from one range to the next.
            || {
                let chunker = Chunker::new(scan.chunk_size, scan.max_line);
                (Stats::new(scan.shape), None, chunker)
            },
            |(mut stats, mut failed, mut chunker): (Stats, Option<io::Error>, Chunker), r| {
                let start = r * size;
                let limit = if r + 1 == ranges {
                    u64::MAX
                } else {
                    start + size
                };
                // From one byte before the range: the line it ends belongs to a range before.
                let (from, skip) = if r == 0 {
                    (0, false)
                } else {
                    (start - 1, true)
                };
                let mut sub = 0u64;
                let reader = PositionedReader::new(file, from);
                let read = chunker.run(reader, from, skip, limit, |chunk| {
                    let index = (r << SUB_CHUNK_BITS) | sub;
                    sub += 1;
                    let flow = scan_chunk(chunk, source, index, limit, scan, &mut stats);
                    progress.fetch_add(chunk.len as u64, Ordering::Relaxed);
                    flow
                });
                // A file that shrinks while read just ends early.
                failed = failed.or(read.err());
                (stats, failed, chunker)
            },
        )
        .map(|(stats, failed, _)| (stats, failed))
        .reduce(|| (Stats::new(scan.shape), None), merge_partial)
}

fn merge_partial(mut a: Partial, b: Partial) -> Partial {
    a.0.merge(b.0);
    (a.0, a.1.or(b.1))
}

/// Reads a stream on its own thread, folding its chunks on the pool.
fn scan_stream(reader: Box<dyn io::Read + Send>, source: u32, scan: &Scan) -> Partial {
    let (tx, rx) = mpsc::sync_channel::<(u64, Chunk)>(scan.threads * 2);
    let mut chunker = Chunker::new(scan.chunk_size, scan.max_line);
    std::thread::scope(|s| {
        let producer = s.spawn(move || {
            let mut index = 0u64;
            chunker.run(reader, 0, false, u64::MAX, |chunk| {
                let sent = tx.send((index, std::mem::take(chunk)));
                index += 1;
                if sent.is_ok() {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(())
                }
            })
        });
        let stats = rx
            .into_iter()
            .par_bridge()
            .fold(
                || Stats::new(scan.shape),
                |mut stats, (index, chunk)| {
                    let _ = scan_chunk(&chunk, source, index, u64::MAX, scan, &mut stats);
                    stats
                },
            )
            .reduce(
                || Stats::new(scan.shape),
                |mut a, b| {
                    a.merge(b);
                    a
                },
            );
        let failed = match producer.join() {
            Ok(read) => read.err(),
            Err(_) => Some(io::Error::other("reader thread failed")),
        };
        (stats, failed)
    })
}

/// Folds the lines of one chunk that start before `limit` into `stats`.
pub fn scan_chunk(
    chunk: &Chunk,
    source: u32,
    index: u64,
    limit: u64,
    scan: &Scan,
    stats: &mut Stats,
) -> ControlFlow<()> {
    if chunk.offset >= limit {
        return ControlFlow::Break(());
    }
    let pos = |line| Pos {
        source,
        chunk: index,
        line,
    };
    if chunk.too_long {
        stats.add_chunk(source, index, 1);
        stats.add_malformed(pos(0), Malformed::TooLong);
        return ControlFlow::Continue(());
    }
    let mut data = chunk.bytes();
    let mut skipped = 0;
    if chunk.offset == 0 && data.starts_with(BOM) {
        data = &data[BOM.len()..];
        skipped = BOM.len();
    }
    let mut extractor = Extractor::new(&scan.keys);
    let mut flow = ControlFlow::Continue(());
    let mut lines = 0u64;
    let mut start = 0;
    while start < data.len() {
        if chunk.offset + (skipped + start) as u64 >= limit {
            flow = ControlFlow::Break(());
            break;
        }
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
        scan_line(&data[start..end], pos(lines), scan, &mut extractor, stats);
        lines += 1;
        start = end + 1;
    }
    stats.add_chunk(source, index, lines);
    flow
}

/// Folds one line (without its `\n`) into `stats`.
fn scan_line(line: &[u8], pos: Pos, scan: &Scan, extractor: &mut Extractor, stats: &mut Stats) {
    if line.len() > scan.max_line {
        stats.add_malformed(pos, Malformed::TooLong);
        return;
    }
    match extractor.classify(line, &scan.keys) {
        Line::Blank => stats.totals.blank += 1,
        Line::Skipped => stats.totals.skipped += 1,
        Line::Malformed(why) => stats.add_malformed(pos, why),
        Line::Response(r) if scan.filter.keeps(&r) => stats.add_response(pos, &r),
        Line::Response(_) => stats.totals.filtered += 1,
    }
}

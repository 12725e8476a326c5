//! Batch mode: read every source in parallel chunks, fold lines into per-worker `Stats`,
//! reduce by `merge`.
//!
//! A plain file is cut into ranges of `chunk_size` bytes read by position, one rayon task
//! each (the ranges of all files together): a range owns the lines that *start* inside it,
//! so no byte is read twice as a line and no coordinator thread is needed. A stream (stdin,
//! gzip, zstd) is read and decoded on its own thread, which hands newline-aligned chunks to
//! the workers. Every line carries a
//! `Pos` (source, chunk, line in chunk), which is all the stats need to stay independent of
//! the cut and of the number of threads.

use std::io;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::input::{self, Chunk, InputError, Kind, Source};
use crate::ledger::Ledger;
use crate::record::Extractor;
use crate::scan::{self, ScanSettings};
use crate::stats::Stats;

/// Bits of a chunk index that number the chunks inside one range of a plain file.
const SUB_CHUNK_BITS: u32 = 24;

/// What a batch run produced.
#[derive(Debug)]
pub struct Outcome {
    pub stats: Stats,
    /// Source names, indexed by `Pos::source`.
    pub sources: Vec<String>,
    pub errors: Vec<InputError>,
    /// The malformed lines, with `bad_lines`.
    pub ledger: Option<Ledger>,
}

/// Reads every source on `pool` and aggregates it. `progress` counts the raw bytes read.
///
/// First every source is looked at (opened, its first bytes sniffed). Then all plain files
/// are cut into ranges and the ranges of all files go to the pool together, so many small
/// files are read in parallel as well as one big one; then the streams are read, several
/// at a time, each decoding on its own thread. With `stop_on_error`, nothing after the
/// first source that cannot be read is read: one that cannot be opened ends the looking,
/// and the sources are read in source order up to each stream, which may fail in its middle
/// (a cut `.gz`); only the first failure is reported.
pub fn run(
    pool: &rayon::ThreadPool,
    sources: &[Source],
    scan: &ScanSettings,
    progress: &Arc<AtomicU64>,
) -> io::Result<Outcome> {
    let mut failed: Vec<(u32, io::Error)> = Vec::new();
    let mut looked: Vec<(u32, Kind)> = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let index = u32::try_from(i).map_err(io::Error::other)?;
        match input::kind(source) {
            Ok(kind) => looked.push((index, kind)),
            Err(error) => {
                failed.push((index, error));
                if scan.stop_on_error {
                    break;
                }
            }
        }
    }
    let read = if scan.stop_on_error {
        let mut read = Part::new(scan);
        for group in looked.split_inclusive(|(_, kind)| *kind == Kind::Stream) {
            let part = read_sources(pool, sources, group, scan, progress);
            let stop = !part.errors.is_empty();
            read = read.merge(part);
            if stop {
                break;
            }
        }
        read
    } else {
        read_sources(pool, sources, &looked, scan, progress)
    };
    let Part {
        mut stats,
        errors,
        ledger,
        ..
    } = read;
    stats.finish();
    failed.extend(errors);
    // One message per source, in source order, whatever the threads did.
    failed.sort_by_key(|(i, _)| *i);
    failed.dedup_by_key(|(i, _)| *i);
    if scan.stop_on_error {
        failed.truncate(1);
    }
    Ok(Outcome {
        stats,
        sources: sources.iter().map(|s| scan.source_name(s)).collect(),
        errors: failed
            .into_iter()
            .map(|(i, error)| InputError {
                source: scan.source_name(&sources[i as usize]),
                error,
            })
            .collect(),
        ledger,
    })
}

/// Reads the sources `looked` at (by index into `sources`, with their kind): the ranges of
/// the plain files together, then the streams, several at a time.
fn read_sources(
    pool: &rayon::ThreadPool,
    sources: &[Source],
    looked: &[(u32, Kind)],
    scan: &ScanSettings,
    progress: &Arc<AtomicU64>,
) -> Part {
    let mut ranges: Vec<Range<'_>> = Vec::new();
    let mut streams: Vec<(u32, &Source)> = Vec::new();
    let size = scan.chunk_size as u64;
    for &(index, kind) in looked {
        let source = &sources[index as usize];
        match (kind, source) {
            (Kind::Plain(len), Source::File(path)) => {
                let count = len.div_ceil(size).max(1);
                ranges.extend((0..count).map(|r| Range {
                    source: index,
                    path,
                    index: r,
                    last: r + 1 == count,
                }));
            }
            _ => streams.push((index, source)),
        }
    }
    let from_ranges = scan_ranges(pool, &ranges, scan, progress);
    let from_streams = pool.install(|| {
        streams
            .par_iter()
            .map(|&(index, source)| {
                let counter = Arc::clone(progress);
                let counted = move |n| {
                    counter.fetch_add(n, Ordering::Relaxed);
                };
                match input::open_stream(source, counted) {
                    Ok(reader) => scan_stream(reader, index, scan),
                    Err(e) => {
                        let mut part = Part::new(scan);
                        part.errors.push((index, e));
                        part
                    }
                }
            })
            .reduce(|| Part::new(scan), Part::merge)
    });
    from_ranges.merge(from_streams)
}

/// What a worker has read: the aggregate, the inputs that failed, the bad lines; and the
/// extractor it reads with (its scratch space lives as long as the worker).
struct Part {
    stats: Stats,
    errors: Vec<(u32, io::Error)>,
    ledger: Option<Ledger>,
    extractor: Extractor,
}

impl Part {
    fn new(scan: &ScanSettings) -> Part {
        Part {
            stats: Stats::new(scan.aggregation),
            errors: Vec::new(),
            ledger: scan.bad_lines.then(Ledger::default),
            extractor: Extractor::new(&scan.keys),
        }
    }

    /// Adds what another worker read.
    fn merge(self, other: Part) -> Part {
        self.merge_by(other, Stats::merge)
    }

    /// `merge`, the two workers' latency histograms added on the current pool
    /// (`Stats::merge_in_pool`).
    fn merge_in_pool(self, other: Part) -> Part {
        self.merge_by(other, Stats::merge_in_pool)
    }

    fn merge_by(mut self, other: Part, stats: impl FnOnce(&mut Stats, Stats)) -> Part {
        stats(&mut self.stats, other.stats);
        self.errors.extend(other.errors);
        if let (Some(a), Some(b)) = (self.ledger.as_mut(), other.ledger) {
            a.merge(b);
        }
        self
    }

    /// Folds one chunk of `source`.
    fn read_chunk(
        &mut self,
        chunk: &Chunk,
        source: u32,
        index: u64,
        limit: u64,
        scan: &ScanSettings,
    ) -> ControlFlow<()> {
        let (extractor, stats) = (&mut self.extractor, &mut self.stats);
        scan::chunk_with(
            chunk,
            source,
            index,
            limit,
            scan,
            extractor,
            stats,
            &mut self.ledger,
        )
    }
}

mod ranges;

mod stream;

use self::ranges::{Range, scan_ranges};

use self::stream::scan_stream;

#[cfg(test)]
mod tests;

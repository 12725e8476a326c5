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

use std::fs::File;
use std::io;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use rayon::prelude::*;

use crate::input::{self, Chunk, Chunker, InputError, Kind, Mapped, PositionedReader, Source};
use crate::ledger::Ledger;
use crate::record::{Extractor, Line};
use crate::scan::{self, ScanSettings, bom_at};
use crate::stats::{Pos, Stats};

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
            stats: Stats::new(scan.shape),
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

/// One range of a plain file: the lines that start in its `chunk_size` bytes.
struct Range<'p> {
    source: u32,
    path: &'p Path,
    index: u64,
    /// The file's last range reads to the end, whatever the size was when looked at.
    last: bool,
}

/// What one worker thread holds while it reads ranges.
struct Worker {
    part: Part,
    chunker: Chunker,
    /// The file last read, kept open (and mapped) for the next range of the same file.
    file: Option<Open>,
}

/// A file a worker has open.
struct Open {
    source: u32,
    file: File,
    /// Its map, for a file of more than one range where one can be had (`Mapped::new`).
    map: Option<Mapped>,
}

/// What is left of a range after reading what it could through the map.
enum Rest {
    /// Nothing: every line that starts in it was read.
    Done,
    /// The lines from this offset (a line's start) on.
    From(u64),
    /// All of it.
    Whole,
}

/// Reads ranges of plain files on the pool: one `Worker` per thread, each taking the next
/// range until none is left (so memory holds exactly one aggregate per thread, and a slow
/// range never leaves the other threads idle).
fn scan_ranges(
    pool: &rayon::ThreadPool,
    ranges: &[Range<'_>],
    scan: &ScanSettings,
    progress: &AtomicU64,
) -> Part {
    let next = AtomicUsize::new(0);
    let workers = pool.broadcast(|_| {
        let mut w = Worker {
            part: Part::new(scan),
            chunker: Chunker::new(scan.chunk_size, scan.max_line),
            file: None,
        };
        let workers = pool.current_num_threads();
        loop {
            let taken = claim_ranges(&next, ranges.len(), workers);
            if taken.is_empty() {
                break;
            }
            for range in &ranges[taken] {
                w.read(range, scan, progress);
            }
        }
        w.part
    });
    pool.install(|| workers.into_iter().reduce(Part::merge_in_pool))
        .unwrap_or_else(|| Part::new(scan))
}

/// The next ranges for a worker to read, from `next` on, of `total`: up to `RUN` in a row,
/// so that what a worker reads of its map is one span rather than every other range (fewer
/// page faults, and fewer releases of a span, each of which sends the other CPUs a TLB
/// shootdown), and fewer toward the end, so that the workers finish together. Empty when
/// none is left.
fn claim_ranges(next: &AtomicUsize, total: usize, workers: usize) -> std::ops::Range<usize> {
    let mut at = next.load(Ordering::Relaxed);
    loop {
        if at >= total {
            return at..at;
        }
        let n = ((total - at) / (4 * workers.max(1))).clamp(1, RUN);
        match next.compare_exchange_weak(at, at + n, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return at..at + n,
            Err(now) => at = now,
        }
    }
}

/// The most ranges a worker takes at once.
const RUN: usize = 4;

/// How much of a map is copied out at a time (`read_mapped`): small enough that a block's
/// copy is still in the cache while it is read, as a whole range's copy is not.
const BLOCK: usize = 64 << 10;

impl Worker {
    /// Folds one range into this worker's aggregate: through the file's map where it can,
    /// then by position for whatever the map could not give (the file's last range, which
    /// reads on past the size it had when looked at; a file that has shrunk).
    fn read(&mut self, range: &Range<'_>, scan: &ScanSettings, progress: &AtomicU64) {
        if self.file.as_ref().is_none_or(|o| o.source != range.source) {
            match File::open(range.path) {
                Ok(file) => {
                    // A file of one range is read by position: a map would not pay for itself.
                    let map = if range.last { None } else { Mapped::new(&file) };
                    self.file = Some(Open {
                        source: range.source,
                        file,
                        map,
                    });
                }
                Err(e) => {
                    self.part.errors.push((range.source, e));
                    return;
                }
            }
        }
        let Some(open) = &self.file else {
            return;
        };
        let rest = match &open.map {
            Some(map) if !range.last => read_mapped(map, range, scan, progress, &mut self.part),
            _ => Rest::Whole,
        };
        let size = scan.chunk_size as u64;
        let start = range.index * size;
        let limit = if range.last { u64::MAX } else { start + size };
        // From one byte before the range: the line it ends belongs to a range before.
        // After a mapped part, from the first line it did not count, in chunks numbered on.
        let (from, skip, mut sub) = match rest {
            Rest::Done => return,
            Rest::From(at) => (at, false, 1),
            Rest::Whole if range.index == 0 => (0, false, 0),
            Rest::Whole => (start - 1, true, 0),
        };
        let part = &mut self.part;
        let reader = PositionedReader::new(&open.file, from);
        let read = self.chunker.run(reader, from, skip, limit, |chunk| {
            let index = (range.index << SUB_CHUNK_BITS) | sub;
            sub += 1;
            let flow = part.read_chunk(chunk, range.source, index, limit, scan);
            progress.fetch_add(chunk.len as u64, Ordering::Relaxed);
            flow
        });
        // A file that shrinks while read just ends early; a read error is reported.
        if let Err(e) = read {
            self.part.errors.push((range.source, e));
        }
    }
}

/// Folds the lines of a range that is not its file's last from the file's map, as one chunk
/// (sub-chunk 0 of the range). The map is copied out a block (`BLOCK`) at a time, and the
/// lines that end in a block are read from the copy as a chunk's are (a line read by a kept
/// shape needs no search for its `\n`); a line longer than a block, and the one that crosses
/// the range's end, is copied out alone. Lines are read from a copy, never from the map:
/// bytes that a shrinking file turns to zeros under a record that borrows them would break
/// what the aggregate assumes of its keys (a code that hashes one way on insert and another
/// on lookup).
/// A line is folded only if its `\n` still reads as one in the map after the copy and the
/// map has not faulted (the guard in `input::mapped`: then the file shrank, and zeros stand
/// past its end); the first line that is not, that does not end inside the map, or that is
/// too long, is left to the positioned read, with all after it. The map is told what was
/// read (`Mapped::done_with`), so that what is resident stays a few ranges per worker.
/// (Blocks are copied rather than each line after a search for its end: that spares the
/// search, and takes fewer instructions.)
fn read_mapped(
    map: &Mapped,
    range: &Range<'_>,
    scan: &ScanSettings,
    progress: &AtomicU64,
    part: &mut Part,
) -> Rest {
    let data = map.bytes();
    let (Ok(index), size) = (usize::try_from(range.index), scan.chunk_size) else {
        return Rest::Whole;
    };
    let start = index.saturating_mul(size);
    let limit = start.saturating_add(size);
    if limit > data.len() {
        // The file was shorter when mapped than when looked at.
        return Rest::Whole;
    }
    let first = if start == 0 {
        bom_at(0, data)
    } else {
        match memchr::memchr(b'\n', &data[start - 1..limit]) {
            Some(i) => start + i,
            None => {
                map.done_with(start, limit);
                // The line that crosses the range is a range's before; none starts in it.
                return if map.faulted() {
                    Rest::Whole
                } else {
                    Rest::Done
                };
            }
        }
    };
    let chunk = range.index << SUB_CHUNK_BITS;
    let (extractor, stats) = (&mut part.extractor, &mut part.stats);
    let mut block = Vec::with_capacity(BLOCK);
    let mut lines = 0u64;
    let mut at = first;
    let mut rest = Rest::Done;
    // Where the line at `p` starts: the file's first line at 0, its BOM included.
    let line_start = |p: usize| if start == 0 && p == first { 0 } else { p };
    // The furthest byte read, for `Mapped::done_with`.
    let mut reached = at;
    let pos = |line| Pos {
        source: range.source,
        chunk,
        line,
    };
    'blocks: while line_start(at) < limit {
        // Not past the range's end: the line that crosses it is copied alone below, and
        // ranges smaller than a block (`--chunk-size`) copy no more than themselves.
        let copied = limit.min(at.saturating_add(BLOCK)).max(at);
        block.clear();
        block.extend_from_slice(&data[at..copied]);
        reached = reached.max(copied);
        let last = match memchr::memrchr(b'\n', &block) {
            Some(last) => last,
            None => {
                // No `\n` in a block: a line longer than one, or the one that crosses the
                // range's end, copied whole instead. One longer than `max_line` is left to
                // the positioned read, which drops it while reading: searched to its end
                // here, all its pages would be resident at once.
                let reach = data
                    .len()
                    .min(at.saturating_add(scan.max_line).saturating_add(1));
                let Some(end) = memchr::memchr(b'\n', &data[at..reach]).map(|i| at + i) else {
                    reached = reached.max(reach);
                    rest = Rest::From(line_start(at) as u64);
                    break;
                };
                reached = reached.max(end + 1);
                block.clear();
                block.extend_from_slice(&data[at..=end]);
                end - at
            }
        };
        // The lines that end in the block, each with its `\n`.
        let whole = &block[..=last];
        let mut off = 0;
        while off < whole.len() && line_start(at + off) < limit {
            let mut slot = Line::Blank;
            let len = extractor.classify_next(&whole[off..], scan.max_line, &scan.keys, &mut slot);
            let end = at + off + len;
            if len > scan.max_line || map.byte_at(end) != Some(b'\n') || map.faulted() {
                rest = Rest::From(line_start(at + off) as u64);
                break 'blocks;
            }
            scan::fold_line(
                &whole[off..off + len],
                pos(lines),
                scan,
                stats,
                &mut part.ledger,
                &mut slot,
            );
            lines += 1;
            off += len + 1;
        }
        at += off;
    }
    stats.add_chunk(range.source, chunk, lines);
    progress.fetch_add((at - first) as u64, Ordering::Relaxed);
    map.done_with(start, reached);
    rest
}

/// Reads a stream on its own thread, folding its chunks there and on the pool. Returns what
/// was read, with the error that stopped the stream early, if one did.
///
/// The reading thread hands a chunk to the pool only when a pool task is free to take it,
/// and otherwise folds the chunk itself, while it is still in its cache: a decoder thread
/// beside a full pool made one thread more than there are cores, and the three took turns
/// evicting each other's caches.
fn scan_stream(reader: Box<dyn io::Read + Send>, source: u32, scan: &ScanSettings) -> Part {
    // Called on the pool: its other threads help.
    let helpers = rayon::current_num_threads().saturating_sub(1);
    let (tx, rx) = mpsc::sync_channel::<(u64, Chunk)>(1);
    // Read buffers come back to the reader once scanned, so it never zeroes a new one.
    let (back_tx, back_rx) = mpsc::sync_channel::<Vec<u8>>(helpers + 2);
    let mut chunker = Chunker::new(scan.chunk_size, scan.max_line);
    std::thread::scope(|s| {
        let reader_thread = s.spawn(move || {
            let mut part = Part::new(scan);
            let mut index = 0u64;
            let read = chunker.run(reader, 0, false, u64::MAX, |chunk| {
                let at = index;
                index += 1;
                if helpers > 0 {
                    match tx.try_send((at, std::mem::take(chunk))) {
                        Ok(()) => {
                            if let Ok(data) = back_rx.try_recv() {
                                chunk.data = data;
                            }
                            return ControlFlow::Continue(());
                        }
                        Err(mpsc::TrySendError::Full((_, back)))
                        | Err(mpsc::TrySendError::Disconnected((_, back))) => *chunk = back,
                    }
                }
                let _ = part.read_chunk(chunk, source, at, u64::MAX, scan);
                ControlFlow::Continue(())
            });
            drop(tx);
            (part, read)
        });
        // One task per other thread, each folding into its own part until the stream ends.
        let rx = Mutex::new(rx);
        let parts = Mutex::new(Vec::with_capacity(helpers));
        rayon::scope(|s| {
            for _ in 0..helpers {
                s.spawn(|_| {
                    let mut part = Part::new(scan);
                    loop {
                        let next = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok((index, chunk)) = next else { break };
                        let _ = part.read_chunk(&chunk, source, index, u64::MAX, scan);
                        let _ = back_tx.try_send(chunk.data);
                    }
                    if let Ok(mut parts) = parts.lock() {
                        parts.push(part);
                    }
                });
            }
        });
        let helped = parts.into_inner().unwrap_or_default();
        match reader_thread.join() {
            Ok((part, read)) => {
                let mut part = helped.into_iter().fold(part, Part::merge);
                part.errors.extend(read.err().map(|e| (source, e)));
                part
            }
            Err(_) => {
                let mut part = helped.into_iter().fold(Part::new(scan), Part::merge);
                part.errors
                    .push((source, io::Error::other("reader thread failed")));
                part
            }
        }
    })
}

#[cfg(test)]
mod tests;

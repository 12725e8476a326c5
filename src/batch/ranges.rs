//! Ranges of plain files: claimed by workers, read through the file's map a block at a
//! time, or by position where the map cannot serve.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::input::{Chunker, Mapped, PositionedReader};
use crate::record::Line;
use crate::scan::{self, ScanSettings, bom_at};
use crate::stats::Pos;

use super::{Part, SUB_CHUNK_BITS};

/// One range of a plain file: the lines that start in its `chunk_size` bytes.
pub(super) struct Range<'p> {
    pub(super) source: u32,
    pub(super) path: &'p Path,
    pub(super) index: u64,
    /// The file's last range reads to the end, whatever the size was when looked at.
    pub(super) last: bool,
}

/// What one worker thread holds while it reads ranges.
pub(super) struct Worker {
    pub(super) part: Part,
    pub(super) chunker: Chunker,
    /// The file last read, kept open (and mapped) for the next range of the same file.
    pub(super) file: Option<Open>,
}

/// A file a worker has open.
pub(super) struct Open {
    pub(super) source: u32,
    pub(super) file: File,
    /// Its map, for a file of more than one range where one can be had (`Mapped::new`).
    pub(super) map: Option<Mapped>,
}

/// What is left of a range after reading what it could through the map.
pub(super) enum Rest {
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
pub(super) fn scan_ranges(
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
pub(super) fn claim_ranges(
    next: &AtomicUsize,
    total: usize,
    workers: usize,
) -> std::ops::Range<usize> {
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
pub(super) const RUN: usize = 4;

/// How much of a map is copied out at a time (`read_mapped`): small enough that a block's
/// copy is still in the cache while it is read, as a whole range's copy is not.
pub(super) const BLOCK: usize = 64 << 10;

impl Worker {
    /// Folds one range into this worker's aggregate: through the file's map where it can,
    /// then by position for whatever the map could not give (the file's last range, which
    /// reads on past the size it had when looked at; a file that has shrunk).
    pub(super) fn read(&mut self, range: &Range<'_>, scan: &ScanSettings, progress: &AtomicU64) {
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
pub(super) fn read_mapped(
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
            let len = extractor.classify_next(&whole[off..], scan.max_line, &mut slot);
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

//! The line stage, below both drivers: settings for reading lines, the per-line step
//! (classify a line, filter it, fold it into the aggregate, show it to a `Sink`), and the
//! loop over a chunk of whole lines. `batch` (mapped ranges, streams) and `live` call it;
//! the BOM and too-long rules are written here once.

use std::io;
use std::ops::ControlFlow;

use crate::filter::Filter;
use crate::input::{Chunk, Source};
use crate::record::{Extractor, Keys, Line, Malformed, Record};
use crate::stats::{Aggregation, Pos, Stats};
use crate::time::Millis;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// How lines are read and which are counted.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    pub keys: Keys,
    pub filter: Filter,
    pub aggregation: Aggregation,
    pub chunk_size: usize,
    pub max_line: usize,
    pub threads: usize,
    /// Stop at the first source that cannot be read.
    pub stop_on_error: bool,
    /// Keep every malformed line for the ledger (`--bad-lines`).
    pub bad_lines: bool,
    /// What reports call standard input (`--source-name`), else `<stdin>`.
    pub stdin_name: Option<String>,
}

impl ScanSettings {
    /// The settings of a run with the defaults but for `aggregation`: one thread, 1 MiB chunks,
    /// 16 MiB lines (tests, benches, fuzzing; the command line goes through `config`).
    pub fn new(aggregation: Aggregation) -> ScanSettings {
        ScanSettings {
            keys: Keys::default(),
            filter: Filter::default(),
            aggregation,
            chunk_size: 1 << 20,
            max_line: 16 << 20,
            threads: 1,
            stop_on_error: false,
            bad_lines: false,
            stdin_name: None,
        }
    }

    /// Names a source as reports and messages do.
    pub fn source_name(&self, source: &Source) -> String {
        match (source, &self.stdin_name) {
            (Source::Stdin, Some(name)) => name.clone(),
            _ => source.name(),
        }
    }

    /// The pool a run reads on (`threads` threads); the report is built on it too.
    pub fn pool(&self) -> io::Result<rayon::ThreadPool> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()
            .map_err(io::Error::other)
    }
}

/// Folds all of `data` as source `source`, cut into `scan.chunk_size` chunks numbered from
/// `first_chunk`, into a new aggregate: what a run over these bytes counts, for the property
/// tests, fuzzing and benches.
pub fn fold_bytes(data: &[u8], source: u32, first_chunk: u64, scan: &ScanSettings) -> Stats {
    let mut stats = Stats::new(scan.aggregation);
    let mut index = first_chunk;
    let read = crate::input::Chunker::new(scan.chunk_size, scan.max_line).run(
        data,
        0,
        false,
        u64::MAX,
        |c| {
            let _ = chunk(c, source, index, u64::MAX, scan, &mut stats);
            index += 1;
            ControlFlow::Continue(())
        },
    );
    read.expect("reading a slice does not fail");
    stats
}

/// Folds the lines of one chunk that start before `limit` into `stats`.
pub fn chunk(
    chunk: &Chunk,
    source: u32,
    index: u64,
    limit: u64,
    scan: &ScanSettings,
    stats: &mut Stats,
) -> ControlFlow<()> {
    let mut extractor = Extractor::new(&scan.keys);
    chunk_with(
        chunk,
        source,
        index,
        limit,
        scan,
        &mut extractor,
        stats,
        &mut (),
    )
}

/// What else sees the lines as they are counted: live mode's window, the bad-line ledger.
pub trait Sink {
    /// Gives records without a time of their own this one (live mode: arrival time).
    fn arrival(&self) -> Option<Millis> {
        None
    }
    /// Sees a counted response, once `stats` has counted it.
    fn response(&mut self, _r: &Record<'_>, _stats: &Stats) {}
    /// Sees a malformed line (for an overlong one, its first bytes).
    fn malformed(&mut self, _pos: Pos, _why: Malformed, _line: &[u8]) {}
}

/// Nothing else sees the lines.
impl Sink for () {}

impl<S: Sink> Sink for Option<S> {
    fn response(&mut self, r: &Record<'_>, stats: &Stats) {
        if let Some(s) = self {
            s.response(r, stats);
        }
    }
    fn malformed(&mut self, pos: Pos, why: Malformed, line: &[u8]) {
        if let Some(s) = self {
            s.malformed(pos, why, line);
        }
    }
}

/// Like `chunk`, with the caller's extractor, showing the lines to `sink`.
#[allow(clippy::too_many_arguments)]
pub fn chunk_with(
    chunk: &Chunk,
    source: u32,
    index: u64,
    limit: u64,
    scan: &ScanSettings,
    extractor: &mut Extractor,
    stats: &mut Stats,
    sink: &mut impl Sink,
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
        sink.malformed(pos(0), Malformed::TooLong, chunk.bytes());
        return ControlFlow::Continue(());
    }
    let skipped = bom_at(chunk.offset, chunk.bytes());
    let data = &chunk.bytes()[skipped..];
    let mut flow = ControlFlow::Continue(());
    let mut lines = 0u64;
    let mut start = 0;
    // Each line's record is built in this one slot.
    let mut slot = Line::Blank;
    while start < data.len() {
        // The first line starts where the chunk does, its BOM included.
        let at = if start == 0 { 0 } else { skipped + start };
        if chunk.offset + at as u64 >= limit {
            flow = ControlFlow::Break(());
            break;
        }
        let len = scan_next(
            &data[start..],
            pos(lines),
            scan,
            extractor,
            stats,
            sink,
            &mut slot,
        );
        lines += 1;
        start += len + 1;
    }
    stats.add_chunk(source, index, lines);
    flow
}

/// How many bytes of a BOM `data`, at `offset` in its source, starts with. A BOM at a
/// source's start is no part of its first line's text, but the line starts at 0 all the
/// same: it belongs to the range that holds byte 0, however small ranges are.
pub(crate) fn bom_at(offset: u64, data: &[u8]) -> usize {
    if offset == 0 && data.starts_with(BOM) {
        BOM.len()
    } else {
        0
    }
}

/// Folds the line at the start of `data` into `stats`, classifying it in `slot`; more lines
/// may follow it in `data` (`Extractor::classify_next`, which finds where a line read by a
/// kept shape ends without searching for its `\n` first). Returns the line's length, without
/// its `\n`.
pub(crate) fn scan_next<'a>(
    data: &'a [u8],
    pos: Pos,
    scan: &ScanSettings,
    extractor: &mut Extractor,
    stats: &mut Stats,
    sink: &mut impl Sink,
    slot: &mut Line<'a>,
) -> usize {
    let len = extractor.classify_next(data, scan.max_line, slot);
    fold_line(&data[..len], pos, scan, stats, sink, slot);
    len
}

/// Folds a classified line into `stats`: the one step every line read takes.
#[inline]
pub(crate) fn fold_line(
    line: &[u8],
    pos: Pos,
    scan: &ScanSettings,
    stats: &mut Stats,
    sink: &mut impl Sink,
    slot: &mut Line<'_>,
) {
    match slot {
        Line::Blank => stats.totals.blank += 1,
        Line::Skipped => stats.totals.skipped += 1,
        Line::Malformed(why) => {
            stats.add_malformed(pos, *why);
            sink.malformed(pos, *why, line);
        }
        Line::Response(r) if scan.filter.keeps(r) => {
            r.time = r.time.or_else(|| sink.arrival());
            if !scan.filter.counts_code(r) {
                // Still a response, so rates stay over all of them; not an error here.
                r.code = None;
                stats.totals.other_errors += 1;
            }
            stats.add_response(pos, r);
            sink.response(r, stats);
        }
        Line::Response(_) => stats.totals.filtered += 1,
    }
}

//! The malformed-line ledger (`--bad-lines FILE`): every line that was not counted, as
//! `source:line:reason<TAB>first 200 bytes`, in input order.
//!
//! Workers note bad lines by position as they meet them, the heads packed in one buffer
//! (no allocation per line). A worker keeps its notes in memory up to `RUN_BYTES`, then
//! sorts them and writes them to a temporary file (a sorted run), so memory stays bounded
//! however many lines are bad. A run that cannot be written ends the ledger: its error is
//! kept, the notes are let go and no more are taken, so a full or missing temporary
//! directory costs neither memory nor time, and the run ends in that error rather than a
//! partial ledger. At the end the runs are merged by position and line numbers are filled
//! in from the aggregate's per-chunk line counts, in one pass over both.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::PathBuf;

use crate::record::Malformed;
use crate::scan;
use crate::stats::{Pos, Stats};

/// Bytes of each bad line kept.
pub const HEAD: usize = 200;
/// Notes held in memory by one worker before they go to a sorted run on disk.
const RUN_BYTES: usize = 8 << 20;
/// The most a ledger holds in memory whatever it is asked: heads are found by a `u32`
/// offset, and two ledgers' heads together must stay under 4 GiB.
const MAX_RUN_BYTES: usize = 1 << 30;

/// One bad line: where it is, why, and where its head is in the ledger's `heads`.
#[derive(Debug, Clone, Copy)]
struct Note {
    pos: Pos,
    at: u32,
    len: u16,
    why: u8,
}

const REASONS: [Malformed; 4] = [
    Malformed::InvalidUtf8,
    Malformed::InvalidJson,
    Malformed::TooLong,
    Malformed::TooDeep,
];

/// One worker's notes: in memory, and in sorted runs on disk.
#[derive(Debug)]
pub struct Ledger {
    notes: Vec<Note>,
    heads: Vec<u8>,
    run_bytes: usize,
    /// Where runs go; the system's temporary directory when `None`.
    dir: Option<PathBuf>,
    runs: Vec<File>,
    /// The first run that could not be written: the ledger holds nothing more.
    failed: Option<io::Error>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::with_run_bytes(RUN_BYTES)
    }
}

impl Ledger {
    /// Makes a ledger that spills a run to disk every `run_bytes` of notes.
    pub fn with_run_bytes(run_bytes: usize) -> Ledger {
        Ledger {
            notes: Vec::new(),
            heads: Vec::new(),
            run_bytes: run_bytes.min(MAX_RUN_BYTES),
            dir: None,
            runs: Vec::new(),
            failed: None,
        }
    }

    /// Makes a ledger that writes its runs in `dir` rather than the temporary directory.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Ledger {
        Ledger {
            dir: Some(dir.into()),
            ..Ledger::default()
        }
    }

    /// Checks that a run can be written, before any is needed: the error names the
    /// directory.
    pub fn probe(&self) -> io::Result<()> {
        self.temp_file().map(drop)
    }

    /// Gives the ledger back, or the first run that could not be written.
    pub fn check(self) -> io::Result<Ledger> {
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }

    /// Notes a bad line (its first `HEAD` bytes).
    pub fn note(&mut self, pos: Pos, why: Malformed, line: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        let head = &line[..line.len().min(HEAD)];
        let why = REASONS.iter().position(|r| *r == why).unwrap_or(1) as u8;
        self.notes.push(Note {
            pos,
            at: self.heads.len() as u32,
            len: head.len() as u16,
            why,
        });
        self.heads.extend_from_slice(head);
        self.spill_if_full();
    }

    /// Bytes the notes take in memory.
    fn bytes(&self) -> usize {
        self.heads.len() + self.notes.len() * size_of::<Note>()
    }

    fn head(&self, n: &Note) -> &[u8] {
        &self.heads[n.at as usize..n.at as usize + n.len as usize]
    }

    fn spill_if_full(&mut self) {
        if self.bytes() < self.run_bytes {
            return;
        }
        if let Err(e) = self.spill() {
            self.fail(e);
        }
    }

    /// Keeps the first error and lets go of everything held.
    fn fail(&mut self, error: io::Error) {
        self.failed.get_or_insert(error);
        self.notes = Vec::new();
        self.heads = Vec::new();
        self.runs = Vec::new();
    }

    fn temp_file(&self) -> io::Result<File> {
        let made = match &self.dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        };
        made.map_err(|e| self.temp_error(e))
    }

    fn temp_error(&self, e: io::Error) -> io::Error {
        let dir = self.dir.clone().unwrap_or_else(std::env::temp_dir);
        let text = format!("cannot write a temporary file in {}: {e}", dir.display());
        io::Error::new(e.kind(), text)
    }

    /// Sorts the notes in memory into input order.
    fn sort(&mut self) {
        let (mut notes, heads) = (std::mem::take(&mut self.notes), &self.heads);
        let head = |n: &Note| &heads[n.at as usize..n.at as usize + n.len as usize];
        notes.sort_unstable_by(|a, b| {
            (a.pos, a.why)
                .cmp(&(b.pos, b.why))
                .then_with(|| head(a).cmp(head(b)))
        });
        self.notes = notes;
    }

    /// Writes the notes in memory to a sorted run on disk.
    fn spill(&mut self) -> io::Result<()> {
        self.sort();
        let mut file = self.temp_file()?;
        let write = |file: &mut File| -> io::Result<()> {
            let mut w = BufWriter::with_capacity(1 << 16, &mut *file);
            for n in &self.notes {
                w.write_all(&n.pos.source.to_le_bytes())?;
                w.write_all(&n.pos.chunk.to_le_bytes())?;
                w.write_all(&n.pos.line.to_le_bytes())?;
                w.write_all(&[n.why])?;
                w.write_all(&n.len.to_le_bytes())?;
                w.write_all(self.head(n))?;
            }
            w.flush()?;
            drop(w);
            file.rewind()
        };
        write(&mut file).map_err(|e| self.temp_error(e))?;
        self.runs.push(file);
        self.notes.clear();
        self.heads.clear();
        Ok(())
    }

    /// Adds another worker's notes (spilling them if both together are more than a run).
    pub fn merge(&mut self, other: Ledger) {
        if let Some(e) = other.failed {
            self.fail(e);
        }
        if self.failed.is_some() {
            return;
        }
        let base = self.heads.len() as u32;
        self.heads.extend_from_slice(&other.heads);
        self.notes.extend(other.notes.iter().map(|n| Note {
            at: n.at + base,
            ..*n
        }));
        self.runs.extend(other.runs);
        self.spill_if_full();
    }

    /// Writes every note, in input order, as `source:line:reason<TAB>head`; fails with the
    /// first run that could not be written, if one could not.
    pub fn write(mut self, out: impl Write, stats: &Stats, sources: &[String]) -> io::Result<()> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.sort();
        let mut runs: Vec<Run> = std::mem::take(&mut self.runs)
            .into_iter()
            .map(Run::new)
            .collect();
        // Each source's next note, by position; source `runs.len()` is the memory.
        let memory = runs.len();
        let mut heap = BinaryHeap::with_capacity(runs.len() + 1);
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some((pos, why)) = run.next()? {
                heap.push(Reverse((pos, why, i)));
            }
        }
        let mut next_in_memory = 0;
        if let Some(n) = self.notes.first() {
            heap.push(Reverse((n.pos, n.why, memory)));
        }
        let mut numbers = LineNumbers::new(stats);
        let mut out = BufWriter::with_capacity(1 << 16, out);
        let mut digits = itoa::Buffer::new();
        // The next note replaces its source's last at the top of the heap: one sift, and
        // none while a run's notes come before every other source's.
        while let Some(mut top) = heap.peek_mut() {
            let Reverse((pos, why, i)) = *top;
            let head = if i == memory {
                self.head(&self.notes[next_in_memory])
            } else {
                &runs[i].head
            };
            let source = sources.get(pos.source as usize).map_or("?", |s| s.as_str());
            out.write_all(source.as_bytes())?;
            out.write_all(b":")?;
            out.write_all(digits.format(numbers.of(pos)).as_bytes())?;
            out.write_all(b":")?;
            out.write_all(REASONS[why as usize % REASONS.len()].as_str().as_bytes())?;
            out.write_all(b"\t")?;
            out.write_all(head)?;
            out.write_all(b"\n")?;
            let next = if i == memory {
                next_in_memory += 1;
                self.notes.get(next_in_memory).map(|n| (n.pos, n.why))
            } else {
                runs[i].next()?
            };
            match next {
                Some((pos, why)) => *top = Reverse((pos, why, i)),
                None => drop(PeekMut::pop(top)),
            }
        }
        out.flush()
    }
}

/// Line numbers for positions asked in input order: `Stats::line_number`'s sum of the
/// chunks before, carried from one position to the next rather than redone for each
/// (which would cost every chunk of the source per bad line).
struct LineNumbers<'s> {
    chunks: std::iter::Peekable<std::collections::btree_map::Iter<'s, (u32, u64), u64>>,
    /// Lines in the chunks passed so far of this source.
    source: Option<u32>,
    before: u64,
}

impl<'s> LineNumbers<'s> {
    fn new(stats: &'s Stats) -> LineNumbers<'s> {
        LineNumbers {
            chunks: stats.chunk_lines.iter().peekable(),
            source: None,
            before: 0,
        }
    }

    /// Turns a position, no earlier than the last one asked, into a 1-based line number.
    fn of(&mut self, pos: Pos) -> u64 {
        while let Some(&(&(source, chunk), &lines)) = self.chunks.peek()
            && (source, chunk) < (pos.source, pos.chunk)
        {
            if self.source != Some(source) {
                self.source = Some(source);
                self.before = 0;
            }
            self.before += lines;
            self.chunks.next();
        }
        let before = if self.source == Some(pos.source) {
            self.before
        } else {
            0
        };
        before + pos.line + 1
    }
}

/// A sorted run being read back, one note at a time into the same buffer.
struct Run {
    r: BufReader<File>,
    head: Vec<u8>,
}

impl Run {
    fn new(f: File) -> Run {
        Run {
            r: BufReader::with_capacity(1 << 16, f),
            head: Vec::with_capacity(HEAD),
        }
    }

    /// Reads the next note: its position and reason, its head into `head`.
    fn next(&mut self) -> io::Result<Option<(Pos, u8)>> {
        let mut fixed = [0u8; 4 + 8 + 8 + 1 + 2];
        match self.r.read_exact(&mut fixed) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let u32_at = |i: usize| u32::from_le_bytes(fixed[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(fixed[i..i + 8].try_into().expect("8 bytes"));
        let len = u16::from_le_bytes([fixed[21], fixed[22]]) as usize;
        self.head.resize(len, 0);
        self.r.read_exact(&mut self.head)?;
        let pos = Pos {
            source: u32_at(0),
            chunk: u64_at(4),
            line: u64_at(12),
        };
        Ok(Some((pos, fixed[20])))
    }
}

/// The ledger sees the malformed lines as they are counted.
impl scan::Sink for Ledger {
    fn malformed(&mut self, pos: Pos, why: Malformed, line: &[u8]) {
        self.note(pos, why, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Aggregation;

    fn stats(chunks: &[(u32, u64, u64)]) -> Stats {
        let mut stats = Stats::new(Aggregation {
            bucket: None,
            auto_bucket: false,
            samples: 0,
            group_by: None,
            max_codes: 10_000,
            bucket_offset_ms: 0,
        });
        for &(source, chunk, lines) in chunks {
            stats.add_chunk(source, chunk, lines);
        }
        stats
    }

    fn at(chunk: u64, line: u64) -> Pos {
        Pos {
            source: 0,
            chunk,
            line,
        }
    }

    #[test]
    fn notes_come_out_in_input_order_across_workers_and_runs() {
        let stats = stats(&[(0, 0, 100_000), (0, 1, 100_000)]);
        let (mut a, mut b) = (
            Ledger::with_run_bytes(1 << 20),
            Ledger::with_run_bytes(1 << 20),
        );
        // Enough notes for several runs on disk.
        for line in 0..60_000u64 {
            let (ledger, chunk) = if line % 2 == 0 {
                (&mut a, 1)
            } else {
                (&mut b, 0)
            };
            ledger.note(at(chunk, line), Malformed::InvalidJson, &[b'x'; 150]);
        }
        b.note(at(0, 1), Malformed::TooLong, &[b'y'; 500]);
        assert!(!a.runs.is_empty() && !b.runs.is_empty());
        a.merge(b);
        let mut out = Vec::new();
        a.write(&mut out, &stats, &["f.log".to_string()]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 60_001);
        assert_eq!(
            lines[0],
            format!("f.log:2:invalid json\t{}", "x".repeat(150))
        );
        assert_eq!(lines[1], format!("f.log:2:too long\t{}", "y".repeat(HEAD)));
        // Chunk 0's odd lines first (line numbers 2, 4, …), then chunk 1's even ones.
        let numbers: Vec<u64> = lines
            .iter()
            .map(|l| l.split(':').nth(1).unwrap().parse().unwrap())
            .collect();
        assert!(numbers.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*numbers.last().unwrap(), 100_000 + 59_999);
    }

    #[test]
    fn a_ledger_whose_runs_cannot_be_written_holds_nothing_more() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let mut ledger = Ledger {
            run_bytes: 4096,
            ..Ledger::in_dir(&missing)
        };
        let said = ledger.probe().unwrap_err().to_string();
        assert!(said.starts_with(&format!(
            "cannot write a temporary file in {}: ",
            missing.display()
        )));
        // Were the notes kept, each line past the first run would sort them all again.
        for line in 0..100_000 {
            ledger.note(at(0, line), Malformed::InvalidJson, &[b'x'; 150]);
            assert!(
                ledger.bytes() < 4096,
                "line {line}: {} bytes",
                ledger.bytes()
            );
        }
        assert_eq!(ledger.heads.capacity(), 0);
        assert_eq!(ledger.check().unwrap_err().to_string(), said);
    }

    #[test]
    fn a_run_that_fails_after_others_ends_the_merged_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_owned();
        let mut ledger = Ledger {
            run_bytes: 4096,
            ..Ledger::in_dir(&path)
        };
        let mut line = 0;
        while ledger.runs.is_empty() {
            ledger.note(at(0, line), Malformed::InvalidJson, b"{");
            line += 1;
        }
        dir.close().unwrap();
        while ledger.failed.is_none() {
            ledger.note(at(0, line), Malformed::InvalidJson, b"{");
            line += 1;
        }
        assert!(ledger.runs.is_empty() && ledger.notes.is_empty());
        let mut merged = Ledger::default();
        merged.note(at(1, 0), Malformed::TooDeep, b"[[[");
        merged.merge(ledger);
        assert!(merged.notes.is_empty());
        let err = merged.write(Vec::new(), &stats(&[]), &[]).unwrap_err();
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    }

    #[test]
    fn line_numbers_carried_along_agree_with_the_aggregate() {
        let stats = stats(&[(0, 0, 3), (0, 2, 5), (0, 7, 1), (2, 1, 4), (2, 3, 2)]);
        let mut numbers = LineNumbers::new(&stats);
        for (source, chunk, line) in [(0, 0, 0), (0, 0, 2), (0, 2, 4), (0, 7, 0), (1, 0, 0)]
            .into_iter()
            .chain([(2, 1, 0), (2, 3, 1), (2, 9, 0), (3, 0, 0)])
        {
            let pos = Pos {
                source,
                chunk,
                line,
            };
            assert_eq!(numbers.of(pos), stats.line_number(pos), "{pos:?}");
        }
    }
}

//! The malformed-line ledger (`--bad-lines FILE`): every line that was not counted, as
//! `source:line:reason<TAB>first 200 bytes`, in input order.
//!
//! Workers note bad lines by position as they meet them. A worker keeps its notes in memory
//! up to `RUN_BYTES`, then sorts them and writes them to a temporary file (a sorted run), so
//! memory stays bounded however many lines are bad. At the end the runs are merged by
//! position and line numbers are filled in from the aggregate's per-chunk line counts.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

use crate::record::Malformed;
use crate::stats::{Pos, Stats};

/// Bytes of each bad line kept.
pub const HEAD: usize = 200;
/// Notes held in memory by one worker before they go to a sorted run on disk.
const RUN_BYTES: usize = 8 << 20;

/// One bad line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Note {
    pos: Pos,
    why: u8,
    head: Vec<u8>,
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
    bytes: usize,
    run_bytes: usize,
    runs: Vec<File>,
    failed: Option<String>,
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
            bytes: 0,
            run_bytes,
            runs: Vec::new(),
            failed: None,
        }
    }

    /// Notes a bad line (its first `HEAD` bytes).
    pub fn note(&mut self, pos: Pos, why: Malformed, line: &[u8]) {
        let head = line[..line.len().min(HEAD)].to_vec();
        self.bytes += head.len() + 32;
        let why = REASONS.iter().position(|r| *r == why).unwrap_or(1) as u8;
        self.notes.push(Note { pos, why, head });
        if self.bytes >= self.run_bytes
            && let Err(e) = self.spill()
        {
            self.failed.get_or_insert(e.to_string());
        }
    }

    /// Writes the notes in memory to a sorted run on disk.
    fn spill(&mut self) -> io::Result<()> {
        self.notes.sort();
        let mut file = tempfile::tempfile()?;
        {
            let mut w = BufWriter::new(&mut file);
            for n in self.notes.drain(..) {
                w.write_all(&n.pos.source.to_le_bytes())?;
                w.write_all(&n.pos.chunk.to_le_bytes())?;
                w.write_all(&n.pos.line.to_le_bytes())?;
                w.write_all(&[n.why])?;
                w.write_all(&(n.head.len() as u16).to_le_bytes())?;
                w.write_all(&n.head)?;
            }
            w.flush()?;
        }
        file.rewind()?;
        self.runs.push(file);
        self.bytes = 0;
        Ok(())
    }

    /// Adds another worker's notes.
    pub fn merge(&mut self, other: Ledger) {
        self.notes.extend(other.notes);
        self.bytes += other.bytes;
        self.runs.extend(other.runs);
        self.failed = self.failed.take().or(other.failed);
    }

    /// Writes every note, in input order, as `source:line:reason<TAB>head`.
    pub fn write(mut self, out: impl Write, stats: &Stats, sources: &[String]) -> io::Result<()> {
        if let Some(e) = self.failed {
            return Err(io::Error::other(e));
        }
        self.notes.sort();
        let mut runs: Vec<Run> = self.runs.into_iter().map(Run::new).collect();
        let mut heap = BinaryHeap::new();
        let mut memory = self.notes.into_iter().peekable();
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(n) = run.next()? {
                heap.push(Reverse((n, i)));
            }
        }
        let mut out = BufWriter::new(out);
        loop {
            let from_memory = match (memory.peek(), heap.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(m), Some(Reverse((r, _)))) => m <= r,
            };
            let note = if from_memory {
                memory.next().expect("peeked")
            } else {
                let Reverse((n, i)) = heap.pop().expect("peeked");
                if let Some(next) = runs[i].next()? {
                    heap.push(Reverse((next, i)));
                }
                n
            };
            let source = sources
                .get(note.pos.source as usize)
                .map_or("?", |s| s.as_str());
            let reason = REASONS[note.why as usize % REASONS.len()].as_str();
            write!(out, "{source}:{}:{reason}\t", stats.line_number(note.pos))?;
            out.write_all(&note.head)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }
}

/// A sorted run being read back.
struct Run {
    r: BufReader<File>,
}

impl Run {
    fn new(f: File) -> Run {
        Run {
            r: BufReader::new(f),
        }
    }

    fn next(&mut self) -> io::Result<Option<Note>> {
        let mut fixed = [0u8; 4 + 8 + 8 + 1 + 2];
        match self.r.read_exact(&mut fixed) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let u32_at = |i: usize| u32::from_le_bytes(fixed[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(fixed[i..i + 8].try_into().expect("8 bytes"));
        let len = u16::from_le_bytes([fixed[21], fixed[22]]) as usize;
        let mut head = vec![0; len];
        self.r.read_exact(&mut head)?;
        Ok(Some(Note {
            pos: Pos {
                source: u32_at(0),
                chunk: u64_at(4),
                line: u64_at(12),
            },
            why: fixed[20],
            head,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Shape, Split};

    #[test]
    fn notes_come_out_in_input_order_across_workers_and_runs() {
        let mut stats = Stats::new(Shape {
            bucket: None,
            samples: 0,
            split: Split::None,
            max_codes: 10_000,
        });
        stats.add_chunk(0, 0, 100_000);
        stats.add_chunk(0, 1, 100_000);
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
            let pos = Pos {
                source: 0,
                chunk,
                line,
            };
            ledger.note(pos, Malformed::InvalidJson, &[b'x'; 150]);
        }
        b.note(
            Pos {
                source: 0,
                chunk: 0,
                line: 1,
            },
            Malformed::TooLong,
            &[b'y'; 500],
        );
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
}

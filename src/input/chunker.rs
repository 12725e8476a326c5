//! Cutting bytes into chunks of whole lines: the one line splitter. Bytes come read from a
//! reader (`run`: files, ranges of files, decompressed streams) or pushed as they arrive
//! (`feed`, `finish`, `restart`: live mode's pipes and followed files). Both go through
//! `cut_held`, so a partial last line waits for its end and a line longer than `max_line` is
//! dropped while read, as one too-long chunk, the same way whichever way the bytes came.

use std::io::{self, Read};
use std::ops::ControlFlow;

use super::DecodeError;

/// Bytes read at a time past a range's end, to finish its last line.
const TAIL_READ: usize = 64 << 10;

/// Bytes kept of a line dropped for being too long (for the bad-line ledger).
const LONG_HEAD: usize = crate::ledger::HEAD;

/// A run of whole lines, or one line that was too long to keep.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Byte offset of the chunk's first line in its (decoded) source.
    pub offset: u64,
    /// The buffer; `len` bytes of it from `start` on are the chunk.
    pub data: Vec<u8>,
    pub start: usize,
    pub len: usize,
    /// The chunk is one line longer than `max_line`, dropped while read; `data` holds
    /// its first bytes only.
    pub too_long: bool,
}

impl Chunk {
    /// Whole lines, each ending in `\n` except perhaps the source's last.
    pub fn bytes(&self) -> &[u8] {
        &self.data[self.start..self.start + self.len]
    }
}

/// A read buffer whose memory stays initialised between uses (`data.len()` only grows), so
/// refilling it never zeroes memory again; `data[start..filled]` holds data.
#[derive(Debug, Default)]
struct Buf {
    data: Vec<u8>,
    start: usize,
    filled: usize,
}

impl Buf {
    fn bytes(&self) -> &[u8] {
        &self.data[self.start..self.filled]
    }

    /// How many bytes it holds.
    fn len(&self) -> usize {
        self.filled - self.start
    }

    /// Drops the first `n` bytes (without moving the others: a range's partial first line
    /// is dropped this way, and moving the ~1 MiB after it cost as much as reading it).
    fn consume(&mut self, n: usize) {
        self.start += n;
    }

    /// Empties it.
    fn clear(&mut self) {
        self.start = 0;
        self.filled = 0;
    }

    /// Replaces the contents with `bytes`.
    fn set(&mut self, bytes: &[u8]) {
        self.clear();
        self.push(bytes);
    }

    /// Appends `bytes`.
    fn push(&mut self, bytes: &[u8]) {
        let end = self.filled + bytes.len();
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        self.data[self.filled..end].copy_from_slice(bytes);
        self.filled = end;
    }

    /// Reads until `want` bytes are held or the reader ends; returns whether it ended.
    fn fill(&mut self, r: &mut impl Read, want: usize) -> io::Result<bool> {
        let want = self.start + want;
        if self.data.len() < want {
            self.data.resize(want, 0);
        }
        while self.filled < want {
            match r.read(&mut self.data[self.filled..want]) {
                Ok(0) => return Ok(true),
                Ok(k) => self.filled += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }
}

/// Cuts bytes into chunks of whole lines, read (`run`) or pushed (`feed`). One per worker or
/// per followed source: it keeps its buffers from one use to the next.
#[derive(Debug, Default)]
pub struct Chunker {
    /// Bytes read at a time; a chunk is about this long.
    pub chunk_size: usize,
    /// Longest line kept, in bytes without its `\n`.
    pub max_line: usize,
    /// What is held: a partial last line, then bytes not yet cut.
    held: Buf,
    /// The buffer of the chunk handed out last, when the callback left it: the next `held`.
    spare: Vec<u8>,
    /// Where `held`'s first byte is in the source.
    at: u64,
    /// While dropping an overlong line: where it started (`None` for a range's partial
    /// first line, which is someone else's and not reported), and its first bytes.
    dropping: Option<Option<u64>>,
    long_head: Vec<u8>,
    /// Past the first line that starts at or after this offset, nothing more is cut.
    limit: u64,
}

impl Chunker {
    /// Makes a chunker with empty buffers.
    pub fn new(chunk_size: usize, max_line: usize) -> Chunker {
        Chunker {
            chunk_size,
            max_line,
            limit: u64::MAX,
            ..Chunker::default()
        }
    }

    /// Reads `r` (positioned at `offset` in its source) until the first line that starts
    /// at or after `limit`, the end, or until `f` breaks. Reads stop at `limit`, then go on
    /// in small steps to finish the last line. With `skip_partial`, the bytes up to the
    /// first newline belong to someone else and are not handed out. The callback may take
    /// the chunk's buffer; if it leaves it, the buffer is reused. Forgets anything pushed.
    pub fn run(
        &mut self,
        mut r: impl Read,
        offset: u64,
        skip_partial: bool,
        limit: u64,
        mut f: impl FnMut(&mut Chunk) -> ControlFlow<()>,
    ) -> io::Result<()> {
        self.start_at(offset, limit);
        self.dropping = skip_partial.then_some(None);
        let result = loop {
            let end = self.at + self.held.len() as u64;
            let step = if end < limit {
                (limit - end).min(self.chunk_size as u64) as usize
            } else {
                TAIL_READ.min(self.chunk_size)
            };
            let searched = self.held.len();
            let eof = match self.held.fill(&mut r, searched + step) {
                Ok(eof) => eof,
                Err(e) => {
                    // Keep what was read: hand out its whole lines, then say where it stopped.
                    let at = self.at + self.held.len() as u64;
                    if self.dropping.is_none() {
                        let _ = self.cut_held(searched, &mut f);
                    }
                    let of = match e.get_ref() {
                        Some(inner) if inner.is::<DecodeError>() => " of the decompressed data",
                        _ => "",
                    };
                    let why = format!("{e} (after byte {at}{of}; the lines before it are counted)");
                    break Err(io::Error::new(e.kind(), why));
                }
            };
            if self.cut_held(searched, &mut f).is_break() {
                break Ok(());
            }
            if eof {
                let _ = self.hand_out_rest(&mut f);
                break Ok(());
            }
            if self.dropping.is_none() && self.at >= limit {
                break Ok(());
            }
        };
        self.start_at(0, u64::MAX);
        result
    }

    /// Takes bytes as they come; hands out the whole lines they complete as one chunk. A
    /// partial last line waits for its end (or `finish`).
    pub fn feed(&mut self, bytes: &[u8], mut f: impl FnMut(&mut Chunk)) {
        let searched = self.held.len();
        self.held.push(bytes);
        let _ = self.cut_held(searched, &mut |c: &mut Chunk| {
            f(c);
            ControlFlow::Continue(())
        });
    }

    /// Ends pushed input: hands out its last line, though no newline ended it (or the
    /// overlong line it was dropping).
    pub fn finish(&mut self, mut f: impl FnMut(&mut Chunk)) {
        let _ = self.hand_out_rest(&mut |c: &mut Chunk| {
            f(c);
            ControlFlow::Continue(())
        });
        self.held.clear();
    }

    /// Starts pushed input again at a source's byte 0 (its file was replaced or truncated):
    /// a partial line fed so far is gone, and an overlong one being dropped is handed out
    /// as such.
    pub fn restart(&mut self, mut f: impl FnMut(&mut Chunk)) {
        if let Some(Some(started)) = self.dropping.take() {
            f(&mut too_long(started, &self.long_head));
        }
        self.start_at(0, u64::MAX);
    }

    /// Forgets what is held: the next byte is at `offset`.
    fn start_at(&mut self, offset: u64, limit: u64) {
        self.held.clear();
        self.at = offset;
        self.dropping = None;
        self.limit = limit;
    }

    /// Hands out the whole lines held, where the first `searched` bytes held are known to
    /// hold no newline; keeps a partial last line, or starts dropping it when it grew past
    /// `max_line`.
    fn cut_held(
        &mut self,
        mut searched: usize,
        f: &mut impl FnMut(&mut Chunk) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if let Some(started) = self.dropping {
            let Some(i) = memchr::memchr(b'\n', self.held.bytes()) else {
                self.at += self.held.len() as u64;
                self.held.clear();
                return ControlFlow::Continue(());
            };
            self.at += i as u64 + 1;
            self.held.consume(i + 1);
            self.dropping = None;
            if let Some(started) = started {
                f(&mut too_long(started, &self.long_head))?;
            }
            if self.at >= self.limit {
                return ControlFlow::Break(());
            }
            searched = 0;
        }
        match memchr::memrchr(b'\n', &self.held.bytes()[searched..]) {
            Some(i) => {
                let len = searched + i + 1;
                let mut next = Buf {
                    data: std::mem::take(&mut self.spare),
                    ..Buf::default()
                };
                next.set(&self.held.bytes()[len..]);
                let start = self.held.start;
                let mut chunk = Chunk {
                    offset: self.at,
                    data: std::mem::replace(&mut self.held, next).data,
                    start,
                    len,
                    too_long: false,
                };
                self.at += len as u64;
                let flow = f(&mut chunk);
                self.spare = chunk.data;
                flow
            }
            None if self.held.len() > self.max_line => {
                self.long_head.clear();
                let head = LONG_HEAD.min(self.held.len());
                self.long_head.extend_from_slice(&self.held.bytes()[..head]);
                self.dropping = Some(Some(self.at));
                self.at += self.held.len() as u64;
                self.held.clear();
                ControlFlow::Continue(())
            }
            None => ControlFlow::Continue(()),
        }
    }

    /// At the end of the input: hands out the last line, which no newline ended, or the
    /// overlong line being dropped.
    fn hand_out_rest(
        &mut self,
        f: &mut impl FnMut(&mut Chunk) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if let Some(started) = self.dropping.take() {
            return match started {
                Some(at) => f(&mut too_long(at, &self.long_head)),
                None => ControlFlow::Continue(()),
            };
        }
        if self.held.len() == 0 {
            return ControlFlow::Continue(());
        }
        let start = self.held.start;
        let len = self.held.len();
        let mut chunk = Chunk {
            offset: self.at,
            data: std::mem::take(&mut self.held.data),
            start,
            len,
            too_long: false,
        };
        self.at += len as u64;
        let flow = f(&mut chunk);
        self.held = Buf {
            data: chunk.data,
            ..Buf::default()
        };
        flow
    }
}

fn too_long(offset: u64, head: &[u8]) -> Chunk {
    Chunk {
        offset,
        start: 0,
        len: head.len(),
        data: head.to_vec(),
        too_long: true,
    }
}

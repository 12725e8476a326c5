//! Input: which sources to read, how to open them, and how to cut them into chunks of whole
//! lines.
//!
//! A source is a file or standard input. Directories expand to their regular files,
//! recursively, in sorted path order (symlinked directories are not followed, so a link loop
//! cannot hang a run; FIFOs, sockets and devices are left out and counted, as one could block
//! or never end). Compression is told by magic bytes: `1f 8b` gzip (multi-member),
//! `28 b5 2f fd` zstd, or a zstd skippable frame (`5? 2a 4d 18`, which `pzstd` writes first). `Chunker` turns any reader into chunks that end at a newline, so workers never see
//! half a line; a line longer than `max_line` is dropped while it is read (memory stays
//! bounded by `chunk_size + max_line`) and reported as its own chunk. A plain file of
//! more than one range can also be read through a guarded memory map (`Mapped`).

use std::fs::File;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

pub mod follow;
mod mapped;

pub use self::mapped::Mapped;

/// Where lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    /// Names the source as messages and reports do (`<stdin>` for standard input).
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// An input that could not be read, with what went wrong.
#[derive(Debug)]
pub struct InputError {
    pub source: String,
    pub error: io::Error,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.source, self.error)
    }
}

/// What the user's paths expand to.
#[derive(Debug, Default)]
pub struct Expanded {
    pub sources: Vec<Source>,
    /// Paths that could not be listed.
    pub errors: Vec<InputError>,
    /// What each directory walk left out, one per directory named that left any out.
    pub skipped: Vec<Skipped>,
}

/// Entries of a directory walk that are not regular files (FIFOs, sockets, devices, and
/// links to them): opening a FIFO waits for a writer, and a device such as `/dev/zero`
/// never ends, so a walk reads regular files only, as `rg` and `grep -r` do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The directory named by the user.
    pub dir: PathBuf,
    pub count: usize,
    /// The first one left out, in walk order.
    pub first: PathBuf,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (dir, first) = (self.dir.display(), self.first.display());
        if self.count == 1 {
            write!(
                f,
                "skipped 1 entry that is not a regular file in {dir}: {first}"
            )
        } else {
            let n = self.count;
            write!(
                f,
                "skipped {n} entries that are not regular files in {dir} (first: {first})"
            )
        }
    }
}

/// Expands the user's paths: `-` is standard input, a directory its regular files
/// (recursively, sorted), anything else a file (a FIFO named here is read as a stream). No
/// paths at all means standard input.
pub fn expand(paths: &[PathBuf]) -> Expanded {
    let mut out = Expanded::default();
    if paths.is_empty() {
        out.sources.push(Source::Stdin);
    }
    for p in paths {
        if p.as_os_str() == "-" {
            out.sources.push(Source::Stdin);
        } else if p.is_dir() {
            let mut skipped = None;
            walk(p, &mut out.sources, &mut out.errors, &mut skipped);
            out.skipped.extend(skipped.map(|(count, first)| Skipped {
                dir: p.clone(),
                count,
                first,
            }));
        } else {
            out.sources.push(Source::File(p.clone()));
        }
    }
    out
}

/// Adds the regular files under `dir` to `sources`, in sorted path order; counts in
/// `skipped` the entries that are not (with the first of them).
fn walk(
    dir: &Path,
    sources: &mut Vec<Source>,
    errors: &mut Vec<InputError>,
    skipped: &mut Option<(usize, PathBuf)>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd.collect::<Result<Vec<_>, _>>(),
        Err(e) => Err(e),
    };
    let mut entries = match entries {
        Ok(v) => v,
        Err(error) => {
            errors.push(InputError {
                source: dir.display().to_string(),
                error,
            });
            return;
        }
    };
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        // `file_type` does not follow symlinks: a linked directory is not walked.
        let regular = match e.file_type() {
            Ok(t) if t.is_dir() => {
                walk(&path, sources, errors, skipped);
                continue;
            }
            Ok(t) if t.is_symlink() => match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(m) => m.is_file(),
                // A dangling link or a loop: opening it names the error.
                Err(_) => true,
            },
            Ok(t) => t.is_file(),
            Err(_) => true,
        };
        if regular {
            sources.push(Source::File(path));
        } else {
            let (count, _) = skipped.get_or_insert_with(|| (0, path));
            *count += 1;
        }
    }
}

/// How a source's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Tells the compression from a source's first bytes.
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            // A skippable frame (magic 0x184D2A5?, little-endian): pzstd starts with one,
            // and the zstd decoder passes over it.
            [m, 0x2a, 0x4d, 0x18, ..] if m & 0xf0 == 0x50 => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// How a source will be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular, uncompressed file of this length: read in parallel ranges.
    Plain(u64),
    /// Anything else: read front to back (`open_stream`).
    Stream,
}

/// Looks at a source to tell how to read it: a regular file is opened and its first bytes
/// sniffed. Standard input and other non-regular files (FIFOs…) are not touched: their
/// bytes can be read only once.
pub fn kind(source: &Source) -> io::Result<Kind> {
    let Source::File(path) = source else {
        return Ok(Kind::Stream);
    };
    // Looked at before opening: opening a FIFO would wait for, and then cut off, a writer.
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    if !meta.is_file() {
        return Ok(Kind::Stream);
    }
    let mut file = File::open(path)?;
    let mut head = [0u8; 4];
    let n = read_full(&mut file, &mut head)?;
    Ok(match Compression::sniff(&head[..n]) {
        Compression::None => Kind::Plain(meta.len()),
        Compression::Gzip | Compression::Zstd => Kind::Stream,
    })
}

/// Opens a source to read front to back, decoding gzip or zstd (told by magic bytes).
/// `counted` sees every raw byte read.
pub fn open_stream(
    source: &Source,
    counted: impl Fn(u64) + Send + 'static,
) -> io::Result<Box<dyn Read + Send>> {
    let mut raw: Box<dyn Read + Send> = match source {
        Source::Stdin => Box::new(io::stdin()),
        Source::File(p) => Box::new(File::open(p)?),
    };
    let mut head = [0u8; 4];
    let n = read_full(&mut raw, &mut head)?;
    let compression = Compression::sniff(&head[..n]);
    let raw = Counting {
        inner: io::Cursor::new(head[..n].to_vec()).chain(raw),
        counted,
    };
    Ok(match compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(Decoded(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 20, raw),
        ))),
        Compression::Zstd => Box::new(Decoded(zstd::stream::read::Decoder::new(raw)?)),
    })
}

/// A decoder's output. Its errors are marked (`DecodeError`), so that where reading stopped
/// is told as a position in the decompressed data, which is what its reader counts.
struct Decoded<R>(R);

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), DecodeError(e)))
    }
}

/// An error met while reading decompressed data (a cut or corrupt gzip or zstd stream, or
/// the file under it failing).
#[derive(Debug)]
struct DecodeError(io::Error);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Reads until `buf` is full or the end; returns how much was read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A reader that reports every byte it passes on (for the progress bar).
struct Counting<R, F> {
    inner: R,
    counted: F,
}

impl<R: Read, F: Fn(u64)> Read for Counting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.counted)(n as u64);
        Ok(n)
    }
}

/// A reader over a file by position (`pread`), so workers share one file without seeking.
pub struct PositionedReader<'f> {
    file: &'f File,
    pos: u64,
}

impl<'f> PositionedReader<'f> {
    pub fn new(file: &'f File, pos: u64) -> Self {
        PositionedReader { file, pos }
    }
}

impl Read for PositionedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Bytes read at a time past a range's end, to finish its last line.
const TAIL_READ: usize = 64 << 10;

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
#[derive(Default)]
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
        if self.data.len() < bytes.len() {
            self.data.resize(bytes.len(), 0);
        }
        self.data[..bytes.len()].copy_from_slice(bytes);
        self.start = 0;
        self.filled = bytes.len();
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

/// Cuts a reader into chunks of whole lines (`run`), or bytes pushed as they come
/// (`feed`, `finish`: live mode's pipes and followed files). Both hand out the same chunks'
/// lines and drop a line longer than `max_line` while reading, as one too-long chunk.
#[derive(Debug, Default)]
pub struct Chunker {
    /// Bytes read at a time; a chunk is about this long.
    pub chunk_size: usize,
    /// Longest line kept, in bytes without its `\n`.
    pub max_line: usize,
    /// Buffers kept from one `run` to the next (initialised memory, never zeroed again).
    pool: Vec<Vec<u8>>,
    /// Push mode's partial last line, and where in the source it starts.
    carry: Vec<u8>,
    at: u64,
    /// Push mode, dropping an overlong line: where it started, and its first bytes.
    dropping: Option<u64>,
    long_head: Vec<u8>,
}

impl Chunker {
    /// Makes a chunker with an empty buffer pool.
    pub fn new(chunk_size: usize, max_line: usize) -> Chunker {
        Chunker {
            chunk_size,
            max_line,
            ..Chunker::default()
        }
    }

    /// Reads `r` (positioned at `offset` in its source) until the first line that starts
    /// at or after `limit`, the end, or until `f` breaks. Reads stop at `limit`, then go on
    /// in small steps to finish the last line. With `skip_partial`, the bytes up to the
    /// first newline belong to someone else and are not handed out. The callback may take
    /// the chunk's buffer; if it leaves it, the buffer is reused.
    pub fn run(
        &mut self,
        r: impl Read,
        offset: u64,
        skip_partial: bool,
        limit: u64,
        f: impl FnMut(&mut Chunk) -> ControlFlow<()>,
    ) -> io::Result<()> {
        let mut buf = Buf {
            data: self.pool.pop().unwrap_or_default(),
            ..Buf::default()
        };
        // The buffer of the chunk handed out last.
        let mut spare = Buf {
            data: self.pool.pop().unwrap_or_default(),
            ..Buf::default()
        };
        let result = self.cut(r, offset, skip_partial, limit, f, &mut buf, &mut spare);
        self.pool
            .extend([buf.data, spare.data].into_iter().filter(|d| !d.is_empty()));
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn cut(
        &self,
        mut r: impl Read,
        mut offset: u64,
        skip_partial: bool,
        limit: u64,
        mut f: impl FnMut(&mut Chunk) -> ControlFlow<()>,
        buf: &mut Buf,
        spare: &mut Buf,
    ) -> io::Result<()> {
        // While dropping an overlong line: where it started (None for a skipped partial),
        // and its first bytes.
        let mut dropping: Option<Option<u64>> = skip_partial.then_some(None);
        let mut long_head: Vec<u8> = Vec::new();
        loop {
            let end = offset + buf.len() as u64;
            let step = if end < limit {
                (limit - end).min(self.chunk_size as u64) as usize
            } else {
                TAIL_READ.min(self.chunk_size)
            };
            let eof = match buf.fill(&mut r, buf.len() + step) {
                Ok(eof) => eof,
                Err(e) => {
                    // Keep what was read: hand out its whole lines, then say where it stopped.
                    let at = offset + buf.len() as u64;
                    if dropping.is_none()
                        && let Some(i) = memchr::memrchr(b'\n', buf.bytes())
                    {
                        let mut chunk = Chunk {
                            offset,
                            start: buf.start,
                            len: i + 1,
                            data: std::mem::take(&mut buf.data),
                            too_long: false,
                        };
                        let _ = f(&mut chunk);
                        buf.data = chunk.data;
                    }
                    let of = match e.get_ref() {
                        Some(inner) if inner.is::<DecodeError>() => " of the decompressed data",
                        _ => "",
                    };
                    let why = format!("{e} (after byte {at}{of}; the lines before it are counted)");
                    return Err(io::Error::new(e.kind(), why));
                }
            };
            if let Some(started) = dropping {
                match memchr::memchr(b'\n', buf.bytes()) {
                    None => {
                        offset += buf.len() as u64;
                        buf.clear();
                        if eof {
                            if let Some(at) = started {
                                let _ = f(&mut too_long(at, &long_head));
                            }
                            return Ok(());
                        }
                        continue;
                    }
                    Some(i) => {
                        offset += i as u64 + 1;
                        buf.consume(i + 1);
                        dropping = None;
                        if let Some(at) = started
                            && f(&mut too_long(at, &long_head)).is_break()
                        {
                            return Ok(());
                        }
                        if offset >= limit {
                            return Ok(());
                        }
                    }
                }
            }
            if eof {
                if buf.len() > 0 {
                    let mut chunk = Chunk {
                        offset,
                        start: buf.start,
                        len: buf.len(),
                        data: std::mem::take(&mut buf.data),
                        too_long: false,
                    };
                    let _ = f(&mut chunk);
                    buf.data = chunk.data;
                }
                return Ok(());
            }
            match memchr::memrchr(b'\n', buf.bytes()) {
                Some(i) => {
                    let mut next = std::mem::take(spare);
                    next.set(&buf.bytes()[i + 1..]);
                    let len = i + 1;
                    let start = buf.start;
                    let mut chunk = Chunk {
                        offset,
                        data: std::mem::replace(buf, next).data,
                        start,
                        len,
                        too_long: false,
                    };
                    offset += len as u64;
                    let flow = f(&mut chunk);
                    *spare = Buf {
                        data: chunk.data,
                        ..Buf::default()
                    };
                    if flow.is_break() || offset >= limit {
                        return Ok(());
                    }
                }
                None if buf.len() > self.max_line => {
                    long_head.clear();
                    long_head.extend_from_slice(&buf.bytes()[..LONG_HEAD.min(buf.len())]);
                    dropping = Some(Some(offset));
                    offset += buf.len() as u64;
                    buf.clear();
                }
                None => {}
            }
        }
    }
}

impl Chunker {
    /// Takes bytes as they come; hands out the whole lines they complete as one chunk. A
    /// partial last line waits for its end (or `finish`).
    pub fn feed(&mut self, bytes: &[u8], mut f: impl FnMut(&mut Chunk)) {
        let mut bytes = bytes;
        if let Some(started) = self.dropping {
            let Some(i) = memchr::memchr(b'\n', bytes) else {
                self.at += bytes.len() as u64;
                return;
            };
            f(&mut too_long(started, &self.long_head));
            self.dropping = None;
            self.at += i as u64 + 1;
            bytes = &bytes[i + 1..];
        }
        if let Some(i) = memchr::memrchr(b'\n', bytes) {
            self.carry.extend_from_slice(&bytes[..=i]);
            self.hand_out_carry(&mut f);
            bytes = &bytes[i + 1..];
        }
        self.carry.extend_from_slice(bytes);
        if self.carry.len() > self.max_line {
            self.long_head.clear();
            let head = LONG_HEAD.min(self.carry.len());
            self.long_head.extend_from_slice(&self.carry[..head]);
            self.dropping = Some(self.at);
            self.at += self.carry.len() as u64;
            self.carry.clear();
        }
    }

    /// Ends push mode's input: hands out its last line, though no newline ended it (or the
    /// overlong line it was dropping).
    pub fn finish(&mut self, mut f: impl FnMut(&mut Chunk)) {
        if let Some(started) = self.dropping.take() {
            f(&mut too_long(started, &self.long_head));
        } else if !self.carry.is_empty() {
            self.hand_out_carry(&mut f);
        }
    }

    /// Hands out what push mode holds as one chunk; its buffer comes back for the next
    /// partial line, unless the callback took it.
    fn hand_out_carry(&mut self, f: &mut impl FnMut(&mut Chunk)) {
        let mut chunk = Chunk {
            offset: self.at,
            start: 0,
            len: self.carry.len(),
            data: std::mem::take(&mut self.carry),
            too_long: false,
        };
        self.at += chunk.len as u64;
        f(&mut chunk);
        self.carry = chunk.data;
        self.carry.clear();
    }

    /// Starts push mode again at a source's byte 0 (its file was replaced or truncated):
    /// a partial line fed so far is gone, and an overlong one being dropped is handed out
    /// as such.
    pub fn restart(&mut self, mut f: impl FnMut(&mut Chunk)) {
        if let Some(started) = self.dropping.take() {
            f(&mut too_long(started, &self.long_head));
        }
        self.carry.clear();
        self.at = 0;
    }
}

/// Bytes kept of a line dropped for being too long (for the bad-line ledger).
const LONG_HEAD: usize = crate::ledger::HEAD;

fn too_long(offset: u64, head: &[u8]) -> Chunk {
    Chunk {
        offset,
        start: 0,
        len: head.len(),
        data: head.to_vec(),
        too_long: true,
    }
}

#[cfg(test)]
mod tests;

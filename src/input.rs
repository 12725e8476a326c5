//! Input: which sources to read, how to open them, and how to cut them into chunks of whole
//! lines.
//!
//! A source is a file or standard input. Directories expand to their regular files,
//! recursively, in sorted path order, as ripgrep walks them (`walk.rs`: hidden and ignored
//! files and files that look binary are left out; symlinked directories are not followed,
//! so a link loop cannot hang a run; FIFOs, sockets and devices are left out and counted, as
//! one could block or never end). Compression is told by magic bytes: `1f 8b` gzip (multi-member),
//! `28 b5 2f fd` zstd, or a zstd skippable frame (`5? 2a 4d 18`, which `pzstd` writes first). `Chunker` turns any reader into chunks that end at a newline, so workers never see
//! half a line; a line longer than `max_line` is dropped while it is read (memory stays
//! bounded by `chunk_size + max_line`) and reported as its own chunk. A plain file of
//! more than one range can also be read through a guarded memory map (`Mapped`).

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

mod chunker;
pub mod follow;
mod mapped;
mod walk;

pub use self::chunker::{Chunk, Chunker};
pub use self::mapped::Mapped;
pub use self::walk::{Binary, Expanded, Skipped, Walk, expand, looks_binary};

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
    // Fewer bytes than asked for: the end was read already. It is not read for again: on a
    // terminal, an end is one Ctrl-D, which a second read would wait for anew.
    let rest: Box<dyn Read + Send> = if n < head.len() {
        Box::new(io::empty())
    } else {
        raw
    };
    let raw = Counting {
        inner: io::Cursor::new(head[..n].to_vec()).chain(rest),
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
pub(crate) struct DecodeError(io::Error);

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

#[cfg(test)]
mod tests;

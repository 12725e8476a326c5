//! Unit tests of `input`: chunk cutting, sniffing, decoding and directory walks.

use std::ops::ControlFlow;
use std::path::Path;

use super::*;

fn chunks(data: &[u8], chunk_size: usize, max_line: usize, skip: bool) -> Vec<(u64, String, bool)> {
    let mut out = Vec::new();
    Chunker::new(chunk_size, max_line)
        .run(data, 100, skip, u64::MAX, |c: &mut Chunk| {
            out.push((
                c.offset,
                String::from_utf8_lossy(c.bytes()).into_owned(),
                c.too_long,
            ));
            ControlFlow::Continue(())
        })
        .unwrap();
    out
}

#[test]
fn chunks_end_at_newlines_and_keep_every_byte() {
    let text = b"one\ntwo\nthree\nfour\nfive";
    for size in 1..30 {
        let got = chunks(text, size, 1000, false);
        let joined: String = got.iter().map(|c| c.1.as_str()).collect();
        assert_eq!(joined.as_bytes(), text, "size {size}");
        for (i, (off, data, _)) in got.iter().enumerate() {
            assert!(i + 1 == got.len() || data.ends_with('\n'));
            let before: usize = got[..i].iter().map(|c| c.1.len()).sum();
            assert_eq!(*off, 100 + before as u64);
        }
    }
}

#[test]
fn overlong_lines_are_dropped_while_read() {
    let text = format!("a\n{}\nb\n{}", "x".repeat(50), "y".repeat(60));
    for size in 1..8 {
        let got = chunks(text.as_bytes(), size, 10, false);
        let long: Vec<u64> = got.iter().filter(|c| c.2).map(|c| c.0).collect();
        assert_eq!(long, [102, 155], "size {size}");
        let kept: String = got.iter().filter(|c| !c.2).map(|c| c.1.as_str()).collect();
        assert_eq!(kept, "a\nb\n", "size {size}");
        // A dropped line keeps its first bytes (at least what was read before it
        // passed the limit), for the bad-line ledger.
        let heads: Vec<&str> = got.iter().filter(|c| c.2).map(|c| c.1.as_str()).collect();
        assert!(
            heads[0].len() > 10 && heads[0].bytes().all(|b| b == b'x'),
            "{heads:?}"
        );
        assert!(
            heads[1].len() > 10 && heads[1].bytes().all(|b| b == b'y'),
            "{heads:?}"
        );
    }
}

#[test]
fn skip_partial_drops_the_first_line_only() {
    let got = chunks(b"tail of another\nmine\n", 4, 1000, true);
    let kept: String = got.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(kept, "mine\n");
    assert_eq!(got[0].0, 116);
    assert!(got.iter().all(|c| !c.2));
}

#[test]
fn a_limit_stops_after_the_line_that_crosses_it() {
    let text = b"aaaa\nbbbb\ncccc\ndddd\n";
    for size in 1..12 {
        let mut kept = Vec::new();
        let mut read = 0;
        let counting = std::io::Read::chain(&text[..], &b""[..]).take(1000);
        Chunker::new(size, 100)
            .run(counting, 0, false, 7, |c| {
                read += c.len;
                kept.extend_from_slice(c.bytes());
                ControlFlow::Continue(())
            })
            .unwrap();
        // Lines starting before byte 7: "aaaa" and "bbbb" (which crosses the limit).
        assert!(kept.starts_with(b"aaaa\nbbbb\n"), "size {size}");
        assert!(read < text.len(), "size {size}: read all");
    }
}

#[test]
fn a_file_that_shrinks_while_read_ends_where_it_now_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrinks.log");
    std::fs::write(&path, "line one\nline two\nline three\n".repeat(100)).unwrap();
    let file = File::open(&path).unwrap();
    // logrotate's copytruncate, between the look at the size and the read.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(45)
        .unwrap();
    let mut kept = Vec::new();
    let result = Chunker::new(16, 1000).run(PositionedReader::new(&file, 0), 0, false, 3000, |c| {
        kept.extend_from_slice(c.bytes());
        ControlFlow::Continue(())
    });
    assert!(result.is_ok());
    // 45 bytes are left: the last line is cut, and comes as the last line.
    assert_eq!(kept, b"line one\nline two\nline three\nline one\nline tw");
}

#[test]
fn sniffs_magic_bytes() {
    assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
    assert_eq!(
        Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]),
        Compression::Zstd
    );
    assert_eq!(Compression::sniff(b"{\"a"), Compression::None);
    assert_eq!(Compression::sniff(b""), Compression::None);
    // Skippable frames, the first of which pzstd writes.
    for m in [0x50, 0x5a, 0x5f] {
        assert_eq!(
            Compression::sniff(&[m, 0x2a, 0x4d, 0x18]),
            Compression::Zstd
        );
    }
    assert_eq!(
        Compression::sniff(&[0x60, 0x2a, 0x4d, 0x18]),
        Compression::None
    );
}

/// Reads a source to its end as `open_stream` decodes it.
fn decoded(path: &Path) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    open_stream(&Source::File(path.to_path_buf()), |_| {})?.read_to_end(&mut out)?;
    Ok(out)
}

#[test]
fn a_zstd_file_that_starts_with_a_skippable_frame_is_decoded() {
    let text = b"{\"Response\":{\"RequestId\":\"a\"}}\n".repeat(50);
    let mut data = vec![0x50, 0x2a, 0x4d, 0x18];
    data.extend_from_slice(&5u32.to_le_bytes());
    data.extend_from_slice(b"12345");
    data.extend(zstd::encode_all(&text[..], 3).unwrap());
    // A skippable frame between frames too.
    data.extend_from_slice(&[0x5e, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 0xff, 0xfe]);
    data.extend(zstd::encode_all(&text[..], 3).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pzstd.log");
    std::fs::write(&path, &data).unwrap();
    assert_eq!(kind(&Source::File(path.clone())).unwrap(), Kind::Stream);
    assert_eq!(decoded(&path).unwrap(), text.repeat(2));
}

#[test]
fn a_cut_gzip_says_where_it_stopped_in_the_decompressed_data() {
    let text = b"{\"Response\":{\"RequestId\":\"a\"}}\n".repeat(1000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    io::Write::write_all(&mut gz, &text).unwrap();
    let gz = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.gz");
    std::fs::write(&path, &gz[..gz.len() - 10]).unwrap();
    let reader = open_stream(&Source::File(path), |_| {}).unwrap();
    let err = Chunker::new(1 << 10, 1 << 10)
        .run(reader, 0, false, u64::MAX, |_| ControlFlow::Continue(()))
        .unwrap_err();
    let why = err.to_string();
    assert!(why.contains(" of the decompressed data;"), "{why}");
    // A plain read error says a byte of the file.
    let failing = io::Read::chain(&b"a\n"[..], Failing);
    let err = Chunker::new(1 << 10, 1 << 10)
        .run(failing, 0, false, u64::MAX, |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(err.to_string().contains("(after byte 2;"), "{err}");
}

/// A reader that fails.
struct Failing;

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
}

#[cfg(unix)]
#[test]
fn a_walk_reads_regular_files_and_counts_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    for f in ["b.log", "sub/c.log", "a.log"] {
        std::fs::write(d.join(f), "{}\n").unwrap();
    }
    let fifo = std::ffi::CString::new(d.join("sub/p.pipe").to_str().unwrap()).unwrap();
    // SAFETY: a valid C string and mode.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/null", d.join("null")).unwrap();
    std::os::unix::fs::symlink(d.join("a.log"), d.join("z.log")).unwrap();
    std::os::unix::fs::symlink(d.join("sub"), d.join("linked")).unwrap();
    let out = expand(&[d.to_path_buf()], &Walk::default());
    let files = ["a.log", "b.log", "sub/c.log", "z.log"].map(|f| Source::File(d.join(f)));
    assert_eq!(out.sources, files);
    assert!(out.errors.is_empty());
    let skipped = Skipped {
        dir: d.to_path_buf(),
        count: 2,
        first: d.join("null"),
    };
    assert_eq!(out.skipped, std::slice::from_ref(&skipped));
    assert_eq!(
        skipped.to_string(),
        format!(
            "skipped 2 entries that are not regular files in {} (first: {}/null)",
            d.display(),
            d.display()
        )
    );
    // Named on the command line, a FIFO is a source.
    let named = expand(&[d.join("sub/p.pipe")], &Walk::default());
    assert_eq!(named.sources, [Source::File(d.join("sub/p.pipe"))]);
    assert!(named.skipped.is_empty());
}

/// Every line a chunker hands out, with where it starts: (offset, text, too long). A line
/// past `max_line` is too long whether it came whole (the line stage then says so) or was
/// dropped while read (which depends on how the bytes came).
fn lines_of(chunks: &[Chunk], max_line: usize) -> Vec<(u64, Vec<u8>, bool)> {
    let mut out = Vec::new();
    for c in chunks {
        if c.too_long {
            out.push((c.offset, Vec::new(), true));
            continue;
        }
        let mut at = c.offset;
        for line in c.bytes().split_inclusive(|b| *b == b'\n') {
            let text = line.strip_suffix(b"\n").unwrap_or(line);
            match text.len() > max_line {
                true => out.push((at, Vec::new(), true)),
                false => out.push((at, line.to_vec(), false)),
            }
            at += line.len() as u64;
        }
    }
    out
}

fn owned(c: &Chunk) -> Chunk {
    Chunk {
        offset: c.offset,
        data: c.bytes().to_vec(),
        start: 0,
        len: c.len,
        too_long: c.too_long,
    }
}

proptest::proptest! {
    /// Bytes pushed in any pieces give the lines a read of them all gives, overlong ones
    /// dropped alike.
    #[test]
    fn feeding_in_pieces_cuts_as_reading_does(
        lines in proptest::collection::vec(("[a-z{}\"]{0,40}", proptest::bool::ANY), 0..30),
        cuts in proptest::collection::vec(0usize..2000, 0..12),
        max_line in 5usize..30,
        last_newline in proptest::bool::ANY,
    ) {
        let mut data = Vec::new();
        for (text, _) in &lines {
            data.extend_from_slice(text.as_bytes());
            data.push(b'\n');
        }
        if !last_newline {
            data.pop();
        }
        let mut read = Vec::new();
        Chunker::new(64, max_line)
            .run(&data[..], 0, false, u64::MAX, |c: &mut Chunk| {
                read.push(owned(c));
                ControlFlow::Continue(())
            })
            .unwrap();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (data.len() + 1)).collect();
        cuts.sort_unstable();
        let mut pushed = Vec::new();
        let mut chunker = Chunker::new(64, max_line);
        let mut from = 0;
        for to in cuts.into_iter().chain([data.len()]) {
            chunker.feed(&data[from..to], |c| pushed.push(owned(c)));
            from = to;
        }
        chunker.finish(|c| pushed.push(owned(c)));
        proptest::prop_assert_eq!(lines_of(&pushed, max_line), lines_of(&read, max_line));
    }
}

//! Following files like `tail -F`: each file is polled, and what was appended is handed to
//! a callback as it comes, across rotation (a new file under the name) and truncation (the
//! file shrinks). It knows nothing of lines or of what the bytes are for.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::PathBuf;
use std::time::Duration;

/// What happened to a followed file (by its index in the list).
pub enum Event<'b> {
    /// Bytes appended to the file.
    Bytes(u32, &'b [u8]),
    /// The file was replaced by a new one under its name: what the old one held is all
    /// there is of it (a partial last line is whole now).
    Rotated(u32),
    /// The file shrank (copytruncate): reading starts again from its top, and a partial
    /// line read before is gone.
    Truncated(u32),
}

/// A followed file: the open handle, where reading stands, and its identity.
struct Followed {
    path: PathBuf,
    file: Option<File>,
    pos: u64,
    id: Option<(u64, u64)>,
}

fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Follows `paths` every `poll`, starting at their end unless `from_start`, handing each
/// event to `on`. Never ends but by an error seeking in a file.
pub fn follow(
    paths: &[PathBuf],
    from_start: bool,
    poll: Duration,
    mut on: impl FnMut(Event<'_>),
) -> io::Result<()> {
    let mut files: Vec<Followed> = paths
        .iter()
        .map(|path| Followed {
            path: path.clone(),
            file: None,
            pos: 0,
            id: None,
        })
        .collect();
    let mut first = true;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        for (i, f) in (0..).zip(&mut files) {
            let meta = std::fs::metadata(&f.path).ok();
            let id = meta.as_ref().and_then(file_id);
            let rotated = f.file.is_some() && meta.is_some() && id != f.id;
            if rotated {
                // The old file may have had lines written after our last look.
                if let Some(old) = f.file.as_mut() {
                    drain(old, i, &mut buf, &mut on);
                }
                on(Event::Rotated(i));
                f.file = None;
            }
            if f.file.is_none() {
                let Some(meta) = &meta else { continue };
                let Ok(mut file) = File::open(&f.path) else {
                    continue;
                };
                f.pos = if first && !from_start { meta.len() } else { 0 };
                file.seek(io::SeekFrom::Start(f.pos))?;
                f.file = Some(file);
                f.id = id;
            }
            if let (Some(file), Some(meta)) = (f.file.as_mut(), &meta)
                && meta.len() < f.pos
            {
                file.seek(io::SeekFrom::Start(0))?;
                f.pos = 0;
                on(Event::Truncated(i));
            }
            if let Some(file) = f.file.as_mut() {
                f.pos += drain(file, i, &mut buf, &mut on);
            }
        }
        first = false;
        std::thread::sleep(poll);
    }
}

/// Hands on what a file has now; returns how many bytes.
fn drain(file: &mut File, i: u32, buf: &mut [u8], on: &mut impl FnMut(Event<'_>)) -> u64 {
    let mut n = 0;
    while let Ok(k) = file.read(buf) {
        if k == 0 {
            break;
        }
        on(Event::Bytes(i, &buf[..k]));
        n += k as u64;
    }
    n
}

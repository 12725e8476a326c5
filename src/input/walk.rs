//! Directory walks: which files a directory named by the user stands for.
//!
//! As ripgrep walks (the `ignore` crate, ripgrep's own): hidden files and directories
//! (`.git` among them) are left out unless `--hidden`; `.gitignore` (inside a git
//! repository), `.ignore` and `.git/info/exclude` are honoured unless `--no-ignore`;
//! `--glob` picks files. Entries are visited depth first, each directory's sorted by path,
//! so the sources come in the same order on every run. Only regular files (and links to
//! them) are kept: a FIFO would block `open()` and a device may never end, so they are
//! counted, one warning per directory named. Symlinked directories are not followed. A
//! kept file whose decoded start holds a NUL byte looks binary and is left out too (`looks_binary`).
//! Paths named on the command line are never filtered: they are read as named.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::{InputError, Source};

/// How far the start of a file is read to tell whether it is binary, after decoding: as
/// ripgrep and git look (8 KiB), enough to hold the first lines of any text log.
pub const BINARY_PEEK: usize = 8 << 10;

/// What a directory walk leaves out (the flags `--hidden`, `--no-ignore`, `--glob`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// Read hidden files and directories too.
    pub hidden: bool,
    /// Honour `.gitignore`, `.ignore` and git's excludes.
    pub ignore_files: bool,
    /// Globs that pick files (`!` before one leaves matching files out), as ripgrep's `-g`.
    pub globs: Vec<String>,
    /// Leave out files that look binary.
    pub skip_binary: bool,
}

impl Default for Walk {
    /// A report's walk: ripgrep's defaults.
    fn default() -> Walk {
        Walk {
            hidden: false,
            ignore_files: true,
            globs: Vec::new(),
            skip_binary: true,
        }
    }
}

impl Walk {
    /// Every regular file (`errstat merge`'s walk: partials are binary, and named by the
    /// user's directory alone).
    pub fn everything() -> Walk {
        Walk {
            hidden: true,
            ignore_files: false,
            globs: Vec::new(),
            skip_binary: false,
        }
    }

    /// Checks the globs, for a usage error before anything is read.
    pub fn check(&self) -> Result<(), String> {
        self.overrides(Path::new(".")).map(drop)
    }

    fn overrides(&self, root: &Path) -> Result<ignore::overrides::Override, String> {
        let mut b = ignore::overrides::OverrideBuilder::new(root);
        for g in &self.globs {
            b.add(g).map_err(|e| format!("--glob {g:?}: {e}"))?;
        }
        b.build().map_err(|e| e.to_string())
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
    /// Files of all walks that look binary, left out.
    pub binary: Option<Binary>,
    /// What the walks could not honour (a bad line in a `.gitignore`), to warn of.
    pub notes: Vec<String>,
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

/// The files of the walks that look binary (`looks_binary`), all walks together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    pub count: usize,
    /// The first one left out, in walk order.
    pub first: PathBuf,
}

impl std::fmt::Display for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, first) = (self.count, self.first.display());
        let files = if n == 1 { "file" } else { "files" };
        write!(
            f,
            "skipped {n} binary {files} in directories (a NUL byte in the first 8 KiB; \
             first: {first})"
        )
    }
}

/// Expands the user's paths: `-` is standard input, a directory the files `walk` keeps
/// (recursively, sorted), anything else a file, read whatever it is (a FIFO named here is
/// read as a stream). No paths at all means standard input.
pub fn expand(paths: &[PathBuf], walk: &Walk) -> Expanded {
    let mut out = Expanded::default();
    if paths.is_empty() {
        out.sources.push(Source::Stdin);
    }
    for p in paths {
        if p.as_os_str() == "-" {
            out.sources.push(Source::Stdin);
        } else if p.is_dir() {
            walk_dir(p, walk, &mut out);
        } else {
            out.sources.push(Source::File(p.clone()));
        }
    }
    out
}

/// Adds the files under `dir` that `walk` keeps to `out.sources`, in walk order.
fn walk_dir(dir: &Path, walk: &Walk, out: &mut Expanded) {
    let overrides = match walk.overrides(dir) {
        Ok(o) => o,
        // `Walk::check` found bad globs before; none is left to fail here.
        Err(e) => {
            out.notes.push(e);
            return;
        }
    };
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(walk.ignore_files)
        .hidden(!walk.hidden)
        .overrides(overrides)
        .follow_links(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    let mut skipped: Option<(usize, PathBuf)> = None;
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                error_of(e, dir, out);
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path();
        // `file_type` does not follow symlinks: a linked directory is not walked.
        let regular = match entry.file_type() {
            Some(t) if t.is_dir() => continue,
            Some(t) if t.is_symlink() => match std::fs::metadata(path) {
                Ok(m) if m.is_dir() => continue,
                Ok(m) => m.is_file(),
                // A dangling link or a loop: opening it names the error.
                Err(_) => true,
            },
            Some(t) => t.is_file(),
            None => true,
        };
        if !regular {
            let (count, _) = skipped.get_or_insert_with(|| (0, path.to_path_buf()));
            *count += 1;
        } else if walk.skip_binary && looks_binary(path) {
            let b = out.binary.get_or_insert_with(|| Binary {
                count: 0,
                first: path.to_path_buf(),
            });
            b.count += 1;
        } else {
            out.sources.push(Source::File(path.to_path_buf()));
        }
    }
    out.skipped.extend(skipped.map(|(count, first)| Skipped {
        dir: dir.to_path_buf(),
        count,
        first,
    }));
}

/// Files what a walk met: a directory it could not read is an input error; a rule it
/// could not read (a bad glob in a `.gitignore`) a note.
fn error_of(e: ignore::Error, dir: &Path, out: &mut Expanded) {
    let path = walk_path(&e).unwrap_or(dir).display().to_string();
    let text = e.to_string();
    match e.into_io_error() {
        Some(error) => out.errors.push(InputError {
            source: path,
            error,
        }),
        None => out.notes.push(text),
    }
}

/// The path an error of the walk names, if any.
fn walk_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_path(err)
        }
        ignore::Error::Partial(errs) => errs.iter().find_map(walk_path),
        _ => None,
    }
}

/// Says whether a regular file looks binary: a NUL byte within the first `BINARY_PEEK`
/// bytes of its content, decoded (so a `.gz` or `.zst` log is text, and a compressed image
/// is binary). A file that cannot be opened or decoded is not called binary: reading it
/// names the error.
pub fn looks_binary(path: &Path) -> bool {
    let peek = || -> io::Result<bool> {
        let stream = super::open_stream(&Source::File(path.to_path_buf()), |_| {})?;
        let mut head = Vec::with_capacity(BINARY_PEEK);
        stream.take(BINARY_PEEK as u64).read_to_end(&mut head)?;
        Ok(memchr::memchr(0, &head).is_some())
    };
    peek().unwrap_or(false)
}

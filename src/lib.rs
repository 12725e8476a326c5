//! errstat turns JSON-lines logs of cloud API responses into error statistics.
//!
//! The pipeline, one stage a module: `input` finds the sources and cuts them into chunks of
//! whole lines; `record` turns each line into a `Record` (or says it is blank, plain text or
//! malformed); `filter` keeps the responses the user asked for; `stats` folds records into a
//! mergeable aggregate, which `batch` builds on every core and reduces by `merge`; `report`
//! joins the aggregate with the `catalog` and renders it as a table, JSON, CSV or NDJSON;
//! `failon` checks the user's alert conditions. `config` is the only door in from the
//! command line, `error` the only way out.

pub mod batch;
pub mod catalog;
pub mod change;
pub mod cli;
pub mod config;
pub mod diff;
pub mod error;
pub mod failon;
pub mod filter;
pub mod input;
pub mod latency;
pub mod ledger;
pub mod live;
pub mod loggen;
pub mod partial;
pub mod progress;
pub mod record;
pub mod report;
pub mod scan;
pub mod stats;
pub mod time;

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::config::{Config, MergeConfig, ReportConfig};
use crate::error::{Error, Exit};
use crate::failon::Condition;
use crate::input::Source;
use crate::ledger::Ledger;
use crate::report::{CsvRows, FailedInput, Format, Report, render_codes};

/// Said when standard input, to be read, is a terminal.
const STDIN_HINT: &str = "reading standard input; pass a file or pipe a log (Ctrl-D ends it)";

/// Runs errstat with validated settings and tells how it should exit.
pub fn run(config: Config) -> Result<Exit, Error> {
    match config {
        Config::Report(c) => run_report(&c),
        Config::Merge(m) => run_merge(&m),
        Config::Diff {
            before,
            after,
            output,
        } => {
            let diff = report::Diff::new(before, after);
            Target::open(output.path.as_deref())?.write(|out| diff.render(output.format, out))?;
            Ok(Exit::Success)
        }
        Config::Generated(what) => {
            Target::open(None)?.write(|out| what.write(out))?;
            Ok(Exit::Success)
        }
        Config::Codes {
            output,
            catalog,
            lang,
            code,
        } => {
            Target::open(output.path.as_deref())?.write(|out| {
                render_codes(
                    &catalog,
                    lang,
                    code.as_ref(),
                    output.format,
                    output.width,
                    out,
                )
            })?;
            Ok(Exit::Success)
        }
    }
}

fn run_live(c: &ReportConfig, live: &live::LiveConfig) -> Result<Exit, Error> {
    // Off a terminal the snapshots are JSON lines: the final JSON report is one line too.
    let compact = c.output.path.is_none() && !io::stdout().is_terminal();
    // Typed lines are read off a screen (JSON lines out); under the screen the terminal
    // gives keys only (`live::run` says so).
    if compact && live.follow.is_empty() && io::stdin().is_terminal() && !c.quiet {
        error::warn(STDIN_HINT);
    }
    let target = Target::open(c.output.path.as_deref())?;
    let mut malformed = 0;
    let failed = live::run(&c.scan, live, &c.catalog, &c.fail_on, |stats, sources| {
        malformed = stats.totals.malformed;
        let mut report = Report::build(
            stats,
            sources,
            Vec::new(),
            &c.catalog,
            c.lang,
            c.scan.aggregation.group_by,
        );
        report.changed = Some(report::Changed::build(
            stats,
            &c.changes,
            c.output.format == Format::Html,
        ));
        report.zone = c.output.zone.clone();
        report.color = c.output.color;
        let renderer: Box<dyn report::Render> = match c.output.format {
            report::Format::Json if compact => Box::new(report::Json { compact: true }),
            format => format.renderer(c.output.width, c.output.csv),
        };
        target
            .write(|out| renderer.render(&report, out))
            .map_err(io::Error::other)
    })
    .map_err(|error| Error::Input {
        input: "live".into(),
        error,
    })?;
    if malformed > 0 && (!c.quiet || c.strict) {
        error::warn(malformed_note(malformed, c));
    }
    Ok(Exit::of(false, failed, c.strict, malformed))
}

fn run_report(c: &ReportConfig) -> Result<Exit, Error> {
    if !c.quiet {
        for w in &c.warnings {
            error::warn(w);
        }
    }
    if let Some(live) = &c.live {
        return run_live(c, live);
    }
    let input::Expanded {
        sources,
        errors: failed,
        skipped,
        binary,
        notes,
    } = input::expand(&c.paths, &c.walk);
    // What the walks left out, as partials keep it (a merge says it again).
    let skipped: Vec<String> = skipped
        .iter()
        .map(ToString::to_string)
        .chain(binary.as_ref().map(ToString::to_string))
        .collect();
    if !c.quiet {
        for s in skipped.iter().chain(&notes) {
            error::warn(s);
        }
    }
    // A terminal on standard input: whoever typed `errstat` alone may be waiting for it.
    let typed = sources.contains(&Source::Stdin) && io::stdin().is_terminal();
    if typed && !c.quiet {
        error::warn(STDIN_HINT);
    }
    // Runs of bad lines go to the temporary directory: a run that could not be written
    // would end the ledger, so say so before reading rather than after.
    let temp_dir = |error| Error::Output {
        target: "--bad-lines".into(),
        error,
    };
    if c.bad_lines.is_some() {
        Ledger::default().probe().map_err(temp_dir)?;
    }
    // Where the results go is opened now, so that one that cannot be written ends the run
    // before the scan, not after it.
    let target = Target::open(c.output.path.as_deref())?;
    let ledger_target = c
        .bad_lines
        .as_deref()
        .map(|path| Target::open(Some(path)))
        .transpose()?;
    let total: u64 = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Stdin => None,
        })
        .sum();
    let input_error = |error| Error::Input {
        input: "errstat".into(),
        error,
    };
    // The report is built on the pool the sources are read on.
    let pool = c.scan.pool().map_err(input_error)?;
    // No spinner over what is typed.
    let progress = progress::Progress::start(total, c.progress && !typed);
    let to_read: &[Source] = if c.scan.stop_on_error && !failed.is_empty() {
        &[]
    } else {
        &sources
    };
    let outcome = batch::run(&pool, to_read, &c.scan, progress.counter());
    progress.finish();
    let outcome = outcome.map_err(input_error)?;
    // A source read in part (a cut .gz) counts as not read: it is an error anyway, and its
    // lines are counted.
    let read = to_read.len().saturating_sub(outcome.errors.len());
    if let (Some(to), Some(ledger)) = (ledger_target, outcome.ledger) {
        let ledger = ledger.check().map_err(temp_dir)?;
        to.write(|out| ledger.write(out, &outcome.stats, &outcome.sources))?;
    }
    let named = |f: &input::InputError| (f.source.clone(), f.error.to_string());
    let covered = partial::Covered {
        settings: partial::Settings::of(c),
        inputs: partial::Inputs {
            sources: outcome.sources,
            read: read as u64,
            unlisted: failed.iter().map(named).collect(),
            unread: outcome.errors.iter().map(named).collect(),
            skipped,
        },
        stats: outcome.stats,
    };
    conclude(c, &pool, target, covered)
}

/// Says in one line how many lines were malformed, and where they are listed.
fn malformed_note(n: u64, c: &ReportConfig) -> String {
    let lines = if n == 1 { "line" } else { "lines" };
    let listed = match (&c.bad_lines, c.output.format) {
        (Some(path), _) => format!("listed in {}", path.display()),
        (None, Format::Json | Format::Ndjson | Format::Table) => {
            "see the report or --bad-lines".to_string()
        }
        (None, _) => "--bad-lines FILE lists them".to_string(),
    };
    let strict = if c.strict { " (--strict: exit 1)" } else { "" };
    format!("{} malformed {lines}; {listed}{strict}", thousands(n))
}

/// Writes a count with commas between thousands: `2,974`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Merges partial reports in the order given and writes the report of the whole.
fn run_merge(m: &MergeConfig) -> Result<Exit, Error> {
    let mut c = m.report.clone();
    let target = Target::open(c.output.path.as_deref())?;
    let mut merger = partial::Merger::new();
    for path in partial_paths(&m.paths)? {
        let name = path
            .as_deref()
            .map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string());
        let bytes = partial::read_all(path.as_deref()).map_err(|error| Error::Input {
            input: name.clone(),
            error,
        })?;
        merger.add(&name, &bytes)?;
    }
    let covered = merger
        .finish()
        .ok_or_else(|| Error::Usage("merge: no partials (*.partial) to merge".into()))?;
    let s = &covered.settings;
    if s.catalog != partial::catalog_version(&c.catalog) {
        return Err(Error::Usage(
            "merge: the partials were made with another catalog than this merge's \
             (--catalog, or another errstat build)"
                .into(),
        ));
    }
    c.scan.aggregation = s.aggregation;
    let bucket = s.aggregation.bucket.is_some();
    c.output.csv.rows = match m.csv_rows {
        None if bucket => CsvRows::Buckets,
        None => CsvRows::Codes,
        Some(CsvRows::Buckets | CsvRows::BucketCodes) if !bucket => {
            return Err(Error::Usage(
                "--csv-rows: the partials have no time buckets (--bucket)".into(),
            ));
        }
        Some(rows) => rows,
    };
    if !c.quiet {
        for s in &covered.inputs.skipped {
            error::warn(s);
        }
    }
    let pool = c.scan.pool().map_err(|error| Error::Input {
        input: "errstat".into(),
        error,
    })?;
    conclude(&c, &pool, target, covered)
}

/// The partials `paths` name, in order: a directory stands for the `*.partial` files in
/// it (recursively, sorted), `-` (`None`) for standard input.
fn partial_paths(paths: &[PathBuf]) -> Result<Vec<Option<PathBuf>>, Error> {
    if paths.is_empty() {
        return Ok(vec![None]);
    }
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(None);
        } else if path.is_dir() {
            let found = input::expand(std::slice::from_ref(path), &input::Walk::everything());
            if let Some(e) = found.errors.into_iter().next() {
                return Err(Error::Input {
                    input: e.source,
                    error: e.error,
                });
            }
            out.extend(found.sources.into_iter().filter_map(|s| match s {
                Source::File(p) if p.extension().is_some_and(|e| e == "partial") => Some(Some(p)),
                _ => None,
            }));
        } else {
            out.push(Some(path.clone()));
        }
    }
    Ok(out)
}

/// Writes what a run (or a merge) covered: the partial, or the report, with the warnings
/// and conditions that go with it; and tells how errstat exits.
fn conclude(
    c: &ReportConfig,
    pool: &rayon::ThreadPool,
    target: Target,
    covered: partial::Covered,
) -> Result<Exit, Error> {
    let (inputs, stats) = (&covered.inputs, &covered.stats);
    for (source, error) in inputs.failed() {
        error::warn(format_args!("{source}: {error}"));
    }
    // A report of nothing looks like a report of no errors: say what was read. Having read
    // no input at all is trouble (as ripgrep's search of nothing), so it is said under -q too.
    let (read, lines) = (inputs.read, stats.totals.lines);
    if lines == 0 && (read == 0 || !c.quiet) {
        let files = if read == 1 { "file" } else { "files" };
        error::warn(format_args!("read {read} {files}, {lines} lines"));
    }
    let trouble = inputs.failed().next().is_some() || read == 0;
    if c.output.format == Format::Partial {
        target.write(|out| partial::encode(&covered, out))?;
        let malformed = stats.totals.malformed;
        pool.spawn(move || drop(covered));
        return Ok(Exit::of(trouble, false, c.strict, malformed));
    }
    let failed_inputs: Vec<FailedInput> = inputs
        .failed()
        .map(|(source, error)| FailedInput {
            source: source.clone(),
            error: error.clone(),
        })
        .collect();
    let mut report = pool.install(|| {
        Report::build(
            stats,
            &inputs.sources,
            failed_inputs,
            &c.catalog,
            c.lang,
            c.scan.aggregation.group_by,
        )
    });
    let charts = c.output.format == Format::Html;
    report.changed = Some(pool.install(|| report::Changed::build(stats, &c.changes, charts)));
    report.zone = c.output.zone.clone();
    report.color = c.output.color;
    if let Some(b) = c.changes.baseline.as_ref()
        && (b.folded > 0 || report.folded_errors > 0)
        && !c.quiet
    {
        error::warn(format_args!(
            "--baseline: {} errors of the baseline and {} of this run are counted as \
             (other) (--max-codes); a code among them may show as new or gone",
            b.folded, report.folded_errors
        ));
    }
    if let Some(b) = c.changes.baseline.as_ref()
        && !c.quiet
        && b.filters != crate::diff::filters(&partial::Settings::of(c))
        && !b.filters.is_empty()
    {
        error::warn(format_args!(
            "--baseline: made with {}; a code or time it left out may show as new",
            b.filters.join(" ")
        ));
    }
    // The report names the malformed lines; standard error says how many, once. With
    // --strict they explain the exit code, so -q does not hide them then.
    if stats.totals.malformed > 0 && (!c.quiet || c.strict) {
        error::warn(malformed_note(stats.totals.malformed, c));
    }
    if !c.quiet {
        // CSV rows carry no totals: say what the others' totals say of SDK strings.
        let t = &stats.totals;
        if c.output.format == report::Format::Csv && t.sdk_errors > 0 {
            let rates = match t.rates_known() {
                true => "",
                false => "; no success was logged, so rates are unknown",
            };
            error::warn(format_args!(
                "{} errors read from SDK error strings{rates}",
                t.sdk_errors
            ));
        }
    }
    let renderer = c.output.format.renderer(c.output.width, c.output.csv);
    target.write(|out| renderer.render(&report, out))?;
    let malformed = stats.totals.malformed;
    let held = Condition::check(&c.fail_on, &report);
    for (cond, held) in c.fail_on.iter().zip(&held) {
        // What made the exit code 1 is said even under -q, as errors are.
        if let Some(message) = held {
            error::warn(message);
        }
        if cond.names_a_code() && report.folded_errors > 0 && !c.quiet {
            error::warn(format_args!(
                "--fail-on {cond}: measured over the codes kept; {} errors of other codes \
                 are counted as (other) (--max-codes)",
                report.folded_errors
            ));
        }
    }
    // The aggregate is freed on the pool, off the way to the exit, which freeing it would
    // only delay; the process may well end first.
    drop(report);
    pool.spawn(move || drop(covered));
    let condition_held = held.iter().any(Option::is_some);
    Ok(Exit::of(trouble, condition_held, c.strict, malformed))
}

/// Where a report or a ledger goes, opened before any input is read: a path that cannot be
/// written (a missing directory, no permission, a closed standard output) ends the run at
/// once, not after an hour of reading.
///
/// A file is opened without being emptied, and emptied only when what goes in it is ready,
/// as `sort -o` does: a run that fails first leaves an old report as it was, and `-o` may
/// name one of the inputs. A file the run created is removed unless all that was meant for
/// it was written.
enum Target {
    Stdout,
    File(OutFile),
}

/// An output file, opened.
struct OutFile {
    path: PathBuf,
    file: File,
    /// The run created it (it did not exist before).
    created: bool,
    /// Everything meant for it was written.
    written: bool,
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if self.created && !self.written {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Target {
    /// Opens `path` for writing (creating it if missing, leaving its bytes as they are);
    /// `None` is standard output, which must be open.
    fn open(path: Option<&Path>) -> Result<Target, Error> {
        let Some(path) = path else {
            if stdout_closed() {
                return Err(Error::Output {
                    target: "<stdout>".into(),
                    error: io::Error::other("standard output is closed (write to a file with -o)"),
                });
            }
            return Ok(Target::Stdout);
        };
        let new = OpenOptions::new().write(true).create_new(true).open(path);
        let (opened, created) = match new {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                (OpenOptions::new().write(true).open(path), false)
            }
            other => (other, true),
        };
        let file = opened.map_err(|error| Error::Output {
            target: path.display().to_string(),
            error,
        })?;
        Ok(Target::File(OutFile {
            path: path.to_path_buf(),
            file,
            created,
            written: false,
        }))
    }

    /// Writes through `write`, buffered (by line on a terminal), emptying a regular file
    /// first; a closed pipe on standard output ends the output quietly.
    fn write(self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
        match self {
            Target::File(mut f) => {
                let file = &f.file;
                let result = file.metadata().and_then(|m| {
                    // Not a FIFO or a device (`/dev/stdout`, `/dev/full`): those cannot be cut.
                    if m.is_file() { file.set_len(0) } else { Ok(()) }
                });
                let mut out = io::BufWriter::new(file);
                let result = result.and_then(|()| write(&mut out).and_then(|()| out.flush()));
                drop(out);
                f.written = result.is_ok();
                result.map_err(|error| Error::Output {
                    target: f.path.display().to_string(),
                    error,
                })
            }
            Target::Stdout => {
                let stdout = io::stdout();
                let result = if stdout.is_terminal() {
                    let mut out = io::LineWriter::new(stdout.lock());
                    write(&mut out).and_then(|()| out.flush())
                } else {
                    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
                    write(&mut out).and_then(|()| out.flush())
                };
                match result {
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    Err(error) => Err(Error::Output {
                        target: "<stdout>".into(),
                        error,
                    }),
                    Ok(()) => Ok(()),
                }
            }
        }
    }
}

/// Whether standard output was closed when errstat started (`errstat log >&-`).
///
/// Rust's runtime opens `/dev/null` on a closed standard descriptor before `main`, so a
/// report written there would vanish without an error. A function in `.init_array` runs
/// before that (the C library calls them before `main`), and looks.
#[cfg(target_os = "linux")]
fn stdout_closed() -> bool {
    use std::sync::atomic::{AtomicBool, Ordering};
    static CLOSED: AtomicBool = AtomicBool::new(false);
    extern "C" fn look() {
        // SAFETY: fcntl on a descriptor number has no preconditions.
        if unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1 {
            CLOSED.store(true, Ordering::Relaxed);
        }
    }
    #[used]
    #[unsafe(link_section = ".init_array")]
    static LOOK: extern "C" fn() = look;
    // Names `LOOK` where this is called, so the linker keeps the object that holds it.
    std::hint::black_box(&LOOK);
    CLOSED.load(Ordering::Relaxed)
}

/// Elsewhere a closed standard output is not told apart from `/dev/null`.
#[cfg(not(target_os = "linux"))]
fn stdout_closed() -> bool {
    false
}

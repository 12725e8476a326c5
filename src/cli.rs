//! The command line, as clap sees it. Nothing else in the crate knows clap: `config` turns
//! this into a validated `Config`, and what is generated from this definition (shell
//! completions, the man page) is written here.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use clap_complete::Shell;

/// Error statistics from JSON-lines logs of Tencent Cloud API responses.
#[derive(Debug, Parser)]
#[command(name = "errstat", version, args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Exit codes: 0 success; 1 a --fail-on condition held or --strict saw a \
malformed line; 2 usage error or an input that could not be read.",
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub scan: ScanArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the error-code catalog: code, class, category, fault, description.
    Codes {
        #[command(flatten)]
        common: CommonArgs,
        /// Only codes matching this regex.
        #[arg(long, value_name = "REGEX")]
        code: Option<String>,
    },
    /// Compare every code of two runs (JSON reports or partials): new, gone, up, down or
    /// same, with a test of each change.
    Diff {
        /// The earlier run.
        #[arg(value_name = "BEFORE")]
        before: PathBuf,
        /// The later run.
        #[arg(value_name = "AFTER")]
        after: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Print a shell's completion script (bash, zsh, fish, powershell or elvish).
    Completions {
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
    /// Print the man page (roff), to install as errstat.1.
    Man,
    /// Merge partial reports (`--format partial`), in the order given, into the report one
    /// run over all their inputs writes (any format, `partial` too).
    Merge {
        /// Partial reports, or directories of `*.partial` files; `-` reads one from stdin.
        #[arg(value_name = "PARTIAL")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        report: MergeArgs,
    },
}

/// What a merge takes of the report's options: the rest come from the partials.
#[derive(Debug, Args, Clone, Default)]
pub struct MergeArgs {
    /// New codes are those first seen in the last WIDTH of the span [default: its last
    /// tenth].
    #[arg(long, value_name = "WIDTH")]
    pub recent: Option<String>,
    /// Compare every code with an earlier run: its JSON report or partial.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Which rows a CSV report holds: codes, buckets, bucket-codes, spikes, new-codes or
    /// changes (with --baseline).
    #[arg(long, value_name = "ROWS")]
    pub csv_rows: Option<String>,
    /// Start CSV cells that begin with = + - @, a tab or a carriage return with a `'`.
    #[arg(long)]
    pub csv_safe: bool,
    /// Exit 1 when this condition holds (repeatable).
    #[arg(long, value_name = "EXPR")]
    pub fail_on: Vec<String>,
    /// Exit 1 when a line was malformed.
    #[arg(long)]
    pub strict: bool,
    /// No warnings; what explains a non-zero exit is still said.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Options shared by the report and `codes`.
#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Output format: table, json, csv, ndjson, html, markdown or partial [default: by the -o
    /// file's extension (.json, .ndjson, .csv, .table, .txt, .md, .html, .partial, any case), else
    /// table on a terminal, else json].
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Description language: ko, en or zh [default: from LC_ALL/LC_MESSAGES/LANG, else en].
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Add or override codes from a TSV file (columns: code, class, in_seed, english,
    /// chinese, korean).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Colour the table and the live screen: auto (on a terminal, unless NO_COLOR is set),
    /// always or never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: String,
}

/// Options of the report.
#[derive(Debug, Args, Clone, Default)]
pub struct ScanArgs {
    /// Log files or directories (walked recursively, sorted, as ripgrep does: no hidden,
    /// ignored or binary files); `-` or nothing reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read hidden files and directories (`.git` too) in a directory walk.
    #[arg(long)]
    pub hidden: bool,
    /// Read files that .gitignore, .ignore or git's excludes leave out, in a walk.
    #[arg(long)]
    pub no_ignore: bool,
    /// Read only the files of a walk that match GLOB (repeatable; `!GLOB` leaves out), as
    /// ripgrep's -g: `-g '*.jsonl.gz'`. Files named as paths are always read.
    #[arg(short = 'g', long = "glob", value_name = "GLOB")]
    pub globs: Vec<String>,
    /// Name standard input NAME in reports (a shard streamed from object storage).
    #[arg(long, value_name = "NAME")]
    pub source_name: Option<String>,
    /// Time buckets of this width (UTC, aligned to the epoch): 30s, 1m, 1h, 1d…
    #[arg(long, value_name = "WIDTH")]
    pub bucket: Option<String>,
    /// Split the per-code rows by action, region, service, category, class or fault.
    #[arg(long, value_name = "DIM")]
    pub group_by: Option<String>,
    /// New codes are those first seen in the last WIDTH of the span [default: its last
    /// tenth].
    #[arg(long, value_name = "WIDTH")]
    pub recent: Option<String>,
    /// Compare every code with an earlier run: its JSON report or partial.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Count only errors whose code matches this regex (successes are still counted).
    #[arg(long, value_name = "REGEX")]
    pub code: Option<String>,
    /// Count only responses whose action matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub action: Option<String>,
    /// Count only responses whose region matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub region: Option<String>,
    /// Show times in ZONE: UTC, local, an offset (+09:00) or a name (Asia/Seoul). The table
    /// and the live view say their zone; JSON, CSV and Markdown times then carry its offset,
    /// and --bucket aligns buckets to its midnight [default: UTC].
    #[arg(long, value_name = "ZONE", allow_hyphen_values = true)]
    pub tz: Option<String>,
    /// Read log times written without an offset in ZONE [default: UTC].
    #[arg(long, value_name = "ZONE", allow_hyphen_values = true)]
    pub assume_tz: Option<String>,
    /// Count only responses at or after TIME: `YYYY-MM-DD[THH[:MM[:SS[.f]]][Z|±HH:MM]]`
    /// (T or a space; no zone is UTC), or epoch seconds/milliseconds.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Count only responses before TIME.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// RequestIds kept per code: the first K in input order and the latest K by time.
    #[arg(long, value_name = "K", default_value_t = 3)]
    pub samples: usize,
    /// Distinct codes (and distinct groups) counted one by one; the rest count as
    /// `(other)`, so a flood of garbage codes cannot grow memory without bound.
    #[arg(long, value_name = "N", default_value_t = crate::stats::DEFAULT_MAX_CODES)]
    pub max_codes: usize,
    /// Which rows a CSV report holds: codes (one per code), buckets (one per time
    /// bucket), bucket-codes (one per bucket and code), spikes, new-codes or changes (one
    /// per code, with --baseline) [default: buckets with --bucket, else codes].
    #[arg(long, value_name = "ROWS")]
    pub csv_rows: Option<String>,
    /// Start CSV cells that begin with = + - @, a tab or a carriage return with a `'`, so a
    /// spreadsheet shows them as text instead of running them as formulas.
    #[arg(long)]
    pub csv_safe: bool,
    /// Exit 1 when this condition holds, e.g. 'error_rate>0.05', 'count(AuthFailure)>0'
    /// (repeatable; the grammar is below in --help and in `man errstat`).
    #[arg(long, value_name = "EXPR")]
    pub fail_on: Vec<String>,
    /// Exit 1 when a line is malformed; stop at the first input that cannot be read.
    #[arg(long)]
    pub strict: bool,
    /// Write every malformed line to FILE as `source:line:reason<TAB>first 200 bytes`.
    #[arg(long, value_name = "FILE", conflicts_with = "live")]
    pub bad_lines: Option<PathBuf>,
    /// No progress bar, no warnings; what explains a non-zero exit (a --fail-on condition
    /// that held, --strict's malformed lines, an input not read) is still said.
    #[arg(short, long)]
    pub quiet: bool,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Bytes read at a time per worker (e.g. 4M, 512K). The default is about a core's L2
    /// cache, so a chunk is still cached when it is parsed.
    #[arg(long, value_name = "BYTES", default_value = "1M")]
    pub chunk_size: String,
    /// Lines longer than this are malformed ("too long").
    #[arg(long, value_name = "BYTES", default_value = "16M")]
    pub max_line: String,
    /// Where the Response object is, as dotted keys (e.g. `data.Response`).
    #[arg(long, value_name = "PATH")]
    pub response_path: Option<String>,
    /// Envelope keys holding the time, comma-separated, first match wins.
    #[arg(long, value_name = "KEYS")]
    pub time_key: Option<String>,
    /// Envelope keys holding the action.
    #[arg(long, value_name = "KEYS")]
    pub action_key: Option<String>,
    /// Envelope keys holding the service.
    #[arg(long, value_name = "KEYS")]
    pub service_key: Option<String>,
    /// Envelope keys holding the region.
    #[arg(long, value_name = "KEYS")]
    pub region_key: Option<String>,
    /// Envelope keys holding the latency in milliseconds.
    #[arg(long, value_name = "KEYS")]
    pub latency_key: Option<String>,
    /// Live mode: read standard input as it grows and show the errors as they come.
    #[arg(long, help_heading = "Live mode")]
    pub live: bool,
    /// With --live: follow the PATH files like `tail -F` (across rotation and truncation).
    #[arg(long, requires = "live", help_heading = "Live mode")]
    pub follow: bool,
    /// With --follow: read the files from their start, not their end.
    #[arg(long, requires = "follow", help_heading = "Live mode")]
    pub from_start: bool,
    /// How often the view is redrawn (250ms, 1s, …).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1s",
        help_heading = "Live mode"
    )]
    pub interval: String,
    /// Width of the sliding window (30s, 1m, 5m, …).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1m",
        help_heading = "Live mode"
    )]
    pub window: String,
    /// End as soon as a --fail-on condition holds (exit code 1).
    #[arg(long, requires = "live", help_heading = "Live mode")]
    pub exit_on_fail: bool,
    /// Codes shown in the live view.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10,
        help_heading = "Live mode"
    )]
    pub top: usize,
}

/// The end of `--help` and of the man page: what a user without the README needs.
const AFTER_LONG_HELP: &str = "\
--fail-on grammar (spaces allowed; checked after the report is written):
  condition := metric op number
  metric    := lines | blank | skipped | malformed | filtered | responses | errors
             | empty_error | error_rate | count(CODE) | rate(CODE) | share(CODE)
  op        := >  >=  <  <=  ==  !=
  CODE matches a code exactly or as a dotted prefix: count(AuthFailure) counts
  AuthFailure and every AuthFailure.*. rate is over responses, share over errors.

Exit codes:
  0  the report was written and nothing asked to fail
  1  the report was written, but a --fail-on condition held, or --strict saw a
     malformed line
  2  usage error; an input that could not be read (or not to its end); no input
     read at all; the report could not be written

The manual: man errstat (install: errstat man > ~/.local/share/man/man1/errstat.1).
Shell completions: errstat completions bash|zsh|fish|powershell.";

/// The version `-V` prints: the package's, the commit it was built from (`unknown`
/// outside a git checkout) and the built-in catalog's version (as partials record it).
pub fn version() -> String {
    let catalog = crate::partial::catalog_version(crate::catalog::Catalog::builtin_ref());
    format!(
        "{} (commit {}, catalog {catalog})",
        env!("CARGO_PKG_VERSION"),
        env!("ERRSTAT_COMMIT")
    )
}

/// The clap command, with the version that is known only at run time.
pub fn command() -> clap::Command {
    Cli::command().version(version())
}

/// Parses the process's arguments; a usage error ends the process (exit 2), as clap does.
pub fn parse() -> Cli {
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// What errstat generates from this definition instead of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    /// A shell's completion script.
    Completions(Shell),
    /// The man page, in roff.
    Man,
}

impl Generated {
    /// Writes the completion script or the man page.
    pub fn write(self, out: &mut dyn Write) -> io::Result<()> {
        let mut cmd = command();
        match self {
            Generated::Completions(shell) => {
                clap_complete::generate(shell, &mut cmd, "errstat", out);
                Ok(())
            }
            Generated::Man => clap_mangen::Man::new(cmd).render(out),
        }
    }
}

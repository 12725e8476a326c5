//! The validated settings of a run: every flag checked and turned into the types the core
//! uses. This is the only place that reads the CLI struct and the environment.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

use crate::catalog::{Catalog, Lang};
use crate::cli::{Cli, Command, CommonArgs, MergeArgs, ScanArgs};
use crate::error::Error;
use crate::failon::Condition;
use crate::filter::Filter;
use crate::input::Walk;
use crate::record::Keys;
use crate::report::{Baseline, ChangeSettings, Csv, CsvRows, Format};
use crate::scan::ScanSettings;
use crate::stats::{Aggregation, GroupBy};
use crate::time::{self, Millis, Zone};

/// Where and how the report is written.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    /// `None` is standard output.
    pub path: Option<PathBuf>,
    /// Columns the table fits in.
    pub width: Option<u16>,
    /// Which rows a CSV report holds, and whether its cells are guarded.
    pub csv: Csv,
    /// `--tz`: the zone times are shown in (`None`: UTC, and JSON and CSV write `Z`).
    pub zone: Option<Zone>,
    /// Colour the table and the live screen (`--color`).
    pub color: bool,
}

/// Settings of live mode.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub interval: Duration,
    /// Sliding window width.
    pub window: Millis,
    /// Follow these files (`tail -F`) instead of reading stdin.
    pub follow: Vec<PathBuf>,
    /// With `follow`: read the files from their start, not their end.
    pub from_start: bool,
    /// End as soon as a `--fail-on` condition holds.
    pub exit_on_fail: bool,
    /// Codes shown.
    pub top: usize,
    /// Colour the screen (`--color`; auto: standard output is a terminal, NO_COLOR unset).
    pub color: bool,
    /// `--tz`: the zone the view's clock is shown in.
    pub zone: Option<Zone>,
}

/// What to do.
#[derive(Debug, Clone)]
pub enum Config {
    /// Read logs and report.
    Report(Box<ReportConfig>),
    /// Merge partial reports.
    Merge(Box<MergeConfig>),
    /// Compare two runs.
    Diff {
        before: Baseline,
        after: Baseline,
        output: Output,
    },
    /// Print shell completions or the man page.
    Generated(crate::cli::Generated),
    /// List the catalog.
    Codes {
        output: Output,
        catalog: Catalog,
        lang: Lang,
        code: Option<Regex>,
    },
}

/// Settings of a report run.
#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub paths: Vec<PathBuf>,
    pub scan: ScanSettings,
    pub output: Output,
    pub catalog: Catalog,
    pub lang: Lang,
    pub fail_on: Vec<Condition>,
    pub strict: bool,
    pub quiet: bool,
    /// Show a progress bar (stderr is a terminal and not `--quiet`).
    pub progress: bool,
    /// Live mode, when asked for.
    pub live: Option<LiveConfig>,
    /// Where the malformed-line ledger goes (`--bad-lines`).
    pub bad_lines: Option<PathBuf>,
    /// Which files a directory stands for (`--hidden`, `--no-ignore`, `--glob`).
    pub walk: Walk,
    /// What the settings had to change, said on stderr unless `--quiet`.
    pub warnings: Vec<String>,
    /// How to look for what changed (`--recent`, `--baseline`).
    pub changes: ChangeSettings,
}

/// Settings of `errstat merge`: the report's own, but for what the partials fix.
#[derive(Debug, Clone)]
pub struct MergeConfig {
    /// Partials, or directories of them; `-` is standard input.
    pub paths: Vec<PathBuf>,
    /// The report's settings; its aggregation and `--group-by` are the partials'.
    pub report: ReportConfig,
    /// `--csv-rows`, checked against the partials' `--bucket` once they are read.
    pub csv_rows: Option<CsvRows>,
}

/// RequestIds kept per code, first and latest each, at most.
pub const MAX_SAMPLES: usize = 100;

/// Threads per core past which `--threads` is lowered.
pub const MAX_THREADS_PER_CORE: usize = 4;

impl Config {
    /// Validates the command line; `env` reads environment variables.
    pub fn new(cli: Cli, env: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        if let Some(Command::Merge {
            paths,
            common,
            report,
        }) = cli.command
        {
            return merge_settings(paths, &common, &report, &env);
        }
        match cli.command {
            Some(Command::Completions { shell }) => {
                return Ok(Config::Generated(crate::cli::Generated::Completions(shell)));
            }
            Some(Command::Man) => return Ok(Config::Generated(crate::cli::Generated::Man)),
            _ => {}
        }
        if let Some(Command::Diff {
            before,
            after,
            common,
        }) = cli.command
        {
            let (output, _, _) = common_settings(&common, &env)?;
            if matches!(
                output.format,
                Format::Partial | Format::Html | Format::Markdown
            ) {
                return Err(Error::Usage(
                    "diff: a comparison is written as table, json, csv or ndjson".into(),
                ));
            }
            return Ok(Config::Diff {
                before: crate::diff::load(&before)?,
                after: crate::diff::load(&after)?,
                output,
            });
        }
        if let Some(Command::Codes { common, code }) = cli.command {
            let (output, catalog, lang) = common_settings(&common, &env)?;
            if matches!(output.format, Format::Partial | Format::Html) {
                return Err(Error::Usage(
                    "codes: the catalog has no partial or html format".into(),
                ));
            }
            return Ok(Config::Codes {
                output,
                catalog,
                lang,
                code: code.as_deref().map(|c| regex("--code", c)).transpose()?,
            });
        }
        let (mut output, catalog, lang) = common_settings(&cli.common, &env)?;
        let a = cli.scan;
        let group_by = a
            .group_by
            .as_deref()
            .map(|g| {
                GroupBy::parse(g).ok_or_else(|| {
                    Error::Usage(format!(
                        "--group-by {g:?}: expected action, region, service, category, class or fault"
                    ))
                })
            })
            .transpose()?;
        let bucket = a
            .bucket
            .as_deref()
            .map(|w| width("--bucket", w))
            .transpose()?;
        output.csv.safe = a.csv_safe;
        output.csv.rows = match a.csv_rows.as_deref() {
            None if bucket.is_some() => CsvRows::Buckets,
            None => CsvRows::Codes,
            Some(rows) => {
                let parsed = CsvRows::parse(rows).ok_or_else(|| {
                    Error::Usage(format!(
                        "--csv-rows {rows:?}: expected codes, buckets, bucket-codes, spikes, new-codes \
                         or changes"
                    ))
                })?;
                let by_bucket = matches!(parsed, CsvRows::Buckets | CsvRows::BucketCodes);
                if by_bucket && bucket.is_none() {
                    return Err(Error::Usage(format!("--csv-rows {rows} needs --bucket")));
                }
                if parsed == CsvRows::Changes && a.baseline.is_none() {
                    return Err(Error::Usage("--csv-rows changes needs --baseline".into()));
                }
                parsed
            }
        };
        let fail_on = conditions(&a.fail_on, output.format)?;
        if output.format == Format::Partial && a.live {
            return Err(Error::Usage("--live writes a report, not a partial".into()));
        }
        if output.format == Format::Partial && (a.recent.is_some() || a.baseline.is_some()) {
            return Err(Error::Usage(
                "--recent and --baseline shape a report, not a partial: give them to the merge"
                    .into(),
            ));
        }
        if a.source_name.is_some()
            && !a.paths.is_empty()
            && !a.paths.iter().any(|p| p.as_os_str() == "-")
        {
            return Err(Error::Usage(
                "--source-name names standard input, which is not read here (add -)".into(),
            ));
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut warnings = Vec::new();
        let threads = match a.threads {
            Some(0) => return Err(Error::Usage("--threads must be at least 1".into())),
            // More threads than this only wait for each other (and thousands spin for
            // minutes): the reading is bound by the cores.
            Some(n) if n > MAX_THREADS_PER_CORE * cores => {
                let max = MAX_THREADS_PER_CORE * cores;
                warnings.push(format!(
                    "--threads {n}: using {max} ({MAX_THREADS_PER_CORE} per core, {cores} cores)"
                ));
                max
            }
            Some(n) => n,
            None => cores,
        };
        let zone_of =
            |flag: &str, z: &str| Zone::parse(z).map_err(|e| Error::Usage(format!("{flag} {e}")));
        let tz = a.tz.as_deref().map(|z| zone_of("--tz", z)).transpose()?;
        let mut keys = keys(&a)?;
        if let Some(z) = &a.assume_tz {
            keys.assume_tz = zone_of("--assume-tz", z)?;
        }
        // An SDK error without a code is counted under a code its message names: the
        // codes of this run's catalog, `--catalog`'s included (SPEC §1.9).
        if cli.common.catalog.is_some() {
            keys.catalog = Some(std::sync::Arc::new(catalog.clone()));
        }
        let filter = filter(&a)?;
        // Buckets start on the zone's multiples of the width (its midnight, for a day). A
        // zone whose offset changes (summer time) keeps the one in force at --since, else
        // now: a bucket cannot move with the clocks.
        let bucket_offset_ms = tz.as_ref().map_or(0, |z| {
            let at = filter
                .since
                .unwrap_or_else(|| jiff::Timestamp::now().as_millisecond());
            z.offset_at(at) * 1000
        });
        output.zone = tz;
        let scan = ScanSettings {
            keys,
            filter,
            aggregation: Aggregation {
                bucket,
                auto_bucket: bucket.is_none(),
                samples: match a.samples {
                    // Each kept sample is kept in order, so K costs O(K) an error.
                    n if n > MAX_SAMPLES => {
                        return Err(Error::Usage(format!(
                            "--samples {n}: at most {MAX_SAMPLES}"
                        )));
                    }
                    n => n,
                },
                group_by,
                max_codes: match a.max_codes {
                    0 => return Err(Error::Usage("--max-codes must be at least 1".into())),
                    n => n,
                },
                bucket_offset_ms,
            },
            chunk_size: size("--chunk-size", &a.chunk_size)?.max(1),
            max_line: size("--max-line", &a.max_line)?,
            threads,
            stop_on_error: a.strict,
            bad_lines: a.bad_lines.is_some(),
            stdin_name: a.source_name.clone(),
        };
        let duration = |flag: &str, v: &str| {
            time::parse_width(v).ok_or_else(|| {
                Error::Usage(format!(
                    "{flag} {v:?}: expected a duration such as 250ms, 1s, 1m"
                ))
            })
        };
        let live = if a.live {
            if !a.follow && !a.paths.is_empty() {
                return Err(Error::Usage(
                    "--live reads standard input; to follow files, add --follow".into(),
                ));
            }
            if a.follow && a.paths.is_empty() {
                return Err(Error::Usage("--follow needs the files to follow".into()));
            }
            Some(LiveConfig {
                interval: std::time::Duration::from_millis(
                    duration("--interval", &a.interval)? as u64
                ),
                window: duration("--window", &a.window)?,
                follow: if a.follow {
                    a.paths.clone()
                } else {
                    Vec::new()
                },
                from_start: a.from_start,
                exit_on_fail: a.exit_on_fail,
                top: a.top,
                zone: output.zone.clone(),
                color: match cli.common.color.as_str() {
                    "always" => true,
                    "never" => false,
                    _ => {
                        std::io::stdout().is_terminal()
                            && env("NO_COLOR").is_none_or(|v| v.is_empty())
                    }
                },
            })
        } else {
            None
        };
        let walk = Walk {
            hidden: a.hidden,
            ignore_files: !a.no_ignore,
            globs: a.globs.clone(),
            ..Walk::default()
        };
        walk.check().map_err(Error::Usage)?;
        let progress = !a.quiet && !a.live && std::io::stderr().is_terminal();
        let changes = change_settings(a.recent.as_deref(), a.baseline.as_deref())?;
        Ok(Config::Report(Box::new(ReportConfig {
            paths: a.paths,
            scan,
            output,
            catalog,
            lang,
            fail_on,
            strict: a.strict,
            quiet: a.quiet,
            progress,
            live,
            bad_lines: a.bad_lines.clone(),
            walk,
            warnings,
            changes,
        })))
    }
}

/// Parses a width flag (`--bucket`, `--recent`): `30s`, `1m`, `1h`, `1d`…
fn width(flag: &str, w: &str) -> Result<Millis, Error> {
    time::parse_width(w).ok_or_else(|| {
        Error::Usage(format!(
            "{flag} {w:?}: expected a width such as 30s, 1m, 1h, 1d"
        ))
    })
}

/// `--recent` and `--baseline`, of a run or a merge.
fn change_settings(
    recent: Option<&str>,
    baseline: Option<&std::path::Path>,
) -> Result<ChangeSettings, Error> {
    Ok(ChangeSettings {
        recent: recent.map(|w| width("--recent", w)).transpose()?,
        baseline: baseline.map(crate::diff::load).transpose()?,
    })
}

fn common_settings(
    c: &CommonArgs,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(Output, Catalog, Lang), Error> {
    let to_terminal = c.output.is_none() && std::io::stdout().is_terminal();
    let format = match (c.format.as_deref(), &c.output) {
        (Some(f), _) => Format::parse(f).ok_or_else(|| {
            Error::Usage(format!(
                "--format {f:?}: expected table, json, csv, ndjson, html, markdown or partial"
            ))
        })?,
        // A file without an extension (`-o /dev/null`) is written as a pipe is.
        (None, Some(path)) => match path.extension() {
            None => Format::Json,
            Some(ext) => Format::by_extension(&ext.to_string_lossy()).ok_or_else(|| {
                Error::Usage(format!(
                    "-o {}: no format is named {:?}; use {} or --format",
                    path.display(),
                    ext.to_string_lossy(),
                    crate::report::EXTENSIONS
                ))
            })?,
        },
        (None, None) if to_terminal => Format::Table,
        (None, None) => Format::Json,
    };
    let width = env("COLUMNS").and_then(|c| c.parse().ok()).or_else(|| {
        to_terminal
            .then(crossterm::terminal::size)
            .and_then(Result::ok)
            .map(|(w, _)| w)
    });
    let lang = match c.lang.as_deref() {
        Some(l) => Lang::parse(l)
            .ok_or_else(|| Error::Usage(format!("--lang {l:?}: expected ko, en or zh")))?,
        None => Lang::from_locale(env),
    };
    let mut catalog = Catalog::builtin();
    if let Some(path) = &c.catalog {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Input {
            input: path.display().to_string(),
            error: e,
        })?;
        catalog
            .extend_from_tsv(&text)
            .map_err(|e| Error::Usage(format!("--catalog {}: {e}", path.display())))?;
    }
    Ok((
        Output {
            format,
            path: c.output.clone(),
            width,
            csv: Csv {
                rows: CsvRows::Codes,
                safe: false,
            },
            zone: None,
            color: match c.color.as_str() {
                "always" => true,
                "never" => false,
                "auto" => to_terminal && env("NO_COLOR").is_none_or(|v| v.is_empty()),
                other => {
                    return Err(Error::Usage(format!(
                        "--color {other:?}: expected auto, always or never"
                    )));
                }
            },
        },
        catalog,
        lang,
    ))
}

/// The settings of `errstat merge`.
fn merge_settings(
    paths: Vec<PathBuf>,
    common: &CommonArgs,
    a: &MergeArgs,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Config, Error> {
    let (mut output, catalog, lang) = common_settings(common, env)?;
    output.csv.safe = a.csv_safe;
    let csv_rows = a
        .csv_rows
        .as_deref()
        .map(|rows| {
            CsvRows::parse(rows).ok_or_else(|| {
                Error::Usage(format!(
                    "--csv-rows {rows:?}: expected codes, buckets, bucket-codes, spikes, new-codes \
                         or changes"
                ))
            })
        })
        .transpose()?;
    if csv_rows == Some(CsvRows::Changes) && a.baseline.is_none() {
        return Err(Error::Usage("--csv-rows changes needs --baseline".into()));
    }
    let fail_on = conditions(&a.fail_on, output.format)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let report = ReportConfig {
        paths: Vec::new(),
        scan: ScanSettings {
            threads,
            ..ScanSettings::new(Aggregation::with_bucket(None))
        },
        output,
        catalog,
        lang,
        fail_on,
        strict: a.strict,
        quiet: a.quiet,
        progress: false,
        live: None,
        bad_lines: None,
        walk: Walk::everything(),
        warnings: Vec::new(),
        changes: change_settings(a.recent.as_deref(), a.baseline.as_deref())?,
    };
    Ok(Config::Merge(Box::new(MergeConfig {
        paths,
        report,
        csv_rows,
    })))
}

/// Parses the `--fail-on` conditions; a partial has no report to check them on.
fn conditions(exprs: &[String], format: Format) -> Result<Vec<Condition>, Error> {
    if format == Format::Partial && !exprs.is_empty() {
        return Err(Error::Usage(
            "--fail-on is checked on a report: give it to errstat merge, not to a partial".into(),
        ));
    }
    exprs
        .iter()
        .map(|c| Condition::parse(c).map_err(|e| Error::Usage(format!("--fail-on {e}"))))
        .collect()
}

fn regex(flag: &str, re: &str) -> Result<Regex, Error> {
    Regex::new(re).map_err(|e| {
        // The regex crate explains over several lines; its last line says what is wrong.
        let text = e.to_string();
        let why = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Error::Usage(format!("{flag} {re:?}: invalid regex: {}", why.trim()))
    })
}

fn filter(a: &ScanArgs) -> Result<Filter, Error> {
    let re = |flag, v: &Option<String>| v.as_deref().map(|r| regex(flag, r)).transpose();
    let bound = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| {
                time::parse_bound(s).ok_or_else(|| {
                    Error::Usage(format!(
                        "{flag} {s:?}: expected YYYY-MM-DD[THH[:MM[:SS[.fff]]][Z|±HH:MM]] \
                         (T or a space; no zone is UTC), or epoch seconds/milliseconds"
                    ))
                })
            })
            .transpose()
    };
    Ok(Filter {
        code: re("--code", &a.code)?,
        action: re("--action", &a.action)?,
        region: re("--region", &a.region)?,
        since: bound("--since", &a.since)?,
        until: bound("--until", &a.until)?,
    })
}

fn keys(a: &ScanArgs) -> Result<Keys, Error> {
    let mut keys = Keys::default();
    let list = |flag: &str, v: &Option<String>, into: &mut Vec<String>| -> Result<(), Error> {
        if let Some(v) = v {
            let parts: Vec<String> = v.split(',').map(|k| k.trim().to_string()).collect();
            if parts.iter().any(String::is_empty) {
                return Err(Error::Usage(format!("{flag} {v:?}: empty key")));
            }
            *into = parts;
        }
        Ok(())
    };
    list("--time-key", &a.time_key, &mut keys.time)?;
    list("--action-key", &a.action_key, &mut keys.action)?;
    list("--service-key", &a.service_key, &mut keys.service)?;
    list("--region-key", &a.region_key, &mut keys.region)?;
    list("--latency-key", &a.latency_key, &mut keys.latency)?;
    if let Some(p) = &a.response_path {
        let parts: Vec<String> = p.split('.').map(str::to_string).collect();
        if parts.iter().any(String::is_empty) {
            return Err(Error::Usage(format!("--response-path {p:?}: empty key")));
        }
        keys.response_path = Some(parts);
    }
    Ok(keys)
}

/// Parses a byte size: a number with an optional K, M or G suffix (powers of 1024).
fn size(flag: &str, s: &str) -> Result<usize, Error> {
    let t = s.trim();
    let (num, scale) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 1 << 10),
        Some((i, 'M' | 'm')) => (&t[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    num.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| Error::Usage(format!("{flag} {s:?}: expected bytes such as 4M, 512K")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(size("x", "4M").unwrap(), 4 << 20);
        assert_eq!(size("x", "512k").unwrap(), 512 << 10);
        assert_eq!(size("x", "100").unwrap(), 100);
        assert!(size("x", "lots").is_err());
        assert!(size("x", "M").is_err());
    }
}

//! Partial reports (`errstat.partial/v1`, SPEC §4.7): a run's whole aggregate, the settings
//! that shaped it and the inputs it covers, as bytes that `errstat merge` turns into any
//! report, so that shards read on many machines report as one run over all of them.
//!
//! The bytes: the line `errstat.partial/v1\n`, the payload's length (u64, little-endian), the
//! payload, and a CRC-32 of all before it (u32, little-endian). The payload is CBOR (serde,
//! `ciborium`) compressed with zstd. CBOR names every field, so a partial from a build whose
//! totals differ is refused by name rather than misread; zstd takes back what the names
//! cost. Every list is in a fixed order, so one input gives the same bytes whatever the
//! threads, chunk size or reader.
//!
//! Merging renumbers sources (a partial's source 0 follows the sources of the partials
//! before it), adds the aggregates by `Stats::merge` and finishes the cut, which is what one
//! run does with its sources: merge is associative, and the order of the partials is the
//! input order.

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::config::ReportConfig;
use crate::error::Error;
use crate::stats::{Aggregation, State, Stats};
use crate::time::Millis;

/// The schema a partial's first line names.
pub const SCHEMA: &str = "errstat.partial/v1";

/// What every partial starts with, whatever its version.
const MAGIC: &[u8] = b"errstat.partial/";

/// zstd's level for the payload: its default, fast, and partials are small beside logs.
const ZSTD_LEVEL: i32 = 3;

/// A run's aggregate with what shaped it and what it read: what a partial holds, live.
#[derive(Debug)]
pub struct Covered {
    pub settings: Settings,
    pub inputs: Inputs,
    pub stats: Stats,
}

/// The settings that shape an aggregate: partials merge only when theirs are equal. Field
/// names are the flags' (`_` for `-`), so a mismatch is named as the user wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub aggregation: Aggregation,
    /// The report's `--group-by` (a property of the code splits at report time).
    pub group_by: Option<String>,
    pub code: Option<String>,
    pub action: Option<String>,
    pub region: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub time_key: Vec<String>,
    pub action_key: Vec<String>,
    pub service_key: Vec<String>,
    pub region_key: Vec<String>,
    pub latency_key: Vec<String>,
    pub response_path: Option<Vec<String>>,
    pub max_line: u64,
    /// A CRC-32 of the catalog (built in, with `--catalog`'s codes).
    pub catalog: String,
    /// `--assume-tz`, where it is not UTC.
    #[serde(default)]
    pub assume_tz: Option<String>,
}

/// The inputs an aggregate covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// Every source, by number (`Pos::source`).
    pub sources: Vec<String>,
    /// How many sources were read to their end.
    pub read: u64,
    /// Paths that could not be listed, as (path, error).
    pub unlisted: Vec<(String, String)>,
    /// Sources that could not be read, or not to their end, in source order.
    pub unread: Vec<(String, String)>,
    /// What directory walks left out (FIFOs, sockets, devices), as warned.
    pub skipped: Vec<String>,
}

impl Inputs {
    /// Every input that failed, as one run lists them: paths not listed, then sources
    /// not read.
    pub fn failed(&self) -> impl Iterator<Item = &(String, String)> {
        self.unlisted.iter().chain(&self.unread)
    }

    /// Adds the inputs of a later part.
    fn append(&mut self, other: Inputs) {
        self.sources.extend(other.sources);
        self.read += other.read;
        self.unlisted.extend(other.unlisted);
        self.unread.extend(other.unread);
        self.skipped.extend(other.skipped);
    }
}

/// A partial as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Partial {
    settings: Settings,
    inputs: Inputs,
    state: State,
}

impl Settings {
    /// The settings of a report run.
    pub fn of(c: &ReportConfig) -> Settings {
        let f = &c.scan.filter;
        let k = &c.scan.keys;
        let re = |r: &Option<regex::Regex>| r.as_ref().map(|r| r.as_str().to_string());
        Settings {
            aggregation: c.scan.aggregation,
            group_by: c.scan.aggregation.group_by.map(|g| g.as_str().to_string()),
            code: re(&f.code),
            action: re(&f.action),
            region: re(&f.region),
            since: f.since,
            until: f.until,
            time_key: k.time.clone(),
            action_key: k.action.clone(),
            service_key: k.service.clone(),
            region_key: k.region.clone(),
            latency_key: k.latency.clone(),
            response_path: k.response_path.clone(),
            max_line: c.scan.max_line as u64,
            catalog: catalog_version(&c.catalog),
            assume_tz: (!k.assume_tz.is_utc()).then(|| k.assume_tz.name().to_string()),
        }
    }

    /// The first setting that differs, as (flag, this one's value, the other's).
    pub fn difference(&self, other: &Settings) -> Option<(String, String, String)> {
        let (Ok(a), Ok(b)) = (serde_json::to_value(self), serde_json::to_value(other)) else {
            return Some(("settings".into(), String::new(), String::new()));
        };
        first_difference("", &a, &b)
    }
}

/// Walks two JSON objects in field order for the first member that differs.
fn first_difference(
    key: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.iter().find_map(|(k, v)| {
            let w = y.get(k).unwrap_or(&Value::Null);
            first_difference(k, v, w)
        }),
        _ if a == b => None,
        _ => {
            // `split` is `--group-by` as the aggregate sees it.
            let flag = match key {
                "split" => "--group-by".to_string(),
                "bucket_offset_ms" => "--tz (the buckets' offset in ms)".to_string(),
                k => format!("--{}", k.replace('_', "-")),
            };
            let shown = |v: &Value| match v {
                Value::Null => "(none)".to_string(),
                v => v.to_string(),
            };
            Some((flag, shown(a), shown(b)))
        }
    }
}

/// Names a catalog's content: a CRC-32 of its entries, one line each.
pub fn catalog_version(catalog: &Catalog) -> String {
    let mut crc = crc32fast::Hasher::new();
    for (code, e) in catalog.iter() {
        let class = e.class.map_or("", |c| c.as_str());
        for field in [code, class, opt(&e.en), opt(&e.zh), opt(&e.ko)] {
            crc.update(field.as_bytes());
            crc.update(b"\t");
        }
        crc.update(b"\n");
    }
    format!("{:08x}", crc.finalize())
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Writes a partial of what a run covered.
pub fn encode(c: &Covered, out: &mut dyn io::Write) -> io::Result<()> {
    let partial = Partial {
        settings: c.settings.clone(),
        inputs: c.inputs.clone(),
        state: c.stats.to_state(),
    };
    let mut cbor = Vec::new();
    ciborium::into_writer(&partial, &mut cbor).map_err(io::Error::other)?;
    let payload = zstd::bulk::compress(&cbor, ZSTD_LEVEL)?;
    let mut bytes = Vec::with_capacity(payload.len() + 64);
    bytes.extend_from_slice(SCHEMA.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&payload);
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    out.write_all(&bytes)
}

/// Reads a partial's bytes, checking its magic, version, length and checksum first.
fn decode(bytes: &[u8]) -> Result<Partial, String> {
    if !bytes.starts_with(MAGIC) {
        return Err(format!("not an errstat partial (no {SCHEMA} line)"));
    }
    let Some(end) = bytes.iter().take(64).position(|&b| b == b'\n') else {
        return Err("truncated partial (no end to its first line)".into());
    };
    let schema = String::from_utf8_lossy(&bytes[..end]);
    if schema != SCHEMA {
        return Err(format!("{schema}: this errstat reads {SCHEMA}"));
    }
    let header = end + 1 + 8;
    let len = bytes
        .get(end + 1..header)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    let whole = len.and_then(|n| usize::try_from(n).ok()?.checked_add(header + 4));
    match whole {
        Some(n) if n == bytes.len() => {}
        Some(n) if n < bytes.len() => {
            return Err(format!("{} bytes after the partial's end", bytes.len() - n));
        }
        Some(n) => return Err(format!("truncated partial ({} of {n} bytes)", bytes.len())),
        None => return Err("truncated partial (no length)".into()),
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().unwrap_or_default()) {
        return Err("corrupt partial (checksum mismatch)".into());
    }
    let cbor = zstd::stream::read::Decoder::new(&body[header..]).map_err(|e| e.to_string())?;
    ciborium::from_reader(cbor).map_err(|e| format!("corrupt partial ({e})"))
}

/// Merges partials in the order they are added, checking that their settings agree.
pub struct Merger {
    /// The first partial's name and settings, which the others must match.
    first: Option<(String, Settings)>,
    stats: Option<Stats>,
    inputs: Inputs,
}

impl Default for Merger {
    fn default() -> Self {
        Merger::new()
    }
}

impl Merger {
    pub fn new() -> Merger {
        Merger {
            first: None,
            stats: None,
            inputs: Inputs::default(),
        }
    }

    /// Adds the partial `bytes`, read from `name`; its sources follow those added before.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let bad = |why: String| Error::Input {
            input: name.to_string(),
            error: io::Error::new(io::ErrorKind::InvalidData, why),
        };
        let p = decode(bytes).map_err(bad)?;
        match &self.first {
            None => self.first = Some((name.to_string(), p.settings.clone())),
            Some((first, settings)) => {
                if let Some((flag, mine, theirs)) = p.settings.difference(settings) {
                    return Err(bad(format!(
                        "made with {flag} {mine}, {first} with {theirs}: partials of \
                         different settings do not merge"
                    )));
                }
            }
        }
        let offset = u32::try_from(self.inputs.sources.len()).map_err(|e| bad(e.to_string()))?;
        let count = u32::try_from(p.inputs.sources.len()).map_err(|e| bad(e.to_string()))?;
        offset
            .checked_add(count)
            .ok_or_else(|| bad("too many sources".into()))?;
        let stats = Stats::from_state(p.state, p.settings.aggregation, offset, count)
            .map_err(|why| bad(format!("corrupt partial ({why})")))?;
        match &mut self.stats {
            None => self.stats = Some(stats),
            Some(all) => all.merge(stats),
        }
        self.inputs.append(p.inputs);
        Ok(())
    }

    /// The settings of the partials added so far.
    pub fn settings(&self) -> Option<&Settings> {
        self.first.as_ref().map(|(_, s)| s)
    }

    /// The merged whole, cut to the cap as one run's is; `None` when nothing was added.
    pub fn finish(self) -> Option<Covered> {
        let (_, settings) = self.first?;
        let mut stats = self.stats?;
        stats.finish();
        Some(Covered {
            settings,
            inputs: self.inputs,
            stats,
        })
    }
}

/// Reads a whole partial from a file, or standard input for `None`.
pub fn read_all(path: Option<&std::path::Path>) -> io::Result<Vec<u8>> {
    match path {
        Some(p) => std::fs::read(p),
        None => {
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes)?;
            Ok(bytes)
        }
    }
}

#[cfg(test)]
mod tests;

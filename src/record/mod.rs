//! Record extraction: one line of log → what it is (SPEC §1).
//!
//! `Extractor::classify` is the entry point. It splits off the text before the JSON and
//! hands the JSON to the fast extractor (`fast`: by a kept line shape, `shape`, when the line
//! has one; else a validating walk over the structural index `index` builds with SIMD, or
//! byte by byte for lines with escapes; it borrows from the line); whatever the fast path is
//! unsure of goes to the exact extractor (`exact`, serde_json), which defines the meaning of
//! every line. They are tested to agree.

mod fast;
mod index;
mod lex;
mod logfmt;
mod logger;
mod plan;
pub mod sdk;
mod shape;

use std::borrow::Cow;

use serde_json::{Map, Value};

use self::fast::Fast;
pub use self::fast::Route;
pub use self::sdk::{CodeFrom, NO_CODE};

use crate::time::{self, Millis};

/// What one line of input is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// Empty or only white space.
    Blank,
    /// Plain text, or a JSON object without an API response in it.
    Skipped,
    /// Not one valid JSON object from its first `{` on.
    Malformed(Malformed),
    /// An API response: a success or an error.
    Response(Record<'a>),
}

/// Why a line is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Malformed {
    /// The JSON part is not valid UTF-8.
    InvalidUtf8,
    /// The JSON part is not one valid JSON object.
    InvalidJson,
    /// The line is longer than `--max-line`.
    TooLong,
    /// The JSON nests deeper than 128 levels (serde_json's limit, which keeps the stack safe).
    TooDeep,
}

impl Malformed {
    /// Names the reason as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Malformed::InvalidUtf8 => "invalid utf-8",
            Malformed::InvalidJson => "invalid json",
            Malformed::TooLong => "too long",
            Malformed::TooDeep => "too deep",
        }
    }
}

/// One API response, with the envelope fields errstat aggregates by.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record<'a> {
    /// The error code; `None` for a success.
    pub code: Option<Cow<'a, str>>,
    /// `Response.Error.Message`, when the response is an error and has one.
    pub message: Option<Cow<'a, str>>,
    /// `Response.RequestId` when it is a string.
    pub request_id: Option<Cow<'a, str>>,
    /// The response had an `Error` member but no code in it (SPEC: a success).
    pub empty_error: bool,
    /// The record's time, from the envelope or the text prefix.
    pub time: Option<Millis>,
    pub action: Option<Cow<'a, str>>,
    pub service: Option<Cow<'a, str>>,
    pub region: Option<Cow<'a, str>>,
    pub latency_ms: Option<f64>,
    /// Read from an SDK error string (SPEC §1.9), not from an API response: where its code
    /// came from.
    pub sdk: Option<CodeFrom>,
}

/// The envelope keys errstat looks up, in priority order (SPEC §1, overridable by flags).
#[derive(Debug, Clone)]
pub struct Keys {
    pub time: Vec<String>,
    pub action: Vec<String>,
    pub service: Vec<String>,
    pub region: Vec<String>,
    pub latency: Vec<String>,
    /// Where the `Response` object is, as a path of keys, when the user says so.
    pub response_path: Option<Vec<String>>,
    /// The codes an SDK error's message is searched for when it prints none (SPEC §1.9);
    /// `None` for the built-in catalog.
    pub catalog: Option<std::sync::Arc<crate::catalog::Catalog>>,
    /// The zone a written time without an offset is read in (`--assume-tz`).
    pub assume_tz: time::Zone,
}

impl Default for Keys {
    fn default() -> Self {
        fn v(keys: &[&str]) -> Vec<String> {
            keys.iter().map(|k| k.to_string()).collect()
        }
        Keys {
            time: v(&[
                "ts",
                "time",
                "timestamp",
                "@timestamp",
                "eventTime",
                "Timestamp",
            ]),
            action: v(&["action", "Action"]),
            service: v(&["service", "Service"]),
            region: v(&["region", "Region"]),
            latency: v(&[
                "latency_ms",
                "duration_ms",
                "elapsed_ms",
                "latency",
                "duration",
            ]),
            response_path: None,
            catalog: None,
            assume_tz: time::Zone::utc(),
        }
    }
}

/// A line cut where its JSON starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts<'a> {
    Blank,
    /// No `{` at all.
    Text,
    /// The text before the first `{`, and the JSON from there on.
    Json {
        prefix: &'a [u8],
        json: &'a [u8],
    },
}

/// Cuts a line where its JSON starts. Strips a trailing `\r`.
pub fn split_line(line: &[u8]) -> Parts<'_> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // Most lines are JSON from their first byte: no search for those.
    let brace = match line.first() {
        Some(b'{') => Some(0),
        _ => memchr::memchr(b'{', line),
    };
    match brace {
        Some(i) => Parts::Json {
            prefix: &line[..i],
            json: &line[i..],
        },
        None if line.iter().all(u8::is_ascii_whitespace) => Parts::Blank,
        None => Parts::Text,
    }
}

/// Classifies one line (without its `\n`) with the exact extractor only: the meaning the
/// fast path is tested against.
pub fn classify_exact<'a>(line: &'a [u8], keys: &Keys) -> Line<'a> {
    let mut out = match split_line(line) {
        Parts::Json { prefix, json } => exact(prefix, json, keys),
        Parts::Blank => Line::Blank,
        Parts::Text => Line::Skipped,
    };
    sdk_fallback(line, keys, &mut out);
    out
}

/// Reads a line that is no API response (skipped, or not JSON after all) as a logger's line
/// holding an SDK error string, when it names the SDK (SPEC §1.9). The check is inline: it
/// runs on every line, the reading on few.
#[inline(always)]
fn sdk_fallback<'a>(line: &'a [u8], keys: &Keys, out: &mut Line<'a>) {
    if matches!(out, Line::Skipped | Line::Malformed(Malformed::InvalidJson)) {
        sdk_line(line, keys, out);
    }
}

#[cold]
#[inline(never)]
fn sdk_line<'a>(line: &'a [u8], keys: &Keys, out: &mut Line<'a>) {
    if !logger::has_marker(line) {
        return;
    }
    let json = match split_line(line) {
        Parts::Json { prefix, .. } => Some(prefix.len()),
        _ => None,
    };
    if let Some(r) = logger::read(line, json, keys) {
        *out = Line::Response(r);
    }
}

/// Classifies lines: the fast path first, the exact path where it is unsure. One per worker
/// (it keeps scratch space between lines).
#[derive(Debug)]
pub struct Extractor {
    fast: Fast,
    /// The exact extractor's keys; the fast one holds them in its own form.
    keys: Keys,
}

impl Extractor {
    /// Prepares an extractor for these envelope keys.
    pub fn new(keys: &Keys) -> Extractor {
        Extractor {
            fast: Fast::new(keys),
            keys: keys.clone(),
        }
    }

    /// Classifies one line (without its `\n`).
    pub fn classify<'a>(&mut self, line: &'a [u8]) -> Line<'a> {
        let mut out = Line::Blank;
        self.classify_line(line, &mut out, false);
        out
    }

    /// Classifies one line into `out`, the kept shapes left out when `shapes_tried` (the
    /// caller tried them on this line already: `classify_next`).
    #[inline]
    fn classify_line<'a>(&mut self, line: &'a [u8], out: &mut Line<'a>, shapes_tried: bool) {
        let keys = &self.keys;
        match split_line(line) {
            Parts::Json { prefix, json } => {
                let answered = if shapes_tried {
                    self.fast
                        .extract_unshaped_into(Route::Any, prefix, json, out)
                } else {
                    self.fast.extract_into(Route::Any, prefix, json, out)
                };
                if !answered {
                    *out = exact(prefix, json, keys);
                }
            }
            Parts::Blank => *out = Line::Blank,
            Parts::Text => *out = Line::Skipped,
        }
        sdk_fallback(line, keys, out);
    }

    /// Classifies the line at the start of `data` into `out`, where more lines may follow:
    /// the line ends at its first `\n`, or at the end of `data`. Returns the line's length
    /// (without its `\n`). The same answers as `classify_into` given the line, but a line
    /// longer than `max_line` is `Malformed::TooLong`, and a line read by a kept shape is
    /// not searched for its end first (`Shapes::read_line`).
    pub fn classify_next<'a>(
        &mut self,
        data: &'a [u8],
        max_line: usize,
        out: &mut Line<'a>,
    ) -> usize {
        let open = data.first() == Some(&b'{') && self.fast.takes(data);
        if open && let Some((line, json, answered)) = self.fast.shaped_line_into(data, out) {
            if line > max_line {
                *out = Line::Malformed(Malformed::TooLong);
            } else if !answered {
                *out = exact(b"", &data[..json], &self.keys);
            }
            sdk_fallback(&data[..line], &self.keys, out);
            return line;
        }
        let len = memchr::memchr(b'\n', data).unwrap_or(data.len());
        let line = &data[..len];
        if len > max_line {
            *out = Line::Malformed(Malformed::TooLong);
            return len;
        }
        // An open line was tried against the kept shapes above.
        self.classify_line(line, out, open);
        len
    }

    /// Classifies with the fast path alone, along `route`; `None` where it would hand over.
    /// Not a way in: the differential tests and benches try each route alone with it.
    #[doc(hidden)]
    pub fn fast_by<'a>(&mut self, route: Route, line: &'a [u8]) -> Option<Line<'a>> {
        let mut out = match split_line(line) {
            Parts::Json { prefix, json } => self.fast.extract_by(route, prefix, json)?,
            Parts::Blank => Line::Blank,
            Parts::Text => Line::Skipped,
        };
        sdk_fallback(line, &self.keys, &mut out);
        Some(out)
    }
}

/// The exact extractor: parses the JSON part with serde_json into a `Value` and reads the
/// fields from it. Slow and obviously right; every fast path is tested against it. Numbers
/// stay their text (`arbitrary_precision`): one past f64's range is still JSON (a time or a
/// latency it cannot be), and an integer code keeps every digit.
pub(crate) fn exact<'a>(prefix: &[u8], json: &'a [u8], keys: &Keys) -> Line<'a> {
    let Ok(text) = std::str::from_utf8(json) else {
        return Line::Malformed(Malformed::InvalidUtf8);
    };
    let top = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(top)) => top,
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
            return Line::Malformed(Malformed::TooDeep);
        }
        _ => return Line::Malformed(Malformed::InvalidJson),
    };
    let (mut record, audit) = match find_response(&top, keys) {
        Some(response) => (from_response(response), false),
        None if top.contains_key("eventTime") && top.contains_key("apiErrorCode") => {
            (from_audit(&top), true)
        }
        None => return Line::Skipped,
    };
    record.time = lookup(&top, &keys.time)
        .find_map(|v| time_of(v, &keys.assume_tz))
        .or_else(|| time::parse_prefix_in(prefix, &keys.assume_tz));
    let field = |audit_key: &str, generic: &[String]| {
        let audit_value = audit
            .then(|| top.get(audit_key).and_then(string_of))
            .flatten();
        audit_value.or_else(|| lookup(&top, generic).find_map(string_of))
    };
    record.action = field("eventName", &keys.action);
    record.service = field("eventSource", &keys.service);
    record.region = field("eventRegion", &keys.region);
    record.latency_ms = lookup(&top, &keys.latency).find_map(latency_of);
    Line::Response(record)
}

/// Finds the `Response` object: at the given path, at the top level, or in the first
/// top-level member that is an object holding a `Response` object (an envelope).
fn find_response<'v>(top: &'v Map<String, Value>, keys: &Keys) -> Option<&'v Map<String, Value>> {
    if let Some(path) = &keys.response_path {
        let mut at = top;
        for key in path {
            at = at.get(key)?.as_object()?;
        }
        return Some(at);
    }
    if let Some(response) = top.get("Response") {
        return response.as_object();
    }
    top.iter()
        .filter(|(k, _)| !is_envelope_field(k, keys))
        .find_map(|(_, v)| v.as_object()?.get("Response")?.as_object())
}

/// Says whether a top-level key is one of the envelope fields (never an envelope member).
pub fn is_envelope_field(key: &str, keys: &Keys) -> bool {
    [
        &keys.time,
        &keys.action,
        &keys.service,
        &keys.region,
        &keys.latency,
    ]
    .iter()
    .any(|list| list.iter().any(|k| k == key))
}

fn lookup<'v>(top: &'v Map<String, Value>, keys: &'v [String]) -> impl Iterator<Item = &'v Value> {
    keys.iter().filter_map(|k| top.get(k.as_str()))
}

fn string_of(v: &Value) -> Option<Cow<'static, str>> {
    v.as_str().map(|s| Cow::Owned(s.to_string()))
}

fn time_of(v: &Value, zone: &time::Zone) -> Option<Millis> {
    match v {
        Value::String(s) => time::parse_str_in(s, zone),
        Value::Number(n) => n.as_f64().and_then(time::from_epoch_number),
        _ => None,
    }
}

fn latency_of(v: &Value) -> Option<f64> {
    v.as_f64().filter(|ms| ms.is_finite() && *ms >= 0.0)
}

/// Reads an error code: a non-empty string, or an integer (a number written without a
/// fraction or an exponent, of any length) as its text.
fn code_of(v: &Value) -> Option<Cow<'static, str>> {
    match v {
        Value::String(s) if !s.is_empty() => Some(Cow::Owned(s.clone())),
        Value::Number(n) if !n.as_str().contains(['.', 'e', 'E']) => {
            Some(Cow::Owned(n.as_str().to_owned()))
        }
        _ => None,
    }
}

fn from_response(response: &Map<String, Value>) -> Record<'static> {
    let mut record = Record {
        request_id: response.get("RequestId").and_then(string_of),
        ..Record::default()
    };
    if let Some(error) = response.get("Error") {
        let error = error.as_object();
        record.code = error.and_then(|e| e.get("Code")).and_then(code_of);
        record.empty_error = record.code.is_none();
        if record.code.is_some() {
            record.message = error.and_then(|e| e.get("Message")).and_then(string_of);
        }
    }
    record
}

/// Reads a CloudAudit event: `apiErrorCode` `""`, `0` or `"0"` is a success.
fn from_audit(top: &Map<String, Value>) -> Record<'static> {
    let code = top
        .get("apiErrorCode")
        .and_then(code_of)
        .filter(|c| c != "0");
    Record {
        message: code
            .is_some()
            .then(|| top.get("apiErrorMessage").and_then(string_of))
            .flatten(),
        code,
        request_id: top.get("requestID").and_then(string_of),
        ..Record::default()
    }
}

#[cfg(test)]
mod tests;

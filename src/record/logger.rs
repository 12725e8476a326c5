//! A logger's line that holds an SDK error string (SPEC §1.9): a JSON line from a structured
//! logger, a logfmt line, or plain text. Only lines that are no API response come here, and
//! only when they name the SDK (`has_marker`), so a log of responses never pays for it.
//!
//! The error is the first SDK error in the line's strings, in the order they are written
//! (JSON: every string value at any depth, keys skipped, then the text before the object
//! when that names the SDK; logfmt: every value; text: the line). The envelope comes from
//! the line's own fields by the same `Keys` as a response's, then from the fields loggers
//! name themselves (`LOGGER_TIME`, `LOGGER_ACTION`), then, for a time, from a text prefix.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{Keys, Record, logfmt, sdk};
use crate::catalog::Catalog;
use crate::time::{self, Millis};

/// Says whether a line names the SDK at all: every form holds this.
pub(super) fn has_marker(line: &[u8]) -> bool {
    sdk::NAME.find(line).is_some()
}

/// Time fields loggers write that are not in the default keys: log4j2's `instant`
/// (`{"epochSecond", "nanoOfSecond"}`) and `timeMillis`, Python's `asctime`.
const LOGGER_TIME: &[&str] = &["instant", "timeMillis", "asctime"];

/// Action fields loggers' callers commonly use besides `Keys::action`.
const LOGGER_ACTION: &[&str] = &["api", "method"];

/// Reads the SDK error in a line that is no API response; `None` when it holds none.
/// `json` is where its JSON starts, if it looked like JSON.
pub(super) fn read<'a>(line: &'a [u8], json: Option<usize>, keys: &Keys) -> Option<Record<'a>> {
    // Bytes that are not UTF-8 read as U+FFFD (only outside the JSON, which was valid).
    let text = String::from_utf8_lossy(line);
    let json = json.map(|at| String::from_utf8_lossy(&line[..at]).len());
    let text = text.strip_suffix('\r').unwrap_or(&text);
    if let Some(at) = json
        && let Ok(Value::Object(top)) = serde_json::from_str::<Value>(&text[at..])
    {
        // The object's strings first; then the text before it, which may hold the error
        // itself (a request body logged after it). A marker in a key is no error.
        if let Some(record) = from_json(&top, &text[..at], keys) {
            return Some(record);
        }
        if !has_marker(&text.as_bytes()[..at]) {
            return None;
        }
    }
    from_logfmt(text, keys).or_else(|| from_text(text, keys))
}

/// The known codes an SDK message is searched for when it prints none.
fn catalog(keys: &Keys) -> &Catalog {
    keys.catalog
        .as_deref()
        .unwrap_or_else(|| Catalog::builtin_ref())
}

/// Builds the record of an SDK error, its code counted as SPEC §1.9 says.
fn record_of(error: &sdk::SdkError<'_>, keys: &Keys) -> Record<'static> {
    let catalog = catalog(keys);
    let (code, from) = sdk::code_of(error, |c| catalog.get(c).is_some());
    Record {
        code: Some(Cow::Owned(code.to_string())),
        message: (!error.message.is_empty()).then(|| Cow::Owned(error.message.to_string())),
        request_id: error.request_id.map(|id| Cow::Owned(id.to_string())),
        sdk: Some(from),
        ..Record::default()
    }
}

fn from_json<'a>(top: &Map<String, Value>, prefix: &str, keys: &Keys) -> Option<Record<'a>> {
    let mut record = top.values().find_map(|v| first_in(v, keys))?;
    let field = |list: &[String], extra: &[&str]| {
        let extra = extra.iter().copied();
        list.iter()
            .map(String::as_str)
            .chain(extra)
            .filter_map(|k| top.get(k)?.as_str())
            .find(|v| !v.is_empty())
            .map(|v| Cow::Owned(v.to_string()))
    };
    record.time = keys
        .time
        .iter()
        .map(String::as_str)
        .chain(LOGGER_TIME.iter().copied())
        .filter_map(|k| top.get(k))
        .find_map(|v| json_time(v, &keys.assume_tz))
        .or_else(|| time::parse_log_prefix_in(prefix.as_bytes(), &keys.assume_tz));
    record.action = field(&keys.action, LOGGER_ACTION);
    record.service = field(&keys.service, &[]);
    record.region = field(&keys.region, &[]);
    record.latency_ms = keys
        .latency
        .iter()
        .filter_map(|k| top.get(k.as_str())?.as_f64())
        .find(|ms| ms.is_finite() && *ms >= 0.0);
    Some(record)
}

/// The first SDK error in a value's strings, depth first (serde_json's nesting limit
/// bounds the recursion).
fn first_in(v: &Value, keys: &Keys) -> Option<Record<'static>> {
    match v {
        Value::String(s) => sdk::find(s).map(|error| record_of(&error, keys)),
        Value::Array(items) => items.iter().find_map(|v| first_in(v, keys)),
        Value::Object(members) => members.values().find_map(|v| first_in(v, keys)),
        _ => None,
    }
}

/// A logger's time value: what `Keys::time` reads (RFC 3339 and its partial forms, epoch
/// seconds or milliseconds), log4j2's `instant` object, and `timeMillis`.
fn json_time(v: &Value, zone: &time::Zone) -> Option<Millis> {
    match v {
        Value::String(s) => time::parse_str_in(s, zone),
        Value::Number(n) => n.as_f64().and_then(time::from_epoch_number),
        Value::Object(o) => {
            let seconds = o.get("epochSecond")?.as_i64()?;
            let nanos = o.get("nanoOfSecond").and_then(Value::as_i64).unwrap_or(0);
            time::from_epoch_parts(seconds, nanos)
        }
        _ => None,
    }
}

/// A logfmt line (`time=… level=error msg="…" error="[TencentCloudSDKError] …"`): at least
/// two pairs, the first at the line's start, and the SDK error inside one value.
fn from_logfmt(text: &str, keys: &Keys) -> Option<Record<'static>> {
    let first = text.split_once('=')?.0;
    if first.is_empty() || first.contains(|c: char| c.is_whitespace() || c == '"') {
        return None;
    }
    let pairs: Vec<logfmt::Pair<'_>> = logfmt::pairs(text).collect();
    if pairs.len() < 2 {
        return None;
    }
    let error = pairs.iter().find_map(|p| sdk::find(&p.value))?;
    let mut record = record_of(&error, keys);
    let value = |list: &[String], extra: &[&str]| {
        list.iter()
            .map(String::as_str)
            .chain(extra.iter().copied())
            .find_map(|k| pairs.iter().find(|p| p.key == k && !p.value.is_empty()))
            .map(|p| p.value.to_string())
    };
    record.time = keys
        .time
        .iter()
        .map(String::as_str)
        .chain(LOGGER_TIME.iter().copied())
        .find_map(|k| pairs.iter().find(|p| p.key == k))
        .and_then(|p| {
            time::parse_str_in(&p.value, &keys.assume_tz).or_else(|| {
                let n: f64 = p.value.parse().ok()?;
                time::from_epoch_number(n)
            })
        });
    record.action = value(&keys.action, LOGGER_ACTION).map(Cow::Owned);
    record.service = value(&keys.service, &[]).map(Cow::Owned);
    record.region = value(&keys.region, &[]).map(Cow::Owned);
    record.latency_ms = value(&keys.latency, &[])
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0);
    Some(record)
}

/// Plain text: the SDK error anywhere in the line, the time from its prefix.
fn from_text(text: &str, keys: &Keys) -> Option<Record<'static>> {
    let error = sdk::find(text)?;
    let mut record = record_of(&error, keys);
    record.time = time::parse_log_prefix_in(text.as_bytes(), &keys.assume_tz);
    Some(record)
}

//! The fast extractor: one validating pass over the line's bytes that finds `Response`,
//! `Error`, `Code`, `Message`, `RequestId` and the envelope fields, borrowing them from the
//! line.
//!
//! It validates the whole JSON structure (strings, escapes, numbers, literals, nesting), not
//! just the keys it looks for, because a line cut after a `}` must still count as malformed.
//! It answers only when it is sure; anything unusual (any syntax error, a duplicate key
//! where one matters, a `\u` surrogate, a numeric code, an exponent, nesting past
//! `MAX_DEPTH`, `--response-path`) returns `None`, and the caller asks the exact extractor.
//! The differential tests feed both the same lines and demand the same answers.

use std::borrow::Cow;

use super::{Keys, Line, Record};
use crate::time::{self, Millis};

/// Deeper nesting goes to the exact path (serde_json stops at 128).
const MAX_DEPTH: usize = 100;
/// Longer numbers go to the exact path (serde_json may call them out of range).
const MAX_NUMBER: usize = 24;

/// A scalar captured from the line, as written.
#[derive(Debug, Clone, PartialEq)]
enum Scalar<'a> {
    Str(Cow<'a, str>),
    /// A number, as its JSON text.
    Num(&'a str),
    /// Anything else (null, bool, object, array).
    Other,
}

/// A `Response` object's fields.
#[derive(Debug, Default)]
struct Response<'a> {
    error: Option<ErrorField<'a>>,
    request_id: Option<Scalar<'a>>,
}

/// A `Response.Error` member.
#[derive(Debug)]
enum ErrorField<'a> {
    /// An object: its `Code` and `Message`.
    Object(Option<Scalar<'a>>, Option<Scalar<'a>>),
    /// `null` or any other non-object.
    NotObject,
}

/// Reusable scratch space, so a worker allocates nothing per line.
#[derive(Debug, Default)]
pub struct Fast {
    top_keys: Vec<(usize, usize)>,
}

/// Which envelope slot a top-level key fills.
#[derive(Clone, Copy)]
enum Slot {
    Time(usize),
    Action(usize),
    Service(usize),
    Region(usize),
    Latency(usize),
}

const AUDIT_KEYS: [&str; 7] = [
    "eventTime",
    "apiErrorCode",
    "apiErrorMessage",
    "requestID",
    "eventName",
    "eventSource",
    "eventRegion",
];

/// Everything captured at the top level.
struct Top<'a> {
    response: Option<Option<Response<'a>>>,
    envelope: Option<Response<'a>>,
    time: Vec<Option<Scalar<'a>>>,
    action: Vec<Option<Scalar<'a>>>,
    service: Vec<Option<Scalar<'a>>>,
    region: Vec<Option<Scalar<'a>>>,
    latency: Vec<Option<Scalar<'a>>>,
    audit: [Option<Scalar<'a>>; 7],
}

impl Fast {
    /// Classifies the JSON part of a line, or returns `None` when unsure.
    pub fn extract<'a>(&mut self, prefix: &[u8], json: &'a [u8], keys: &Keys) -> Option<Line<'a>> {
        if keys.response_path.is_some() {
            return None;
        }
        let text = std::str::from_utf8(json).ok()?;
        let mut p = Parser {
            s: text,
            b: text.as_bytes(),
            i: 0,
        };
        self.top_keys.clear();
        let top = p.top(keys, &mut self.top_keys)?;
        p.ws();
        if p.i != p.b.len() {
            return None;
        }
        resolve(top, prefix)
    }
}

/// Builds the record from what was captured, exactly as the exact path decides (`None`
/// where only the exact path can).
fn resolve<'a>(top: Top<'a>, prefix: &[u8]) -> Option<Line<'a>> {
    let (mut record, audit) = match (top.response, top.envelope) {
        (Some(Some(r)), _) | (None, Some(r)) => (from_response(r), false),
        (Some(None), _) | (None, None) => {
            if top.audit[0].is_some() && top.audit[1].is_some() {
                (from_audit(&top.audit)?, true)
            } else {
                return Some(Line::Skipped);
            }
        }
    };
    record.time = top
        .time
        .iter()
        .flatten()
        .find_map(time_of)
        .or_else(|| time::parse_prefix(prefix));
    let field = |audit_at: usize, generic: &[Option<Scalar<'a>>]| {
        let audit_value = if audit {
            top.audit[audit_at].as_ref().and_then(string_of)
        } else {
            None
        };
        audit_value.or_else(|| generic.iter().flatten().find_map(string_of))
    };
    record.action = field(4, &top.action);
    record.service = field(5, &top.service);
    record.region = field(6, &top.region);
    record.latency_ms = top.latency.iter().flatten().find_map(|s| match s {
        Scalar::Num(n) => n.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0),
        _ => None,
    });
    Some(Line::Response(record))
}

fn string_of<'a>(s: &Scalar<'a>) -> Option<Cow<'a, str>> {
    match s {
        Scalar::Str(c) => Some(c.clone()),
        _ => None,
    }
}

fn time_of(s: &Scalar<'_>) -> Option<Millis> {
    match s {
        Scalar::Str(c) => time::parse_str(c),
        Scalar::Num(n) => n.parse::<f64>().ok().and_then(time::from_epoch_number),
        Scalar::Other => None,
    }
}

fn from_response(r: Response<'_>) -> Record<'_> {
    let mut record = Record {
        request_id: r.request_id.as_ref().and_then(string_of),
        ..Record::default()
    };
    if let Some(error) = r.error {
        if let ErrorField::Object(code, message) = error {
            record.code = match code {
                Some(Scalar::Str(c)) if !c.is_empty() => Some(c),
                _ => None,
            };
            if record.code.is_some() {
                record.message = message.as_ref().and_then(string_of);
            }
        }
        record.empty_error = record.code.is_none();
    }
    record
}

/// Reads a CloudAudit event; `None` where the exact path must decide (numeric codes).
fn from_audit<'a>(audit: &[Option<Scalar<'a>>; 7]) -> Option<Record<'a>> {
    let code = match &audit[1] {
        Some(Scalar::Str(c)) if !c.is_empty() && c != "0" => Some(c.clone()),
        Some(Scalar::Num("0")) => None,
        Some(Scalar::Num(_)) => return None,
        _ => None,
    };
    Some(Record {
        message: if code.is_some() {
            audit[2].as_ref().and_then(string_of)
        } else {
            None
        },
        code,
        request_id: audit[3].as_ref().and_then(string_of),
        ..Record::default()
    })
}

/// A cursor over the JSON text. Every method returns `None` on anything it does not accept.
struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// Reads a string (at its opening quote); returns its raw text and whether it has
    /// escapes. Validates control characters and escapes.
    fn raw_string(&mut self) -> Option<(&'a str, bool)> {
        self.eat(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            let rel = memchr::memchr2(b'"', b'\\', &self.b[self.i..])?;
            let stop = self.i + rel;
            if self.b[self.i..stop].iter().any(|&c| c < 0x20) {
                return None;
            }
            self.i = stop + 1;
            if self.b[stop] == b'"' {
                return Some((&self.s[start..stop], escaped));
            }
            escaped = true;
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                b'u' => {
                    let hex = self.s.get(self.i + 1..self.i + 5)?;
                    let v = u16::from_str_radix(hex, 16).ok()?;
                    if !hex.bytes().all(|c| c.is_ascii_hexdigit()) || (0xd800..0xe000).contains(&v)
                    {
                        return None;
                    }
                    self.i += 5;
                }
                _ => return None,
            }
        }
    }

    /// Reads a string and decodes it (borrowed when it has no escapes).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let (raw, escaped) = self.raw_string()?;
        if escaped {
            unescape(raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    }

    fn number(&mut self) -> Option<&'a str> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) || self.i - start > MAX_NUMBER {
            return None;
        }
        Some(&self.s[start..self.i])
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Reads any value, validating it; returns it as a scalar.
    fn value(&mut self, depth: usize) -> Option<Scalar<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match self.peek()? {
            b'"' => Scalar::Str(self.string()?),
            b'{' => {
                self.object(depth, |p, _key| p.value(depth + 1).map(drop))?;
                Scalar::Other
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                } else {
                    loop {
                        self.value(depth + 1)?;
                        self.ws();
                        match self.peek()? {
                            b',' => {
                                self.i += 1;
                                self.ws();
                            }
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Scalar::Other
            }
            b't' => self.literal(b"true").map(|()| Scalar::Other)?,
            b'f' => self.literal(b"false").map(|()| Scalar::Other)?,
            b'n' => self.literal(b"null").map(|()| Scalar::Other)?,
            _ => Scalar::Num(self.number()?),
        })
    }

    /// Reads an object (at `{`), calling `member` at each value with the key's raw text.
    /// Keys with escapes go to the exact path: they might spell a key errstat looks for.
    fn object(
        &mut self,
        depth: usize,
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let (key, escaped) = self.raw_string()?;
            if escaped {
                return None;
            }
            self.ws();
            self.eat(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads the top-level object.
    fn top(&mut self, keys: &Keys, seen: &mut Vec<(usize, usize)>) -> Option<Top<'a>> {
        let mut top = Top {
            response: None,
            envelope: None,
            time: vec![None; keys.time.len()],
            action: vec![None; keys.action.len()],
            service: vec![None; keys.service.len()],
            region: vec![None; keys.region.len()],
            latency: vec![None; keys.latency.len()],
            audit: Default::default(),
        };
        let base = self.s.as_ptr() as usize;
        self.object(0, |p, key| {
            // Any repeated top-level key could change which member is the envelope.
            let at = (key.as_ptr() as usize - base, key.len());
            if seen.iter().any(|&(o, l)| p.s[o..o + l] == *key) {
                return None;
            }
            seen.push(at);
            if key == "Response" {
                top.response = Some(if p.peek()? == b'{' {
                    Some(p.response(1)?)
                } else {
                    p.value(1)?;
                    None
                });
                return Some(());
            }
            if let Some(slot) = slot_of(key, keys) {
                let v = p.value(1)?;
                let list = match slot {
                    Slot::Time(i) => &mut top.time[i],
                    Slot::Action(i) => &mut top.action[i],
                    Slot::Service(i) => &mut top.service[i],
                    Slot::Region(i) => &mut top.region[i],
                    Slot::Latency(i) => &mut top.latency[i],
                };
                *list = Some(v.clone());
                if let Some(a) = AUDIT_KEYS.iter().position(|k| *k == key) {
                    top.audit[a] = Some(v);
                }
                return Some(());
            }
            let audit = AUDIT_KEYS.iter().position(|k| *k == key);
            if p.peek()? == b'{' {
                let inner = p.member(1)?;
                if top.envelope.is_none() {
                    top.envelope = inner;
                }
                if let Some(a) = audit {
                    top.audit[a] = Some(Scalar::Other);
                }
                Some(())
            } else {
                let v = p.value(1)?;
                if let Some(a) = audit {
                    top.audit[a] = Some(v);
                }
                Some(())
            }
        })?;
        Some(top)
    }

    /// Reads a top-level member that is an object: its `Response`, if that is an object.
    fn member(&mut self, depth: usize) -> Option<Option<Response<'a>>> {
        let mut found: Option<Option<Response<'a>>> = None;
        self.object(depth, |p, key| {
            if key != "Response" {
                return p.value(depth + 1).map(drop);
            }
            if found.is_some() {
                return None;
            }
            found = Some(if p.peek()? == b'{' {
                Some(p.response(depth + 1)?)
            } else {
                p.value(depth + 1)?;
                None
            });
            Some(())
        })?;
        Some(found.flatten())
    }

    /// Reads a `Response` object.
    fn response(&mut self, depth: usize) -> Option<Response<'a>> {
        let mut r = Response::default();
        let (mut saw_error, mut saw_id) = (false, false);
        self.object(depth, |p, key| match key {
            "Error" => {
                if std::mem::replace(&mut saw_error, true) {
                    return None;
                }
                r.error = Some(if p.peek()? == b'{' {
                    p.error(depth + 1)?
                } else {
                    p.value(depth + 1)?;
                    ErrorField::NotObject
                });
                Some(())
            }
            "RequestId" => {
                if std::mem::replace(&mut saw_id, true) {
                    return None;
                }
                r.request_id = Some(p.value(depth + 1)?);
                Some(())
            }
            _ => p.value(depth + 1).map(drop),
        })?;
        Some(r)
    }

    /// Reads an `Error` object.
    fn error(&mut self, depth: usize) -> Option<ErrorField<'a>> {
        let (mut code, mut message) = (None, None);
        self.object(depth, |p, key| match key {
            "Code" | "Message" => {
                let slot = if key == "Code" {
                    &mut code
                } else {
                    &mut message
                };
                if slot.is_some() {
                    return None;
                }
                let v = p.value(depth + 1)?;
                // A numeric code is printed as serde_json prints it: the exact path's job.
                if key == "Code" && matches!(v, Scalar::Num(_)) {
                    return None;
                }
                *slot = Some(v);
                Some(())
            }
            _ => p.value(depth + 1).map(drop),
        })?;
        Some(ErrorField::Object(code, message))
    }
}

/// Finds which envelope slot a top-level key fills, if any.
fn slot_of(key: &str, keys: &Keys) -> Option<Slot> {
    let find = |list: &[String]| list.iter().position(|k| k == key);
    if let Some(i) = find(&keys.time) {
        return Some(Slot::Time(i));
    }
    if let Some(i) = find(&keys.action) {
        return Some(Slot::Action(i));
    }
    if let Some(i) = find(&keys.service) {
        return Some(Slot::Service(i));
    }
    if let Some(i) = find(&keys.region) {
        return Some(Slot::Region(i));
    }
    find(&keys.latency).map(Slot::Latency)
}

/// Decodes a string's escapes (surrogates were sent to the exact path before this).
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            _ => return None,
        });
    }
    Some(out)
}

//! The fast extractor: one validating walk over the line's JSON that finds `Response`,
//! `Error`, `Code`, `Message`, `RequestId` and the envelope fields, borrowing them from the
//! line.
//!
//! A line whose shape an earlier line had (`shape`) is read by that shape and its plan, a
//! `resolve` worked out ahead. Other lines are walked, and their shapes kept. The walk moves
//! with a `Cursor`: over the structural index `index` builds (token to token; most lines),
//! or byte by byte with `Parser` (lines with a backslash or a control byte, which the index
//! declines). The capture logic is written once, against the trait.
//!
//! It validates the whole JSON structure (strings, escapes, numbers, literals, nesting), not
//! just the keys it looks for, because a line cut after a `}` must still count as malformed.
//! It answers only when it is sure; anything unusual (any syntax error, a repeated key where
//! one matters, a `\u` surrogate, a numeric code, an exponent, nesting past `MAX_DEPTH`,
//! `--response-path`) returns `None`, and the caller asks the exact extractor. The
//! differential tests feed both the same lines and demand the same answers.
//!
//! Per line it allocates nothing: what it captures is kept as byte ranges in scratch space
//! owned by the worker, and turned into borrowed strings at the end (owned only where a
//! captured string has escapes to decode).

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Keys, Line, Record, index, shape};
use crate::time::{self, Millis};

/// Deeper nesting goes to the exact path (serde_json stops at 128).
pub(super) const MAX_DEPTH: usize = 100;
/// Longer numbers go to the exact path (rare; `Decimal` counts digits in a byte).
const MAX_NUMBER: usize = 24;
/// Keys looked up per envelope field; more go to the exact path.
pub const MAX_KEYS: usize = 8;

/// A captured value, as a range of the JSON text, packed into one word: the walk returns
/// one for every value of every line, and a word comes back in a register (as a 12-byte
/// enum it came back through memory, and reading it whole stalled on the partial writes).
/// Bits 0-1: kind; bit 2: a string has escapes; then the start and end offsets, 30 bits
/// each (the fast path takes lines shorter than `MAX_TEXT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Raw(u64);

/// The longest JSON text the fast path takes (offsets fit in 30 bits).
pub(super) const MAX_TEXT: usize = (1 << 30) - 1;

impl Raw {
    pub(super) const ABSENT: Raw = Raw(0);
    /// null, a boolean, an object or an array.
    pub(super) const OTHER: Raw = Raw(1);

    /// A string's contents, and whether it has escapes.
    pub(super) fn str(start: u32, end: u32, escaped: bool) -> Raw {
        Raw(2 | (escaped as u64) << 2 | (start as u64) << 3 | (end as u64) << 33)
    }

    /// A number's text.
    pub(super) fn num(start: u32, end: u32) -> Raw {
        Raw(3 | (start as u64) << 3 | (end as u64) << 33)
    }

    pub(super) fn is_num(self) -> bool {
        self.0 & 3 == 3
    }

    /// Where a string's contents or a number's text start.
    pub(super) fn start(self) -> u32 {
        (self.0 >> 3) as u32 & MAX_TEXT as u32
    }

    /// Unpacks the value.
    fn view(self) -> Value {
        let (start, end) = (
            (self.0 >> 3) as usize & MAX_TEXT,
            (self.0 >> 33) as usize & MAX_TEXT,
        );
        match self.0 & 3 {
            0 => Value::Absent,
            1 => Value::Other,
            2 => Value::Str(start, end, self.0 & 4 != 0),
            _ => Value::Num(start, end),
        }
    }
}

/// A captured value, unpacked.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Absent,
    /// A string's contents, and whether it has escapes.
    Str(usize, usize, bool),
    /// A number's text.
    Num(usize, usize),
    /// null, a boolean, an object or an array.
    Other,
}

/// A `Response.Error` member.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) enum ErrorField {
    #[default]
    Absent,
    NotObject,
    Object {
        code: Raw,
        message: Raw,
    },
}

/// A `Response` object's fields.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Response {
    error: ErrorField,
    request_id: Raw,
}

/// What a top-level key means to errstat.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Response,
    /// An envelope field: which list (time, action, service, region, latency) and where.
    Field(usize, usize),
    /// A CloudAudit key, by its index in `AUDIT_KEYS` (and maybe an envelope field too).
    Audit(usize, Option<(usize, usize)>),
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
const TIME: usize = 0;
const ACTION: usize = 1;
const SERVICE: usize = 2;
const REGION: usize = 3;
const LATENCY: usize = 4;

/// Which of the fast path's walks to take (the differential tests try each alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// By a kept shape, else over the structural index where it takes the line, else
    /// byte by byte (what `Extractor::classify` does).
    Any,
    /// Over the structural index (`index`) only: lines without backslashes or control
    /// bytes, up to `index::MAX_INDEXED` bytes.
    Indexed,
    /// Byte by byte: any line.
    Scanned,
    /// By a kept shape alone (`shape`): answers only for a line whose shape an earlier
    /// line of this extractor had; others are walked over the index, to learn their
    /// shapes, and not answered.
    Shaped,
}

/// The structural index declined a line (`index::index`).
struct Declined;

/// The most keys with a role when the fast path is on: 5 lists of `MAX_KEYS`, the audit
/// keys and `Response`. Each has a bit in `Fast::seen_roles`, and each field slot one in
/// `Fast::filled`.
const ROLES_MAX: usize = 5 * MAX_KEYS + AUDIT_KEYS.len() + 1;
const _: () = assert!(ROLES_MAX <= 64);

/// A top-level key errstat looks for.
#[derive(Debug, Clone)]
struct RoleKey {
    key: Box<[u8]>,
    role: Role,
    /// Its bit in `Fast::seen_roles`.
    bit: u32,
}

/// The fast extractor with its scratch space; one per worker.
#[derive(Debug)]
pub struct Fast {
    /// Top-level keys errstat looks for, in `ROLE_BUCKETS` buckets by `bucket_of`: one
    /// or two comparisons per key instead of a scan or a full hash. Each has a bit (its
    /// number in `seen_roles`).
    roles: Vec<Vec<RoleKey>>,
    enabled: bool,
    /// The keys with a role seen in this line, one bit each.
    seen_roles: u64,
    /// The other top-level keys seen in this line, as ranges of the text.
    seen: Vec<(u32, u32)>,
    /// The structural index of the current line (`index::index`).
    tokens: Vec<u32>,
    simd: index::Simd,
    /// What the walk captured in the current line.
    cap: Captured,
    /// The shapes of recent lines, each with its plan (`shape`).
    shapes: shape::Shapes,
    clock: time::Clock,
}

/// What a walk captures in one line, as ranges of its text.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Captured {
    response: Option<Option<Response>>,
    envelope: Option<Response>,
    /// Envelope field values; slot `list * MAX_KEYS + at` is valid when its bit in
    /// `filled` is set (cheaper than clearing the array for every line).
    fields: [[Raw; MAX_KEYS]; 5],
    filled: u64,
    audit: [Raw; 7],
}

impl Captured {
    /// The values captured for one field list, in priority order.
    fn field_values(&self, list: usize) -> impl Iterator<Item = Raw> + '_ {
        let mut filled = (self.filled >> (list * MAX_KEYS)) & ((1 << MAX_KEYS) - 1);
        std::iter::from_fn(move || {
            let at = filled.trailing_zeros() as usize;
            filled &= filled.wrapping_sub(1);
            (at < MAX_KEYS).then(|| self.fields[list][at])
        })
    }

    /// The plan `Fast::resolve` would follow for a line that captured this, with each
    /// captured string or number read from a hole: `hole` names it. `None` when a value
    /// cannot be planned (not in a hole, or a string with escapes).
    pub(super) fn plan(&self, hole: impl Fn(Raw) -> Option<u16>) -> Option<Plan> {
        let src = |raw: Raw| -> Option<Src> {
            Some(match raw.view() {
                Value::Str(_, _, true) => return None,
                Value::Str(..) => Src::Str(hole(raw)?),
                Value::Num(..) => Src::Num(hole(raw)?),
                Value::Absent | Value::Other => Src::None,
            })
        };
        // What `get` reads: a string (never escaped here), or nothing.
        let string = |raw: Raw| -> Option<Option<u16>> {
            Some(match src(raw)? {
                Src::Str(h) => Some(h),
                _ => None,
            })
        };
        let response = match (self.response, self.envelope) {
            (Some(Some(r)), _) | (None, Some(r)) => Some(r),
            _ => None,
        };
        let mut plan = Plan::default();
        if response.is_none() && (self.audit[0] == Raw::ABSENT || self.audit[1] == Raw::ABSENT) {
            return Some(plan);
        }
        let audit = match response {
            Some(r) => {
                plan.request_id = string(r.request_id)?;
                plan.line = PlanLine::Response(match r.error {
                    ErrorField::Absent => ErrorPlan::Absent,
                    ErrorField::NotObject => ErrorPlan::NotObject,
                    ErrorField::Object { code, message } => {
                        plan.message = string(message)?;
                        ErrorPlan::Object(string(code)?)
                    }
                });
                false
            }
            None => {
                plan.line = PlanLine::Audit(src(self.audit[1])?);
                plan.message = string(self.audit[2])?;
                plan.request_id = string(self.audit[3])?;
                true
            }
        };
        let list = |list: usize| -> Option<Vec<Src>> {
            let values: Option<Vec<Src>> = self.field_values(list).map(src).collect();
            Some(values?.into_iter().filter(|s| *s != Src::None).collect())
        };
        plan.time = list(TIME)?;
        plan.latency = list(LATENCY)?
            .into_iter()
            .filter(|s| matches!(s, Src::Num(_)))
            .collect();
        for (i, field) in [ACTION, SERVICE, REGION].into_iter().enumerate() {
            let first = list(field)?.into_iter().find_map(|s| match s {
                Src::Str(h) => Some(h),
                _ => None,
            });
            plan.fields[i] = match audit {
                true => string(self.audit[4 + i])?.or(first),
                false => first,
            };
        }
        Some(plan)
    }
}

/// Where a planned value is: a string or a number in a hole (by its number), or nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Src {
    #[default]
    None,
    Str(u16),
    Num(u16),
}

/// What kind of line a plan makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum PlanLine {
    /// No response and no audit event.
    #[default]
    Skipped,
    Response(ErrorPlan),
    /// A CloudAudit event, with its `apiErrorCode`.
    Audit(Src),
}

/// A response's `Error`: absent, not an object, or an object with this code string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorPlan {
    Absent,
    NotObject,
    Object(Option<u16>),
}

/// `Fast::resolve` worked out ahead for one shape of line (`shape`): everything it decides
/// from which values a line has and of what kind, leaving only what it decides from their
/// text (an empty code, a time or a number that does not parse).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Plan {
    line: PlanLine,
    request_id: Option<u16>,
    message: Option<u16>,
    /// The time keys' values in priority order (strings and numbers only).
    time: Vec<Src>,
    /// Action, service and region: the string each takes.
    fields: [Option<u16>; 3],
    /// The latency keys' numbers in priority order.
    latency: Vec<Src>,
}

impl Fast {
    /// Prepares the fast path for these keys.
    pub fn new(keys: &Keys) -> Fast {
        let lists = [
            &keys.time,
            &keys.action,
            &keys.service,
            &keys.region,
            &keys.latency,
        ];
        // A key named in two lists feeds both: that, and a path, are the exact path's.
        let mut all: Vec<&String> = lists.iter().flat_map(|l| l.iter()).collect();
        let named = all.len();
        all.sort();
        all.dedup();
        let enabled = keys.response_path.is_none()
            && all.len() == named
            && lists.iter().all(|l| l.len() <= MAX_KEYS);
        let mut roles: HashMap<&str, Role> = HashMap::new();
        for (list, keys) in lists.iter().enumerate() {
            for (at, key) in keys.iter().enumerate() {
                roles.insert(key.as_str(), Role::Field(list, at));
            }
        }
        for (i, key) in AUDIT_KEYS.iter().enumerate() {
            let field = match roles.get(*key) {
                Some(Role::Field(list, at)) => Some((*list, *at)),
                _ => None,
            };
            roles.insert(key, Role::Audit(i, field));
        }
        roles.insert("Response", Role::Response);
        let mut buckets: Vec<Vec<RoleKey>> = vec![Vec::new(); ROLE_BUCKETS];
        let mut sorted: Vec<(&str, Role)> = roles.into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        // When enabled, at most `ROLES_MAX` keys: each has a bit in `seen_roles`.
        for (bit, (k, r)) in (0..).zip(sorted) {
            buckets[bucket_of(k.as_bytes())].push(RoleKey {
                key: k.as_bytes().into(),
                role: r,
                bit,
            });
        }
        let roles = buckets;
        Fast {
            roles,
            enabled,
            seen_roles: 0,
            seen: Vec::with_capacity(16),
            tokens: Vec::new(),
            simd: index::Simd::detect(),
            cap: Captured::default(),
            shapes: shape::Shapes::default(),
            clock: time::Clock::default(),
        }
    }

    /// The kept shapes (for tests).
    #[cfg(test)]
    pub(super) fn shapes(&self) -> &shape::Shapes {
        &self.shapes
    }

    /// Classifies the JSON part of a line along `path`: `None` where that path would not
    /// answer.
    pub fn extract_by<'a>(
        &mut self,
        path: Path,
        prefix: &[u8],
        json: &'a [u8],
    ) -> Option<Line<'a>> {
        let mut out = Line::Blank;
        self.extract_into(path, prefix, json, &mut out)
            .then_some(out)
    }

    /// Classifies the JSON part of a line along `path` into `out` (the caller's slot, so
    /// the large record is built where it is used, never moved); `false` where that path
    /// would not answer, and then `out` holds nothing of use.
    pub fn extract_into<'a>(
        &mut self,
        path: Path,
        prefix: &[u8],
        json: &'a [u8],
        out: &mut Line<'a>,
    ) -> bool {
        if !self.takes(json) {
            return false;
        }
        if matches!(path, Path::Any | Path::Shaped)
            && let Some((plan, text)) = self.shapes.read(json)
        {
            // SAFETY: the holes are of the line `read` just read, as ranges of the `text` it
            // gave, which is what `Shapes::holes` promises to be at char boundaries.
            return unsafe {
                self.resolve_plan(
                    self.shapes.plan(plan),
                    self.shapes.holes(),
                    text,
                    prefix,
                    out,
                )
            };
        }
        self.extract_unshaped_into(path, prefix, json, out)
    }

    /// Whether `extract_into` and `shaped_line_into` take lines from `data` at all. Both
    /// walks rely on this: offsets that fit a `Raw` (`MAX_TEXT`).
    pub fn takes(&self, data: &[u8]) -> bool {
        self.enabled && data.len() <= MAX_TEXT
    }

    /// Classifies by a kept shape the line at the start of `data`, whose JSON starts at its
    /// first byte, where more lines may follow (`Shapes::read_line`): the line's length
    /// (without its `\n`), its JSON's (without a `\r` at its end), and whether the plan
    /// answered (as `extract_into`: where it did not, `out` holds nothing of use). `None`
    /// where no kept shape is the line's, the line then tried against them
    /// (`extract_unshaped_into` is what is left). For `data` that `takes` takes.
    pub fn shaped_line_into<'a>(
        &mut self,
        data: &'a [u8],
        out: &mut Line<'a>,
    ) -> Option<(usize, usize, bool)> {
        debug_assert!(self.takes(data));
        let (plan, text, line) = self.shapes.read_line(data)?;
        // SAFETY: as in `extract_into`: the holes are of the `text` `read_line` gave.
        let answered = unsafe {
            self.resolve_plan(self.shapes.plan(plan), self.shapes.holes(), text, b"", out)
        };
        Some((line, text.len(), answered))
    }

    /// `extract_into` without trying the kept shapes (for JSON that `takes` takes).
    pub fn extract_unshaped_into<'a>(
        &mut self,
        path: Path,
        prefix: &[u8],
        json: &'a [u8],
        out: &mut Line<'a>,
    ) -> bool {
        if path != Path::Scanned {
            match self.indexed(path, json, prefix, out) {
                Ok(answered) => return answered,
                Err(Declined) if path != Path::Any => return false,
                Err(Declined) => {}
            }
        }
        match utf8(json) {
            Some(text) => self.scan(text, prefix, out),
            None => false,
        }
    }

    /// Walks the line over its structural index, and learns its shape (unless `path` is
    /// `Indexed`). `Err` when the index declines the line. The index also says whether the
    /// line is all ASCII, which makes checking it for UTF-8 needless.
    fn indexed<'a>(
        &mut self,
        path: Path,
        json: &'a [u8],
        prefix: &[u8],
        out: &mut Line<'a>,
    ) -> Result<bool, Declined> {
        // Taken out for the walk, which borrows it while `self` records what it finds.
        let mut tokens = std::mem::take(&mut self.tokens);
        let answered = index::index(json, &mut tokens, self.simd)
            .map(|found| {
                let text = if found.ascii {
                    // SAFETY: the index saw no byte past ASCII in `json`, and ASCII is
                    // UTF-8.
                    unsafe { std::str::from_utf8_unchecked(json) }
                } else {
                    match utf8(json) {
                        Some(text) => text,
                        None => return false,
                    }
                };
                let at = &tokens[..found.tokens];
                let parsed = self.parse(&mut index::Tokens::new(json, at));
                if parsed && path != Path::Indexed {
                    self.shapes.learn(json, at, &self.cap);
                }
                parsed && path != Path::Shaped && self.resolve(text, prefix, out).is_some()
            })
            .ok_or(Declined);
        self.tokens = tokens;
        answered
    }

    /// Walks the line byte by byte (lines the index declines).
    fn scan<'a>(&mut self, text: &'a str, prefix: &[u8], out: &mut Line<'a>) -> bool {
        // Control bytes are invalid in strings and rare as white space (tabs): checking the
        // whole line at once (vectorised) lets the string scan look for `"` and `\` only.
        if has_control(text.as_bytes()) {
            return false;
        }
        let mut parser = Parser {
            b: text.as_bytes(),
            i: 0,
        };
        self.parse(&mut parser) && self.resolve(text, prefix, out).is_some()
    }

    /// Walks one line's JSON with either cursor, capturing what it finds in `self.cap`;
    /// `false` when unsure.
    fn parse<'a, C: Cursor<'a>>(&mut self, c: &mut C) -> bool {
        self.seen_roles = 0;
        self.seen.clear();
        // Field slots are valid by their `filled` bit: the array is not cleared.
        self.cap.response = None;
        self.cap.envelope = None;
        self.cap.filled = 0;
        self.cap.audit = [Raw::ABSENT; 7];
        self.top(c).is_some() && c.finish()
    }

    /// Reads the top-level object.
    fn top<'a, C: Cursor<'a>>(&mut self, p: &mut C) -> Option<()> {
        let b = p.text();
        p.object(0, |p, key| {
            // Any repeated top-level key could change which member is the envelope, or
            // which value a field takes: the exact path's. Keys with a role are told apart
            // by their bit, the others by comparing with the others before them.
            let role = self.roles[bucket_of(key)]
                .iter()
                .find(|r| same(&r.key, key))
                .map(|r| (r.role, 1u64 << r.bit));
            if let Some((_, bit)) = role {
                if self.seen_roles & bit != 0 {
                    return None;
                }
                self.seen_roles |= bit;
            } else {
                let repeated = self
                    .seen
                    .iter()
                    .any(|&(s, n)| same(&b[s as usize..s as usize + n as usize], key));
                if repeated {
                    return None;
                }
                let start = key.as_ptr() as usize - b.as_ptr() as usize;
                self.seen.push((start as u32, key.len() as u32));
            }
            match role.map(|(r, _)| r) {
                Some(Role::Response) => {
                    self.cap.response = Some(if p.peek()? == b'{' {
                        Some(p.response(1)?)
                    } else {
                        p.value(1)?;
                        None
                    });
                }
                Some(Role::Field(list, at)) => {
                    let v = p.value(1)?;
                    self.set_field(list, at, v);
                }
                Some(Role::Audit(i, field)) => {
                    let v = if p.peek()? == b'{' && field.is_none() {
                        self.member(p)?;
                        Raw::OTHER
                    } else {
                        p.value(1)?
                    };
                    self.cap.audit[i] = v;
                    if let Some((list, at)) = field {
                        self.set_field(list, at, v);
                    }
                }
                None if p.peek()? == b'{' => self.member(p)?,
                None => {
                    p.value(1)?;
                }
            }
            Some(())
        })
    }

    fn set_field(&mut self, list: usize, at: usize, v: Raw) {
        self.cap.fields[list][at] = v;
        self.cap.filled |= 1 << (list * MAX_KEYS + at);
    }

    /// Reads a top-level member that is an object: the first one holding a `Response`
    /// object is the envelope.
    fn member<'a, C: Cursor<'a>>(&mut self, p: &mut C) -> Option<()> {
        let mut found: Option<Option<Response>> = None;
        p.object(1, |p, key| {
            if key != b"Response" {
                return p.value(2).map(drop);
            }
            if found.is_some() {
                return None;
            }
            found = Some(if p.peek()? == b'{' {
                Some(p.response(2)?)
            } else {
                p.value(2)?;
                None
            });
            Some(())
        })?;
        if self.cap.envelope.is_none() {
            self.cap.envelope = found.flatten();
        }
        Some(())
    }

    /// Builds the record in `out` from what was captured, as the exact path decides
    /// (`None` where only the exact path can, and then `out` holds nothing of use).
    fn resolve<'a>(&self, text: &'a str, prefix: &[u8], out: &mut Line<'a>) -> Option<()> {
        let get = |raw: Raw| -> Option<Cow<'a, str>> {
            match raw.view() {
                Value::Str(a, b, false) => Some(Cow::Borrowed(&text[a..b])),
                Value::Str(a, b, true) => unescape(&text[a..b]).map(Cow::Owned),
                _ => None,
            }
        };
        let num = |raw: Raw| match raw.view() {
            Value::Num(a, b) => number(&text[a..b]),
            _ => None,
        };
        let response = match (self.cap.response, self.cap.envelope) {
            (Some(Some(r)), _) | (None, Some(r)) => Some(r),
            _ => None,
        };
        if response.is_none()
            && (self.cap.audit[0] == Raw::ABSENT || self.cap.audit[1] == Raw::ABSENT)
        {
            *out = Line::Skipped;
            return Some(());
        }
        // Filled in place: the record is large, and each move of it cost a copy.
        let record = response_slot(out);
        let audit = match response {
            Some(r) => {
                record.request_id = get(r.request_id);
                match r.error {
                    ErrorField::Absent => {}
                    ErrorField::NotObject => record.empty_error = true,
                    ErrorField::Object { code, message } => {
                        record.code = get(code).filter(|c| !c.is_empty());
                        if record.code.is_some() {
                            record.message = get(message);
                        }
                        record.empty_error = record.code.is_none();
                    }
                }
                false
            }
            None => {
                record.code = match self.cap.audit[1].view() {
                    Value::Num(a, b) if &text[a..b] == "0" => None,
                    Value::Num(..) => return None,
                    _ => get(self.cap.audit[1]).filter(|c| !c.is_empty() && c != "0"),
                };
                if record.code.is_some() {
                    record.message = get(self.cap.audit[2]);
                }
                record.request_id = get(self.cap.audit[3]);
                true
            }
        };
        let time_of = |raw: Raw| -> Option<Millis> {
            match raw.view() {
                Value::Str(..) => get(raw).and_then(|s| self.clock.parse_str(&s)),
                Value::Num(..) => num(raw).and_then(time::from_epoch_number),
                _ => None,
            }
        };
        record.time = self
            .cap
            .field_values(TIME)
            .find_map(time_of)
            .or_else(|| self.clock.parse_prefix(prefix));
        let field = |audit_at: usize, list: usize| {
            let audit_value = if audit {
                get(self.cap.audit[audit_at])
            } else {
                None
            };
            audit_value.or_else(|| self.cap.field_values(list).find_map(get))
        };
        record.action = field(4, ACTION);
        record.service = field(5, SERVICE);
        record.region = field(6, REGION);
        record.latency_ms = self
            .cap
            .field_values(LATENCY)
            .find_map(|r| num(r).filter(|v| v.is_finite() && *v >= 0.0));
        Some(())
    }
}

impl Fast {
    /// Builds the record in `out` by a shape's plan, from the values in `holes` (ranges of
    /// `text`): what `resolve` builds for a line of that shape. `false` where only the exact
    /// path can.
    ///
    /// # Safety
    ///
    /// Each range in `holes` that lies within `text` starts and ends at char boundaries of
    /// it, as `Shapes::holes` are for the text `Shapes::read` gives. (Checking each value's
    /// boundaries again cost 3% of a run's instructions: callgrind, 40 MB log, 451 M with
    /// the checks, 437 M without.)
    #[inline(always)]
    pub(super) unsafe fn resolve_plan<'a>(
        &self,
        plan: &Plan,
        holes: &[(u32, u32)],
        text: &'a str,
        prefix: &[u8],
        out: &mut Line<'a>,
    ) -> bool {
        let s = |h: u16| -> &'a str {
            let Some(&(a, z)) = holes.get(h as usize) else {
                return "";
            };
            let (a, z) = (a as usize, z as usize);
            match text.as_bytes().get(a..z) {
                Some(bytes) => {
                    debug_assert!(text.is_char_boundary(a) && text.is_char_boundary(z));
                    // SAFETY: `a..z` is in `text`, at its char boundaries (the caller's
                    // promise), so the bytes are UTF-8.
                    unsafe { std::str::from_utf8_unchecked(bytes) }
                }
                None => "",
            }
        };
        let get = |h: Option<u16>| h.map(|h| Cow::Borrowed(s(h)));
        // A number hole's value from the digits the shape kept, or its text by `number`.
        let num = |h: u16| self.shapes.number(h).or_else(|| number(s(h)));
        let record = match plan.line {
            PlanLine::Skipped => {
                *out = Line::Skipped;
                return true;
            }
            PlanLine::Response(error) => {
                let record = response_slot(out);
                match error {
                    ErrorPlan::Absent => {}
                    ErrorPlan::NotObject => record.empty_error = true,
                    ErrorPlan::Object(code) => {
                        record.code = get(code).filter(|c| !c.is_empty());
                        record.empty_error = record.code.is_none();
                    }
                }
                record
            }
            PlanLine::Audit(code) => {
                let code = match code {
                    Src::Num(h) if s(h) == "0" => None,
                    Src::Num(_) => return false,
                    Src::Str(h) => Some(s(h)).filter(|c| !c.is_empty() && *c != "0"),
                    Src::None => None,
                };
                let record = response_slot(out);
                record.code = code.map(Cow::Borrowed);
                record
            }
        };
        if record.code.is_some() {
            record.message = get(plan.message);
        }
        record.request_id = get(plan.request_id);
        // Loops rather than `find_map`, which the compiler kept out of line (a call a
        // line for each).
        let mut time = None;
        for &src in &plan.time {
            time = match src {
                Src::Str(h) => self.clock.parse_str(s(h)),
                Src::Num(h) => num(h).and_then(time::from_epoch_number),
                Src::None => None,
            };
            if time.is_some() {
                break;
            }
        }
        record.time = time.or_else(|| self.clock.parse_prefix(prefix));
        let [action, service, region] = plan.fields;
        record.action = get(action);
        record.service = get(service);
        record.region = get(region);
        for &src in &plan.latency {
            if let Src::Num(h) = src
                && let Some(v) = num(h).filter(|v| v.is_finite() && *v >= 0.0)
            {
                record.latency_ms = Some(v);
                break;
            }
        }
        true
    }
}

/// Makes `out` an empty response and returns its record.
fn response_slot<'o, 'a>(out: &'o mut Line<'a>) -> &'o mut Record<'a> {
    *out = Line::Response(Record::default());
    match out {
        Line::Response(record) => record,
        // Made a response just above.
        _ => unreachable!("out is a response"),
    }
}

const ROLE_BUCKETS: usize = 64;

/// Buckets a key by its length and its first and last bytes.
fn bucket_of(key: &[u8]) -> usize {
    let (first, last) = (key.first().copied(), key.last().copied());
    let h = key.len() * 31 + first.unwrap_or(0) as usize * 7 + last.unwrap_or(0) as usize;
    h % ROLE_BUCKETS
}

/// Compares two byte strings, inline for the short ones: keys are compared a dozen times
/// per line, and a call to `memcmp` (or a byte loop) for each cost more than the
/// comparison. Up to 16 bytes, two overlapping loads from each side cover every byte.
#[inline]
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    fn ends<const W: usize>(s: &[u8]) -> ([u8; W], [u8; W]) {
        let head = s[..W].try_into().unwrap_or([0; W]);
        let tail = s[s.len() - W..].try_into().unwrap_or([0; W]);
        (head, tail)
    }
    match n {
        0 => true,
        1 => a[0] == b[0],
        2..=3 => ends::<2>(a) == ends::<2>(b),
        4..=7 => ends::<4>(a) == ends::<4>(b),
        8..=16 => ends::<8>(a) == ends::<8>(b),
        _ => a == b,
    }
}

/// Bytes that end or interrupt a run of plain string bytes (control bytes were ruled out
/// for the whole line before).
fn special(c: u8) -> bool {
    c == b'"' || c == b'\\'
}

/// Says whether any byte is below 0x20, eight at a time.
fn has_control(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let words = b.chunks_exact(8);
    let tail = words.remainder().iter().any(|&c| c < 0x20);
    let found = words.fold(0, |acc, w| {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        acc | (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
    });
    tail || found != 0
}

/// Flags the bytes of a little-endian word that are `"` or `\` (SWAR). No byte is missed;
/// a byte above a real match may be flagged too, so only the lowest flag is exact.
fn special_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    zero(w ^ (ONES * b'"' as u64)) | zero(w ^ (ONES * b'\\' as u64))
}

/// A cursor over the JSON text. Every method returns `None` on anything it does not accept.
struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// Reads a string (at its opening quote): the range of its contents and whether it has
    /// escapes. Validates control characters and escapes.
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        if self.peek()? != b'"' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            // Eight bytes at a time; the lowest flagged byte is a real match, so jump to it.
            while let Some(chunk) = self.b.get(self.i..self.i + 8) {
                let w = u64::from_le_bytes(chunk.try_into().ok()?);
                let found = special_mask(w);
                if found != 0 {
                    self.i += (found.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            while !special(*self.b.get(self.i)?) {
                self.i += 1;
            }
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i - 1, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            let v = hex
                                .iter()
                                .fold(0u32, |v, c| v * 16 + (*c as char).to_digit(16).unwrap_or(0));
                            if (0xd800..0xe000).contains(&v) {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// Reads a number or a literal.
    fn scalar(&mut self) -> Option<Raw> {
        let (raw, end) = scalar_prefix(self.b, self.i)?;
        self.i = end;
        Some(raw)
    }
}

/// How the walk over one line's JSON moves: the byte scanner (`Parser`) and the token
/// cursor over a structural index (`index::Tokens`) both validate what they pass over and
/// return `None` on anything they do not accept; the capture logic above is written once
/// against this trait.
pub(super) trait Cursor<'a>: Sized {
    /// The whole JSON text.
    fn text(&self) -> &'a [u8];
    /// The first byte of the next value or structural character.
    fn peek(&self) -> Option<u8>;
    /// Reads a string (at its opening quote).
    fn string_value(&mut self) -> Option<Raw>;
    /// Reads a number or a literal.
    fn scalar_value(&mut self) -> Option<Raw>;
    /// Says whether only white space follows.
    fn finish(&mut self) -> bool;
    /// Steps past the structural character at the cursor.
    fn bump(&mut self);
    /// Reads an object key (at its opening quote). Keys with escapes go to the exact path:
    /// they might spell a key errstat looks for.
    fn key(&mut self) -> Option<&'a [u8]>;
    /// Skips white space after a value, where a cursor can stand on it.
    fn skip_space(&mut self) {}

    /// Reads any value, validating it.
    fn value(&mut self, depth: usize) -> Option<Raw> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string_value(),
            b'{' => {
                self.object(depth, |p, _| p.value(depth + 1).map(drop))?;
                Some(Raw::OTHER)
            }
            b'[' => {
                self.array(depth)?;
                Some(Raw::OTHER)
            }
            _ => self.scalar_value(),
        }
    }

    /// Reads an object (at `{`), calling `member` at each value with the key's bytes.
    fn object(
        &mut self,
        depth: usize,
        mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        if depth > MAX_DEPTH || self.peek()? != b'{' {
            return None;
        }
        self.bump();
        if self.peek()? == b'}' {
            self.bump();
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.skip_space();
            if self.peek()? != b':' {
                return None;
            }
            self.bump();
            member(self, key)?;
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }

    /// After an item of an object or array: `,` means another follows (true), `close` ends
    /// it (false), anything else is not JSON.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.skip_space();
        let c = self.peek()?;
        self.bump();
        match c {
            b',' => Some(true),
            _ if c == close => Some(false),
            _ => None,
        }
    }

    /// Reads an array (at `[`), validating its items.
    fn array(&mut self, depth: usize) -> Option<()> {
        self.bump();
        if self.peek()? == b']' {
            self.bump();
            return Some(());
        }
        loop {
            self.value(depth + 1)?;
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    /// Reads a `Response` object.
    fn response(&mut self, depth: usize) -> Option<Response> {
        let mut r = Response::default();
        let (mut saw_error, mut saw_id) = (false, false);
        self.object(depth, |p, key| match key {
            b"Error" => {
                if std::mem::replace(&mut saw_error, true) {
                    return None;
                }
                r.error = if p.peek()? == b'{' {
                    p.error(depth + 1)?
                } else {
                    p.value(depth + 1)?;
                    ErrorField::NotObject
                };
                Some(())
            }
            b"RequestId" => {
                if std::mem::replace(&mut saw_id, true) {
                    return None;
                }
                r.request_id = p.value(depth + 1)?;
                Some(())
            }
            _ => p.value(depth + 1).map(drop),
        })?;
        Some(r)
    }

    /// Reads an `Error` object.
    fn error(&mut self, depth: usize) -> Option<ErrorField> {
        let (mut code, mut message) = (Raw::ABSENT, Raw::ABSENT);
        self.object(depth, |p, key| match key {
            b"Code" | b"Message" => {
                let slot = if key == b"Code" {
                    &mut code
                } else {
                    &mut message
                };
                if *slot != Raw::ABSENT {
                    return None;
                }
                let v = p.value(depth + 1)?;
                // A numeric code (an integer is its text, other numbers no code): the exact
                // path's job.
                if key == b"Code" && v.is_num() {
                    return None;
                }
                *slot = v;
                Some(())
            }
            _ => p.value(depth + 1).map(drop),
        })?;
        Some(ErrorField::Object { code, message })
    }
}

impl<'a> Cursor<'a> for Parser<'a> {
    fn text(&self) -> &'a [u8] {
        self.b
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn finish(&mut self) -> bool {
        self.ws();
        self.i == self.b.len()
    }

    /// Also skips the white space after the character (values leave the cursor right after
    /// their last byte, so `more` skips what is before it).
    fn bump(&mut self) {
        self.i += 1;
        self.ws();
    }

    fn skip_space(&mut self) {
        self.ws();
    }

    fn key(&mut self) -> Option<&'a [u8]> {
        let (a, b, escaped) = self.string()?;
        (!escaped).then(|| &self.b[a..b])
    }

    fn string_value(&mut self) -> Option<Raw> {
        let (a, b, escaped) = self.string()?;
        Some(Raw::str(a as u32, b as u32, escaped))
    }

    fn scalar_value(&mut self) -> Option<Raw> {
        self.scalar()
    }
}

/// Reads the number or literal that starts at `b[start]`, and says where it ends. Numbers
/// with an exponent or more than `MAX_NUMBER` bytes are the exact path's.
pub(super) fn scalar_prefix(b: &[u8], start: usize) -> Option<(Raw, usize)> {
    let word = |w: &[u8]| {
        let end = start + w.len();
        (b.get(start..end)? == w).then_some((Raw::OTHER, end))
    };
    match b.get(start)? {
        b't' => word(b"true"),
        b'f' => word(b"false"),
        b'n' => word(b"null"),
        _ => number_end(b, start).map(|(end, _)| (Raw::num(start as u32, end as u32), end)),
    }
}

/// Where the JSON number that starts at `b[start]` ends, and its digits; `None` where none
/// does, or where it is the exact path's (an exponent, more than `MAX_NUMBER` bytes). A kept
/// shape's number holes read it inline (`scalar_prefix` as a call took 72 instructions a
/// hole in callgrind) and keep the digits, so that a latency is not read twice; `number`
/// and `scalar_prefix` read numbers with it too.
#[inline(always)]
pub(super) fn number_end(b: &[u8], start: usize) -> Option<(usize, Decimal)> {
    let negative = b.get(start) == Some(&b'-');
    let mut i = start + usize::from(negative);
    let mut mantissa = 0u64;
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => read_digits(b, &mut i, &mut mantissa),
        _ => return None,
    }
    let whole = i - start - usize::from(negative);
    let mut scale = 0;
    if b.get(i) == Some(&b'.') {
        let from = i + 1;
        i = from;
        read_digits(b, &mut i, &mut mantissa);
        scale = i - from;
        if scale == 0 {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) || i - start > MAX_NUMBER {
        return None;
    }
    let digits = whole + scale;
    // At most `MAX_NUMBER` bytes, so both fit.
    let (digits, scale) = (digits as u8, scale as u8);
    Some((
        i,
        Decimal {
            mantissa,
            digits,
            scale,
            negative,
        },
    ))
}

/// A JSON number without an exponent, as its digits: `mantissa` is the digits as one integer
/// (wrapping past 19 of them), `digits` how many there are, `scale` how many of them follow
/// the point.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Decimal {
    mantissa: u64,
    digits: u8,
    scale: u8,
    negative: bool,
}

impl Decimal {
    /// The number as `str::parse::<f64>` reads it, where that is one division: with at most
    /// 15 digits, the digits as an integer and the power of ten are both exact, so the
    /// division rounds once, correctly (Clinger's fast path), which is the correctly
    /// rounded answer `parse` gives. `None` past 15 digits (the integer may not be exact).
    #[inline]
    pub(super) fn value(self) -> Option<f64> {
        if self.digits > 15 {
            return None;
        }
        let v = self.mantissa as f64 / POWERS_OF_TEN[usize::from(self.scale)];
        Some(if self.negative { -v } else { v })
    }
}

/// Reads the number or literal that spans exactly `b[start..end]` (for the token cursor,
/// which knows where a scalar ends before reading it).
pub(super) fn scalar(b: &[u8], start: usize, end: usize) -> Option<Raw> {
    let mut p = Parser {
        b: b.get(..end)?,
        i: start,
    };
    let raw = p.scalar()?;
    (p.i == end).then_some(raw)
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

/// Checks that a line's JSON is UTF-8: simdutf8, 2-4x faster than std's check on log text
/// (the differential tests and the fuzz target hold the fast path, this check included, to
/// the exact path, which uses std's).
pub(super) fn utf8(json: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(json).ok()
}

/// Powers of ten that are exact as `f64`, for `number`.
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Reads a JSON number as `str::parse::<f64>` does: by its digits where `Decimal::value`
/// can (latencies and epoch times are short decimals, `196.9`), by `parse` otherwise. Not
/// inlined: a kept shape reads its numbers' digits as it goes, and calls this only past
/// 15 digits; inlined there, it kept the plan's loops from being inlined in turn.
#[inline(never)]
fn number(s: &str) -> Option<f64> {
    match number_end(s.as_bytes(), 0) {
        Some((end, digits)) if end == s.len() => digits.value().or_else(|| s.parse().ok()),
        _ => s.parse().ok(),
    }
}

/// Reads the digits of `b` from `*i` on into `mantissa` (wrapping: `Decimal::value` uses it
/// only up to 15 digits).
#[inline(always)]
fn read_digits(b: &[u8], i: &mut usize, mantissa: &mut u64) {
    while let Some(d) = b.get(*i).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        *i += 1;
    }
}

#[cfg(test)]
mod tests;

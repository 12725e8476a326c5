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

use super::lex::{
    Cursor, ErrorField, MAX_TEXT, Parser, Raw, Response, Value, has_control, number, same,
    unescape, utf8,
};
pub use super::plan::MAX_KEYS;
use super::plan::{
    ACTION, Captured, ErrorPlan, LATENCY, Plan, PlanLine, REGION, SERVICE, Src, TIME,
};
use super::{Keys, Line, Record, index, shape};
use crate::time::{self, Millis};

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

/// Which of the fast path's walks to take (the differential tests try each alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
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
pub(super) struct Fast {
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

impl Fast {
    /// Prepares the fast path for these keys.
    pub(super) fn new(keys: &Keys) -> Fast {
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
            clock: time::Clock::new(keys.assume_tz.clone()),
        }
    }

    /// The kept shapes (for tests).
    #[cfg(test)]
    pub(super) fn shapes(&self) -> &shape::Shapes {
        &self.shapes
    }

    /// Classifies the JSON part of a line along `route`: `None` where that route would not
    /// answer.
    pub(super) fn extract_by<'a>(
        &mut self,
        route: Route,
        prefix: &[u8],
        json: &'a [u8],
    ) -> Option<Line<'a>> {
        let mut out = Line::Blank;
        self.extract_into(route, prefix, json, &mut out)
            .then_some(out)
    }

    /// Classifies the JSON part of a line along `route` into `out` (the caller's slot, so
    /// the large record is built where it is used, never moved); `false` where that route
    /// would not answer, and then `out` holds nothing of use.
    pub(super) fn extract_into<'a>(
        &mut self,
        route: Route,
        prefix: &[u8],
        json: &'a [u8],
        out: &mut Line<'a>,
    ) -> bool {
        if !self.takes(json) {
            return false;
        }
        if matches!(route, Route::Any | Route::Shaped)
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
        self.extract_unshaped_into(route, prefix, json, out)
    }

    /// Whether `extract_into` and `shaped_line_into` take lines from `data` at all. Both
    /// walks rely on this: offsets that fit a `Raw` (`MAX_TEXT`).
    pub(super) fn takes(&self, data: &[u8]) -> bool {
        self.enabled && data.len() <= MAX_TEXT
    }

    /// Classifies by a kept shape the line at the start of `data`, whose JSON starts at its
    /// first byte, where more lines may follow (`Shapes::read_line`): the line's length
    /// (without its `\n`), its JSON's (without a `\r` at its end), and whether the plan
    /// answered (as `extract_into`: where it did not, `out` holds nothing of use). `None`
    /// where no kept shape is the line's, the line then tried against them
    /// (`extract_unshaped_into` is what is left). For `data` that `takes` takes.
    pub(super) fn shaped_line_into<'a>(
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
    pub(super) fn extract_unshaped_into<'a>(
        &mut self,
        route: Route,
        prefix: &[u8],
        json: &'a [u8],
        out: &mut Line<'a>,
    ) -> bool {
        if route != Route::Scanned {
            match self.indexed(route, json, prefix, out) {
                Ok(answered) => return answered,
                Err(Declined) if route != Route::Any => return false,
                Err(Declined) => {}
            }
        }
        match utf8(json) {
            Some(text) => self.scan(text, prefix, out),
            None => false,
        }
    }

    /// Walks the line over its structural index, and learns its shape (unless `route` is
    /// `Indexed`). `Err` when the index declines the line. The index also says whether the
    /// line is all ASCII, which makes checking it for UTF-8 needless.
    fn indexed<'a>(
        &mut self,
        route: Route,
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
                if parsed && route != Route::Indexed {
                    self.shapes.learn(json, at, &self.cap);
                }
                parsed && route != Route::Shaped && self.resolve(text, prefix, out).is_some()
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
        let mut parser = Parser::new(text.as_bytes());
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
    /// it, as `Shapes::holes` are for the text `Shapes::read` gives. (They are not checked
    /// again here: that cost a noticeable share of a run's instructions.)
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

#[cfg(test)]
mod tests;

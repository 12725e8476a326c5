//! The lexing half of the fast extractor: a captured value packed in a word (`Raw`), the
//! `Cursor` trait the walk is written against (over the structural index, or byte by byte
//! with `Parser`), and the grammar of strings, scalars and numbers, written once. It knows
//! nothing of shapes or plans.

/// Deeper nesting goes to the exact path (serde_json stops at 128).
pub(super) const MAX_DEPTH: usize = 100;

/// Longer numbers go to the exact path (rare; `Decimal` counts digits in a byte).
pub(super) const MAX_NUMBER: usize = 24;

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
    pub(super) fn view(self) -> Value {
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
pub(super) enum Value {
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
    pub(super) error: ErrorField,
    pub(super) request_id: Raw,
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
pub(super) fn special(c: u8) -> bool {
    c == b'"' || c == b'\\'
}

/// Says whether any byte is below 0x20, eight at a time.
pub(super) fn has_control(b: &[u8]) -> bool {
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
pub(super) fn special_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    zero(w ^ (ONES * b'"' as u64)) | zero(w ^ (ONES * b'\\' as u64))
}

/// A cursor over the JSON text. Every method returns `None` on anything it does not accept.
pub(super) struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `b`.
    pub(super) fn new(b: &'a [u8]) -> Parser<'a> {
        Parser { b, i: 0 }
    }

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
/// shape's number holes read it inline (a call to `scalar_prefix` for each cost far more)
/// and keep the digits, so that a latency is not read twice; `number` and `scalar_prefix`
/// read numbers with it too.
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
pub(super) fn unescape(raw: &str) -> Option<String> {
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

/// Checks that a line's JSON is UTF-8: simdutf8, faster than std's check on log text
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
pub(super) fn number(s: &str) -> Option<f64> {
    match number_end(s.as_bytes(), 0) {
        Some((end, digits)) if end == s.len() => digits.value().or_else(|| s.parse().ok()),
        _ => s.parse().ok(),
    }
}

/// Reads the digits of `b` from `*i` on into `mantissa` (wrapping: `Decimal::value` uses it
/// only up to 15 digits).
#[inline(always)]
pub(super) fn read_digits(b: &[u8], i: &mut usize, mantissa: &mut u64) {
    while let Some(d) = b.get(*i).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        *i += 1;
    }
}

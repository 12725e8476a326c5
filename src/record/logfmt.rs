//! logfmt: the `key=value` lines of logrus's text formatter, Go's slog `TextHandler`,
//! go-kit and zerolog's console writer (`time=… level=error msg="…" error="…"`).
//!
//! `pairs` walks a line once and hands out each pair as it goes, borrowing the key and, when
//! it has no escape, the value; only a quoted value with escapes is decoded into a new
//! string. Quoting is Go's (`strconv.Quote`, which logrus and slog use): `\"`, `\\`, `\n`,
//! `\t`, `\r`, `\xHH`, `\uHHHH`, `\UHHHHHHHH` and the other C escapes. The walk never fails:
//! text that is not a pair is stepped over, so any line gives some (maybe no) pairs.

use std::borrow::Cow;

/// One `key=value` pair of a logfmt line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair<'a> {
    pub key: &'a str,
    /// The value, unquoted and unescaped; empty for `key=`, `key=""` and a bare `key`.
    pub value: Cow<'a, str>,
    /// The value was written in quotes.
    pub quoted: bool,
}

/// Iterates over the pairs of a logfmt line, in order (a repeated key comes out each time).
pub fn pairs(line: &str) -> Pairs<'_> {
    Pairs { rest: line }
}

/// The iterator `pairs` returns.
#[derive(Debug, Clone)]
pub struct Pairs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Pair<'a>;

    fn next(&mut self) -> Option<Pair<'a>> {
        loop {
            let s = self.rest.trim_start_matches(is_blank);
            if s.is_empty() {
                self.rest = s;
                return None;
            }
            // A key runs to `=`, a blank or a quote; a quote where a key should start is
            // stray text (its quoted run is skipped whole, so its blanks make no keys).
            let key_len = s.find(|c: char| c == '=' || c == '"' || is_blank(c));
            let key_len = key_len.unwrap_or(s.len());
            let key = &s[..key_len];
            let after = &s[key_len..];
            if key.is_empty() {
                self.rest = match after.strip_prefix('"') {
                    Some(quoted) => quoted_end(quoted).1,
                    // A `=` with no key before it: step over the `=` and its value.
                    None => skip_value(&after[1..]),
                };
                continue;
            }
            let Some(value) = after.strip_prefix('=') else {
                // A bare key (`key` or `key"…`): a pair with no value; a glued quote is stray.
                self.rest = after;
                if let Some(quoted) = after.strip_prefix('"') {
                    self.rest = quoted_end(quoted).1;
                }
                return Some(Pair {
                    key,
                    value: Cow::Borrowed(""),
                    quoted: false,
                });
            };
            if let Some(quoted) = value.strip_prefix('"') {
                let (value, rest) = quoted_end(quoted);
                self.rest = rest;
                return Some(Pair {
                    key,
                    value,
                    quoted: true,
                });
            }
            let len = value.find(is_blank).unwrap_or(value.len());
            self.rest = &value[len..];
            return Some(Pair {
                key,
                value: Cow::Borrowed(&value[..len]),
                quoted: false,
            });
        }
    }
}

/// Spaces and tabs part pairs (a `\r` or `\n` too, for a line passed with its end).
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Skips an unquoted value, or a quoted one whole.
fn skip_value(s: &str) -> &str {
    match s.strip_prefix('"') {
        Some(quoted) => quoted_end(quoted).1,
        None => &s[s.find(is_blank).unwrap_or(s.len())..],
    }
}

/// Reads a quoted value from just after its opening quote: the value, and what follows its
/// closing quote. An unclosed quote runs to the end of the line.
fn quoted_end(s: &str) -> (Cow<'_, str>, &str) {
    let bytes = s.as_bytes();
    let Some(first) = memchr::memchr2(b'"', b'\\', bytes) else {
        return (Cow::Borrowed(s), "");
    };
    if bytes[first] == b'"' {
        return (Cow::Borrowed(&s[..first]), &s[first + 1..]);
    }
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut rest = &s[first..];
    loop {
        let Some(at) = memchr::memchr2(b'"', b'\\', rest.as_bytes()) else {
            out.push_str(rest);
            return (Cow::Owned(out), "");
        };
        out.push_str(&rest[..at]);
        if rest.as_bytes()[at] == b'"' {
            return (Cow::Owned(out), &rest[at + 1..]);
        }
        rest = unescape(&rest[at + 1..], &mut out);
    }
}

/// Decodes the escape after a backslash into `out`; returns the text after it. An unknown
/// or cut escape is kept as written, backslash included.
fn unescape<'a>(s: &'a str, out: &mut String) -> &'a str {
    let Some(c) = s.chars().next() else {
        out.push('\\');
        return s;
    };
    let simple = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '\'' => Some('\''),
        '/' => Some('/'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'v' => Some('\u{b}'),
        _ => None,
    };
    if let Some(decoded) = simple {
        out.push(decoded);
        return &s[1..];
    }
    let digits = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => 0,
    };
    let hex = s
        .get(1..1 + digits)
        .filter(|h| digits > 0 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if let Some(n) = hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
        // `\xHH` past 0x7f is one byte of text that was not UTF-8 (Go quotes it so).
        let decoded = match (c, char::from_u32(n)) {
            ('x', _) if n > 0x7f => char::REPLACEMENT_CHARACTER,
            (_, Some(ch)) => ch,
            (_, None) => char::REPLACEMENT_CHARACTER,
        };
        out.push(decoded);
        return &s[1 + digits..];
    }
    out.push('\\');
    s
}

#[cfg(test)]
mod tests;

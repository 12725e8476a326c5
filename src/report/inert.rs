//! Text from a log, a catalog file or a file name, made inert for a terminal: every
//! control character (C0, DEL, C1) and every bidirectional override is written as a
//! visible escape (`\u{1b}`), so nothing a log holds can move the cursor, clear the screen,
//! retitle the terminal or reorder what is shown. JSON escapes on its own; CSV writes cells
//! as they are (`--csv-safe` guards spreadsheets).

use std::borrow::Cow;
use std::fmt::Write;

/// Says whether a character must not reach a terminal as it is.
fn live(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Returns the text with its control and bidirectional characters escaped.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(live) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if live(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Guards a CSV cell against being read as a formula by a spreadsheet (OWASP's advice): a
/// cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
pub fn formula_safe(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_overrides_become_visible() {
        assert_eq!(
            inert("Evil\u{1b}[2J\u{1b}]0;pwned\u{7}"),
            "Evil\\u{1b}[2J\\u{1b}]0;pwned\\u{7}"
        );
        assert_eq!(inert("a\u{9b}31m\rb\n\t"), "a\\u{9b}31m\\u{d}b\\u{a}\\u{9}");
        assert_eq!(inert("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(
            inert("\u{7f}\u{2066}x\u{2069}"),
            "\\u{7f}\\u{2066}x\\u{2069}"
        );
        // Plain text, other scripts and emoji pass as they are, borrowed.
        for plain in ["AuthFailure.SignatureExpire", "인증 실패 错误 ✓", ""] {
            assert!(matches!(inert(plain), Cow::Borrowed(p) if p == plain));
        }
    }

    #[test]
    fn formula_cells_get_a_quote() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(formula_safe(cell), format!("'{cell}"));
        }
        for cell in ["1", "a=b", "", "'x"] {
            assert_eq!(formula_safe(cell), cell);
        }
    }
}

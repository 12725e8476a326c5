//! SDK error strings: a Tencent Cloud SDK exception as a logger printed it (SPEC §1.9).
//!
//! Services log the SDK's exception text (`err.Error()`, `str(e)`, `e.toString()`), not the
//! API response. `find` reads that text out of any one string: a plain line, or a JSON or
//! logfmt value its caller has already decoded. It borrows everything from the string and
//! keeps no state between strings, so a line means the same in any chunk on any thread;
//! an exception printed over several log lines is read from its first line alone.
//!
//! The SDKs join their fields with fixed labels and never escape the message, so a message
//! may hold the labels themselves. The request id is the last field each SDK prints, hence
//! the one rule for every form: the request id is the **last** request-id label whose value
//! looks like an id (or is empty where the SDK's text ends), and the message is everything
//! between the message label and that request-id label.

use std::sync::LazyLock;

use memchr::memmem;

/// What a missing code is counted as: the old Java and the Node forms print only a message.
pub const NO_CODE: &str = "(no code)";

/// Which SDK layout the text was in (SPEC §1.9 lists each with its source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// `[TencentCloudSDKError] Code=C, Message=M[, RequestId=R]` (tencentcloud-sdk-go).
    Go,
    /// `[TencentCloudSDKException] code:C message:M requestId:R` (tencentcloud-sdk-python).
    Python,
    /// `[TencentCloudSDKException]code: C message:M requestId:R[ cause:…]` (Java 3.1 on).
    Java,
    /// `[TencentCloudSDKException]message:M  requestId:R[  traceId:T]`: tencentcloud-sdk-nodejs,
    /// and Java before it printed the code (the two are the same bytes).
    NoCode,
    /// The marker, then `Code:`, `Message:`, `RequestId:` on lines of their own; also the
    /// marker alone at the end of the text (the first line of that form).
    Lines,
    /// `com.tencentcloudapi.common.exception.TencentCloudSDKException: M`: a Java stack
    /// trace's first line as logback and log4j2 print it (class name and message only).
    JavaClass,
}

/// An SDK error read from a string, borrowing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdkError<'a> {
    /// The code as printed; `None` when the form has none, or it printed empty, `None` or `null`.
    pub code: Option<&'a str>,
    /// The message as printed, white space at its end removed.
    pub message: &'a str,
    /// The request id; `None` when left out, empty, `None` or `null`.
    pub request_id: Option<&'a str>,
    pub form: Form,
}

/// Where a counted code came from (SPEC §1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeFrom {
    /// The SDK printed it.
    Sdk,
    /// The SDK printed none; a catalog code was found in the message.
    Message,
    /// Neither: the code is `NO_CODE`.
    Placeholder,
}

/// What every form names; searched once per string, so text without it costs one scan.
pub(super) static NAME: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"TencentCloudSDK"));
static MARKER: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"[TencentCloudSDK"));

const NAME_LEN: usize = "TencentCloudSDK".len();
const GO_TAIL: &str = "Error]";
const EXCEPTION_TAIL: &str = "Exception]";
const JAVA_PACKAGE: &str = "com.tencentcloudapi.common.exception.";
const JAVA_TAIL: &str = "Exception: ";

/// Longest request id taken: ids are UUIDs (36 bytes), so anything far longer is text.
const MAX_ID: usize = 128;

/// Finds the first SDK error in `text`. A bracketed marker anywhere wins over a Java class
/// name; a marker whose text does not follow any layout is passed over for the next.
pub fn find(text: &str) -> Option<SdkError<'_>> {
    let bytes = text.as_bytes();
    let mut java = None;
    let mut at = 0;
    while let Some(found) = NAME.find(&bytes[at..]) {
        let name = at + found;
        at = name + NAME_LEN;
        let rest = &text[at..];
        if name == 0 || bytes[name - 1] != b'[' {
            if java.is_none() && rest.starts_with(JAVA_TAIL) && text[..name].ends_with(JAVA_PACKAGE)
            {
                java = Some(at + JAVA_TAIL.len());
            }
            continue;
        }
        let (go, body_start) = if rest.starts_with(GO_TAIL) {
            (true, at + GO_TAIL.len())
        } else if rest.starts_with(EXCEPTION_TAIL) {
            (false, at + EXCEPTION_TAIL.len())
        } else {
            continue;
        };
        // The error's text ends where another SDK error starts (a cause, a chained error).
        let end = MARKER
            .find(&bytes[body_start..])
            .map_or(text.len(), |n| body_start + n);
        let body = &text[body_start..end];
        let parsed = if go {
            go_form(body)
        } else {
            exception_form(body)
        };
        if let Some(error) = parsed.or_else(|| lines_form(body)) {
            return Some(error);
        }
    }
    java.map(|from| java_class(&text[from..]))
}

/// Returns the code to count `error` under: its own, else the first catalog code (`known`)
/// its message names, else `NO_CODE`; and where that code came from.
pub fn code_of<'a>(error: &SdkError<'a>, known: impl Fn(&str) -> bool) -> (&'a str, CodeFrom) {
    if let Some(code) = error.code {
        return (code, CodeFrom::Sdk);
    }
    match code_in_message(error.message, known) {
        Some(code) => (code, CodeFrom::Message),
        None => (NO_CODE, CodeFrom::Placeholder),
    }
}

/// Finds the first word of `message` that is a catalog code (`known`). A word is a run of
/// ASCII letters, digits, `_` and `.` (outer dots dropped) that starts with a capital and
/// has a dot or a second capital, as codes do (`AuthFailure`, `InvalidParameter.X`), so
/// ordinary words are never looked up.
pub fn code_in_message(message: &str, known: impl Fn(&str) -> bool) -> Option<&str> {
    let is_code_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    message
        .split(|c: char| !c.is_ascii() || !is_code_byte(c as u8))
        .map(|word| word.trim_matches('.'))
        .filter(|word| {
            word.starts_with(|c: char| c.is_ascii_uppercase())
                && (word.contains('.') || word.bytes().filter(u8::is_ascii_uppercase).count() >= 2)
        })
        .find(|word| known(word))
}

/// `[TencentCloudSDKError] Code=C, Message=M[, RequestId=R]`.
fn go_form(body: &str) -> Option<SdkError<'_>> {
    let rest = body.strip_prefix(" Code=")?;
    let (code, tail) = rest.split_once(", Message=")?;
    let (message, request_id) = split_request_id(tail, &REQUEST_ID_GO);
    Some(SdkError {
        code: present(code.trim()),
        message,
        request_id,
        form: Form::Go,
    })
}

/// The `[TencentCloudSDKException]` forms of Python, Java and Node.
fn exception_form(body: &str) -> Option<SdkError<'_>> {
    let (form, code, tail) = if let Some(rest) = body.strip_prefix(" code:") {
        let (code, tail) = rest.split_once(" message:")?;
        (Form::Python, present(code.trim()), tail)
    } else if let Some(rest) = body.strip_prefix("code:") {
        let (code, tail) = rest.split_once(" message:")?;
        (Form::Java, present(code.trim()), tail)
    } else {
        (Form::NoCode, None, body.strip_prefix("message:")?)
    };
    let (message, request_id) = split_request_id(tail, &REQUEST_ID);
    Some(SdkError {
        code,
        message,
        request_id,
        form,
    })
}

/// The marker, then `Code:`, `Message:` and `RequestId:` lines; or the marker alone.
fn lines_form(body: &str) -> Option<SdkError<'_>> {
    let rest = body.trim_start();
    let gap = &body[..body.len() - rest.len()];
    if rest.is_empty() {
        return Some(SdkError {
            code: None,
            message: "",
            request_id: None,
            form: Form::Lines,
        });
    }
    if !gap.contains('\n') {
        return None;
    }
    let (code, rest) = match rest.strip_prefix("Code:") {
        Some(after) => {
            let (line, next) = after.split_once('\n').unwrap_or((after, ""));
            (present(line.trim()), next.trim_start())
        }
        None => (None, rest),
    };
    let tail = match rest.strip_prefix("Message:") {
        Some(after) => after.trim_start_matches([' ', '\t']),
        None if code.is_some() => rest,
        None => return None,
    };
    let (message, request_id) = split_request_id(tail, &REQUEST_ID_LINES);
    Some(SdkError {
        code,
        message,
        request_id,
        form: Form::Lines,
    })
}

/// `com.tencentcloudapi.common.exception.TencentCloudSDKException: M`, from just after the
/// class name to the end of its line.
fn java_class(rest: &str) -> SdkError<'_> {
    let line = &rest[..memchr::memchr2(b'\n', b'\r', rest.as_bytes()).unwrap_or(rest.len())];
    SdkError {
        code: None,
        message: line.trim_end(),
        request_id: None,
        form: Form::JavaClass,
    }
}

/// How one layout writes its request id.
struct RequestIdLabel {
    /// The label with what precedes it (`, RequestId=`, ` requestId:`).
    label: &'static str,
    /// The label starts a line (after spaces or tabs), or the text.
    line_start: bool,
    /// What may follow an empty id where the SDK's text goes on (`traceId:`, `cause:`).
    trailers: &'static [&'static str],
    /// Spaces and tabs after the label come before the id (`RequestId: R`).
    skip_blanks: bool,
}

const REQUEST_ID_GO: RequestIdLabel = RequestIdLabel {
    label: ", RequestId=",
    line_start: false,
    trailers: &[],
    skip_blanks: false,
};

/// Python's, Java's (one space before) and Node's (two spaces, the first kept in the message
/// and trimmed with its end).
const REQUEST_ID: RequestIdLabel = RequestIdLabel {
    label: " requestId:",
    line_start: false,
    trailers: &["traceId:", "cause:"],
    skip_blanks: false,
};

const REQUEST_ID_LINES: RequestIdLabel = RequestIdLabel {
    label: "RequestId:",
    line_start: true,
    trailers: &["TraceId:"],
    skip_blanks: true,
};

/// Splits `tail` (the text after the message label) into the message and the request id, by
/// the last request-id label whose value is an id, or empty where the text ends or goes on
/// with a trailer. Without one the message runs to the end of `tail`.
fn split_request_id<'a>(tail: &'a str, how: &RequestIdLabel) -> (&'a str, Option<&'a str>) {
    let finder = memmem::FinderRev::new(how.label.as_bytes());
    let mut end = tail.len();
    while let Some(at) = finder.rfind(&tail.as_bytes()[..end]) {
        end = at;
        let before = tail[..at].trim_end_matches([' ', '\t']);
        if how.line_start && !(before.is_empty() || before.ends_with(['\n', '\r'])) {
            continue;
        }
        let mut value = &tail[at + how.label.len()..];
        if how.skip_blanks {
            value = value.trim_start_matches([' ', '\t']);
        }
        if let Some(id) = id_at(value, how.trailers) {
            return (tail[..at].trim_end(), id);
        }
    }
    (tail.trim_end(), None)
}

/// Reads the id at the start of `value`: `Some(Some(id))`, `Some(None)` for an id printed
/// empty, `None` when `value` does not start with one (the label was message text).
fn id_at<'a>(value: &'a str, trailers: &[&str]) -> Option<Option<&'a str>> {
    // Go's first release (2017) wrote the id with `%d`: `RequestId=%!d(string=…)`.
    if let Some(rest) = value.strip_prefix("%!d(string=") {
        // The `)` is looked for among the bytes an id may take only, so text of many
        // unclosed labels costs linear time.
        let window = &rest.as_bytes()[..rest.len().min(MAX_ID + 1)];
        let id = &rest[..memchr::memchr(b')', window)?];
        return is_id(id).then(|| present(id));
    }
    let len = value
        .bytes()
        .take_while(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    let id = value[..len].trim_end_matches('.');
    let after = &value[id.len()..];
    if id.is_empty() {
        let after = after.trim_start_matches([' ', '\t', '\r', '\n']);
        let ends = after.is_empty() || trailers.iter().any(|t| after.starts_with(t));
        return ends.then_some(None);
    }
    let ends_word = after.chars().next().is_none_or(|c| {
        c.is_whitespace() || matches!(c, '.' | ',' | ';' | ')' | ']' | '}' | '"' | '\'')
    });
    (ends_word && is_id(id)).then(|| present(id))
}

/// Whether `s` is short enough to be a request id.
fn is_id(s: &str) -> bool {
    s.len() <= MAX_ID
}

/// Drops what the SDKs print for a missing value: nothing, Python's `None`, Java's `null`.
fn present(s: &str) -> Option<&str> {
    (!matches!(s, "" | "None" | "null")).then_some(s)
}

#[cfg(test)]
mod tests;

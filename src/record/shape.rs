//! Shapes: the lines of a log repeat a few layouts. Two responses of the same API in the same
//! envelope differ in their values, not in their keys, structure or spacing. After the walk
//! over a line's tokens (`index`), the line's *shape* is kept: its text with a hole where
//! each value is (the *skeleton*), the kind of each value, and a plan for its record (which
//! hole is the code, the time, the latency...: `fast::Plan`). A later line that is the same
//! skeleton with other values needs neither the index nor the walk: it is read by comparing
//! the skeleton's text and reading each hole, and what the walk would capture is in the same
//! holes, so the plan builds its record. (This is Mison's idea of
//! speculating on a log's repeated structure, kept exact: a line is read this way only when
//! all of it matches, and walked otherwise.)
//!
//! Why a match is exact. A line read this way is the skeleton's text, byte for byte, with
//! each hole filled by
//! - for a string: bytes that are not a quote, a backslash or a control byte (and valid
//!   UTF-8), up to the closing quote, which is the skeleton's;
//! - for a number or a literal: a valid one (the walk's own scalar reader decides; a number
//!   hole is read by `number_end`, which a test holds to that reader's numbers), of the
//!   same kind, then spaces.
//!
//! Such a line has the same tokens, in the same classes, with the same keys, as the line the
//! shape was learned from, and scalars of the same kinds: everything the walk's decisions
//! read. So the walk would take the same steps and capture the same holes.
//!
//! The skeletons are kept in a trie: shapes share their first segments (an envelope's
//! `{"ts":"`), so a line is read once from the start, and a branch is chosen where its text
//! first differs.

use super::lex::{Decimal, Raw, number_end, same, scalar_prefix, utf8};
use super::plan::{Captured, Plan};

/// What a hole holds, or `End`: the text to the line's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HoleKind {
    String,
    Number,
    /// `true`, `false` or `null`.
    Literal,
    End,
}

/// A node of the trie: a segment of a skeleton's text, then a hole.
#[derive(Debug)]
struct Node {
    /// The segment: a range of `Shapes::text`.
    from: u32,
    len: u32,
    kind: HoleKind,
    /// For `End`: whether a segment on the way to it, its own among them, has a byte past
    /// ASCII (the way to a node is one: the trie is a tree), so that the walk need not
    /// ask each node. Belt and braces: segments are cut at ASCII bytes from a line that was
    /// valid UTF-8, so each is UTF-8 alone and only string holes can need the check; no
    /// test fails without this flag.
    high: bool,
    /// The first node after the hole (`NONE` for `End`), and the next node after the
    /// same parent's hole (`NONE` for the last): a node's children are a chain.
    child: u32,
    sibling: u32,
    /// For `End`: the shape's number in `Shapes::leaves`.
    leaf: u32,
}

/// No node.
const NONE: u32 = u32::MAX;

/// Lines with more tokens are not learned: a long line rarely repeats its layout.
const MAX_TOKENS: usize = 512;
/// The most the trie keeps; when a shape would not fit, it is cleared and starts over.
const MAX_NODES: usize = 2048;
const MAX_TEXT: usize = 64 << 10;
const MAX_LEAVES: usize = 256;
/// The most children a node keeps: a line that differs from the kept ones only late (a
/// unique key at its end) would otherwise grow one node's children without bound, and
/// every line would try them all. A new child past them takes the last one's place.
const MAX_CHILDREN: usize = 32;
/// At most one shape is learned per this many lines read: where more layouts repeat than
/// are kept, learning them over and over would cost more than the walks it saves.
const LEARN_GAP: u32 = 16;
/// After this many lines in a row without a matching shape, only one line in 64 is tried
/// against the kept ones (the others go straight to the walk) until one matches again.
const READ_BACKOFF: u32 = 1024;

/// The shapes of recent lines; one per worker.
#[derive(Debug, Default)]
pub(super) struct Shapes {
    /// The trie; node 0, once there, is its root (no segment, no hole).
    nodes: Vec<Node>,
    text: Vec<u8>,
    /// Each shape's plan, by the number its `End` node holds.
    leaves: Vec<Plan>,
    /// Scratch space: the holes of the line being read, as ranges of its text (a
    /// number's range is its text, without the spaces after it), the first `filled` of
    /// them. It has room for `MAX_TOKENS` (more than a learned shape has holes) once a
    /// shape is learned, and is written by index: pushed, each hole stored the vector's
    /// length back to memory.
    holes: Vec<(u32, u32)>,
    filled: usize,
    /// The digits of each number hole of that line, by hole (as `holes`; what is at a
    /// string's or a literal's place is stale), so that a latency is read once.
    numbers: Vec<Decimal>,
    /// Lines without a matching shape since one last matched: learning backs off when
    /// shapes stop repeating (see `learn`).
    misses: u32,
    /// Lines read since a shape was last learned.
    since_learned: u32,
}

impl Shapes {
    /// Reads a line's JSON `b` by a kept shape: the shape's number (for `plan`), with its
    /// values' ranges in `holes`, and the text as a `str`. `None` if no kept shape is the
    /// line's.
    pub(super) fn read<'a>(&mut self, b: &'a [u8]) -> Option<(u32, &'a str)> {
        self.read_by::<false>(b).map(|(leaf, text, _)| (leaf, text))
    }

    /// Reads by a kept shape the line at the start of `data`, whose JSON starts at its
    /// first byte, where more lines may follow in `data`: the line ends at its first `\n`
    /// (a `\r` before it not in its JSON), or at the end of `data`. `read`'s answer for
    /// the line's JSON, and the line's length (without its `\n`). The line is not searched
    /// for its end first: a shape's text and values never hold a `\n` (the text is a
    /// line's, strings stop at control bytes, scalars at what is not theirs), so the shape
    /// follows the line to its end and sees there what ends it.
    pub(super) fn read_line<'a>(&mut self, data: &'a [u8]) -> Option<(u32, &'a str, usize)> {
        self.read_by::<true>(data)
    }

    /// `read` (`OPEN` false: `b` is the JSON alone) or `read_line` (`OPEN`).
    fn read_by<'a, const OPEN: bool>(&mut self, b: &'a [u8]) -> Option<(u32, &'a str, usize)> {
        self.since_learned = self.since_learned.saturating_add(1);
        if self.misses > READ_BACKOFF && !self.misses.is_multiple_of(64) {
            self.misses = self.misses.wrapping_add(1);
            return None;
        }
        let read = self.matching_leaf::<OPEN>(b);
        match read {
            Some(_) => self.misses = 0,
            None => self.misses = self.misses.wrapping_add(1),
        }
        let (leaf, high, json, line) = read?;
        let b = &b[..json];
        let text = if high {
            utf8(b)?
        } else {
            // SAFETY: every byte of `b` is in a segment or a hole, and none of them had a
            // byte past ASCII (scalars are ASCII by their grammar), and ASCII is UTF-8.
            unsafe { std::str::from_utf8_unchecked(b) }
        };
        Some((leaf, text, line))
    }

    /// How lines of shape `leaf` become records.
    pub(super) fn plan(&self, leaf: u32) -> &Plan {
        &self.leaves[leaf as usize]
    }

    /// The values of the line `read` last read, as ranges of its text, by hole. Each starts
    /// and ends at a char boundary of that text: a string's contents start after a quote and
    /// end at one, and a scalar is ASCII, so each end of a range is at an ASCII byte, just
    /// after one, or at the text's end, and in UTF-8 such a byte starts a char.
    /// (`fast::resolve_plan` slices them unchecked.)
    pub(super) fn holes(&self) -> &[(u32, u32)] {
        &self.holes[..self.filled]
    }

    /// The value of hole `h` of the line `read` last read, which the shape has as a number,
    /// where `Decimal::value` gives it.
    pub(super) fn number(&self, h: u16) -> Option<f64> {
        self.numbers[..self.filled].get(usize::from(h))?.value()
    }

    /// Follows the trie along `b`, filling `holes`: the leaf reached at the line's end,
    /// whether any byte past ASCII was seen, and where the JSON and the line end. Without
    /// `OPEN` both are the end of `b`; with it, a shape ends where the line does (`read_line`).
    fn matching_leaf<const OPEN: bool>(&mut self, b: &[u8]) -> Option<(u32, bool, usize, usize)> {
        self.filled = 0;
        let (mut pos, mut high) = (0usize, false);
        let mut next = self.nodes.first()?.child;
        // The holes filled so far on the way down (a branch that fails is left before its
        // hole is, and nothing is walked back up).
        let mut filled = 0;
        loop {
            let n = self.nodes.get(next as usize)?;
            next = n.sibling;
            let start = pos + n.len as usize;
            if !segment_at(&self.text, b, pos, n) {
                continue;
            }
            let end = match n.kind {
                HoleKind::End => match line_end::<OPEN>(b, start) {
                    Some(line) => {
                        self.filled = filled;
                        return Some((n.leaf, high || n.high, start, line));
                    }
                    None => continue,
                },
                HoleKind::String => match string_end(b, start) {
                    Some((end, h)) => {
                        high |= h;
                        *self.holes.get_mut(filled)? = (start as u32, end as u32);
                        filled += 1;
                        end
                    }
                    None => continue,
                },
                HoleKind::Number => {
                    let Some((end, digits)) = number_end(b, start) else {
                        continue;
                    };
                    *self.holes.get_mut(filled)? = (start as u32, end as u32);
                    *self.numbers.get_mut(filled)? = digits;
                    filled += 1;
                    end + spaces(b, end)
                }
                HoleKind::Literal => {
                    let Some((_, end)) = scalar_prefix(b, start).filter(|(raw, _)| !raw.is_num())
                    else {
                        continue;
                    };
                    *self.holes.get_mut(filled)? = (start as u32, end as u32);
                    filled += 1;
                    end + spaces(b, end)
                }
            };
            pos = end;
            next = n.child;
        }
    }

    /// Keeps the shape of a line the walk just read over its tokens `at` (`captured`: what
    /// it found, as offsets into `b`). A line is learned at most once per `LEARN_GAP` lines
    /// read (the first line at once), and after a run of misses only at the run's 1st, 2nd,
    /// 4th... 64th line and every 64th after, so a log whose layouts never repeat spends
    /// little on learning.
    pub(super) fn learn(&mut self, b: &[u8], at: &[u32], captured: &Captured) {
        let m = self.misses;
        let due = if m <= 64 {
            m.is_power_of_two()
        } else {
            m.is_multiple_of(64)
        };
        let gap = self.since_learned >= LEARN_GAP || self.leaves.is_empty();
        if !due || !gap || at.len() > MAX_TOKENS {
            return;
        }
        self.since_learned = 0;
        let Some((path, plan)) = skeleton(b, at, captured) else {
            return;
        };
        let text: usize = path.iter().map(|(seg, _)| seg.len()).sum();
        // A skeleton that alone would fill much of the trie's text is not kept (long keys),
        // so the text stays within `MAX_TEXT` after a start over.
        if text > MAX_TEXT / 4 {
            return;
        }
        if self.nodes.len() + path.len() + 1 > MAX_NODES
            || self.text.len() + text > MAX_TEXT
            || self.leaves.len() >= MAX_LEAVES
        {
            // Full: start over with this shape alone.
            self.nodes.clear();
            self.text.clear();
            self.leaves.clear();
        }
        self.insert(&path, &plan);
        if self.holes.len() < MAX_TOKENS {
            self.holes.resize(MAX_TOKENS, (0, 0));
            self.numbers.resize(MAX_TOKENS, Decimal::default());
        }
    }

    /// Adds a skeleton's path to the trie, its leaf with `plan`.
    fn insert(&mut self, path: &[(&[u8], HoleKind)], plan: &Plan) {
        if self.nodes.is_empty() {
            self.nodes.push(Node {
                from: 0,
                len: 0,
                kind: HoleKind::End,
                high: false,
                child: NONE,
                sibling: NONE,
                leaf: 0,
            });
        }
        let path_high = path.iter().any(|(seg, _)| !seg.is_ascii());
        let mut node = 0;
        for &(seg, kind) in path {
            let mut found = None;
            // The last child, and the one before it.
            let (mut last, mut before) = (NONE, NONE);
            let mut children = 0;
            let mut c = self.nodes[node].child;
            while let Some(n) = self.nodes.get(c as usize) {
                let from = n.from as usize;
                if n.kind == kind && &self.text[from..from + n.len as usize] == seg {
                    found = Some(c);
                    break;
                }
                (before, last) = (last, c);
                c = n.sibling;
                children += 1;
            }
            if found.is_none() && children >= MAX_CHILDREN {
                // The last child makes way: the new one is linked in its place (after the
                // one before it), and its nodes stay unused until the trie starts over.
                last = before;
            }
            node = match found {
                // The same shape again (its leaf is the same as well).
                Some(_) if kind == HoleKind::End => return,
                Some(c) => c as usize,
                None => {
                    let leaf = if kind == HoleKind::End {
                        self.leaves.push(plan.clone());
                        self.leaves.len() as u32 - 1
                    } else {
                        0
                    };
                    // `text` keeps 16 spare bytes at its end (see `segment_at`).
                    self.text.truncate(self.text.len().saturating_sub(16));
                    let from = self.text.len() as u32;
                    self.text.extend_from_slice(seg);
                    self.text.extend_from_slice(&[0; 16]);
                    let new = self.nodes.len() as u32;
                    self.nodes.push(Node {
                        from,
                        len: seg.len() as u32,
                        kind,
                        high: kind == HoleKind::End && path_high,
                        child: NONE,
                        sibling: NONE,
                        leaf,
                    });
                    match self.nodes.get_mut(last as usize) {
                        Some(prev) => prev.sibling = new,
                        None => self.nodes[node].child = new,
                    }
                    new as usize
                }
            };
        }
    }
}

/// Says whether node `n`'s segment is in `b` at `pos` (`text`: the trie's). `text` has 16
/// spare bytes at its end, so a short segment is compared in one 16-byte step, its bytes
/// past the segment masked off.
#[inline]
fn segment_at(text: &[u8], b: &[u8], pos: usize, n: &Node) -> bool {
    let (from, len) = (n.from as usize, n.len as usize);
    if len <= 16
        && let (Some(line16), Some(seg16)) = (b.get(pos..pos + 16), text.get(from..from + 16))
    {
        let want = (1u32 << len) - 1;
        return equal16(line16, seg16) & want == want;
    }
    match (b.get(pos..pos + len), text.get(from..from + len)) {
        (Some(line), Some(seg)) => equal(line, seg),
        _ => false,
    }
}

/// Where the line ends when its JSON ends at `json`: the end of `b`, or with `OPEN` also
/// at a `\n` there (or a `\r` and a `\n`, or a `\r` at the end of `b`), as `split_line`
/// cuts lines.
#[inline]
fn line_end<const OPEN: bool>(b: &[u8], json: usize) -> Option<usize> {
    if !OPEN {
        return (json == b.len()).then_some(json);
    }
    match b.get(json..) {
        Some([]) => Some(json),
        Some([b'\n', ..]) => Some(json),
        Some([b'\r'] | [b'\r', b'\n', ..]) => Some(json + 1),
        _ => None,
    }
}

/// How many spaces follow a scalar that ends at `end`.
fn spaces(b: &[u8], end: usize) -> usize {
    b[end..].iter().take_while(|&&c| c == b' ').count()
}

/// The class of a token by its first byte: a quote, a structural character, or anything
/// else (the start of a scalar).
fn class(b: &[u8], at: &[u32], k: usize) -> Option<u8> {
    at.get(k).map(|&offset| match b[offset as usize] {
        c @ (b'"' | b'{' | b'}' | b'[' | b']' | b':' | b',') => c,
        _ => 0,
    })
}

/// A walked line's skeleton: its segments, each with the kind of the hole after it (the
/// last `End`), and the plan for its values, by hole. `None` when a captured value is not
/// at a hole (the walk's values always are).
#[allow(clippy::type_complexity)]
fn skeleton<'b>(
    b: &'b [u8],
    at: &[u32],
    captured: &Captured,
) -> Option<(Vec<(&'b [u8], HoleKind)>, Plan)> {
    let mut path = Vec::new();
    // Where each hole starts: a string's contents after its opening quote, a scalar at
    // its token (ascending, as the holes come).
    let mut starts = Vec::new();
    let (mut k, mut pos) = (0, 0);
    while k < at.len() {
        let c = class(b, at, k)?;
        let kind = match c {
            // A string is its two quotes; a key is a string before a `:`.
            b'"' if class(b, at, k + 2) == Some(b':') => None,
            b'"' => Some(HoleKind::String),
            0 => match scalar_prefix(b, at[k] as usize) {
                Some((raw, _)) if raw.is_num() => Some(HoleKind::Number),
                Some(_) => Some(HoleKind::Literal),
                None => return None,
            },
            _ => None,
        };
        if let Some(kind) = kind {
            // A value is never the last token: an object closes after it. The next
            // segment starts at the next token: a string's closing quote, or what follows
            // a scalar and its spaces.
            let start = at[k] as usize + (kind == HoleKind::String) as usize;
            path.push((&b[pos..start], kind));
            starts.push(start as u32);
            pos = *at.get(k + 1)? as usize;
        }
        k += if c == b'"' { 2 } else { 1 };
    }
    path.push((&b[pos..], HoleKind::End));
    let plan = captured.plan(|raw: Raw| {
        let h = starts.binary_search(&raw.start()).ok()?;
        u16::try_from(h).ok()
    })?;
    Some((path, plan))
}

/// Finds the end of a string's contents that start at `start`: the offset of the closing
/// quote, and whether a byte past ASCII may have come before it. `None` at a backslash, a
/// control byte or the text's end (the walk's business). Every byte before the quote is
/// seen; so may be up to 15 after it, read in the same 16: a `true` for one of those (the
/// rest of the line, or the next line's start) costs a needless UTF-8 check of the line,
/// not a wrong answer. Reading them unmasked, the masks OR-ed across a string's steps and
/// tested once, takes fewer instructions than masking and testing each step.
fn string_end(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut i = start;
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut past = 0;
    #[cfg(target_arch = "x86_64")]
    while let Some(chunk) = b.get(i..i + 16) {
        let (special, quote, past_ascii) = specials16(chunk);
        past |= past_ascii;
        if special != 0 {
            let n = special.trailing_zeros();
            return (quote >> n & 1 != 0).then_some((i + n as usize, past != 0));
        }
        i += 16;
    }
    let mut high = past != 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => return Some((i, high)),
            b'\\' | 0..0x20 => return None,
            _ => high |= c >= 0x80,
        }
        i += 1;
    }
    None
}

/// Bit masks of 16 bytes: those that are a quote, a backslash or a control byte, those
/// that are a quote, and those past ASCII.
#[cfg(target_arch = "x86_64")]
fn specials16(chunk: &[u8]) -> (u32, u32, u32) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    assert!(chunk.len() >= 16);
    // SAFETY: SSE2 is part of every x86-64 CPU, and `chunk` has at least the 16 bytes the
    // unaligned load reads.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
        let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        // Unsigned `v <= 0x1f`: the minimum with 0x1f is `v` itself.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
        let quote = eq(b'"');
        let special = _mm_or_si128(_mm_or_si128(quote, eq(b'\\')), control);
        (
            _mm_movemask_epi8(special) as u32,
            _mm_movemask_epi8(quote) as u32,
            _mm_movemask_epi8(v) as u32,
        )
    }
}

/// A bit for each of the first 16 bytes of `a` and `b`: set where they are equal.
fn equal16(a: &[u8], b: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8};
        assert!(a.len() >= 16 && b.len() >= 16);
        // SAFETY: SSE2 is part of every x86-64 CPU, and both have the 16 bytes read.
        unsafe {
            let (a, b) = (
                _mm_loadu_si128(a.as_ptr().cast::<__m128i>()),
                _mm_loadu_si128(b.as_ptr().cast::<__m128i>()),
            );
            _mm_movemask_epi8(_mm_cmpeq_epi8(a, b)) as u32
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        (0..16).fold(0, |m, i| m | (u32::from(a[i] == b[i]) << i))
    }
}

/// Compares two byte strings, 16 bytes at a time (segments are short).
fn equal(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n <= 16 {
        return same(a, b);
    }
    let all = |i: usize| equal16(&a[i..], &b[i..]) == 0xffff;
    let mut i = 0;
    while i + 16 < n {
        if !all(i) {
            return false;
        }
        i += 16;
    }
    all(n - 16)
}

#[cfg(test)]
mod tests;

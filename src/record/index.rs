//! The fast path's first stage: a structural index of one line's JSON, built 64 bytes at a
//! time with SIMD compares (after simdjson's stage 1), and a cursor that walks the index.
//!
//! For each 64-byte block, bitmasks say where the quotes, structural characters
//! (`{ } [ ] : ,`), spaces and disallowed bytes are. A prefix XOR of the quote mask marks
//! the bytes inside strings; what is left are the *tokens*: structural characters outside
//! strings, every quote (strings open and close in pairs), and the first byte of each
//! scalar (a number or literal). The cursor then moves from token to token instead of from
//! byte to byte: a string is two tokens, its contents never looked at again; a scalar runs
//! to the next token.
//!
//! This stage declines (returns `false`, and the byte scanner in `fast` takes the line) when
//! the line has a backslash (escapes need decoding and validating one by one) or a control
//! byte (tabs as white space; raw control bytes in strings are errors), or when a string is
//! still open at the end. White space outside strings is a space; anything else outside
//! strings that is not structural is read as a scalar and validated as one.

use super::lex::{Cursor, Raw, scalar};

/// Where the bytes of one 64-byte block are, one bit per byte.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
struct Masks {
    quote: u64,
    /// `{ } [ ] : ,` wherever they are (inside strings too).
    structural: u64,
    space: u64,
    /// Backslashes and control bytes: the stage declines the line.
    declined: u64,
    /// Bytes past ASCII (0x80 and up): a line without any is UTF-8 as it stands.
    high: u64,
}

/// Classifies one block with SSE2 (always there on x86-64): 16 bytes per compare.
#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut m = Masks::default();
    for (i, part) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of every x86-64 CPU, and `part` is 16 readable bytes, which
        // is what the unaligned load reads.
        let [quote, structural, space, declined, high] = unsafe {
            let v = _mm_loadu_si128(part.as_ptr().cast::<__m128i>());
            let eq = |v: __m128i, c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            // `[` and `{`, `]` and `}` differ only in bit 0x20.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let structural = _mm_or_si128(
                _mm_or_si128(eq(folded, b'{'), eq(folded, b'}')),
                _mm_or_si128(eq(v, b':'), eq(v, b',')),
            );
            // Unsigned `v <= 0x1f`: the minimum with 0x1f is `v` itself.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            [
                eq(v, b'"'),
                structural,
                eq(v, b' '),
                _mm_or_si128(control, eq(v, b'\\')),
                v,
            ]
            .map(|v| _mm_movemask_epi8(v) as u16 as u64)
        };
        let shift = 16 * i;
        m.quote |= quote << shift;
        m.structural |= structural << shift;
        m.space |= space << shift;
        m.declined |= declined << shift;
        m.high |= high << shift;
    }
    m
}

/// Classifies one block with AVX2: 32 bytes per compare.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn classify_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256};
    let (low, high) = block.split_at(32);
    // SAFETY: each half is 32 readable bytes, which is what the unaligned load reads.
    let (low, high) = unsafe {
        (
            _mm256_loadu_si256(low.as_ptr().cast::<__m256i>()),
            _mm256_loadu_si256(high.as_ptr().cast::<__m256i>()),
        )
    };
    let [low, high] = [classify_half(low), classify_half(high)];
    let join = |i: usize| low[i] as u64 | (high[i] as u64) << 32;
    Masks {
        quote: join(0),
        structural: join(1),
        space: join(2),
        declined: join(3),
        high: join(4),
    }
}

/// Classifies 32 bytes: quote, structural, space, declined and high bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn classify_half(v: std::arch::x86_64::__m256i) -> [u32; 5] {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_min_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
    };
    let splat = |c: u8| _mm256_set1_epi8(c as i8);
    // `[` and `{`, `]` and `}` differ only in bit 0x20.
    let folded = _mm256_or_si256(v, splat(0x20));
    let structural = _mm256_or_si256(
        _mm256_or_si256(
            _mm256_cmpeq_epi8(folded, splat(b'{')),
            _mm256_cmpeq_epi8(folded, splat(b'}')),
        ),
        _mm256_or_si256(
            _mm256_cmpeq_epi8(v, splat(b':')),
            _mm256_cmpeq_epi8(v, splat(b',')),
        ),
    );
    // Unsigned `v <= 0x1f`: the minimum with 0x1f is `v` itself.
    let control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, splat(0x1f)), v);
    let declined = _mm256_or_si256(control, _mm256_cmpeq_epi8(v, splat(b'\\')));
    [
        _mm256_cmpeq_epi8(v, splat(b'"')),
        structural,
        _mm256_cmpeq_epi8(v, splat(b' ')),
        declined,
        v,
    ]
    .map(|m| _mm256_movemask_epi8(m) as u32)
}

/// Classifies one block a byte at a time (other architectures; the SSE2 version is tested
/// against it).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_bytes(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (i, &c) in block.iter().enumerate() {
        let bit = 1u64 << i;
        let flag = |yes: bool| if yes { bit } else { 0 };
        m.quote |= flag(c == b'"');
        m.structural |= flag(matches!(c, b'{' | b'}' | b'[' | b']' | b':' | b','));
        m.space |= flag(c == b' ');
        m.declined |= flag(c < 0x20 || c == b'\\');
        m.high |= flag(c >= 0x80);
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
use classify_bytes as classify;

/// Sets each bit to the XOR of it and all bits below it: 1 from an opening quote up to,
/// not including, its closing quote.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// The longest JSON text this stage takes: its scratch space is four bytes per byte of the
/// longest line it has seen, so a 16 MiB line would cost 64 MiB per worker. Longer lines
/// (rare: API responses in logs reach tens of KB) take the byte-by-byte walk.
pub(super) const MAX_INDEXED: usize = 256 << 10;

/// Which instructions `index` classifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Simd {
    /// SSE2 on x86-64 (always there), a byte loop elsewhere.
    Baseline,
    /// AVX2, with BMI1 and POPCNT for turning masks into offsets.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Simd {
    /// Picks the best this CPU has.
    pub(super) fn detect() -> Simd {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            return Simd::Avx2;
        }
        Simd::Baseline
    }
}

/// What `index` found in a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Indexed {
    /// How many tokens were written.
    pub(super) tokens: usize,
    /// No byte of the line is past ASCII.
    pub(super) ascii: bool,
}

/// Indexes `text` into `tokens` (byte offsets, ascending), or returns `None` when this
/// stage declines the line (see the module comment). `tokens` is scratch space: it grows
/// to the line's length and keeps garbage past the count returned.
pub(super) fn index(text: &[u8], tokens: &mut Vec<u32>, simd: Simd) -> Option<Indexed> {
    if text.len() > MAX_INDEXED {
        return None;
    }
    // A token per byte at most, and room for `flatten`'s writes past the last one.
    if tokens.len() < text.len() + 64 {
        tokens.resize(text.len() + 64, 0);
    }
    match simd {
        Simd::Baseline => index_blocks(text, tokens, classify),
        // SAFETY: `Simd::detect` saw the CPU has AVX2, BMI1 and POPCNT.
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => unsafe { index_avx2(text, tokens) },
    }
}

/// `index_blocks` compiled for AVX2 (the classifier and the bit tricks inline into it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
fn index_avx2(text: &[u8], tokens: &mut [u32]) -> Option<Indexed> {
    index_blocks(text, tokens, |block| classify_avx2(block))
}

/// Runs the blocks of `text` through `classify` and their tokens into `tokens`.
#[inline(always)]
fn index_blocks(
    text: &[u8],
    tokens: &mut [u32],
    classify: impl Fn(&[u8; 64]) -> Masks,
) -> Option<Indexed> {
    let mut state = State {
        inside_carry: 0,
        after_separator: 1,
        count: 0,
        high: 0,
    };
    let mut blocks = text.chunks_exact(64);
    for (n, block) in blocks.by_ref().enumerate() {
        let block: &[u8; 64] = block.try_into().ok()?;
        state.block(classify(block), n * 64, tokens)?;
    }
    let tail = blocks.remainder().len();
    if tail > 0 && text.len() >= 64 {
        // The last 64 bytes, shifted so that bit 0 is the tail's first byte; the bits past
        // the end count as spaces, which add no token. (Copying the tail into a padded
        // block instead stalled the loads on the copy's stores.)
        let last: &[u8; 64] = text[text.len() - 64..].try_into().ok()?;
        let m = classify(last);
        let drop = 64 - tail;
        let m = Masks {
            quote: m.quote >> drop,
            structural: m.structural >> drop,
            space: m.space >> drop | !0 << tail,
            declined: m.declined >> drop,
            high: m.high >> drop,
        };
        state.block(m, text.len() - tail, tokens)?;
    } else if tail > 0 {
        // Padding with spaces adds no token.
        let mut padded = [b' '; 64];
        padded[..tail].copy_from_slice(&text[text.len() - tail..]);
        state.block(classify(&padded), text.len() - tail, tokens)?;
    }
    (state.inside_carry == 0).then_some(Indexed {
        tokens: state.count,
        ascii: state.high == 0,
    })
}

/// What carries from one block to the next.
struct State {
    /// All ones while a string is open at a block's end.
    inside_carry: u64,
    /// 1 when the byte before the block ends a token (white space, structural, quote).
    after_separator: u64,
    /// Tokens written so far.
    count: usize,
    /// The bytes past ASCII seen so far (any).
    high: u64,
}

impl State {
    /// Adds one block's tokens; `None` when the stage declines the line.
    #[inline(always)]
    fn block(&mut self, m: Masks, base: usize, tokens: &mut [u32]) -> Option<()> {
        if m.declined != 0 {
            return None;
        }
        self.high |= m.high;
        let inside = prefix_xor(m.quote) ^ self.inside_carry;
        self.inside_carry = ((inside as i64) >> 63) as u64;
        let structural = m.structural & !inside;
        let separator = structural | m.space | m.quote;
        let scalar_start = !separator & !inside & ((separator << 1) | self.after_separator);
        self.after_separator = separator >> 63;
        self.count = flatten(
            structural | m.quote | scalar_start,
            base as u32,
            tokens,
            self.count,
        );
        Some(())
    }
}

/// Writes the offsets of the set bits of `bits` (plus `base`) at `tokens[count..]` and
/// returns the new count. Writes eight at a time without looking (a loop that stops at
/// each last bit mispredicts once per block): up to 63 slots past the new count hold
/// garbage, which is why `tokens` has 64 spare slots.
#[inline(always)]
fn flatten(mut bits: u64, base: u32, tokens: &mut [u32], count: usize) -> usize {
    let n = bits.count_ones() as usize;
    let mut at = count;
    while at < count + n {
        for slot in &mut tokens[at..at + 8] {
            // SAFETY: `slot` is a valid `&mut u32`. A volatile store keeps the eight stores
            // scalar (LLVM otherwise gathers them into a vector one insert at a time).
            unsafe { std::ptr::write_volatile(slot, base + bits.trailing_zeros()) };
            bits &= bits.wrapping_sub(1);
        }
        at += 8;
    }
    count + n
}

/// A cursor over an indexed line: `at` are the token offsets `index` found in `b`.
pub(super) struct Tokens<'a, 't> {
    b: &'a [u8],
    at: &'t [u32],
    k: usize,
}

impl<'a, 't> Tokens<'a, 't> {
    pub(super) fn new(b: &'a [u8], at: &'t [u32]) -> Self {
        Tokens { b, at, k: 0 }
    }

    fn offset(&self, k: usize) -> Option<usize> {
        self.at.get(k).map(|&at| at as usize)
    }

    /// Reads a string (at its opening quote): the range of its contents. The next token is
    /// its closing quote, since nothing inside a string is a token.
    fn string(&mut self) -> Option<(u32, u32)> {
        let open = self.offset(self.k)?;
        if self.b.get(open) != Some(&b'"') {
            return None;
        }
        let close = self.offset(self.k + 1)?;
        self.k += 2;
        Some((open as u32 + 1, close as u32))
    }
}

impl<'a> Cursor<'a> for Tokens<'a, '_> {
    fn text(&self) -> &'a [u8] {
        self.b
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.offset(self.k)?).copied()
    }

    fn finish(&mut self) -> bool {
        self.k == self.at.len()
    }

    fn bump(&mut self) {
        self.k += 1;
    }

    fn key(&mut self) -> Option<&'a [u8]> {
        let (a, z) = self.string()?;
        Some(&self.b[a as usize..z as usize])
    }

    fn string_value(&mut self) -> Option<Raw> {
        let (a, z) = self.string()?;
        Some(Raw::str(a, z, false))
    }

    /// A scalar runs up to the next token, less the spaces before it (a structural
    /// character where a value belongs fails here too).
    fn scalar_value(&mut self) -> Option<Raw> {
        let start = self.offset(self.k)?;
        let mut end = self.offset(self.k + 1).unwrap_or(self.b.len());
        while end > start && self.b[end - 1] == b' ' {
            end -= 1;
        }
        self.k += 1;
        scalar(self.b, start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks that hit every class at every position, and random bytes.
    #[test]
    fn simd_classes_equal_the_byte_loop() {
        let alphabet = b"\"\\{}[]:, \t\x00\x1f\x7f\x80\xffa0-e.";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..20_000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = if round % 2 == 0 {
                    alphabet[(seed % alphabet.len() as u64) as usize]
                } else {
                    seed as u8
                };
            }
            assert_eq!(classify(&block), classify_bytes(&block), "{block:?}");
            #[cfg(target_arch = "x86_64")]
            if Simd::detect() == Simd::Avx2 {
                // SAFETY: the CPU has AVX2.
                let avx2 = unsafe { classify_avx2(&block) };
                assert_eq!(avx2, classify_bytes(&block), "{block:?}");
            }
        }
    }

    /// The tokens of `s`, the same with every classifier there is.
    fn tokens(s: &str) -> Option<Vec<u32>> {
        let mut all = [Simd::Baseline, Simd::detect()].map(|simd| {
            let mut at = Vec::new();
            let n = index(s.as_bytes(), &mut at, simd)?.tokens;
            at.truncate(n);
            Some(at)
        });
        assert_eq!(all[0], all[1]);
        all[0].take()
    }

    /// `ascii` lets the fast path skip the UTF-8 check, so it must see a byte past ASCII
    /// wherever it is: in full blocks, in the overlapped last block, in a padded short one.
    #[test]
    fn a_byte_past_ascii_is_seen_at_every_offset() {
        for simd in [Simd::Baseline, Simd::detect()] {
            let mut at = Vec::new();
            for len in 0..200 {
                let plain = format!(r#"{{"a":"{}"}}"#, "x".repeat(len));
                let found = index(plain.as_bytes(), &mut at, simd).expect("indexed");
                assert!(found.ascii, "{simd:?} {len}");
                for p in 0..len {
                    let line = format!(r#"{{"a":"{}é{}"}}"#, "x".repeat(p), "x".repeat(len - p));
                    let found = index(line.as_bytes(), &mut at, simd).expect("indexed");
                    assert!(!found.ascii, "{simd:?} {len} {p}");
                }
            }
        }
    }

    #[test]
    fn tokens_are_structure_quotes_and_scalar_starts() {
        assert_eq!(
            tokens(r#"{"a":[1, true],"b":"x:{y}"}"#),
            Some(vec![0, 1, 3, 4, 5, 6, 7, 9, 13, 14, 15, 17, 18, 19, 25, 26])
        );
        // A string across a block boundary, spaces, a scalar right after a string.
        let long = format!(r#"{{"k":"{}" ,"n":-1.5 }}"#, "é{,".repeat(30));
        let at = tokens(&long).unwrap();
        let bytes = long.as_bytes();
        let found: String = at.iter().map(|&i| bytes[i as usize] as char).collect();
        assert_eq!(found, r#"{"":"","":-}"#);
        assert_eq!(tokens(r#"{"a":"b"x}"#).unwrap().len(), 8);
    }

    #[test]
    fn long_lines_are_declined_and_scratch_stays_small() {
        let mut at = Vec::new();
        let long = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_INDEXED));
        assert_eq!(index(long.as_bytes(), &mut at, Simd::detect()), None);
        assert!(at.len() <= MAX_INDEXED + 64);
        let fits = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_INDEXED - 8));
        assert_eq!(
            index(fits.as_bytes(), &mut at, Simd::detect()).map(|i| i.tokens),
            Some(7)
        );
    }

    #[test]
    fn backslashes_control_bytes_and_open_strings_are_declined() {
        assert_eq!(tokens(r#"{"a":"\n"}"#), None);
        assert_eq!(tokens("{\"a\":\t1}"), None);
        assert_eq!(tokens("{\"a\":\"\u{1}\"}"), None);
        assert_eq!(tokens(r#"{"a":"b}"#), None);
        let open = format!(r#"{{"a":"{}"#, "x".repeat(100));
        assert_eq!(tokens(&open), None);
    }
}

use super::*;
use crate::record::lex::{MAX_NUMBER, number_end, scalar_prefix, special_mask};

/// The digits a kept shape keeps of a number hole give `str::parse`'s value, bit for bit,
/// wherever `Decimal::value` gives one, which it does up to 15 digits: every split of
/// 1 to 20 digits by a point, signed and not, zeros leading the fraction included.
#[test]
fn kept_digits_are_the_numbers_parse_reads() {
    let mut valued = 0;
    for len in 1..=20usize {
        // Four runs of each length; the third starts with a zero.
        for k in 0..4 {
            let mut run: String = (0..len)
                .map(|i| (b'1' + (i * 7 + k) as u8 % 9) as char)
                .collect();
            if k == 2 {
                run = format!("0{}", &run[1..]);
            }
            for point in 0..len {
                for sign in ["", "-"] {
                    let s = if point == 0 {
                        format!("{sign}{run}")
                    } else {
                        format!("{sign}{}.{}", &run[..point], &run[point..])
                    };
                    let (end, kept) = number_end(s.as_bytes(), 0).expect("a number");
                    if end != s.len() {
                        // A whole part with a leading zero ends after the zero.
                        assert!(run.starts_with('0') && point != 1, "{s}");
                        continue;
                    }
                    let parsed = s.parse::<f64>().map(f64::to_bits).ok();
                    match kept.value() {
                        Some(v) => {
                            valued += 1;
                            assert_eq!(Some(v.to_bits()), parsed, "{s}");
                        }
                        None => assert!(len > 15, "{s}"),
                    }
                }
            }
        }
    }
    assert!(valued > 500, "{valued}");
}

/// `number` against `str::parse`, bit for bit (signed zeros included).
fn number_as_parse(s: &str) {
    let parsed = s.parse::<f64>().ok().map(f64::to_bits);
    assert_eq!(number(s).map(f64::to_bits), parsed, "{s:?}");
}

#[test]
fn numbers_read_as_parse_reads_them() {
    for s in [
        "0",
        "-0",
        "0.0",
        "-0.0",
        "196.9",
        "15.6",
        "0.1",
        "0.3",
        "1764151200",
        "1764151200.123",
        "999999999999999",
        "9999999999999999",
        "0.000000000000001",
        "1.7976931348623157",
        "123456789012345.6",
        "1e3",
        "1E-3",
        "-2.5e+10",
        "1.",
        ".5",
        "-",
        "",
        "1.2.3",
        "x",
        "00012",
        "-.5",
    ] {
        number_as_parse(s);
    }
}

proptest::proptest! {
    #[test]
    fn generated_numbers_read_as_parse_reads_them(
        s in "-?(0|[1-9][0-9]{0,18})(\\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?",
    ) {
        number_as_parse(&s);
    }
}

/// `scalar_prefix` as it was before it read numbers with `number_end`: the grammar byte
/// by byte, the reference for both.
fn scalar_prefix_bytes(b: &[u8], start: usize) -> Option<(Raw, usize)> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let digits = |mut i: usize| {
        while at(i).is_ascii_digit() {
            i += 1;
        }
        i
    };
    let word = |w: &[u8]| {
        let end = start + w.len();
        (b.get(start..end)? == w).then_some((Raw::OTHER, end))
    };
    let mut i = start;
    match at(i) {
        b't' => return word(b"true"),
        b'f' => return word(b"false"),
        b'n' => return word(b"null"),
        b'-' => i += 1,
        _ => {}
    }
    i = match at(i) {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i + 1),
        _ => return None,
    };
    if at(i) == b'.' {
        if !at(i + 1).is_ascii_digit() {
            return None;
        }
        i = digits(i + 2);
    }
    if matches!(at(i), b'e' | b'E') || i - start > MAX_NUMBER {
        return None;
    }
    Some((Raw::num(start as u32, i as u32), i))
}

/// `scalar_prefix` and `number_end` against the byte-by-byte reader: every byte after
/// a digit run of every length up to 26 (past `MAX_NUMBER`), after each start a number
/// or literal has, at the text's end and not, from the first three offsets.
#[test]
fn scalars_end_where_the_byte_reader_ends_them() {
    let mut seen = 0;
    for run in 0..26 {
        for after in 0..=255u8 {
            for prefix in [
                "", "-", "1", "1.", "-0.", "12.", "0", "-0", "t", "n", "tru", "fals",
            ] {
                let mut b = prefix.as_bytes().to_vec();
                b.extend(std::iter::repeat_n(b'7', run));
                b.push(after);
                b.extend_from_slice(b",}");
                for end in [b.len(), b.len() - 2, b.len() - 3] {
                    let line = &b[..end];
                    for start in 0..line.len().min(3) {
                        let reference = scalar_prefix_bytes(line, start);
                        assert_eq!(scalar_prefix(line, start), reference, "{line:?} {start}");
                        let want = reference.filter(|(raw, _)| raw.is_num());
                        seen += usize::from(want.is_some());
                        let end = number_end(line, start).map(|(e, _)| e);
                        assert_eq!(end, want.map(|(_, e)| e), "{line:?} from {start}");
                    }
                }
            }
        }
    }
    assert!(seen > 10_000, "{seen}");
    for s in [
        "true", "false", "null", "tru", "nul", "truex", "-", "", "1e5", "1.e", "-x", "01", "1.5E3",
        "0.0",
    ] {
        let reference = scalar_prefix_bytes(s.as_bytes(), 0);
        assert_eq!(scalar_prefix(s.as_bytes(), 0), reference, "{s}");
        let want = reference.filter(|(r, _)| r.is_num());
        assert_eq!(
            number_end(s.as_bytes(), 0).map(|(e, _)| e),
            want.map(|(_, e)| e),
            "{s}"
        );
    }
}

#[test]
fn same_compares_every_byte_of_every_length() {
    for n in 0..40usize {
        let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i % 26).collect();
        assert!(same(&a, &a.clone()));
        for at in 0..n {
            let mut b = a.clone();
            b[at] ^= 1;
            assert!(!same(&a, &b), "{n} {at}");
        }
        assert!(!same(&a, &[a.as_slice(), b"x"].concat()));
    }
}

#[test]
fn control_bytes_are_found_anywhere() {
    for len in 0..40 {
        for pos in 0..len {
            for c in [0u8, b'\t', b'\r', 0x1f] {
                let mut v = vec![b'a'; len];
                v[pos] = c;
                assert!(has_control(&v), "{len} {pos} {c}");
            }
        }
        assert!(!has_control(&vec![0x20; len]));
        assert!(!has_control(&vec![0xff; len]));
    }
}

#[test]
fn swar_finds_every_special_byte() {
    for pos in 0..8 {
        for special_byte in [b'"', b'\\'] {
            let mut bytes = [b'a'; 8];
            bytes[pos] = special_byte;
            let mask = special_mask(u64::from_le_bytes(bytes));
            assert_eq!(
                mask.trailing_zeros() / 8,
                pos as u32,
                "{pos} {special_byte}"
            );
            // Two matches: the lowest one is found.
            bytes[7] = b'"';
            let mask = special_mask(u64::from_le_bytes(bytes));
            assert_eq!(
                mask.trailing_zeros() / 8,
                pos as u32,
                "{pos} {special_byte}"
            );
        }
    }
    for c in 0..=0xffu8 {
        if c != b'"' && c != b'\\' {
            assert_eq!(special_mask(u64::from_le_bytes([c; 8])), 0, "{c}");
        }
    }
}

use super::super::{Keys, exact};
use super::*;
use crate::record::Route;
use crate::record::fast::Fast;

impl Shapes {
    /// The most children any node has.
    fn widest(&self) -> usize {
        let count = |n: &Node| {
            std::iter::successors(self.nodes.get(n.child as usize), |c| {
                self.nodes.get(c.sibling as usize)
            })
            .count()
        };
        self.nodes.iter().map(count).max().unwrap_or(0)
    }
}

/// Lines that differ only at their end (a unique key) must neither widen a node past
/// `MAX_CHILDREN` nor keep every line trying the kept shapes; and once a layout repeats
/// again, its lines are read by their shape again.
#[test]
fn layouts_that_never_repeat_cost_little_and_repeating_ones_are_found_again() {
    let keys = Keys::default();
    let mut fast = Fast::new(&keys);
    for i in 0..3000 {
        let line = format!(r#"{{"Response":{{"RequestId":"r"}},"s{i}":1}}"#);
        let want = exact(b"", line.as_bytes(), &keys);
        assert_eq!(
            fast.extract_by(Route::Any, b"", line.as_bytes()),
            Some(want)
        );
        assert!(fast.shapes().widest() <= MAX_CHILDREN, "{i}");
    }
    assert!(fast.shapes().misses > READ_BACKOFF);
    let mut read = 0;
    for i in 0..300 {
        let line = format!(r#"{{"Response":{{"RequestId":"r{i}"}},"s":1}}"#);
        let want = exact(b"", line.as_bytes(), &keys);
        match fast.extract_by(Route::Shaped, b"", line.as_bytes()) {
            Some(got) => {
                assert_eq!(got, want);
                read += 1;
            }
            None => assert_eq!(read, 0, "once found, a layout stays found"),
        }
    }
    assert!(read >= 300 - 2 * 64, "{read} of 300 read by their shape");
}

/// The byte loop alone, for comparing with the SIMD one.
fn string_end_bytes(b: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut high = false;
    for (i, &c) in b.iter().enumerate().skip(start) {
        match c {
            b'"' => return Some((i, high)),
            b'\\' | 0..0x20 => return None,
            _ => high |= c >= 0x80,
        }
    }
    None
}

/// `string_end` finds the byte loop's end, and says "past ASCII" wherever the byte loop
/// does; where the byte loop does not, it may say so only of a byte past ASCII at most
/// 15 bytes after the quote (read in the same 16).
fn same_end(s: &[u8], start: usize, what: &str) {
    let (simd, bytes) = (string_end(s, start), string_end_bytes(s, start));
    assert_eq!(
        simd.map(|(end, _)| end),
        bytes.map(|(end, _)| end),
        "{what}"
    );
    if let (Some((end, high)), Some((_, exact))) = (simd, bytes) {
        let near = &s[end..s.len().min(end + 16)];
        assert!(high == exact || near.iter().any(|&c| c >= 0x80), "{what}");
        assert!(high || !exact, "{what}: a byte past ASCII not seen");
    }
}

#[test]
fn string_ends_are_found_at_every_offset() {
    for len in 0..70 {
        for at in 0..len {
            for c in [b'"', b'\\', 0, 0x1f, 0x7f, 0x80, 0xe4] {
                let mut s = vec![b'x'; len];
                s[at] = c;
                for start in [0, 1, 17] {
                    same_end(&s, start, &format!("{len} {at} {c} {start}"));
                }
                s.push(b'"');
                same_end(&s, 0, &format!("{len} {at} {c}"));
                // A byte past ASCII right after the quote; 15 bytes after it, the
                // last that the 16 read with the quote can hold; 16 after, never read.
                for after in [0, 14, 15] {
                    let mut t = s.clone();
                    t.extend(std::iter::repeat_n(b'x', after));
                    t.push(0xe4);
                    same_end(&t, 0, &format!("{len} {at} {c} then {after}"));
                }
            }
        }
    }
}

/// A segment of every length up to 40, at the line's end or followed by up to 20 bytes
/// (so both the 16-byte step and the plain comparison are taken), found where it is and
/// not found with any one of its bytes changed or one byte short.
#[test]
fn segments_are_compared_byte_for_byte() {
    for len in 0..40usize {
        let seg: Vec<u8> = (0..len as u8).map(|i| b'a' + i % 26).collect();
        let shapes = Shapes {
            text: [seg.as_slice(), &[0; 16]].concat(),
            ..Shapes::default()
        };
        let node = Node {
            from: 0,
            len: len as u32,
            kind: HoleKind::End,
            high: false,
            child: NONE,
            sibling: NONE,
            leaf: 0,
        };
        for after in 0..20 {
            let line = [b"{\"x\":".as_slice(), &seg, &vec![b'z'; after]].concat();
            assert!(segment_at(&shapes.text, &line, 5, &node), "{len} {after}");
            for at in 0..len {
                let mut other = line.clone();
                other[5 + at] ^= 0x20;
                assert!(
                    !segment_at(&shapes.text, &other, 5, &node),
                    "{len} {after} {at}"
                );
            }
            if after == 0 && len > 0 {
                assert!(
                    !segment_at(&shapes.text, &line[..line.len() - 1], 5, &node),
                    "{len}"
                );
            }
        }
    }
}

#[test]
fn equal_compares_every_byte_of_every_length() {
    for n in 0..80usize {
        let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i % 26).collect();
        assert!(equal(&a, &a.clone()));
        for at in 0..n {
            let mut b = a.clone();
            b[at] ^= 1;
            assert!(!equal(&a, &b), "{n} {at}");
        }
    }
}

//! Live mode's sliding window: per-second counts of responses, errors and errors by code
//! over the last `--window` of record time, with running per-code counts so a view reads
//! them without summing the seconds.

use std::collections::{BTreeMap, HashMap};

use crate::time::Millis;

/// Width of a window slot.
const SLOT: Millis = 1000;
/// Parts of a trend (the sparkline's characters).
pub const TREND: usize = 10;

/// Per-second counts over a sliding window of record time.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub width: Millis,
    slots: BTreeMap<Millis, Slot>,
    /// Errors per code over all slots, kept as slots come and go, so a view reads them
    /// without summing the slots.
    counts: HashMap<Box<str>, u64>,
    /// The window's clock: the newest time seen (or moved on by `advance`).
    now: Option<Millis>,
}

/// One second of the window.
#[derive(Debug, Clone, Default, PartialEq)]
struct Slot {
    responses: u64,
    errors: u64,
    codes: HashMap<Box<str>, u64>,
}

impl Window {
    /// Makes an empty window `width` milliseconds wide.
    pub fn new(width: Millis) -> Window {
        Window {
            width: width.max(SLOT),
            ..Window::default()
        }
    }

    /// Counts a response at time `t`; returns false when it is older than the window.
    pub fn add(&mut self, t: Millis, code: Option<&str>) -> bool {
        self.advance(t);
        if t <= self.start() {
            return false;
        }
        let slot = self.slots.entry(t.div_euclid(SLOT) * SLOT).or_default();
        slot.responses += 1;
        if let Some(code) = code {
            slot.errors += 1;
            for m in [&mut slot.codes, &mut self.counts] {
                match m.get_mut(code) {
                    Some(n) => *n += 1,
                    None => {
                        m.insert(code.into(), 1);
                    }
                }
            }
        }
        true
    }

    /// Counts every code that `gone` picks under `into` instead (after the aggregate cut
    /// them to its cap).
    pub fn fold_into(&mut self, into: &str, gone: impl Fn(&str) -> bool) {
        let folded = |m: &mut HashMap<Box<str>, u64>| {
            let moved: Vec<Box<str>> = m
                .keys()
                .filter(|c| &***c != into && gone(c))
                .cloned()
                .collect();
            for code in moved {
                let n = m.remove(&code).unwrap_or(0);
                *m.entry(into.into()).or_default() += n;
            }
        };
        for slot in self.slots.values_mut() {
            folded(&mut slot.codes);
        }
        folded(&mut self.counts);
    }

    /// Moves the clock forward to `t` (never back) and drops what falls out.
    pub fn advance(&mut self, t: Millis) {
        if self.now.is_some_and(|now| now >= t) {
            return;
        }
        self.now = Some(t);
        // A slot goes once all of it is at or before the window's start (so the window is
        // exact to the second: a second it half covers is counted whole).
        let keep_from = self.start() - SLOT + 1;
        let kept = self.slots.split_off(&keep_from);
        for slot in std::mem::replace(&mut self.slots, kept).into_values() {
            for (code, n) in slot.codes {
                if let Some(count) = self.counts.get_mut(&code) {
                    *count -= n;
                    if *count == 0 {
                        self.counts.remove(&code);
                    }
                }
            }
        }
    }

    /// The window's clock.
    pub fn now(&self) -> Option<Millis> {
        self.now
    }

    /// How long the seconds the window counts span: its width and the part of the second
    /// it half covers, which is counted whole (a rate is over this, not the width).
    pub fn covered(&self) -> Millis {
        match self.now {
            Some(now) => now - self.start().div_euclid(SLOT) * SLOT,
            None => self.width,
        }
    }

    /// The window covers (start, now].
    fn start(&self) -> Millis {
        self.now.map_or(Millis::MIN / 2, |now| now - self.width)
    }

    /// Responses and errors in the window.
    pub fn totals(&self) -> (u64, u64) {
        self.slots
            .values()
            .fold((0, 0), |(r, e), s| (r + s.responses, e + s.errors))
    }

    /// A code's errors in the window.
    pub fn count(&self, code: &str) -> u64 {
        self.counts.get(code).copied().unwrap_or(0)
    }

    /// A code's errors in `TREND` equal parts of the window, oldest first.
    pub fn trend(&self, code: &str) -> Vec<u64> {
        let mut parts = vec![0; TREND];
        let Some(now) = self.now else {
            return parts;
        };
        let newest = now.div_euclid(SLOT) * SLOT;
        let slots = (self.width / SLOT).max(1);
        for (s, slot) in &self.slots {
            let n = slot.codes.get(code).copied().unwrap_or(0);
            let age = ((newest - s) / SLOT).clamp(0, slots - 1);
            let at = TREND as i64 - 1 - age * TREND as i64 / slots;
            parts[at.clamp(0, TREND as i64 - 1) as usize] += n;
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::OTHER;

    const T: Millis = 1_795_687_200_000; // 2026-11-26T10:00:00Z

    #[test]
    fn window_counts_what_is_inside_it() {
        let mut w = Window::new(60_000);
        assert!(w.add(T, None));
        assert!(w.add(T + 500, Some("A")));
        assert!(w.add(T + 59_000, Some("B")));
        assert_eq!(w.totals(), (3, 2));
        // The clock moves to T+61s: the first second (T..T+1s) falls out.
        assert!(w.add(T + 61_000, Some("A")));
        assert_eq!(w.totals(), (2, 2));
        assert_eq!(w.count("A"), 1);
        assert_eq!(w.count("B"), 1);
    }

    /// The window's codes summed slot by slot, as `count` should have them.
    fn by_slots(w: &Window) -> std::collections::BTreeMap<String, u64> {
        let mut m = std::collections::BTreeMap::new();
        for slot in w.slots.values() {
            for (code, n) in &slot.codes {
                *m.entry(code.to_string()).or_default() += n;
            }
        }
        m
    }

    #[test]
    fn running_counts_follow_slots_in_and_out_and_renames() {
        let mut w = Window::new(10_000);
        for i in 0..5_000i64 {
            // Time jumps ahead now and then, and comes back late.
            let t = T + (i * 37 % 4_000) + (i / 500) * 3_000;
            w.add(t, (i % 4 != 0).then(|| ["A", "B", "C"][(i % 3) as usize]));
            if i % 500 == 499 {
                let counts: std::collections::BTreeMap<String, u64> =
                    w.counts.iter().map(|(c, n)| (c.to_string(), *n)).collect();
                assert_eq!(counts, by_slots(&w), "{i}");
            }
        }
        w.fold_into(OTHER, |c| c != "A");
        let counts: std::collections::BTreeMap<String, u64> =
            w.counts.iter().map(|(c, n)| (c.to_string(), *n)).collect();
        assert_eq!(counts, by_slots(&w));
        assert_eq!(counts.keys().collect::<Vec<_>>(), ["(other)", "A"]);
    }

    #[test]
    fn late_and_out_of_order_records_count_in_their_own_second() {
        let mut w = Window::new(60_000);
        w.add(T + 30_000, Some("A"));
        // 20 s late, still inside the window: counted, in its own slot.
        assert!(w.add(T + 10_000, Some("B")));
        assert_eq!(w.totals(), (2, 2));
        let trend = w.trend("B");
        assert_eq!(trend.iter().sum::<u64>(), 1);
        // Older than the window: not counted.
        assert!(!w.add(T - 31_000, Some("C")));
        assert_eq!(w.totals(), (2, 2));
        assert_eq!(
            w.now(),
            Some(T + 30_000),
            "a late record does not move the clock back"
        );
    }

    #[test]
    fn window_edges_and_idle_advance() {
        let mut w = Window::new(10_000);
        w.add(T + 999, Some("A")); // slot T
        w.add(T + 1_000, Some("A")); // slot T+1s
        // Window (T+0.999 s, T+10.999 s]: slot T still ends inside it, so it stays whole.
        w.advance(T + 10_999);
        assert_eq!(w.totals(), (2, 2));
        // Window (T+1 s, T+11 s]: slot T is all before it.
        w.advance(T + 11_000);
        assert_eq!(w.totals(), (1, 1));
        w.advance(T + 12_000);
        assert_eq!(w.totals(), (0, 0));
        assert!(w.trend("A").iter().all(|n| *n == 0));
        // The clock never goes back.
        w.advance(T);
        assert_eq!(w.now(), Some(T + 12_000));
        // A 1 s window at T+1.5 s counts the seconds from T: 1.5 s of records.
        let mut w = Window::new(1_000);
        w.add(T + 1_500, None);
        assert_eq!(w.covered(), 1_500);
        w.advance(T + 2_000);
        assert_eq!(w.covered(), 1_000);
    }

    #[test]
    fn trend_spreads_over_the_window() {
        let mut w = Window::new(10_000);
        for s in 0..10 {
            for _ in 0..=s {
                w.add(T + s * 1000 + 500, Some("A"));
            }
        }
        assert_eq!(w.trend("A"), vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
}

//! Time buckets: a run's counts per bucket of time, by code and by group. With `--bucket`
//! the width is the user's; without it, a series is kept for change detection (`change`) at
//! a width that grows with the span (`LADDER`), so that it stays at most `AUTO_LIMIT`
//! buckets: the width ends the same however the input was cut, since a worker only widens
//! past a width that the whole input would also have outgrown.

use std::collections::BTreeMap;
use std::ops::Bound;

use foldhash::HashMap;

use super::Stats;
use crate::time::Millis;

/// The widths automatic buckets move through, each dividing the next (so buckets merge
/// exactly), from one second to a day: most of the widths `change::auto_width` picks.
pub const LADDER: [Millis; 13] = [
    1_000, 5_000, 15_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000,
    21_600_000, 43_200_000, 86_400_000,
];

/// Most automatic buckets kept before they are merged into the next width of `LADDER`:
/// four times `change::MAX_BUCKETS`, so the width change detection wants is a multiple.
pub const AUTO_LIMIT: usize = 1_200;

/// One time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bucket {
    pub responses: u64,
    pub errors: u64,
    /// Errors by code, the code by its number (`Stats::code_name` names them): a bucket
    /// counted by name hashed each code's text once more per error, and allocated its
    /// name again in every bucket it came to.
    pub(super) codes: HashMap<u32, u64>,
    /// The same by group number, with a split by an envelope field.
    pub(super) groups: HashMap<u32, GroupBucket>,
}

/// One group's part of a time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupBucket {
    pub responses: u64,
    pub errors: u64,
    pub(super) codes: HashMap<u32, u64>,
}

/// The start of the bucket of `width` that `t` falls in, buckets aligned to multiples of
/// the width `offset` ms after the epoch's (a zone's midnight, `--tz`): the one rule for
/// counting, widening, reading a partial back and drawing.
pub fn bucket_start(t: Millis, width: Millis, offset: Millis) -> Millis {
    (t + offset).div_euclid(width) * width - offset
}

impl Bucket {
    /// Adds another bucket's counts (codes and groups by the same numbers).
    fn add(&mut self, other: Bucket) {
        self.responses += other.responses;
        self.errors += other.errors;
        for (id, n) in other.codes {
            *self.codes.entry(id).or_default() += n;
        }
        for (g, gb) in other.groups {
            self.groups.entry(g).or_default().add(gb);
        }
    }
}

impl Stats {
    /// The time buckets in time order.
    pub fn buckets(&self) -> impl Iterator<Item = (Millis, &Bucket)> {
        let at = self.current.as_ref().map(|(at, _)| *at);
        let before = match at {
            Some(at) => self.buckets.range(..at),
            None => self.buckets.range(..),
        };
        let after = at.map(|at| self.buckets.range((Bound::Excluded(at), Bound::Unbounded)));
        before
            .chain(self.current.as_ref().map(|(at, b)| (at, b)))
            .chain(after.into_iter().flatten())
            .map(|(at, b)| (*at, b))
    }

    /// A bucket's errors by code (in no order).
    pub fn bucket_codes<'s>(&'s self, b: &'s Bucket) -> impl Iterator<Item = (&'s str, u64)> {
        b.codes.iter().map(|(&id, &n)| (self.code_name(id), n))
    }

    /// A bucket's errors by code, most first, then by code: ties broken by the names'
    /// places in `order` (from `name_order`) rather than by comparing the names (they are
    /// unique, so the order is the same; comparing the names of a bucket's many codes with
    /// the same small count was most of building a report's bucket rows).
    pub fn by_count<'s>(&'s self, b: &'s Bucket, order: &[u32]) -> Vec<(&'s str, u64)> {
        self.counts_by_count(&b.codes, order)
    }

    /// A bucket's groups (by number, in no order) with their counts.
    pub fn bucket_groups<'s>(
        &'s self,
        b: &'s Bucket,
    ) -> impl Iterator<Item = (&'s str, &'s GroupBucket)> {
        b.groups.iter().map(|(&g, gb)| (self.group_name(g), gb))
    }

    /// A group's part of a bucket: its errors by code, as `by_count`.
    pub fn group_by_count<'s>(&'s self, g: &GroupBucket, order: &[u32]) -> Vec<(&'s str, u64)> {
        self.counts_by_count(&g.codes, order)
    }

    fn counts_by_count<'s>(&'s self, m: &HashMap<u32, u64>, order: &[u32]) -> Vec<(&'s str, u64)> {
        let mut codes: Vec<(u32, u64)> = m.iter().map(|(&id, &n)| (id, n)).collect();
        codes.sort_unstable_by_key(|&(id, n)| (std::cmp::Reverse(n), order[id as usize]));
        codes
            .into_iter()
            .map(|(id, n)| (self.code_name(id), n))
            .collect()
    }

    /// The buckets' width: `--bucket`'s, or the automatic series' (`None` for neither).
    pub fn width(&self) -> Option<Millis> {
        self.width
    }

    /// Widens automatic buckets along `LADDER` while there are more than `AUTO_LIMIT`.
    pub(super) fn bound_auto(&mut self) {
        if self.aggregation.bucket.is_some() || !self.aggregation.auto_bucket {
            return;
        }
        while self.buckets.len() + self.current.is_some() as usize > AUTO_LIMIT {
            let Some(next) = self
                .width
                .and_then(|w| LADDER.iter().copied().find(|&l| l > w))
            else {
                return;
            };
            self.widen(next);
        }
    }

    /// Merges the buckets into wider ones of `width` (a multiple of the current width).
    pub(super) fn widen(&mut self, width: Millis) {
        if self.width.is_none_or(|w| w >= width) {
            return;
        }
        self.settle();
        let old = std::mem::take(&mut self.buckets);
        // On the zone's multiples of the width, as a response's bucket is (`--tz`).
        let off = self.aggregation.bucket_offset_ms;
        for (start, b) in old {
            self.buckets
                .entry(bucket_start(start, width, off))
                .or_default()
                .add(b);
        }
        self.width = Some(width);
    }
}

impl GroupBucket {
    pub(super) fn add(&mut self, other: GroupBucket) {
        self.responses += other.responses;
        self.errors += other.errors;
        for (id, n) in other.codes {
            *self.codes.entry(id).or_default() += n;
        }
    }
}

/// The time bucket starting at `start`. The second response in a row that goes to it makes
/// it `current` (the one before goes back to `buckets`); in a log out of time order, most
/// are looked up in `buckets` as they come.
pub(super) fn bucket_at<'s>(
    buckets: &'s mut BTreeMap<Millis, Bucket>,
    current: &'s mut Option<(Millis, Bucket)>,
    last: &mut Option<Millis>,
    start: Millis,
) -> &'s mut Bucket {
    if current.as_ref().is_none_or(|(at, _)| *at != start) {
        if last.replace(start) != Some(start) {
            return buckets.entry(start).or_default();
        }
        if let Some((at, b)) = current.take() {
            buckets.insert(at, b);
        }
        *current = Some((start, buckets.remove(&start).unwrap_or_default()));
    }
    // `current` holds the bucket at `start` here: nothing is inserted.
    &mut current.get_or_insert_with(|| (start, Bucket::default())).1
}

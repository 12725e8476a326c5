//! The aggregate: counts, time buckets, samples and latency, as a value that merges.
//!
//! Each worker folds lines into its own `Stats`; `merge` combines two of them. Merge is
//! associative and commutative, so the result does not depend on how the input was cut or
//! which worker saw what: every "first K" is kept by input position (`Pos`), and the capped
//! message list keeps the messages with the smallest fixed hash, with exact counts (a
//! bottom-k sample, which merges exactly). Nothing here knows about formats or the catalog.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, btree_map};
use std::hash::BuildHasher;
use std::ops::Bound;

use foldhash::HashMap;
use foldhash::fast::FixedState;
use rayon::prelude::*;

use crate::latency::Latency;
use crate::record::{Malformed, Record};
use crate::time::Millis;

/// Distinct messages kept per code (exact counts for those kept). Past this many, the kept
/// ones are a deterministic sample: those with the smallest hash of their text.
pub const MESSAGES_KEPT: usize = 256;
/// Longest message or request id kept, in bytes (cut at a character boundary).
pub const TEXT_MAX: usize = 256;
/// Malformed lines remembered with their place.
pub const MALFORMED_KEPT: usize = 10;

/// Where a line is in the input: source, chunk of that source, line within the chunk
/// (0-based). Ordered as the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub source: u32,
    pub chunk: u64,
    pub line: u64,
}

/// Which envelope field splits the per-code counts (derived dimensions such as category are
/// split at report time, since they follow from the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    None,
    Action,
    Region,
    Service,
}

/// What to aggregate, fixed for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Bucket width in milliseconds.
    pub bucket: Option<Millis>,
    /// RequestIds kept per code.
    pub samples: usize,
    pub split: Split,
}

/// Line and response counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub lines: u64,
    pub blank: u64,
    pub skipped: u64,
    pub malformed: u64,
    /// Responses left out by `--action`, `--region`, `--since`, `--until` or `--code`.
    pub filtered: u64,
    pub responses: u64,
    pub errors: u64,
    pub empty_error: u64,
}

/// Everything known of one code (in one group, with `--group-by`).
#[derive(Debug, Clone, Default)]
pub struct CodeStats {
    pub count: u64,
    pub first_seen: Option<Millis>,
    pub last_seen: Option<Millis>,
    /// The first request ids in input order.
    pub request_ids: Vec<(Pos, Box<str>)>,
    /// (hash, text, count), sorted by hash: the `MESSAGES_KEPT` smallest hashes.
    pub messages: Vec<(u64, Box<str>, u64)>,
    pub latency: Latency,
}

/// Everything known of one code: its number (see `Stats::names`) and its groups.
#[derive(Debug, Clone, Default)]
pub struct Code {
    id: u32,
    /// group (`""` without a split) → stats.
    pub groups: HashMap<Box<str>, CodeStats>,
}

/// One time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bucket {
    pub responses: u64,
    pub errors: u64,
    /// Errors by code, the code by its number (`Stats::bucket_codes` names them): a bucket
    /// counted by name hashed each code's text once more per error, and allocated its
    /// name again in every bucket it came to.
    codes: HashMap<u32, u64>,
}

/// The mergeable aggregate of a run.
#[derive(Debug, Clone)]
pub struct Stats {
    pub shape: Shape,
    pub totals: Totals,
    /// First and last time of any response.
    pub span: Option<(Millis, Millis)>,
    pub latency: Latency,
    /// code → its number and groups.
    pub codes: HashMap<Box<str>, Code>,
    /// Each code by its number, in the order this aggregate first saw them (numbers are
    /// this aggregate's own: a merge renumbers the other's).
    names: Vec<Box<str>>,
    /// Time buckets by start, but for `current`.
    buckets: BTreeMap<Millis, Bucket>,
    /// A bucket kept out of `buckets` while in use, once two responses in a row went to
    /// it: lines come in time order, so most go to the same bucket as the line before,
    /// without a lookup. (`buckets()` reads both.)
    current: Option<(Millis, Bucket)>,
    /// The bucket of the last response.
    last_bucket: Option<Millis>,
    /// The first malformed lines in input order.
    pub malformed: Vec<(Pos, Malformed)>,
    /// Lines per (source, chunk), to turn a `Pos` into a line number at the end.
    pub chunk_lines: BTreeMap<(u32, u64), u64>,
}

impl Stats {
    /// Makes an empty aggregate of the given shape.
    pub fn new(shape: Shape) -> Stats {
        Stats {
            shape,
            totals: Totals::default(),
            span: None,
            latency: Latency::default(),
            codes: HashMap::default(),
            names: Vec::new(),
            buckets: BTreeMap::new(),
            current: None,
            last_bucket: None,
            malformed: Vec::new(),
            chunk_lines: BTreeMap::new(),
        }
    }

    /// Notes that a chunk held `lines` lines (blank, skipped and malformed included).
    pub fn add_chunk(&mut self, source: u32, chunk: u64, lines: u64) {
        self.totals.lines += lines;
        *self.chunk_lines.entry((source, chunk)).or_default() += lines;
    }

    /// Counts a malformed line.
    pub fn add_malformed(&mut self, pos: Pos, why: Malformed) {
        self.totals.malformed += 1;
        insert_first(&mut self.malformed, MALFORMED_KEPT, (pos, why));
    }

    /// Folds one response into the aggregate.
    pub fn add_response(&mut self, pos: Pos, r: &Record<'_>) {
        self.totals.responses += 1;
        if r.empty_error {
            self.totals.empty_error += 1;
        }
        if let Some(t) = r.time {
            self.span = Some(match self.span {
                None => (t, t),
                Some((a, b)) => (a.min(t), b.max(t)),
            });
        }
        if let Some(ms) = r.latency_ms {
            self.latency.record(ms);
        }
        let bucket = self
            .shape
            .bucket
            .zip(r.time)
            .map(|(width, t)| t.div_euclid(width) * width);
        let bucket = bucket.map(|start| {
            let b = bucket_at(
                &mut self.buckets,
                &mut self.current,
                &mut self.last_bucket,
                start,
            );
            b.responses += 1;
            b
        });
        let Some(code) = r.code.as_deref() else {
            return;
        };
        self.totals.errors += 1;
        let known = match self.codes.get_mut(code) {
            Some(known) => known,
            None => {
                let id = u32::try_from(self.names.len()).expect("fewer than 2^32 codes");
                self.names.push(code.into());
                let groups = HashMap::default();
                self.codes.entry(code.into()).or_insert(Code { id, groups })
            }
        };
        if let Some(b) = bucket {
            b.errors += 1;
            *b.codes.entry(known.id).or_default() += 1;
        }
        let group = match self.shape.split {
            Split::None => None,
            Split::Action => r.action.as_deref(),
            Split::Region => r.region.as_deref(),
            Split::Service => r.service.as_deref(),
        };
        let c = match self.shape.split {
            // Without a split each code has one group, `""`: no need to look it up.
            Split::None => only(&mut known.groups),
            _ => entry(&mut known.groups, group.unwrap_or("")),
        };
        c.count += 1;
        if let Some(t) = r.time {
            c.first_seen = Some(c.first_seen.map_or(t, |f| f.min(t)));
            c.last_seen = Some(c.last_seen.map_or(t, |l| l.max(t)));
        }
        if let Some(id) = r.request_id.as_deref()
            && (c.request_ids.len() < self.shape.samples
                || c.request_ids.last().is_some_and(|(p, _)| *p > pos))
        {
            insert_first(
                &mut c.request_ids,
                self.shape.samples,
                (pos, cut(id).into()),
            );
        }
        if let Some(m) = r.message.as_deref() {
            add_message(&mut c.messages, cut(m), 1);
        }
        if let Some(ms) = r.latency_ms {
            c.latency.record(ms);
        }
    }

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
    #[cfg(test)]
    pub fn bucket_codes<'s>(&'s self, b: &'s Bucket) -> impl Iterator<Item = (&'s str, u64)> {
        b.codes
            .iter()
            .map(|(&id, &n)| (&*self.names[id as usize], n))
    }

    /// Each code number's place in the order of the codes' names (for `by_count`).
    pub fn name_order(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..self.names.len() as u32).collect();
        ids.sort_unstable_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut order = vec![0; ids.len()];
        for (place, id) in (0..).zip(ids) {
            order[id as usize] = place;
        }
        order
    }

    /// A bucket's errors by code, most first, then by code: ties broken by the names'
    /// places in `order` (from `name_order`) rather than by comparing the names (they are
    /// unique, so the order is the same; comparing the names of a bucket's many codes with
    /// the same small count was most of building a report's bucket rows).
    pub fn by_count<'s>(&'s self, b: &'s Bucket, order: &[u32]) -> Vec<(&'s str, u64)> {
        let mut codes: Vec<(u32, u64)> = b.codes.iter().map(|(&id, &n)| (id, n)).collect();
        codes.sort_unstable_by_key(|&(id, n)| (std::cmp::Reverse(n), order[id as usize]));
        codes
            .into_iter()
            .map(|(id, n)| (&*self.names[id as usize], n))
            .collect()
    }

    /// Puts the current bucket back with the others.
    fn settle(&mut self) {
        if let Some((at, b)) = self.current.take() {
            self.buckets.insert(at, b);
        }
    }

    /// Settles both, then swaps them if need be so that `self` is the larger: merging is
    /// commutative, and the smaller one goes into the larger, whose maps and histograms
    /// are kept as they are.
    fn larger_first(&mut self, other: &mut Stats) {
        self.settle();
        other.settle();
        if other.totals.lines > self.totals.lines {
            std::mem::swap(self, other);
        }
    }

    /// `merge`, with the latency histograms of the (code, group)s both hold added side by
    /// side on the current rayon pool first (adding them was 3.1 of the merge's 4.2 M
    /// instructions on the 200 MB log, with hdrhistogram's histograms: flat counts, added
    /// as arrays, were not timed in the merge). The other's added ones are freed afterwards on this
    /// thread, not on the pool's threads (an earlier parallel merge's frees of the other
    /// worker's memory waited on glibc's arena locks).
    pub fn merge_in_pool(&mut self, mut other: Stats) {
        self.larger_first(&mut other);
        let mut pairs: Vec<(&mut Latency, Latency)> = Vec::new();
        for (code, mine) in &mut self.codes {
            let Some(theirs) = other.codes.get_mut(code) else {
                continue;
            };
            for (group, c) in &mut mine.groups {
                if let Some(t) = theirs.groups.get_mut(group) {
                    pairs.push((&mut c.latency, std::mem::take(&mut t.latency)));
                }
            }
        }
        pairs
            .par_iter_mut()
            .for_each(|(mine, theirs)| mine.add(theirs));
        drop(pairs);
        self.merge(other);
    }

    /// Adds `other` into this aggregate.
    pub fn merge(&mut self, mut other: Stats) {
        self.larger_first(&mut other);
        let t = &mut self.totals;
        let o = other.totals;
        t.lines += o.lines;
        t.blank += o.blank;
        t.skipped += o.skipped;
        t.malformed += o.malformed;
        t.filtered += o.filtered;
        t.responses += o.responses;
        t.errors += o.errors;
        t.empty_error += o.empty_error;
        self.span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, y) => x.or(y),
        };
        self.latency.merge(other.latency);
        // What only `other` has is moved over whole. `ids` renumbers its codes as ours.
        let mut ids = vec![0; other.names.len()];
        for (code, theirs) in other.codes {
            let mine = match self.codes.entry(code) {
                Entry::Vacant(v) => {
                    let id = u32::try_from(self.names.len()).expect("fewer than 2^32 codes");
                    ids[theirs.id as usize] = id;
                    self.names.push(v.key().clone());
                    v.insert(Code { id, ..theirs });
                    continue;
                }
                Entry::Occupied(o) => o.into_mut(),
            };
            ids[theirs.id as usize] = mine.id;
            for (group, theirs) in theirs.groups {
                let mine = &mut mine.groups;
                match mine.entry(group) {
                    Entry::Vacant(v) => {
                        v.insert(theirs);
                    }
                    Entry::Occupied(o) => o.into_mut().merge(theirs, self.shape.samples),
                }
            }
        }
        for (start, mut theirs) in other.buckets {
            let b = match self.buckets.entry(start) {
                btree_map::Entry::Vacant(v) => {
                    theirs.codes = theirs
                        .codes
                        .into_iter()
                        .map(|(id, n)| (ids[id as usize], n))
                        .collect();
                    v.insert(theirs);
                    continue;
                }
                btree_map::Entry::Occupied(o) => o.into_mut(),
            };
            b.responses += theirs.responses;
            b.errors += theirs.errors;
            for (id, n) in theirs.codes {
                *b.codes.entry(ids[id as usize]).or_default() += n;
            }
        }
        for m in other.malformed {
            insert_first(&mut self.malformed, MALFORMED_KEPT, m);
        }
        for (k, n) in other.chunk_lines {
            *self.chunk_lines.entry(k).or_default() += n;
        }
    }

    /// Turns a position into a 1-based line number within its source.
    pub fn line_number(&self, pos: Pos) -> u64 {
        let before: u64 = self
            .chunk_lines
            .range((pos.source, 0)..(pos.source, pos.chunk))
            .map(|(_, n)| n)
            .sum();
        before + pos.line + 1
    }
}

impl CodeStats {
    fn merge(&mut self, other: CodeStats, samples: usize) {
        self.count += other.count;
        self.first_seen = min_opt(self.first_seen, other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        for id in other.request_ids {
            insert_first(&mut self.request_ids, samples, id);
        }
        for (_, text, n) in other.messages {
            add_message(&mut self.messages, &text, n);
        }
        self.latency.merge(other.latency);
    }

    /// Returns the kept messages, most frequent first (ties by text).
    pub fn top_messages(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.messages.iter().map(|(_, t, c)| (&**t, *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

fn min_opt(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The time bucket starting at `start`. The second response in a row that goes to it makes
/// it `current` (the one before goes back to `buckets`); in a log out of time order, most
/// are looked up in `buckets` as they come.
fn bucket_at<'s>(
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

/// Looks a key up without allocating, allocating it only on first sight.
fn entry<'m, V: Default>(map: &'m mut HashMap<Box<str>, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.into(), V::default());
    }
    // Present: inserted just above if it was not already.
    map.get_mut(key).expect("present")
}

/// The one value of a map that holds at most one, under the key `""`.
fn only<V: Default>(map: &mut HashMap<Box<str>, V>) -> &mut V {
    if map.is_empty() {
        map.insert("".into(), V::default());
    }
    // Not empty: filled just above if it was.
    map.values_mut().next().expect("one value")
}

/// Keeps `v` sorted and at most `cap` long, holding the smallest items seen.
fn insert_first<T: Ord>(v: &mut Vec<T>, cap: usize, item: T) {
    if cap == 0 || (v.len() == cap && v.last().is_some_and(|last| *last <= item)) {
        return;
    }
    let at = v.partition_point(|x| *x < item);
    v.insert(at, item);
    v.truncate(cap);
}

/// Counts a message in a bottom-k sample keyed by a fixed hash of its text.
fn add_message(v: &mut Vec<(u64, Box<str>, u64)>, text: &str, n: u64) {
    let h = FixedState::with_seed(0x5eed).hash_one(text);
    let at = v.partition_point(|(k, t, _)| (*k, &**t) < (h, text));
    if let Some(hit) = v.get_mut(at).filter(|(k, t, _)| *k == h && &**t == text) {
        hit.2 += n;
        return;
    }
    if v.len() == MESSAGES_KEPT && at == v.len() {
        return;
    }
    v.insert(at, (h, text.into(), n));
    v.truncate(MESSAGES_KEPT);
}

/// Cuts text to `TEXT_MAX` bytes at a character boundary.
fn cut(s: &str) -> &str {
    if s.len() <= TEXT_MAX {
        return s;
    }
    let mut end = TEXT_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn shape() -> Shape {
        Shape {
            bucket: Some(60_000),
            samples: 2,
            split: Split::None,
        }
    }

    fn err(code: &str, id: &str, msg: &str, t: Millis) -> Record<'static> {
        Record {
            code: Some(Cow::Owned(code.into())),
            request_id: Some(Cow::Owned(id.into())),
            message: Some(Cow::Owned(msg.into())),
            time: Some(t),
            latency_ms: Some(t as f64 / 1000.0),
            ..Record::default()
        }
    }

    fn pos(line: u64) -> Pos {
        Pos {
            source: 0,
            chunk: 0,
            line,
        }
    }

    /// Folds records 0..n into stats, record i going to stats `part(i)`, then merges all.
    /// `n` errors folded into `parts` aggregates, line `i` into `part(i)`.
    fn parts(n: u64, parts: usize, part: impl Fn(u64) -> usize) -> Vec<Stats> {
        let mut all: Vec<Stats> = (0..parts).map(|_| Stats::new(shape())).collect();
        for i in 0..n {
            let code = ["A", "B.x", "C"][(i * i % 3) as usize];
            let msg = format!("m{}", i % 97);
            let r = err(code, &format!("r{i}"), &msg, 1_000 * (i as i64 * 37 % 500));
            all[part(i)].add_response(pos(i), &r);
        }
        all
    }

    fn fold(n: u64, count: usize, part: impl Fn(u64) -> usize) -> Stats {
        let mut out = Stats::new(shape());
        for s in parts(n, count, part) {
            out.merge(s);
        }
        out
    }

    fn summary(s: &Stats) -> String {
        let mut codes: Vec<_> = s.codes.iter().collect();
        codes.sort_by_key(|(k, _)| k.to_string());
        let mut out = format!(
            "{:?} {:?} {:?}\n",
            s.totals,
            s.span,
            s.latency.percentiles()
        );
        for (code, known) in codes {
            let c = &known.groups[""];
            out += &format!(
                "{code} {} {:?} {:?} {:?} {:?} {:?}\n",
                c.count,
                c.first_seen,
                c.last_seen,
                c.request_ids,
                c.top_messages(5),
                c.latency.percentiles()
            );
        }
        for (start, b) in s.buckets() {
            let mut codes: Vec<_> = s.bucket_codes(b).collect();
            codes.sort();
            out += &format!("{start} {} {} {codes:?}\n", b.responses, b.errors);
        }
        out
    }

    #[test]
    fn by_count_sorts_as_counts_then_names_do() {
        // Many codes with the same few counts, seen in an order unlike their names', and
        // merged (which renumbers one side's codes).
        let names: Vec<String> = (0..60u64)
            .map(|i| {
                format!(
                    "{}{}",
                    ["B", "a", "Ä", "", "B.x"][(i % 5) as usize],
                    i * 7919 % 61
                )
            })
            .collect();
        let mut all = [Stats::new(shape()), Stats::new(shape())];
        for i in 0..3000u64 {
            let code = &names[((i * 37) ^ (i / 5)) as usize % 60];
            let r = err(code, "r", "m", 1_000 * (i as i64 * 13 % 600));
            all[(i % 3 == 0) as usize].add_response(pos(i), &r);
        }
        let [mut s, other] = all;
        s.merge(other);
        let order = s.name_order();
        let mut ties = 0;
        for (_, b) in s.buckets() {
            let mut expected: Vec<(&str, u64)> = s.bucket_codes(b).collect();
            expected.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            ties += expected.windows(2).filter(|w| w[0].1 == w[1].1).count();
            assert_eq!(s.by_count(b, &order), expected);
        }
        assert!(ties > 100, "{ties}");
    }

    #[test]
    fn a_merge_in_a_pool_is_a_merge() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let one = summary(&fold(2000, 1, |_| 0));
        for count in [2, 3, 7] {
            let all = parts(2000, count, |i| (i * 31 % count as u64) as usize);
            let merged = pool.install(|| {
                all.into_iter().reduce(|mut a, b| {
                    a.merge_in_pool(b);
                    a
                })
            });
            assert_eq!(summary(&merged.unwrap()), one, "{count}");
        }
        // The larger part without latencies, the other with: taken whole, and kept.
        let mut bare = Stats::new(shape());
        for i in 0..3000 {
            bare.add_response(
                pos(i),
                &Record {
                    latency_ms: None,
                    ..err("A", "r", "m", 0)
                },
            );
        }
        let with = fold(2000, 1, |_| 0);
        let of_a = |s: &Stats| s.codes["A"].groups[""].latency.percentiles();
        let expected = of_a(&with);
        assert!(expected.is_some());
        pool.install(|| bare.merge_in_pool(with));
        assert_eq!(of_a(&bare), expected);
    }

    #[test]
    fn merge_is_independent_of_partition() {
        let one = summary(&fold(2000, 1, |_| 0));
        assert_eq!(one, summary(&fold(2000, 2, |i| (i % 2) as usize)));
        assert_eq!(one, summary(&fold(2000, 7, |i| (i * 31 % 7) as usize)));
        assert_eq!(
            one,
            summary(&fold(2000, 3, |i| if i < 1500 { 2 } else { 0 }))
        );
    }

    #[test]
    fn buckets_read_alike_before_and_after_a_merge() {
        // Times jump back and forth over 9 one-minute buckets; one of them is current (out
        // of the map) when read without a merge.
        let mut direct = Stats::new(shape());
        for i in 0..2000u64 {
            let r = err("A", "r", "m", 1_000 * (i as i64 * 37 % 500));
            direct.add_response(pos(i), &r);
        }
        let starts: Vec<Millis> = direct.buckets().map(|(at, _)| at).collect();
        assert_eq!(starts, (0..9).map(|m| m * 60_000).collect::<Vec<_>>());
        let merged = {
            let mut out = Stats::new(shape());
            out.merge(direct.clone());
            out
        };
        let rows = |s: &Stats| -> Vec<(Millis, u64, u64)> {
            s.buckets()
                .map(|(at, b)| {
                    let a = s.bucket_codes(b).find(|&(code, _)| code == "A");
                    (at, b.responses, a.map_or(0, |(_, n)| n))
                })
                .collect()
        };
        assert_eq!(rows(&direct), rows(&merged));
        assert_eq!(rows(&direct).iter().map(|r| r.1).sum::<u64>(), 2000);
    }

    #[test]
    fn samples_are_first_in_input_order() {
        let s = fold(50, 3, |i| (2 - i % 3) as usize);
        let a = &s.codes["A"].groups[""];
        let ids: Vec<&str> = a.request_ids.iter().map(|(_, id)| &**id).collect();
        assert_eq!(ids, ["r0", "r3"]);
    }

    #[test]
    fn message_sample_is_bounded_with_exact_counts() {
        let mut c = Vec::new();
        for i in 0..20_000u64 {
            add_message(&mut c, &format!("message {}", i % 1000), 1);
        }
        add_message(&mut c, "rare", 1);
        assert_eq!(c.len(), MESSAGES_KEPT);
        // Every kept message was seen 20 times (20,000 adds over 1,000 texts) (or once, for "rare"): counts are exact.
        assert!(
            c.iter()
                .all(|(_, t, n)| *n == 20 || (&**t == "rare" && *n == 1))
        );
    }

    #[test]
    fn line_numbers_across_chunks() {
        let mut s = Stats::new(shape());
        s.add_chunk(0, 0, 10);
        s.add_chunk(0, 1, 5);
        s.add_chunk(1, 0, 3);
        let p = Pos {
            source: 0,
            chunk: 1,
            line: 2,
        };
        assert_eq!(s.line_number(p), 13);
        assert_eq!(
            s.line_number(Pos {
                source: 1,
                chunk: 0,
                line: 0
            }),
            1
        );
        assert_eq!(s.totals.lines, 18);
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let long = "가".repeat(200);
        let c = cut(&long);
        assert!(c.len() <= TEXT_MAX && c.len() > TEXT_MAX - 3);
        assert!(long.starts_with(c));
    }
}

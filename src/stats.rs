//! The aggregate: counts, time buckets, samples and latency, as a value that merges.
//!
//! Each worker folds lines into its own `Stats`; `merge` combines two of them. Merge is
//! associative and commutative, so the result does not depend on how the input was cut or
//! which worker saw what: every "first K" is kept by input position (`Pos`), every "latest
//! K" by (time, position), and each capped set (messages of a code, distinct codes, distinct
//! groups) keeps the members with the smallest fixed hash, with exact counts (a bottom-k
//! sample, which merges exactly). Nothing here knows about formats or the catalog.

use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
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
/// Longest message, request id, code or group kept, in bytes (cut at a character boundary).
pub const TEXT_MAX: usize = 256;
/// Malformed lines remembered with their place.
pub const MALFORMED_KEPT: usize = 10;
/// The row that stands for every code (or group) past the cap.
pub const OTHER: &str = "(other)";

/// Where a line is in the input: source, chunk of that source, line within the chunk
/// (0-based). Ordered as the input is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// RequestIds kept per code, first and latest each.
    pub samples: usize,
    pub split: Split,
    /// Distinct codes kept, and distinct groups; the rest count under `OTHER`.
    pub max_codes: usize,
}

/// Line and response counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub lines: u64,
    pub blank: u64,
    pub skipped: u64,
    pub malformed: u64,
    /// Responses left out by `--action`, `--region`, `--since` or `--until`.
    pub filtered: u64,
    pub responses: u64,
    pub errors: u64,
    /// Errors whose code `--code` did not match: counted in `responses`, not in `errors`.
    pub other_errors: u64,
    pub empty_error: u64,
    /// Responses without a time, and the errors among them: they fall in no bucket.
    pub untimed: u64,
    pub untimed_errors: u64,
    /// Errors whose code, and responses whose group, was longer than `TEXT_MAX` and is
    /// counted under its first `TEXT_MAX` bytes.
    pub codes_cut: u64,
    pub groups_cut: u64,
    /// Responses with a latency past a day, counted as a day (`Latency::clamps`).
    pub latency_clamped: u64,
}

/// One RequestId kept for support, with where and when it was seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    pub pos: Pos,
    pub time: Option<Millis>,
    /// The id, the action and the region, one after the other: one buffer to refill
    /// when a later error takes the sample's place.
    text: String,
    id_end: u32,
    action_end: u32,
}

impl Sample {
    pub fn id(&self) -> &str {
        &self.text[..self.id_end as usize]
    }

    /// The action, `""` when the record had none.
    pub fn action(&self) -> &str {
        &self.text[self.id_end as usize..self.action_end as usize]
    }

    /// The region, `""` when the record had none.
    pub fn region(&self) -> &str {
        &self.text[self.action_end as usize..]
    }

    /// The order of "latest": by time (a response without one before any with one), then
    /// by input position.
    fn recency(&self) -> (Option<Millis>, Pos) {
        (self.time, self.pos)
    }

    /// Fills this sample (its buffer reused) from a record.
    fn set(&mut self, pos: Pos, r: &Record<'_>, id: &str) {
        self.pos = pos;
        self.time = r.time;
        self.text.clear();
        self.text.push_str(cut(id));
        self.id_end = self.text.len() as u32;
        self.text.push_str(cut(r.action.as_deref().unwrap_or("")));
        self.action_end = self.text.len() as u32;
        self.text.push_str(cut(r.region.as_deref().unwrap_or("")));
    }
}

/// Everything known of one code (in one group, with `--group-by`).
#[derive(Debug, Clone, Default)]
pub struct CodeStats {
    pub count: u64,
    pub first_seen: Option<Millis>,
    pub last_seen: Option<Millis>,
    /// The first request ids in input order.
    pub first: Vec<Sample>,
    /// The latest request ids, oldest first (`Sample::recency`).
    pub latest: Vec<Sample>,
    /// (hash, text, count), sorted by hash: the `MESSAGES_KEPT` smallest hashes.
    pub messages: Vec<(u64, Box<str>, u64)>,
    pub latency: Latency,
}

/// Everything known of one code: its number (see `Stats::names`), the hash that decides
/// whether it is kept past the cap, and its groups by group number.
#[derive(Debug, Clone, Default)]
pub struct Code {
    id: u32,
    hash: u64,
    pub groups: HashMap<u32, CodeStats>,
}

/// One time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bucket {
    pub responses: u64,
    pub errors: u64,
    /// Errors by code, the code by its number (`Stats::code_name` names them): a bucket
    /// counted by name hashed each code's text once more per error, and allocated its
    /// name again in every bucket it came to.
    codes: HashMap<u32, u64>,
    /// The same by group number, with a split by an envelope field.
    groups: HashMap<u32, GroupBucket>,
}

/// One group's part of a time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupBucket {
    pub responses: u64,
    pub errors: u64,
    codes: HashMap<u32, u64>,
}

/// A set of names with numbers, capped at a number of members by the smallest hash of
/// their text; what is past the cap goes to the `OTHER` member. The cap is kept lazily:
/// members are let in up to `Names::limit`, then cut back to the cap. A member keeps its
/// number while it is kept, so a cut rewrites only the counts of the members it cut.
#[derive(Debug, Clone)]
struct Names {
    /// Each member's text by number; `None` for a number freed by a cut.
    names: Vec<Option<Box<str>>>,
    free: Vec<u32>,
    /// (hash, text) of the largest member kept at the last cut: a name above it can go
    /// straight to `OTHER`, since as many smaller ones are known already.
    bar: Option<(u64, Box<str>)>,
    other: Option<u32>,
}

/// The mergeable aggregate of a run.
#[derive(Debug, Clone)]
pub struct Stats {
    pub shape: Shape,
    pub totals: Totals,
    /// First and last time of any response.
    pub span: Option<(Millis, Millis)>,
    pub latency: Latency,
    /// code → its number and groups; the codes past the cap are in `other`.
    pub codes: HashMap<Box<str>, Code>,
    /// The errors of the codes past the cap, under `OTHER`.
    pub other: Option<Code>,
    /// Each code by its number.
    code_names: Names,
    /// group → its number (the empty group, a record without the field, is 0).
    group_ids: HashMap<Box<str>, (u32, u64)>,
    group_names: Names,
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
    /// How many times the codes were cut to the cap (`cuts()`).
    cuts: u64,
    /// Lines per (source, chunk), to turn a `Pos` into a line number at the end.
    pub chunk_lines: BTreeMap<(u32, u64), u64>,
}

/// The fixed hash that orders codes, groups and messages for the caps.
fn hash_of(text: &str) -> u64 {
    FixedState::with_seed(0x5eed).hash_one(text)
}

impl Names {
    fn new() -> Names {
        Names {
            names: Vec::new(),
            free: Vec::new(),
            bar: None,
            other: None,
        }
    }

    /// How many members are let in before a cut back to `cap`: twice the cap, and at least
    /// a thousand more, so that a small cap does not cut at every new name.
    fn limit(cap: usize) -> usize {
        cap.saturating_mul(2).max(cap.saturating_add(1024))
    }

    fn push(&mut self, name: &str) -> u32 {
        if let Some(id) = self.free.pop() {
            self.names[id as usize] = Some(name.into());
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 names");
        self.names.push(Some(name.into()));
        id
    }

    /// Says whether a new name is past the cap already.
    fn past_bar(&self, hash: u64, name: &str) -> bool {
        self.bar
            .as_ref()
            .is_some_and(|(h, n)| (hash, name) > (*h, &**n))
    }

    /// The number of `OTHER`, made on first use.
    fn other(&mut self) -> u32 {
        match self.other {
            Some(id) => id,
            None => {
                let id = self.push(OTHER);
                self.other = Some(id);
                id
            }
        }
    }

    fn name(&self, id: u32) -> &str {
        self.names[id as usize].as_deref().unwrap_or(OTHER)
    }

    /// Cuts the members in `live` (number, hash, name) to the `keep` smallest hashes and
    /// frees the numbers of the others, which it returns (with `OTHER` made for them).
    /// The caller moves their counts to `OTHER` before a number is used again.
    fn cut(&mut self, live: &mut [(u32, u64, Box<str>)], keep: usize) -> Vec<(u32, Box<str>)> {
        if live.len() <= keep {
            return Vec::new();
        }
        live.select_nth_unstable_by(keep.saturating_sub(1), |a, b| (a.1, &a.2).cmp(&(b.1, &b.2)));
        if keep > 0 {
            let (_, h, n) = &live[keep - 1];
            if self
                .bar
                .as_ref()
                .is_none_or(|bar| (*h, n) < (bar.0, &bar.1))
            {
                self.bar = Some((*h, n.clone()));
            }
        }
        self.other();
        let gone: Vec<(u32, Box<str>)> = live[keep..]
            .iter()
            .map(|(id, _, name)| (*id, name.clone()))
            .collect();
        for (id, _) in &gone {
            self.names[*id as usize] = None;
            self.free.push(*id);
        }
        gone
    }

    /// A mark for each number: was it cut (`gone`)?
    fn marks(&self, gone: &[(u32, Box<str>)]) -> Vec<bool> {
        let mut marks = vec![false; self.names.len()];
        for (id, _) in gone {
            marks[*id as usize] = true;
        }
        marks
    }
}

impl Stats {
    /// Makes an empty aggregate of the given shape.
    pub fn new(shape: Shape) -> Stats {
        let mut group_names = Names::new();
        let mut group_ids = HashMap::default();
        group_ids.insert("".into(), (group_names.push(""), 0));
        Stats {
            shape,
            totals: Totals::default(),
            span: None,
            latency: Latency::default(),
            codes: HashMap::default(),
            other: None,
            code_names: Names::new(),
            group_ids,
            group_names,
            buckets: BTreeMap::new(),
            current: None,
            last_bucket: None,
            malformed: Vec::new(),
            chunk_lines: BTreeMap::new(),
            cuts: 0,
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

    /// The number of a group, `OTHER`'s past the cap.
    fn group_id(&mut self, whole: &str) -> u32 {
        // Loggers write `-` for a field they have not: it is the field missing.
        if whole.is_empty() || whole == "-" {
            return 0;
        }
        let group = cut(whole);
        self.totals.groups_cut += (group.len() < whole.len()) as u64;
        let group = unlike_other(group);
        if let Some(&(id, _)) = self.group_ids.get(group) {
            return id;
        }
        let hash = hash_of(group);
        if self.group_names.past_bar(hash, group) {
            return self.group_names.other();
        }
        let id = self.group_names.push(group);
        self.group_ids.insert(group.into(), (id, hash));
        if self.group_ids.len() > Names::limit(self.shape.max_codes) {
            self.cut_groups();
            // The cut may have sent it to OTHER.
            return match self.group_ids.get(group) {
                Some(&(id, _)) => id,
                None => self.group_names.other(),
            };
        }
        id
    }

    /// Folds one response into the aggregate.
    pub fn add_response(&mut self, pos: Pos, r: &Record<'_>) {
        self.totals.responses += 1;
        if r.empty_error {
            self.totals.empty_error += 1;
        }
        match r.time {
            Some(t) => {
                self.span = Some(match self.span {
                    None => (t, t),
                    Some((a, b)) => (a.min(t), b.max(t)),
                });
            }
            None => {
                self.totals.untimed += 1;
                self.totals.untimed_errors += r.code.is_some() as u64;
            }
        }
        if let Some(ms) = r.latency_ms {
            self.totals.latency_clamped += Latency::clamps(ms) as u64;
            self.latency.record(ms);
        }
        let split = self.shape.split;
        let group = match split {
            Split::None => None,
            Split::Action => Some(r.action.as_deref()),
            Split::Region => Some(r.region.as_deref()),
            Split::Service => Some(r.service.as_deref()),
        };
        let group = group.map_or(0, |g| self.group_id(g.unwrap_or("")));
        let samples = self.shape.samples;
        let code_id = r.code.as_deref().map(|code| {
            self.totals.errors += 1;
            let whole = code.len();
            let code = cut(code);
            self.totals.codes_cut += (code.len() < whole) as u64;
            let code = unlike_other(code);
            match self.codes.get_mut(code) {
                Some(known) => {
                    add_error(known, split, group, pos, r, samples);
                    known.id
                }
                None => {
                    let id = self.admit(code);
                    let known = match self.codes.get_mut(code) {
                        Some(known) => known,
                        // Past the cap: `admit` made `other`.
                        None => self.other.as_mut().expect("OTHER made"),
                    };
                    add_error(known, split, group, pos, r, samples);
                    id
                }
            }
        });
        let Some((width, t)) = self.shape.bucket.zip(r.time) else {
            return;
        };
        let b = bucket_at(
            &mut self.buckets,
            &mut self.current,
            &mut self.last_bucket,
            t.div_euclid(width) * width,
        );
        b.responses += 1;
        if let Some(id) = code_id {
            b.errors += 1;
            *b.codes.entry(id).or_default() += 1;
        }
        if split != Split::None {
            let g = b.groups.entry(group).or_default();
            g.responses += 1;
            if let Some(id) = code_id {
                g.errors += 1;
                *g.codes.entry(id).or_default() += 1;
            }
        }
    }

    /// Lets a new code in (its text cut already), or sends it to `OTHER` past the cap;
    /// returns its number.
    fn admit(&mut self, code: &str) -> u32 {
        let hash = hash_of(code);
        if self.code_names.past_bar(hash, code) {
            return self.other_id();
        }
        let id = self.code_names.push(code);
        let known = Code {
            id,
            hash,
            groups: HashMap::default(),
        };
        self.codes.insert(code.into(), known);
        if self.codes.len() >= Names::limit(self.shape.max_codes) {
            self.cut_codes(self.shape.max_codes);
            return match self.codes.get(code) {
                Some(known) => known.id,
                None => self.other_id(),
            };
        }
        id
    }

    fn other_id(&mut self) -> u32 {
        let id = self.code_names.other();
        self.other.get_or_insert_with(|| Code {
            id,
            ..Code::default()
        });
        id
    }

    /// Keeps the `keep` codes of smallest hash and folds the others into `OTHER`.
    fn cut_codes(&mut self, keep: usize) {
        self.settle();
        let mut live: Vec<(u32, u64, Box<str>)> = self
            .codes
            .iter()
            .map(|(name, c)| (c.id, c.hash, name.clone()))
            .collect();
        let gone = self.code_names.cut(&mut live, keep);
        if gone.is_empty() {
            return;
        }
        self.cuts += 1;
        let other = self.other_id();
        let samples = self.shape.samples;
        for (_, name) in &gone {
            let Some(c) = self.codes.remove(name) else {
                continue;
            };
            let into = self.other.as_mut().expect("OTHER made");
            for (g, cs) in c.groups {
                merge_group(&mut into.groups, g, cs, samples);
            }
        }
        let gone = self.code_names.marks(&gone);
        let code = |id: u32| if gone[id as usize] { other } else { id };
        let touched = |m: &HashMap<u32, u64>| m.keys().any(|&id| gone[id as usize]);
        for b in self.buckets.values_mut() {
            if touched(&b.codes) {
                b.codes = renumbered(std::mem::take(&mut b.codes), code);
            }
            for g in b.groups.values_mut() {
                if touched(&g.codes) {
                    g.codes = renumbered(std::mem::take(&mut g.codes), code);
                }
            }
        }
    }

    /// Keeps the `max_codes` groups of smallest hash (the empty group always) and folds
    /// the others into `OTHER`.
    fn cut_groups(&mut self) {
        self.settle();
        let mut live: Vec<(u32, u64, Box<str>)> = self
            .group_ids
            .iter()
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, &(id, hash))| (id, hash, name.clone()))
            .collect();
        let gone = self.group_names.cut(&mut live, self.shape.max_codes);
        if gone.is_empty() {
            return;
        }
        let other = self.group_names.other();
        for (_, name) in &gone {
            self.group_ids.remove(name);
        }
        let gone = self.group_names.marks(&gone);
        let map = |id: u32| if gone[id as usize] { other } else { id };
        let samples = self.shape.samples;
        for c in self.codes.values_mut().chain(self.other.as_mut()) {
            if c.groups.keys().any(|&g| gone[g as usize]) {
                let mut groups = HashMap::default();
                for (g, cs) in std::mem::take(&mut c.groups) {
                    merge_group(&mut groups, map(g), cs, samples);
                }
                c.groups = groups;
            }
        }
        for b in self.buckets.values_mut() {
            if b.groups.keys().any(|&g| gone[g as usize]) {
                let mut groups: HashMap<u32, GroupBucket> = HashMap::default();
                for (g, gb) in std::mem::take(&mut b.groups) {
                    groups.entry(map(g)).or_default().add(gb);
                }
                b.groups = groups;
            }
        }
    }

    /// Cuts the codes and groups to the cap, for a report: a worker lets in up to twice
    /// as many before it cuts.
    pub fn finish(&mut self) {
        if self.codes.len() > self.shape.max_codes {
            self.cut_codes(self.shape.max_codes);
        }
        if self.group_ids.len() > self.shape.max_codes.saturating_add(1) {
            self.cut_groups();
        }
        self.settle();
    }

    /// The name a code is counted under: its own (cut to `TEXT_MAX`), or `OTHER` past
    /// the cap.
    pub fn kept_name<'s>(&'s self, code: &str) -> &'s str {
        match self.codes.get_key_value(unlike_other(cut(code))) {
            Some((name, _)) => name,
            None => OTHER,
        }
    }

    /// Counts the cuts of the codes to the cap: a code's name may have become `OTHER`
    /// since this last changed.
    pub fn cuts(&self) -> u64 {
        self.cuts
    }

    /// The name of a code's number.
    pub fn code_name(&self, id: u32) -> &str {
        self.code_names.name(id)
    }

    /// The name of a group's number (`""` for the records without the field).
    pub fn group_name(&self, id: u32) -> &str {
        self.group_names.name(id)
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
        b.codes.iter().map(|(&id, &n)| (self.code_name(id), n))
    }

    /// Each code number's place in the order of the codes' names (for `by_count`).
    pub fn name_order(&self) -> Vec<u32> {
        let names = &self.code_names.names;
        let mut ids: Vec<u32> = (0..names.len() as u32).collect();
        ids.sort_unstable_by(|&a, &b| self.code_name(a).cmp(self.code_name(b)));
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

    /// Every (code, group, stats), `OTHER`'s last.
    pub fn code_groups(&self) -> impl Iterator<Item = (&str, &str, &CodeStats)> {
        self.codes
            .iter()
            .map(|(name, c)| (&**name, c))
            .chain(self.other.as_ref().map(|c| (OTHER, c)))
            .flat_map(move |(name, c)| {
                c.groups
                    .iter()
                    .map(move |(&g, cs)| (name, self.group_name(g), cs))
            })
    }

    /// Puts the current bucket back with the others.
    fn settle(&mut self) {
        if let Some((at, b)) = self.current.take() {
            self.buckets.insert(at, b);
        }
        self.last_bucket = None;
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
    /// side on the current rayon pool first (adding them was most of a merge); the other's
    /// are freed afterwards on this thread, not on the pool's threads (parallel frees of
    /// another worker's memory waited on glibc's arena locks).
    pub fn merge_in_pool(&mut self, mut other: Stats) {
        self.larger_first(&mut other);
        let mut pairs: Vec<(&mut Latency, Latency)> = Vec::new();
        for (code, mine) in &mut self.codes {
            let Some(theirs) = other.codes.get_mut(code) else {
                continue;
            };
            for (group, c) in &mut mine.groups {
                let name = self.group_names.name(*group);
                let Some(&(g, _)) = other.group_ids.get(name) else {
                    continue;
                };
                if let Some(t) = theirs.groups.get_mut(&g) {
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
        t.other_errors += o.other_errors;
        t.empty_error += o.empty_error;
        t.untimed += o.untimed;
        t.untimed_errors += o.untimed_errors;
        t.codes_cut += o.codes_cut;
        t.groups_cut += o.groups_cut;
        t.latency_clamped += o.latency_clamped;
        self.span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, y) => x.or(y),
        };
        self.latency.merge(other.latency);
        let samples = self.shape.samples;
        // The other's groups as ours (`OTHER` to `OTHER`).
        let mut groups = vec![0; other.group_names.names.len()];
        for (name, &(theirs, hash)) in &other.group_ids {
            groups[theirs as usize] = match self.group_ids.get(name) {
                Some(&(id, _)) => id,
                None if self.group_names.past_bar(hash, name) => self.group_names.other(),
                None => {
                    let id = self.group_names.push(name);
                    self.group_ids.insert(name.clone(), (id, hash));
                    id
                }
            };
        }
        if let Some(o) = other.group_names.other {
            groups[o as usize] = self.group_names.other();
        }
        self.group_names.bar = lower_bar(self.group_names.bar.take(), other.group_names.bar);
        // The other's codes as ours: what only `other` has is moved over whole.
        let mut ids = vec![0; other.code_names.names.len()];
        let regroup = |g: HashMap<u32, CodeStats>, into: &mut HashMap<u32, CodeStats>| {
            for (group, cs) in g {
                merge_group(into, groups[group as usize], cs, samples);
            }
        };
        for (code, theirs) in other.codes {
            let mine = match self.codes.entry(code) {
                Entry::Vacant(v) if !self.code_names.past_bar(theirs.hash, v.key()) => {
                    let id = self.code_names.push(v.key());
                    ids[theirs.id as usize] = id;
                    let mut mine = Code {
                        id,
                        hash: theirs.hash,
                        groups: HashMap::default(),
                    };
                    regroup(theirs.groups, &mut mine.groups);
                    v.insert(mine);
                    continue;
                }
                Entry::Vacant(_) => {
                    let id = self.code_names.other();
                    ids[theirs.id as usize] = id;
                    let mine = self.other.get_or_insert_with(|| Code {
                        id,
                        ..Code::default()
                    });
                    regroup(theirs.groups, &mut mine.groups);
                    continue;
                }
                Entry::Occupied(o) => o.into_mut(),
            };
            ids[theirs.id as usize] = mine.id;
            regroup(theirs.groups, &mut mine.groups);
        }
        if let Some(theirs) = other.other {
            let id = self.other_id();
            ids[theirs.id as usize] = id;
            if let Some(mine) = self.other.as_mut() {
                regroup(theirs.groups, &mut mine.groups);
            }
        }
        self.code_names.bar = lower_bar(self.code_names.bar.take(), other.code_names.bar);
        for (start, theirs) in other.buckets {
            let b = self.buckets.entry(start).or_default();
            b.responses += theirs.responses;
            b.errors += theirs.errors;
            for (id, n) in theirs.codes {
                *b.codes.entry(ids[id as usize]).or_default() += n;
            }
            for (g, gb) in theirs.groups {
                let mine = b.groups.entry(groups[g as usize]).or_default();
                mine.responses += gb.responses;
                mine.errors += gb.errors;
                for (id, n) in gb.codes {
                    *mine.codes.entry(ids[id as usize]).or_default() += n;
                }
            }
        }
        for m in other.malformed {
            insert_first(&mut self.malformed, MALFORMED_KEPT, m);
        }
        for (k, n) in other.chunk_lines {
            *self.chunk_lines.entry(k).or_default() += n;
        }
        let max = self.shape.max_codes;
        if self.codes.len() >= Names::limit(max) {
            self.cut_codes(max);
        }
        if self.group_ids.len() > Names::limit(max) {
            self.cut_groups();
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

impl GroupBucket {
    fn add(&mut self, other: GroupBucket) {
        self.responses += other.responses;
        self.errors += other.errors;
        for (id, n) in other.codes {
            *self.codes.entry(id).or_default() += n;
        }
    }
}

/// The lower of two bars: each says that many names below it were seen.
fn lower_bar(a: Option<(u64, Box<str>)>, b: Option<(u64, Box<str>)>) -> Option<(u64, Box<str>)> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A bucket's counts with their codes renumbered (several may become one).
fn renumbered(m: HashMap<u32, u64>, new: impl Fn(u32) -> u32) -> HashMap<u32, u64> {
    let mut out = HashMap::default();
    for (id, n) in m {
        *out.entry(new(id)).or_default() += n;
    }
    out
}

/// Counts an error in its code's group.
#[inline]
fn add_error(known: &mut Code, split: Split, group: u32, pos: Pos, r: &Record<'_>, samples: usize) {
    let c = match split {
        // Without a split each code has one group, 0: no need to look it up.
        Split::None => only(&mut known.groups),
        _ => known.groups.entry(group).or_default(),
    };
    c.count += 1;
    if let Some(t) = r.time {
        c.first_seen = Some(c.first_seen.map_or(t, |f| f.min(t)));
        c.last_seen = Some(c.last_seen.map_or(t, |l| l.max(t)));
    }
    if let Some(id) = r.request_id.as_deref() {
        c.add_sample(pos, r, id, samples);
    }
    if let Some(m) = r.message.as_deref() {
        add_message(&mut c.messages, cut(m), 1);
    }
    if let Some(ms) = r.latency_ms {
        c.latency.record(ms);
    }
}

/// Adds a group's stats into a map of them.
fn merge_group(into: &mut HashMap<u32, CodeStats>, group: u32, cs: CodeStats, samples: usize) {
    match into.entry(group) {
        Entry::Vacant(v) => {
            v.insert(cs);
        }
        Entry::Occupied(o) => o.into_mut().merge(cs, samples),
    }
}

impl CodeStats {
    fn merge(&mut self, other: CodeStats, samples: usize) {
        self.count += other.count;
        self.first_seen = min_opt(self.first_seen, other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        for s in other.first {
            insert_by(&mut self.first, samples, s, |s| s.pos);
        }
        for s in other.latest {
            insert_latest(&mut self.latest, samples, s);
        }
        for (_, text, n) in other.messages {
            add_message(&mut self.messages, &text, n);
        }
        self.latency.merge(other.latency);
    }

    /// Keeps a response's request id if it is among the first or the latest `samples`.
    #[inline]
    fn add_sample(&mut self, pos: Pos, r: &Record<'_>, id: &str, samples: usize) {
        if self.first.len() < samples || self.first.last().is_some_and(|s| s.pos > pos) {
            let mut s = Sample::default();
            s.set(pos, r, id);
            insert_by(&mut self.first, samples, s, |s| s.pos);
        }
        let key = (r.time, pos);
        if samples == 0 || (self.latest.len() == samples && self.latest[0].recency() >= key) {
            return;
        }
        if self.latest.len() < samples {
            let mut s = Sample::default();
            s.set(pos, r, id);
            insert_latest(&mut self.latest, samples, s);
            return;
        }
        // Full: the oldest makes room, its buffer reused. In a log in time order every
        // error is the latest so far, and goes last.
        let at = self.latest.partition_point(|x| x.recency() < key);
        self.latest[..at].rotate_left(1);
        self.latest[at - 1].set(pos, r, id);
    }

    /// Returns the kept messages, most frequent first (ties by text).
    pub fn top_messages(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.messages.iter().map(|(_, t, c)| (&**t, *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }
}

/// Keeps `v` sorted by `key` and at most `cap` long, holding the smallest items seen.
fn insert_by<T, K: Ord>(v: &mut Vec<T>, cap: usize, item: T, key: impl Fn(&T) -> K) {
    let k = key(&item);
    if cap == 0 || (v.len() == cap && v.last().is_some_and(|last| key(last) <= k)) {
        return;
    }
    let at = v.partition_point(|x| key(x) < k);
    v.insert(at, item);
    v.truncate(cap);
}

/// Keeps `v` sorted by recency and at most `cap` long, holding the latest items seen.
fn insert_latest(v: &mut Vec<Sample>, cap: usize, item: Sample) {
    let k = item.recency();
    if cap == 0 || (v.len() == cap && v[0].recency() >= k) {
        return;
    }
    let at = v.partition_point(|x| x.recency() < k);
    v.insert(at, item);
    if v.len() > cap {
        v.remove(0);
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

/// The one value of a map that holds at most one, under the key 0 (the empty group).
fn only<V: Default>(map: &mut HashMap<u32, V>) -> &mut V {
    if map.is_empty() {
        map.insert(0, V::default());
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

/// A code or group spelled as the placeholder itself, renamed so that `OTHER` always means
/// the codes (or groups) past the cap.
pub const OTHER_SPELLED: &str = "((other))";

fn unlike_other(name: &str) -> &str {
    if name == OTHER { OTHER_SPELLED } else { name }
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
            max_codes: 10_000,
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
            let c = &known.groups[&0];
            out += &format!(
                "{code} {} {:?} {:?} {:?} {:?} {:?} {:?}\n",
                c.count,
                c.first_seen,
                c.last_seen,
                c.first.iter().map(|s| s.id()).collect::<Vec<_>>(),
                c.latest
                    .iter()
                    .map(|s| (s.id(), s.time))
                    .collect::<Vec<_>>(),
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
        let of_a = |s: &Stats| s.codes["A"].groups[&0].latency.percentiles();
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
        let a = &s.codes["A"].groups[&0];
        let ids: Vec<&str> = a.first.iter().map(|s| s.id()).collect();
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

    /// Every (code, group) row and every bucket's groups, sorted, with the totals.
    fn rows(s: &Stats) -> String {
        let mut rows: Vec<String> = s
            .code_groups()
            .map(|(code, group, c)| {
                let ids = |v: &[Sample]| v.iter().map(|s| s.id().to_string()).collect::<Vec<_>>();
                format!(
                    "{code}/{group} {} {:?} {:?} {:?} {:?} {:?}",
                    c.count,
                    c.first_seen,
                    ids(&c.first),
                    ids(&c.latest),
                    c.top_messages(3),
                    c.latency.percentiles()
                )
            })
            .collect();
        rows.sort();
        let order = s.name_order();
        for (start, b) in s.buckets() {
            let mut groups: Vec<_> = s
                .bucket_groups(b)
                .map(|(g, gb)| (g, gb.responses, gb.errors, s.group_by_count(gb, &order)))
                .collect();
            groups.sort_by(|a, b| a.0.cmp(b.0));
            rows.push(format!(
                "{start} {} {} {:?} {groups:?}",
                b.responses,
                b.errors,
                s.by_count(b, &order)
            ));
        }
        format!("{:?}\n{}", s.totals, rows.join("\n"))
    }

    /// `n` errors of `distinct` codes (code i seen i % 7 + 1 times as often) in `regions`
    /// regions, folded into `parts` aggregates by `part`, merged in order.
    fn capped(
        n: u64,
        distinct: u64,
        regions: u64,
        max: usize,
        parts: usize,
        part: impl Fn(u64) -> usize,
    ) -> Stats {
        let shape = Shape {
            bucket: Some(60_000),
            samples: 2,
            split: Split::Region,
            max_codes: max,
        };
        let mut all: Vec<Stats> = (0..parts).map(|_| Stats::new(shape)).collect();
        for i in 0..n {
            let code = format!("Code.{}", (i * 7919) % distinct);
            let region = format!("r{}", (i * 31) % regions);
            let r = Record {
                region: (i % 5 != 0).then_some(Cow::Owned(region)),
                ..err(
                    &code,
                    &format!("id{i}"),
                    &format!("m{}", i % 3),
                    1_000 * (i as i64 % 900),
                )
            };
            all[part(i)].add_response(pos(i), &r);
        }
        let mut out = all.remove(0);
        for s in all {
            out.merge(s);
        }
        out.finish();
        out
    }

    #[test]
    fn codes_and_groups_past_the_cap_fold_alike_for_any_partition() {
        // 3,000 codes and 2,500 regions: past the lazy limit (1,032 for a cap of 8), so
        // every part cuts on its own before the merges.
        const N: u64 = 12_000;
        const CODES: u64 = 3_000;
        let one = capped(N, CODES, 2_500, 8, 1, |_| 0);
        let expected = rows(&one);
        for parts in [2, 3, 7] {
            let s = capped(N, CODES, 2_500, 8, parts, |i| {
                (i * 13 % parts as u64) as usize
            });
            assert_eq!(rows(&s), expected, "{parts}");
        }
        let s = capped(N, CODES, 2_500, 8, 4, |i| (i * 4 / N) as usize);
        assert_eq!(rows(&s), expected);
        // Eight codes kept, the eight of smallest hash, each with its exact count; the
        // rest under OTHER; nothing lost.
        assert_eq!(one.codes.len(), 8);
        let mut by_hash: Vec<String> = (0..CODES).map(|c| format!("Code.{c}")).collect();
        by_hash.sort_by_key(|c| (hash_of(c), c.clone()));
        let mut kept: Vec<&str> = one.codes.keys().map(|k| &**k).collect();
        kept.sort_by_key(|c| (hash_of(c), c.to_string()));
        assert_eq!(
            kept,
            by_hash[..8].iter().map(|s| s.as_str()).collect::<Vec<_>>()
        );
        let count = |c: &Code| c.groups.values().map(|g| g.count).sum::<u64>();
        for (name, c) in &one.codes {
            let expected = (0..N)
                .filter(|i| format!("Code.{}", (i * 7919) % CODES) == **name)
                .count();
            assert_eq!(count(c) as usize, expected, "{name}");
        }
        let all: u64 =
            one.codes.values().map(count).sum::<u64>() + count(one.other.as_ref().unwrap());
        assert_eq!(all, N);
        // Groups: 8 regions, the empty one, and OTHER.
        let groups: std::collections::BTreeSet<&str> =
            one.code_groups().map(|(_, g, _)| g).collect();
        assert_eq!(groups.len(), 10, "{groups:?}");
        assert!(groups.contains("") && groups.contains(OTHER));
        // Memory stays flat: no more names are held than the lazy limit.
        let limit = Names::limit(8) + 1;
        let held = (one.code_names.names.len(), one.group_names.names.len());
        assert!(held.0 <= limit && held.1 <= limit + 1, "{held:?} {limit}");
    }

    #[test]
    fn under_the_cap_nothing_is_folded() {
        let s = capped(2_000, 50, 5, 50, 3, |i| (i % 3) as usize);
        assert_eq!(s.codes.len(), 50);
        assert!(s.other.is_none());
        assert!(!s.code_groups().any(|(c, g, _)| c == OTHER || g == OTHER));
    }

    #[test]
    fn latest_samples_are_the_latest_by_time() {
        let mut s = Stats::new(shape());
        // Times go back and forth; ids name their time.
        for (i, t) in [5, 9, 1, 9, 7, 3].into_iter().enumerate() {
            s.add_response(
                pos(i as u64),
                &err("A", &format!("t{t}-{i}"), "m", t * 1_000),
            );
        }
        s.add_response(
            pos(9),
            &Record {
                time: None,
                ..err("A", "none", "m", 0)
            },
        );
        let a = &s.codes["A"].groups[&0];
        let latest: Vec<&str> = a.latest.iter().map(|s| s.id()).collect();
        assert_eq!(latest, ["t9-1", "t9-3"]);
        let first: Vec<&str> = a.first.iter().map(|s| s.id()).collect();
        assert_eq!(first, ["t5-0", "t9-1"]);
        assert_eq!(s.totals.untimed, 1);
        assert_eq!(s.totals.untimed_errors, 1);
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let long = "가".repeat(200);
        let c = cut(&long);
        assert!(c.len() <= TEXT_MAX && c.len() > TEXT_MAX - 3);
        assert!(long.starts_with(c));
    }
}

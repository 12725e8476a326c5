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

use foldhash::HashMap;
use rayon::prelude::*;

use crate::latency::Latency;
use crate::record::{CodeFrom, Malformed, Record};
use crate::time::Millis;

mod buckets;
mod cap;
mod code;
mod state;

use self::buckets::bucket_at;
pub use self::buckets::{Bucket, GroupBucket, bucket_start};
use self::cap::{Names, hash_of, lower_bar};
pub use self::code::{CodeStats, Sample};
use self::code::{add_error, cut, merge_group, unlike_other, unlike_reserved};
pub use self::state::State;

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

/// A dimension the per-code rows are split by (`--group-by`). A field of the record splits
/// responses and errors as they are counted; a property of the code (category, class, fault)
/// follows from the code, so reports derive it and the aggregate does not split by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GroupBy {
    Action,
    Region,
    Service,
    Category,
    Class,
    Fault,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "action" => Some(GroupBy::Action),
            "region" => Some(GroupBy::Region),
            "service" => Some(GroupBy::Service),
            "category" => Some(GroupBy::Category),
            "class" => Some(GroupBy::Class),
            "fault" => Some(GroupBy::Fault),
            _ => None,
        }
    }

    /// Says whether the dimension is a field of the record (then responses split by it
    /// too), rather than a property of the error code.
    pub fn is_field(self) -> bool {
        matches!(self, GroupBy::Action | GroupBy::Region | GroupBy::Service)
    }

    /// The record's value for this dimension, when it is a field of the record.
    #[inline]
    pub fn field_of<'r>(self, r: &'r Record<'_>) -> Option<Option<&'r str>> {
        match self {
            GroupBy::Action => Some(r.action.as_deref()),
            GroupBy::Region => Some(r.region.as_deref()),
            GroupBy::Service => Some(r.service.as_deref()),
            GroupBy::Category | GroupBy::Class | GroupBy::Fault => None,
        }
    }

    /// The dimension as a table's column heading.
    pub fn heading(self) -> &'static str {
        match self {
            GroupBy::Action => "ACTION",
            GroupBy::Region => "REGION",
            GroupBy::Service => "SERVICE",
            GroupBy::Category => "CATEGORY",
            GroupBy::Class => "CLASS",
            GroupBy::Fault => "FAULT",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Action => "action",
            GroupBy::Region => "region",
            GroupBy::Service => "service",
            GroupBy::Category => "category",
            GroupBy::Class => "class",
            GroupBy::Fault => "fault",
        }
    }
}

/// What to aggregate, fixed for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    /// Bucket width in milliseconds (`--bucket`).
    pub bucket: Option<Millis>,
    /// Without `bucket`, keep an automatic series for change detection (`buckets::LADDER`).
    pub auto_bucket: bool,
    /// RequestIds kept per code, first and latest each.
    pub samples: usize,
    /// The `--group-by` dimension, if any.
    pub group_by: Option<GroupBy>,
    /// Distinct codes kept, and distinct groups; the rest count under `OTHER`.
    pub max_codes: usize,
    /// Buckets start where `--tz`'s clock shows a multiple of the width: this offset (ms)
    /// is added before aligning and taken off after (0: aligned to the epoch, UTC).
    #[serde(default)]
    pub bucket_offset_ms: Millis,
}

/// Distinct codes (and groups) kept by default (`--max-codes`).
pub const DEFAULT_MAX_CODES: usize = 10_000;

impl Aggregation {
    /// The aggregation of a run with the defaults but for `bucket` (tests, benches, fuzzing).
    pub fn with_bucket(bucket: Option<Millis>) -> Aggregation {
        Aggregation {
            bucket,
            auto_bucket: bucket.is_none(),
            samples: 3,
            group_by: None,
            max_codes: DEFAULT_MAX_CODES,
            bucket_offset_ms: 0,
        }
    }
}

/// Line and response counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Errors read from SDK error strings (SPEC §1.9): their calls' successes were not
    /// logged with them.
    pub sdk_errors: u64,
    /// Of those, the ones whose code was found in their message, and the ones with none.
    pub sdk_code_from_message: u64,
    pub sdk_no_code: u64,
}

impl Totals {
    /// Says whether rates mean anything: not when every response is an error read from an
    /// SDK string, whose successful siblings were never logged (SPEC §3.1).
    pub fn rates_known(&self) -> bool {
        self.sdk_errors == 0 || self.responses > self.errors + self.other_errors
    }
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, o: Totals) {
        // Every field, so that a new one cannot be left out of a merge unseen.
        let Totals {
            lines,
            blank,
            skipped,
            malformed,
            filtered,
            responses,
            errors,
            other_errors,
            empty_error,
            untimed,
            untimed_errors,
            codes_cut,
            groups_cut,
            latency_clamped,
            sdk_errors,
            sdk_code_from_message,
            sdk_no_code,
        } = o;
        self.lines += lines;
        self.blank += blank;
        self.skipped += skipped;
        self.malformed += malformed;
        self.filtered += filtered;
        self.responses += responses;
        self.errors += errors;
        self.other_errors += other_errors;
        self.empty_error += empty_error;
        self.untimed += untimed;
        self.untimed_errors += untimed_errors;
        self.codes_cut += codes_cut;
        self.groups_cut += groups_cut;
        self.sdk_errors += sdk_errors;
        self.sdk_code_from_message += sdk_code_from_message;
        self.sdk_no_code += sdk_no_code;
        self.latency_clamped += latency_clamped;
    }
}

/// Everything known of one code: its number (see `Stats::names`), the hash that decides
/// whether it is kept past the cap, and its groups by group number.
#[derive(Debug, Clone, Default)]
pub struct Code {
    id: u32,
    hash: u64,
    pub groups: HashMap<u32, CodeStats>,
}

/// The mergeable aggregate of a run.
#[derive(Debug, Clone)]
pub struct Stats {
    pub aggregation: Aggregation,
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
    /// The buckets' width: `aggregation.bucket`, or the automatic series' (`width()`).
    width: Option<Millis>,
    /// The first malformed lines in input order.
    pub malformed: Vec<(Pos, Malformed)>,
    /// How many times the codes were cut to the cap (`cuts()`).
    cuts: u64,
    /// Lines per (source, chunk), to turn a `Pos` into a line number at the end.
    pub chunk_lines: BTreeMap<(u32, u64), u64>,
}

impl Stats {
    /// Makes an empty aggregate aggregating as told.
    pub fn new(aggregation: Aggregation) -> Stats {
        let mut group_names = Names::new();
        let mut group_ids = HashMap::default();
        group_ids.insert("".into(), (group_names.push(""), 0));
        Stats {
            aggregation,
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
            width: aggregation
                .bucket
                .or(aggregation.auto_bucket.then_some(buckets::LADDER[0])),
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
        let group = &*unlike_other(group);
        if let Some(&(id, _)) = self.group_ids.get(group) {
            return id;
        }
        let hash = hash_of(group);
        if self.group_names.past_bar(hash, group) {
            return self.group_names.other();
        }
        let id = self.group_names.push(group);
        self.group_ids.insert(group.into(), (id, hash));
        if self.group_ids.len() > self.cut_limit() {
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
        if let Some(how) = r.sdk {
            self.totals.sdk_errors += 1;
            self.totals.sdk_code_from_message += (how == CodeFrom::Message) as u64;
            self.totals.sdk_no_code += (how == CodeFrom::Placeholder) as u64;
        }
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
        let group = self.aggregation.group_by.and_then(|g| g.field_of(r));
        let split = group.is_some();
        let group = group.map_or(0, |g| self.group_id(g.unwrap_or("")));
        let samples = self.aggregation.samples;
        let code_id = r.code.as_deref().map(|code| {
            self.totals.errors += 1;
            let whole = code.len();
            let code = cut(code);
            self.totals.codes_cut += (code.len() < whole) as u64;
            let code = &*unlike_reserved(code, r.sdk == Some(CodeFrom::Placeholder));
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
        let Some((width, t)) = self.width.zip(r.time) else {
            return;
        };
        let b = bucket_at(
            &mut self.buckets,
            &mut self.current,
            &mut self.last_bucket,
            bucket_start(t, width, self.aggregation.bucket_offset_ms),
        );
        b.responses += 1;
        if let Some(id) = code_id {
            b.errors += 1;
            *b.codes.entry(id).or_default() += 1;
        }
        if split {
            let g = b.groups.entry(group).or_default();
            g.responses += 1;
            if let Some(id) = code_id {
                g.errors += 1;
                *g.codes.entry(id).or_default() += 1;
            }
        }
        if self.aggregation.auto_bucket && self.buckets.len() > buckets::AUTO_LIMIT {
            self.bound_auto();
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
        if self.codes.len() >= self.cut_limit() {
            self.cut_codes(self.aggregation.max_codes);
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

    /// How many codes (or groups) are let in before a cut: `Names::limit`, and at least as
    /// many more as there are time buckets, since a cut walks every bucket (so a cut is
    /// paid for by as many new names as it walks).
    fn cut_limit(&self) -> usize {
        let cap = self.aggregation.max_codes;
        Names::limit(cap).max(cap.saturating_add(self.buckets.len()))
    }

    /// The name a record's code is counted under: its own (cut to `TEXT_MAX`), or `OTHER`
    /// past the cap.
    pub fn kept_name<'s>(&'s self, code: &str, r: &Record<'_>) -> &'s str {
        let placeholder = r.sdk == Some(CodeFrom::Placeholder);
        match self
            .codes
            .get_key_value(&*unlike_reserved(cut(code), placeholder))
        {
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
        // Automatic series at two widths meet at the wider.
        if let Some(w) = self.width.max(other.width) {
            self.widen(w);
            other.widen(w);
        }
        self.totals += other.totals;
        self.span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, y) => x.or(y),
        };
        self.latency.merge(other.latency);
        let samples = self.aggregation.samples;
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
        self.bound_auto();
        for m in other.malformed {
            insert_first(&mut self.malformed, MALFORMED_KEPT, m);
        }
        for (k, n) in other.chunk_lines {
            *self.chunk_lines.entry(k).or_default() += n;
        }
        let max = self.aggregation.max_codes;
        if self.codes.len() >= self.cut_limit() {
            self.cut_codes(max);
        }
        if self.group_ids.len() > self.cut_limit() {
            self.cut_groups();
        }
    }

    /// Folds the per-chunk line counts into as few entries as the kept malformed lines'
    /// numbers need: live mode adds a chunk a read, without end.
    pub fn compact_chunk_lines(&mut self) {
        let keep: std::collections::BTreeSet<(u32, u64)> = self
            .malformed
            .iter()
            .map(|(p, _)| (p.source, p.chunk))
            .collect();
        let mut out = BTreeMap::new();
        // A run of chunks no position needs, under its first chunk's key.
        let mut run: Option<((u32, u64), u64)> = None;
        for (&key, &n) in &self.chunk_lines {
            match &mut run {
                Some((start, sum)) if start.0 == key.0 && !keep.contains(&key) => *sum += n,
                _ => {
                    if let Some((start, sum)) = run.take() {
                        out.insert(start, sum);
                    }
                    if keep.contains(&key) {
                        out.insert(key, n);
                    } else {
                        run = Some((key, n));
                    }
                }
            }
        }
        if let Some((start, sum)) = run {
            out.insert(start, sum);
        }
        self.chunk_lines = out;
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

#[cfg(test)]
mod tests;

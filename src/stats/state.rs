//! The aggregate as plain data, for partial reports (`crate::partial`): names instead of
//! numbers, places as (source, line) instead of (source, chunk, line), every list in a fixed
//! order. So one input gives one state whatever the threads, chunk size or reader (file or
//! stream), and a state read back (`from_state`) merges as the aggregate it was made from.
//!
//! A state is taken after `Stats::finish`: the cut to `--max-codes` keeps the codes (and
//! groups) of smallest fixed hash and folds the rest into `(other)` by the rules `merge`
//! uses, so a code cut in one part is one no larger input keeps, and cutting each part
//! before merging gives what cutting the merged whole gives.

use std::borrow::Cow;
use std::collections::BTreeMap;

use foldhash::HashMap;
use serde::{Deserialize, Serialize};

use super::cap::hash_of;
use super::code::cut;
use super::{
    Aggregation, Bucket, Code, CodeStats, GroupBucket, MALFORMED_KEPT, MESSAGES_KEPT, OTHER, Pos,
    Sample, Stats, Totals,
};
use crate::latency::Latency;
use crate::record::{Malformed, Record};
use crate::time::Millis;

/// Everything `Stats` holds that a report reads, by name and line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub totals: Totals,
    pub span: Option<(Millis, Millis)>,
    pub latency: Option<Hist>,
    /// Group names by number, in byte order after the first, `""` (records without the
    /// field); the group `(other)`, with `other_group`, is number `groups.len()`.
    pub groups: Vec<String>,
    pub other_group: bool,
    /// Codes in byte order of their names; `(other)` is number `codes.len()`.
    pub codes: Vec<CodeState>,
    pub other_code: Option<Vec<GroupState>>,
    pub buckets: Vec<BucketState>,
    /// The buckets' width: `--bucket`'s, or the automatic series' (`Stats::width`).
    pub width: Option<Millis>,
    /// The first malformed lines in input order.
    pub malformed: Vec<MalformedState>,
}

/// A latency histogram: hdrhistogram's V2 bytes and the exact maximum (µs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hist {
    #[serde(with = "serde_bytes")]
    pub v2: Vec<u8>,
    pub max: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeState {
    pub name: String,
    /// By group number, ascending.
    pub groups: Vec<GroupState>,
}

/// One code in one group (`CodeStats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupState {
    pub group: u32,
    pub count: u64,
    pub first_seen: Option<Millis>,
    pub last_seen: Option<Millis>,
    /// The first request ids in input order; the latest, oldest first.
    pub first: Vec<SampleState>,
    pub latest: Vec<SampleState>,
    /// (text, count) in the order of the messages' fixed hash, then text.
    pub messages: Vec<(String, u64)>,
    pub latency: Option<Hist>,
}

/// A request id kept, with what orders it: its source and line, and its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleState {
    pub source: u32,
    pub line: u64,
    pub time: Option<Millis>,
    pub id: String,
    pub action: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketState {
    pub start: Millis,
    pub responses: u64,
    pub errors: u64,
    /// (code number, errors), by code number.
    pub codes: Vec<(u32, u64)>,
    pub groups: Vec<GroupBucketState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupBucketState {
    pub group: u32,
    pub responses: u64,
    pub errors: u64,
    pub codes: Vec<(u32, u64)>,
}

/// A malformed line: source (by number), 1-based line, reason as reports print it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MalformedState {
    pub source: u32,
    pub line: u64,
    pub reason: String,
}

const REASONS: [Malformed; 4] = [
    Malformed::InvalidUtf8,
    Malformed::InvalidJson,
    Malformed::TooLong,
    Malformed::TooDeep,
];

/// Line numbers of positions: the lines of a source's chunks before a position's chunk,
/// summed once for all chunks rather than once a position.
struct LineNumbers<'s> {
    stats: &'s Stats,
    before: BTreeMap<(u32, u64), u64>,
}

impl<'s> LineNumbers<'s> {
    fn new(stats: &'s Stats) -> LineNumbers<'s> {
        let mut before = BTreeMap::new();
        let (mut source, mut sum) = (None, 0);
        for (&(s, chunk), &n) in &stats.chunk_lines {
            if source != Some(s) {
                (source, sum) = (Some(s), 0);
            }
            before.insert((s, chunk), sum);
            sum += n;
        }
        LineNumbers { stats, before }
    }

    /// The 1-based line number of `pos` in its source.
    fn of(&self, pos: Pos) -> u64 {
        match self.before.get(&(pos.source, pos.chunk)) {
            Some(b) => b + pos.line + 1,
            None => self.stats.line_number(pos),
        }
    }
}

fn hist(l: &Latency) -> Option<Hist> {
    l.to_v2().map(|(v2, max)| Hist { v2, max })
}

fn latency(h: Option<Hist>) -> Result<Latency, String> {
    h.map_or(Ok(Latency::default()), |h| Latency::from_v2(&h.v2, h.max))
}

/// Says whether each item is `before` the next.
fn ascending<T>(v: &[T], before: impl Fn(&T, &T) -> bool) -> bool {
    v.windows(2).all(|w| before(&w[0], &w[1]))
}

impl Stats {
    /// Copies out the aggregate (finished: `finish`) as a `State`.
    pub fn to_state(&self) -> State {
        let lines = LineNumbers::new(self);
        let mut group_index = vec![u32::MAX; self.group_names.names.len()];
        let mut groups: Vec<&str> = self
            .group_ids
            .keys()
            .map(|n| &**n)
            .filter(|n| !n.is_empty())
            .collect();
        groups.sort_unstable();
        group_index[0] = 0;
        for (i, name) in (1..).zip(&groups) {
            group_index[self.group_ids[*name].0 as usize] = i;
        }
        // `(other)` only when something counts under it.
        let other_group = self.group_names.other.filter(|&o| {
            let in_codes = self.code_groups_by_id().any(|(_, g)| g == o);
            let in_buckets = self.buckets().any(|(_, b)| b.groups.contains_key(&o));
            in_codes || in_buckets
        });
        if let Some(o) = other_group {
            group_index[o as usize] = groups.len() as u32 + 1;
        }
        let mut codes: Vec<(&str, &Code)> = self.codes.iter().map(|(n, c)| (&**n, c)).collect();
        codes.sort_unstable_by_key(|(n, _)| *n);
        let mut code_index = vec![u32::MAX; self.code_names.names.len()];
        for (i, (_, c)) in (0..).zip(&codes) {
            code_index[c.id as usize] = i;
        }
        let other_code = self.other.as_ref().filter(|o| !o.groups.is_empty());
        if let Some(o) = other_code {
            code_index[o.id as usize] = codes.len() as u32;
        }
        let sample = |s: &Sample| SampleState {
            source: s.pos.source,
            line: lines.of(s.pos),
            time: s.time,
            id: s.id().to_string(),
            action: s.action().to_string(),
            region: s.region().to_string(),
        };
        let code_groups = |c: &Code| {
            let mut v: Vec<GroupState> = c
                .groups
                .iter()
                .map(|(&g, cs)| GroupState {
                    group: group_index[g as usize],
                    count: cs.count,
                    first_seen: cs.first_seen,
                    last_seen: cs.last_seen,
                    first: cs.first.iter().map(sample).collect(),
                    latest: cs.latest.iter().map(sample).collect(),
                    messages: cs
                        .messages
                        .iter()
                        .map(|(_, t, n)| (t.to_string(), *n))
                        .collect(),
                    latency: hist(&cs.latency),
                })
                .collect();
            v.sort_unstable_by_key(|g| g.group);
            v
        };
        let counts = |m: &HashMap<u32, u64>| {
            let mut v: Vec<(u32, u64)> = m
                .iter()
                .map(|(&id, &n)| (code_index[id as usize], n))
                .collect();
            v.sort_unstable();
            v
        };
        let buckets = self
            .buckets()
            .map(|(start, b)| {
                let mut groups: Vec<GroupBucketState> = b
                    .groups
                    .iter()
                    .map(|(&g, gb)| GroupBucketState {
                        group: group_index[g as usize],
                        responses: gb.responses,
                        errors: gb.errors,
                        codes: counts(&gb.codes),
                    })
                    .collect();
                groups.sort_unstable_by_key(|g| g.group);
                BucketState {
                    start,
                    responses: b.responses,
                    errors: b.errors,
                    codes: counts(&b.codes),
                    groups,
                }
            })
            .collect();
        State {
            totals: self.totals,
            span: self.span,
            latency: hist(&self.latency),
            groups: std::iter::once("")
                .chain(groups.iter().copied())
                .map(str::to_string)
                .collect(),
            other_group: other_group.is_some(),
            codes: codes
                .iter()
                .map(|(name, c)| CodeState {
                    name: name.to_string(),
                    groups: code_groups(c),
                })
                .collect(),
            other_code: other_code.map(code_groups),
            buckets,
            width: self.width,
            malformed: self
                .malformed
                .iter()
                .map(|(pos, why)| MalformedState {
                    source: pos.source,
                    line: lines.of(*pos),
                    reason: why.as_str().to_string(),
                })
                .collect(),
        }
    }

    /// Every (code number, group number) that holds counts.
    fn code_groups_by_id(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.codes
            .values()
            .chain(self.other.as_ref())
            .flat_map(|c| c.groups.keys().map(move |&g| (c.id, g)))
    }

    /// Rebuilds an aggregate of `shape` from a state whose sources are numbered from
    /// `first_source` in the whole (it has `sources` of them). A state that breaks what an
    /// aggregate keeps (order, bounds, names) is refused, saying what.
    pub fn from_state(
        state: State,
        shape: Aggregation,
        first_source: u32,
        sources: u32,
    ) -> Result<Stats, String> {
        let mut s = Stats::new(shape);
        s.totals = state.totals;
        if state.span.is_some_and(|(a, b)| a > b) {
            return Err("span ends before it starts".into());
        }
        s.span = state.span;
        s.latency = latency(state.latency)?;
        // A name as the aggregate keeps it: cut, never `(other)` itself (a log's is
        // bracketed once more), never `-` for a group (that is no group).
        let kept_name = |n: &str| !n.is_empty() && n != OTHER && cut(n) == n;
        if state.groups.first().map(String::as_str) != Some("")
            || !ascending(&state.groups, |a, b| a < b)
            || !state.groups[1..].iter().all(|g| kept_name(g) && g != "-")
        {
            return Err("group names out of order or not as kept".into());
        }
        for name in &state.groups[1..] {
            let id = s.group_names.push(name);
            s.group_ids
                .insert(name.as_str().into(), (id, hash_of(name)));
        }
        if state.other_group {
            s.group_names.other();
        }
        let group_count = state.groups.len() + state.other_group as usize;
        if !ascending(&state.codes, |a, b| a.name < b.name)
            || !state.codes.iter().all(|c| kept_name(&c.name))
        {
            return Err("code names out of order or not as kept".into());
        }
        let code_count = state.codes.len() + state.other_code.is_some() as usize;
        let place = |source: u32, line: u64| -> Result<Pos, String> {
            if source >= sources || line == 0 {
                return Err(format!("no line {line} in source {source}"));
            }
            Ok(Pos {
                source: first_source + source,
                chunk: 0,
                line: line - 1,
            })
        };
        let groups_of = |v: Vec<GroupState>| -> Result<HashMap<u32, CodeStats>, String> {
            if !ascending(&v, |a, b| a.group < b.group)
                || v.iter().any(|g| g.group as usize >= group_count)
            {
                return Err("code groups out of order or unknown".into());
            }
            let mut out = HashMap::default();
            for g in v {
                out.insert(g.group, code_stats(g, shape.samples, &place)?);
            }
            Ok(out)
        };
        for c in state.codes {
            let id = s.code_names.push(&c.name);
            let code = Code {
                id,
                hash: hash_of(&c.name),
                groups: groups_of(c.groups)?,
            };
            s.codes.insert(c.name.into(), code);
        }
        if let Some(groups) = state.other_code {
            let id = s.other_id();
            let groups = groups_of(groups)?;
            if let Some(o) = s.other.as_mut() {
                debug_assert_eq!(o.id, id);
                o.groups = groups;
            }
        }
        let counts = |v: Vec<(u32, u64)>| -> Result<HashMap<u32, u64>, String> {
            if !ascending(&v, |a, b| a.0 < b.0) || v.iter().any(|c| c.0 as usize >= code_count) {
                return Err("bucket codes out of order or unknown".into());
            }
            Ok(v.into_iter().collect())
        };
        let width_fits = match (shape.bucket, state.width) {
            (Some(b), Some(w)) => b == w,
            (None, Some(w)) => shape.auto_bucket && super::buckets::LADDER.contains(&w),
            (None, None) => !shape.auto_bucket,
            (Some(_), None) => false,
        };
        if !width_fits {
            return Err("time buckets of a width their settings do not give".into());
        }
        s.width = state.width;
        let off = shape.bucket_offset_ms;
        if !ascending(&state.buckets, |a, b| a.start < b.start)
            || state.buckets.iter().any(|b| {
                state
                    .width
                    .is_none_or(|w| w <= 0 || super::bucket_start(b.start, w, off) != b.start)
            })
        {
            return Err("time buckets out of order or off their width".into());
        }
        for b in state.buckets {
            if !ascending(&b.groups, |a, b| a.group < b.group)
                || b.groups.iter().any(|g| g.group as usize >= group_count)
            {
                return Err("bucket groups out of order or unknown".into());
            }
            let mut groups = HashMap::default();
            for g in b.groups {
                let gb = GroupBucket {
                    responses: g.responses,
                    errors: g.errors,
                    codes: counts(g.codes)?,
                };
                groups.insert(g.group, gb);
            }
            let bucket = Bucket {
                responses: b.responses,
                errors: b.errors,
                codes: counts(b.codes)?,
                groups,
            };
            s.buckets.insert(b.start, bucket);
        }
        if state.malformed.len() > MALFORMED_KEPT {
            return Err("too many malformed samples".into());
        }
        for m in state.malformed {
            let why = REASONS
                .into_iter()
                .find(|r| r.as_str() == m.reason)
                .ok_or_else(|| format!("unknown malformed reason {:?}", m.reason))?;
            s.malformed.push((place(m.source, m.line)?, why));
        }
        if !ascending(&s.malformed, |a, b| a.0 < b.0) {
            return Err("malformed samples out of order".into());
        }
        Ok(s)
    }
}

/// One code in one group, read back.
fn code_stats(
    g: GroupState,
    samples: usize,
    place: &impl Fn(u32, u64) -> Result<Pos, String>,
) -> Result<CodeStats, String> {
    let sample = |s: SampleState| -> Result<Sample, String> {
        let record = Record {
            time: s.time,
            action: Some(Cow::Borrowed(&s.action)),
            region: Some(Cow::Borrowed(&s.region)),
            ..Record::default()
        };
        let mut out = Sample::default();
        out.set(place(s.source, s.line)?, &record, &s.id);
        Ok(out)
    };
    let first = g
        .first
        .into_iter()
        .map(sample)
        .collect::<Result<Vec<_>, _>>()?;
    let latest = g
        .latest
        .into_iter()
        .map(sample)
        .collect::<Result<Vec<_>, _>>()?;
    if first.len() > samples
        || latest.len() > samples
        || !ascending(&first, |a, b| a.pos < b.pos)
        || !ascending(&latest, |a, b| a.recency() < b.recency())
    {
        return Err("request-id samples out of order or too many".into());
    }
    let messages: Vec<(u64, Box<str>, u64)> = g
        .messages
        .into_iter()
        .map(|(text, n)| (hash_of(&text), text.into_boxed_str(), n))
        .collect();
    if messages.len() > MESSAGES_KEPT
        || !ascending(&messages, |a, b| (a.0, &a.1) < (b.0, &b.1))
        || messages.iter().any(|(_, t, n)| *n == 0 || cut(t) != &**t)
    {
        return Err("messages out of order, empty or too many".into());
    }
    if g.count == 0 {
        return Err("a code counted no error".into());
    }
    Ok(CodeStats {
        count: g.count,
        first_seen: g.first_seen,
        last_seen: g.last_seen,
        first,
        latest,
        messages,
        latency: latency(g.latency)?,
    })
}

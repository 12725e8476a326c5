//! What is known of one code in one group: its count, times, kept RequestIds (the first
//! and the latest), messages (a bottom-k sample by hash, with exact counts) and latency.

use std::hash::BuildHasher;

use foldhash::HashMap;
use foldhash::fast::FixedState;

use std::collections::hash_map::Entry;

use super::{Code, MESSAGES_KEPT, Pos, TEXT_MAX, only};
use crate::latency::Latency;
use crate::record::{NO_CODE, Record};
use crate::time::Millis;

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
    pub(super) fn recency(&self) -> (Option<Millis>, Pos) {
        (self.time, self.pos)
    }

    /// Fills this sample (its buffer reused) from a record.
    pub(super) fn set(&mut self, pos: Pos, r: &Record<'_>, id: &str) {
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

/// Counts an error in its code's group.
#[inline]
pub(super) fn add_error(
    known: &mut Code,
    split: bool,
    group: u32,
    pos: Pos,
    r: &Record<'_>,
    samples: usize,
) {
    let c = if split {
        known.groups.entry(group).or_default()
    } else {
        // Without a split each code has one group, 0: no need to look it up.
        only(&mut known.groups)
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
pub(super) fn merge_group(
    into: &mut HashMap<u32, CodeStats>,
    group: u32,
    cs: CodeStats,
    samples: usize,
) {
    match into.entry(group) {
        Entry::Vacant(v) => {
            v.insert(cs);
        }
        Entry::Occupied(o) => o.into_mut().merge(cs, samples),
    }
}

impl CodeStats {
    pub(super) fn merge(&mut self, other: CodeStats, samples: usize) {
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
    pub(super) fn add_sample(&mut self, pos: Pos, r: &Record<'_>, id: &str, samples: usize) {
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
pub(super) fn insert_by<T, K: Ord>(v: &mut Vec<T>, cap: usize, item: T, key: impl Fn(&T) -> K) {
    let k = key(&item);
    if cap == 0 || (v.len() == cap && v.last().is_some_and(|last| key(last) <= k)) {
        return;
    }
    let at = v.partition_point(|x| key(x) < k);
    v.insert(at, item);
    v.truncate(cap);
}

/// Keeps `v` sorted by recency and at most `cap` long, holding the latest items seen.
pub(super) fn insert_latest(v: &mut Vec<Sample>, cap: usize, item: Sample) {
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

pub(super) fn min_opt(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Counts a message in a bottom-k sample keyed by a fixed hash of its text.
pub(super) fn add_message(v: &mut Vec<(u64, Box<str>, u64)>, text: &str, n: u64) {
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

/// Puts a name spelled `(other)`, `((other))`, … in one more pair of brackets, so that
/// `OTHER` only ever means the codes (or groups) past the cap and no two names in a log
/// become one.
pub(super) fn unlike_other(name: &str) -> std::borrow::Cow<'_, str> {
    let inner = name.trim_start_matches('(');
    let depth = name.len() - inner.len();
    if depth > 0 && inner.strip_suffix(&")".repeat(depth)) == Some("other") {
        std::borrow::Cow::Owned(format!("({name})"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// `unlike_other` for a code, and likewise for one spelled `(no code)`, `((no code))`, …
/// unless it is the placeholder an SDK error without a code is counted under (`placeholder`),
/// so that `NO_CODE` only ever means those.
pub(super) fn unlike_reserved(code: &str, placeholder: bool) -> std::borrow::Cow<'_, str> {
    if placeholder && code == NO_CODE {
        return std::borrow::Cow::Borrowed(code);
    }
    let inner = code.trim_start_matches('(');
    let depth = code.len() - inner.len();
    if depth > 0 && inner.strip_suffix(&")".repeat(depth)) == NO_CODE.get(1..NO_CODE.len() - 1) {
        return std::borrow::Cow::Owned(format!("({code})"));
    }
    unlike_other(code)
}

/// Cuts text to `TEXT_MAX` bytes at a character boundary.
pub(super) fn cut(s: &str) -> &str {
    if s.len() <= TEXT_MAX {
        return s;
    }
    let mut end = TEXT_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

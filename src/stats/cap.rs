//! The cap on distinct codes and groups (`--max-codes`): a set of names kept by the
//! smallest fixed hash of their text, let in lazily and cut back, with the counts of what a
//! cut lets go moved to `OTHER`. Keeping by hash, not by arrival, is what makes the kept
//! set the same for any partition of the input: a name among the global smallest is never
//! cut anywhere.

use std::hash::BuildHasher;

use foldhash::HashMap;
use foldhash::fast::FixedState;

use super::{GroupBucket, OTHER, Stats, merge_group};

/// A set of names with numbers, capped at a number of members by the smallest hash of
/// their text; what is past the cap goes to the `OTHER` member. The cap is kept lazily:
/// members are let in up to `Names::limit`, then cut back to the cap. A member keeps its
/// number while it is kept, so a cut rewrites only the counts of the members it cut.
#[derive(Debug, Clone)]
pub(super) struct Names {
    /// Each member's text by number; `None` for a number freed by a cut.
    pub(super) names: Vec<Option<Box<str>>>,
    pub(super) free: Vec<u32>,
    /// (hash, text) of the largest member kept at the last cut: a name above it can go
    /// straight to `OTHER`, since as many smaller ones are known already.
    pub(super) bar: Option<(u64, Box<str>)>,
    pub(super) other: Option<u32>,
}

/// The fixed hash that orders codes, groups and messages for the caps.
pub(super) fn hash_of(text: &str) -> u64 {
    FixedState::with_seed(0x5eed).hash_one(text)
}

impl Names {
    pub(super) fn new() -> Names {
        Names {
            names: Vec::new(),
            free: Vec::new(),
            bar: None,
            other: None,
        }
    }

    /// How many members are let in before a cut back to `cap`: twice the cap, and at least
    /// a thousand more, so that a small cap does not cut at every new name.
    pub(super) fn limit(cap: usize) -> usize {
        cap.saturating_mul(2).max(cap.saturating_add(1024))
    }

    pub(super) fn push(&mut self, name: &str) -> u32 {
        if let Some(id) = self.free.pop() {
            self.names[id as usize] = Some(name.into());
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 names");
        self.names.push(Some(name.into()));
        id
    }

    /// Says whether a new name is past the cap already.
    pub(super) fn past_bar(&self, hash: u64, name: &str) -> bool {
        self.bar
            .as_ref()
            .is_some_and(|(h, n)| (hash, name) > (*h, &**n))
    }

    /// The number of `OTHER`, made on first use.
    pub(super) fn other(&mut self) -> u32 {
        match self.other {
            Some(id) => id,
            None => {
                let id = self.push(OTHER);
                self.other = Some(id);
                id
            }
        }
    }

    pub(super) fn name(&self, id: u32) -> &str {
        self.names[id as usize].as_deref().unwrap_or(OTHER)
    }

    /// Cuts the members in `live` (number, hash, name) to the `keep` smallest hashes and
    /// frees the numbers of the others, which it returns (with `OTHER` made for them).
    /// The caller moves their counts to `OTHER` before a number is used again.
    pub(super) fn cut(
        &mut self,
        live: &mut [(u32, u64, Box<str>)],
        keep: usize,
    ) -> Vec<(u32, Box<str>)> {
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
    pub(super) fn marks(&self, gone: &[(u32, Box<str>)]) -> Vec<bool> {
        let mut marks = vec![false; self.names.len()];
        for (id, _) in gone {
            marks[*id as usize] = true;
        }
        marks
    }
}

/// The lower of two bars: each says that many names below it were seen.
pub(super) fn lower_bar(
    a: Option<(u64, Box<str>)>,
    b: Option<(u64, Box<str>)>,
) -> Option<(u64, Box<str>)> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A bucket's counts with their codes renumbered (several may become one).
pub(super) fn renumbered(m: HashMap<u32, u64>, new: impl Fn(u32) -> u32) -> HashMap<u32, u64> {
    let mut out = HashMap::default();
    for (id, n) in m {
        *out.entry(new(id)).or_default() += n;
    }
    out
}

impl Stats {
    /// Keeps the `keep` codes of smallest hash and folds the others into `OTHER`.
    pub(super) fn cut_codes(&mut self, keep: usize) {
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
        let samples = self.aggregation.samples;
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
    pub(super) fn cut_groups(&mut self) {
        self.settle();
        let mut live: Vec<(u32, u64, Box<str>)> = self
            .group_ids
            .iter()
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, &(id, hash))| (id, hash, name.clone()))
            .collect();
        let gone = self.group_names.cut(&mut live, self.aggregation.max_codes);
        if gone.is_empty() {
            return;
        }
        let other = self.group_names.other();
        for (_, name) in &gone {
            self.group_ids.remove(name);
        }
        let gone = self.group_names.marks(&gone);
        let map = |id: u32| if gone[id as usize] { other } else { id };
        let samples = self.aggregation.samples;
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
        if self.codes.len() > self.aggregation.max_codes {
            self.cut_codes(self.aggregation.max_codes);
        }
        if self.group_ids.len() > self.aggregation.max_codes.saturating_add(1) {
            self.cut_groups();
        }
        self.settle();
        self.bound_auto();
    }
}

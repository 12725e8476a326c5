use super::code::add_message;
use super::*;
use std::borrow::Cow;

fn shape() -> Aggregation {
    Aggregation {
        bucket: Some(60_000),
        auto_bucket: false,
        samples: 2,
        group_by: None,
        max_codes: 10_000,
        bucket_offset_ms: 0,
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
    let shape = Aggregation {
        bucket: Some(60_000),
        auto_bucket: false,
        samples: 2,
        group_by: Some(GroupBy::Region),
        max_codes: max,
        bucket_offset_ms: 0,
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
    let all: u64 = one.codes.values().map(count).sum::<u64>() + count(one.other.as_ref().unwrap());
    assert_eq!(all, N);
    // Groups: 8 regions, the empty one, and OTHER.
    let groups: std::collections::BTreeSet<&str> = one.code_groups().map(|(_, g, _)| g).collect();
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

#[test]
fn compacted_line_counts_number_the_kept_lines_alike() {
    let mut s = Stats::new(shape());
    for chunk in 0..10_000u64 {
        s.add_chunk(0, chunk, 1 + chunk % 3);
        if chunk % 997 == 5 {
            s.add_malformed(
                Pos {
                    source: 0,
                    chunk,
                    line: chunk % 2,
                },
                Malformed::InvalidJson,
            );
        }
    }
    let before: Vec<u64> = s.malformed.iter().map(|(p, _)| s.line_number(*p)).collect();
    s.compact_chunk_lines();
    let after: Vec<u64> = s.malformed.iter().map(|(p, _)| s.line_number(*p)).collect();
    assert_eq!(before, after);
    assert!(
        s.chunk_lines.len() <= 2 * MALFORMED_KEPT + 1,
        "{}",
        s.chunk_lines.len()
    );
    assert_eq!(
        s.totals.lines,
        (0..10_000u64).map(|c| 1 + c % 3).sum::<u64>()
    );
}

#[test]
fn names_spelled_as_the_placeholder_stay_apart() {
    use super::code::unlike_other;
    assert_eq!(unlike_other("(other)"), "((other))");
    assert_eq!(unlike_other("((other))"), "(((other)))");
    assert_eq!(unlike_other("(other"), "(other");
    assert_eq!(unlike_other("(x)"), "(x)");
    assert_eq!(unlike_other("other"), "other");
    use super::code::unlike_reserved;
    assert_eq!(unlike_reserved("(no code)", true), "(no code)");
    assert_eq!(unlike_reserved("(no code)", false), "((no code))");
    assert_eq!(unlike_reserved("((no code))", true), "(((no code)))");
    assert_eq!(unlike_reserved("(other)", true), "((other))");
    assert_eq!(unlike_reserved("no code", false), "no code");
}

/// Automatic buckets widen where the whole input would: any partition, merged in any
/// tree, ends at the same width with the same counts.
#[test]
fn automatic_buckets_end_at_one_width_for_any_partition() {
    let auto = Aggregation {
        auto_bucket: true,
        bucket: None,
        ..shape()
    };
    // 3,000 seconds of one response each, then a gap and 20 more: 1s buckets outgrow
    // `AUTO_LIMIT`, 5s ones do not.
    let times: Vec<Millis> = (0..3000).chain(10_000..10_020).map(|s| s * 1000).collect();
    let run = |part: &dyn Fn(usize) -> usize, n: usize| {
        let mut parts: Vec<Stats> = (0..n).map(|_| Stats::new(auto)).collect();
        for (i, &t) in times.iter().enumerate() {
            let code = (i % 7 == 0).then_some("X");
            let r = Record {
                code: code.map(Cow::Borrowed),
                time: Some(t),
                ..Record::default()
            };
            parts[part(i)].add_response(pos(i as u64), &r);
        }
        let mut all = parts.remove(0);
        for p in parts {
            all.merge(p);
        }
        all.finish();
        let buckets: Vec<(Millis, u64, u64)> = all
            .buckets()
            .map(|(t, b)| (t, b.responses, b.errors))
            .collect();
        (all.width(), buckets)
    };
    let whole = run(&|_| 0, 1);
    assert_eq!(whole.0, Some(5_000));
    assert_eq!(whole.1.len(), 600 + 4);
    for (n, part) in [
        (2, &(|i: usize| i % 2) as &dyn Fn(usize) -> usize),
        (3, &|i: usize| (i / 700) % 3),
        (2, &|i: usize| usize::from(i >= 2990)),
    ] {
        assert_eq!(run(part, n), whole, "{n} parts");
    }
}

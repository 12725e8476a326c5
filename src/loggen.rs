//! A deterministic generator of realistic API logs, for benchmarks and tests.
//!
//! Same seed, same bytes, on every machine: the random numbers come from SplitMix64, kept
//! here rather than from a crate because a benchmark's input must not change when a
//! dependency's algorithm does. Lines are envelopes, bare responses and text-prefixed
//! responses; about 85% succeed; error codes follow a Zipf law over the built-in catalog;
//! messages mix English, Chinese and Korean; envelopes carry latency.

use std::io::{self, Write};

use crate::catalog::Catalog;
use crate::time;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Stop once at least this many bytes are written.
    pub bytes: u64,
    /// Share of lines that succeed.
    pub success: f64,
    /// Time of the first line (epoch millis) and mean gap between lines.
    pub start: i64,
    pub gap_ms: i64,
    /// Share of envelope, bare and text-prefixed lines (the rest of 1.0 is text).
    pub envelope: f64,
    pub bare: f64,
    pub prefixed: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            bytes: 1 << 20,
            success: 0.85,
            start: 1_795_687_200_000, // 2026-11-26T10:00:00Z
            gap_ms: 20,
            envelope: 0.80,
            bare: 0.10,
            prefixed: 0.08,
        }
    }
}

/// SplitMix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

const ACTIONS: [&str; 8] = [
    "DescribeDBInstances",
    "CreateDBInstance",
    "ModifyDBInstanceName",
    "RestartDBInstances",
    "DescribeBackups",
    "DescribeSlowLogs",
    "CreateBackup",
    "DescribeDBSecurityGroups",
];
const REGIONS: [&str; 6] = [
    "ap-seoul",
    "ap-guangzhou",
    "ap-shanghai",
    "ap-tokyo",
    "na-siliconvalley",
    "eu-frankfurt",
];
const MESSAGES: [&str; 6] = [
    "The request could not be completed. Please retry later.",
    "实例状态异常，请稍后重试。",
    "요청 처리 중 오류가 발생했습니다.",
    "Parameter `InstanceId` is invalid: cdb-0a1b2c3d.",
    "操作失败：任务冲突 (task conflict)。",
    "Your request is too frequent.",
];

/// Writes generated lines to `out`; returns the number of lines.
pub fn generate(opts: &Options, out: &mut impl Write) -> io::Result<u64> {
    let catalog = Catalog::builtin();
    let codes: Vec<&str> = catalog.iter().map(|(c, _)| c).collect();
    // Zipf(s = 1.1) over a seed-shuffled order of the codes.
    let mut rng = Rng::new(opts.seed);
    let mut order: Vec<usize> = (0..codes.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let weights: Vec<f64> = (1..=codes.len())
        .map(|k| 1.0 / (k as f64).powf(1.1))
        .collect();
    let total: f64 = weights.iter().sum();
    let cumulative: Vec<f64> = weights
        .iter()
        .scan(0.0, |acc, w| {
            *acc += w / total;
            Some(*acc)
        })
        .collect();
    let mut written = 0u64;
    let mut lines = 0u64;
    let mut t = opts.start;
    let mut line = String::with_capacity(512);
    while written < opts.bytes {
        line.clear();
        t += rng.below(2 * opts.gap_ms as u64 + 1) as i64;
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.next_u64() as u32,
            rng.next_u64() as u16,
            rng.below(0x1000),
            rng.below(0x1000),
            rng.next_u64() & 0xffff_ffff_ffff
        );
        let response = if rng.unit() < opts.success {
            format!(
                r#"{{"Response":{{"TotalCount":{},"InstanceSet":[],"RequestId":"{id}"}}}}"#,
                rng.below(50)
            )
        } else {
            let u = rng.unit();
            let rank = cumulative.partition_point(|c| *c < u).min(codes.len() - 1);
            let code = codes[order[rank]];
            let message = MESSAGES[rng.below(MESSAGES.len() as u64) as usize];
            format!(
                r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"{message}"}},"RequestId":"{id}"}}}}"#
            )
        };
        let shape = rng.unit();
        let ts = time::format(t);
        let action = ACTIONS[rng.below(ACTIONS.len() as u64) as usize];
        let region = REGIONS[rng.below(REGIONS.len() as u64) as usize];
        let latency = 5.0 + (rng.unit() * rng.unit() * 3000.0);
        if shape < opts.envelope {
            line.push_str(&format!(
                r#"{{"ts":"{ts}","action":"{action}","region":"{region}","service":"cdb","latency_ms":{latency:.1},"response":{response}}}"#
            ));
        } else if shape < opts.envelope + opts.bare {
            line.push_str(&response);
        } else if shape < opts.envelope + opts.bare + opts.prefixed {
            line.push_str(&format!("{ts} INFO api call {action} {response}"));
        } else {
            line.push_str(&format!("{ts} DEBUG worker heartbeat ok"));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
        lines += 1;
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes() {
        let opts = Options {
            bytes: 50_000,
            ..Options::default()
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        generate(&opts, &mut a).unwrap();
        generate(&opts, &mut b).unwrap();
        assert_eq!(a, b);
        assert!(a.len() >= 50_000);
        let other = Options { seed: 2, ..opts };
        let mut c = Vec::new();
        generate(&other, &mut c).unwrap();
        assert_ne!(a, c);
    }
}

//! Writes a generated, realistic API log to stdout (or a file), for benchmarks.
//!
//! `cargo run --release --example gen -- [--bytes 200M] [--seed 1] [--success 0.85] [-o FILE]`

use std::io::{self, BufWriter, Write};

use errstat::loggen::{Options, generate};

fn bytes(s: &str) -> Option<u64> {
    let (num, scale) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1 << 10),
        'M' | 'm' => (&s[..s.len() - 1], 1 << 20),
        'G' | 'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * scale)
}

fn main() -> io::Result<()> {
    let mut opts = Options::default();
    let mut output = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        let bad = || io::Error::other(format!("{flag} {value:?}: bad value"));
        match flag.as_str() {
            "--bytes" => opts.bytes = bytes(&value).ok_or_else(bad)?,
            "--seed" => opts.seed = value.parse().map_err(|_| bad())?,
            "--success" => opts.success = value.parse().map_err(|_| bad())?,
            "-o" => output = Some(value),
            _ => return Err(io::Error::other(format!("unknown flag {flag}"))),
        }
    }
    let out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    generate(&opts, &mut out)?;
    out.flush()
}

//! Earlier runs read back, for `--baseline` and `errstat diff` (issue #24): a JSON report
//! (`errstat.report/v1`, the file `-o before.json` writes) or a partial
//! (`errstat.partial/v1`), as the errors by code and what they are out of.

use std::io;
use std::path::Path;

use serde_json::Value;

use crate::error::Error;
use crate::partial;
use crate::report::Baseline;
use crate::stats::OTHER;
use crate::time;

/// Reads an earlier run from `path`: a partial by its first bytes, else a JSON report.
pub fn load(path: &Path) -> Result<Baseline, Error> {
    let name = path.display().to_string();
    let bad = |why: String| Error::Input {
        input: name.clone(),
        error: io::Error::new(io::ErrorKind::InvalidData, why),
    };
    let bytes = std::fs::read(path).map_err(|error| Error::Input {
        input: name.clone(),
        error,
    })?;
    if bytes.starts_with(partial::SCHEMA.as_bytes()) {
        let mut m = partial::Merger::new();
        m.add(&name, &bytes)?;
        let covered = m.finish().expect("one partial added");
        let mut b = Baseline::of_stats(&covered.stats, name);
        b.filters = filters(&covered.settings);
        return Ok(b);
    }
    let doc: Value = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("neither a partial nor a JSON report ({e})")))?;
    of_report(&doc, name.clone()).map_err(bad)
}

/// The filters a run was made with, as its flags: what it left out is absent from it.
pub fn filters(s: &partial::Settings) -> Vec<String> {
    let re = |flag: &str, r: &Option<String>| r.as_ref().map(|r| format!("{flag} {r:?}"));
    let at = |flag: &str, t: Option<crate::time::Millis>| {
        t.map(|t| format!("{flag} {}", time::format(t)))
    };
    [
        re("--code", &s.code),
        re("--action", &s.action),
        re("--region", &s.region),
        at("--since", s.since),
        at("--until", s.until),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Reads a JSON report's errors by code (summed over groups; `(other)` left out: it is many
/// codes), its responses (unless its rates were unknown) and its span.
fn of_report(doc: &Value, source: String) -> Result<Baseline, String> {
    if doc["schema"] != "errstat.report/v1" {
        return Err("not an errstat JSON report (schema errstat.report/v1)".into());
    }
    let totals = &doc["totals"];
    let responses = match totals["error_rate"] {
        Value::Null => None,
        _ => Some(
            totals["responses"]
                .as_u64()
                .ok_or("totals.responses missing")?,
        ),
    };
    let at = |k: &str| doc["span"][k].as_str().and_then(time::parse_str);
    let span = at("first").zip(at("last"));
    let mut codes: Vec<(String, u64)> = Vec::new();
    let mut folded = 0u64;
    for row in doc["codes"].as_array().ok_or("codes missing")? {
        let code = row["code"].as_str().ok_or("a code row without a code")?;
        let count = row["count"].as_u64().ok_or("a code row without a count")?;
        if code == OTHER {
            folded = folded.saturating_add(count);
            continue;
        }
        match codes.iter_mut().find(|(c, _)| c == code) {
            Some((_, n)) => *n = n.saturating_add(count),
            None => codes.push((code.to_string(), count)),
        }
    }
    codes.sort();
    Ok(Baseline {
        source,
        codes,
        responses,
        span,
        folded,
        filters: Vec::new(),
    })
}

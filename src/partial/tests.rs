use super::*;
use crate::scan::{self, ScanSettings};
use crate::stats::GroupBy;

fn settings(shape: Aggregation) -> Settings {
    Settings {
        aggregation: shape,
        group_by: Some("region".into()),
        code: None,
        action: None,
        region: None,
        since: None,
        until: None,
        time_key: vec!["ts".into()],
        action_key: Vec::new(),
        service_key: Vec::new(),
        region_key: Vec::new(),
        latency_key: Vec::new(),
        response_path: None,
        max_line: 1 << 20,
        catalog: catalog_version(&Catalog::builtin()),
        assume_tz: None,
    }
}

fn shape() -> Aggregation {
    Aggregation {
        group_by: Some(GroupBy::Region),
        max_codes: 4,
        ..Aggregation::with_bucket(Some(60_000))
    }
}

/// A generated log with malformed lines, read as one source.
fn covered(seed: u64) -> Covered {
    let mut data = Vec::new();
    let options = crate::loggen::Options {
        seed,
        bytes: 40_000,
        ..crate::loggen::Options::default()
    };
    crate::loggen::generate(&options, &mut data).unwrap();
    data.extend_from_slice(b"{\"Response\":\n{not json}\n");
    let scan = ScanSettings {
        chunk_size: 4096,
        ..ScanSettings::new(shape())
    };
    let mut stats = scan::fold_bytes(&data, 0, 0, &scan);
    stats.finish();
    Covered {
        settings: settings(scan.aggregation),
        inputs: Inputs {
            sources: vec!["log".into()],
            read: 1,
            ..Inputs::default()
        },
        stats,
    }
}

fn bytes(c: &Covered) -> Vec<u8> {
    let mut out = Vec::new();
    encode(c, &mut out).unwrap();
    out
}

fn merged(parts: &[(&str, &[u8])]) -> Result<Covered, Error> {
    let mut m = Merger::new();
    for (name, b) in parts {
        m.add(name, b)?;
    }
    Ok(m.finish().expect("some added"))
}

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn a_partial_read_back_writes_the_same_bytes() {
    let c = covered(7);
    assert!(c.stats.totals.malformed >= 2 && c.stats.other.is_some());
    let b = bytes(&c);
    assert!(b.starts_with(b"errstat.partial/v1\n"));
    assert_eq!(bytes(&merged(&[("a", &b)]).unwrap()), b);
}

#[test]
fn merged_partials_renumber_their_sources() {
    let (a, b) = (bytes(&covered(1)), bytes(&covered(2)));
    let m = merged(&[("a", &a), ("b", &b)]).unwrap();
    assert_eq!(m.inputs.sources, ["log", "log"]);
    // The first ten malformed lines: those of the first source before the second's.
    let sources: Vec<u32> = m.stats.malformed.iter().map(|(p, _)| p.source).collect();
    assert!(sources.windows(2).all(|w| w[0] <= w[1]), "{sources:?}");
    assert!(sources.contains(&1));
    // Merging is associative: (a b) c == a (b c) == a b c.
    let c = bytes(&covered(3));
    let ab = bytes(&merged(&[("a", &a), ("b", &b)]).unwrap());
    let bc = bytes(&merged(&[("b", &b), ("c", &c)]).unwrap());
    let all = bytes(&merged(&[("a", &a), ("b", &b), ("c", &c)]).unwrap());
    assert_eq!(bytes(&merged(&[("ab", &ab), ("c", &c)]).unwrap()), all);
    assert_eq!(bytes(&merged(&[("a", &a), ("bc", &bc)]).unwrap()), all);
}

#[test]
fn cut_flipped_and_foreign_partials_are_refused_in_one_line() {
    let b = bytes(&covered(5));
    for cut in (0..b.len()).step_by(7).chain([b.len() - 1]) {
        let e = message(merged(&[("p", &b[..cut])]).unwrap_err());
        assert!(e.starts_with("p: ") && !e.contains('\n'), "{cut}: {e}");
    }
    for at in (0..b.len()).step_by(11) {
        let mut flipped = b.clone();
        flipped[at] ^= 0x20;
        assert!(merged(&[("p", &flipped)]).is_err(), "{at}");
    }
    let mut longer = b.clone();
    longer.push(b'\n');
    assert!(message(merged(&[("p", &longer)]).unwrap_err()).contains("1 bytes after"));
    let e = message(merged(&[("p", b"{\"schema\":\"errstat.report/v1\"}")]).unwrap_err());
    assert!(e.contains("not an errstat partial"), "{e}");
    let mut v2 = b.clone();
    v2[17] = b'2';
    let e = message(merged(&[("p", &v2)]).unwrap_err());
    assert!(
        e.contains("errstat.partial/v2: this errstat reads errstat.partial/v1"),
        "{e}"
    );
}

#[test]
fn partials_of_other_settings_are_refused_naming_the_setting() {
    let a = covered(1);
    let mut b = covered(2);
    b.settings.aggregation.samples = 5;
    let e = message(merged(&[("a", &bytes(&a)), ("b", &bytes(&b))]).unwrap_err());
    assert!(e.contains("b: made with --samples 5, a with 3"), "{e}");
    b.settings = a.settings.clone();
    b.settings.catalog = "0".into();
    let e = message(merged(&[("a", &bytes(&a)), ("b", &bytes(&b))]).unwrap_err());
    assert!(e.contains("--catalog"), "{e}");
}

//! A latency histogram as bytes, in hdrhistogram's own V2 serialization, for partial
//! reports: any HDR tool can read it, and the exact maximum travels beside it. Reading one
//! gives back counts of the layout `record` makes (flat where they fit), so a histogram
//! that crossed a process answers and merges as one that never left.

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};

use super::{
    Counts, FLAT_MAX_MICROS, Flat, Latency, MAX_MICROS, NARROW_MAX, SIGNIFICANT_DIGITS, empty,
    flat_index, flat_value,
};

impl Latency {
    /// Serializes the counts (V2) with the exact largest value in µs; `None` when empty.
    /// The bytes depend on the counts alone: they are copied into a new histogram, each at
    /// its bucket's lowest value, so flat, narrow and wide counts of the same values, and
    /// histograms grown in other steps, write the same bytes.
    pub fn to_v2(&self) -> Option<(Vec<u8>, u64)> {
        let mut h = empty::<u64>();
        // Values are at most a day, which the histogram grows to hold.
        match self.hist.as_ref()? {
            Counts::Flat(f) => {
                for (i, &n) in f.counts.iter().enumerate() {
                    if n > 0 {
                        let _ = h.record_n(flat_value(i), u64::from(n));
                    }
                }
            }
            Counts::Narrow(narrow) => {
                for v in narrow.iter_recorded() {
                    let at = narrow.lowest_equivalent(v.value_iterated_to());
                    let _ = h.record_n(at, u64::from(v.count_at_value()));
                }
            }
            Counts::Wide(wide) => {
                for v in wide.iter_recorded() {
                    let _ = h.record_n(
                        wide.lowest_equivalent(v.value_iterated_to()),
                        v.count_at_value(),
                    );
                }
            }
        }
        let mut out = Vec::new();
        // No count passes the values recorded, far below i64::MAX; a Vec takes any write.
        V2Serializer::new().serialize(&h, &mut out).ok()?;
        Some((out, self.max))
    }

    /// Reads counts written by `to_v2`; a histogram of another layout, or a maximum outside
    /// its last bucket, is refused.
    pub fn from_v2(bytes: &[u8], max: u64) -> Result<Latency, String> {
        let h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut &bytes[..])
            .map_err(|e| format!("latency histogram: {e}"))?;
        if h.low() != 1 || h.sigfig() != SIGNIFICANT_DIGITS {
            return Err("latency histogram of another layout".into());
        }
        if h.is_empty() {
            return Err("empty latency histogram".into());
        }
        if max > MAX_MICROS || !h.equivalent(h.max(), max) {
            return Err("latency maximum outside its histogram".into());
        }
        let counts = if h.max() < FLAT_MAX_MICROS && h.len() < NARROW_MAX {
            let mut f = Flat::new();
            for v in h.iter_recorded() {
                // Fewer than `NARROW_MAX` values in all: each count fits.
                f.counts[flat_index(v.value_iterated_to())] += v.count_at_value() as u32;
                f.len += v.count_at_value();
            }
            Counts::Flat(f)
        } else if h.len() <= NARROW_MAX {
            let mut narrow = Box::new(empty::<u32>());
            for v in h.iter_recorded() {
                // At most a day, and each count at most the total: both fit.
                let _ = narrow.record_n(v.value_iterated_to(), v.count_at_value() as u32);
            }
            Counts::Narrow(narrow)
        } else {
            let mut wide = Box::new(empty::<u64>());
            for v in h.iter_recorded() {
                let _ = wide.record_n(v.value_iterated_to(), v.count_at_value());
            }
            Counts::Wide(wide)
        };
        Ok(Latency {
            hist: Some(counts),
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(l: &Latency) -> Latency {
        let (bytes, max) = l.to_v2().expect("values");
        Latency::from_v2(&bytes, max).expect("read back")
    }

    #[test]
    fn flat_and_grown_histograms_come_back_with_their_percentiles() {
        let mut flat = Latency::default();
        let mut grown = Latency::default();
        for i in 0..5_000u32 {
            flat.record(f64::from(i % 997) * 0.37);
            grown.record(f64::from(i) * 13.1);
        }
        grown.record(90_000_000.0);
        for l in [&flat, &grown] {
            let back = round_trip(l);
            assert_eq!(back.percentiles(), l.percentiles());
            assert_eq!(back.len(), l.len());
            assert_eq!(back.to_v2(), l.to_v2());
        }
        assert!(matches!(round_trip(&flat).hist, Some(Counts::Flat(_))));
        // The same values as flat counts and as a histogram write the same bytes.
        let mut unflat = flat.clone();
        if let Some(c) = unflat.hist.as_mut() {
            c.unflatten();
        }
        assert!(matches!(unflat.hist, Some(Counts::Narrow(_))));
        assert_eq!(unflat.to_v2(), flat.to_v2());
        // Merging what came back equals merging the originals.
        let (mut a, mut b) = (flat.clone(), round_trip(&flat));
        a.merge(grown.clone());
        b.merge(round_trip(&grown));
        assert_eq!(a.percentiles(), b.percentiles());
    }

    #[test]
    fn empty_foreign_and_cut_histograms_are_refused() {
        assert!(Latency::default().to_v2().is_none());
        let mut l = Latency::default();
        l.record(12.5);
        let (bytes, max) = l.to_v2().unwrap();
        assert!(Latency::from_v2(&bytes, max + 1_000).is_err());
        for cut in 0..bytes.len() {
            assert!(Latency::from_v2(&bytes[..cut], max).is_err(), "{cut}");
        }
        let mut other = Histogram::<u64>::new_with_bounds(1, 1000, 3).unwrap();
        other.record(5).unwrap();
        let mut foreign = Vec::new();
        V2Serializer::new().serialize(&other, &mut foreign).unwrap();
        assert!(Latency::from_v2(&foreign, 5).is_err());
    }
}

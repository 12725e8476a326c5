//! Tail probabilities of the binomial and Poisson laws, in log space.
//!
//! A spike's significance is often a probability no `f64` can hold, so every function here
//! returns its natural logarithm and never forms a probability that could underflow. The
//! point probability at the start of a tail comes from Loader's saddle-point form
//! (`stirlerr`, `bd0`, as R's `dbinom` and `dpois` compute it), which keeps its relative
//! accuracy for counts of any size; the tail is that point times a sum of term ratios, taken
//! outwards from it and stopped when a geometric bound on what is left is below 1e-17 of the
//! sum. Each ratio is below one and falls, so the bound holds, and the sum takes about as
//! many terms as the tail has standard deviations' worth of counts before it fades. The
//! tail on the far side of the mean is one minus the near one, which is then at most about a
//! half, so nothing cancels.

/// ln(sqrt(2π)).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// ln P(X >= k) for X ~ Binomial(n, p): the chance of `k` or more errors among `n`
/// responses when each is an error with probability `p`.
pub fn ln_binomial_upper(k: u64, n: u64, p: f64) -> f64 {
    // An undefined rate makes nothing significant.
    if k == 0 || p.is_nan() {
        return 0.0;
    }
    if k > n || p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let (kf, nf, q) = (k as f64, n as f64, 1.0 - p);
    if kf >= nf * p {
        // P(X = k) · Σ_j Π_{i<j} (n-k-i)/(k+1+i) · p/q.
        let odds = p / q;
        ln_binomial_point(k, n, p) + ln_series(n - k, |i| (nf - kf - i) / (kf + 1.0 + i) * odds)
    } else {
        // 1 − P(X <= k−1), with P(X <= m) = P(X = m) · Σ_j Π_{i<j} (m-i)/(n-m+1+i) · q/p.
        let m = k - 1;
        let mf = m as f64;
        let odds = q / p;
        let lower =
            ln_binomial_point(m, n, p) + ln_series(m, |i| (mf - i) / (nf - mf + 1.0 + i) * odds);
        ln_one_minus_exp(lower)
    }
}

/// ln P(X >= k) for X ~ Poisson(mean): the chance of `k` or more events when `mean` are
/// expected.
pub fn ln_poisson_upper(k: u64, mean: f64) -> f64 {
    if k == 0 || mean.is_nan() || mean.is_infinite() {
        return 0.0;
    }
    if mean <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let kf = k as f64;
    if kf >= mean {
        // P(X = k) · Σ_j Π_{i<j} mean/(k+1+i).
        ln_poisson_point(k, mean) + ln_series(u64::MAX, |i| mean / (kf + 1.0 + i))
    } else {
        // 1 − P(X <= k−1), with P(X <= m) = P(X = m) · Σ_j Π_{i<j} (m-i)/mean.
        let m = k - 1;
        let mf = m as f64;
        let lower = ln_poisson_point(m, mean) + ln_series(m, |i| (mf - i) / mean);
        ln_one_minus_exp(lower)
    }
}

/// ln P(X = k) for X ~ Binomial(n, p), 0 < p < 1, k <= n (Loader's form).
pub fn ln_binomial_point(k: u64, n: u64, p: f64) -> f64 {
    let (kf, nf, q) = (k as f64, n as f64, 1.0 - p);
    if k == 0 {
        return if p < 0.1 {
            -bd0(nf, nf * q) - nf * p
        } else {
            nf * q.ln()
        };
    }
    if k == n {
        return if q < 0.1 {
            -bd0(nf, nf * p) - nf * q
        } else {
            nf * p.ln()
        };
    }
    let lc =
        stirlerr(nf) - stirlerr(kf) - stirlerr(nf - kf) - bd0(kf, nf * p) - bd0(nf - kf, nf * q);
    // ln(2π k (n−k)/n), the normalising factor, without forming k(n−k).
    let lf = 2.0 * LN_SQRT_2PI + kf.ln() + (-kf / nf).ln_1p();
    lc - 0.5 * lf
}

/// ln P(X = k) for X ~ Poisson(mean), mean > 0 (Loader's form).
pub fn ln_poisson_point(k: u64, mean: f64) -> f64 {
    if k == 0 {
        return -mean;
    }
    let kf = k as f64;
    -stirlerr(kf) - bd0(kf, mean) - LN_SQRT_2PI - 0.5 * kf.ln()
}

/// ln Σ_{j=0}^{terms} Π_{i<j} ratio(i), for a `ratio` below one that falls as `i` grows
/// (every caller's is), so that what is left after a term is below term · r / (1 − r).
fn ln_series(terms: u64, ratio: impl Fn(f64) -> f64) -> f64 {
    let (mut sum, mut term) = (1.0f64, 1.0f64);
    let mut i = 0u64;
    while i < terms {
        let r = ratio(i as f64);
        if r <= 0.0 {
            break;
        }
        term *= r;
        sum += term;
        if r < 1.0 && term * r / (1.0 - r) < 1e-17 * sum {
            break;
        }
        i += 1;
    }
    sum.ln()
}

/// ln(1 − e^x) for x <= 0, accurate near both ends.
fn ln_one_minus_exp(x: f64) -> f64 {
    if x >= 0.0 {
        f64::NEG_INFINITY
    } else if x > -std::f64::consts::LN_2 {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// The error of Stirling's formula, ln(n!) − ln(sqrt(2πn) (n/e)^n), for n >= 1.
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        // ln(n!) summed exactly enough for these few terms.
        let ln_factorial: f64 = (2..=n as u64).map(|i| (i as f64).ln()).sum();
        return ln_factorial - (n + 0.5) * n.ln() + n - LN_SQRT_2PI;
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// x ln(x/m) + m − x, the deviance term, without the cancellation when x is near m.
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    x * (x / m).ln() + m - x
}

/// ln P(X >= k) for X ~ Binomial(n, p) by summing every term from ln n! as a sum of logs:
/// slow and plain, the reference the fast form is held to for small n.
#[cfg(test)]
pub fn ln_binomial_upper_direct(k: u64, n: u64, p: f64) -> f64 {
    let mut ln_fact = vec![0.0f64; n as usize + 1];
    for i in 2..=n as usize {
        ln_fact[i] = ln_fact[i - 1] + (i as f64).ln();
    }
    let terms: Vec<f64> = (k..=n)
        .map(|j| {
            let (j, n) = (j as usize, n as usize);
            ln_fact[n] - ln_fact[j] - ln_fact[n - j]
                + j as f64 * p.ln()
                + (n - j) as f64 * (1.0 - p).ln()
        })
        .collect();
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
}

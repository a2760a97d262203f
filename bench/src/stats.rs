//! Medians, geometric means and the number formats used in the tables.

use std::time::Duration;

/// The median of `samples` (the mean of the middle two for an even count); zero for none.
pub fn median(samples: &[Duration]) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// The geometric mean of positive `ratios`; `None` when there are none.
pub fn geomean(ratios: &[f64]) -> Option<f64> {
    let usable: Vec<f64> = ratios
        .iter()
        .copied()
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    if usable.is_empty() {
        return None;
    }
    let log_sum: f64 = usable.iter().map(|r| r.ln()).sum();
    Some((log_sum / usable.len() as f64).exp())
}

/// `a / b` as a ratio, `None` when `b` is zero.
pub fn ratio(a: Duration, b: Duration) -> Option<f64> {
    (!b.is_zero()).then(|| a.as_secs_f64() / b.as_secs_f64())
}

/// A duration in the unit that suits it: `0.12 µs`, `812 µs`, `3.41 ms`, `1.234 s`
/// (below 10 µs with decimals, so that the Sightglass markers' cost does not read 0).
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 1e-3 {
        format!("{:.2} ms", secs * 1e3)
    } else if secs >= 1e-5 {
        format!("{:.0} µs", secs * 1e6)
    } else {
        format!("{:.2} µs", secs * 1e6)
    }
}

/// A ratio with two decimals followed by `×`, or `n/a`.
pub fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{r:.2}×"))
}

/// A byte count in KiB or MiB.
pub fn fmt_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[ms(5), ms(1), ms(3)]), ms(3));
        assert_eq!(
            median(&[ms(4), ms(1), ms(3), ms(2)]),
            Duration::from_micros(2500)
        );
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn geomean_ignores_unusable_ratios() {
        let g = geomean(&[2.0, 8.0]).unwrap();
        assert!((g - 4.0).abs() < 1e-12);
        assert!((geomean(&[0.5, 2.0, f64::NAN, 0.0]).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(geomean(&[]), None);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_duration(Duration::from_nanos(120)), "0.12 µs");
        assert_eq!(fmt_duration(Duration::from_micros(812)), "812 µs");
        assert_eq!(fmt_duration(Duration::from_micros(3410)), "3.41 ms");
        assert_eq!(fmt_duration(Duration::from_millis(1234)), "1.234 s");
        assert_eq!(fmt_ratio(ratio(ms(3), ms(2))), "1.50×");
        assert_eq!(fmt_ratio(ratio(ms(3), Duration::ZERO)), "n/a");
        assert_eq!(fmt_size(2048), "2.0 KiB");
        assert_eq!(fmt_size(3 << 20), "3.00 MiB");
    }
}

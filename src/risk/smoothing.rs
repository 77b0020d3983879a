//! Empirical Bayes smoothing of rates: small areas borrow strength from their surroundings.
//!
//! One stunted child among three measured is a raw prevalence of 33%, and that number
//! says more about chance than about the area. Empirical Bayes (Marshall 1991) shrinks each
//! raw rate `eᵢ / bᵢ` (events: stunted children; base: children measured) towards a prior
//! mean, the more so the smaller `bᵢ` is. Large areas keep their own rate.
//!
//! Both estimators follow PySAL's `esda.smoothing` (esda 2.9.0) formula for formula, and
//! `tests/python/test_pysal.py` checks them against it to 1e-6:
//!
//! * [`global_empirical_bayes`] is `Empirical_Bayes(e, b)`: the prior is the city-wide
//!   rate `r = Σe / Σb` with variance `s² = Σ bᵢ (eᵢ/bᵢ − r)² / Σb − r / mean(b)`, and
//!   `smoothed = w·raw + (1 − w)·r` with `w = s² / (s² + r / bᵢ)`.
//! * [`spatial_empirical_bayes`] is `Spatial_Empirical_Bayes(e, b, w)`: the same, with the
//!   prior taken over the area and its neighbours (`rᵢ = Σe / Σb` over the area and its
//!   neighbours; `mean(b)` over those `nᵢ + 1` areas).
//!
//! # Where we differ from esda, on purpose
//! * A negative variance estimate (rates more alike than chance allows) means "no
//!   evidence of real differences": it is set to 0, so every rate becomes the prior mean.
//!   esda clamps it in the spatial estimator but not in the global one, where a negative
//!   weight would push rates *away* from the mean; the cross-check uses data where the
//!   global estimate is positive.
//! * An area with no children measured (`bᵢ = 0`) has no raw rate; it gets the prior mean
//!   (esda returns NaN). Such an area contributes nothing to a neighbour's variance
//!   (its weight `bⱼ` is 0; esda would propagate its NaN).
//! * With no events at all (prior mean 0) every smoothed rate is 0 (esda divides 0 by 0).

/// Raw rate `e / b`, or `None` when `b` is 0.
#[must_use]
pub fn raw_rate(events: f64, base: f64) -> Option<f64> {
    (base > 0.0).then(|| events / base)
}

/// Shrinks `raw` towards `prior` with Marshall's weight `var / (var + prior / base)`.
fn shrink(raw: Option<f64>, base: f64, prior: f64, var: f64) -> f64 {
    let Some(raw) = raw else { return prior };
    let var = var.max(0.0);
    let denom = var + prior / base;
    if denom > 0.0 {
        prior + (raw - prior) * (var / denom)
    } else {
        prior
    }
}

/// Global Empirical Bayes rates (Marshall's global estimator), one per area.
///
/// `events[i]` of `bases[i]` (stunted of measured). Returns an empty vector when the
/// slices are empty or when no child was measured at all.
///
/// # Example
/// ```
/// use sigap::risk::smoothing::global_empirical_bayes;
/// // City rate 41/202 ≈ 0.2. The tiny area (1 of 2) is pulled most of the way to it,
/// // the large one (30 of 100) keeps most of its own rate.
/// let r = global_empirical_bayes(&[1.0, 30.0, 10.0], &[2.0, 100.0, 100.0]);
/// assert!(r[0] > 0.2 && r[0] < 0.25);
/// assert!(r[1] > 0.27 && r[1] < 0.3);
/// ```
#[must_use]
pub fn global_empirical_bayes(events: &[f64], bases: &[f64]) -> Vec<f64> {
    assert_eq!(events.len(), bases.len(), "one event count per base");
    let n = bases.len();
    let b_sum: f64 = bases.iter().sum();
    if n == 0 || b_sum <= 0.0 {
        return Vec::new();
    }
    let prior = events.iter().sum::<f64>() / b_sum;
    let spread: f64 = events
        .iter()
        .zip(bases)
        .filter_map(|(&e, &b)| raw_rate(e, b).map(|r| b * (r - prior).powi(2)))
        .sum();
    let var = spread / b_sum - prior / (b_sum / n as f64);
    events
        .iter()
        .zip(bases)
        .map(|(&e, &b)| shrink(raw_rate(e, b), b, prior, var))
        .collect()
}

/// Spatial Empirical Bayes rates: each area shrinks towards the rate of its
/// neighbourhood (itself and `neighbours[i]`, which must not contain `i`).
///
/// An area whose neighbourhood has no child measured gets 0.
///
/// # Example
/// ```
/// use sigap::risk::smoothing::spatial_empirical_bayes;
/// let chain = vec![vec![1], vec![0, 2], vec![1]];
/// let r = spatial_empirical_bayes(&[0.0, 5.0, 10.0], &[10.0, 10.0, 10.0], &chain);
/// assert!(r[0] <= r[1] && r[1] <= r[2]);
/// ```
#[must_use]
pub fn spatial_empirical_bayes(
    events: &[f64],
    bases: &[f64],
    neighbours: &[Vec<usize>],
) -> Vec<f64> {
    assert_eq!(events.len(), bases.len(), "one event count per base");
    assert_eq!(
        events.len(),
        neighbours.len(),
        "one neighbour list per area"
    );
    (0..events.len())
        .map(|i| {
            let hood = || neighbours[i].iter().copied().chain(std::iter::once(i));
            let e_sum: f64 = hood().map(|j| events[j]).sum();
            let b_sum: f64 = hood().map(|j| bases[j]).sum();
            if b_sum <= 0.0 {
                return 0.0;
            }
            let prior = e_sum / b_sum;
            let spread: f64 = hood()
                .filter_map(|j| {
                    raw_rate(events[j], bases[j]).map(|r| bases[j] * (r - prior).powi(2))
                })
                .sum();
            let count = (neighbours[i].len() + 1) as f64;
            let var = spread / b_sum - prior / (b_sum / count);
            shrink(raw_rate(events[i], bases[i]), bases[i], prior, var)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_by_hand() {
        // e = [1, 3], b = [4, 4]: r = 0.5, raw = [0.25, 0.75]
        // s² = (4·0.0625 + 4·0.0625)/8 − 0.5/4 = 0.0625 − 0.125 < 0 → 0: all at the mean.
        let r = global_empirical_bayes(&[1.0, 3.0], &[4.0, 4.0]);
        assert!(r.iter().all(|x| (x - 0.5).abs() < 1e-12), "{r:?}");
        // e = [0, 10], b = [10, 10]: r = 0.5, s² = (10·0.25·2)/20 − 0.5/10 = 0.2,
        // w = 0.2 / (0.2 + 0.05) = 0.8, smoothed = [0.1, 0.9].
        let r = global_empirical_bayes(&[0.0, 10.0], &[10.0, 10.0]);
        assert!(
            (r[0] - 0.1).abs() < 1e-12 && (r[1] - 0.9).abs() < 1e-12,
            "{r:?}"
        );
    }

    #[test]
    fn small_areas_move_more() {
        let r = global_empirical_bayes(&[1.0, 1.0, 20.0, 2.0], &[2.0, 20.0, 50.0, 40.0]);
        let prior = 24.0 / 112.0;
        // Area 0 (raw 0.5, 2 children) ends closer to the prior than its raw rate.
        assert!((r[0] - prior).abs() < (0.5 - prior));
        assert!(r[0] > prior);
    }

    #[test]
    fn empty_and_zero_bases() {
        assert!(global_empirical_bayes(&[], &[]).is_empty());
        assert!(global_empirical_bayes(&[0.0], &[0.0]).is_empty());
        let r = global_empirical_bayes(&[0.0, 10.0, 0.0], &[10.0, 10.0, 0.0]);
        assert!((r[2] - 0.5).abs() < 1e-12, "no children: the prior mean");
        let zero = global_empirical_bayes(&[0.0, 0.0], &[3.0, 5.0]);
        assert_eq!(zero, vec![0.0, 0.0]);
    }

    #[test]
    fn spatial_chain_by_hand() {
        // Chain 0 - 1 - 2, e = [0, 10, 10], b = [10, 10, 10].
        // Area 0: hood {0, 1}: prior 0.5, s² = (10·0.25 + 10·0.25)/20 − 0.5/10 = 0.2,
        // w = 0.8, raw 0 → 0.1.
        let chain = vec![vec![1], vec![0, 2], vec![1]];
        let r = spatial_empirical_bayes(&[0.0, 10.0, 10.0], &[10.0, 10.0, 10.0], &chain);
        assert!((r[0] - 0.1).abs() < 1e-12, "{r:?}");
        // Area 2: hood {1, 2}: both rates 1 → prior 1, s² = 0 − 1/10 < 0 → 0: stays 1.
        assert!((r[2] - 1.0).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn isolated_area_without_children() {
        let r = spatial_empirical_bayes(&[0.0, 3.0], &[0.0, 6.0], &[vec![], vec![]]);
        assert!(r[0].abs() < 1e-12 && (r[1] - 0.5).abs() < 1e-12, "{r:?}");
    }
}

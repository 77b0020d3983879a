//! Hot spots: where high values cluster more than chance allows (Getis-Ord Gi*).
//!
//! A single red hexagon may be noise; a ring of red hexagons around one is a pattern a
//! planner can act on. Gi* compares the sum of values in an area's neighbourhood
//! (itself included) with what a random arrangement of the same values would give, and
//! returns a z-score: large positive in a cluster of high values (hot), large negative in
//! a cluster of low values (cold).
//!
//! [`getis_ord_gi_star`] follows PySAL's `esda.getisord.G_Local(y, w, transform='B',
//! star=True)` (esda 2.9.0): binary weights, self included, analytical moments
//! `E = cᵢ/n`, `V = cᵢ(n − cᵢ)/(n − 1) / n² · s²/ȳ²` with `cᵢ` the neighbourhood size
//! (self included) and `s²` the population variance of `y`. Its p-value is esda's
//! `p_norm`, **one-sided**: `P(Z > |z|)`.
//!
//! Many areas are tested at once, so [`classify`] corrects for the false-discovery rate
//! with Benjamini-Hochberg on the **two-sided** p-values (`2·p`, the convention of
//! `ArcGIS`'s hot-spot analysis where 95% means |z| > 1.96): an area is significant at level
//! α when its BH-adjusted p-value is below α, which rejects exactly the p-values below
//! `esda.fdr(2p, α)` (a strict step-up, as esda does). The family is every area,
//! including those with too few children.
//!
//! Areas with fewer than `min_base` children still enter the statistic with their value
//! (they are part of their neighbours' surroundings), but are never classified hot or
//! cold: they are [`HotSpot::TooFew`].
//!
//! A field where every value is equal (or every area neighbours every other) has no
//! variance to test against: z = 0 and p = 0.5 there (esda returns NaN).

use serde::Serialize;

/// Gi* for one area.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GiStar {
    /// Standardised Gi*: positive where high values cluster.
    pub z: f64,
    /// One-sided p-value `P(Z > |z|)`, esda's `p_norm`.
    pub p: f64,
}

/// Gi* z-scores and p-values, one per area.
///
/// `neighbours[i]` lists the areas next to `i` (not `i` itself; it is added).
///
/// # Example
/// ```
/// use sigap::risk::hotspot::getis_ord_gi_star;
/// let chain = vec![vec![1], vec![0, 2], vec![1]];
/// let g = getis_ord_gi_star(&[5.0, 5.0, 5.0], &chain);
/// assert!(g.iter().all(|g| g.z == 0.0));
/// ```
#[must_use]
pub fn getis_ord_gi_star(y: &[f64], neighbours: &[Vec<usize>]) -> Vec<GiStar> {
    assert_eq!(y.len(), neighbours.len(), "one neighbour list per value");
    let n = y.len() as f64;
    let sum: f64 = y.iter().sum();
    let mean = sum / n;
    // Two passes, not Σy²/n − ȳ², and a variance below rounding (relative to ȳ²)
    // taken as 0: when every value is equal every z is then exactly 0, where the
    // one-pass form leaves noise (|z| up to 1e-6 seen with 100,000 children) that
    // could pass for a statistic.
    let variance = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let variance = if variance <= 1e-24 * mean * mean {
        0.0
    } else {
        variance
    };
    neighbours
        .iter()
        .enumerate()
        .map(|(i, hood)| {
            let local: f64 = y[i] + hood.iter().map(|&j| y[j]).sum::<f64>();
            let c = (hood.len() + 1) as f64;
            let expected = c / n;
            let var = c * (n - c) / (n - 1.0) / (n * n) * variance / (mean * mean);
            let z = if var > 0.0 && var.is_finite() {
                (local / sum - expected) / var.sqrt()
            } else {
                0.0
            };
            GiStar {
                z,
                p: normal_sf(z.abs()),
            }
        })
        .collect()
}

/// Survival function of the standard normal distribution, `P(Z > x)`.
///
/// `erfc` by its power series for small arguments and by a continued fraction (Lentz)
/// for large ones; relative error near 1e-15 over the range that matters here.
#[must_use]
pub fn normal_sf(x: f64) -> f64 {
    if x < 0.0 {
        return 1.0 - normal_sf(-x);
    }
    0.5 * erfc(x / std::f64::consts::SQRT_2)
}

#[expect(
    clippy::many_single_char_names,
    reason = "the continued fraction's usual names"
)]
fn erfc(x: f64) -> f64 {
    let two_over_sqrt_pi = std::f64::consts::FRAC_2_SQRT_PI;
    if x < 2.5 {
        // erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)), all terms positive.
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x * x / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - two_over_sqrt_pi * (-x * x).exp() * sum
    } else {
        // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
        let tiny = 1e-300;
        let mut f = x;
        let mut c = x;
        let mut d = 0.0;
        for k in 1..200 {
            let a = f64::from(k) / 2.0;
            d = x + a * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = x + a / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x * x).exp() / f * (two_over_sqrt_pi / 2.0)
    }
}

/// Benjamini-Hochberg adjusted p-values ("q-values"), in the input order:
/// `qᵢ = min over p₍ⱼ₎ ≥ pᵢ of n·p₍ⱼ₎/j`, at most 1.
#[must_use]
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let n = p.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; n];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * n as f64 / (rank + 1) as f64);
        q[i] = running;
    }
    q
}

/// Confidence levels of a hot or cold spot.
pub const LEVELS: [(Confidence, f64); 3] = [
    (Confidence::P99, 0.01),
    (Confidence::P95, 0.05),
    (Confidence::P90, 0.10),
];

/// The confidence of a significant hot or cold spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Confidence {
    #[serde(rename = "90")]
    P90,
    #[serde(rename = "95")]
    P95,
    #[serde(rename = "99")]
    P99,
}

/// What an area is after the FDR correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "class", content = "confidence")]
pub enum HotSpot {
    Hot(Confidence),
    Cold(Confidence),
    /// Not significant at 90% after the FDR correction.
    None,
    /// Fewer children measured than the minimum: never called hot or cold.
    TooFew,
}

impl HotSpot {
    /// Short label for tiles and tables: `hot_99`, `cold_90`, `none`, `too_few`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Hot(Confidence::P99) => "hot_99",
            Self::Hot(Confidence::P95) => "hot_95",
            Self::Hot(Confidence::P90) => "hot_90",
            Self::Cold(Confidence::P99) => "cold_99",
            Self::Cold(Confidence::P95) => "cold_95",
            Self::Cold(Confidence::P90) => "cold_90",
            Self::None => "none",
            Self::TooFew => "too_few",
        }
    }
}

/// Classifies each area from its Gi*, the BH-adjusted two-sided p-values and its
/// number of children measured. Returns the adjusted p-values with the classes.
#[must_use]
pub fn classify(gi: &[GiStar], bases: &[f64], min_base: f64) -> (Vec<f64>, Vec<HotSpot>) {
    assert_eq!(gi.len(), bases.len(), "one base per area");
    let two_sided: Vec<f64> = gi.iter().map(|g| (2.0 * g.p).min(1.0)).collect();
    let q = benjamini_hochberg(&two_sided);
    let classes = gi
        .iter()
        .zip(&q)
        .zip(bases)
        .map(|((g, &q), &b)| {
            if b < min_base {
                return HotSpot::TooFew;
            }
            let Some(&(level, _)) = LEVELS.iter().find(|(_, alpha)| q < *alpha) else {
                return HotSpot::None;
            };
            if g.z > 0.0 {
                HotSpot::Hot(level)
            } else if g.z < 0.0 {
                HotSpot::Cold(level)
            } else {
                HotSpot::None
            }
        })
        .collect();
    (q, classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_matches_tables() {
        // Values from scipy.stats.norm.sf.
        for (x, want) in [
            (0.0, 0.5),
            (1.0, 0.158_655_253_931_457_05),
            (1.959_963_984_540_054, 0.025),
            (2.5, 0.006_209_665_325_776_132),
            (3.6, 0.000_159_108_590_157_533_64),
            (4.0, 3.167_124_183_311_986e-5),
            (8.0, 6.220_960_574_271_74e-16),
        ] {
            let got = normal_sf(x);
            assert!(
                (got - want).abs() <= 1e-14 + 1e-12 * want,
                "sf({x}) = {got}, want {want}"
            );
        }
        assert!((normal_sf(-1.0) - (1.0 - 0.158_655_253_931_457_05)).abs() < 1e-14);
    }

    #[test]
    fn chain_by_hand() {
        // y = [1, 2, 3] on the chain 0 - 1 - 2; n = 3, Σy = 6, ȳ = 2, s² = 14/3 − 4 = 2/3.
        // Area 0: c = 2, G = 3/6 = 0.5, E = 2/3, V = 2·1/2/9 · (2/3)/4 = 1/54.
        let chain = vec![vec![1], vec![0, 2], vec![1]];
        let g = getis_ord_gi_star(&[1.0, 2.0, 3.0], &chain);
        let z0 = (0.5 - 2.0 / 3.0) / (1.0_f64 / 54.0).sqrt();
        assert!((g[0].z - z0).abs() < 1e-12, "{g:?}");
        assert!((g[2].z + z0).abs() < 1e-12, "symmetric: {g:?}");
        // Area 1 neighbours everyone: no variance left, z = 0.
        assert!(g[1].z.abs() < 1e-12 && (g[1].p - 0.5).abs() < 1e-12);
        assert!((g[0].p - normal_sf(z0.abs())).abs() < 1e-15);
    }

    #[test]
    fn constant_field_is_not_a_hot_spot() {
        let hood = vec![vec![1], vec![0], vec![3], vec![2]];
        let g = getis_ord_gi_star(&[0.3; 4], &hood);
        assert!(g.iter().all(|g| g.z == 0.0 && (g.p - 0.5).abs() < 1e-15));
        let (_, classes) = classify(&g, &[10.0; 4], 5.0);
        assert!(classes.iter().all(|c| *c == HotSpot::None));
    }

    #[test]
    fn bh_by_hand() {
        // p sorted 0.01, 0.02, 0.03, 0.5 (n = 4): n·p/rank = 0.04, 0.04, 0.04, 0.5.
        let q = benjamini_hochberg(&[0.5, 0.03, 0.01, 0.02]);
        let want = [0.5, 0.04, 0.04, 0.04];
        assert!(
            q.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12),
            "{q:?}"
        );
    }

    #[test]
    fn clusters_are_hot_and_cold_unless_too_few() {
        // Two blocks of 10 areas in a ring of 40; high values in block 0, low in block 2.
        let n = 40;
        let ring: Vec<Vec<usize>> = (0..n)
            .map(|i| vec![(i + n - 2) % n, (i + n - 1) % n, (i + 1) % n, (i + 2) % n])
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| match i / 10 {
                0 => 0.6,
                2 => 0.05,
                _ => 0.2 + 0.01 * f64::from((i % 3) as u8),
            })
            .collect();
        let g = getis_ord_gi_star(&y, &ring);
        let mut bases = vec![20.0; n];
        bases[5] = 3.0;
        let (_, classes) = classify(&g, &bases, 5.0);
        assert!(matches!(classes[4], HotSpot::Hot(_)), "{classes:?}");
        assert_eq!(classes[5], HotSpot::TooFew);
        assert!(matches!(classes[25], HotSpot::Cold(_)), "{classes:?}");
    }

    #[test]
    fn equal_values_give_exactly_zero() {
        // 0.1 is not exact in binary: the one-pass variance of these is not 0.
        let y = vec![0.1_f64; 1000];
        let hood: Vec<Vec<usize>> = (0..1000).map(|i| vec![(i + 1) % 1000]).collect();
        for g in getis_ord_gi_star(&y, &hood) {
            assert!(g.z == 0.0, "{}", g.z);
        }
    }
}

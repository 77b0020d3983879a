//! How stable a top-N ranking is when the weights move by ±20%.
//!
//! Scenarios, in this order: the weights as given; the 2^6 = 64 corners (factor `i`
//! ×1.2 when bit `i` of the corner number is set, else ×0.8, factors in
//! [`Factor::ALL`](super::Factor::ALL) order); then one weight at a time, ×0.8 and ×1.2
//! for each factor in order (12). 77 in all. In each scenario every area is scored
//! with [`weighted_score`] from its normalised values and ranked by score, highest
//! first, ties by code.

use super::{FACTORS, weighted_score};
use serde::Serialize;

/// Relative move of each weight.
pub const MOVE: f64 = 0.2;

/// How one village of the top N fares across the scenarios.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankRange {
    /// Index into the areas given.
    #[serde(skip)]
    pub index: usize,
    pub min_rank: usize,
    pub max_rank: usize,
    /// Share of scenarios where it is in the top N (0..1).
    pub top_share: f64,
}

/// The stability of one ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Stability {
    pub scenarios: usize,
    /// One per village of the base top N, in base rank order.
    pub top: Vec<RankRange>,
    /// Indices of villages outside the base top N that enter it in some scenario,
    /// with the share of scenarios they are in it.
    pub entrants: Vec<(usize, f64)>,
}

impl Stability {
    /// Indices of the villages in the top N in every scenario.
    #[must_use]
    pub fn always_top(&self) -> Vec<usize> {
        self.top
            .iter()
            .filter(|r| r.top_share >= 1.0)
            .map(|r| r.index)
            .collect()
    }
}

/// The weight sets of every scenario (see the module doc).
#[must_use]
pub fn scenarios(base: &[f64; FACTORS]) -> Vec<[f64; FACTORS]> {
    let (down, up) = (1.0 - MOVE, 1.0 + MOVE);
    let mut out = vec![*base];
    for corner in 0..(1u32 << FACTORS) {
        let mut w = *base;
        for (i, x) in w.iter_mut().enumerate() {
            *x *= if corner & (1 << i) != 0 { up } else { down };
        }
        out.push(w);
    }
    for i in 0..FACTORS {
        for m in [down, up] {
            let mut w = *base;
            w[i] *= m;
            out.push(w);
        }
    }
    out
}

/// Area indices ordered by score under `weights`, highest first, ties by code.
#[must_use]
pub fn ranking(
    normalised: &[[f64; FACTORS]],
    codes: &[&str],
    weights: &[f64; FACTORS],
) -> Vec<usize> {
    let scores: Vec<f64> = normalised
        .iter()
        .map(|n| weighted_score(n, weights))
        .collect();
    let mut order: Vec<usize> = (0..normalised.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then_with(|| codes[a].cmp(codes[b]))
    });
    order
}

/// Ranks the areas under every scenario and reports on the base top `top`.
#[must_use]
pub fn stability(
    normalised: &[[f64; FACTORS]],
    codes: &[&str],
    base: &[f64; FACTORS],
    top: usize,
) -> Stability {
    let n = normalised.len();
    let all = scenarios(base);
    let mut min_rank = vec![usize::MAX; n];
    let mut max_rank = vec![0; n];
    let mut in_top = vec![0usize; n];
    for w in &all {
        for (pos, &i) in ranking(normalised, codes, w).iter().enumerate() {
            let rank = pos + 1;
            min_rank[i] = min_rank[i].min(rank);
            max_rank[i] = max_rank[i].max(rank);
            if rank <= top {
                in_top[i] += 1;
            }
        }
    }
    let share = |i: usize| in_top[i] as f64 / all.len() as f64;
    let base_order = ranking(normalised, codes, base);
    let top_set: Vec<usize> = base_order.iter().take(top).copied().collect();
    Stability {
        scenarios: all.len(),
        top: top_set
            .iter()
            .map(|&i| RankRange {
                index: i,
                min_rank: min_rank[i],
                max_rank: max_rank[i],
                top_share: share(i),
            })
            .collect(),
        entrants: base_order
            .iter()
            .skip(top)
            .filter(|&&i| in_top[i] > 0)
            .map(|&i| (i, share(i)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_scenarios_and_spots_a_swap() {
        assert_eq!(scenarios(&[1.0; FACTORS]).len(), 1 + 64 + 12);
        // a leads on factor 0, b on factor 1, nearly tied: moving the weights swaps them;
        // c is last everywhere.
        let n = [
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.98, 0.0, 0.0, 0.0, 0.0],
            [0.1, 0.1, 0.0, 0.0, 0.0, 0.0],
        ];
        let w = [1.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let s = stability(&n, &["a", "b", "c"], &w, 1);
        assert_eq!(s.top.len(), 1);
        assert_eq!(s.top[0].index, 0);
        assert_eq!((s.top[0].min_rank, s.top[0].max_rank), (1, 2));
        assert!(s.top[0].top_share < 1.0 && s.top[0].top_share > 0.0);
        assert_eq!(s.entrants.len(), 1);
        assert!(s.always_top().is_empty());
        let s = stability(&n, &["a", "b", "c"], &w, 2);
        assert_eq!(s.always_top(), vec![0, 1]);
    }
}

//! The reason a village is a priority, in plain Bahasa Indonesia, quoting the same
//! numbers the API returns.
//!
//! Example: "23 anak stunting (tertinggi ke-3) dari 74 diukur, prevalensi 31%
//! (dihaluskan 28%, tertinggi ke-2), 41% rumah tangga tanpa jamban (tertinggi ke-4),
//! 7,2 km ke puskesmas terdekat (terjauh ke-5)" (with a road network: "18 menit ke
//! puskesmas terdekat", by `[roads] access_mode`).
//!
//! - Phrases follow the factors' contributions, largest first; at most
//!   [`MAX_PHRASES`] are given, and only factors that add to the score (the first is
//!   always given when one is known).
//! - Prevalence and the stunted count make one phrase, placed by their summed
//!   contribution. "prevalensi 31%" is the raw stunted / measured; the smoothed
//!   prevalence the score uses follows as "dihaluskan", and "tertinggi ke-N" is the
//!   rank of the value just before it among the villages where it is known (ties share
//!   the best rank).
//! - Unknown factors are said at the end: "belum ada anak diukur", "belum ada data
//!   rumah tangga", "belum ada puskesmas".
//! - Numbers are Indonesian: decimal comma, thousands dot; percentages are whole.

use super::{FACTORS, Factor, RiskScore};

/// Most factor phrases in one reason.
pub const MAX_PHRASES: usize = 3;

/// What the reason of one village is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReasonInput<'a> {
    pub children: u32,
    pub stunted: u32,
    /// The score as served (values, contributions).
    pub risk: &'a RiskScore,
    /// Rank from the top of each factor's value among the villages ("tertinggi ke-N").
    pub ranks: [Option<usize>; FACTORS],
    /// What the programmes left unreached ([`super::coverage::gap_phrase`]), said
    /// last after a semicolon.
    pub coverage: Option<&'a str>,
}

/// Whole number with a thousands dot: 12345 → "12.345".
#[must_use]
pub fn fmt_int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// A share 0..1 as a percentage: whole from 10% up (0.314 → "31%"), with one decimal
/// below (0.047 → "4,7%"), where a whole number would hide most of the difference
/// between villages (stunting prevalence in e-PPGBM data is often a few per cent).
#[must_use]
pub fn fmt_pct(share: f64) -> String {
    let pct = (share * 100.0).max(0.0);
    if (pct * 10.0).round() < 100.0 {
        format!("{}%", fmt_dec1(pct))
    } else {
        format!("{}%", fmt_int(pct.round() as u64))
    }
}

/// A number with one decimal and a decimal comma: 7.25 → "7,3" (1234.5 → "1.234,5").
#[must_use]
pub fn fmt_dec1(x: f64) -> String {
    let tenths = (x * 10.0).round().max(0.0) as u64;
    format!("{},{}", fmt_int(tenths / 10), tenths % 10)
}

fn rank(word: &str, r: Option<usize>) -> String {
    r.map_or_else(String::new, |r| format!(" ({word} ke-{r})"))
}

/// The reason text.
#[must_use]
pub fn reason(input: &ReasonInput<'_>) -> String {
    let r = input.risk;
    let value = |f: Factor| r.factor(f).value;
    let contribution = |f: Factor| r.factor(f).contribution;
    // (contribution, order, phrase)
    let mut phrases: Vec<(f64, usize, String)> = Vec::new();
    if input.children > 0 {
        let raw = f64::from(input.stunted) / f64::from(input.children);
        let smoothed = value(Factor::Prevalence).map_or_else(String::new, |s| {
            let rk = input.ranks[Factor::Prevalence.index()]
                .map_or_else(String::new, |k| format!(", tertinggi ke-{k}"));
            format!(" (dihaluskan {}{rk})", fmt_pct(s))
        });
        phrases.push((
            contribution(Factor::Prevalence) + contribution(Factor::Stunted),
            0,
            format!(
                "{} anak stunting{} dari {} diukur, prevalensi {}{smoothed}",
                fmt_int(u64::from(input.stunted)),
                rank("tertinggi", input.ranks[Factor::Stunted.index()]),
                fmt_int(u64::from(input.children)),
                fmt_pct(raw),
            ),
        ));
    }
    for (f, what) in [
        (Factor::NoLatrine, "tanpa jamban"),
        (Factor::NoSafeWater, "tanpa air minum layak"),
        (Factor::NoSanitation, "tanpa sanitasi layak"),
    ] {
        if let Some(v) = value(f) {
            phrases.push((
                contribution(f),
                f.index(),
                format!(
                    "{} rumah tangga {what}{}",
                    fmt_pct(v),
                    rank("tertinggi", input.ranks[f.index()])
                ),
            ));
        }
    }
    if let Some(x) = value(Factor::Puskesmas) {
        let how_far = match r.access {
            super::Access::Km => format!("{} km", fmt_dec1(x)),
            super::Access::Minutes => format!("{} menit", fmt_int(x.round().max(0.0) as u64)),
        };
        phrases.push((
            contribution(Factor::Puskesmas),
            Factor::Puskesmas.index(),
            format!(
                "{how_far} ke puskesmas terdekat{}",
                rank("terjauh", input.ranks[Factor::Puskesmas.index()])
            ),
        ));
    }
    phrases.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut parts: Vec<String> = phrases
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == 0 || p.0 > 0.0)
        .take(MAX_PHRASES)
        .map(|(_, p)| p.2.clone())
        .collect();
    if input.children == 0 {
        parts.push("belum ada anak diukur".into());
    }
    if value(Factor::NoLatrine).is_none() {
        parts.push("belum ada data rumah tangga".into());
    }
    if value(Factor::Puskesmas).is_none() {
        parts.push("belum ada puskesmas".into());
    }
    let text = parts.join(", ");
    match input.coverage {
        Some(gaps) => format!("{text}; {gaps}"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Weights;
    use crate::model::Counts;
    use crate::risk::{raw_values, weighted_score};

    #[test]
    fn numbers_are_indonesian() {
        assert_eq!(fmt_int(1_234_567), "1.234.567");
        assert_eq!(fmt_int(12), "12");
        assert_eq!(fmt_pct(0.314), "31%");
        assert_eq!(fmt_pct(0.047), "4,7%");
        assert_eq!(fmt_pct(0.0999), "10%");
        assert_eq!(fmt_pct(0.0), "0,0%");
        assert_eq!(fmt_dec1(7.24), "7,2");
        assert_eq!(fmt_dec1(1234.56), "1.234,6");
    }

    fn scored(c: &Counts, smoothed: Option<f64>, km: Option<f64>, n: [f64; 6]) -> RiskScore {
        let base = RiskScore::default();
        let mut r = base;
        let values = raw_values(c, smoothed, km);
        for (i, f) in r.factors.iter_mut().enumerate() {
            f.value = values[i];
            f.normalised = n[i];
        }
        let w = Weights::default();
        let r = r.reweighted(&w);
        assert!((r.score - weighted_score(&n, &w.to_array())).abs() < 1e-15);
        r
    }

    #[test]
    fn orders_by_contribution_and_says_what_is_missing() {
        let c = Counts {
            children: 74,
            stunted: 23,
            households: 100,
            no_latrine: 41,
            ..Counts::default()
        };
        let r = scored(&c, Some(0.28), Some(7.24), [1.0, 1.0, 0.9, 0.0, 0.0, 0.8]);
        let text = reason(&ReasonInput {
            children: 74,
            stunted: 23,
            risk: &r,
            ranks: [Some(2), Some(3), Some(4), Some(9), Some(9), Some(5)],
            coverage: None,
        });
        assert_eq!(
            text,
            "23 anak stunting (tertinggi ke-3) dari 74 diukur, prevalensi 31% \
             (dihaluskan 28%, tertinggi ke-2), 41% rumah tangga tanpa jamban \
             (tertinggi ke-4), 7,2 km ke puskesmas terdekat (terjauh ke-5)"
        );
        // With roads the same factor is minutes of travel.
        let mut by_road = scored(&c, Some(0.28), Some(17.6), [1.0, 1.0, 0.9, 0.0, 0.0, 0.8]);
        by_road.access = crate::risk::Access::Minutes;
        let text = reason(&ReasonInput {
            children: 74,
            stunted: 23,
            risk: &by_road,
            ranks: [Some(2), Some(3), Some(4), Some(9), Some(9), Some(5)],
            coverage: None,
        });
        assert!(
            text.ends_with("18 menit ke puskesmas terdekat (terjauh ke-5)"),
            "{text}"
        );
        let empty = Counts {
            households: 10,
            no_latrine: 10,
            ..Counts::default()
        };
        let r = scored(&empty, None, None, [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        let text = reason(&ReasonInput {
            children: 0,
            stunted: 0,
            risk: &r,
            ranks: [None, None, Some(1), Some(1), Some(1), None],
            coverage: None,
        });
        assert_eq!(
            text,
            "100% rumah tangga tanpa jamban (tertinggi ke-1), belum ada anak diukur, \
             belum ada puskesmas"
        );
        assert!(!text.contains("prevalensi"));
    }
}

//! The February 2026 weighing round: the same cohort as August, six months earlier.
//!
//! Every August child born before its February weighing day was weighed then too
//! (181 days earlier, the days between 1 February and 1 August, so a kelurahan that
//! weighs late in the month runs into early March: the file carries a `period`
//! column saying 2026-02). Most stunted children were already stunted in February;
//! [`NEWLY_STUNTED_SHARE`] of them were not (newly stunted by August), and some
//! children stunted in February had recovered by August: [`RECOVERED_SHARE`] of the
//! February stunted, drawn among the shorter August children, more often in homes
//! with sanitation gaps. Heights are drawn for the younger age, so they are smaller.

use super::{CUTOFF_MARGIN, Child, LOWEST_HAZ, round_to};
use crate::demo::growth;
use crate::demo::households::Household;
use crate::demo::rng::Rng;
use crate::model::{SEVERELY_STUNTED_HAZ, STUNTED_HAZ};
use chrono::Days;

/// Days from 1 February to 1 August 2026: the February round's day in the month
/// is the August one's.
const ROUND_GAP_DAYS: u64 = 181;
/// Of the August stunted weighed in February, the share not yet stunted then.
pub(crate) const NEWLY_STUNTED_SHARE: f64 = 0.08;
/// Of the February stunted, the share no longer stunted in August.
pub(crate) const RECOVERED_SHARE: f64 = 0.15;
/// Recovered children come from August children shorter than this z-score.
const RECOVERED_BELOW_HAZ: f64 = -1.0;
/// How far a child's z-score drifts between rounds (standard deviation).
const DRIFT_SD: f64 = 0.3;

/// The February round of `august` (all of it, in the same order, minus children
/// not yet born), drawn from `rng`.
pub(crate) fn february_round(
    august: &[Child],
    households: &[Household],
    rng: &mut Rng,
) -> Vec<Child> {
    let weighed: Vec<&Child> = august
        .iter()
        .filter(|c| c.birth <= c.measure - Days::new(ROUND_GAP_DAYS))
        .collect();
    let stunted_now: Vec<usize> = (0..weighed.len())
        .filter(|&i| weighed[i].haz < STUNTED_HAZ)
        .collect();
    let newly = (stunted_now.len() as f64 * NEWLY_STUNTED_SHARE).round() as usize;
    let stayed = stunted_now.len() - newly;
    let recovered = (stayed as f64 * RECOVERED_SHARE / (1.0 - RECOVERED_SHARE)).round() as usize;

    // Keys as in `choose_stunted`: the largest `ln(u) / w` win.
    let newly_keys: Vec<(usize, f64)> = stunted_now.iter().map(|&i| (i, rng.unit())).collect();
    let candidates: Vec<(usize, f64)> = (0..weighed.len())
        .filter(|&i| (STUNTED_HAZ..RECOVERED_BELOW_HAZ).contains(&weighed[i].haz))
        .map(|i| {
            let home = &households[weighed[i].household];
            let gaps = f64::from(u8::from(!home.has_latrine))
                + f64::from(u8::from(!home.safe_water))
                + f64::from(u8::from(!home.improved_sanitation));
            (i, (1.0 - rng.unit()).ln() / (1.0 + 2.0 * gaps))
        })
        .collect();
    let mut stunted_then = vec![false; weighed.len()];
    for &i in &stunted_now {
        stunted_then[i] = true;
    }
    for i in largest(newly_keys, newly) {
        stunted_then[i] = false;
    }
    for i in largest(candidates, recovered) {
        stunted_then[i] = true;
    }

    weighed
        .iter()
        .zip(stunted_then)
        .map(|(c, stunted)| {
            let measure = c.measure - Days::new(ROUND_GAP_DAYS);
            let age_days = (measure - c.birth).num_days() as u32;
            let was = c.haz < STUNTED_HAZ;
            let target = |rng: &mut Rng| match (was, stunted) {
                (true, true) | (false, false) => c.haz + DRIFT_SD * rng.normal(),
                // Newly stunted by August: short but above the cut-off in February.
                (true, false) => rng.uniform(-1.9, -1.2),
                // Recovered by August: just below the cut-off in February.
                (false, true) => STUNTED_HAZ - 0.1 - 0.4 * rng.normal().abs(),
            };
            let (height_cm, haz) = measured(rng, c, age_days, stunted, target);
            Child {
                measure,
                height_cm,
                haz,
                ..(*c).clone()
            }
        })
        .collect()
}

/// The indices of the `n` largest keys (ties by index).
fn largest(mut keys: Vec<(usize, f64)>, n: usize) -> Vec<usize> {
    keys.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    keys.into_iter().take(n).map(|(i, _)| i).collect()
}

/// Height (0.1 cm) and z-score (0.01, recomputed from the rounded height) near
/// `target`, redrawn until the class is `stunted` and clear of the cut-offs.
fn measured(
    rng: &mut Rng,
    c: &Child,
    age_days: u32,
    stunted: bool,
    target: impl Fn(&mut Rng) -> f64,
) -> (f64, f64) {
    loop {
        let z = target(rng).clamp(LOWEST_HAZ, 3.0);
        let height = round_to(growth::height_for_z(c.sex, age_days, z), 10.0);
        let haz = round_to(growth::z_for_height(c.sex, age_days, height), 100.0);
        let ok = if stunted {
            (LOWEST_HAZ..=STUNTED_HAZ - CUTOFF_MARGIN).contains(&haz)
                && (haz - SEVERELY_STUNTED_HAZ).abs() >= CUTOFF_MARGIN
        } else {
            (STUNTED_HAZ + CUTOFF_MARGIN..=3.0).contains(&haz)
        };
        if ok {
            return (height, haz);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DEFAULT_SEED, STREAM_GROWTH, city::City, households};
    use crate::demo::{STREAM_HOUSEHOLDS, STREAM_PEOPLE, STREAM_ROUNDS, STREAM_STUNTING};
    use std::collections::HashMap;

    #[test]
    fn february_is_the_august_cohort_younger_with_some_recovered_and_some_newly_stunted() {
        let city = City::build().expect("city");
        let homes = households::generate(&city, &mut Rng::new(DEFAULT_SEED, STREAM_HOUSEHOLDS))
            .expect("households");
        let august = super::super::generate(
            &city,
            &homes,
            &mut Rng::new(DEFAULT_SEED, STREAM_PEOPLE),
            &mut Rng::new(DEFAULT_SEED, STREAM_STUNTING),
            &mut Rng::new(DEFAULT_SEED, STREAM_GROWTH),
        );
        let feb = february_round(&august, &homes, &mut Rng::new(DEFAULT_SEED, STREAM_ROUNDS));
        let again = february_round(&august, &homes, &mut Rng::new(DEFAULT_SEED, STREAM_ROUNDS));
        assert_eq!(
            feb.iter().map(|c| (c.haz, c.height_cm)).collect::<Vec<_>>(),
            again
                .iter()
                .map(|c| (c.haz, c.height_cm))
                .collect::<Vec<_>>(),
            "deterministic"
        );
        let by_id: HashMap<&str, &Child> = august.iter().map(|c| (c.id.as_str(), c)).collect();
        assert!(feb.len() > august.len() * 8 / 10 && feb.len() < august.len());
        let (mut newly, mut recovered, mut both, mut taller) = (0, 0, 0, 0);
        for f in &feb {
            let a = by_id[f.id.as_str()];
            assert_eq!(a.measure - f.measure, chrono::Duration::days(181));
            assert!(f.birth <= f.measure, "born by the February round");
            let months = crate::ingest::validate::MAX_AGE_MONTHS;
            assert!(f.age_days() < (f64::from(months) * 30.4) as u32);
            taller += usize::from(a.height_cm > f.height_cm);
            let (was, is) = (f.haz < STUNTED_HAZ, a.haz < STUNTED_HAZ);
            newly += usize::from(!was && is);
            recovered += usize::from(was && !is);
            both += usize::from(was && is);
        }
        assert!(
            taller > feb.len() * 99 / 100,
            "children grow: {taller} of {}",
            feb.len()
        );
        let stunted_feb = recovered + both;
        // The shares asked for, to rounding.
        assert!(
            (newly as f64 / (newly + both) as f64 - NEWLY_STUNTED_SHARE).abs() < 0.01,
            "{newly} newly of {}",
            newly + both
        );
        assert!(
            (recovered as f64 / stunted_feb as f64 - RECOVERED_SHARE).abs() < 0.01,
            "{recovered} recovered of {stunted_feb}"
        );
    }
}

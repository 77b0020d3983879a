//! The demo's keluarga berisiko stunting fields: target groups, unfit housing and
//! the 4T, for every synthetic household.
//!
//! Drawn after the households from a random stream of their own, so the
//! households' positions and sanitation (and everything drawn from them) stay as
//! they were. Shares are those of a city like Kendari: about 2% of families have a
//! catin, 4% a bumil, 2% a bufas, 10% a baduta and 20% a balita (drawn apart: a
//! family may have both). Unfit housing gathers where the sanitation gaps are (the
//! pockets of `households`), and mostly in homes without a latrine; the 4T are
//! likelier in families expecting or raising a young child.

use super::DemoError;
use super::city::City;
use super::geometry::{self, P};
use super::households::{Family, Household, POCKETS};
use super::rng::Rng;

/// Share of families with each target group: catin, bumil, bufas, baduta, balita.
const GROUP_SHARES: [f64; 5] = [0.02, 0.04, 0.02, 0.10, 0.20];
/// Probability of unfit housing near a pocket and far from every pocket.
const UNFIT_HOUSING: [f64; 2] = [0.30, 0.03];
/// Extra probability of unfit housing for a home without a latrine.
const UNFIT_WITHOUT_LATRINE: f64 = 0.25;
/// Probability of a 4T pregnancy risk with a bumil, bufas or baduta, and without.
const FOUR_T: [f64; 2] = [0.25, 0.04];
/// Scale (metres) over which a pocket's effect on housing fades (Gaussian).
const POCKET_SCALE_M: f64 = 1_500.0;

/// Sets `family` on every household.
pub(crate) fn families(
    city: &City,
    households: &mut [Household],
    rng: &mut Rng,
) -> Result<(), DemoError> {
    let pockets = POCKETS
        .iter()
        .map(|(code, _)| city.village_index(code).map(|v| city.villages[v].centre))
        .collect::<Result<Vec<P>, _>>()?;
    for h in households {
        let local = city.frame.to_local(h.lonlat);
        let near = pockets
            .iter()
            .map(|&c| geometry::dist(c, local))
            .fold(f64::INFINITY, f64::min);
        let closeness = (-(near / POCKET_SCALE_M).powi(2) / 2.0).exp();
        let groups = GROUP_SHARES.map(|p| rng.chance(p));
        let [_, bumil, bufas, baduta, _] = groups;
        let [p_near, p_far] = UNFIT_HOUSING;
        let mut p_unfit = p_far + (p_near - p_far) * closeness;
        if !h.has_latrine {
            p_unfit += UNFIT_WITHOUT_LATRINE;
        }
        let unfit_housing = rng.chance(p_unfit.min(1.0));
        let young = bumil || bufas || baduta;
        let four_t = rng.chance(if young { FOUR_T[0] } else { FOUR_T[1] });
        h.family = Family {
            unfit_housing,
            four_t,
            groups,
        };
    }
    Ok(())
}

//! Keluarga berisiko stunting: which families BKKBN's family assistance teams (TPK)
//! should reach first, and why.
//!
//! BKKBN calls a family *at risk of stunting* when it has at least one target group
//! (catin, bumil, bufas, baduta or balita, see [`TargetGroups`]) and at least one
//! risk factor. sigap applies the rule to each household, as follows:
//!
//! | criterion | at risk when | unknown |
//! |---|---|---|
//! | `no_safe_water` | `safe_water` is no (tanpa air minum layak) | never (required field) |
//! | `no_decent_latrine` | no latrine, **or** a latrine without improved sanitation (no septic tank): `!has_latrine \|\| !improved_sanitation` | never |
//! | `unfit_housing` | `unfit_housing` is yes (rumah tidak layak huni) | not counted |
//! | `four_t` | `four_t` is yes: the mother or couple is *terlalu muda* (<20 years), *terlalu tua* (>35), *terlalu dekat* (<2 years between births) or *terlalu banyak* (≥3 children) | not counted |
//!
//! BKKBN's "no decent latrine" means none, or one without a septic tank; the
//! household survey's `improved_sanitation` (sanitasi layak) is the septic-tank
//! question, so a latrine without it is not decent. The 4T are one yes/no field: the
//! Pendataan Keluarga asks them separately, and a family is at risk on any of them, so
//! a file with four columns is combined (any yes) before import. A household whose
//! target groups are unknown (an older file without the family columns) is never at
//! risk and is counted as `unsurveyed`; a field left unknown counts as "not at risk"
//! on that criterion only.
//!
//! Pure: no I/O.

use super::{Household, TargetGroup, TargetGroups};
use serde::Serialize;

/// One BKKBN risk factor of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Criterion {
    NoSafeWater,
    NoDecentLatrine,
    UnfitHousing,
    FourT,
}

impl Criterion {
    pub const ALL: [Criterion; 4] = [
        Self::NoSafeWater,
        Self::NoDecentLatrine,
        Self::UnfitHousing,
        Self::FourT,
    ];

    /// The name used in JSON.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::NoSafeWater => "no_safe_water",
            Self::NoDecentLatrine => "no_decent_latrine",
            Self::UnfitHousing => "unfit_housing",
            Self::FourT => "four_t",
        }
    }

    /// Whether household `h` meets this criterion (unknown is no).
    #[must_use]
    pub fn holds(self, h: &Household) -> bool {
        match self {
            Self::NoSafeWater => !h.safe_water,
            Self::NoDecentLatrine => !h.has_latrine || !h.improved_sanitation,
            Self::UnfitHousing => h.unfit_housing == Some(true),
            Self::FourT => h.four_t == Some(true),
        }
    }
}

/// Why a family is at risk: its target groups and the criteria it meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtRisk {
    pub groups: TargetGroups,
    /// In [`Criterion::ALL`] order.
    pub criteria: [bool; 4],
}

/// The family of household `h` if it is at risk of stunting: at least one target
/// group and at least one criterion; `None` otherwise (also when its target groups
/// are unknown).
#[must_use]
pub fn assess(h: &Household) -> Option<AtRisk> {
    let groups = h.targets.filter(|g| !g.is_empty())?;
    let criteria = Criterion::ALL.map(|c| c.holds(h));
    criteria
        .contains(&true)
        .then_some(AtRisk { groups, criteria })
}

/// Families at risk in an area: in total, per target group, per criterion.
///
/// A family with two groups counts once in `total` and once in each group; the same
/// for criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FamiliesAtRisk {
    pub total: u32,
    pub catin: u32,
    pub bumil: u32,
    pub bufas: u32,
    pub baduta: u32,
    pub balita: u32,
    pub no_safe_water: u32,
    pub no_decent_latrine: u32,
    pub unfit_housing: u32,
    pub four_t: u32,
    /// Households whose target groups are unknown: never counted at risk.
    pub unsurveyed: u32,
}

impl FamiliesAtRisk {
    /// Adds one household.
    pub fn add(&mut self, h: &Household) {
        self.unsurveyed += u32::from(h.targets.is_none());
        let Some(r) = assess(h) else { return };
        self.total += 1;
        for g in r.groups.iter() {
            *self.group_mut(g) += 1;
        }
        let [water, latrine, housing, four_t] = r.criteria;
        self.no_safe_water += u32::from(water);
        self.no_decent_latrine += u32::from(latrine);
        self.unfit_housing += u32::from(housing);
        self.four_t += u32::from(four_t);
    }

    /// Families at risk with target group `g`.
    #[must_use]
    pub fn group(&self, g: TargetGroup) -> u32 {
        match g {
            TargetGroup::Catin => self.catin,
            TargetGroup::Bumil => self.bumil,
            TargetGroup::Bufas => self.bufas,
            TargetGroup::Baduta => self.baduta,
            TargetGroup::Balita => self.balita,
        }
    }

    fn group_mut(&mut self, g: TargetGroup) -> &mut u32 {
        match g {
            TargetGroup::Catin => &mut self.catin,
            TargetGroup::Bumil => &mut self.bumil,
            TargetGroup::Bufas => &mut self.bufas,
            TargetGroup::Baduta => &mut self.baduta,
            TargetGroup::Balita => &mut self.balita,
        }
    }

    /// Adds another area's counts.
    pub fn merge(&mut self, o: &FamiliesAtRisk) {
        self.total += o.total;
        self.catin += o.catin;
        self.bumil += o.bumil;
        self.bufas += o.bufas;
        self.baduta += o.baduta;
        self.balita += o.balita;
        self.no_safe_water += o.no_safe_water;
        self.no_decent_latrine += o.no_decent_latrine;
        self.unfit_housing += o.unfit_housing;
        self.four_t += o.four_t;
        self.unsurveyed += o.unsurveyed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Point;

    fn home(latrine: bool, septic: bool, water: bool, targets: Option<TargetGroups>) -> Household {
        Household {
            id: "h".into(),
            location: Point::new(122.5, -3.98),
            has_latrine: latrine,
            safe_water: water,
            improved_sanitation: septic,
            unfit_housing: None,
            four_t: None,
            targets,
        }
    }

    const BUMIL: Option<TargetGroups> = Some(TargetGroups::NONE);

    fn bumil() -> Option<TargetGroups> {
        BUMIL.map(|g| g.with(TargetGroup::Bumil))
    }

    #[test]
    fn a_family_needs_a_group_and_a_criterion() {
        // Everything decent: not at risk, whatever the groups.
        assert_eq!(assess(&home(true, true, true, bumil())), None);
        // A gap without a target group: not at risk.
        assert_eq!(assess(&home(false, false, false, BUMIL)), None);
        // A gap with unknown groups: not at risk.
        assert_eq!(assess(&home(false, false, false, None)), None);
        let r = assess(&home(true, true, false, bumil())).expect("no safe water");
        assert_eq!(r.criteria, [true, false, false, false]);
    }

    #[test]
    fn a_latrine_without_septic_tank_is_not_decent() {
        let r = assess(&home(true, false, true, bumil())).expect("no septic tank");
        assert_eq!(r.criteria, [false, true, false, false]);
        let r = assess(&home(false, false, true, bumil())).expect("no latrine");
        assert_eq!(r.criteria, [false, true, false, false]);
    }

    #[test]
    fn housing_and_four_t_count_only_when_known_yes() {
        let mut h = home(true, true, true, bumil());
        h.unfit_housing = Some(false);
        h.four_t = None;
        assert_eq!(assess(&h), None);
        h.four_t = Some(true);
        assert_eq!(
            assess(&h).map(|r| r.criteria),
            Some([false, false, false, true])
        );
        h.unfit_housing = Some(true);
        assert_eq!(
            assess(&h).map(|r| r.criteria),
            Some([false, false, true, true])
        );
    }

    #[test]
    fn counts_per_group_and_criterion() {
        let both = bumil().map(|g| g.with(TargetGroup::Balita));
        let mut c = FamiliesAtRisk::default();
        c.add(&home(false, false, false, both)); // at risk: 2 groups, 2 criteria
        c.add(&home(true, true, true, both)); // decent: not at risk
        c.add(&home(false, false, true, None)); // unsurveyed
        c.add(&home(true, false, true, BUMIL)); // no group
        let mut sum = FamiliesAtRisk::default();
        sum.merge(&c);
        sum.merge(&c);
        assert_eq!((c.total, c.bumil, c.balita, c.catin), (1, 1, 1, 0));
        assert_eq!((c.no_safe_water, c.no_decent_latrine, c.four_t), (1, 1, 0));
        assert_eq!(c.unsurveyed, 1);
        assert_eq!((sum.total, sum.group(TargetGroup::Balita)), (2, 2));
    }
}

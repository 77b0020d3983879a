//! Case-level records (children and households as points) with the village each lies
//! in and, for children, the team that visits them.
//!
//! Built once per store revision; a request filters them by a [`Scope`], which
//! knows no caller: every record, none, or a team's children in some villages (in
//! the whole city when it names no village) with the households of those villages.
//! Which scope a caller has is decided in `auth`.

use crate::index::VillageIndex;
use crate::model::{Child, Household, Period, Scope};
use crate::store::Dataset;
use rayon::prelude::*;

/// A child as a case: the record, its village code and its team.
#[derive(Debug, Clone)]
pub struct CaseChild {
    pub child: Child,
    pub village: Option<String>,
    pub team: Option<String>,
    /// The household at the child's very point (children are placed at their home),
    /// as an index in [`Cases::households`]: what lies there is found once for both.
    pub home: Option<usize>,
}

impl CaseChild {
    /// Whether `scope` may read this record: every record for `All`, none for
    /// `Nothing`, a team's children in its villages (any village when it names none).
    #[must_use]
    pub fn read_by(&self, scope: &Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Nothing => false,
            Scope::Team { team, villages } => {
                self.team.as_deref() == Some(team.as_str())
                    && (villages.is_empty()
                        || self.village.as_ref().is_some_and(|v| villages.contains(v)))
            }
        }
    }
}

/// A household as a case, with its village code.
#[derive(Debug, Clone)]
pub struct CaseHousehold {
    pub household: Household,
    pub village: Option<String>,
}

/// Every child (all periods) and household of a dataset, located.
#[derive(Debug, Clone, Default)]
pub struct Cases {
    pub children: Vec<CaseChild>,
    pub households: Vec<CaseHousehold>,
}

impl Cases {
    /// Locates every child and household in `data`'s villages (children placed by
    /// village code keep that code) and attaches each child's team.
    #[must_use]
    pub fn build(data: &Dataset) -> Self {
        let index = VillageIndex::new(&data.villages);
        let homes = index.locate_households(&data.households);
        Self::build_located(data, &index, &homes)
    }

    /// [`Cases::build`] with the village of each household already found (`homes`,
    /// from [`VillageIndex::locate_households`] on `index`, an index of `data`'s
    /// villages), as the analysis of the same snapshot uses it.
    #[must_use]
    pub fn build_located(
        data: &Dataset,
        index: &VillageIndex<'_>,
        homes: &[Option<usize>],
    ) -> Self {
        debug_assert_eq!(homes.len(), data.households.len());
        let code = |i: Option<usize>| i.map(|i| data.villages[i].code.clone());
        // A child at a household's very point (children are placed at their home)
        // lies in that household's village: looked up, not located again.
        let key = |p: geo::Point<f64>| (p.x().to_bits(), p.y().to_bits());
        // foldhash, not the standard SipHash: a city's households are hashed here on
        // every snapshot, and the keys are coordinates, not attacker-chosen text.
        let mut at_home: std::collections::HashMap<(u64, u64), usize, foldhash::fast::FixedState> =
            std::collections::HashMap::with_capacity_and_hasher(
                data.households.len(),
                foldhash::fast::FixedState::default(),
            );
        at_home.extend(
            data.households
                .iter()
                .enumerate()
                .map(|(i, h)| (key(h.location), i)),
        );
        let children = data
            .children
            .par_iter()
            .map(|c| {
                let home = at_home.get(&key(c.location)).copied();
                CaseChild {
                    village: c.placed_by_village.clone().or_else(|| {
                        code(match home {
                            Some(i) => homes[i],
                            None => index.locate(c.location),
                        })
                    }),
                    team: data.assignments.get(&c.id).cloned(),
                    child: c.clone(),
                    home,
                }
            })
            .collect();
        let households = data
            .households
            .par_iter()
            .zip(homes)
            .map(|(h, v)| CaseHousehold {
                village: code(*v),
                household: h.clone(),
            })
            .collect();
        Self {
            children,
            households,
        }
    }

    /// The last day a child of `period` (`None`: any) was measured.
    #[must_use]
    pub fn measured_until(&self, period: Option<Period>) -> Option<chrono::NaiveDate> {
        self.children
            .iter()
            .filter(|c| period.is_none_or(|p| c.child.period == p))
            .map(|c| c.child.measure_date)
            .max()
    }

    /// The children of `period` (every period with `None`) that `scope` may read.
    #[must_use]
    pub fn children_for(&self, scope: &Scope, period: Option<Period>) -> Vec<&CaseChild> {
        self.children
            .iter()
            .filter(|c| period.is_none_or(|p| c.child.period == p))
            .filter(|c| c.read_by(scope))
            .collect()
    }

    /// The households `scope` may read.
    #[must_use]
    pub fn households_for(&self, scope: &Scope) -> Vec<&CaseHousehold> {
        self.households
            .iter()
            .filter(|h| match scope {
                Scope::All => true,
                Scope::Nothing => false,
                Scope::Team { villages, .. } => {
                    h.village.as_ref().is_some_and(|v| villages.contains(v))
                }
            })
            .collect()
    }
}

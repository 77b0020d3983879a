//! What a store holds, loaded: every layer of every period, the road network and
//! the OpenStreetMap extract, handed on to the analysis.

use crate::model::{
    Child, Delivery, Facility, Household, MeasureTarget, Period, PointCells, Population, Village,
};
use crate::roads::RoadNetwork;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Everything imported, as loaded from the store.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub villages: Vec<Village>,
    pub children: Vec<Child>,
    pub households: Arc<Vec<Household>>,
    /// The H3 cells at the public resolutions the store keeps with each household
    /// (same index as `households`; `None` for a household stored without them), so
    /// a snapshot does not find them again. Empty when not loaded from a store (a
    /// dataset made in memory): whoever needs the cells then finds them, as it
    /// does for any household whose entry is `None` or when the lengths differ.
    /// Code that changes `households` keeps these in step or clears them (a
    /// list of another length is ignored): cells of other households would be
    /// counted as theirs.
    pub household_cells: Arc<Vec<Option<PointCells>>>,
    pub facilities: Vec<Facility>,
    /// Sums of the imported population raster, `None` without one.
    pub population: Option<Population>,
    /// The team (OPD or TPK) visiting each child, by pseudonym.
    pub assignments: Arc<HashMap<String, String>>,
    /// The imported road network, `None` without one.
    pub roads: Option<Arc<RoadNetwork>>,
    /// The OpenStreetMap extract (`.osm.pbf` bytes) the roads were imported from,
    /// for the basemap; `None` without one.
    pub osm_extract: Option<Arc<Vec<u8>>>,
    /// The intervention ledger: every delivery of every round.
    pub deliveries: Vec<Delivery>,
    /// Children under five to measure per village, imported with `sigap import
    /// measure-targets` (empty: the population raster gives the targets).
    pub measure_targets: Vec<MeasureTarget>,
}

impl Dataset {
    /// The periods with children, in time order, each with its number of children.
    #[must_use]
    pub fn periods(&self) -> BTreeMap<Period, usize> {
        let mut out = BTreeMap::new();
        for c in &self.children {
            *out.entry(c.period).or_insert(0) += 1;
        }
        out
    }

    /// The latest period with children (what is shown by default), `None` without
    /// children.
    #[must_use]
    pub fn latest_period(&self) -> Option<Period> {
        self.children.iter().map(|c| c.period).max()
    }

    /// This dataset with only the children and deliveries of `period` (households,
    /// villages, facilities and population apply to every period).
    #[must_use]
    pub fn of_period(&self, period: Period) -> Dataset {
        Dataset {
            villages: self.villages.clone(),
            children: self
                .children
                .iter()
                .filter(|c| c.period == period)
                .cloned()
                .collect(),
            households: self.households.clone(),
            household_cells: self.household_cells.clone(),
            facilities: self.facilities.clone(),
            population: self.population.clone(),
            assignments: self.assignments.clone(),
            roads: self.roads.clone(),
            osm_extract: self.osm_extract.clone(),
            deliveries: self
                .deliveries
                .iter()
                .filter(|d| d.period == period)
                .cloned()
                .collect(),
            measure_targets: self.measure_targets.clone(),
        }
    }
}

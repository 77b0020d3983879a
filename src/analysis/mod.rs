//! The analysis stage: what the layers say per area. Children and households are
//! joined into villages and H3 cells through the [`crate::index`] lookups, with
//! road or straight-line distance to the puskesmas ([`crate::roads`]), and scored,
//! smoothed and tested for hot spots with [`crate::risk`]'s pure functions
//! ([`Analysis`], [`spatial_stats`]); [`change`] compares two measurement periods.
//!
//! Steps, for one period: locate (index) -> count per area -> access -> smoothing
//! and hot spots -> risk score. [`crate::snapshot`] runs them for every period of a
//! store revision.

mod areas;
pub mod change;
pub mod spatial_stats;

pub use areas::{
    Analysis, AreaStats, HexStats, VillageStats, access_road_graph, road_graphs,
    whole_village_cells,
};
pub use change::{AreaChange, Change, Placements};

//! Make layers queryable: which village a point is in (R-tree), the nearest
//! facility of a kind (R-tree), which H3 cell a point is in (h3o), and the
//! [`analysis::Analysis`] that joins them into per-area figures; who neighbours whom
//! ([`neighbours`]) and the smoothing and hot spots over those neighbours
//! ([`spatial_stats`]); the [`change`] of every area between two measurement periods.

pub mod analysis;
pub mod boxes;
pub mod cases;
pub mod change;
pub mod facilities;
pub mod hex;
pub mod neighbours;
pub mod spatial_stats;
pub mod villages;

pub use analysis::{Analysis, AreaStats, HexStats, VillageStats};
pub use change::{AreaChange, Change, Placements};
pub use facilities::FacilityIndex;
pub use villages::VillageIndex;

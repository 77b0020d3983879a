//! Make layers queryable: which village a point is in (R-tree), the nearest
//! facility of a kind (R-tree), which H3 cell a point is in (h3o), and the
//! [`analysis::Analysis`] that joins them into per-area figures.

pub mod analysis;
pub mod facilities;
pub mod hex;
pub mod villages;

pub use analysis::{Analysis, AreaStats, HexStats, VillageStats};
pub use facilities::FacilityIndex;
pub use villages::VillageIndex;

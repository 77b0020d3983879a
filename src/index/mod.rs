//! Make layers queryable: which village a point is in (R-tree), the nearest
//! facility of a kind (R-tree), which H3 cell a point is in (h3o), who neighbours
//! whom ([`neighbours`]), and the case records with what lies at each
//! ([`cases`]). Lookups only: the per-area figures built from them are in
//! [`crate::analysis`], and no caller or role is known here.

pub mod boxes;
pub mod cases;
pub mod facilities;
pub mod hex;
pub mod neighbours;
pub mod villages;

pub use facilities::FacilityIndex;
pub use villages::VillageIndex;

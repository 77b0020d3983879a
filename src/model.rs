//! The shared vocabulary: what a village, a child, a household and a facility are
//! once they have been read and validated.
//!
//! Every stage speaks these types: `ingest` produces them, `store` keeps them,
//! `index` and `risk` compute on them, `tiles` and `http` serve what is derived from
//! them. Coordinates are always WGS84 degrees in (lon, lat) order, stored as
//! `geo::Point` with `x = lon`, `y = lat`.

use chrono::NaiveDate;
use geo::{MultiPolygon, Point};
use h3o::{CellIndex, Resolution};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

mod audit;
pub mod families;
mod family;
mod period;
mod programme;
pub use audit::AuditRow;
pub use family::{TargetGroup, TargetGroups};
pub use period::{Period, PeriodError};
pub use programme::{
    Beneficiary, DELIVERED_VISIT_ITEMS, Delivery, Need, Programme, ProgrammeKind, Recipient,
    VISIT_ITEMS, default_programmes,
};

/// One desa/kelurahan with its boundary.
///
/// # Units
/// `boundary` is in WGS84 degrees (lon, lat).
#[derive(Debug, Clone, PartialEq)]
pub struct Village {
    /// Kemendagri code without dots, e.g. `7471011005` (74.71.01.1005).
    pub code: String,
    pub name: String,
    /// Kecamatan (district) name.
    pub district: String,
    pub boundary: MultiPolygon<f64>,
}

/// Sex as recorded in growth records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// The code written to CSV and the store: `M` or `F`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// A height-for-age z-score below this is stunted (WHO 2006).
pub const STUNTED_HAZ: f64 = -2.0;
/// A height-for-age z-score below this is severely stunted (WHO 2006).
pub const SEVERELY_STUNTED_HAZ: f64 = -3.0;
/// A height-for-age z-score beyond ±this is biologically implausible (WHO flag):
/// such a child is kept in the store but left out of every rate.
pub const HAZ_FLAG: f64 = 6.0;

/// One measured child under five.
///
/// # Units
/// `location` is WGS84 degrees (lon, lat); `height_cm` centimetres; `haz` a z-score.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// Pseudonym (keyed hash of the source id), never the source id itself.
    pub id: String,
    pub location: Point<f64>,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub measure_date: NaiveDate,
    pub height_cm: f64,
    pub haz: f64,
    /// The Kemendagri code of the village the child was placed in because the source
    /// row had no coordinates; `None` when `location` was measured. A placed child's
    /// `location` is only a point inside that village: count it by this code, never
    /// draw it.
    pub placed_by_village: Option<String>,
    /// The weighing round the measurement belongs to (see [`Period`]): one child is
    /// measured at most once per period.
    pub period: Period,
}

impl Child {
    #[must_use]
    pub fn is_stunted(&self) -> bool {
        self.haz < STUNTED_HAZ
    }
    #[must_use]
    pub fn is_severely_stunted(&self) -> bool {
        self.haz < SEVERELY_STUNTED_HAZ
    }
    /// Whether the haz is implausible by the WHO flag (beyond ±[`HAZ_FLAG`]): most
    /// likely a mistyped date or height. Flagged children count in no rate.
    #[must_use]
    pub fn is_flagged(&self) -> bool {
        !(-HAZ_FLAG..=HAZ_FLAG).contains(&self.haz)
    }
    /// Whether `location` was measured (not a stand-in inside the child's village).
    #[must_use]
    pub fn has_measured_location(&self) -> bool {
        self.placed_by_village.is_none()
    }
}

/// The H3 resolutions of the public map (5 to 8), coarsest first: the cells a
/// household's point is counted in there, stored with the household at import.
pub const PUBLIC_RESOLUTIONS: [Resolution; 4] = [
    Resolution::Five,
    Resolution::Six,
    Resolution::Seven,
    Resolution::Eight,
];

/// A point's cell at each of [`PUBLIC_RESOLUTIONS`], in that order (`None` where it
/// has none: a non-finite coordinate).
pub type PointCells = [Option<CellIndex>; PUBLIC_RESOLUTIONS.len()];

/// The H3 cell holding `p` at `res`, or `None` for a non-finite coordinate.
///
/// A point's cell at resolution r is computed from the point at r (what every H3
/// tool does), never rolled up from a finer cell: a parent cell does not contain
/// exactly its children's areas.
///
/// # Units
/// `p` is WGS84 degrees (x = lon, y = lat).
#[must_use]
pub fn cell_of(p: Point<f64>, res: Resolution) -> Option<CellIndex> {
    h3o::LatLng::new(p.y(), p.x())
        .ok()
        .map(|ll| ll.to_cell(res))
}

/// `p`'s cell at each of [`PUBLIC_RESOLUTIONS`].
///
/// # Units
/// `p` is WGS84 degrees (x = lon, y = lat).
#[must_use]
pub fn point_cells(p: Point<f64>) -> PointCells {
    PUBLIC_RESOLUTIONS.map(|res| cell_of(p, res))
}

/// One surveyed household and its sanitation.
///
/// # Units
/// `location` is WGS84 degrees (lon, lat).
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    /// Pseudonym (keyed hash of the source id).
    pub id: String,
    pub location: Point<f64>,
    pub has_latrine: bool,
    pub safe_water: bool,
    pub improved_sanitation: bool,
    /// Rumah tidak layak huni: `Some(true)` when the home is unfit to live in;
    /// `None` when the file did not say.
    pub unfit_housing: Option<bool>,
    /// The "4T" pregnancy risks of the mother or couple, any of: terlalu muda (<20
    /// years), terlalu tua (>35), terlalu dekat (<2 years between births), terlalu
    /// banyak (≥3 children); `None` when the file did not say.
    pub four_t: Option<bool>,
    /// The target groups in the family (see [`TargetGroups`]); `None` when the file
    /// did not say, and then the family is never counted at risk
    /// ([`families`]).
    pub targets: Option<TargetGroups>,
}

/// Which case-level records may be read: the vocabulary of a reader's reach, whose
/// role decides it in `auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every record (admin, planner).
    All,
    /// Children assigned to `team` in one of `villages`; households in `villages`.
    Team { team: String, villages: Vec<String> },
    /// No case-level record (viewer; a field officer without a team).
    Nothing,
}

/// The kinds of health facility sigap knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FacilityKind {
    /// Community health centre.
    Puskesmas,
    /// Sub-centre of a puskesmas.
    Pustu,
    /// Monthly village health post.
    Posyandu,
}

impl FacilityKind {
    pub const ALL: [FacilityKind; 3] = [Self::Puskesmas, Self::Pustu, Self::Posyandu];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Puskesmas => "puskesmas",
            Self::Pustu => "pustu",
            Self::Posyandu => "posyandu",
        }
    }

    /// Parses `puskesmas`, `pustu` or `posyandu`, case- and space-insensitively.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "puskesmas" => Some(Self::Puskesmas),
            "pustu" => Some(Self::Pustu),
            "posyandu" => Some(Self::Posyandu),
            _ => None,
        }
    }
}

impl fmt::Display for FacilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A health facility (public, not personal data).
///
/// # Units
/// `location` is WGS84 degrees (lon, lat).
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub id: String,
    pub name: String,
    pub kind: FacilityKind,
    pub location: Point<f64>,
}

/// The layers a user imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LayerKind {
    Villages,
    Children,
    Households,
    Facilities,
}

impl LayerKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Villages => "villages",
            Self::Children => "children",
            Self::Households => "households",
            Self::Facilities => "facilities",
        }
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many children under five a village should have measured: for one round, or
/// for every round (`period: None`); a round's own target wins.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureTarget {
    /// The village's code.
    pub code: String,
    pub period: Option<Period>,
    /// Children, >= 0 (may be fractional, as projections are).
    pub target: f64,
}

/// The imported target of each village in `period`: the round's own, else the one
/// for every round.
#[must_use]
pub fn measure_targets_of(targets: &[MeasureTarget], period: Option<Period>) -> HashMap<&str, f64> {
    let mut out = HashMap::new();
    for t in targets.iter().filter(|t| t.period.is_none()) {
        out.insert(t.code.as_str(), t.target);
    }
    for t in targets
        .iter()
        .filter(|t| t.period.is_some() && t.period == period)
    {
        out.insert(t.code.as_str(), t.target);
    }
    out
}

/// A population raster (e.g. children under five per pixel) summed into areas: the
/// denominator for coverage and prevalence.
///
/// Values are the raster's counts split between areas by area (see
/// `ingest::population`), so they are fractional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Population {
    /// Per H3 cell, at every resolution sigap aggregates to (a cell knows its own).
    pub cells: HashMap<CellIndex, f64>,
    /// Per village code; empty when the villages were replaced after the import.
    pub villages: HashMap<String, f64>,
    pub totals: PopulationTotals,
}

impl Population {
    /// A cell's population; `None` where the raster has no valid pixel.
    #[must_use]
    pub fn cell(&self, cell: CellIndex) -> Option<f64> {
        self.cells.get(&cell).copied()
    }

    /// A village's population; `None` when the village was not summed into.
    #[must_use]
    pub fn village(&self, code: &str) -> Option<f64> {
        self.villages.get(code).copied()
    }

    /// The cells of one resolution with their population, in no particular order.
    pub fn cells_at(&self, res: Resolution) -> impl Iterator<Item = (CellIndex, f64)> + '_ {
        self.cells
            .iter()
            .filter(move |(c, _)| c.resolution() == res)
            .map(|(c, v)| (*c, *v))
    }
}

/// How a population raster's total divides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PopulationTotals {
    /// Every valid pixel value of the raster.
    pub total: f64,
    /// The part of `total` in no village.
    pub outside: f64,
    /// The part of `outside` in no H3 cell: pixels wholly beyond the villages'
    /// extent (grown by the margin points may lie outside it).
    pub beyond: f64,
}

/// A tile address in the XYZ (slippy map, y down) scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

/// Deepest zoom sigap serves.
pub const MAX_ZOOM: u8 = 22;

impl TileCoord {
    /// A tile address, or `None` when `z > MAX_ZOOM` or `x`/`y` are outside `0..2^z`.
    #[must_use]
    pub fn new(z: u8, x: u32, y: u32) -> Option<Self> {
        if z > MAX_ZOOM {
            return None;
        }
        let n = 1u32 << z;
        (x < n && y < n).then_some(Self { z, x, y })
    }
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// What is counted per H3 cell and per village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// Children measured with a plausible haz: the denominator of prevalence.
    pub children: u32,
    /// Children with haz < -2.
    pub stunted: u32,
    /// Children with haz < -3.
    pub severe: u32,
    pub households: u32,
    pub no_latrine: u32,
    pub no_safe_water: u32,
    pub no_sanitation: u32,
    /// Children whose haz is implausible (WHO flag): counted here, in no rate.
    pub flagged: u32,
    /// Keluarga berisiko stunting among the households (BKKBN criteria).
    pub families_at_risk: families::FamiliesAtRisk,
}

impl Counts {
    /// Adds one child (to `flagged` only, when its haz is implausible).
    pub fn add_child(&mut self, child: &Child) {
        if child.is_flagged() {
            self.flagged += 1;
            return;
        }
        self.children += 1;
        self.stunted += u32::from(child.is_stunted());
        self.severe += u32::from(child.is_severely_stunted());
    }

    /// Adds one household.
    pub fn add_household(&mut self, h: &Household) {
        self.households += 1;
        self.no_latrine += u32::from(!h.has_latrine);
        self.no_safe_water += u32::from(!h.safe_water);
        self.no_sanitation += u32::from(!h.improved_sanitation);
        self.families_at_risk.add(h);
    }

    /// Adds another set of counts to this one.
    pub fn merge(&mut self, o: &Counts) {
        self.children += o.children;
        self.stunted += o.stunted;
        self.severe += o.severe;
        self.households += o.households;
        self.no_latrine += o.no_latrine;
        self.no_safe_water += o.no_safe_water;
        self.no_sanitation += o.no_sanitation;
        self.flagged += o.flagged;
        self.families_at_risk.merge(&o.families_at_risk);
    }
}

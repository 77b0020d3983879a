//! Which OPD visits which stunted child in the demo city, as Kendari divides its
//! stunted children among 13 departments (DOMAIN.md): villages in code order are
//! split into 13 contiguous groups, and a department takes the stunted children of the
//! latest round living in its group (compact areas; the exact proportional split is
//! `sigap assign`'s job, issue 6).

use super::children::Child;
use super::city::Village;
use crate::model::STUNTED_HAZ;
use geo::{Intersects, Point};

/// The 13 OPDs of the demo city.
pub const OPDS: [&str; 13] = [
    "Dinas Kesehatan",
    "DP2KB",
    "Dinas Sosial",
    "Dinas PUPR",
    "Dinas Perkim",
    "Dinas Ketahanan Pangan",
    "Dinas Pertanian",
    "Dinas Perikanan",
    "Dinas Pendidikan",
    "DP3A",
    "Bappeda",
    "Dinas Lingkungan Hidup",
    "Disdukcapil",
];

/// Each OPD's share of the children for `sigap assign` (`teams.csv`): synthetic field
/// staff numbers, so the split is proportional but not equal.
pub const SHARES: [u32; 13] = [60, 45, 40, 30, 25, 35, 20, 20, 40, 25, 15, 20, 15];

/// `(source id, team)` of every stunted child of `children` (one round).
///
/// # Units
/// Children's locations and village polygons are WGS84 (lon, lat).
#[must_use]
pub(crate) fn assign(villages: &[Village], children: &[Child]) -> Vec<(String, &'static str)> {
    let mut order: Vec<usize> = (0..villages.len()).collect();
    order.sort_by(|&a, &b| villages[a].code.cmp(&villages[b].code));
    let mut group = vec![0usize; villages.len()];
    for (rank, &i) in order.iter().enumerate() {
        group[i] = rank * OPDS.len() / villages.len().max(1);
    }
    children
        .iter()
        .filter(|c| c.haz < STUNTED_HAZ)
        .filter_map(|c| {
            // Stunted children are few (hundreds): a scan of the villages is enough.
            let v = villages
                .iter()
                .position(|v| v.polygon.intersects(&Point::new(c.lonlat[0], c.lonlat[1])))?;
            Some((c.id.clone(), OPDS[group[v]]))
        })
        .collect()
}

//! Synthetic health facilities: Kendari's 15 puskesmas, 30 pustu and about 150
//! posyandu.
//!
//! The puskesmas carry their real names, but their positions are synthetic: each
//! sits near the centre of a kelurahan in a plausible kecamatan. The choice leaves
//! two sanitation pockets, Tondonggeu and Abeli Dalam, more than 5 km from the
//! nearest puskesmas, so that travel time matters in the demo.

use super::DemoError;
use super::city::City;
use super::geometry::P;
use super::households::{Household, POCKETS};
use super::rng::Rng;
use crate::model::FacilityKind;

/// Puskesmas name (without the prefix) and the kelurahan it stands in.
pub(crate) const PUSKESMAS: [(&str, &str); 15] = [
    ("Puuwatu", "7471091006"),    // Lalodati, kec. Puuwatu
    ("Mekar", "7471081002"),      // Bende, kec. Kadia
    ("Lepo-Lepo", "7471031002"),  // Lepo Lepo, kec. Baruga
    ("Poasia", "7471041004"),     // Rahandouna, kec. Poasia
    ("Abeli", "7471061003"),      // Abeli, kec. Abeli
    ("Benu-Benua", "7471051005"), // Benu Benua, kec. Kendari Barat
    ("Kemaraya", "7471051001"),   // Kemaraya, kec. Kendari Barat
    ("Mata", "7471021015"),       // Mata, kec. Kendari
    ("Kandai", "7471021009"),     // Kandai, kec. Kendari
    ("Jati Raya", "7471091003"),  // Punggolaka, kec. Puuwatu
    ("Perumnas", "7471081004"),   // Wowawanggu, kec. Kadia
    ("Labibia", "7471011007"),    // Labibia, kec. Mandonga
    ("Nambo", "7471111001"),      // Tobimeita, kec. Nambo
    ("Wua-Wua", "7471071002"),    // Bonggoeya, kec. Wua-Wua
    ("Mokoau", "7471101002"),     // Mokoau, kec. Kambu
];
/// How many kelurahan get a pustu; never one with a puskesmas or a pocket.
const PUSTU: usize = 30;
/// How many of the most populous kelurahan get a third posyandu (the rest get two).
const THIRD_POSYANDU: usize = 20;
/// Puskesmas stand within this distance (metres) of their kelurahan centre.
const PUSKESMAS_RADIUS_M: f64 = 150.0;
/// Pustu stand within this distance (metres) of their kelurahan centre.
const PUSTU_RADIUS_M: f64 = 400.0;

/// One synthetic facility.
///
/// # Units
/// `lonlat` is WGS84 degrees rounded to 6 decimals.
#[derive(Debug, Clone)]
pub(crate) struct Facility {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: FacilityKind,
    pub(crate) lonlat: [f64; 2],
}

/// Puskesmas, then pustu, then posyandu.
pub(crate) fn generate(
    city: &City,
    households: &[Household],
    rng: &mut Rng,
) -> Result<Vec<Facility>, DemoError> {
    let mut out = Vec::new();
    let mut hosts = Vec::with_capacity(PUSKESMAS.len());
    for (i, (name, code)) in PUSKESMAS.iter().enumerate() {
        let v = city.village_index(code)?;
        hosts.push(v);
        out.push(Facility {
            id: format!("PKM-{:02}", i + 1),
            name: format!("Puskesmas {name}"),
            kind: FacilityKind::Puskesmas,
            lonlat: city.lonlat6(near_centre(city, rng, v, PUSKESMAS_RADIUS_M)),
        });
    }
    let pockets = POCKETS
        .iter()
        .map(|(code, _)| city.village_index(code))
        .collect::<Result<Vec<_>, _>>()?;
    let mut eligible: Vec<usize> = (0..city.villages.len())
        .filter(|v| !hosts.contains(v) && !pockets.contains(v))
        .collect();
    rng.shuffle(&mut eligible);
    let mut pustu: Vec<usize> = eligible.into_iter().take(PUSTU).collect();
    pustu.sort_unstable();
    for (i, &v) in pustu.iter().enumerate() {
        out.push(Facility {
            id: format!("PST-{:02}", i + 1),
            name: format!("Pustu {}", city.villages[v].name),
            kind: FacilityKind::Pustu,
            lonlat: city.lonlat6(near_centre(city, rng, v, PUSTU_RADIUS_M)),
        });
    }
    let mut homes = vec![0usize; city.villages.len()];
    for h in households {
        homes[h.village] += 1;
    }
    let mut by_size: Vec<usize> = (0..city.villages.len()).collect();
    by_size.sort_by(|&a, &b| homes[b].cmp(&homes[a]).then(a.cmp(&b)));
    let mut serial = 0;
    for (v, village) in city.villages.iter().enumerate() {
        let count = if by_size[..THIRD_POSYANDU].contains(&v) {
            3
        } else {
            2
        };
        for n in 1..=count {
            serial += 1;
            out.push(Facility {
                id: format!("PSY-{serial:03}"),
                name: format!("Posyandu {} {n}", village.name),
                kind: FacilityKind::Posyandu,
                // Posyandu meet where people live: sampled like homes.
                lonlat: city.lonlat6(city.sample_in(rng, v, city.spread_m(v), 0.0)),
            });
        }
    }
    Ok(out)
}

/// A habitable point of village `v` uniform in the disc of `radius_m` around its
/// centre, or the centre itself.
fn near_centre(city: &City, rng: &mut Rng, v: usize, radius_m: f64) -> P {
    let centre = city.villages[v].centre;
    for _ in 0..1_000 {
        let r = radius_m * rng.unit().sqrt();
        let angle = rng.uniform(0.0, std::f64::consts::TAU);
        let p = [centre[0] + r * angle.cos(), centre[1] + r * angle.sin()];
        if city.habitable(v, p) {
            return p;
        }
    }
    centre
}

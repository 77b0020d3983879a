//! Synthetic names and addresses for the demo city's families, so a field officer's
//! route reads like a real one: "Aisyah Putri, anak dari Wa Ode Nurhayati, Jl. Mawar
//! No. 12, RT 003/RW 002, Lingkungan II, Posyandu Kambu 2".
//!
//! Kendari's families are Tolaki, Muna, Buton and Bugis as much as Javanese, so the
//! lists mix the city's own names (La Ode and Wa Ode for Buton and Muna, Andi for
//! Bugis) with names common across Indonesia. Everything is drawn from a stream of its
//! own after every other stage, so no household, child or figure of the demo moves.
//! No phone number is made up: a believable one could be a real person's.

use super::children::Child;
use super::city::City;
use super::facilities::Facility;
use super::households::Household;
use super::names;
use super::rng::Rng;
use super::roads::DemoRoads;
use crate::model::{FacilityKind, Sex};
use std::collections::HashMap;

/// Boys' given names (the first of two or three words).
const BOYS: [&str; 24] = [
    "Muhammad", "Ahmad", "Rizky", "Alif", "Raffa", "Arkan", "Farhan", "Gibran", "Hafiz", "Ilham",
    "Zidan", "Daffa", "Fathir", "Akbar", "Nabil", "Rehan", "Azka", "Fikri", "Yusuf", "Aditya",
    "Dimas", "Rayyan", "Kenzie", "Bima",
];
/// Girls' given names.
const GIRLS: [&str; 24] = [
    "Aisyah",
    "Alya",
    "Zahra",
    "Nadia",
    "Khanza",
    "Syifa",
    "Aqila",
    "Naura",
    "Salsabila",
    "Kirana",
    "Amira",
    "Nayla",
    "Zaskia",
    "Fitri",
    "Adinda",
    "Hanum",
    "Aulia",
    "Keisha",
    "Nur",
    "Annisa",
    "Azzahra",
    "Shakila",
    "Humaira",
    "Mutiara",
];
/// Second names of boys.
const BOYS_SECOND: [&str; 16] = [
    "Saputra",
    "Pratama",
    "Ramadhan",
    "Maulana",
    "Alfarizi",
    "Hidayat",
    "Firmansyah",
    "Al Fatih",
    "Kurniawan",
    "Setiawan",
    "Wijaya",
    "Akbar",
    "Fadillah",
    "Rizki",
    "Hakim",
    "Mubarak",
];
/// Second names of girls.
const GIRLS_SECOND: [&str; 16] = [
    "Putri",
    "Lestari",
    "Rahmawati",
    "Azzahra",
    "Ramadhani",
    "Safitri",
    "Nurhaliza",
    "Anggraini",
    "Amalia",
    "Khairunnisa",
    "Maharani",
    "Febriani",
    "Aprilia",
    "Fitriani",
    "Salsabila",
    "Wulandari",
];
/// Mothers' names (e-PPGBM's parent is the mother).
const MOTHERS: [&str; 28] = [
    "Nurhayati",
    "Rahmawati",
    "Hasnawati",
    "Rosmiati",
    "Sri Wahyuni",
    "Hasriani",
    "Irmawati",
    "Marlina",
    "Fitriani",
    "Nurmala",
    "Jumriati",
    "Darmawati",
    "Sartika",
    "Yuliana",
    "Nurjannah",
    "Haslinda",
    "Kasmawati",
    "Riska Amelia",
    "Hasnia",
    "Wa Ana",
    "Sumarni",
    "Nur Aini",
    "Hartina",
    "Muliana",
    "Ernawati",
    "Salmiah",
    "Suriani",
    "Asmawati",
];
/// Fathers' (heads of family) names.
const FATHERS: [&str; 28] = [
    "Muh. Ali",
    "Ahmad Syarif",
    "Muh. Arfan",
    "Hasan",
    "Abdul Rahman",
    "Rudi Hartono",
    "Syamsul Bahri",
    "Baso",
    "Hasbullah",
    "Muhammad Yusuf",
    "Sukirman",
    "Jumadil",
    "Irfan Saleh",
    "Bahari",
    "Asrul",
    "Herman",
    "Ruslan",
    "Amiruddin",
    "Samsudin",
    "Idris",
    "Sahrul",
    "Jufri",
    "Harun",
    "Kamaruddin",
    "Darwis",
    "Arman",
    "Sulaiman",
    "Rahmat",
];
/// Lingkungan of a kelurahan (its dusun).
const LINGKUNGAN: [&str; 5] = ["I", "II", "III", "IV", "V"];

/// Who lives in a household: the head, the mother and where.
#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub(crate) head: String,
    pub(crate) mother: String,
    /// Street and house number (`Jl. Mawar No. 12`).
    pub(crate) address: String,
    /// `Lingkungan II`.
    pub(crate) dusun: String,
    /// Three digits.
    pub(crate) rt: String,
    pub(crate) rw: String,
}

/// A child's name and posyandu.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) posyandu: String,
}

fn pick<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    list[rng.below(list.len() as u64) as usize]
}

/// A named road segment: its ends (WGS84 degrees) and its name's index.
type Segment = ([f64; 2], [f64; 2], usize);

/// Grid cell of the street index, degrees (about 440 m, longer than a grid block).
const STREET_CELL_DEG: f64 = 0.004;

/// The demo's named road segments by grid cell, so a home's address names the street
/// it stands on in the demo's map.
pub(crate) struct Streets {
    cells: HashMap<(i64, i64), Vec<Segment>>,
    names: Vec<String>,
}

fn cell(p: [f64; 2]) -> (i64, i64) {
    (
        (p[0] / STREET_CELL_DEG).floor() as i64,
        (p[1] / STREET_CELL_DEG).floor() as i64,
    )
}

impl Streets {
    /// Every segment of a way with a `name` tag.
    pub(crate) fn new(roads: &DemoRoads) -> Self {
        let at: HashMap<i64, [f64; 2]> = roads.nodes.iter().map(|n| (n.id, n.lonlat)).collect();
        let mut cells: HashMap<(i64, i64), Vec<Segment>> = HashMap::new();
        let mut names = Vec::new();
        for way in &roads.ways {
            let Some((_, name)) = way.tags.iter().find(|(k, _)| k == "name") else {
                continue;
            };
            names.push(name.clone());
            let i = names.len() - 1;
            for pair in way.refs.windows(2) {
                if let (Some(&a), Some(&b)) = (at.get(&pair[0]), at.get(&pair[1])) {
                    let mid = [f64::midpoint(a[0], b[0]), f64::midpoint(a[1], b[1])];
                    cells.entry(cell(mid)).or_default().push((a, b, i));
                }
            }
        }
        Self { cells, names }
    }

    /// The name of the named segment nearest `p` (within a cell or two), if any.
    ///
    /// # Units
    /// WGS84 degrees; distances compared in degrees, which is fine this near the equator.
    fn nearest(&self, p: [f64; 2]) -> Option<&str> {
        let (cx, cy) = cell(p);
        let mut best: Option<(f64, usize)> = None;
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &(a, b, i) in self.cells.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                    let d = segment_distance2(p, a, b);
                    if best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, i));
                    }
                }
            }
        }
        best.map(|(_, i)| self.names[i].as_str())
    }
}

/// Squared distance from `point` to the segment `from`-`to`.
fn segment_distance2(point: [f64; 2], from: [f64; 2], to: [f64; 2]) -> f64 {
    let (vx, vy) = (to[0] - from[0], to[1] - from[1]);
    let len2 = vx * vx + vy * vy;
    let along = if len2 > 0.0 {
        (((point[0] - from[0]) * vx + (point[1] - from[1]) * vy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (dx, dy) = (
        from[0] + along * vx - point[0],
        from[1] + along * vy - point[1],
    );
    dx * dx + dy * dy
}

/// One family per household, in household order; the street is the named road
/// nearest the home (a random kampung street where none is near).
pub(crate) fn families(households: &[Household], streets: &Streets, rng: &mut Rng) -> Vec<Family> {
    households
        .iter()
        .map(|home| {
            // Buton and Muna families: La Ode / Wa Ode.
            let ode = rng.chance(0.2);
            let father = pick(rng, &FATHERS);
            let head = if ode {
                format!("La Ode {father}")
            } else if rng.chance(0.1) {
                format!("Andi {father}")
            } else {
                father.to_owned()
            };
            let mother = pick(rng, &MOTHERS);
            let mother = if ode && !mother.starts_with("Wa ") {
                format!("Wa Ode {mother}")
            } else {
                mother.to_owned()
            };
            let street = streets
                .nearest(home.lonlat)
                .map_or_else(|| names::local_street(rng), str::to_owned);
            let number = 1 + rng.below(120);
            Family {
                head,
                mother,
                address: format!("{street} No. {number}"),
                dusun: format!("Lingkungan {}", pick(rng, &LINGKUNGAN)),
                rt: format!("{:03}", 1 + rng.below(12)),
                rw: format!("{:03}", 1 + rng.below(6)),
            }
        })
        .collect()
}

/// One name and posyandu per child, in child order: the posyandu of the child's own
/// kelurahan nearest the home (a child is weighed in its own kelurahan).
pub(crate) fn people(
    city: &City,
    households: &[Household],
    children: &[Child],
    facilities: &[Facility],
    rng: &mut Rng,
) -> Vec<Person> {
    // Posyandu are named after their kelurahan (`Posyandu Kambu 2`).
    let posyandu: Vec<Vec<&Facility>> = city
        .villages
        .iter()
        .map(|v| {
            let prefix = format!("Posyandu {} ", v.name);
            facilities
                .iter()
                .filter(|f| f.kind == FacilityKind::Posyandu && f.name.starts_with(&prefix))
                .collect()
        })
        .collect();
    children
        .iter()
        .map(|c| {
            let (first, second) = match c.sex {
                Sex::Male => (pick(rng, &BOYS), pick(rng, &BOYS_SECOND)),
                Sex::Female => (pick(rng, &GIRLS), pick(rng, &GIRLS_SECOND)),
            };
            let name = if first == second {
                first.to_owned()
            } else {
                format!("{first} {second}")
            };
            // Degrees are fine for "nearest" within one city this close to the equator.
            let d2 = |f: &&Facility| {
                let (dx, dy) = (f.lonlat[0] - c.lonlat[0], f.lonlat[1] - c.lonlat[1]);
                dx * dx + dy * dy
            };
            let near = posyandu[households[c.household].village]
                .iter()
                .min_by(|a, b| d2(a).total_cmp(&d2(b)))
                .map(|f| f.name.clone())
                .unwrap_or_default();
            Person {
                name,
                posyandu: near,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_have_no_commas_and_fit_the_import_limit() {
        for list in [
            &BOYS[..],
            &GIRLS,
            &BOYS_SECOND,
            &GIRLS_SECOND,
            &MOTHERS,
            &FATHERS,
        ] {
            for n in list {
                assert!(!n.contains(',') && n.len() < 40, "{n}");
            }
        }
    }
}

//! Believable street names for the demo city's roads.
//!
//! Indonesian city streets are named after national heroes (Jalan Ahmad Yani, Jalan
//! MT Haryono), local figures and places (Jalan Sao-Sao, Jalan Haluoleo), and, in the
//! kampung, flowers, birds and trees (Jl. Anggrek, Lorong Nuri). Main roads take
//! the first kind, grid streets the second. Names come from their own random stream
//! and are kept per key, so the same seed names the same streets and adding names
//! never moves a road.

use super::rng::Rng;
use std::collections::HashMap;

/// Names of primary roads (arterials between kecamatan).
const PRIMARY: [&str; 12] = [
    "Jalan Ahmad Yani",
    "Jalan MT Haryono",
    "Jalan Sao-Sao",
    "Jalan Poros Kendari-Moramo",
    "Jalan Jenderal Sudirman",
    "Jalan Brigjen ZA Sugianto",
    "Jalan Haluoleo",
    "Jalan Abdullah Silondae",
    "Jalan Diponegoro",
    "Jalan Poros Bandara",
    "Jalan Malaka",
    "Jalan Saranani",
];
/// Names of secondary and tertiary roads.
const MINOR: [&str; 24] = [
    "Jalan Chairil Anwar",
    "Jalan Supu Yusuf",
    "Jalan Bunggasi",
    "Jalan R. Suprapto",
    "Jalan Syech Yusuf",
    "Jalan Lakidende",
    "Jalan Pattimura",
    "Jalan Made Sabara",
    "Jalan Budi Utomo",
    "Jalan Wayong",
    "Jalan Tebaununggu",
    "Jalan Kapten Pierre Tendean",
    "Jalan Mayjen Sutoyo",
    "Jalan La Ode Hadi",
    "Jalan Sultan Hasanuddin",
    "Jalan Imam Bonjol",
    "Jalan Kartini",
    "Jalan Wolter Monginsidi",
    "Jalan Balai Kota",
    "Jalan Pembangunan",
    "Jalan Pasar Baru",
    "Jalan Lasandara",
    "Jalan Edi Sabara",
    "Jalan Orinunggu",
];
/// Grid street stems (flowers, birds, trees, fruit).
const LOCAL: [&str; 32] = [
    "Anggrek",
    "Mawar",
    "Melati",
    "Kenanga",
    "Cempaka",
    "Flamboyan",
    "Seroja",
    "Teratai",
    "Dahlia",
    "Kamboja",
    "Nuri",
    "Rajawali",
    "Merpati",
    "Kakatua",
    "Elang",
    "Cendrawasih",
    "Beringin",
    "Durian",
    "Mangga",
    "Rambutan",
    "Kelapa",
    "Sagu",
    "Bakau",
    "Jambu",
    "Nangka",
    "Cemara",
    "Pinang",
    "Srikaya",
    "Kutilang",
    "Jalak",
    "Tanjung",
    "Asoka",
];
/// Prefixes of grid streets: most are "Jl.", some are lanes.
const LOCAL_PREFIX: [&str; 4] = ["Jl.", "Jl.", "Jl.", "Lorong"];
/// Numbered variants ("Jl. Mawar II") when a stem repeats.
const ROMAN: [&str; 4] = ["", " II", " III", " IV"];

/// A kampung street name (`Jl. Mawar II`, `Lorong Nuri`) for a home's address.
pub(crate) fn local_street(rng: &mut Rng) -> String {
    let prefix = LOCAL_PREFIX[rng.below(LOCAL_PREFIX.len() as u64) as usize];
    let stem = LOCAL[rng.below(LOCAL.len() as u64) as usize];
    let number = ROMAN[rng.below(ROMAN.len() as u64) as usize];
    format!("{prefix} {stem}{number}")
}

/// Street names handed out per key, from one random stream.
pub(crate) struct StreetNames {
    rng: Rng,
    main: HashMap<(u8, usize), String>,
    local: HashMap<(bool, usize, usize), String>,
}

impl StreetNames {
    pub(crate) fn new(rng: Rng) -> Self {
        Self {
            rng,
            main: HashMap::new(),
            local: HashMap::new(),
        }
    }

    /// The name of a main road of `class` between villages `i` and `j` (indices):
    /// roads of one class leaving the same village share a name, so a name runs on.
    pub(crate) fn main(&mut self, class: &str, i: usize, j: usize) -> String {
        let (list, kind): (&[&str], u8) = match class {
            "primary" => (&PRIMARY, 0),
            "secondary" => (&MINOR, 1),
            _ => (&MINOR, 2),
        };
        let rng = &mut self.rng;
        self.main
            .entry((kind, i.min(j)))
            .or_insert_with(|| list[rng.below(list.len() as u64) as usize].to_owned())
            .clone()
    }

    /// The name of a grid street: one per grid line (row when `horizontal`, else
    /// column) within one village.
    pub(crate) fn local(&mut self, horizontal: bool, line: usize, village: usize) -> String {
        let rng = &mut self.rng;
        self.local
            .entry((horizontal, line, village))
            .or_insert_with(|| {
                let prefix = LOCAL_PREFIX[rng.below(LOCAL_PREFIX.len() as u64) as usize];
                let stem = LOCAL[rng.below(LOCAL.len() as u64) as usize];
                let number = ROMAN[rng.below(ROMAN.len() as u64) as usize];
                format!("{prefix} {stem}{number}")
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_names_and_keys_keep_theirs() {
        let mut a = StreetNames::new(Rng::new(7, 9));
        let mut b = StreetNames::new(Rng::new(7, 9));
        let first = a.local(true, 3, 5);
        assert_eq!(first, b.local(true, 3, 5));
        assert_eq!(first, a.local(true, 3, 5));
        assert!(first.starts_with("Jl. ") || first.starts_with("Lorong "));
        let main = a.main("primary", 4, 2);
        assert_eq!(main, a.main("primary", 2, 9));
        assert!(PRIMARY.contains(&main.as_str()));
    }
}

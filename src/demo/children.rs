//! Synthetic children under five, measured in the August 2026 weighing round.
//!
//! Kendari reported 462 stunted children in 2026, so the demo has exactly 462.
//! Which children they are is not random noise: they are drawn, without replacement,
//! with weights that rise steeply when the home lacks a latrine, safe water or
//! improved sanitation, so stunting clusters where the sanitation pockets are, as the
//! convergence programme expects the data to show.

use super::city::City;
use super::growth::{self, DAYS_PER_MONTH};
use super::households::Household;
use super::rng::Rng;
use crate::model::{SEVERELY_STUNTED_HAZ, STUNTED_HAZ, Sex};
use chrono::{Datelike, Days, NaiveDate};
use std::collections::HashMap;

mod february;
pub(crate) use february::february_round;

/// Children diagnosed stunted (Kendari, 2026).
pub(crate) const STUNTED_CHILDREN: usize = 462;

/// First day of the weighing round.
const ROUND_START: NaiveDate = match NaiveDate::from_ymd_opt(2026, 8, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// Oldest age in days: under 59 completed months whether months are counted as
/// 30.4375 days or as calendar months.
const MAX_AGE_DAYS: u64 = 1_795;
/// Siblings under five are at least this many days apart.
const SIBLING_GAP_DAYS: u64 = 300;

/// Non-stunted z-scores are normal with this mean and standard deviation, kept in
/// `[NORMAL_LOW, 3.0]`.
const HAZ_MEAN: f64 = -0.4;
const HAZ_SD: f64 = 0.9;
/// Stunted z-scores are `-2 - |N(0, 1)| * STUNTED_TAIL_SD`: about 22% fall below -3.
const STUNTED_TAIL_SD: f64 = 0.82;
const LOWEST_HAZ: f64 = -5.5;
/// Written z-scores stay this far from the -2 and -3 cut-offs, so a reader who
/// recomputes them from height with slightly different WHO interpolation still
/// classifies every child as we did.
const CUTOFF_MARGIN: f64 = 0.03;

/// One synthetic child.
///
/// # Units
/// `lonlat` is WGS84 degrees (the household's position); `height_cm` centimetres
/// rounded to 0.1; `haz` the z-score of that height, rounded to 0.01.
#[derive(Debug, Clone)]
pub(crate) struct Child {
    /// NIK-like: kecamatan code, birth date DDMMYY (day + 40 for girls), serial.
    pub(crate) id: String,
    pub(crate) household: usize,
    pub(crate) lonlat: [f64; 2],
    pub(crate) sex: Sex,
    pub(crate) birth: NaiveDate,
    pub(crate) measure: NaiveDate,
    pub(crate) height_cm: f64,
    pub(crate) haz: f64,
}

impl Child {
    fn age_days(&self) -> u32 {
        (self.measure - self.birth).num_days() as u32
    }
}

/// Children of all households, in household order.
///
/// `rng_people` draws who lives where; `rng_stunting` which children are stunted;
/// `rng_growth` their heights.
pub(crate) fn generate(
    city: &City,
    households: &[Household],
    rng_people: &mut Rng,
    rng_stunting: &mut Rng,
    rng_growth: &mut Rng,
) -> Vec<Child> {
    // Each kelurahan weighs on its own days of the month, like its posyandu.
    let round_day: Vec<u64> = city.villages.iter().map(|_| rng_people.below(27)).collect();
    let mut serials: HashMap<String, u32> = HashMap::new();
    let mut children = Vec::with_capacity(households.len() * 3 / 10);
    for (h, home) in households.iter().enumerate() {
        let mut first_age: Option<u64> = None;
        for _ in 0..children_in(rng_people, home.people) {
            let mut age = rng_people.below(MAX_AGE_DAYS + 1);
            if let Some(first) = first_age {
                for _ in 0..20 {
                    if age.abs_diff(first) >= SIBLING_GAP_DAYS {
                        break;
                    }
                    age = rng_people.below(MAX_AGE_DAYS + 1);
                }
            }
            first_age.get_or_insert(age);
            let measure = ROUND_START + Days::new(round_day[home.village] + rng_people.below(5));
            let birth = measure - Days::new(age);
            let sex = if rng_people.chance(0.51) {
                Sex::Male
            } else {
                Sex::Female
            };
            let id = nik(&city.villages[home.village].code, sex, birth, &mut serials);
            children.push(Child {
                id,
                household: h,
                lonlat: home.lonlat,
                sex,
                birth,
                measure,
                height_cm: 0.0,
                haz: 0.0,
            });
        }
    }
    let stunted = choose_stunted(&children, households, rng_stunting);
    for (child, stunted) in children.iter_mut().zip(stunted) {
        let (height_cm, haz) = anthropometry(rng_growth, child.sex, child.age_days(), stunted);
        child.height_cm = height_cm;
        child.haz = haz;
    }
    children
}

/// Children under five in a household of `people`: none, one or two, more often in
/// larger households (about 25,000 in 90,000 homes).
fn children_in(rng: &mut Rng, people: u32) -> u32 {
    let u = rng.unit();
    match people {
        0..=2 if u < 0.08 => 1,
        0..=2 => 0,
        _ if u < 0.04 => 2,
        _ if u < 0.29 => 1,
        _ => 0,
    }
}

/// Weighted sampling without replacement (Efraimidis and Spirakis, 2006): each child
/// gets the key `ln(u) / w` and the `STUNTED_CHILDREN` largest keys win. The weight
/// is `1 + 4 (no latrine) + 2 (no safe water) + 2 (no improved sanitation)`, halved
/// for infants under six months, who have had less time to falter.
fn choose_stunted(children: &[Child], households: &[Household], rng: &mut Rng) -> Vec<bool> {
    let keys: Vec<f64> = children
        .iter()
        .map(|c| {
            let home = &households[c.household];
            let gaps = 4.0 * f64::from(u8::from(!home.has_latrine))
                + 2.0 * f64::from(u8::from(!home.safe_water))
                + 2.0 * f64::from(u8::from(!home.improved_sanitation));
            let infant = if f64::from(c.age_days()) < 6.0 * DAYS_PER_MONTH {
                0.5
            } else {
                1.0
            };
            (1.0 - rng.unit()).ln() / ((1.0 + gaps) * infant)
        })
        .collect();
    let mut order: Vec<usize> = (0..children.len()).collect();
    order.sort_by(|&a, &b| keys[b].total_cmp(&keys[a]).then(a.cmp(&b)));
    let mut stunted = vec![false; children.len()];
    for &i in order.iter().take(STUNTED_CHILDREN) {
        stunted[i] = true;
    }
    stunted
}

fn round_to(x: f64, k: f64) -> f64 {
    (x * k).round() / k + 0.0
}

/// Height (cm, 0.1 cm) and its z-score (0.01) for a child who is or is not stunted.
/// The z-score is recomputed from the rounded height, so the two always agree.
fn anthropometry(rng: &mut Rng, sex: Sex, age_days: u32, stunted: bool) -> (f64, f64) {
    let normal_low = STUNTED_HAZ + CUTOFF_MARGIN;
    loop {
        let target = if stunted {
            STUNTED_HAZ - STUNTED_TAIL_SD * rng.normal().abs()
        } else {
            HAZ_MEAN + HAZ_SD * rng.normal()
        };
        let height = round_to(growth::height_for_z(sex, age_days, target), 10.0);
        let haz = round_to(growth::z_for_height(sex, age_days, height), 100.0);
        let ok = if stunted {
            (LOWEST_HAZ..=STUNTED_HAZ - CUTOFF_MARGIN).contains(&haz)
                && (haz - SEVERELY_STUNTED_HAZ).abs() >= CUTOFF_MARGIN
        } else {
            (normal_low..=3.0).contains(&haz)
        };
        if ok {
            return (height, haz);
        }
    }
}

/// A 16-digit NIK-like number: the 6-digit kecamatan code, the birth date as DDMMYY
/// with 40 added to the day for girls (as real NIKs do), and a 4-digit serial.
fn nik(
    village_code: &str,
    sex: Sex,
    birth: NaiveDate,
    serials: &mut HashMap<String, u32>,
) -> String {
    let day = birth.day() + if sex == Sex::Female { 40 } else { 0 };
    let prefix = format!(
        "{}{:02}{:02}{:02}",
        &village_code[..6],
        day,
        birth.month(),
        birth.year() % 100
    );
    let serial = serials.entry(prefix.clone()).or_insert(0);
    *serial += 1;
    format!("{prefix}{serial:04}")
}

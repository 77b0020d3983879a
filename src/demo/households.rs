//! Synthetic households: where the city's ~350,000 people live and whether their
//! homes have a latrine, safe drinking water and improved sanitation.
//!
//! The point of the demo is that risk is not spread evenly, so neither are the
//! households nor their sanitation. Homes crowd around kelurahan centres and the
//! central kecamatan; sanitation gaps gather in a few *kantong* (pockets), mostly
//! coastal or peripheral kelurahan, and fade with distance from them. The three gaps
//! are correlated, as they are in real surveys: a home without a latrine has no
//! improved sanitation and is more often without safe water. The BKKBN family fields
//! (target groups, unfit housing, 4T; `super::families`) are drawn afterwards.

use super::DemoError;
use super::city::City;
use super::geometry::{self, P};
use super::rng::Rng;
use chrono::{Datelike, Days, NaiveDate};
use std::collections::{HashMap, HashSet};

/// How many households the city has (about 350,000 people at 3.9 per household).
pub(crate) const TARGET_HOUSEHOLDS: usize = 90_000;

/// The kelurahan (code, name) at the heart of each sanitation pocket. Tondonggeu and
/// Abeli Dalam are also more than 5 km from any puskesmas (see `facilities`), so
/// there the sanitation gap meets an access gap.
pub(crate) const POCKETS: [(&str, &str); 6] = [
    ("7471111006", "Tondonggeu"),
    ("7471091005", "Abeli Dalam"),
    ("7471111004", "Bungkutoko"),
    ("7471031001", "Baruga"),
    ("7471021016", "Purirano"),
    ("7471011007", "Labibia"),
];
/// Scale (metres) over which a pocket's effect fades (Gaussian).
const POCKET_SCALE_M: f64 = 1_200.0;

/// The densest part of town (Mandonga and Kadia), WGS84 degrees.
const CORE: [f64; 2] = [122.512, -3.978];
/// Distance (metres) over which a kelurahan's share of households falls by e.
const CORE_DECAY_M: f64 = 6_000.0;
/// Share of households placed uniformly over the cell rather than near its centre.
const UNIFORM_SHARE: f64 = 0.2;

/// Probability of a gap near a pocket and far from every pocket: no latrine, no safe
/// water, and (for homes with a latrine) a latrine that is not improved sanitation.
const NO_LATRINE: [f64; 2] = [0.40, 0.05];
const NO_SAFE_WATER: [f64; 2] = [0.38, 0.07];
const UNIMPROVED_LATRINE: [f64; 2] = [0.12, 0.04];
/// Probability that a gap is decided by the household's shared draw (correlation).
const SHARED_DRAW: f64 = 0.6;

/// Household sizes 1 to 8 and their probabilities (mean 3.92).
const SIZES: [f64; 8] = [0.06, 0.14, 0.22, 0.24, 0.17, 0.10, 0.05, 0.02];

/// Family cards (Kartu Keluarga) in the demo were issued from this day on.
const KK_FIRST_ISSUE: NaiveDate = match NaiveDate::from_ymd_opt(2008, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// Days in the issue window, 2008-01-01 to 2026-07-31 inclusive.
const KK_ISSUE_DAYS: u64 = 6_787;

/// One synthetic household.
///
/// # Units
/// `lonlat` is WGS84 degrees rounded to 6 decimals.
#[derive(Debug, Clone)]
pub(crate) struct Household {
    /// Family-card-like number: 6-digit kecamatan code, issue date DDMMYY, serial.
    pub(crate) id: String,
    pub(crate) village: usize,
    pub(crate) lonlat: [f64; 2],
    pub(crate) has_latrine: bool,
    pub(crate) safe_water: bool,
    pub(crate) improved_sanitation: bool,
    pub(crate) people: u32,
    /// Keluarga berisiko stunting fields, drawn by [`families`] from a stream of their
    /// own so nothing above moves.
    pub(crate) family: Family,
}

/// The BKKBN family fields of a synthetic household (see `model::families`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Family {
    pub(crate) unfit_housing: bool,
    pub(crate) four_t: bool,
    /// Catin, bumil, bufas, baduta, balita, in `TargetGroup::ALL` order.
    pub(crate) groups: [bool; 5],
}

/// Households of every village, village by village.
pub(crate) fn generate(city: &City, rng: &mut Rng) -> Result<Vec<Household>, DemoError> {
    let pockets = POCKETS
        .iter()
        .map(|(code, _)| city.village_index(code).map(|v| city.villages[v].centre))
        .collect::<Result<Vec<P>, _>>()?;
    let counts = allocate(city, rng);
    let mut seen: HashSet<[i64; 2]> = HashSet::with_capacity(TARGET_HOUSEHOLDS);
    let mut serials: HashMap<String, u32> = HashMap::new();
    let mut out = Vec::with_capacity(TARGET_HOUSEHOLDS);
    for (v, &n) in counts.iter().enumerate() {
        let sigma = city.spread_m(v);
        for _ in 0..n {
            // Two homes never share a written position, so a child's coordinates
            // name exactly one household.
            let mut local = city.sample_in(rng, v, sigma, UNIFORM_SHARE);
            for _ in 0..100 {
                if seen.insert(micro_degrees(city.lonlat6(local))) {
                    break;
                }
                local = city.sample_in(rng, v, sigma, UNIFORM_SHARE);
            }
            let near = pockets
                .iter()
                .map(|&c| geometry::dist(c, local))
                .fold(f64::INFINITY, f64::min);
            let (has_latrine, safe_water, improved_sanitation) = sanitation(rng, near);
            let id = family_card(rng, &city.villages[v].code, &mut serials);
            out.push(Household {
                id,
                village: v,
                lonlat: city.lonlat6(local),
                has_latrine,
                safe_water,
                improved_sanitation,
                people: household_size(rng),
                family: Family::default(),
            });
        }
    }
    Ok(out)
}

fn micro_degrees([lon, lat]: [f64; 2]) -> [i64; 2] {
    [(lon * 1e6).round() as i64, (lat * 1e6).round() as i64]
}

/// Splits `TARGET_HOUSEHOLDS` over the villages by largest remainder: each village's
/// weight falls with distance from the core and varies by a log-normal factor.
fn allocate(city: &City, rng: &mut Rng) -> Vec<usize> {
    let core = city.frame.to_local(CORE);
    let weights: Vec<f64> = city
        .villages
        .iter()
        .map(|v| (-geometry::dist(v.centre, core) / CORE_DECAY_M + 0.3 * rng.normal()).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| w / total * TARGET_HOUSEHOLDS as f64)
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let missing = TARGET_HOUSEHOLDS - counts.iter().sum::<usize>();
    for &v in order.iter().take(missing) {
        counts[v] += 1;
    }
    counts
}

/// (has latrine, safe water, improved sanitation) for a home `near_m` metres from the
/// nearest pocket centre.
fn sanitation(rng: &mut Rng, near_m: f64) -> (bool, bool, bool) {
    let closeness = (-(near_m / POCKET_SCALE_M).powi(2) / 2.0).exp();
    let p = |[near, far]: [f64; 2]| far + (near - far) * closeness;
    let shared = rng.unit();
    let draw = |rng: &mut Rng| {
        if rng.chance(SHARED_DRAW) {
            shared
        } else {
            rng.unit()
        }
    };
    let has_latrine = draw(rng) >= p(NO_LATRINE);
    let safe_water = draw(rng) >= p(NO_SAFE_WATER);
    let improved_sanitation = has_latrine && draw(rng) >= p(UNIMPROVED_LATRINE);
    (has_latrine, safe_water, improved_sanitation)
}

fn household_size(rng: &mut Rng) -> u32 {
    let mut u = rng.unit();
    for (size, p) in (1..).zip(SIZES) {
        if u < p {
            return size;
        }
        u -= p;
    }
    SIZES.len() as u32
}

/// A 16-digit family-card-like number: the 6-digit kecamatan code, the issue date as
/// DDMMYY and a 4-digit serial, unique within the run.
fn family_card(rng: &mut Rng, village_code: &str, serials: &mut HashMap<String, u32>) -> String {
    let issued = KK_FIRST_ISSUE + Days::new(rng.below(KK_ISSUE_DAYS));
    let prefix = format!(
        "{}{:02}{:02}{:02}",
        &village_code[..6],
        issued.day(),
        issued.month(),
        issued.year() % 100
    );
    let serial = serials.entry(prefix.clone()).or_insert(0);
    *serial += 1;
    format!("{prefix}{serial:04}")
}

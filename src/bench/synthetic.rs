//! Deterministic synthetic measurement rounds over the demo city, for the recompute
//! benchmark: a million children per round where the demo has twenty-five thousand.
//!
//! Each child lives in one of the demo's households (drawn uniformly), is placed
//! within about 45 m of it (so the finest cells, resolution 10, fill as in a real
//! city), and is stunted with a probability that rises with the home's sanitation
//! gaps the way the demo's stunted children were drawn (`1 + 4·no latrine + 2·no safe
//! water + 2·no improved sanitation`). The demo's sanitation gaps cluster in six
//! pockets, so stunting clusters there too and Gi* finds hot spots. Prevalence falls
//! from 28% in the first round by 1.2 points a round, as a programme hopes.
//!
//! Round `k` draws from its own random stream of the seed: the same seed, round and
//! size give the same children on every machine.

use chrono::{Days, Months, NaiveDate};
use sigap::model::{Child, Household, Period, STUNTED_HAZ, Sex};

/// The seed `sigap bench recompute` uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 2026;
/// Mean prevalence of the first round, and its fall per round.
const FIRST_PREVALENCE: f64 = 0.28;
const FALL_PER_ROUND: f64 = 0.012;
/// Children are placed uniformly within this many degrees of their home in lon and
/// lat (about 45 m at Kendari's latitude).
const JITTER_DEG: f64 = 0.0004;
/// Oldest age in days (under 59 completed months).
const MAX_AGE_DAYS: u64 = 1_795;
/// Rounds are six months apart from February 2022: 2022-02, 2022-08, ...
const FIRST_ROUND: NaiveDate = match NaiveDate::from_ymd_opt(2022, 2, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// splitmix64 (Steele, Lea and Flood, 2014): enough randomness for a benchmark, and
/// its stream never changes with a crate version.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64, stream: u64) -> Self {
        Self(seed ^ stream.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// The period of round `k` (0-based): `2022-02`, `2022-08`, `2023-02`, ...
#[must_use]
pub fn round_period(k: u32) -> Period {
    Period::of_date(round_start(k))
}

fn round_start(k: u32) -> NaiveDate {
    FIRST_ROUND + Months::new(6 * k)
}

/// The homes children are drawn from, with their stunting weights.
pub struct Rounds {
    /// Per household, its position and its weight divided by the mean weight.
    homes: Vec<(geo::Point<f64>, f64)>,
    seed: u64,
}

impl Rounds {
    /// # Panics
    /// When `households` is empty.
    #[must_use]
    pub fn new(households: &[Household], seed: u64) -> Self {
        assert!(!households.is_empty(), "children need homes");
        let weight = |h: &Household| {
            1.0 + 4.0 * f64::from(u8::from(!h.has_latrine))
                + 2.0 * f64::from(u8::from(!h.safe_water))
                + 2.0 * f64::from(u8::from(!h.improved_sanitation))
        };
        let mean = households.iter().map(weight).sum::<f64>() / households.len() as f64;
        Self {
            homes: households
                .iter()
                .map(|h| (h.location, weight(h) / mean))
                .collect(),
            seed,
        }
    }

    /// The `n` children measured in round `k`.
    ///
    /// # Units
    /// Children's `location` is WGS84 degrees (lon, lat), as the households'.
    #[must_use]
    pub fn children(&self, k: u32, n: usize) -> Vec<Child> {
        let mut rng = Rng::new(self.seed, u64::from(k));
        let prevalence = (FIRST_PREVALENCE - FALL_PER_ROUND * f64::from(k)).max(0.02);
        let start = round_start(k);
        let period = round_period(k);
        (0..n)
            .map(|_| {
                let (home, weight) = self.homes[rng.below(self.homes.len() as u64) as usize];
                let lon = home.x() + JITTER_DEG * (2.0 * rng.unit() - 1.0);
                let lat = home.y() + JITTER_DEG * (2.0 * rng.unit() - 1.0);
                let stunted = rng.unit() < (prevalence * weight).min(0.95);
                // Stunted: HAZ in (-3.5, -2.01], a third of them below -3; others in
                // [-1.99, 1.5).
                let haz = if stunted {
                    STUNTED_HAZ - 0.01 - 1.49 * rng.unit()
                } else {
                    STUNTED_HAZ + 0.01 + 3.49 * rng.unit()
                };
                let measure = start + Days::new(rng.below(27));
                let birth = measure - Days::new(rng.below(MAX_AGE_DAYS + 1));
                Child {
                    id: String::new(),
                    location: geo::Point::new(lon, lat),
                    sex: if rng.below(2) == 0 {
                        Sex::Male
                    } else {
                        Sex::Female
                    },
                    birth_date: birth,
                    measure_date: measure,
                    // Not used by the analysis; a plausible mean height.
                    height_cm: 87.0,
                    haz,
                    placed_by_village: None,
                    period,
                }
            })
            .collect()
    }
}

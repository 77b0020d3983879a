//! A field team's day: which children to visit and in what order, over the roads.
//!
//! Given a start and an end (office or puskesmas), a number of visits at most, the
//! working time and the time a visit takes, [`plan_day`] takes the team's children
//! most urgent first (severely stunted before stunted, never visited before visited,
//! longest since the last visit, then the lowest height-for-age) and keeps each one
//! whose visit still fits the day when inserted where it costs least; a less urgent
//! child is only taken once every more urgent one was tried. The chosen visits are
//! then ordered for the least travel ([`tour::order`]: exact up to 12 stops) and
//! timed, with the road geometry of every leg. [`day::team_day`] is the use case
//! the command line and the field app both run: it picks the team's children and
//! plans their day with [`plan_day`].

pub mod day;
pub mod export;
pub mod tour;

use crate::roads::{Mode, Roads};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A child a team may visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The child's pseudonym.
    pub key: String,
    pub lonlat: [f64; 2],
    pub haz: f64,
    /// Last visit recorded, `None` when never visited.
    #[serde(with = "day_text")]
    pub last_visit: Option<NaiveDate>,
}

/// `Option<NaiveDate>` as `"YYYY-MM-DD"` or null (chrono is built without serde).
mod day_text {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    // serde's `with` passes a reference to the field
    #[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)]
    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(serde::de::Error::custom))
            .transpose()
    }
}

impl Candidate {
    fn severe(&self) -> bool {
        self.haz < crate::model::SEVERELY_STUNTED_HAZ
    }
}

/// What a day allows.
#[derive(Debug, Clone, Copy)]
pub struct DayOptions {
    pub start: [f64; 2],
    pub end: [f64; 2],
    pub max_visits: usize,
    /// Working time from leaving the start to arriving at the end (minutes).
    pub work_minutes: f64,
    /// Time spent at each home (minutes).
    pub service_minutes: f64,
    pub mode: Mode,
}

/// One visit of the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    /// Index into the candidates given.
    pub candidate: usize,
    /// Minutes after leaving the start: arrival, and departure after the visit.
    pub arrive_min: f64,
    pub leave_min: f64,
    /// Travel from the previous point (minutes, metres).
    pub travel_min: f64,
    pub travel_m: f64,
    /// Why the child is on the list: 1 most urgent.
    pub urgency_rank: usize,
}

/// The planned day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayPlan {
    pub stops: Vec<Stop>,
    /// Candidates left for another day.
    pub left: usize,
    pub travel_min: f64,
    pub service_min: f64,
    /// Leaving the start to arriving at the end.
    pub total_min: f64,
    pub travel_m: f64,
    /// `[lon, lat]` along the roads, start to end.
    pub path: Vec<[f64; 2]>,
}

/// A day as it is saved: what it was planned with and the chosen children only (the
/// stops' `candidate` indices point into `candidates`), so reading it back gives the
/// same stops in the same order whatever happened since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedDay {
    /// The weighing round the children came from (`YYYY-MM`).
    pub period: Option<String>,
    pub start: [f64; 2],
    /// The puskesmas the day starts from, when it starts from one.
    #[serde(default)]
    pub start_name: Option<String>,
    pub end: [f64; 2],
    pub max_visits: usize,
    /// `HH:MM-HH:MM`
    pub hours: String,
    pub service_minutes: f64,
    /// `motorbike`, `car` or `walk`.
    pub mode: String,
    /// How many children could have been chosen when it was planned.
    pub candidates_then: usize,
    pub candidates: Vec<Candidate>,
    pub plan: DayPlan,
}

impl SavedDay {
    /// Keeps only the chosen children of `candidates`, renumbering the stops' indices.
    #[must_use]
    pub fn chosen(mut plan: DayPlan, candidates: &[Candidate]) -> (DayPlan, Vec<Candidate>) {
        let kept = plan
            .stops
            .iter_mut()
            .enumerate()
            .map(|(i, s)| {
                let c = candidates[s.candidate].clone();
                s.candidate = i;
                c
            })
            .collect();
        (plan, kept)
    }
}

/// Minutes of working hours written `HH:MM-HH:MM` (the end after the start).
pub fn parse_hours(hours: &str) -> Result<f64, String> {
    let parse = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    match hours
        .split_once('-')
        .and_then(|(a, b)| Some((parse(a)?, parse(b)?)))
    {
        Some((a, b)) if b > a => Ok(f64::from(b - a)),
        _ => Err(format!(
            "hours must be HH:MM-HH:MM with the end after the start, e.g. 08:00-14:00, not `{hours}`"
        )),
    }
}

/// Candidates from most to least urgent (indices).
#[must_use]
pub fn by_urgency(c: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&c[a], &c[b]);
        y.severe()
            .cmp(&x.severe())
            .then(x.last_visit.is_some().cmp(&y.last_visit.is_some()))
            .then(x.last_visit.cmp(&y.last_visit))
            .then(x.haz.total_cmp(&y.haz))
            .then(x.key.cmp(&y.key))
    });
    order
}

/// Plans the day; see the module doc. `None` when the mode has no road.
#[must_use]
pub fn plan_day(roads: &Roads, candidates: &[Candidate], opts: &DayOptions) -> Option<DayPlan> {
    let mut points = vec![opts.start, opts.end];
    points.extend(candidates.iter().map(|c| c.lonlat));
    let m = roads.matrix(opts.mode, &points);
    let service = opts.service_minutes * 60.0;
    let budget = opts.work_minutes * 60.0;
    let urgency = by_urgency(candidates);
    let mut rank = vec![0; candidates.len()];
    for (r, &i) in urgency.iter().enumerate() {
        rank[i] = r + 1;
    }
    // Greedy by urgency, each kept where it costs least.
    let mut seq: Vec<usize> = Vec::new(); // matrix indices (2 + candidate)
    let mut travel = m[0][1];
    for &i in &urgency {
        if seq.len() >= opts.max_visits {
            break;
        }
        let stop = i + 2;
        let mut best: Option<(usize, f64)> = None;
        for pos in 0..=seq.len() {
            let before = if pos == 0 { 0 } else { seq[pos - 1] };
            let after = if pos == seq.len() { 1 } else { seq[pos] };
            let extra = m[before][stop] + m[stop][after] - m[before][after];
            if best.is_none_or(|(_, e)| extra < e) {
                best = Some((pos, extra));
            }
        }
        let Some((pos, extra)) = best else { continue };
        if !extra.is_finite() {
            continue;
        }
        if travel + extra + service * (seq.len() + 1) as f64 <= budget {
            seq.insert(pos, stop);
            travel += extra;
        }
    }
    let ordered = tour::order(&m, 0, 1, &seq);
    // Time the day and draw the legs.
    let mut stops = Vec::with_capacity(ordered.len());
    let mut path: Vec<[f64; 2]> = Vec::new();
    let (mut clock, mut metres, mut at) = (0.0, 0.0, 0usize);
    for &s in ordered.iter().chain(std::iter::once(&1)) {
        let leg = roads.trip(opts.mode, points[at], points[s])?;
        clock += leg.secs;
        metres += leg.metres;
        if path.last() == leg.path.first() {
            path.extend_from_slice(&leg.path[1..]);
        } else {
            path.extend_from_slice(&leg.path);
        }
        if s != 1 {
            stops.push(Stop {
                candidate: s - 2,
                arrive_min: clock / 60.0,
                leave_min: (clock + service) / 60.0,
                travel_min: leg.secs / 60.0,
                travel_m: leg.metres,
                urgency_rank: rank[s - 2],
            });
            clock += service;
        }
        at = s;
    }
    let service_min = opts.service_minutes * stops.len() as f64;
    Some(DayPlan {
        left: candidates.len() - stops.len(),
        travel_min: clock / 60.0 - service_min,
        service_min,
        total_min: clock / 60.0,
        travel_m: metres,
        path,
        stops,
    })
}

/// The puskesmas nearest (straight line) to the middle of `candidates`: a team's
/// default start and end.
#[must_use]
pub fn default_base(
    facilities: &[crate::model::Facility],
    candidates: &[Candidate],
) -> Option<[f64; 2]> {
    let n = candidates.len().max(1) as f64;
    let mid = [
        candidates.iter().map(|c| c.lonlat[0]).sum::<f64>() / n,
        candidates.iter().map(|c| c.lonlat[1]).sum::<f64>() / n,
    ];
    facilities
        .iter()
        .filter(|f| f.kind == crate::model::FacilityKind::Puskesmas)
        .map(|f| [f.location.x(), f.location.y()])
        .min_by(|a, b| {
            crate::roads::haversine_m(*a, mid).total_cmp(&crate::roads::haversine_m(*b, mid))
        })
}

//! Planning one team's day: the use case `sigap route` and the field app's "Rute hari
//! ini" (`GET` and `POST /api/route`) both run.
//!
//! Steps: take the round's stunted children of the team (in its villages, when it
//! has some) with a plausible z-score and a measured home, with the date of each
//! one's last visit; leave out those visited on the plan's day already; start at the
//! puskesmas nearest their middle unless a start is given; plan with [`plan_day`];
//! keep only the chosen children ([`SavedDay::chosen`]).

use super::{Candidate, DayOptions, SavedDay, default_base, parse_hours, plan_day};
use crate::model::{Child, Facility, Period};
use crate::roads::{Mode, Roads};
use crate::store::Visit;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// A child as the day's planning sees it: the record, its team and its village.
#[derive(Debug, Clone, Copy)]
pub struct TeamChild<'c> {
    pub child: &'c Child,
    pub team: Option<&'c str>,
    /// The village's code, `None` when not known (or not looked up).
    pub village: Option<&'c str>,
}

/// What a day is planned with.
#[derive(Debug, Clone)]
pub struct DayRequest {
    pub team: String,
    /// Village codes the team works in; empty: the whole city.
    pub villages: Vec<String>,
    /// The round whose children are visited.
    pub period: Option<Period>,
    /// The plan's day: children with a visit recorded that day are left out; `None`
    /// keeps every child.
    pub day: Option<NaiveDate>,
    /// `[lon, lat]`; `None`: the puskesmas nearest the children.
    pub start: Option<[f64; 2]>,
    /// `[lon, lat]`; `None`: the start.
    pub end: Option<[f64; 2]>,
    pub max_visits: usize,
    /// Working hours, `HH:MM-HH:MM`.
    pub hours: String,
    /// Minutes at each home.
    pub service_minutes: f64,
    pub mode: Mode,
}

/// Why a day could not be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    /// The working hours are not `HH:MM-HH:MM` with the end after the start.
    #[error("{0}")]
    Hours(String),
    /// No start was given and the store has no puskesmas: give a start.
    #[error("no puskesmas to start from: give a start (lat,lon)")]
    NoBase,
    /// The road network has no road open to the travel mode (e.g. walking paths only).
    #[error("the road network has no road for this mode")]
    NoRoad,
}

/// Plans `request`'s day over `roads`; see the module doc. `children` are every
/// child with its team and village, `visits` the recorded home visits.
///
/// # Units
/// Locations and the start and end are WGS84 degrees (lon, lat).
///
/// # Errors
/// See [`DayError`].
pub fn team_day<'c>(
    children: impl IntoIterator<Item = TeamChild<'c>>,
    visits: &[Visit],
    facilities: &[Facility],
    roads: &Roads,
    request: &DayRequest,
) -> Result<SavedDay, DayError> {
    let work_minutes = parse_hours(&request.hours).map_err(DayError::Hours)?;
    let candidates = candidates(children, visits, request);
    let start = match request.start {
        Some(p) => p,
        None => default_base(facilities, &candidates).ok_or(DayError::NoBase)?,
    };
    let start_name = facilities
        .iter()
        // The default base is a facility's own coordinates, copied: equal bits.
        .find(|f| {
            f.location.x().to_bits() == start[0].to_bits()
                && f.location.y().to_bits() == start[1].to_bits()
        })
        .map(|f| f.name.clone());
    let opts = DayOptions {
        start,
        end: request.end.unwrap_or(start),
        max_visits: request.max_visits,
        work_minutes,
        service_minutes: request.service_minutes,
        mode: request.mode,
    };
    let plan = plan_day(roads, &candidates, &opts).ok_or(DayError::NoRoad)?;
    let candidates_then = candidates.len();
    let (plan, candidates) = SavedDay::chosen(plan, &candidates);
    Ok(SavedDay {
        period: request.period.map(|p| p.to_string()),
        start: opts.start,
        start_name,
        end: opts.end,
        max_visits: opts.max_visits,
        hours: request.hours.clone(),
        service_minutes: opts.service_minutes,
        mode: request.mode.as_str().to_owned(),
        candidates_then,
        candidates,
        plan,
    })
}

/// The team's stunted children of the round (in its villages) with a home to go to
/// and not yet visited on the plan's day, with their last visits.
fn candidates<'c>(
    children: impl IntoIterator<Item = TeamChild<'c>>,
    visits: &[Visit],
    request: &DayRequest,
) -> Vec<Candidate> {
    let last = last_visits(visits);
    let done_today: HashSet<&str> = request.day.map_or_else(HashSet::new, |day| {
        let day = day.to_string();
        visits
            .iter()
            .filter(|v| v.visited_on == day)
            .map(|v| v.pseudonym.as_str())
            .collect()
    });
    let villages = &request.villages;
    children
        .into_iter()
        .filter(|c| request.period.is_none_or(|p| c.child.period == p))
        .filter(|c| c.team == Some(request.team.as_str()))
        .filter(|c| {
            villages.is_empty() || c.village.is_some_and(|v| villages.iter().any(|w| w == v))
        })
        .filter(|c| c.child.is_stunted() && !c.child.is_flagged())
        .filter(|c| c.child.placed_by_village.is_none())
        .filter(|c| !done_today.contains(c.child.id.as_str()))
        .map(|c| Candidate {
            key: c.child.id.clone(),
            lonlat: [c.child.location.x(), c.child.location.y()],
            haz: c.child.haz,
            last_visit: last.get(c.child.id.as_str()).copied(),
        })
        .collect()
}

/// The last day each child was visited (found at home).
fn last_visits(visits: &[Visit]) -> HashMap<&str, NaiveDate> {
    let mut out: HashMap<&str, NaiveDate> = HashMap::new();
    for v in visits.iter().filter(|v| v.outcome == "visited") {
        if let Ok(d) = NaiveDate::parse_from_str(&v.visited_on, "%Y-%m-%d") {
            let e = out.entry(v.pseudonym.as_str()).or_insert(d);
            *e = (*e).max(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FacilityKind, Sex};
    use crate::roads::osm_write::{OsmNode, OsmWay, write};
    use crate::roads::{Speeds, import_pbf};
    use geo::Point;

    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    /// A straight road east along the equator, 0.004 degrees (about 445 m) long.
    fn road() -> Roads {
        let nodes: Vec<OsmNode> = (1..=5)
            .map(|id| OsmNode {
                id,
                lonlat: [(id - 1) as f64 * 0.001, 0.0],
            })
            .collect();
        let way = OsmWay {
            id: 1,
            refs: vec![1, 2, 3, 4, 5],
            tags: vec![("highway".into(), "residential".into())],
        };
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sigap-day-{}-{call}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("line.osm.pbf");
        write(&path, &nodes, &[], &[way]).expect("written");
        let (network, _) = import_pbf(&path, &Speeds::default()).expect("imported");
        let _ = std::fs::remove_dir_all(&dir);
        Roads::new(network, Speeds::default())
    }

    fn child(id: &str, lon: f64, haz: f64) -> Child {
        Child {
            id: id.into(),
            location: Point::new(lon, 0.0),
            sex: Sex::Male,
            birth_date: NaiveDate::from_ymd_opt(2024, 5, 1).expect("date"),
            measure_date: NaiveDate::from_ymd_opt(2026, 2, 10).expect("date"),
            height_cm: 78.0,
            haz,
            placed_by_village: None,
            period: "2026-02".parse().expect("period"),
        }
    }

    fn visit(pseudonym: &str, day: &str) -> Visit {
        Visit {
            id: format!("visit-of-{pseudonym}-{day}"),
            pseudonym: pseudonym.into(),
            team: "Dinkes".into(),
            username: "bidan".into(),
            visited_on: day.into(),
            outcome: "visited".into(),
            given: Vec::new(),
            height_cm: None,
            weight_kg: None,
            haz: None,
            note: String::new(),
            checks: Vec::new(),
            confirm_reason: String::new(),
            received_at: String::new(),
        }
    }

    fn request() -> DayRequest {
        DayRequest {
            team: "Dinkes".into(),
            villages: vec!["V1".into()],
            period: Some("2026-02".parse().expect("period")),
            day: NaiveDate::from_ymd_opt(2026, 3, 2),
            start: None,
            end: None,
            max_visits: 10,
            hours: "08:00-14:00".into(),
            service_minutes: 20.0,
            mode: Mode::Walk,
        }
    }

    #[test]
    fn the_day_takes_the_teams_children_in_its_villages_not_yet_visited_today() {
        let mut placed = child("placed", 0.0025, -2.6);
        placed.placed_by_village = Some("V1".into());
        let kids = [
            (child("a", 0.001, -2.5), "Dinkes", "V1"),
            (child("b", 0.003, -3.5), "Dinkes", "V1"),
            (child("other-team", 0.002, -2.5), "PUPR", "V1"),
            (child("not-stunted", 0.002, -1.0), "Dinkes", "V1"),
            (placed, "Dinkes", "V1"),
            (child("done-today", 0.002, -2.2), "Dinkes", "V1"),
            (child("other-village", 0.002, -2.9), "Dinkes", "V2"),
        ];
        let children = kids.iter().map(|(c, team, village)| TeamChild {
            child: c,
            team: Some(team),
            village: Some(village),
        });
        let visits = [visit("done-today", "2026-03-02"), visit("a", "2026-02-20")];
        let facilities = [Facility {
            id: "P1".into(),
            name: "Puskesmas Poasia".into(),
            kind: FacilityKind::Puskesmas,
            location: Point::new(0.0, 0.0),
        }];
        // Ending at the far end of the road, the day goes east: a, then b.
        let east = DayRequest {
            end: Some([0.004, 0.0]),
            ..request()
        };
        let day = team_day(children, &visits, &facilities, &road(), &east).expect("day");
        assert_eq!(day.candidates_then, 2);
        assert_eq!(day.start_name.as_deref(), Some("Puskesmas Poasia"));
        assert_eq!(day.plan.stops.len(), 2);
        let first = &day.candidates[day.plan.stops[0].candidate];
        assert_eq!(first.key, "a", "the nearer child first on the way east");
        assert_eq!(first.last_visit, NaiveDate::from_ymd_opt(2026, 2, 20));
        let b = day
            .plan
            .stops
            .iter()
            .find(|s| day.candidates[s.candidate].key == "b");
        assert_eq!(b.map(|s| s.urgency_rank), Some(1), "severe before visited");
    }

    #[test]
    fn bad_hours_and_no_start_are_errors() {
        let kids = [child("a", 0.001, -2.5)];
        let children = || {
            kids.iter().map(|c| TeamChild {
                child: c,
                team: Some("Dinkes"),
                village: Some("V1"),
            })
        };
        let roads = road();
        let mut late = request();
        late.hours = "14:00-08:00".into();
        assert!(matches!(
            team_day(children(), &[], &[], &roads, &late),
            Err(DayError::Hours(_))
        ));
        assert_eq!(
            team_day(children(), &[], &[], &roads, &request()),
            Err(DayError::NoBase)
        );
        let mut given = request();
        given.start = Some([0.0, 0.0]);
        let day = team_day(children(), &[], &[], &roads, &given).expect("day");
        assert_eq!((day.start_name, day.plan.stops.len()), (None, 1));
    }
}

//! A team's day: planned from a snapshot, saved plans read back, and every team's
//! plan as counts.

use super::{OptionError, PlanOptions};
use crate::index::cases::Cases;
use crate::model::{Period, Scope};
use crate::routes::SavedDay;
use crate::routes::day::{DayError, TeamChild, team_day};
use crate::snapshot::{PeriodError, Snapshot};
use crate::store::{Dataset, SavedPlan, Visit};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// Why a day could not be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The options named a round the snapshot has no children of.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// The store has no road network: import one (`sigap import roads`).
    #[error("no road network imported: run `sigap import roads`")]
    NoRoads,
    /// An option cannot be used.
    #[error(transparent)]
    Option(#[from] OptionError),
    /// The day cannot be planned with these options and roads.
    #[error(transparent)]
    Day(#[from] DayError),
}

/// A saved plan whose JSON does not read back as a [`SavedDay`]: written by another
/// version, or damaged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the saved plan of {team} for {day} is unreadable: {reason}")]
pub struct UnreadablePlan {
    pub team: String,
    pub day: String,
    pub reason: String,
}

/// Every child of `period` (`None`: every round) in the case records, with its team
/// and village, as [`team_day`] selects from: the children the server plans with.
pub fn team_children(cases: &Cases, period: Option<Period>) -> impl Iterator<Item = TeamChild<'_>> {
    cases
        .children_for(&Scope::All, period)
        .into_iter()
        .map(|c| TeamChild {
            child: &c.child,
            team: c.team.as_deref(),
            village: c.village.as_deref(),
        })
}

/// Every child of `data` with its team and no village: what `sigap route` plans a
/// whole city's team with, without locating every home in its village first.
pub fn assigned_children(data: &Dataset) -> impl Iterator<Item = TeamChild<'_>> {
    data.children.iter().map(|c| TeamChild {
        child: c,
        team: data.assignments.get(&c.id).map(String::as_str),
        village: None,
    })
}

/// Plans `team`'s day afresh from `snapshot`: the round the options name (default:
/// the latest), the snapshot's road graphs, the team's children (in `villages`) not
/// yet visited on `day` ([`team_day`]). CPU work: run it off the async workers.
///
/// # Errors
/// [`PlanError`]: checked in the order period, roads, options, day.
pub fn make_day(
    snapshot: &Snapshot,
    options: &PlanOptions,
    (team, villages): (&str, &[String]),
    day: NaiveDate,
    visits: &[Visit],
) -> Result<SavedDay, PlanError> {
    let period = snapshot.resolve_period(options.period.as_deref())?;
    let roads = snapshot
        .analysis
        .roads
        .as_deref()
        .ok_or(PlanError::NoRoads)?;
    let request = options.request((team, villages), period, day)?;
    Ok(team_day(
        team_children(&snapshot.cases, period),
        visits,
        &snapshot.analysis.facilities,
        roads,
        &request,
    )?)
}

/// The plan a saved row holds.
///
/// # Errors
/// [`UnreadablePlan`] when its JSON is not a [`SavedDay`].
pub fn read_day(p: &SavedPlan) -> Result<SavedDay, UnreadablePlan> {
    serde_json::from_str(&p.plan).map_err(|e| UnreadablePlan {
        team: p.team.clone(),
        day: p.day.clone(),
        reason: e.to_string(),
    })
}

/// Visits recorded on `day` per child: the last one recorded.
#[must_use]
pub fn done_on(visits: &[Visit], day: NaiveDate) -> HashMap<&str, &Visit> {
    let day = day.to_string();
    visits
        .iter()
        .filter(|v| v.visited_on == day)
        .map(|v| (v.pseudonym.as_str(), v))
        .collect()
}

/// One team's saved plan for a day and how far it got: counts, no child.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    pub team: String,
    pub made_by: String,
    pub made_at: String,
    pub version: i64,
    /// Stops in the plan.
    pub stops: usize,
    /// The plan's children with a visit recorded on the day, found or not.
    pub done: usize,
    pub visited: usize,
    pub not_found: usize,
    /// Minutes from leaving the start to arriving at the end, rounded.
    pub total_min: f64,
    /// Working hours, `HH:MM-HH:MM`.
    pub hours: String,
}

/// The rows of `saved` (every team's plans for `day`) that `own` may read
/// ([`super::plans_scope`]), with the visits recorded on `day`.
///
/// # Errors
/// [`UnreadablePlan`] when a saved plan does not read back.
pub fn plan_rows(
    saved: &[SavedPlan],
    own: Option<&str>,
    visits: &[Visit],
    day: NaiveDate,
) -> Result<Vec<PlanRow>, UnreadablePlan> {
    let done = done_on(visits, day);
    saved
        .iter()
        .filter(|p| own.is_none_or(|t| t == p.team))
        .map(|p| {
            let made = read_day(p)?;
            let marks: Vec<&Visit> = made
                .candidates
                .iter()
                .filter_map(|c| done.get(c.key.as_str()).copied())
                .collect();
            Ok(PlanRow {
                team: p.team.clone(),
                made_by: p.made_by.clone(),
                made_at: p.made_at.clone(),
                version: p.version,
                stops: made.plan.stops.len(),
                done: marks.len(),
                visited: marks.iter().filter(|v| v.outcome == "visited").count(),
                not_found: marks.iter().filter(|v| v.outcome == "not_found").count(),
                total_min: made.plan.total_min.round(),
                hours: made.hours,
            })
        })
        .collect()
}

//! The field teams' use cases: which team a caller plans for and which child they
//! may record, a day's plan from its options, every team's plan as counts, the
//! planners' progress and one child's height-for-age history.
//!
//! `GET`/`POST /api/route`, `GET /api/plans`, `POST /api/visits`,
//! `GET /api/visits/progress` and `GET /api/children/{pseudonym}/history` call these,
//! and `sigap route` shares the day's pieces ([`assigned_children`],
//! [`PlanOptions::request`]'s [`crate::routes::day::DayRequest`]). A handler's steps:
//! 1. **Who.** [`team_scope`] (the team a [`Scope`] may plan for), [`plans_scope`],
//!    [`visit_child`] (the same refusal whether or not the child exists),
//!    [`visit_readers`], [`child_rounds`].
//! 2. **The store.** The handler reads the stored visits and plans, and writes a
//!    plan made or a visit recorded, and audits; nothing here does I/O.
//! 3. **The use case.** [`make_day`], [`plan_rows`], [`readable_visits`], [`progress`],
//!    [`history`].
//! 4. **The answer.** The handler shapes the JSON, GeoJSON or GPX.
//!
//! It knows no caller, request or status code: each step fails with a typed error
//! ([`ScopeError`], [`OptionError`], [`PlanError`], [`UnreadablePlan`]) that
//! `http/error.rs` maps to a status once.

mod day;
mod history;
mod options;
mod progress;
#[cfg(test)]
mod tests;

pub use day::{
    PlanError, PlanRow, UnreadablePlan, assigned_children, done_on, make_day, plan_rows, read_day,
    team_children,
};
pub use history::{History, HistoryPoint, child_rounds, history};
pub use options::{OptionError, PlanOptions, WIB_OFFSET_SECS, mode_of, plan_day_of};
pub use progress::{Progress, ProgressTable, progress};

use crate::index::cases::{CaseChild, Cases};
use crate::model::{Child, Scope};
use crate::store::Visit;
use std::collections::HashMap;

/// Why a caller may not plan for, read or record what they asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// A field officer named another team than their own: leave `team` out.
    #[error("this account works for team {0} only")]
    NotYourTeam(String),
    /// A planner or an admin plans for any team, so must name one (`?team=`).
    #[error("name the team: ?team=...")]
    NameTheTeam,
    /// The account reads no case record (a viewer, an officer without a team).
    #[error("routes and visits are for field officers, planners and admins")]
    NotForThisRole,
    /// The account is neither staff nor a viewer (an officer without a team).
    #[error("plans are for field officers, planners, admins and viewers")]
    NoPlans,
    /// The account reads no case record, and visits name children.
    #[error("visits are case-level data")]
    NoVisits,
    /// A field officer named a child outside their team and villages, or one that
    /// does not exist: the two are not told apart.
    #[error("this child is not assigned to your team")]
    NotYourChild,
    /// The child is not among the case records the account may read (or does not
    /// exist).
    #[error("no such child for this account")]
    NoSuchChild,
}

/// What a caller with `scope` may plan and record for: `(team, villages)`, the
/// villages empty for the whole city. A field officer gets their own team (naming
/// another is refused); planners and admins name the team (`asked`).
///
/// # Errors
/// [`ScopeError::NotYourTeam`], [`ScopeError::NameTheTeam`],
/// [`ScopeError::NotForThisRole`].
pub fn team_scope(scope: Scope, asked: Option<&str>) -> Result<(String, Vec<String>), ScopeError> {
    match scope {
        Scope::Team { team, villages } => {
            if asked.is_some_and(|t| t != team) {
                return Err(ScopeError::NotYourTeam(team));
            }
            Ok((team, villages))
        }
        Scope::All => asked
            .filter(|t| !t.trim().is_empty())
            .map(|t| (t.to_owned(), Vec::new()))
            .ok_or(ScopeError::NameTheTeam),
        Scope::Nothing => Err(ScopeError::NotForThisRole),
    }
}

/// Whose saved plans a caller with `scope` reads: `Some(team)` for a field officer,
/// `None` (every team's) for planners, admins and, with `viewer`, viewers, who see
/// counts only.
///
/// # Errors
/// [`ScopeError::NoPlans`] for an account with no scope that is not a viewer.
pub fn plans_scope(scope: Scope, viewer: bool) -> Result<Option<String>, ScopeError> {
    match scope {
        Scope::Team { team, .. } => Ok(Some(team)),
        Scope::All => Ok(None),
        Scope::Nothing if viewer => Ok(None),
        Scope::Nothing => Err(ScopeError::NoPlans),
    }
}

/// Whose visits a caller with `scope` reads: `(team, villages)`, `team` `None` for
/// every team's. A field officer reads their team's (of children in their villages,
/// when they have some); planners and admins any team's, or the one `asked`.
///
/// # Errors
/// [`ScopeError::NoVisits`] for an account that reads no case record.
pub fn visit_readers(
    scope: Scope,
    asked: Option<&str>,
) -> Result<(Option<String>, Vec<String>), ScopeError> {
    match scope {
        Scope::All => Ok((asked.map(str::to_owned), Vec::new())),
        Scope::Team { team, villages } => Ok((Some(team), villages)),
        Scope::Nothing => Err(ScopeError::NoVisits),
    }
}

/// The `stored` visits of `team` (`None`: any) to children in `villages` (empty:
/// anywhere; a child's village is its last round's in `cases`), of child
/// `pseudonym` when given, newest first.
#[must_use]
pub fn readable_visits(
    cases: &Cases,
    (team, villages): (Option<&str>, &[String]),
    pseudonym: Option<&str>,
    stored: Vec<Visit>,
) -> Vec<Visit> {
    let village_of: HashMap<&str, Option<&str>> = cases
        .children_for(&Scope::All, None)
        .into_iter()
        .map(|c| (c.child.id.as_str(), c.village.as_deref()))
        .collect();
    let in_villages = |v: &Visit| {
        villages.is_empty()
            || village_of
                .get(v.pseudonym.as_str())
                .copied()
                .flatten()
                .is_some_and(|code| villages.iter().any(|x| x == code))
    };
    let mut visits: Vec<Visit> = stored
        .into_iter()
        .filter(|v| team.is_none_or(|t| v.team == t))
        .filter(in_villages)
        .filter(|v| pseudonym.is_none_or(|p| v.pseudonym == p))
        .collect();
    visits.reverse();
    visits
}

/// Whether `c` is `team`'s child in one of `villages` (any village when empty).
#[must_use]
pub fn in_scope(c: &CaseChild, team: &str, villages: &[String]) -> bool {
    c.team.as_deref() == Some(team)
        && (villages.is_empty() || c.village.as_ref().is_some_and(|v| villages.contains(v)))
}

/// The child a visit names (its latest round), looked up among every case record
/// and then checked against `scope`: a field officer naming a child outside their
/// team and villages gets the same refusal whether or not the child exists, before
/// anything of the child (its birth date in a date check) can shape the answer.
/// `None`: no such child (for a planner or an admin, whose visit check says so).
///
/// # Errors
/// [`ScopeError::NotYourChild`].
pub fn visit_child<'c>(
    pseudonym: &str,
    scope: &Scope,
    cases: &'c Cases,
) -> Result<Option<&'c CaseChild>, ScopeError> {
    let child = cases
        .children_for(&Scope::All, None)
        .into_iter()
        .filter(|c| c.child.id == pseudonym)
        .max_by_key(|c| c.child.period);
    if let Scope::Team { team, villages } = scope
        && !child.is_some_and(|c| in_scope(c, team, villages))
    {
        return Err(ScopeError::NotYourChild);
    }
    Ok(child)
}

/// Every round's record of child `pseudonym` (any team's: check the caller's scope
/// first, e.g. with [`visit_child`]).
#[must_use]
pub fn rounds_of<'c>(cases: &'c Cases, pseudonym: &str) -> Vec<&'c Child> {
    cases
        .children_for(&Scope::All, None)
        .into_iter()
        .map(|c| &c.child)
        .filter(|c| c.id == pseudonym)
        .collect()
}

//! The planners' progress: per team and per village, the round's stunted children
//! and what the home visits found since the round began.

use crate::index::cases::Cases;
use crate::model::{Period, STUNTED_HAZ, Scope};
use crate::store::Visit;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One team's or village's progress over a round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Stunted children of the round (not flagged) assigned to a team.
    pub assigned: usize,
    /// Of those, found at home on a visit since the round began.
    pub visited: usize,
    /// The latest of those visits, `YYYY-MM-DD`.
    pub last_visit: Option<String>,
    /// Measured on a visit with a height-for-age z-score above the round's (the latest
    /// visit measurement that passed the plausibility checks).
    pub recovering: usize,
    /// Measured on a visit at HAZ -2 or above (the same measurement).
    pub no_longer_stunted: usize,
    /// Whose latest visit measurement failed a plausibility check and was confirmed
    /// by the officer: not counted above until a later measurement passes.
    pub unconfirmed: usize,
}

/// [`Progress`] per team and per village code (`-` for a child in no village),
/// each sorted by its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressTable {
    pub teams: BTreeMap<String, Progress>,
    pub villages: BTreeMap<String, Progress>,
}

/// The progress of `period`'s (`None`: every round's) assigned stunted children in
/// `cases`, from the `visits` recorded since the period began (all of them without
/// a period).
///
/// Steps: per child, the last day found at home, the latest visit measurement that
/// passed the plausibility checks and whether the latest one passed; then each
/// assigned, stunted, unflagged child counts in its team's row and its village's.
#[must_use]
pub fn progress(cases: &Cases, period: Option<Period>, visits: &[Visit]) -> ProgressTable {
    let from = period.map(|p| p.to_string());
    let mut latest: HashMap<&str, &Visit> = HashMap::new();
    let mut found: HashMap<&str, &str> = HashMap::new();
    // Whether each child's latest visit measurement passed the checks.
    let mut measured: HashMap<&str, bool> = HashMap::new();
    for v in visits {
        if from.as_ref().is_some_and(|f| v.visited_on[..7] < **f) || v.outcome != "visited" {
            continue;
        }
        found.insert(&v.pseudonym, &v.visited_on);
        // Only a measurement that passed the plausibility checks shows progress.
        if v.haz.is_some() && v.trusted() {
            latest.insert(&v.pseudonym, v);
        }
        if v.haz.is_some() {
            measured.insert(&v.pseudonym, v.trusted());
        }
    }
    let mut table = ProgressTable::default();
    for c in cases.children_for(&Scope::All, period) {
        let ch = &c.child;
        let Some(team) = &c.team else { continue };
        if !ch.is_stunted() || ch.is_flagged() {
            continue;
        }
        let village = c.village.clone().unwrap_or_else(|| "-".into());
        for p in [
            table.teams.entry(team.clone()).or_default(),
            table.villages.entry(village).or_default(),
        ] {
            p.assigned += 1;
            if let Some(day) = found.get(ch.id.as_str()) {
                p.visited += 1;
                if p.last_visit.as_deref().is_none_or(|l| l < *day) {
                    p.last_visit = Some((*day).to_owned());
                }
            }
            p.unconfirmed += usize::from(measured.get(ch.id.as_str()) == Some(&false));
            if let Some(haz) = latest.get(ch.id.as_str()).and_then(|v| v.haz) {
                p.recovering += usize::from(haz > ch.haz);
                p.no_longer_stunted += usize::from(haz >= STUNTED_HAZ);
            }
        }
    }
    table
}

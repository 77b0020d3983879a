//! One child's height-for-age over time: the weighing rounds' measurements and the
//! home visits', and what a measurement today may be without a warning.

use super::{ScopeError, rounds_of};
use crate::index::cases::{CaseChild, Cases};
use crate::model::Scope;
use crate::risk::plausibility::{self, Expected};
use crate::store::Visit;
use chrono::NaiveDate;
use serde::Serialize;

/// One measurement of a child.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HistoryPoint {
    /// A weighing round's (`source`: `round`).
    Round {
        /// `YYYY-MM-DD`.
        date: String,
        source: &'static str,
        /// `YYYY-MM`.
        period: String,
        height_cm: f64,
        haz: f64,
    },
    /// A home visit's (`source`: `visit`), with the plausibility checks it failed
    /// (confirmed by the officer) and whether it counts in the recovery figures
    /// ([`Visit::trusted`]).
    Visit {
        /// `YYYY-MM-DD`.
        date: String,
        source: &'static str,
        height_cm: Option<f64>,
        haz: Option<f64>,
        checks: Vec<String>,
        counts: bool,
    },
}

impl HistoryPoint {
    /// The day measured, `YYYY-MM-DD`.
    #[must_use]
    pub fn date(&self) -> &str {
        match self {
            HistoryPoint::Round { date, .. } | HistoryPoint::Visit { date, .. } => date,
        }
    }
}

/// A child's history: every measurement, oldest first, and the height expected today.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub points: Vec<HistoryPoint>,
    /// What a measurement on `today` may be without a warning, from the last one.
    pub expected_today: Option<Expected>,
}

/// Every round of child `pseudonym` among the case records `scope` may read: the
/// check before anything else of the child is looked up.
///
/// # Errors
/// [`ScopeError::NoSuchChild`] when `scope` reads no round of the child.
pub fn child_rounds<'c>(
    cases: &'c Cases,
    scope: &Scope,
    pseudonym: &str,
) -> Result<Vec<&'c CaseChild>, ScopeError> {
    let rounds: Vec<&CaseChild> = cases
        .children_for(scope, None)
        .into_iter()
        .filter(|c| c.child.id == pseudonym)
        .collect();
    if rounds.is_empty() {
        return Err(ScopeError::NoSuchChild);
    }
    Ok(rounds)
}

/// The history of the child whose `rounds` these are ([`child_rounds`]) with the
/// `stored` visits' measurements (a visit's measurement extends the z-score
/// history), on `today`.
#[must_use]
pub fn history(
    cases: &Cases,
    rounds: &[&CaseChild],
    stored: &[Visit],
    today: NaiveDate,
) -> History {
    let Some(pseudonym) = rounds.first().map(|c| c.child.id.as_str()) else {
        return History {
            points: Vec::new(),
            expected_today: None,
        };
    };
    let mut points: Vec<HistoryPoint> = rounds
        .iter()
        .map(|c| HistoryPoint::Round {
            date: c.child.measure_date.to_string(),
            source: "round",
            period: c.child.period.to_string(),
            height_cm: c.child.height_cm,
            haz: c.child.haz,
        })
        .collect();
    points.extend(
        stored
            .iter()
            .filter(|v| v.pseudonym == pseudonym && v.haz.is_some())
            .map(|v| HistoryPoint::Visit {
                date: v.visited_on.clone(),
                source: "visit",
                height_cm: v.height_cm,
                haz: v.haz,
                checks: v.checks.clone(),
                counts: v.trusted(),
            }),
    );
    let newest = rounds.iter().max_by_key(|c| c.child.period).copied();
    let expected_today = newest.and_then(|c| {
        let all = rounds_of(cases, &c.child.id);
        let last = crate::visits::last_measurement(&c.child.id, &all, stored, today, "")?;
        plausibility::expected(c.child.sex, c.child.birth_date, today, &last)
    });
    points.sort_by(|a, b| a.date().cmp(b.date()));
    History {
        points,
        expected_today,
    }
}

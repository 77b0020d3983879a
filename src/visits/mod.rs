//! Recording a home visit: what a field officer's phone sends is checked against the
//! child before it becomes a [`Visit`] to store.
//!
//! A phone records visits offline and sends them later, so a record can be wrong in
//! every field at once, name a child the server does not know, or carry a
//! measurement misread on a doorstep. [`check`] turns a [`NewVisit`] into the record
//! to store in three steps:
//! 1. **The record.** Every field is checked and every problem is listed at once
//!    ([`VisitError::Problems`]): the id the device made, the child, the date (not
//!    in the future, not before the birth), the outcome, the items given, the
//!    ranges of height and weight, the note, the reason of a confirmation.
//! 2. **The measurement.** A height or weight is checked against the WHO flags and
//!    the child's last measurement, a round's or an earlier visit's
//!    ([`last_measurement`], [`crate::risk::plausibility`]). One that fails a check
//!    is refused ([`VisitError::Implausible`]) unless the officer measured again and
//!    confirms it with a reason; then it is stored with the codes it failed.
//! 3. **The record to store**, with the new HAZ rounded to two decimals.
//!
//! After the store has taken it, [`Recorded::of`] tells a new record from the same
//! one sent again (a retry, an offline queue flushed) and refuses an id that
//! belongs to another record; [`deliveries`] is what the visit gave, as deliveries
//! of the programmes ([`crate::ledger::of_visit`]).
//!
//! Pure: the caller (`POST /api/visits`) finds the child in the case records the
//! caller may touch, reads the stored visits, writes the store and audits.

mod fields;
mod measurement;
#[cfg(test)]
mod tests;

pub use fields::{CONFIRM_REASON, HEIGHT_CM, MAX_NOTE, Problem, VISIT_ID, WEIGHT_KG};
pub use measurement::{Implausible, last_measurement};

use crate::index::cases::CaseChild;
use crate::model::{Child, Delivery, Period, Programme};
use crate::risk::plausibility;
use crate::store::Visit;
use chrono::NaiveDate;
use serde::Deserialize;

/// A home visit as the phone sends it: any field may be missing or wrong, [`check`]
/// says which.
///
/// # Units
/// `height_cm` centimetres, `weight_kg` kilograms.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewVisit {
    /// Made by the device (a UUID): the same record sent twice is stored once.
    pub id: Option<String>,
    pub pseudonym: Option<String>,
    /// `YYYY-MM-DD`.
    pub visited_on: Option<String>,
    /// `visited` or `not_found`.
    pub outcome: Option<String>,
    /// Items given, from [`crate::model::VISIT_ITEMS`].
    #[serde(default)]
    pub given: Vec<String>,
    pub height_cm: Option<f64>,
    pub weight_kg: Option<f64>,
    #[serde(default)]
    pub note: String,
    /// The officer measured again and stands by a measurement that failed a
    /// plausibility check ([`crate::risk::plausibility`]).
    #[serde(default)]
    pub confirm: bool,
    /// Why (required with `confirm`, [`CONFIRM_REASON`] characters).
    #[serde(default)]
    pub confirm_reason: String,
}

/// Why a visit is not stored.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// The record has these problems (every one, not the first): a form that lets
    /// them through, or a phone's clock or queue gone wrong. Fix the fields named.
    #[error("the visit was not recorded")]
    Problems(Vec<Problem>),
    /// The measurement failed a plausibility check and was not confirmed: most
    /// likely a misreading or a typo. Measure again, or send it again with
    /// `confirm` and a `confirm_reason`.
    #[error("{0}")]
    Implausible(Box<Implausible>),
    /// The store holds another child's or another team's visit under this id: the
    /// phone must make a new id. Nothing of the stored record is told.
    #[error("this visit id belongs to another record; the phone must make a new id")]
    IdTaken,
}

/// The record to store for `sent`, a visit by `by` to `child` (its latest record,
/// `None` when no child has the pseudonym sent), checked against the child's records
/// of every round (`rounds`; records of other children are ignored), the stored
/// visits and `today` (a visit may be dated tomorrow at most: the phone's day may
/// run ahead of the server's).
pub fn check(
    sent: &NewVisit,
    child: Option<&CaseChild>,
    rounds: &[&Child],
    stored: &[Visit],
    today: NaiveDate,
    by: &str,
) -> Result<Visit, VisitError> {
    let (day, child) = fields::validate(sent, child, today)?;
    let measured = measurement::measure(sent, day, &child.child, rounds, stored);
    let haz = measured
        .as_ref()
        .and_then(|(_, v)| v.scores.haz)
        .map(|z| (z * 100.0).round() / 100.0);
    let failed: Vec<&'static str> = measured
        .as_ref()
        .map(|(_, v)| v.failed.iter().map(|c| c.code).collect())
        .unwrap_or_default();
    if let Some((last, verdict)) = measured.filter(|_| !failed.is_empty() && !sent.confirm) {
        let expected = last
            .as_ref()
            .and_then(|l| plausibility::expected(child.child.sex, child.child.birth_date, day, l));
        return Err(VisitError::Implausible(Box::new(Implausible {
            checks: verdict.failed,
            haz,
            previous: last,
            expected,
            height_cm: sent.height_cm,
            weight_kg: sent.weight_kg,
        })));
    }
    Ok(Visit {
        id: sent.id.clone().unwrap_or_default(),
        pseudonym: child.child.id.clone(),
        team: child.team.clone().unwrap_or_default(),
        username: by.to_owned(),
        visited_on: day.to_string(),
        outcome: sent.outcome.clone().unwrap_or_default(),
        given: sent.given.clone(),
        height_cm: sent.height_cm,
        weight_kg: sent.weight_kg,
        haz,
        note: sent.note.clone(),
        checks: failed.iter().map(|c| (*c).to_owned()).collect(),
        confirm_reason: if failed.is_empty() {
            String::new()
        } else {
            sent.confirm_reason.trim().to_owned()
        },
        received_at: String::new(),
    })
}

/// How the store took a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A record the store did not have.
    New,
    /// The same record sent again (a retry, an offline queue flushed): the stored
    /// one stands.
    Resent,
}

impl Recorded {
    /// What storing `sent` came to: `new` when the store had no visit with its id,
    /// else `stored` is the visit it holds under that id. A resend is the same child
    /// by the same team; any other use of a stored id is [`VisitError::IdTaken`].
    pub fn of(sent: &Visit, stored: &Visit, new: bool) -> Result<Self, VisitError> {
        if new {
            Ok(Recorded::New)
        } else if stored.pseudonym == sent.pseudonym && stored.team == sent.team {
            Ok(Recorded::Resent)
        } else {
            Err(VisitError::IdTaken)
        }
    }
}

/// What `visit` gave, as deliveries of the `programmes` naming its items
/// ([`crate::ledger::of_visit`]) in the round of `periods` its day falls in; none
/// when the child was not found (or its day is not `YYYY-MM-DD`, which a record
/// from [`check`] always is).
#[must_use]
pub fn deliveries(visit: &Visit, programmes: &[Programme], periods: &[Period]) -> Vec<Delivery> {
    let Ok(day) = NaiveDate::parse_from_str(&visit.visited_on, "%Y-%m-%d") else {
        return Vec::new();
    };
    if visit.outcome != "visited" {
        return Vec::new();
    }
    crate::ledger::of_visit(
        &visit.id,
        &visit.pseudonym,
        day,
        &visit.team,
        &visit.given,
        programmes,
        periods,
    )
}

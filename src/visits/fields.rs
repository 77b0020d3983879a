//! The fields of a visit record, each checked on its own: every problem is listed at
//! once, so the officer fixes the form in one go rather than one field per send.

use super::{NewVisit, VisitError};
use crate::index::cases::CaseChild;
use crate::model::VISIT_ITEMS;
use chrono::NaiveDate;
use serde::Serialize;
use std::ops::RangeInclusive;

/// Shortest and longest reason for confirming an implausible measurement, in
/// characters (trimmed).
pub const CONFIRM_REASON: RangeInclusive<usize> = 5..=200;

/// Shortest and longest visit id: a device's UUID has 32 hex digits; an id short
/// enough to guess would let one team replay another's.
pub const VISIT_ID: RangeInclusive<usize> = 16..=64;

/// The heights a visit may record, in cm (a child under five, lying or standing).
pub const HEIGHT_CM: RangeInclusive<f64> = 38.0..=130.0;

/// The weights a visit may record, in kg.
pub const WEIGHT_KG: RangeInclusive<f64> = 0.9..=30.0;

/// Longest note, in characters.
pub const MAX_NOTE: usize = 500;

/// One problem of a visit record: the field and what it should be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub reason: String,
}

/// Every problem of the record `sent` ([`VisitError::Problems`]), else its day and
/// child.
pub(super) fn validate<'c>(
    sent: &NewVisit,
    child: Option<&'c CaseChild>,
    today: NaiveDate,
) -> Result<(NaiveDate, &'c CaseChild), VisitError> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut bad = |field: &'static str, reason: String| problems.push(Problem { field, reason });
    let id = sent.id.as_deref().unwrap_or_default();
    if !VISIT_ID.contains(&id.len()) || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        bad(
            "id",
            format!(
                "a UUID made by the device ({} to {} letters, digits or -)",
                VISIT_ID.start(),
                VISIT_ID.end()
            ),
        );
    }
    if child.is_none() {
        bad("pseudonym", "no such child".into());
    }
    let day = sent
        .visited_on
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match day {
        None => bad("visited_on", "a date YYYY-MM-DD".into()),
        Some(d) if d > today + chrono::Duration::days(1) => {
            bad("visited_on", "in the future".into());
        }
        Some(d) if child.is_some_and(|c| d < c.child.birth_date) => {
            bad("visited_on", "before the child's birth".into());
        }
        _ => {}
    }
    let outcome = sent.outcome.as_deref().unwrap_or_default();
    if !matches!(outcome, "visited" | "not_found") {
        bad("outcome", "visited or not_found".into());
    }
    for g in &sent.given {
        if !VISIT_ITEMS.contains(&g.as_str()) {
            bad(
                "given",
                format!("{g} is not one of {}", VISIT_ITEMS.join(", ")),
            );
        }
    }
    if outcome == "not_found" && (!sent.given.is_empty() || sent.height_cm.is_some()) {
        bad(
            "outcome",
            "nothing is given or measured when the child was not found".into(),
        );
    }
    if sent.height_cm.is_some_and(|h| !HEIGHT_CM.contains(&h)) {
        bad("height_cm", "between 38 and 130 cm".into());
    }
    if sent.weight_kg.is_some_and(|w| !WEIGHT_KG.contains(&w)) {
        bad("weight_kg", "between 0.9 and 30 kg".into());
    }
    if sent.note.chars().count() > MAX_NOTE {
        bad("note", format!("at most {MAX_NOTE} characters"));
    }
    if sent.confirm && !CONFIRM_REASON.contains(&sent.confirm_reason.trim().chars().count()) {
        bad(
            "confirm_reason",
            "alasan konfirmasi wajib diisi (5 sampai 200 karakter) / a reason is required to confirm (5 to 200 characters)".into(),
        );
    }
    match (day, child) {
        (Some(day), Some(child)) if problems.is_empty() => Ok((day, child)),
        _ => Err(VisitError::Problems(problems)),
    }
}

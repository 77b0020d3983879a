//! A visit's measurement against the child's last one ([`crate::risk::plausibility`]):
//! the WHO flags on the new z-scores, a height that shrank, a HAZ that jumped.

use super::NewVisit;
use crate::model::Child;
use crate::risk::plausibility::{self, Check, Expected, Previous};
use crate::store::Visit;
use chrono::NaiveDate;

/// A measurement that failed the plausibility checks: what failed, and what it was
/// compared with.
///
/// # Units
/// `height_cm` centimetres, `weight_kg` kilograms, `haz` a z-score.
#[derive(Debug, Clone, PartialEq)]
pub struct Implausible {
    /// The checks that failed, each with its code and a sentence in Bahasa
    /// Indonesia and in English.
    pub checks: Vec<Check>,
    /// The new measurement's HAZ, rounded to two decimals.
    pub haz: Option<f64>,
    /// The measurement it was compared with.
    pub previous: Option<Previous>,
    /// What the checks would have let through on the visit's day.
    pub expected: Option<Expected>,
    pub height_cm: Option<f64>,
    pub weight_kg: Option<f64>,
}

impl Implausible {
    /// The codes of the failed checks.
    #[must_use]
    pub fn codes(&self) -> Vec<&'static str> {
        self.checks.iter().map(|c| c.code).collect()
    }
}

/// In Bahasa Indonesia: what failed and how to go on.
impl std::fmt::Display for Implausible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let failed: Vec<&str> = self.checks.iter().map(|c| c.pesan.as_str()).collect();
        write!(
            f,
            "Pengukuran perlu diperiksa: {} Ukur ulang, atau konfirmasi dengan alasan.",
            failed.join(" ")
        )
    }
}

/// The child `pseudonym`'s latest measurement on or before `day` a new one is
/// compared with: a weighing round's from `rounds` (unless WHO-flagged) or a stored
/// visit's other than visit `except` (a confirmed one too: the officer stood by it,
/// so the next measurement is checked against it). On the same day a visit's is the
/// later one.
#[must_use]
pub fn last_measurement(
    pseudonym: &str,
    rounds: &[&Child],
    stored: &[Visit],
    day: NaiveDate,
    except: &str,
) -> Option<Previous> {
    let rounds = rounds
        .iter()
        .filter(|c| c.id == pseudonym && !c.is_flagged())
        .filter(|c| c.measure_date <= day)
        .map(|c| Previous {
            date: c.measure_date,
            height_cm: c.height_cm,
            haz: c.haz,
            source: "round",
        });
    let visits = stored
        .iter()
        .filter(|v| v.pseudonym == pseudonym && v.id != except && v.outcome == "visited")
        .filter_map(|v| {
            Some(Previous {
                date: NaiveDate::parse_from_str(&v.visited_on, "%Y-%m-%d").ok()?,
                height_cm: v.height_cm?,
                haz: v.haz?,
                source: "visit",
            })
        })
        .filter(|p| p.date <= day);
    rounds
        .chain(visits)
        .max_by_key(|p| (p.date, p.source == "visit"))
}

/// The plausibility checks of a visit's measurement on `day` against the child's
/// last one, and that one; `None` when nothing was measured.
pub(super) fn measure(
    sent: &NewVisit,
    day: NaiveDate,
    child: &Child,
    rounds: &[&Child],
    stored: &[Visit],
) -> Option<(Option<Previous>, plausibility::Verdict)> {
    if sent.height_cm.is_none() && sent.weight_kg.is_none() {
        return None;
    }
    let except = sent.id.as_deref().unwrap_or_default();
    let last = last_measurement(&child.id, rounds, stored, day, except);
    let verdict = plausibility::check(
        &plausibility::NewMeasurement {
            sex: child.sex,
            birth_date: child.birth_date,
            date: day,
            height_cm: sent.height_cm,
            weight_kg: sent.weight_kg,
        },
        last.as_ref(),
    );
    Some((last, verdict))
}

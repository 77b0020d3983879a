//! Case audit and re-measure lists: which children of a weighing round a planner
//! should look at again, and why.
//!
//! Bengkulu audits its stunting cases before the figures go to the rembuk; a
//! misread board, a swapped child or a round that skipped a posyandu changes the
//! prevalence as much as real growth does. So for a chosen period and the stored
//! period before it, every child falls in zero or more lists:
//!
//! | kind | rule |
//! |---|---|
//! | `implausible` | this round's HAZ carries the WHO flag (beyond ±[`HAZ_FLAG`](crate::model::HAZ_FLAG); a stored round keeps no weight, so no WAZ/WHZ flag) |
//! | `jump` | measured in both rounds and this round fails a history check of [`plausibility::against_last`] against the one before: `height_shrank` or `haz_jump`, the same rules and constants as a visit's measurement |
//! | `once` | measured this round and in no other stored round |
//! | `missed` | measured in the previous round, not in this one, and still under five on the first day of this period (younger than [`AGED_OUT_DAYS`]) |
//! | `newly_stunted` | HAZ ≥ -2 in the previous round, < -2 now |
//! | `worse` | stunted (HAZ < -2) in both rounds and HAZ fell by more than [`WORSE_HAZ_DROP`], or it crossed into severe stunting (≥ -3 before, < -3 now) |
//!
//! `newly_stunted` and `worse` leave out a round whose HAZ is WHO-flagged: an
//! implausible value is no evidence of change either way (as in
//! [`crate::analysis::change`]); such a child is in `implausible` instead. Steps:
//! [`lists`] groups the stored rows by child, finds the previous period among the
//! stored ones, and applies the rules; the answer is ordered by pseudonym.

use crate::model::{Child, Period, SEVERELY_STUNTED_HAZ, STUNTED_HAZ};
use crate::risk::plausibility::{self, Previous};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// How far a stunted child's HAZ must fall between two rounds to be listed as
/// getting worse. Two measurements of the same child differ by up to about 1 cm
/// (WHO MGRS technical error of measurement, 0.5-0.7 cm, times two), about 0.3 HAZ
/// at two years; half a z-score is beyond that noise and is what the WHO calls a
/// growth faltering worth acting on between two routine measurements.
pub const WORSE_HAZ_DROP: f64 = 0.5;

/// Age from which a child missing from a round is not listed as missed: 60 months
/// (1856 days), where the WHO 2006 standards end and the posyandu stop weighing.
pub const AGED_OUT_DAYS: i64 = 1856;

/// One list a child can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Implausible,
    Jump,
    Once,
    Missed,
    NewlyStunted,
    Worse,
}

impl ListKind {
    pub const ALL: [ListKind; 6] = [
        Self::Implausible,
        Self::Jump,
        Self::Once,
        Self::Missed,
        Self::NewlyStunted,
        Self::Worse,
    ];

    /// The API's word: `implausible`, `jump`, `once`, `missed`, `newly_stunted`, `worse`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Implausible => "implausible",
            Self::Jump => "jump",
            Self::Once => "once",
            Self::Missed => "missed",
            Self::NewlyStunted => "newly_stunted",
            Self::Worse => "worse",
        }
    }

    /// The kind of an API word.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The list's name in Bahasa Indonesia, for sheets and print.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Implausible => "Pengukuran tidak masuk akal",
            Self::Jump => "Lonjakan antar putaran",
            Self::Once => "Diukur sekali",
            Self::Missed => "Tidak diukur putaran ini",
            Self::NewlyStunted => "Baru stunting",
            Self::Worse => "Memburuk",
        }
    }
}

/// What a planner decided about a listed case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The measurement is right; nothing to do.
    Valid,
    /// Measure the child again at the posyandu or at home.
    Remeasure,
    /// A data-entry error to be corrected in the source register.
    DataError,
    /// Referred to the puskesmas (or a paediatrician) for care.
    Referred,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Self::Valid,
        Self::Remeasure,
        Self::DataError,
        Self::Referred,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Remeasure => "remeasure",
            Self::DataError => "data_error",
            Self::Referred => "referred",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s.trim())
    }

    /// The decision in Bahasa Indonesia.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "Data benar",
            Self::Remeasure => "Ukur ulang",
            Self::DataError => "Salah input data",
            Self::Referred => "Dirujuk ke puskesmas",
        }
    }
}

/// One listed child: its rows of this round and the previous one, and its lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Case<'a> {
    pub id: &'a str,
    /// This round's row (`None`: missed).
    pub now: Option<&'a Child>,
    /// The previous round's row (`None`: not measured then, or no previous period).
    pub before: Option<&'a Child>,
    /// In [`ListKind::ALL`] order, never empty.
    pub kinds: Vec<ListKind>,
    /// The failed history checks behind `jump` (`height_shrank`, `haz_jump`).
    pub checks: Vec<&'static str>,
}

/// The lists of `period` over `children` (every stored row of every period) and
/// the stored period just before it (the latest of `children`'s periods earlier
/// than `period`, if any). Children in no list are left out.
#[must_use]
pub fn lists<'a>(children: &[&'a Child], period: Period) -> Vec<Case<'a>> {
    let previous = children
        .iter()
        .map(|c| c.period)
        .filter(|p| *p < period)
        .max();
    let mut by_id: BTreeMap<&str, Vec<&Child>> = BTreeMap::new();
    for c in children {
        by_id.entry(c.id.as_str()).or_default().push(c);
    }
    let first_day = NaiveDate::from_ymd_opt(i32::from(period.year()), u32::from(period.month()), 1);
    by_id
        .into_iter()
        .filter_map(|(id, rows)| {
            let now = rows.iter().copied().find(|c| c.period == period);
            let before = previous.and_then(|p| rows.iter().copied().find(|c| c.period == p));
            let (kinds, checks) = kinds_of(now, before, rows.len(), first_day);
            (!kinds.is_empty()).then_some(Case {
                id,
                now,
                before,
                kinds,
                checks,
            })
        })
        .collect()
}

/// The lists of one child with `rows` stored rows in all.
fn kinds_of(
    now: Option<&Child>,
    before: Option<&Child>,
    rows: usize,
    first_day: Option<NaiveDate>,
) -> (Vec<ListKind>, Vec<&'static str>) {
    let mut kinds = Vec::new();
    let mut checks = Vec::new();
    match (now, before) {
        (Some(n), b) => {
            if n.is_flagged() {
                kinds.push(ListKind::Implausible);
            }
            if let Some(b) = b {
                let last = Previous {
                    date: b.measure_date,
                    height_cm: b.height_cm,
                    haz: b.haz,
                    source: "round",
                };
                checks = plausibility::against_last(
                    n.birth_date,
                    n.measure_date,
                    n.height_cm,
                    Some(n.haz),
                    &last,
                )
                .into_iter()
                .map(|c| c.code)
                .collect();
                if !checks.is_empty() {
                    kinds.push(ListKind::Jump);
                }
            }
            if rows == 1 {
                kinds.push(ListKind::Once);
            }
            if let Some(b) = b.filter(|b| !b.is_flagged() && !n.is_flagged()) {
                if b.haz >= STUNTED_HAZ && n.haz < STUNTED_HAZ {
                    kinds.push(ListKind::NewlyStunted);
                }
                if b.haz < STUNTED_HAZ
                    && n.haz < STUNTED_HAZ
                    && (n.haz < b.haz - WORSE_HAZ_DROP
                        || (b.haz >= SEVERELY_STUNTED_HAZ && n.haz < SEVERELY_STUNTED_HAZ))
                {
                    kinds.push(ListKind::Worse);
                }
            }
        }
        (None, Some(b)) => {
            let young = first_day.is_some_and(|d| (d - b.birth_date).num_days() < AGED_OUT_DAYS);
            if young {
                kinds.push(ListKind::Missed);
            }
        }
        (None, None) => {}
    }
    (kinds, checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sex;
    use geo::Point;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    /// A girl born on `born`, measured on `date` in that month's period.
    fn row(id: &str, born: &str, date: &str, h: f64, haz: f64) -> Child {
        let date = day(date);
        Child {
            id: id.into(),
            location: Point::new(122.5, -4.0),
            sex: Sex::Female,
            birth_date: day(born),
            measure_date: date,
            height_cm: h,
            haz,
            placed_by_village: None,
            period: Period::of_date(date),
        }
    }

    fn aug() -> Period {
        "2026-08".parse().expect("period")
    }

    fn kinds(rows: &[Child], period: Period) -> Vec<(String, Vec<&'static str>)> {
        let refs: Vec<&Child> = rows.iter().collect();
        lists(&refs, period)
            .into_iter()
            .map(|c| {
                (
                    c.id.to_owned(),
                    c.kinds.iter().map(|k| k.as_str()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn each_list_by_hand() {
        let rows = [
            // Steady: in no list.
            row("a", "2024-06-01", "2026-02-10", 75.0, -1.0),
            row("a", "2024-06-01", "2026-08-10", 80.5, -1.05),
            // A HAZ of -6.5 this round: implausible (and a jump from -1.0).
            row("b", "2024-06-01", "2026-02-10", 75.0, -1.0),
            row("b", "2024-06-01", "2026-08-10", 60.0, -6.5),
            // Born after February: measured once.
            row("c", "2026-04-01", "2026-08-10", 60.0, -0.5),
            // Measured in February only: missed; one aged out is not.
            row("d", "2024-06-01", "2026-02-10", 75.0, -1.0),
            row("e", "2021-06-01", "2026-02-10", 105.0, -1.0),
            // -1.9 to -2.3: newly stunted.
            row("f", "2024-06-01", "2026-02-10", 74.0, -1.9),
            row("f", "2024-06-01", "2026-08-10", 78.0, -2.3),
            // Stunted, falls by 0.6: worse; falls by 0.3 across -3: worse.
            row("g", "2024-06-01", "2026-02-10", 70.0, -2.4),
            row("g", "2024-06-01", "2026-08-10", 73.0, -3.0),
            row("h", "2024-06-01", "2026-02-10", 70.0, -2.9),
            row("h", "2024-06-01", "2026-08-10", 73.0, -3.2),
            // Stunted, falls by 0.4 and stays above -3: not worse.
            row("i", "2024-06-01", "2026-02-10", 70.0, -2.1),
            row("i", "2024-06-01", "2026-08-10", 73.0, -2.5),
            // 3 cm shorter than in February: a jump (height_shrank).
            row("j", "2024-06-01", "2026-02-10", 80.0, -1.0),
            row("j", "2024-06-01", "2026-08-10", 77.0, -1.2),
        ];
        assert_eq!(
            kinds(&rows, aug()),
            [
                ("b".into(), vec!["implausible", "jump"]),
                ("c".into(), vec!["once"]),
                ("d".into(), vec!["missed"]),
                ("f".into(), vec!["newly_stunted"]),
                ("g".into(), vec!["worse"]),
                ("h".into(), vec!["worse"]),
                ("j".into(), vec!["jump"]),
            ]
        );
        let refs: Vec<&Child> = rows.iter().collect();
        let j = lists(&refs, aug())
            .into_iter()
            .find(|c| c.id == "j")
            .expect("j");
        assert_eq!(j.checks, ["height_shrank"]);
    }

    #[test]
    fn the_previous_period_is_the_latest_stored_before() {
        // A child measured in February and August, but not in May: for August the
        // previous round is May, so the child is no jump but also not compared.
        let rows = [
            row("a", "2024-06-01", "2026-02-10", 75.0, -1.0),
            row("a", "2024-06-01", "2026-08-10", 80.5, -3.5),
            row("b", "2024-06-01", "2026-05-10", 78.0, -1.0),
            row("b", "2024-06-01", "2026-08-10", 80.5, -1.1),
        ];
        assert_eq!(kinds(&rows, aug()), Vec::<(String, Vec<&str>)>::new());
        // For February there is no previous round: no jump, no missed; both
        // children were measured in other rounds too.
        let feb: Period = "2026-02".parse().expect("period");
        assert!(kinds(&rows, feb).is_empty());
    }

    #[test]
    fn a_flagged_round_is_no_evidence_of_change() {
        let rows = [
            row("a", "2024-06-01", "2026-02-10", 75.0, -6.2),
            row("a", "2024-06-01", "2026-08-10", 76.0, -2.5),
        ];
        // Not newly stunted (February's -6.2 is flagged), but a jump.
        assert_eq!(kinds(&rows, aug()), [("a".into(), vec!["jump"])]);
    }

    #[test]
    fn words_round_trip() {
        for k in ListKind::ALL {
            assert_eq!(ListKind::parse(k.as_str()), Some(k));
        }
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("ok"), None);
    }
}

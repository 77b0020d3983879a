//! The demo's intervention ledger: deliveries of the built-in programmes
//! ([`crate::model::default_programmes`]) in the February and August 2026 rounds, as
//! a city's OPDs and sponsors would report them.
//!
//! Each village gets an effort level per round (some villages reached well, some
//! hardly), so coverage differs on the map and some high-risk villages are left
//! behind; February's effort is lower (the programmes were starting). Each round is
//! drawn from a stream of its own so no other demo figure moves.

use super::children::Child;
use super::households::Household;
use super::rng::Rng;
use chrono::{Days, NaiveDate};

/// One row of `interventions.csv`.
pub(crate) struct Row {
    pub(crate) programme: &'static str,
    pub(crate) child: Option<String>,
    pub(crate) household: Option<String>,
    pub(crate) village: Option<String>,
    pub(crate) date: NaiveDate,
    pub(crate) quantity: Option<u32>,
    pub(crate) cost: Option<u64>,
    /// Who delivered it when not the programme's usual deliverer (a named sponsor).
    pub(crate) by: Option<&'static str>,
}

/// The sponsors (bapak asuh, CSR) foster parents come from; invented names.
pub(crate) const SPONSORS: [&str; 4] = [
    "CSR Bank Pembangunan Daerah",
    "BAZNAS Kota",
    "Paguyuban Pengusaha Teluk",
    "CSR PT Pelabuhan Samudra",
];

/// The sponsor of a child's foster parent: from the child's id, so drawing it takes
/// nothing from the round's stream.
fn sponsor_of(id: &str) -> &'static str {
    let n: usize = id.bytes().map(usize::from).sum();
    SPONSORS[n % SPONSORS.len()]
}

/// The days a round's deliveries fall on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) start: NaiveDate,
    pub(crate) days: u64,
    /// Village effort is multiplied by this (1: August's).
    pub(crate) effort: f64,
}

/// The August 2026 round: deliveries from August to the end of November.
pub(crate) const AUGUST: Window = Window {
    start: NaiveDate::from_ymd_opt(2026, 8, 1).expect("valid date"),
    days: 121,
    effort: 1.0,
};

/// The February 2026 round: deliveries from February to the end of June, at a lower
/// effort.
pub(crate) const FEBRUARY: Window = Window {
    start: NaiveDate::from_ymd_opt(2026, 2, 1).expect("valid date"),
    days: 150,
    effort: 0.6,
};

/// The ledger of one round (`window`): PMT and eggs to stunted children, vitamin A to
/// most children, iron tablets to pregnant women, latrines and water connections to
/// households without, social assistance to families at risk, and foster parents for
/// some stunted children.
pub(crate) fn generate(
    window: Window,
    village_codes: &[String],
    children: &[Child],
    households: &[Household],
    rng: &mut Rng,
) -> Vec<Row> {
    // How hard each village is worked: 0.1 (hardly) .. 0.95 (nearly everyone).
    let effort: Vec<f64> = village_codes
        .iter()
        .map(|_| {
            window.effort
                * if rng.chance(0.25) {
                    rng.uniform(0.05, 0.3)
                } else {
                    rng.uniform(0.45, 0.95)
                }
        })
        .collect();
    let mut rows = children_rows(window, &effort, children, households, rng);
    rows.extend(household_rows(window, &effort, households, rng));
    // The same programme, recipient and day twice is one delivery.
    rows.sort_by(|a, b| {
        (a.programme, &a.child, &a.household, &a.village, a.date).cmp(&(
            b.programme,
            &b.child,
            &b.household,
            &b.village,
            b.date,
        ))
    });
    rows.dedup_by(|a, b| {
        (a.programme, &a.child, &a.household, &a.village, a.date)
            == (b.programme, &b.child, &b.household, &b.village, b.date)
    });
    rows
}

/// A day of the round.
fn day(window: Window, rng: &mut Rng) -> NaiveDate {
    window.start + Days::new(rng.below(window.days))
}

/// A row of `programme` on `date`, to be given its recipient and amounts.
fn row(programme: &'static str, date: NaiveDate) -> Row {
    Row {
        programme,
        child: None,
        household: None,
        village: None,
        date,
        quantity: None,
        cost: None,
        by: None,
    }
}

/// PMT, eggs and foster parents for stunted children; vitamin A for most children.
fn children_rows(
    window: Window,
    effort: &[f64],
    children: &[Child],
    households: &[Household],
    rng: &mut Rng,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for c in children {
        let e = effort[households[c.household].village];
        if c.haz < crate::model::STUNTED_HAZ {
            if rng.chance(e) {
                // PMT lokal: two or three packages a month, some children twice.
                for _ in 0..=usize::from(rng.chance(0.4)) {
                    let n = 2 + rng.below(2) as u32;
                    rows.push(Row {
                        child: Some(c.id.clone()),
                        quantity: Some(n * 30),
                        cost: Some(u64::from(n) * 30 * 15_000),
                        ..row("pmt", day(window, rng))
                    });
                }
            }
            if rng.chance(e * 0.7) {
                rows.push(Row {
                    child: Some(c.id.clone()),
                    quantity: Some(30),
                    cost: Some(30 * 2_500),
                    ..row("telur", day(window, rng))
                });
            }
            if rng.chance(0.08) {
                rows.push(Row {
                    child: Some(c.id.clone()),
                    quantity: Some(6),
                    cost: Some(6 * 250_000),
                    by: Some(sponsor_of(&c.id)),
                    ..row("bapak_asuh", day(window, rng))
                });
            }
        }
        if rng.chance(0.5 + e * 0.45) {
            rows.push(Row {
                child: Some(c.id.clone()),
                quantity: Some(1),
                ..row("vita", window.start + Days::new(rng.below(31)))
            });
        }
    }
    rows
}

/// Iron tablets, latrines, water and social assistance for households.
fn household_rows(
    window: Window,
    effort: &[f64],
    households: &[Household],
    rng: &mut Rng,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for h in households {
        let e = effort[h.village];
        // Catin, bumil, bufas, baduta, balita.
        if h.family.groups[1] && rng.chance(e) {
            rows.push(Row {
                household: Some(h.id.clone()),
                quantity: Some(90),
                ..row("ttd_bumil", day(window, rng))
            });
        }
        if !h.has_latrine && rng.chance(e * 0.25) {
            rows.push(Row {
                household: Some(h.id.clone()),
                quantity: Some(1),
                cost: Some(3_500_000),
                ..row("jamban", day(window, rng))
            });
        }
        if !h.safe_water && rng.chance(e * 0.2) {
            rows.push(Row {
                household: Some(h.id.clone()),
                quantity: Some(1),
                cost: Some(1_200_000),
                ..row("air", day(window, rng))
            });
        }
        let at_risk = h.family.groups.contains(&true)
            && (!h.safe_water
                || !h.has_latrine
                || !h.improved_sanitation
                || h.family.unfit_housing
                || h.family.four_t);
        if at_risk && rng.chance(e * 0.5) {
            rows.push(Row {
                household: Some(h.id.clone()),
                cost: Some(600_000),
                ..row("bansos", day(window, rng))
            });
        }
    }
    rows
}

//! Plan against delivery: for each deliverer (an OPD, a puskesmas, a sponsor, a team
//! children are assigned to) in one weighing round, the children it was assigned (the
//! shares of `sigap assign`), how many of them were visited, how many received an
//! intervention, how many were reached by neither, and what it delivered per
//! programme ([`super::coverage::Coverage::by`]); and the villages nobody reached.
//!
//! | figure | counted |
//! |---|---|
//! | `assigned` | the round's children assigned to the deliverer |
//! | `visited` | of them, found on at least one home visit (outcome `visited`) dated in the round's window |
//! | `received` | of them, given at least one delivery of any programme in the round, to the child or to its household, by anyone |
//! | `unreached` | of them, neither visited nor given anything |
//! | `programmes` | the deliverer's deliveries and distinct recipients per programme in the round |
//!
//! A visit counts towards the round its date falls in, by the ledger's rule
//! ([`crate::ingest::interventions::period_of`]: a round runs from its month until the
//! next round's month, at most six months). A village nobody reached had no delivery
//! of any programme to anyone in it (a child, a household, the village itself) and no
//! child of the round in it found on a visit in the round.
//!
//! Pure: no I/O.

use super::coverage::{Coverage, Delivered};
use crate::ingest::interventions::period_of;
use crate::model::{Delivery, Period, Recipient};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// One child of the round, as the plan sees it.
#[derive(Debug, Clone, Copy)]
pub struct PlanChild<'a> {
    pub id: &'a str,
    pub village: Option<&'a str>,
    /// The team (deliverer) the child is assigned to.
    pub team: Option<&'a str>,
    /// The household at the child's home.
    pub household: Option<&'a str>,
}

/// One home visit, as the plan sees it.
#[derive(Debug, Clone, Copy)]
pub struct PlanVisit<'a> {
    pub pseudonym: &'a str,
    pub date: NaiveDate,
    /// Outcome `visited` (the child was found).
    pub found: bool,
}

/// One deliverer's plan and delivery in the round.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deliverer {
    pub assigned: u32,
    pub visited: u32,
    pub received: u32,
    pub unreached: u32,
    /// Per programme code: what it delivered.
    pub programmes: BTreeMap<String, Delivered>,
}

/// Plan against delivery in one round.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Per deliverer (assignment team or delivery's `by`; `-` for deliveries naming
    /// nobody).
    pub by: BTreeMap<String, Deliverer>,
    /// Codes of the villages nobody reached, in code order.
    pub villages_unreached: Vec<String>,
}

/// The plan of `period` (one of `periods`, in order) from its `children`, every
/// `visit`, every delivery and the round's `coverage`; `villages` are every village's
/// code.
#[must_use]
pub fn compute(
    period: Period,
    periods: &[Period],
    children: &[PlanChild<'_>],
    visits: &[PlanVisit<'_>],
    deliveries: &[Delivery],
    coverage: &Coverage,
    villages: &[&str],
) -> Plan {
    let found: HashSet<&str> = visits
        .iter()
        .filter(|v| v.found && period_of(v.date, periods) == Some(period))
        .map(|v| v.pseudonym)
        .collect();
    let mut got_child: HashSet<&str> = HashSet::new();
    let mut got_household: HashSet<&str> = HashSet::new();
    for d in deliveries.iter().filter(|d| d.period == period) {
        match &d.recipient {
            Recipient::Child(id) => {
                got_child.insert(id);
            }
            Recipient::Household(id) => {
                got_household.insert(id);
            }
            Recipient::Village(_) => {}
        }
    }
    let mut out = Plan::default();
    let mut visited_villages: HashSet<&str> = HashSet::new();
    for c in children {
        let visited = found.contains(c.id);
        if visited && let Some(v) = c.village {
            visited_villages.insert(v);
        }
        let Some(team) = c.team else { continue };
        let received =
            got_child.contains(c.id) || c.household.is_some_and(|h| got_household.contains(h));
        let e = out.by.entry(team.to_owned()).or_default();
        e.assigned += 1;
        e.visited += u32::from(visited);
        e.received += u32::from(received);
        e.unreached += u32::from(!visited && !received);
    }
    for (who, programmes) in &coverage.by {
        out.by.entry(who.clone()).or_default().programmes = programmes.clone();
    }
    out.villages_unreached = villages
        .iter()
        .filter(|v| !visited_villages.contains(**v))
        .filter(|v| {
            coverage
                .villages
                .get(**v)
                .is_none_or(|m| m.values().all(|r| r.deliveries == 0))
        })
        .map(|v| (*v).to_owned())
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::coverage::Reach;

    fn p(s: &str) -> Period {
        s.parse().expect("period")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn delivery(programme: &str, r: Recipient, period: &str, by: &str) -> Delivery {
        Delivery {
            programme: programme.into(),
            recipient: r,
            date: day(&format!("{period}-10")),
            period: p(period),
            quantity: None,
            unit: None,
            cost: None,
            by: Some(by.into()),
            source: "test".into(),
        }
    }

    fn child<'a>(
        id: &'a str,
        village: &'a str,
        team: Option<&'a str>,
        home: Option<&'a str>,
    ) -> PlanChild<'a> {
        PlanChild {
            id,
            village: Some(village),
            team,
            household: home,
        }
    }

    #[test]
    fn assigned_visited_received_and_unreached_per_deliverer() {
        let periods = [p("2026-02"), p("2026-08")];
        let children = [
            child("a", "V1", Some("Dinsos"), None),
            child("b", "V1", Some("Dinsos"), Some("H1")),
            child("c", "V2", Some("Dinsos"), None),
            child("d", "V2", Some("DP2KB"), None),
            child("e", "V3", None, None),
        ];
        let visits = [
            // a: found in the round.
            PlanVisit {
                pseudonym: "a",
                date: day("2026-09-01"),
                found: true,
            },
            // c: not found; then found before the round began (the February round).
            PlanVisit {
                pseudonym: "c",
                date: day("2026-09-02"),
                found: false,
            },
            PlanVisit {
                pseudonym: "c",
                date: day("2026-07-30"),
                found: true,
            },
            // d: found seven months after the round began: outside its window.
            PlanVisit {
                pseudonym: "d",
                date: day("2027-03-01"),
                found: true,
            },
        ];
        let deliveries = [
            // b: through the household.
            delivery(
                "jamban",
                Recipient::Household("H1".into()),
                "2026-08",
                "PUPR",
            ),
            // a: also received.
            delivery("pmt", Recipient::Child("a".into()), "2026-08", "Dinkes"),
            delivery("pmt", Recipient::Child("a".into()), "2026-08", "Dinkes"),
            // d: in the other round: does not count.
            delivery("pmt", Recipient::Child("d".into()), "2026-02", "Dinkes"),
        ];
        let mut coverage = Coverage::default();
        coverage.by.entry("Dinkes".into()).or_default().insert(
            "pmt".into(),
            Delivered {
                deliveries: 2,
                recipients: 1,
                quantity: 0.0,
                cost: 0.0,
            },
        );
        for v in ["V1", "V2", "V3", "V4"] {
            coverage
                .villages
                .insert(v.into(), BTreeMap::from([("pmt".into(), Reach::default())]));
        }
        if let Some(r) = coverage
            .villages
            .get_mut("V1")
            .and_then(|m| m.get_mut("pmt"))
        {
            r.deliveries = 2;
        }
        let plan = compute(
            p("2026-08"),
            &periods,
            &children,
            &visits,
            &deliveries,
            &coverage,
            &["V1", "V2", "V3", "V4"],
        );
        let dinsos = &plan.by["Dinsos"];
        assert_eq!(
            (
                dinsos.assigned,
                dinsos.visited,
                dinsos.received,
                dinsos.unreached
            ),
            (3, 1, 2, 1)
        );
        let dp2kb = &plan.by["DP2KB"];
        assert_eq!(
            (
                dp2kb.assigned,
                dp2kb.visited,
                dp2kb.received,
                dp2kb.unreached
            ),
            (1, 0, 0, 1)
        );
        // A deliverer with no assignment lists what it delivered.
        let dinkes = &plan.by["Dinkes"];
        assert_eq!(dinkes.assigned, 0);
        assert_eq!(dinkes.programmes["pmt"].deliveries, 2);
        // V1: deliveries and a visit; V2: nothing found in the round; V3, V4: nothing.
        assert_eq!(plan.villages_unreached, ["V2", "V3", "V4"]);
    }

    #[test]
    fn a_visit_alone_reaches_a_village() {
        let periods = [p("2026-08")];
        let children = [child("a", "V1", None, None)];
        let visits = [PlanVisit {
            pseudonym: "a",
            date: day("2026-08-31"),
            found: true,
        }];
        let plan = compute(
            p("2026-08"),
            &periods,
            &children,
            &visits,
            &[],
            &Coverage::default(),
            &["V1", "V2"],
        );
        assert_eq!(plan.villages_unreached, ["V2"]);
        assert!(plan.by.is_empty());
    }
}

//! The annual review: per village, kecamatan and the whole city, across the weighing
//! rounds of a year (or any run of rounds), the figures a city reports on its
//! convergence effort, side by side:
//!
//! | figure | from |
//! |---|---|
//! | `measured`, `stunted`, `prevalence` | the round's measurement ([`super::measurement`]): plausible height-for-age only |
//! | `change_points` | `prevalence` minus the previous round's, in percentage points |
//! | `target`, `measurement_coverage`, `below` | children to measure and the share measured ([`super::measurement`]) |
//! | `programmes` | each programme's reached over target ([`super::coverage`]) |
//! | deliverers | plan against delivery per OPD, puskesmas or sponsor ([`super::plan`]) |
//! | sponsors | what the deliverers of sponsored programmes gave |
//!
//! A kecamatan adds up its villages: counts and targets are sums; its prevalence is
//! its stunted over its measured; its measurement coverage is the children measured in
//! its villages with a target over those targets (as the city's, see
//! [`super::measurement::Summary`]). The city's figures are the round's own (children
//! outside every village count there and in no kecamatan).
//!
//! Pure: no I/O.

use super::coverage::{Coverage, Delivered, Reach};
use super::measurement::Measurement;
use super::plan::Plan;
use crate::model::{Period, Programme};
use serde::Serialize;
use std::collections::BTreeMap;

/// One round's inputs: everything computed for it elsewhere.
#[derive(Debug, Clone, Copy)]
pub struct RoundIn<'a> {
    pub period: Period,
    /// Its villages follow [`Review::villages`]' order one for one.
    pub measurement: &'a Measurement,
    pub coverage: &'a Coverage,
    pub plan: &'a Plan,
}

/// A village as the review names it.
#[derive(Debug, Clone, Copy)]
pub struct VillageIn<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub district: &'a str,
}

/// A programme's reach in one area and round, without the ledger's sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Share {
    pub target: u32,
    pub reached: u32,
    /// `reached / target`, `None` with no target.
    pub share: Option<f64>,
}

impl Share {
    fn of(target: u32, reached: u32) -> Self {
        Self {
            target,
            reached,
            share: (target > 0).then(|| f64::from(reached) / f64::from(target)),
        }
    }
}

impl From<&Reach> for Share {
    fn from(r: &Reach) -> Self {
        Self::of(r.target, r.reached)
    }
}

/// One area's figures in one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    pub period: Period,
    pub measured: u32,
    pub stunted: u32,
    /// `stunted / measured`, `None` with no child measured.
    pub prevalence: Option<f64>,
    /// `prevalence` minus the previous round's, in percentage points; `None` in the
    /// first round or where either is unknown.
    pub change_points: Option<f64>,
    /// Children under five to measure (villages with a target), `None` without any.
    pub target: Option<f64>,
    /// Children measured where there is a target, over the target.
    pub measurement_coverage: Option<f64>,
    /// Villages measured below `min_coverage` (0 or 1 for a village).
    pub below: u32,
    /// Per programme code.
    pub programmes: BTreeMap<String, Share>,
}

/// A village, kecamatan or the city across the rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Area {
    /// A village's code; `None` for a kecamatan and the city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub name: String,
    /// A village's kecamatan; `None` for a kecamatan and the city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Villages it holds (1 for a village).
    pub villages: u32,
    /// In round order.
    pub rounds: Vec<Round>,
}

/// One deliverer's plan and delivery in one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DelivererRound {
    pub period: Period,
    pub assigned: u32,
    pub visited: u32,
    pub received: u32,
    pub unreached: u32,
    /// Deliveries of every programme, and what they cost (rupiah).
    pub deliveries: u32,
    pub cost: f64,
}

/// An OPD, puskesmas, team or sponsor across the rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deliverer {
    pub by: String,
    /// Delivered a sponsored programme (foster parents, CSR).
    pub sponsor: bool,
    pub rounds: Vec<DelivererRound>,
}

/// A sponsor's contribution in one round, per sponsored programme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SponsorRound {
    pub period: Period,
    pub programmes: BTreeMap<String, Delivered>,
}

/// What one sponsor gave across the rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sponsor {
    pub by: String,
    pub rounds: Vec<SponsorRound>,
    /// Over every round: deliveries and cost (rupiah).
    pub deliveries: u32,
    pub cost: f64,
}

/// Villages nobody reached in one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unreached {
    pub period: Period,
    pub villages: Vec<String>,
}

/// The review of a run of rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub periods: Vec<Period>,
    pub city: Area,
    /// In kecamatan name order.
    pub districts: Vec<Area>,
    /// In the order given.
    pub villages: Vec<Area>,
    /// In name order.
    pub deliverers: Vec<Deliverer>,
    /// In name order.
    pub sponsors: Vec<Sponsor>,
    pub unreached: Vec<Unreached>,
}

/// The review of `rounds` (in time order) over `villages` (the order of each round's
/// measurement), for `programmes`; `city` names the whole.
#[must_use]
pub fn compute(
    city: &str,
    villages: &[VillageIn<'_>],
    programmes: &[Programme],
    rounds: &[RoundIn<'_>],
) -> Review {
    let mut out_villages: Vec<Area> = villages
        .iter()
        .map(|v| Area {
            code: Some(v.code.to_owned()),
            name: v.name.to_owned(),
            district: Some(v.district.to_owned()),
            villages: 1,
            rounds: Vec::with_capacity(rounds.len()),
        })
        .collect();
    let mut districts: BTreeMap<&str, Area> = BTreeMap::new();
    let mut city_area = Area {
        code: None,
        name: city.to_owned(),
        district: None,
        villages: u32::try_from(villages.len()).unwrap_or(u32::MAX),
        rounds: Vec::with_capacity(rounds.len()),
    };
    for v in villages {
        districts
            .entry(v.district)
            .or_insert_with(|| Area {
                code: None,
                name: v.district.to_owned(),
                district: None,
                villages: 0,
                rounds: Vec::with_capacity(rounds.len()),
            })
            .villages += 1;
    }
    for r in rounds {
        let mut sums: BTreeMap<&str, Sum> = BTreeMap::new();
        for ((v, area), m) in villages
            .iter()
            .zip(&mut out_villages)
            .zip(&r.measurement.villages)
        {
            let shares: BTreeMap<String, Share> = r
                .coverage
                .villages
                .get(v.code)
                .map(|m| m.iter().map(|(k, x)| (k.clone(), x.into())).collect())
                .unwrap_or_default();
            let sum = sums.entry(v.district).or_default();
            sum.add(m, &shares);
            area.rounds.push(Round {
                period: r.period,
                measured: m.measured,
                stunted: m.stunted,
                prevalence: m.prevalence,
                change_points: None,
                target: m.target,
                measurement_coverage: m.coverage,
                below: u32::from(m.below),
                programmes: shares,
            });
        }
        for (name, sum) in sums {
            if let Some(d) = districts.get_mut(name) {
                d.rounds.push(sum.round(r.period));
            }
        }
        city_area.rounds.push(city_round(r, programmes));
    }
    let mut districts: Vec<Area> = districts.into_values().collect();
    for a in out_villages
        .iter_mut()
        .chain(&mut districts)
        .chain(std::iter::once(&mut city_area))
    {
        set_changes(&mut a.rounds);
    }
    let (deliverers, sponsors) = deliverers(programmes, rounds);
    Review {
        periods: rounds.iter().map(|r| r.period).collect(),
        city: city_area,
        districts,
        villages: out_villages,
        deliverers,
        sponsors,
        unreached: rounds
            .iter()
            .map(|r| Unreached {
                period: r.period,
                villages: r.plan.villages_unreached.clone(),
            })
            .collect(),
    }
}

/// The city's own figures in round `r`, with every programme (0 where none given).
fn city_round(r: &RoundIn<'_>, programmes: &[Programme]) -> Round {
    let s = &r.measurement.summary;
    Round {
        period: r.period,
        measured: s.measured,
        stunted: s.stunted,
        prevalence: s.register,
        change_points: None,
        target: (s.target > 0.0).then_some(s.target),
        measurement_coverage: s.coverage,
        below: u32::try_from(s.below).unwrap_or(u32::MAX),
        programmes: programmes
            .iter()
            .map(|p| {
                let share = r.coverage.total.get(&p.code).map(Share::from);
                (p.code.clone(), share.unwrap_or_default())
            })
            .collect(),
    }
}

/// A kecamatan's running sums in one round.
#[derive(Debug, Default)]
struct Sum {
    measured: u32,
    stunted: u32,
    /// Targets of villages with one, and the children measured there.
    target: Option<f64>,
    measured_in_target: u32,
    below: u32,
    programmes: BTreeMap<String, (u32, u32)>,
}

impl Sum {
    fn add(
        &mut self,
        m: &super::measurement::VillageMeasurement,
        shares: &BTreeMap<String, Share>,
    ) {
        self.measured += m.measured;
        self.stunted += m.stunted;
        if let Some(t) = m.target {
            *self.target.get_or_insert(0.0) += t;
            self.measured_in_target += m.measured;
        }
        self.below += u32::from(m.below);
        for (code, s) in shares {
            let e = self.programmes.entry(code.clone()).or_default();
            e.0 += s.target;
            e.1 += s.reached;
        }
    }

    fn round(self, period: Period) -> Round {
        Round {
            period,
            measured: self.measured,
            stunted: self.stunted,
            prevalence: (self.measured > 0)
                .then(|| f64::from(self.stunted) / f64::from(self.measured)),
            change_points: None,
            target: self.target,
            measurement_coverage: self
                .target
                .filter(|t| *t > 0.0)
                .map(|t| f64::from(self.measured_in_target) / t),
            below: self.below,
            programmes: self
                .programmes
                .into_iter()
                .map(|(k, (t, r))| (k, Share::of(t, r)))
                .collect(),
        }
    }
}

/// Sets each round's change from the round before it.
fn set_changes(rounds: &mut [Round]) {
    for k in 1..rounds.len() {
        let before = rounds[k - 1].prevalence;
        let now = &mut rounds[k];
        now.change_points = before.zip(now.prevalence).map(|(b, n)| (n - b) * 100.0);
    }
}

/// Every deliverer of `rounds` (assigned children or deliveries) across them, and the
/// sponsors among them (deliverers of a programme marked `sponsored`).
fn deliverers(programmes: &[Programme], rounds: &[RoundIn<'_>]) -> (Vec<Deliverer>, Vec<Sponsor>) {
    let sponsored: Vec<&str> = programmes
        .iter()
        .filter(|p| p.sponsored)
        .map(|p| p.code.as_str())
        .collect();
    let mut names: Vec<&str> = rounds
        .iter()
        .flat_map(|r| r.plan.by.keys().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut out = Vec::with_capacity(names.len());
    let mut sponsors = Vec::new();
    for who in names {
        let mut d = Deliverer {
            by: who.to_owned(),
            sponsor: false,
            rounds: Vec::with_capacity(rounds.len()),
        };
        let mut s = Sponsor {
            by: who.to_owned(),
            rounds: Vec::new(),
            deliveries: 0,
            cost: 0.0,
        };
        for r in rounds {
            let plan = r.plan.by.get(who).cloned().unwrap_or_default();
            let given: BTreeMap<String, Delivered> = plan
                .programmes
                .iter()
                .filter(|(code, _)| sponsored.contains(&code.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for g in given.values() {
                s.deliveries += g.deliveries;
                s.cost += g.cost;
            }
            d.sponsor |= !given.is_empty();
            s.rounds.push(SponsorRound {
                period: r.period,
                programmes: given,
            });
            d.rounds.push(DelivererRound {
                period: r.period,
                assigned: plan.assigned,
                visited: plan.visited,
                received: plan.received,
                unreached: plan.unreached,
                deliveries: plan.programmes.values().map(|p| p.deliveries).sum(),
                // Not `.sum()`: an empty f64 sum is -0.0, which the JSON shows as `-0.0`
                // and a page formats as "-0".
                cost: plan.programmes.values().fold(0.0, |a, p| a + p.cost),
            });
        }
        if d.sponsor {
            sponsors.push(s);
        }
        out.push(d);
    }
    (out, sponsors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::coverage::Reach;
    use crate::risk::measurement::{Summary, VillageMeasurement};
    use crate::risk::plan::Deliverer as PlanDeliverer;

    fn village(code: &str, measured: u32, stunted: u32, target: Option<f64>) -> VillageMeasurement {
        VillageMeasurement {
            code: code.into(),
            measured,
            stunted,
            target,
            target_source: None,
            coverage: target.map(|t| f64::from(measured) / t),
            below: target.is_some_and(|t| f64::from(measured) / t < 0.8),
            prevalence: (measured > 0).then(|| f64::from(stunted) / f64::from(measured)),
        }
    }

    fn measurement(villages: Vec<VillageMeasurement>) -> Measurement {
        let measured = villages.iter().map(|v| v.measured).sum();
        let stunted = villages.iter().map(|v| v.stunted).sum();
        Measurement {
            villages,
            summary: Summary {
                measured,
                stunted,
                target: 0.0,
                measured_in_target: 0,
                coverage: None,
                below: 0,
                no_target: 0,
                min_coverage: 0.8,
                register: Some(f64::from(stunted) / f64::from(measured)),
                survey: None,
                survey_year: None,
                survey_source: None,
                gap_points: None,
                weighted: None,
                weighted_target: 0.0,
                unweighted_target: 0.0,
            },
        }
    }

    fn programme(code: &str, sponsored: bool) -> Programme {
        let mut p = crate::model::default_programmes()
            .into_iter()
            .find(|p| p.code == "pmt")
            .expect("pmt is in the catalogue");
        p.code = code.into();
        p.sponsored = sponsored;
        p
    }

    fn reach(target: u32, reached: u32) -> Reach {
        Reach {
            target,
            reached,
            ..Reach::default()
        }
    }

    #[test]
    #[expect(
        clippy::too_many_lines,
        reason = "one small city across two rounds, checked figure by figure"
    )]
    fn kecamatan_add_up_their_villages_and_changes_are_points() {
        let villages = [
            VillageIn {
                code: "a",
                name: "A",
                district: "K1",
            },
            VillageIn {
                code: "b",
                name: "B",
                district: "K1",
            },
            VillageIn {
                code: "c",
                name: "C",
                district: "K2",
            },
        ];
        let feb = measurement(vec![
            village("a", 10, 4, Some(20.0)),
            village("b", 30, 3, None),
            village("c", 0, 0, Some(5.0)),
        ]);
        let aug = measurement(vec![
            village("a", 20, 4, Some(20.0)),
            village("b", 30, 6, None),
            village("c", 5, 1, Some(5.0)),
        ]);
        let mut cov = Coverage::default();
        cov.villages
            .insert("a".into(), [("pmt".to_owned(), reach(4, 1))].into());
        cov.villages
            .insert("b".into(), [("pmt".to_owned(), reach(6, 6))].into());
        let mut plan = Plan::default();
        plan.by.insert(
            "Bank Teluk".into(),
            PlanDeliverer {
                programmes: [(
                    "asuh".to_owned(),
                    Delivered {
                        deliveries: 3,
                        recipients: 2,
                        quantity: 18.0,
                        cost: 1.5e6,
                    },
                )]
                .into(),
                ..PlanDeliverer::default()
            },
        );
        plan.by.insert(
            "Dinkes".into(),
            PlanDeliverer {
                assigned: 9,
                visited: 4,
                received: 5,
                unreached: 2,
                ..PlanDeliverer::default()
            },
        );
        let feb_p = Period::new(2026, 2).expect("a period");
        let aug_p = Period::new(2026, 8).expect("a period");
        let empty = Coverage::default();
        let none = Plan::default();
        let review = compute(
            "Kota",
            &villages,
            &[programme("pmt", false), programme("asuh", true)],
            &[
                RoundIn {
                    period: feb_p,
                    measurement: &feb,
                    coverage: &empty,
                    plan: &none,
                },
                RoundIn {
                    period: aug_p,
                    measurement: &aug,
                    coverage: &cov,
                    plan: &plan,
                },
            ],
        );
        let k1 = &review.districts[0];
        assert_eq!((k1.name.as_str(), k1.villages), ("K1", 2));
        let (feb, aug) = (&k1.rounds[0], &k1.rounds[1]);
        assert_eq!(
            (feb.measured, feb.stunted, aug.measured, aug.stunted),
            (40, 7, 50, 10)
        );
        // Only village a has a target: 10 of 20 then 20 of 20.
        assert_eq!(
            (feb.measurement_coverage, aug.measurement_coverage),
            (Some(0.5), Some(1.0))
        );
        assert!((aug.change_points.expect("a change") - (20.0 - 17.5)).abs() < 1e-9);
        assert_eq!(feb.change_points, None);
        assert_eq!(
            aug.programmes["pmt"],
            Share {
                target: 10,
                reached: 7,
                share: Some(0.7)
            }
        );
        // A village with nobody measured has no prevalence and so no change.
        let none_measured = &review.villages[2];
        assert_eq!(
            (
                none_measured.rounds[0].prevalence,
                none_measured.rounds[1].change_points
            ),
            (None, None)
        );
        assert!(
            (review.villages[0].rounds[1]
                .change_points
                .expect("a change")
                + 20.0)
                .abs()
                < 1e-9
        );
        // The city's own figures, with every programme even where nothing was given.
        assert_eq!(review.city.rounds[1].measured, 55);
        assert_eq!(review.city.rounds[0].programmes["asuh"], Share::default());
        // Deliverers in name order, each in every round; the sponsor among them.
        assert_eq!(
            review
                .deliverers
                .iter()
                .map(|d| d.by.as_str())
                .collect::<Vec<_>>(),
            ["Bank Teluk", "Dinkes"]
        );
        assert!(review.deliverers[0].sponsor && !review.deliverers[1].sponsor);
        assert_eq!(review.deliverers[1].rounds[1].assigned, 9);
        let first = &review.deliverers[1].rounds[0];
        assert_eq!(
            (first.period, first.assigned, first.deliveries),
            (feb_p, 0, 0)
        );
        // Nothing given costs a plain zero, not -0.0 (shown as "-0" on a page).
        let cost = review.deliverers[1].rounds[1].cost;
        assert!(cost == 0.0 && cost.is_sign_positive(), "{cost}");
        assert_eq!(serde_json::to_string(&cost).expect("json"), "0.0");
        assert_eq!(review.sponsors.len(), 1);
        assert_eq!(
            (review.sponsors[0].deliveries, review.sponsors[0].cost),
            (3, 1.5e6)
        );
    }
}

//! Coverage of the convergence programmes: of those a programme should reach in a
//! weighing round, how many it reached, per village and for the whole city; and the
//! BKKBN target-group tallies (accompanied, at risk) that cities report.
//!
//! For each programme (see [`crate::model::Programme`]):
//!
//! | target (`need`) | counted | reached when |
//! |---|---|---|
//! | `stunted` | children measured in the round, HAZ < -2, not WHO-flagged | the child got at least one delivery of the programme in the round |
//! | `children` | children measured in the round, not WHO-flagged | the same |
//! | `households` | households (of the programme's target group, if it has one) | the household got at least one delivery in the round |
//! | `no_latrine`, `no_safe_water`, `no_sanitation` | such households (of the group) | the same |
//! | `at_risk` | families at risk of stunting (of the group; [`crate::model::families`]) | the same |
//! | `villages` | villages | the village got at least one delivery in the round |
//!
//! A child or household counts in the village it lies in (a child placed by its
//! village code, in that village); one outside every village counts in the city's
//! total only. Deliveries to someone outside the target (a child who is not stunted
//! receiving PMT) are counted as `outside`, not as reached. Quantities and costs sum
//! every delivery of the round.
//!
//! Pure: no I/O.

use super::reason::fmt_int;
use crate::index::cases::{CaseChild, Cases};
use crate::index::hex::cell_of;
use crate::model::families;
use crate::model::{
    Beneficiary, Delivery, Household, Need, Period, Programme, ProgrammeKind, Recipient,
    TargetGroup,
};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The round's internal maps: keyed by ids and codes hashed hundreds of thousands of
/// times per round (every target of every programme), with foldhash (hashbrown's
/// own hasher), several times faster than `SipHash`; no key comes from a request.
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
type Set<K> = HashSet<K, foldhash::fast::FixedState>;

/// One child measured in the round, as coverage sees it.
#[derive(Debug, Clone, Copy)]
pub struct ChildIn<'a> {
    pub id: &'a str,
    pub village: Option<&'a str>,
    pub stunted: bool,
    pub flagged: bool,
}

/// One household, as coverage sees it.
#[derive(Debug, Clone, Copy)]
pub struct HouseholdIn<'a> {
    pub household: &'a Household,
    pub village: Option<&'a str>,
}

/// One programme's figures in one area.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reach {
    /// How many the programme should reach.
    pub target: u32,
    /// How many of them it reached.
    pub reached: u32,
    /// Recipients outside the target (not counted as reached).
    pub outside: u32,
    /// Deliveries in the round.
    pub deliveries: u32,
    /// Sum of the quantities given (in the programme's unit).
    pub quantity: f64,
    /// Sum of the costs given, in rupiah.
    pub cost: f64,
}

impl Reach {
    /// `reached / target`; `None` with no target.
    #[must_use]
    pub fn share(&self) -> Option<f64> {
        (self.target > 0).then(|| f64::from(self.reached) / f64::from(self.target))
    }
}

/// A target group's tally (Pangkalpinang's report): families with the group, those
/// accompanied (reached by any programme for households or the group), those at risk,
/// and those at risk who were accompanied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GroupTally {
    pub families: u32,
    pub accompanied: u32,
    pub at_risk: u32,
    pub at_risk_accompanied: u32,
}

/// What one deliverer (OPD, puskesmas, sponsor) gave in the round, per programme.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Delivered {
    pub deliveries: u32,
    /// Distinct children, households or villages reached.
    pub recipients: u32,
    pub quantity: f64,
    pub cost: f64,
}

/// Coverage in one round.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// Per village code, per programme code.
    pub villages: BTreeMap<String, BTreeMap<String, Reach>>,
    /// The whole city, per programme code.
    pub total: BTreeMap<String, Reach>,
    /// Per target group key (`catin` ... `balita`), the whole city.
    pub groups: BTreeMap<&'static str, GroupTally>,
    /// Per village code, per target group key.
    pub village_groups: BTreeMap<String, BTreeMap<&'static str, GroupTally>>,
    /// Per deliverer, per programme code.
    pub by: BTreeMap<String, BTreeMap<String, Delivered>>,
}

/// Computes coverage of `programmes` from the round's `deliveries`, `children` and
/// `households` (every household: they belong to no round); `villages` are every
/// village's code.
#[must_use]
pub fn compute(
    programmes: &[Programme],
    deliveries: &[Delivery],
    children: &[ChildIn<'_>],
    households: &[HouseholdIn<'_>],
    villages: &[&str],
) -> Coverage {
    let deliveries: Vec<&Delivery> = deliveries.iter().collect();
    compute_of(programmes, &deliveries, children, households, villages)
}

/// [`compute`] over borrowed deliveries (a round's, picked from the ledger).
fn compute_of(
    programmes: &[Programme],
    deliveries: &[&Delivery],
    children: &[ChildIn<'_>],
    households: &[HouseholdIn<'_>],
    villages: &[&str],
) -> Coverage {
    let round = Round::new(deliveries, children, households, villages);
    let mut out = Coverage::default();
    for v in villages {
        out.villages.insert((*v).to_owned(), BTreeMap::new());
    }
    for p in programmes {
        round.reach(p, &mut out);
    }
    round.sum_deliveries(programmes, &mut out);
    round.tally_groups(programmes, &mut out);
    out
}

/// Coverage of `programmes` in `period` from the located case records: the round's
/// children, every household, and `deliveries` (those of other rounds are skipped);
/// `villages` are every village's code.
#[must_use]
pub fn of_cases(
    programmes: &[Programme],
    deliveries: &[Delivery],
    cases: &Cases,
    period: Option<Period>,
    villages: &[&str],
) -> Coverage {
    let Some(period) = period else {
        return compute(programmes, &[], &[], &[], villages);
    };
    let round: Vec<&Delivery> = deliveries.iter().filter(|d| d.period == period).collect();
    let children: Vec<ChildIn<'_>> = cases
        .children
        .iter()
        .filter(|c| c.child.period == period)
        .map(|c| ChildIn {
            id: &c.child.id,
            village: c.village.as_deref(),
            stunted: c.child.is_stunted(),
            flagged: c.child.is_flagged(),
        })
        .collect();
    let households: Vec<HouseholdIn<'_>> = cases
        .households
        .iter()
        .map(|h| HouseholdIn {
            household: &h.household,
            village: h.village.as_deref(),
        })
        .collect();
    compute_of(programmes, &round, &children, &households, villages)
}

/// Coverage of `programmes` in `period` per H3 cell at `res`, the areas keyed by the
/// cell's id (`88...`): as [`of_cases`], with every child and household in the cell
/// of its point. Programmes reaching villages are left out (a village is in many
/// cells); the total is the city's, as per village.
#[must_use]
pub fn of_cases_in_cells(
    programmes: &[Programme],
    deliveries: &[Delivery],
    cases: &Cases,
    period: Option<Period>,
    res: h3o::Resolution,
) -> Coverage {
    let people: Vec<Programme> = programmes
        .iter()
        .filter(|p| p.need() != Need::Villages)
        .cloned()
        .collect();
    let Some(period) = period else {
        return compute(&people, &[], &[], &[], &[]);
    };
    let cell = |p: geo::Point<f64>| cell_of(p, res).map(|c| c.to_string());
    let round: Vec<&Delivery> = deliveries
        .iter()
        .filter(|d| d.period == period && !matches!(d.recipient, Recipient::Village(_)))
        .collect();
    let child_cells: Vec<(&CaseChild, Option<String>)> = cases
        .children
        .iter()
        .filter(|c| c.child.period == period)
        .map(|c| (c, cell(c.child.location)))
        .collect();
    let household_cells: Vec<Option<String>> = cases
        .households
        .iter()
        .map(|h| cell(h.household.location))
        .collect();
    let mut cells: Vec<&str> = child_cells
        .iter()
        .filter_map(|(_, c)| c.as_deref())
        .chain(household_cells.iter().filter_map(Option::as_deref))
        .collect();
    cells.sort_unstable();
    cells.dedup();
    let children: Vec<ChildIn<'_>> = child_cells
        .iter()
        .map(|(c, cell)| ChildIn {
            id: &c.child.id,
            village: cell.as_deref(),
            stunted: c.child.is_stunted(),
            flagged: c.child.is_flagged(),
        })
        .collect();
    let households: Vec<HouseholdIn<'_>> = cases
        .households
        .iter()
        .zip(&household_cells)
        .map(|(h, cell)| HouseholdIn {
            household: &h.household,
            village: cell.as_deref(),
        })
        .collect();
    compute_of(&people, &round, &children, &households, &cells)
}

/// Who a need counts, in the words of a gap phrase ("anak stunting", "rumah tangga
/// tanpa jamban").
fn need_words(need: Need) -> &'static str {
    match need {
        Need::Stunted => "anak stunting",
        Need::Children => "anak",
        Need::Households => "rumah tangga",
        Need::NoLatrine => "rumah tangga tanpa jamban",
        Need::NoSafeWater => "rumah tangga tanpa air minum layak",
        Need::NoSanitation => "rumah tangga tanpa sanitasi layak",
        Need::AtRisk => "keluarga berisiko stunting",
        Need::Villages => "desa",
    }
}

/// What a village's priority reason says of coverage, one phrase per kind of
/// programme (specific, then sensitive): "3 dari 11 anak stunting belum menerima PMT
/// lokal, 40 dari 52 rumah tangga tanpa jamban belum menerima Jamban sehat".
///
/// Of each kind, the programme named is one that delivered anything in the round
/// city-wide and left some of the village's target unreached: the one that left the
/// most unreached (ties by code), among the specific ones for stunted children first
/// when there is one. A sponsorship that reaches a few children is thus named only
/// when no broader sensitive programme left more unreached. `None` when no
/// programme did.
#[must_use]
pub fn gap_phrase(programmes: &[Programme], coverage: &Coverage, village: &str) -> Option<String> {
    let reaches = coverage.villages.get(village)?;
    let gaps: Vec<(&Programme, &Reach)> = programmes
        .iter()
        .filter(|p| p.need() != Need::Villages)
        .filter(|p| {
            coverage
                .total
                .get(&p.code)
                .is_some_and(|t| t.deliveries > 0)
        })
        .filter_map(|p| reaches.get(&p.code).map(|r| (p, r)))
        .filter(|(_, r)| r.reached < r.target)
        .collect();
    let phrases: Vec<String> = [ProgrammeKind::Specific, ProgrammeKind::Sensitive]
        .into_iter()
        .filter_map(|kind| {
            gaps.iter()
                .filter(|(p, _)| p.kind == kind)
                .min_by(|(pa, ra), (pb, rb)| {
                    let first = |p: &Programme| {
                        kind == ProgrammeKind::Specific && p.need() == Need::Stunted
                    };
                    first(pb)
                        .cmp(&first(pa))
                        .then((rb.target - rb.reached).cmp(&(ra.target - ra.reached)))
                        .then(pa.code.cmp(&pb.code))
                })
        })
        .map(|(p, r)| {
            format!(
                "{} dari {} {} belum menerima {}",
                fmt_int(u64::from(r.target - r.reached)),
                fmt_int(u64::from(r.target)),
                need_words(p.need()),
                p.name
            )
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(", "))
}

/// Every village's [`gap_phrase`], by village code (villages without one left out).
#[must_use]
pub fn gap_phrases(programmes: &[Programme], coverage: &Coverage) -> HashMap<String, String> {
    coverage
        .villages
        .keys()
        .filter_map(|code| gap_phrase(programmes, coverage, code).map(|g| (code.clone(), g)))
        .collect()
}

/// A recipient borrowed from the ledger or the round's records: indexing and
/// counting take no allocation per delivery or per member of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Child(&'a str),
    Household(&'a str),
    Village(&'a str),
}

impl<'a> From<&'a Recipient> for Key<'a> {
    fn from(r: &'a Recipient) -> Self {
        match r {
            Recipient::Child(id) => Self::Child(id),
            Recipient::Household(id) => Self::Household(id),
            Recipient::Village(code) => Self::Village(code),
        }
    }
}

/// Running sums of deliveries (per area or per deliverer).
#[derive(Debug, Default)]
struct Sums<'a> {
    deliveries: u32,
    quantity: f64,
    cost: f64,
    recipients: Set<Key<'a>>,
}

impl Sums<'_> {
    fn add(&mut self, d: &Delivery) {
        self.deliveries += 1;
        self.quantity += d.quantity.unwrap_or(0.0);
        self.cost += d.cost.unwrap_or(0.0);
    }
}

/// One round's inputs, indexed.
struct Round<'a> {
    deliveries: &'a [&'a Delivery],
    children: &'a [ChildIn<'a>],
    households: &'a [HouseholdIn<'a>],
    villages: &'a [&'a str],
    /// Who got what: programme code -> recipients.
    got: Map<&'a str, Set<Key<'a>>>,
    /// The village of each child and household by id, made on the first recipient
    /// outside a target (most rounds have few or none: 90,000 households need not
    /// be hashed for them).
    child_village: OnceCell<Map<&'a str, Option<&'a str>>>,
    household_village: OnceCell<Map<&'a str, Option<&'a str>>>,
}

impl<'a> Round<'a> {
    fn new(
        deliveries: &'a [&'a Delivery],
        children: &'a [ChildIn<'a>],
        households: &'a [HouseholdIn<'a>],
        villages: &'a [&'a str],
    ) -> Self {
        let mut got: Map<&str, Set<Key<'a>>> = Map::default();
        for d in deliveries {
            got.entry(d.programme.as_str())
                .or_default()
                .insert(Key::from(&d.recipient));
        }
        Self {
            deliveries,
            children,
            households,
            villages,
            got,
            child_village: OnceCell::new(),
            household_village: OnceCell::new(),
        }
    }

    /// The village a recipient counts in.
    fn village_of(&self, r: Key<'a>) -> Option<&'a str> {
        match r {
            Key::Child(id) => self
                .child_village
                .get_or_init(|| self.children.iter().map(|c| (c.id, c.village)).collect())
                .get(id)
                .copied()
                .flatten(),
            Key::Household(id) => self
                .household_village
                .get_or_init(|| {
                    self.households
                        .iter()
                        .map(|h| (h.household.id.as_str(), h.village))
                        .collect()
                })
                .get(id)
                .copied()
                .flatten(),
            Key::Village(code) => Some(code),
        }
    }

    /// Whether `r` got at least one delivery of `programme`.
    fn received(&self, programme: &str, r: Key<'_>) -> bool {
        self.got.get(programme).is_some_and(|s| s.contains(&r))
    }

    /// `p`'s target, reached and outside, per village and city-wide.
    fn reach(&self, p: &Programme, out: &mut Coverage) {
        // The targets that received it: a recipient not among them is outside.
        let mut reached: Set<Key<'a>> = Set::default();
        let mut total = Reach::default();
        let mut per_village: Map<&str, Reach> = Map::default();
        let got = self.got.get(p.code.as_str());
        let mut add = |village: Option<&'a str>, r: Key<'a>| {
            let hit = got.is_some_and(|s| s.contains(&r));
            let bump = |reach: &mut Reach| {
                reach.target += 1;
                reach.reached += u32::from(hit);
            };
            bump(&mut total);
            if let Some(v) = village {
                bump(per_village.entry(v).or_default());
            }
            if hit {
                reached.insert(r);
            }
        };
        match p.need() {
            Need::Stunted | Need::Children => {
                let stunted_only = p.need() == Need::Stunted;
                for c in self
                    .children
                    .iter()
                    .filter(|c| !c.flagged && (c.stunted || !stunted_only))
                {
                    add(c.village, Key::Child(c.id));
                }
            }
            Need::Villages => {
                for v in self.villages {
                    add(Some(v), Key::Village(v));
                }
            }
            need => {
                let group = match p.target {
                    Beneficiary::Group(g) => Some(g),
                    _ => None,
                };
                for h in self.households {
                    if in_target(need, group, h.household) {
                        add(h.village, Key::Household(&h.household.id));
                    }
                }
            }
        }
        // Recipients outside the target.
        if let Some(received) = self.got.get(p.code.as_str()) {
            for r in received.iter().filter(|r| !reached.contains(*r)) {
                total.outside += 1;
                if let Some(v) = self.village_of(*r) {
                    per_village.entry(v).or_default().outside += 1;
                }
            }
        }
        // Every village and the city list every programme, reached or not (areas
        // not among `villages` are not listed).
        let t = out.total.entry(p.code.clone()).or_default();
        t.target += total.target;
        t.reached += total.reached;
        t.outside += total.outside;
        for (code, v) in &mut out.villages {
            let e = v.entry(p.code.clone()).or_default();
            if let Some(r) = per_village.get(code.as_str()) {
                e.target += r.target;
                e.reached += r.reached;
                e.outside += r.outside;
            }
        }
    }

    /// Deliveries, quantities and costs per village and city-wide; per deliverer.
    fn sum_deliveries(&self, programmes: &[Programme], out: &mut Coverage) {
        let known: Set<&str> = programmes.iter().map(|p| p.code.as_str()).collect();
        let mut areas: Map<(&str, Option<&str>), Sums<'a>> = Map::default();
        let mut by: Map<(&str, &str), Sums<'a>> = Map::default();
        for d in self
            .deliveries
            .iter()
            .filter(|d| known.contains(d.programme.as_str()))
        {
            let code = d.programme.as_str();
            let key = Key::from(&d.recipient);
            areas.entry((code, None)).or_default().add(d);
            if let Some(v) = self.village_of(key) {
                areas.entry((code, Some(v))).or_default().add(d);
            }
            let e = by
                .entry((d.by.as_deref().unwrap_or("-"), code))
                .or_default();
            e.add(d);
            e.recipients.insert(key);
        }
        for ((code, village), s) in areas {
            let reach = match village {
                None => Some(out.total.entry(code.to_owned()).or_default()),
                Some(v) => out
                    .villages
                    .get_mut(v)
                    .map(|m| m.entry(code.to_owned()).or_default()),
            };
            if let Some(r) = reach {
                r.deliveries += s.deliveries;
                r.quantity += s.quantity;
                r.cost += s.cost;
            }
        }
        for ((who, code), s) in by {
            out.by.entry(who.to_owned()).or_default().insert(
                code.to_owned(),
                Delivered {
                    deliveries: s.deliveries,
                    recipients: u32::try_from(s.recipients.len()).unwrap_or(u32::MAX),
                    quantity: s.quantity,
                    cost: s.cost,
                },
            );
        }
    }

    /// Target-group tallies: a family is accompanied by any delivery of a programme
    /// for households or for that group.
    fn tally_groups(&self, programmes: &[Programme], out: &mut Coverage) {
        let accompanying: Vec<&Programme> = programmes
            .iter()
            .filter(|p| p.target.is_household())
            .collect();
        for g in TargetGroup::ALL {
            out.groups.insert(g.key(), GroupTally::default());
        }
        for h in self.households {
            let Some(groups) = h.household.targets else {
                continue;
            };
            let at_risk = families::assess(h.household).is_some();
            let r = Key::Household(&h.household.id);
            for g in groups.iter() {
                let accompanied = accompanying.iter().any(|p| {
                    (p.target == Beneficiary::Household || p.target == Beneficiary::Group(g))
                        && self.received(&p.code, r)
                });
                let tally = |t: &mut GroupTally| {
                    t.families += 1;
                    t.accompanied += u32::from(accompanied);
                    t.at_risk += u32::from(at_risk);
                    t.at_risk_accompanied += u32::from(at_risk && accompanied);
                };
                tally(out.groups.entry(g.key()).or_default());
                if let Some(v) = h.village {
                    tally(
                        out.village_groups
                            .entry(v.to_owned())
                            .or_default()
                            .entry(g.key())
                            .or_default(),
                    );
                }
            }
        }
    }
}

/// Whether household `h` is in the target `need` (of `group`, when the programme
/// reaches one target group).
fn in_target(need: Need, group: Option<TargetGroup>, h: &Household) -> bool {
    if let Some(g) = group
        && !h.targets.is_some_and(|t| t.contains(g))
    {
        return false;
    }
    match need {
        Need::Households => true,
        Need::NoLatrine => !h.has_latrine,
        Need::NoSafeWater => !h.safe_water,
        Need::NoSanitation => !h.improved_sanitation,
        Need::AtRisk => families::assess(h).is_some(),
        Need::Stunted | Need::Children | Need::Villages => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProgrammeKind, TargetGroups};
    use geo::Point;

    fn programme(code: &str, target: Beneficiary, need: Option<Need>) -> Programme {
        Programme {
            code: code.into(),
            name: code.into(),
            kind: ProgrammeKind::Specific,
            target,
            need,
            by: Some("Dinas Kesehatan".into()),
            unit: None,
            visit_item: None,
            sponsored: false,
        }
    }

    fn delivery(programme: &str, recipient: Recipient, quantity: f64) -> Delivery {
        Delivery {
            programme: programme.into(),
            recipient,
            date: "2026-03-01".parse().expect("date"),
            period: "2026-02".parse().expect("period"),
            quantity: Some(quantity),
            unit: None,
            cost: None,
            by: None,
            source: "test".into(),
        }
    }

    fn household(id: &str, latrine: bool, targets: Option<TargetGroups>) -> Household {
        Household {
            id: id.into(),
            location: Point::new(0.0, 0.0),
            has_latrine: latrine,
            safe_water: true,
            improved_sanitation: latrine,
            unfit_housing: None,
            four_t: None,
            targets,
        }
    }

    #[test]
    fn reached_counts_the_target_once_and_others_as_outside() {
        let children = [
            ChildIn {
                id: "a",
                village: Some("v1"),
                stunted: true,
                flagged: false,
            },
            ChildIn {
                id: "b",
                village: Some("v1"),
                stunted: true,
                flagged: false,
            },
            ChildIn {
                id: "c",
                village: Some("v2"),
                stunted: false,
                flagged: false,
            },
            ChildIn {
                id: "d",
                village: Some("v2"),
                stunted: true,
                flagged: true,
            },
        ];
        let deliveries = [
            delivery("pmt", Recipient::Child("a".into()), 2.0),
            delivery("pmt", Recipient::Child("a".into()), 3.0),
            delivery("pmt", Recipient::Child("c".into()), 1.0),
        ];
        let cov = compute(
            &[programme("pmt", Beneficiary::Child, None)],
            &deliveries,
            &children,
            &[],
            &["v1", "v2"],
        );
        let v1 = &cov.villages["v1"]["pmt"];
        assert_eq!(
            (v1.target, v1.reached, v1.outside, v1.deliveries),
            (2, 1, 0, 2)
        );
        assert!((v1.quantity - 5.0).abs() < 1e-9);
        let v2 = &cov.villages["v2"]["pmt"];
        // The flagged child is in no target; the not-stunted one got PMT outside it.
        assert_eq!(
            (v2.target, v2.reached, v2.outside, v2.deliveries),
            (0, 0, 1, 1)
        );
        assert_eq!(cov.total["pmt"].share(), Some(0.5));
        assert_eq!(cov.by["-"]["pmt"].recipients, 2);
    }

    #[test]
    fn group_programmes_count_the_group_and_tally_accompanied_families() {
        let bumil = TargetGroups::NONE.with(TargetGroup::Bumil);
        let hs = [
            household("h1", false, Some(bumil)),
            household("h2", true, Some(bumil)),
            household(
                "h3",
                false,
                Some(TargetGroups::NONE.with(TargetGroup::Balita)),
            ),
            household("h4", false, None),
        ];
        let input: Vec<HouseholdIn<'_>> = hs
            .iter()
            .map(|h| HouseholdIn {
                household: h,
                village: Some("v1"),
            })
            .collect();
        let programmes = [
            programme("ttd", Beneficiary::Group(TargetGroup::Bumil), None),
            programme("jamban", Beneficiary::Household, Some(Need::NoLatrine)),
        ];
        let deliveries = [
            delivery("ttd", Recipient::Household("h2".into()), 30.0),
            delivery("jamban", Recipient::Household("h3".into()), 1.0),
        ];
        let cov = compute(&programmes, &deliveries, &[], &input, &["v1"]);
        let ttd = &cov.total["ttd"];
        assert_eq!((ttd.target, ttd.reached), (2, 1));
        let jamban = &cov.total["jamban"];
        assert_eq!((jamban.target, jamban.reached), (3, 1));
        // h1 (no latrine, bumil) is at risk and not accompanied; h2 is accompanied.
        assert_eq!(
            cov.groups["bumil"],
            GroupTally {
                families: 2,
                accompanied: 1,
                at_risk: 1,
                at_risk_accompanied: 0
            }
        );
        assert_eq!(
            cov.groups["balita"],
            GroupTally {
                families: 1,
                accompanied: 1,
                at_risk: 1,
                at_risk_accompanied: 1
            }
        );
    }

    #[test]
    fn gap_phrase_names_one_programme_of_each_kind() {
        let child = |id, stunted| ChildIn {
            id,
            village: Some("v1"),
            stunted,
            flagged: false,
        };
        let children = [
            child("a", true),
            child("b", true),
            child("c", true),
            child("d", false),
        ];
        let no_latrine = [household("h1", false, None), household("h2", false, None)];
        let households: Vec<HouseholdIn<'_>> = no_latrine
            .iter()
            .map(|h| HouseholdIn {
                household: h,
                village: Some("v1"),
            })
            .collect();
        let sensitive = |code: &str, target, need| Programme {
            kind: ProgrammeKind::Sensitive,
            ..programme(code, target, need)
        };
        let programmes = [
            // Vitamin A leaves more unreached, but PMT is for the stunted: named first.
            programme("vita", Beneficiary::Child, Some(Need::Children)),
            programme("pmt", Beneficiary::Child, None),
            // Delivered nothing anywhere this round: never named.
            programme("telur", Beneficiary::Child, None),
            // A sponsorship (reaching none of the three) and latrines (one of two).
            sensitive("asuh", Beneficiary::Child, None),
            sensitive("jamban", Beneficiary::Household, Some(Need::NoLatrine)),
        ];
        let deliveries = [
            delivery("pmt", Recipient::Child("a".into()), 1.0),
            delivery("vita", Recipient::Child("d".into()), 1.0),
            delivery("asuh", Recipient::Child("z".into()), 1.0),
            delivery("jamban", Recipient::Household("h1".into()), 1.0),
        ];
        let cov = compute(
            &programmes,
            &deliveries,
            &children,
            &households,
            &["v1", "v2"],
        );
        assert_eq!(
            gap_phrase(&programmes, &cov, "v1").as_deref(),
            Some(
                "2 dari 3 anak stunting belum menerima pmt, 3 dari 3 anak stunting belum menerima asuh"
            )
        );
        // With every stunted child reached by PMT, vitamin A's gap is the specific one;
        // the sponsorship still leaves more unreached than the latrines.
        let mut all = deliveries.to_vec();
        for id in ["b", "c"] {
            all.push(delivery("pmt", Recipient::Child(id.into()), 1.0));
        }
        let cov = compute(&programmes, &all, &children, &households, &["v1", "v2"]);
        assert_eq!(
            gap_phrase(&programmes, &cov, "v1").as_deref(),
            Some("3 dari 4 anak belum menerima vita, 3 dari 3 anak stunting belum menerima asuh")
        );
        // A village with no target has no gap; an unknown village has none either.
        assert_eq!(gap_phrase(&programmes, &cov, "v2"), None);
        assert_eq!(gap_phrase(&programmes, &cov, "v9"), None);
        assert_eq!(gap_phrases(&programmes, &cov).len(), 1);
    }
}

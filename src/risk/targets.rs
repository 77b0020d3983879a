//! Priority villages (lokus): villages ranked by risk, each with its reason and how
//! stable its place is when the weights move (see [`super::stability`]).
//!
//! The command line (`sigap targets`) and `GET /api/targets` both build a [`Targets`]
//! from the analysis and serialise it with [`Targets::to_json`] or [`Targets::table`]
//! (the flat rows every export writes).

use super::normalise::rank_from_top;
use super::reason::{ReasonInput, reason};
use super::stability::{RankRange, Stability, ranking, stability};
use super::{FACTORS, Factor, RiskScore};
use crate::config::Weights;
use crate::model::Counts;
use serde::Serialize;
use serde_json::{Value, json};

/// Default number of priority villages.
pub const DEFAULT_TOP: usize = 10;

/// One village as the ranking sees it.
#[derive(Debug, Clone)]
pub struct TargetArea<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub district: &'a str,
    pub counts: Counts,
    /// Its score with the configured weights (re-weighted by [`Targets::new`]).
    pub risk: RiskScore,
    /// What the programmes left unreached, for the end of its reason
    /// ([`super::coverage::gap_phrase`]); `None` without a gap.
    pub coverage: Option<&'a str>,
}

/// One priority village.
#[derive(Debug, Clone)]
pub struct Target {
    pub rank: usize,
    /// Index into the areas given.
    pub index: usize,
    pub risk: RiskScore,
    /// Rank from the top of each factor's value among all villages.
    pub factor_ranks: [Option<usize>; FACTORS],
    pub reason: String,
    pub stability: RankRange,
}

/// Where one village stands in a ranking, priority or not (the village profile's
/// "why"): its rank among all villages, its reason, and how often it is in the top N
/// when the weights move ±20%.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// 1 = highest score; ties by code, as in the ranking of the targets.
    pub rank: usize,
    /// Villages ranked.
    pub of: usize,
    /// How many villages are priorities (N).
    pub top: usize,
    /// In the top N with the weights as given.
    pub priority: bool,
    /// The reason text, the same words as a priority's (see [`super::reason`]).
    pub reason: String,
    /// Best and worst rank over the weight scenarios; known for priorities only.
    pub min_rank: Option<usize>,
    pub max_rank: Option<usize>,
    /// Share of scenarios (0..1) in which it is in the top N.
    pub top_share: f64,
}

/// The top villages with their reasons and stability.
#[derive(Debug, Clone)]
pub struct Targets<'a> {
    pub areas: &'a [TargetArea<'a>],
    pub weights: Weights,
    pub top: usize,
    pub list: Vec<Target>,
    pub stability: Stability,
    /// Every area's score under `weights`, and its rank on each factor.
    scored: Vec<RiskScore>,
    ranks_by_factor: Vec<Vec<Option<usize>>>,
}

impl<'a> Targets<'a> {
    /// Ranks `areas` under `weights` and keeps the first `top`.
    #[must_use]
    pub fn new(areas: &'a [TargetArea<'a>], weights: &Weights, top: usize) -> Self {
        let scored: Vec<RiskScore> = areas.iter().map(|a| a.risk.reweighted(weights)).collect();
        let ranks_by_factor: Vec<Vec<Option<usize>>> = Factor::ALL
            .iter()
            .map(|f| {
                let values: Vec<Option<f64>> = scored.iter().map(|r| r.factor(*f).value).collect();
                rank_from_top(&values)
            })
            .collect();
        let normalised: Vec<[f64; FACTORS]> = scored.iter().map(RiskScore::normalised).collect();
        let codes: Vec<&str> = areas.iter().map(|a| a.code).collect();
        let stability = stability(&normalised, &codes, &weights.to_array(), top);
        let list = stability
            .top
            .iter()
            .enumerate()
            .map(|(pos, range)| {
                let i = range.index;
                let factor_ranks = std::array::from_fn(|k| ranks_by_factor[k][i]);
                let text = reason(&ReasonInput {
                    children: areas[i].counts.children,
                    stunted: areas[i].counts.stunted,
                    risk: &scored[i],
                    ranks: factor_ranks,
                    coverage: areas[i].coverage,
                });
                Target {
                    rank: pos + 1,
                    index: i,
                    risk: scored[i],
                    factor_ranks,
                    reason: text,
                    stability: range.clone(),
                }
            })
            .collect();
        Self {
            areas,
            weights: *weights,
            top,
            list,
            stability,
            scored,
            ranks_by_factor,
        }
    }

    /// Where the `index`-th area stands: a priority's rank, reason and stability as
    /// listed; for any other village its rank in the same order, the reason built the
    /// same way and its share of scenarios in the top N (0 when it never enters).
    /// `None` when `index` is out of range.
    #[must_use]
    pub fn standing(&self, index: usize) -> Option<Standing> {
        let area = self.areas.get(index)?;
        let of = self.areas.len();
        if let Some(t) = self.list.iter().find(|t| t.index == index) {
            return Some(Standing {
                rank: t.rank,
                of,
                top: self.top,
                priority: true,
                reason: t.reason.clone(),
                min_rank: Some(t.stability.min_rank),
                max_rank: Some(t.stability.max_rank),
                top_share: t.stability.top_share,
            });
        }
        let normalised: Vec<[f64; FACTORS]> =
            self.scored.iter().map(RiskScore::normalised).collect();
        let codes: Vec<&str> = self.areas.iter().map(|a| a.code).collect();
        let order = ranking(&normalised, &codes, &self.weights.to_array());
        let rank = order.iter().position(|&i| i == index)? + 1;
        let reason = reason(&ReasonInput {
            children: area.counts.children,
            stunted: area.counts.stunted,
            risk: &self.scored[index],
            ranks: std::array::from_fn(|k| self.ranks_by_factor[k][index]),
            coverage: area.coverage,
        });
        let top_share = self
            .stability
            .entrants
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(0.0, |(_, share)| *share);
        Some(Standing {
            rank,
            of,
            top: self.top,
            priority: false,
            reason,
            min_rank: None,
            max_rank: None,
            top_share,
        })
    }

    /// The answer of `GET /api/targets`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let always: Vec<&str> = self
            .stability
            .always_top()
            .iter()
            .map(|&i| self.areas[i].code)
            .collect();
        let entrants: Vec<Value> = self
            .stability
            .entrants
            .iter()
            .map(|(i, share)| json!({ "code": self.areas[*i].code, "name": self.areas[*i].name, "top_share": share }))
            .collect();
        let list: Vec<Value> = self.list.iter().map(|t| self.target_json(t)).collect();
        json!({
            "top": self.top,
            "weights": self.weights,
            "scenarios": self.stability.scenarios,
            "weight_move": super::stability::MOVE,
            "always_top": always,
            "entrants": entrants,
            "targets": list,
        })
    }

    fn target_json(&self, t: &Target) -> Value {
        let a = &self.areas[t.index];
        let c = &a.counts;
        let factors: Vec<Value> = t
            .risk
            .factors
            .iter()
            .map(|f| {
                let mut v = f.to_json(t.risk.access);
                v["rank"] = json!(t.factor_ranks[f.factor.index()]);
                v
            })
            .collect();
        json!({
            "rank": t.rank,
            "code": a.code,
            "name": a.name,
            "district": a.district,
            "score": t.risk.score,
            "children": c.children,
            "stunted": c.stunted,
            "households": c.households,
            "prevalence": (c.children > 0).then(|| f64::from(c.stunted) / f64::from(c.children)),
            "prevalence_smoothed": t.risk.factor(Factor::Prevalence).value,
            "factors": factors,
            "reason": t.reason,
            "stability": {
                "min_rank": t.stability.min_rank,
                "max_rank": t.stability.max_rank,
                "top_share": t.stability.top_share,
                "always_top": t.stability.top_share >= 1.0,
            },
        })
    }

    /// Header and rows for the CSV, XLSX and GeoJSON exports.
    #[must_use]
    pub fn table(&self) -> (Vec<String>, Vec<Vec<Cell>>) {
        let mut header: Vec<String> = [
            "rank",
            "code",
            "name",
            "district",
            "score",
            "children",
            "stunted",
            "households",
            "prevalence",
        ]
        .map(String::from)
        .to_vec();
        for f in Factor::ALL {
            header.push(format!("value_{}", f.key()));
            header.push(format!("n_{}", f.key()));
            header.push(format!("c_{}", f.key()));
        }
        header.extend(
            ["min_rank", "max_rank", "top_share", "always_top", "reason"].map(String::from),
        );
        let rows = self
            .list
            .iter()
            .map(|t| {
                let a = &self.areas[t.index];
                let c = &a.counts;
                let mut row = vec![
                    Cell::Int(t.rank as i64),
                    Cell::Text(a.code.to_owned()),
                    Cell::Text(a.name.to_owned()),
                    Cell::Text(a.district.to_owned()),
                    Cell::Num(Some(t.risk.score)),
                    Cell::Int(i64::from(c.children)),
                    Cell::Int(i64::from(c.stunted)),
                    Cell::Int(i64::from(c.households)),
                    Cell::Num(
                        (c.children > 0).then(|| f64::from(c.stunted) / f64::from(c.children)),
                    ),
                ];
                for f in &t.risk.factors {
                    row.extend([
                        Cell::Num(f.value),
                        Cell::Num(Some(f.normalised)),
                        Cell::Num(Some(f.contribution)),
                    ]);
                }
                row.extend([
                    Cell::Int(t.stability.min_rank as i64),
                    Cell::Int(t.stability.max_rank as i64),
                    Cell::Num(Some(t.stability.top_share)),
                    Cell::Int(i64::from(t.stability.top_share >= 1.0)),
                    Cell::Text(t.reason.clone()),
                ]);
                row
            })
            .collect();
        (header, rows)
    }
}

/// One value of an export row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    /// `None` is an unknown value (empty in CSV and XLSX, null in GeoJSON).
    Num(Option<f64>),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::risk::{raw_values, score_set};

    #[test]
    fn ranks_reasons_and_no_child_village() {
        let counts = [
            Counts {
                children: 10,
                stunted: 5,
                households: 10,
                no_latrine: 2,
                ..Counts::default()
            },
            Counts {
                children: 0,
                stunted: 0,
                households: 10,
                no_latrine: 9,
                ..Counts::default()
            },
            Counts {
                children: 20,
                stunted: 1,
                households: 10,
                no_latrine: 1,
                ..Counts::default()
            },
        ];
        let smoothed = [Some(0.4), None, Some(0.06)];
        let values: Vec<_> = counts
            .iter()
            .zip(smoothed)
            .map(|(c, s)| raw_values(c, s, Some(2.0)))
            .collect();
        let cfg = Config::default();
        let risks = score_set(&values, &cfg, crate::risk::Access::Km);
        let areas: Vec<TargetArea<'_>> = ["a", "b", "c"]
            .iter()
            .zip(counts)
            .zip(risks)
            .map(|((code, counts), risk)| TargetArea {
                code,
                name: code,
                district: "d",
                counts,
                risk,
                coverage: None,
            })
            .collect();
        let t = Targets::new(&areas, &cfg.weights, 3);
        assert_eq!(t.list[0].index, 0);
        let b = t.list.iter().find(|x| x.index == 1).expect("b listed");
        assert!(b.risk.factor(Factor::Prevalence).contribution.abs() < f64::EPSILON);
        assert!(b.reason.contains("belum ada anak diukur"), "{}", b.reason);
        assert!(!b.reason.contains("prevalensi"));
        // Standing: a priority's is its listing; outside a top 1, "b" and "c" get their
        // rank in the same order and a reason built the same way.
        let s = t.standing(0).expect("a stands");
        assert_eq!(
            (s.rank, s.priority, s.reason.as_str()),
            (1, true, t.list[0].reason.as_str())
        );
        let one = Targets::new(&areas, &cfg.weights, 1);
        for (pos, target) in t.list.iter().enumerate().skip(1) {
            let s = one.standing(target.index).expect("stands");
            assert_eq!(s.rank, pos + 1);
            assert!(!s.priority && s.min_rank.is_none());
            assert_eq!(s.reason, target.reason);
            assert_eq!((s.of, s.top), (3, 1));
        }
        assert!(one.standing(3).is_none());
        let (header, rows) = t.table();
        assert!(rows.iter().all(|r| r.len() == header.len()));
        assert_eq!(t.to_json()["targets"].as_array().map(Vec::len), Some(3));
    }
}

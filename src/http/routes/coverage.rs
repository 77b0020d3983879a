//! `GET /api/coverage`: the convergence programmes' coverage in one weighing round,
//! per village and for the city, the target-group tallies and what each deliverer
//! gave ([`crate::risk::coverage`]); with `?res=N`, per H3 cell of resolution N.
//!
//! Aggregates only (counts per village and programme), for any signed-in account;
//! never a child or a household.
//!
//! `GET /api/coverage/plan`: plan against delivery ([`crate::risk::plan`]) for staff
//! (admin, planner, viewer): per deliverer the children assigned, visited, given an
//! intervention and reached by neither, what it delivered per programme, and the
//! villages nobody reached. Counts only. Visits do not bump the store's revision, so
//! they are read per request.

use crate::auth::{Caller, Role};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::model::{Need, Period};
use crate::risk::coverage::Reach;
use crate::risk::plan::{self, PlanChild, PlanVisit};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/coverage", get(coverage_of_round))
        .route("/api/coverage/plan", get(plan_of_round))
}

#[derive(Debug, Default, Deserialize)]
struct CoverageQuery {
    /// The weighing round (default: the latest).
    period: Option<String>,
    /// With an H3 resolution (5-10): per cell instead of per village.
    res: Option<u8>,
}

/// Finest cells coverage is given for (the staff map's finest hexagons).
const MAX_RES: u8 = 10;

/// `GET /api/coverage?res=N`: the programmes' reach per H3 cell of resolution N (village
/// programmes left out), with the city's totals.
fn per_cell(
    s: &crate::snapshot::Snapshot,
    period: Option<Period>,
    res: u8,
) -> Result<Value, ApiError> {
    let r = h3o::Resolution::try_from(res)
        .ok()
        .filter(|_| (5..=MAX_RES).contains(&res))
        .ok_or_else(|| ApiError::BadRequest(format!("res must be 5..{MAX_RES}, not {res}")))?;
    let cov = s.cell_coverage(period, r);
    let cells: Vec<Value> = cov
        .villages
        .iter()
        .map(|(cell, reaches)| {
            json!({
                "h3": cell,
                "programmes": reaches_json(reaches),
                "groups": cov.village_groups.get(cell).map_or_else(|| json!({}), |g| json!(g)),
            })
        })
        .collect();
    Ok(json!({
        "period": period,
        "revision": s.revision,
        "res": res,
        "programmes": s.programmes().iter().filter(|p| p.need() != Need::Villages).map(|p| p.code.as_str()).collect::<Vec<_>>(),
        "total": reaches_json(&cov.total),
        "cells": cells,
    }))
}

/// A programme's figures as JSON, with its share (`null` with no target).
fn reach_json(r: &Reach) -> Value {
    json!({
        "target": r.target,
        "reached": r.reached,
        "share": r.share(),
        "outside": r.outside,
        "deliveries": r.deliveries,
        "quantity": r.quantity,
        "cost": r.cost,
    })
}

fn reaches_json(m: &BTreeMap<String, Reach>) -> Value {
    Value::Object(m.iter().map(|(k, r)| (k.clone(), reach_json(r))).collect())
}

async fn coverage_of_round(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<Value>, ApiError> {
    let s = state.snapshot();
    let period = s.resolve_period(q.period.as_deref())?;
    if let Some(res) = q.res {
        return per_cell(&s, period, res).map(Json);
    }
    let programmes = s.programmes();
    let analysis = s.view(period).0;
    let cov = s.coverage(period);
    let villages: Vec<Value> = analysis
        .villages
        .iter()
        .map(|v| {
            let code = v.village.code.as_str();
            json!({
                "code": code,
                "name": v.village.name,
                "district": v.village.district,
                "programmes": cov.villages.get(code).map_or(Value::Null, reaches_json),
                "groups": cov.village_groups.get(code).map_or_else(|| json!({}), |g| json!(g)),
            })
        })
        .collect();
    let by: Map<String, Value> = cov
        .by
        .iter()
        .map(|(who, m)| (who.clone(), json!(m)))
        .collect();
    Ok(Json(json!({
        "period": period,
        "revision": s.revision,
        "programmes": programmes.iter().map(|p| json!({
            "code": p.code,
            "name": p.name,
            "kind": p.kind,
            "target": p.target,
            "need": p.need(),
            "by": p.by,
            "unit": p.unit,
        })).collect::<Vec<_>>(),
        "total": reaches_json(&cov.total),
        "groups": cov.groups,
        "villages": villages,
        "by": by,
    })))
}

/// Plan against delivery in one round, counts only.
async fn plan_of_round(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<Value>, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Planner | Role::Viewer) {
        return Err(ApiError::forbidden("plan against delivery is for staff"));
    }
    let s = state.snapshot();
    let period = s.resolve_period(q.period.as_deref())?;
    let visits = state
        .read_store(crate::store::AnyStore::visits)
        .await?
        .unwrap_or_default();
    let names = s.analysis.village_names();
    let Some(round) = period else {
        return Ok(Json(json!({
            "period": Value::Null,
            "revision": s.revision,
            "by": [],
            "villages_unreached": [],
        })));
    };
    let p = plan_of(&s, round, &visits);
    let by: Vec<Value> =
        p.by.iter()
            .map(|(who, d)| {
                json!({
                    "by": who,
                    "assigned": d.assigned,
                    "visited": d.visited,
                    "received": d.received,
                    "unreached": d.unreached,
                    "programmes": d.programmes,
                })
            })
            .collect();
    let unreached: Vec<Value> = p
        .villages_unreached
        .iter()
        .map(|code| {
            let district = s
                .analysis
                .villages
                .iter()
                .find(|v| v.village.code == *code)
                .map(|v| v.village.district.clone());
            json!({"code": code, "name": names.get(code.as_str()), "district": district})
        })
        .collect();
    Ok(Json(json!({
        "period": period,
        "revision": s.revision,
        "by": by,
        "villages_unreached": unreached,
    })))
}

/// Plan against delivery in `round` from the snapshot's children, deliveries and
/// coverage and every recorded `visit`.
pub(crate) fn plan_of(
    s: &crate::snapshot::Snapshot,
    round: Period,
    visits: &[crate::store::Visit],
) -> plan::Plan {
    let period = Some(round);
    let children: Vec<PlanChild<'_>> = s
        .cases
        .children
        .iter()
        .filter(|c| c.child.period == round)
        .map(|c| PlanChild {
            id: &c.child.id,
            village: c.village.as_deref(),
            team: c.team.as_deref(),
            household: c
                .home
                .and_then(|i| s.cases.households.get(i))
                .map(|h| h.household.id.as_str()),
        })
        .collect();
    let visits: Vec<PlanVisit<'_>> = visits
        .iter()
        .filter_map(|v| {
            Some(PlanVisit {
                pseudonym: &v.pseudonym,
                date: v.visited_on.parse().ok()?,
                found: v.outcome == "visited",
            })
        })
        .collect();
    let codes: Vec<&str> = s
        .analysis
        .villages
        .iter()
        .map(|v| v.village.code.as_str())
        .collect();
    let cov = s.coverage(period);
    plan::compute(
        round,
        &s.periods(),
        &children,
        &visits,
        s.deliveries(),
        &cov,
        &codes,
    )
}

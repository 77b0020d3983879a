//! `GET /api/periods`: the measurement periods with children, and the JSON of an
//! area's change since a base period (`?compare=YYYY-MM` on `/api/villages` and
//! `/api/hexes`).
//!
//! Aggregates only: a period's counts, never a child.

use crate::analysis::{AreaChange, Change};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::model::{Counts, Period};
use crate::snapshot::Snapshot;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/periods", get(periods))
}

/// `?period=YYYY-MM&compare=YYYY-MM`, shared by the area endpoints.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    /// The period whose figures are served (default: the latest).
    pub period: Option<String>,
    /// The base period each area is compared with.
    pub compare: Option<String>,
}

impl PeriodQuery {
    /// The resolved period and, with `compare`, the change since the base period.
    pub fn resolve(&self, s: &Snapshot) -> Result<(Option<Period>, Option<Change>), ApiError> {
        let period = s.resolve_period(self.period.as_deref())?;
        let change = match self.compare.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(base) => Some(s.change(period, base)?),
            None => None,
        };
        Ok((period, change))
    }
}

async fn periods(State(state): State<AppState>) -> Json<Value> {
    let s = state.snapshot();
    let list: Vec<Value> = s
        .periods()
        .into_iter()
        .map(|p| {
            let t = &s.view(Some(p)).0.totals;
            json!({
                "period": p,
                "children": t.children,
                "stunted": t.stunted,
                "severe": t.severe,
                "prevalence": share(t.stunted, t.children),
            })
        })
        .collect();
    Json(json!({
        "revision": s.revision,
        "default": s.default_period,
        "periods": list,
    }))
}

/// `part / whole`, `None` when `whole` is 0.
fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// An area's `change` object: the base period's counts and prevalence, the change
/// of prevalence in percentage points (`null` where either period has no child),
/// and the children followed in both periods (counted where they are now).
#[must_use]
pub fn change_json(change: &AreaChange, base: Period, now: &Counts) -> Value {
    let base_prevalence = share(change.base_stunted, change.base_children);
    let prevalence = share(now.stunted, now.children);
    let delta = match (prevalence, base_prevalence) {
        (Some(now), Some(then)) => Some(100.0 * (now - then)),
        _ => None,
    };
    json!({
        "base": base,
        "base_children": change.base_children,
        "base_stunted": change.base_stunted,
        "base_prevalence": base_prevalence,
        "prevalence_change_pp": delta,
        "followed": change.followed,
        "newly_stunted": change.newly_stunted,
        "recovered": change.recovered,
    })
}

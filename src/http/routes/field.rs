//! The field teams' API: a day's plan (`GET /api/route`, saved when first made and
//! re-made only on purpose with `POST /api/route`; every team's at `GET /api/plans`),
//! visit records
//! (`POST /api/visits`, `GET /api/visits`), and progress for planners
//! (`GET /api/visits/progress`).
//!
//! Routes and visits are case-level: a field officer gets and records only their
//! team's children (in their villages), planners and admins any team's; viewers get
//! 403. Every route read and every visit recorded is audited. A visit carries an id
//! the phone generated, so a record sent again (a retry, an offline queue flushed) is
//! stored once and answered with the stored record.
//!
//! The use cases are [`crate::field`]'s (who may plan and record what, a day's plan,
//! the plans' counts, progress, a child's history) and [`crate::visits`]' (checking a
//! visit); the handlers here parse the request, read and write the store, audit, call
//! them and shape the answer (the plan's GeoJSON with its stops marked done).

use crate::auth::{Caller, Role, Scope};
use crate::field::{self, PlanOptions, done_on, read_day};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::routes::{SavedDay, export};
use crate::store::{SavedPlan, Visit};
use crate::visits::{self, NewVisit, Recorded, VisitError};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/route", get(route).post(replan))
        .route("/api/plans", get(plans))
        .route("/api/visits", get(list_visits).post(record_visit))
        .route("/api/visits/progress", get(progress))
        .route("/api/children/{pseudonym}/history", get(history))
}

/// The store's visits (empty for a server without a store), read on a blocking
/// thread through the read-only connection.
async fn stored_visits(state: &AppState) -> Result<Vec<Visit>, ApiError> {
    Ok(state
        .read_store(crate::store::AnyStore::visits)
        .await?
        .unwrap_or_default())
}

#[derive(Deserialize)]
struct RouteQuery {
    team: Option<String>,
    period: Option<String>,
    /// `lat,lon`
    start: Option<String>,
    end: Option<String>,
    max: Option<usize>,
    /// `HH:MM-HH:MM`
    hours: Option<String>,
    service: Option<f64>,
    mode: Option<String>,
    format: Option<String>,
    /// The plan's day, `YYYY-MM-DD` (default: today, WIB).
    date: Option<String>,
}

impl RouteQuery {
    fn options(&self) -> PlanOptions {
        PlanOptions {
            period: self.period.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            max: self.max,
            hours: self.hours.clone(),
            service: self.service,
            mode: self.mode.clone(),
        }
    }
}

/// The day a plan is for ([`field::plan_day_of`]): the date asked, else today in WIB.
fn plan_day_of(text: Option<&str>) -> Result<NaiveDate, ApiError> {
    Ok(field::plan_day_of(text, crate::auth::now())?)
}

/// Plans `team`'s day afresh ([`field::make_day`]) on a blocking thread.
async fn make_day(
    state: &AppState,
    q: &RouteQuery,
    (team, villages): (&str, &[String]),
    day: NaiveDate,
    visits: Vec<Visit>,
) -> Result<SavedDay, ApiError> {
    let (snapshot, options) = (state.snapshot(), q.options());
    let (team, villages) = (team.to_owned(), villages.to_vec());
    Ok(tokio::task::spawn_blocking(move || {
        field::make_day(&snapshot, &options, (&team, &villages), day, &visits)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??)
}

/// Saves `made` as the team's plan for `day` (replacing one with `replace`) and
/// returns the plan that is stored, with its row: with two phones opening the day at
/// once, both get the first one saved. A server without a store keeps nothing and
/// answers with `made` itself.
async fn save_day(
    state: &AppState,
    caller: &Caller,
    team: &str,
    day: NaiveDate,
    made: SavedDay,
    replace: bool,
) -> Result<(SavedDay, Option<SavedPlan>), ApiError> {
    let text = serde_json::to_string(&made).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (team, day_text, by) = (team.to_owned(), day.to_string(), caller.username.clone());
    match state
        .write_store(move |s| s.save_plan(&team, &day_text, &by, &text, replace))
        .await?
    {
        Some((stored, _)) => Ok((read_day(&stored)?, Some(stored))),
        None => Ok((made, None)),
    }
}

/// The team's plan for the day: the saved one, else made now and saved. Recording
/// visits marks its stops done; it changes only through `POST /api/route`.
async fn route(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RouteQuery>,
) -> Result<Response, ApiError> {
    let (team, villages) = field::team_scope(caller.scope(), q.team.as_deref())?;
    let day = plan_day_of(q.date.as_deref())?;
    // Options are checked even when a saved plan answers and they go unused.
    q.options().check()?;
    let visits = stored_visits(&state).await?;
    let saved = {
        let (team, day) = (team.clone(), day.to_string());
        state
            .read_store(move |s| s.plan(&team, &day))
            .await?
            .flatten()
    };
    let (made, meta) = if let Some(p) = saved {
        (read_day(&p)?, Some(p))
    } else {
        let made = make_day(&state, &q, (&team, &villages), day, visits.clone()).await?;
        save_day(&state, &caller, &team, day, made, false).await?
    };
    answer_day(
        &state,
        &caller,
        &team,
        day,
        &made,
        meta.as_ref(),
        &visits,
        q.format.as_deref(),
    )
    .await
}

/// Re-plans the team's day on purpose (the officer or a planner): the children not
/// yet visited that day, with the options given; the saved plan is replaced.
async fn replan(
    State(state): State<AppState>,
    caller: Caller,
    Json(q): Json<RouteQuery>,
) -> Result<Response, ApiError> {
    let (team, villages) = field::team_scope(caller.scope(), q.team.as_deref())?;
    let day = plan_day_of(q.date.as_deref())?;
    let visits = stored_visits(&state).await?;
    let made = make_day(&state, &q, (&team, &villages), day, visits.clone()).await?;
    let (made, meta) = save_day(&state, &caller, &team, day, made, true).await?;
    let version = meta.as_ref().map_or(0, |m| m.version);
    state
        .audit(
            &caller,
            "plan",
            &format!("route {team} {day} v{version}"),
            made.plan.stops.len(),
        )
        .await?;
    answer_day(
        &state,
        &caller,
        &team,
        day,
        &made,
        meta.as_ref(),
        &visits,
        q.format.as_deref(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn answer_day(
    state: &AppState,
    caller: &Caller,
    team: &str,
    day: NaiveDate,
    made: &SavedDay,
    meta: Option<&SavedPlan>,
    visits: &[Visit],
    format: Option<&str>,
) -> Result<Response, ApiError> {
    let (plan, candidates) = (&made.plan, &made.candidates);
    state
        .audit(caller, "read", &format!("route {team}"), plan.stops.len())
        .await?;
    let done = done_on(visits, day);
    // Who each stop is (name, parent, address, village, posyandu, head of the
    // household), opened only for
    // children the caller's scope covers; the count opened is audited.
    let stops: Vec<String> = plan
        .stops
        .iter()
        .map(|s| candidates[s.candidate].key.clone())
        .collect();
    let snapshot = state.snapshot();
    // The plan's round, or the default one if that round is gone since.
    let period = snapshot
        .resolve_period(made.period.as_deref())
        .or_else(|_| snapshot.resolve_period(None))?;
    let what = format!("identities route {team}");
    let who =
        super::visitees::reveal(state, caller, &snapshot, period, &stops, true, &what).await?;
    let name = format!("rute {team} {day}");
    let mut resp = match format.unwrap_or("geojson") {
        "gpx" => {
            let mut r = export::gpx(plan, candidates, &name, &who).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/gpx+xml"),
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"rute.gpx\""),
            );
            r
        }
        "geojson" | "json" => {
            let mut body = export::geojson(plan, candidates, &who);
            let mut finished = 0;
            if let Some(features) = body["features"].as_array_mut() {
                for f in features {
                    let Some(key) = f["properties"]["pseudonym"].as_str() else {
                        continue;
                    };
                    let mark = done
                        .get(key)
                        .map(|v| json!({"outcome": v.outcome, "by": v.username, "visit": v.id}));
                    finished += usize::from(mark.is_some());
                    f["properties"]["done"] = mark.unwrap_or(Value::Null);
                }
            }
            body["team"] = json!(team);
            body["day"] = json!(day.to_string());
            body["period"] = json!(made.period);
            body["start"] = json!(made.start);
            body["start_place"] = json!(made.start_name.as_ref().map(|n| json!({"name": n})));
            body["end"] = json!(made.end);
            body["options"] = json!({
                "max": made.max_visits,
                "hours": made.hours,
                "service": made.service_minutes,
                "mode": made.mode,
            });
            body["saved"] = json!(meta.map(|m| json!({
                "made_by": m.made_by,
                "made_at": m.made_at,
                "version": m.version,
            })));
            body["summary"] = json!({
                "visits": plan.stops.len(),
                "done": finished,
                "candidates": made.candidates_then,
                "travel_min": plan.travel_min,
                "service_min": plan.service_min,
                "total_min": plan.total_min,
                "travel_m": plan.travel_m,
            });
            Json(body).into_response()
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "format={other}: use geojson or gpx"
            )));
        }
    };
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

#[derive(Deserialize)]
struct PlansQuery {
    date: Option<String>,
}

/// Every team's saved plan for a day and how far it got (a field officer: their own
/// team's only). Counts, no child.
async fn plans(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PlansQuery>,
) -> Result<Json<Value>, ApiError> {
    let own = field::plans_scope(caller.scope(), caller.role == Role::Viewer)?;
    let day = plan_day_of(q.date.as_deref())?;
    let visits = stored_visits(&state).await?;
    let saved = {
        let day = day.to_string();
        state
            .read_store(move |s| s.plans_on(&day))
            .await?
            .unwrap_or_default()
    };
    let rows = field::plan_rows(&saved, own.as_deref(), &visits, day)?;
    Ok(Json(json!({"day": day.to_string(), "plans": rows})))
}

/// Stores `visit` with what it gave ([`visits::deliveries`]), in one transaction;
/// `(stored, new, deliveries added)`. When a delivery was added, coverage moved: the
/// snapshot is rebuilt.
async fn store_visit(
    state: &AppState,
    snapshot: &crate::snapshot::Snapshot,
    visit: &Visit,
) -> Result<(Visit, bool, usize), ApiError> {
    let given = visits::deliveries(visit, snapshot.programmes(), &snapshot.periods());
    let sent = visit.clone();
    let written = state
        .write_store(move |s| s.record_visit_with(&sent, &given))
        .await?
        .ok_or_else(|| ApiError::Conflict("this server has no store to record visits in".into()))?;
    if written.2 > 0 {
        state.rebuild_in_background("a visit's deliveries");
    }
    Ok(written)
}

/// Today (UTC) by [`crate::auth::now`].
fn today() -> NaiveDate {
    chrono::DateTime::from_timestamp(crate::auth::now(), 0)
        .map_or(NaiveDate::MAX, |t| t.date_naive())
}

/// Records a home visit ([`visits::check`]); a resend is answered with the stored
/// record. Audited: a refused measurement, a refused id, the visit, a confirmed
/// implausible measurement.
async fn record_visit(
    State(state): State<AppState>,
    caller: Caller,
    Json(v): Json<NewVisit>,
) -> Result<Response, ApiError> {
    if caller.role == Role::Viewer {
        return Err(ApiError::forbidden("viewers may not record visits"));
    }
    let snapshot = state.snapshot();
    // Field officers record only their own children: checked before the body.
    let pseudonym = v.pseudonym.as_deref().unwrap_or_default();
    let child = field::visit_child(pseudonym, &caller.scope(), &snapshot.cases)?;
    let rounds = child.map_or_else(Vec::new, |c| field::rounds_of(&snapshot.cases, &c.child.id));
    let stored = stored_visits(&state).await?;
    let checked = visits::check(&v, child, &rounds, &stored, today(), &caller.username);
    if let Err(VisitError::Implausible(m)) = &checked {
        let what = format!("measurement refused: {}", m.codes().join(","));
        state.audit(&caller, "visit_implausible", &what, 0).await?;
    }
    let visit = checked?;
    let (stored, new, delivered) = store_visit(&state, &snapshot, &visit).await?;
    let recorded = Recorded::of(&visit, &stored, new);
    if recorded.is_err() {
        let what = "visit id used by another record";
        state.audit(&caller, "visit_refused", what, 0).await?;
    }
    let what = match recorded? {
        Recorded::New => format!("visit {}", stored.outcome),
        Recorded::Resent => format!("visit {} (resent)", stored.outcome),
    };
    state.audit(&caller, "visit", &what, 1).await?;
    if new && !stored.checks.is_empty() {
        // The reason stays in the visit record (case-level); the log names the checks.
        let what = format!(
            "implausible measurement confirmed: {}",
            stored.checks.join(",")
        );
        state.audit(&caller, "visit_confirm", &what, 1).await?;
    }
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({"visit": stored, "duplicate": !new, "deliveries": delivered})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct VisitsQuery {
    pseudonym: Option<String>,
    team: Option<String>,
}

/// Visits the caller may read (a field officer: their team's), newest first.
async fn list_visits(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<VisitsQuery>,
) -> Result<Response, ApiError> {
    let (team, villages) = field::visit_readers(caller.scope(), q.team.as_deref())?;
    let snapshot = state.snapshot();
    let stored = stored_visits(&state).await?;
    let visits = field::readable_visits(
        &snapshot.cases,
        (team.as_deref(), &villages),
        q.pseudonym.as_deref(),
        stored,
    );
    state.audit(&caller, "read", "visits", visits.len()).await?;
    let mut resp = Json(json!({ "visits": visits })).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

#[derive(Deserialize)]
struct PeriodOnly {
    period: Option<String>,
}

/// Per team and per village: assigned stunted children of the period, how many were
/// visited (found) since the period began, the last visit, and how many improved.
async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PeriodOnly>,
) -> Result<Response, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Planner | Role::Viewer) {
        return Err(ApiError::forbidden("progress is for planners"));
    }
    let snapshot = state.snapshot();
    let period = snapshot.resolve_period(q.period.as_deref())?;
    let visits = stored_visits(&state).await?;
    let table = field::progress(&snapshot.cases, period, &visits);
    let names = snapshot.analysis.village_names();
    let villages: Vec<Value> = table
        .villages
        .into_iter()
        .map(|(code, p)| {
            let mut v = json!(p);
            v["code"] = json!(code);
            v["name"] = json!(names.get(code.as_str()));
            v
        })
        .collect();
    let teams: Vec<Value> = table
        .teams
        .into_iter()
        .map(|(team, p)| {
            let mut v = json!(p);
            v["team"] = json!(team);
            v
        })
        .collect();
    Ok(Json(json!({
        "period": period.map(|p| p.to_string()),
        "teams": teams,
        "villages": villages,
    }))
    .into_response())
}

/// One child's height-for-age over time: the weighing rounds' measurements and the
/// visits' (a visit's new measurement extends the z-score history), oldest first.
async fn history(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(pseudonym): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let scope = caller.scope();
    if scope == Scope::Nothing {
        return Err(ApiError::forbidden("a child's history is case-level data"));
    }
    let snapshot = state.snapshot();
    let rounds = field::child_rounds(&snapshot.cases, &scope, &pseudonym)?;
    let stored = stored_visits(&state).await?;
    let history = field::history(&snapshot.cases, &rounds, &stored, today());
    let points = history.points;
    state
        .audit(&caller, "read", "child history", points.len())
        .await?;
    let mut resp = Json(json!({
        "pseudonym": pseudonym,
        "history": points,
        "expected_today": history.expected_today,
    }))
    .into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

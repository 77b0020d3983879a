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

use crate::auth::{Caller, Role, Scope};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::index::cases::CaseChild;
use crate::model::Child;
use crate::risk::plausibility;
use crate::routes::day::{DayRequest, TeamChild, team_day};
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
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/route", get(route).post(replan))
        .route("/api/plans", get(plans))
        .route("/api/visits", get(list_visits).post(record_visit))
        .route("/api/visits/progress", get(progress))
        .route("/api/children/{pseudonym}/history", get(history))
}

/// What the caller may touch: `(team, villages)`; planners and admins name the team.
fn team_scope(caller: &Caller, asked: Option<&str>) -> Result<(String, Vec<String>), ApiError> {
    match caller.scope() {
        Scope::Team { team, villages } => {
            if asked.is_some_and(|t| t != team) {
                return Err(ApiError::forbidden(format!(
                    "this account works for team {team} only"
                )));
            }
            Ok((team, villages))
        }
        Scope::All => asked
            .filter(|t| !t.trim().is_empty())
            .map(|t| (t.to_owned(), Vec::new()))
            .ok_or_else(|| ApiError::BadRequest("name the team: ?team=...".into())),
        Scope::Nothing => Err(ApiError::forbidden(
            "routes and visits are for field officers, planners and admins",
        )),
    }
}

fn in_scope(c: &CaseChild, team: &str, villages: &[String]) -> bool {
    c.team.as_deref() == Some(team)
        && (villages.is_empty() || c.village.as_ref().is_some_and(|v| villages.contains(v)))
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

fn latlon(text: Option<&str>, name: &str) -> Result<Option<[f64; 2]>, ApiError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| {
            crate::roads::parse_latlon(t).map_err(|e| ApiError::BadRequest(format!("{name}: {e}")))
        })
        .transpose()
}

fn mode_of(text: Option<&str>) -> Result<crate::roads::Mode, ApiError> {
    match text.unwrap_or("motorbike") {
        "motorbike" => Ok(crate::roads::Mode::Motorbike),
        "car" => Ok(crate::roads::Mode::Car),
        "walk" => Ok(crate::roads::Mode::Walk),
        other => Err(ApiError::BadRequest(format!(
            "mode={other}: use motorbike, car or walk"
        ))),
    }
}

/// The day a plan is for: `date=YYYY-MM-DD` (the phone sends its own), else today in
/// western Indonesia (UTC+7), so a plan made at 06:30 WIB is for the same day.
fn plan_day_of(text: Option<&str>) -> Result<NaiveDate, ApiError> {
    match text.filter(|t| !t.trim().is_empty()) {
        Some(t) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
            .map_err(|_| ApiError::BadRequest(format!("date={t}: use YYYY-MM-DD"))),
        None => Ok(
            chrono::DateTime::from_timestamp(crate::auth::now() + 7 * 3600, 0)
                .map_or(NaiveDate::MIN, |t| t.date_naive()),
        ),
    }
}

/// Plans `team`'s day afresh: the team's children not yet visited on `day`
/// ([`crate::routes::day::team_day`]).
async fn make_day(
    snapshot: Arc<crate::snapshot::Snapshot>,
    q: &RouteQuery,
    (team, villages): (&str, &[String]),
    day: NaiveDate,
    visits: Vec<Visit>,
) -> Result<SavedDay, ApiError> {
    let period = snapshot.resolve_period(q.period.as_deref())?;
    let roads = snapshot.analysis.roads.clone().ok_or_else(|| {
        ApiError::Conflict("no road network imported: run `sigap import roads`".into())
    })?;
    let request = DayRequest {
        team: team.to_owned(),
        villages: villages.to_vec(),
        period,
        day: Some(day),
        start: latlon(q.start.as_deref(), "start")?,
        end: latlon(q.end.as_deref(), "end")?,
        max_visits: q.max.unwrap_or(10).clamp(1, 60),
        hours: q.hours.clone().unwrap_or_else(|| "08:00-14:00".into()),
        service_minutes: q.service.unwrap_or(20.0).clamp(0.0, 240.0),
        mode: mode_of(q.mode.as_deref())?,
    };
    Ok(tokio::task::spawn_blocking(move || {
        let children = snapshot
            .cases
            .children_for(&Scope::All, period)
            .into_iter()
            .map(|c| TeamChild {
                child: &c.child,
                team: c.team.as_deref(),
                village: c.village.as_deref(),
            });
        team_day(
            children,
            &visits,
            &snapshot.analysis.facilities,
            &roads,
            &request,
        )
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

fn read_day(p: &SavedPlan) -> Result<SavedDay, ApiError> {
    serde_json::from_str(&p.plan).map_err(|e| {
        ApiError::Internal(format!(
            "the saved plan of {} for {} is unreadable: {e}",
            p.team, p.day
        ))
    })
}

/// The team's plan for the day: the saved one, else made now and saved. Recording
/// visits marks its stops done; it changes only through `POST /api/route`.
async fn route(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RouteQuery>,
) -> Result<Response, ApiError> {
    let (team, villages) = team_scope(&caller, q.team.as_deref())?;
    let day = plan_day_of(q.date.as_deref())?;
    // Options are checked even when a saved plan answers and they go unused.
    mode_of(q.mode.as_deref())?;
    if let Some(h) = q.hours.as_deref() {
        crate::routes::parse_hours(h).map_err(ApiError::BadRequest)?;
    }
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
        let made = make_day(
            state.snapshot(),
            &q,
            (&team, &villages),
            day,
            visits.clone(),
        )
        .await?;
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
    let (team, villages) = team_scope(&caller, q.team.as_deref())?;
    let day = plan_day_of(q.date.as_deref())?;
    let visits = stored_visits(&state).await?;
    let made = make_day(
        state.snapshot(),
        &q,
        (&team, &villages),
        day,
        visits.clone(),
    )
    .await?;
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

/// Visits recorded on `day` per child: `(outcome, by)`, the last one recorded.
fn done_on(visits: &[Visit], day: NaiveDate) -> HashMap<&str, &Visit> {
    let day = day.to_string();
    visits
        .iter()
        .filter(|v| v.visited_on == day)
        .map(|v| (v.pseudonym.as_str(), v))
        .collect()
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
    let own = match caller.scope() {
        Scope::Team { team, .. } => Some(team),
        Scope::All => None,
        Scope::Nothing if caller.role == Role::Viewer => None,
        Scope::Nothing => {
            return Err(ApiError::forbidden(
                "plans are for field officers, planners, admins and viewers",
            ));
        }
    };
    let day = plan_day_of(q.date.as_deref())?;
    let visits = stored_visits(&state).await?;
    let done = done_on(&visits, day);
    let saved = {
        let day = day.to_string();
        state
            .read_store(move |s| s.plans_on(&day))
            .await?
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for p in saved
        .iter()
        .filter(|p| own.as_ref().is_none_or(|t| *t == p.team))
    {
        let made = read_day(p)?;
        let marks: Vec<&Visit> = made
            .candidates
            .iter()
            .filter_map(|c| done.get(c.key.as_str()).copied())
            .collect();
        rows.push(json!({
            "team": p.team,
            "made_by": p.made_by,
            "made_at": p.made_at,
            "version": p.version,
            "stops": made.plan.stops.len(),
            "done": marks.len(),
            "visited": marks.iter().filter(|v| v.outcome == "visited").count(),
            "not_found": marks.iter().filter(|v| v.outcome == "not_found").count(),
            "total_min": (made.plan.total_min).round(),
            "hours": made.hours,
        }));
    }
    Ok(Json(json!({"day": day.to_string(), "plans": rows})))
}

/// The child a visit names, looked up among the caller's own children first: a
/// field officer naming a child outside their team and villages gets the same 403
/// whether or not the child exists, before anything of the child (its birth date in
/// a date check) can shape the answer.
fn visit_child<'s>(
    v: &NewVisit,
    caller: &Caller,
    snapshot: &'s crate::snapshot::Snapshot,
) -> Result<Option<&'s CaseChild>, ApiError> {
    let pseudonym = v.pseudonym.clone().unwrap_or_default();
    let child = snapshot
        .cases
        .children_for(&Scope::All, None)
        .into_iter()
        .filter(|c| c.child.id == pseudonym)
        .max_by_key(|c| c.child.period);
    if let Scope::Team { team, villages } = caller.scope()
        && !child.is_some_and(|c| in_scope(c, &team, &villages))
    {
        return Err(ApiError::forbidden(
            "this child is not assigned to your team",
        ));
    }
    Ok(child)
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

/// Every round's record of child `pseudonym` (any team's: the child was checked
/// against the caller's scope already).
fn rounds_of<'s>(snapshot: &'s crate::snapshot::Snapshot, pseudonym: &str) -> Vec<&'s Child> {
    snapshot
        .cases
        .children_for(&Scope::All, None)
        .into_iter()
        .map(|c| &c.child)
        .filter(|c| c.id == pseudonym)
        .collect()
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
    let child = visit_child(&v, &caller, &snapshot)?;
    let rounds = child.map_or_else(Vec::new, |c| rounds_of(&snapshot, &c.child.id));
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
    let (team, villages) = match caller.scope() {
        Scope::All => (q.team.clone(), Vec::new()),
        Scope::Team { team, villages } => (Some(team), villages),
        Scope::Nothing => return Err(ApiError::forbidden("visits are case-level data")),
    };
    // A field officer limited to some villages reads the visits of children there.
    let snapshot = state.snapshot();
    let village_of: HashMap<&str, Option<&str>> = snapshot
        .cases
        .children_for(&Scope::All, None)
        .into_iter()
        .map(|c| (c.child.id.as_str(), c.village.as_deref()))
        .collect();
    let in_villages = |v: &Visit| {
        villages.is_empty()
            || village_of
                .get(v.pseudonym.as_str())
                .copied()
                .flatten()
                .is_some_and(|code| villages.iter().any(|x| x == code))
    };
    let mut visits: Vec<Visit> = stored_visits(&state)
        .await?
        .into_iter()
        .filter(|v| team.as_ref().is_none_or(|t| &v.team == t))
        .filter(in_villages)
        .filter(|v| q.pseudonym.as_ref().is_none_or(|p| &v.pseudonym == p))
        .collect();
    visits.reverse();
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

#[derive(Default, serde::Serialize)]
struct Progress {
    assigned: usize,
    visited: usize,
    last_visit: Option<String>,
    /// Measured on a visit with a height-for-age z-score above the round's (the latest
    /// visit measurement that passed the plausibility checks).
    recovering: usize,
    /// Measured on a visit at HAZ -2 or above (the same measurement).
    no_longer_stunted: usize,
    /// Whose latest visit measurement failed a plausibility check and was confirmed
    /// by the officer: not counted above until a later measurement passes.
    unconfirmed: usize,
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
    let from = period.map(|p| p.to_string());
    let mut latest: HashMap<&str, &Visit> = HashMap::new();
    let mut found: HashMap<&str, &str> = HashMap::new();
    // Whether each child's latest visit measurement passed the checks.
    let mut measured: HashMap<&str, bool> = HashMap::new();
    for v in &visits {
        if from.as_ref().is_some_and(|f| v.visited_on[..7] < **f) || v.outcome != "visited" {
            continue;
        }
        found.insert(&v.pseudonym, &v.visited_on);
        // Only a measurement that passed the plausibility checks shows progress.
        if v.haz.is_some() && v.trusted() {
            latest.insert(&v.pseudonym, v);
        }
        if v.haz.is_some() {
            measured.insert(&v.pseudonym, v.trusted());
        }
    }
    let mut teams: BTreeMap<String, Progress> = BTreeMap::new();
    let mut villages: BTreeMap<String, Progress> = BTreeMap::new();
    for c in snapshot.cases.children_for(&Scope::All, period) {
        let ch = &c.child;
        let Some(team) = &c.team else { continue };
        if !ch.is_stunted() || ch.is_flagged() {
            continue;
        }
        let village = c.village.clone().unwrap_or_else(|| "-".into());
        for p in [
            teams.entry(team.clone()).or_default(),
            villages.entry(village).or_default(),
        ] {
            p.assigned += 1;
            if let Some(day) = found.get(ch.id.as_str()) {
                p.visited += 1;
                if p.last_visit.as_deref().is_none_or(|l| l < *day) {
                    p.last_visit = Some((*day).to_owned());
                }
            }
            p.unconfirmed += usize::from(measured.get(ch.id.as_str()) == Some(&false));
            if let Some(haz) = latest.get(ch.id.as_str()).and_then(|v| v.haz) {
                p.recovering += usize::from(haz > ch.haz);
                p.no_longer_stunted += usize::from(haz >= crate::model::STUNTED_HAZ);
            }
        }
    }
    let names = snapshot.analysis.village_names();
    let villages: Vec<Value> = villages
        .into_iter()
        .map(|(code, p)| {
            let mut v = json!(p);
            v["code"] = json!(code);
            v["name"] = json!(names.get(code.as_str()));
            v
        })
        .collect();
    let teams: Vec<Value> = teams
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
    let rounds: Vec<&CaseChild> = snapshot
        .cases
        .children_for(&scope, None)
        .into_iter()
        .filter(|c| c.child.id == pseudonym)
        .collect();
    if rounds.is_empty() {
        return Err(ApiError::NotFound("no such child for this account".into()));
    }
    let mut points: Vec<Value> = rounds
        .iter()
        .map(|c| {
            json!({
                "date": c.child.measure_date.to_string(),
                "source": "round",
                "period": c.child.period.to_string(),
                "height_cm": c.child.height_cm,
                "haz": c.child.haz,
            })
        })
        .collect();
    let stored = stored_visits(&state).await?;
    points.extend(
        stored
            .iter()
            .filter(|v| v.pseudonym == pseudonym && v.haz.is_some())
            .map(|v| {
                json!({
                    "date": v.visited_on,
                    "source": "visit",
                    "height_cm": v.height_cm,
                    "haz": v.haz,
                    "checks": v.checks,
                    "counts": v.trusted(),
                })
            }),
    );
    // What a measurement today may be without a warning.
    let today = today();
    let newest = rounds.iter().max_by_key(|c| c.child.period).copied();
    let expected_today = newest.and_then(|c| {
        let all = rounds_of(&snapshot, &c.child.id);
        let last = visits::last_measurement(&c.child.id, &all, &stored, today, "")?;
        plausibility::expected(c.child.sex, c.child.birth_date, today, &last)
    });
    points.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
    state
        .audit(&caller, "read", "child history", points.len())
        .await?;
    let mut resp = Json(json!({
        "pseudonym": pseudonym,
        "history": points,
        "expected_today": expected_today,
    }))
    .into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

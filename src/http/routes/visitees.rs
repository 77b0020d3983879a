//! Who the stops of a route are: the children's sealed names and addresses opened for
//! a caller whose scope covers them, with one audit row per request.
//!
//! The route handler asks for the stops it is about to answer; only children the
//! caller's own [`Scope`](crate::auth::Scope) reads (their team and villages for a
//! field officer, every child for planners and admins, none for viewers) are opened,
//! with the head of the household at each child's point, and the count of records
//! opened (children and households) is written to the audit log (`reveal`,
//! `identities ...`) before anything is answered. Names never go to the log: a sealed record that does
//! not open is logged by count only.

use crate::auth::{Caller, Scope};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::index::cases::CaseChild;
use crate::model::{LayerKind, Period};
use crate::routes::export::{Visitee, Visitees};
use crate::snapshot::Snapshot;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::collections::{BTreeSet, HashMap, HashSet};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/children/{pseudonym}/identity", get(identity))
}

/// `GET /api/children/{pseudonym}/identity`: who one child is (name, parent, address,
/// village, posyandu, head of the household), for the planner's case popup; scoped and audited like the
/// route (a child outside the caller's scope is 404, a viewer 403).
async fn identity(
    State(state): State<AppState>,
    caller: Caller,
    Path(pseudonym): Path<String>,
) -> Result<Response, ApiError> {
    if caller.scope() == Scope::Nothing {
        return Err(ApiError::forbidden("who a child is is case-level data"));
    }
    let snapshot = state.snapshot();
    let wanted = [pseudonym];
    let mut who = reveal(
        &state,
        &caller,
        &snapshot,
        None,
        &wanted,
        true,
        "identities child",
    )
    .await?;
    let who = who
        .remove(&wanted[0])
        .ok_or_else(|| ApiError::NotFound("no such child for this account".into()))?;
    let mut resp = Json(who).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// The visitees of `pseudonyms` the caller may know: the village name of each child
/// in scope, and, where the server holds the identity key, the opened name, parent,
/// address and posyandu, and with `heads` the head of the household at the child's
/// point (its address only where it differs from the child's). `what` names the
/// request in the audit row, whose count is the sealed records opened: each child,
/// and each household once more (two siblings of one household open three records).
pub(super) async fn reveal(
    state: &AppState,
    caller: &Caller,
    snapshot: &Snapshot,
    period: Option<Period>,
    pseudonyms: &[String],
    heads: bool,
    what: &str,
) -> Result<Visitees, ApiError> {
    let wanted: HashSet<&str> = pseudonyms.iter().map(String::as_str).collect();
    let names = snapshot.analysis.village_names();
    // Only the children the caller's scope reads; the route's own filter is not
    // trusted to have done it.
    let children: Vec<&CaseChild> = snapshot
        .cases
        .children_for(&caller.scope(), period)
        .into_iter()
        .filter(|c| wanted.contains(c.child.id.as_str()))
        .collect();
    let mut out: Visitees = children
        .iter()
        .map(|c| {
            let village = c
                .village
                .as_deref()
                .and_then(|v| names.get(v))
                .map(|n| (*n).to_owned())
                .unwrap_or_default();
            let who = Visitee {
                village,
                ..Visitee::default()
            };
            (c.child.id.clone(), who)
        })
        .collect();
    let Some(key) = state.identity_key() else {
        return Ok(out);
    };
    let allowed: Vec<String> = out.keys().cloned().collect();
    if allowed.is_empty() {
        return Ok(out);
    }
    let layer = LayerKind::Children.as_str();
    let sealed = state
        .read_store(move |s| s.sealed_identities(layer, &allowed))
        .await?
        .unwrap_or_default();
    let (mut opened, mut failed) = (0, 0);
    for (pseudonym, bytes) in sealed {
        let Some(who) = out.get_mut(&pseudonym) else {
            continue;
        };
        match key.open(layer, &pseudonym, &bytes) {
            Ok(id) => {
                who.address = id.address_line();
                who.name = id.name;
                who.parent = id.parent;
                who.posyandu = id.posyandu;
                who.phone = id.phone;
                opened += 1;
            }
            Err(_) => failed += 1,
        }
    }
    if heads {
        let (households, broken) = open_heads(state, &key, snapshot, &children, &mut out).await?;
        opened += households;
        failed += broken;
    }
    if failed > 0 {
        tracing::warn!(
            records = failed,
            "sealed identities did not open: wrong identity key or a changed store"
        );
    }
    if opened > 0 {
        state.audit(caller, "reveal", what, opened).await?;
    }
    Ok(out)
}

/// Opens the household at each child's point (children are placed at their home) and
/// sets its head on the child's visitee (the household's address only where it differs
/// from the child's). Returns the households opened and the records that did not open.
async fn open_heads(
    state: &AppState,
    key: &crate::ingest::IdentityKey,
    snapshot: &Snapshot,
    children: &[&CaseChild],
    out: &mut Visitees,
) -> Result<(usize, usize), ApiError> {
    let homes: HashMap<&str, &str> = children
        .iter()
        .filter_map(|c| {
            let h = snapshot.cases.households.get(c.home?)?;
            Some((c.child.id.as_str(), h.household.id.as_str()))
        })
        .collect();
    if homes.is_empty() {
        return Ok((0, 0));
    }
    let layer = LayerKind::Households.as_str();
    let wanted: Vec<String> = homes
        .values()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let sealed = state
        .read_store(move |s| s.sealed_identities(layer, &wanted))
        .await?
        .unwrap_or_default();
    let (mut households, mut failed) = (HashMap::new(), 0);
    for (pseudonym, bytes) in sealed {
        match key.open(layer, &pseudonym, &bytes) {
            Ok(id) => {
                households.insert(pseudonym, id);
            }
            Err(_) => failed += 1,
        }
    }
    for (child, home) in homes {
        let (Some(who), Some(id)) = (out.get_mut(child), households.get(home)) else {
            continue;
        };
        if id.name.is_empty() {
            continue;
        }
        who.head.clone_from(&id.name);
        let line = id.address_line();
        if line != who.address {
            who.head_address = line;
        }
    }
    Ok((households.len(), failed))
}

//! The annual review ([`crate::risk::review`]) for staff (admin, planner, viewer):
//! `GET /api/review?from=&to=` gives per village, kecamatan and the city, round by
//! round, prevalence and its change, measurement coverage and each programme's
//! coverage; per deliverer plan against delivery; the sponsors' contributions; the
//! villages nobody reached; and the rembuk's decisions in force at the last round.
//! `GET /api/review.xlsx?from=&to=` is the same as a workbook (sheets `desa`,
//! `kecamatan`, `kota`, `pelaksana`, `sponsor`, `keterangan`), Indonesian column
//! names, values rounded for the meeting.
//!
//! Aggregates only: counts per village and deliverer, never a child. Visits do not
//! bump the store's revision, so they are read per request.

use crate::auth::{Caller, Role};
use crate::export::{self, Table, sheet::Columns};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::model::{Period, Programme};
use crate::risk::review::{self, Area, Review, RoundIn, VillageIn};
use crate::risk::targets::Cell;
use crate::snapshot::Snapshot;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/review", get(review_json))
        .route("/api/review.xlsx", get(review_xlsx))
}

#[derive(Debug, Default, Deserialize)]
struct ReviewQuery {
    /// The first round (default: the first with children).
    from: Option<String>,
    /// The last round (default: the latest).
    to: Option<String>,
}

/// The review with what a page needs around it.
struct Built {
    review: Review,
    programmes: Vec<Programme>,
    decisions: Value,
    revision: u64,
    place: String,
    min_coverage: f64,
}

/// The rounds from `from` to `to` (both resolved against the snapshot's).
fn rounds(s: &Snapshot, q: &ReviewQuery) -> Result<Vec<Period>, ApiError> {
    let all = s.periods();
    let first = match q.from.as_deref() {
        Some(t) if !t.trim().is_empty() => s.resolve_period(Some(t))?,
        _ => all.first().copied(),
    };
    let last = match q.to.as_deref() {
        Some(t) if !t.trim().is_empty() => s.resolve_period(Some(t))?,
        _ => all.last().copied(),
    };
    if let (Some(a), Some(b)) = (first, last)
        && a > b
    {
        return Err(ApiError::BadRequest(format!(
            "from ({a}) is after to ({b}): the review runs from an earlier round to a later one"
        )));
    }
    Ok(all
        .into_iter()
        .filter(|p| first.is_none_or(|a| *p >= a) && last.is_none_or(|b| *p <= b))
        .collect())
}

async fn build(state: &AppState, caller: &Caller, q: &ReviewQuery) -> Result<Built, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Planner | Role::Viewer) {
        return Err(ApiError::forbidden("the annual review is for staff"));
    }
    let s = state.snapshot();
    let periods = rounds(&s, q)?;
    let visits = state
        .read_store(crate::store::AnyStore::visits)
        .await?
        .unwrap_or_default();
    let last = periods.last().copied();
    let decisions = super::rembuk::in_force(state, last).await?;
    let place = state.place().unwrap_or_else(|| "Kota/Kabupaten".to_owned());
    let s2 = Arc::clone(&s);
    let review = tokio::task::spawn_blocking(move || compute(&s2, &periods, &visits, &place))
        .await
        .map_err(|e| ApiError::Internal(format!("review: {e}")))??;
    Ok(Built {
        review,
        programmes: s.programmes().to_vec(),
        decisions,
        revision: s.revision,
        place: state.place().unwrap_or_default(),
        min_coverage: state.0.config.measurement.min_coverage,
    })
}

fn compute(
    s: &Snapshot,
    periods: &[Period],
    visits: &[crate::store::Visit],
    place: &str,
) -> Result<Review, ApiError> {
    let mut parts = Vec::with_capacity(periods.len());
    for p in periods {
        let m = s
            .measurement(Some(*p))
            .ok_or_else(|| ApiError::NotFound("no measurement figures in this snapshot".into()))?;
        let plan = super::coverage::plan_of(s, *p, visits);
        parts.push((*p, m, s.coverage(Some(*p)), plan));
    }
    let villages: Vec<VillageIn<'_>> = s
        .analysis
        .villages
        .iter()
        .map(|v| VillageIn {
            code: &v.village.code,
            name: &v.village.name,
            district: &v.village.district,
        })
        .collect();
    if let Some((p, m, ..)) = parts.iter().find(|x| x.1.villages.len() != villages.len()) {
        return Err(ApiError::Internal(format!(
            "round {p}: {} measurement rows for {} villages",
            m.villages.len(),
            villages.len()
        )));
    }
    let rounds: Vec<RoundIn<'_>> = parts
        .iter()
        .map(|(period, m, cov, plan)| RoundIn {
            period: *period,
            measurement: m,
            coverage: cov,
            plan,
        })
        .collect();
    Ok(review::compute(place, &villages, s.programmes(), &rounds))
}

async fn review_json(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReviewQuery>,
) -> Result<Json<Value>, ApiError> {
    let b = build(&state, &caller, &q).await?;
    let mut body = serde_json::to_value(&b.review)
        .map_err(|e| ApiError::Internal(format!("review body: {e}")))?;
    if let Value::Object(m) = &mut body {
        m.insert("place".into(), json!(b.place));
        m.insert("revision".into(), json!(b.revision));
        m.insert("min_coverage".into(), json!(b.min_coverage));
        m.insert(
            "programmes".into(),
            json!(
                b.programmes
                    .iter()
                    .map(|p| json!({
                        "code": p.code,
                        "name": p.name,
                        "kind": p.kind,
                        "by": p.by,
                        "unit": p.unit,
                        "sponsored": p.sponsored,
                    }))
                    .collect::<Vec<_>>()
            ),
        );
        m.insert("decisions".into(), b.decisions);
    }
    Ok(Json(body))
}

/// A share 0..1 as a percentage with one decimal.
fn pct(x: Option<f64>) -> Cell {
    Cell::Num(x.map(|v| (v * 1000.0).round() / 10.0))
}

/// A number with one decimal.
fn one(x: Option<f64>) -> Cell {
    Cell::Num(x.map(|v| (v * 10.0).round() / 10.0))
}

fn int(n: u32) -> Cell {
    Cell::Int(i64::from(n))
}

/// One row per area and round: the areas' sheet.
fn areas_table(areas: &[Area], programmes: &[Programme], village: bool) -> Table {
    let mut header: Vec<String> = if village {
        vec!["Kecamatan".into(), "Desa/Kelurahan".into(), "Kode".into()]
    } else {
        vec!["Wilayah".into(), "Jumlah desa".into()]
    };
    header.extend(
        [
            "Periode",
            "Anak diukur",
            "Stunting",
            "Prevalensi (%)",
            "Perubahan (poin)",
            "Sasaran ukur",
            "Cakupan pengukuran (%)",
            if village {
                "Di bawah ambang"
            } else {
                "Desa di bawah ambang"
            },
        ]
        .map(String::from),
    );
    for p in programmes {
        header.push(format!("{} (%)", p.name));
        header.push(format!("{}: tercapai/sasaran", p.name));
    }
    let mut rows = Vec::new();
    for a in areas {
        for r in &a.rounds {
            let mut row = if village {
                vec![
                    Cell::Text(a.district.clone().unwrap_or_default()),
                    Cell::Text(a.name.clone()),
                    Cell::Text(a.code.clone().unwrap_or_default()),
                ]
            } else {
                vec![Cell::Text(a.name.clone()), int(a.villages)]
            };
            row.extend([
                Cell::Text(r.period.to_string()),
                int(r.measured),
                int(r.stunted),
                pct(r.prevalence),
                one(r.change_points),
                Cell::Num(r.target.map(f64::round)),
                pct(r.measurement_coverage),
                if village {
                    Cell::Text(if r.below > 0 { "ya" } else { "" }.to_owned())
                } else {
                    int(r.below)
                },
            ]);
            for p in programmes {
                let s = r.programmes.get(&p.code).copied().unwrap_or_default();
                row.push(pct(s.share));
                row.push(Cell::Text(if s.target > 0 {
                    format!("{}/{}", s.reached, s.target)
                } else {
                    String::new()
                }));
            }
            rows.push(row);
        }
    }
    (header, rows)
}

/// One row per deliverer and round: plan against delivery.
fn deliverers_table(r: &Review) -> Table {
    let header = [
        "Pelaksana",
        "Sponsor",
        "Periode",
        "Anak ditugaskan",
        "Dikunjungi",
        "Menerima intervensi",
        "Belum terjangkau",
        "Penyaluran",
        "Biaya (Rp)",
    ]
    .map(String::from)
    .to_vec();
    let rows = r
        .deliverers
        .iter()
        .flat_map(|d| {
            d.rounds.iter().map(|x| {
                vec![
                    Cell::Text(d.by.clone()),
                    Cell::Text(if d.sponsor { "ya" } else { "" }.to_owned()),
                    Cell::Text(x.period.to_string()),
                    int(x.assigned),
                    int(x.visited),
                    int(x.received),
                    int(x.unreached),
                    int(x.deliveries),
                    Cell::Num(Some(x.cost.round())),
                ]
            })
        })
        .collect();
    (header, rows)
}

/// One row per sponsor, round and sponsored programme.
fn sponsors_table(r: &Review, programmes: &[Programme]) -> Table {
    let header = [
        "Sponsor",
        "Periode",
        "Program",
        "Penyaluran",
        "Penerima",
        "Jumlah",
        "Satuan",
        "Biaya (Rp)",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = Vec::new();
    for s in &r.sponsors {
        for x in &s.rounds {
            for (code, d) in &x.programmes {
                let p = programmes.iter().find(|p| &p.code == code);
                rows.push(vec![
                    Cell::Text(s.by.clone()),
                    Cell::Text(x.period.to_string()),
                    Cell::Text(p.map_or_else(|| code.clone(), |p| p.name.clone())),
                    int(d.deliveries),
                    int(d.recipients),
                    Cell::Num(Some(d.quantity)),
                    Cell::Text(p.and_then(|p| p.unit.clone()).unwrap_or_default()),
                    Cell::Num(Some(d.cost.round())),
                ]);
            }
        }
    }
    (header, rows)
}

/// How the workbook was made.
fn notes(b: &Built) -> Vec<(String, String)> {
    let periods: Vec<String> = b.review.periods.iter().map(ToString::to_string).collect();
    vec![
        ("Wilayah".into(), b.place.clone()),
        ("Periode".into(), periods.join(", ")),
        ("Revisi data".into(), b.revision.to_string()),
        ("Dibuat".into(), export::sheet::About::now()),
        (
            "Prevalensi".into(),
            "anak stunting (TB/U < -2 SD, standar WHO) dibagi anak diukur dengan TB/U wajar".into(),
        ),
        (
            "Perubahan".into(),
            "prevalensi dikurangi prevalensi periode sebelumnya, dalam poin persen".into(),
        ),
        (
            "Cakupan pengukuran".into(),
            format!(
                "anak diukur dibagi sasaran ukur (impor atau raster penduduk); ambang {:.0}%",
                b.min_coverage * 100.0
            ),
        ),
        (
            "Cakupan program".into(),
            "sasaran yang menerima program paling sedikit sekali dalam periode, dibagi sasaran".into(),
        ),
        (
            "Pelaksana".into(),
            "anak ditugaskan (sigap assign), dikunjungi, menerima intervensi apa pun, dan belum terjangkau; penyaluran dan biaya menurut catatan intervensi".into(),
        ),
        (
            "Kecamatan".into(),
            "jumlah desa/kelurahannya; anak di luar desa mana pun hanya dihitung di tingkat kota".into(),
        ),
    ]
}

async fn review_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, ApiError> {
    let b = build(&state, &caller, &q).await?;
    let name = match (b.review.periods.first(), b.review.periods.last()) {
        (Some(a), Some(z)) if a != z => format!("sigap-tinjauan-tahunan-{a}-{z}"),
        (Some(a), _) => format!("sigap-tinjauan-tahunan-{a}"),
        _ => "sigap-tinjauan-tahunan".to_owned(),
    };
    let notes = notes(&b);
    let villages = areas_table(&b.review.villages, &b.programmes, true);
    let districts = areas_table(&b.review.districts, &b.programmes, false);
    let city = areas_table(std::slice::from_ref(&b.review.city), &b.programmes, false);
    let deliverers = deliverers_table(&b.review);
    let sponsors = sponsors_table(&b.review, &b.programmes);
    let bytes = tokio::task::spawn_blocking(move || {
        export::xlsx_sheets(
            &[
                ("desa", &villages),
                ("kecamatan", &districts),
                ("kota", &city),
                ("pelaksana", &deliverers),
                ("sponsor", &sponsors),
            ],
            &notes,
            Columns::Id,
        )
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .audit(&caller, "export", &format!("{name} xlsx"), 0)
        .await?;
    let mut resp = (
        [
            (
                header::CONTENT_TYPE,
                export::Format::Xlsx.content_type().to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

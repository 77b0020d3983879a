//! The case audit and re-measure lists ([`crate::risk::audit`]) per village and
//! posyandu: `GET /api/audit` (JSON), `GET /api/audit.xlsx` (a download) and
//! `POST /api/audit` (a planner's decision about one listed child).
//!
//! The lists are case-level: planners and admins read the whole city, a field
//! officer the children their [`Scope`] reads (a missed child by its previous
//! round's record), viewers and the public nothing (403, 401). Names, parents and
//! posyandu are sealed identity fields; they are opened for the listed children the
//! caller's scope covers, with a `reveal` row in the audit log counting them, as the
//! route page does ([`super::visitees::reveal`]). Every list read or exported and
//! every decision is audited.

use super::visitees::reveal;
use crate::auth::{Caller, Scope};
use crate::export::{self, Columns};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::index::cases::CaseChild;
use crate::model::{Child, Period};
use crate::risk::audit::{self, AGED_OUT_DAYS, Decision, ListKind, WORSE_HAZ_DROP};
use crate::risk::plausibility::{HAZ_JUMP_BASE, HAZ_JUMP_PER_YEAR, SHRINK_TOLERANCE_CM};
use crate::risk::targets::Cell;
use crate::snapshot::Snapshot;
use crate::store::CaseAudit;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest note a decision may carry, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/audit", get(list).post(mark))
        .route("/api/audit.xlsx", get(download))
}

#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    period: Option<String>,
    /// A village code.
    village: Option<String>,
    /// A posyandu name, as the register gives it.
    posyandu: Option<String>,
    kind: Option<String>,
}

/// One round of a listed child.
#[derive(Debug, Serialize)]
struct Round {
    period: String,
    measure_date: String,
    height_cm: f64,
    haz: f64,
    /// Whole months of age on the measurement date.
    age_months: i64,
}

impl Round {
    fn of(c: &Child) -> Self {
        Self {
            period: c.period.to_string(),
            measure_date: c.measure_date.to_string(),
            height_cm: c.height_cm,
            haz: c.haz,
            age_months: ((c.measure_date - c.birth_date).num_days() as f64 / 30.4375) as i64,
        }
    }
}

/// One listed child as the page and the sheet show it.
#[derive(Debug, Serialize)]
struct Row {
    pseudonym: String,
    village: Option<String>,
    village_name: String,
    district: String,
    /// Opened identity fields; `None` when the server holds no identity key.
    posyandu: Option<String>,
    name: Option<String>,
    parent: Option<String>,
    sex: &'static str,
    kinds: Vec<ListKind>,
    /// The failed history checks behind `jump`.
    checks: Vec<&'static str>,
    before: Option<Round>,
    now: Option<Round>,
    /// The latest decision about the child this period.
    audit: Option<CaseAudit>,
}

/// The lists of one request, filtered.
struct Listed {
    period: Option<Period>,
    previous: Option<Period>,
    /// Per kind, after the village and posyandu filters, before the kind filter.
    counts: BTreeMap<&'static str, usize>,
    /// Per village with listed children (before the village filter): code, name,
    /// district and how many.
    villages: Vec<serde_json::Value>,
    /// The posyandu of the rows answered (of every row of the village when a
    /// posyandu is asked for).
    posyandu: Vec<String>,
    rows: Vec<Row>,
    names: bool,
}

fn case_level(caller: &Caller) -> Result<Scope, ApiError> {
    match caller.scope() {
        Scope::Nothing => Err(ApiError::forbidden(
            "daftar audit kasus adalah data tingkat anak: hanya untuk perencana, admin dan \
             petugas lapangan (case audit lists are case-level data)",
        )),
        s => Ok(s),
    }
}

/// The listed children of `period` the scope reads, with their records.
fn listed<'a>(
    snapshot: &'a Snapshot,
    scope: &Scope,
    period: Period,
) -> Vec<(audit::Case<'a>, &'a CaseChild)> {
    let rows: Vec<&Child> = snapshot.cases.children.iter().map(|c| &c.child).collect();
    let record: HashMap<(&str, Period), &CaseChild> = snapshot
        .cases
        .children
        .iter()
        .map(|c| ((c.child.id.as_str(), c.child.period), c))
        .collect();
    audit::lists(&rows, period)
        .into_iter()
        .filter_map(|case| {
            let shown = case.now.or(case.before)?;
            let rec = *record.get(&(case.id, shown.period))?;
            rec.read_by(scope).then_some((case, rec))
        })
        .collect()
}

/// Builds the filtered lists; `what` names the reveal in the audit log.
async fn build(
    state: &AppState,
    caller: &Caller,
    q: &AuditQuery,
    what: &str,
) -> Result<Listed, ApiError> {
    let scope = case_level(caller)?;
    let kind = kind_param(q.kind.as_deref())?;
    let snapshot = state.snapshot();
    let Some(period) = snapshot.resolve_period(q.period.as_deref())? else {
        return Ok(Listed {
            period: None,
            previous: None,
            counts: BTreeMap::new(),
            villages: Vec::new(),
            posyandu: Vec::new(),
            rows: Vec::new(),
            names: false,
        });
    };
    let previous = snapshot.periods().into_iter().filter(|p| *p < period).max();
    let village = q
        .village
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let posyandu_asked = q
        .posyandu
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let mut cases = listed(&snapshot, &scope, period);
    let villages = per_village(&snapshot, &cases);
    cases.retain(|(_, rec)| village.is_none_or(|v| rec.village.as_deref() == Some(v)));
    // Names are opened only for the rows answered, unless a posyandu (a sealed
    // field) is asked for: then every row of the village is opened to find them.
    let mut counts = count(cases.iter().map(|(c, _)| &c.kinds));
    if posyandu_asked.is_none() {
        cases.retain(|(c, _)| kind.is_none_or(|k| c.kinds.contains(&k)));
    }
    let ids: Vec<String> = cases.iter().map(|(c, _)| c.id.to_owned()).collect();
    // The lists show no head of household: none is opened.
    let who = reveal(state, caller, &snapshot, None, &ids, false, what).await?;
    let names = state.identity_key().is_some();
    let decisions = state
        .read_store(move |s| s.case_audits(period))
        .await?
        .unwrap_or_default();
    let mut rows = rows_of(&snapshot, cases, &who, names, &decisions);
    let posyandu: BTreeSet<String> = rows.iter().filter_map(|r| r.posyandu.clone()).collect();
    if let Some(p) = posyandu_asked {
        rows.retain(|r| r.posyandu.as_deref() == Some(p));
        counts = count(rows.iter().map(|r| &r.kinds));
        rows.retain(|r| kind.is_none_or(|k| r.kinds.contains(&k)));
    }
    rows.sort_by(|a, b| {
        (
            &a.district,
            &a.village_name,
            &a.posyandu,
            &a.name,
            &a.pseudonym,
        )
            .cmp(&(
                &b.district,
                &b.village_name,
                &b.posyandu,
                &b.name,
                &b.pseudonym,
            ))
    });
    Ok(Listed {
        period: Some(period),
        previous,
        counts,
        villages,
        posyandu: posyandu.into_iter().collect(),
        rows,
        names,
    })
}

/// The `kind` filter, `None` for every list.
fn kind_param(kind: Option<&str>) -> Result<Option<ListKind>, ApiError> {
    match kind.filter(|k| !k.trim().is_empty()) {
        None => Ok(None),
        Some(k) => ListKind::parse(k).map(Some).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "daftar `{k}` tidak dikenal; pilih salah satu: {}",
                ListKind::ALL.map(ListKind::as_str).join(", ")
            ))
        }),
    }
}

/// The listed `cases` as rows: village, opened identity fields (`names`: the server
/// holds the identity key), both rounds and the latest decision.
fn rows_of(
    snapshot: &Snapshot,
    cases: Vec<(audit::Case<'_>, &CaseChild)>,
    who: &crate::routes::export::Visitees,
    names: bool,
    decisions: &HashMap<String, CaseAudit>,
) -> Vec<Row> {
    let villages: HashMap<&str, &crate::model::Village> = snapshot
        .analysis
        .villages
        .iter()
        .map(|v| (v.village.code.as_str(), &v.village))
        .collect();
    // A child with no sealed record (a round imported without names) shows none.
    let opened = |s: Option<&String>| s.filter(|s| names && !s.is_empty()).cloned();
    cases
        .into_iter()
        .map(|(case, rec)| {
            let v = rec.village.as_deref().and_then(|c| villages.get(c));
            let id = who.get(case.id);
            Row {
                pseudonym: case.id.to_owned(),
                village: rec.village.clone(),
                village_name: v.map(|v| v.name.clone()).unwrap_or_default(),
                district: v.map(|v| v.district.clone()).unwrap_or_default(),
                posyandu: opened(id.map(|w| &w.posyandu)),
                name: opened(id.map(|w| &w.name)),
                parent: opened(id.map(|w| &w.parent)),
                sex: rec.child.sex.code(),
                kinds: case.kinds,
                checks: case.checks,
                before: case.before.map(Round::of),
                now: case.now.map(Round::of),
                audit: decisions.get(case.id).cloned(),
            }
        })
        .collect()
}

/// The villages of `cases` with how many listed children each, by district and name.
fn per_village(
    snapshot: &Snapshot,
    cases: &[(audit::Case<'_>, &CaseChild)],
) -> Vec<serde_json::Value> {
    let mut n: HashMap<&str, usize> = HashMap::new();
    for (_, rec) in cases {
        if let Some(v) = rec.village.as_deref() {
            *n.entry(v).or_default() += 1;
        }
    }
    let mut out: Vec<_> = snapshot
        .analysis
        .villages
        .iter()
        .filter_map(|v| {
            let count = n.get(v.village.code.as_str())?;
            Some((
                &v.village.district,
                &v.village.name,
                &v.village.code,
                *count,
            ))
        })
        .collect();
    out.sort();
    out.into_iter()
        .map(|(district, name, code, count)| {
            json!({"code": code, "name": name, "district": district, "rows": count})
        })
        .collect()
}

/// How many rows are in each list.
fn count<'a>(kinds: impl Iterator<Item = &'a Vec<ListKind>>) -> BTreeMap<&'static str, usize> {
    let mut out: BTreeMap<&'static str, usize> =
        ListKind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    for k in kinds.flatten() {
        *out.entry(k.as_str()).or_default() += 1;
    }
    out
}

fn private(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

/// `GET /api/audit?period=&village=&posyandu=&kind=`: the lists as JSON.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let l = build(&state, &caller, &q, "identities audit list").await?;
    let period = l.period.map(|p| p.to_string()).unwrap_or_default();
    state
        .audit(
            &caller,
            "read",
            &format!("audit list {period}"),
            l.rows.len(),
        )
        .await?;
    Ok(private(
        Json(json!({
            "period": l.period,
            "previous": l.previous,
            "counts": l.counts,
            "villages": l.villages,
            "posyandu": l.posyandu,
            "names": l.names,
            "decisions": Decision::ALL.map(|d| json!({"decision": d, "label": d.label()})),
            "rules": rules(),
            "rows": l.rows,
        }))
        .into_response(),
    ))
}

/// The thresholds behind the lists, for the page's notes and the sheet.
fn rules() -> serde_json::Value {
    json!({
        "haz_flag": crate::model::HAZ_FLAG,
        "shrink_tolerance_cm": SHRINK_TOLERANCE_CM,
        "haz_jump_base": HAZ_JUMP_BASE,
        "haz_jump_per_year": HAZ_JUMP_PER_YEAR,
        "worse_haz_drop": WORSE_HAZ_DROP,
        "aged_out_days": AGED_OUT_DAYS,
    })
}

#[derive(Debug, Deserialize)]
struct MarkIn {
    pseudonym: String,
    period: String,
    kind: String,
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/audit`: a planner's or admin's decision about one listed child.
async fn mark(
    State(state): State<AppState>,
    caller: Caller,
    Json(m): Json<MarkIn>,
) -> Result<Response, ApiError> {
    if !caller.may_import() {
        return Err(ApiError::forbidden(
            "hanya perencana dan admin yang dapat menandai kasus diaudit \
             (only planners and admins mark cases audited)",
        ));
    }
    let decision = Decision::parse(&m.decision).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "Keputusan `{}` tidak dikenal. Pilih salah satu: {}.",
            m.decision,
            Decision::ALL
                .map(|d| format!("{} ({})", d.as_str(), d.label()))
                .join(", ")
        ))
    })?;
    let kind = ListKind::parse(&m.kind).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "Daftar `{}` tidak dikenal. Pilih salah satu: {}.",
            m.kind,
            ListKind::ALL.map(ListKind::as_str).join(", ")
        ))
    })?;
    let note = m.note.trim().to_owned();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::BadRequest(format!(
            "Catatan terlalu panjang: paling banyak {MAX_NOTE_CHARS} karakter."
        )));
    }
    let snapshot = state.snapshot();
    let period = snapshot
        .resolve_period(Some(&m.period))?
        .ok_or_else(|| ApiError::BadRequest("belum ada data anak".into()))?;
    let on_list = listed(&snapshot, &Scope::All, period)
        .iter()
        .any(|(c, _)| c.id == m.pseudonym && c.kinds.contains(&kind));
    if !on_list {
        return Err(ApiError::NotFound(format!(
            "anak ini tidak ada di daftar `{}` periode {period}",
            kind.as_str()
        )));
    }
    let row = CaseAudit {
        pseudonym: m.pseudonym,
        period: period.to_string(),
        kind: kind.as_str().to_owned(),
        decision: decision.as_str().to_owned(),
        note,
        username: caller.username.clone(),
        at: String::new(),
    };
    let stored = state
        .write_store(move |s| s.record_case_audit(&row))
        .await?
        .ok_or_else(|| ApiError::Conflict("server ini tidak punya penyimpanan data".into()))?;
    state
        .audit(
            &caller,
            "case_audit",
            &format!("{period} {} {}", kind.as_str(), decision.as_str()),
            1,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "audit": stored }))).into_response())
}

/// `GET /api/audit.xlsx?...`: the filtered lists as a workbook, Indonesian column
/// names, one row per child, and a "keterangan" sheet with the rules and filters.
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let l = build(&state, &caller, &q, "identities audit export").await?;
    let period = l.period.map(|p| p.to_string()).unwrap_or_default();
    let notes = notes(&state, &q, &l);
    let table = table(&l.rows);
    let bytes = tokio::task::spawn_blocking(move || {
        export::xlsx("audit_kasus", &table, &notes, Columns::Id)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .audit(
            &caller,
            "export",
            &format!("audit list {period} xlsx"),
            l.rows.len(),
        )
        .await?;
    let mut name = format!("sigap-audit-kasus-{period}");
    for part in [&q.village, &q.kind].into_iter().flatten() {
        let safe: String = part
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !safe.is_empty() {
            name = format!("{name}-{safe}");
        }
    }
    Ok(private(
        (
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
            .into_response(),
    ))
}

/// The sheet's header, in Bahasa Indonesia.
pub const SHEET_COLUMNS: [&str; 19] = [
    "Kecamatan",
    "Desa/Kelurahan",
    "Posyandu",
    "Nama anak",
    "Nama orang tua",
    "Jenis kelamin",
    "Daftar",
    "Pemeriksaan",
    "Tanggal ukur sebelumnya",
    "Tinggi sebelumnya (cm)",
    "HAZ sebelumnya",
    "Tanggal ukur",
    "Umur (bulan)",
    "Tinggi (cm)",
    "HAZ",
    "Keputusan",
    "Catatan",
    "Diaudit oleh",
    "Kode anak",
];

fn table(rows: &[Row]) -> export::Table {
    let text = |s: Option<&str>| Cell::Text(s.unwrap_or_default().to_owned());
    let round = |r: Option<&Round>, f: fn(&Round) -> f64| Cell::Num(r.map(f));
    let body = rows
        .iter()
        .map(|r| {
            let (b, n) = (r.before.as_ref(), r.now.as_ref());
            vec![
                Cell::Text(r.district.clone()),
                Cell::Text(r.village_name.clone()),
                text(r.posyandu.as_deref()),
                text(r.name.as_deref()),
                text(r.parent.as_deref()),
                Cell::Text(if r.sex == "F" { "P" } else { "L" }.to_owned()),
                Cell::Text(
                    r.kinds
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Cell::Text(
                    r.checks
                        .iter()
                        .map(|c| match *c {
                            "height_shrank" => "tinggi turun",
                            "haz_jump" => "HAZ melonjak",
                            other => other,
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                text(b.map(|x| x.measure_date.as_str())),
                round(b, |x| x.height_cm),
                round(b, |x| x.haz),
                text(n.map(|x| x.measure_date.as_str())),
                round(n, |x| x.age_months as f64),
                round(n, |x| x.height_cm),
                round(n, |x| x.haz),
                text(
                    r.audit
                        .as_ref()
                        .and_then(|a| Decision::parse(&a.decision))
                        .map(Decision::label),
                ),
                text(r.audit.as_ref().map(|a| a.note.as_str())),
                text(r.audit.as_ref().map(|a| a.username.as_str())),
                Cell::Text(r.pseudonym.clone()),
            ]
        })
        .collect();
    (SHEET_COLUMNS.map(str::to_owned).to_vec(), body)
}

fn notes(state: &AppState, q: &AuditQuery, l: &Listed) -> Vec<(String, String)> {
    let p = |x: Option<Period>| x.map_or_else(|| "-".to_owned(), |p| p.to_string());
    let or_all = |x: &Option<String>| {
        x.clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "semua".into())
    };
    let mut rows = vec![(
        "Judul".to_owned(),
        "Daftar audit kasus dan ukur ulang".to_owned(),
    )];
    if let Some(city) = state.place() {
        rows.push(("Wilayah".into(), city));
    }
    rows.extend([
        ("Periode pengukuran".into(), p(l.period)),
        ("Periode pembanding".into(), p(l.previous)),
        ("Desa/kelurahan (kode)".into(), or_all(&q.village)),
        ("Posyandu".into(), or_all(&q.posyandu)),
        ("Daftar".into(), or_all(&q.kind)),
        ("Jumlah anak".into(), l.rows.len().to_string()),
        ("Revisi data".into(), state.snapshot().revision.to_string()),
        ("Dibuat".into(), export::About::now()),
        (
            "Nama".into(),
            if l.names {
                "dibuka untuk anak dalam cakupan akun (dicatat di log audit)".into()
            } else {
                "tidak tersedia: server tidak memegang kunci identitas".into()
            },
        ),
        (
            "Aturan".into(),
            format!(
                "Tidak masuk akal: HAZ di luar ±{} (flag WHO). Lonjakan: tinggi turun lebih \
                 dari {SHRINK_TOLERANCE_CM} cm, atau HAZ berubah lebih dari {HAZ_JUMP_BASE} + \
                 {HAZ_JUMP_PER_YEAR} per tahun. Memburuk: tetap stunting dan HAZ turun lebih \
                 dari {WORSE_HAZ_DROP}, atau menjadi stunting berat (< -3). Tidak diukur: \
                 diukur putaran sebelumnya, belum {AGED_OUT_DAYS} hari umurnya.",
                crate::model::HAZ_FLAG
            ),
        ),
    ]);
    rows
}

//! The case audit lists through the router in-process: lists worked out by hand on a
//! five-child city, a decision stored in an in-memory store and shown, and the
//! refusals (an unknown decision in Bahasa, a child not on the list).

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use geo::{MultiPolygon, Point, polygon};
use serde_json::{Value, json};
use sigap::config::Config;
use sigap::http::{AppState, Snapshot, app};
use sigap::model::{Child, Sex, Village};
use sigap::store::Dataset;
use sigap::store::Store;
use tower::ServiceExt;

fn village() -> Village {
    Village {
        code: "7471000001".into(),
        name: "Kampung Uji".into(),
        district: "Kecamatan Uji".into(),
        boundary: MultiPolygon(vec![polygon![
            (x: 122.50, y: -4.0), (x: 122.51, y: -4.0), (x: 122.51, y: -3.99),
            (x: 122.50, y: -3.99), (x: 122.50, y: -4.0)
        ]]),
    }
}

fn child(id: &str, date: &str, height_cm: f64, haz: f64) -> Child {
    let measure = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
    Child {
        id: id.into(),
        location: Point::new(122.505, -3.995),
        sex: Sex::Male,
        birth_date: NaiveDate::from_ymd_opt(2024, 6, 1).expect("date"),
        measure_date: measure,
        height_cm,
        haz,
        placed_by_village: None,
        period: date[..7].parse().expect("period"),
    }
}

/// a: steady; b: newly stunted; c: shrank 3 cm (jump); d: missed in August;
/// e: new in August (once).
fn dataset() -> Dataset {
    Dataset {
        villages: vec![village()],
        children: vec![
            child("a", "2026-02-10", 75.0, -1.0),
            child("a", "2026-08-10", 80.5, -1.1),
            child("b", "2026-02-10", 74.0, -1.8),
            child("b", "2026-08-10", 77.0, -2.3),
            child("c", "2026-02-10", 80.0, -0.5),
            child("c", "2026-08-10", 77.0, -0.8),
            child("d", "2026-02-10", 75.0, -1.0),
            child("e", "2026-08-10", 79.0, -1.2),
        ],
        ..Dataset::default()
    }
}

fn router() -> axum::Router {
    let data = dataset();
    app(AppState::new(
        Config::default(),
        Snapshot::build(1, &data, &Config::default()),
        Some(Store::open_in_memory().expect("store").into()),
        false,
        sigap::assets::WebFiles::Embedded,
        std::sync::Arc::clone(&common::auth().0),
    ))
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, common::bearer());
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let req = req
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn kinds(body: &Value) -> Vec<(String, Vec<String>)> {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let k = r["kinds"].as_array().expect("kinds");
            (
                r["pseudonym"].as_str().expect("id").to_owned(),
                k.iter()
                    .map(|x| x.as_str().expect("k").to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_lists_of_a_small_city_by_hand() {
    let app = router();
    let (status, body) = call(&app, "GET", "/api/audit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period"], "2026-08");
    assert_eq!(body["previous"], "2026-02");
    let mut got = kinds(&body);
    got.sort();
    let want: Vec<(String, Vec<String>)> = [
        ("b", vec!["newly_stunted"]),
        ("c", vec!["jump"]),
        ("d", vec!["missed"]),
        ("e", vec!["once"]),
    ]
    .into_iter()
    .map(|(id, k)| (id.to_owned(), k.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(got, want);
    let c = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["pseudonym"] == "c")
        .expect("c");
    assert_eq!(c["checks"], json!(["height_shrank"]));
    assert_eq!(c["before"]["height_cm"], 80.0);
    assert_eq!(c["now"]["height_cm"], 77.0);
    assert_eq!(c["village_name"], "Kampung Uji");
    // No identity key: no names.
    assert_eq!(c["name"], Value::Null);
    assert_eq!(body["counts"]["once"], 1);
    let (_, only) = call(&app, "GET", "/api/audit?kind=missed", None).await;
    assert_eq!(kinds(&only).len(), 1);
    let (status, _) = call(&app, "GET", "/api/audit?kind=lain", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_decision_is_stored_shown_and_checked() {
    let app = router();
    let mark = json!({"pseudonym": "c", "period": "2026-08", "kind": "jump",
                      "decision": "data_error", "note": "tinggi salah ketik"});
    let (status, body) = call(&app, "POST", "/api/audit", Some(mark.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["audit"]["username"], "planner");
    let (_, list) = call(&app, "GET", "/api/audit?kind=jump", None).await;
    assert_eq!(list["rows"][0]["audit"]["decision"], "data_error");
    assert_eq!(list["rows"][0]["audit"]["note"], "tinggi salah ketik");
    let mut bad = mark.clone();
    bad["decision"] = json!("abaikan");
    let (status, body) = call(&app, "POST", "/api/audit", Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .expect("error")
            .starts_with("Keputusan `abaikan` tidak dikenal"),
        "{body}"
    );
    let mut elsewhere = mark;
    elsewhere["pseudonym"] = json!("a");
    let (status, _) = call(&app, "POST", "/api/audit", Some(elsewhere)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

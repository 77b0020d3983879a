//! Measurement periods through the router in-process: `/api/periods`, `?period=`,
//! `?compare=` with figures worked out by hand, 400s, and tiles cached per period.

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use chrono::{Days, NaiveDate};
use geo::{MultiPolygon, Point, polygon};
use serde_json::Value;
use sigap::config::Config;
use sigap::http::{AppState, Snapshot, app};
use sigap::model::{Child, Sex, Village};
use sigap::store::Dataset;
use tower::ServiceExt;

fn village(code: &str, x0: f64) -> Village {
    Village {
        code: code.into(),
        name: format!("V{code}"),
        district: "D".into(),
        boundary: MultiPolygon(vec![polygon![
            (x: x0, y: -4.0), (x: x0 + 0.01, y: -4.0), (x: x0 + 0.01, y: -3.99),
            (x: x0, y: -3.99), (x: x0, y: -4.0)
        ]]),
    }
}

fn child(id: &str, x: f64, haz: f64, period: &str) -> Child {
    let measure = NaiveDate::from_ymd_opt(2026, 8, 3).expect("date");
    Child {
        id: id.into(),
        location: Point::new(x, -3.995),
        sex: Sex::Female,
        birth_date: measure - Days::new(600),
        measure_date: measure,
        height_cm: 78.0,
        haz,
        placed_by_village: None,
        period: period.parse().expect("period"),
    }
}

/// Village 1 (x 122.50..122.51) and village 2 (122.52..122.53). February: a and b in
/// village 1 (a stunted), c in village 2 (stunted). August: a recovered, b newly
/// stunted, c still stunted, d new in village 2.
fn dataset() -> Dataset {
    let (v1, v2) = (122.505, 122.525);
    Dataset {
        villages: vec![village("7471000001", 122.50), village("7471000002", 122.52)],
        children: vec![
            child("a", v1, -2.5, "2026-02"),
            child("b", v1, -1.0, "2026-02"),
            child("c", v2, -2.2, "2026-02"),
            child("a", v1, -1.5, "2026-08"),
            child("b", v1, -2.4, "2026-08"),
            child("c", v2, -2.1, "2026-08"),
            child("d", v2, -0.5, "2026-08"),
        ],
        ..Dataset::default()
    }
}

fn router(data: &Dataset) -> axum::Router {
    app(AppState::new(
        Config::default(),
        Snapshot::build(1, data, &Config::default()),
        None,
        false,
        sigap::assets::WebFiles::Embedded,
        std::sync::Arc::clone(&common::auth().0),
    ))
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .uri(uri)
        .header(axum::http::header::AUTHORIZATION, common::bearer())
        .body(Body::empty())
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
    (status, headers, body.to_vec())
}

async fn json(app: &axum::Router, uri: &str) -> Value {
    let (status, _, body) = get(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}");
    serde_json::from_slice(&body).expect("json")
}

#[tokio::test]
async fn periods_are_listed_and_the_latest_is_the_default() {
    let app = router(&dataset());
    let p = json(&app, "/api/periods").await;
    assert_eq!(p["default"], "2026-08");
    let list: Vec<(String, u64, u64)> = p["periods"]
        .as_array()
        .expect("list")
        .iter()
        .map(|x| {
            let s = |k: &str| x[k].as_u64().expect(k);
            (
                x["period"].as_str().expect("p").to_owned(),
                s("children"),
                s("stunted"),
            )
        })
        .collect();
    assert_eq!(list, [("2026-02".into(), 3, 2), ("2026-08".into(), 4, 2)]);
    let h = json(&app, "/health").await;
    assert_eq!(h["children"], 4);
    assert_eq!(h["periods"], serde_json::json!(["2026-02", "2026-08"]));
    let feb = json(&app, "/api/villages?period=2026-02").await;
    assert_eq!(feb["totals"]["children"], 3);
}

#[tokio::test]
async fn compare_gives_each_village_its_change() {
    let app = router(&dataset());
    let v = json(&app, "/api/villages?compare=2026-02").await;
    assert_eq!(
        (v["period"].as_str(), v["compare"].as_str()),
        (Some("2026-08"), Some("2026-02"))
    );
    let by_code = |code: &str| {
        v["villages"]
            .as_array()
            .expect("villages")
            .iter()
            .find(|x| x["code"] == code)
            .expect("village")["change"]
            .clone()
    };
    let one = by_code("7471000001");
    // Now 1 of 2 stunted (b), then 1 of 2 (a): no change in prevalence; a recovered,
    // b newly stunted.
    assert_eq!(
        (
            &one["base_children"],
            &one["base_stunted"],
            &one["followed"]
        ),
        (&Value::from(2), &Value::from(1), &Value::from(2))
    );
    assert_eq!(
        (&one["newly_stunted"], &one["recovered"]),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(one["prevalence_change_pp"].as_f64(), Some(0.0));
    let two = by_code("7471000002");
    // Now 1 of 2 (c; d new), then 1 of 1: -50 percentage points; c followed.
    assert_eq!(two["prevalence_change_pp"].as_f64(), Some(-50.0));
    assert_eq!(
        (&two["followed"], &two["newly_stunted"], &two["recovered"]),
        (&Value::from(1), &Value::from(0), &Value::from(0))
    );
}

#[tokio::test]
async fn unknown_periods_are_400_listing_the_available_ones() {
    let app = router(&dataset());
    for uri in [
        "/api/villages?period=2025-08",
        "/api/villages?compare=2026-13",
        "/api/hexes?res=8&period=2026-05",
        "/tiles/hexes/12/3461/2066.mvt?period=1999-01",
    ] {
        let (status, _, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        let msg: Value = serde_json::from_slice(&body).expect("json");
        assert!(
            msg["error"]
                .as_str()
                .expect("error")
                .contains("2026-02, 2026-08"),
            "{uri}: {msg}"
        );
    }
    // Without children there is no period at all.
    let empty = router(&Dataset {
        villages: dataset().villages,
        ..Dataset::default()
    });
    let p = json(&empty, "/api/periods").await;
    assert_eq!(
        (p["default"].clone(), p["periods"].clone()),
        (Value::Null, serde_json::json!([]))
    );
    let (status, _, _) = get(&empty, "/api/villages?period=2026-08").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tiles_are_cached_per_period() {
    let app = router(&dataset());
    // The z14 tile holding village 2 (lon 122.525, lat -3.995), whose figures differ.
    let (z, x, y) = (14, 13768, 8373);
    let uri = format!("/tiles/villages/{z}/{x}/{y}.mvt");
    let (s_default, h_default, _) = get(&app, &uri).await;
    let (s_feb, h_feb, _) = get(&app, &format!("{uri}?period=2026-02")).await;
    let (s_aug, h_aug, _) = get(&app, &format!("{uri}?period=2026-08")).await;
    assert_eq!(
        (s_default, s_feb, s_aug),
        (StatusCode::OK, StatusCode::OK, StatusCode::OK)
    );
    let etag = |h: &axum::http::HeaderMap| h[header::ETAG].to_str().expect("etag").to_owned();
    assert_eq!(etag(&h_default), etag(&h_aug), "the default is August");
    assert_ne!(etag(&h_feb), etag(&h_aug), "February's figures differ");
    let tj = json(&app, "/tiles/villages.json").await;
    assert_eq!(tj["period"], "2026-08");
}

//! The router in-process (no socket): status codes, headers and caching behaviour of
//! every endpoint on the demo city.

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use sigap::config::Config;
use sigap::http::{AppState, Snapshot, app};
use std::path::Path;
use std::sync::OnceLock;
use tower::ServiceExt;

fn state() -> AppState {
    state_with(Config::default())
}

fn state_with(config: Config) -> AppState {
    static SNAPSHOT: OnceLock<(u64, sigap::store::Dataset)> = OnceLock::new();
    let (rev, data) = SNAPSHOT.get_or_init(|| {
        let store = sigap::demo::default_demo_store().expect("demo store");
        (
            store.revision().expect("revision"),
            store.load().expect("load"),
        )
    });
    let snapshot = Snapshot::build(*rev, data, &config);
    AppState::new(
        config,
        snapshot,
        None,
        true,
        sigap::assets::WebFiles::Embedded,
        std::sync::Arc::clone(&common::auth().0),
    )
}

async fn get(
    app: &axum::Router,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, common::bearer());
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = resp.status();
    let h = resp.headers().clone();
    let body = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
    (status, h, body.to_vec())
}

#[tokio::test]
async fn endpoints_answer_with_the_right_status() {
    let app = app(state());
    for (uri, want) in [
        ("/health", StatusCode::OK),
        ("/api/villages", StatusCode::OK),
        ("/api/hexes?res=5", StatusCode::OK),
        ("/api/hexes?res=4", StatusCode::BAD_REQUEST),
        ("/api/hexes?res=8&bbox=1,2", StatusCode::BAD_REQUEST),
        ("/api/hexes?res=8&bbox=3,2,1,0", StatusCode::BAD_REQUEST),
        ("/api/config", StatusCode::OK),
        ("/tiles/hexes.json", StatusCode::OK),
        ("/tiles/roads.json", StatusCode::NOT_FOUND),
        ("/tiles/hexes/23/0/0.mvt", StatusCode::NOT_FOUND),
        ("/tiles/hexes/2/4/0.mvt", StatusCode::NOT_FOUND),
        ("/tiles/hexes/2/1/1.png", StatusCode::NOT_FOUND),
        ("/tiles/hexes/0/0/0.mvt", StatusCode::OK),
        ("/tiles/villages/5/0/0.mvt", StatusCode::NO_CONTENT),
    ] {
        let (status, _, body) = get(&app, uri, &[]).await;
        assert_eq!(status, want, "{uri}: {}", String::from_utf8_lossy(&body));
        if status.is_client_error() {
            let v: serde_json::Value = serde_json::from_slice(&body).expect("error body is JSON");
            assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{uri}");
        }
    }
}

#[tokio::test]
async fn tiles_are_cached_gzipped_and_revalidated() {
    let app = app(state());
    let uri = "/tiles/hexes/12/3441/2093.mvt";
    let (s1, h1, plain) = get(&app, uri, &[]).await;
    assert_eq!(s1, StatusCode::OK);
    assert_eq!(
        h1[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
    assert!(h1.get(header::CONTENT_ENCODING).is_none());
    let etag = h1[header::ETAG].to_str().expect("etag").to_owned();
    let (s2, h2, gz) = get(&app, uri, &[(header::ACCEPT_ENCODING, "br, gzip;q=0.8")]).await;
    assert_eq!(s2, StatusCode::OK);
    assert_eq!(h2[header::CONTENT_ENCODING], "gzip");
    assert_eq!(h2[header::ETAG], etag.as_str());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gz.as_slice()),
        &mut unzipped,
    )
    .expect("gunzip");
    assert_eq!(unzipped, plain);
    let (s3, _, body) = get(&app, uri, &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(s3, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    let (s4, _, _) = get(&app, uri, &[(header::IF_NONE_MATCH, "\"other\"")]).await;
    assert_eq!(s4, StatusCode::OK);
}

#[tokio::test]
async fn tilejson_tiles_are_paths_or_under_the_public_url() {
    // Without public_url: a path, never the Host header (behind a TLS proxy an
    // http://Host URL is blocked as mixed content).
    let app = app(state());
    let (_, _, body) = get(
        &app,
        "/tiles/villages.json",
        &[(header::HOST, "peta.example.go.id")],
    )
    .await;
    let tj: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["tiles"][0], "/tiles/villages/{z}/{x}/{y}.mvt");
    let mut config = Config::default();
    config.server.public_url = Some("https://peta.example.go.id/".into());
    let hosted = sigap::http::app(state_with(config));
    let (_, _, body) = get(&hosted, "/tiles/villages.json", &[]).await;
    let hosted_tj: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        hosted_tj["tiles"][0],
        "https://peta.example.go.id/tiles/villages/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["vector_layers"][0]["id"], "villages");
    let b = tj["bounds"].as_array().expect("bounds");
    assert_eq!(b.len(), 4);
}

#[tokio::test]
async fn villages_come_ordered_by_risk_with_explanations() {
    let app = app(state());
    let (_, _, body) = get(&app, "/api/villages", &[]).await;
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let list = v["villages"].as_array().expect("list");
    assert_eq!(list.len(), 65);
    let risks: Vec<f64> = list
        .iter()
        .map(|x| x["risk"].as_f64().expect("risk"))
        .collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]));
    let stunted: u64 = list
        .iter()
        .map(|x| x["stunted"].as_u64().expect("stunted"))
        .sum::<u64>()
        + v["outside"]["stunted"].as_u64().expect("outside");
    assert_eq!(stunted, 462);
}

#[tokio::test]
async fn the_viewer_is_served_from_the_binary_with_etags() {
    let app = app(state());
    for (uri, kind) in [
        ("/", "text/html; charset=utf-8"),
        ("/web/app.js", "text/javascript; charset=utf-8"),
        ("/web/style.css", "text/css; charset=utf-8"),
        ("/embed", "text/html; charset=utf-8"),
        ("/embed/snippet", "text/html; charset=utf-8"),
        (
            "/vendor/maplibre-gl/maplibre-gl.mjs",
            "text/javascript; charset=utf-8",
        ),
        (
            "/vendor/maplibre-gl/maplibre-gl-worker.mjs",
            "text/javascript; charset=utf-8",
        ),
        (
            "/vendor/maplibre-gl/maplibre-gl.css",
            "text/css; charset=utf-8",
        ),
    ] {
        let (status, h, body) = get(&app, uri, &[]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(h[header::CONTENT_TYPE], kind, "{uri}");
        assert_eq!(h[header::CACHE_CONTROL], "no-cache", "{uri}");
        assert!(!body.is_empty(), "{uri}");
        let etag = h[header::ETAG].to_str().expect("etag").to_owned();
        let (again, h2, body) = get(&app, uri, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(again, StatusCode::NOT_MODIFIED, "{uri}");
        assert_eq!(h2[header::ETAG], etag.as_str());
        assert!(body.is_empty());
    }
    let index = get(&app, "/", &[]).await.2;
    let on_disk = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("web/index.html"))
        .expect("web/index.html");
    assert_eq!(index, on_disk);
    for uri in [
        "/web/nothing.js",
        "/web/../Cargo.toml",
        "/vendor/maplibre-gl/maplibre-gl.mjs.map",
    ] {
        assert_eq!(get(&app, uri, &[]).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn web_dir_serves_edits_without_a_rebuild() {
    let dir = std::env::temp_dir().join(format!("sigap-webdir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("index.html"), "<p>edited</p>").expect("write");
    std::fs::write(dir.join("app.js"), "export const v = 1;").expect("write");
    let disk = AppState::new(
        Config::default(),
        sigap::http::Snapshot::build(0, &sigap::store::Dataset::default(), &Config::default()),
        None,
        true,
        sigap::assets::WebFiles::Disk {
            web: dir.clone(),
            vendor: Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules"),
        },
        std::sync::Arc::clone(&common::auth().0),
    );
    let app = app(disk);
    assert_eq!(get(&app, "/", &[]).await.2, b"<p>edited</p>");
    let (_, h, _) = get(&app, "/web/app.js", &[]).await;
    let first = h[header::ETAG].to_str().expect("etag").to_owned();
    std::fs::write(dir.join("app.js"), "export const v = 2;").expect("write");
    let (status, h, body) = get(&app, "/web/app.js", &[(header::IF_NONE_MATCH, &first)]).await;
    assert_eq!(status, StatusCode::OK, "an edited file is not 304");
    assert_ne!(h[header::ETAG], first.as_str());
    assert_eq!(body, b"export const v = 2;");
    assert_eq!(
        get(&app, "/vendor/maplibre-gl/maplibre-gl.css", &[])
            .await
            .0,
        StatusCode::OK
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A request without any credential.
async fn get_anonymous(
    app: &axum::Router,
    uri: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .uri(uri)
        .body(Body::empty())
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let h = resp.headers().clone();
    let body = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
    (status, h, body.to_vec())
}

#[tokio::test]
async fn the_basemap_is_public_and_cacheable() {
    let app = app(state());
    let (status, h, body) = get_anonymous(&app, "/basemap/style.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        h[header::CACHE_CONTROL]
            .to_str()
            .expect("ascii")
            .starts_with("public")
    );
    let style: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(style["version"], 8);
    assert_eq!(
        style["sources"]["basemap"]["tiles"][0],
        "/basemap/{z}/{x}/{y}.mvt"
    );
    if sigap::basemap::style::GLYPHS_SERVED {
        assert_eq!(style["glyphs"], "/fonts/{fontstack}/{range}.pbf");
    }
    // Central Kendari at z14 (122.51 E, 3.97 S): streets and villages.
    let (status, h, body) = get_anonymous(&app, "/basemap/14/13767/8372.mvt").await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(
        h[header::CACHE_CONTROL]
            .to_str()
            .expect("ascii")
            .starts_with("public")
    );
    assert!(body.len() > 1_000, "{} bytes", body.len());
    let (status, _, _) = get_anonymous(&app, "/basemap/14/0/0.mvt").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = get_anonymous(&app, "/basemap/14/0/0.png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

//! Glyph ranges through the router in-process: public (no login), the protobuf type,
//! long caching with an `ETag`, gzip when accepted, 404 for ranges MapLibre never asks.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use sigap::config::Config;
use sigap::http::{AppState, Snapshot, app};
use sigap::store::Dataset;
use tower::ServiceExt;

fn router() -> axum::Router {
    app(AppState::new(
        Config::default(),
        Snapshot::build(1, &Dataset::default(), &Config::default()),
        None,
        false,
        sigap::assets::WebFiles::Embedded,
        // No accounts at all: glyphs need no login.
        std::sync::Arc::new(sigap::auth::Accounts::open_in_memory().expect("accounts")),
    ))
}

/// A request with no credentials, as a public map sends it.
async fn get(
    app: &axum::Router,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let (status, h) = (resp.status(), resp.headers().clone());
    let body = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
    (status, h, body.to_vec())
}

#[tokio::test]
async fn glyph_ranges_are_public_cached_and_gzipped() {
    let app = router();
    // MapLibre URL-encodes the comma-joined stack.
    let uri = "/fonts/DejaVu%20Sans%20Bold%2CDejaVu%20Sans%20Book/0-255.pbf";
    let (status, h, plain) = get(&app, uri, &[]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&plain)
    );
    assert_eq!(h[header::CONTENT_TYPE], "application/x-protobuf");
    let cache = h[header::CACHE_CONTROL].to_str().expect("ascii");
    assert!(
        cache.starts_with("public, max-age=") && !cache.ends_with("=0"),
        "{cache}"
    );
    assert!(h.get(header::CONTENT_ENCODING).is_none());
    // The first stack field names the font served: Bold, the stack's first font.
    let name = b"DejaVu Sans Bold";
    assert!(plain.windows(name.len()).take(40).any(|w| w == name));
    assert!(plain.len() > 20_000, "{} bytes", plain.len());

    let etag = h[header::ETAG].to_str().expect("etag").to_owned();
    let (s2, h2, gz) = get(&app, uri, &[(header::ACCEPT_ENCODING, "gzip, deflate")]).await;
    assert_eq!(
        (s2, &h2[header::CONTENT_ENCODING]),
        (StatusCode::OK, &"gzip".parse().expect("hv"))
    );
    assert!(
        gz.len() * 5 < plain.len() * 4,
        "gzip {} of {}",
        gz.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gz.as_slice()),
        &mut unzipped,
    )
    .expect("gunzip");
    assert_eq!(unzipped, plain);
    let (s3, _, body) = get(&app, uri, &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!((s3, body.len()), (StatusCode::NOT_MODIFIED, 0));
}

#[tokio::test]
async fn unknown_fonts_fall_back_and_bad_ranges_are_404() {
    let app = router();
    let (status, _, body) = get(&app, "/fonts/Open%20Sans%20Regular/256-511.pbf", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let name = b"DejaVu Sans Book";
    assert!(body.windows(name.len()).take(40).any(|w| w == name));
    // A range DejaVu does not cover is still a valid, small answer.
    let (status, _, body) = get(&app, "/fonts/DejaVu%20Sans%20Book/19968-20223.pbf", &[]).await;
    assert_eq!((status, body.len() < 64), (StatusCode::OK, true));
    for uri in [
        "/fonts/DejaVu%20Sans%20Book/1-256.pbf",
        "/fonts/DejaVu%20Sans%20Book/0-511.pbf",
        "/fonts/DejaVu%20Sans%20Book/65536-65791.pbf",
        "/fonts/DejaVu%20Sans%20Book/0-255.png",
        "/fonts/DejaVu%20Sans%20Book/0-255",
    ] {
        let (status, _, body) = get(&app, uri, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("error body is JSON");
        assert!(
            v["error"]
                .as_str()
                .is_some_and(|m| m.contains("range") || m.contains(".pbf")),
            "{uri}: {v}"
        );
    }
}

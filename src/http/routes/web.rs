//! The viewer: `/` serves `web/index.html`, `/web/*` the rest of `web/`, and
//! `/vendor/maplibre-gl/*` MapLibre GL JS as installed from npm, so the viewer needs
//! no internet.

use crate::http::state::AppState;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

pub fn routes(state: &AppState) -> Router<AppState> {
    let web = &state.0.web_dir;
    Router::new()
        .route_service("/", ServeFile::new(web.join("index.html")))
        .nest_service("/web", ServeDir::new(web))
        .nest_service(
            "/vendor/maplibre-gl",
            ServeDir::new(state.0.vendor_dir.join("maplibre-gl/dist")),
        )
}

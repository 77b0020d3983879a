//! Security headers on every response, applied once in [`crate::http::app`].
//!
//! Staff pages get a strict Content-Security-Policy (scripts, styles, workers and
//! fetches from this origin only; MapLibre needs `blob:` workers and `data:` images)
//! and may not be framed. `/embed` and `/public/*` may be framed by the sites in
//! `[public] frame_ancestors` (any site when the list is empty). Every response gets
//! `nosniff` and `Referrer-Policy: no-referrer` (no url of a staff page, which may name
//! a village or a child's record, leaks to another site). API answers that set no
//! cache policy of their own are `no-store`.

use crate::config::ExternalBasemap;
use crate::http::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// What pages must be allowed for `[basemap] url`: `(images, fetches)`, each a list
/// of sources with a leading space, empty without one. An XYZ raster's origin is
/// allowed for both (MapLibre fetches raster tiles and decodes them as images); a
/// PMTiles archive's origin for fetches only (Range requests, decoded in the page),
/// and nothing for an archive on the page's own origin (`'self'`). A host with a
/// placeholder (`{s}.tile.example.org`) allows every subdomain of the rest.
fn basemap_origin(url: Option<&str>) -> (String, String) {
    let Some(external) = url.and_then(|u| ExternalBasemap::parse(u).ok()) else {
        return (String::new(), String::new());
    };
    let Some((scheme, host)) = external.origin() else {
        return (String::new(), String::new());
    };
    let origin = match host.rsplit_once('}') {
        Some((_, tail)) => format!(" {scheme}://*.{}", tail.trim_start_matches('.')),
        None => format!(" {scheme}://{host}"),
    };
    match external {
        ExternalBasemap::Xyz(_) => (origin.clone(), origin),
        ExternalBasemap::Pmtiles(_) => (String::new(), origin),
    }
}

/// The staff pages' policy, allowing `extra` (see [`basemap_origin`]: images,
/// fetches).
fn staff_csp((img, connect): &(String, String)) -> String {
    format!(
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
         child-src 'self' blob:; img-src 'self' data: blob:{img}; style-src 'self' 'unsafe-inline'; \
         font-src 'self' data:; connect-src 'self'{connect}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Whether a path belongs to the public, frameable side.
fn public_path(path: &str) -> bool {
    path == "/embed" || path.starts_with("/embed/") || path.starts_with("/public/")
}

/// The policy of the embed and the public API: same sources, framed by `ancestors`.
fn public_csp(ancestors: &[String], (img, connect): &(String, String)) -> String {
    let frame = if ancestors.is_empty() {
        "*".to_owned()
    } else {
        ancestors.join(" ")
    };
    format!(
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; \
         img-src 'self' data: blob:{img}; style-src 'self' 'unsafe-inline'; font-src 'self' data:; \
         connect-src 'self'{connect}; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {frame}"
    )
}

/// Adds the headers; leaves alone any a route set itself.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    let extra = basemap_origin(state.0.config.basemap.url.as_deref());
    if public_path(&path) {
        if let Ok(v) =
            HeaderValue::from_str(&public_csp(&state.0.config.public.frame_ancestors, &extra))
        {
            h.entry(header::CONTENT_SECURITY_POLICY).or_insert(v);
        }
    } else {
        if let Ok(v) = HeaderValue::from_str(&staff_csp(&extra)) {
            h.entry(header::CONTENT_SECURITY_POLICY).or_insert(v);
        }
        h.entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
    }
    if path.starts_with("/api/") {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_paths_and_frame_ancestors() {
        let none = (String::new(), String::new());
        assert!(public_path("/embed") && public_path("/public/api/villages"));
        assert!(!public_path("/api/villages") && !public_path("/embedded"));
        assert!(public_csp(&[], &none).ends_with("frame-ancestors *"));
        let csp = public_csp(&["https://kendarikota.go.id".into()], &none);
        assert!(csp.ends_with("frame-ancestors https://kendarikota.go.id"));
    }

    #[test]
    fn an_external_basemap_is_allowed_for_images_and_fetches_only() {
        assert_eq!(basemap_origin(None), (String::new(), String::new()));
        let o = basemap_origin(Some("https://tile.example.org/{z}/{x}/{y}.png"));
        assert_eq!(o.0, " https://tile.example.org");
        assert_eq!(o.1, " https://tile.example.org");
        let o = basemap_origin(Some("https://{s}.tile.example.org/{z}/{x}/{y}.png"));
        assert_eq!(o.1, " https://*.tile.example.org");
        let csp = staff_csp(&o);
        assert!(csp.contains("connect-src 'self' https://*.tile.example.org;"));
        assert!(csp.contains("script-src 'self';"));
    }

    #[test]
    fn a_pmtiles_archive_is_allowed_for_fetches_from_its_origin_only() {
        let o = basemap_origin(Some(
            "pmtiles://https://tiles.example.org:8443/a/kota.pmtiles",
        ));
        assert_eq!(o, (String::new(), " https://tiles.example.org:8443".into()));
        let csp = staff_csp(&o);
        assert!(
            csp.contains("connect-src 'self' https://tiles.example.org:8443;"),
            "{csp}"
        );
        assert!(csp.contains("img-src 'self' data: blob:;"), "{csp}");
        let csp = public_csp(&[], &o);
        assert!(
            csp.contains("connect-src 'self' https://tiles.example.org:8443;"),
            "{csp}"
        );
        // On the page's own origin: 'self' is enough.
        let o = basemap_origin(Some("/peta/kota.pmtiles"));
        assert_eq!(o, (String::new(), String::new()));
    }
}

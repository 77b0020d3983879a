//! `GET /api/hexes?res=5..10[&bbox=w,s,e,n][&period=][&compare=][&w.<factor>=]`: the H3
//! cells of one resolution with their figures, as a GeoJSON FeatureCollection.
//!
//! The answer is written as it is sent, a few hundred cells at a time: res 10 over a
//! city is tens of megabytes of JSON, and built whole it held hundreds of megabytes
//! of the server's memory per request. Viewers stop at
//! [`crate::auth::VIEWER_MAX_RES`] (finer cells would show single children).

use super::api::area_json;
use super::periods::{PeriodQuery, change_json};
use super::targets::weights_param;
use crate::analysis::change::Change;
use crate::auth::Caller;
use crate::config::Weights;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::model::Period;
use crate::snapshot::Snapshot;
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use h3o::Resolution;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/hexes", get(hexes))
}

#[derive(Deserialize)]
struct HexQuery {
    res: Option<u8>,
    bbox: Option<String>,
    period: Option<String>,
    compare: Option<String>,
}

/// Parses `w,s,e,n` in WGS84 degrees.
#[expect(
    clippy::many_single_char_names,
    reason = "w, s, e, n are the bbox convention"
)]
fn parse_bbox(s: &str) -> Result<[f64; 4], ApiError> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::BadRequest(format!("bbox must be w,s,e,n in degrees, not {s}")))?;
    match v.as_slice() {
        [w, s2, e, n] if w <= e && s2 <= n => Ok([*w, *s2, *e, *n]),
        _ => Err(ApiError::BadRequest(format!(
            "bbox must be four numbers w,s,e,n with w<=e and s<=n, not {s}"
        ))),
    }
}

async fn hexes(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HexQuery>,
    Query(all): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let weights = weights_param(&state.0.config, &all)?;
    let r = q.res.unwrap_or(8);
    let res = Resolution::try_from(r)
        .ok()
        .filter(|res| (5..=10).contains(&u8::from(*res)))
        .ok_or_else(|| ApiError::BadRequest(format!("res must be 5..10, not {r}")))?;
    if r > caller.finest_res() {
        return Err(ApiError::forbidden(format!(
            "res={r}: a {} sees cells down to res {} (finer cells would show single children)",
            caller.role,
            caller.finest_res()
        )));
    }
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    let snapshot = state.snapshot();
    let pq = PeriodQuery {
        period: q.period,
        compare: q.compare,
    };
    let (period, change) = pq.resolve(&snapshot)?;
    let cells = CellWriter {
        snapshot,
        period,
        res,
        bbox,
        weights,
        change,
        next: 0,
        first: true,
        done: false,
    };
    let head = cells.head();
    let chunks = std::iter::once(head).chain(cells);
    let body = Body::from_stream(futures_util::stream::iter(
        chunks.map(Ok::<_, std::convert::Infallible>),
    ));
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

/// Bytes of JSON per chunk of the answer.
const CHUNK_BYTES: usize = 64 * 1024;

/// Writes the FeatureCollection of one resolution's cells, chunk by chunk: the head
/// (`unplaced_children`, `weights`, `period`, `compare`), then the features.
struct CellWriter {
    snapshot: Arc<Snapshot>,
    period: Option<Period>,
    res: Resolution,
    /// Cells with a corner inside `[w, s, e, n]` (WGS84 degrees) only.
    bbox: Option<[f64; 4]>,
    weights: Weights,
    change: Option<Change>,
    /// The next cell of `hexes_at(res)` to write.
    next: usize,
    first: bool,
    done: bool,
}

impl CellWriter {
    /// The answer up to the opening of `features`.
    fn head(&self) -> Vec<u8> {
        let analysis = self.snapshot.view(self.period).0;
        let head = json!({
            "type": "FeatureCollection",
            // Children known only by their village code, whose village spans several
            // cells at this resolution: counted in their village, in no cell.
            "unplaced_children": analysis.unplaced_at(self.res),
            "weights": self.weights,
            "period": self.period,
            "compare": self.change.as_ref().map(|c| c.base),
        });
        let mut out = serde_json::to_vec(&head).unwrap_or_default();
        out.pop(); // the closing brace: the features follow
        out.extend_from_slice(br#","features":["#);
        out
    }

    /// One cell as a GeoJSON feature, `None` outside the bbox.
    fn feature(&self, h: &crate::analysis::HexStats) -> Option<Value> {
        let mut ring: Vec<[f64; 2]> = h
            .cell
            .boundary()
            .iter()
            .map(|ll| [ll.lng(), ll.lat()])
            .collect();
        if let Some([w, s, e, n]) = self.bbox
            && !ring
                .iter()
                .any(|[x, y]| *x >= w && *x <= e && *y >= s && *y <= n)
        {
            return None;
        }
        ring.push(ring[0]);
        let mut head = Map::new();
        head.insert("h3".into(), Value::from(h.cell.to_string()));
        head.insert("res".into(), Value::from(u8::from(self.res)));
        let mut props = area_json(&h.stats, head, &self.weights);
        if let Some(c) = &self.change {
            props.insert(
                "change".into(),
                change_json(&c.cell(h.cell), c.base, &h.stats.counts),
            );
        }
        Some(json!({
            "type": "Feature",
            "geometry": { "type": "Polygon", "coordinates": [ring] },
            "properties": Value::Object(props),
        }))
    }
}

impl Iterator for CellWriter {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.done {
            return None;
        }
        let snapshot = Arc::clone(&self.snapshot);
        let hexes = snapshot.view(self.period).0.hexes_at(self.res);
        let mut out = Vec::with_capacity(CHUNK_BYTES + 4096);
        while self.next < hexes.len() && out.len() < CHUNK_BYTES {
            let h = &hexes[self.next];
            self.next += 1;
            if let Some(f) = self.feature(h) {
                if !self.first {
                    out.push(b',');
                }
                self.first = false;
                // A Value always serialises.
                let _ = serde_json::to_writer(&mut out, &f);
            }
        }
        if self.next >= hexes.len() {
            out.extend_from_slice(b"]}");
            self.done = true;
        }
        Some(out)
    }
}

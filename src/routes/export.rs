//! A planned day as GeoJSON (stops and the road line) and GPX (waypoints and a
//! track), for phones, GPS units and GIS.

use super::{Candidate, DayPlan};
use serde_json::{Value, json};
use std::fmt::Write;

/// Label of a stop: its number and the start of the child's pseudonym.
fn label(n: usize, c: &Candidate) -> String {
    format!("{n}. {}", &c.key[..c.key.len().min(8)])
}

/// Stops as points (order, times, the child's pseudonym and z-score) and the route
/// as one line, in a FeatureCollection.
#[must_use]
pub fn geojson(plan: &DayPlan, candidates: &[Candidate]) -> Value {
    let mut features: Vec<Value> = plan
        .stops
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let c = &candidates[s.candidate];
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": c.lonlat},
                "properties": {
                    "order": i + 1,
                    "label": label(i + 1, c),
                    "pseudonym": c.key,
                    "haz": c.haz,
                    "severe": c.haz < crate::model::SEVERELY_STUNTED_HAZ,
                    "last_visit": c.last_visit.map(|d| d.to_string()),
                    "arrive_min": (s.arrive_min * 10.0).round() / 10.0,
                    "leave_min": (s.leave_min * 10.0).round() / 10.0,
                    "travel_min": (s.travel_min * 10.0).round() / 10.0,
                    "travel_m": s.travel_m.round(),
                    "urgency_rank": s.urgency_rank,
                    "navigate": format!("geo:{:.6},{:.6}", c.lonlat[1], c.lonlat[0]),
                },
            })
        })
        .collect();
    features.push(json!({
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": plan.path},
        "properties": {
            "route": true,
            "travel_min": (plan.travel_min * 10.0).round() / 10.0,
            "total_min": (plan.total_min * 10.0).round() / 10.0,
            "travel_m": plan.travel_m.round(),
        },
    }));
    json!({"type": "FeatureCollection", "features": features})
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// GPX 1.1: one waypoint per stop (in visiting order) and the route as a track.
#[must_use]
pub fn gpx(plan: &DayPlan, candidates: &[Candidate], name: &str) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"sigap\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n",
    );
    let _ = writeln!(out, "  <metadata><name>{}</name></metadata>", esc(name));
    for (i, s) in plan.stops.iter().enumerate() {
        let c = &candidates[s.candidate];
        let _ = writeln!(
            out,
            "  <wpt lat=\"{:.7}\" lon=\"{:.7}\"><name>{}</name><desc>tiba menit ke-{:.0}, HAZ {:.2}</desc></wpt>",
            c.lonlat[1],
            c.lonlat[0],
            esc(&label(i + 1, c)),
            s.arrive_min,
            c.haz
        );
    }
    let _ = writeln!(out, "  <trk><name>{}</name><trkseg>", esc(name));
    for p in &plan.path {
        let _ = writeln!(out, "    <trkpt lat=\"{:.7}\" lon=\"{:.7}\"/>", p[1], p[0]);
    }
    out.push_str("  </trkseg></trk>\n</gpx>\n");
    out
}

//! A planned day as GeoJSON (stops and the road line) and GPX (waypoints and a
//! track), for phones, GPS units and GIS.
//!
//! A stop names the child (name, parent, address, village, posyandu, and the head of
//! the household at its point) when the caller was given [`Visitee`]s: the server
//! opens them only for callers whose scope covers the child. Without one a stop
//! carries the start of the pseudonym.

use super::{Candidate, DayPlan};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write;

/// Whom a stop visits, as the officer needs it; empty text is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Visitee {
    pub name: String,
    /// The parent the register names (e-PPGBM: the mother).
    pub parent: String,
    /// Street, RT/RW and dusun in one line.
    pub address: String,
    /// The kelurahan/desa name.
    pub village: String,
    pub posyandu: String,
    /// The parent's phone number as imported (digits, a leading `+` kept).
    pub phone: String,
    /// The head of the household at the child's point (kepala keluarga).
    pub head: String,
    /// That household's address, only where it differs from the child's.
    pub head_address: String,
}

/// Visitees by pseudonym.
pub type Visitees = HashMap<String, Visitee>;

/// Label of a stop: its number and the child's name, else the start of the pseudonym.
fn label(n: usize, c: &Candidate, who: Option<&Visitee>) -> String {
    match who.filter(|w| !w.name.is_empty()) {
        Some(w) => format!("{n}. {}", w.name),
        None => format!("{n}. {}", &c.key[..c.key.len().min(8)]),
    }
}

/// The GPX description of a stop: parent, phone, head of the household (and its address
/// where it differs), address, village, posyandu, then the arrival minute and HAZ (in
/// Indonesian number format, like the rest of the text).
fn description(who: Option<&Visitee>, arrive_min: f64, haz: f64) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(w) = who {
        if !w.parent.is_empty() {
            parts.push(format!("orang tua {}", w.parent));
        }
        if !w.phone.is_empty() {
            parts.push(format!("HP {}", w.phone));
        }
        if !w.head.is_empty() {
            parts.push(format!("kepala keluarga {}", w.head));
        }
        if !w.head_address.is_empty() {
            parts.push(format!("alamat KK {}", w.head_address));
        }
        for p in [&w.address, &w.village, &w.posyandu] {
            if !p.is_empty() {
                parts.push(p.clone());
            }
        }
    }
    let haz = format!("{haz:.2}").replace('.', ",");
    parts.push(format!("tiba menit ke-{arrive_min:.0}, HAZ {haz}"));
    parts.join("; ")
}

/// Stops as points (order, times, the child's pseudonym and z-score, and who the
/// child is where `who` says) and the route as one line, in a FeatureCollection.
#[must_use]
pub fn geojson(plan: &DayPlan, candidates: &[Candidate], who: &Visitees) -> Value {
    let mut features: Vec<Value> = plan
        .stops
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let c = &candidates[s.candidate];
            let w = who.get(&c.key);
            let mut feature = json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": c.lonlat},
                "properties": {
                    "order": i + 1,
                    "label": label(i + 1, c, w),
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
            });
            if let Some(w) = w {
                let props = &mut feature["properties"];
                for (k, v) in [
                    ("name", &w.name),
                    ("parent", &w.parent),
                    ("address", &w.address),
                    ("village", &w.village),
                    ("posyandu", &w.posyandu),
                    ("phone", &w.phone),
                    ("head", &w.head),
                    ("head_address", &w.head_address),
                ] {
                    if !v.is_empty() {
                        props[k] = json!(v);
                    }
                }
            }
            feature
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
pub fn gpx(plan: &DayPlan, candidates: &[Candidate], name: &str, who: &Visitees) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"sigap\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n",
    );
    let _ = writeln!(out, "  <metadata><name>{}</name></metadata>", esc(name));
    for (i, s) in plan.stops.iter().enumerate() {
        let c = &candidates[s.candidate];
        let w = who.get(&c.key);
        let _ = writeln!(
            out,
            "  <wpt lat=\"{:.7}\" lon=\"{:.7}\"><name>{}</name><desc>{}</desc></wpt>",
            c.lonlat[1],
            c.lonlat[0],
            esc(&label(i + 1, c, w)),
            esc(&description(w, s.arrive_min, c.haz)),
        );
    }
    let _ = writeln!(out, "  <trk><name>{}</name><trkseg>", esc(name));
    for p in &plan.path {
        let _ = writeln!(out, "    <trkpt lat=\"{:.7}\" lon=\"{:.7}\"/>", p[1], p[0]);
    }
    out.push_str("  </trkseg></trk>\n</gpx>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::Stop;

    fn day() -> (DayPlan, Vec<Candidate>) {
        let candidates = vec![
            Candidate {
                key: "0123456789abcdef0123".into(),
                lonlat: [122.51, -3.97],
                haz: -3.2,
                last_visit: None,
            },
            Candidate {
                key: "fedcba98765432100000".into(),
                lonlat: [122.52, -3.98],
                haz: -2.4,
                last_visit: None,
            },
        ];
        let stop = |candidate| Stop {
            candidate,
            arrive_min: 10.0,
            leave_min: 30.0,
            travel_min: 10.0,
            travel_m: 900.0,
            urgency_rank: 1,
        };
        let plan = DayPlan {
            stops: vec![stop(0), stop(1)],
            left: 0,
            travel_min: 20.0,
            service_min: 40.0,
            total_min: 60.0,
            travel_m: 1800.0,
            path: vec![[122.51, -3.97], [122.52, -3.98]],
        };
        (plan, candidates)
    }

    #[test]
    fn stops_name_the_child_only_where_a_visitee_is_given() {
        let (plan, candidates) = day();
        let mut who = Visitees::new();
        who.insert(
            candidates[0].key.clone(),
            Visitee {
                name: "Siti <Aisyah> & co".into(),
                parent: "Wa Ode Nurhayati".into(),
                address: "Jl. Mawar No. 12, RT 003/RW 002".into(),
                village: "Kambu".into(),
                posyandu: "Posyandu Kambu 2".into(),
                phone: "+6281234567890".into(),
                head: "La Ode Halim".into(),
                head_address: String::new(),
            },
        );
        let json = geojson(&plan, &candidates, &who);
        let first = &json["features"][0]["properties"];
        assert_eq!(first["label"], "1. Siti <Aisyah> & co");
        assert_eq!(first["parent"], "Wa Ode Nurhayati");
        assert_eq!(first["village"], "Kambu");
        assert_eq!(first["phone"], "+6281234567890");
        assert_eq!(first["head"], "La Ode Halim");
        assert!(first.get("head_address").is_none());
        let second = &json["features"][1]["properties"];
        assert_eq!(second["label"], "2. fedcba98");
        assert!(second.get("name").is_none() && second.get("address").is_none());
        assert!(second.get("phone").is_none() && second.get("head").is_none());
        let gpx = gpx(&plan, &candidates, "rute", &who);
        assert!(
            gpx.contains("<name>1. Siti &lt;Aisyah&gt; &amp; co</name>"),
            "{gpx}"
        );
        assert!(gpx.contains(
            "<desc>orang tua Wa Ode Nurhayati; HP +6281234567890; kepala keluarga La Ode Halim; Jl. Mawar No. 12, RT 003/RW 002; \
             Kambu; Posyandu Kambu 2; tiba menit ke-10, HAZ -3,20</desc>"
        ));
        assert!(gpx.contains("<name>2. fedcba98</name><desc>tiba menit ke-10, HAZ -2,40</desc>"));
        // Without visitees (the CLI) nothing but pseudonyms, as before.
        let plain = gpx_of(&plan, &candidates);
        assert!(!plain.contains("Siti") && plain.contains("<name>1. 01234567</name>"));
    }

    fn gpx_of(plan: &DayPlan, candidates: &[Candidate]) -> String {
        gpx(plan, candidates, "rute", &Visitees::new())
    }
}

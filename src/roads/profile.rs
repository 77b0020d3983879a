//! Who may use which road, and how fast: the travel modes, the road classes sigap
//! keeps from OpenStreetMap, and the speed table (configurable under `[roads]`).
//!
//! A class with no speed (or speed 0) for a mode is closed to that mode. Access tags
//! refine the class: the most specific of `access`, `vehicle`, `motor_vehicle` and
//! `motorcar` / `motorcycle` (or `access`, `foot` for walking) that a way carries
//! decides, `no` and `private` closing it, anything else opening it. One-way streets
//! bind cars and motorbikes, never walkers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How a field team travels.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The field teams' usual vehicle.
    #[default]
    Motorbike,
    Car,
    Walk,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Motorbike, Mode::Car, Mode::Walk];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Motorbike => "motorbike",
            Self::Car => "car",
            Self::Walk => "walk",
        }
    }

    /// Index into per-mode arrays.
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Access tags from the most general to the most specific.
    fn access_keys(self) -> &'static [&'static str] {
        match self {
            Self::Motorbike => &["access", "vehicle", "motor_vehicle", "motorcycle"],
            Self::Car => &["access", "vehicle", "motor_vehicle", "motorcar"],
            Self::Walk => &["access", "foot"],
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `highway=*` values sigap routes on, in the order of [`DEFAULT_SPEEDS`].
pub const CLASSES: [&str; 21] = [
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
    "track",
    "path",
    "footway",
    "pedestrian",
    "steps",
    "cycleway",
];

/// Default speeds (km/h) per class: motorbike, car, walk. Urban Indonesian figures:
/// congested arterials, narrow kampung streets (gang), unpaved tracks; motorbikes are
/// barred from toll roads (motorway) and, as in OpenStreetMap's defaults, from paths
/// and footways.
pub const DEFAULT_SPEEDS: [[f64; 3]; 21] = [
    [0.0, 80.0, 0.0],  // motorway (jalan tol)
    [0.0, 50.0, 0.0],  // motorway_link
    [50.0, 50.0, 4.5], // trunk
    [40.0, 40.0, 4.5], // trunk_link
    [40.0, 40.0, 4.5], // primary
    [35.0, 35.0, 4.5], // primary_link
    [35.0, 35.0, 4.5], // secondary
    [30.0, 30.0, 4.5], // secondary_link
    [30.0, 30.0, 4.5], // tertiary
    [25.0, 25.0, 4.5], // tertiary_link
    [25.0, 25.0, 4.5], // unclassified
    [20.0, 20.0, 4.5], // residential
    [15.0, 10.0, 4.5], // living_street
    [15.0, 15.0, 4.5], // service
    [20.0, 20.0, 4.5], // road
    [15.0, 10.0, 4.0], // track
    [0.0, 0.0, 4.0],   // path
    [0.0, 0.0, 4.5],   // footway
    [0.0, 0.0, 4.5],   // pedestrian
    [0.0, 0.0, 2.0],   // steps
    [0.0, 0.0, 4.5],   // cycleway
];

/// Walking speed (km/h) from a point to the nearest road and from the road to the
/// destination: across yards, fields and alleys too small to be mapped.
pub const DEFAULT_OFFROAD_KMH: f64 = 3.0;

/// The speed table in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Speeds {
    /// km/h per class index and mode index; 0 closes the class to the mode.
    table: [[f64; 3]; 21],
    /// km/h off the road network.
    pub offroad_kmh: f64,
}

impl Default for Speeds {
    fn default() -> Self {
        Self {
            table: DEFAULT_SPEEDS,
            offroad_kmh: DEFAULT_OFFROAD_KMH,
        }
    }
}

impl Speeds {
    /// km/h of class index `class` for `mode` (0 when closed).
    #[must_use]
    pub fn kmh(&self, class: u8, mode: Mode) -> f64 {
        self.table
            .get(class as usize)
            .map_or(0.0, |row| row[mode.index()])
    }

    /// Sets one speed; an unknown class name is an error naming the known ones.
    pub fn set(&mut self, class: &str, mode: Mode, kmh: f64) -> Result<(), String> {
        let Some(i) = class_index(class) else {
            return Err(format!(
                "unknown road class `{class}` (known: {})",
                CLASSES.join(", ")
            ));
        };
        if !kmh.is_finite() || kmh < 0.0 {
            return Err(format!(
                "speed of {class} for {mode} must be 0 or more km/h, not {kmh}"
            ));
        }
        self.table[i][mode.index()] = kmh;
        Ok(())
    }
}

/// The index of a `highway=*` value in [`CLASSES`].
#[must_use]
pub fn class_index(highway: &str) -> Option<usize> {
    CLASSES.iter().position(|c| *c == highway)
}

/// Whether the tags open (`Some(true)`) or close (`Some(false)`) the way to `mode`,
/// or say nothing (`None`: the class decides).
pub(crate) fn access(tags: &[(&str, &str)], mode: Mode) -> Option<bool> {
    let mut verdict = None;
    for key in mode.access_keys() {
        if let Some((_, v)) = tags.iter().find(|(k, _)| k == key) {
            verdict = Some(!matches!(*v, "no" | "private"));
        }
    }
    verdict
}

/// Which directions a way may be driven: `(forward, backward)` along its node order.
pub(crate) fn directions(tags: &[(&str, &str)], class: &str) -> (bool, bool) {
    let tag = |key: &str| tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    match tag("oneway") {
        Some("yes" | "true" | "1") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("no" | "false" | "0") => (true, true),
        _ => {
            let roundabout = matches!(tag("junction"), Some("roundabout" | "circular"));
            if roundabout || class == "motorway" {
                (true, false)
            } else {
                (true, true)
            }
        }
    }
}

/// The `[roads]` section of `sigap.toml`.
///
/// ```toml
/// [roads]
/// offroad_kmh = 3.0
/// [roads.motorbike]
/// residential = 18
/// path = 8        # open paths to motorbikes, as many kampung lanes are
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoadSettings {
    /// The mode of the travel time to care (risk score and map layer).
    pub access_mode: Mode,
    pub offroad_kmh: Option<f64>,
    pub motorbike: std::collections::BTreeMap<String, f64>,
    pub car: std::collections::BTreeMap<String, f64>,
    pub walk: std::collections::BTreeMap<String, f64>,
}

impl RoadSettings {
    /// The default table with this section's changes, or the first bad entry.
    pub fn speeds(&self) -> Result<Speeds, String> {
        let mut s = Speeds::default();
        if let Some(kmh) = self.offroad_kmh {
            if !kmh.is_finite() || kmh <= 0.0 {
                return Err(format!("roads.offroad_kmh must be more than 0, not {kmh}"));
            }
            s.offroad_kmh = kmh;
        }
        for (mode, table) in [
            (Mode::Motorbike, &self.motorbike),
            (Mode::Car, &self.car),
            (Mode::Walk, &self.walk),
        ] {
            for (class, kmh) in table {
                s.set(class, mode, *kmh)
                    .map_err(|e| format!("roads.{mode}: {e}"))?;
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_access_tag_decides() {
        let t = [("access", "no"), ("motorcycle", "yes")];
        assert_eq!(access(&t, Mode::Motorbike), Some(true));
        assert_eq!(access(&t, Mode::Car), Some(false));
        assert_eq!(access(&t, Mode::Walk), Some(false));
        assert_eq!(access(&[("foot", "private")], Mode::Walk), Some(false));
        assert_eq!(access(&[("name", "Jl. A")], Mode::Walk), None);
    }

    #[test]
    fn oneway_tags_and_roundabouts() {
        assert_eq!(
            directions(&[("oneway", "yes")], "residential"),
            (true, false)
        );
        assert_eq!(
            directions(&[("oneway", "-1")], "residential"),
            (false, true)
        );
        assert_eq!(
            directions(&[("junction", "roundabout")], "primary"),
            (true, false)
        );
        assert_eq!(directions(&[], "motorway"), (true, false));
        assert_eq!(directions(&[("oneway", "no")], "motorway"), (true, true));
        assert_eq!(directions(&[], "residential"), (true, true));
    }

    #[test]
    fn settings_change_the_table_and_name_bad_entries() {
        let mut r = RoadSettings::default();
        r.motorbike.insert("path".into(), 8.0);
        let s = r.speeds().expect("valid");
        assert!((s.kmh(16, Mode::Motorbike) - 8.0).abs() < 1e-12);
        assert!((s.kmh(11, Mode::Car) - 20.0).abs() < 1e-12);
        r.car.insert("highway".into(), 5.0);
        let e = r.speeds().expect_err("unknown class");
        assert!(e.contains("roads.car") && e.contains("`highway`"), "{e}");
        assert_eq!(CLASSES.len(), DEFAULT_SPEEDS.len());
        assert_eq!(class_index("path"), Some(16));
    }
}

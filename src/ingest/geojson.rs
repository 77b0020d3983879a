//! GeoJSON layers: one FeatureCollection, one record per feature.
//!
//! Properties become text fields (names trimmed and lowercased; numbers written as
//! JSON writes them, so a code given as the number 7471011005 reads as
//! `"7471011005"`). Geometries are parsed with the `geojson` crate but handed on
//! as written, unclosed rings included, so validation can say what is wrong.
//! RFC 7946 GeoJSON is WGS84; a legacy `crs` member naming anything else (as
//! `ogr2ogr -t_srs EPSG:32751` writes) is passed on as the declared CRS, and
//! [`super::coords`] reprojects.

use super::IngestError;
use super::source::{Item, RawGeometry, Record};
use ::geojson::GeometryValue;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// The features of one GeoJSON file, read whole into memory.
pub struct GeoJsonSource {
    features: std::iter::Enumerate<std::vec::IntoIter<Value>>,
    crs: Option<String>,
}

impl GeoJsonSource {
    /// Reads `path` and checks it is a FeatureCollection; notes its CRS.
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let format = |reason: String| IngestError::Format {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format(format!("not valid JSON: {e}")))?;
        let Value::Object(mut root) = value else {
            return Err(format("expected a GeoJSON FeatureCollection object".into()));
        };
        match root.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => {}
            Some(other) => {
                return Err(format(format!(
                    "expected a GeoJSON FeatureCollection, found a `{other}`"
                )));
            }
            None => {
                return Err(format(
                    "expected a GeoJSON FeatureCollection (no `type`)".into(),
                ));
            }
        }
        let crs = root
            .get("crs")
            .and_then(|c| c.pointer("/properties/name"))
            .and_then(Value::as_str)
            .filter(|name| !(name.ends_with("CRS84") || name.ends_with("4326")))
            .map(crs_name);
        let Some(Value::Array(features)) = root.remove("features") else {
            return Err(format(
                "the FeatureCollection has no `features` array".into(),
            ));
        };
        Ok(Self {
            features: features.into_iter().enumerate(),
            crs,
        })
    }

    /// The CRS the legacy `crs` member names (`EPSG:32751`), `None` for WGS84.
    #[must_use]
    pub fn crs(&self) -> Option<&str> {
        self.crs.as_deref()
    }

    /// Features not yet read.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.features.len()
    }
}

/// `urn:ogc:def:crs:EPSG::32751` (what GDAL writes) as `EPSG:32751`; other names as
/// they are, for PROJ to judge.
fn crs_name(name: &str) -> String {
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        ["urn", "ogc", "def", "crs", authority, _version, code] => format!("{authority}:{code}"),
        _ => name.to_string(),
    }
}

impl Iterator for GeoJsonSource {
    type Item = Result<Item, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (index, feature) = self.features.next()?;
        Some(Ok(read_feature(index as u64 + 1, feature)))
    }
}

fn read_feature(at: u64, feature: Value) -> Item {
    let raw = feature.to_string();
    let Value::Object(mut object) = feature else {
        return Item::Broken {
            at,
            reason: "not a JSON object".into(),
            raw,
        };
    };
    if object.get("type").and_then(Value::as_str) != Some("Feature") {
        return Item::Broken {
            at,
            reason: "not a GeoJSON Feature (its `type` is not \"Feature\")".into(),
            raw,
        };
    }
    let fields = match object.remove("properties") {
        Some(Value::Object(props)) => props
            .into_iter()
            .map(|(k, v)| (k.trim().to_lowercase(), text(v)))
            .collect(),
        _ => HashMap::new(),
    };
    let geometry = match object.remove("geometry") {
        None | Some(Value::Null) => RawGeometry::Missing,
        Some(value) => raw_geometry(value),
    };
    Item::Record(Record {
        at,
        fields,
        geometry: Some(geometry),
        raw,
    })
}

/// A property as text: strings as they are, null as empty, anything else as JSON.
fn text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn raw_geometry(value: Value) -> RawGeometry {
    let geometry: ::geojson::Geometry = match serde_json::from_value(value) {
        Ok(g) => g,
        Err(e) => return RawGeometry::Invalid(e.to_string()),
    };
    let pos = |p: &::geojson::Position| p.as_slice().to_vec();
    let ring = |r: &Vec<::geojson::Position>| r.iter().map(pos).collect::<Vec<_>>();
    let polygon = |p: &Vec<Vec<::geojson::Position>>| p.iter().map(ring).collect::<Vec<_>>();
    match &geometry.value {
        GeometryValue::Point { coordinates } => RawGeometry::Point(pos(coordinates)),
        GeometryValue::Polygon { coordinates } => RawGeometry::Polygon(polygon(coordinates)),
        GeometryValue::MultiPolygon { coordinates } => {
            RawGeometry::MultiPolygon(coordinates.iter().map(polygon).collect())
        }
        other => RawGeometry::Other(other.type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!(
            "sigap-geojson-{name}-{}.geojson",
            std::process::id()
        ));
        std::fs::write(&path, text).expect("write fixture");
        path
    }

    #[test]
    fn features_become_records_with_raw_geometry() {
        let path = write(
            "features",
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{" Code ":7471011005,"name":"Mandonga","x":null},
               "geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4],[5,6]]]}},
              {"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}},
              {"type":"Feature","properties":{},"geometry":null},
              {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":"x"}},
              [1,2]
            ]}"#,
        );
        let items: Vec<Item> = GeoJsonSource::open(&path)
            .expect("open")
            .collect::<Result<_, _>>()
            .expect("read");
        let Item::Record(first) = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(first.at, 1);
        assert_eq!(first.get("code"), "7471011005");
        assert_eq!(first.get("x"), "");
        assert_eq!(
            first.geometry,
            Some(RawGeometry::Polygon(vec![vec![
                vec![1.0, 2.0],
                vec![3.0, 4.0],
                vec![5.0, 6.0]
            ]]))
        );
        assert!(
            matches!(&items[1], Item::Record(r) if r.geometry == Some(RawGeometry::Other("LineString")))
        );
        assert!(matches!(&items[2], Item::Record(r) if r.geometry == Some(RawGeometry::Missing)));
        assert!(
            matches!(&items[3], Item::Record(r) if matches!(r.geometry, Some(RawGeometry::Invalid(_))))
        );
        assert!(matches!(&items[4], Item::Broken { at: 5, .. }));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_legacy_crs_member_is_the_declared_crs() {
        let path = write(
            "utm",
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32751"}},"features":[]}"#,
        );
        let source = GeoJsonSource::open(&path).expect("open");
        assert_eq!(source.crs(), Some("EPSG:32751"));
        let path84 = write(
            "crs84",
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[]}"#,
        );
        assert_eq!(GeoJsonSource::open(&path84).expect("open").crs(), None);
        for p in [path, path84] {
            let _ = std::fs::remove_file(p);
        }
    }

    #[test]
    fn not_a_collection_is_a_format_error() {
        for (name, text, expect) in [
            (
                "feature",
                r#"{"type":"Feature","geometry":null}"#,
                "found a `Feature`",
            ),
            ("json", "{nope", "not valid JSON"),
        ] {
            let path = write(name, text);
            let Err(IngestError::Format { reason, .. }) = GeoJsonSource::open(&path) else {
                panic!("{name}: expected a format error");
            };
            assert!(reason.contains(expect), "{name}: {reason}");
            let _ = std::fs::remove_file(path);
        }
    }
}

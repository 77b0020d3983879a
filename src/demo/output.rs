//! Writing the demo city in sigap's import formats.
//!
//! Every number is formatted explicitly (6 decimals for coordinates, 1 for height, 2
//! for z-scores) so the files are byte-identical for a seed and read the same in any
//! tool. The villages file has one feature per line, which keeps diffs readable.

use super::DemoError;
use super::children::Child;
use super::city::City;
use super::facilities::Facility;
use super::households::Household;
use super::people::{Family, Person};
use geojson::{Feature, Geometry, GeometryValue, JsonObject};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

fn create(path: &Path) -> Result<BufWriter<File>, DemoError> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|source| DemoError::Io {
            path: path.to_owned(),
            source,
        })
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes CSV rows after `header`; `row` formats one item into the record buffer.
fn write_csv<T>(
    path: &Path,
    header: &[&str],
    items: &[T],
    mut row: impl FnMut(&T, &mut Vec<String>),
) -> Result<(), DemoError> {
    let csv_err = |source| DemoError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut w = csv::Writer::from_writer(create(path)?);
    w.write_record(header).map_err(csv_err)?;
    let mut record = Vec::with_capacity(header.len());
    for item in items {
        record.clear();
        row(item, &mut record);
        w.write_record(&record).map_err(csv_err)?;
    }
    w.flush().map_err(io(path))
}

fn coord(x: f64) -> String {
    format!("{x:.6}")
}

/// `villages.geojson`: one Polygon feature per kelurahan with `code`, `name`,
/// `district` and `synthetic_boundary: true`.
pub(crate) fn villages(path: &Path, city: &City) -> Result<(), DemoError> {
    let mut w = create(path)?;
    let io = io(path);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
        .map_err(&io)?;
    for (i, v) in city.villages.iter().enumerate() {
        let mut properties = JsonObject::new();
        properties.insert("code".into(), v.code.clone().into());
        properties.insert("name".into(), v.name.clone().into());
        properties.insert("district".into(), v.district.clone().into());
        properties.insert("synthetic_boundary".into(), true.into());
        let feature = Feature {
            geometry: Some(Geometry::new(GeometryValue::from(&v.polygon))),
            properties: Some(properties),
            ..Feature::default()
        };
        let text = serde_json::to_string(&feature).map_err(|source| DemoError::Json {
            path: path.to_owned(),
            source,
        })?;
        let sep = if i + 1 < city.villages.len() {
            ",\n"
        } else {
            "\n"
        };
        w.write_all(text.as_bytes()).map_err(&io)?;
        w.write_all(sep.as_bytes()).map_err(&io)?;
    }
    w.write_all(b"]}\n").map_err(&io)?;
    w.flush().map_err(io)
}

/// `households.csv`: `id,lat,lon,has_latrine,safe_water,improved_sanitation`, then
/// the BKKBN family fields `unfit_housing,four_t,catin,bumil,bufas,baduta,balita`,
/// then who and where (`name,address,dusun,rt,rw`: the head of the family).
pub(crate) fn households(
    path: &Path,
    households: &[Household],
    families: &[Family],
) -> Result<(), DemoError> {
    let header = [
        "id",
        "lat",
        "lon",
        "has_latrine",
        "safe_water",
        "improved_sanitation",
        "unfit_housing",
        "four_t",
        "catin",
        "bumil",
        "bufas",
        "baduta",
        "balita",
        "name",
        "address",
        "dusun",
        "rt",
        "rw",
    ];
    let rows: Vec<(&Household, &Family)> = households.iter().zip(families).collect();
    write_csv(path, &header, &rows, |(h, f), r| {
        r.push(h.id.clone());
        r.push(coord(h.lonlat[1]));
        r.push(coord(h.lonlat[0]));
        r.push(h.has_latrine.to_string());
        r.push(h.safe_water.to_string());
        r.push(h.improved_sanitation.to_string());
        r.push(h.family.unfit_housing.to_string());
        r.push(h.family.four_t.to_string());
        for g in h.family.groups {
            r.push(g.to_string());
        }
        r.push(f.head.clone());
        r.push(f.address.clone());
        r.push(f.dusun.clone());
        r.push(f.rt.clone());
        r.push(f.rw.clone());
    })
}

/// The columns of `children.csv`.
const CHILD_COLUMNS: [&str; 8] = [
    "id",
    "lat",
    "lon",
    "sex",
    "birth_date",
    "measure_date",
    "height_cm",
    "haz",
];

fn child_row(c: &Child, r: &mut Vec<String>) {
    r.push(c.id.clone());
    r.push(coord(c.lonlat[1]));
    r.push(coord(c.lonlat[0]));
    r.push(c.sex.code().to_owned());
    r.push(c.birth.format("%Y-%m-%d").to_string());
    r.push(c.measure.format("%Y-%m-%d").to_string());
    r.push(format!("{:.1}", c.height_cm));
    r.push(format!("{:.2}", c.haz));
}

/// Who a child is, after [`CHILD_COLUMNS`] in `children.csv`.
const IDENTITY_COLUMNS: [&str; 7] = [
    "name",
    "parent_name",
    "address",
    "dusun",
    "rt",
    "rw",
    "posyandu",
];

/// `children.csv`: `id,lat,lon,sex,birth_date,measure_date,height_cm,haz`, then
/// `name,parent_name,address,dusun,rt,rw,posyandu` (the family's home).
pub(crate) fn children(
    path: &Path,
    children: &[Child],
    persons: &[Person],
    families: &[Family],
) -> Result<(), DemoError> {
    let header: Vec<&str> = CHILD_COLUMNS
        .iter()
        .chain(&IDENTITY_COLUMNS)
        .copied()
        .collect();
    let rows: Vec<(&Child, &Person)> = children.iter().zip(persons).collect();
    write_csv(path, &header, &rows, |(c, p), r| {
        child_row(c, r);
        let f = &families[c.household];
        r.push(p.name.clone());
        r.push(f.mother.clone());
        r.push(f.address.clone());
        r.push(f.dusun.clone());
        r.push(f.rt.clone());
        r.push(f.rw.clone());
        r.push(p.posyandu.clone());
    })
}

/// `assignments.csv`: `id,team` of each stunted child.
pub(crate) fn assignments(path: &Path, rows: &[(String, &str)]) -> Result<(), DemoError> {
    write_csv(path, &["id", "team"], rows, |(id, team), r| {
        r.push(id.clone());
        r.push((*team).to_owned());
    })
}

/// `interventions.csv`: the rounds' deliveries, for `sigap import interventions`
/// (`program,id_anak,id_keluarga,kode_desa,tanggal,jumlah,biaya,pelaksana`; an empty
/// `pelaksana` is the programme's usual deliverer).
pub(crate) fn interventions(
    path: &Path,
    rows: &[super::interventions::Row],
) -> Result<(), DemoError> {
    let header = [
        "program",
        "id_anak",
        "id_keluarga",
        "kode_desa",
        "tanggal",
        "jumlah",
        "biaya",
        "pelaksana",
    ];
    write_csv(path, &header, rows, |d, r| {
        r.push(d.programme.to_owned());
        r.push(d.child.clone().unwrap_or_default());
        r.push(d.household.clone().unwrap_or_default());
        r.push(d.village.clone().unwrap_or_default());
        r.push(d.date.to_string());
        r.push(d.quantity.map(|q| q.to_string()).unwrap_or_default());
        r.push(d.cost.map(|c| c.to_string()).unwrap_or_default());
        r.push(d.by.unwrap_or_default().to_owned());
    })
}

/// `teams.csv`: `team,share` of the 13 OPDs, for `sigap assign`.
pub(crate) fn teams(path: &Path) -> Result<(), DemoError> {
    let rows: Vec<(&str, u32)> = super::teams::OPDS
        .iter()
        .copied()
        .zip(super::teams::SHARES)
        .collect();
    write_csv(path, &["team", "share"], &rows, |(team, share), r| {
        r.push((*team).to_owned());
        r.push(share.to_string());
    })
}

/// A round's children: the columns of [`children`] and `period`.
pub(crate) fn children_of_period(
    path: &Path,
    children: &[Child],
    period: &str,
) -> Result<(), DemoError> {
    let mut header = CHILD_COLUMNS.to_vec();
    header.push("period");
    write_csv(path, &header, children, |c, r| {
        child_row(c, r);
        r.push(period.to_owned());
    })
}

/// `facilities.csv`: `id,name,kind,lat,lon`.
pub(crate) fn facilities(path: &Path, facilities: &[Facility]) -> Result<(), DemoError> {
    write_csv(
        path,
        &["id", "name", "kind", "lat", "lon"],
        facilities,
        |f, r| {
            r.push(f.id.clone());
            r.push(f.name.clone());
            r.push(f.kind.as_str().to_owned());
            r.push(coord(f.lonlat[1]));
            r.push(coord(f.lonlat[0]));
        },
    )
}

/// `README.txt`: what the files are, and that none of it is real.
pub(crate) fn readme(path: &Path, text: &str) -> Result<(), DemoError> {
    let mut w = create(path)?;
    w.write_all(text.as_bytes()).map_err(io(path))?;
    w.flush().map_err(io(path))
}

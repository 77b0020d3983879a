//! Mapping tests on headers as real exports write them.

use super::*;
use crate::model::LayerKind::{Children, Facilities, Households, Villages};
use std::collections::HashMap;

fn cols(names: &str) -> Vec<String> {
    names.split(',').map(str::to_string).collect()
}

fn resolve(kind: LayerKind, names: &str, user: &[(&str, &str)]) -> Result<ColumnMap, String> {
    let user: Vec<(String, String)> = user
        .iter()
        .map(|(f, c)| ((*f).to_string(), (*c).to_string()))
        .collect();
    ColumnMap::resolve(kind, &cols(names), false, &user)
}

fn pairs(map: &ColumnMap) -> Vec<(&str, &str)> {
    map.report
        .mapped
        .iter()
        .map(|m| (m.field, m.column.as_str()))
        .collect()
}

#[test]
fn headers_normalise_case_spaces_dots_dashes_and_slashes() {
    assert_eq!(normalize(" Tgl. Lahir "), "tgl_lahir");
    assert_eq!(normalize("TGL_LAHIR"), "tgl_lahir");
    assert_eq!(normalize("tgl--lahir"), "tgl_lahir");
    assert_eq!(normalize("ZS TB/U"), "zs_tbu");
    assert_eq!(normalize("\u{feff}NIK"), "nik");
    assert_eq!(normalize("TB (cm)"), "tb_cm");
    assert_eq!(normalize("__"), "");
}

#[test]
fn identifying_columns_map_in_bahasa_and_english() {
    let map = resolve(
        Children,
        "NIK,JK,Tgl Lahir,Tgl Ukur,TB,Lintang,Bujur,Nama Anak,Nama Ortu,Nama Ayah,Alamat,\
         Dusun,RT,RW,Posyandu,No HP",
        &[],
    )
    .expect("mapping");
    let got = pairs(&map);
    for want in [
        ("name", "Nama Anak"),
        ("parent_name", "Nama Ortu"),
        ("address", "Alamat"),
        ("dusun", "Dusun"),
        ("rt", "RT"),
        ("rw", "RW"),
        ("posyandu", "Posyandu"),
        ("phone", "No HP"),
    ] {
        assert!(got.contains(&want), "{want:?} in {got:?}");
    }
    // Nama Ortu is preferred over Nama Ayah, and the report says so.
    let report = map.into_report();
    assert!(
        report
            .ambiguous
            .iter()
            .any(|a| a.field == "parent_name" && a.others == ["Nama Ayah"])
    );
    let english = resolve(
        Children,
        "id,sex,birth_date,measure_date,height_cm,lat,lon,name,parent_name,address,dusun,rt,rw,posyandu,phone",
        &[],
    )
    .expect("mapping");
    assert_eq!(pairs(&english).len(), 15);
    let households = resolve(
        crate::model::LayerKind::Households,
        "No KK,Nama Kepala Keluarga,Alamat,RT,RW,Lintang,Bujur,Punya Jamban,Air Minum Layak,Sanitasi Layak",
        &[],
    )
    .expect("mapping");
    let got = pairs(&households);
    assert!(
        got.contains(&("name", "Nama Kepala Keluarga")) && got.contains(&("address", "Alamat"))
    );
}

#[test]
fn an_e_ppgbm_header_maps_every_field() {
    let map = resolve(
        Children,
        "No,NIK,Nama Anak,JK,Tgl Lahir,Tgl Ukur,TB,BB,ZS TB/U,Lintang,Bujur,Nama Ibu",
        &[],
    )
    .expect("mapping");
    assert_eq!(
        pairs(&map),
        [
            ("id", "NIK"),
            ("name", "Nama Anak"),
            ("parent_name", "Nama Ibu"),
            ("sex", "JK"),
            ("birth_date", "Tgl Lahir"),
            ("measure_date", "Tgl Ukur"),
            ("height_cm", "TB"),
            ("weight_kg", "BB"),
            ("haz", "ZS TB/U"),
            ("lat", "Lintang"),
            ("lon", "Bujur"),
        ]
    );
    // Nama Ibu is the parent: read (and sealed on import).
    assert_eq!(map.report.ignored, ["No"]);
    assert!(map.report.ambiguous.is_empty());
}

#[test]
fn big_boundary_fields_and_ambiguity() {
    let map = resolve(Villages, "NAMOBJ,WADMKD,WADMKC,KDEPUM,WADMKK", &[]).expect("mapping");
    assert_eq!(
        pairs(&map),
        [
            ("code", "KDEPUM"),
            ("name", "WADMKD"),
            ("district", "WADMKC")
        ]
    );
    assert_eq!(
        map.report.ambiguous,
        [Ambiguity {
            field: "name",
            chosen: "WADMKD".into(),
            others: vec!["NAMOBJ".into()],
        }]
    );
    assert_eq!(map.report.ignored, ["NAMOBJ", "WADMKK"]);
    let text = map.report.to_string();
    assert!(text.contains("  code     ← KDEPUM\n"), "{text}");
    assert!(
        text.contains("note: `name` ← WADMKD chosen over NAMOBJ (pass --map name=COLUMN"),
        "{text}"
    );
}

#[test]
fn the_best_alias_wins_whatever_the_column_order() {
    for header in ["Latitude,Lintang,Bujur", "Lintang,Latitude,Bujur"] {
        let map = resolve(Facilities, &format!("kode,nama,tipe,{header}"), &[]).expect("map");
        assert_eq!(pairs(&map)[3], ("lat", "Lintang"), "{header}");
        assert_eq!(map.report.ambiguous[0].others, ["Latitude"]);
    }
    // The field's own name beats any alias; a unit suffix ranks just after its alias.
    let map = resolve(
        Households,
        "ID,NO KK,lat,lon,jamban,Punya Jamban,air_layak,sanitasi_layak",
        &[],
    )
    .expect("map");
    assert_eq!(pairs(&map)[0], ("id", "ID"));
    assert_eq!(pairs(&map)[3], ("has_latrine", "Punya Jamban"));
    let map = resolve(
        Children,
        "nik,jk,tgl_lahir,tgl_ukur,TB (cm),tinggi,Berat_kg,haz,lat,lon",
        &[],
    )
    .expect("map");
    let p = pairs(&map);
    assert!(p.contains(&("height_cm", "TB (cm)")), "{p:?}");
    assert!(p.contains(&("weight_kg", "Berat_kg")), "{p:?}");
}

#[test]
fn a_missing_field_names_the_columns_found_and_the_map_to_use() {
    let header = "NIK,JK,Tgl Lahir,Tgl Ukur,Ukur TB,ZS TB/U,Lintang,Bujur";
    let err = resolve(Children, header, &[]).expect_err("no height");
    assert!(
        err.starts_with("missing required column `height_cm` (recognised names: height_cm, height"),
        "{err}"
    );
    assert!(
        err.contains(
            "columns found: NIK, JK, Tgl Lahir, Tgl Ukur, Ukur TB, ZS TB/U, Lintang, Bujur;"
        ),
        "{err}"
    );
    assert!(err.contains("pass --map height_cm=COLUMN"), "{err}");

    let map = resolve(Children, header, &[("height_cm", "ukur tb")]).expect("--map fixes it");
    assert!(map.report.mapped.contains(&Mapped {
        field: "height_cm",
        column: "Ukur TB".into(),
        by: By::Map
    }));
    assert!(
        map.report
            .to_string()
            .contains("height_cm    ← Ukur TB  (--map)"),
        "{}",
        map.report
    );
    // haz is optional (computed from the measurements when missing).
    assert!(resolve(Children, "NIK,JK,Tgl Lahir,Tgl Ukur,TB,Lintang,Bujur", &[]).is_ok());

    let err = resolve(Children, "NIK,Lintang", &[]).expect_err("many missing");
    assert!(err.starts_with("missing required columns `sex`"), "{err}");
    assert!(
        err.contains("--map sex=COLUMN --map birth_date=COLUMN"),
        "{err}"
    );
}

#[test]
fn bad_maps_are_refused() {
    let header = "nik,jk,tgl_lahir,tgl_ukur,tb,zs_tbu,lintang,bujur";
    let err = resolve(Children, header, &[("haz", "ZSCORE")]).expect_err("no such column");
    assert_eq!(
        err,
        "--map haz=ZSCORE: there is no column `ZSCORE`; columns found: \
         nik, jk, tgl_lahir, tgl_ukur, tb, zs_tbu, lintang, bujur"
    );
    let err = resolve(Villages, "kode,nama,kecamatan", &[("lat", "kode")]).expect_err("field");
    assert!(
        err.contains("villages have no field `lat`; their fields are code, name, district"),
        "{err}"
    );
    // An explicit map takes the column away from the field that would have read it.
    let map = resolve(Children, &format!("{header},kode"), &[("id", "kode")]).expect("map");
    assert_eq!(pairs(&map)[0], ("id", "kode"));
    assert_eq!(map.report.ignored, ["nik"]);
}

#[test]
fn positions_lat_lon_or_x_y_or_village_or_geometry() {
    let base = "id,has_latrine,safe_water,improved_sanitation";
    assert!(resolve(Households, &format!("{base},Easting,Northing"), &[]).is_ok());
    let err = resolve(Households, &format!("{base},x"), &[]).expect_err("no y");
    assert!(err.starts_with("missing required column `y`"), "{err}");
    let err = resolve(Households, &format!("{base},lintang,kode_desa"), &[]).expect_err("no lon");
    assert!(err.starts_with("missing required column `lon`"), "{err}");
    assert!(err.contains("x and y columns"), "{err}");
    let user: [(String, String); 0] = [];
    assert!(ColumnMap::resolve(Households, &cols(base), true, &user).is_ok());
    // Children may be placed by their village.
    let kids = "nik,jk,tgl_lahir,tgl_ukur,tb,zs_tbu";
    let map = resolve(Children, &format!("{kids},Kode Desa"), &[]).expect("by village");
    assert!(pairs(&map).contains(&("village_code", "Kode Desa")));
    let err = resolve(Children, kids, &[]).expect_err("nowhere");
    assert!(err.contains("or a village code column"), "{err}");
}

#[test]
fn a_used_column_twice_is_refused_an_unused_one_is_not() {
    let err = resolve(Facilities, "id,name,kind,lat,lon,lat", &[]).expect_err("twice");
    assert_eq!(
        err,
        "column `lat` appears 2 times (columns 4, 6); rename all but one"
    );
    assert!(resolve(Facilities, "id,name,kind,lat,lon,memo,memo", &[]).is_ok());
}

#[test]
fn apply_renames_drops_and_flags_bad_text() {
    let map = resolve(
        Facilities,
        "Kode,Nama Faskes,Jenis,Lintang,Bujur,Alamat",
        &[("name", "Nama Faskes"), ("village_name", "nama faskes")],
    )
    .expect("map");
    let fields: HashMap<String, String> = cols("Kode,Nama Faskes,Jenis,Lintang,Bujur,Alamat")
        .into_iter()
        .zip(cols("P1,Pus\u{fffd}kesmas,puskesmas,-3.9,122.5,Jl. A"))
        .collect();
    let mut record = Record {
        at: 2,
        fields,
        geometry: None,
        raw: String::new(),
    };
    let errors = map.apply(&mut record);
    let mut keys: Vec<&str> = record.fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "kind", "lat", "lon", "name", "village_name"]);
    assert_eq!(record.get("lon"), "122.5");
    assert_eq!(
        record.get("name"),
        record.get("village_name"),
        "a shared column is copied"
    );
    // Only the required field fails: an optional one is carried as it is.
    assert_eq!(
        errors,
        [FieldError {
            field: "name".into(),
            reason: "column `Nama Faskes` is not UTF-8 text; save the file as UTF-8".into()
        }]
    );
}

#[test]
fn alias_table_is_consistent() {
    for kind in [Children, Households, Facilities, Villages] {
        let spec = aliases::fields(kind);
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for f in spec {
            assert_eq!(
                f.aliases[0], f.name,
                "{kind}: a field's own name comes first"
            );
            for a in f.aliases {
                assert_eq!(normalize(a), *a, "{kind}: `{a}` is not written normalised");
                if let Some(other) = seen.insert(a, f.name) {
                    panic!("{kind}: `{a}` feeds both `{other}` and `{}`", f.name);
                }
            }
        }
    }
}

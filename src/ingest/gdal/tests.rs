//! GDAL reader tests on files GDAL itself writes here (GeoPackage, garbage, a
//! truncated copy), so each case is what a planner's export would look like.

use super::*;
use ::gdal::DriverManager;
use ::gdal::vector::{LayerOptions, OGRFieldType};
use std::sync::atomic::{AtomicUsize, Ordering};

fn temp(name: &str, ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "sigap-gdal-{name}-{}-{n}.{ext}",
        std::process::id()
    ))
}

/// A GeoPackage with layer `anak` (`points` points in UTM 51S, fields `ID` and
/// `Nama`) and an empty layer `rumah`.
fn two_layer_gpkg(points: usize) -> PathBuf {
    let path = temp("two", "gpkg");
    let driver = DriverManager::get_driver_by_name("GPKG").expect("GPKG driver");
    let mut ds = driver.create_vector_only(&path).expect("create");
    let srs = SpatialRef::from_epsg(32751).expect("srs");
    {
        let layer = ds
            .create_layer(LayerOptions {
                name: "anak",
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbPoint,
                options: None,
            })
            .expect("layer");
        layer
            .create_defn_fields(&[
                ("ID", OGRFieldType::OFTString),
                ("Nama", OGRFieldType::OFTString),
                ("tb", OGRFieldType::OFTReal),
                ("tgl", OGRFieldType::OFTDate),
            ])
            .expect("fields");
        let txn = ds.start_transaction().expect("transaction");
        let layer = txn.layer_by_name("anak").expect("anak");
        for i in 0..points {
            let mut f = Feature::new(layer.defn()).expect("feature");
            f.set_field_string(0, &format!("74710{i:011}")).expect("id");
            f.set_field_string(1, "Wa Ode").expect("name");
            f.set_field_double(2, 85.2).expect("tb");
            f.set_field(
                3,
                &FieldValue::DateValue(chrono::NaiveDate::from_ymd_opt(2024, 8, 15).expect("date")),
            )
            .expect("date");
            let wkt = format!("POINT ({} 9561000)", 445_600 + i);
            f.set_geometry(Geometry::from_wkt(&wkt).expect("wkt"))
                .expect("geometry");
            f.create(&layer).expect("create feature");
        }
        txn.commit().expect("commit");
    }
    ds.create_layer(LayerOptions {
        name: "rumah",
        srs: Some(&srs),
        ty: OGRwkbGeometryType::wkbPoint,
        options: None,
    })
    .expect("layer");
    ds.close().expect("close");
    path
}

fn records(source: GdalSource) -> Vec<Result<Item, IngestError>> {
    source.collect()
}

#[test]
fn several_layers_need_a_choice_and_the_chosen_one_streams() {
    let path = two_layer_gpkg(2);
    let Err(e) = open(&path, &["GPKG"], Numbering::Feature, None) else {
        panic!("chose a layer by itself")
    };
    let text = e.to_string();
    assert!(
        text.ends_with(
            "the file has 2 layers; its layers: `anak` (2 features), `rumah` (0 features); \
             choose one with --layer NAME"
        ),
        "{text}"
    );
    let Err(e) = open(&path, &["GPKG"], Numbering::Feature, Some("rumah")) else {
        panic!("read an empty layer")
    };
    assert!(matches!(e, IngestError::EmptyLayer { .. }), "{e}");
    let Err(e) = open(&path, &["GPKG"], Numbering::Feature, Some("balita")) else {
        panic!("found a missing layer")
    };
    assert!(e.to_string().contains("there is no layer `balita`"), "{e}");

    let opened = open(&path, &["GPKG"], Numbering::Feature, Some("ANAK")).expect("anak");
    assert_eq!(opened.crs.as_deref(), Some("EPSG:32751"));
    assert_eq!(opened.features, 2);
    let items = records(opened.source);
    let Ok(Item::Header { columns, .. }) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(columns, &["ID", "Nama", "tb", "tgl"]);
    let Ok(Item::Record(second)) = &items[2] else {
        panic!("{:?}", items[2])
    };
    assert_eq!(second.at, 2);
    assert_eq!(second.get("ID"), "7471000000000001");
    assert_eq!(second.get("tb"), "85.2");
    assert_eq!(second.get("tgl"), "2024-08-15");
    assert_eq!(
        second.geometry,
        Some(RawGeometry::Point(vec![445_601.0, 9_561_000.0]))
    );
    assert!(
        second
            .raw
            .contains(r#""geometry":"POINT (445601 9561000)""#),
        "{}",
        second.raw
    );
    assert_eq!(items.len(), 3);

    let listed = layers(&path).expect("layers");
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed[0].to_string(),
        "anak: 2 features, geometry Point, CRS EPSG:32751\n  \
         fields: ID (String), Nama (String), tb (Real), tgl (Date)"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn garbage_and_truncated_files_are_unreadable_not_short() {
    let garbage = temp("garbage", "gpkg");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, &bytes).expect("write");
    let Err(e) = open(&garbage, &["GPKG"], Numbering::Feature, None) else {
        panic!("opened garbage")
    };
    assert!(matches!(e, IngestError::Unreadable { .. }), "{e}");
    assert!(e.to_string().contains("GDAL cannot open it as GPKG"), "{e}");

    // Cut a real GeoPackage in half: GDAL either refuses it or stops part way;
    // either way the reader must say so rather than end quietly.
    let whole = two_layer_gpkg(20_000);
    let cut = temp("cut", "gpkg");
    let data = std::fs::read(&whole).expect("read");
    std::fs::write(&cut, &data[..data.len() / 2]).expect("write");
    let outcome = open(&cut, &["GPKG"], Numbering::Feature, Some("anak"))
        .map(|o| records(o.source).into_iter().filter_map(Result::err).last());
    match outcome {
        Err(e) | Ok(Some(e)) => {
            assert!(matches!(e, IngestError::Unreadable { .. }), "{e}");
        }
        Ok(None) => panic!("a truncated GeoPackage read without an error"),
    }
    for p in [garbage, whole, cut] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn attribute_values_become_text() {
    let d = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).expect("date");
    let midnight = d
        .and_hms_opt(0, 0, 0)
        .expect("time")
        .and_utc()
        .fixed_offset();
    let noon = d
        .and_hms_opt(12, 30, 0)
        .expect("time")
        .and_utc()
        .fixed_offset();
    for (value, text_form) in [
        (None, ""),
        (
            Some(FieldValue::RealValue(7_471_010_101_010_001.0)),
            "7471010101010001",
        ),
        (Some(FieldValue::RealValue(-3.968_063)), "-3.968063"),
        (
            Some(FieldValue::Integer64Value(7_471_011_005)),
            "7471011005",
        ),
        (Some(FieldValue::DateValue(d)), "2024-12-31"),
        (Some(FieldValue::DateTimeValue(midnight)), "2024-12-31"),
        (Some(FieldValue::DateTimeValue(noon)), "2024-12-31T12:30:00"),
        (Some(FieldValue::IntegerListValue(vec![1, 2])), "1,2"),
    ] {
        assert_eq!(text(value.clone()), text_form, "{value:?}");
    }
}

#[test]
fn a_feature_without_geometry_is_missing_not_unreadable() {
    let path = temp("nogeom", "gpkg");
    let driver = DriverManager::get_driver_by_name("GPKG").expect("GPKG driver");
    let mut ds = driver.create_vector_only(&path).expect("create");
    let srs = SpatialRef::from_epsg(4326).expect("srs");
    {
        let layer = ds
            .create_layer(LayerOptions {
                name: "anak",
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbPoint,
                options: None,
            })
            .expect("layer");
        layer
            .create_defn_fields(&[("kode_desa", OGRFieldType::OFTString)])
            .expect("fields");
        for with_point in [true, false] {
            let mut f = Feature::new(layer.defn()).expect("feature");
            f.set_field_string(0, "7471011005").expect("code");
            if with_point {
                let point = Geometry::from_wkt("POINT (122.5 -3.97)").expect("wkt");
                f.set_geometry(point).expect("geometry");
            }
            f.create(&layer).expect("create feature");
        }
    }
    ds.close().expect("close");
    let opened = open(&path, &["GPKG"], Numbering::Feature, None).expect("open");
    let geometries: Vec<Option<RawGeometry>> = opened
        .source
        .filter_map(|item| match item.expect("readable") {
            Item::Record(r) => Some(r.geometry),
            _ => None,
        })
        .collect();
    assert_eq!(
        geometries,
        [
            Some(RawGeometry::Point(vec![122.5, -3.97])),
            Some(RawGeometry::Missing)
        ]
    );
    let _ = std::fs::remove_file(path);
}

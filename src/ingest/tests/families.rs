//! Households with the BKKBN family fields: yes/no columns and a `sasaran` list read
//! into target groups, unknown kept unknown, bad values rejected on their field.

use super::*;
use crate::model::{TargetGroup, TargetGroups};

fn import_homes(store: &mut Store, text: &str) -> Result<ImportSummary, IngestError> {
    let path = write("families", "csv", text);
    let out = import(
        store,
        LayerKind::Households,
        &path,
        &ImportOptions::default(),
    );
    let _ = std::fs::remove_file(path);
    out
}

#[test]
fn family_fields_from_columns_and_a_sasaran_list() {
    let mut store = store_with_villages();
    let summary = import_homes(
        &mut store,
        "No KK;lat;lon;Punya Jamban;Air Minum Layak;Sanitasi Layak;RTLH;4T;Ibu Hamil;Baduta;Sasaran\n\
         h1;-3.97;122.51;ya;ya;ya;tidak;ya;Y;;balita\n\
         h2;-3.97;122.512;ya;ya;ya;;;;;\n\
         h3;-3.97;122.514;tidak;ya;tidak;ya;tidak;T;T;-\n",
    )
    .expect("households");
    assert_eq!(summary.written, 3);
    // h2 knows nothing, h1 and h3 everything.
    assert_eq!(summary.notes.family_unknown, 1);
    let homes = store.load().expect("load").households;
    let groups = |g: &[TargetGroup]| g.iter().fold(TargetGroups::NONE, |s, g| s.with(*g));
    assert_eq!(
        (homes[0].unfit_housing, homes[0].four_t, homes[0].targets),
        (
            Some(false),
            Some(true),
            Some(groups(&[TargetGroup::Bumil, TargetGroup::Balita]))
        )
    );
    assert_eq!(
        (homes[1].unfit_housing, homes[1].four_t, homes[1].targets),
        (None, None, None)
    );
    assert_eq!(homes[2].targets, Some(TargetGroups::NONE));
    assert_eq!(homes[2].unfit_housing, Some(true));
}

#[test]
fn bad_family_values_are_rejected_on_their_field() {
    let mut store = store_with_villages();
    let err = import_homes(
        &mut store,
        "id,lat,lon,has_latrine,safe_water,improved_sanitation,bumil,four_t,sasaran\n\
         h1,-3.97,122.51,ya,ya,ya,maybe,ya,\n\
         h2,-3.97,122.512,ya,ya,ya,,sering,lansia\n",
    )
    .expect_err("bad values");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(
        lines_and_fields(&rejects),
        [(2, "bumil"), (3, "four_t"), (3, "sasaran")]
    );
    assert!(
        rejects[2].reason.contains("`lansia`"),
        "{}",
        rejects[2].reason
    );
}

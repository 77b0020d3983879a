//! Names and addresses: read from e-PPGBM or English columns, checked field by field,
//! sealed with the identity key, never in the store file in clear.

use super::*;
use crate::ingest::identity::{Identity, IdentityKey};

const WHO_HEADER: &str = "NIK,Lintang,Bujur,JK,Tgl Lahir,Tgl Ukur,TB,ZS TB/U,Nama Anak,Nama Ortu,\
                          Alamat,Dusun,RT,RW,Posyandu,No HP";

fn identity_key() -> IdentityKey {
    IdentityKey::from_bytes([9; 32])
}

#[test]
fn names_are_sealed_in_the_store_and_open_with_the_key() {
    let db = temp("who", "gpkg");
    let rows = [
        "7471010101220001,-3.97,122.51,L,15/01/2022,15/08/2024,80.1,-2.4,Siti Aisyah,Wa Ode Nurhayati,Jl. Mawar No. 12,Lingkungan II,3,2,Posyandu Melati,0812-3456-7890",
        "7471010101220002,-3.97,122.51,P,15/02/2022,15/08/2024,80.1,-1.0,Nayla Lestari,Hasnawati,,,,,,",
        "7471010101220003,-3.97,122.51,P,15/02/2022,15/08/2024,80.1,-1.0,,,,,,,,",
    ];
    let text = format!("{WHO_HEADER}\n{}\n", rows.join("\n"));
    {
        let mut store = Store::open(&db).expect("store");
        let villages = write("v", "geojson", VILLAGES);
        import(
            &mut store,
            LayerKind::Villages,
            &villages,
            &ImportOptions::default(),
        )
        .expect("villages");
        let kids = write("who", "csv", &text);
        let opts = ImportOptions {
            identity: Some(identity_key()),
            ..ImportOptions::default()
        };
        let summary = import(&mut store, LayerKind::Children, &kids, &opts).expect("kids");
        assert_eq!(summary.notes.identities, 2);
        assert_eq!(store.identity_count("children").expect("count"), 2);
        let first = key().pseudonym("7471010101220001");
        let sealed = store
            .sealed_identities(
                "children",
                &[first.clone(), key().pseudonym("7471010101220003")],
            )
            .expect("sealed");
        assert_eq!(sealed.len(), 1, "the child without names has no row");
        let who = identity_key()
            .open("children", &first, &sealed[0].1)
            .expect("opens");
        assert_eq!(
            who,
            Identity {
                name: "Siti Aisyah".into(),
                parent: "Wa Ode Nurhayati".into(),
                address: "Jl. Mawar No. 12".into(),
                dusun: "Lingkungan II".into(),
                rt: "003".into(),
                rw: "002".into(),
                posyandu: "Posyandu Melati".into(),
                phone: "081234567890".into(),
            }
        );
        for p in [villages, kids] {
            let _ = std::fs::remove_file(p);
        }
    }
    let mut bytes = std::fs::read(&db).expect("store bytes");
    bytes.extend(std::fs::read(format!("{}-wal", db.display())).unwrap_or_default());
    for needle in [
        "Siti",
        "Aisyah",
        "Nurhayati",
        "Mawar",
        "Melati",
        "Lingkungan",
        "Nayla",
        "Hasnawati",
        "0812",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} found in the store file"
        );
    }
    let _ = std::fs::remove_file(&db);
}

#[test]
fn without_an_identity_key_names_are_dropped_not_stored() {
    let mut store = store_with_villages();
    let text = format!(
        "{WHO_HEADER}\n7471010101220001,-3.97,122.51,L,15/01/2022,15/08/2024,80.1,-2.4,Siti,Ani,,,,,,\n"
    );
    let kids = write("dropped", "csv", &text);
    let summary = import(
        &mut store,
        LayerKind::Children,
        &kids,
        &ImportOptions::default(),
    )
    .expect("kids");
    assert_eq!(
        (summary.notes.identities, summary.notes.identities_dropped),
        (0, 1)
    );
    assert_eq!(store.identity_count("children").expect("count"), 0);
    let _ = std::fs::remove_file(kids);
}

#[test]
fn bad_identifying_fields_are_named_by_line_and_field_without_the_text() {
    let mut store = store_with_villages();
    let long = "x".repeat(130);
    let text = format!(
        "{WHO_HEADER}\n\
         7471010101220001,-3.97,122.51,L,15/01/2022,15/08/2024,80.1,-2.4,Siti,Ani,,,3a,2,,\n\
         7471010101220002,-3.97,122.51,L,15/01/2022,15/08/2024,80.1,-2.4,Siti,Ani,,,3,2,,12345\n\
         7471010101220003,-3.97,122.51,L,15/01/2022,15/08/2024,80.1,-2.4,{long},Ani,,,,,,\n"
    );
    let kids = write("badwho", "csv", &text);
    let opts = ImportOptions {
        identity: Some(identity_key()),
        ..ImportOptions::default()
    };
    let Err(IngestError::Rejected { rejects, .. }) =
        import(&mut store, LayerKind::Children, &kids, &opts)
    else {
        panic!("rejected");
    };
    assert_eq!(
        lines_and_fields(&rejects),
        [(2, "rt"), (3, "phone"), (4, "name")]
    );
    let shown: Vec<String> = rejects.iter().map(ToString::to_string).collect();
    assert!(shown[1].contains("badwho") && shown[1].contains(":3: field `phone`"));
    assert!(
        !shown[1].contains("12345") && !shown[2].contains("xxxx"),
        "{shown:?}"
    );
    assert_eq!(store.identity_count("children").expect("count"), 0);
    let _ = std::fs::remove_file(kids);
}

#[test]
fn households_keep_their_heads_name_and_address_sealed() {
    let mut store = store_with_villages();
    let text = "No KK,Lintang,Bujur,Punya Jamban,Air Minum Layak,Sanitasi Layak,Nama Kepala Keluarga,Alamat,RT,RW\n\
                7471010101080001,-3.97,122.51,ya,tidak,1,La Ode Hasan,Jl. Nuri No. 3,4,1\n";
    let homes = write("homes-who", "csv", text);
    let opts = ImportOptions {
        identity: Some(identity_key()),
        ..ImportOptions::default()
    };
    import(&mut store, LayerKind::Households, &homes, &opts).expect("homes");
    let p = key().pseudonym("7471010101080001");
    let sealed = store
        .sealed_identities("households", std::slice::from_ref(&p))
        .expect("sealed");
    let who = identity_key()
        .open("households", &p, &sealed[0].1)
        .expect("opens");
    assert_eq!(who.name, "La Ode Hasan");
    assert_eq!(who.address_line(), "Jl. Nuri No. 3, RT 004/RW 001");
    // A replaced household layer takes its identities with it.
    let plain = write(
        "homes-plain",
        "csv",
        "id,lat,lon,has_latrine,safe_water,improved_sanitation\n7471010101080002,-3.97,122.51,ya,ya,ya\n",
    );
    let replace = ImportOptions {
        replace: true,
        ..opts
    };
    import(&mut store, LayerKind::Households, &plain, &replace).expect("replace");
    assert_eq!(store.identity_count("households").expect("count"), 0);
    for p in [homes, plain] {
        let _ = std::fs::remove_file(p);
    }
}

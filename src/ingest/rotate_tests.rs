//! A key rotation on both stores: an in-memory GeoPackage store and a PostgreSQL
//! database of the throwaway cluster (as the service role). Each check seals records
//! with a key, rotates, and opens every stored record again with the key files left
//! on disk; the failures must leave every record's bytes as they were.

use super::{RotateError, pending_path, rotate_identity_key};
use crate::ingest::{Identity, IdentityKey};
use crate::model::LayerKind;
use crate::store::pg::testing::{APP_ROLE, Cluster, SUPERUSER};
use crate::store::pg::{PgStore, WRITE_LOCK};
use crate::store::{AnyStore, ImportTarget, LayerSink, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Children sealed by [`world`]: more than one progress report's worth.
const CHILDREN: usize = 1100;
/// Households sealed by [`world`].
const HOUSEHOLDS: usize = 40;

/// `(layer, pseudonym)` of every record [`world`] seals, in the stores' order.
fn records() -> Vec<(&'static str, String)> {
    let children = (0..CHILDREN).map(|i| ("children", format!("child{i:015}")));
    let homes = (0..HOUSEHOLDS).map(|i| ("households", format!("house{i:015}")));
    children.chain(homes).collect()
}

/// What record `pseudonym` holds in clear.
fn who(pseudonym: &str) -> Identity {
    Identity {
        name: format!("Nama {pseudonym}"),
        parent: "Ibu Wa Ode".into(),
        address: "Jl. Made Sabara 7".into(),
        ..Identity::default()
    }
}

/// A folder of its own for one test's key files; removed by [`Folder`]'s drop.
struct Folder(PathBuf);

impl Folder {
    fn new(test: &str) -> Folder {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "sigap-rotate-{test}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("folder");
        Folder(dir)
    }

    /// The identity key file, beside the pseudonym key `city.key`.
    fn identity_key(&self) -> PathBuf {
        IdentityKey::path_beside(&self.0.join("city.key"))
    }

    /// The files in the folder, by name.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new store of each kind: in memory, then (when PostgreSQL is there) a database
/// made by `init`, opened as the service role; with the cluster (up while it lives)
/// and the database's name.
fn stores(test: &str) -> (Vec<AnyStore>, Option<(Arc<Cluster>, String)>) {
    let mut stores = vec![AnyStore::File(Store::open_in_memory().expect("sqlite"))];
    let Some(cluster) = Cluster::shared() else {
        return (stores, None);
    };
    let name = cluster.database(test);
    PgStore::init(&cluster.url(SUPERUSER, &name), APP_ROLE).expect("init");
    stores.push(AnyStore::Postgres(
        PgStore::open(&cluster.url(APP_ROLE, &name)).expect("open"),
    ));
    (stores, Some((cluster, name)))
}

/// Writes `sealed` records of `kind` as an import does (its writer, one commit).
fn write_sealed(store: &mut AnyStore, kind: LayerKind, sealed: &[(String, Vec<u8>)]) {
    let mut writer = store.layer_writer(kind, false).expect("writer");
    writer.write_identities(sealed).expect("identities");
    writer.commit_with_audit(None).expect("commit");
}

/// Seals every record of [`records`] with the identity key at `key` (made there) and
/// writes them into `store`.
fn world(store: &mut AnyStore, key: &Path) {
    let sealer = IdentityKey::load_or_create(key).expect("key");
    for kind in [LayerKind::Children, LayerKind::Households] {
        let sealed: Vec<(String, Vec<u8>)> = records()
            .into_iter()
            .filter(|(layer, _)| *layer == kind.as_str())
            .map(|(layer, p)| {
                let bytes = sealer.seal(layer, &p, &who(&p));
                (p, bytes)
            })
            .collect();
        write_sealed(store, kind, &sealed);
    }
}

/// Every stored record's bytes, in [`records`] order.
fn stored(store: &mut AnyStore) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for layer in ["children", "households"] {
        let asked: Vec<String> = records()
            .into_iter()
            .filter(|(l, _)| *l == layer)
            .map(|(_, p)| p)
            .collect();
        let mut got = store.sealed_identities(layer, &asked).expect("read");
        got.sort();
        assert_eq!(got.len(), asked.len(), "{layer}: a record is missing");
        out.extend(got.into_iter().map(|(_, sealed)| sealed));
    }
    out
}

/// How many records each layer holds.
fn counts(store: &mut AnyStore) -> [usize; 2] {
    ["children", "households"].map(|layer| store.identity_count(layer).expect("count"))
}

/// A rotation re-seals every record: each opens with the new key (to what was
/// sealed) and not with the old, the count and the revision stay, the old key is kept
/// and no `KEY.new` is left.
#[test]
fn a_rotation_reseals_every_record_on_both_stores() {
    let (stores, _cluster) = stores("rotate_all");
    for mut store in stores {
        let folder = Folder::new("all");
        let key = folder.identity_key();
        world(&mut store, &key);
        let old = IdentityKey::load_or_create(&key).expect("old key");
        let old_text = std::fs::read_to_string(&key).expect("old key");
        let (before, revision) = (stored(&mut store), store.revision().expect("revision"));
        let mut seen = Vec::new();
        let rotation = rotate_identity_key(&mut store, &key, "20261207T180000Z", |done, total| {
            seen.push((done, total));
        })
        .expect("rotate");
        let total = CHILDREN + HOUSEHOLDS;
        assert_eq!(rotation.records, total, "{store:?}");
        assert_eq!(seen, [(1000, total), (total, total)], "{store:?}");
        assert!(!rotation.finished_pending);
        let kept = rotation.old_key.expect("old key kept");
        assert_eq!(std::fs::read_to_string(&kept).expect("kept"), old_text);
        assert!(!pending_path(&key).exists(), "KEY.new left over");

        let new = IdentityKey::load_or_create(&key).expect("new key");
        let after = stored(&mut store);
        for (((layer, p), was), now) in records().iter().zip(&before).zip(&after) {
            assert_ne!(was, now, "{layer} {p} kept its bytes on {store:?}");
            assert_eq!(new.open(layer, p, now).expect("opens"), who(p), "{store:?}");
            assert!(old.open(layer, p, now).is_err(), "the old key opens {p}");
        }
        assert_eq!(counts(&mut store), [CHILDREN, HOUSEHOLDS], "{store:?}");
        assert_eq!(store.revision().expect("revision"), revision, "{store:?}");
    }
}

/// An error from the re-seal part-way (after a thousand records were re-sealed in the
/// transaction) leaves every record as it was; so does a rotation that meets a record
/// the key does not open, which also leaves `KEY` as it was and no file behind.
#[test]
fn a_failure_part_way_changes_nothing_on_both_stores() {
    let (stores, _cluster) = stores("rotate_nothing");
    for mut store in stores {
        let folder = Folder::new("nothing");
        let key = folder.identity_key();
        world(&mut store, &key);
        let before = stored(&mut store);
        let mut resealed = 0;
        let failed = store.reseal_identities(
            |_, pseudonym, sealed| {
                if resealed == CHILDREN + 10 {
                    return Err(StoreError::NotSigapStore {
                        path: PathBuf::from(pseudonym),
                        reason: "stop here".into(),
                    });
                }
                resealed += 1;
                Ok(sealed.iter().map(|b| b ^ 0xff).collect())
            },
            |_, _| {},
        );
        assert!(failed.is_err(), "{store:?}");
        assert_eq!(resealed, CHILDREN + 10, "it stopped part-way");
        assert!(
            stored(&mut store) == before,
            "{store:?} kept part of a re-seal"
        );

        // The last record in the stores' order is not sealed with the key.
        let key_text = std::fs::read_to_string(&key).expect("key");
        let (layer, last) = records().pop().expect("a record");
        write_sealed(&mut store, LayerKind::Households, &[(last, vec![7; 60])]);
        let before = stored(&mut store);
        let err = rotate_identity_key(&mut store, &key, "20261207T180000Z", |_, _| {})
            .expect_err("a record does not open");
        assert!(
            matches!(&err, RotateError::Unsealable { layer: l, .. } if l == layer),
            "{err}"
        );
        assert!(
            stored(&mut store) == before,
            "{store:?} kept part of a rotation"
        );
        assert_eq!(std::fs::read_to_string(&key).expect("key"), key_text);
        assert_eq!(folder.names(), ["city.identity.key"], "files left behind");
        assert_eq!(counts(&mut store), [CHILDREN, HOUSEHOLDS]);
    }
}

/// On PostgreSQL the re-seal holds the store-wide write lock: another session (an
/// import on another server) cannot take it until the commit.
#[test]
fn the_reseal_holds_the_write_lock_on_postgres() {
    let (stores, cluster) = stores("rotate_lock");
    let Some((cluster, name)) = cluster else {
        return;
    };
    let Some(AnyStore::Postgres(mut store)) = stores.into_iter().nth(1) else {
        unreachable!("the second store is PostgreSQL");
    };
    let mut other = postgres::Client::connect(&cluster.url(APP_ROLE, &name), postgres::NoTls)
        .expect("another session");
    let mut try_lock = || -> bool {
        let row = other
            .query_one("SELECT pg_try_advisory_lock($1)", &[&WRITE_LOCK])
            .expect("try");
        let got: bool = row.get(0);
        if got {
            other
                .execute("SELECT pg_advisory_unlock($1)", &[&WRITE_LOCK])
                .expect("unlock");
        }
        got
    };
    write_sealed(
        &mut AnyStore::Postgres(store.session().expect("session")),
        LayerKind::Children,
        &[("child000000000000001".into(), vec![1, 2, 3])],
    );
    let mut free_inside = None;
    store
        .reseal_identities::<StoreError>(
            |_, _, sealed| {
                free_inside = Some(try_lock());
                Ok(sealed.to_vec())
            },
            |_, _| {},
        )
        .expect("reseal");
    assert_eq!(
        free_inside,
        Some(false),
        "another session took the write lock"
    );
    assert!(try_lock(), "the lock is free after the commit");
}

//! Either store behind one type: the GeoPackage file ([`Store`]) or the shared
//! PostgreSQL database ([`PgStore`]), for code that runs on both (the server).
//!
//! Each method here runs the same-named method of the store underneath; the two
//! stores keep the same names and signatures (their SQL is written once, in each
//! table's module). `Store` stays its own type: the GeoPackage-only work (opening
//! read-only in WAL mode, loading households on side connections, the store file's
//! path) is not asked of a database server.

use super::pg::PgStore;
use super::{
    CaseAudit, Dataset, Db, DeliveriesWritten, PopulationSource, RembukDecisions, SavedPlan, Store,
    StoreError, StoredRoads, Visit,
};
use crate::model::{AuditRow, Delivery, MeasureTarget, Period, Population, TargetGroups, Village};
use crate::roads::RoadNetwork;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// A store of either kind, as `--db` named it.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one or two per process, each behind a mutex: boxing saves nothing"
)]
pub enum AnyStore {
    /// A GeoPackage file, or an in-memory store (the demo city, tests).
    File(Store),
    /// A session on a PostgreSQL database made by `sigap db init`.
    Postgres(PgStore),
}

impl From<Store> for AnyStore {
    fn from(store: Store) -> Self {
        AnyStore::File(store)
    }
}

impl From<PgStore> for AnyStore {
    fn from(store: PgStore) -> Self {
        AnyStore::Postgres(store)
    }
}

/// Methods that run the same-named method of either store.
macro_rules! forward {
    ($(
        $(#[$doc:meta])*
        fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {$(
        $(#[$doc])*
        pub fn $name(&mut self $(, $arg: $ty)*) -> Result<$ret, StoreError> {
            match self {
                AnyStore::File(s) => s.$name($($arg),*),
                AnyStore::Postgres(s) => s.$name($($arg),*),
            }
        }
    )*};
}

impl AnyStore {
    /// Opens the store `db` names: a GeoPackage file (created when missing) or a
    /// PostgreSQL database whose schema `sigap db init` made.
    ///
    /// # Errors
    /// The store's error when it cannot be opened or is not a sigap store.
    pub fn open(db: &Db) -> Result<AnyStore, StoreError> {
        Ok(match db {
            Db::File(path) => AnyStore::File(Store::open(path)?),
            Db::Postgres(url) => AnyStore::Postgres(PgStore::open(url)?),
        })
    }

    /// Where this store lives, to open another connection on it (an import's own);
    /// `None` for an in-memory store. A PostgreSQL URL may hold a password: never
    /// show it except through [`Db`]'s `Display`.
    #[must_use]
    pub fn db(&self) -> Option<Db> {
        match self {
            AnyStore::File(s) if s.path() == Path::new(":memory:") => None,
            AnyStore::File(s) => Some(Db::File(s.path().to_path_buf())),
            AnyStore::Postgres(s) => Some(Db::Postgres(s.url().to_owned())),
        }
    }

    /// A second connection for lookups that must not wait behind this one's writes:
    /// read-only in WAL mode for a file, another session for PostgreSQL (whose
    /// readers never wait for writers). `None` for an in-memory store, which has
    /// one connection only.
    ///
    /// # Errors
    /// The store's error when the second connection cannot be opened.
    pub fn reader(&self) -> Option<Result<AnyStore, StoreError>> {
        // Where `db` has nowhere to open a second connection on, neither has this.
        self.db()?;
        Some(match self {
            AnyStore::File(s) => Store::open_read_only(s.path()).map(AnyStore::File),
            AnyStore::Postgres(s) => s.session().map(AnyStore::Postgres),
        })
    }

    /// Opens a new session in place of a PostgreSQL session that is gone (the
    /// database restarted, the network dropped it), so a long-running server heals
    /// instead of failing every call from then on. Nothing to do for a file.
    ///
    /// # Errors
    /// The database's error when it still cannot be reached.
    pub fn revive(&mut self) -> Result<(), StoreError> {
        if let AnyStore::Postgres(s) = self
            && s.is_closed()
        {
            tracing::warn!(db = s.db(), "database session lost; opening another");
            *s = s.session()?;
        }
        Ok(())
    }

    forward! {
        /// The revision of the last committed write.
        fn revision(&mut self) -> u64;
        /// Every layer and table the analysis reads, from one committed revision.
        fn load_revision(&mut self) -> (u64, Dataset);
        /// Every recorded home visit.
        fn visits(&mut self) -> Vec<Visit>;
        /// Records a visit and the deliveries made on it in one transaction.
        fn record_visit_with(&mut self, v: &Visit, deliveries: &[Delivery]) -> (Visit, bool, usize);
        /// The known teams.
        fn teams(&mut self) -> Vec<String>;
        /// Adds a team; `false` if it was known already.
        fn add_team(&mut self, name: &str) -> bool;
        /// Replaces or adds children's team assignments and the teams they name.
        fn write_shared(&mut self, rows: &[(String, String)], teams: &[String], replace: bool) -> u64;
        /// The sealed identities of `pseudonyms` in `layer`.
        fn sealed_identities(&mut self, layer: &str, pseudonyms: &[String]) -> Vec<(String, Vec<u8>)>;
        /// One sealed identity, to tell which key opens the store.
        fn first_sealed_identity(&mut self) -> Option<(String, String, Vec<u8>)>;
        /// How many sealed identities `layer` has.
        fn identity_count(&mut self, layer: &str) -> usize;
        /// A team's saved plan for a day.
        fn plan(&mut self, team: &str, day: &str) -> Option<SavedPlan>;
        /// Every team's saved plan for a day.
        fn plans_on(&mut self, day: &str) -> Vec<SavedPlan>;
        /// Saves a team's plan for a day; `true` when a saved plan was replaced.
        fn save_plan(
            &mut self,
            team: &str,
            day: &str,
            made_by: &str,
            plan: &str,
            replace: bool
        ) -> (SavedPlan, bool);
        /// Appends a case audit.
        fn record_case_audit(&mut self, a: &CaseAudit) -> CaseAudit;
        /// The latest case audit of each child in `period`.
        fn case_audits(&mut self, period: Period) -> HashMap<String, CaseAudit>;
        /// Appends a rembuk's decisions.
        fn record_rembuk(&mut self, d: &RembukDecisions) -> RembukDecisions;
        /// Every village's latest rembuk decisions up to `until`.
        fn rembuk(&mut self, until: Option<Period>) -> BTreeMap<String, RembukDecisions>;
        /// Adds deliveries not recorded yet; always bumps the revision.
        fn write_deliveries(&mut self, rows: &[Delivery]) -> DeliveriesWritten;
        /// Adds deliveries not recorded yet; bumps the revision only when one was.
        fn add_deliveries(&mut self, rows: &[Delivery]) -> DeliveriesWritten;
        /// `(pseudonym, period)` of every stored child.
        fn child_keys(&mut self) -> HashSet<(String, Period)>;
        /// Replaces or adds children's team assignments.
        fn write_assignments(&mut self, rows: &[(String, String)], replace: bool) -> u64;
        /// Every stored village with a fingerprint of them, which a population import
        /// records (comparable within one store only).
        fn villages_fingerprinted(&mut self) -> (Vec<Village>, String);
        /// Replaces the stored population; returns the new revision.
        fn write_population(&mut self, population: &Population, source: &PopulationSource) -> u64;
        /// Stores the OpenStreetMap extract the roads were read from (the basemap's).
        fn write_osm_extract(&mut self, source: &str, pbf: &[u8]) -> ();
        /// Replaces the stored road network; returns the new revision.
        fn write_roads(&mut self, network: &RoadNetwork, source: &str, report: &str) -> u64;
        /// The stored road network, if roads were imported.
        fn roads(&mut self) -> Option<StoredRoads>;
        /// The stored villages' codes.
        fn village_codes(&mut self) -> HashSet<String>;
        /// The stored households' pseudonyms and their target groups.
        fn household_groups(&mut self) -> HashMap<String, Option<TargetGroups>>;
        /// Replaces the measurement targets, with `audit` in the same transaction.
        fn write_measure_targets_with(
            &mut self,
            rows: &[MeasureTarget],
            source: &str,
            audit: Option<&AuditRow>
        ) -> u64;
    }

    /// Re-seals every identity record in one write transaction, all or nothing
    /// ([`Store::reseal_identities`], [`PgStore::reseal_identities`]); the revision
    /// does not move.
    ///
    /// # Errors
    /// What `reseal` returned, or the store's error; nothing was changed.
    pub fn reseal_identities<E: From<StoreError>>(
        &mut self,
        reseal: impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>, E>,
        progress: impl FnMut(usize, usize),
    ) -> Result<usize, E> {
        match self {
            AnyStore::File(s) => s.reseal_identities(reseal, progress),
            AnyStore::Postgres(s) => s.reseal_identities(reseal, progress),
        }
    }
}

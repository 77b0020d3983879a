//! The store's small tables on PostgreSQL: population, assignments and teams, roads
//! and the OSM extract, the ledger, measure targets. Each method runs the same SQL
//! as [`crate::store::Store`]'s method of the same name (the free functions of each
//! table's module, through [`Pg`]), and bumps the revision where it does, inside the
//! write lock ([`PgStore::in_transaction`]).

use super::{PgStore, bump_revision};
use crate::model::{AuditRow, Delivery, MeasureTarget, Period, Population, Village};
use crate::roads::RoadNetwork;
use crate::store::sql::{Pg, SqlConn, SqlError};
use crate::store::{
    DeliveriesWritten, PopulationSource, StoreError, StoredRoads, assignments, deliveries,
    measure_targets, population, roads, teams,
};
use std::collections::HashMap;
use std::path::Path;

/// Villages and their geometry as WKB, in code order by bytes (as SQLite sorts):
/// what the population fingerprint is taken of on this store.
pub(super) const PG_VILLAGES: &str =
    r#"SELECT code, ST_AsBinary(geom) FROM villages ORDER BY code COLLATE "C""#;

impl PgStore {
    /// Runs `run` on the session through the shared SQL, outside any transaction (a
    /// read, or one statement); errors name the database (and `table` for a value
    /// sigap cannot read).
    pub(super) fn run_sql<T>(
        &mut self,
        table: &'static str,
        run: impl FnOnce(&mut dyn SqlConn) -> Result<T, SqlError>,
    ) -> Result<T, StoreError> {
        let place = Path::new(&self.db).to_owned();
        run(&mut Pg::new(&mut self.client)).map_err(|e| StoreError::of_sql(&place, table, e))
    }

    /// Runs `write` through the shared SQL in one transaction under the write lock,
    /// bumping the revision in it when `bump` says so (given what `write` returned);
    /// returns what `write` returned and the new revision if bumped.
    pub(super) fn write_sql<T>(
        &mut self,
        table: &'static str,
        write: impl FnOnce(&mut dyn SqlConn) -> Result<T, SqlError>,
        bump: impl FnOnce(&T) -> bool,
    ) -> Result<(T, Option<u64>), StoreError> {
        self.in_transaction(|tx, db| {
            let out =
                write(&mut Pg::new(tx)).map_err(|e| StoreError::of_sql(Path::new(db), table, e))?;
            let revision = if bump(&out) {
                Some(bump_revision(tx, db)?)
            } else {
                None
            };
            Ok((out, revision))
        })
    }

    /// [`PgStore::write_sql`] that always bumps the revision; returns the new one.
    fn write_sql_revision(
        &mut self,
        table: &'static str,
        write: impl FnOnce(&mut dyn SqlConn) -> Result<(), SqlError>,
    ) -> Result<u64, StoreError> {
        let ((), revision) = self.write_sql(table, write, |()| true)?;
        Ok(revision.unwrap_or_default())
    }

    /// As [`crate::store::Store::teams`].
    pub fn teams(&mut self) -> Result<Vec<String>, StoreError> {
        self.run_sql("sigap_teams", teams::teams)
    }

    /// As [`crate::store::Store::add_team`]: `false` if it was known already; the
    /// revision is not bumped.
    pub fn add_team(&mut self, name: &str) -> Result<bool, StoreError> {
        self.run_sql("sigap_teams", |c| teams::register(c, &[name]))
            .map(|n| n == 1)
    }

    /// As [`crate::store::Store::village_codes`].
    pub fn village_codes(&mut self) -> Result<std::collections::HashSet<String>, StoreError> {
        self.run_sql("villages", deliveries::village_codes)
    }

    /// As [`crate::store::Store::household_groups`].
    pub fn household_groups(
        &mut self,
    ) -> Result<HashMap<String, Option<crate::model::TargetGroups>>, StoreError> {
        self.run_sql("households", deliveries::household_groups)
    }

    /// As [`crate::store::Store::assignments`].
    pub fn assignments(&mut self) -> Result<HashMap<String, String>, StoreError> {
        self.run_sql("sigap_assignments", assignments::assignments)
    }

    /// As [`crate::store::Store::write_assignments`]; returns the new revision.
    pub fn write_assignments(
        &mut self,
        rows: &[(String, String)],
        replace: bool,
    ) -> Result<u64, StoreError> {
        self.write_shared(rows, &[], replace)
    }

    /// As [`crate::store::Store::write_shared`]; returns the new revision.
    pub fn write_shared(
        &mut self,
        rows: &[(String, String)],
        teams: &[String],
        replace: bool,
    ) -> Result<u64, StoreError> {
        self.write_sql_revision("sigap_assignments", |c| {
            assignments::write(c, rows, teams, replace)
        })
    }

    /// As [`crate::store::Store::write_roads`]; returns the new revision.
    pub fn write_roads(
        &mut self,
        network: &RoadNetwork,
        source: &str,
        report: &str,
    ) -> Result<u64, StoreError> {
        self.write_sql_revision("sigap_roads", |c| {
            roads::write_roads(c, network, source, report)
        })
    }

    /// As [`crate::store::Store::write_osm_extract`] (no revision bump).
    pub fn write_osm_extract(&mut self, source: &str, pbf: &[u8]) -> Result<(), StoreError> {
        self.write_sql(
            "sigap_osm_extract",
            |c| roads::write_osm_extract(c, source, pbf),
            |()| false,
        )
        .map(|((), _)| ())
    }

    /// As [`crate::store::Store::osm_extract`].
    pub fn osm_extract(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        self.run_sql("sigap_osm_extract", roads::osm_extract)
    }

    /// As [`crate::store::Store::roads`].
    pub fn roads(&mut self) -> Result<Option<StoredRoads>, StoreError> {
        self.run_sql("sigap_roads", roads::roads)
    }

    /// As [`crate::store::Store::write_deliveries`]: always bumps the revision.
    pub fn write_deliveries(&mut self, rows: &[Delivery]) -> Result<DeliveriesWritten, StoreError> {
        let (added, revision) = self.write_sql(
            "sigap_deliveries",
            |c| deliveries::insert(c, rows),
            |_| true,
        )?;
        Ok(DeliveriesWritten {
            added,
            present: rows.len() - added,
            revision: revision.unwrap_or_default(),
        })
    }

    /// As [`crate::store::Store::add_deliveries`]: bumps the revision only when a row
    /// was added.
    pub fn add_deliveries(&mut self, rows: &[Delivery]) -> Result<DeliveriesWritten, StoreError> {
        let (added, revision) = self.write_sql(
            "sigap_deliveries",
            |c| deliveries::insert(c, rows),
            |added| *added > 0,
        )?;
        Ok(DeliveriesWritten {
            added,
            present: rows.len() - added,
            revision: match revision {
                Some(r) => r,
                None => self.revision()?,
            },
        })
    }

    /// As [`crate::store::Store::deliveries`].
    pub fn deliveries(&mut self, period: Option<Period>) -> Result<Vec<Delivery>, StoreError> {
        self.run_sql("sigap_deliveries", |c| deliveries::deliveries(c, period))
    }

    /// As [`crate::store::Store::write_measure_targets_with`]; returns the new
    /// revision.
    pub fn write_measure_targets_with(
        &mut self,
        rows: &[MeasureTarget],
        source: &str,
        audit: Option<&AuditRow>,
    ) -> Result<u64, StoreError> {
        self.write_sql_revision("sigap_measure_targets", |c| {
            measure_targets::write(c, rows, source, audit)
        })
    }

    /// As [`crate::store::Store::write_measure_targets`].
    pub fn write_measure_targets(
        &mut self,
        rows: &[MeasureTarget],
        source: &str,
    ) -> Result<u64, StoreError> {
        self.write_measure_targets_with(rows, source, None)
    }

    /// As [`crate::store::Store::measure_targets`].
    pub fn measure_targets(&mut self) -> Result<Vec<MeasureTarget>, StoreError> {
        self.run_sql("sigap_measure_targets", measure_targets::read)
    }

    /// The fingerprint of the stored villages a population import records (SHA-256
    /// over each code and geometry as WKB, in code order); compare with
    /// [`crate::store::Store::villages_fingerprinted`], whose bytes are GeoPackage's.
    pub fn villages_sha256(&mut self) -> Result<String, StoreError> {
        self.run_sql("villages", |c| population::villages_sha256(c, PG_VILLAGES))
    }

    /// As [`crate::store::Store::villages_fingerprinted`]: every stored village with
    /// [`PgStore::villages_sha256`], read in one snapshot.
    pub fn villages_fingerprinted(&mut self) -> Result<(Vec<Village>, String), StoreError> {
        self.in_one_read(|tx, db| {
            let fingerprint = population::villages_sha256(&mut Pg::new(tx), PG_VILLAGES)
                .map_err(|e| StoreError::of_sql(Path::new(db), "villages", e))?;
            Ok((super::layers::read_villages(tx, db, true)?, fingerprint))
        })
        .map(|(_, read)| read)
    }

    /// As [`crate::store::Store::write_population`]; returns the new revision.
    pub fn write_population(
        &mut self,
        population: &Population,
        source: &PopulationSource,
    ) -> Result<u64, StoreError> {
        self.write_sql_revision("population_source", |c| {
            population::write(c, population, source)
        })
    }

    /// As [`crate::store::Store::population`].
    pub fn population(&mut self) -> Result<Option<Population>, StoreError> {
        let place = Path::new(&self.db).to_owned();
        self.run_sql("population_source", |c| {
            population::read(c, PG_VILLAGES, &place)
        })
    }
}

//! The road network: one row of `sigap_roads` holding the imported network (see
//! `roads::codec`), where it came from and the import report. A new import replaces
//! it in one transaction and bumps the revision, so a server rebuilds travel times.
//! `sigap_osm_extract` keeps the OpenStreetMap file itself (its bytes), which the
//! basemap is drawn from (water, land use, street names, places). The SQL runs on
//! both stores ([`super::sql`]): a BLOB on SQLite, a bytea on PostgreSQL.

use super::sql::{self, SqlConn, SqlError, params};
use super::{Store, StoreError};
use crate::roads::RoadNetwork;

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_roads (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  report TEXT NOT NULL,
  network BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sigap_osm_extract (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  source TEXT NOT NULL,
  pbf BLOB NOT NULL
)";

/// The stored network with its origin.
#[derive(Debug, Clone)]
pub struct StoredRoads {
    pub network: RoadNetwork,
    /// The file name it was imported from.
    pub source: String,
    pub imported_at: String,
    /// The import report (JSON).
    pub report: String,
}

/// Replaces the one row of `sigap_roads` (inside a write transaction), imported now.
pub(crate) fn write_roads(
    c: &mut dyn SqlConn,
    network: &RoadNetwork,
    source: &str,
    report: &str,
) -> Result<(), SqlError> {
    c.execute(
        "INSERT INTO sigap_roads (id, source, imported_at, report, network)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET source = excluded.source,
           imported_at = excluded.imported_at, report = excluded.report,
           network = excluded.network",
        params![
            source,
            sql::utc_now(sql::SECONDS),
            report,
            network.to_bytes()
        ],
    )?;
    Ok(())
}

/// Replaces the one row of `sigap_osm_extract`.
pub(crate) fn write_osm_extract(
    c: &mut dyn SqlConn,
    source: &str,
    pbf: &[u8],
) -> Result<(), SqlError> {
    c.execute(
        "INSERT INTO sigap_osm_extract (id, source, pbf) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET source = excluded.source, pbf = excluded.pbf",
        params![source, pbf],
    )?;
    Ok(())
}

/// The stored OpenStreetMap extract's bytes, if one was imported.
pub(crate) fn osm_extract(c: &mut dyn SqlConn) -> Result<Option<Vec<u8>>, SqlError> {
    c.query_opt("SELECT pbf FROM sigap_osm_extract WHERE id = 1", &[])?
        .map(|r| r.get(0))
        .transpose()
}

/// The stored road network, if one was imported.
pub(crate) fn roads(c: &mut dyn SqlConn) -> Result<Option<StoredRoads>, SqlError> {
    let Some(row) = c.query_opt(
        "SELECT source, imported_at, report, network FROM sigap_roads WHERE id = 1",
        &[],
    )?
    else {
        return Ok(None);
    };
    let bytes: Vec<u8> = row.get(3)?;
    let network = RoadNetwork::from_bytes(&bytes).map_err(|reason| SqlError::Corrupt {
        table: "sigap_roads",
        fid: 1,
        reason,
    })?;
    Ok(Some(StoredRoads {
        network,
        source: row.get(0)?,
        imported_at: row.get(1)?,
        report: row.get(2)?,
    }))
}

impl Store {
    /// Replaces the road network, bumps the revision and returns it.
    pub fn write_roads(
        &mut self,
        network: &RoadNetwork,
        source: &str,
        report: &str,
    ) -> Result<u64, StoreError> {
        self.write_sql_revision("sigap_roads", |c| write_roads(c, network, source, report))
    }

    /// Keeps the OpenStreetMap extract (`.osm.pbf` bytes) the roads come from, for
    /// the basemap. Call it before [`Store::write_roads`], whose revision bump makes
    /// a server redraw.
    pub fn write_osm_extract(&mut self, source: &str, pbf: &[u8]) -> Result<(), StoreError> {
        self.run_sql("sigap_osm_extract", |c| write_osm_extract(c, source, pbf))
    }

    /// The stored OpenStreetMap extract's bytes, if one was imported.
    pub fn osm_extract(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.run_sql("sigap_osm_extract", osm_extract)
    }

    /// The stored road network, if one was imported.
    pub fn roads(&self) -> Result<Option<StoredRoads>, StoreError> {
        self.run_sql("sigap_roads", roads)
    }
}

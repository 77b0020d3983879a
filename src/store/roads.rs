//! The road network: one row of `sigap_roads` holding the imported network (see
//! `roads::codec`), where it came from and the import report. A new import replaces
//! it in one transaction and bumps the revision, so a server rebuilds travel times.
//! `sigap_osm_extract` keeps the OpenStreetMap file itself (its bytes), which the
//! basemap is drawn from (water, land use, street names, places).

use super::{Store, StoreError};
use crate::roads::RoadNetwork;
use rusqlite::{OptionalExtension, params};

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

impl Store {
    /// Replaces the road network, bumps the revision and returns it.
    pub fn write_roads(
        &mut self,
        network: &RoadNetwork,
        source: &str,
        report: &str,
    ) -> Result<u64, StoreError> {
        self.write_revision(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO sigap_roads (id, source, report, network) \
                 VALUES (1, ?1, ?2, ?3)",
                params![source, report, network.to_bytes()],
            )
            .map(|_| ())
        })
    }

    /// Keeps the OpenStreetMap extract (`.osm.pbf` bytes) the roads come from, for
    /// the basemap. Call it before [`Store::write_roads`], whose revision bump makes
    /// a server redraw.
    pub fn write_osm_extract(&mut self, source: &str, pbf: &[u8]) -> Result<(), StoreError> {
        self.sql(self.conn.execute(
            "INSERT OR REPLACE INTO sigap_osm_extract (id, source, pbf) VALUES (1, ?1, ?2)",
            params![source, pbf],
        ))?;
        Ok(())
    }

    /// The stored OpenStreetMap extract's bytes, if one was imported.
    pub fn osm_extract(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.sql(
            self.conn
                .query_row("SELECT pbf FROM sigap_osm_extract WHERE id = 1", [], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
                .optional(),
        )
    }

    /// The stored road network, if one was imported.
    pub fn roads(&self) -> Result<Option<StoredRoads>, StoreError> {
        let row = self.sql(
            self.conn
                .query_row(
                    "SELECT source, imported_at, report, network FROM sigap_roads WHERE id = 1",
                    [],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, Vec<u8>>(3)?,
                        ))
                    },
                )
                .optional(),
        )?;
        let Some((source, imported_at, report, bytes)) = row else {
            return Ok(None);
        };
        let network = RoadNetwork::from_bytes(&bytes).map_err(|reason| StoreError::Corrupt {
            path: self.path.clone(),
            table: "sigap_roads",
            fid: 1,
            reason,
        })?;
        Ok(Some(StoredRoads {
            network,
            source,
            imported_at,
            report,
        }))
    }
}

//! Population sums in the store: three attribute tables, written by one import.
//!
//! `population_cells(res, h3, value)` and `population_villages(code, value)` hold
//! what a raster summed to per H3 cell (resolutions 5-10) and per village;
//! `population_source` holds one row describing the import (file, band, CRS, totals)
//! and a SHA-256 fingerprint of the villages it was summed into. The tables are
//! GeoPackage `attributes` (QGIS opens them as tables), created by the first
//! population import, so stores made before it need no migration. A new import
//! replaces the old one whole, in one transaction that also bumps the revision.
//!
//! Village sums are only right for the boundaries they were computed with: when the
//! villages are replaced afterwards, the fingerprint no longer matches and
//! [`Store::population`] leaves the village sums out (and says so in the log) until
//! the raster is imported again. Cell sums do not depend on villages and stay.

use super::{Store, StoreError};
use crate::model::{Population, PopulationTotals, Village};
use h3o::CellIndex;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The tables, created on the first population import.
const CREATE: &str = r"
CREATE TABLE IF NOT EXISTS population_cells (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  res INTEGER NOT NULL,
  h3 TEXT NOT NULL UNIQUE,
  value REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS population_villages (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  code TEXT NOT NULL UNIQUE,
  value REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS population_source (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  file TEXT NOT NULL,
  band INTEGER NOT NULL,
  crs TEXT NOT NULL,
  total REAL NOT NULL,
  outside REAL NOT NULL,
  beyond REAL NOT NULL,
  villages_sha256 TEXT NOT NULL,
  imported_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) VALUES
 ('population_cells', 'attributes', 'population_cells',
  'population raster summed per H3 cell (resolutions 5-10), area-weighted'),
 ('population_villages', 'attributes', 'population_villages',
  'population raster summed per village, area-weighted'),
 ('population_source', 'attributes', 'population_source',
  'the population raster imported: file, band, CRS, totals');
";

/// Where a population import came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationSource {
    /// The raster file as given on the command line.
    pub file: String,
    /// The band read, from 1.
    pub band: usize,
    /// The CRS its pixels were read in (`EPSG:NNNN` or WKT).
    pub crs: String,
    /// [`Store::villages_fingerprinted`]'s fingerprint of the villages summed into.
    pub villages_sha256: String,
}

impl Store {
    /// Every stored village with a fingerprint of the villages table (SHA-256 over
    /// each code and stored geometry, in code order).
    pub fn villages_fingerprinted(&self) -> Result<(Vec<Village>, String), StoreError> {
        Ok((self.villages()?, self.villages_sha256()?))
    }

    fn villages_sha256(&self) -> Result<String, StoreError> {
        let mut stmt = self.sql(
            self.conn
                .prepare("SELECT code, geom FROM villages ORDER BY code"),
        )?;
        let mut rows = self.sql(stmt.query([]))?;
        let mut hash = Sha256::new();
        while let Some(row) = self.sql(rows.next())? {
            let code: String = self.sql(row.get(0))?;
            let geom: Vec<u8> = self.sql(row.get(1))?;
            for part in [code.as_bytes(), &geom] {
                hash.update((part.len() as u64).to_le_bytes());
                hash.update(part);
            }
        }
        Ok(hex::encode(hash.finalize()))
    }

    /// Replaces the stored population with `population` in ONE transaction and bumps
    /// the revision in it; returns the new revision. On any error nothing changes.
    pub fn write_population(
        &mut self,
        population: &Population,
        source: &PopulationSource,
    ) -> Result<u64, StoreError> {
        let revision = self.write_revision(|tx| {
            tx.execute_batch(CREATE)?;
            tx.execute_batch(
                "DELETE FROM population_cells; DELETE FROM population_villages; \
                 DELETE FROM population_source;",
            )?;
            let mut cells =
                tx.prepare("INSERT INTO population_cells (res, h3, value) VALUES (?1, ?2, ?3)")?;
            let mut sorted: Vec<(&CellIndex, &f64)> = population.cells.iter().collect();
            sorted.sort_unstable_by_key(|(c, _)| (c.resolution(), **c));
            for (cell, value) in sorted {
                let res = u8::from(cell.resolution());
                cells.execute(params![res, cell.to_string(), value])?;
            }
            let mut villages =
                tx.prepare("INSERT INTO population_villages (code, value) VALUES (?1, ?2)")?;
            let mut sorted: Vec<(&String, &f64)> = population.villages.iter().collect();
            sorted.sort_unstable_by_key(|(code, _)| *code);
            for (code, value) in sorted {
                villages.execute(params![code, value])?;
            }
            let t = &population.totals;
            tx.execute(
                "INSERT INTO population_source (file, band, crs, total, outside, beyond, \
                 villages_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    source.file,
                    source.band as i64,
                    source.crs,
                    t.total,
                    t.outside,
                    t.beyond,
                    source.villages_sha256
                ],
            )?;
            tx.execute(
                "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 WHERE table_name LIKE 'population_%'",
                [],
            )?;
            Ok(())
        })?;
        tracing::debug!(
            cells = population.cells.len(),
            villages = population.villages.len(),
            revision,
            "population written"
        );
        Ok(revision)
    }

    /// The stored population, `None` when none was imported. Village sums are left
    /// out (with a warning) when the villages changed since the import.
    pub fn population(&self) -> Result<Option<Population>, StoreError> {
        let exists: i64 = self.sql(self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'population_source'",
            [],
            |r| r.get(0),
        ))?;
        if exists == 0 {
            return Ok(None);
        }
        let source = self.sql(
            self.conn
                .query_row(
                    "SELECT total, outside, beyond, villages_sha256 FROM population_source",
                    [],
                    |r| {
                        let totals = PopulationTotals {
                            total: r.get(0)?,
                            outside: r.get(1)?,
                            beyond: r.get(2)?,
                        };
                        Ok((totals, r.get::<_, String>(3)?))
                    },
                )
                .optional(),
        )?;
        let Some((totals, fingerprint)) = source else {
            return Ok(None);
        };
        let mut cells = HashMap::new();
        let mut stmt = self.sql(
            self.conn
                .prepare("SELECT fid, h3, value FROM population_cells"),
        )?;
        let mut rows = self.sql(stmt.query([]))?;
        while let Some(row) = self.sql(rows.next())? {
            let (fid, h3, value): (i64, String, f64) =
                self.sql((|| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))())?;
            let cell = h3.parse::<CellIndex>().map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                table: "population_cells",
                fid,
                reason: format!("h3 `{h3}` is not an H3 cell: {e}"),
            })?;
            cells.insert(cell, value);
        }
        let villages = if fingerprint == self.villages_sha256()? {
            let mut stmt = self.sql(
                self.conn
                    .prepare("SELECT code, value FROM population_villages"),
            )?;
            let rows = self.sql(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))))?;
            self.sql(rows.collect::<rusqlite::Result<HashMap<String, f64>>>())?
        } else {
            tracing::warn!(
                path = %self.path.display(),
                "the villages changed since the population raster was imported; village \
                 population is left out until it is imported again"
            );
            HashMap::new()
        };
        Ok(Some(Population {
            cells,
            villages,
            totals,
        }))
    }
}

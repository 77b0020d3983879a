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
//!
//! The rows are written and read with the same SQL on both stores ([`super::sql`]);
//! on SQLite the tables are made on the first import and listed in `gpkg_contents`,
//! on PostgreSQL they are part of the schema.

use super::sql::{self, SqlConn, SqlError, params};
use super::{Store, StoreError};
use crate::model::{Population, PopulationTotals, Village};
use h3o::CellIndex;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The tables, created on the first population import (SQLite).
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

/// Villages and their stored geometry, in code order, as SQLite keeps them
/// (GeoPackage blobs): what the fingerprint is taken of.
const SQLITE_VILLAGES: &str = "SELECT code, geom FROM villages ORDER BY code";

/// SHA-256 over each village's code and geometry bytes as `villages` (a query of
/// `(code, bytes)` in code order) gives them, in hex.
pub(crate) fn villages_sha256(c: &mut dyn SqlConn, villages: &str) -> Result<String, SqlError> {
    let mut hash = Sha256::new();
    for row in c.query(villages, &[])? {
        let code: String = row.get(0)?;
        let geom: Vec<u8> = row.get(1)?;
        for part in [code.as_bytes(), &geom] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
    }
    Ok(hex::encode(hash.finalize()))
}

/// Replaces the stored population with `population` inside a write transaction.
pub(crate) fn write(
    c: &mut dyn SqlConn,
    population: &Population,
    source: &PopulationSource,
) -> Result<(), SqlError> {
    for table in [
        "population_cells",
        "population_villages",
        "population_source",
    ] {
        c.execute(&format!("DELETE FROM {table}"), &[])?;
    }
    let mut sorted: Vec<(&CellIndex, &f64)> = population.cells.iter().collect();
    sorted.sort_unstable_by_key(|(c, _)| (c.resolution(), **c));
    for (cell, value) in sorted {
        let res = i64::from(u8::from(cell.resolution()));
        c.execute(
            "INSERT INTO population_cells (res, h3, value) VALUES (?1, ?2, ?3)",
            params![res, cell.to_string(), *value],
        )?;
    }
    let mut sorted: Vec<(&String, &f64)> = population.villages.iter().collect();
    sorted.sort_unstable_by_key(|(code, _)| *code);
    for (code, value) in sorted {
        c.execute(
            "INSERT INTO population_villages (code, value) VALUES (?1, ?2)",
            params![code, *value],
        )?;
    }
    let t = &population.totals;
    c.execute(
        "INSERT INTO population_source (file, band, crs, total, outside, beyond, \
         villages_sha256, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            &source.file,
            source.band,
            &source.crs,
            t.total,
            t.outside,
            t.beyond,
            &source.villages_sha256,
            sql::utc_now(sql::MILLISECONDS)
        ],
    )?;
    Ok(())
}

/// The stored population, `None` when none was imported. `villages` is the query
/// the fingerprint is taken of (see [`villages_sha256`]); when the villages changed
/// since the import, their sums are left out with a warning naming `place`.
pub(crate) fn read(
    c: &mut dyn SqlConn,
    villages: &str,
    place: &Path,
) -> Result<Option<Population>, SqlError> {
    let Some(source) = c.query_opt(
        "SELECT total, outside, beyond, villages_sha256 FROM population_source",
        &[],
    )?
    else {
        return Ok(None);
    };
    let totals = PopulationTotals {
        total: source.get(0)?,
        outside: source.get(1)?,
        beyond: source.get(2)?,
    };
    let fingerprint: String = source.get(3)?;
    let mut cells = HashMap::new();
    for row in c.query("SELECT fid, h3, value FROM population_cells", &[])? {
        let h3: String = row.get(1)?;
        let cell = h3.parse::<CellIndex>().map_err(|e| SqlError::Corrupt {
            table: "population_cells",
            fid: row.get::<i64>(0).unwrap_or_default(),
            reason: format!("h3 `{h3}` is not an H3 cell: {e}"),
        })?;
        cells.insert(cell, row.get(2)?);
    }
    let villages = if fingerprint == villages_sha256(c, villages)? {
        c.query("SELECT code, value FROM population_villages", &[])?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<Result<HashMap<String, f64>, SqlError>>()?
    } else {
        tracing::warn!(
            store = %place.display(),
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

impl Store {
    /// Every stored village with a fingerprint of the villages table (SHA-256 over
    /// each code and stored geometry, in code order).
    pub fn villages_fingerprinted(&self) -> Result<(Vec<Village>, String), StoreError> {
        let fingerprint = self.run_sql("villages", |c| villages_sha256(c, SQLITE_VILLAGES))?;
        Ok((self.villages()?, fingerprint))
    }

    /// Replaces the stored population with `population` in ONE transaction and bumps
    /// the revision in it; returns the new revision. On any error nothing changes.
    pub fn write_population(
        &mut self,
        population: &Population,
        source: &PopulationSource,
    ) -> Result<u64, StoreError> {
        let revision = self.in_transaction(|tx, path| {
            let sqlite = super::sqlite_error(path);
            tx.execute_batch(CREATE).map_err(&sqlite)?;
            write(&mut sql::Lite(tx), population, source)
                .map_err(|e| StoreError::of_sql(path, "population_source", e))?;
            tx.execute(
                "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 WHERE table_name LIKE 'population_%'",
                [],
            )
            .map_err(&sqlite)?;
            super::schema::bump_revision(tx, path)
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
        self.run_sql("population_source", |c| {
            read(c, SQLITE_VILLAGES, &self.path)
        })
    }
}

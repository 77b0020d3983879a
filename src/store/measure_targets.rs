//! Measurement targets: `sigap_measure_targets`, how many children under five each
//! village should have measured, for one round or for every round.
//!
//! An import replaces the whole table in one transaction (a new file is the new
//! list), and bumps the revision so the server recomputes the coverage. Without rows
//! the population raster gives the targets. The SQL runs on both stores
//! ([`super::sql`]).

use super::sql::{self, SqlConn, SqlError, params};
use super::{Store, StoreError};
use crate::model::{AuditRow, MeasureTarget};

/// The table, created when a store is opened. `period` is `''` for every round.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_measure_targets (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  period TEXT NOT NULL DEFAULT '',
  target REAL NOT NULL CHECK (target >= 0),
  source TEXT NOT NULL,
  UNIQUE (code, period)
)";

/// Replaces the measurement targets with `rows` inside a write transaction, and
/// appends `audit` to the audit log in it; `source` names the file.
pub(crate) fn write(
    c: &mut dyn SqlConn,
    rows: &[MeasureTarget],
    source: &str,
    audit: Option<&AuditRow>,
) -> Result<(), SqlError> {
    c.execute("DELETE FROM sigap_measure_targets", &[])?;
    for t in rows {
        let period = t.period.map(|p| p.to_string()).unwrap_or_default();
        c.execute(
            "INSERT INTO sigap_measure_targets (code, period, target, source) \
             VALUES (?1, ?2, ?3, ?4)",
            params![&t.code, period, t.target, source],
        )?;
    }
    match audit {
        Some(row) => super::insert_audit(c, row),
        None => Ok(()),
    }
}

/// The stored measurement targets, in code and period order.
pub(crate) fn read(c: &mut dyn SqlConn) -> Result<Vec<MeasureTarget>, SqlError> {
    let rows = c.query(
        "SELECT id, code, period, target FROM sigap_measure_targets ORDER BY code, period",
        &[],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let period: String = r.get(2)?;
        let period = if period.is_empty() {
            None
        } else {
            Some(period.parse().map_err(|_| SqlError::Corrupt {
                table: "sigap_measure_targets",
                fid: r.get::<i64>(0).unwrap_or_default(),
                reason: format!("period {period:?}"),
            })?)
        };
        out.push(MeasureTarget {
            code: r.get(1)?,
            period,
            target: r.get(3)?,
        });
    }
    Ok(out)
}

impl Store {
    /// Replaces the measurement targets with `rows` in one transaction (all or
    /// nothing) and bumps the revision; `source` names the file. Returns the revision.
    pub fn write_measure_targets(
        &mut self,
        rows: &[MeasureTarget],
        source: &str,
    ) -> Result<u64, StoreError> {
        self.write_measure_targets_with(rows, source, None)
    }

    /// [`Store::write_measure_targets`] with `audit` appended to the audit log in the
    /// same transaction: both committed, or neither.
    pub fn write_measure_targets_with(
        &mut self,
        rows: &[MeasureTarget],
        source: &str,
        audit: Option<&AuditRow>,
    ) -> Result<u64, StoreError> {
        self.in_transaction(|tx, path| {
            tx.execute_batch(CREATE)
                .map_err(super::sqlite_error(path))?;
            write(&mut sql::Lite(tx), rows, source, audit)
                .map_err(|e| StoreError::of_sql(path, "sigap_measure_targets", e))?;
            super::schema::bump_revision(tx, path)
        })
    }

    /// The stored measurement targets, in code and period order (none on a store
    /// made before the table existed).
    pub fn measure_targets(&self) -> Result<Vec<MeasureTarget>, StoreError> {
        let exists: i64 = self.sql(self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
             AND name = 'sigap_measure_targets'",
            [],
            |r| r.get(0),
        ))?;
        if exists == 0 {
            return Ok(Vec::new());
        }
        self.run_sql("sigap_measure_targets", read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(code: &str, period: Option<&str>, target: f64) -> MeasureTarget {
        MeasureTarget {
            code: code.to_owned(),
            period: period.map(|p| p.parse().expect("period")),
            target,
        }
    }

    #[test]
    fn an_import_replaces_the_targets_and_bumps_the_revision() {
        let mut store = Store::open_in_memory().expect("store");
        assert!(store.measure_targets().expect("none").is_empty());
        let first = [
            target("7471011002", Some("2026-08"), 80.0),
            target("7471011002", None, 75.5),
            target("7471011001", None, 120.0),
        ];
        let r1 = store.write_measure_targets(&first, "a.csv").expect("write");
        let mut want = first.to_vec();
        want.sort_by(|a, b| (&a.code, a.period).cmp(&(&b.code, b.period)));
        assert_eq!(store.measure_targets().expect("read"), want);
        let second = [target("7471011003", None, 10.0)];
        let r2 = store
            .write_measure_targets(&second, "b.csv")
            .expect("write");
        assert!(r2 > r1);
        assert_eq!(store.measure_targets().expect("read"), second);
        // A negative target never reaches the table: the whole write is undone.
        let bad = [
            target("7471011004", None, 1.0),
            target("7471011005", None, -1.0),
        ];
        assert!(store.write_measure_targets(&bad, "c.csv").is_err());
        assert_eq!(store.measure_targets().expect("read"), second);
        assert_eq!(store.revision().expect("revision"), r2);
    }
}

//! Measurement targets: `sigap_measure_targets`, how many children under five each
//! village should have measured, for one round or for every round.
//!
//! An import replaces the whole table in one transaction (a new file is the new
//! list), and bumps the revision so the server recomputes the coverage. Without rows
//! the population raster gives the targets.

use super::{Store, StoreError};
use crate::model::{AuditRow, MeasureTarget};
use rusqlite::params;

/// The table, created when a store is opened. `period` is `''` for every round.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_measure_targets (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  period TEXT NOT NULL DEFAULT '',
  target REAL NOT NULL CHECK (target >= 0),
  source TEXT NOT NULL,
  UNIQUE (code, period)
)";

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
        self.write_revision(|tx| {
            tx.execute_batch(CREATE)?;
            tx.execute("DELETE FROM sigap_measure_targets", [])?;
            let mut st = tx.prepare(
                "INSERT INTO sigap_measure_targets (code, period, target, source) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for t in rows {
                let period = t.period.map(|p| p.to_string()).unwrap_or_default();
                st.execute(params![t.code, period, t.target, source])?;
            }
            match audit {
                Some(row) => super::insert_audit(&mut super::sql::Lite(tx), row)
                    .map_err(super::sql::into_sqlite),
                None => Ok(()),
            }
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
        let mut st = self.sql(self.conn.prepare(
            "SELECT id, code, period, target FROM sigap_measure_targets ORDER BY code, period",
        ))?;
        let rows = self.sql(st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, f64>(3)?,
            ))
        }))?;
        let mut out = Vec::new();
        for row in rows {
            let (fid, code, period, target) = self.sql(row)?;
            let period = if period.is_empty() {
                None
            } else {
                Some(period.parse().map_err(|_| StoreError::Corrupt {
                    path: self.path.clone(),
                    table: "sigap_measure_targets",
                    fid,
                    reason: format!("period {period:?}"),
                })?)
            };
            out.push(MeasureTarget {
                code,
                period,
                target,
            });
        }
        Ok(out)
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

//! Children per measurement period: one row per child and period.
//!
//! A store made before periods allowed one row per pseudonym; [`Store::open`] adds
//! the `period` column (filled from the measurement month, see
//! `schema::ADDED_COLUMNS`) and then rebuilds the table here without the old
//! `UNIQUE` on the pseudonym, keeping `(pseudonym, period)` unique instead.

use super::{Store, StoreError, schema};
use crate::model::Period;
use rusqlite::TransactionBehavior;
use std::collections::HashSet;

/// The old children table's pseudonym column, as created before periods.
const OLD_UNIQUE: &str = "pseudonym TEXT NOT NULL UNIQUE";
/// The children table's DDL as SQLite keeps it.
const CHILDREN_DDL: &str =
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'children'";

impl Store {
    /// Rebuilds a pre-period children table so a child can have one row per period
    /// (a no-op on a store that already allows it). One transaction; the rows, their
    /// fids and every other column are kept.
    pub(super) fn allow_one_row_per_period(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let ddl: String = self
            .conn
            .query_row(CHILDREN_DDL, [], |r| r.get(0))
            .map_err(sql)?;
        let indexed: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' \
                 AND name = 'children_pseudonym_period'",
                [],
                |r| r.get(0),
            )
            .map_err(sql)?;
        // Opening a current store takes no write lock (an import may hold it).
        if indexed > 0 && !ddl.contains(OLD_UNIQUE) {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        // Read again under the lock: another process may have migrated meanwhile.
        let ddl: String = tx.query_row(CHILDREN_DDL, [], |r| r.get(0)).map_err(sql)?;
        if ddl.contains(OLD_UNIQUE) {
            // The stored DDL (with columns added since) names the table once, first.
            let rebuilt = ddl
                .replacen(OLD_UNIQUE, "pseudonym TEXT NOT NULL", 1)
                .replacen("children", "children_rebuilt", 1);
            tx.execute_batch(&format!(
                "{rebuilt};
                 INSERT INTO children_rebuilt SELECT * FROM children;
                 DROP TABLE children;
                 ALTER TABLE children_rebuilt RENAME TO children;"
            ))
            .map_err(sql)?;
            tracing::info!(path = %path.display(), "store: children may now have one row per period");
        }
        tx.execute_batch(schema::CHILD_PERIOD_INDEX).map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// The stored children as `(pseudonym, period)` pairs.
    pub fn child_keys(&self) -> Result<HashSet<(String, Period)>, StoreError> {
        let mut stmt = self.sql(self.conn.prepare(
            "SELECT pseudonym, coalesce(period, substr(measure_date, 1, 7)) FROM children",
        ))?;
        let rows =
            self.sql(stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))))?;
        let mut out = HashSet::new();
        for row in rows {
            let (id, period) = self.sql(row)?;
            // A period that does not parse is reported by `load`; here it cannot
            // collide with a valid one.
            if let Ok(p) = period.parse() {
                out.insert((id, p));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    /// A children table as stores made before periods had it.
    const OLD_CHILDREN: &str = "DROP INDEX children_pseudonym_period; DROP TABLE children;
        CREATE TABLE children (
          fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
          geom POINT NOT NULL,
          pseudonym TEXT NOT NULL UNIQUE,
          sex TEXT NOT NULL,
          birth_date DATE NOT NULL,
          measure_date DATE NOT NULL,
          height_cm REAL NOT NULL,
          haz REAL NOT NULL
        );
        INSERT INTO children (geom, pseudonym, sex, birth_date, measure_date, height_cm, haz)
        VALUES (x'', 'a', 'M', '2024-01-05', '2026-02-20', 80.0, -1.0),
               (x'', 'b', 'F', '2024-03-05', '2026-03-02', 75.0, -2.5);";

    #[test]
    fn old_stores_get_periods_from_the_measurement_month_and_allow_a_second_round() {
        let dir = std::env::temp_dir().join(format!("sigap-periods-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("old.gpkg");
        let _ = std::fs::remove_file(&path);
        drop(Store::open(&path).expect("new store"));
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.execute_batch(OLD_CHILDREN).expect("old table");
        drop(conn);

        let store = Store::open(&path).expect("migrated");
        let keys = store.child_keys().expect("keys");
        let mut keys: Vec<String> = keys.iter().map(|(id, p)| format!("{id} {p}")).collect();
        keys.sort();
        assert_eq!(keys, ["a 2026-02", "b 2026-03"]);
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        // The same child in another period is allowed, twice in one period is not.
        let insert = "INSERT INTO children (geom, pseudonym, sex, birth_date, measure_date, \
                      height_cm, haz, period) VALUES (x'', 'a', 'M', '2024-01-05', \
                      '2026-08-20', 85.0, -1.0, ?1)";
        conn.execute(insert, ["2026-08"]).expect("second period");
        assert!(
            conn.execute(insert, ["2026-08"]).is_err(),
            "duplicate period"
        );
        drop(conn);
        // Opening again changes nothing.
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.child_keys().expect("keys").len(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

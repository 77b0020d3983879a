//! The teams (OPDs or TPK teams) a store knows: `sigap_teams`, added by an admin
//! (`sigap team add`, `POST /api/admin/teams`) or by writing assignments (the teams
//! file of `sigap assign`, the team column of `sigap import assignments`). A field
//! officer's account names one of them.

use super::{Store, StoreError};
use rusqlite::params;

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_teams (
  name TEXT NOT NULL PRIMARY KEY,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
)";

/// Registers the teams of `names` not yet known (inside a write transaction).
pub(super) fn register(tx: &rusqlite::Connection, names: &[&str]) -> rusqlite::Result<()> {
    let mut st = tx.prepare("INSERT OR IGNORE INTO sigap_teams (name) VALUES (?1)")?;
    for n in names {
        st.execute(params![n])?;
    }
    Ok(())
}

impl Store {
    /// Every known team, sorted: the registered ones and any team an assignment names
    /// (a store written before teams were registered).
    pub fn teams(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self.sql(self.conn.prepare(
            "SELECT name FROM sigap_teams UNION SELECT DISTINCT team FROM sigap_assignments \
             ORDER BY 1",
        ))?;
        let rows = self.sql(st.query_map([], |r| r.get(0)))?;
        rows.map(|r| self.sql(r)).collect()
    }

    /// Registers a team; `false` if it was known already. The revision is not bumped:
    /// a team without children changes no map.
    pub fn add_team(&mut self, name: &str) -> Result<bool, StoreError> {
        let n = self.sql(self.conn.execute(
            "INSERT OR IGNORE INTO sigap_teams (name) VALUES (?1)",
            [name],
        ))?;
        Ok(n == 1)
    }
}

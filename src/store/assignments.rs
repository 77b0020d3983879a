//! Which team (OPD or TPK) visits which child: `sigap_assignments`, keyed by the
//! child's pseudonym (one team per child, across periods). Field officers see the
//! children of their team; `sigap assign` and the admin page write it
//! ([`crate::teams::share`]).

use super::{Store, StoreError};
use rusqlite::params;
use std::collections::HashMap;

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_assignments (
  pseudonym TEXT NOT NULL PRIMARY KEY,
  team TEXT NOT NULL
)";

impl Store {
    /// Every child's team, by pseudonym.
    pub fn assignments(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut st = self.sql(
            self.conn
                .prepare("SELECT pseudonym, team FROM sigap_assignments"),
        )?;
        let rows = self.sql(st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))))?;
        rows.map(|r| self.sql(r)).collect()
    }

    /// Writes `(pseudonym, team)` rows in one transaction (replacing every earlier
    /// assignment with `replace`, else adding and overwriting), bumps the revision and
    /// returns it.
    pub fn write_assignments(
        &mut self,
        rows: &[(String, String)],
        replace: bool,
    ) -> Result<u64, StoreError> {
        self.write_shared(rows, &[], replace)
    }

    /// [`Store::write_assignments`] that also registers `teams` as known teams (a
    /// team of a teams file given no child still becomes one), in the same
    /// transaction: a shared plan is written whole or not at all.
    pub fn write_shared(
        &mut self,
        rows: &[(String, String)],
        teams: &[String],
        replace: bool,
    ) -> Result<u64, StoreError> {
        self.write_revision(|tx| {
            if replace {
                tx.execute("DELETE FROM sigap_assignments", [])?;
            }
            let mut st = tx.prepare(
                "INSERT INTO sigap_assignments (pseudonym, team) VALUES (?1, ?2)
                 ON CONFLICT(pseudonym) DO UPDATE SET team = excluded.team",
            )?;
            for (p, team) in rows {
                st.execute(params![p, team])?;
            }
            let mut names: Vec<&str> = rows
                .iter()
                .map(|(_, t)| t.as_str())
                .chain(teams.iter().map(String::as_str))
                .collect();
            names.sort_unstable();
            names.dedup();
            super::teams::register(tx, &names)?;
            Ok(())
        })
    }
}

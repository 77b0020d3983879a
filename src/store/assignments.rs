//! Which team (OPD or TPK) visits which child: `sigap_assignments`, keyed by the
//! child's pseudonym (one team per child, across periods). Field officers see the
//! children of their team; `sigap assign` and the admin page write it
//! ([`crate::teams::share`]). The SQL runs on both stores ([`super::sql`]).

use super::sql::{SqlConn, SqlError, params};
use super::{Store, StoreError};
use std::collections::HashMap;

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_assignments (
  pseudonym TEXT NOT NULL PRIMARY KEY,
  team TEXT NOT NULL
)";

/// Every child's team, by pseudonym.
pub(crate) fn assignments(c: &mut dyn SqlConn) -> Result<HashMap<String, String>, SqlError> {
    c.query("SELECT pseudonym, team FROM sigap_assignments", &[])?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect()
}

/// Writes `(pseudonym, team)` rows inside a write transaction (replacing every
/// earlier assignment with `replace`, else adding and overwriting) and registers
/// their teams and `teams` as known teams.
pub(crate) fn write(
    c: &mut dyn SqlConn,
    rows: &[(String, String)],
    teams: &[String],
    replace: bool,
) -> Result<(), SqlError> {
    if replace {
        c.execute("DELETE FROM sigap_assignments", &[])?;
    }
    for (p, team) in rows {
        c.execute(
            "INSERT INTO sigap_assignments (pseudonym, team) VALUES (?1, ?2)
             ON CONFLICT (pseudonym) DO UPDATE SET team = excluded.team",
            params![p, team],
        )?;
    }
    let mut names: Vec<&str> = rows
        .iter()
        .map(|(_, t)| t.as_str())
        .chain(teams.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    super::teams::register(c, &names)?;
    Ok(())
}

impl Store {
    /// Every child's team, by pseudonym.
    pub fn assignments(&self) -> Result<HashMap<String, String>, StoreError> {
        self.run_sql("sigap_assignments", assignments)
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
        self.write_sql_revision("sigap_assignments", |c| write(c, rows, teams, replace))
    }
}

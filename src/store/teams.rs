//! The teams (OPDs or TPK teams) a store knows: `sigap_teams`, added by an admin
//! (`sigap team add`, `POST /api/admin/teams`) or by writing assignments (the teams
//! file of `sigap assign`, the team column of `sigap import assignments`). A field
//! officer's account names one of them. The SQL runs on both stores ([`super::sql`]).

use super::sql::{self, SqlConn, SqlError, params};
use super::{Store, StoreError};

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_teams (
  name TEXT NOT NULL PRIMARY KEY,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
)";

/// Registers the teams of `names` not yet known (inside a write transaction); how
/// many were new.
pub(crate) fn register(c: &mut dyn SqlConn, names: &[&str]) -> Result<usize, SqlError> {
    let now = sql::utc_now(sql::SECONDS);
    let mut added = 0;
    for n in names {
        added += c.execute(
            "INSERT INTO sigap_teams (name, added_at) VALUES (?1, ?2)
             ON CONFLICT (name) DO NOTHING",
            params![*n, &now],
        )?;
    }
    Ok(added)
}

/// Every known team, sorted: the registered ones and any team an assignment names
/// (a store written before teams were registered).
pub(crate) fn teams(c: &mut dyn SqlConn) -> Result<Vec<String>, SqlError> {
    c.query(
        "SELECT name FROM sigap_teams UNION SELECT DISTINCT team FROM sigap_assignments \
         ORDER BY 1",
        &[],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect()
}

impl Store {
    /// Every known team, sorted: the registered ones and any team an assignment names
    /// (a store written before teams were registered).
    pub fn teams(&self) -> Result<Vec<String>, StoreError> {
        self.run_sql("sigap_teams", teams)
    }

    /// Registers a team; `false` if it was known already. The revision is not bumped:
    /// a team without children changes no map.
    pub fn add_team(&mut self, name: &str) -> Result<bool, StoreError> {
        self.run_sql("sigap_teams", |c| register(c, &[name]))
            .map(|n| n == 1)
    }
}

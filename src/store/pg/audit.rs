//! The audit log on PostgreSQL: who read or changed what, append-only.
//!
//! The service role may only INSERT and SELECT `sigap_audit` (grants in `schema.sql`),
//! and triggers refuse UPDATE, DELETE and TRUNCATE even to the owner, so an entry
//! written here stays as written. [`insert`] takes any client, so an import can add
//! its row inside its own transaction and both commit or neither does.

use super::{PgStore, pg_error};
use crate::auth::{AuditEntry, AuditRow};
use crate::store::StoreError;
use postgres::GenericClient;

/// Appends `row` through `client` (a session or an open transaction); returns its id.
pub fn insert(
    client: &mut impl GenericClient,
    db: &str,
    row: &AuditRow,
) -> Result<i64, StoreError> {
    client
        .query_one(
            "INSERT INTO sigap_audit (user_id, username, role, action, what, records, address)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &row.user_id,
                &row.username,
                &row.role,
                &row.action,
                &row.what,
                &(row.records as i64),
                &row.address.map(|a| a.to_string()),
            ],
        )
        .and_then(|r| r.try_get(0))
        .map_err(pg_error(db))
}

impl PgStore {
    /// Appends `row` to the audit log; returns its id.
    pub fn audit(&mut self, row: &AuditRow) -> Result<i64, StoreError> {
        insert(&mut self.client, &self.db, row)
    }

    /// Audit entries, newest first: at most `limit`, older than id `before`, of one
    /// `action` when given (as `Accounts::audit_entries` on SQLite).
    pub fn audit_entries(
        &mut self,
        limit: usize,
        before: Option<i64>,
        action: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT id, at, username, role, action, what, records, address FROM sigap_audit
                 WHERE ($1::bigint IS NULL OR id < $1) AND ($2::text IS NULL OR action = $2)
                 ORDER BY id DESC LIMIT $3",
                &[&before, &action, &(limit as i64)],
            )
            .map_err(pg_error(&self.db))?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    username: r.try_get(2)?,
                    role: r.try_get(3)?,
                    action: r.try_get(4)?,
                    what: r.try_get(5)?,
                    records: r.try_get(6)?,
                    address: r.try_get(7)?,
                })
            })
            .collect::<Result<_, postgres::Error>>()
            .map_err(pg_error(&self.db))
    }
}

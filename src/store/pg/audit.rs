//! The audit log on PostgreSQL: who read or changed what, append-only.
//!
//! The service role may only INSERT and SELECT `sigap_audit` (grants in `schema.sql`),
//! and triggers refuse UPDATE, DELETE and TRUNCATE even to the owner, so an entry
//! written here stays as written. The insert (`store::insert_audit`) runs on any
//! connection or transaction, so an import can add
//! its row inside its own transaction and both commit or neither does.

use super::{PgStore, pg_error};
use crate::auth::{AuditEntry, AuditRow};
use crate::store::StoreError;
use crate::store::sql::{Pg, SqlError};

impl PgStore {
    /// Appends `row` to the audit log.
    pub fn audit(&mut self, row: &AuditRow) -> Result<(), StoreError> {
        let db = self.db.clone();
        crate::store::insert_audit(&mut Pg(&mut self.client), row).map_err(|e| sql_error(&db, e))
    }

    /// Audit entries, newest first: at most `limit`, older than id `before`, of one
    /// `action` when given (as `Accounts::audit_entries`).
    pub fn audit_entries(
        &mut self,
        limit: usize,
        before: Option<i64>,
        action: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let db = self.db.clone();
        crate::store::audit_entries(&mut Pg(&mut self.client), limit, before, action)
            .map_err(|e| sql_error(&db, e))
    }
}

/// A failed statement of the shared SQL on the database `db`.
pub(super) fn sql_error(db: &str, e: SqlError) -> StoreError {
    match e {
        SqlError::Postgres(source) => pg_error(db)(source),
        other => StoreError::Corrupt {
            path: db.into(),
            table: "sigap_audit",
            fid: 0,
            reason: other.to_string(),
        },
    }
}

//! The audit log on PostgreSQL: who read or changed what, append-only.
//!
//! The service role may only INSERT and SELECT `sigap_audit` (grants in `schema.sql`),
//! and triggers refuse UPDATE, DELETE and TRUNCATE even to the owner, so an entry
//! written here stays as written. The insert (`store::insert_audit`) runs on any
//! connection or transaction, so an import can add
//! its row inside its own transaction and both commit or neither does.

use super::PgStore;
use crate::auth::{AuditEntry, AuditRow};
use crate::store::StoreError;
use crate::store::sql::Pg;
use std::path::Path;

impl PgStore {
    /// Appends `row` to the audit log.
    pub fn audit(&mut self, row: &AuditRow) -> Result<(), StoreError> {
        crate::store::insert_audit(&mut Pg::new(&mut self.client), row)
            .map_err(|e| StoreError::of_sql(Path::new(&self.db), "sigap_audit", e))
    }

    /// Audit entries, newest first: at most `limit`, older than id `before`, of one
    /// `action` when given (as `Accounts::audit_entries`).
    pub fn audit_entries(
        &mut self,
        limit: usize,
        before: Option<i64>,
        action: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        crate::store::audit_entries(&mut Pg::new(&mut self.client), limit, before, action)
            .map_err(|e| StoreError::of_sql(Path::new(&self.db), "sigap_audit", e))
    }
}

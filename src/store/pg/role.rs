//! The start-up check that the service cannot rewrite its own audit log.
//!
//! The audit log is append-only because the service logs in as a role granted only
//! SELECT and INSERT on it. A deployment that connects as the schema owner or a
//! superuser would silently lose that guarantee (an owner can disable the triggers),
//! so the PostgreSQL store refuses such a role before it serves.

use super::{PgStore, pg_error};
use crate::store::StoreError;

/// Why the connected role may not run the service.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// The role could change or empty `sigap_audit`.
    ///
    /// Likely cause: the connection string names the schema owner (or a member of
    /// `sigap_owner`) or a superuser such as `postgres`. Fix: connect as the service
    /// role that `init` was given (for example `sigap_app`); keep the owner for
    /// schema changes.
    #[error(
        "database {db}: role {role} could rewrite the audit log ({reasons}); connect as \
         the service role (granted SELECT and INSERT on sigap_audit only), not as the \
         schema owner or a superuser"
    )]
    AuditWritable {
        db: String,
        role: String,
        reasons: String,
    },
    /// The check itself failed (no schema, no connection).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PgStore {
    /// Fails with [`RoleError::AuditWritable`] when the connected role is a superuser,
    /// owns `sigap_audit` (or is a member of its owner), or holds UPDATE, DELETE or
    /// TRUNCATE on it.
    pub fn check_service_role(&mut self) -> Result<(), RoleError> {
        let row = self
            .client
            .query_one(
                "SELECT current_user::text, r.rolsuper,
                   pg_has_role(current_user, c.relowner, 'MEMBER'),
                   has_table_privilege(c.oid, 'UPDATE'),
                   has_table_privilege(c.oid, 'DELETE'),
                   has_table_privilege(c.oid, 'TRUNCATE')
                 FROM pg_roles r, pg_class c
                 WHERE r.rolname = current_user AND c.oid = 'sigap.sigap_audit'::regclass",
                &[],
            )
            .map_err(pg_error(&self.db))?;
        let err = pg_error(&self.db);
        let role: String = row.try_get(0).map_err(&err)?;
        let mut reasons = Vec::new();
        for (column, reason) in [
            (1, "a superuser"),
            (2, "owns the table"),
            (3, "may UPDATE"),
            (4, "may DELETE"),
            (5, "may TRUNCATE"),
        ] {
            if row.try_get::<_, bool>(column).map_err(&err)? {
                reasons.push(reason);
            }
        }
        if reasons.is_empty() {
            return Ok(());
        }
        Err(RoleError::AuditWritable {
            db: self.db.clone(),
            role,
            reasons: reasons.join(", "),
        })
    }
}

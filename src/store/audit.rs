//! The audit log: appending a row and reading entries back, the same SQL on both
//! stores (the log itself refuses changes and deletes: triggers on SQLite, grants
//! and triggers on PostgreSQL).

use super::sql::{SqlConn, SqlError, params};
use crate::auth::AuditEntry;
use crate::model::AuditRow;

/// Appends `row` to `sigap_audit` through `c`, which may be inside another
/// transaction (an import's: the import and its record commit together or not at
/// all). The table refuses to change or delete a row once written. The time is
/// taken here, to the millisecond, in UTC.
pub(crate) fn insert_audit(c: &mut dyn SqlConn, row: &AuditRow) -> Result<(), SqlError> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let at = chrono::DateTime::from_timestamp(
        i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        since.subsec_nanos(),
    )
    .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    .unwrap_or_default();
    c.execute(
        "INSERT INTO sigap_audit (at, user_id, username, role, action, what, records, address)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            at,
            row.user_id,
            &row.username,
            row.role,
            &row.action,
            &row.what,
            row.records,
            row.address.map(|a| a.to_string())
        ],
    )?;
    Ok(())
}

/// Audit entries, newest first: at most `limit`, older than id `before`, of one
/// `action` when given.
pub(crate) fn audit_entries(
    c: &mut dyn SqlConn,
    limit: usize,
    before: Option<i64>,
    action: Option<&str>,
) -> Result<Vec<AuditEntry>, SqlError> {
    c.query(
        "SELECT id, at, username, role, action, what, records, address FROM sigap_audit
         WHERE (CAST(?1 AS BIGINT) IS NULL OR id < ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR action = ?2)
         ORDER BY id DESC LIMIT ?3",
        params![before, action, limit],
    )?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            username: r.get(2)?,
            role: r.get(3)?,
            action: r.get(4)?,
            what: r.get(5)?,
            records: r.get(6)?,
            address: r.get(7)?,
        })
    })
    .collect()
}

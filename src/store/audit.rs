//! The audit log's one write: appending a row.

use super::sql::{SqlConn, SqlError, params};
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

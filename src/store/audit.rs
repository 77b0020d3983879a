//! The audit log's one write: appending a row.

use crate::model::AuditRow;
use rusqlite::{Connection, params};

/// Appends `row` to `sigap_audit` through `c`, which may be inside another
/// transaction (an import's: the import and its record commit together or not at
/// all). The table's triggers refuse to change or delete a row once written.
pub(crate) fn insert_audit(c: &Connection, row: &AuditRow) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO sigap_audit (user_id, username, role, action, what, records, address)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            row.user_id,
            row.username,
            row.role,
            row.action,
            row.what,
            i64::try_from(row.records).unwrap_or(i64::MAX),
            row.address.map(|a| a.to_string())
        ],
    )?;
    Ok(())
}

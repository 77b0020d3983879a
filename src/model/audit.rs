//! A line of the audit log, as data: who did what to how many records, from where.

use std::net::IpAddr;

/// One line to append to the audit log.
///
/// Plain data, so that a store of any kind can write it, inside another write's
/// transaction when the two must commit together (an import and its record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// The account, or `None` for the command line and the public.
    pub user_id: Option<i64>,
    pub username: String,
    /// The role's name (`admin`, `planner`, ...), or `-` without an account.
    pub role: &'static str,
    pub action: String,
    pub what: String,
    pub records: usize,
    pub address: Option<IpAddr>,
}

impl AuditRow {
    /// The same row, for `records` records (an import knows them only at its end).
    #[must_use]
    pub fn with_records(&self, records: usize) -> Self {
        Self {
            records,
            ..self.clone()
        }
    }
}

//! Case audits: `sigap_case_audits`, what a planner decided about a child on a
//! case-audit list ([`crate::risk::audit`]), one row per decision.
//!
//! The table is a history, not a state: a changed mind is a new row, and triggers
//! refuse every UPDATE and DELETE (as the audit log's do), so who decided what and
//! when stays on record. The latest row of a child and period is the one shown.
//! Writing a decision does not bump the store revision: it changes no figure, and
//! the snapshot is not rebuilt for it. The SQL runs on both stores ([`super::sql`]);
//! on PostgreSQL a trigger and the grants keep the table append-only.

use super::sql::{self, Row, SqlConn, SqlError, params};
use super::{Store, StoreError};
use crate::model::Period;
use serde::Serialize;
use std::collections::HashMap;

/// The table, created when a store is opened (with triggers that keep it
/// append-only, `super::append_only`).
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_case_audits (
  id INTEGER PRIMARY KEY,
  pseudonym TEXT NOT NULL,
  period TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('implausible', 'jump', 'once', 'missed', 'newly_stunted', 'worse')),
  decision TEXT NOT NULL CHECK (decision IN ('valid', 'remeasure', 'data_error', 'referred')),
  note TEXT NOT NULL DEFAULT '',
  username TEXT NOT NULL,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX IF NOT EXISTS sigap_case_audits_child ON sigap_case_audits (period, pseudonym);";

/// One decision about a listed child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseAudit {
    pub pseudonym: String,
    pub period: String,
    /// The list it was marked from (`jump`, `missed`, ...).
    pub kind: String,
    /// `valid`, `remeasure`, `data_error` or `referred`.
    pub decision: String,
    pub note: String,
    pub username: String,
    /// When it was stored, `YYYY-MM-DDTHH:MM:SSZ` (set by the store).
    pub at: String,
}

const COLUMNS: &str = "pseudonym, period, kind, decision, note, username, at";

fn audit_row(r: &Row) -> Result<CaseAudit, SqlError> {
    Ok(CaseAudit {
        pseudonym: r.get(0)?,
        period: r.get(1)?,
        kind: r.get(2)?,
        decision: r.get(3)?,
        note: r.get(4)?,
        username: r.get(5)?,
        at: r.get(6)?,
    })
}

/// Appends `a` (its `at` is ignored and set now) and returns it as stored.
pub(crate) fn record(c: &mut dyn SqlConn, a: &CaseAudit) -> Result<CaseAudit, SqlError> {
    let row = c
        .query_opt(
            &format!(
                "INSERT INTO sigap_case_audits (pseudonym, period, kind, decision, note, username, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING {COLUMNS}"
            ),
            params![
                &a.pseudonym,
                &a.period,
                &a.kind,
                &a.decision,
                &a.note,
                &a.username,
                sql::utc_now(sql::SECONDS)
            ],
        )?
        .ok_or_else(|| SqlError::Corrupt {
            table: "sigap_case_audits",
            fid: 0,
            reason: "the insert returned no row".into(),
        })?;
    audit_row(&row)
}

/// The latest decision about each child of `period`, by pseudonym.
pub(crate) fn latest(
    c: &mut dyn SqlConn,
    period: Period,
) -> Result<HashMap<String, CaseAudit>, SqlError> {
    let mut out = HashMap::new();
    for row in c.query(
        &format!("SELECT {COLUMNS} FROM sigap_case_audits WHERE period = ?1 ORDER BY id"),
        params![period.to_string()],
    )? {
        let a = audit_row(&row)?;
        out.insert(a.pseudonym.clone(), a);
    }
    Ok(out)
}

impl Store {
    /// Appends `a` (its `at` is ignored and set now) and returns it as stored.
    pub fn record_case_audit(&mut self, a: &CaseAudit) -> Result<CaseAudit, StoreError> {
        self.run_sql("sigap_case_audits", |c| record(c, a))
    }

    /// The latest decision about each child of `period`, by pseudonym.
    pub fn case_audits(&self, period: Period) -> Result<HashMap<String, CaseAudit>, StoreError> {
        self.run_sql("sigap_case_audits", |c| latest(c, period))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(decision: &str) -> CaseAudit {
        CaseAudit {
            pseudonym: "abc".into(),
            period: "2026-08".into(),
            kind: "jump".into(),
            decision: decision.into(),
            note: "diukur ulang 12/9".into(),
            username: "perencana".into(),
            at: String::new(),
        }
    }

    #[test]
    fn the_latest_decision_wins_and_history_stays() {
        let mut s = Store::open_in_memory().expect("store");
        let first = s.record_case_audit(&mark("remeasure")).expect("first");
        assert!(first.at.ends_with('Z'), "{}", first.at);
        s.record_case_audit(&mark("valid")).expect("second");
        let aug = "2026-08".parse().expect("period");
        let latest = s.case_audits(aug).expect("read");
        assert_eq!(latest["abc"].decision, "valid");
        assert!(
            s.case_audits("2026-02".parse().expect("period"))
                .expect("read")
                .is_empty()
        );
        // Append-only, and only the known decisions.
        assert!(
            s.conn
                .execute("UPDATE sigap_case_audits SET decision = 'valid'", [])
                .is_err()
        );
        assert!(s.conn.execute("DELETE FROM sigap_case_audits", []).is_err());
        assert!(s.record_case_audit(&mark("lupakan")).is_err());
        let n: i64 = s
            .conn
            .query_row("SELECT count(*) FROM sigap_case_audits", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 2);
    }
}

//! The intervention ledger: `sigap_deliveries`, one row per delivery of a programme
//! to a child, a household or a village.
//!
//! A delivery is known by its programme, recipient and date: the same file imported
//! twice adds nothing the second time (the rows already there are counted, not
//! doubled). The SQL runs on both stores ([`super::sql`]).

use super::sql::{SqlConn, SqlError, params};
use super::{Store, StoreError};
use crate::model::{Delivery, Period, Recipient};

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_deliveries (
  id INTEGER PRIMARY KEY,
  programme TEXT NOT NULL,
  recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('child', 'household', 'village')),
  recipient TEXT NOT NULL,
  date TEXT NOT NULL,
  period TEXT NOT NULL,
  quantity REAL CHECK (quantity IS NULL OR quantity >= 0),
  unit TEXT,
  cost REAL CHECK (cost IS NULL OR cost >= 0),
  by TEXT,
  source TEXT NOT NULL,
  UNIQUE (programme, recipient_kind, recipient, date)
);
CREATE INDEX IF NOT EXISTS sigap_deliveries_period ON sigap_deliveries (period)";

/// What [`Store::write_deliveries`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveriesWritten {
    /// New rows.
    pub added: usize,
    /// Rows already in the ledger (same programme, recipient and date).
    pub present: usize,
    pub revision: u64,
}

/// Inserts `rows` inside a write transaction, skipping those already in the ledger;
/// returns how many were new.
pub(crate) fn insert(c: &mut dyn SqlConn, rows: &[Delivery]) -> Result<usize, SqlError> {
    let mut added = 0;
    for d in rows {
        added += c.execute(
            "INSERT INTO sigap_deliveries
               (programme, recipient_kind, recipient, date, period, quantity, unit, cost, by, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (programme, recipient_kind, recipient, date) DO NOTHING",
            params![
                &d.programme,
                d.recipient.kind(),
                d.recipient.id(),
                d.date.to_string(),
                d.period.to_string(),
                d.quantity,
                d.unit.as_deref(),
                d.cost,
                d.by.as_deref(),
                &d.source,
            ],
        )?;
    }
    Ok(added)
}

/// Every delivery of `period` (every period with `None`), in the order written.
pub(crate) fn deliveries(
    c: &mut dyn SqlConn,
    period: Option<Period>,
) -> Result<Vec<Delivery>, SqlError> {
    let rows = c.query(
        "SELECT id, programme, recipient_kind, recipient, date, period, quantity, unit, cost, by, source
         FROM sigap_deliveries WHERE CAST(?1 AS TEXT) IS NULL OR period = ?1 ORDER BY id",
        params![period.map(|p| p.to_string())],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let fid: i64 = r.get(0)?;
        let bad = |what: String| SqlError::Corrupt {
            table: "sigap_deliveries",
            fid,
            reason: what,
        };
        let (kind, date, period): (String, String, String) = (r.get(2)?, r.get(4)?, r.get(5)?);
        out.push(Delivery {
            programme: r.get(1)?,
            recipient: Recipient::from_parts(&kind, r.get(3)?)
                .ok_or_else(|| bad(format!("recipient kind {kind:?}")))?,
            date: date.parse().map_err(|_| bad(format!("date {date:?}")))?,
            period: period
                .parse()
                .map_err(|_| bad(format!("period {period:?}")))?,
            quantity: r.get(6)?,
            unit: r.get(7)?,
            cost: r.get(8)?,
            by: r.get(9)?,
            source: r.get(10)?,
        });
    }
    Ok(out)
}

/// The stored villages' codes (both stores).
pub(crate) fn village_codes(
    c: &mut dyn super::sql::SqlConn,
) -> Result<std::collections::HashSet<String>, super::sql::SqlError> {
    c.query("SELECT code FROM villages", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The stored households' pseudonyms and their target groups (both stores; the
/// column is INTEGER in SQLite and bigint on PostgreSQL). Bits beyond the five
/// groups read as `None`, as a file that did not say: loading the households
/// reports them.
pub(crate) fn household_groups(
    c: &mut dyn super::sql::SqlConn,
) -> Result<std::collections::HashMap<String, Option<crate::model::TargetGroups>>, SqlError> {
    c.query("SELECT pseudonym, target_groups FROM households", &[])?
        .iter()
        .map(|r| {
            let bits: Option<i64> = r.get(1)?;
            let groups = bits
                .and_then(|b| u8::try_from(b).ok())
                .and_then(crate::model::TargetGroups::from_bits);
            Ok((r.get(0)?, groups))
        })
        .collect()
}

impl Store {
    /// Adds `rows` in one transaction (all or nothing), skipping those already in the
    /// ledger, and bumps the revision.
    pub fn write_deliveries(&mut self, rows: &[Delivery]) -> Result<DeliveriesWritten, StoreError> {
        let mut added = 0;
        let revision = self.write_sql_revision("sigap_deliveries", |c| {
            added = insert(c, rows)?;
            Ok(())
        })?;
        Ok(DeliveriesWritten {
            added,
            present: rows.len() - added,
            revision,
        })
    }

    /// Adds `rows` in one transaction (all or nothing), skipping those already in the
    /// ledger; bumps the revision only when a row was added, so a campaign entered
    /// again rebuilds nothing (`revision` is then the current one).
    pub fn add_deliveries(&mut self, rows: &[Delivery]) -> Result<DeliveriesWritten, StoreError> {
        let added = self.in_transaction(|tx, path| {
            let added = insert(&mut super::sql::Lite(tx), rows)
                .map_err(|e| StoreError::of_sql(path, "sigap_deliveries", e))?;
            if added > 0 {
                super::schema::bump_revision(tx, path)?;
            }
            Ok(added)
        })?;
        Ok(DeliveriesWritten {
            added,
            present: rows.len() - added,
            revision: self.revision()?,
        })
    }

    /// Every delivery of `period` (every period with `None`), in the order written.
    pub fn deliveries(&self, period: Option<Period>) -> Result<Vec<Delivery>, StoreError> {
        self.run_sql("sigap_deliveries", |c| deliveries(c, period))
    }

    /// The stored households' pseudonyms and their target groups (`None` where the
    /// file did not say).
    pub fn household_groups(
        &self,
    ) -> Result<std::collections::HashMap<String, Option<crate::model::TargetGroups>>, StoreError>
    {
        self.run_sql("households", household_groups)
    }

    /// The stored villages' codes.
    pub fn village_codes(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        self.run_sql("villages", village_codes)
    }
}

//! The rembuk stunting's decisions: `sigap_rembuk`, per village and measurement
//! round, whether the village was chosen as a priority (lokus) and the actions agreed,
//! each with who leads it.
//!
//! A village's decisions for a round are recorded together, as one set; recording a
//! new set replaces the shown one, but the table is a history: triggers refuse every
//! UPDATE and DELETE, so what was agreed, by whom entered and when, stays on record.
//! The latest set of a village and round (the highest `batch`) is the one shown.
//! Writing decisions does not bump the store revision: no figure changes. The SQL
//! runs on both stores ([`super::sql`]); on PostgreSQL a trigger and the grants keep
//! the table append-only.

use super::sql::{self, SqlConn, SqlError, params};
use super::{Store, StoreError};
use crate::model::Period;
use serde::Serialize;
use std::collections::BTreeMap;

/// The table, created when a store is opened (with triggers that keep it
/// append-only, `super::append_only`). A set without actions
/// is one row with an empty `action` (a village chosen as priority with nothing
/// agreed yet, or a set cleared).
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_rembuk (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL,
  village TEXT NOT NULL,
  period TEXT NOT NULL,
  priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
  action TEXT NOT NULL DEFAULT '',
  lead TEXT NOT NULL DEFAULT '',
  username TEXT NOT NULL,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX IF NOT EXISTS sigap_rembuk_village ON sigap_rembuk (village, period, batch);";

/// One action agreed for a village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// What was agreed ("PMT lokal 90 hari untuk 11 baduta stunting").
    pub action: String,
    /// Who leads it: an OPD, a puskesmas, a sponsor.
    pub lead: String,
}

/// A village's decisions at the rembuk of one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decisions {
    pub village: String,
    /// The round the rembuk decided on (`YYYY-MM`).
    pub period: String,
    /// Chosen as a priority village (lokus).
    pub priority: bool,
    pub actions: Vec<Action>,
    /// Who entered them, and when (`YYYY-MM-DDTHH:MM:SSZ`, set by the store).
    pub username: String,
    pub at: String,
}

/// Appends `d` as a new set (a new `batch`, one row per action) inside a write
/// transaction, which must hold the store's write lock: the batch is the highest so
/// far plus one. Returns the batch.
pub(crate) fn record(c: &mut dyn SqlConn, d: &Decisions) -> Result<i64, SqlError> {
    let batch: i64 = c
        .query_opt("SELECT coalesce(max(batch), 0) + 1 FROM sigap_rembuk", &[])?
        .map_or(Ok(1), |r| r.get(0))?;
    let empty = [Action {
        action: String::new(),
        lead: String::new(),
    }];
    let rows = if d.actions.is_empty() {
        &empty[..]
    } else {
        &d.actions[..]
    };
    let at = sql::utc_now(sql::SECONDS);
    for a in rows {
        c.execute(
            "INSERT INTO sigap_rembuk (batch, village, period, priority, action, lead, username, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                batch,
                &d.village,
                &d.period,
                d.priority,
                &a.action,
                &a.lead,
                &d.username,
                &at
            ],
        )?;
    }
    Ok(batch)
}

/// Every village's (or only `village`'s) latest decisions of the latest rembuk up
/// to `until` (every round when `None`), by village code.
pub(crate) fn decisions(
    c: &mut dyn SqlConn,
    until: Option<Period>,
    village: Option<&str>,
) -> Result<BTreeMap<String, Decisions>, SqlError> {
    let rows = c.query(
        "SELECT batch, village, period, priority, action, lead, username, at \
         FROM sigap_rembuk \
         WHERE (CAST(?1 AS TEXT) IS NULL OR period <= ?1) \
           AND (CAST(?2 AS TEXT) IS NULL OR village = ?2) \
         ORDER BY period, batch, id",
        params![until.map(|p| p.to_string()), village],
    )?;
    // Rows come by round, then set: a later set (or round) replaces the earlier.
    let mut out: BTreeMap<String, (i64, Decisions)> = BTreeMap::new();
    for r in rows {
        let (batch, village): (i64, String) = (r.get(0)?, r.get(1)?);
        let (action, lead): (String, String) = (r.get(4)?, r.get(5)?);
        let action = (!action.is_empty()).then_some(Action { action, lead });
        match out.get_mut(&village) {
            Some((b, d)) if *b == batch => d.actions.extend(action),
            _ => {
                let d = Decisions {
                    village: village.clone(),
                    period: r.get(2)?,
                    priority: r.get(3)?,
                    actions: action.into_iter().collect(),
                    username: r.get(6)?,
                    at: r.get(7)?,
                };
                out.insert(village, (batch, d));
            }
        }
    }
    Ok(out.into_iter().map(|(k, (_, d))| (k, d)).collect())
}

/// The set just recorded as batch `batch`, read back through `decisions_of`.
pub(crate) fn recorded(
    d: &Decisions,
    batch: i64,
    decisions_of: impl FnOnce(Period, &str) -> Result<BTreeMap<String, Decisions>, StoreError>,
    place: &std::path::Path,
) -> Result<Decisions, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: place.to_owned(),
        table: "sigap_rembuk",
        fid: batch,
        reason,
    };
    let period: Period = d
        .period
        .parse()
        .map_err(|_| corrupt(format!("period {:?}", d.period)))?;
    decisions_of(period, &d.village)?
        .remove(&d.village)
        .ok_or_else(|| corrupt("the decisions just written are not there".into()))
}

impl Store {
    /// Records `d` as the village's decisions for its round (its `at` is ignored and
    /// set now), replacing the shown set; returns it as stored.
    pub fn record_rembuk(&mut self, d: &Decisions) -> Result<Decisions, StoreError> {
        let batch = self.in_transaction(|tx, path| {
            record(&mut sql::Lite(tx), d).map_err(|e| StoreError::of_sql(path, "sigap_rembuk", e))
        })?;
        recorded(
            d,
            batch,
            |period, village| self.decisions(Some(period), Some(village)),
            &self.path,
        )
    }

    /// Every village's latest decisions of the latest rembuk up to `until` (every
    /// round when `None`): for a round's view, what was agreed at its rembuk or, if it
    /// had none for the village yet, at the one before. By village code.
    pub fn rembuk(&self, until: Option<Period>) -> Result<BTreeMap<String, Decisions>, StoreError> {
        self.decisions(until, None)
    }

    /// [`Self::rembuk`], of one village only when `village` is given.
    fn decisions(
        &self,
        until: Option<Period>,
        village: Option<&str>,
    ) -> Result<BTreeMap<String, Decisions>, StoreError> {
        self.run_sql("sigap_rembuk", |c| decisions(c, until, village))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decisions(period: &str, priority: bool, actions: &[(&str, &str)]) -> Decisions {
        Decisions {
            village: "7471011005".into(),
            period: period.into(),
            priority,
            actions: actions
                .iter()
                .map(|(a, l)| Action {
                    action: (*a).into(),
                    lead: (*l).into(),
                })
                .collect(),
            username: "bappeda".into(),
            at: String::new(),
        }
    }

    #[test]
    fn the_latest_set_up_to_a_round_is_shown_and_history_stays() {
        let mut store = Store::open_in_memory().expect("store");
        let feb = decisions("2026-02", true, &[("PMT 90 hari", "Dinas Kesehatan")]);
        store.record_rembuk(&feb).expect("february");
        let fixed = decisions(
            "2026-02",
            true,
            &[
                ("PMT 90 hari", "Puskesmas Abeli"),
                ("Jamban 20 unit", "Dinas PUPR"),
            ],
        );
        let stored = store.record_rembuk(&fixed).expect("corrected");
        assert_eq!(
            (stored.actions.len(), stored.actions[0].lead.as_str()),
            (2, "Puskesmas Abeli")
        );
        // The August view, before August's rembuk, carries February's decisions.
        let aug: Period = "2026-08".parse().expect("period");
        let shown = store.rembuk(Some(aug)).expect("read");
        assert_eq!(shown["7471011005"].period, "2026-02");
        assert_eq!(shown["7471011005"].actions, fixed.actions);
        // August's rembuk drops the village from the priorities; February's view is unchanged.
        store
            .record_rembuk(&decisions("2026-08", false, &[]))
            .expect("august");
        let shown = store.rembuk(Some(aug)).expect("read");
        assert!(!shown["7471011005"].priority && shown["7471011005"].actions.is_empty());
        let feb_view = store
            .rembuk(Some("2026-02".parse().expect("p")))
            .expect("read");
        assert_eq!(feb_view["7471011005"].actions.len(), 2);
        // Append-only.
        let err = store
            .conn
            .execute("DELETE FROM sigap_rembuk", [])
            .expect_err("append-only");
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}

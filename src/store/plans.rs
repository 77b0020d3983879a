//! Field teams' saved day plans: `sigap_plans`, one row per team and day. A plan is
//! saved when it is first made, so the numbering and the stops hold while visits are
//! recorded; it changes only when someone re-plans on purpose (the version counts
//! how often).
//!
//! The store keeps the plan as the JSON text its caller made (pseudonyms, positions
//! and times; nothing that names a child): what a plan means is the caller's. The
//! SQL runs on both stores ([`super::sql`]).

use super::sql::{self, Row, SqlConn, SqlError, params};
use super::{Store, StoreError};

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_plans (
  team TEXT NOT NULL,
  day TEXT NOT NULL,
  made_by TEXT NOT NULL,
  made_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  version INTEGER NOT NULL DEFAULT 1,
  plan TEXT NOT NULL,
  PRIMARY KEY (team, day)
)";

/// One team's plan for one day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SavedPlan {
    pub team: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The account that made (or last re-made) it.
    pub made_by: String,
    pub made_at: String,
    /// 1 when first made, one more at each re-plan.
    pub version: i64,
    /// The plan as its maker wrote it (JSON).
    #[serde(skip)]
    pub plan: String,
}

fn plan_row(r: &Row) -> Result<SavedPlan, SqlError> {
    Ok(SavedPlan {
        team: r.get(0)?,
        day: r.get(1)?,
        made_by: r.get(2)?,
        made_at: r.get(3)?,
        version: r.get(4)?,
        plan: r.get(5)?,
    })
}

const COLUMNS: &str = "team, day, made_by, made_at, version, plan";

/// The plan of `team` for `day`, if one was made.
pub(crate) fn plan(
    c: &mut dyn SqlConn,
    team: &str,
    day: &str,
) -> Result<Option<SavedPlan>, SqlError> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM sigap_plans WHERE team = ?1 AND day = ?2"),
        params![team, day],
    )?
    .map(|r| plan_row(&r))
    .transpose()
}

/// Every team's plan for `day`, by team.
pub(crate) fn plans_on(c: &mut dyn SqlConn, day: &str) -> Result<Vec<SavedPlan>, SqlError> {
    c.query(
        &format!("SELECT {COLUMNS} FROM sigap_plans WHERE day = ?1 ORDER BY team"),
        params![day],
    )?
    .iter()
    .map(plan_row)
    .collect()
}

/// [`Store::save_plan`] on `c`: saves `plan` made now, returns the plan stored and
/// whether `plan` is the one stored.
pub(crate) fn save(
    c: &mut dyn SqlConn,
    team: &str,
    day: &str,
    made_by: &str,
    plan_json: &str,
    replace: bool,
) -> Result<(SavedPlan, bool), SqlError> {
    let statement = if replace {
        "INSERT INTO sigap_plans (team, day, made_by, made_at, plan) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (team, day) DO UPDATE SET made_by = excluded.made_by, \
         made_at = excluded.made_at, version = sigap_plans.version + 1, plan = excluded.plan"
    } else {
        "INSERT INTO sigap_plans (team, day, made_by, made_at, plan) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (team, day) DO NOTHING"
    };
    let now = sql::utc_now(sql::SECONDS);
    let written = c.execute(statement, params![team, day, made_by, now, plan_json])? == 1;
    let stored = plan(c, team, day)?.ok_or_else(|| SqlError::Corrupt {
        table: "sigap_plans",
        fid: 0,
        reason: format!("the plan of {team} for {day} vanished after its insert"),
    })?;
    Ok((stored, written))
}

impl Store {
    /// The plan of `team` for `day`, if one was made.
    pub fn plan(&self, team: &str, day: &str) -> Result<Option<SavedPlan>, StoreError> {
        self.run_sql("sigap_plans", |c| plan(c, team, day))
    }

    /// Every team's plan for `day`, by team.
    pub fn plans_on(&self, day: &str) -> Result<Vec<SavedPlan>, StoreError> {
        self.run_sql("sigap_plans", |c| plans_on(c, day))
    }

    /// Saves `plan` (JSON) as `team`'s plan for `day`. With `replace` false a plan
    /// already saved wins (two phones opening the day at once get the same plan);
    /// with `replace` true it is replaced and its version goes up. Returns the plan
    /// stored and whether `plan` is the one stored.
    pub fn save_plan(
        &mut self,
        team: &str,
        day: &str,
        made_by: &str,
        plan: &str,
        replace: bool,
    ) -> Result<(SavedPlan, bool), StoreError> {
        self.run_sql("sigap_plans", |c| {
            save(c, team, day, made_by, plan, replace)
        })
    }
}

//! What field teams and planners record on PostgreSQL: visits, day plans, case
//! audits, the rembuk's decisions, and the sealed identities (read, and re-sealed by
//! a key rotation). Each method
//! runs the same SQL as [`crate::store::Store`]'s method of the same name (through
//! [`crate::store::sql::Pg`]). Case audits and rembuk decisions are append-only here
//! by grants (the service role may only SELECT and INSERT) and triggers.

use super::{PgStore, pg_error, write_transaction};
use crate::model::{Delivery, Period};
use crate::store::sql::Pg;
use crate::store::{
    CaseAudit, RembukDecisions, SavedPlan, StoreError, Visit, case_audits, identities, plans,
    rembuk, visits,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

impl PgStore {
    /// As [`crate::store::Store::record_visit`].
    pub fn record_visit(&mut self, v: &Visit) -> Result<(Visit, bool), StoreError> {
        self.record_visit_with(v, &[]).map(|(v, new, _)| (v, new))
    }

    /// As [`crate::store::Store::record_visit_with`]: the revision is bumped only
    /// when a delivery was added.
    pub fn record_visit_with(
        &mut self,
        v: &Visit,
        deliveries: &[Delivery],
    ) -> Result<(Visit, bool, usize), StoreError> {
        self.write_sql(
            "sigap_visits",
            |c| visits::record(c, v, deliveries),
            |(_, _, added)| *added > 0,
        )
        .map(|(out, _)| out)
    }

    /// As [`crate::store::Store::visits`].
    pub fn visits(&mut self) -> Result<Vec<Visit>, StoreError> {
        self.run_sql("sigap_visits", visits::visits)
    }

    /// As [`crate::store::Store::plan`].
    pub fn plan(&mut self, team: &str, day: &str) -> Result<Option<SavedPlan>, StoreError> {
        self.run_sql("sigap_plans", |c| plans::plan(c, team, day))
    }

    /// As [`crate::store::Store::plans_on`].
    pub fn plans_on(&mut self, day: &str) -> Result<Vec<SavedPlan>, StoreError> {
        self.run_sql("sigap_plans", |c| plans::plans_on(c, day))
    }

    /// As [`crate::store::Store::save_plan`].
    pub fn save_plan(
        &mut self,
        team: &str,
        day: &str,
        made_by: &str,
        plan: &str,
        replace: bool,
    ) -> Result<(SavedPlan, bool), StoreError> {
        self.run_sql("sigap_plans", |c| {
            plans::save(c, team, day, made_by, plan, replace)
        })
    }

    /// As [`crate::store::Store::record_case_audit`].
    pub fn record_case_audit(&mut self, a: &CaseAudit) -> Result<CaseAudit, StoreError> {
        self.run_sql("sigap_case_audits", |c| case_audits::record(c, a))
    }

    /// As [`crate::store::Store::case_audits`].
    pub fn case_audits(
        &mut self,
        period: Period,
    ) -> Result<HashMap<String, CaseAudit>, StoreError> {
        self.run_sql("sigap_case_audits", |c| case_audits::latest(c, period))
    }

    /// As [`crate::store::Store::record_rembuk`]: the new set's batch is taken under
    /// the write lock, so two servers recording at once get two batches.
    pub fn record_rembuk(&mut self, d: &RembukDecisions) -> Result<RembukDecisions, StoreError> {
        let (batch, _) = self.write_sql("sigap_rembuk", |c| rembuk::record(c, d), |_| false)?;
        let place = Path::new(&self.db).to_owned();
        rembuk::recorded(
            d,
            batch,
            |period, village| {
                self.run_sql("sigap_rembuk", |c| {
                    rembuk::decisions(c, Some(period), Some(village))
                })
            },
            &place,
        )
    }

    /// As [`crate::store::Store::rembuk`].
    pub fn rembuk(
        &mut self,
        until: Option<Period>,
    ) -> Result<BTreeMap<String, RembukDecisions>, StoreError> {
        self.run_sql("sigap_rembuk", |c| rembuk::decisions(c, until, None))
    }

    /// As [`crate::store::Store::sealed_identities`].
    pub fn sealed_identities(
        &mut self,
        layer: &str,
        pseudonyms: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.run_sql("sigap_identities", |c| {
            identities::sealed(c, layer, pseudonyms)
        })
    }

    /// As [`crate::store::Store::first_sealed_identity`].
    pub fn first_sealed_identity(
        &mut self,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        self.run_sql("sigap_identities", identities::first_sealed)
    }

    /// As [`crate::store::Store::identity_count`].
    pub fn identity_count(&mut self, layer: &str) -> Result<usize, StoreError> {
        self.run_sql("sigap_identities", |c| identities::count(c, layer))
    }

    /// As [`crate::store::Store::reseal_identities`]: every record re-sealed in one
    /// transaction under the write lock ([`super::WRITE_LOCK`]), so no import or
    /// other rotation writes meanwhile, on any server; all or nothing. The revision
    /// does not move, as on SQLite (no layer or table the analysis reads changed):
    /// the servers learn of the new key by being restarted with it.
    pub fn reseal_identities<E: From<StoreError>>(
        &mut self,
        mut reseal: impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>, E>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<usize, E> {
        let PgStore { client, db, .. } = self;
        let mut tx = write_transaction(client, db)?;
        let total = identities::reseal_all(
            &mut Pg::new(&mut tx),
            |e| StoreError::of_sql(Path::new(db.as_str()), "sigap_identities", e).into(),
            &mut reseal,
            &mut progress,
        )?;
        tx.commit().map_err(pg_error(db))?;
        progress(total, total);
        Ok(total)
    }
}

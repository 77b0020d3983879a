//! Sealed identities: `sigap_identities`, one row per child or household pseudonym
//! holding the identifying fields (name, parent, address...) as the identity key
//! sealed them (`ingest::identity`). The store never sees them in clear and holds no
//! key to open them; a newer import of the same record replaces its row. The reads
//! and the re-seal of a key rotation run on both stores ([`super::sql`]).

use super::sql::{Lite, SqlConn, SqlError, Value, params};
use super::{Store, StoreError};
use rusqlite::{Transaction, TransactionBehavior};

/// The table, created when a store is opened.
pub(super) const CREATE: &str = "CREATE TABLE IF NOT EXISTS sigap_identities (
  layer TEXT NOT NULL CHECK (layer IN ('children', 'households')),
  pseudonym TEXT NOT NULL,
  sealed BLOB NOT NULL,
  PRIMARY KEY (layer, pseudonym)
)";

/// Pseudonyms looked up per statement (below SQLite's variable limit).
const CHUNK: usize = 500;
/// Records re-sealed between two progress reports of [`Store::reseal_identities`].
pub const RESEAL_PROGRESS_EVERY: usize = 1000;

/// Inserts or replaces sealed identities of `layer` inside a transaction.
pub(super) fn write(
    tx: &rusqlite::Transaction<'_>,
    layer: &str,
    rows: &[(String, Vec<u8>)],
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO sigap_identities (layer, pseudonym, sealed) VALUES (?1, ?2, ?3)",
    )?;
    for (pseudonym, sealed) in rows {
        stmt.execute(rusqlite::params![layer, pseudonym, sealed])?;
    }
    Ok(())
}

/// The sealed identities of these pseudonyms of `layer`, `(pseudonym, sealed)`;
/// pseudonyms without one are left out. Asked [`CHUNK`] pseudonyms at a time.
pub(crate) fn sealed(
    c: &mut dyn SqlConn,
    layer: &str,
    pseudonyms: &[String],
) -> Result<Vec<(String, Vec<u8>)>, SqlError> {
    let mut out = Vec::new();
    for chunk in pseudonyms.chunks(CHUNK) {
        let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "SELECT pseudonym, sealed FROM sigap_identities WHERE layer = ?1 AND pseudonym IN ({})",
            marks.join(",")
        );
        let args: Vec<Value> = std::iter::once(layer)
            .chain(chunk.iter().map(String::as_str))
            .map(Value::from)
            .collect();
        for r in c.query(&sql, &args)? {
            out.push((r.get(0)?, r.get(1)?));
        }
    }
    Ok(out)
}

/// One sealed identity, `(layer, pseudonym, sealed)`, the first by layer and
/// pseudonym; `None` when there is none.
pub(crate) fn first_sealed(
    c: &mut dyn SqlConn,
) -> Result<Option<(String, String, Vec<u8>)>, SqlError> {
    c.query_opt(
        "SELECT layer, pseudonym, sealed FROM sigap_identities ORDER BY layer, pseudonym LIMIT 1",
        &[],
    )?
    .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .transpose()
}

/// How many sealed identities `layer` has.
pub(crate) fn count(c: &mut dyn SqlConn, layer: &str) -> Result<usize, SqlError> {
    let n: i64 = c
        .query_opt(
            "SELECT count(*) FROM sigap_identities WHERE layer = ?1",
            params![layer],
        )?
        .map_or(Ok(0), |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or_default())
}

impl Store {
    /// The sealed identities of these pseudonyms of `layer` (`children`,
    /// `households`), `(pseudonym, sealed)`; pseudonyms without one are left out.
    pub fn sealed_identities(
        &self,
        layer: &str,
        pseudonyms: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.run_sql("sigap_identities", |c| sealed(c, layer, pseudonyms))
    }

    /// One sealed identity, `(layer, pseudonym, sealed)`, to tell which key opens the
    /// store; `None` when it has none.
    pub fn first_sealed_identity(&self) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        self.run_sql("sigap_identities", first_sealed)
    }

    /// How many sealed identities `layer` has.
    pub fn identity_count(&self, layer: &str) -> Result<usize, StoreError> {
        self.run_sql("sigap_identities", |c| count(c, layer))
    }

    /// Re-seals every identity record in one write transaction (taken at once, so no
    /// import writes between the read and the write): `reseal(layer, pseudonym,
    /// sealed)` gives each record's new bytes, and `progress(done, total)` is called
    /// every [`RESEAL_PROGRESS_EVERY`] records and once more after the commit. All or
    /// nothing: an error from `reseal` or from SQLite (or the process being killed)
    /// before the commit leaves every record as it was. The revision does not move:
    /// no layer or table the analysis reads changed. Returns how many records were
    /// re-sealed.
    pub fn reseal_identities<E: From<StoreError>>(
        &self,
        mut reseal: impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>, E>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<usize, E> {
        let tx = self.sql(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        ))?;
        let total = reseal_all(
            &mut Lite(&tx),
            |e| StoreError::of_sql(&self.path, "sigap_identities", e).into(),
            &mut reseal,
            &mut progress,
        )?;
        self.sql(tx.commit())?;
        progress(total, total);
        Ok(total)
    }
}

/// Re-seals every identity record through `c`, which the caller holds in one write
/// transaction and commits: reads them all in layer and pseudonym order, then
/// replaces each one's bytes with what `reseal` gives, calling `progress(done,
/// total)` every [`RESEAL_PROGRESS_EVERY`] records. Errors of `c` become `E` through
/// `sql_error`. Returns how many records were re-sealed.
pub(crate) fn reseal_all<E>(
    c: &mut dyn SqlConn,
    sql_error: impl Fn(SqlError) -> E,
    reseal: &mut impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>, E>,
    progress: &mut impl FnMut(usize, usize),
) -> Result<usize, E> {
    let rows: Vec<(String, String, Vec<u8>)> = c
        .query(
            "SELECT layer, pseudonym, sealed FROM sigap_identities ORDER BY layer, pseudonym",
            &[],
        )
        .and_then(|rows| {
            rows.iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .collect()
        })
        .map_err(&sql_error)?;
    let total = rows.len();
    for (i, (layer, pseudonym, sealed)) in rows.into_iter().enumerate() {
        let new = reseal(&layer, &pseudonym, &sealed)?;
        c.execute(
            "UPDATE sigap_identities SET sealed = ?3 WHERE layer = ?1 AND pseudonym = ?2",
            params![layer, pseudonym, new],
        )
        .map_err(&sql_error)?;
        if (i + 1) % RESEAL_PROGRESS_EVERY == 0 {
            progress(i + 1, total);
        }
    }
    Ok(total)
}

//! Sealed identities: `sigap_identities`, one row per child or household pseudonym
//! holding the identifying fields (name, parent, address...) as the identity key
//! sealed them (`ingest::identity`). The store never sees them in clear and holds no
//! key to open them; a newer import of the same record replaces its row.

use super::{Store, StoreError};
use rusqlite::{Transaction, TransactionBehavior, params_from_iter};

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

impl Store {
    /// The sealed identities of these pseudonyms of `layer` (`children`,
    /// `households`), `(pseudonym, sealed)`; pseudonyms without one are left out.
    pub fn sealed_identities(
        &self,
        layer: &str,
        pseudonyms: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for chunk in pseudonyms.chunks(CHUNK) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!(
                "SELECT pseudonym, sealed FROM sigap_identities WHERE layer = ? AND pseudonym IN ({marks})"
            );
            let mut stmt = self.sql(self.conn.prepare(&sql))?;
            let args = std::iter::once(layer).chain(chunk.iter().map(String::as_str));
            let rows = self.sql(stmt.query_map(params_from_iter(args), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            }))?;
            for row in rows {
                out.push(self.sql(row)?);
            }
        }
        Ok(out)
    }

    /// One sealed identity, `(layer, pseudonym, sealed)`, to tell which key opens the
    /// store; `None` when it has none.
    pub fn first_sealed_identity(&self) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        use rusqlite::OptionalExtension;
        self.sql(
            self.conn
                .query_row(
                    "SELECT layer, pseudonym, sealed FROM sigap_identities ORDER BY layer, pseudonym LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional(),
        )
    }

    /// How many sealed identities `layer` has.
    pub fn identity_count(&self, layer: &str) -> Result<usize, StoreError> {
        self.sql(self.conn.query_row(
            "SELECT count(*) FROM sigap_identities WHERE layer = ?1",
            [layer],
            |r| r.get::<_, i64>(0),
        ))
        .map(|n| n as usize)
    }

    /// Re-seals every identity record in one write transaction (taken at once, so no
    /// import writes between the read and the write): `reseal(layer, pseudonym,
    /// sealed)` gives each record's new bytes, and `progress(done, total)` is called
    /// every [`RESEAL_PROGRESS_EVERY`] records and at the end. All or nothing: an error
    /// from `reseal` or from SQLite (or the process being killed) before the commit
    /// leaves every record as it was. Returns how many records were re-sealed.
    pub fn reseal_identities<E: From<StoreError>>(
        &self,
        mut reseal: impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>, E>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<usize, E> {
        let tx = self.sql(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        ))?;
        let rows: Vec<(String, String, Vec<u8>)> = {
            let mut stmt = self.sql(tx.prepare(
                "SELECT layer, pseudonym, sealed FROM sigap_identities ORDER BY layer, pseudonym",
            ))?;
            let rows = self.sql(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))?;
            self.sql(rows.collect::<rusqlite::Result<_>>())?
        };
        let total = rows.len();
        {
            let mut update = self.sql(tx.prepare(
                "UPDATE sigap_identities SET sealed = ?3 WHERE layer = ?1 AND pseudonym = ?2",
            ))?;
            for (i, (layer, pseudonym, sealed)) in rows.iter().enumerate() {
                let new = reseal(layer, pseudonym, sealed)?;
                self.sql(update.execute(rusqlite::params![layer, pseudonym, new]))?;
                if (i + 1) % RESEAL_PROGRESS_EVERY == 0 {
                    progress(i + 1, total);
                }
            }
        }
        self.sql(tx.commit())?;
        progress(total, total);
        Ok(total)
    }
}

//! One way to run the small statements (accounts, sessions, the audit log) on
//! either store: SQL written once, with `?1`-style parameters and SQL both SQLite
//! and PostgreSQL read the same way, run through [`SqlConn`].
//!
//! The bulk paths (an import's rows, the load of every layer) are not written
//! through this: each store has its own fastest way there.
//!
//! Rules for a statement that runs on both:
//! - parameters are `?1`, `?2`, ...; a parameter compared with NULL alone is cast
//!   (`CAST(?1 AS BIGINT) IS NULL`), so PostgreSQL knows its type;
//! - booleans are written `true`/`false`, never `1`/`0`;
//! - times are computed in Rust and passed as text, never `strftime` or `now()`;
//! - `INSERT ... ON CONFLICT` and `RETURNING`, never `INSERT OR ...` or
//!   `last_insert_rowid()`.

/// A value passed to or read from a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    /// Bytes: a BLOB on SQLite, a bytea on PostgreSQL.
    Blob(Vec<u8>),
}

impl Value {
    /// The value for an error message: bytes by their length only (an OSM extract is
    /// tens of megabytes).
    fn shown(&self) -> String {
        match self {
            Value::Blob(b) => format!("{} bytes", b.len()),
            v => format!("{v:?}"),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

impl From<&Vec<u8>> for Value {
    fn from(v: &Vec<u8>) -> Self {
        Value::Blob(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// The parameters of a statement: `params![a, b]` for `?1`, `?2`.
macro_rules! params {
    ($($v:expr),* $(,)?) => {
        &[$($crate::store::sql::Value::from($v)),*][..]
    };
}
pub(crate) use params;

/// What can go wrong running a statement.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", super::pg::describe(.0))]
    Postgres(#[from] postgres::Error),
    /// Column `column` held a value of another type than the one asked for.
    #[error("column {column}: expected {expected}, found {found}")]
    Type {
        column: usize,
        expected: &'static str,
        found: String,
    },
    /// A stored value of row `fid` of `table` has the right type but a meaning sigap
    /// does not accept (a period that is not `YYYY-MM`, an H3 index that is no cell):
    /// the table was edited by hand. Becomes [`super::StoreError::Corrupt`].
    #[error("table {table}, fid {fid}: {reason}")]
    Corrupt {
        table: &'static str,
        fid: i64,
        reason: String,
    },
}

impl SqlError {
    /// Whether the database gave up waiting for another writer (retry shortly).
    #[must_use]
    pub fn is_busy(&self) -> bool {
        match self {
            SqlError::Sqlite(e) => super::sqlite_busy(e),
            SqlError::Postgres(e) => super::pg::is_busy(e),
            SqlError::Type { .. } | SqlError::Corrupt { .. } => false,
        }
    }
}

/// `e` as an SQLite error, for a statement run through [`Lite`] inside SQLite-only
/// code (any other error becomes a conversion failure that keeps its message).
#[must_use]
pub fn into_sqlite(e: SqlError) -> rusqlite::Error {
    match e {
        SqlError::Sqlite(e) => e,
        other => rusqlite::Error::ToSqlConversionFailure(other.into()),
    }
}

/// One row of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `i` as a `T`.
    ///
    /// # Errors
    /// [`SqlError::Type`] when the column is missing or holds another type.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, SqlError> {
        let v = self.0.get(i).unwrap_or(&Value::Null);
        T::from_value(v).ok_or_else(|| SqlError::Type {
            column: i,
            expected: T::NAME,
            found: v.shown(),
        })
    }
}

/// A Rust type a column can be read as.
pub trait FromValue: Sized {
    const NAME: &'static str;
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    const NAME: &'static str = "an integer";
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for u32 {
    const NAME: &'static str = "a count";
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u32::try_from(i).ok())
    }
}

impl FromValue for f64 {
    const NAME: &'static str = "a number";
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(r) => Some(*r),
            #[expect(
                clippy::cast_precision_loss,
                reason = "SQLite keeps whole REAL values as integers"
            )]
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

/// SQLite keeps booleans as integers; PostgreSQL has its own type.
impl FromValue for bool {
    const NAME: &'static str = "a boolean";
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    const NAME: &'static str = "bytes";
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl FromValue for String {
    const NAME: &'static str = "text";
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    const NAME: &'static str = T::NAME;
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A connection (or a transaction) that runs statements written for both stores.
pub trait SqlConn {
    /// Runs a statement; the number of rows it changed.
    ///
    /// # Errors
    /// The database's error.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, SqlError>;

    /// Runs a query; every row.
    ///
    /// # Errors
    /// The database's error.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, SqlError>;

    /// Runs a query; its first row, if any.
    ///
    /// # Errors
    /// The database's error.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, SqlError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// An SQLite connection (or transaction, through `Deref`) as a [`SqlConn`].
pub struct Lite<'a>(pub &'a rusqlite::Connection);

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as V, ValueRef};
        // Text and bytes are lent, not copied: an OSM extract is tens of megabytes.
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(V::Null),
            Value::Int(i) => ToSqlOutput::Owned(V::Integer(*i)),
            Value::Real(r) => ToSqlOutput::Owned(V::Real(*r)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Owned(V::Integer(i64::from(*b))),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl SqlConn for Lite<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, SqlError> {
        let mut st = self.0.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, SqlError> {
        use rusqlite::types::ValueRef;
        let mut st = self.0.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
}

/// How many statements a [`Pg`] keeps prepared: the statements of one piece of work
/// are a handful; statements made with `format!` (lists of varying length) must not
/// grow it without bound.
const MAX_PREPARED: usize = 64;

/// A PostgreSQL client or transaction as a [`SqlConn`]: statements are prepared to
/// learn their parameters' types, and each [`Value`] is sent as that type.
///
/// A statement is prepared once per `Pg` and reused: a loop of inserts costs one
/// round trip per row, not two.
pub struct Pg<'a, C: postgres::GenericClient> {
    conn: &'a mut C,
    prepared: std::collections::HashMap<String, postgres::Statement>,
    prepares: usize,
}

impl<'a, C: postgres::GenericClient> Pg<'a, C> {
    /// Statements on `conn` (a client, or a transaction for work that must commit
    /// together).
    pub fn new(conn: &'a mut C) -> Self {
        Pg {
            conn,
            prepared: std::collections::HashMap::new(),
            prepares: 0,
        }
    }

    /// How many statements were sent to the server to be prepared.
    #[must_use]
    pub fn prepares(&self) -> usize {
        self.prepares
    }

    /// `sql` prepared, from this `Pg`'s statements if it was before.
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, SqlError> {
        if let Some(st) = self.prepared.get(sql) {
            return Ok(st.clone());
        }
        let st = self.conn.prepare(&dollar_params(sql))?;
        self.prepares += 1;
        if self.prepared.len() < MAX_PREPARED {
            self.prepared.insert(sql.to_owned(), st.clone());
        }
        Ok(st)
    }
}

impl<C: postgres::GenericClient> SqlConn for Pg<'_, C> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, SqlError> {
        let st = self.statement(sql)?;
        let values = pg_params(&st, params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| &**v as _).collect();
        let n = self.conn.execute(&st, &refs)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, SqlError> {
        let st = self.statement(sql)?;
        let values = pg_params(&st, params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| &**v as _).collect();
        self.conn.query(&st, &refs)?.iter().map(pg_row).collect()
    }
}

type PgValue = Box<dyn postgres::types::ToSql + Sync>;

/// `params` as the types the statement `st` expects.
fn pg_params(st: &postgres::Statement, params: &[Value]) -> Result<Vec<PgValue>, SqlError> {
    use postgres::types::Type;
    let types = st.params();
    if types.len() != params.len() {
        return Err(SqlError::Type {
            column: params.len(),
            expected: "as many parameters as the statement has",
            found: format!("{} for {}", params.len(), types.len()),
        });
    }
    let mismatch = |i: usize, ty: &Type, v: &Value| SqlError::Type {
        column: i,
        expected: "a parameter of the statement's type",
        found: format!("{} for {ty}", v.shown()),
    };
    let mut out: Vec<PgValue> = Vec::with_capacity(params.len());
    for (i, (ty, v)) in types.iter().zip(params).enumerate() {
        let int = |v: i64| -> Result<PgValue, SqlError> {
            Ok(match *ty {
                Type::INT2 => {
                    Box::new(i16::try_from(v).map_err(|_| mismatch(i, ty, &Value::Int(v)))?)
                }
                Type::INT4 => {
                    Box::new(i32::try_from(v).map_err(|_| mismatch(i, ty, &Value::Int(v)))?)
                }
                Type::INT8 => Box::new(v),
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "a whole number passed for a float column"
                )]
                Type::FLOAT8 => Box::new(v as f64),
                _ => return Err(mismatch(i, ty, &Value::Int(v))),
            })
        };
        out.push(match v {
            Value::Null => match *ty {
                Type::INT2 => Box::new(None::<i16>),
                Type::INT4 => Box::new(None::<i32>),
                Type::INT8 => Box::new(None::<i64>),
                Type::FLOAT4 => Box::new(None::<f32>),
                Type::FLOAT8 => Box::new(None::<f64>),
                Type::BOOL => Box::new(None::<bool>),
                Type::BYTEA => Box::new(None::<Vec<u8>>),
                _ => Box::new(None::<String>),
            },
            Value::Int(n) => int(*n)?,
            Value::Real(r) => match *ty {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "the column is single precision"
                )]
                Type::FLOAT4 => Box::new(*r as f32),
                Type::FLOAT8 => Box::new(*r),
                _ => return Err(mismatch(i, ty, v)),
            },
            Value::Text(t) => Box::new(t.clone()),
            Value::Blob(b) => match *ty {
                Type::BYTEA => Box::new(b.clone()),
                _ => return Err(mismatch(i, ty, v)),
            },
            Value::Bool(b) => match *ty {
                Type::BOOL => Box::new(*b),
                _ => int(i64::from(*b))?,
            },
        });
    }
    Ok(out)
}

/// A PostgreSQL row as [`Value`]s, by each column's type.
fn pg_row(r: &postgres::Row) -> Result<Row, SqlError> {
    use postgres::types::Type;
    let mut values = Vec::with_capacity(r.len());
    for (i, column) in r.columns().iter().enumerate() {
        let v = match *column.type_() {
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::FLOAT4 => r
                .try_get::<_, Option<f32>>(i)?
                .map(|v| Value::Real(v.into())),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            ref other => {
                return Err(SqlError::Type {
                    column: i,
                    expected: "an integer, number, boolean, text or bytea column",
                    found: other.to_string(),
                });
            }
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

/// The time now in UTC as text in `format` (a `chrono` format such as
/// `%Y-%m-%dT%H:%M:%SZ`): a time a statement stores is computed here, never by the
/// database (`strftime` on SQLite, `now()` on PostgreSQL), so both write the same text.
#[must_use]
pub fn utc_now(format: &str) -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(
        i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        since.subsec_nanos(),
    )
    .map(|t| t.format(format).to_string())
    .unwrap_or_default()
}

/// The format of a stored time to the second, as SQLite's
/// `strftime('%Y-%m-%dT%H:%M:%SZ','now')` writes it.
pub const SECONDS: &str = "%Y-%m-%dT%H:%M:%SZ";
/// The format of a stored time to the millisecond, as SQLite's
/// `strftime('%Y-%m-%dT%H:%M:%fZ','now')` writes it.
pub const MILLISECONDS: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// `sql` with SQLite's `?N` parameters written as PostgreSQL's `$N` (outside quoted
/// text and names).
#[must_use]
pub fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_dollars_outside_quotes() {
        assert_eq!(
            dollar_params("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND \"d?3\" = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND \"d?3\" = $12"
        );
        assert_eq!(dollar_params("SELECT '?' || ?"), "SELECT '?' || ?");
    }

    #[test]
    fn sqlite_reads_and_writes_through_the_shared_interface() {
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        let mut c = Lite(&conn);
        c.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, on_ INTEGER, x REAL)",
            &[],
        )
        .expect("create");
        let n = c
            .execute(
                "INSERT INTO t (name, on_, x) VALUES (?1, ?2, ?3), (?4, ?5, ?6)",
                params!["a", true, 1.5, None::<String>, false, 2.0],
            )
            .expect("insert");
        assert_eq!(n, 2);
        let rows = c
            .query(
                "SELECT id, name, on_, x FROM t WHERE CAST(?1 AS BIGINT) IS NULL OR id = ?1 \
                 ORDER BY id",
                params![None::<i64>],
            )
            .expect("query");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get::<i64>(0).expect("id"), 1);
        assert_eq!(rows[0].get::<String>(1).expect("name"), "a");
        assert!(rows[0].get::<bool>(2).expect("on"));
        assert!(!rows[1].get::<bool>(2).expect("on"));
        assert_eq!(rows[1].get::<Option<String>>(1).expect("name"), None);
        assert!((rows[1].get::<f64>(3).expect("x") - 2.0).abs() < f64::EPSILON);
        let err = rows[0].get::<i64>(1).expect_err("text is not an integer");
        assert!(err.to_string().contains("column 1"), "{err}");
        let one = c
            .query_opt("SELECT name FROM t WHERE id = ?1", params![2_i64])
            .expect("query");
        assert_eq!(
            one.map(|r| r.get::<Option<String>>(0).expect("name")),
            Some(None)
        );
        let id = c
            .query_opt(
                "INSERT INTO t (name) VALUES (?1) RETURNING id",
                params!["c"],
            )
            .expect("returning")
            .expect("a row");
        assert_eq!(id.get::<i64>(0).expect("id"), 3);
    }
}

#[cfg(test)]
mod pg_tests {
    use super::{Pg, SqlConn};
    use crate::store::pg::testing::{Cluster, SUPERUSER};

    #[test]
    fn a_statement_run_again_is_prepared_once() {
        let Some(cluster) = Cluster::shared() else {
            return;
        };
        let name = cluster.database("prepared_once");
        let mut client = postgres::Client::connect(&cluster.url(SUPERUSER, &name), postgres::NoTls)
            .expect("connect");
        client
            .batch_execute("CREATE TABLE t (n bigint, label text)")
            .expect("table");
        let mut pg = Pg::new(&mut client);
        for n in 0..5_i64 {
            pg.execute(
                "INSERT INTO t (n, label) VALUES (?1, ?2)",
                params![n, format!("row {n}")],
            )
            .expect("insert");
        }
        let rows = pg
            .query(
                "SELECT CAST(sum(n) AS BIGINT), count(*) FROM t WHERE label <> ?1",
                params!["x"],
            )
            .expect("query");
        assert_eq!(rows[0].get::<i64>(0).expect("sum"), 10);
        assert_eq!(rows[0].get::<i64>(1).expect("count"), 5);
        assert_eq!(pg.prepares(), 2, "one insert statement and one query");
    }
}

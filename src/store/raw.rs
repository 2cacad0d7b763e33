//! One plain connection to the database, for what runs before the stores open and beside
//! them: the schema migrations (`migrate`), the data steps (`refold`), and tests and tools
//! that prepare or inspect a database with SQL.
//!
//! A statement is written once with `$N` placeholders (rewritten to SQLite's numbered
//! `?N`, which binds by number as PostgreSQL does) and binds and returns only [`Value`]s:
//! integers, text, bytes and NULL, the types the schema of both backends uses (flags are
//! integers, times Unix milliseconds).
//!
//! SQLite calls are blocking library calls made on the calling task's thread (no
//! `block_in_place`: that panics under `Handle::block_on`): this connection runs at
//! start-up, before the server serves (migrations, data steps), in the CLI and in tests,
//! never per request.

use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

use super::Backend;
use crate::core::Error;

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    /// The integer, or `None` for NULL or another type.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text, or `None` for NULL or another type.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, or `None` for NULL or another type.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The integer; panics otherwise (for tests and columns declared NOT NULL).
    pub fn int(&self) -> i64 {
        self.as_i64()
            .unwrap_or_else(|| panic!("not an integer: {self:?}"))
    }

    /// The text; panics otherwise (for tests and columns declared NOT NULL).
    pub fn text(&self) -> String {
        self.as_str()
            .unwrap_or_else(|| panic!("not text: {self:?}"))
            .to_string()
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Int(b as i64)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            Value::Int(i) if *ty == Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
            Value::Int(i) if *ty == Type::BOOL => (*i != 0).to_sql(ty, out),
            Value::Int(i) => i.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Bytes(Vec::<u8>::from_sql(ty, raw)?),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL | Type::BYTEA
        ) || <String as FromSql>::accepts(ty)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Bytes(b) => ValueRef::Blob(b),
        }))
    }
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        // no column of the schema is REAL; an aggregate that makes one is read as its text
        ValueRef::Real(r) => Value::Text(r.to_string()),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

/// `$N` placeholders as SQLite's `?N` (outside quoted text and identifiers).
fn sqlite_sql(sql: &str) -> String {
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
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    out.push(c);
                } else if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

fn sqlite_query(
    c: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> rusqlite::Result<Vec<Vec<Value>>> {
    let mut stmt = c.prepare(&sqlite_sql(sql))?;
    let n = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(sqlite_value(r.get_ref(i)?));
        }
        out.push(row);
    }
    Ok(out)
}

/// A connection of either backend.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `sql`, any number of statements without parameters (SQLite's
    /// `execute_batch`, PostgreSQL's simple query protocol).
    pub async fn batch(&mut self, sql: &str) -> Result<(), Error> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => Ok(c.batch_execute(sql).await?),
        }
    }

    /// Runs one statement; returns how many rows it changed.
    pub async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        match self {
            Conn::Sqlite(c) => {
                let n = c.execute(&sqlite_sql(sql), rusqlite::params_from_iter(params))?;
                Ok(n as u64)
            }
            Conn::Postgres(c) => {
                let params: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                Ok(c.execute(sql, &params).await?)
            }
        }
    }

    /// Runs one query; returns its rows, each as its columns' values in order.
    pub async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
        match self {
            Conn::Sqlite(c) => Ok(sqlite_query(c, sql, params)?),
            Conn::Postgres(c) => {
                let params: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                let rows = c.query(sql, &params).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut row = Vec::with_capacity(r.len());
                    for i in 0..r.len() {
                        row.push(r.try_get::<_, Value>(i)?);
                    }
                    out.push(row);
                }
                Ok(out)
            }
        }
    }

    /// The first column of the first row, if there is a row.
    pub async fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Value>, Error> {
        Ok(self
            .query(sql, params)
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next()))
    }

    /// Runs `body` in a transaction begun with `begin` ("BEGIN", "BEGIN IMMEDIATE"):
    /// committed if it returns `Ok`, rolled back if it fails.
    pub async fn transaction<T>(
        &mut self,
        begin: &str,
        body: impl AsyncFnOnce(&mut Conn) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.batch(begin).await?;
        let out = match body(self).await {
            Ok(v) => self.batch("COMMIT").await.map(|()| v),
            Err(e) => Err(e),
        };
        if out.is_err() {
            // never leave the connection inside the transaction (a failed statement or
            // COMMIT may have ended it already on SQLite: then this fails harmlessly)
            let _ = self.batch("ROLLBACK").await;
        }
        out
    }

    /// A write transaction (see `transaction`): on SQLite it takes the write lock up front
    /// (BEGIN IMMEDIATE), so it never fails half-way on a lock upgrade.
    pub async fn write<T>(
        &mut self,
        body: impl AsyncFnOnce(&mut Conn) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        self.transaction(begin, body).await
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_sql;

    #[test]
    fn numbered_placeholders_become_sqlites() {
        assert_eq!(
            sqlite_sql("SELECT '$1', \"$2\" FROM t WHERE a = $1 AND b = $12"),
            "SELECT '$1', \"$2\" FROM t WHERE a = ?1 AND b = ?12"
        );
    }
}

//! Dynamic SQL for rusqlite: text with anonymous `?` placeholders appended in bind order,
//! and arguments that borrow what the caller already holds (ids, names, filter values).
//!
//! Lists (`IN (...)`) are padded to a power of two by repeating their last value: `IN`
//! ignores repeats, and the statement cache then holds a handful of shapes per query
//! instead of one per length.

use std::borrow::Cow;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{Connection, Row, ToSql};

use crate::core::model::{AccountId, ActiveType, GroupId, PlatformType, ProjectId, UserId, Word};

/// One bound value: the portable types of `store` (integers, text, NULL).
#[derive(Debug, Clone)]
pub(super) enum Arg<'a> {
    Int(i64),
    Text(Cow<'a, str>),
    Null,
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Int(v) => ValueRef::Integer(*v),
            Arg::Text(s) => ValueRef::Text(s.as_bytes()),
            Arg::Null => ValueRef::Null,
        }))
    }
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Int(v as i64)
    }
}
impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(v))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(v))
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(Cow::Owned(v))
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Arg::Null, Arg::from)
    }
}

/// The core's [`Word`]s are stored as their words (TEXT), bound and read without a
/// `String`; a stored word this version does not know fails the read (the row is refused,
/// not guessed at).
macro_rules! words {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_str().as_bytes())))
            }
        }
        impl FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = v.as_str()?;
                <$t>::parse(s).ok_or_else(|| {
                    FromSqlError::Other(
                        format!(
                            "stored {} {s:?} is not one this version knows",
                            <$t>::FIELD
                        )
                        .into(),
                    )
                })
            }
        }
        impl From<$t> for Arg<'_> {
            fn from(v: $t) -> Self {
                Arg::Text(Cow::Borrowed(v.as_str()))
            }
        }
        impl From<&$t> for Arg<'_> {
            fn from(v: &$t) -> Self {
                Arg::Text(Cow::Borrowed(v.as_str()))
            }
        }
    )*};
}
words!(ActiveType, PlatformType);

/// The core's ids are stored as their text.
macro_rules! ids {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_bytes())))
            }
        }
        impl FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(v).map(<$t>::from)
            }
        }
        impl<'a> From<&'a $t> for Arg<'a> {
            fn from(v: &'a $t) -> Self {
                Arg::Text(Cow::Borrowed(v.as_str()))
            }
        }
        impl From<$t> for Arg<'_> {
            fn from(v: $t) -> Self {
                Arg::Text(Cow::Owned(v.into_string()))
            }
        }
    )*};
}
ids!(AccountId, ProjectId, UserId, GroupId);

/// The length a list of `n` values is padded to.
fn padded(n: usize) -> usize {
    // beyond 16,384 the padding could exceed SQLite's 32,766 parameters
    if n <= 2 || n > 1 << 14 {
        n
    } else {
        n.next_power_of_two()
    }
}

/// A statement being built.
#[derive(Debug, Clone, Default)]
pub(super) struct Sql<'a> {
    pub text: String,
    pub args: Vec<Arg<'a>>,
}

impl<'a> Sql<'a> {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the placeholder of a new argument.
    pub fn bind(&mut self, arg: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push('?');
        self
    }

    /// Appends `?, ?, ...` for the values (at least one), padded (see the module).
    pub fn bind_list<T: Into<Arg<'a>>>(
        &mut self,
        values: impl IntoIterator<Item = T>,
    ) -> &mut Self {
        let from = self.args.len();
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v);
        }
        let n = self.args.len() - from;
        if n > 0 {
            for _ in n..padded(n) {
                let last = self.args[self.args.len() - 1].clone();
                self.text.push_str(", ?");
                self.args.push(last);
            }
        }
        self
    }

    /// The same arguments under other text (a statement wrapping this one as a subquery).
    pub fn with_text(&self, text: String) -> Sql<'a> {
        Sql {
            text,
            args: self.args.clone(),
        }
    }

    /// Runs the statement, handing each row to `f`.
    pub fn each(
        &self,
        conn: &Connection,
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let mut stmt = conn.prepare_cached(&self.text)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(self.args.iter()))?;
        while let Some(r) = rows.next()? {
            f(r)?;
        }
        Ok(())
    }

    /// The rows, each made by `f`.
    pub fn collect<T>(
        &self,
        conn: &Connection,
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(conn, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    pub fn execute(&self, conn: &Connection) -> rusqlite::Result<usize> {
        conn.prepare_cached(&self.text)?
            .execute(rusqlite::params_from_iter(self.args.iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_padded_with_their_last_value() {
        let mut sql = Sql::new("x IN (");
        sql.bind_list(["a", "b", "c"]).push(")");
        assert_eq!(sql.text, "x IN (?, ?, ?, ?)");
        assert_eq!(sql.args.len(), 4);
        assert!(matches!(&sql.args[3], Arg::Text(s) if s == "c"));
        assert_eq!(padded(1), 1);
        assert_eq!(padded(1000), 1024);
        assert_eq!(padded(20_000), 20_000);
    }
}

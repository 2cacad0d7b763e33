//! Statements for tokio-postgres: text with `$N` placeholders appended in bind order, and
//! arguments that borrow what the caller already holds (ids, names, filter values).
//!
//! Every statement is prepared with the types of its arguments (`prepare_typed_cached`),
//! so the server never has to infer a parameter's type from its context
//! (`CASE WHEN $1 = 1`, `$2 = $3`, `CAST($4 AS INTEGER)` would be inferred as `integer`, or
//! not at all, and an `i64` could not be bound). Lists are one array argument (`= ANY($n)`)
//! instead of a placeholder per value, so a query has one shape whatever the list's length
//! and the per-connection statement cache stays small.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt::Write as _;

use bytes::BytesMut;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type};
use tokio_postgres::{Row, Statement};

use super::Client;
use crate::core::model::{AccountId, ActiveType, GroupId, PlatformType, ProjectId, UserId, Word};
use crate::core::Error;

/// Statements a connection keeps prepared before its cache is emptied: the fixed queries
/// plus the shapes of the dynamic ones (filter combinations).
const STATEMENT_CACHE: usize = 256;

/// One bound value: the portable types of `store` (integers, text, NULL), booleans for the
/// flag columns (BOOLEAN since migration 0012), bytes for workbook chunks, and arrays of
/// text, integers or booleans for lists and bulk inserts.
#[derive(Debug, Clone)]
pub(super) enum Arg<'a> {
    Int(i64),
    Bool(bool),
    Text(Cow<'a, str>),
    OptText(Option<Cow<'a, str>>),
    Bytes(&'a [u8]),
    Texts(Vec<Cow<'a, str>>),
    OptTexts(Vec<Option<Cow<'a, str>>>),
    Ints(Vec<i64>),
    Bools(Vec<bool>),
    OptInt(Option<i64>),
}

impl Arg<'_> {
    /// The PostgreSQL type the statement is prepared with for this argument.
    fn ty(&self) -> Type {
        match self {
            Arg::Int(_) | Arg::OptInt(_) => Type::INT8,
            Arg::Bool(_) => Type::BOOL,
            Arg::Text(_) | Arg::OptText(_) => Type::TEXT,
            Arg::Bytes(_) => Type::BYTEA,
            Arg::Texts(_) | Arg::OptTexts(_) => Type::TEXT_ARRAY,
            Arg::Ints(_) => Type::INT8_ARRAY,
            Arg::Bools(_) => Type::BOOL_ARRAY,
        }
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Arg<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Arg::Int(v) => v.to_sql(ty, out),
            Arg::Bool(v) => v.to_sql(ty, out),
            Arg::Text(v) => v.to_sql(ty, out),
            Arg::OptText(v) => v.to_sql(ty, out),
            Arg::Bytes(v) => v.to_sql(ty, out),
            Arg::Texts(v) => v.to_sql(ty, out),
            Arg::OptTexts(v) => v.to_sql(ty, out),
            Arg::Ints(v) => v.to_sql(ty, out),
            Arg::Bools(v) => v.to_sql(ty, out),
            Arg::OptInt(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // each variant checks its own type in `to_sql_checked`
        true
    }

    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Arg::Int(v) => v.to_sql_checked(ty, out),
            Arg::Bool(v) => v.to_sql_checked(ty, out),
            Arg::Text(v) => v.to_sql_checked(ty, out),
            Arg::OptText(v) => v.to_sql_checked(ty, out),
            Arg::Bytes(v) => v.to_sql_checked(ty, out),
            Arg::Texts(v) => v.to_sql_checked(ty, out),
            Arg::OptTexts(v) => v.to_sql_checked(ty, out),
            Arg::Ints(v) => v.to_sql_checked(ty, out),
            Arg::Bools(v) => v.to_sql_checked(ty, out),
            Arg::OptInt(v) => v.to_sql_checked(ty, out),
        }
    }
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
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
        Arg::OptText(v.map(Cow::Borrowed))
    }
}
impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v.map(Cow::Owned))
    }
}
impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Arg::Bytes(v)
    }
}
impl<'a> From<&'a [String]> for Arg<'a> {
    fn from(v: &'a [String]) -> Self {
        Arg::Texts(v.iter().map(|s| Cow::Borrowed(s.as_str())).collect())
    }
}
impl<'a> From<&'a [&'a str]> for Arg<'a> {
    fn from(v: &'a [&'a str]) -> Self {
        Arg::Texts(v.iter().map(|s| Cow::Borrowed(*s)).collect())
    }
}
impl From<Vec<String>> for Arg<'_> {
    fn from(v: Vec<String>) -> Self {
        Arg::Texts(v.into_iter().map(Cow::Owned).collect())
    }
}
impl<'a> From<Vec<&'a str>> for Arg<'a> {
    fn from(v: Vec<&'a str>) -> Self {
        Arg::Texts(v.into_iter().map(Cow::Borrowed).collect())
    }
}
impl<'a> From<Vec<Option<&'a str>>> for Arg<'a> {
    fn from(v: Vec<Option<&'a str>>) -> Self {
        Arg::OptTexts(v.into_iter().map(|s| s.map(Cow::Borrowed)).collect())
    }
}
impl From<Vec<i64>> for Arg<'_> {
    fn from(v: Vec<i64>) -> Self {
        Arg::Ints(v)
    }
}
impl From<Vec<bool>> for Arg<'_> {
    fn from(v: Vec<bool>) -> Self {
        Arg::Bools(v)
    }
}

/// The core's [`Word`]s are stored as their words (TEXT): bound as text, read from the
/// row's bytes without a `String`; a stored word this version does not know fails the read
/// (the row is refused, not guessed at).
macro_rules! words {
    ($($t:ty),*) => {$(
        impl<'r> FromSql<'r> for $t {
            fn from_sql(ty: &Type, raw: &'r [u8]) -> Result<Self, BoxError> {
                let s = <&str as FromSql>::from_sql(ty, raw)?;
                <$t>::parse(s).ok_or_else(|| {
                    format!("stored {} {s:?} is not one this version knows", <$t>::FIELD).into()
                })
            }

            fn accepts(ty: &Type) -> bool {
                <&str as FromSql>::accepts(ty)
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
        impl<'r> FromSql<'r> for $t {
            fn from_sql(ty: &Type, raw: &'r [u8]) -> Result<Self, BoxError> {
                <String as FromSql>::from_sql(ty, raw).map(<$t>::from)
            }

            fn accepts(ty: &Type) -> bool {
                <String as FromSql>::accepts(ty)
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

    /// Appends the placeholder of a new argument (an array for a list: `= ANY(` .. `)`).
    pub fn bind(&mut self, arg: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(arg.into());
        // written in place: no String per placeholder
        let _ = write!(self.text, "${}", self.args.len());
        self
    }

    /// The same arguments under other text (a statement wrapping this one as a subquery).
    pub fn with_text(&self, text: String) -> Sql<'a> {
        Sql {
            text,
            args: self.args.clone(),
        }
    }

    pub async fn rows(&self, c: &Client) -> Result<Vec<Row>, Error> {
        rows(c, &self.text, &self.args).await
    }

    pub async fn one(&self, c: &Client) -> Result<Row, Error> {
        one(c, &self.text, &self.args).await
    }

    pub async fn execute(&self, c: &Client) -> Result<u64, Error> {
        execute(c, &self.text, &self.args).await
    }
}

/// The connection's prepared statement for `text` with these arguments' types.
async fn prepare(c: &Client, text: &str, args: &[Arg<'_>]) -> Result<Statement, Error> {
    if c.statement_cache.size() >= STATEMENT_CACHE {
        // dynamic shapes piled up: start again (dropped statements are closed on the server)
        c.statement_cache.clear();
    }
    let types: Vec<Type> = args.iter().map(Arg::ty).collect();
    Ok(c.prepare_typed_cached(text, &types).await?)
}

fn params<'b>(args: &'b [Arg<'_>]) -> Vec<&'b (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

/// Every row of the statement.
pub(super) async fn rows(c: &Client, text: &str, args: &[Arg<'_>]) -> Result<Vec<Row>, Error> {
    let stmt = prepare(c, text, args).await?;
    Ok(c.query(&stmt, &params(args)).await?)
}

/// The statement's row, if it has one (the first of several).
pub(super) async fn opt(c: &Client, text: &str, args: &[Arg<'_>]) -> Result<Option<Row>, Error> {
    Ok(rows(c, text, args).await?.into_iter().next())
}

/// The statement's first row; none is an error (`Internal`: the caller knew there is one).
pub(super) async fn one(c: &Client, text: &str, args: &[Arg<'_>]) -> Result<Row, Error> {
    opt(c, text, args)
        .await?
        .ok_or_else(|| Error::Internal(format!("no row returned by {text}")))
}

/// Runs a statement that returns no rows; the number of rows it changed.
pub(super) async fn execute(c: &Client, text: &str, args: &[Arg<'_>]) -> Result<u64, Error> {
    let stmt = prepare(c, text, args).await?;
    Ok(c.execute(&stmt, &params(args)).await?)
}

/// How many rows pass a filtered list's filter: told by a short page when it can be
/// (`Page::total_if_last`), else counted with `count` (the filter's `SELECT count(*)`, built
/// only then). A full page, or an empty one past the start, says nothing of the total.
pub(super) async fn filtered_total<'a>(
    c: &Client,
    page: crate::core::model::Page,
    rows: usize,
    count: impl FnOnce() -> Sql<'a>,
) -> Result<i64, Error> {
    match page.total_if_last(rows) {
        Some(total) => Ok(total),
        None => Ok(count().one(c).await?.try_get(0)?),
    }
}

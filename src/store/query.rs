//! A small builder for dynamic SQL. Placeholders are `$N` for PostgreSQL and anonymous `?`
//! for SQLite (sqlx's own `QueryBuilder<Any>` cannot tell them apart). SQLite resolves every
//! named parameter (`$N`, `?N`) by a linear scan, so a statement with n of them costs O(n^2)
//! to bind; anonymous ones cost nothing, which makes large multi-row inserts cheap. The
//! builder appends placeholders strictly in bind order, which is what `?` needs.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
    OptText(Option<String>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    args: Vec<Arg>,
    anonymous: bool,
}

impl Sql {
    /// A statement for `conn`'s backend.
    pub fn on(conn: &AnyConnection, text: &str) -> Self {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
            anonymous: conn.backend_name() == "SQLite",
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the placeholder of a new argument.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        if self.anonymous {
            self.text.push('?');
        } else {
            self.text.push_str(&format!("${}", self.args.len()));
        }
        self
    }

    /// Appends `$a, $b, ...` for every value.
    pub fn bind_list<T: Into<Arg> + Clone>(&mut self, values: &[T]) -> &mut Self {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v.clone());
        }
        self
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::OptText(v) => q.bind(v.as_deref()),
            };
        }
        q
    }

    /// The text and arguments, for a caller that wraps this as a subquery or a count.
    pub fn with_text(&self, text: String) -> Sql {
        Sql {
            text,
            args: self.args.clone(),
            anonymous: self.anonymous,
        }
    }
}

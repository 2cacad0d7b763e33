//! sqlx errors as the core's `Error`: what a database failure means to a caller.

use crate::core::Error;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Error::Unavailable(e.to_string()),
            // 23503 on PostgreSQL: a row this write references went away under it (a
            // concurrent deletion committed between its check and its insert). The writes
            // lock what they reference first (`store::RowLock`), so this is a race they
            // did not foresee: run again, the check then answers 404
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40001" | "40P01" | "23503")) =>
            {
                Error::Contention(e.to_string())
            }
            sqlx::Error::Database(db) if is_unavailable_code(db.code().as_deref()) => {
                Error::Unavailable(e.to_string())
            }
            _ => Error::Internal(e.to_string()),
        }
    }
}

/// SQLITE_BUSY / SQLITE_LOCKED after the busy timeout, PostgreSQL's connection, shutdown
/// and resource classes (08, 53, 57P), and transaction conflicts (40001 serialization
/// failure, 40P01 deadlock: the transaction was rolled back whole) mean "try again", not
/// "our bug".
fn is_unavailable_code(code: Option<&str>) -> bool {
    match code {
        Some(c) => {
            c == "5"
                || c == "6"
                || c == "40001"
                || c == "40P01"
                || c.starts_with("08")
                || c.starts_with("53")
                || c.starts_with("57P")
        }
        None => false,
    }
}

/// True when `e` is a unique-constraint violation (SQLite 2067/1555, PostgreSQL 23505).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(
                db.code().as_deref(),
                Some("2067") | Some("1555") | Some("23505")
            )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_unavailable_code;

    #[test]
    fn transient_database_states_are_unavailable_not_internal() {
        for c in ["5", "6", "40001", "40P01", "08006", "53300", "57P01"] {
            assert!(is_unavailable_code(Some(c)), "{c}");
        }
        for c in ["23505", "42P01", "1", "2067"] {
            assert!(!is_unavailable_code(Some(c)), "{c}");
        }
        assert!(!is_unavailable_code(None));
    }
}

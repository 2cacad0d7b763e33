//! Keystone's application credentials (`core::application_credentials`) on rusqlite
//! (migration 0021): rows of `application_credentials`, roles as a JSON array of ids.

use rusqlite::{OptionalExtension, Row};

use super::SqliteTx;
use crate::core::application_credentials::*;
use crate::core::model::AccountId;
use crate::core::Error;

const COLS: &str = "id, account_id, user_id, project_id, name, description, secret_hash, \
     role_ids, unrestricted, expires_at, created_at FROM application_credentials";

fn row(r: &Row<'_>) -> rusqlite::Result<AppCredRow> {
    let roles: String = r.get(7)?;
    Ok(AppCredRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        user_id: r.get(2)?,
        project_id: r.get(3)?,
        name: r.get(4)?,
        description: r.get(5)?,
        secret_hash: r.get(6)?,
        role_ids: serde_json::from_str(&roles).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?,
        unrestricted: r.get(8)?,
        expires_at: r.get(9)?,
        created_at: r.get(10)?,
    })
}

impl<const WRITE: bool> AppCredRead for SqliteTx<WRITE> {
    fn app_cred(&mut self, id: &str) -> Result<Option<AppCredRow>, Error> {
        let sql = format!("SELECT {COLS} WHERE id = ?");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], row)
            .optional()?)
    }

    fn app_creds_of(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        name: Option<&str>,
    ) -> Result<Vec<AppCredRow>, Error> {
        let sql = format!(
            "SELECT {COLS} WHERE account_id = ?1 AND user_id = ?2 AND (?3 IS NULL OR name = ?3) \
             ORDER BY created_at, id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params![account_id, user_id, name], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn app_cred_count(&mut self, account_id: &AccountId, user_id: &str) -> Result<i64, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM application_credentials WHERE user_id = ? \
                 AND account_id = ?",
            )?
            .query_row(rusqlite::params![user_id, account_id], |r| r.get(0))?)
    }
}

impl AppCredWrite for SqliteTx<true> {
    fn insert_app_cred(&mut self, r: &AppCredRow) -> Result<(), Error> {
        let roles =
            serde_json::to_string(&r.role_ids).map_err(|e| Error::Internal(e.to_string()))?;
        self.conn
            .prepare_cached(
                "INSERT INTO application_credentials (id, account_id, user_id, project_id, name, \
                 description, secret_hash, role_ids, unrestricted, expires_at, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![
                r.id,
                r.account_id,
                r.user_id,
                r.project_id,
                r.name,
                r.description,
                r.secret_hash,
                roles,
                r.unrestricted,
                r.expires_at,
                r.created_at
            ])?;
        Ok(())
    }

    fn delete_app_cred(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        id: &str,
    ) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "DELETE FROM application_credentials WHERE id = ? AND account_id = ? \
                 AND user_id = ?",
            )?
            .execute(rusqlite::params![id, account_id, user_id])?;
        Ok(n == 1)
    }
}

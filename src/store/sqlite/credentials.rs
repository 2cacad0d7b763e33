//! Keystone's credentials (`core::keystone_credentials`) on rusqlite (migration 0017): ec2
//! credentials are rows of `access_keys` with their Keystone columns, other types rows of
//! `credentials`.

use rusqlite::{OptionalExtension, Row};

use super::SqliteTx;
use crate::core::keystone_credentials::*;
use crate::core::model::{AccountId, ProjectId};
use crate::core::Error;

const EC2_COLS: &str = "coalesce(credential_id, ''), access_key, account_id, user_id, project_id, \
     secret_sealed, secret_readable, status = 'active', created_at FROM access_keys";

fn ec2(r: &Row<'_>) -> rusqlite::Result<Ec2Row> {
    let access_key: String = r.get(1)?;
    let mut credential_id: String = r.get(0)?;
    if credential_id.is_empty() {
        // a key a node of the release before made after the data step ran
        credential_id = ec2_credential_id(&access_key);
    }
    Ok(Ec2Row {
        credential_id,
        access_key,
        account_id: r.get(2)?,
        user_id: r.get(3)?,
        project_id: r.get(4)?,
        secret_sealed: r.get(5)?,
        secret_readable: r.get(6)?,
        active: r.get(7)?,
        created_at: r.get(8)?,
    })
}

const BLOB_COLS: &str =
    "id, account_id, user_id, project_id, type, blob_sealed, created_at FROM credentials";

fn blob(r: &Row<'_>) -> rusqlite::Result<BlobRow> {
    Ok(BlobRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        user_id: r.get(2)?,
        project_id: r.get(3)?,
        kind: r.get(4)?,
        blob_sealed: r.get(5)?,
        created_at: r.get(6)?,
    })
}

impl<const WRITE: bool> CredentialRead for SqliteTx<WRITE> {
    fn ec2_by_id(&mut self, account_id: &AccountId, id: &str) -> Result<Option<Ec2Row>, Error> {
        let sql = format!("SELECT {EC2_COLS} WHERE credential_id = ? AND account_id = ?");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![id, account_id], ec2)
            .optional()?)
    }

    fn ec2_by_access(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<Option<Ec2Row>, Error> {
        let sql = format!("SELECT {EC2_COLS} WHERE access_key = ? AND account_id = ?");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![access_key, account_id], ec2)
            .optional()?)
    }

    fn ec2_rows(
        &mut self,
        account_id: &AccountId,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Ec2Row>, Error> {
        let rows = match user_id {
            Some(u) => {
                let sql = format!(
                    "SELECT {EC2_COLS} WHERE account_id = ? AND user_id = ? \
                     ORDER BY created_at, access_key LIMIT ?"
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let rows = stmt.query_map(rusqlite::params![account_id, u, limit], ec2)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
            None => {
                let sql = format!(
                    "SELECT {EC2_COLS} WHERE account_id = ? ORDER BY created_at, access_key \
                     LIMIT ?"
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let rows = stmt.query_map(rusqlite::params![account_id, limit], ec2)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    fn blob_by_id(&mut self, account_id: &AccountId, id: &str) -> Result<Option<BlobRow>, Error> {
        let sql = format!("SELECT {BLOB_COLS} WHERE id = ? AND account_id = ?");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params![id, account_id], blob)
            .optional()?)
    }

    fn blob_rows(
        &mut self,
        account_id: &AccountId,
        user_id: Option<&str>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<BlobRow>, Error> {
        let sql = format!(
            "SELECT {BLOB_COLS} WHERE account_id = ?1 AND (?2 IS NULL OR user_id = ?2) \
             AND (?3 IS NULL OR type = ?3) ORDER BY created_at, id LIMIT ?4"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params![account_id, user_id, kind, limit], blob)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn blob_count(&mut self, account_id: &AccountId, user_id: &str) -> Result<i64, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM credentials WHERE user_id = ? AND account_id = ?",
            )?
            .query_row(rusqlite::params![user_id, account_id], |r| r.get(0))?)
    }
}

impl CredentialWrite for SqliteTx<true> {
    fn set_ec2_details(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
        project_id: Option<&ProjectId>,
        secret_readable: bool,
    ) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE access_keys SET project_id = ?, secret_readable = ? \
                 WHERE access_key = ? AND account_id = ?",
            )?
            .execute(rusqlite::params![
                project_id.map(|p| p.as_str()),
                secret_readable,
                access_key,
                account_id
            ])?;
        Ok(n == 1)
    }

    fn update_ec2(&mut self, row: &Ec2Row) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE access_keys SET credential_id = ?1, access_key = ?2, secret_sealed = ?3, \
                 project_id = ?4, secret_readable = ?5 WHERE account_id = ?6 \
                 AND credential_id = ?1",
            )?
            .execute(rusqlite::params![
                row.credential_id,
                row.access_key,
                row.secret_sealed,
                row.project_id.as_ref().map(|p| p.as_str()),
                row.secret_readable,
                row.account_id,
            ])?;
        Ok(n == 1)
    }

    fn insert_blob(&mut self, row: &BlobRow) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO credentials (id, account_id, user_id, project_id, type, \
                 blob_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![
                row.id,
                row.account_id,
                row.user_id,
                row.project_id.as_ref().map(|p| p.as_str()),
                row.kind,
                row.blob_sealed,
                row.created_at
            ])?;
        Ok(())
    }

    fn update_blob(&mut self, row: &BlobRow) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE credentials SET type = ?, blob_sealed = ?, project_id = ? \
                 WHERE id = ? AND account_id = ?",
            )?
            .execute(rusqlite::params![
                row.kind,
                row.blob_sealed,
                row.project_id.as_ref().map(|p| p.as_str()),
                row.id,
                row.account_id
            ])?;
        Ok(n == 1)
    }

    fn delete_blob(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM credentials WHERE id = ? AND account_id = ?")?
            .execute(rusqlite::params![id, account_id])?;
        Ok(n == 1)
    }
}

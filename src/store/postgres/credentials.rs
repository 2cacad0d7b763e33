//! Keystone's credentials (`core::keystone_credentials`) on tokio-postgres (migration
//! 0017): ec2 credentials are rows of `access_keys` with their Keystone columns, other
//! types rows of `credentials`.

use tokio_postgres::Row;

use super::sql::{execute, one, opt, rows};
use super::PgTx;
use crate::core::keystone_credentials::*;
use crate::core::model::{AccountId, ProjectId};
use crate::core::Error;

const EC2_COLS: &str = "credential_id, access_key, account_id, user_id, project_id, \
     secret_sealed, secret_readable, status = 'active', created_at FROM access_keys";

fn ec2(r: &Row) -> Result<Ec2Row, Error> {
    let access_key: String = r.try_get(1)?;
    let credential_id: Option<String> = r.try_get(0)?;
    Ok(Ec2Row {
        // none: a key a node of the release before made after the data step ran
        credential_id: credential_id.unwrap_or_else(|| ec2_credential_id(&access_key)),
        access_key,
        account_id: r.try_get(2)?,
        user_id: r.try_get(3)?,
        project_id: r.try_get(4)?,
        secret_sealed: r.try_get(5)?,
        secret_readable: r.try_get(6)?,
        active: r.try_get(7)?,
        created_at: r.try_get(8)?,
    })
}

const BLOB_COLS: &str =
    "id, account_id, user_id, project_id, type, blob_sealed, created_at FROM credentials";

fn blob(r: &Row) -> Result<BlobRow, Error> {
    Ok(BlobRow {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        project_id: r.try_get(3)?,
        kind: r.try_get(4)?,
        blob_sealed: r.try_get(5)?,
        created_at: r.try_get(6)?,
    })
}

impl<const WRITE: bool> CredentialRead for PgTx<WRITE> {
    fn ec2_by_id(&mut self, account_id: &AccountId, id: &str) -> Result<Option<Ec2Row>, Error> {
        let sql = format!("SELECT {EC2_COLS} WHERE credential_id = $1 AND account_id = $2");
        self.run(async {
            opt(self.c(), &sql, &[id.into(), account_id.into()])
                .await?
                .as_ref()
                .map(ec2)
                .transpose()
        })
    }

    fn ec2_by_access(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<Option<Ec2Row>, Error> {
        let sql = format!("SELECT {EC2_COLS} WHERE access_key = $1 AND account_id = $2");
        self.run(async {
            opt(self.c(), &sql, &[access_key.into(), account_id.into()])
                .await?
                .as_ref()
                .map(ec2)
                .transpose()
        })
    }

    fn ec2_rows(
        &mut self,
        account_id: &AccountId,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Ec2Row>, Error> {
        let sql = format!(
            "SELECT {EC2_COLS} WHERE account_id = $1 AND ($2::text IS NULL OR user_id = $2) \
             ORDER BY created_at, access_key LIMIT $3"
        );
        self.run(async {
            rows(
                self.c(),
                &sql,
                &[account_id.into(), user_id.into(), limit.into()],
            )
            .await?
            .iter()
            .map(ec2)
            .collect()
        })
    }

    fn blob_by_id(&mut self, account_id: &AccountId, id: &str) -> Result<Option<BlobRow>, Error> {
        let sql = format!("SELECT {BLOB_COLS} WHERE id = $1 AND account_id = $2");
        self.run(async {
            opt(self.c(), &sql, &[id.into(), account_id.into()])
                .await?
                .as_ref()
                .map(blob)
                .transpose()
        })
    }

    fn blob_rows(
        &mut self,
        account_id: &AccountId,
        user_id: Option<&str>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<BlobRow>, Error> {
        let sql = format!(
            "SELECT {BLOB_COLS} WHERE account_id = $1 AND ($2::text IS NULL OR user_id = $2) \
             AND ($3::text IS NULL OR type = $3) ORDER BY created_at, id LIMIT $4"
        );
        self.run(async {
            rows(
                self.c(),
                &sql,
                &[account_id.into(), user_id.into(), kind.into(), limit.into()],
            )
            .await?
            .iter()
            .map(blob)
            .collect()
        })
    }

    fn blob_count(&mut self, account_id: &AccountId, user_id: &str) -> Result<i64, Error> {
        self.run(async {
            let r = one(
                self.c(),
                "SELECT count(*) FROM credentials WHERE user_id = $1 AND account_id = $2",
                &[user_id.into(), account_id.into()],
            )
            .await?;
            Ok(r.try_get(0)?)
        })
    }
}

impl CredentialWrite for PgTx<true> {
    fn set_ec2_details(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
        project_id: Option<&ProjectId>,
        secret_readable: bool,
    ) -> Result<bool, Error> {
        self.run(async {
            let n = execute(
                self.c(),
                "UPDATE access_keys SET project_id = $1, secret_readable = $2 \
                 WHERE access_key = $3 AND account_id = $4",
                &[
                    project_id.map(|p| p.as_str()).into(),
                    secret_readable.into(),
                    access_key.into(),
                    account_id.into(),
                ],
            )
            .await?;
            Ok(n == 1)
        })
    }

    fn update_ec2(&mut self, row: &Ec2Row) -> Result<bool, Error> {
        self.run(async {
            let n = execute(
                self.c(),
                "UPDATE access_keys SET access_key = $2, secret_sealed = $3, project_id = $4, \
                 secret_readable = $5 WHERE credential_id = $1 AND account_id = $6",
                &[
                    (&row.credential_id).into(),
                    (&row.access_key).into(),
                    (&row.secret_sealed).into(),
                    row.project_id.as_ref().map(|p| p.as_str()).into(),
                    row.secret_readable.into(),
                    (&row.account_id).into(),
                ],
            )
            .await?;
            Ok(n == 1)
        })
    }

    fn insert_blob(&mut self, row: &BlobRow) -> Result<(), Error> {
        self.run(async {
            execute(
                self.c(),
                "INSERT INTO credentials (id, account_id, user_id, project_id, type, \
                 blob_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    (&row.id).into(),
                    (&row.account_id).into(),
                    (&row.user_id).into(),
                    row.project_id.as_ref().map(|p| p.as_str()).into(),
                    (&row.kind).into(),
                    (&row.blob_sealed).into(),
                    row.created_at.into(),
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn update_blob(&mut self, row: &BlobRow) -> Result<bool, Error> {
        self.run(async {
            let n = execute(
                self.c(),
                "UPDATE credentials SET type = $1, blob_sealed = $2, project_id = $3 \
                 WHERE id = $4 AND account_id = $5",
                &[
                    (&row.kind).into(),
                    (&row.blob_sealed).into(),
                    row.project_id.as_ref().map(|p| p.as_str()).into(),
                    (&row.id).into(),
                    (&row.account_id).into(),
                ],
            )
            .await?;
            Ok(n == 1)
        })
    }

    fn delete_blob(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error> {
        self.run(async {
            let n = execute(
                self.c(),
                "DELETE FROM credentials WHERE id = $1 AND account_id = $2",
                &[id.into(), account_id.into()],
            )
            .await?;
            Ok(n == 1)
        })
    }
}

//! What Keystone's application credentials need from storage (migration 0021): the part
//! of the storage boundary (`core::storage`) behind `/v3/users/{id}/application_credentials`
//! and the `application_credential` auth method. `ReadTx` and `WriteTx` include these
//! traits; `store` implements them per backend
//! (src/store/{sqlite,postgres}/application_credentials.rs).
//!
//! The store keeps, beneath these methods: a name is unique per user (`Error::Unique`);
//! deleting users deletes their application credentials; deleting a project deletes the
//! application credentials of the project.

use crate::core::model::{AccountId, ProjectId, UserId};
use crate::core::Error;

/// An application credential as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredRow {
    /// 32 hex characters.
    pub id: String,
    pub account_id: AccountId,
    pub user_id: UserId,
    /// The project its tokens are scoped to.
    pub project_id: ProjectId,
    pub name: String,
    pub description: Option<String>,
    /// argon2id PHC string of the secret (`core::password`).
    pub secret_hash: String,
    /// The ids of the roles it delegates, in the order given.
    pub role_ids: Vec<String>,
    /// Keystone's `unrestricted`: it may make application credentials (and trusts).
    pub unrestricted: bool,
    /// Unix microseconds (Keystone keeps microseconds: an expiry is shown back exactly as
    /// given); `None` never expires.
    pub expires_at: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
}

/// Reads of application credentials.
pub trait AppCredRead {
    /// The application credential `id`, in whichever account (the auth method names it by
    /// id alone).
    fn app_cred(&mut self, id: &str) -> Result<Option<AppCredRow>, Error>;
    /// The account's user's application credentials (named `name` when given), oldest
    /// first.
    fn app_creds_of(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        name: Option<&str>,
    ) -> Result<Vec<AppCredRow>, Error>;
    /// How many application credentials the account's user has.
    fn app_cred_count(&mut self, account_id: &AccountId, user_id: &str) -> Result<i64, Error>;
}

/// Writes of application credentials, in the write transaction of the operation.
pub trait AppCredWrite {
    /// Errors: `Unique` when the user has one of that name.
    fn insert_app_cred(&mut self, row: &AppCredRow) -> Result<(), Error>;
    /// False when the account's user has no such application credential.
    fn delete_app_cred(
        &mut self,
        account_id: &AccountId,
        user_id: &str,
        id: &str,
    ) -> Result<bool, Error>;
}

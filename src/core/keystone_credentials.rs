//! What Keystone's credentials need from storage (migration 0017): the part of the storage
//! boundary (`core::storage`) behind `/v3/credentials` and `/v3/users/{id}/credentials/OS-EC2`.
//! `ReadTx` and `WriteTx` include these traits; `store` implements them per backend
//! (src/store/{sqlite,postgres}/credentials.rs).
//!
//! One store, three views: a credential of type `ec2` IS an access key pair (the row of
//! `access_keys` that `/v3.0/OS-CREDENTIAL` and v5 show, that signs requests), seen with
//! its Keystone details ([`Ec2Row`]); a credential of any other type is an opaque blob
//! ([`BlobRow`], table `credentials`).
//!
//! The store keeps, beneath these methods: every access key inserted (through any face)
//! gets the credential id [`ec2_credential_id`] of its access key, which stays when
//! [`CredentialWrite::update_ec2`] gives it another access key (Keystone keeps a
//! credential's id when a PATCH changes the blob's `access`); deleting users deletes their
//! credentials; deleting a project sets the project of its credentials to none (the keys
//! keep working).

use crate::core::model::{AccountId, ProjectId, UserId};
use crate::core::Error;

/// Keystone's id of an ec2 credential: the lower-case hex SHA-256 of its access key
/// (keystone/api/credentials.py `_assign_unique_id`; `utils.hash_access_key`).
pub fn ec2_credential_id(access_key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(access_key.as_bytes()))
}

/// An access key seen as a Keystone ec2 credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ec2Row {
    /// Keystone's id: [`ec2_credential_id`] of the access key it was made with.
    pub credential_id: String,
    pub access_key: String,
    pub account_id: AccountId,
    pub user_id: UserId,
    /// Keystone's `project_id` (OS-EC2's `tenant_id`); `None` for keys made through
    /// OS-CREDENTIAL or v5, and after the project's deletion.
    pub project_id: Option<ProjectId>,
    /// Sealed with the master key, bound to the access key (`auth::sealing`).
    pub secret_sealed: String,
    /// Whether Keystone's views may show the secret again: true when the key got its secret
    /// through them (Keystone's blob holds it); false for OS-CREDENTIAL and v5 keys, whose
    /// secret is shown once, at creation.
    pub secret_readable: bool,
    /// The key's own status.
    pub active: bool,
    /// Unix ms.
    pub created_at: i64,
}

/// A credential of any type but `ec2`: an opaque blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    /// 32 hex characters.
    pub id: String,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub project_id: Option<ProjectId>,
    /// Keystone's `type`: `cert`, `totp` or any other word but `ec2`.
    pub kind: String,
    /// The blob sealed with the master key, bound to `credential:{id}`.
    pub blob_sealed: String,
    /// Unix ms.
    pub created_at: i64,
}

/// Reads of credentials; all within one account (another account's answer as none).
pub trait CredentialRead {
    /// The account's access key whose credential id is `id`.
    fn ec2_by_id(&mut self, account_id: &AccountId, id: &str) -> Result<Option<Ec2Row>, Error>;
    /// The account's access key `access_key`.
    fn ec2_by_access(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
    ) -> Result<Option<Ec2Row>, Error>;
    /// The account's access keys (of `user_id` when given), oldest first, at most `limit`.
    fn ec2_rows(
        &mut self,
        account_id: &AccountId,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Ec2Row>, Error>;
    fn blob_by_id(&mut self, account_id: &AccountId, id: &str) -> Result<Option<BlobRow>, Error>;
    /// The account's blob credentials (of `user_id`, of type `kind`, when given), oldest
    /// first, at most `limit`.
    fn blob_rows(
        &mut self,
        account_id: &AccountId,
        user_id: Option<&str>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<BlobRow>, Error>;
    /// How many blob credentials the account's user has.
    fn blob_count(&mut self, account_id: &AccountId, user_id: &str) -> Result<i64, Error>;
}

/// Writes of credentials, in the write transaction of the operation.
pub trait CredentialWrite {
    /// Sets the Keystone details of the account's access key `access_key` (just inserted
    /// by `insert_access_key`); false when there is none.
    fn set_ec2_details(
        &mut self,
        account_id: &AccountId,
        access_key: &str,
        project_id: Option<&ProjectId>,
        secret_readable: bool,
    ) -> Result<bool, Error>;
    /// Gives the key whose credential id is `id` the access key, sealed secret, project
    /// and readability of `row` (its id, user and creation time stay); false when the
    /// account has no such key. Errors: `Unique` when the access key is taken.
    fn update_ec2(&mut self, row: &Ec2Row) -> Result<bool, Error>;
    fn insert_blob(&mut self, row: &BlobRow) -> Result<(), Error>;
    /// Replaces type, sealed blob and project of `row.id`; false when there is none.
    fn update_blob(&mut self, row: &BlobRow) -> Result<bool, Error>;
    /// False when the account has no such credential.
    fn delete_blob(&mut self, account_id: &AccountId, id: &str) -> Result<bool, Error>;
}

//! Keystone's credentials (`/v3/credentials`, `/v3/users/{id}/credentials/OS-EC2`): one
//! store, three views. A credential of type `ec2` IS an access key pair of its user (the
//! key `/v3.0/OS-CREDENTIAL` and v5 list, that signs requests): making one makes an access
//! key with that access and secret, under the same limit of [`MAX_KEYS_PER_USER`] keys,
//! counted in the write transaction that holds the user's row; deleting it through any view
//! deletes the key. Its id is Keystone's, the SHA-256 of the access key it was made with
//! (kept when a PATCH changes the access, as Keystone keeps it). A credential of any other
//! type (`cert`, `totp`, any word) is an opaque blob, sealed with the master key at rest.
//!
//! Secrets: Keystone shows an ec2 credential's secret whenever the credential is read (it
//! is part of the blob), and Roster does so too for the keys that got their secret through
//! Keystone's views (made through `/v3/credentials` or OS-EC2, or given a new secret by a
//! PATCH); a key made through OS-CREDENTIAL or v5 keeps the promise made there (its
//! secret is shown once, at creation): Keystone's views show it without a secret.
//! OS-CREDENTIAL never shows a secret again, whichever view made the key.
//!
//! Projects: an ec2 credential names a project of its account (Keystone requires one); the
//! key signs as its user whatever the project. Deleting the project leaves the key working
//! without a project (Keystone would delete the credential; a Huawei key is not bound to a
//! project). Who may do what is the face's check.

use std::sync::Arc;

use super::credentials::MAX_KEYS_PER_USER;
use super::Directory;
use crate::auth::sealing::MasterKey;
use crate::core::error::{Entity, Error};
use crate::core::keystone_credentials::{BlobRow, Ec2Row};
use crate::core::model::{AccountId, ProjectId, UserId};
use crate::core::storage::{AccessKeyRow, ReadTx, RowLock, WriteTx};
use crate::core::{ids, validate};

/// Keystone's type of the credentials that are access key pairs (compared without regard
/// to case, as Keystone does).
pub const EC2: &str = "ec2";

/// Most credentials of other types than `ec2` one user may have. Keystone's
/// `[credential] user_limit` is unlimited by default; a bound keeps a user from filling the
/// database.
pub const MAX_BLOB_CREDENTIALS_PER_USER: i64 = 100;

/// Most bytes of a blob (Keystone stores it in a TEXT column: 65,535 bytes on MySQL).
pub const MAX_BLOB_BYTES: usize = 65_535;

/// Most characters of a chosen access key, and of a secret.
pub const MAX_ACCESS_CHARS: usize = 128;
pub const MAX_SECRET_CHARS: usize = 256;

/// A Keystone credential as the faces show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: String,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub project_id: Option<ProjectId>,
    /// Unix ms.
    pub created_at: i64,
    pub body: CredentialBody,
}

/// What a credential holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialBody {
    /// An access key pair; `secret` is `None` when it is not shown again (see the module's
    /// documentation).
    Ec2 {
        access: String,
        secret: Option<String>,
    },
    /// Any other type, with its blob as given.
    Blob { kind: String, blob: String },
}

impl Credential {
    /// Keystone's `type`.
    pub fn kind(&self) -> &str {
        match &self.body {
            CredentialBody::Ec2 { .. } => EC2,
            CredentialBody::Blob { kind, .. } => kind,
        }
    }
}

/// Which credentials a list shows; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct CredentialFilter {
    pub user_id: Option<String>,
    pub kind: Option<String>,
}

/// A new blob of a PATCH: the ec2 access key pair its blob names, or an opaque blob.
#[derive(Debug, Clone)]
pub enum BlobPatch {
    Ec2 { access: String, secret: String },
    Opaque(String),
}

/// What a PATCH changes: each `Some` is written. `project_id: Some(None)` removes the
/// project (refused for an ec2 credential).
#[derive(Debug, Clone, Default)]
pub struct CredentialPatch {
    pub kind: Option<String>,
    pub blob: Option<BlobPatch>,
    pub project_id: Option<Option<String>>,
}

/// Whether `kind` is Keystone's `ec2`.
pub fn is_ec2(kind: &str) -> bool {
    kind.eq_ignore_ascii_case(EC2)
}

/// An access key a client chose (Keystone's blob `access`): 1 to [`MAX_ACCESS_CHARS`]
/// letters, digits and `.`, `_`, `~`, `-`, so that it can stand in every signature's
/// header (`Access=AK,`, `Credential=AK/...`).
pub fn check_access(access: &str) -> Result<(), Error> {
    let n = access.chars().count();
    if n == 0 || n > MAX_ACCESS_CHARS {
        return Err(Error::invalid(format!(
            "the access of an ec2 credential must have 1 to {MAX_ACCESS_CHARS} characters"
        )));
    }
    if let Some(c) = access
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._~-".contains(*c)))
    {
        return Err(Error::invalid(format!(
            "the access of an ec2 credential may hold letters, digits, '.', '_', '~' and '-' \
             only, not {}",
            crate::core::text::quoted(&c.to_string())
        )));
    }
    Ok(())
}

/// A secret a client chose: 1 to [`MAX_SECRET_CHARS`] printable ASCII characters, no space.
pub fn check_secret(secret: &str) -> Result<(), Error> {
    let n = secret.chars().count();
    if n == 0 || n > MAX_SECRET_CHARS {
        return Err(Error::invalid(format!(
            "the secret of an ec2 credential must have 1 to {MAX_SECRET_CHARS} characters"
        )));
    }
    if !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "the secret of an ec2 credential may hold printable ASCII characters only, no space",
        ));
    }
    Ok(())
}

/// A type other than ec2: 1 to 255 single-line characters (Keystone's column).
fn check_kind(kind: &mut String) -> Result<(), Error> {
    validate::normalize(kind);
    if kind.is_empty() {
        return Err(Error::invalid("type must not be empty"));
    }
    validate::text("type", kind, 255)
}

fn check_blob(blob: &str) -> Result<(), Error> {
    if blob.len() > MAX_BLOB_BYTES {
        return Err(Error::invalid(format!(
            "blob must have at most {MAX_BLOB_BYTES} bytes"
        )));
    }
    Ok(())
}

fn limit_error(n: i64) -> Error {
    // Keystone's CredentialLimitExceeded, word for word
    Error::Limit(format!(
        "Unable to create additional credentials, maximum of {n} already exceeded for user."
    ))
}

fn duplicate(e: Error) -> Error {
    match e {
        Error::Unique(_) => Error::Conflict(
            "Conflict occurred attempting to store credential - Duplicate entry: another ec2 \
             credential has this access"
                .into(),
        ),
        e => e,
    }
}

fn blob_binding(id: &str) -> String {
    format!("credential:{id}")
}

/// Holds the account's user `user_id` until the transaction ends: 404 if there is none.
fn hold_user(tx: &mut dyn WriteTx, a: &AccountId, u: &str) -> Result<(), Error> {
    if tx
        .lock_users(a, &[u.to_string()], RowLock::NoKeyUpdate)?
        .is_empty()
    {
        return Err(Error::NotFound(Entity::User, u.to_string()));
    }
    Ok(())
}

/// The account's project `p`: 404 if there is none (another account's included).
fn own_project<T: ReadTx + ?Sized>(tx: &mut T, a: &AccountId, p: &str) -> Result<ProjectId, Error> {
    match tx.project(p)? {
        Some(pr) if pr.account_id == *a => Ok(pr.id),
        _ => Err(Error::NotFound(Entity::Project, p.to_string())),
    }
}

fn from_ec2(key: &MasterKey, r: Ec2Row) -> Result<Credential, Error> {
    let secret = if r.secret_readable {
        Some(key.open(&r.secret_sealed, &r.access_key)?)
    } else {
        None
    };
    Ok(Credential {
        id: r.credential_id,
        account_id: r.account_id,
        user_id: r.user_id,
        project_id: r.project_id,
        created_at: r.created_at,
        body: CredentialBody::Ec2 {
            access: r.access_key,
            secret,
        },
    })
}

fn from_blob(key: &MasterKey, r: BlobRow) -> Result<Credential, Error> {
    let blob = key.open(&r.blob_sealed, &blob_binding(&r.id))?;
    Ok(Credential {
        id: r.id,
        account_id: r.account_id,
        user_id: r.user_id,
        project_id: r.project_id,
        created_at: r.created_at,
        body: CredentialBody::Blob { kind: r.kind, blob },
    })
}

/// The account's credential `id`, as stored.
enum Stored {
    Ec2(Ec2Row),
    Blob(BlobRow),
}

fn stored<T: ReadTx + ?Sized>(tx: &mut T, a: &AccountId, id: &str) -> Result<Stored, Error> {
    if let Some(r) = tx.ec2_by_id(a, id)? {
        return Ok(Stored::Ec2(r));
    }
    match tx.blob_by_id(a, id)? {
        Some(r) => Ok(Stored::Blob(r)),
        None => Err(Error::NotFound(Entity::Credential, id.to_string())),
    }
}

impl Directory {
    /// Makes an ec2 credential of the account's user `user_id` for its project
    /// `project_id`: an access key pair, `chosen` (Keystone's blob `access` and `secret`,
    /// checked by [`check_access`] and [`check_secret`]) or new (OS-EC2). Errors: 404 for
    /// no such user or project; [`Error::Limit`] (Keystone's words) when the user has
    /// [`MAX_KEYS_PER_USER`] keys already; [`Error::Conflict`] when the access is taken.
    pub async fn create_ec2_credential(
        &self,
        account_id: &str,
        user_id: &str,
        project_id: &str,
        chosen: Option<(String, String)>,
    ) -> Result<Credential, Error> {
        if let Some((a, s)) = &chosen {
            check_access(a)?;
            check_secret(s)?;
        }
        let account_id = AccountId::from(account_id);
        let (user_id, project_id) = (user_id.to_string(), project_id.to_string());
        for _ in 0..3 {
            let (access, secret) = chosen
                .clone()
                .unwrap_or_else(|| (ids::new_access_key(), ids::new_secret_key()));
            let row = AccessKeyRow {
                access_key: access.clone(),
                account_id: account_id.clone(),
                user_id: user_id.as_str().into(),
                secret_sealed: self.master_key.seal(&secret, &access),
                active: true,
                is_root: false,
                description: String::new(),
            };
            let (a, u, p) = (account_id.clone(), user_id.clone(), project_id.clone());
            let done = self
                .writing(move |tx| {
                    hold_user(tx, &a, &u)?;
                    let p = own_project(tx, &a, &p)?;
                    if tx.access_keys_of(&a, &u)?.len() >= MAX_KEYS_PER_USER {
                        return Err(limit_error(MAX_KEYS_PER_USER as i64));
                    }
                    let now = ids::now_ms();
                    tx.insert_access_key(&row, now)?;
                    tx.set_ec2_details(&a, &row.access_key, Some(&p), true)?;
                    tx.ec2_by_access(&a, &row.access_key)?
                        .ok_or_else(|| Error::Internal("a key just inserted is missing".into()))
                })
                .await;
            match done {
                Ok(r) => return from_ec2(&self.master_key, r),
                // a made access key taken (36^20 of them): try another
                Err(Error::Unique(_)) if chosen.is_none() => continue,
                Err(e) => return Err(duplicate(e)),
            }
        }
        Err(Error::Internal("could not pick a free access key".into()))
    }

    /// Makes a credential of a type other than ec2 (`kind`, a single-line word of at most
    /// 255 characters) holding `blob` (at most [`MAX_BLOB_BYTES`]), of the account's user
    /// `user_id`, optionally for its project `project_id`. Errors: 404 for no such user or
    /// project; [`Error::Limit`] past [`MAX_BLOB_CREDENTIALS_PER_USER`].
    pub async fn create_blob_credential(
        &self,
        account_id: &str,
        user_id: &str,
        project_id: Option<String>,
        mut kind: String,
        blob: String,
    ) -> Result<Credential, Error> {
        check_kind(&mut kind)?;
        if is_ec2(&kind) {
            return Err(Error::Internal("an ec2 credential is an access key".into()));
        }
        check_blob(&blob)?;
        let account_id = AccountId::from(account_id);
        let id = ids::new_id();
        let sealed = self.master_key.seal(&blob, &blob_binding(&id));
        let (a, u) = (account_id.clone(), user_id.to_string());
        let row = self
            .writing(move |tx| {
                hold_user(tx, &a, &u)?;
                let project_id = match &project_id {
                    Some(p) => Some(own_project(tx, &a, p)?),
                    None => None,
                };
                if tx.blob_count(&a, &u)? >= MAX_BLOB_CREDENTIALS_PER_USER {
                    return Err(limit_error(MAX_BLOB_CREDENTIALS_PER_USER));
                }
                let row = BlobRow {
                    id: id.clone(),
                    account_id: a.clone(),
                    user_id: u.as_str().into(),
                    project_id,
                    kind: kind.clone(),
                    blob_sealed: sealed.clone(),
                    created_at: ids::now_ms(),
                };
                tx.insert_blob(&row)?;
                Ok(row)
            })
            .await?;
        from_blob(&self.master_key, row)
    }

    /// The account's credential `id`: 404 if it has none.
    pub async fn credential(&self, account_id: &str, id: &str) -> Result<Credential, Error> {
        let (a, id) = (AccountId::from(account_id), id.to_string());
        let s = self.reading(move |tx| stored(tx, &a, &id)).await?;
        match s {
            Stored::Ec2(r) => from_ec2(&self.master_key, r),
            Stored::Blob(r) => from_blob(&self.master_key, r),
        }
    }

    /// The account's access key `access` as an ec2 credential: 404 if it has none.
    pub async fn ec2_credential(
        &self,
        account_id: &str,
        access: &str,
    ) -> Result<Credential, Error> {
        let (a, k) = (AccountId::from(account_id), access.to_string());
        let r = self
            .reading(move |tx| {
                tx.ec2_by_access(&a, &k)?
                    .ok_or_else(|| Error::NotFound(Entity::AccessKey, k.clone()))
            })
            .await?;
        from_ec2(&self.master_key, r)
    }

    /// The ec2 credentials of the account's user `user_id`, oldest first: 404 if there is
    /// no such user.
    pub async fn ec2_credentials_of(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<Credential>, Error> {
        let (a, u) = (AccountId::from(account_id), user_id.to_string());
        let rows = self
            .reading(move |tx| {
                if tx.user(&a, &u)?.is_none() {
                    return Err(Error::NotFound(Entity::User, u.clone()));
                }
                tx.ec2_rows(&a, Some(&u), i64::MAX)
            })
            .await?;
        rows.into_iter()
            .map(|r| from_ec2(&self.master_key, r))
            .collect()
    }

    /// The account's credentials passing `filter`, oldest first (ec2 or not), and whether
    /// `limit` cut the list. A filter naming no user or type matches nothing.
    pub async fn credentials(
        &self,
        account_id: &str,
        filter: CredentialFilter,
        limit: Option<i64>,
    ) -> Result<(Vec<Credential>, bool), Error> {
        let a = AccountId::from(account_id);
        let ask = limit.map_or(i64::MAX, |l| l.saturating_add(1));
        let (ec2, blobs) = self
            .reading(move |tx| {
                let user = filter.user_id.as_deref();
                let (want_ec2, kind) = match filter.kind.as_deref() {
                    None => (true, None),
                    Some(k) if is_ec2(k) => (true, Some(EC2)),
                    Some(k) => (false, Some(k)),
                };
                let ec2 = if want_ec2 {
                    tx.ec2_rows(&a, user, ask)?
                } else {
                    Vec::new()
                };
                let blobs = match kind {
                    Some(EC2) => Vec::new(),
                    k => tx.blob_rows(&a, user, k, ask)?,
                };
                Ok((ec2, blobs))
            })
            .await?;
        let mut all = ec2
            .into_iter()
            .map(|r| from_ec2(&self.master_key, r))
            .chain(blobs.into_iter().map(|r| from_blob(&self.master_key, r)))
            .collect::<Result<Vec<_>, Error>>()?;
        all.sort_by(|x, y| (x.created_at, &x.id).cmp(&(y.created_at, &y.id)));
        let cut = limit.is_some_and(|l| all.len() as i64 > l);
        if let Some(l) = limit {
            all.truncate(l.max(0) as usize);
        }
        Ok((all, cut))
    }

    /// Changes the account's credential `id` (one transaction) and returns it as it now is.
    /// An ec2 credential stays ec2 and another type stays another type (400 otherwise:
    /// the one is an access key, the other a blob); its id stays. A new ec2 blob gives the
    /// key another access and secret (the old access stops working at once on this node);
    /// an ec2 credential keeps a project. Errors: 404 (credential, project), 409 when the
    /// new access is taken.
    pub async fn update_credential(
        &self,
        account_id: &str,
        id: &str,
        mut patch: CredentialPatch,
    ) -> Result<Credential, Error> {
        if let Some(k) = patch.kind.as_mut() {
            check_kind(k)?;
            if is_ec2(k) {
                *k = EC2.to_string();
            }
        }
        match &patch.blob {
            Some(BlobPatch::Ec2 { access, secret }) => {
                check_access(access)?;
                check_secret(secret)?;
            }
            Some(BlobPatch::Opaque(b)) => check_blob(b)?,
            None => {}
        }
        let (a, id) = (AccountId::from(account_id), id.to_string());
        let key: Arc<MasterKey> = self.master_key.clone();
        let out = self
            .writing(move |tx| match stored(tx, &a, &id)? {
                Stored::Ec2(row) => update_ec2(tx, &key, row, &patch),
                Stored::Blob(row) => update_blob(tx, &key, row, &patch),
            })
            .await
            .map_err(duplicate);
        let out = out?;
        self.keys_changed();
        match out {
            Stored::Ec2(r) => from_ec2(&self.master_key, r),
            Stored::Blob(r) => from_blob(&self.master_key, r),
        }
    }

    /// Deletes the account's credential `id` (an ec2 credential's access key: it stops
    /// working at once on this node): 404 if there is none.
    pub async fn delete_credential(&self, account_id: &str, id: &str) -> Result<(), Error> {
        let (a, id) = (AccountId::from(account_id), id.to_string());
        let out = self
            .writing(move |tx| {
                let found = match stored(tx, &a, &id)? {
                    Stored::Ec2(r) => tx.delete_access_key(&a, &r.access_key)?,
                    Stored::Blob(r) => tx.delete_blob(&a, &r.id)?,
                };
                if found {
                    Ok(())
                } else {
                    Err(Error::NotFound(Entity::Credential, id.clone()))
                }
            })
            .await;
        self.keys_changed();
        out
    }
}

fn project_patch(
    tx: &mut dyn WriteTx,
    a: &AccountId,
    now: Option<ProjectId>,
    patch: &CredentialPatch,
) -> Result<Option<ProjectId>, Error> {
    match &patch.project_id {
        None => Ok(now),
        Some(None) => Ok(None),
        Some(Some(p)) => Ok(Some(own_project(tx, a, p)?)),
    }
}

fn update_ec2(
    tx: &mut dyn WriteTx,
    key: &MasterKey,
    row: Ec2Row,
    patch: &CredentialPatch,
) -> Result<Stored, Error> {
    if patch.kind.as_deref().is_some_and(|k| k != EC2) {
        return Err(Error::invalid(
            "the type of an ec2 credential cannot change (it is an access key pair): delete \
             it and create another",
        ));
    }
    if matches!(patch.blob, Some(BlobPatch::Opaque(_))) {
        return Err(Error::Internal("an ec2 blob was not read as one".into()));
    }
    let mut new = row.clone();
    new.project_id = project_patch(tx, &row.account_id, row.project_id.clone(), patch)?;
    if new.project_id.is_none() && (patch.project_id.is_some() || patch.kind.is_some()) {
        // Keystone: "ec2 credentials require a project_id to be functional"
        return Err(Error::invalid(
            "an ec2 credential needs a project_id (Invalid input for field 'project_id')",
        ));
    }
    if let Some(BlobPatch::Ec2 { access, secret }) = &patch.blob {
        new.access_key = access.clone();
        new.secret_sealed = key.seal(secret, access);
        new.secret_readable = true;
    }
    if !tx.update_ec2(&new)? {
        return Err(Error::NotFound(Entity::Credential, row.credential_id));
    }
    tx.ec2_by_id(&new.account_id, &new.credential_id)?
        .map(Stored::Ec2)
        .ok_or_else(|| Error::NotFound(Entity::Credential, new.credential_id.clone()))
}

fn update_blob(
    tx: &mut dyn WriteTx,
    key: &MasterKey,
    row: BlobRow,
    patch: &CredentialPatch,
) -> Result<Stored, Error> {
    if patch.kind.as_deref() == Some(EC2) || matches!(patch.blob, Some(BlobPatch::Ec2 { .. })) {
        return Err(Error::invalid(format!(
            "a {} credential cannot become an ec2 credential (an access key pair): delete it \
             and create another",
            crate::core::text::quoted(&row.kind)
        )));
    }
    let mut new = row.clone();
    new.project_id = project_patch(tx, &row.account_id, row.project_id.clone(), patch)?;
    if let Some(k) = &patch.kind {
        new.kind = k.clone();
    }
    if let Some(BlobPatch::Opaque(b)) = &patch.blob {
        new.blob_sealed = key.seal(b, &blob_binding(&row.id));
    }
    if !tx.update_blob(&new)? {
        return Err(Error::NotFound(Entity::Credential, row.id));
    }
    Ok(Stored::Blob(new))
}

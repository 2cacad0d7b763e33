//! Identity policies (IAM v5, `/v5/policies`): custom policies with versions, one of them
//! the default (the one that counts), attached to users and groups. One transaction each.
//!
//! Rules, as the cloud has them (IAM v5 API reference, "Identity Policies"): a name of 1 to
//! 128 letters, digits and `+=,.@-_`, unique in the account; a path of `segment/` parts
//! (each 1 to 64 of the same characters; empty by default); a Version 5.0 document of at most
//! 6,144 characters; at most [`MAX_VERSIONS`] versions (the default cannot be deleted); at
//! most [`MAX_POLICIES`] policies per account and [`MAX_ATTACHED`] per user or group. A
//! policy that is attached cannot be deleted (detach it first).

use std::collections::HashMap;

use super::Directory;
use crate::core::authz::store::{AttachmentRow, IdentityPolicyRow, PolicyVersionRow, Principal};
use crate::core::authz::{Document, Version};
use crate::core::error::{Entity, Error};
use crate::core::ids;
use crate::core::model::{AccountId, GroupId, UserId};
use crate::core::storage::{RowLock, WriteTx};
use crate::core::text::quoted;

/// Most versions of one policy.
pub const MAX_VERSIONS: usize = 5;
/// Most identity policies of one account.
pub const MAX_POLICIES: usize = 200;
/// Most identity policies attached to one user or group.
pub const MAX_ATTACHED: usize = 50;

/// An identity policy with what its views show.
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    pub row: IdentityPolicyRow,
    pub attachment_count: usize,
}

fn name_chars(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c))
}

fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.chars().count() > 128 || !name_chars(name) {
        return Err(Error::invalid(format!(
            "policy_name {} must be 1 to 128 letters, digits and +=,.@-_",
            quoted(name)
        )));
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), Error> {
    let ok = path.is_empty()
        || (path.ends_with('/')
            && path.len() <= 512
            && path
                .trim_end_matches('/')
                .split('/')
                .all(|seg| !seg.is_empty() && seg.len() <= 64 && name_chars(seg)));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "path {} must be empty or segments of letters, digits and +=,.@-_ each ending in /",
            quoted(path)
        )))
    }
}

/// Checks a document and returns it as compact JSON text.
fn check_document(text: &str) -> Result<String, Error> {
    Document::parse(text, Version::V5_0)?;
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("the policy document is invalid: {e}")))?;
    Ok(v.to_string())
}

fn must_get(
    tx: &mut dyn WriteTx,
    account_id: &AccountId,
    id: &str,
) -> Result<IdentityPolicyRow, Error> {
    tx.identity_policy(account_id, id)?
        .ok_or_else(|| Error::NotFound(Entity::Policy, id.to_string()))
}

impl Directory {
    /// Creates a policy with its first version `v1`, the default. Errors: `Invalid`,
    /// `Duplicate` (name), `Conflict` (the account has [`MAX_POLICIES`]).
    pub async fn create_identity_policy(
        &self,
        account_id: &str,
        name: &str,
        path: &str,
        description: &str,
        document: &str,
    ) -> Result<IdentityPolicy, Error> {
        check_name(name)?;
        check_path(path)?;
        crate::core::validate::text("description", description, 1000)?;
        let document = check_document(document)?;
        let account_id = AccountId::from(account_id);
        let (name, path, description) =
            (name.to_string(), path.to_string(), description.to_string());
        let id = ids::new_id();
        let out = self
            .writing(move |tx| {
                let all = tx.identity_policies(&account_id)?;
                if all.len() >= MAX_POLICIES {
                    return Err(Error::Conflict(format!(
                        "the account has {MAX_POLICIES} identity policies, the most it may have"
                    )));
                }
                if all.iter().any(|p| p.name == name) {
                    return Err(Error::Duplicate(Entity::Policy, name.clone()));
                }
                let now = ids::now_ms();
                let row = IdentityPolicyRow {
                    id: id.clone(),
                    account_id: account_id.clone(),
                    name: name.clone(),
                    path: path.clone(),
                    description: description.clone(),
                    default_version_id: "v1".into(),
                    next_version: 2,
                    created_at: now,
                    updated_at: now,
                };
                tx.insert_identity_policy(&row).map_err(|e| match e {
                    Error::Unique(_) => Error::Duplicate(Entity::Policy, name.clone()),
                    e => e,
                })?;
                tx.insert_policy_version(&PolicyVersionRow {
                    policy_id: id.clone(),
                    version_id: "v1".into(),
                    document: document.clone(),
                    created_at: now,
                })?;
                Ok(IdentityPolicy {
                    row,
                    attachment_count: 0,
                })
            })
            .await?;
        self.authz_changed();
        Ok(out)
    }

    /// The account's policies, oldest first, with their attachment counts.
    pub async fn identity_policies(&self, account_id: &str) -> Result<Vec<IdentityPolicy>, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for a in tx.attachments(&account_id, None, None)? {
                *counts.entry(a.policy_id).or_default() += 1;
            }
            Ok(tx
                .identity_policies(&account_id)?
                .into_iter()
                .map(|row| {
                    let attachment_count = counts.get(&row.id).copied().unwrap_or(0);
                    IdentityPolicy {
                        row,
                        attachment_count,
                    }
                })
                .collect())
        })
        .await
    }

    /// One policy. Errors: `NotFound`.
    pub async fn identity_policy(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<IdentityPolicy, Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.reading(move |tx| {
            let row = tx
                .identity_policy(&account_id, &id)?
                .ok_or_else(|| Error::NotFound(Entity::Policy, id.clone()))?;
            let attachment_count = tx.attachments(&account_id, Some(&id), None)?.len();
            Ok(IdentityPolicy {
                row,
                attachment_count,
            })
        })
        .await
    }

    /// Changes a policy's description. Errors: `NotFound`, `Invalid`.
    pub async fn update_identity_policy(
        &self,
        account_id: &str,
        id: &str,
        description: &str,
    ) -> Result<(), Error> {
        crate::core::validate::text("description", description, 1000)?;
        let (account_id, id, description) = (
            AccountId::from(account_id),
            id.to_string(),
            description.to_string(),
        );
        self.writing(move |tx| {
            let mut row = must_get(tx, &account_id, &id)?;
            row.description = description.clone();
            row.updated_at = ids::now_ms();
            tx.update_identity_policy(&row)
        })
        .await
    }

    /// Deletes a policy with its versions. Errors: `NotFound`, `Conflict` while attached.
    pub async fn delete_identity_policy(&self, account_id: &str, id: &str) -> Result<(), Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.writing(move |tx| {
            must_get(tx, &account_id, &id)?;
            let n = tx.attachments(&account_id, Some(&id), None)?.len();
            if n > 0 {
                return Err(Error::Conflict(format!(
                    "policy {id} is attached to {n} users or groups: detach it first"
                )));
            }
            tx.delete_identity_policy(&account_id, &id)?;
            Ok(())
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// A policy's versions, oldest first. Errors: `NotFound`.
    pub async fn policy_versions(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<(IdentityPolicyRow, Vec<PolicyVersionRow>), Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.reading(move |tx| {
            let row = tx
                .identity_policy(&account_id, &id)?
                .ok_or_else(|| Error::NotFound(Entity::Policy, id.clone()))?;
            let versions = tx.policy_versions(&id)?;
            Ok((row, versions))
        })
        .await
    }

    /// Adds a version (`v{n}`), the default when `set_as_default`. Errors: `NotFound`,
    /// `Invalid`, `Conflict` (the policy has [`MAX_VERSIONS`]).
    pub async fn create_policy_version(
        &self,
        account_id: &str,
        id: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<(PolicyVersionRow, bool), Error> {
        let document = check_document(document)?;
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        let out = self
            .writing(move |tx| {
                let mut row = must_get(tx, &account_id, &id)?;
                if tx.policy_versions(&id)?.len() >= MAX_VERSIONS {
                    return Err(Error::Conflict(format!(
                        "policy {id} has {MAX_VERSIONS} versions, the most it may have: delete one first"
                    )));
                }
                let now = ids::now_ms();
                let v = PolicyVersionRow {
                    policy_id: id.clone(),
                    version_id: format!("v{}", row.next_version),
                    document: document.clone(),
                    created_at: now,
                };
                tx.insert_policy_version(&v)?;
                row.next_version += 1;
                if set_as_default {
                    row.default_version_id = v.version_id.clone();
                }
                row.updated_at = now;
                tx.update_identity_policy(&row)?;
                Ok((v, set_as_default))
            })
            .await?;
        self.authz_changed();
        Ok(out)
    }

    /// Makes `version_id` the default. Errors: `NotFound` (policy or version).
    pub async fn set_default_policy_version(
        &self,
        account_id: &str,
        id: &str,
        version_id: &str,
    ) -> Result<(), Error> {
        let (account_id, id, version_id) = (
            AccountId::from(account_id),
            id.to_string(),
            version_id.to_string(),
        );
        self.writing(move |tx| {
            let mut row = must_get(tx, &account_id, &id)?;
            if !tx
                .policy_versions(&id)?
                .iter()
                .any(|v| v.version_id == version_id)
            {
                return Err(Error::NotFound(
                    Entity::Policy,
                    format!("{id} version {version_id}"),
                ));
            }
            row.default_version_id = version_id.clone();
            row.updated_at = ids::now_ms();
            tx.update_identity_policy(&row)
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Deletes a version that is not the default. Errors: `NotFound`, `Conflict` for the
    /// default version.
    pub async fn delete_policy_version(
        &self,
        account_id: &str,
        id: &str,
        version_id: &str,
    ) -> Result<(), Error> {
        let (account_id, id, version_id) = (
            AccountId::from(account_id),
            id.to_string(),
            version_id.to_string(),
        );
        self.writing(move |tx| {
            let row = must_get(tx, &account_id, &id)?;
            if row.default_version_id == version_id {
                return Err(Error::Conflict(format!(
                    "version {version_id} is the default version of policy {id}: make another the default first"
                )));
            }
            if tx.delete_policy_version(&id, &version_id)? {
                Ok(())
            } else {
                Err(Error::NotFound(Entity::Policy, format!("{id} version {version_id}")))
            }
        })
        .await
    }

    /// Attaches a policy to a user or group of the account; attaching again changes
    /// nothing. Errors: `NotFound` (policy, user, group), `Conflict` (the principal has
    /// [`MAX_ATTACHED`]).
    pub async fn attach_policy(
        &self,
        account_id: &str,
        id: &str,
        principal: Principal,
    ) -> Result<(), Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.writing(move |tx| {
            must_get(tx, &account_id, &id)?;
            hold_principal(tx, &account_id, &principal)?;
            let held = tx.attachments(&account_id, None, Some(&principal))?;
            if held.iter().any(|a| a.policy_id == id) {
                return Ok(());
            }
            if held.len() >= MAX_ATTACHED {
                return Err(Error::Conflict(format!(
                    "{} has {MAX_ATTACHED} policies attached, the most it may have",
                    describe(&principal)
                )));
            }
            tx.attach_policy(&AttachmentRow {
                account_id: account_id.clone(),
                policy_id: id.clone(),
                principal: principal.clone(),
                attached_at: ids::now_ms(),
            })?;
            Ok(())
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Detaches a policy. Errors: `NotFound` (policy, user, group, or not attached).
    pub async fn detach_policy(
        &self,
        account_id: &str,
        id: &str,
        principal: Principal,
    ) -> Result<(), Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.writing(move |tx| {
            must_get(tx, &account_id, &id)?;
            hold_principal(tx, &account_id, &principal)?;
            if tx.detach_policy(&account_id, &id, &principal)? {
                Ok(())
            } else {
                Err(Error::NotFound(
                    Entity::Policy,
                    format!("{id} attached to {}", describe(&principal)),
                ))
            }
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Attachments of a policy (`principal` None) or of a principal (`policy_id` None),
    /// each with its policy. Errors: `NotFound` for a policy or principal not the account's.
    pub async fn attachments(
        &self,
        account_id: &str,
        policy_id: Option<&str>,
        principal: Option<Principal>,
    ) -> Result<Vec<(AttachmentRow, IdentityPolicyRow)>, Error> {
        let account_id = AccountId::from(account_id);
        let policy_id = policy_id.map(str::to_string);
        self.reading(move |tx| {
            if let Some(p) = &policy_id {
                if tx.identity_policy(&account_id, p)?.is_none() {
                    return Err(Error::NotFound(Entity::Policy, p.clone()));
                }
            }
            match &principal {
                Some(Principal::User(u)) if tx.user(&account_id, u)?.is_none() => {
                    return Err(Error::NotFound(Entity::User, u.to_string()))
                }
                Some(Principal::Group(g)) if tx.group(&account_id, g)?.is_none() => {
                    return Err(Error::NotFound(Entity::Group, g.to_string()))
                }
                _ => {}
            }
            let policies = tx.identity_policies(&account_id)?;
            Ok(tx
                .attachments(&account_id, policy_id.as_deref(), principal.as_ref())?
                .into_iter()
                .filter_map(|a| {
                    let p = policies.iter().find(|p| p.id == a.policy_id)?.clone();
                    Some((a, p))
                })
                .collect())
        })
        .await
    }
}

fn describe(p: &Principal) -> String {
    match p {
        Principal::User(u) => format!("user {u}"),
        Principal::Group(g) => format!("group {g}"),
    }
}

/// The user or group must be the account's; its row is held until the write commits, so
/// an attachment cannot outlive a principal deleted at the same time.
fn hold_principal(
    tx: &mut dyn WriteTx,
    account_id: &AccountId,
    p: &Principal,
) -> Result<(), Error> {
    let (found, entity, id) = match p {
        Principal::User(u) => (
            tx.lock_users(account_id, &[u.to_string()], RowLock::KeyShare)?,
            Entity::User,
            u.to_string(),
        ),
        Principal::Group(g) => (
            tx.lock_groups(account_id, &[g.to_string()], RowLock::KeyShare)?,
            Entity::Group,
            g.to_string(),
        ),
    };
    if found.is_empty() {
        return Err(Error::NotFound(entity, id));
    }
    Ok(())
}

/// A principal from the wire: a user or group id.
pub fn user(id: &str) -> Principal {
    Principal::User(UserId::from(id))
}

/// A principal from the wire: a group id.
pub fn group(id: &str) -> Principal {
    Principal::Group(GroupId::from(id))
}

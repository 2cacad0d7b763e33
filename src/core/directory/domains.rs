//! Keystone's domains (= Roster accounts) and the operator above them, one transaction
//! each (migration 0016).
//!
//! Rules, as the Keystone API reference and Keystone's own checks have them: a domain is
//! deleted only when it is disabled (else `Forbidden`, Keystone's 403), and its deletion
//! takes everything in it; disabling a domain refuses its users' tokens issued before
//! (Keystone revokes them). A domain's name is an account name (1 to 64 of A-Z a-z 0-9 -
//! _, not starting with a digit), unique. The operator is a user holding the system role
//! `admin` (Keystone's cloud administrator, a system-scoped identity: `roster serve` makes
//! one in the `default` account on first start, `roster operator create` more), or a user
//! of the `default` account granted the `admin` role on it or on one of its projects
//! (Keystone's legacy `role:admin` rule, by which tempest makes its admin users): it
//! administers every account.

use super::Directory;
use crate::core::authz::system;
use crate::core::error::{Entity, Error};
use crate::core::keystone::{DomainRow, UserGrantFilter};
use crate::core::model::{AccountId, ActiveType, PlatformType, UserId};
use crate::core::storage::UserRecord;
use crate::core::{ids, password, validate};

/// The account the operators live in: the one `roster serve` makes on first start.
pub const OPERATOR_ACCOUNT: &str = "default";

/// The system role that makes a user the operator: Keystone's `admin`.
pub fn operator_role_id() -> &'static str {
    system::SYSTEM_ROLES
        .iter()
        .find(|r| r.name == "admin")
        .map(|r| r.id)
        .expect("the admin system role")
}

/// A domain's fields as an update changes them (`None` keeps).
#[derive(Debug, Clone, Default)]
pub struct DomainPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// What a token or key check needs of a user's domain and system roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The user's domain is enabled.
    pub domain_enabled: bool,
    /// Unix ms of the domain's last disable.
    pub domain_tokens_valid_after: i64,
    /// The user holds the operator's system role.
    pub operator: bool,
    /// The user holds some system role (it may take a system-scoped token).
    pub system: bool,
}

/// A new operator's credentials, handed over once (`roster operator create`, first start).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OperatorCredentials {
    pub user_id: String,
    pub user_name: String,
    pub password: String,
    pub domain_id: String,
    pub domain_name: String,
    /// The account's first project: what a client scopes its token to.
    pub project_id: String,
    pub project_name: String,
}

impl Directory {
    /// Every domain, by name.
    pub async fn domains(&self) -> Result<Vec<DomainRow>, Error> {
        self.reading(|tx| tx.domains()).await
    }

    pub async fn domain(&self, id: &str) -> Result<DomainRow, Error> {
        let id = id.to_string();
        self.reading(move |tx| {
            tx.domain(&id)?
                .ok_or_else(|| Error::NotFound(Entity::Account, id.clone()))
        })
        .await
    }

    /// Changes a domain's fields. Errors: `NotFound`, `InvalidName`, `Duplicate` (the
    /// name is another domain's).
    pub async fn update_domain(&self, id: &str, patch: DomainPatch) -> Result<DomainRow, Error> {
        if let Some(n) = &patch.name {
            super::accounts::account_name(n)?;
        }
        if let Some(d) = &patch.description {
            validate::text("description", d, 255)?;
        }
        let id = id.to_string();
        let now = ids::now_ms();
        let out = self.writing(move |tx| {
            let mut d = tx
                .domain(&id)?
                .ok_or_else(|| Error::NotFound(Entity::Account, id.clone()))?;
            // the operators' account is found by its name and must keep working
            if d.name == OPERATOR_ACCOUNT
                && (patch.name.as_ref().is_some_and(|n| *n != d.name) || patch.enabled == Some(false))
            {
                return Err(Error::Forbidden(format!(
                    "the domain {OPERATOR_ACCOUNT} holds the operators: it keeps its name and stays enabled"
                )));
            }
            if let Some(n) = &patch.name {
                if *n != d.name {
                    if tx.account_by_name(n)?.is_some() {
                        return Err(Error::Duplicate(Entity::Account, n.clone()));
                    }
                    d.name = n.clone();
                }
            }
            if let Some(x) = &patch.description {
                d.description = x.clone();
            }
            if let Some(e) = patch.enabled {
                if d.enabled && !e {
                    d.tokens_valid_after = now;
                }
                d.enabled = e;
            }
            match tx.update_domain(&d) {
                Ok(_) => Ok(d),
                Err(Error::Unique(_)) => Err(Error::Duplicate(Entity::Account, d.name.clone())),
                Err(e) => Err(e),
            }
        })
        .await;
        // a disabled domain's keys stop working on every face: at once on this node
        self.keys_changed();
        out
    }

    /// Deletes a disabled domain with everything in it. Errors: `NotFound`; `Forbidden`
    /// for an enabled domain (Keystone: "disable it first") and for the operators'
    /// account.
    pub async fn delete_domain(&self, id: &str) -> Result<(), Error> {
        let id = id.to_string();
        let out = self
            .writing(move |tx| {
                let d = tx
                    .domain(&id)?
                    .ok_or_else(|| Error::NotFound(Entity::Account, id.clone()))?;
                if d.name == OPERATOR_ACCOUNT {
                    return Err(Error::Forbidden(format!(
                        "the domain {OPERATOR_ACCOUNT} holds the operators: it cannot be deleted"
                    )));
                }
                if d.enabled {
                    return Err(Error::Forbidden(
                        "cannot delete a domain that is enabled, please disable it first".into(),
                    ));
                }
                tx.delete_account(&d.id)?;
                Ok(())
            })
            .await;
        self.keys_changed();
        out
    }

    /// The user's domain state and whether it is the operator, in one read.
    pub async fn standing(&self, account_id: &str, user_id: &str) -> Result<Standing, Error> {
        let (account_id, user_id) = (account_id.to_string(), user_id.to_string());
        self.reading(move |tx| {
            let d = tx
                .domain(&account_id)?
                .ok_or_else(|| Error::NotFound(Entity::Account, account_id.clone()))?;
            let roles = tx.system_roles_of(&user_id)?;
            let mut operator = roles.iter().any(|r| r == operator_role_id());
            if !operator && d.name == OPERATOR_ACCOUNT {
                // Keystone's `role:admin`: the admin role granted in the operators' domain
                // (on it or on one of its projects) makes a cloud administrator, as
                // tempest's dynamic admin credentials are made
                let filter = UserGrantFilter {
                    user_id: Some(user_id.clone()),
                    role_id: Some(operator_role_id().to_string()),
                    scope: None,
                };
                operator = !tx.user_grants(&d.id, &filter)?.is_empty();
            }
            Ok(Standing {
                domain_enabled: d.enabled,
                domain_tokens_valid_after: d.tokens_valid_after,
                operator,
                system: !roles.is_empty(),
            })
        })
        .await
    }

    /// The accounts that hold a group of public id `group_id` (a chosen id may be in
    /// several: Quick BI clients choose group ids).
    pub async fn accounts_of_group(&self, group_id: &str) -> Result<Vec<String>, Error> {
        let id = group_id.to_string();
        self.reading(move |tx| tx.accounts_of_group(&id)).await
    }

    /// The domain of a domain-specific Keystone role `role_id` (`None`: a global role, or
    /// none such).
    pub async fn domain_of_role(&self, role_id: &str) -> Result<Option<String>, Error> {
        let id = role_id.to_string();
        self.reading(move |tx| {
            Ok(tx
                .keystone_role(&id)?
                .and_then(|r| r.domain_id.map(|d| d.into_string())))
        })
        .await
    }

    /// The system roles of a user (Keystone's `/v3/system/users/{id}/roles`).
    pub async fn system_roles_of(&self, user_id: &str) -> Result<Vec<String>, Error> {
        let id = user_id.to_string();
        self.reading(move |tx| tx.system_roles_of(&id)).await
    }

    /// Gives the account's user a role on the system: a system role's id or a global
    /// Keystone role's (`POST /v3/roles` without a domain). Errors: `NotFound` for an
    /// unknown user or role.
    pub async fn grant_system_role(
        &self,
        account_id: &str,
        user_id: &str,
        role_id: &str,
    ) -> Result<(), Error> {
        let (account_id, user_id, role_id) = (
            AccountId::from(account_id),
            user_id.to_string(),
            role_id.to_string(),
        );
        let now = ids::now_ms();
        self.writing(move |tx| {
            let global = system::SYSTEM_ROLES.iter().any(|r| r.id == role_id)
                || tx
                    .keystone_role(&role_id)?
                    .is_some_and(|k| k.domain_id.is_none());
            if !global {
                return Err(Error::NotFound(Entity::Role, role_id.clone()));
            }
            if tx.user(&account_id, &user_id)?.is_none() {
                return Err(Error::NotFound(Entity::User, user_id.clone()));
            }
            tx.insert_system_role(&account_id, &user_id, &role_id, now)?;
            Ok(())
        })
        .await
    }

    /// Takes a system role from a user. Errors: `NotFound` when it had none such.
    pub async fn revoke_system_role(&self, user_id: &str, role_id: &str) -> Result<(), Error> {
        let (user_id, role_id) = (user_id.to_string(), role_id.to_string());
        self.writing(move |tx| {
            if tx.delete_system_role(&user_id, &role_id)? {
                Ok(())
            } else {
                Err(Error::NotFound(
                    Entity::Grant,
                    format!("{user_id}/{role_id}"),
                ))
            }
        })
        .await
    }

    /// Makes an operator: a user `name` of the `default` account with a generated
    /// password, holding the system role `admin`. Errors: `NotFound` when there is no
    /// `default` account, `Duplicate` when the name is taken there.
    pub async fn create_operator(&self, name: &str) -> Result<OperatorCredentials, Error> {
        validate::text("user name", name, 64)?;
        if name.trim().is_empty() {
            return Err(Error::invalid("user name must not be empty"));
        }
        let pw = password::generate();
        let pw_hash = password::hash(pw.clone()).await?;
        let now = ids::now_ms();
        let id = UserId::generate();
        let name = name.to_string();
        let (uid, uname) = (id.clone(), name.clone());
        let (account, project) = self
            .writing(move |tx| {
                let a = tx
                    .account_by_name(OPERATOR_ACCOUNT)?
                    .ok_or_else(|| Error::NotFound(Entity::Account, OPERATOR_ACCOUNT.into()))?;
                if tx.user_by_name(&a.id, &uname)?.is_some() {
                    return Err(Error::Duplicate(Entity::User, uname.clone()));
                }
                let project = tx
                    .projects_of(&a.id)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::NotFound(Entity::Project, OPERATOR_ACCOUNT.into()))?;
                let user = UserRecord {
                    id: uid.clone(),
                    account_id: a.id.clone(),
                    name: uname.clone(),
                    description: "operator: administers every account".into(),
                    email: String::new(),
                    phone: String::new(),
                    alias_name: String::new(),
                    active_type: ActiveType::Admin,
                    platform_type: PlatformType::Local,
                    domain: String::new(),
                    enterprise_project_id: "0".into(),
                    user_info_map: String::new(),
                    account_expires: 0,
                    password_hash: Some(pw_hash.clone()),
                    enable_change_password: true,
                    next_login_change_password: false,
                    password_never_expired: true,
                    locked: false,
                    disabled: false,
                    is_root: false,
                    created_at: now,
                    password_expires_at: 0,
                    default_project_id: String::new(),
                    options: "{}".into(),
                };
                match tx.insert_users(std::slice::from_ref(&user)) {
                    Err(Error::Unique(_)) => {
                        return Err(Error::Duplicate(Entity::User, uname.clone()))
                    }
                    other => other?,
                }
                tx.insert_system_role(&a.id, &uid, operator_role_id(), now)?;
                Ok((a, project))
            })
            .await?;
        Ok(OperatorCredentials {
            user_id: id.into_string(),
            user_name: name,
            password: pw,
            domain_id: account.id.into_string(),
            domain_name: account.name,
            project_id: project.id.into_string(),
            project_name: project.name,
        })
    }
}

//! Accounts, projects and access keys.

use super::Directory;
use crate::core::error::{Entity, Error};
use crate::core::model::{
    Account, AccountCredentials, AccountId, ActiveType, PlatformType, Project, ProjectId, UserId,
};
use crate::core::storage::{AccessKeyRow, UserRecord};
use crate::core::{ids, password, validate};

/// An access key found and opened: whose it is and its secret.
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    pub access_key: String,
    pub account_id: String,
    pub user_id: String,
    pub secret: String,
    /// False when the key or its user is disabled or locked.
    pub active: bool,
    /// The key's user is the account's root user.
    pub is_root: bool,
}

pub(super) fn account_name(name: &str) -> Result<(), Error> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName(
            "account name must have 1 to 64 of A-Z, a-z, 0-9, '-', '_' and not start with a digit"
                .into(),
        ))
    }
}

impl Directory {
    /// Creates an account with one project, a root user (named like the account) with a
    /// generated password, and one access key pair. All or nothing.
    pub async fn create_account(
        &self,
        name: &str,
        project_name: &str,
    ) -> Result<AccountCredentials, Error> {
        self.create_account_with(name, project_name, "", true).await
    }

    /// [`Directory::create_account`] with Keystone's domain fields: a description (at
    /// most 255 characters) and whether it is enabled (a disabled domain's users get no
    /// token).
    pub async fn create_account_with(
        &self,
        name: &str,
        project_name: &str,
        description: &str,
        enabled: bool,
    ) -> Result<AccountCredentials, Error> {
        account_name(name)?;
        validate::text("description", description, 255)?;
        let fields = (description.to_string(), enabled);
        validate::text("project name", project_name, 64)?;
        if project_name.trim().is_empty() {
            return Err(Error::invalid("project name must not be empty"));
        }
        let pw = password::generate();
        let pw_hash = password::hash(pw.clone()).await?;
        let now = ids::now_ms();
        let account = Account {
            id: AccountId::generate(),
            name: name.to_string(),
            created_at: now,
        };
        let project = Project {
            id: ProjectId::generate(),
            account_id: account.id.clone(),
            name: project_name.to_string(),
            created_at: now,
            description: String::new(),
            enabled: true,
            parent_id: None,
            tags: Vec::new(),
        };
        let user = UserRecord {
            id: UserId::generate(),
            account_id: account.id.clone(),
            name: name.to_string(),
            description: "account root user".into(),
            email: String::new(),
            phone: String::new(),
            alias_name: String::new(),
            active_type: ActiveType::Admin,
            platform_type: PlatformType::Local,
            domain: String::new(),
            enterprise_project_id: "0".into(),
            user_info_map: String::new(),
            account_expires: 0,
            password_hash: Some(pw_hash),
            enable_change_password: true,
            next_login_change_password: false,
            password_never_expired: true,
            locked: false,
            disabled: false,
            is_root: true,
            created_at: now,
            password_expires_at: 0,
            default_project_id: String::new(),
            options: "{}".into(),
        };
        let access_key = ids::new_access_key();
        let secret_key = ids::new_secret_key();
        let key = AccessKeyRow {
            access_key: access_key.clone(),
            account_id: account.id.clone(),
            user_id: user.id.clone(),
            secret_sealed: self.master_key.seal(&secret_key, &access_key),
            active: true,
            is_root: true,
            description: String::new(),
        };
        let (a, p, u, k) = (account.clone(), project.clone(), user.clone(), key.clone());
        let taken = name.to_string();
        self.writing(move |tx| {
            if tx.account_by_name(&a.name)?.is_some() {
                return Err(Error::Duplicate(Entity::Account, a.name.clone()));
            }
            let result = (|| {
                tx.insert_account(&a)?;
                if !fields.0.is_empty() || !fields.1 {
                    tx.update_domain(&crate::core::keystone::DomainRow {
                        id: a.id.clone(),
                        name: a.name.clone(),
                        description: fields.0.clone(),
                        enabled: fields.1,
                        tokens_valid_after: 0,
                        created_at: a.created_at,
                    })?;
                }
                tx.insert_project(&p)?;
                tx.insert_users(std::slice::from_ref(&u))?;
                tx.insert_access_key(&k, now)
            })();
            match result {
                Err(Error::Unique(_)) => Err(Error::Duplicate(Entity::Account, taken.clone())),
                other => other,
            }
        })
        .await?;
        Ok(AccountCredentials {
            domain_id: account.id.into_string(),
            domain_name: account.name,
            project_id: project.id.into_string(),
            project_name: project.name,
            user_id: user.id.into_string(),
            user_name: user.name,
            password: pw,
            access_key,
            secret_key,
        })
    }

    pub async fn account_count(&self) -> Result<i64, Error> {
        self.reading(|tx| tx.account_count()).await
    }

    pub async fn account(&self, id: &str) -> Result<Account, Error> {
        let id = id.to_string();
        self.reading(move |tx| {
            tx.account(&id)?
                .ok_or_else(|| Error::NotFound(Entity::Account, id.clone()))
        })
        .await
    }

    pub async fn account_by_name(&self, name: &str) -> Result<Account, Error> {
        let name = name.to_string();
        self.reading(move |tx| {
            tx.account_by_name(&name)?
                .ok_or_else(|| Error::NotFound(Entity::Account, name.clone()))
        })
        .await
    }

    pub async fn project(&self, id: &str) -> Result<Project, Error> {
        let id = id.to_string();
        self.reading(move |tx| {
            tx.project(&id)?
                .ok_or_else(|| Error::NotFound(Entity::Project, id.clone()))
        })
        .await
    }

    pub async fn projects_of(&self, account_id: &str) -> Result<Vec<Project>, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| tx.projects_of(&account_id)).await
    }

    /// Looks up an access key and opens its secret; `None` if there is no such key.
    pub async fn resolve_access_key(&self, access_key: &str) -> Result<Option<ResolvedKey>, Error> {
        let access_key = access_key.to_string();
        let Some(row) = self.reading(move |tx| tx.access_key(&access_key)).await? else {
            return Ok(None);
        };
        let secret = self.master_key.open(&row.secret_sealed, &row.access_key)?;
        Ok(Some(ResolvedKey {
            access_key: row.access_key,
            account_id: row.account_id.into(),
            user_id: row.user_id.into(),
            secret,
            active: row.active,
            is_root: row.is_root,
        }))
    }
}

//! Keystone's application credentials (`/v3/users/{id}/application_credentials`, the
//! `application_credential` auth method), as the Keystone API reference has them: a user
//! delegates a subset of the roles it holds on a project to a named secret, for automation.
//!
//! - Made for the project of the caller's token, with the roles asked for (by id or by
//!   name), each of which the user must hold there (with the roles they imply, as a token
//!   lists them), or all it holds there when none is asked for. At most
//!   [`MAX_PER_USER`] a user; names unique per user, at most [`MAX_NAME_CHARS`].
//! - The secret is the one given or a new random one, shown once (the answer to the
//!   creation); an argon2id hash of it is kept (`core::password`).
//! - A token made with one ([`Directory::application_credential_in_force`]) is scoped to
//!   its project and counts only its roles (and those they imply) that the user still holds
//!   there: a role taken from the user, the credential's expiry, its deletion or its
//!   user's, refuse the token (401) on its next use.
//! - Deleting the user or the project deletes its application credentials (the store).

use std::collections::HashSet;

use super::keystone::{implied_closure, TokenScope};
use super::Directory;
use crate::core::application_credentials::AppCredRow;
use crate::core::error::{Entity, Error};
use crate::core::model::{AccountId, ProjectId, UserId};
use crate::core::storage::{ReadTx, RowLock};
use crate::core::{ids, password, validate};

/// Most application credentials one user may have (Keystone's `[application_credential]
/// user_limit` is unlimited by default; a bound keeps a user from filling the database).
pub const MAX_PER_USER: i64 = 100;

/// Most characters of a name (Keystone's column: 255).
pub const MAX_NAME_CHARS: usize = 255;

/// Most characters of a description.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Most characters of a secret the client chooses.
pub const MAX_SECRET_CHARS: usize = 255;

/// Most roles one application credential names.
pub const MAX_ROLES: usize = 50;

/// An application credential as the faces show it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationCredential {
    pub id: String,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub project_id: ProjectId,
    pub name: String,
    pub description: Option<String>,
    /// The delegated roles as (id, name); a role deleted since is left out.
    pub roles: Vec<(String, String)>,
    pub unrestricted: bool,
    /// Unix microseconds; `None` never expires.
    pub expires_at: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
}

/// A role asked for by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    Id(String),
    Name(String),
}

/// What a new application credential is made of.
#[derive(Debug, Clone, Default)]
pub struct NewApplicationCredential {
    pub name: String,
    pub description: Option<String>,
    /// `None`: a new random one.
    pub secret: Option<String>,
    /// Unix microseconds, in the future.
    pub expires_at: Option<i64>,
    /// `None`: every role the user holds on the project.
    pub roles: Option<Vec<RoleRef>>,
    pub unrestricted: bool,
}

/// What a token made with an application credential may use, as checked on each use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForce {
    pub id: String,
    pub name: String,
    pub project_id: ProjectId,
    pub unrestricted: bool,
    /// The ids of the delegated roles and of the roles they imply: only grants of these
    /// count in authorization.
    pub role_ids: Vec<String>,
    /// What the token lists: the roles the user holds on the project that are among
    /// `role_ids`, as (id, name).
    pub roles: Vec<(String, String)>,
}

impl InForce {
    /// Whether it delegates Keystone's `admin`, which the account's root user holds (its
    /// token then stands for the root user's every permission, as the root user's own).
    pub fn delegates_admin(&self) -> bool {
        delegates_admin(&self.role_ids)
    }
}

/// Whether `role_ids` name Keystone's `admin` (a system role).
pub fn delegates_admin(role_ids: &[String]) -> bool {
    crate::core::authz::system::SYSTEM_ROLES
        .iter()
        .any(|r| r.name == "admin" && role_ids.iter().any(|id| id == r.id))
}

/// Which application credential an authentication names.
#[derive(Debug, Clone)]
pub enum Named {
    Id(String),
    /// By name, of the account's user.
    Name {
        account_id: String,
        user_id: String,
        name: String,
    },
}

/// A new random secret: 64 random bytes, URL-safe base64 (as Keystone's
/// `secrets.token_urlsafe(64)`).
fn new_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut b = [0u8; 64];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn check_name(name: &mut String) -> Result<(), Error> {
    validate::normalize(name);
    if name.trim().is_empty() {
        return Err(Error::invalid("'name' must not be empty"));
    }
    validate::text("name", name, MAX_NAME_CHARS)
}

fn check_secret(secret: &str) -> Result<(), Error> {
    let n = secret.chars().count();
    if n == 0 || n > MAX_SECRET_CHARS {
        return Err(Error::invalid(format!(
            "the secret must have 1 to {MAX_SECRET_CHARS} characters"
        )));
    }
    Ok(())
}

fn shown(tx: &mut dyn ReadTx, r: AppCredRow) -> Result<ApplicationCredential, Error> {
    Ok(shown_all(tx, vec![r])?.pop().expect("one row in, one out"))
}

/// The rows with their roles' names, the roles of all of them read at once.
fn shown_all(
    tx: &mut dyn ReadTx,
    rows: Vec<AppCredRow>,
) -> Result<Vec<ApplicationCredential>, Error> {
    let Some(account_id) = rows.first().map(|r| r.account_id.clone()) else {
        return Ok(vec![]);
    };
    let mut refs: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.role_ids.iter().map(String::as_str))
        .collect();
    refs.sort_unstable();
    refs.dedup();
    let roles = super::authz::roles_by_id(tx, &account_id, &refs)?;
    Ok(rows.into_iter().map(|r| with_names(r, &roles)).collect())
}

fn with_names(
    r: AppCredRow,
    roles: &std::collections::HashMap<String, super::Role>,
) -> ApplicationCredential {
    ApplicationCredential {
        roles: r
            .role_ids
            .iter()
            .filter_map(|id| Some((id.clone(), roles.get(id)?.name().to_string())))
            .collect(),
        id: r.id,
        account_id: r.account_id,
        user_id: r.user_id,
        project_id: r.project_id,
        name: r.name,
        description: r.description,
        unrestricted: r.unrestricted,
        expires_at: r.expires_at,
        created_at: r.created_at,
    }
}

fn not_found(id: &str) -> Error {
    Error::NotFound(Entity::ApplicationCredential, id.to_string())
}

impl Directory {
    /// Makes an application credential of the account's user `user_id` for its project
    /// `project_id`; returns it and its secret (shown this once). Errors: 400 for bad
    /// fields or a past expiry; 404 for no such user or project; 403 for a role the user
    /// does not hold on the project (or none held at all); [`Error::Limit`] past
    /// [`MAX_PER_USER`]; 409 for a name the user has already.
    pub async fn create_application_credential(
        &self,
        account_id: &str,
        user_id: &str,
        project_id: &str,
        mut new: NewApplicationCredential,
    ) -> Result<(ApplicationCredential, String), Error> {
        check_name(&mut new.name)?;
        if let Some(d) = &mut new.description {
            validate::normalize(d);
            validate::description_of_at_most(d, MAX_DESCRIPTION_CHARS)?;
        }
        if let Some(s) = &new.secret {
            check_secret(s)?;
        }
        let now = ids::now_ms();
        if new.expires_at.is_some_and(|e| e <= now * 1000) {
            return Err(Error::invalid(
                "expires_at must be in the future: the application credential would be \
                 expired at once",
            ));
        }
        if new.roles.as_ref().is_some_and(|r| r.len() > MAX_ROLES) {
            return Err(Error::invalid(format!(
                "an application credential names at most {MAX_ROLES} roles"
            )));
        }
        let held = match self
            .roles_in_scope(
                account_id,
                user_id,
                TokenScope::Project(ProjectId::from(project_id)),
                false,
            )
            .await
        {
            Ok(h) => h,
            Err(Error::NotFound(Entity::User, _)) => {
                return Err(Error::NotFound(Entity::User, user_id.to_string()))
            }
            Err(e) => return Err(e),
        };
        let mut role_ids: Vec<String> = Vec::new();
        match &new.roles {
            None => role_ids.extend(held.iter().map(|(id, _)| id.clone())),
            Some(asked) => {
                for r in asked {
                    let found = held.iter().find(|(id, name)| match r {
                        RoleRef::Id(i) => id == i,
                        RoleRef::Name(n) => name == n,
                    });
                    let Some((id, _)) = found else {
                        let what = match r {
                            RoleRef::Id(i) => format!("role {i}"),
                            RoleRef::Name(n) => format!("role {}", crate::core::text::quoted(n)),
                        };
                        return Err(Error::Forbidden(format!(
                            "the user {user_id} does not hold {what} on project {project_id}: \
                             an application credential delegates only roles its user holds"
                        )));
                    };
                    if !role_ids.contains(id) {
                        role_ids.push(id.clone());
                    }
                }
            }
        }
        if role_ids.is_empty() {
            return Err(Error::Forbidden(format!(
                "the user {user_id} holds no role on project {project_id} to delegate"
            )));
        }
        let secret = new.secret.clone().unwrap_or_else(new_secret);
        let row = AppCredRow {
            id: ids::new_id(),
            account_id: AccountId::from(account_id),
            user_id: UserId::from(user_id),
            project_id: ProjectId::from(project_id),
            name: new.name.clone(),
            description: new.description.clone(),
            secret_hash: password::hash(secret.clone()).await?,
            role_ids,
            unrestricted: new.unrestricted,
            expires_at: new.expires_at,
            created_at: now,
        };
        let made = self
            .writing(move |tx| {
                let (a, u) = (&row.account_id, row.user_id.as_str());
                if tx
                    .lock_users(a, &[u.to_string()], RowLock::NoKeyUpdate)?
                    .is_empty()
                {
                    return Err(Error::NotFound(Entity::User, u.to_string()));
                }
                match tx.project(row.project_id.as_str())? {
                    Some(p) if p.account_id == *a => {}
                    _ => return Err(Error::NotFound(Entity::Project, row.project_id.to_string())),
                }
                if tx.app_cred_count(a, u)? >= MAX_PER_USER {
                    return Err(Error::Limit(format!(
                        "Unable to create additional application credentials, maximum of \
                         {MAX_PER_USER} already exceeded for user."
                    )));
                }
                match tx.insert_app_cred(&row) {
                    Err(Error::Unique(_)) => {
                        return Err(Error::Conflict(format!(
                            "Conflict occurred attempting to store application_credential - \
                             Duplicate entry: the user has an application credential named {}",
                            crate::core::text::quoted(&row.name)
                        )))
                    }
                    r => r?,
                }
                shown(tx, row.clone())
            })
            .await?;
        Ok((made, secret))
    }

    /// The application credentials of the account's user (named `name` when given), oldest
    /// first: 404 if there is no such user.
    pub async fn application_credentials_of(
        &self,
        account_id: &str,
        user_id: &str,
        name: Option<String>,
    ) -> Result<Vec<ApplicationCredential>, Error> {
        // a name filter passes the door of every lookup (NFC, no control character)
        let name = match name {
            Some(mut n) => {
                validate::normalize(&mut n);
                validate::lookup_name("name", &n)?;
                Some(n)
            }
            None => None,
        };
        let (a, u) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| {
            if tx.user(&a, &u)?.is_none() {
                return Err(Error::NotFound(Entity::User, u.clone()));
            }
            let rows = tx.app_creds_of(&a, &u, name.as_deref())?;
            shown_all(tx, rows)
        })
        .await
    }

    /// The account's user's application credential `id`: 404 if it has none.
    pub async fn application_credential(
        &self,
        account_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<ApplicationCredential, Error> {
        let (a, u, id) = (
            AccountId::from(account_id),
            user_id.to_string(),
            id.to_string(),
        );
        self.reading(move |tx| match tx.app_cred(&id)? {
            Some(r) if r.account_id == a && r.user_id.as_str() == u => shown(tx, r),
            _ => Err(not_found(&id)),
        })
        .await
    }

    /// Deletes the account's user's application credential `id` (the tokens made with it
    /// are refused from then on): 404 if it has none.
    pub async fn delete_application_credential(
        &self,
        account_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<(), Error> {
        let (a, u, id) = (
            AccountId::from(account_id),
            user_id.to_string(),
            id.to_string(),
        );
        self.writing(move |tx| {
            if tx.delete_app_cred(&a, &u, &id)? {
                Ok(())
            } else {
                Err(not_found(&id))
            }
        })
        .await
    }

    /// The application credential an authentication names, if its secret is `secret`
    /// (`None` for no such credential or another secret: the same answer, in the same
    /// time). Expiry and the user's state are the caller's to check.
    pub async fn verify_application_credential(
        &self,
        named: Named,
        secret: &str,
    ) -> Result<Option<ApplicationCredential>, Error> {
        let found = self
            .reading(move |tx| {
                let row = match &named {
                    Named::Id(id) => tx.app_cred(id)?,
                    Named::Name {
                        account_id,
                        user_id,
                        name,
                    } => tx
                        .app_creds_of(&AccountId::from(account_id.as_str()), user_id, Some(name))?
                        .into_iter()
                        .next(),
                };
                match row {
                    Some(r) => {
                        let hash = r.secret_hash.clone();
                        Ok(Some((shown(tx, r)?, hash)))
                    }
                    None => Ok(None),
                }
            })
            .await?;
        match found {
            Some((c, hash)) => Ok(password::verify(secret.to_string(), hash)
                .await
                .then_some(c)),
            None => {
                password::verify_nothing(secret).await?;
                Ok(None)
            }
        }
    }

    /// What a token made with the application credential `id` of the account's user may
    /// use now. Errors: `Unauthenticated` when the credential is gone (or another user's),
    /// expired, or delegates a role the user no longer holds on its project.
    pub async fn application_credential_in_force(
        &self,
        account_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<InForce, Error> {
        let unauth = |m: String| Error::Unauthenticated(m);
        let (a, u, i) = (
            AccountId::from(account_id),
            user_id.to_string(),
            id.to_string(),
        );
        let (row, rules) = self
            .reading(move |tx| {
                let row = tx.app_cred(&i)?;
                let rules = if row.is_some() {
                    tx.implied_roles()?
                } else {
                    vec![]
                };
                Ok((row, rules))
            })
            .await?;
        let row = match row {
            Some(r) if r.account_id == a && r.user_id.as_str() == u => r,
            _ => {
                return Err(unauth(format!(
                    "the application credential {id} of the token no longer exists"
                )))
            }
        };
        if row.expires_at.is_some_and(|e| e <= ids::now_ms() * 1000) {
            return Err(unauth(format!(
                "the application credential {id} has expired"
            )));
        }
        let held = match self
            .roles_in_scope(
                account_id,
                user_id,
                TokenScope::Project(row.project_id.clone()),
                false,
            )
            .await
        {
            Ok(h) => h,
            Err(Error::NotFound(..)) => {
                return Err(unauth("the token's user no longer exists".into()))
            }
            Err(e) => return Err(e),
        };
        if let Some(gone) = row
            .role_ids
            .iter()
            .find(|r| !held.iter().any(|(h, _)| h == *r))
        {
            return Err(unauth(format!(
                "the user no longer holds role {gone} of the application credential {id} on \
                 project {}",
                row.project_id
            )));
        }
        let mut role_ids: Vec<String> = Vec::new();
        for r in &row.role_ids {
            for c in implied_closure(&rules, r) {
                if !role_ids.contains(&c) {
                    role_ids.push(c);
                }
            }
        }
        let set: HashSet<&String> = role_ids.iter().collect();
        let roles = held
            .iter()
            .filter(|(h, _)| set.contains(h))
            .cloned()
            .collect();
        Ok(InForce {
            id: row.id,
            name: row.name,
            project_id: row.project_id,
            unrestricted: row.unrestricted,
            role_ids,
            roles,
        })
    }
}

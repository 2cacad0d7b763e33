//! Keystone's projects, roles and role assignments to users, one transaction each.
//!
//! Rules, as the Keystone API reference and Keystone's own checks have them: a project's
//! name is 1 to 64 characters and unique in its domain (case-insensitively); its parent is
//! a project of the same domain, or the domain itself; a tree is at most
//! [`MAX_PROJECT_DEPTH`] projects deep; a project with children cannot be deleted, nor
//! disabled while a child is enabled, nor enabled under a disabled parent; tags are at most
//! [`MAX_TAGS`], each 1 to 255 characters without `/` or `,`. A role's name is 1 to 255
//! characters, unique among the roles a domain sees (the system roles, the domain's custom
//! policies' names and the Keystone roles). A role may not imply itself, and
//! inference rules do not form cycles.

use std::collections::HashSet;

use super::authz::find_role;
use super::Directory;
use crate::core::authz::store::GrantScope;
use crate::core::authz::system;
use crate::core::error::{Entity, Error};
use crate::core::ids;
use crate::core::keystone::{KeystoneRoleRow, UserGrantFilter, UserGrantRow};
use crate::core::model::{AccountId, Project, ProjectId, UserId};
use crate::core::storage::ReadTx;
use crate::core::validate;

/// Keystone's `max_project_tree_depth` default.
pub const MAX_PROJECT_DEPTH: usize = 5;
/// Keystone's limit of tags per project.
pub const MAX_TAGS: usize = 80;
/// Most projects of one account (bounds its whole-list reads).
pub const MAX_PROJECTS: usize = 1000;
/// Most Keystone roles in all (bounds the whole-list reads of roles).
pub const MAX_KEYSTONE_ROLES: usize = 1000;

/// A project's fields as a create gives them or an update changes them (`None` keeps).
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// `Some(None)`: the domain is the parent.
    pub parent_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

fn check_name(name: &str) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name must not be empty"));
    }
    validate::text("name", name, 64)
}

/// A tag list as Keystone accepts it; duplicates are dropped, the result sorted.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        check_tag(t)?;
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid(format!(
            "a project has at most {MAX_TAGS} tags"
        )));
    }
    out.sort();
    Ok(out)
}

/// One tag: 1 to 255 characters, no `/` or `,` (Keystone's tag schema).
pub fn check_tag(t: &str) -> Result<(), Error> {
    if t.is_empty() || t.contains(['/', ',']) {
        return Err(Error::invalid(format!(
            "tag {} must be 1 to 255 characters without '/' or ','",
            crate::core::text::quoted(t)
        )));
    }
    validate::text("tag", t, 255)
}

/// Every role `role_id` stands for through `rules` (prior, implied): itself first, then
/// what it implies, transitively (each once).
pub(super) fn implied_closure(rules: &[(String, String)], role_id: &str) -> Vec<String> {
    let mut out = vec![role_id.to_string()];
    let mut i = 0;
    while i < out.len() {
        let prior = out[i].clone();
        for (p, implied) in rules {
            if *p == prior && !out.contains(implied) {
                out.push(implied.clone());
            }
        }
        i += 1;
    }
    out
}

/// The project's depth (1: under the domain) and whether `ancestor` is on its path.
fn depth_of(
    tx: &mut dyn ReadTx,
    all: &[Project],
    id: &ProjectId,
) -> Result<(usize, Vec<ProjectId>), Error> {
    let _ = tx;
    let mut path = vec![id.clone()];
    let mut at = id.clone();
    while let Some(p) = all
        .iter()
        .find(|p| p.id == at)
        .and_then(|p| p.parent_id.clone())
    {
        if path.contains(&p) || path.len() > MAX_PROJECTS {
            return Err(Error::Internal(format!(
                "project {id} is in a cycle of parents"
            )));
        }
        path.push(p.clone());
        at = p;
    }
    Ok((path.len(), path))
}

fn project_of(all: &[Project], id: &str) -> Result<Project, Error> {
    all.iter()
        .find(|p| p.id.as_str() == id)
        .cloned()
        .ok_or_else(|| Error::NotFound(Entity::Project, id.to_string()))
}

impl Directory {
    /// Creates a project in `account_id`. Errors: `Invalid` (fields, a parent too deep),
    /// `NotFound` (the parent is not the account's), `Duplicate` (the name is taken),
    /// `Conflict` (the account has [`MAX_PROJECTS`]).
    pub async fn create_project(
        &self,
        account_id: &str,
        input: ProjectInput,
    ) -> Result<Project, Error> {
        let name = input
            .name
            .clone()
            .ok_or_else(|| Error::invalid("name is missing"))?;
        check_name(&name)?;
        let description = input.description.clone().unwrap_or_default();
        validate::text("description", &description, 255)?;
        let tags = check_tags(input.tags.as_deref().unwrap_or_default())?;
        let account_id = AccountId::from(account_id);
        let parent = input
            .parent_id
            .clone()
            .flatten()
            .filter(|p| *p != *account_id);
        self.writing(move |tx| {
            if tx.account(&account_id)?.is_none() {
                return Err(Error::NotFound(Entity::Account, account_id.to_string()));
            }
            let all = tx.projects_of(&account_id)?;
            if all.len() >= MAX_PROJECTS {
                return Err(Error::Conflict(format!(
                    "the account has {MAX_PROJECTS} projects, the most it may have"
                )));
            }
            if all
                .iter()
                .any(|p| p.name.to_lowercase() == name.to_lowercase())
            {
                return Err(Error::Duplicate(Entity::Project, name.clone()));
            }
            let enabled = input.enabled.unwrap_or(true);
            if let Some(pid) = &parent {
                let p = project_of(&all, pid)?;
                let (depth, _) = depth_of(tx, &all, &p.id)?;
                if depth + 1 > MAX_PROJECT_DEPTH {
                    return Err(Error::Forbidden(format!(
                        "a project tree is at most {MAX_PROJECT_DEPTH} projects deep"
                    )));
                }
                if enabled && !p.enabled {
                    return Err(Error::Forbidden(format!(
                        "project {pid} is disabled: an enabled project cannot be made under it"
                    )));
                }
            }
            let project = Project {
                id: ProjectId::generate(),
                account_id: account_id.clone(),
                name: name.clone(),
                created_at: ids::now_ms(),
                description: description.clone(),
                enabled,
                parent_id: parent.clone().map(ProjectId::from),
                tags: tags.clone(),
            };
            tx.insert_project(&project).map_err(|e| match e {
                Error::Unique(_) => Error::Duplicate(Entity::Project, name.clone()),
                e => e,
            })?;
            Ok(project)
        })
        .await
    }

    /// Changes the account's project `id`. Errors as [`Directory::create_project`], and
    /// `Forbidden` for a change of parent (Keystone refuses it) or of the enabled state
    /// against the tree's rules.
    pub async fn update_project(
        &self,
        account_id: &str,
        id: &str,
        input: ProjectInput,
    ) -> Result<Project, Error> {
        if let Some(n) = &input.name {
            check_name(n)?;
        }
        if let Some(d) = &input.description {
            validate::text("description", d, 255)?;
        }
        let tags = input.tags.as_deref().map(check_tags).transpose()?;
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        let out = self
            .writing(move |tx| {
                let all = tx.projects_of(&account_id)?;
                let mut p = project_of(&all, &id)?;
                if let Some(parent) = &input.parent_id {
                    let parent = parent.as_deref().filter(|x| *x != account_id.as_str());
                    if parent != p.parent_id.as_ref().map(|x| x.as_str()) {
                        return Err(Error::Forbidden(
                            "a project's parent cannot change (Keystone's rule)".into(),
                        ));
                    }
                }
                if let Some(n) = &input.name {
                    if all
                        .iter()
                        .any(|x| x.id != p.id && x.name.to_lowercase() == n.to_lowercase())
                    {
                        return Err(Error::Duplicate(Entity::Project, n.clone()));
                    }
                    p.name = n.clone();
                }
                if let Some(d) = &input.description {
                    p.description = d.clone();
                }
                if let Some(e) = input.enabled {
                    if e && !p.enabled {
                        if let Some(parent) = &p.parent_id {
                            if !project_of(&all, parent.as_str())?.enabled {
                                return Err(Error::Forbidden(format!(
                                    "project {parent} is disabled: its children cannot be enabled"
                                )));
                            }
                        }
                    }
                    if !e
                        && all
                            .iter()
                            .any(|x| x.parent_id.as_ref() == Some(&p.id) && x.enabled)
                    {
                        return Err(Error::Forbidden(format!(
                            "project {} has enabled children: disable them first",
                            p.id
                        )));
                    }
                    p.enabled = e;
                }
                if let Some(t) = &tags {
                    p.tags = t.clone();
                }
                let name = p.name.clone();
                if !tx.update_project(&p).map_err(|e| match e {
                    Error::Unique(_) => Error::Duplicate(Entity::Project, name),
                    e => e,
                })? {
                    return Err(Error::NotFound(Entity::Project, id.clone()));
                }
                Ok(p)
            })
            .await?;
        self.authz_changed();
        Ok(out)
    }

    /// Deletes the account's project `id` with its tags, grants and export tasks.
    /// Errors: `NotFound`, `Forbidden` (it has children).
    pub async fn delete_project(&self, account_id: &str, id: &str) -> Result<(), Error> {
        let (account_id, id) = (AccountId::from(account_id), ProjectId::from(id));
        self.writing(move |tx| {
            let all = tx.projects_of(&account_id)?;
            if all.iter().any(|p| p.parent_id.as_ref() == Some(&id)) {
                return Err(Error::Forbidden(format!(
                    "project {id} has children: delete them first"
                )));
            }
            if tx.delete_project(&account_id, &id)? {
                Ok(())
            } else {
                Err(Error::NotFound(Entity::Project, id.to_string()))
            }
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// The Keystone roles `account_id` sees (global and its own).
    pub async fn keystone_roles(&self, account_id: &str) -> Result<Vec<KeystoneRoleRow>, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| tx.keystone_roles(Some(&account_id)))
            .await
    }

    /// Creates a Keystone role: global (`domain_id` `None`) or `domain_id`'s. Errors:
    /// `Invalid`, `Duplicate` (a role the domain sees has the name), `Conflict` (too many).
    pub async fn create_keystone_role(
        &self,
        viewer: &str,
        domain_id: Option<&str>,
        name: &str,
        description: &str,
    ) -> Result<KeystoneRoleRow, Error> {
        if name.trim().is_empty() {
            return Err(Error::invalid("name must not be empty"));
        }
        validate::text("name", name, 255)?;
        validate::text("description", description, 255)?;
        let viewer = AccountId::from(viewer);
        let row = KeystoneRoleRow {
            id: ids::new_id(),
            domain_id: domain_id.map(AccountId::from),
            name: name.to_string(),
            description: description.to_string(),
            created_at: ids::now_ms(),
        };
        let out = self
            .writing(move |tx| {
                let seen = row.domain_id.clone().unwrap_or_else(|| viewer.clone());
                name_free(tx, &seen, &row.name, None)?;
                if tx.keystone_roles(None)?.len() >= MAX_KEYSTONE_ROLES {
                    return Err(Error::Conflict(format!(
                        "there are {MAX_KEYSTONE_ROLES} roles, the most Roster keeps"
                    )));
                }
                tx.insert_keystone_role(&row).map_err(|e| match e {
                    Error::Unique(_) => Error::Duplicate(Entity::Role, row.name.clone()),
                    e => e,
                })?;
                Ok(row.clone())
            })
            .await?;
        Ok(out)
    }

    /// Renames or describes a Keystone role the account sees. Errors: `NotFound`,
    /// `Forbidden` (a system role or custom policy: not through this call), `Duplicate`.
    pub async fn update_keystone_role(
        &self,
        account_id: &str,
        id: &str,
        name: Option<String>,
        description: Option<String>,
    ) -> Result<KeystoneRoleRow, Error> {
        if let Some(n) = &name {
            if n.trim().is_empty() {
                return Err(Error::invalid("name must not be empty"));
            }
            validate::text("name", n, 255)?;
        }
        if let Some(d) = &description {
            validate::text("description", d, 255)?;
        }
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.writing(move |tx| {
            let mut row = match find_role(tx, &account_id, &id)? {
                super::Role::Keystone(r) => r,
                _ => {
                    return Err(Error::Forbidden(format!(
                        "role {id} is not a Keystone role: it cannot change here"
                    )))
                }
            };
            if let Some(n) = &name {
                let seen = row.domain_id.clone().unwrap_or_else(|| account_id.clone());
                name_free(tx, &seen, n, Some(&row.id))?;
                row.name = n.clone();
            }
            if let Some(d) = &description {
                row.description = d.clone();
            }
            tx.update_keystone_role(&row).map_err(|e| match e {
                Error::Unique(_) => Error::Duplicate(Entity::Role, row.name.clone()),
                e => e,
            })?;
            Ok(row)
        })
        .await
    }

    /// Deletes a Keystone role with its assignments and inference rules. Errors:
    /// `NotFound`, `Forbidden` (not a Keystone role).
    pub async fn delete_keystone_role(&self, account_id: &str, id: &str) -> Result<(), Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.writing(move |tx| {
            match find_role(tx, &account_id, &id)? {
                super::Role::Keystone(_) => {}
                _ => {
                    return Err(Error::Forbidden(format!(
                        "role {id} is not a Keystone role: it cannot be deleted here"
                    )))
                }
            }
            tx.delete_keystone_role(&id)?;
            Ok(())
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Every inference rule whose roles the account sees, (prior, implied).
    pub async fn implied_roles(
        &self,
        account_id: &str,
    ) -> Result<Vec<(super::Role, super::Role)>, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| {
            let rules = tx.implied_roles()?;
            let ids: Vec<&str> = rules
                .iter()
                .flat_map(|(p, i)| [p.as_str(), i.as_str()])
                .collect();
            let roles = super::authz::roles_by_id(tx, &account_id, &ids)?;
            Ok(rules
                .iter()
                .filter_map(|(p, i)| Some((roles.get(p)?.clone(), roles.get(i)?.clone())))
                .collect())
        })
        .await
    }

    /// Records that `prior` implies `implied`. Errors: `NotFound` (a role), `Forbidden`
    /// (a role implying itself, a cycle, or implying `admin`: Keystone's
    /// `prohibited_implied_role`).
    pub async fn imply_role(
        &self,
        account_id: &str,
        prior: &str,
        implied: &str,
    ) -> Result<(super::Role, super::Role), Error> {
        let (account_id, prior, implied) = (
            AccountId::from(account_id),
            prior.to_string(),
            implied.to_string(),
        );
        let out = self
            .writing(move |tx| {
                let p = find_role(tx, &account_id, &prior)?;
                let i = find_role(tx, &account_id, &implied)?;
                if i.name() == "admin" {
                    return Err(Error::Forbidden(
                        "the admin role may not be implied (Keystone's prohibited_implied_role)"
                            .into(),
                    ));
                }
                let rules = tx.implied_roles()?;
                if prior == implied || implied_closure(&rules, &implied).contains(&prior) {
                    return Err(Error::Forbidden(format!(
                        "role {implied} implying role {prior} would make a cycle"
                    )));
                }
                tx.insert_implied_role(&prior, &implied, ids::now_ms())?;
                Ok((p, i))
            })
            .await?;
        self.authz_changed();
        Ok(out)
    }

    /// Takes an inference rule back. Errors: `NotFound` (a role, or no such rule).
    pub async fn unimply_role(
        &self,
        account_id: &str,
        prior: &str,
        implied: &str,
    ) -> Result<(), Error> {
        let (account_id, prior, implied) = (
            AccountId::from(account_id),
            prior.to_string(),
            implied.to_string(),
        );
        self.writing(move |tx| {
            find_role(tx, &account_id, &prior)?;
            find_role(tx, &account_id, &implied)?;
            if tx.delete_implied_role(&prior, &implied)? {
                Ok(())
            } else {
                Err(Error::NotFound(
                    Entity::Grant,
                    format!("{prior} implies {implied}"),
                ))
            }
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Assigns `role_id` to the account's user `user_id` in `scope`; again changes
    /// nothing. Errors: `NotFound` (user, project or role not the account's), `Invalid`
    /// (the role's type does not fit the scope).
    pub async fn grant_user(
        &self,
        account_id: &str,
        user_id: &str,
        role_id: &str,
        scope: GrantScope,
    ) -> Result<(), Error> {
        let (account_id, user_id, role_id) = (
            AccountId::from(account_id),
            user_id.to_string(),
            role_id.to_string(),
        );
        self.writing(move |tx| {
            // the user's row stays until this commits: a grant cannot outlive its user
            tx.lock_users(
                &account_id,
                std::slice::from_ref(&user_id),
                crate::core::storage::RowLock::KeyShare,
            )?;
            let role = user_grant_parts(tx, &account_id, &user_id, &role_id, &scope)?;
            super::authz::check_scope(&role, &scope)?;
            tx.insert_user_grant(&UserGrantRow {
                account_id: account_id.clone(),
                user_id: UserId::from(user_id.as_str()),
                role_id: role_id.clone(),
                scope: scope.clone(),
                created_at: ids::now_ms(),
            })?;
            Ok(())
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Takes a user's assignment back. Errors: `NotFound` (the parts, or no such grant).
    pub async fn revoke_user(
        &self,
        account_id: &str,
        user_id: &str,
        role_id: &str,
        scope: GrantScope,
    ) -> Result<(), Error> {
        let (account_id, user_id, role_id) = (
            AccountId::from(account_id),
            user_id.to_string(),
            role_id.to_string(),
        );
        self.writing(move |tx| {
            user_grant_parts(tx, &account_id, &user_id, &role_id, &scope)?;
            if tx.delete_user_grant(&account_id, &user_id, &role_id, &scope)? {
                Ok(())
            } else {
                Err(Error::NotFound(
                    Entity::Grant,
                    format!("{role_id} of user {user_id}"),
                ))
            }
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// The account's user grants passing `filter`, each with its role (a grant whose
    /// role is gone is left out). A user named in the filter must be the account's.
    pub async fn user_grants(
        &self,
        account_id: &str,
        filter: UserGrantFilter,
    ) -> Result<Vec<(UserGrantRow, super::Role)>, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| {
            if let Some(u) = &filter.user_id {
                if tx.user(&account_id, u)?.is_none() {
                    return Err(Error::NotFound(Entity::User, u.clone()));
                }
            }
            let rows = tx.user_grants(&account_id, &filter)?;
            let ids: Vec<&str> = rows.iter().map(|g| g.role_id.as_str()).collect();
            let roles = super::authz::roles_by_id(tx, &account_id, &ids)?;
            Ok(rows
                .into_iter()
                .filter_map(|g| {
                    let r = roles.get(&g.role_id)?.clone();
                    Some((g, r))
                })
                .collect())
        })
        .await
    }

    /// The account's projects on which `user_id` holds a role: its own grants and its
    /// groups' (with their ancestors), on the project or inherited from the domain
    /// (Keystone's `/v3/users/{id}/projects`).
    pub async fn projects_of_user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<Project>, Error> {
        let groups = self.group_ids_of_user(account_id, user_id).await?;
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| {
            let mut scopes: HashSet<GrantScope> = tx
                .user_grants(
                    &account_id,
                    &UserGrantFilter {
                        user_id: Some(user_id.clone()),
                        ..Default::default()
                    },
                )?
                .into_iter()
                .map(|g| g.scope)
                .collect();
            if !groups.is_empty() {
                let f = crate::core::authz::store::GrantFilter {
                    group_ids: Some(groups.clone()),
                    ..Default::default()
                };
                scopes.extend(tx.grants(&account_id, &f)?.into_iter().map(|g| g.scope));
            }
            let all = scopes.contains(&GrantScope::AllProjects);
            Ok(tx
                .projects_of(&account_id)?
                .into_iter()
                .filter(|p| all || scopes.contains(&GrantScope::Project(p.id.clone())))
                .collect())
        })
        .await
    }
}

/// The name is not another role's among those `domain` sees (system roles, its custom
/// policies, Keystone roles), case-insensitively; `except` is the role being renamed.
fn name_free(
    tx: &mut dyn ReadTx,
    domain: &AccountId,
    name: &str,
    except: Option<&str>,
) -> Result<(), Error> {
    let folded = name.to_lowercase();
    let taken = system::SYSTEM_ROLES
        .iter()
        .any(|r| r.name.to_lowercase() == folded)
        || tx
            .custom_roles(domain)?
            .iter()
            .any(|r| r.display_name.to_lowercase() == folded)
        || tx
            .keystone_roles(Some(domain))?
            .iter()
            .any(|r| Some(r.id.as_str()) != except && r.name.to_lowercase() == folded);
    if taken {
        Err(Error::Duplicate(Entity::Role, name.to_string()))
    } else {
        Ok(())
    }
}

/// The user, project and role a user grant names must be the account's.
fn user_grant_parts(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    user_id: &str,
    role_id: &str,
    scope: &GrantScope,
) -> Result<super::Role, Error> {
    if tx.user(account_id, user_id)?.is_none() {
        return Err(Error::NotFound(Entity::User, user_id.to_string()));
    }
    if let GrantScope::Project(p) = scope {
        match tx.project(p)? {
            Some(pr) if pr.account_id == *account_id => {}
            _ => return Err(Error::NotFound(Entity::Project, p.to_string())),
        }
    }
    find_role(tx, account_id, role_id)
}

/// Where a token is scoped, for the roles it lists.
#[derive(Debug, Clone)]
pub enum TokenScope {
    Domain,
    Project(ProjectId),
    /// Keystone's system scope: the user's system role assignments.
    System,
}

impl Directory {
    /// The roles `user_id` holds where a token is scoped, as (id, name), each once, in the
    /// order granted: its own grants and its groups' (with their ancestors), on the project
    /// (or inherited to all projects) or on the domain, with the roles they imply. The
    /// account's root user and the operator (`operator`) hold Keystone's `admin`; in the
    /// system scope the user's system role assignments count, nothing else.
    pub async fn roles_in_scope(
        &self,
        account_id: &str,
        user_id: &str,
        scope: TokenScope,
        operator: bool,
    ) -> Result<Vec<(String, String)>, Error> {
        let system_roles = match scope {
            TokenScope::System => self.system_roles_of(user_id).await?,
            _ => vec![],
        };
        let groups = match scope {
            TokenScope::System => vec![],
            _ => self.group_ids_of_user(account_id, user_id).await?,
        };
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| {
            let user = tx
                .user(&account_id, &user_id)?
                .ok_or_else(|| Error::NotFound(Entity::User, user_id.clone()))?;
            let counts = |s: &GrantScope| match (&scope, s) {
                (TokenScope::Domain, GrantScope::Domain) => true,
                (TokenScope::Project(_), GrantScope::AllProjects) => true,
                (TokenScope::Project(p), GrantScope::Project(q)) => p == q,
                _ => false,
            };
            let mut ids: Vec<String> = system_roles.clone();
            if (user.is_root || operator) && !matches!(scope, TokenScope::System) {
                if let Some(admin) = system::SYSTEM_ROLES.iter().find(|r| r.name == "admin") {
                    ids.push(admin.id.to_string());
                }
            }
            let own = if matches!(scope, TokenScope::System) {
                vec![]
            } else {
                tx.user_grants(
                    &account_id,
                    &UserGrantFilter {
                        user_id: Some(user_id.clone()),
                        ..Default::default()
                    },
                )?
            };
            ids.extend(
                own.into_iter()
                    .filter(|g| counts(&g.scope))
                    .map(|g| g.role_id),
            );
            if !groups.is_empty() {
                let f = crate::core::authz::store::GrantFilter {
                    group_ids: Some(groups.clone()),
                    ..Default::default()
                };
                ids.extend(
                    tx.grants(&account_id, &f)?
                        .into_iter()
                        .filter(|g| counts(&g.scope))
                        .map(|g| g.role_id),
                );
            }
            let rules = if ids.is_empty() {
                vec![]
            } else {
                tx.implied_roles()?
            };
            let mut all: Vec<String> = Vec::new();
            for id in &ids {
                for r in implied_closure(&rules, id) {
                    if !all.contains(&r) {
                        all.push(r);
                    }
                }
            }
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            let roles = super::authz::roles_by_id(tx, &account_id, &refs)?;
            Ok(all
                .iter()
                .filter_map(|id| Some((id.clone(), roles.get(id)?.name().to_string())))
                .collect())
        })
        .await
    }
}

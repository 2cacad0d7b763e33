//! Authorization operations: the roles an account can grant (system roles and its custom
//! policies), grants of roles to groups on the domain, a project or all projects, and what a
//! user holds for a decision. One transaction each.
//!
//! Rules, as Huawei Cloud IAM has them: a custom policy's document is Version 1.1 and its
//! type `AX` (global services, granted on the domain) or `XA` (project-level services,
//! granted on projects); a system role of type `AA` may be granted anywhere. At most
//! [`MAX_CUSTOM_ROLES`] custom policies per account. A grant to a group counts for its
//! members and for the members of its subgroups (a child inherits its ancestors' grants, as
//! group role mappings do in Keycloak).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::Directory;
use crate::core::authz::store::{
    CustomRoleRow, GrantFilter, GrantRow, GrantScope, HeldPolicyRow, Principal,
};
use crate::core::authz::{system, Document, Held, RoleType, Source, SystemRole, Version};
use crate::core::error::{Entity, Error};
use crate::core::ids;
use crate::core::model::{AccountId, GroupId, ProjectId, UserId};
use crate::core::storage::{ReadTx, RowLock};
use crate::core::validate;

/// Most custom policies of one account (the cloud's quota).
pub const MAX_CUSTOM_ROLES: usize = 200;

/// A role the account can grant.
#[derive(Debug, Clone)]
pub enum Role {
    System(&'static SystemRole),
    Custom(CustomRoleRow),
    /// Made through Keystone's `POST /v3/roles`: a name to assign, with no permission.
    Keystone(crate::core::keystone::KeystoneRoleRow),
}

impl Role {
    pub fn id(&self) -> &str {
        match self {
            Role::System(r) => r.id,
            Role::Custom(r) => &r.id,
            Role::Keystone(r) => &r.id,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Role::System(r) => r.name,
            Role::Custom(r) => &r.name,
            Role::Keystone(r) => &r.name,
        }
    }
    pub fn display_name(&self) -> &str {
        match self {
            Role::System(r) => r.display_name,
            Role::Custom(r) => &r.display_name,
            Role::Keystone(r) => &r.name,
        }
    }
    pub fn role_type(&self) -> RoleType {
        match self {
            Role::System(r) => r.role_type,
            Role::Custom(r) => RoleType::parse(&r.role_type).unwrap_or(RoleType::AX),
            Role::Keystone(_) => RoleType::AA,
        }
    }
    /// The document as JSON text (a Keystone role has none: empty).
    pub fn policy(&self) -> &str {
        match self {
            Role::System(r) => r.document,
            Role::Custom(r) => &r.policy,
            Role::Keystone(_) => "",
        }
    }
    /// The parsed document (system roles' parsed once; custom ones' on each call); `None`
    /// for a Keystone role, which allows nothing.
    pub fn document(&self) -> Result<Option<Arc<Document>>, Error> {
        match self {
            Role::System(r) => Ok(Some(system::document(r))),
            Role::Custom(r) => Document::parse(&r.policy, Version::V1_1)
                .map(|d| Some(Arc::new(d)))
                .map_err(|e| Error::Internal(format!("custom role {}: {e}", r.id))),
            Role::Keystone(_) => Ok(None),
        }
    }
}

/// What a custom policy is made of (create) or becomes (update: `None` keeps a field).
#[derive(Debug, Clone, Default)]
pub struct CustomRoleInput {
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub description_cn: Option<String>,
    /// `AX` or `XA`.
    pub role_type: Option<String>,
    /// The Version 1.1 document, as JSON.
    pub policy: Option<serde_json::Value>,
}

/// What a user holds, read at once for its decisions: the role grants of its groups and
/// their ancestors (with the scope each counts in) and the identity policies attached to
/// it and to those groups.
#[derive(Debug, Clone)]
pub struct Holdings {
    pub user_id: UserId,
    pub user_name: String,
    pub domain_name: String,
    /// `iam::{account_id}:user:{user_name}` (STS's principal URN, `g:PrincipalUrn`).
    pub principal_urn: String,
    pub is_root: bool,
    pub grants: Vec<(GrantScope, Held)>,
    pub policies: Vec<Held>,
    /// `Directory::authz_epoch` when this was read: a later change makes it stale.
    pub epoch: u64,
}

/// Where a request acts, for choosing the grants that count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestScope {
    /// Global services (IAM, Quick BI): grants on the domain.
    Domain,
    /// A project-level service (Workspace's `/v2/{project_id}`): grants on that project and
    /// grants on the domain inherited to all projects.
    Project(ProjectId),
}

impl RequestScope {
    pub fn describe(&self) -> String {
        match self {
            RequestScope::Domain => "domain".into(),
            RequestScope::Project(p) => format!("project {p}"),
        }
    }
}

impl Holdings {
    /// The policies that count in `scope`: the matching grants', then every identity
    /// policy (those apply in every scope; their `Resource` and `Condition` narrow them).
    pub fn in_scope<'a>(&'a self, scope: &'a RequestScope) -> impl Iterator<Item = &'a Held> {
        self.grants
            .iter()
            .filter(move |(s, _)| match (scope, s) {
                (RequestScope::Domain, GrantScope::Domain) => true,
                (RequestScope::Project(_), GrantScope::AllProjects) => true,
                (RequestScope::Project(p), GrantScope::Project(q)) => p == q,
                _ => false,
            })
            .map(|(_, h)| h)
            .chain(self.policies.iter())
    }
}

fn scope_name(s: &GrantScope) -> String {
    match s {
        GrantScope::Domain => "domain".into(),
        GrantScope::Project(p) => format!("project:{p}"),
        GrantScope::AllProjects => "inherited_to_projects".into(),
    }
}

/// The role `id` as the account sees it: a system role, or one of its custom policies.
pub(super) fn find_role(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    id: &str,
) -> Result<Role, Error> {
    if let Some(r) = system::find(id) {
        return Ok(Role::System(r));
    }
    if let Some(r) = tx.custom_role(account_id, id)? {
        return Ok(Role::Custom(r));
    }
    match tx.keystone_role(id)? {
        // a Keystone role is global, or the account's own
        Some(r) if r.domain_id.as_ref().is_none_or(|d| d == account_id) => Ok(Role::Keystone(r)),
        _ => Err(Error::NotFound(Entity::Role, id.to_string())),
    }
}

/// Each grant with its role, reading the account's custom policies at most once (only when
/// a grant names one). A grant whose custom policy is gone is left out: deleting a custom
/// policy deletes its grants in the same transaction, so none should be found.
fn with_roles(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    rows: Vec<GrantRow>,
) -> Result<Vec<(GrantRow, Role)>, Error> {
    let ids: Vec<&str> = rows.iter().map(|g| g.role_id.as_str()).collect();
    let roles = roles_by_id(tx, account_id, &ids)?;
    Ok(rows
        .into_iter()
        .filter_map(|g| {
            let role = roles.get(&g.role_id)?.clone();
            Some((g, role))
        })
        .collect())
}

/// The roles `ids` name, by id, reading the account's custom policies and the Keystone
/// roles at most once each (only when an id is not a system role's). An id naming no role
/// is left out.
pub(super) fn roles_by_id(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    ids: &[&str],
) -> Result<HashMap<String, Role>, Error> {
    let mut out: HashMap<String, Role> = HashMap::new();
    for id in ids {
        if let Some(r) = system::find(id) {
            out.insert(id.to_string(), Role::System(r));
        }
    }
    if ids.iter().all(|id| out.contains_key(*id)) {
        return Ok(out);
    }
    for r in tx.custom_roles(account_id)? {
        if ids.contains(&r.id.as_str()) {
            out.insert(r.id.clone(), Role::Custom(r));
        }
    }
    if ids.iter().all(|id| out.contains_key(*id)) {
        return Ok(out);
    }
    for r in tx.keystone_roles(Some(account_id))? {
        if ids.contains(&r.id.as_str()) {
            out.insert(r.id.clone(), Role::Keystone(r));
        }
    }
    Ok(out)
}

/// A role may be granted in `scope`: `AX` on the domain only, `XA` on projects only.
pub(super) fn check_scope(role: &Role, scope: &GrantScope) -> Result<(), Error> {
    let ok = matches!(
        (role.role_type(), scope),
        (RoleType::AA, _)
            | (RoleType::AX, GrantScope::Domain)
            | (
                RoleType::XA,
                GrantScope::Project(_) | GrantScope::AllProjects
            )
    );
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "role {} is of type {} and cannot be granted on {}",
            role.display_name(),
            role.role_type().as_str(),
            match scope {
                GrantScope::Domain => "the domain".to_string(),
                GrantScope::Project(p) => format!("project {p}"),
                GrantScope::AllProjects => "all projects".to_string(),
            }
        )))
    }
}

/// The group, project and role a grant names must be the account's.
fn check_grant_parts(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    group_id: &str,
    role_id: &str,
    scope: &GrantScope,
) -> Result<Role, Error> {
    if tx.group(account_id, group_id)?.is_none() {
        return Err(Error::NotFound(Entity::Group, group_id.to_string()));
    }
    if let GrantScope::Project(p) = scope {
        match tx.project(p)? {
            Some(pr) if pr.account_id == *account_id => {}
            _ => return Err(Error::NotFound(Entity::Project, p.to_string())),
        }
    }
    find_role(tx, account_id, role_id)
}

fn check_input(input: &CustomRoleInput, creating: bool) -> Result<Option<String>, Error> {
    if let Some(n) = &input.display_name {
        if n.trim().is_empty() {
            return Err(Error::invalid("display_name must not be empty"));
        }
        validate::text("display_name", n, 128)?;
    } else if creating {
        return Err(Error::invalid("display_name is missing"));
    }
    for (field, v) in [
        ("description", &input.description),
        ("description_cn", &input.description_cn),
    ] {
        if let Some(v) = v {
            validate::text(field, v, 256)?;
        }
    }
    match input.role_type.as_deref() {
        Some("AX" | "XA") => {}
        Some(t) => {
            return Err(Error::invalid(format!(
                "type must be \"AX\" (global services) or \"XA\" (project-level services), not {}",
                crate::core::text::quoted(t)
            )))
        }
        None if creating => return Err(Error::invalid("type is missing")),
        None => {}
    }
    match &input.policy {
        Some(p) => {
            Document::from_value(p, Version::V1_1)?;
            Ok(Some(p.to_string()))
        }
        None if creating => Err(Error::invalid("policy is missing")),
        None => Ok(None),
    }
}

/// The groups `user_id` is a member of and their ancestors: every id on their paths,
/// sorted.
fn groups_with_ancestors(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    user_id: &str,
) -> Result<Vec<String>, Error> {
    let mut groups: Vec<String> = tx
        .group_paths_of_user(account_id, user_id)?
        .iter()
        .flat_map(|p| p.split('/').map(str::to_string).collect::<Vec<_>>())
        .filter(|g| !g.is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    groups.sort();
    Ok(groups)
}

/// Whether `groups` or `user` hold a grant or an identity policy.
fn carries(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    groups: &[String],
    user: Option<UserId>,
) -> Result<bool, Error> {
    if !groups.is_empty() {
        let filter = GrantFilter {
            group_ids: Some(groups.to_vec()),
            ..GrantFilter::default()
        };
        if !tx.grants(account_id, &filter)?.is_empty() {
            return Ok(true);
        }
    }
    if let Some(u) = &user {
        let filter = crate::core::keystone::UserGrantFilter {
            user_id: Some(u.to_string()),
            ..Default::default()
        };
        if !tx.user_grants(account_id, &filter)?.is_empty() {
            return Ok(true);
        }
    }
    let mut principals: Vec<Principal> = user.into_iter().map(Principal::User).collect();
    principals.extend(groups.iter().map(|g| Principal::Group(GroupId::from(g))));
    if principals.is_empty() {
        return Ok(false);
    }
    Ok(!tx.held_policies(account_id, &principals)?.is_empty())
}

impl Directory {
    /// The groups whose grants count for `user_id`: its groups and their ancestors.
    /// Errors: `NotFound` for a user not in the account.
    pub async fn group_ids_of_user(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<String>, Error> {
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| {
            if tx.user(&account_id, &user_id)?.is_none() {
                return Err(Error::NotFound(Entity::User, user_id.clone()));
            }
            groups_with_ancestors(tx, &account_id, &user_id)
        })
        .await
    }

    /// Whether any of `group_ids` (or an ancestor of one) holds a grant or an identity
    /// policy: changing who is in such a group, or where it sits, changes permissions, so
    /// the faces ask for IAM's permission too (`auth::authz::guard_groups`). Unknown ids
    /// hold nothing.
    pub async fn groups_carry_permissions(
        &self,
        account_id: &str,
        group_ids: &[String],
    ) -> Result<bool, Error> {
        let account_id = AccountId::from(account_id);
        let group_ids = group_ids.to_vec();
        self.reading(move |tx| {
            let mut all = HashSet::new();
            for g in &group_ids {
                if let Some(group) = tx.group(&account_id, g)? {
                    all.extend(
                        group
                            .path
                            .split('/')
                            .filter(|x| !x.is_empty())
                            .map(str::to_string),
                    );
                }
            }
            if all.is_empty() {
                return Ok(false);
            }
            let mut all: Vec<String> = all.into_iter().collect();
            all.sort();
            carries(tx, &account_id, &all, None)
        })
        .await
    }

    /// Whether `user_id` holds anything: a grant through its groups (or their ancestors)
    /// or an identity policy of its own or of those groups. Changing such a user's
    /// password or state through a face that is not IAM would hand its permissions on.
    pub async fn user_carries_permissions(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<bool, Error> {
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| {
            let groups = groups_with_ancestors(tx, &account_id, &user_id)?;
            carries(tx, &account_id, &groups, Some(UserId::from(&user_id)))
        })
        .await
    }

    /// Whether `user_id` is the account's root user (false for an unknown id).
    pub async fn is_root_user(&self, account_id: &str, user_id: &str) -> Result<bool, Error> {
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| Ok(tx.user(&account_id, &user_id)?.is_some_and(|u| u.is_root)))
            .await
    }

    /// Marks every node-local decision cache stale (`Holdings::epoch`): after a grant,
    /// role or policy change, and after a membership or hierarchy change (what a user
    /// holds follows its groups and their ancestors).
    pub(super) fn authz_changed(&self) {
        self.authz_epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// The current authorization epoch: it grows with every grant, role or policy change
    /// made through this node.
    pub fn authz_epoch(&self) -> u64 {
        self.authz_epoch.load(Ordering::Relaxed)
    }

    /// Every role the account can grant: the system roles, then its custom policies in
    /// creation order, then the Keystone roles it sees by name.
    pub async fn roles(&self, account_id: &str) -> Result<Vec<Role>, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| {
            let mut out: Vec<Role> = system::SYSTEM_ROLES.iter().map(Role::System).collect();
            out.extend(tx.custom_roles(&account_id)?.into_iter().map(Role::Custom));
            out.extend(
                tx.keystone_roles(Some(&account_id))?
                    .into_iter()
                    .map(Role::Keystone),
            );
            Ok(out)
        })
        .await
    }

    /// The role `id` (system, or the account's custom policy). Errors: `NotFound`.
    pub async fn role(&self, account_id: &str, id: &str) -> Result<Role, Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.reading(move |tx| find_role(tx, &account_id, &id))
            .await
    }

    /// Creates a custom policy. Errors: `Invalid` (fields, the document), `Duplicate`
    /// (display name taken), `Conflict` (the account has [`MAX_CUSTOM_ROLES`]).
    pub async fn create_custom_role(
        &self,
        account_id: &str,
        input: CustomRoleInput,
    ) -> Result<CustomRoleRow, Error> {
        let policy = check_input(&input, true)?.unwrap_or_default();
        let account_id = AccountId::from(account_id);
        let id = ids::new_id();
        let out = self
            .writing(move |tx| {
                let existing = tx.custom_roles(&account_id)?;
                if existing.len() >= MAX_CUSTOM_ROLES {
                    return Err(Error::Conflict(format!(
                        "the account has {MAX_CUSTOM_ROLES} custom policies, the most it may have"
                    )));
                }
                let display_name = input.display_name.clone().unwrap_or_default();
                if existing.iter().any(|r| r.display_name == display_name) {
                    return Err(Error::Duplicate(Entity::Role, display_name));
                }
                // the cloud's names: custom_{domain}_{n}, n one more than the largest used
                let n = existing
                    .iter()
                    .filter_map(|r| r.name.rsplit('_').next()?.parse::<u64>().ok())
                    .max()
                    .map_or(0, |m| m + 1);
                let now = ids::now_ms();
                let row = CustomRoleRow {
                    id: id.clone(),
                    account_id: account_id.clone(),
                    name: format!("custom_{account_id}_{n}"),
                    display_name: display_name.clone(),
                    description: input.description.clone().unwrap_or_default(),
                    description_cn: input.description_cn.clone().unwrap_or_default(),
                    role_type: input.role_type.clone().unwrap_or_default(),
                    policy: policy.clone(),
                    created_at: now,
                    updated_at: now,
                };
                tx.insert_custom_role(&row).map_err(|e| match e {
                    Error::Unique(_) => Error::Duplicate(Entity::Role, display_name.clone()),
                    e => e,
                })?;
                Ok(row)
            })
            .await?;
        self.authz_changed();
        Ok(out)
    }

    /// Changes a custom policy (system roles cannot be changed: `Forbidden`). Errors as
    /// [`Directory::create_custom_role`], and `NotFound`.
    pub async fn update_custom_role(
        &self,
        account_id: &str,
        id: &str,
        input: CustomRoleInput,
    ) -> Result<CustomRoleRow, Error> {
        if system::find(id).is_some() {
            return Err(Error::Forbidden(format!(
                "role {id} is a system-defined role and cannot be changed"
            )));
        }
        let policy = check_input(&input, false)?;
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        let out = self
            .writing(move |tx| {
                let mut row = tx
                    .custom_role(&account_id, &id)?
                    .ok_or_else(|| Error::NotFound(Entity::Role, id.clone()))?;
                if let Some(n) = &input.display_name {
                    if *n != row.display_name
                        && tx
                            .custom_roles(&account_id)?
                            .iter()
                            .any(|r| r.display_name == *n)
                    {
                        return Err(Error::Duplicate(Entity::Role, n.clone()));
                    }
                    row.display_name = n.clone();
                }
                if let Some(d) = &input.description {
                    row.description = d.clone();
                }
                if let Some(d) = &input.description_cn {
                    row.description_cn = d.clone();
                }
                if let Some(t) = &input.role_type {
                    if *t != row.role_type
                        && !tx
                            .grants(
                                &account_id,
                                &GrantFilter {
                                    role_id: Some(id.clone()),
                                    ..GrantFilter::default()
                                },
                            )?
                            .is_empty()
                    {
                        return Err(Error::Conflict(format!(
                            "the type of custom policy {id} cannot change while it is granted"
                        )));
                    }
                    row.role_type = t.clone();
                }
                if let Some(p) = &policy {
                    row.policy = p.clone();
                }
                row.updated_at = ids::now_ms();
                tx.update_custom_role(&row).map_err(|e| match e {
                    Error::Unique(_) => Error::Duplicate(Entity::Role, row.display_name.clone()),
                    e => e,
                })?;
                Ok(row)
            })
            .await?;
        self.authz_changed();
        Ok(out)
    }

    /// Deletes a custom policy and its grants. Errors: `NotFound`, `Forbidden` for a system
    /// role.
    pub async fn delete_custom_role(&self, account_id: &str, id: &str) -> Result<(), Error> {
        if system::find(id).is_some() {
            return Err(Error::Forbidden(format!(
                "role {id} is a system-defined role and cannot be deleted"
            )));
        }
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.writing(move |tx| {
            if tx.delete_custom_role(&account_id, &id)? {
                Ok(())
            } else {
                Err(Error::NotFound(Entity::Role, id.clone()))
            }
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Grants `role_id` to `group_id` in `scope`; granting again changes nothing. Errors:
    /// `NotFound` (group, project or role not the account's), `Invalid` (the role's type
    /// does not fit the scope).
    pub async fn grant(
        &self,
        account_id: &str,
        group_id: &str,
        role_id: &str,
        scope: GrantScope,
    ) -> Result<(), Error> {
        let (account_id, group_id, role_id) = (
            AccountId::from(account_id),
            group_id.to_string(),
            role_id.to_string(),
        );
        self.writing(move |tx| {
            // the group stays until this commits: a grant cannot outlive a group deleted at
            // the same time (a later group with the same chosen id must not inherit it)
            tx.lock_groups(
                &account_id,
                std::slice::from_ref(&group_id),
                RowLock::KeyShare,
            )?;
            let role = check_grant_parts(tx, &account_id, &group_id, &role_id, &scope)?;
            check_scope(&role, &scope)?;
            tx.insert_grant(&GrantRow {
                account_id: account_id.clone(),
                group_id: GroupId::from(&group_id),
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

    /// Takes a grant back. Errors: `NotFound` (the group, project or role, or no such
    /// grant: Keystone answers 404 for each).
    pub async fn revoke(
        &self,
        account_id: &str,
        group_id: &str,
        role_id: &str,
        scope: GrantScope,
    ) -> Result<(), Error> {
        let (account_id, group_id, role_id) = (
            AccountId::from(account_id),
            group_id.to_string(),
            role_id.to_string(),
        );
        self.writing(move |tx| {
            check_grant_parts(tx, &account_id, &group_id, &role_id, &scope)?;
            if tx.delete_grant(&account_id, &group_id, &role_id, &scope)? {
                Ok(())
            } else {
                Err(Error::NotFound(
                    Entity::Grant,
                    format!("{role_id} of group {group_id} on {}", scope_name(&scope)),
                ))
            }
        })
        .await?;
        self.authz_changed();
        Ok(())
    }

    /// Whether the grant exists. Errors: `NotFound` for a group, project or role that is
    /// not the account's.
    pub async fn has_grant(
        &self,
        account_id: &str,
        group_id: &str,
        role_id: &str,
        scope: GrantScope,
    ) -> Result<bool, Error> {
        let (account_id, group_id, role_id) = (
            AccountId::from(account_id),
            group_id.to_string(),
            role_id.to_string(),
        );
        self.reading(move |tx| {
            check_grant_parts(tx, &account_id, &group_id, &role_id, &scope)?;
            let found = tx.grants(
                &account_id,
                &GrantFilter {
                    group_ids: Some(vec![group_id.clone()]),
                    role_id: Some(role_id.clone()),
                    scope: Some(scope.clone()),
                },
            )?;
            Ok(!found.is_empty())
        })
        .await
    }

    /// The account's grants passing `filter`, each with its role. A group named in the
    /// filter must be the account's (`NotFound`).
    pub async fn grants(
        &self,
        account_id: &str,
        filter: GrantFilter,
    ) -> Result<Vec<(GrantRow, Role)>, Error> {
        let account_id = AccountId::from(account_id);
        self.reading(move |tx| {
            for g in filter.group_ids.iter().flatten() {
                if tx.group(&account_id, g)?.is_none() {
                    return Err(Error::NotFound(Entity::Group, g.clone()));
                }
            }
            let rows = tx.grants(&account_id, &filter)?;
            with_roles(tx, &account_id, rows)
        })
        .await
    }

    /// What `user_id` holds, read in one transaction. Errors: `NotFound` for a user not in
    /// the account.
    pub async fn holdings(&self, account_id: &str, user_id: &str) -> Result<Holdings, Error> {
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        let epoch = self.authz_epoch();
        self.reading(move |tx| {
            let user = tx
                .user(&account_id, &user_id)?
                .ok_or_else(|| Error::NotFound(Entity::User, user_id.clone()))?;
            let domain_name = tx.account(&account_id)?.map(|a| a.name).unwrap_or_default();
            let mut holdings = Holdings {
                user_id: user.id.clone(),
                user_name: user.name.clone(),
                domain_name,
                principal_urn: format!("iam::{account_id}:user:{}", user.name),
                is_root: user.is_root,
                grants: vec![],
                policies: vec![],
                epoch,
            };
            if user.is_root {
                // the root user holds every permission; nothing else is read
                return Ok(holdings);
            }
            let groups = groups_with_ancestors(tx, &account_id, &user_id)?;
            // (scope, role id, holder): the groups' grants, then the user's own
            let mut granted: Vec<(GrantScope, String, String)> = Vec::new();
            if !groups.is_empty() {
                let grants = tx.grants(
                    &account_id,
                    &GrantFilter {
                        group_ids: Some(groups.clone()),
                        ..GrantFilter::default()
                    },
                )?;
                granted.extend(
                    grants
                        .into_iter()
                        .map(|g| (g.scope, g.role_id, g.group_id.to_string())),
                );
            }
            let own = tx.user_grants(
                &account_id,
                &crate::core::keystone::UserGrantFilter {
                    user_id: Some(user_id.clone()),
                    ..Default::default()
                },
            )?;
            granted.extend(own.into_iter().map(|g| (g.scope, g.role_id, String::new())));
            if !granted.is_empty() {
                // Keystone's implied roles: a role counts with every role it implies
                let rules = tx.implied_roles()?;
                let mut expanded = Vec::new();
                for (scope, role_id, holder) in granted {
                    for r in super::keystone::implied_closure(&rules, &role_id) {
                        expanded.push((scope.clone(), r, holder.clone()));
                    }
                }
                let ids: Vec<&str> = expanded.iter().map(|(_, r, _)| r.as_str()).collect();
                let roles = roles_by_id(tx, &account_id, &ids)?;
                // a role held several times is parsed once
                let mut parsed: HashMap<String, Option<Arc<Document>>> = HashMap::new();
                for (scope, role_id, holder) in &expanded {
                    let Some(role) = roles.get(role_id) else {
                        continue;
                    };
                    let document = match parsed.get(role_id) {
                        Some(d) => d.clone(),
                        None => {
                            let d = role.document()?;
                            parsed.insert(role_id.clone(), d.clone());
                            d
                        }
                    };
                    // a Keystone role allows nothing by itself
                    let Some(document) = document else {
                        continue;
                    };
                    holdings.grants.push((
                        scope.clone(),
                        Held {
                            source: Source::Role {
                                role_id: role_id.clone(),
                                role_name: role.display_name().to_string(),
                                group_id: holder.clone(),
                                scope: scope_name(scope),
                            },
                            document,
                        },
                    ));
                }
            }
            let mut principals = vec![Principal::User(user.id.clone())];
            principals.extend(groups.iter().map(|g| Principal::Group(GroupId::from(g))));
            for HeldPolicyRow {
                policy,
                principal,
                document,
            } in tx.held_policies(&account_id, &principals)?
            {
                let document = Document::parse(&document, Version::V5_0)
                    .map_err(|e| Error::Internal(format!("identity policy {}: {e}", policy.id)))?;
                holdings.policies.push(Held {
                    source: Source::IdentityPolicy {
                        policy_id: policy.id.clone(),
                        policy_name: policy.name.clone(),
                        version_id: policy.default_version_id.clone(),
                        principal: match principal {
                            Principal::User(u) => format!("user:{u}"),
                            Principal::Group(g) => format!("group:{g}"),
                        },
                    },
                    document: Arc::new(document),
                });
            }
            Ok(holdings)
        })
        .await
    }
}

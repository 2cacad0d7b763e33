//! User groups, their hierarchy and their members.

use super::{check_batch, Directory};
use crate::core::error::{Entity, Error};
use crate::core::model::*;
use crate::core::storage::{ReadTx, RowLock};
use crate::core::text::fold;
use crate::core::{ids, validate};

pub(super) fn must_get(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    id: &str,
) -> Result<Group, Error> {
    tx.group(account_id, id)?
        .ok_or_else(|| Error::NotFound(Entity::Group, id.into()))
}

pub(super) fn must_have_user(
    tx: &mut dyn ReadTx,
    account_id: &AccountId,
    id: &str,
) -> Result<(), Error> {
    match tx.user(account_id, id)? {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(Entity::User, id.into())),
    }
}

/// A unique violation of a group's name as the precise `Duplicate`.
fn name_taken(name: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::Unique(_) => Error::Duplicate(Entity::Group, name.to_string()),
        other => other,
    }
}

/// The keyword and names of a group filter are text a stored group could hold (see
/// `validate::keyword`, `validate::lookup_name`): listings and export tasks check them
/// before any query.
pub(crate) fn check_group_filter(filter: &GroupFilter) -> Result<(), Error> {
    if let Some(kw) = &filter.keyword {
        validate::keyword(kw)?;
    }
    if let Some(n) = &filter.name {
        validate::lookup_name("name", n)?;
    }
    for c in &filter.name_conditions {
        validate::keyword(&c.value)?;
    }
    if let Some(d) = &filter.domain {
        validate::lookup_name("domain", d)?;
    }
    for v in &filter.ids {
        validate::lookup_name("filter", v)?;
    }
    if let Some(ParentFilter::Group(p)) = &filter.parent {
        validate::lookup_name("parent id", p)?;
    }
    Ok(())
}

impl Directory {
    pub async fn create_group(&self, account_id: &str, mut g: NewGroup) -> Result<Group, Error> {
        for s in [&mut g.name, &mut g.description, &mut g.domain] {
            validate::normalize(s);
        }
        validate::group_name(&g.name)?;
        validate::description(&g.description)?;
        validate::text("domain", &g.domain, 255)?;
        let platform_type = match &g.platform_type {
            Some(t) => t.known()?,
            None => PlatformType::default(),
        };
        if let Some(id) = &g.id {
            validate::chosen_id(id)?;
        }
        let id = g.id.clone().unwrap_or_else(ids::new_id);
        let (account_id, max_depth) = (AccountId::from(account_id), self.max_depth);
        self.writing(move |tx| {
            let now = ids::now_ms();
            let (path, depth) = match &g.parent_id {
                Some(pid) => {
                    tx.lock_hierarchy(&account_id)?;
                    let parent = must_get(tx, &account_id, pid)?;
                    if parent.depth + 1 > max_depth {
                        return Err(Error::Hierarchy(format!(
                            "groups may nest at most {max_depth} levels deep"
                        )));
                    }
                    (format!("{}/{id}", parent.path), parent.depth + 1)
                }
                None => (id.clone(), 1),
            };
            if tx.group_by_name(&account_id, &g.name)?.is_some() {
                return Err(Error::Duplicate(Entity::Group, g.name.clone()));
            }
            if tx.group_id_taken(&account_id, &id)? {
                return Err(Error::Conflict(format!("group id {id} is already in use")));
            }
            let group = Group {
                seq: 0,
                id: id.clone().into(),
                account_id: account_id.clone(),
                name: g.name.clone(),
                description: g.description.clone(),
                platform_type,
                domain: g.domain.clone(),
                parent_id: g.parent_id.clone().map(GroupId::from),
                path,
                depth,
                user_quantity: 0,
                created_by: g.created_by.clone(),
                updated_by: g.created_by.clone(),
                created_at: now,
                updated_at: now,
                parent: None,
            };
            tx.insert_groups(std::slice::from_ref(&group))
                .map_err(name_taken(&group.name))?;
            must_get(tx, &account_id, &group.id)
        })
        .await
    }

    pub async fn group(&self, account_id: &str, id: &str) -> Result<Group, Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.reading(move |tx| must_get(tx, &account_id, &id)).await
    }

    pub async fn list_groups(
        &self,
        account_id: &str,
        filter: &GroupFilter,
        page: Page,
    ) -> Result<Listing<Group>, Error> {
        check_group_filter(filter)?;
        let (account_id, filter) = (AccountId::from(account_id), filter.clone());
        self.reading(move |tx| {
            if let Some(uid) = &filter.member {
                must_have_user(tx, &account_id, uid)?;
            }
            tx.list_groups(&account_id, &filter, page)
        })
        .await
    }

    pub async fn groups_of_user(
        &self,
        account_id: &str,
        user_id: &str,
        page: Page,
    ) -> Result<Listing<Group>, Error> {
        let (account_id, user_id) = (AccountId::from(account_id), user_id.to_string());
        self.reading(move |tx| {
            must_have_user(tx, &account_id, &user_id)?;
            tx.groups_of_user(&user_id, page)
        })
        .await
    }

    pub async fn update_group(
        &self,
        account_id: &str,
        id: &str,
        mut p: GroupPatch,
    ) -> Result<Group, Error> {
        for s in [&mut p.name, &mut p.description].into_iter().flatten() {
            validate::normalize(s);
        }
        if let Some(n) = &p.name {
            validate::group_name(n)?;
        }
        if let Some(d) = &p.description {
            validate::description(d)?;
        }
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.writing(move |tx| {
            let mut g = must_get(tx, &account_id, &id)?;
            if let Some(n) = &p.name {
                if fold(n) != fold(&g.name) && tx.group_by_name(&account_id, n)?.is_some() {
                    return Err(Error::Duplicate(Entity::Group, n.clone()));
                }
                g.name = n.clone();
            }
            if let Some(d) = &p.description {
                g.description = d.clone();
            }
            g.updated_by = p.updated_by.clone();
            g.updated_at = ids::now_ms();
            tx.update_group(&g).map_err(name_taken(&g.name))?;
            must_get(tx, &account_id, &id)
        })
        .await
    }

    /// Moves a group (with its subtree) under `new_parent`, or to the top with `None`.
    /// A move under itself or its own descendant, or one that nests too deep, is refused.
    pub async fn move_group(
        &self,
        account_id: &str,
        id: &str,
        new_parent: Option<&str>,
        by: &str,
    ) -> Result<Group, Error> {
        let (account_id, id, by) = (AccountId::from(account_id), id.to_string(), by.to_string());
        let (new_parent, max_depth) = (new_parent.map(str::to_string), self.max_depth);
        self.writing(move |tx| {
            tx.lock_hierarchy(&account_id)?;
            let g = must_get(tx, &account_id, &id)?;
            let (new_path, new_depth) = match &new_parent {
                Some(pid) => {
                    let p = must_get(tx, &account_id, pid)?;
                    if p.id == g.id || p.path.starts_with(&format!("{}/", g.path)) {
                        return Err(Error::Hierarchy(format!(
                            "cannot move group {id} under itself or one of its descendants"
                        )));
                    }
                    (format!("{}/{}", p.path, g.id), p.depth + 1)
                }
                None => (g.id.to_string(), 1),
            };
            let subtree_depth = tx.subtree_max_depth(&account_id, &g.path)?;
            if subtree_depth - g.depth + new_depth > max_depth {
                return Err(Error::Hierarchy(format!(
                    "the move would nest groups more than {max_depth} levels deep"
                )));
            }
            tx.move_subtree(
                &account_id,
                &g.id,
                new_parent.as_deref(),
                &g.path,
                &new_path,
                new_depth - g.depth,
                &by,
                ids::now_ms(),
            )?;
            must_get(tx, &account_id, &id)
        })
        .await
        .inspect(|_| self.authz_changed())
    }

    /// Deletes groups with their subgroups and memberships, all or none.
    pub async fn delete_groups(&self, account_id: &str, ids: &[String]) -> Result<(), Error> {
        let ids = check_batch("group_ids", ids)?;
        let account_id = AccountId::from(account_id);
        self.writing(move |tx| {
            tx.lock_hierarchy(&account_id)?;
            let mut doomed: Vec<String> = Vec::new();
            for id in &ids {
                let g = must_get(tx, &account_id, id)?;
                for sub in tx.subtree_ids(&account_id, &g.path)? {
                    if !doomed.contains(&sub) {
                        doomed.push(sub);
                    }
                }
            }
            // held until the end: a membership write on these groups (which holds them
            // shared) finishes first, and one that comes later finds them gone
            doomed.sort();
            tx.lock_groups(&account_id, &doomed, RowLock::Update)?;
            tx.delete_groups(&account_id, &doomed)
        })
        .await
        .inspect(|_| self.authz_changed())
    }

    /// Adds users to a group; returns how many were not members. Members already in it are
    /// left as they are; an unknown user fails the whole call.
    pub async fn add_members(
        &self,
        account_id: &str,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error> {
        self.change_members(&AccountId::from(account_id), group_id, user_ids, true)
            .await
    }

    /// Removes users from a group; returns how many were members. Users not in it are
    /// ignored; an unknown user fails the whole call.
    pub async fn remove_members(
        &self,
        account_id: &str,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error> {
        self.change_members(&AccountId::from(account_id), group_id, user_ids, false)
            .await
    }

    async fn change_members(
        &self,
        account_id: &AccountId,
        group_id: &str,
        user_ids: &[String],
        add: bool,
    ) -> Result<i64, Error> {
        let user_ids = check_batch("user_ids", user_ids)?;
        let (account_id, group_id) = (AccountId::from(account_id), group_id.to_string());
        self.writing(move |tx| {
            must_get(tx, &account_id, &group_id)?;
            // the users, then the group, held until the end: a deletion of any of them
            // waits for this write, or this write waits for it and answers 404 (never a
            // half-counted membership or a foreign-key failure)
            let found = tx.lock_users(&account_id, &user_ids, RowLock::KeyShare)?;
            if let Some(missing) = user_ids.iter().find(|u| !found.contains(u)) {
                return Err(Error::NotFound(Entity::User, missing.clone()));
            }
            let group = [group_id.clone()];
            if tx
                .lock_groups(&account_id, &group, RowLock::KeyShare)?
                .is_empty()
            {
                return Err(Error::NotFound(Entity::Group, group_id.clone()));
            }
            if add {
                tx.add_members(&account_id, &group_id, &user_ids, ids::now_ms())
            } else {
                tx.remove_members(&account_id, &group_id, &user_ids)
            }
        })
        .await
        .inspect(|_| self.authz_changed())
    }

    pub async fn is_member(
        &self,
        account_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, Error> {
        let (account_id, group_id, user_id) = (
            AccountId::from(account_id),
            group_id.to_string(),
            user_id.to_string(),
        );
        self.reading(move |tx| {
            must_get(tx, &account_id, &group_id)?;
            must_have_user(tx, &account_id, &user_id)?;
            tx.is_member(&account_id, &group_id, &user_id)
        })
        .await
    }
}

//! User groups, their hierarchy and their members.

use super::{check_batch, Directory};
use crate::core::error::{is_unique_violation, Entity, Error};
use crate::core::model::*;
use crate::core::{ids, validate};
use crate::store::{groups, memberships, search, users, RowLock, Tx};

async fn must_get(tx: &mut Tx, account_id: &str, id: &str) -> Result<Group, Error> {
    groups::get(tx, account_id, id)
        .await?
        .ok_or_else(|| Error::NotFound(Entity::Group, id.into()))
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
    for v in filter.platform_types.iter().chain(&filter.ids) {
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
        let platform_type = g
            .platform_type
            .unwrap_or_else(|| PLATFORM_LOCAL.to_string());
        validate::one_of(
            "platform_type",
            &platform_type,
            &[PLATFORM_LOCAL, PLATFORM_AD],
        )?;
        if let Some(id) = &g.id {
            validate::chosen_id(id)?;
        }
        let id = g.id.unwrap_or_else(ids::new_id);
        let now = ids::now_ms();
        let mut tx = self.db.write().await?;
        let (path, depth) = match &g.parent_id {
            Some(pid) => {
                groups::lock_hierarchy(&mut tx, account_id).await?;
                let parent = must_get(&mut tx, account_id, pid).await?;
                if parent.depth + 1 > self.max_depth {
                    return Err(Error::Hierarchy(format!(
                        "groups may nest at most {} levels deep",
                        self.max_depth
                    )));
                }
                (format!("{}/{id}", parent.path), parent.depth + 1)
            }
            None => (id.clone(), 1),
        };
        if groups::get_by_name(&mut tx, account_id, &g.name)
            .await?
            .is_some()
        {
            return Err(Error::Duplicate(Entity::Group, g.name));
        }
        if groups::id_taken(&mut tx, account_id, &id).await? {
            return Err(Error::Conflict(format!("group id {id} is already in use")));
        }
        let group = Group {
            seq: 0,
            id,
            account_id: account_id.to_string(),
            name: g.name,
            description: g.description,
            platform_type,
            domain: g.domain,
            parent_id: g.parent_id,
            path,
            depth,
            user_quantity: 0,
            created_by: g.created_by.clone(),
            updated_by: g.created_by,
            created_at: now,
            updated_at: now,
            parent: None,
        };
        if let Err(e) = groups::insert(&mut tx, &group).await {
            if is_unique_violation(&e) {
                return Err(Error::Duplicate(Entity::Group, group.name));
            }
            return Err(e.into());
        }
        let created = must_get(&mut tx, account_id, &group.id).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn group(&self, account_id: &str, id: &str) -> Result<Group, Error> {
        let mut conn = self.db.pool.acquire().await?;
        groups::get(&mut conn, account_id, id)
            .await?
            .ok_or_else(|| Error::NotFound(Entity::Group, id.into()))
    }

    pub async fn list_groups(
        &self,
        account_id: &str,
        filter: &GroupFilter,
        page: Page,
    ) -> Result<Listing<Group>, Error> {
        check_group_filter(filter)?;
        let mut tx = self.db.read().await?;
        if let Some(uid) = &filter.member {
            if users::get(&mut tx, account_id, uid).await?.is_none() {
                return Err(Error::NotFound(Entity::User, uid.clone()));
            }
        }
        let listing = groups::list(&mut tx, self.db.backend, account_id, filter, page).await?;
        tx.commit().await?;
        Ok(listing)
    }

    pub async fn groups_of_user(
        &self,
        account_id: &str,
        user_id: &str,
        page: Page,
    ) -> Result<Listing<Group>, Error> {
        let mut tx = self.db.read().await?;
        if users::get(&mut tx, account_id, user_id).await?.is_none() {
            return Err(Error::NotFound(Entity::User, user_id.into()));
        }
        let listing = groups::of_user(&mut tx, user_id, page).await?;
        tx.commit().await?;
        Ok(listing)
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
        let mut tx = self.db.write().await?;
        let mut g = must_get(&mut tx, account_id, id).await?;
        if let Some(n) = p.name {
            if search::fold(&n) != search::fold(&g.name)
                && groups::get_by_name(&mut tx, account_id, &n)
                    .await?
                    .is_some()
            {
                return Err(Error::Duplicate(Entity::Group, n));
            }
            g.name = n;
        }
        if let Some(d) = p.description {
            g.description = d;
        }
        g.updated_by = p.updated_by;
        g.updated_at = ids::now_ms();
        if let Err(e) = groups::update_fields(&mut tx, &g).await {
            if is_unique_violation(&e) {
                return Err(Error::Duplicate(Entity::Group, g.name));
            }
            return Err(e.into());
        }
        let updated = must_get(&mut tx, account_id, id).await?;
        tx.commit().await?;
        Ok(updated)
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
        retry_conflicts!(self.move_group_once(account_id, id, new_parent, by).await)
    }

    async fn move_group_once(
        &self,
        account_id: &str,
        id: &str,
        new_parent: Option<&str>,
        by: &str,
    ) -> Result<Group, Error> {
        let mut tx = self.db.write().await?;
        groups::lock_hierarchy(&mut tx, account_id).await?;
        let g = must_get(&mut tx, account_id, id).await?;
        let (new_path, new_depth) = match new_parent {
            Some(pid) => {
                let p = must_get(&mut tx, account_id, pid).await?;
                if p.id == g.id || p.path.starts_with(&format!("{}/", g.path)) {
                    return Err(Error::Hierarchy(format!(
                        "cannot move group {id} under itself or one of its descendants"
                    )));
                }
                (format!("{}/{}", p.path, g.id), p.depth + 1)
            }
            None => (g.id.clone(), 1),
        };
        let subtree_depth = groups::subtree_max_depth(&mut tx, account_id, &g.path).await?;
        if subtree_depth - g.depth + new_depth > self.max_depth {
            return Err(Error::Hierarchy(format!(
                "the move would nest groups more than {} levels deep",
                self.max_depth
            )));
        }
        groups::move_subtree(
            &mut tx,
            account_id,
            &g.id,
            new_parent,
            &g.path,
            &new_path,
            new_depth - g.depth,
            by,
            ids::now_ms(),
        )
        .await?;
        let moved = must_get(&mut tx, account_id, id).await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// Deletes groups with their subgroups and memberships, all or none.
    pub async fn delete_groups(&self, account_id: &str, ids: &[String]) -> Result<(), Error> {
        retry_conflicts!(self.delete_groups_once(account_id, ids).await)
    }

    async fn delete_groups_once(&self, account_id: &str, ids: &[String]) -> Result<(), Error> {
        let ids = check_batch("group_ids", ids)?;
        let mut tx = self.db.write().await?;
        groups::lock_hierarchy(&mut tx, account_id).await?;
        let mut doomed: Vec<String> = Vec::new();
        for id in &ids {
            let g = must_get(&mut tx, account_id, id).await?;
            for sub in groups::subtree_ids(&mut tx, account_id, &g.path).await? {
                if !doomed.contains(&sub) {
                    doomed.push(sub);
                }
            }
        }
        // held until the end: a membership write on these groups (which holds them shared)
        // finishes first, and one that comes later finds them gone
        doomed.sort();
        groups::lock(&mut tx, account_id, &doomed, RowLock::Update).await?;
        groups::delete_many(&mut tx, &doomed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds users to a group; returns how many were not members. Members already in it are
    /// left as they are; an unknown user fails the whole call.
    pub async fn add_members(
        &self,
        account_id: &str,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error> {
        retry_conflicts!(
            self.change_members(account_id, group_id, user_ids, true)
                .await
        )
    }

    /// Removes users from a group; returns how many were members. Users not in it are
    /// ignored; an unknown user fails the whole call.
    pub async fn remove_members(
        &self,
        account_id: &str,
        group_id: &str,
        user_ids: &[String],
    ) -> Result<i64, Error> {
        retry_conflicts!(
            self.change_members(account_id, group_id, user_ids, false)
                .await
        )
    }

    async fn change_members(
        &self,
        account_id: &str,
        group_id: &str,
        user_ids: &[String],
        add: bool,
    ) -> Result<i64, Error> {
        let user_ids = check_batch("user_ids", user_ids)?;
        let mut tx = self.db.write().await?;
        must_get(&mut tx, account_id, group_id).await?;
        // the users, then the group, held until the end: a deletion of any of them waits for
        // this write, or this write waits for it and answers 404 (never a half-counted
        // membership or a foreign-key failure)
        let found = users::lock(&mut tx, account_id, &user_ids, RowLock::KeyShare).await?;
        if let Some(missing) = user_ids.iter().find(|u| !found.contains(u)) {
            return Err(Error::NotFound(Entity::User, missing.clone()));
        }
        let group = [group_id.to_string()];
        if groups::lock(&mut tx, account_id, &group, RowLock::KeyShare)
            .await?
            .is_empty()
        {
            return Err(Error::NotFound(Entity::Group, group_id.into()));
        }
        let changed = if add {
            memberships::add(&mut tx, account_id, group_id, &user_ids, ids::now_ms()).await?
        } else {
            memberships::remove(&mut tx, account_id, group_id, &user_ids).await?
        };
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn is_member(
        &self,
        account_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, Error> {
        let mut tx = self.db.read().await?;
        must_get(&mut tx, account_id, group_id).await?;
        if users::get(&mut tx, account_id, user_id).await?.is_none() {
            return Err(Error::NotFound(Entity::User, user_id.into()));
        }
        let member = memberships::is_member(&mut tx, account_id, group_id, user_id).await?;
        tx.commit().await?;
        Ok(member)
    }
}

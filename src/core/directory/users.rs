//! Users: create, read, list, update, delete, lock, passwords.

use std::collections::HashMap;

use super::groups::must_get as must_get_group;
use super::{check_batch, Directory};
use crate::core::error::{Entity, Error};
use crate::core::model::*;
use crate::core::policy::{PasswordPolicy, UserOptions};
use crate::core::storage::{ReadTx, RowLock, UserRecord, UsersWithGroups, WriteTx};
use crate::core::text::fold;
use crate::core::{ids, password, validate};

fn must_get(tx: &mut dyn ReadTx, account_id: &AccountId, id: &str) -> Result<User, Error> {
    tx.user(account_id, id)?
        .ok_or_else(|| Error::NotFound(Entity::User, id.into()))
}

/// A unique violation of a user's name as the precise `Duplicate`.
pub(super) fn name_taken(name: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::Unique(_) => Error::Duplicate(Entity::User, name.to_string()),
        other => other,
    }
}

/// The keywords and names of a user filter are text a stored user could hold (see
/// `validate::keyword`, `validate::lookup_name`): listings and export tasks check them
/// before any query.
pub(crate) fn check_user_filter(filter: &UserFilter) -> Result<(), Error> {
    for kw in [
        &filter.name_contains,
        &filter.alias_contains,
        &filter.name_or_alias_contains,
        &filter.description_contains,
    ]
    .into_iter()
    .flatten()
    {
        validate::keyword(kw)?;
    }
    for n in &filter.names {
        validate::lookup_name("user_names", n)?;
    }
    for c in &filter.name_conditions {
        validate::keyword(&c.value)?;
    }
    if let Some(g) = &filter.group_name {
        validate::lookup_name("group_name", g)?;
    }
    for (field, v) in [
        (
            "active_type",
            filter.active_type.as_ref().map(Given::as_str),
        ),
        (
            "enterprise_project_id",
            filter.enterprise_project_id.as_deref(),
        ),
        ("domain", filter.domain.as_deref()),
        (
            "platform_type",
            filter.platform_type.as_ref().map(Given::as_str),
        ),
        ("group_id", filter.group_id.as_deref()),
    ] {
        if let Some(v) = v {
            validate::lookup_name(field, v)?;
        }
    }
    Ok(())
}

/// Puts every text field of a new user in NFC (`validate::nfc`); the password is left as
/// typed (its hash must keep matching what the user types).
fn normalize_new_user(u: &mut NewUser) {
    for s in [
        &mut u.name,
        &mut u.description,
        &mut u.email,
        &mut u.phone,
        &mut u.alias_name,
        &mut u.domain,
        &mut u.enterprise_project_id,
        &mut u.user_info_map,
    ] {
        validate::normalize(s);
    }
}

/// The core's rules for a new user, after putting its text in NFC; its password is held
/// to the account's password `policy`. Returns its activation and platform types.
pub(crate) fn check_new_user(
    u: &mut NewUser,
    policy: &PasswordPolicy,
) -> Result<(ActiveType, PlatformType), Error> {
    normalize_new_user(u);
    validate::user_name(&u.name)?;
    validate::description(&u.description)?;
    validate::text("alias_name", &u.alias_name, 64)?;
    validate::text("user_info_map", &u.user_info_map, 1024)?;
    validate::text("enterprise_project_id", &u.enterprise_project_id, 64)?;
    validate::text("domain", &u.domain, 255)?;
    validate::email(&u.email)?;
    validate::phone(&u.phone)?;
    validate::text("default_project_id", &u.default_project_id, 64)?;
    let active_type = match &u.active_type {
        Some(t) => t.known()?,
        None => ActiveType::default(),
    };
    let platform_type = match &u.platform_type {
        Some(t) => t.known()?,
        None => PlatformType::default(),
    };
    if u.account_expires < 0 {
        return Err(Error::invalid("account_expires must not be negative"));
    }
    match (&u.password, active_type) {
        (Some(p), _) => policy.check(p, &u.name)?,
        (None, ActiveType::Admin) => {
            return Err(Error::InvalidPassword(
                "a password is required when active_type is ADMIN_ACTIVATE".into(),
            ))
        }
        (None, _) if u.email.is_empty() && u.phone.is_empty() => {
            return Err(Error::invalid(
                "user_email or user_phone is required when active_type is USER_ACTIVATE",
            ))
        }
        _ => {}
    }
    Ok((active_type, platform_type))
}

/// Checks a new user and turns it into a row (hashing its password, if any).
async fn prepare(
    account_id: &AccountId,
    mut u: NewUser,
    now: i64,
    policy: &PasswordPolicy,
) -> Result<(UserRecord, Vec<String>), Error> {
    let (active_type, platform_type) = check_new_user(&mut u, policy)?;
    let password_expires_at = match &u.password {
        Some(_) => policy.expires_at(now),
        None => 0,
    };
    let password_hash = match u.password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    let mut group_ids = u.group_ids;
    group_ids.sort();
    group_ids.dedup();
    let record = UserRecord {
        id: UserId::generate(),
        account_id: account_id.into(),
        name: u.name,
        description: u.description,
        email: u.email,
        phone: u.phone,
        alias_name: u.alias_name,
        active_type,
        platform_type,
        domain: u.domain,
        enterprise_project_id: if u.enterprise_project_id.is_empty() {
            "0".into()
        } else {
            u.enterprise_project_id
        },
        user_info_map: u.user_info_map,
        account_expires: u.account_expires,
        password_hash,
        enable_change_password: u.enable_change_password.unwrap_or(true),
        next_login_change_password: u.next_login_change_password.unwrap_or(false),
        password_never_expired: u.password_never_expired.unwrap_or(false),
        locked: false,
        disabled: u.disabled,
        is_root: false,
        created_at: now,
        password_expires_at,
        default_project_id: u.default_project_id,
        options: u.options.unwrap_or_default().to_stored(),
    };
    Ok((record, group_ids))
}

impl Directory {
    pub async fn create_user(&self, account_id: &str, u: NewUser) -> Result<User, Error> {
        let mut created = self.create_users(account_id, vec![u]).await?;
        Ok(created.remove(0))
    }

    /// Creates users, all or none: one bad user fails the whole batch.
    pub async fn create_users(
        &self,
        account_id: &str,
        new: Vec<NewUser>,
    ) -> Result<Vec<User>, Error> {
        if new.is_empty() {
            return Err(Error::invalid("no users given"));
        }
        let now = ids::now_ms();
        let policy = self.password_policy(account_id).await?;
        let mut prepared = Vec::with_capacity(new.len());
        let mut seen = std::collections::HashSet::new();
        for u in new {
            let (rec, groups) = prepare(&AccountId::from(account_id), u, now, &policy).await?;
            if !seen.insert(fold(&rec.name)) {
                return Err(Error::Duplicate(Entity::User, rec.name));
            }
            prepared.push((rec, groups));
        }
        let account_id = AccountId::from(account_id);
        let store = self.store().clone();
        // the transaction runs again if it loses a race (the hashes are not made again)
        self.writing(move |tx| create_users_in(tx, &*store, &account_id, &prepared, now))
            .await
    }

    pub async fn user(&self, account_id: &str, id: &str) -> Result<User, Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        self.reading(move |tx| must_get(tx, &account_id, &id)).await
    }

    /// The user of this name (compared folded). A name no user can have (a control
    /// character, ...) is simply not found.
    pub async fn user_by_name(&self, account_id: &str, name: &str) -> Result<User, Error> {
        if validate::lookup_name("name", name).is_err() {
            return Err(Error::NotFound(
                Entity::User,
                name.escape_debug().to_string(),
            ));
        }
        let (account_id, name) = (AccountId::from(account_id), name.to_string());
        self.reading(move |tx| {
            tx.user_by_name(&account_id, &name)?
                .ok_or_else(|| Error::NotFound(Entity::User, name.clone()))
        })
        .await
    }

    pub async fn list_users(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listing<User>, Error> {
        check_user_filter(filter)?;
        let (account_id, filter) = (AccountId::from(account_id), filter.clone());
        self.reading(move |tx| {
            if let Some(gid) = &filter.group_id {
                must_get_group(tx, &account_id, gid)?;
            }
            tx.list_users(&account_id, &filter, page)
        })
        .await
    }

    /// A page of users with the names of each one's groups (in group creation order), in
    /// one read: what user lists show.
    pub async fn list_users_with_groups(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: Page,
    ) -> Result<UsersWithGroups, Error> {
        check_user_filter(filter)?;
        let (account_id, filter) = (AccountId::from(account_id), filter.clone());
        self.reading(move |tx| {
            if let Some(gid) = &filter.group_id {
                must_get_group(tx, &account_id, gid)?;
            }
            tx.list_users_with_groups(&account_id, &filter, page)
        })
        .await
    }

    /// Names of each user's groups.
    pub async fn group_names_of(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<String>>, Error> {
        let user_ids = user_ids.to_vec();
        self.reading(move |tx| tx.group_names_of(&user_ids)).await
    }

    pub async fn update_user(
        &self,
        account_id: &str,
        id: &str,
        mut p: UserPatch,
    ) -> Result<User, Error> {
        for s in [
            &mut p.name,
            &mut p.description,
            &mut p.email,
            &mut p.phone,
            &mut p.alias_name,
            &mut p.user_info_map,
        ]
        .into_iter()
        .flatten()
        {
            validate::normalize(s);
        }
        if let Some(n) = &p.name {
            validate::user_name(n)?;
        }
        if let Some(d) = &p.description {
            validate::description(d)?;
        }
        if let Some(e) = &p.email {
            validate::email(e)?;
        }
        if let Some(ph) = &p.phone {
            validate::phone(ph)?;
        }
        if let Some(a) = &p.alias_name {
            validate::text("alias_name", a, 64)?;
        }
        if let Some(m) = &p.user_info_map {
            validate::text("user_info_map", m, 1024)?;
        }
        if let Some(d) = &p.default_project_id {
            validate::text("default_project_id", d, 64)?;
        }
        let active_type = p.active_type.as_ref().map(Given::known).transpose()?;
        if matches!(p.account_expires, Some(x) if x < 0) {
            return Err(Error::invalid("account_expires must not be negative"));
        }
        // argon2 runs before the transaction: inside it, it would hold the write lock (SQLite:
        // every writer waits) for the whole hash
        let new_hash = match &p.password {
            Some(pw) => {
                let name = match &p.name {
                    Some(n) => n.clone(),
                    None => self.user(account_id, id).await?.name,
                };
                self.password_policy(account_id).await?.check(pw, &name)?;
                Some(Some(password::hash(pw.clone()).await?))
            }
            None => None,
        };
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        let out = self.writing(move |tx| {
            let mut u = tx
                .user_for_update(&account_id, &id)?
                .ok_or_else(|| Error::NotFound(Entity::User, id.clone()))?;
            let p = p.clone();
            if let Some(n) = p.name {
                if fold(&n) != fold(&u.name) && tx.user_by_name(&account_id, &n)?.is_some() {
                    return Err(Error::Duplicate(Entity::User, n));
                }
                u.name = n;
            }
            macro_rules! set {
                ($($f:ident => $t:ident),*) => { $( if let Some(v) = p.$f { u.$t = v; } )* };
            }
            set!(description => description, email => email, phone => phone, alias_name => alias_name,
                 account_expires => account_expires,
                 enable_change_password => enable_change_password,
                 next_login_change_password => next_login_change_password,
                 password_never_expired => password_never_expired, disabled => disabled,
                 user_info_map => user_info_map);
            if let Some(t) = active_type {
                u.active_type = t;
            }
            if let Some(d) = p.default_project_id {
                u.default_project_id = d;
            }
            if let Some(o) = &p.options {
                u.options = UserOptions::from_stored(&u.options).merged(o).to_stored();
            }
            u.updated_at = ids::now_ms();
            password_set_in(tx, &mut u, &new_hash)?;
            let name = u.name.clone();
            tx.update_user(&mut u, new_hash.clone())
                .map_err(name_taken(&name))?;
            Ok(u)
        })
        .await;
        self.keys_changed();
        out
    }

    /// Deletes users, all or none: an unknown id or the root user fails the whole call.
    pub async fn delete_users(&self, account_id: &str, ids: &[String]) -> Result<(), Error> {
        let ids = check_batch("user_ids", ids)?;
        let account_id = AccountId::from(account_id);
        let out = self
            .writing(move |tx| {
                // held until the end: a membership write on these users waits, then finds them
                // gone
                let found = tx.lock_users(&account_id, &ids, RowLock::Update)?;
                if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
                    return Err(Error::NotFound(Entity::User, missing.clone()));
                }
                for id in &ids {
                    if must_get(tx, &account_id, id)?.is_root {
                        return Err(Error::Forbidden(format!(
                            "user {id} is the account's root user and cannot be deleted"
                        )));
                    }
                }
                tx.delete_users(&account_id, &ids)
            })
            .await;
        // their keys went with them (`WriteTx::delete_users`)
        self.keys_changed();
        out
    }

    /// LOCK / UNLOCK.
    pub async fn set_locked(
        &self,
        account_id: &str,
        id: &str,
        locked: bool,
    ) -> Result<User, Error> {
        self.modify_user(
            &AccountId::from(account_id),
            id,
            move |u| u.locked = locked,
            None,
        )
        .await
    }

    /// RESET_PWD: the current password stops working; the user must set a new one
    /// (activation again), and is asked to change it at next login.
    pub async fn reset_password(&self, account_id: &str, id: &str) -> Result<User, Error> {
        self.modify_user(
            &AccountId::from(account_id),
            id,
            |u| u.next_login_change_password = true,
            Some(None),
        )
        .await
    }

    /// Sets a new random password (one the account's policy takes) and returns it (once;
    /// only its hash is kept).
    pub async fn random_password(&self, account_id: &str, id: &str) -> Result<String, Error> {
        let policy = self.password_policy(account_id).await?;
        let name = self.user(account_id, id).await?.name;
        let pw = password::generate_for(&policy, &name);
        let hash = password::hash(pw.clone()).await?;
        self.modify_user(
            &AccountId::from(account_id),
            id,
            |u| u.next_login_change_password = true,
            Some(Some(hash)),
        )
        .await?;
        Ok(pw)
    }

    async fn modify_user(
        &self,
        account_id: &AccountId,
        id: &str,
        change: impl Fn(&mut User) + Send + Sync + 'static,
        password_hash: Option<Option<String>>,
    ) -> Result<User, Error> {
        let (account_id, id) = (AccountId::from(account_id), id.to_string());
        let out = self
            .writing(move |tx| {
                let mut u = tx
                    .user_for_update(&account_id, &id)?
                    .ok_or_else(|| Error::NotFound(Entity::User, id.clone()))?;
                change(&mut u);
                u.updated_at = ids::now_ms();
                if let Some(h) = &password_hash {
                    u.has_password = h.is_some();
                }
                password_set_in(tx, &mut u, &password_hash)?;
                tx.update_user(&mut u, password_hash.clone())?;
                Ok(u)
            })
            .await;
        self.keys_changed();
        out
    }

    pub async fn verify_password(&self, user: &User, candidate: &str) -> Result<bool, Error> {
        let id = user.id.clone();
        // the read ends before the slow argon2 check: a burst of logins must not hold the
        // pool
        let hash = self.reading(move |tx| tx.password_hash(&id)).await?;
        let Some(hash) = hash else {
            return Ok(false);
        };
        Ok(password::verify(candidate.to_string(), hash).await)
    }
}

/// What setting a password (`new`: Some) does besides the hash, in the write's transaction:
/// the replaced password goes into the history (as much of it as the account's policy
/// keeps) and the new one gets its expiry (none when the password is removed).
pub(super) fn password_set_in(
    tx: &mut dyn WriteTx,
    u: &mut User,
    new: &Option<Option<String>>,
) -> Result<(), Error> {
    let Some(new) = new else {
        return Ok(());
    };
    let policy = tx.password_policy(&u.account_id)?.unwrap_or_default();
    let old = tx.password_hash(&u.id)?;
    tx.push_password_history(&u.id, old.as_deref(), u.updated_at, policy.history_kept())?;
    u.password_expires_at = match new {
        Some(_) => policy.expires_at(u.updated_at),
        None => 0,
    };
    Ok(())
}

/// The transaction of `create_users`: names free, rows in, groups held, memberships in.
fn create_users_in(
    tx: &mut dyn WriteTx,
    store: &dyn crate::core::storage::Storage,
    account_id: &AccountId,
    prepared: &[(UserRecord, Vec<String>)],
    now: i64,
) -> Result<Vec<User>, Error> {
    // group id -> the new users to put in it (sorted maps: stable lock order)
    let mut members: std::collections::BTreeMap<&String, Vec<String>> = Default::default();
    for (rec, group_ids) in prepared {
        for gid in group_ids {
            members.entry(gid).or_default().push(rec.id.to_string());
        }
    }
    // the names taken already, in one lookup per 500 rows (not one query per user)
    let mut taken = std::collections::HashSet::new();
    for chunk in prepared.chunks(500) {
        let names: Vec<String> = chunk.iter().map(|(r, _)| r.name.clone()).collect();
        taken.extend(tx.taken_user_names(account_id, &names)?);
    }
    if let Some((rec, _)) = prepared
        .iter()
        .find(|(r, _)| taken.contains(&fold(&r.name)))
    {
        return Err(Error::Duplicate(Entity::User, rec.name.clone()));
    }
    for chunk in prepared.chunks(500) {
        let rows: Vec<UserRecord> = chunk.iter().map(|(r, _)| r.clone()).collect();
        tx.insert_users(&rows).map_err(name_taken(&rows[0].name))?;
    }
    // the groups are held until the memberships are in (after the account's counters,
    // which the inserts above updated: group deletion takes them in the same order)
    let wanted: Vec<String> = members.keys().map(|g| (*g).clone()).collect();
    let found = tx.lock_groups(account_id, &wanted, RowLock::KeyShare)?;
    if let Some(missing) = wanted.iter().find(|g| !found.contains(g)) {
        return Err(Error::NotFound(Entity::Group, missing.clone()));
    }
    for gid in store.in_lock_order(account_id, wanted) {
        let mut user_ids = members.remove(&gid).unwrap_or_default();
        user_ids.sort();
        tx.add_members(account_id, &gid, &user_ids, now)?;
    }
    let mut out = Vec::with_capacity(prepared.len());
    for (rec, _) in prepared {
        out.push(
            tx.user(account_id, &rec.id)?
                .ok_or_else(|| Error::Internal("user vanished after insert".into()))?,
        );
    }
    Ok(out)
}

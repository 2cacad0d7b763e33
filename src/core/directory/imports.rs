//! Importing users from rows of a workbook: each bad row fails alone, the good ones are
//! created in all-or-nothing batches.

use crate::core::model::AccountId;
use std::collections::{HashMap, HashSet};

use super::users::check_new_user;
use super::Directory;
use crate::core::error::{Entity, Error};
use crate::core::exports::{ImportOutcome, ImportRow};
use crate::core::model::NewUser;
use crate::core::text::fold;
use crate::core::validate;

/// Rows created per transaction.
const BATCH: usize = 500;

impl Directory {
    /// Creates a user per row. `face_rule` is the calling face's own user-name rule. A row
    /// fails alone (bad field, name taken or repeated in the file, unknown group); the others
    /// are created in batches of `BATCH` rows, one transaction each. `progress` is called with
    /// the number of rows handled so far.
    pub async fn import_users(
        &self,
        account_id: &str,
        rows: Vec<ImportRow>,
        face_rule: fn(&str) -> Result<(), Error>,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportOutcome, Error> {
        let mut out = ImportOutcome::default();
        // 1. each row on its own: rules, and repeats within the file
        let mut seen = HashSet::new();
        let mut ok: Vec<(ImportRow, NewUser)> = Vec::with_capacity(rows.len());
        for row in rows {
            let mut new = NewUser {
                name: row.name.clone(),
                description: row.description.clone(),
                email: row.email.clone(),
                phone: row.phone.clone(),
                account_expires: row.account_expires,
                ..NewUser::default()
            };
            let checked = face_rule(&row.name)
                // an imported row has no password: the password policy has nothing to hold
                .and_then(|_| check_new_user(&mut new, &Default::default()).map(|_| ()))
                .and_then(|_| {
                    row.groups
                        .iter()
                        .try_for_each(|g| validate::lookup_name("user groups", g))
                });
            match checked {
                Err(e) => out.failed.push((row, e)),
                Ok(()) if !seen.insert(fold(&row.name)) => {
                    let e = Error::Duplicate(Entity::User, row.name.clone());
                    out.failed.push((row, e));
                }
                Ok(()) => ok.push((row, new)),
            }
        }
        // 2. against the directory: names taken, groups by name
        let mut group_ids: HashMap<String, String> = HashMap::new();
        let mut taken: HashSet<String> = HashSet::new();
        {
            let names: Vec<String> = ok.iter().map(|(r, _)| r.name.clone()).collect();
            // every group named in the file, looked up by folded name in batches
            let mut named: Vec<String> = ok
                .iter()
                .flat_map(|(row, _)| row.groups.iter().map(|g| fold(g)))
                .collect();
            named.sort();
            named.dedup();
            let account_id = AccountId::from(account_id);
            let (found_taken, found_groups) = self
                .reading(move |tx| {
                    let mut taken = Vec::new();
                    for chunk in names.chunks(BATCH) {
                        taken.extend(tx.taken_user_names(&account_id, chunk)?);
                    }
                    let mut groups = Vec::new();
                    for chunk in named.chunks(BATCH) {
                        groups.extend(tx.group_ids_by_folded_names(&account_id, chunk)?);
                    }
                    Ok((taken, groups))
                })
                .await?;
            taken.extend(found_taken);
            group_ids.extend(found_groups);
        }
        let mut ready = Vec::with_capacity(ok.len());
        for (row, mut new) in ok {
            if taken.contains(&fold(&row.name)) {
                let e = Error::Duplicate(Entity::User, row.name.clone());
                out.failed.push((row, e));
                continue;
            }
            let missing = row
                .groups
                .iter()
                .find(|g| !group_ids.contains_key(&fold(g)));
            if let Some(g) = missing {
                let e = Error::NotFound(Entity::Group, g.clone());
                out.failed.push((row, e));
                continue;
            }
            new.group_ids = row
                .groups
                .iter()
                .filter_map(|g| group_ids.get(&fold(g)).cloned())
                .collect();
            ready.push((row, new));
        }
        progress(out.failed.len());
        // 3. the good rows in batches; a batch that still fails (a concurrent change) is
        // done again row by row so that only the bad rows fail
        let mut rest = ready.into_iter().peekable();
        while rest.peek().is_some() {
            let batch: Vec<(ImportRow, NewUser)> = rest.by_ref().take(BATCH).collect();
            let news = batch.iter().map(|(_, n)| n.clone()).collect();
            match self.create_users(account_id, news).await {
                Ok(created) => {
                    for ((row, _), user) in batch.into_iter().zip(created) {
                        out.created.push((row, user));
                    }
                }
                Err(Error::Unavailable(m)) => return Err(Error::Unavailable(m)),
                Err(_) => {
                    for (row, new) in batch {
                        match self.create_user(account_id, new).await {
                            Ok(user) => out.created.push((row, user)),
                            Err(e @ Error::Unavailable(_)) => return Err(e),
                            Err(e) => out.failed.push((row, e)),
                        }
                    }
                }
            }
            progress(out.created.len() + out.failed.len());
        }
        out.failed.sort_by_key(|(r, _)| r.row);
        Ok(out)
    }
}

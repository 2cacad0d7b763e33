//! Columns by index from a `tokio_postgres::Row` (which `postgres::Row` is): shared by the
//! sync `postgres` and the async `tokio-postgres` drivers.

use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use crate::model::{GroupRow, UserRow};
use crate::sql::{PAGE_LIMIT, PAGE_OFFSET};

pub fn group_row(r: &Row, search: bool) -> Result<GroupRow, tokio_postgres::Error> {
    Ok(GroupRow {
        g_seq: r.try_get(0)?,
        g_id: r.try_get(1)?,
        g_account_id: r.try_get(2)?,
        g_name: r.try_get(3)?,
        g_description: r.try_get(4)?,
        g_platform_type: r.try_get(5)?,
        g_domain: r.try_get(6)?,
        g_parent_id: r.try_get(7)?,
        g_path: r.try_get(8)?,
        g_depth: r.try_get(9)?,
        g_user_quantity: r.try_get(10)?,
        g_created_by: r.try_get(11)?,
        g_updated_by: r.try_get(12)?,
        g_created_at: r.try_get(13)?,
        g_updated_at: r.try_get(14)?,
        p_id: r.try_get(15)?,
        p_account_id: r.try_get(16)?,
        p_name: r.try_get(17)?,
        p_description: r.try_get(18)?,
        p_platform_type: r.try_get(19)?,
        p_domain: r.try_get(20)?,
        p_created_at: r.try_get(21)?,
        total: if search { r.try_get(22)? } else { 0 },
    })
}

pub fn user_row(r: &Row, search: bool) -> Result<UserRow, tokio_postgres::Error> {
    Ok(UserRow {
        seq: r.try_get(0)?,
        id: r.try_get(1)?,
        account_id: r.try_get(2)?,
        name: r.try_get(3)?,
        description: r.try_get(4)?,
        email: r.try_get(5)?,
        phone: r.try_get(6)?,
        alias_name: r.try_get(7)?,
        active_type: r.try_get(8)?,
        platform_type: r.try_get(9)?,
        domain: r.try_get(10)?,
        enterprise_project_id: r.try_get(11)?,
        user_info_map: r.try_get(12)?,
        account_expires: r.try_get(13)?,
        password_hash: r.try_get(14)?,
        enable_change_password: r.try_get(15)?,
        next_login_change_password: r.try_get(16)?,
        password_never_expired: r.try_get(17)?,
        locked: r.try_get(18)?,
        disabled: r.try_get(19)?,
        is_root: r.try_get(20)?,
        created_at: r.try_get(21)?,
        updated_at: r.try_get(22)?,
        password_changed_at: r.try_get(23)?,
        tokens_valid_after: r.try_get(24)?,
        total: if search { r.try_get(25)? } else { 0 },
    })
}

pub fn name_pair(r: &Row) -> Result<(String, String), tokio_postgres::Error> {
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// The page's arguments: account, keyword (searches), limit, offset.
pub fn page_args<'a>(
    account: &'a String,
    keyword: &'a Option<&'a str>,
) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut args: Vec<&(dyn ToSql + Sync)> = vec![account];
    if let Some(kw) = keyword {
        args.push(kw);
    }
    args.push(&PAGE_LIMIT);
    args.push(&PAGE_OFFSET);
    args
}

//! Core records as the Workspace SDK models them (UserGroupInfo, User, UserDetail, UserInGroup).

use serde_json::{json, Value};

use crate::core::ids::{iso_ms, now_ms};
use crate::core::model::{Group, User, PLATFORM_AD};

pub fn group(g: &Group) -> Value {
    let mut v = json!({
        "id": g.id,
        "name": g.name,
        "create_time": iso_ms(g.created_at),
        "description": g.description,
        "user_quantity": g.user_quantity,
        "realm_id": g.account_id,
        "platform_type": g.platform_type,
        "domain": g.domain,
        "sid": g.id,
        "total_desktops": 0,
    });
    if g.platform_type == PLATFORM_AD {
        v["group_dn"] = json!(format!("CN={},{}", g.name, g.domain));
    }
    if let Some(p) = &g.parent {
        // the parent as listings carry it (store::groups::PARENT_FIELDS)
        v["parent"] = json!({
            "id": p.id,
            "name": p.name,
            "create_time": iso_ms(p.created_at),
            "description": p.description,
            "realm_id": p.account_id,
            "platform_type": p.platform_type,
            "domain": p.domain,
            "sid": p.id,
        });
    }
    v
}

/// `account_expires` on the wire of the list: "0" for never, else the expiry time.
fn expires_text(ms: i64) -> String {
    if ms == 0 {
        "0".into()
    } else {
        iso_ms(ms)
    }
}

pub fn user(u: &User, group_names: &[String]) -> Value {
    json!({
        "id": u.id,
        "sid": u.id,
        "user_name": u.name,
        "user_email": u.email,
        "user_phone": u.phone,
        "total_desktops": 0,
        "active_type": u.active_type,
        "is_pre_user": false,
        "account_expires": expires_text(u.account_expires),
        "password_never_expired": u.password_never_expired,
        "account_expired": u.expired_at(now_ms()),
        "enable_change_password": u.enable_change_password,
        "next_login_change_password": u.next_login_change_password,
        "description": u.description,
        "locked": u.locked,
        "disabled": u.disabled,
        "share_space_subscription": false,
        "share_space_desktops": 0,
        "group_names": group_names,
        "enterprise_project_id": u.enterprise_project_id,
        "user_info_map": u.user_info_map,
        "domain": u.domain,
        "certificate_status": false,
    })
}

pub fn user_detail(u: &User, group_names: &[String]) -> Value {
    json!({
        "id": u.id,
        "user_name": u.name,
        "description": u.description,
        "user_email": u.email,
        "user_phone": u.phone,
        "active_type": u.active_type,
        "object_sid": u.id,
        "sam_account_name": u.name,
        "user_principal_name": if u.domain.is_empty() { u.name.clone() } else { format!("{}@{}", u.name, u.domain) },
        "full_name": u.alias_name,
        "distinguished_name": if u.domain.is_empty() { String::new() } else { format!("CN={},{}", u.name, u.domain) },
        "account_type": 0,
        "when_created": iso_ms(u.created_at),
        "account_expires": u.account_expires,
        "is_pre_user": false,
        "user_expired": u.expired_at(now_ms()),
        "locked": u.locked,
        "enable_change_password": u.enable_change_password,
        "password_never_expired": u.password_never_expired,
        "next_login_change_password": u.next_login_change_password,
        "disabled": u.disabled,
        "group_names": group_names,
        "share_space_subscription": false,
        "share_space_desktops": 0,
        "total_desktops": 0,
    })
}

pub fn user_in_group(u: &User) -> Value {
    json!({
        "id": u.id,
        "user_name": u.name,
        "domain": u.domain,
        "user_email": u.email,
        "user_phone": u.phone,
        "total_desktops": 0,
        "enterprise_project_id": u.enterprise_project_id,
        "description": u.description,
    })
}

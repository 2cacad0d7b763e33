//! Core records as Keystone (and the IAM SDK's models) show them. `create_time` is an
//! integer of milliseconds; `links` are absolute URLs on this server.

use serde_json::{json, Value};

use crate::core::ids::iso_ms;
use crate::core::model::{Group, User};
use crate::core::policy::UserOptions;

pub fn group(base: &str, g: &Group) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "domain_id": g.account_id,
        "create_time": g.created_at,
        "links": { "self": format!("{base}/v3/groups/{}", g.id) },
    })
}

/// When a user's password expires, as Keystone writes it (`2016-11-06T15:32:17.000000`,
/// UTC), or null when it does not.
pub fn password_expires_at(u: &User) -> Value {
    if u.password_expires_at == 0 || u.password_never_expired {
        return Value::Null;
    }
    let t = chrono::DateTime::from_timestamp_millis(u.password_expires_at).unwrap_or_default();
    json!(t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
}

/// A user as Keystone lists and shows it, with every field a create or update accepts.
/// `enabled` is the directory's `disabled` flag inverted; `pwd_status` is "must change the
/// password at next login"; `default_project_id` is absent when there is none (as
/// Keystone), `options` always an object.
pub fn user(base: &str, u: &User) -> Value {
    let mut v = json!({
        "id": u.id,
        "name": u.name,
        "description": u.description,
        "domain_id": u.account_id,
        "enabled": !u.disabled,
        "email": u.email,
        "options": UserOptions::from_stored(&u.options).0,
        "pwd_status": u.next_login_change_password,
        "password_expires_at": password_expires_at(u),
        "last_project_id": null,
        "pwd_strength": null,
        "access_mode": "default",
        "links": { "self": format!("{base}/v3/users/{}", u.id) },
    });
    if !u.default_project_id.is_empty() {
        v["default_project_id"] = json!(u.default_project_id);
    }
    v
}

/// The Huawei `/v3.0/OS-USER/users` form of a user.
pub fn os_user(base: &str, u: &User, areacode: &str) -> Value {
    let mut v = user(base, u);
    v["email"] = json!(u.email);
    v["phone"] = json!(u.phone);
    v["areacode"] = json!(areacode);
    v["is_domain_owner"] = json!(u.is_root);
    v["create_time"] = json!(iso_ms(u.created_at));
    v["xdomain_id"] = json!("");
    v["xdomain_type"] = json!("");
    v["xuser_id"] = json!("");
    v["xuser_type"] = json!("");
    if u.default_project_id.is_empty() {
        v["default_project_id"] = json!(null);
    }
    v
}

/// Characters a link's query keeps as they are (RFC 3986 unreserved); everything else is
/// percent-encoded, a space as `%20` (not `+`), so a link means the same query to any reader.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `path?query` with the query's pairs re-encoded (`%20` for a space).
pub fn url_with_query<'a>(
    base: &str,
    path: &str,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string();
    let q = pairs
        .into_iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    if q.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    }
}

/// `links` of a collection: itself, and the neighbouring pages when there are any. The
/// query is read as `Params` reads it (`+` a space) and written back with `%20`.
pub fn collection_links(
    base: &str,
    path: &str,
    query: Option<&str>,
    page: i64,
    per_page: i64,
    total: i64,
    paged: bool,
) -> Value {
    let params = crate::http::params::Params::parse(query);
    let url = |page: Option<i64>| {
        let (p, pp) = (page.map(|p| p.to_string()), per_page.to_string());
        let mut pairs: Vec<(&str, &str)> = params
            .pairs()
            .filter(|(k, _)| *k != "page" && *k != "per_page")
            .collect();
        if let Some(p) = &p {
            pairs.push(("page", p));
            pairs.push(("per_page", &pp));
        }
        url_with_query(base, path, pairs)
    };
    let more = page * per_page < total;
    json!({
        "self": url(paged.then_some(page)),
        "previous": if page > 1 { json!(url(Some(page - 1))) } else { Value::Null },
        "next": if more { json!(url(Some(page + 1))) } else { Value::Null },
    })
}

/// `links` of a whole (unpaged) list: itself, no neighbours.
pub fn whole_links(base: &str, path: &str, query: Option<&str>) -> Value {
    collection_links(base, path, query, 1, 1, 0, false)
}

/// Paging on request (Huawei's `page`/`per_page`, a Roster extension on every Keystone list):
/// `page` from 1 and `per_page` from 1 to `MAX_PER_PAGE` (default `DEFAULT_PER_PAGE` when
/// only `page` is given); the answer links to its neighbours. Without either, a list is
/// whole (see `iam::lists`).
pub const DEFAULT_PER_PAGE: i64 = 1000;
pub const MAX_PER_PAGE: i64 = 5000;

pub struct Paging {
    pub page: i64,
    pub per_page: i64,
    /// Whether the caller asked for a page (links then name it).
    pub asked: bool,
}

impl Paging {
    pub fn from(p: &crate::http::params::Params) -> Result<Paging, crate::core::Error> {
        let page = p.int("page", 1, i32::MAX as i64)?;
        let per_page = p.int("per_page", 1, MAX_PER_PAGE)?;
        Ok(Paging {
            asked: page.is_some() || per_page.is_some(),
            page: page.unwrap_or(1),
            per_page: per_page.unwrap_or(DEFAULT_PER_PAGE),
        })
    }

    pub fn core(&self) -> crate::core::model::Page {
        crate::core::model::Page {
            limit: self.per_page,
            offset: (self.page - 1) * self.per_page,
        }
    }

    pub fn links(&self, base: &str, path: &str, query: Option<&str>, total: i64) -> Value {
        collection_links(
            base,
            path,
            query,
            self.page,
            self.per_page,
            total,
            self.asked,
        )
    }
}

//! Keystone lists: the query filters each list route takes, and whole lists streamed.
//!
//! Keystone applies no limit to a list unless `[DEFAULT] list_limit` is configured, and a
//! list that limit cuts says `"truncated": true` (keystone/server/flask/common.py,
//! `wrap_collection`); its clients (keystoneclient, the IAM SDK) read one response and never
//! follow `links.next`. So a list asked without `page`/`per_page` is the whole list, or the
//! first `list_limit` entries with `"truncated": true`. It is streamed: the JSON is written
//! page by page, each page (`http::stream::PAGE_ROWS` rows) read by keyset (`seq > last`)
//! in its own short read transaction, so memory is bounded by a page whatever the list's
//! length.
//!
//! Errors: the first page is read before the status is sent, so a missing group, a bad
//! filter or an unavailable database gets its status and Keystone error body. A read that
//! fails after the first byte cannot change the status: the error is logged and the
//! connection is ended without finishing the body (for HTTP/1.1 chunked, no last chunk), so
//! the client sees a broken response, never a valid-looking short list. The same holds when
//! the group (or user) whose members (or groups) are listed is deleted mid-list.

use std::future::Future;

use axum::response::Response;
use serde_json::Value;

use crate::core::model::{CmpOp, ExpiryCondition};
use crate::core::Error;
use crate::http::params::Params;
use crate::http::stream::{json_array, Frame};

/// Keystone's `enabled` filter: oslo's `bool_from_string` words (`true/false`, `1/0`,
/// `yes/no`, `on/off`, `t/f`, `y/n`, any case); absent or empty is no filter; anything
/// else is a 400 (Keystone would take it as true).
pub fn enabled(p: &Params) -> Result<Option<bool>, Error> {
    match p.get("enabled").map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Ok(Some(true)),
            "false" | "0" | "no" | "off" | "f" | "n" => Ok(Some(false)),
            _ => Err(Error::invalid(format!(
                "enabled must be true or false, not {v:?}"
            ))),
        },
    }
}

/// Keystone's `password_expires_at` filter, `{operator}:{timestamp}` with operator `lt`,
/// `lte`, `gt`, `gte`, `eq` (the default when absent) or `neq` and an ISO 8601 timestamp
/// (`2016-12-08T22:02:00Z`); malformed is a 400. A password that does not expire
/// (`password_expires_at` null) matches no operator, as Keystone's SQL comparison with null.
pub fn password_expires_at(p: &Params) -> Result<Option<ExpiryCondition>, Error> {
    let Some(v) = p.text("password_expires_at") else {
        return Ok(None);
    };
    let (op, time) = match v.split_once(':') {
        Some((op, t)) => match CmpOp::parse(op) {
            Some(op) => (op, t),
            None => (CmpOp::Eq, v.as_str()),
        },
        None => (CmpOp::Eq, v.as_str()),
    };
    match crate::core::ids::parse_time_ms(time) {
        Some(at) => Ok(Some(ExpiryCondition { op, at })),
        None => Err(Error::invalid(format!(
            "password_expires_at must be {{lt|lte|gt|gte|eq|neq}}:YYYY-MM-DDTHH:mm:ssZ, not {v:?}"
        ))),
    }
}

/// Keystone's inexact filters on the route's filters: `name__{i,}{contains,startswith,
/// endswith}` are let through where the route applies them (`name_ops`, through
/// `NameCondition::keystone`); any other (`domain_id__contains`,
/// ...) is refused with a 400 rather than ignored. Other unknown parameters are ignored, as
/// Keystone ignores them.
pub fn refuse_inexact(p: &Params, filters: &[&str], name_ops: bool) -> Result<(), Error> {
    const APPLIED: [&str; 6] = [
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
    ];
    for (k, _) in p.pairs() {
        if let Some((f, op)) = k.split_once("__") {
            if name_ops && f == "name" && APPLIED.contains(&op) && filters.contains(&f) {
                continue;
            }
            if filters.contains(&f) {
                return Err(Error::invalid(format!(
                    "the inexact filter {f}__{op} is not supported; filter by exact {f}"
                )));
            }
        }
    }
    Ok(())
}

/// A whole Keystone list, streamed: `{"links": links, key: [...]}` plus `"truncated":
/// true` when `limit` cut it; see [`crate::http::stream::json_array`] for `seq`, `render`,
/// `fetch` and the errors.
pub async fn stream<T, F, Fut, R>(
    key: &'static str,
    links: Value,
    limit: Option<i64>,
    seq: fn(&T) -> i64,
    render: R,
    fetch: F,
) -> Result<Response, Error>
where
    T: Send + 'static,
    F: FnMut(i64, i64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Vec<T>, Error>> + Send + 'static,
    R: Fn(&T) -> Value + Send + 'static,
{
    let frame = Frame {
        head: format!("{{\"links\":{links},\"{key}\":["),
        end: "]}",
        end_cut: "],\"truncated\":true}",
    };
    json_array(frame, limit, seq, render, fetch).await
}

/// The accounts a whole list of `/v3/users`, `/v3/groups` or `/v3/projects` reads: every
/// domain for the operator when the request names none (Keystone's cloud administrator
/// lists across domains), else the account the request is aimed at.
pub async fn accounts_listed(
    s: &crate::http::AppState,
    who: &super::Who,
    p: &Params,
) -> Result<Vec<String>, Error> {
    let named = p.text("domain_id").is_some_and(|d| !d.is_empty());
    if who.operator && !named && who.account_id == who.home_account_id {
        Ok(s.dir
            .domains()
            .await?
            .into_iter()
            .map(|d| d.id.into_string())
            .collect())
    } else {
        Ok(vec![who.account_id.clone()])
    }
}

/// One keyset page over several accounts: up to `n` rows with `seq > after` from each
/// (`fetch(account, after, n)`), merged in `seq` order and cut to `n`. Seqs are unique
/// across accounts (an account's number is their high part: migration 0011), so the
/// merged walk is one keyset walk.
pub async fn merged<T, F, Fut>(
    accounts: &[String],
    after: i64,
    n: i64,
    seq: fn(&T) -> i64,
    fetch: F,
) -> Result<Vec<T>, Error>
where
    F: Fn(String, i64, i64) -> Fut,
    Fut: Future<Output = Result<Vec<T>, Error>>,
{
    if let [one] = accounts {
        return fetch(one.clone(), after, n).await;
    }
    let mut all = Vec::new();
    for a in accounts {
        all.extend(fetch(a.clone(), after, n).await?);
    }
    all.sort_by_key(seq);
    all.truncate(n.max(0) as usize);
    Ok(all)
}

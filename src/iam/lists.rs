//! Keystone lists: the query filters each list route takes, and whole lists streamed.
//!
//! Keystone applies no limit to a list unless `[DEFAULT] list_limit` is configured, and a
//! list that limit cuts says `"truncated": true` (keystone/server/flask/common.py,
//! `wrap_collection`); its clients (keystoneclient, the IAM SDK) read one response and never
//! follow `links.next`. So a list asked without `page`/`per_page` is the whole list, or the
//! first `list_limit` entries with `"truncated": true`. It is streamed: the JSON is written
//! page by page, each page (`PAGE_ROWS` rows) read by keyset (`seq > last`) in its own short
//! read transaction, so memory is bounded by a page whatever the list's length.
//!
//! Errors: the first page is read before the status is sent, so a missing group, a bad
//! filter or an unavailable database gets its status and Keystone error body. A read that
//! fails after the first byte cannot change the status: the error is logged and the
//! connection is ended without finishing the body (for HTTP/1.1 chunked, no last chunk), so
//! the client sees a broken response, never a valid-looking short list. The same holds when
//! the group (or user) whose members (or groups) are listed is deleted mid-list.

use std::future::Future;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::Value;

use crate::core::Error;
use crate::http::params::Params;

/// Rows read per page (per read transaction) of a streamed list.
pub const PAGE_ROWS: i64 = 500;

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
/// (`2016-12-08T22:02:00Z`); malformed is a 400. Returns whether the filter was given: no
/// password of the directory expires (`password_expires_at` is null), and Keystone's SQL
/// comparison with null holds for no operator, so a given filter matches no user.
pub fn password_expires_at(p: &Params) -> Result<bool, Error> {
    let Some(v) = p.text("password_expires_at") else {
        return Ok(false);
    };
    let (_op, time) = match v.split_once(':') {
        Some((op, t)) if ["lt", "lte", "gt", "gte", "eq", "neq"].contains(&op) => (op, t),
        _ => ("eq", v.as_str()),
    };
    if crate::core::ids::parse_time_ms(time).is_none() {
        return Err(Error::invalid(format!(
            "password_expires_at must be {{lt|lte|gt|gte|eq|neq}}:YYYY-MM-DDTHH:mm:ssZ, not {v:?}"
        )));
    }
    Ok(true)
}

/// Keystone's inexact filters (`name__contains`, `name__istartswith`, ...) on the route's
/// filters are refused with a 400 rather than ignored: Roster applies exact filters only.
/// Other unknown parameters are ignored, as Keystone ignores them.
pub fn refuse_inexact(p: &Params, filters: &[&str]) -> Result<(), Error> {
    for (k, _) in p.pairs() {
        if let Some((f, op)) = k.split_once("__") {
            if filters.contains(&f) {
                return Err(Error::invalid(format!(
                    "the inexact filter {f}__{op} is not supported; filter by exact {f}"
                )));
            }
        }
    }
    Ok(())
}

/// The walk of a streamed list: what was sent and where the next page starts.
struct Walk<F, R, T> {
    fetch: F,
    render: R,
    seq: fn(&T) -> i64,
    limit: Option<i64>,
    /// `seq` of the last row sent.
    after: i64,
    sent: i64,
    done: bool,
}

impl<F, R: Fn(&T) -> Value, T> Walk<F, R, T> {
    /// Rows to ask for next: a page, or one more than the room left under the limit (so a
    /// cut list is known to be cut).
    fn ask(&self) -> i64 {
        match self.limit {
            None => PAGE_ROWS,
            Some(l) => (l - self.sent + 1).clamp(1, PAGE_ROWS),
        }
    }

    /// Writes `rows` (the answer to `asked`) into `out`, and the end of the body when the
    /// list is over.
    fn take(&mut self, rows: Vec<T>, asked: i64, out: &mut Vec<u8>) {
        let len = rows.len() as i64;
        let room = self.limit.map(|l| l - self.sent);
        let emit = room.map_or(len, |r| len.min(r)) as usize;
        let truncated = room.is_some_and(|r| len > r);
        for row in &rows[..emit] {
            if self.sent > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, &(self.render)(row))
                .expect("a serde_json::Value always serializes");
            self.sent += 1;
        }
        if let Some(last) = rows[..emit].last() {
            self.after = (self.seq)(last);
        }
        if truncated || len < asked {
            self.done = true;
            out.extend_from_slice(if truncated {
                b"],\"truncated\":true}"
            } else {
                b"]}"
            });
        }
    }
}

/// A whole Keystone list, streamed: `{"links": links, key: [...]}` plus `"truncated":
/// true` when `limit` cut it. `fetch(after, n)` returns up to `n` rows with `seq(row) >
/// after` in ascending `seq` order (one read transaction each). The first page is read
/// here, so its errors are returned for the caller to render; later errors end the
/// connection (see the module's documentation).
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
    let mut walk = Walk {
        fetch,
        render,
        seq,
        limit,
        after: 0,
        sent: 0,
        done: false,
    };
    let asked = walk.ask();
    let rows = (walk.fetch)(0, asked).await?;
    let mut head = format!("{{\"links\":{links},\"{key}\":[").into_bytes();
    walk.take(rows, asked, &mut head);
    let rest = futures_util::stream::try_unfold(walk, |mut w| async move {
        if w.done {
            return Ok(None);
        }
        let asked = w.ask();
        let rows = (w.fetch)(w.after, asked).await.inspect_err(|e| {
            tracing::error!(error = %e, "a list failed after its first page: ending the connection")
        })?;
        let mut out = Vec::new();
        w.take(rows, asked, &mut out);
        Ok::<_, Error>(Some((Bytes::from(out), w)))
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, Error>(Bytes::from(head)) }).chain(rest);
    Ok((
        [(http::header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use serde_json::json;

    /// Rows 1..=n as a store would page them; `fail_after` makes reads past that seq fail.
    fn source(
        n: i64,
        fail_after: Option<i64>,
    ) -> impl FnMut(i64, i64) -> std::future::Ready<Result<Vec<i64>, Error>> + Send {
        move |after, ask| {
            std::future::ready(match fail_after {
                Some(f) if after >= f => Err(Error::Unavailable("gone".into())),
                _ => Ok((after + 1..=n).take(ask as usize).collect()),
            })
        }
    }

    async fn body(n: i64, limit: Option<i64>) -> Value {
        let r = stream(
            "xs",
            json!({"self": "s"}),
            limit,
            |x| *x,
            |x| json!(x),
            source(n, None),
        )
        .await
        .unwrap();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn whole_lists_and_cut_ones() {
        for n in [
            0,
            1,
            PAGE_ROWS - 1,
            PAGE_ROWS,
            PAGE_ROWS + 1,
            3 * PAGE_ROWS + 7,
        ] {
            let v = body(n, None).await;
            let xs: Vec<i64> = serde_json::from_value(v["xs"].clone()).unwrap();
            assert_eq!(xs, (1..=n).collect::<Vec<_>>(), "n = {n}");
            assert!(v.get("truncated").is_none());
            assert_eq!(v["links"]["self"], "s");
        }
        for (n, limit) in [
            (1000, 1000),
            (1001, 1000),
            (0, 1),
            (1, 1),
            (2, 1),
            (1200, 600),
        ] {
            let v = body(n, Some(limit)).await;
            let xs = v["xs"].as_array().unwrap().len() as i64;
            assert_eq!(xs, n.min(limit), "n = {n}, limit = {limit}");
            assert_eq!(
                v.get("truncated").is_some(),
                n > limit,
                "n = {n}, limit = {limit}"
            );
        }
    }

    /// A read failing after the first page breaks the body: no valid-looking short list.
    #[tokio::test]
    async fn a_failure_mid_list_breaks_the_body() {
        let r = stream(
            "xs",
            json!({}),
            None,
            |x| *x,
            |x| json!(x),
            source(2000, Some(PAGE_ROWS)),
        )
        .await
        .unwrap();
        assert!(r.into_body().collect().await.is_err());
        // the first page's failure is an error before any byte
        let first = stream(
            "xs",
            json!({}),
            None,
            |x| *x,
            |x| json!(x),
            source(10, Some(0)),
        )
        .await;
        assert!(first.is_err());
    }
}

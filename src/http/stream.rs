//! JSON lists of any length written as they are read: the body is a head, the rows of a
//! keyset walk (pages of `PAGE_ROWS`, each read by the caller's `fetch` in its own short
//! read transaction), and an end, so memory is bounded by a page whatever the list's
//! length. Used by the Keystone lists (`iam::lists`) and Quick BI's unpaged listings.
//!
//! Errors: the first page is read before the status is sent, so its error is returned to
//! the caller to render in its face's format. A read that fails after the first byte cannot
//! change the status: it is logged and the body fails, which makes hyper end the connection
//! without finishing it (for HTTP/1.1 chunked, no last chunk): the client sees a broken
//! response, never a valid-looking short list.

use std::future::Future;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::Value;

use crate::core::Error;

/// Rows read per page (per read transaction) of a streamed list.
pub const PAGE_ROWS: i64 = 500;

/// What surrounds the rows: `head` ends with the array's `[`; `end` closes a whole list,
/// `end_cut` one that the limit cut.
pub struct Frame {
    pub head: String,
    pub end: &'static str,
    pub end_cut: &'static str,
}

/// The walk of a streamed list: what was sent and where the next page starts.
struct Walk<F, R, T> {
    fetch: F,
    render: R,
    seq: fn(&T) -> i64,
    limit: Option<i64>,
    end: &'static str,
    end_cut: &'static str,
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
            out.extend_from_slice(if truncated { self.end_cut } else { self.end }.as_bytes());
        }
    }
}

/// A streamed JSON response: `frame.head`, the rows rendered and comma-separated, then
/// `frame.end`, or `frame.end_cut` when more than `limit` rows exist (only `limit` are
/// written). `fetch(after, n)` returns up to `n` rows with `seq(row) > after` in ascending
/// `seq` order (one read transaction each); fewer than `n` means the list has ended. The
/// first page is read here, so its errors are returned for the caller to render; later
/// errors end the connection (see the module's documentation).
pub async fn json_array<T, F, Fut, R>(
    frame: Frame,
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
        end: frame.end,
        end_cut: frame.end_cut,
        after: 0,
        sent: 0,
        done: false,
    };
    let asked = walk.ask();
    let rows = (walk.fetch)(0, asked).await?;
    let mut head = frame.head.into_bytes();
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

    fn frame() -> Frame {
        Frame {
            head: r#"{"links":"s","xs":["#.into(),
            end: "]}",
            end_cut: r#"],"truncated":true}"#,
        }
    }

    async fn body(n: i64, limit: Option<i64>) -> Value {
        let r = json_array(frame(), limit, |x| *x, |x| json!(x), source(n, None))
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
            assert_eq!(v["links"], "s");
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
        let r = json_array(
            frame(),
            None,
            |x| *x,
            |x| json!(x),
            source(2000, Some(PAGE_ROWS)),
        )
        .await
        .unwrap();
        assert!(r.into_body().collect().await.is_err());
        // the first page's failure is an error before any byte
        let first = json_array(frame(), None, |x| *x, |x| json!(x), source(10, Some(0))).await;
        assert!(first.is_err());
    }
}

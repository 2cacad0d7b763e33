//! How much of a call is the database itself, statement by statement (no driver decode, no
//! pool, no transaction round trips):
//!
//! - PostgreSQL: `EXPLAIN (ANALYZE, TIMING OFF)` of each statement with the call's
//!   arguments; the server's planning and execution times, median of `RUNS`.
//! - SQLite: each statement run on one rusqlite connection, rows stepped and not read,
//!   median of `RUNS` wall times (SQLite runs in-process: this is its whole cost).

use std::str::FromStr;
use std::time::Instant;

use crate::drivers::{Result, Target};
use crate::sql::{Dialect, Query, Statements, COUNTS, PAGE_LIMIT, PAGE_OFFSET};

const RUNS: usize = 30;

/// A statement's text and arguments (text or integer).
struct Stmt {
    label: &'static str,
    sql: String,
    args: Vec<Arg>,
}

#[derive(Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

/// The statements of one call; `user_ids` are the ids of the call's users page.
fn statements(sql: &Statements, q: Query, account: &str, user_ids: &[String]) -> Vec<Stmt> {
    let (text, keyword) = sql.page(q);
    let mut args = vec![Arg::Text(account.to_string())];
    if let Some(kw) = keyword {
        args.push(Arg::Text(kw.to_string()));
    }
    args.push(Arg::Int(PAGE_LIMIT));
    args.push(Arg::Int(PAGE_OFFSET));
    let mut out = vec![Stmt {
        label: "page",
        sql: text.to_string(),
        args,
    }];
    if !q.is_search() {
        out.push(Stmt {
            label: "kept counts",
            sql: COUNTS.to_string(),
            args: vec![Arg::Text(account.to_string())],
        });
    }
    if !q.is_groups() && !user_ids.is_empty() {
        out.push(Stmt {
            label: "group names",
            sql: sql.group_names(user_ids.len()).into_owned(),
            args: user_ids.iter().cloned().map(Arg::Text).collect(),
        });
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub async fn report(target: &Target, queries: &[Query]) -> Result<String> {
    match target {
        Target::Postgres { url, account } => postgres(url, account, queries).await,
        Target::Sqlite { .. } => {
            let target = target.clone();
            let queries = queries.to_vec();
            tokio::task::spawn_blocking(move || sqlite(&target, &queries)).await?
        }
    }
}

async fn postgres(url: &str, account: &str, queries: &[Query]) -> Result<String> {
    use tokio_postgres::types::ToSql;
    let mut config = tokio_postgres::Config::from_str(url)?;
    config.options("-c default_transaction_read_only=on");
    let (client, conn) = config.connect(tokio_postgres::NoTls).await?;
    let task = tokio::spawn(conn);
    let sql = Statements::new(Dialect::Postgres);
    let mut s = format!(
        "### PostgreSQL itself: EXPLAIN (ANALYZE, TIMING OFF), median of {RUNS}\n\n\
         | query | statement | rows | planning ms | execution ms |\n|---|---|---:|---:|---:|\n"
    );
    for &q in queries {
        let (text, keyword) = sql.page(q);
        let mut ids = Vec::new();
        if !q.is_groups() {
            let account = account.to_string();
            let args = crate::drivers::pg_rows::page_args(&account, &keyword);
            for r in client.query(text, &args).await? {
                ids.push(r.try_get::<_, String>(1)?);
            }
        }
        let mut sum = 0.0;
        for st in statements(&sql, q, account, &ids) {
            let args: Vec<&(dyn ToSql + Sync)> = st
                .args
                .iter()
                .map(|a| match a {
                    Arg::Text(t) => t as &(dyn ToSql + Sync),
                    Arg::Int(i) => i as &(dyn ToSql + Sync),
                })
                .collect();
            let explain = format!("EXPLAIN (ANALYZE, TIMING OFF) {}", st.sql);
            let prepared = client.prepare(&explain).await?;
            let (mut plan, mut exec, mut rows) = (Vec::new(), Vec::new(), 0.0);
            for _ in 0..RUNS {
                for r in client.query(&prepared, &args).await? {
                    let line: String = r.try_get(0)?;
                    let ms = |prefix: &str| {
                        line.trim()
                            .strip_prefix(prefix)
                            .and_then(|t| t.trim().trim_end_matches(" ms").parse::<f64>().ok())
                    };
                    if let Some(v) = ms("Planning Time:") {
                        plan.push(v);
                    } else if let Some(v) = ms("Execution Time:") {
                        exec.push(v);
                    } else if !line.starts_with(' ') {
                        // the top node: "... (actual rows=N loops=1)"
                        if let Some(n) = line
                            .split("actual rows=")
                            .nth(1)
                            .and_then(|t| t.split(' ').next())
                        {
                            rows = n.parse().unwrap_or(0.0);
                        }
                    }
                }
            }
            let (p, e) = (median(plan), median(exec));
            sum += p + e;
            s += &format!(
                "| {} | {} | {rows:.0} | {p:.3} | {e:.3} |\n",
                q.name(),
                st.label
            );
        }
        s += &format!(
            "| {} | **all** | | | **{sum:.3}** (planning + execution) |\n",
            q.name()
        );
    }
    drop(client);
    let _ = task.await;
    Ok(s)
}

fn sqlite(target: &Target, queries: &[Query]) -> Result<String> {
    use rusqlite::{params_from_iter, types::Value};
    let Target::Sqlite { path, account } = target else {
        unreachable!()
    };
    let c =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    c.execute_batch(crate::drivers::SQLITE_PRAGMAS)?;
    let sql = Statements::new(Dialect::Sqlite);
    let mut s = format!(
        "### SQLite itself: each statement on one connection, rows stepped, median of {RUNS}\n\n\
         | query | statement | rows | ms |\n|---|---|---:|---:|\n"
    );
    let values = |args: &[Arg]| -> Vec<Value> {
        args.iter()
            .map(|a| match a {
                Arg::Text(t) => Value::Text(t.clone()),
                Arg::Int(i) => Value::Integer(*i),
            })
            .collect()
    };
    for &q in queries {
        let mut ids = Vec::new();
        if !q.is_groups() {
            let st = &statements(&sql, q, account, &[])[0];
            let mut prepared = c.prepare(&st.sql)?;
            let mut rows = prepared.query(params_from_iter(values(&st.args)))?;
            while let Some(r) = rows.next()? {
                ids.push(r.get::<_, String>(1)?);
            }
        }
        let mut sum = 0.0;
        for st in statements(&sql, q, account, &ids) {
            let mut prepared = c.prepare(&st.sql)?;
            let args = values(&st.args);
            let (mut times, mut n) = (Vec::new(), 0u64);
            for _ in 0..RUNS + 1 {
                // the first run warms the page cache
                let t = Instant::now();
                n = 0;
                let mut rows = prepared.query(params_from_iter(args.iter()))?;
                while rows.next()?.is_some() {
                    n += 1;
                }
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            times.remove(0);
            let m = median(times);
            sum += m;
            s += &format!("| {} | {} | {n} | {m:.3} |\n", q.name(), st.label);
        }
        s += &format!("| {} | **all** | | **{sum:.3}** |\n", q.name());
    }
    Ok(s)
}

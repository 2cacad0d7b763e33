//! (ref) sqlx `Any`, as the project reads today: `AnyPool`, rows read by column name with
//! the project's own `from_row` / `with_parent` (copied from src/store), a read transaction
//! around page and total, and the group names on a second connection of the pool
//! (src/core/directory/users.rs `list_users`, then `group_names_of`).

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use super::{Driver, Result, Target};
use crate::model::{public_id, Group, Listing, Output, User, UserItem};
use crate::sql::{Dialect, Query, Statements, COUNTS, PAGE_LIMIT, PAGE_OFFSET};

pub struct AnyDriver {
    name: &'static str,
    pool: AnyPool,
    sql: Statements,
    account: String,
}

impl AnyDriver {
    pub async fn connect(target: &Target, pool_size: u32) -> Result<AnyDriver> {
        sqlx::any::install_default_drivers();
        let (name, url, dialect) = match target {
            Target::Sqlite { path, .. } => (
                "sqlx Any (ref)",
                // read-only, as every driver here; the project's pragmas minus the ones that write
                format!("sqlite://{}?mode=ro", path.display()),
                Dialect::Sqlite,
            ),
            Target::Postgres { url, .. } => ("sqlx Any (ref)", url.clone(), Dialect::Postgres),
        };
        // per-connection settings, as src/store/mod.rs `apply_pragmas`
        let setup: &'static str = match dialect {
            Dialect::Sqlite => super::SQLITE_PRAGMAS,
            Dialect::Postgres => super::PG_READ_ONLY,
        };
        let options = AnyPoolOptions::new()
            .max_connections(pool_size)
            .after_connect(move |conn, _| Box::pin(apply(conn, setup)));
        let pool = options.connect(&url).await?;
        Ok(AnyDriver {
            name,
            pool,
            sql: Statements::new(dialect),
            account: target.account().to_string(),
        })
    }

    async fn groups(&self, q: Query) -> Result<Listing<Group>> {
        let (text, keyword) = self.sql.page(q);
        let mut tx = self.pool.begin().await?;
        let mut query = sqlx::query(text).bind(self.account.as_str());
        if let Some(kw) = keyword {
            query = query.bind(kw);
        }
        let rows = query
            .bind(PAGE_LIMIT)
            .bind(PAGE_OFFSET)
            .fetch_all(&mut *tx)
            .await?;
        let total: i64 = match rows.first() {
            Some(r) if keyword.is_some() => r.try_get("total")?,
            _ if keyword.is_some() => 0, // offset 0: an empty page means no match
            _ => {
                let r = sqlx::query(COUNTS)
                    .bind(self.account.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                r.try_get("group_count")?
            }
        };
        tx.commit().await?;
        let items = rows.iter().map(with_parent).collect::<Result<_, _>>()?;
        Ok(Listing {
            total_count: total,
            items,
        })
    }

    async fn users(&self, q: Query) -> Result<Listing<UserItem>> {
        let (text, keyword) = self.sql.page(q);
        let mut tx = self.pool.begin().await?;
        let mut query = sqlx::query(text).bind(self.account.as_str());
        if let Some(kw) = keyword {
            query = query.bind(kw);
        }
        let rows = query
            .bind(PAGE_LIMIT)
            .bind(PAGE_OFFSET)
            .fetch_all(&mut *tx)
            .await?;
        let total: i64 = match rows.first() {
            Some(r) if keyword.is_some() => r.try_get("total")?,
            _ if keyword.is_some() => 0,
            _ => {
                let r = sqlx::query(COUNTS)
                    .bind(self.account.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                r.try_get("user_count")?
            }
        };
        tx.commit().await?;
        let users: Vec<User> = rows.iter().map(user_from_row).collect::<Result<_, _>>()?;

        // store::users::group_names, on a connection of its own
        let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
        let mut names: std::collections::HashMap<String, Vec<String>> = Default::default();
        if !ids.is_empty() {
            let mut conn = self.pool.acquire().await?;
            let text = self.sql.group_names(ids.len());
            let mut query = sqlx::query(&text);
            for id in &ids {
                query = query.bind(id.as_str());
            }
            for r in query.fetch_all(&mut *conn).await? {
                names
                    .entry(r.try_get("user_id")?)
                    .or_default()
                    .push(r.try_get("name")?);
            }
        }
        let items = users
            .into_iter()
            .map(|user| {
                let group_names = names.get(&user.id).cloned().unwrap_or_default();
                UserItem { user, group_names }
            })
            .collect();
        Ok(Listing {
            total_count: total,
            items,
        })
    }
}

async fn apply(conn: &mut sqlx::AnyConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, sql).await?;
    Ok(())
}

impl Driver for AnyDriver {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn call(&self, q: Query) -> Result<Output> {
        Ok(if q.is_groups() {
            Output::Groups(self.groups(q).await?)
        } else {
            Output::Users(self.users(q).await?)
        })
    }
}

// --- copied from src/store/groups.rs and src/store/users.rs ---------------------------------

fn group_from_row(r: &AnyRow, a: &str) -> Result<Group, sqlx::Error> {
    let c = |f: &str| format!("{a}_{f}");
    Ok(Group {
        seq: r.try_get(c("seq").as_str())?,
        id: public_id(&r.try_get::<String, _>(c("id").as_str())?),
        account_id: r.try_get(c("account_id").as_str())?,
        name: r.try_get(c("name").as_str())?,
        description: r.try_get(c("description").as_str())?,
        platform_type: r.try_get(c("platform_type").as_str())?,
        domain: r.try_get(c("domain").as_str())?,
        parent_id: r
            .try_get::<Option<String>, _>(c("parent_id").as_str())?
            .map(|p| public_id(&p)),
        path: r.try_get(c("path").as_str())?,
        depth: r.try_get(c("depth").as_str())?,
        user_quantity: r.try_get(c("user_quantity").as_str())?,
        created_by: r.try_get(c("created_by").as_str())?,
        updated_by: r.try_get(c("updated_by").as_str())?,
        created_at: r.try_get(c("created_at").as_str())?,
        updated_at: r.try_get(c("updated_at").as_str())?,
        parent: None,
    })
}

fn with_parent(r: &AnyRow) -> Result<Group, sqlx::Error> {
    let mut g = group_from_row(r, "g")?;
    if let Some(id) = r.try_get::<Option<String>, _>("p_id")? {
        g.parent = Some(Box::new(Group {
            seq: 0,
            id: public_id(&id),
            account_id: r.try_get("p_account_id")?,
            name: r.try_get("p_name")?,
            description: r.try_get("p_description")?,
            platform_type: r.try_get("p_platform_type")?,
            domain: r.try_get("p_domain")?,
            parent_id: None,
            path: String::new(),
            depth: 0,
            user_quantity: 0,
            created_by: String::new(),
            updated_by: String::new(),
            created_at: r.try_get("p_created_at")?,
            updated_at: 0,
            parent: None,
        }));
    }
    Ok(g)
}

fn user_from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
    let b = |c: &str| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(c)? != 0) };
    Ok(User {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        alias_name: r.try_get("alias_name")?,
        active_type: r.try_get("active_type")?,
        platform_type: r.try_get("platform_type")?,
        domain: r.try_get("domain")?,
        enterprise_project_id: r.try_get("enterprise_project_id")?,
        user_info_map: r.try_get("user_info_map")?,
        account_expires: r.try_get("account_expires")?,
        has_password: r.try_get::<Option<String>, _>("password_hash")?.is_some(),
        enable_change_password: b("enable_change_password")?,
        next_login_change_password: b("next_login_change_password")?,
        password_never_expired: b("password_never_expired")?,
        locked: b("locked")?,
        disabled: b("disabled")?,
        is_root: b("is_root")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        password_changed_at: r.try_get("password_changed_at")?,
        tokens_valid_after: r.try_get("tokens_valid_after")?,
    })
}

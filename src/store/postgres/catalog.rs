//! Keystone's service catalog and policy blobs (`core::catalog`) on tokio-postgres
//! (migration 0020).

use tokio_postgres::Row;

use super::sql::{execute, opt, rows, Arg};
use super::PgTx;
use crate::core::catalog::*;
use crate::core::Error;

const REGION: &str = "SELECT id, description, parent_region_id, created_at, extra FROM regions";
const SERVICE: &str =
    "SELECT id, type, name, description, enabled, created_at, extra FROM services";
const ENDPOINT: &str =
    "SELECT id, service_id, region_id, interface, url, enabled, created_at, extra FROM endpoints";
const POLICY: &str = "SELECT id, type, blob, created_at FROM keystone_policies";

fn region(r: &Row) -> Result<RegionRow, Error> {
    Ok(RegionRow {
        id: r.try_get(0)?,
        description: r.try_get(1)?,
        parent_region_id: r.try_get(2)?,
        created_at: r.try_get(3)?,
        extra: r.try_get(4)?,
    })
}

fn service(r: &Row) -> Result<ServiceRow, Error> {
    Ok(ServiceRow {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        name: r.try_get(2)?,
        description: r.try_get(3)?,
        enabled: r.try_get(4)?,
        created_at: r.try_get(5)?,
        extra: r.try_get(6)?,
    })
}

fn endpoint(r: &Row) -> Result<EndpointRow, Error> {
    Ok(EndpointRow {
        id: r.try_get(0)?,
        service_id: r.try_get(1)?,
        region_id: r.try_get(2)?,
        interface: r.try_get(3)?,
        url: r.try_get(4)?,
        enabled: r.try_get(5)?,
        created_at: r.try_get(6)?,
        extra: r.try_get(7)?,
    })
}

fn policy(r: &Row) -> Result<PolicyBlobRow, Error> {
    Ok(PolicyBlobRow {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        blob: r.try_get(2)?,
        created_at: r.try_get(3)?,
    })
}

impl<const WRITE: bool> PgTx<WRITE> {
    fn all<T>(&self, select: &str, f: fn(&Row) -> Result<T, Error>) -> Result<Vec<T>, Error> {
        let sql = format!("{select} ORDER BY id");
        self.run(async { rows(self.c(), &sql, &[]).await?.iter().map(f).collect() })
    }

    fn one<T>(
        &self,
        select: &str,
        id: &str,
        f: fn(&Row) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        let sql = format!("{select} WHERE id = $1");
        self.run(async {
            opt(self.c(), &sql, &[id.into()])
                .await?
                .as_ref()
                .map(f)
                .transpose()
        })
    }

    fn exec(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64, Error> {
        self.run(execute(self.c(), sql, args))
    }
}

impl<const WRITE: bool> CatalogRead for PgTx<WRITE> {
    fn regions(&mut self) -> Result<Vec<RegionRow>, Error> {
        self.all(REGION, region)
    }
    fn region(&mut self, id: &str) -> Result<Option<RegionRow>, Error> {
        self.one(REGION, id, region)
    }
    fn services(&mut self) -> Result<Vec<ServiceRow>, Error> {
        self.all(SERVICE, service)
    }
    fn service(&mut self, id: &str) -> Result<Option<ServiceRow>, Error> {
        self.one(SERVICE, id, service)
    }
    fn endpoints(&mut self) -> Result<Vec<EndpointRow>, Error> {
        self.all(ENDPOINT, endpoint)
    }
    fn endpoint(&mut self, id: &str) -> Result<Option<EndpointRow>, Error> {
        self.one(ENDPOINT, id, endpoint)
    }
    fn policy_blobs(&mut self) -> Result<Vec<PolicyBlobRow>, Error> {
        self.all(POLICY, policy)
    }
    fn policy_blob(&mut self, id: &str) -> Result<Option<PolicyBlobRow>, Error> {
        self.one(POLICY, id, policy)
    }
}

impl CatalogWrite for PgTx<true> {
    fn insert_region(&mut self, r: &RegionRow) -> Result<(), Error> {
        self.exec(
            "INSERT INTO regions (id, description, parent_region_id, created_at, extra) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                (&r.id).into(),
                (&r.description).into(),
                r.parent_region_id.as_deref().into(),
                r.created_at.into(),
                (&r.extra).into(),
            ],
        )?;
        Ok(())
    }

    fn update_region(&mut self, r: &RegionRow) -> Result<bool, Error> {
        Ok(self.exec(
            "UPDATE regions SET description = $1, parent_region_id = $2, extra = $3 WHERE id = $4",
            &[
                (&r.description).into(),
                r.parent_region_id.as_deref().into(),
                (&r.extra).into(),
                (&r.id).into(),
            ],
        )? > 0)
    }

    fn delete_region(&mut self, id: &str) -> Result<bool, Error> {
        // the region and everything below it, children before parents (the foreign key)
        let ids: Vec<String> = self.run(async {
            rows(
                self.c(),
                "WITH RECURSIVE below(id, depth) AS (SELECT id, 0 FROM regions WHERE id = $1 \
                 UNION ALL SELECT r.id, b.depth + 1 FROM regions r JOIN below b \
                 ON r.parent_region_id = b.id) SELECT id FROM below ORDER BY depth DESC",
                &[id.into()],
            )
            .await?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect::<Result<_, Error>>()
        })?;
        for id in &ids {
            self.exec("DELETE FROM regions WHERE id = $1", &[id.into()])?;
        }
        Ok(!ids.is_empty())
    }

    fn insert_service(&mut self, s: &ServiceRow) -> Result<(), Error> {
        self.exec(
            "INSERT INTO services (id, type, name, description, enabled, created_at, extra) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                (&s.id).into(),
                (&s.kind).into(),
                (&s.name).into(),
                (&s.description).into(),
                s.enabled.into(),
                s.created_at.into(),
                (&s.extra).into(),
            ],
        )?;
        Ok(())
    }

    fn update_service(&mut self, s: &ServiceRow) -> Result<bool, Error> {
        Ok(self.exec(
            "UPDATE services SET type = $1, name = $2, description = $3, enabled = $4, \
             extra = $5 WHERE id = $6",
            &[
                (&s.kind).into(),
                (&s.name).into(),
                (&s.description).into(),
                s.enabled.into(),
                (&s.extra).into(),
                (&s.id).into(),
            ],
        )? > 0)
    }

    fn delete_service(&mut self, id: &str) -> Result<bool, Error> {
        self.exec("DELETE FROM endpoints WHERE service_id = $1", &[id.into()])?;
        Ok(self.exec("DELETE FROM services WHERE id = $1", &[id.into()])? > 0)
    }

    fn insert_endpoint(&mut self, e: &EndpointRow) -> Result<(), Error> {
        self.exec(
            "INSERT INTO endpoints (id, service_id, region_id, interface, url, enabled, \
             created_at, extra) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                (&e.id).into(),
                (&e.service_id).into(),
                e.region_id.as_deref().into(),
                (&e.interface).into(),
                (&e.url).into(),
                e.enabled.into(),
                e.created_at.into(),
                (&e.extra).into(),
            ],
        )?;
        Ok(())
    }

    fn update_endpoint(&mut self, e: &EndpointRow) -> Result<bool, Error> {
        Ok(self.exec(
            "UPDATE endpoints SET service_id = $1, region_id = $2, interface = $3, url = $4, \
             enabled = $5, extra = $6 WHERE id = $7",
            &[
                (&e.service_id).into(),
                e.region_id.as_deref().into(),
                (&e.interface).into(),
                (&e.url).into(),
                e.enabled.into(),
                (&e.extra).into(),
                (&e.id).into(),
            ],
        )? > 0)
    }

    fn delete_endpoint(&mut self, id: &str) -> Result<bool, Error> {
        Ok(self.exec("DELETE FROM endpoints WHERE id = $1", &[id.into()])? > 0)
    }

    fn insert_policy_blob(&mut self, p: &PolicyBlobRow) -> Result<(), Error> {
        self.exec(
            "INSERT INTO keystone_policies (id, type, blob, created_at) VALUES ($1, $2, $3, $4)",
            &[
                (&p.id).into(),
                (&p.kind).into(),
                (&p.blob).into(),
                p.created_at.into(),
            ],
        )?;
        Ok(())
    }

    fn update_policy_blob(&mut self, p: &PolicyBlobRow) -> Result<bool, Error> {
        Ok(self.exec(
            "UPDATE keystone_policies SET type = $1, blob = $2 WHERE id = $3",
            &[(&p.kind).into(), (&p.blob).into(), (&p.id).into()],
        )? > 0)
    }

    fn delete_policy_blob(&mut self, id: &str) -> Result<bool, Error> {
        Ok(self.exec("DELETE FROM keystone_policies WHERE id = $1", &[id.into()])? > 0)
    }
}

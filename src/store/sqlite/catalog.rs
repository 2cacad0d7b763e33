//! Keystone's service catalog and policy blobs (`core::catalog`) on rusqlite (migration
//! 0020).

use rusqlite::{OptionalExtension, Row};

use super::SqliteTx;
use crate::core::catalog::*;
use crate::core::Error;

const REGION: &str = "SELECT id, description, parent_region_id, created_at, extra FROM regions";
const SERVICE: &str =
    "SELECT id, type, name, description, enabled, created_at, extra FROM services";
const ENDPOINT: &str =
    "SELECT id, service_id, region_id, interface, url, enabled, created_at, extra FROM endpoints";
const POLICY: &str = "SELECT id, type, blob, created_at FROM keystone_policies";

fn region(r: &Row<'_>) -> rusqlite::Result<RegionRow> {
    Ok(RegionRow {
        id: r.get(0)?,
        description: r.get(1)?,
        parent_region_id: r.get(2)?,
        created_at: r.get(3)?,
        extra: r.get(4)?,
    })
}

fn service(r: &Row<'_>) -> rusqlite::Result<ServiceRow> {
    Ok(ServiceRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        enabled: r.get(4)?,
        created_at: r.get(5)?,
        extra: r.get(6)?,
    })
}

fn endpoint(r: &Row<'_>) -> rusqlite::Result<EndpointRow> {
    Ok(EndpointRow {
        id: r.get(0)?,
        service_id: r.get(1)?,
        region_id: r.get(2)?,
        interface: r.get(3)?,
        url: r.get(4)?,
        enabled: r.get(5)?,
        created_at: r.get(6)?,
        extra: r.get(7)?,
    })
}

fn policy(r: &Row<'_>) -> rusqlite::Result<PolicyBlobRow> {
    Ok(PolicyBlobRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        blob: r.get(2)?,
        created_at: r.get(3)?,
    })
}

impl<const WRITE: bool> SqliteTx<WRITE> {
    fn all<T>(
        &self,
        select: &str,
        f: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, Error> {
        let mut stmt = self.conn.prepare_cached(&format!("{select} ORDER BY id"))?;
        let rows = stmt.query_map([], f)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn one<T>(
        &self,
        select: &str,
        id: &str,
        f: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, Error> {
        Ok(self
            .conn
            .prepare_cached(&format!("{select} WHERE id = ?"))?
            .query_row([id], f)
            .optional()?)
    }
}

impl<const WRITE: bool> CatalogRead for SqliteTx<WRITE> {
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

impl CatalogWrite for SqliteTx<true> {
    fn insert_region(&mut self, r: &RegionRow) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO regions (id, description, parent_region_id, created_at, extra) \
                 VALUES (?, ?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![
                r.id,
                r.description,
                r.parent_region_id,
                r.created_at,
                r.extra
            ])?;
        Ok(())
    }

    fn update_region(&mut self, r: &RegionRow) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE regions SET description = ?, parent_region_id = ?, extra = ? WHERE id = ?",
            )?
            .execute(rusqlite::params![
                r.description,
                r.parent_region_id,
                r.extra,
                r.id
            ])?;
        Ok(n > 0)
    }

    fn delete_region(&mut self, id: &str) -> Result<bool, Error> {
        // the region and everything below it, children before parents (the foreign key)
        let mut stmt = self.conn.prepare_cached(
            "WITH RECURSIVE below(id, depth) AS (SELECT id, 0 FROM regions WHERE id = ? \
             UNION ALL SELECT r.id, b.depth + 1 FROM regions r JOIN below b \
             ON r.parent_region_id = b.id) SELECT id FROM below ORDER BY depth DESC",
        )?;
        let ids = stmt
            .query_map([id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut del = self
            .conn
            .prepare_cached("DELETE FROM regions WHERE id = ?")?;
        for id in &ids {
            del.execute([id])?;
        }
        Ok(!ids.is_empty())
    }

    fn insert_service(&mut self, s: &ServiceRow) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO services (id, type, name, description, enabled, created_at, \
                 extra) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![
                s.id,
                s.kind,
                s.name,
                s.description,
                s.enabled,
                s.created_at,
                s.extra
            ])?;
        Ok(())
    }

    fn update_service(&mut self, s: &ServiceRow) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE services SET type = ?, name = ?, description = ?, enabled = ?, \
                 extra = ? WHERE id = ?",
            )?
            .execute(rusqlite::params![
                s.kind,
                s.name,
                s.description,
                s.enabled,
                s.extra,
                s.id
            ])?;
        Ok(n > 0)
    }

    fn delete_service(&mut self, id: &str) -> Result<bool, Error> {
        self.conn
            .prepare_cached("DELETE FROM endpoints WHERE service_id = ?")?
            .execute([id])?;
        let n = self
            .conn
            .prepare_cached("DELETE FROM services WHERE id = ?")?
            .execute([id])?;
        Ok(n > 0)
    }

    fn insert_endpoint(&mut self, e: &EndpointRow) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO endpoints (id, service_id, region_id, interface, url, enabled, \
                 created_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![
                e.id,
                e.service_id,
                e.region_id,
                e.interface,
                e.url,
                e.enabled,
                e.created_at,
                e.extra
            ])?;
        Ok(())
    }

    fn update_endpoint(&mut self, e: &EndpointRow) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE endpoints SET service_id = ?, region_id = ?, interface = ?, url = ?, \
                 enabled = ?, extra = ? WHERE id = ?",
            )?
            .execute(rusqlite::params![
                e.service_id,
                e.region_id,
                e.interface,
                e.url,
                e.enabled,
                e.extra,
                e.id
            ])?;
        Ok(n > 0)
    }

    fn delete_endpoint(&mut self, id: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM endpoints WHERE id = ?")?
            .execute([id])?;
        Ok(n > 0)
    }

    fn insert_policy_blob(&mut self, p: &PolicyBlobRow) -> Result<(), Error> {
        self.conn
            .prepare_cached(
                "INSERT INTO keystone_policies (id, type, blob, created_at) VALUES (?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![p.id, p.kind, p.blob, p.created_at])?;
        Ok(())
    }

    fn update_policy_blob(&mut self, p: &PolicyBlobRow) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached("UPDATE keystone_policies SET type = ?, blob = ? WHERE id = ?")?
            .execute(rusqlite::params![p.kind, p.blob, p.id])?;
        Ok(n > 0)
    }

    fn delete_policy_blob(&mut self, id: &str) -> Result<bool, Error> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM keystone_policies WHERE id = ?")?
            .execute([id])?;
        Ok(n > 0)
    }
}

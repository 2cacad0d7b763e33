//! Keystone's service catalog and policy blobs: what `/v3/regions`, `/v3/services`,
//! `/v3/endpoints` and `/v3/policies` keep (migration 0020), the part of the storage
//! boundary (`core::storage`) for them. `ReadTx` and `WriteTx` include these traits;
//! `store` implements them per backend (src/store/{sqlite,postgres}/catalog.rs).
//!
//! The catalog is global, as Keystone's: no account owns a row, every authenticated caller
//! reads it, the operator changes it. The faces Roster serves itself (identity, workspace,
//! quickbi) are not rows: their endpoints follow the configured public URL
//! (`iam::catalog`).
//!
//! The store keeps, beneath these methods: deleting a service deletes its endpoints;
//! deleting a region deletes its child regions, all the way down (Keystone's SQL catalog
//! does the same).

use crate::core::Error;

/// A region (Keystone API reference, "Regions"): any id of 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    pub id: String,
    pub description: String,
    /// A region above this one; `None` at the top.
    pub parent_region_id: Option<String>,
    /// Attributes beyond Keystone's own: a JSON object, as text (`{}` when none).
    pub extra: String,
    /// Unix ms.
    pub created_at: i64,
}

/// A service (Keystone API reference, "Services"): `type` is what clients look services
/// up by (`identity`, `compute`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    /// 32 hex characters.
    pub id: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// Attributes beyond Keystone's own: a JSON object, as text (`{}` when none).
    pub extra: String,
    /// Unix ms.
    pub created_at: i64,
}

/// An endpoint (Keystone API reference, "Endpoints").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    /// 32 hex characters.
    pub id: String,
    pub service_id: String,
    pub region_id: Option<String>,
    /// `public`, `internal` or `admin`.
    pub interface: String,
    pub url: String,
    pub enabled: bool,
    /// Attributes beyond Keystone's own: a JSON object, as text (`{}` when none).
    pub extra: String,
    /// Unix ms.
    pub created_at: i64,
}

/// A policy blob (Keystone API reference, "Policies"): an opaque document of a MIME type,
/// kept for the services that read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyBlobRow {
    /// 32 hex characters.
    pub id: String,
    pub kind: String,
    pub blob: String,
    /// Unix ms.
    pub created_at: i64,
}

/// Reads of the catalog, each whole and ordered by id (the catalog is small: an
/// operator's list of services, not a directory).
pub trait CatalogRead {
    fn regions(&mut self) -> Result<Vec<RegionRow>, Error>;
    fn region(&mut self, id: &str) -> Result<Option<RegionRow>, Error>;
    fn services(&mut self) -> Result<Vec<ServiceRow>, Error>;
    fn service(&mut self, id: &str) -> Result<Option<ServiceRow>, Error>;
    fn endpoints(&mut self) -> Result<Vec<EndpointRow>, Error>;
    fn endpoint(&mut self, id: &str) -> Result<Option<EndpointRow>, Error>;
    fn policy_blobs(&mut self) -> Result<Vec<PolicyBlobRow>, Error>;
    fn policy_blob(&mut self, id: &str) -> Result<Option<PolicyBlobRow>, Error>;
}

/// Writes of the catalog, in the write transaction of the operation. Inserts fail with
/// `Unique` when the id is taken; updates and deletes answer whether the row was there.
pub trait CatalogWrite {
    fn insert_region(&mut self, r: &RegionRow) -> Result<(), Error>;
    /// Replaces description and parent.
    fn update_region(&mut self, r: &RegionRow) -> Result<bool, Error>;
    /// Deletes the region and every region below it.
    fn delete_region(&mut self, id: &str) -> Result<bool, Error>;
    fn insert_service(&mut self, s: &ServiceRow) -> Result<(), Error>;
    /// Replaces type, name, description and enabled.
    fn update_service(&mut self, s: &ServiceRow) -> Result<bool, Error>;
    /// Deletes the service and its endpoints.
    fn delete_service(&mut self, id: &str) -> Result<bool, Error>;
    fn insert_endpoint(&mut self, e: &EndpointRow) -> Result<(), Error>;
    /// Replaces service, region, interface, url and enabled.
    fn update_endpoint(&mut self, e: &EndpointRow) -> Result<bool, Error>;
    fn delete_endpoint(&mut self, id: &str) -> Result<bool, Error>;
    fn insert_policy_blob(&mut self, p: &PolicyBlobRow) -> Result<(), Error>;
    /// Replaces type and blob.
    fn update_policy_blob(&mut self, p: &PolicyBlobRow) -> Result<bool, Error>;
    fn delete_policy_blob(&mut self, id: &str) -> Result<bool, Error>;
}

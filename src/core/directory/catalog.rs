//! Keystone's service catalog (regions, services, endpoints) and policy blobs: the rules of
//! the Keystone API reference, one transaction per operation. Who may call is the face's
//! business (reads: any authenticated caller; writes: the operator).

use super::Directory;
use crate::core::catalog::*;
use crate::core::ids;
use crate::core::validate;
use crate::core::{Entity, Error};

/// The most regions, services and endpoints (each) and policy blobs Roster keeps: the
/// catalog is read whole into every token, so it stays an operator's list.
pub const MAX_CATALOG_ROWS: usize = 1000;
/// The longest policy blob, in bytes.
pub const MAX_POLICY_BLOB: usize = 65_536;
/// The most bytes of a row's other attributes, as JSON.
pub const MAX_EXTRA: usize = 16_384;
/// Attributes beyond Keystone's own that a caller sent (Keystone keeps them and shows them
/// back): merged into the row's on update.
pub type Extra = serde_json::Map<String, serde_json::Value>;
/// Endpoint interfaces (Keystone's).
pub const INTERFACES: [&str; 3] = ["public", "internal", "admin"];

/// A new region: `id` chosen by the caller or generated.
#[derive(Debug, Clone, Default)]
pub struct RegionInput {
    pub extra: Option<Extra>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub parent_region_id: Option<String>,
}

/// Changes to a region: `None` keeps; `parent_region_id: Some(None)` moves it to the top.
#[derive(Debug, Clone, Default)]
pub struct RegionPatch {
    pub extra: Option<Extra>,
    pub description: Option<String>,
    pub parent_region_id: Option<Option<String>>,
}

/// A new service, or changes to one (`None` keeps; `kind` is required to create).
#[derive(Debug, Clone, Default)]
pub struct ServiceInput {
    pub extra: Option<Extra>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// A new endpoint, or changes to one (`None` keeps; `service_id`, `interface` and `url` are
/// required to create). `region_id: Some(None)` takes it out of its region. A region named
/// by `region_id` must exist; Keystone's older `region` names one that is made if missing.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub extra: Option<Extra>,
    pub service_id: Option<String>,
    pub region_id: Option<Option<String>>,
    pub region: Option<String>,
    pub interface: Option<String>,
    pub url: Option<String>,
    pub enabled: Option<bool>,
}

/// A new policy blob, or changes to one (`None` keeps; both required to create).
#[derive(Debug, Clone, Default)]
pub struct PolicyBlobInput {
    pub kind: Option<String>,
    pub blob: Option<String>,
}

fn region_id_ok(field: &str, id: &str) -> Result<(), Error> {
    if id.is_empty() || id.contains('/') {
        return Err(Error::invalid(format!(
            "{field} must be 1 to 255 characters without '/'"
        )));
    }
    validate::text(field, id, 255)
}

/// `old` (JSON object text) with `new`'s keys set; the result as text. Errors: `Invalid`
/// past `MAX_EXTRA`.
fn merged(old: &str, new: Option<&Extra>) -> Result<String, Error> {
    let mut all: Extra = serde_json::from_str(old).unwrap_or_default();
    if let Some(new) = new {
        for (k, v) in new {
            all.insert(k.clone(), v.clone());
        }
    }
    let text = serde_json::Value::Object(all).to_string();
    if text.len() > MAX_EXTRA {
        return Err(Error::invalid(format!(
            "the attributes beyond Keystone's own must be at most {MAX_EXTRA} bytes of JSON"
        )));
    }
    Ok(text)
}

fn required<'a>(field: &str, v: &'a Option<String>) -> Result<&'a str, Error> {
    match v.as_deref() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(Error::invalid(format!("{field} is required"))),
    }
}

fn room(n: usize, what: &str) -> Result<(), Error> {
    if n >= MAX_CATALOG_ROWS {
        return Err(Error::Conflict(format!(
            "there are {MAX_CATALOG_ROWS} {what}, the most Roster keeps"
        )));
    }
    Ok(())
}

fn not_found(what: Entity, id: &str) -> Error {
    Error::NotFound(what, id.to_string())
}

/// Refuses a parent that does not exist, or one that is `id` itself or below it.
fn check_parent(
    tx: &mut dyn crate::core::storage::ReadTx,
    id: &str,
    parent: &str,
) -> Result<(), Error> {
    let regions = tx.regions()?;
    let mut at = Some(parent.to_string());
    let mut steps = 0;
    while let Some(p) = at {
        if p == id {
            return Err(Error::Hierarchy(format!(
                "region {id} cannot be below itself"
            )));
        }
        let Some(r) = regions.iter().find(|r| r.id == p) else {
            return Err(Error::invalid(format!(
                "parent_region_id {p} is not a region"
            )));
        };
        at = r.parent_region_id.clone();
        steps += 1;
        if steps > regions.len() {
            return Err(Error::Internal(format!("region {p} is in a cycle")));
        }
    }
    Ok(())
}

fn check_endpoint(e: &EndpointRow) -> Result<(), Error> {
    if !INTERFACES.contains(&e.interface.as_str()) {
        return Err(Error::invalid(format!(
            "interface must be one of public, internal, admin, not {}",
            crate::core::text::quoted(&e.interface)
        )));
    }
    if e.url.trim().is_empty() {
        return Err(Error::invalid("url is required"));
    }
    validate::text("url", &e.url, 2048)
}

impl Directory {
    /// Every region, by id.
    pub async fn regions(&self) -> Result<Vec<RegionRow>, Error> {
        self.reading(|tx| tx.regions()).await
    }

    /// Errors: `NotFound`.
    pub async fn region(&self, id: &str) -> Result<RegionRow, Error> {
        let id = id.to_string();
        self.reading(move |tx| {
            tx.region(&id)?
                .ok_or_else(|| not_found(Entity::Region, &id))
        })
        .await
    }

    /// Errors: `Invalid` (id, description, an unknown parent), `Duplicate` (the id is
    /// taken), `Conflict` (the limit).
    pub async fn create_region(&self, input: RegionInput) -> Result<RegionRow, Error> {
        let id = input.id.clone().unwrap_or_else(ids::new_id);
        region_id_ok("id", &id)?;
        let description = input.description.clone().unwrap_or_default();
        validate::description(&description)?;
        let row = RegionRow {
            id,
            description,
            parent_region_id: input.parent_region_id.clone(),
            created_at: ids::now_ms(),
            extra: merged("{}", input.extra.as_ref())?,
        };
        self.writing(move |tx| {
            room(tx.regions()?.len(), "regions")?;
            if let Some(p) = &row.parent_region_id {
                check_parent(tx, &row.id, p)?;
            }
            tx.insert_region(&row).map_err(|e| match e {
                Error::Unique(_) => Error::Conflict(format!("region {} exists", row.id)),
                e => e,
            })?;
            Ok(row.clone())
        })
        .await
    }

    /// Errors: `NotFound`, `Invalid`, `Hierarchy` (the new parent is below the region).
    pub async fn update_region(&self, id: &str, patch: RegionPatch) -> Result<RegionRow, Error> {
        if let Some(d) = &patch.description {
            validate::description(d)?;
        }
        let id = id.to_string();
        self.writing(move |tx| {
            let mut r = tx
                .region(&id)?
                .ok_or_else(|| not_found(Entity::Region, &id))?;
            if let Some(d) = &patch.description {
                r.description = d.clone();
            }
            r.extra = merged(&r.extra, patch.extra.as_ref())?;
            if let Some(p) = &patch.parent_region_id {
                if let Some(p) = p {
                    check_parent(tx, &id, p)?;
                }
                r.parent_region_id = p.clone();
            }
            tx.update_region(&r)?;
            Ok(r)
        })
        .await
    }

    /// Deletes the region and the regions below it. Errors: `NotFound`, `Conflict` (an
    /// endpoint is in one of them).
    pub async fn delete_region(&self, id: &str) -> Result<(), Error> {
        let id = id.to_string();
        self.writing(move |tx| {
            let regions = tx.regions()?;
            if !regions.iter().any(|r| r.id == id) {
                return Err(not_found(Entity::Region, &id));
            }
            // the region and its descendants
            let mut below = vec![id.clone()];
            let mut i = 0;
            while i < below.len() {
                let at = below[i].clone();
                below.extend(
                    regions
                        .iter()
                        .filter(|r| r.parent_region_id.as_deref() == Some(at.as_str()))
                        .map(|r| r.id.clone()),
                );
                i += 1;
            }
            if let Some(e) = tx
                .endpoints()?
                .into_iter()
                .find(|e| e.region_id.as_ref().is_some_and(|r| below.contains(r)))
            {
                return Err(Error::Conflict(format!(
                    "endpoint {} is in region {}: delete or move it first",
                    e.id,
                    e.region_id.unwrap_or_default()
                )));
            }
            tx.delete_region(&id)?;
            Ok(())
        })
        .await
    }

    /// Every service, by id.
    pub async fn services(&self) -> Result<Vec<ServiceRow>, Error> {
        self.reading(|tx| tx.services()).await
    }

    /// Errors: `NotFound`.
    pub async fn service(&self, id: &str) -> Result<ServiceRow, Error> {
        let id = id.to_string();
        self.reading(move |tx| {
            tx.service(&id)?
                .ok_or_else(|| not_found(Entity::Service, &id))
        })
        .await
    }

    /// Errors: `Invalid` (type missing, a field too long), `Conflict` (the limit).
    pub async fn create_service(&self, input: ServiceInput) -> Result<ServiceRow, Error> {
        let row = ServiceRow {
            id: ids::new_id(),
            kind: required("type", &input.kind)?.to_string(),
            name: input.name.clone().unwrap_or_default(),
            description: input.description.clone().unwrap_or_default(),
            enabled: input.enabled.unwrap_or(true),
            created_at: ids::now_ms(),
            extra: merged("{}", input.extra.as_ref())?,
        };
        check_service(&row)?;
        self.writing(move |tx| {
            room(tx.services()?.len(), "services")?;
            tx.insert_service(&row)?;
            Ok(row.clone())
        })
        .await
    }

    /// Errors: `NotFound`, `Invalid`.
    pub async fn update_service(&self, id: &str, input: ServiceInput) -> Result<ServiceRow, Error> {
        let id = id.to_string();
        if input.kind.as_deref().is_some_and(|k| k.trim().is_empty()) {
            return Err(Error::invalid("type must not be empty"));
        }
        self.writing(move |tx| {
            let mut s = tx
                .service(&id)?
                .ok_or_else(|| not_found(Entity::Service, &id))?;
            let i = input.clone();
            s.kind = i.kind.unwrap_or(s.kind);
            s.name = i.name.unwrap_or(s.name);
            s.description = i.description.unwrap_or(s.description);
            s.enabled = i.enabled.unwrap_or(s.enabled);
            s.extra = merged(&s.extra, i.extra.as_ref())?;
            check_service(&s)?;
            tx.update_service(&s)?;
            Ok(s)
        })
        .await
    }

    /// Deletes the service and its endpoints. Errors: `NotFound`.
    pub async fn delete_service(&self, id: &str) -> Result<(), Error> {
        let id = id.to_string();
        self.writing(move |tx| {
            if tx.delete_service(&id)? {
                Ok(())
            } else {
                Err(not_found(Entity::Service, &id))
            }
        })
        .await
    }

    /// Every endpoint, by id.
    pub async fn endpoints(&self) -> Result<Vec<EndpointRow>, Error> {
        self.reading(|tx| tx.endpoints()).await
    }

    /// Errors: `NotFound`.
    pub async fn endpoint(&self, id: &str) -> Result<EndpointRow, Error> {
        let id = id.to_string();
        self.reading(move |tx| {
            tx.endpoint(&id)?
                .ok_or_else(|| not_found(Entity::Endpoint, &id))
        })
        .await
    }

    /// Errors: `Invalid` (a required field missing, an unknown interface, an unknown
    /// service or `region_id`), `Conflict` (the limit).
    pub async fn create_endpoint(&self, input: EndpointInput) -> Result<EndpointRow, Error> {
        let row = EndpointRow {
            id: ids::new_id(),
            service_id: required("service_id", &input.service_id)?.to_string(),
            region_id: None,
            interface: required("interface", &input.interface)?.to_string(),
            url: required("url", &input.url)?.to_string(),
            enabled: input.enabled.unwrap_or(true),
            created_at: ids::now_ms(),
            extra: merged("{}", input.extra.as_ref())?,
        };
        check_endpoint(&row)?;
        self.writing(move |tx| {
            room(tx.endpoints()?.len(), "endpoints")?;
            let mut e = row.clone();
            e.region_id = endpoint_region(tx, &input, None)?;
            endpoint_service(tx, &e.service_id)?;
            tx.insert_endpoint(&e)?;
            Ok(e)
        })
        .await
    }

    /// Errors: `NotFound`, `Invalid` (as for create).
    pub async fn update_endpoint(
        &self,
        id: &str,
        input: EndpointInput,
    ) -> Result<EndpointRow, Error> {
        let id = id.to_string();
        self.writing(move |tx| {
            let mut e = tx
                .endpoint(&id)?
                .ok_or_else(|| not_found(Entity::Endpoint, &id))?;
            let i = input.clone();
            if let Some(s) = i.service_id {
                endpoint_service(tx, &s)?;
                e.service_id = s;
            }
            e.region_id = endpoint_region(tx, &input, e.region_id.clone())?;
            e.interface = i.interface.unwrap_or(e.interface);
            e.url = i.url.unwrap_or(e.url);
            e.enabled = i.enabled.unwrap_or(e.enabled);
            e.extra = merged(&e.extra, i.extra.as_ref())?;
            check_endpoint(&e)?;
            tx.update_endpoint(&e)?;
            Ok(e)
        })
        .await
    }

    /// Errors: `NotFound`.
    pub async fn delete_endpoint(&self, id: &str) -> Result<(), Error> {
        let id = id.to_string();
        self.writing(move |tx| {
            if tx.delete_endpoint(&id)? {
                Ok(())
            } else {
                Err(not_found(Entity::Endpoint, &id))
            }
        })
        .await
    }

    /// The enabled services with their enabled endpoints, in one read: the catalog a
    /// token lists beside the faces Roster serves.
    pub async fn catalog(&self) -> Result<Vec<(ServiceRow, Vec<EndpointRow>)>, Error> {
        self.reading(|tx| {
            let endpoints = tx.endpoints()?;
            Ok(tx
                .services()?
                .into_iter()
                .filter(|s| s.enabled)
                .map(|s| {
                    let mine = endpoints
                        .iter()
                        .filter(|e| e.enabled && e.service_id == s.id)
                        .cloned()
                        .collect();
                    (s, mine)
                })
                .collect())
        })
        .await
    }

    /// Every policy blob, by id.
    pub async fn policy_blobs(&self) -> Result<Vec<PolicyBlobRow>, Error> {
        self.reading(|tx| tx.policy_blobs()).await
    }

    /// Errors: `NotFound`.
    pub async fn policy_blob(&self, id: &str) -> Result<PolicyBlobRow, Error> {
        let id = id.to_string();
        self.reading(move |tx| {
            tx.policy_blob(&id)?
                .ok_or_else(|| not_found(Entity::PolicyBlob, &id))
        })
        .await
    }

    /// Errors: `Invalid` (type or blob missing or too long), `Conflict` (the limit).
    pub async fn create_policy_blob(&self, input: PolicyBlobInput) -> Result<PolicyBlobRow, Error> {
        let row = PolicyBlobRow {
            id: ids::new_id(),
            kind: required("type", &input.kind)?.to_string(),
            blob: required("blob", &input.blob)?.to_string(),
            created_at: ids::now_ms(),
        };
        check_policy(&row)?;
        self.writing(move |tx| {
            room(tx.policy_blobs()?.len(), "policies")?;
            tx.insert_policy_blob(&row)?;
            Ok(row.clone())
        })
        .await
    }

    /// Errors: `NotFound`, `Invalid`.
    pub async fn update_policy_blob(
        &self,
        id: &str,
        input: PolicyBlobInput,
    ) -> Result<PolicyBlobRow, Error> {
        let id = id.to_string();
        self.writing(move |tx| {
            let mut p = tx
                .policy_blob(&id)?
                .ok_or_else(|| not_found(Entity::PolicyBlob, &id))?;
            let i = input.clone();
            p.kind = i.kind.unwrap_or(p.kind);
            p.blob = i.blob.unwrap_or(p.blob);
            check_policy(&p)?;
            tx.update_policy_blob(&p)?;
            Ok(p)
        })
        .await
    }

    /// Errors: `NotFound`.
    pub async fn delete_policy_blob(&self, id: &str) -> Result<(), Error> {
        let id = id.to_string();
        self.writing(move |tx| {
            if tx.delete_policy_blob(&id)? {
                Ok(())
            } else {
                Err(not_found(Entity::PolicyBlob, &id))
            }
        })
        .await
    }
}

fn check_service(s: &ServiceRow) -> Result<(), Error> {
    if s.kind.trim().is_empty() {
        return Err(Error::invalid("type must not be empty"));
    }
    validate::text("type", &s.kind, 255)?;
    validate::text("name", &s.name, 255)?;
    validate::description(&s.description)
}

fn check_policy(p: &PolicyBlobRow) -> Result<(), Error> {
    if p.kind.trim().is_empty() || p.blob.is_empty() {
        return Err(Error::invalid("type and blob must not be empty"));
    }
    validate::text("type", &p.kind, 255)?;
    if p.blob.len() > MAX_POLICY_BLOB {
        return Err(Error::invalid(format!(
            "blob must have at most {MAX_POLICY_BLOB} bytes"
        )));
    }
    Ok(())
}

fn endpoint_service(tx: &mut dyn crate::core::storage::WriteTx, id: &str) -> Result<(), Error> {
    if tx.service(id)?.is_none() {
        return Err(Error::invalid(format!("service_id {id} is not a service")));
    }
    Ok(())
}

/// The region an endpoint is to be in: `region_id` must exist; a `region` (Keystone's older
/// field) is made when missing; neither keeps `current`.
fn endpoint_region(
    tx: &mut dyn crate::core::storage::WriteTx,
    input: &EndpointInput,
    current: Option<String>,
) -> Result<Option<String>, Error> {
    if let Some(r) = &input.region_id {
        if let Some(id) = r {
            if tx.region(id)?.is_none() {
                return Err(Error::invalid(format!("region_id {id} is not a region")));
            }
        }
        return Ok(r.clone());
    }
    if let Some(name) = &input.region {
        region_id_ok("region", name)?;
        if tx.region(name)?.is_none() {
            room(tx.regions()?.len(), "regions")?;
            tx.insert_region(&RegionRow {
                id: name.clone(),
                description: String::new(),
                parent_region_id: None,
                created_at: ids::now_ms(),
                extra: "{}".into(),
            })?;
        }
        return Ok(Some(name.clone()));
    }
    Ok(current)
}

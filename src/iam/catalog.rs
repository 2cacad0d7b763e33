//! Keystone's service catalog and policy blobs on the IAM face (Keystone API reference:
//! "Service catalog and endpoints", "Policies"): `/v3/regions`, `/v3/services`,
//! `/v3/endpoints`, `/v3/auth/catalog`, `/v3/policies`, and the catalog every scoped token
//! carries.
//!
//! Every authenticated caller reads the catalog (it is in every token anyway); only the
//! operator changes it. The faces Roster serves itself are listed first and are not rows:
//! services `identity` (`{public URL}/v3`), `workspace` and `quickbi` (`{public URL}`),
//! each with a public, internal and admin endpoint, so they follow the configured public
//! URL and cannot be changed or deleted (403).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::KsError;
use super::{json, Base, Who};
use crate::core::catalog::{EndpointRow, PolicyBlobRow, RegionRow, ServiceRow};
use crate::core::directory::{
    EndpointInput, Extra, PolicyBlobInput, RegionInput, RegionPatch, ServiceInput, INTERFACES,
};
use crate::core::Error;
use crate::http::params::Params;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v3/regions", get(list_regions).post(create_region))
        .route(
            "/v3/regions/{region_id}",
            get(show_region)
                .put(create_region_at)
                .patch(update_region)
                .delete(delete_region),
        )
        .route("/v3/services", get(list_services).post(create_service))
        .route(
            "/v3/services/{service_id}",
            get(show_service)
                .patch(update_service)
                .delete(delete_service),
        )
        .route("/v3/endpoints", get(list_endpoints).post(create_endpoint))
        .route(
            "/v3/endpoints/{endpoint_id}",
            get(show_endpoint)
                .patch(update_endpoint)
                .delete(delete_endpoint),
        )
        .route("/v3/auth/catalog", get(auth_catalog))
        .route("/v3/policies", get(list_policies).post(create_policy))
        .route(
            "/v3/policies/{policy_id}",
            get(show_policy).patch(update_policy).delete(delete_policy),
        )
}

type Res = Result<Response, KsError>;

/// The faces Roster serves: (service id, type, name, path below the public URL).
const FACES: [(&str, &str, &str, &str); 3] = [
    ("identity", "identity", "iam", "/v3"),
    ("workspace", "workspace", "workspace", ""),
    ("quickbi", "quickbi", "quickbi", ""),
];

fn is_face(service_id: &str) -> bool {
    FACES.iter().any(|f| f.0 == service_id)
}

fn face_endpoint(id: &str) -> Option<(&'static str, &'static str)> {
    let (service, interface) = id.rsplit_once('-')?;
    let f = FACES.iter().find(|f| f.0 == service)?;
    let i = INTERFACES.iter().find(|i| **i == interface)?;
    Some((f.0, i))
}

fn built_in(what: &str) -> KsError {
    Error::Forbidden(format!(
        "{what} is one of the faces Roster serves itself: it follows the configured public URL and cannot be changed here"
    ))
    .into()
}

/// `v` with the row's other attributes added (Keystone's own fields win).
fn with_extra(mut v: Value, extra: &str) -> Value {
    if let (Value::Object(o), Ok(Value::Object(x))) = (&mut v, serde_json::from_str(extra)) {
        for (k, val) in x {
            o.entry(k).or_insert(val);
        }
    }
    v
}

fn region_view(base: &str, r: &RegionRow) -> Value {
    with_extra(
        json!({
            "id": r.id,
            "description": r.description,
            "parent_region_id": r.parent_region_id,
            "links": { "self": format!("{base}/v3/regions/{}", r.id) },
        }),
        &r.extra,
    )
}

fn service_view(base: &str, s: &ServiceRow) -> Value {
    with_extra(
        json!({
            "id": s.id,
            "type": s.kind,
            "name": s.name,
            "description": s.description,
            "enabled": s.enabled,
            "links": { "self": format!("{base}/v3/services/{}", s.id) },
        }),
        &s.extra,
    )
}

fn face_services(base: &str) -> Vec<Value> {
    FACES
        .iter()
        .map(|(id, kind, name, _)| {
            json!({
                "id": id, "type": kind, "name": name,
                "description": "served by Roster", "enabled": true,
                "links": { "self": format!("{base}/v3/services/{id}") },
            })
        })
        .collect()
}

fn endpoint_view(base: &str, e: &EndpointRow) -> Value {
    with_extra(
        json!({
            "id": e.id,
            "service_id": e.service_id,
            "region_id": e.region_id,
            "region": e.region_id,
            "interface": e.interface,
            "url": e.url,
            "enabled": e.enabled,
            "links": { "self": format!("{base}/v3/endpoints/{}", e.id) },
        }),
        &e.extra,
    )
}

fn face_endpoints(base: &str) -> Vec<Value> {
    FACES
        .iter()
        .flat_map(|(id, _, _, path)| {
            INTERFACES.iter().map(move |i| {
                json!({
                    "id": format!("{id}-{i}"), "service_id": id, "region_id": null,
                    "region": null, "interface": i, "url": format!("{base}{path}"),
                    "enabled": true,
                    "links": { "self": format!("{base}/v3/endpoints/{id}-{i}") },
                })
            })
        })
        .collect()
}

fn policy_view(base: &str, p: &PolicyBlobRow) -> Value {
    json!({
        "id": p.id,
        "type": p.kind,
        "blob": p.blob,
        "links": { "self": format!("{base}/v3/policies/{}", p.id) },
    })
}

/// `201 {key: v}`: a row made.
fn created(key: &str, v: Value) -> Response {
    (StatusCode::CREATED, Json(json!({ key: v }))).into_response()
}

/// `200 {key: v}`: a row shown or changed.
fn one(key: &str, v: Value) -> Response {
    Json(json!({ key: v })).into_response()
}

/// A list in Keystone's envelope, filtered by `keep` (exact matches on the given query
/// parameters, as Keystone's catalog lists filter).
fn listing(base: &str, key: &str, path: &str, q: Option<&str>, items: Vec<Value>) -> Response {
    Json(json!({
        key: items,
        "links": super::views::whole_links(base, path, q),
    }))
    .into_response()
}

/// True when every filter given in `p` (among `fields`) equals the item's field (a JSON
/// `null` field matches an empty filter value).
fn passes(p: &Params, fields: &[(&str, &str)], item: &Value) -> bool {
    fields.iter().all(|(param, field)| {
        p.get(param).is_none_or(|want| match &item[*field] {
            Value::String(s) => s == want,
            Value::Bool(b) => want.parse::<bool>().ok() == Some(*b),
            Value::Null => want.is_empty(),
            _ => false,
        })
    })
}

/// The catalog as a scoped token and `/v3/auth/catalog` carry it: the faces first (in
/// `region`), then the enabled services with their enabled endpoints.
pub async fn token_catalog(s: &AppState, base: &str, region: &str) -> Result<Value, Error> {
    let mut out: Vec<Value> = FACES
        .iter()
        .map(|(id, kind, name, path)| {
            let url = format!("{base}{path}");
            let endpoints: Vec<Value> = INTERFACES
                .iter()
                .map(|i| {
                    json!({ "id": format!("{id}-{i}"), "interface": i, "region": region,
                            "region_id": region, "url": url })
                })
                .collect();
            json!({ "id": id, "type": kind, "name": name, "endpoints": endpoints })
        })
        .collect();
    for (svc, endpoints) in s.iam.catalog(&s.dir).await?.iter() {
        let endpoints: Vec<Value> = endpoints
            .iter()
            .map(|e| {
                json!({ "id": e.id, "interface": e.interface, "region": e.region_id,
                        "region_id": e.region_id, "url": e.url })
            })
            .collect();
        out.push(json!({ "id": svc.id, "type": svc.kind, "name": svc.name,
                         "endpoints": endpoints }));
    }
    Ok(Value::Array(out))
}

/// `GET /v3/auth/catalog`: the catalog of the caller's token.
async fn auth_catalog(State(s): State<AppState>, _who: Who, b: Base) -> Res {
    let catalog = token_catalog(&s, &b.0, "global").await?;
    Ok(Json(json!({
        "catalog": catalog,
        "links": { "self": format!("{}/v3/auth/catalog", b.0), "previous": null, "next": null },
    }))
    .into_response())
}

// ---- regions

#[derive(Deserialize)]
struct RegionBody {
    region: RegionFields,
}

#[derive(Deserialize)]
struct RegionFields {
    id: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "super::projects::some")]
    parent_region_id: Option<Option<String>>,
    /// Keystone keeps any other attribute and shows it back.
    #[serde(flatten)]
    extra: Extra,
}

/// Filters: `parent_region_id`.
async fn list_regions(State(s): State<AppState>, _who: Who, b: Base, RawQuery(q): RawQuery) -> Res {
    let p = Params::parse(q.as_deref());
    let items = s
        .dir
        .regions()
        .await?
        .iter()
        .map(|r| region_view(&b.0, r))
        .filter(|v| passes(&p, &[("parent_region_id", "parent_region_id")], v))
        .collect();
    Ok(listing(&b.0, "regions", "/v3/regions", q.as_deref(), items))
}

async fn create_region(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.must_be_operator()?;
    let f = json::<RegionBody>(&body)?.region;
    let r = s
        .dir
        .create_region(RegionInput {
            id: f.id,
            description: f.description,
            parent_region_id: f.parent_region_id.flatten(),
            extra: Some(f.extra),
        })
        .await?;
    Ok(created("region", region_view(&b.0, &r)))
}

/// `PUT /v3/regions/{id}`: a region with the id of the path (Keystone's other create).
async fn create_region_at(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.must_be_operator()?;
    let f = json::<RegionBody>(&body)?.region;
    if f.id.as_deref().is_some_and(|x| x != id) {
        return Err(Error::invalid("the region's id is the path's").into());
    }
    let r = s
        .dir
        .create_region(RegionInput {
            id: Some(id),
            description: f.description,
            parent_region_id: f.parent_region_id.flatten(),
            extra: Some(f.extra),
        })
        .await?;
    Ok(created("region", region_view(&b.0, &r)))
}

async fn show_region(State(s): State<AppState>, _who: Who, b: Base, Path(id): Path<String>) -> Res {
    let r = s.dir.region(&id).await?;
    Ok(one("region", region_view(&b.0, &r)))
}

async fn update_region(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.must_be_operator()?;
    let r: RegionBody = json(&body)?;
    if r.region.id.as_deref().is_some_and(|x| x != id) {
        return Err(Error::invalid("a region's id cannot change").into());
    }
    let r = s
        .dir
        .update_region(
            &id,
            RegionPatch {
                description: r.region.description,
                parent_region_id: r.region.parent_region_id,
                extra: Some(r.region.extra),
            },
        )
        .await?;
    Ok(one("region", region_view(&b.0, &r)))
}

async fn delete_region(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.must_be_operator()?;
    s.dir.delete_region(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- services

#[derive(Deserialize)]
struct ServiceBody {
    service: ServiceFields,
}

#[derive(Deserialize)]
struct ServiceFields {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    #[serde(flatten)]
    extra: Extra,
}

impl From<ServiceFields> for ServiceInput {
    fn from(f: ServiceFields) -> Self {
        ServiceInput {
            kind: f.kind,
            name: f.name,
            description: f.description,
            enabled: f.enabled,
            extra: Some(f.extra),
        }
    }
}

/// Filters: `type`, `name`.
async fn list_services(
    State(s): State<AppState>,
    _who: Who,
    b: Base,
    RawQuery(q): RawQuery,
) -> Res {
    let p = Params::parse(q.as_deref());
    let mut items = face_services(&b.0);
    items.extend(
        s.dir
            .services()
            .await?
            .iter()
            .map(|x| service_view(&b.0, x)),
    );
    items.retain(|v| passes(&p, &[("type", "type"), ("name", "name")], v));
    Ok(listing(
        &b.0,
        "services",
        "/v3/services",
        q.as_deref(),
        items,
    ))
}

async fn create_service(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.must_be_operator()?;
    let r: ServiceBody = json(&body)?;
    let x = s.dir.create_service(r.service.into()).await?;
    s.iam.forget_catalog();
    Ok(created("service", service_view(&b.0, &x)))
}

async fn show_service(
    State(s): State<AppState>,
    _who: Who,
    b: Base,
    Path(id): Path<String>,
) -> Res {
    if is_face(&id) {
        let v = face_services(&b.0)
            .into_iter()
            .find(|v| v["id"] == id.as_str());
        return Ok(Json(json!({ "service": v })).into_response());
    }
    let x = s.dir.service(&id).await?;
    Ok(one("service", service_view(&b.0, &x)))
}

async fn update_service(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.must_be_operator()?;
    if is_face(&id) {
        return Err(built_in(&format!("service {id}")));
    }
    let r: ServiceBody = json(&body)?;
    let x = s.dir.update_service(&id, r.service.into()).await?;
    s.iam.forget_catalog();
    Ok(one("service", service_view(&b.0, &x)))
}

async fn delete_service(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.must_be_operator()?;
    if is_face(&id) {
        return Err(built_in(&format!("service {id}")));
    }
    s.dir.delete_service(&id).await?;
    s.iam.forget_catalog();
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- endpoints

#[derive(Deserialize)]
struct EndpointBody {
    endpoint: EndpointFields,
}

#[derive(Deserialize)]
struct EndpointFields {
    service_id: Option<String>,
    #[serde(default, deserialize_with = "super::projects::some")]
    region_id: Option<Option<String>>,
    region: Option<String>,
    interface: Option<String>,
    url: Option<String>,
    enabled: Option<bool>,
    #[serde(flatten)]
    extra: Extra,
}

impl From<EndpointFields> for EndpointInput {
    fn from(f: EndpointFields) -> Self {
        EndpointInput {
            service_id: f.service_id,
            region_id: f.region_id,
            region: f.region,
            interface: f.interface,
            url: f.url,
            enabled: f.enabled,
            extra: Some(f.extra),
        }
    }
}

/// Filters: `service_id`, `interface`, `region_id`.
async fn list_endpoints(
    State(s): State<AppState>,
    _who: Who,
    b: Base,
    RawQuery(q): RawQuery,
) -> Res {
    let p = Params::parse(q.as_deref());
    let mut items = face_endpoints(&b.0);
    items.extend(
        s.dir
            .endpoints()
            .await?
            .iter()
            .map(|e| endpoint_view(&b.0, e)),
    );
    items.retain(|v| {
        passes(
            &p,
            &[
                ("service_id", "service_id"),
                ("interface", "interface"),
                ("region_id", "region_id"),
            ],
            v,
        )
    });
    Ok(listing(
        &b.0,
        "endpoints",
        "/v3/endpoints",
        q.as_deref(),
        items,
    ))
}

async fn create_endpoint(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.must_be_operator()?;
    let r: EndpointBody = json(&body)?;
    let e = s.dir.create_endpoint(r.endpoint.into()).await?;
    s.iam.forget_catalog();
    Ok(created("endpoint", endpoint_view(&b.0, &e)))
}

async fn show_endpoint(
    State(s): State<AppState>,
    _who: Who,
    b: Base,
    Path(id): Path<String>,
) -> Res {
    if face_endpoint(&id).is_some() {
        let v = face_endpoints(&b.0)
            .into_iter()
            .find(|v| v["id"] == id.as_str());
        return Ok(Json(json!({ "endpoint": v })).into_response());
    }
    let e = s.dir.endpoint(&id).await?;
    Ok(one("endpoint", endpoint_view(&b.0, &e)))
}

async fn update_endpoint(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.must_be_operator()?;
    if face_endpoint(&id).is_some() {
        return Err(built_in(&format!("endpoint {id}")));
    }
    let r: EndpointBody = json(&body)?;
    let e = s.dir.update_endpoint(&id, r.endpoint.into()).await?;
    s.iam.forget_catalog();
    Ok(one("endpoint", endpoint_view(&b.0, &e)))
}

async fn delete_endpoint(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.must_be_operator()?;
    if face_endpoint(&id).is_some() {
        return Err(built_in(&format!("endpoint {id}")));
    }
    s.dir.delete_endpoint(&id).await?;
    s.iam.forget_catalog();
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- policy blobs

#[derive(Deserialize)]
struct PolicyBody {
    policy: PolicyFields,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFields {
    #[serde(rename = "type")]
    kind: Option<String>,
    blob: Option<String>,
}

impl From<PolicyFields> for PolicyBlobInput {
    fn from(f: PolicyFields) -> Self {
        PolicyBlobInput {
            kind: f.kind,
            blob: f.blob,
        }
    }
}

/// Filters: `type`.
async fn list_policies(
    State(s): State<AppState>,
    _who: Who,
    b: Base,
    RawQuery(q): RawQuery,
) -> Res {
    let p = Params::parse(q.as_deref());
    let items = s
        .dir
        .policy_blobs()
        .await?
        .iter()
        .map(|x| policy_view(&b.0, x))
        .filter(|v| passes(&p, &[("type", "type")], v))
        .collect();
    Ok(listing(
        &b.0,
        "policies",
        "/v3/policies",
        q.as_deref(),
        items,
    ))
}

async fn create_policy(State(s): State<AppState>, who: Who, b: Base, body: Bytes) -> Res {
    who.must_be_operator()?;
    let r: PolicyBody = json(&body)?;
    let x = s.dir.create_policy_blob(r.policy.into()).await?;
    Ok(created("policy", policy_view(&b.0, &x)))
}

async fn show_policy(State(s): State<AppState>, _who: Who, b: Base, Path(id): Path<String>) -> Res {
    let x = s.dir.policy_blob(&id).await?;
    Ok(one("policy", policy_view(&b.0, &x)))
}

async fn update_policy(
    State(s): State<AppState>,
    who: Who,
    b: Base,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    who.must_be_operator()?;
    let r: PolicyBody = json(&body)?;
    let x = s.dir.update_policy_blob(&id, r.policy.into()).await?;
    Ok(one("policy", policy_view(&b.0, &x)))
}

async fn delete_policy(State(s): State<AppState>, who: Who, Path(id): Path<String>) -> Res {
    who.must_be_operator()?;
    s.dir.delete_policy_blob(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

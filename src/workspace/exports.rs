//! Excel: the groups export, background export tasks (create, list, download, delete), the
//! import templates and the import.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{code, WsError};
use super::groups::page;
use super::users::user_filter;
use super::{json, Tenant};
use crate::core::exports::{
    ExportTask, ImportRow, Language, Spec, TaskFilter, TaskSort, TaskSpec, TaskStatus,
};
use crate::core::model::{ActiveType, Given, GroupFilter, Page, UserFilter};
use crate::core::{ids, validate, Error};
use crate::excel::{self, GroupSheet, XLSX_CONTENT_TYPE};
use crate::http::params::Params;
use crate::http::AppState;
use crate::jobs::export::write_workbook;

/// The import's path: its body may be as large as a workbook (see `import_body_limit`).
pub const IMPORT_PATH_SUFFIX: &str = "/users/desktop-users/action/import";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/{project_id}/groups/export", get(export_groups_now))
        .route("/v3/{project_id}/users/export", post(export_users))
        .route("/v3/{project_id}/groups/export", post(export_groups))
        .route(
            "/v3/{project_id}/groups/{group_id}/users/export",
            get(export_group_users),
        )
        .route("/v2/{project_id}/export-tasks", get(list_tasks))
        .route(
            "/v2/{project_id}/export-tasks/{task_id}/download",
            get(download),
        )
        .route(
            "/v2/{project_id}/export-tasks/batch-delete",
            post(delete_tasks),
        )
        .route("/v2/{project_id}/users/template/download", get(template))
        .route(
            "/v2/{project_id}/users/desktop-users/template",
            get(template),
        )
        .route(
            "/v2/{project_id}/users/desktop-users/action/import",
            // the authentication layer already bounded the body
            post(import).layer(DefaultBodyLimit::disable()),
        )
}

/// The body limit of the import route: the workbook limit plus room for the multipart frame.
pub fn import_body_limit(state: &AppState) -> usize {
    state
        .max_body_bytes
        .max(state.exports.import_max_bytes + 64 * 1024)
}

type Res = Result<Json<Value>, WsError>;

/// An .xlsx download. The ASCII `filename` is a fallback; `filename*` carries the UTF-8 name.
fn xlsx_response(file_name: &str, size: Option<u64>, body: Body) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(file_name, percent_encoding::NON_ALPHANUMERIC);
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(XLSX_CONTENT_TYPE),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(n) = size {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    resp
}

fn stamp() -> String {
    chrono::Utc::now().format("%Y%m%d%H%M%S").to_string()
}

/// Characters a file name cannot carry on common systems become `_`.
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("export temp file: {e}"))
}

/// `GET /v2/{pid}/groups/export`: the matching groups' workbook, at once. `limit` 1..50 takes
/// one page (from `offset`); absent or 0 exports every matching group.
async fn export_groups_now(
    State(s): State<AppState>,
    t: Tenant,
    RawQuery(q): RawQuery,
) -> Result<Response, WsError> {
    let p = Params::parse(q.as_deref());
    let lang = Language::parse(p.get("language"))?;
    let limit = p.int("limit", 0, 50)?.unwrap_or(0);
    let offset = p.int("offset", 0, i32::MAX as i64)?.unwrap_or(0);
    let keyword = p.text("keyword");
    let work = tempfile::tempdir().map_err(io)?;
    let path = work.path().join("groups.xlsx");
    if limit == 0 {
        let spec = TaskSpec {
            spec: Spec::Groups {
                name: keyword,
                group_ids: Vec::new(),
            },
            language: lang,
        };
        write_workbook(
            &s.dir,
            &t.account_id,
            &spec,
            &path,
            Some(work.path()),
            std::sync::Arc::new(|_| {}),
        )
        .await?;
    } else {
        let filter = GroupFilter {
            keyword,
            ..GroupFilter::default()
        };
        let page = Page { limit, offset };
        let groups = s.dir.list_groups(&t.account_id, &filter, page).await?.items;
        let (path, tmp) = (path.clone(), work.path().to_owned());
        tokio::task::spawn_blocking(move || -> Result<u64, Error> {
            let mut sheet = GroupSheet::new(lang, Some(&tmp))?;
            for g in &groups {
                sheet.push(g)?;
            }
            sheet.save(&path)
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    }
    let bytes = tokio::fs::read(&path).await.map_err(io)?;
    let size = bytes.len() as u64;
    Ok(xlsx_response(
        &format!("user_groups_{}.xlsx", stamp()),
        Some(size),
        Body::from(bytes),
    ))
}

/// An export task's `active_type` must name one (`active_type must be one of ...`): a
/// listing lets an unknown word match no one, an export task refuses it.
fn check_active_type(a: &Option<Given<ActiveType>>) -> Result<(), Error> {
    if let Some(a) = a {
        a.known()?;
    }
    Ok(())
}

async fn start(s: &AppState, t: &Tenant, spec: TaskSpec, file_name: String) -> Res {
    let task = s
        .dir
        .create_export(&t.account_id, &t.project_id, spec, file_name)
        .await?;
    s.exports.wake.notify_one();
    Ok(Json(json!({ "task_id": task.id })))
}

/// ExportUsersNewReq of the SDK.
#[derive(Deserialize, Default)]
struct UsersReq {
    user_name: Option<String>,
    #[serde(default)]
    user_names: Vec<String>,
    description: Option<String>,
    active_type: Option<String>,
    language: Option<String>,
    enterprise_project_id: Option<String>,
}

/// An empty body is an export of everything.
fn body_or_default<T: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json(body)
    }
}

async fn export_users(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: UsersReq = body_or_default(&body)?;
    let active_type = r.active_type.map(Given::parse);
    check_active_type(&active_type)?;
    if r.user_names.len() > crate::http::params::MAX_LIST {
        return Err(Error::invalid(format!(
            "user_names may list at most {} names",
            crate::http::params::MAX_LIST
        ))
        .into());
    }
    let filter = UserFilter {
        name_contains: r.user_name.filter(|s| !s.is_empty()),
        names: r.user_names,
        description_contains: r.description.filter(|s| !s.is_empty()),
        active_type,
        enterprise_project_id: r.enterprise_project_id.filter(|s| !s.is_empty()),
        ..UserFilter::default()
    };
    let spec = TaskSpec {
        spec: Spec::Users { filter },
        language: Language::parse(r.language.as_deref())?,
    };
    start(&s, &t, spec, format!("users_{}.xlsx", stamp())).await
}

/// ExportUserGroupsNewReq of the SDK.
#[derive(Deserialize, Default)]
struct GroupsReq {
    name: Option<String>,
    #[serde(default)]
    group_ids: Vec<String>,
    language: Option<String>,
}

async fn export_groups(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: GroupsReq = body_or_default(&body)?;
    let spec = TaskSpec {
        spec: Spec::Groups {
            name: r.name.filter(|s| !s.is_empty()),
            group_ids: r.group_ids,
        },
        language: Language::parse(r.language.as_deref())?,
    };
    start(&s, &t, spec, format!("user_groups_{}.xlsx", stamp())).await
}

async fn export_group_users(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, group_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Res {
    let p = Params::parse(q.as_deref());
    let filter = user_filter(&p)?;
    check_active_type(&filter.active_type)?;
    let language = Language::parse(p.get("language"))?;
    let group = s.dir.group(&t.account_id, &group_id).await?;
    let spec = TaskSpec {
        spec: Spec::GroupUsers { group_id, filter },
        language,
    };
    let name = format!("{}_users_{}.xlsx", file_safe(&group.name), stamp());
    start(&s, &t, spec, name).await
}

fn task_view(t: &ExportTask) -> Value {
    let mut v = json!({
        "task_id": t.id,
        "file_name": t.file_name,
        "status": t.status.as_str(),
        "create_time": ids::iso_ms(t.created_at),
        "is_download": t.is_download,
    });
    if let Some(end) = t.end_time {
        v["end_time"] = json!(ids::iso_ms(end));
    }
    if let Some(r) = &t.fail_reason {
        v["fail_reason"] = json!(r);
    }
    if let Some(c) = &t.error_code {
        // the core stores why a task failed; this face names it with its own codes
        // (a task failed by an older version already holds one)
        use crate::core::exports::FailureKind;
        let code = match FailureKind::parse(c) {
            Some(FailureKind::NotFound) => "WKS.0103",
            Some(FailureKind::Invalid) => "WKS.0001",
            Some(FailureKind::Interrupted) => "WKS.0504",
            Some(FailureKind::Internal) => "WKS.0500",
            None => c.as_str(),
        };
        v["error_code"] = json!(code);
    }
    v
}

async fn list_tasks(State(s): State<AppState>, t: Tenant, RawQuery(q): RawQuery) -> Res {
    let p = Params::parse(q.as_deref());
    let ascending = match p.get("sort_type").map(str::to_ascii_uppercase).as_deref() {
        None | Some("") | Some("DESC") => false,
        Some("ASC") => true,
        Some(other) => {
            return Err(
                Error::invalid(format!("sort_type must be ASC or DESC, not {other:?}")).into(),
            )
        }
    };
    let filter = TaskFilter {
        file_name: p.text("file_name"),
        task_id: p.text("task_id"),
        status: p
            .text("status")
            .map(|s| TaskStatus::from_param(&s))
            .transpose()?,
        is_download: p.bool("is_download")?,
        sort: TaskSort::parse(p.text("sort_field").as_deref())?,
        ascending,
    };
    let listing = s
        .dir
        .export_tasks(&t.project_id, &filter, page(&p)?)
        .await?;
    Ok(Json(json!({
        "export_tasks": listing.items.iter().map(task_view).collect::<Vec<_>>(),
        "count": listing.total,
    })))
}

/// Streams the stored workbook chunk by chunk: memory stays at one chunk per download.
async fn download(
    State(s): State<AppState>,
    t: Tenant,
    Path((_, task_id)): Path<(String, String)>,
) -> Result<Response, WsError> {
    let task = s.dir.open_export_file(&t.project_id, &task_id).await?;
    let dir = s.dir.clone();
    let id = task.id.clone();
    let chunks = futures_util::stream::unfold(0i64, move |seq| {
        let (dir, id) = (dir.clone(), id.clone());
        async move {
            match dir.export_chunk(&id, seq).await {
                Ok(Some(data)) => Some((Ok::<_, Error>(Bytes::from(data)), seq + 1)),
                Ok(None) => None,
                Err(e) => Some((Err(e), i64::MAX)),
            }
        }
    });
    Ok(xlsx_response(
        &task.file_name,
        Some(task.file_size as u64),
        Body::from_stream(chunks),
    ))
}

#[derive(Deserialize)]
struct DeleteReq {
    task_ids: Vec<String>,
}

async fn delete_tasks(State(s): State<AppState>, t: Tenant, body: Bytes) -> Res {
    let r: DeleteReq = json(&body)?;
    s.dir.delete_exports(&t.project_id, &r.task_ids).await?;
    Ok(Json(json!({})))
}

async fn template(RawQuery(q): RawQuery, _t: Tenant) -> Result<Response, WsError> {
    let p = Params::parse(q.as_deref());
    let lang = Language::parse(p.get("language"))?;
    let bytes = tokio::task::spawn_blocking(move || excel::template(lang))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    let name = match lang {
        Language::English => "user_import_template.xlsx",
        Language::Chinese => "用户导入模板.xlsx",
    };
    let size = bytes.len() as u64;
    Ok(xlsx_response(name, Some(size), Body::from(bytes)))
}

/// The uploaded workbook: the multipart part named `file`.
async fn uploaded(mut form: Multipart, max: usize) -> Result<Bytes, Error> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        Error::invalid(format!("the body is not a readable multipart form: {e}"))
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(bad)?;
            if bytes.len() > max {
                return Err(Error::invalid(format!(
                    "the file is {} bytes; at most {max} bytes can be imported",
                    bytes.len()
                )));
            }
            return Ok(bytes);
        }
    }
    Err(Error::invalid(
        "the multipart form has no part named \"file\"",
    ))
}

fn row_view(row: &ImportRow, id: Option<&str>, e: Option<&Error>) -> Value {
    let mut v = json!({
        "user_name": row.name,
        "user_email": row.email,
        "description": row.description,
        "row": row.row,
    });
    if let Some(id) = id {
        v["id"] = json!(id);
    }
    if let Some(e) = e {
        // the SDK's DesktopUserDetail has no reason field: `description` carries it there
        v["description"] = json!(format!("row {}: {e}", row.row));
        v["error_code"] = json!(code(e));
        v["error_msg"] = json!(e.to_string());
    }
    v
}

async fn import(State(s): State<AppState>, t: Tenant, form: Multipart) -> Res {
    let bytes = uploaded(form, s.exports.import_max_bytes).await?;
    let (rows, unreadable) = tokio::task::spawn_blocking(move || excel::read::import_rows(&bytes))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    let mut out = s
        .dir
        .import_users(&t.account_id, rows, validate::workspace_user_name, &|_| {})
        .await?;
    out.failed.extend(
        unreadable
            .into_iter()
            .map(|(row, why)| (row, Error::invalid(why))),
    );
    out.failed.sort_by_key(|(r, _)| r.row);
    Ok(Json(json!({
        "user_detail_list": out.created.iter().map(|(r, u)| row_view(r, Some(&u.id), None)).collect::<Vec<_>>(),
        "failed_detail_list": out.failed.iter().map(|(r, e)| row_view(r, None, Some(e))).collect::<Vec<_>>(),
        "total_count": out.created.len() + out.failed.len(),
    })))
}

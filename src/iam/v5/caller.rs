//! STS v5 `GET /v5/caller-identity` (`huaweicloudsdksts` `get_caller_identity`): who signed
//! or holds the token. `{"account_id", "principal_id", "principal_urn"}` with the
//! principal's URN `iam::{account_id}:user:{user_name}` and its id the user id. Allowed to
//! every authenticated caller (as the cloud: it needs no permission).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::error::V5Error;
use crate::http::AppState;
use crate::iam::Who;

pub fn router() -> Router<AppState> {
    Router::new().route("/v5/caller-identity", get(identity))
}

/// The URN of an IAM user in the cloud's form.
pub fn user_urn(account_id: &str, user_name: &str) -> String {
    format!("iam::{account_id}:user:{user_name}")
}

async fn identity(State(s): State<AppState>, who: Who) -> Result<Response, V5Error> {
    let user = s.dir.user(&who.account_id, &who.user_id).await?;
    Ok(Json(json!({
        "account_id": who.account_id,
        "principal_id": who.user_id,
        "principal_urn": user_urn(&who.account_id, &user.name),
    }))
    .into_response())
}

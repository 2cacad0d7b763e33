//! IAM v5 security policies of the caller's account (`huaweicloudsdkiam` v5
//! `show_password_policy_v5`, `update_password_policy_v5`, `show_login_policy_v5`,
//! `update_login_policy_v5`): `GET|PUT /v5/password-policy` and `GET|PUT /v5/login-policy`.
//! An update's body is the policy's fields (`UpdatePasswordPolicyReqBody`,
//! `UpdateLoginPolicyReqBody`; also accepted inside `{"password_policy": ...}` /
//! `{"login_policy": ...}`); every answer is `{"password_policy": PasswordPolicy}` /
//! `{"login_policy": LoginPolicy}`. Shapes and rules are `iam::security`'s.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::error::V5Error;
use crate::core::Error;
use crate::http::AppState;
use crate::iam::security::{self, LoginPolicyOption, PasswordPolicyOption};
use crate::iam::{json, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v5/password-policy",
            get(show_password).put(update_password),
        )
        .route("/v5/login-policy", get(show_login).put(update_login))
}

type Res = Result<Response, V5Error>;

/// The body's fields, or those of its `key` object when it is wrapped in one.
fn fields<T: DeserializeOwned>(body: &Bytes, key: &str) -> Result<T, Error> {
    let mut v: Value = json(body)?;
    if let Some(inner) = v.get_mut(key) {
        v = inner.take();
    }
    serde_json::from_value(v)
        .map_err(|e| Error::invalid(format!("the request body is malformed: {e}")))
}

async fn show_password(State(s): State<AppState>, who: Who) -> Res {
    who.allow(&s, "iam:securitypolicies:getPasswordPolicyV5")
        .await?;
    let p = s.dir.password_policy(&who.account_id).await?;
    Ok(Json(json!({ "password_policy": security::password_view(&p, true) })).into_response())
}

async fn update_password(State(s): State<AppState>, who: Who, body: Bytes) -> Res {
    who.allow(&s, "iam:securitypolicies:updatePasswordPolicyV5")
        .await?;
    let o: PasswordPolicyOption = fields(&body, "password_policy")?;
    let p = s
        .dir
        .update_password_policy(&who.account_id, o.patch())
        .await?;
    Ok(Json(json!({ "password_policy": security::password_view(&p, true) })).into_response())
}

async fn show_login(State(s): State<AppState>, who: Who) -> Res {
    who.allow(&s, "iam:securitypolicies:getLoginPolicyV5")
        .await?;
    let p = security::login_policy(&s, &who.account_id).await?;
    Ok(Json(json!({ "login_policy": security::login_view(&p, true) })).into_response())
}

async fn update_login(State(s): State<AppState>, who: Who, body: Bytes) -> Res {
    who.allow(&s, "iam:securitypolicies:updateLoginPolicyV5")
        .await?;
    let o: LoginPolicyOption = fields(&body, "login_policy")?;
    let p = security::update_login_policy(&s, &who.account_id, o).await?;
    Ok(Json(json!({ "login_policy": security::login_view(&p, true) })).into_response())
}

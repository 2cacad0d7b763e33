//! Huawei IAM's security policies of the caller's account (`core::policy`):
//! `GET|PUT /v3.0/OS-SECURITYPOLICY/domains/{domain_id}/password-policy` and
//! `.../login-policy` (`huaweicloudsdkiam` v3 `show_domain_password_policy`,
//! `update_domain_password_policy`, `show_domain_login_policy`, `update_domain_login_policy`:
//! `{"password_policy": PasswordPolicyResult}`, `{"login_policy": LoginPolicyResult}`);
//! the v5 forms are in `iam::v5::security` and share the shapes here. An update changes the
//! fields it gives (each within the API reference's range, else 400) and answers with the
//! whole policy. Another domain's policies are a 403.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::KsError;
use super::{json, Who};
use crate::core::policy::*;
use crate::core::Error;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v3.0/OS-SECURITYPOLICY/domains/{domain_id}/password-policy",
            get(show_password).put(update_password),
        )
        .route(
            "/v3.0/OS-SECURITYPOLICY/domains/{domain_id}/login-policy",
            get(show_login).put(update_login),
        )
}

/// A password policy as the SDK's `PasswordPolicyResult` (v3) or `PasswordPolicy` (v5:
/// `password_reuse_prevention` for the history, and `allow_user_to_change_password`).
pub fn password_view(p: &PasswordPolicy, v5: bool) -> Value {
    let mut v = json!({
        "maximum_consecutive_identical_chars": p.maximum_consecutive_identical_chars,
        "maximum_password_length": MAXIMUM_PASSWORD_LENGTH,
        "minimum_password_age": p.minimum_password_age,
        "minimum_password_length": p.minimum_password_length,
        "password_not_username_or_invert": p.password_not_username_or_invert,
        "password_requirements": p.requirements(),
        "password_validity_period": p.password_validity_period,
        "password_char_combination": p.password_char_combination,
    });
    if v5 {
        v["password_reuse_prevention"] = json!(p.number_of_recent_passwords_disallowed);
        v["allow_user_to_change_password"] = json!(p.allow_user_to_change_password);
    } else {
        v["number_of_recent_passwords_disallowed"] = json!(p.number_of_recent_passwords_disallowed);
    }
    v
}

/// A login policy as the SDK's `LoginPolicyResult` (v3) or `LoginPolicy` (v5:
/// `user_validity_period`, and the address lists, always empty: Roster does not restrict
/// logins by address).
pub fn login_view(p: &LoginPolicy, v5: bool) -> Value {
    let mut v = json!({
        "custom_info_for_login": p.custom_info_for_login,
        "lockout_duration": p.lockout_duration,
        "login_failed_times": p.login_failed_times,
        "period_with_login_failures": p.period_with_login_failures,
        "session_timeout": p.session_timeout,
        "show_recent_login_info": p.show_recent_login_info,
    });
    if v5 {
        v["user_validity_period"] = json!(p.account_validity_period);
        v["allow_address_netmasks"] = json!([]);
        v["allow_ip_ranges"] = json!([]);
    } else {
        v["account_validity_period"] = json!(p.account_validity_period);
    }
    v
}

/// The fields of `PasswordPolicyOption` (v3) and `UpdatePasswordPolicyReqBody` (v5).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicyOption {
    maximum_consecutive_identical_chars: Option<i64>,
    minimum_password_age: Option<i64>,
    minimum_password_length: Option<i64>,
    number_of_recent_passwords_disallowed: Option<i64>,
    password_reuse_prevention: Option<i64>,
    password_not_username_or_invert: Option<bool>,
    password_validity_period: Option<i64>,
    password_char_combination: Option<i64>,
    allow_user_to_change_password: Option<bool>,
}

impl PasswordPolicyOption {
    pub fn patch(self) -> PasswordPolicyPatch {
        PasswordPolicyPatch {
            minimum_password_length: self.minimum_password_length,
            password_char_combination: self.password_char_combination,
            password_not_username_or_invert: self.password_not_username_or_invert,
            maximum_consecutive_identical_chars: self.maximum_consecutive_identical_chars,
            minimum_password_age: self.minimum_password_age,
            number_of_recent_passwords_disallowed: self
                .number_of_recent_passwords_disallowed
                .or(self.password_reuse_prevention),
            password_validity_period: self.password_validity_period,
            allow_user_to_change_password: self.allow_user_to_change_password,
        }
    }
}

/// The fields of `LoginPolicyOption` (v3) and `UpdateLoginPolicyReqBody` (v5). The v5
/// address lists must be empty (Roster does not restrict logins by address).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LoginPolicyOption {
    account_validity_period: Option<i64>,
    user_validity_period: Option<i64>,
    custom_info_for_login: Option<String>,
    lockout_duration: Option<i64>,
    login_failed_times: Option<i64>,
    period_with_login_failures: Option<i64>,
    session_timeout: Option<i64>,
    show_recent_login_info: Option<bool>,
    allow_address_netmasks: Option<Vec<Value>>,
    allow_ip_ranges: Option<Vec<Value>>,
}

impl LoginPolicyOption {
    pub fn patch(self) -> Result<LoginPolicyPatch, Error> {
        for (field, list) in [
            ("allow_address_netmasks", &self.allow_address_netmasks),
            ("allow_ip_ranges", &self.allow_ip_ranges),
        ] {
            if list.as_ref().is_some_and(|l| !l.is_empty()) {
                return Err(Error::invalid(format!(
                    "{field} is not supported: Roster does not restrict logins by address"
                )));
            }
        }
        Ok(LoginPolicyPatch {
            login_failed_times: self.login_failed_times,
            period_with_login_failures: self.period_with_login_failures,
            lockout_duration: self.lockout_duration,
            account_validity_period: self.account_validity_period.or(self.user_validity_period),
            session_timeout: self.session_timeout,
            show_recent_login_info: self.show_recent_login_info,
            custom_info_for_login: self.custom_info_for_login,
        })
    }
}

#[derive(Deserialize)]
struct PasswordBody {
    password_policy: PasswordPolicyOption,
}

#[derive(Deserialize)]
struct LoginBody {
    login_policy: LoginPolicyOption,
}

type Res = Result<Response, KsError>;

/// The domain of the path must be the caller's own.
fn own(who: &Who, domain_id: &str) -> Result<(), Error> {
    if domain_id != who.account_id {
        return Err(Error::Forbidden(format!(
            "you are not authorized for domain {domain_id}"
        )));
    }
    Ok(())
}

/// The server's login policy: what an account without its own has, and what sign-ins not
/// yet known to be of an account count against.
pub fn server_login_policy(s: &AppState) -> LoginPolicy {
    LoginPolicy::default_for(&s.iam.settings.login_limits, s.iam.settings.token_ttl_ms())
}

/// The account's login policy, its own or the server's defaults.
pub async fn login_policy(s: &AppState, account_id: &str) -> Result<LoginPolicy, Error> {
    s.dir
        .login_policy(
            account_id,
            s.iam.settings.login_limits,
            s.iam.settings.token_ttl_ms(),
        )
        .await
}

/// Updates the account's login policy with `o`'s fields.
pub async fn update_login_policy(
    s: &AppState,
    account_id: &str,
    o: LoginPolicyOption,
) -> Result<LoginPolicy, Error> {
    s.dir
        .update_login_policy(
            account_id,
            o.patch()?,
            s.iam.settings.login_limits,
            s.iam.settings.token_ttl_ms(),
        )
        .await
}

async fn show_password(State(s): State<AppState>, who: Who, Path(d): Path<String>) -> Res {
    who.allow(&s, "iam:securitypolicies:getPasswordPolicy")
        .await?;
    own(&who, &d)?;
    let p = s.dir.password_policy(&who.account_id).await?;
    Ok(Json(json!({ "password_policy": password_view(&p, false) })).into_response())
}

async fn update_password(
    State(s): State<AppState>,
    who: Who,
    Path(d): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:securitypolicies:updatePasswordPolicy")
        .await?;
    own(&who, &d)?;
    let b: PasswordBody = json(&body)?;
    let p = s
        .dir
        .update_password_policy(&who.account_id, b.password_policy.patch())
        .await?;
    Ok(Json(json!({ "password_policy": password_view(&p, false) })).into_response())
}

async fn show_login(State(s): State<AppState>, who: Who, Path(d): Path<String>) -> Res {
    who.allow(&s, "iam:securitypolicies:getLoginPolicy").await?;
    own(&who, &d)?;
    let p = login_policy(&s, &who.account_id).await?;
    Ok(Json(json!({ "login_policy": login_view(&p, false) })).into_response())
}

async fn update_login(
    State(s): State<AppState>,
    who: Who,
    Path(d): Path<String>,
    body: Bytes,
) -> Res {
    who.allow(&s, "iam:securitypolicies:updateLoginPolicy")
        .await?;
    own(&who, &d)?;
    let b: LoginBody = json(&body)?;
    let p = update_login_policy(&s, &who.account_id, b.login_policy).await?;
    Ok(Json(json!({ "login_policy": login_view(&p, false) })).into_response())
}

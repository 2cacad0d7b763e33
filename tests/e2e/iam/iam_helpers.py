"""SDK shortcuts for the IAM suite. Everything goes through the official SDK."""

import os

import pytest

from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    AuthScope,
    AuthScopeDomain,
    AuthScopeProject,
    IamClient,
    KeystoneCreateUserTokenByPasswordRequest,
    KeystoneCreateUserTokenByPasswordRequestBody,
    PwdAuth,
    PwdIdentity,
    PwdPassword,
    PwdPasswordUser,
    PwdPasswordUserDomain,
)
from huaweicloudsdkiam.v3.iam_credentials import IamCredentials

PASSWORD = "Xy7#kLm2pQ"  # 10 chars, all four classes
MISSING_ID = "0" * 32


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(
            f"{name} is not set; run the suite through the Rust harness or tests/e2e/run_local.sh"
        )
    return value


def global_client(url, ak, sk, domain_id=None):
    creds = GlobalCredentials(ak, sk, domain_id)
    return IamClient.new_builder().with_credentials(creds).with_endpoints([url]).build()


def token_client(url, token):
    creds = IamCredentials().with_x_auth_token(token)
    return IamClient.new_builder().with_credentials(creds).with_endpoints([url]).build()


def token_request(domain, user, password, project=None, domain_scope=None, nocatalog=None):
    scope = None
    if project:
        scope = AuthScope(project=AuthScopeProject(name=project))
    elif domain_scope:
        scope = AuthScope(domain=AuthScopeDomain(name=domain_scope))
    auth = PwdAuth(
        identity=PwdIdentity(
            methods=["password"],
            password=PwdPassword(user=PwdPasswordUser(
                domain=PwdPasswordUserDomain(name=domain), name=user, password=password)),
        ),
        scope=scope,
    )
    return KeystoneCreateUserTokenByPasswordRequest(
        nocatalog=nocatalog, body=KeystoneCreateUserTokenByPasswordRequestBody(auth=auth))


def password_token(url, domain, user, password, project=None, domain_scope=None):
    """Logs in through the SDK (no credentials needed for that) and returns the token."""
    client = token_client(url, None)
    resp = client.keystone_create_user_token_by_password(
        token_request(domain, user, password, project, domain_scope))
    return resp.x_subject_token


def expect_error(call, status):
    """Runs `call`, expects a ClientRequestException with `status`; returns it."""
    with pytest.raises(ClientRequestException) as info:
        call()
    e = info.value
    assert e.status_code == status, f"expected {status}, got {e.status_code}: {e.error_msg}"
    assert e.request_id, "every error carries X-Request-Id"
    return e

"""Security policies (issue 15) through the official SDKs: huaweicloudsdkiam v3
(show/update_domain_password_policy, show/update_domain_login_policy) and v5
(show/update_password_policy_v5, show/update_login_policy_v5), enforced on users the SDK
creates; and python-keystoneclient's users.update_password (POST /v3/users/{id}/password)
for a user changing its own password. The policies are an account's: these tests run on a
fresh account of their own (made with the CLI), so the suite's other tests keep the
defaults."""

import json
import os
import subprocess
import uuid

import pytest
from keystoneauth1 import exceptions as ka_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3 as ka_v3
from keystoneclient.v3 import client as ks_client
from huaweicloudsdkiam.v3 import (
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    LoginPolicyOption,
    PasswordPolicyOption,
    ShowDomainLoginPolicyRequest,
    ShowDomainPasswordPolicyRequest,
    UpdateDomainLoginPolicyRequest,
    UpdateDomainLoginPolicyRequestBody,
    UpdateDomainPasswordPolicyRequest,
    UpdateDomainPasswordPolicyRequestBody,
)
from huaweicloudsdkiam.v5 import (
    ShowLoginPolicyV5Request,
    ShowPasswordPolicyV5Request,
    UpdateLoginPolicyReqBody,
    UpdateLoginPolicyV5Request,
    UpdatePasswordPolicyReqBody,
    UpdatePasswordPolicyV5Request,
)

from iam_helpers import expect_error, global_client, password_token, require_env, token_request, token_client
from test_iam_credentials import v5_client


@pytest.fixture(scope="module")
def acct():
    """An account of these tests' own, made with the CLI on the server's database."""
    name = "sp" + uuid.uuid4().hex[:8]
    args = [require_env("ROSTER_BIN"), "account", "create", name, "--json",
            "--data-dir", require_env("ROSTER_DATA_DIR")]
    db = os.environ.get("ROSTER_DB", "")
    if db.startswith("postgres"):
        args += ["--database-url", db]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def v3c(roster_url, acct):
    return global_client(roster_url, acct["access_key"], acct["secret_key"], acct["domain_id"])


@pytest.fixture(scope="module")
def v5c(roster_url, acct):
    return v5_client(roster_url, acct["access_key"], acct["secret_key"], acct["domain_id"])


def new_user(v3c, acct, name, password):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=name, password=password, domain_id=acct["domain_id"]))
    return v3c.keystone_create_user(KeystoneCreateUserRequest(body=body)).user


def test_password_policy_v3_and_v5(v3c, v5c, acct, tag):
    p = v3c.show_domain_password_policy(
        ShowDomainPasswordPolicyRequest(domain_id=acct["domain_id"])).password_policy
    assert (p.minimum_password_length, p.maximum_password_length, p.password_char_combination) == (8, 32, 3)
    assert p.password_not_username_or_invert is True
    assert p.number_of_recent_passwords_disallowed == 0
    assert p.password_requirements

    body = UpdateDomainPasswordPolicyRequestBody(password_policy=PasswordPolicyOption(
        minimum_password_length=12, password_char_combination=4,
        number_of_recent_passwords_disallowed=2, maximum_consecutive_identical_chars=3))
    p = v3c.update_domain_password_policy(UpdateDomainPasswordPolicyRequest(
        domain_id=acct["domain_id"], body=body)).password_policy
    assert (p.minimum_password_length, p.password_char_combination) == (12, 4)
    assert p.number_of_recent_passwords_disallowed == 2

    p5 = v5c.show_password_policy_v5(ShowPasswordPolicyV5Request()).password_policy
    assert p5.minimum_password_length == 12 and p5.password_reuse_prevention == 2
    assert p5.allow_user_to_change_password is True
    p5 = v5c.update_password_policy_v5(UpdatePasswordPolicyV5Request(body=UpdatePasswordPolicyReqBody(
        password_reuse_prevention=3, password_validity_period=90))).password_policy
    assert p5.password_reuse_prevention == 3 and p5.password_validity_period == 90
    assert p5.maximum_consecutive_identical_chars == 3

    # out of range: refused, nothing changed
    bad = UpdateDomainPasswordPolicyRequestBody(password_policy=PasswordPolicyOption(minimum_password_length=40))
    expect_error(lambda: v3c.update_domain_password_policy(UpdateDomainPasswordPolicyRequest(
        domain_id=acct["domain_id"], body=bad)), 400)
    # the policy holds new users: too short for 12, then long enough
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=f"sp-{tag}", password="Xy7#kLm2pQ", domain_id=acct["domain_id"]))
    expect_error(lambda: v3c.keystone_create_user(KeystoneCreateUserRequest(body=body)), 400)
    u = new_user(v3c, acct, f"sp-{tag}", "Xy7#kLm2pQ-long")
    assert u.password_expires_at  # a 90-day validity period

    # back to defaults-like values for the module's other tests
    v5c.update_password_policy_v5(UpdatePasswordPolicyV5Request(body=UpdatePasswordPolicyReqBody(
        minimum_password_length=8, password_char_combination=3, password_reuse_prevention=2,
        password_validity_period=0, maximum_consecutive_identical_chars=0)))


def test_login_policy_v3_and_v5(v3c, v5c, acct, roster_url):
    lp = v3c.show_domain_login_policy(ShowDomainLoginPolicyRequest(domain_id=acct["domain_id"])).login_policy
    assert lp.login_failed_times >= 1 and lp.lockout_duration >= 1 and lp.session_timeout >= 1
    body = UpdateDomainLoginPolicyRequestBody(login_policy=LoginPolicyOption(
        login_failed_times=6, period_with_login_failures=30, lockout_duration=20,
        session_timeout=120, custom_info_for_login="Authorized use only", show_recent_login_info=True))
    lp = v3c.update_domain_login_policy(UpdateDomainLoginPolicyRequest(
        domain_id=acct["domain_id"], body=body)).login_policy
    assert (lp.login_failed_times, lp.period_with_login_failures, lp.lockout_duration) == (6, 30, 20)
    assert lp.custom_info_for_login == "Authorized use only" and lp.show_recent_login_info is True

    l5 = v5c.show_login_policy_v5(ShowLoginPolicyV5Request()).login_policy
    assert (l5.login_failed_times, l5.session_timeout, l5.user_validity_period) == (6, 120, 0)
    l5 = v5c.update_login_policy_v5(UpdateLoginPolicyV5Request(body=UpdateLoginPolicyReqBody(
        lockout_duration=60, user_validity_period=90))).login_policy
    assert (l5.lockout_duration, l5.user_validity_period, l5.login_failed_times) == (60, 90, 6)
    expect_error(lambda: v5c.update_login_policy_v5(UpdateLoginPolicyV5Request(
        body=UpdateLoginPolicyReqBody(login_failed_times=2))), 400)
    # a token lives as long as the session timeout
    tok = token_client(roster_url, None).keystone_create_user_token_by_password(
        token_request(acct["domain_name"], acct["user_name"], acct["password"]))
    from datetime import datetime
    issued = datetime.fromisoformat(tok.token.issued_at.replace("Z", "+00:00"))
    expires = datetime.fromisoformat(tok.token.expires_at.replace("Z", "+00:00"))
    assert round((expires - issued).total_seconds()) == 120 * 60


def keystone_as(roster_url, acct, user, password):
    auth = ka_v3.Password(auth_url=f"{roster_url}/v3", username=user, password=password,
                          user_domain_name=acct["domain_name"], project_name=acct["project_name"],
                          project_domain_name=acct["domain_name"])
    return ks_client.Client(session=session.Session(auth=auth))


def test_keystoneclient_update_password(v3c, v5c, acct, roster_url, tag):
    """password_reuse_prevention is 2 here (the first test): the current password and the
    one before it may not come back."""
    first, second, third = "First#Pass2024", "Second#Pass2024", "Third#Pass2024"
    new_user(v3c, acct, f"ks-{tag}", first)
    ks = keystone_as(roster_url, acct, f"ks-{tag}", first)
    ks.users.update_password(first, second)
    # the old password no longer logs in
    expect_error(lambda: password_token(roster_url, acct["domain_name"], f"ks-{tag}", first), 401)
    ks = keystone_as(roster_url, acct, f"ks-{tag}", second)
    # a wrong original password: 401; a password of the history: 400
    with pytest.raises(ka_exc.Unauthorized):
        ks.users.update_password("Wrong#Pass2024", third)
    with pytest.raises(ka_exc.BadRequest):
        ks.users.update_password(second, first)
    # too weak for the policy: 400
    with pytest.raises(ka_exc.BadRequest):
        ks.users.update_password(second, "weakpassword")
    ks.users.update_password(second, third)
    ks = keystone_as(roster_url, acct, f"ks-{tag}", third)
    me = ks.users.get(ks.session.get_user_id())
    assert me.name == f"ks-{tag}"
    assert me.password_expires_at is None

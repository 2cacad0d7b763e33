"""Tokens through huaweicloudsdkiam: password login scoped to a project or a domain,
validation, and what a token allows."""

import datetime

from huaweicloudsdkiam.v3 import (
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    KeystoneListGroupsRequest,
    KeystoneListUsersRequest,
    KeystoneShowUserRequest,
    KeystoneUpdateUserByAdminRequest,
    KeystoneUpdateUserByAdminRequestBody,
    KeystoneUpdateUserOption,
    KeystoneValidateTokenRequest,
)

from iam_helpers import PASSWORD, expect_error, password_token, token_client, token_request


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_project_scoped_token(roster_url, creds):
    client = token_client(roster_url, None)
    resp = client.keystone_create_user_token_by_password(token_request(
        creds["domain_name"], creds["user_name"], creds["password"], project=creds["project_name"]))
    assert resp.x_subject_token
    t = resp.token
    assert t.methods == ["password"]
    assert (t.user.id, t.user.name, t.user.domain.id) == (
        creds["user_id"], creds["user_name"], creds["domain_id"])
    assert (t.project.id, t.project.name) == (creds["project_id"], creds["project_name"])
    assert [r.name for r in t.roles] == ["admin"]
    life = parse_time(t.expires_at) - parse_time(t.issued_at)
    assert life == datetime.timedelta(hours=24)
    # the faces Roster serves: identity at /v3, Workspace and Quick BI at the root
    urls = {c.type: {e.url for e in c.endpoints} for c in t.catalog}
    assert urls == {"identity": {f"{roster_url}/v3"}, "workspace": {roster_url},
                    "quickbi": {roster_url}}


def test_domain_scoped_token_without_catalog(roster_url, creds):
    client = token_client(roster_url, None)
    resp = client.keystone_create_user_token_by_password(token_request(
        creds["domain_name"], creds["user_name"], creds["password"],
        domain_scope=creds["domain_name"], nocatalog="true"))
    t = resp.token
    assert (t.domain.id, t.domain.name) == (creds["domain_id"], creds["domain_name"])
    assert t.project is None and t.catalog is None


def test_validate_with_aksk_and_with_token(iam, iam_token, admin_token, creds):
    for c in (iam, iam_token):
        v = c.keystone_validate_token(KeystoneValidateTokenRequest(x_subject_token=admin_token))
        assert v.token.user.id == creds["user_id"]
        assert v.token.project.id == creds["project_id"]
    expect_error(lambda: iam.keystone_validate_token(
        KeystoneValidateTokenRequest(x_subject_token=admin_token[:-4] + "AAAA")), 404)


def test_wrong_password_and_unknown_names_are_401(roster_url, creds):
    client = token_client(roster_url, None)
    for domain, user, pw in [
        (creds["domain_name"], creds["user_name"], "Wrong#Pass1"),
        (creds["domain_name"], "nobody-here", PASSWORD),
        ("no-such-domain", creds["user_name"], creds["password"]),
    ]:
        e = expect_error(lambda: client.keystone_create_user_token_by_password(
            token_request(domain, user, pw)), 401)
        assert e.error_msg


def test_project_of_another_domain_is_401(roster_url, creds, creds_other):
    client = token_client(roster_url, None)
    expect_error(lambda: client.keystone_create_user_token_by_password(token_request(
        creds["domain_name"], creds["user_name"], creds["password"],
        project=creds_other["project_name"] + "-nope")), 401)


def test_bad_token_is_401(roster_url):
    c = token_client(roster_url, "0123abcdnotatoken")
    expect_error(lambda: c.keystone_list_groups(KeystoneListGroupsRequest()), 401)


def test_member_token_may_read_itself_only(iam, roster_url, creds, tag):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=f"mem-{tag}", password=PASSWORD, domain_id=creds["domain_id"]))
    u = iam.keystone_create_user(KeystoneCreateUserRequest(body=body)).user
    tok = password_token(roster_url, creds["domain_name"], f"mem-{tag}", PASSWORD,
                         project=creds["project_name"])
    c = token_client(roster_url, tok)
    assert c.keystone_show_user(KeystoneShowUserRequest(user_id=u.id)).user.name == f"mem-{tag}"
    v = c.keystone_validate_token(KeystoneValidateTokenRequest(x_subject_token=tok))
    # no role granted on the project: the token lists none
    assert [r.name for r in v.token.roles] == []
    expect_error(lambda: c.keystone_list_users(KeystoneListUsersRequest()), 403)
    gbody = KeystoneCreateGroupRequestBody(group=KeystoneCreateGroupOption(name=f"g-{tag}"))
    expect_error(lambda: c.keystone_create_group(KeystoneCreateGroupRequest(body=gbody)), 403)
    expect_error(lambda: c.keystone_show_user(KeystoneShowUserRequest(user_id=creds["user_id"])), 403)


def test_disabled_user_gets_no_token(iam, roster_url, creds, tag):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=f"off-{tag}", password=PASSWORD, domain_id=creds["domain_id"], enabled=False))
    iam.keystone_create_user(KeystoneCreateUserRequest(body=body))
    client = token_client(roster_url, None)
    expect_error(lambda: client.keystone_create_user_token_by_password(
        token_request(creds["domain_name"], f"off-{tag}", PASSWORD)), 401)


def test_disabling_a_user_stops_its_token(iam, roster_url, creds, tag):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=f"tmp-{tag}", password=PASSWORD, domain_id=creds["domain_id"]))
    u = iam.keystone_create_user(KeystoneCreateUserRequest(body=body)).user
    tok = password_token(roster_url, creds["domain_name"], f"tmp-{tag}", PASSWORD)
    c = token_client(roster_url, tok)
    c.keystone_show_user(KeystoneShowUserRequest(user_id=u.id))
    off = KeystoneUpdateUserByAdminRequestBody(user=KeystoneUpdateUserOption(enabled=False))
    iam.keystone_update_user_by_admin(KeystoneUpdateUserByAdminRequest(user_id=u.id, body=off))
    # one node: the change is seen at once (other nodes: within iam::state::USER_TTL)
    expect_error(lambda: c.keystone_show_user(KeystoneShowUserRequest(user_id=u.id)), 401)


def test_failed_logins_lock_the_user_out(iam, roster_url, creds, tag):
    """Five wrong passwords for one user (the default login policy: the server's limit),
    then even the right one is refused with Keystone's 401 (the account is locked) until the
    lockout is over; an address that uses up its own limit gets 429. The SDK does not retry
    by default (HttpConfig.retry_times = 0) and hands the message over. Every failed login
    of this suite also counts against 127.0.0.1 (20 per 5 minutes by default): keep them
    few."""
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=f"rl-{tag}", password=PASSWORD, domain_id=creds["domain_id"]))
    iam.keystone_create_user(KeystoneCreateUserRequest(body=body))
    anon = token_client(roster_url, None)
    for _ in range(5):
        expect_error(lambda: anon.keystone_create_user_token_by_password(
            token_request(creds["domain_name"], f"rl-{tag}", "Wrong#Pass1")), 401)
    e = expect_error(lambda: anon.keystone_create_user_token_by_password(
        token_request(creds["domain_name"], f"rl-{tag}", PASSWORD)), 401)
    assert "locked" in e.error_msg

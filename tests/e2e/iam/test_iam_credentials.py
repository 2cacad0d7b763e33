"""Access keys of every user through the official SDKs: huaweicloudsdkiam v3
(OS-CREDENTIAL permanent access keys) and v5 (access keys, last use), huaweicloudsdksts
(caller identity), and a user's own key signing Workspace (huaweicloudsdkworkspace) and
Quick BI (the Alibaba SDK) calls: refused with 403 until grants exist, while the IAM calls
on its own keys work."""

import datetime
import time

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    CreateCredentialOption,
    CreatePermanentAccessKeyRequest,
    CreatePermanentAccessKeyRequestBody,
    DeletePermanentAccessKeyRequest,
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    KeystoneDeleteUserRequest,
    KeystoneUpdateUserByAdminRequest,
    KeystoneUpdateUserByAdminRequestBody,
    KeystoneUpdateUserOption,
    ListPermanentAccessKeysRequest,
    ShowPermanentAccessKeyRequest,
    UpdateCredentialOption,
    UpdatePermanentAccessKeyRequest,
    UpdatePermanentAccessKeyRequestBody,
)
from huaweicloudsdkiam.v5 import IamClient as IamV5Client
from huaweicloudsdkiam.v5 import (
    CreateAccessKeyV5Request,
    DeleteAccessKeyV5Request,
    ListAccessKeysV5Request,
    ShowAccessKeyLastUsedV5Request,
    UpdateAccessKeyReqBody,
    UpdateAccessKeyV5Request,
)
from huaweicloudsdksts.v1 import GetCallerIdentityRequest, StsClient
from huaweicloudsdkworkspace.v2 import ListUserGroupsRequest, WorkspaceClient

from iam_helpers import PASSWORD, expect_error, global_client


def v5_client(url, ak, sk, domain_id):
    creds = GlobalCredentials(ak, sk, domain_id)
    return IamV5Client.new_builder().with_credentials(creds).with_endpoints([url]).build()


def sts_client(url, ak, sk, project_id):
    creds = BasicCredentials(ak, sk, project_id)
    return StsClient.new_builder().with_credentials(creds).with_endpoints([url]).build()


def workspace_client(url, ak, sk, project_id):
    creds = BasicCredentials(ak, sk, project_id)
    return WorkspaceClient.new_builder().with_credentials(creds).with_endpoints([url]).build()


def quickbi_client(url, ak, sk):
    from alibabacloud_quickbi_public20220101.client import Client
    from alibabacloud_tea_openapi.models import Config

    endpoint = url.replace("http://", "").rstrip("/")
    return Client(Config(access_key_id=ak, access_key_secret=sk, endpoint=endpoint,
                         protocol="http"))


def new_user(iam, domain_id, name):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=name, domain_id=domain_id, password=PASSWORD))
    return iam.keystone_create_user(KeystoneCreateUserRequest(body=body)).user


def create_key(iam, user_id, description=None):
    body = CreatePermanentAccessKeyRequestBody(
        credential=CreateCredentialOption(user_id=user_id, description=description))
    return iam.create_permanent_access_key(CreatePermanentAccessKeyRequest(body=body)).credential


def set_status(iam, access, status, description=None):
    body = UpdatePermanentAccessKeyRequestBody(
        credential=UpdateCredentialOption(status=status, description=description))
    return iam.update_permanent_access_key(
        UpdatePermanentAccessKeyRequest(access_key=access, body=body)).credential


def as_time(v):
    """A model's `datetime` field: the SDK makes it a datetime when python-dateutil is
    installed, else it hands over the string, which must then be ISO 8601 UTC."""
    if isinstance(v, datetime.datetime):
        return v
    assert isinstance(v, str) and v.endswith("Z"), v
    return datetime.datetime.fromisoformat(v)


def eventually(check, what):
    deadline = time.time() + 30
    while not check():
        assert time.time() < deadline, f"never: {what}"
        time.sleep(0.2)


def test_a_users_permanent_keys_sign_as_that_user(roster_url, creds, creds_other, iam, tag):
    u = new_user(iam, creds["domain_id"], f"ann-{tag}")
    first = create_key(iam, u.id, "ci")
    assert (first.user_id, first.status, first.description) == (u.id, "active", "ci")
    assert first.secret and len(first.access) == 20
    # 2020-01-08T06:25:19.014028Z
    assert len(first.create_time) == 27 and first.create_time.endswith("Z")
    mine = global_client(roster_url, first.access, first.secret, creds["domain_id"])
    second = create_key(mine, u.id)  # a user makes its own keys
    e = expect_error(lambda: create_key(mine, u.id), 400)
    assert e.error_msg == "akSkNumExceed"

    listed = mine.list_permanent_access_keys(ListPermanentAccessKeysRequest(user_id=u.id))
    assert [c.access for c in listed.credentials] == [first.access, second.access]
    assert all(c.status == "active" for c in listed.credentials)
    own = mine.list_permanent_access_keys(ListPermanentAccessKeysRequest())
    assert [c.access for c in own.credentials] == [first.access, second.access]
    expect_error(lambda: mine.list_permanent_access_keys(
        ListPermanentAccessKeysRequest(user_id=creds["user_id"])), 403)
    expect_error(lambda: mine.show_permanent_access_key(
        ShowPermanentAccessKeyRequest(access_key=creds["access_key"])), 403)

    # no grants yet: the user's key is refused on Workspace (403 WKS.0302, a policy denial) and Quick BI
    ws = workspace_client(roster_url, first.access, first.secret, creds["project_id"])
    with pytest.raises(ClientRequestException) as info:
        ws.list_user_groups(ListUserGroupsRequest())
    assert (info.value.status_code, info.value.error_code) == (403, "WKS.0302")
    assert "workspace:userGroups:list" in info.value.error_msg
    from alibabacloud_quickbi_public20220101 import models as m
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as qinfo:
        quickbi_client(roster_url, first.access, first.secret).query_user_list(
            m.QueryUserListRequest(page_num=1, page_size=10))
    assert qinfo.value.code == "NoPermission"

    # disabled: refused at once (401), also its user's signature on IAM; enabled again
    off = set_status(iam, first.access, "inactive", "paused")
    assert (off.status, off.description) == ("inactive", "paused")
    expect_error(lambda: mine.list_permanent_access_keys(ListPermanentAccessKeysRequest()), 401)
    set_status(iam, first.access, "active")
    shown = mine.show_permanent_access_key(ShowPermanentAccessKeyRequest(access_key=first.access))
    assert (shown.credential.status, shown.credential.description) == ("active", "paused")

    # a disabled user's keys: refused at once
    body = KeystoneUpdateUserByAdminRequestBody(user=KeystoneUpdateUserOption(enabled=False))
    iam.keystone_update_user_by_admin(KeystoneUpdateUserByAdminRequest(user_id=u.id, body=body))
    expect_error(lambda: mine.list_permanent_access_keys(ListPermanentAccessKeysRequest()), 401)
    body = KeystoneUpdateUserByAdminRequestBody(user=KeystoneUpdateUserOption(enabled=True))
    iam.keystone_update_user_by_admin(KeystoneUpdateUserByAdminRequest(user_id=u.id, body=body))

    # last use, recorded at most a minute late (the first one at once)
    eventually(lambda: iam.show_permanent_access_key(
        ShowPermanentAccessKeyRequest(access_key=first.access)).credential.last_use_time,
        "the last use is recorded")

    # another account sees and manages nothing of it
    theirs = global_client(roster_url, creds_other["access_key"], creds_other["secret_key"],
                           creds_other["domain_id"])
    expect_error(lambda: theirs.show_permanent_access_key(
        ShowPermanentAccessKeyRequest(access_key=first.access)), 404)
    expect_error(lambda: theirs.delete_permanent_access_key(
        DeletePermanentAccessKeyRequest(access_key=first.access)), 404)
    expect_error(lambda: theirs.list_permanent_access_keys(
        ListPermanentAccessKeysRequest(user_id=u.id)), 404)
    expect_error(lambda: create_key(theirs, u.id), 404)

    # deleted: gone, and its signature refused at once
    mine.delete_permanent_access_key(DeletePermanentAccessKeyRequest(access_key=second.access))
    expect_error(lambda: iam.show_permanent_access_key(
        ShowPermanentAccessKeyRequest(access_key=second.access)), 404)
    iam.delete_permanent_access_key(DeletePermanentAccessKeyRequest(access_key=first.access))
    expect_error(lambda: mine.list_permanent_access_keys(ListPermanentAccessKeysRequest()), 401)
    iam.keystone_delete_user(KeystoneDeleteUserRequest(user_id=u.id))


def test_v5_access_keys_and_caller_identity(roster_url, creds, creds_other, iam, tag):
    u = new_user(iam, creds["domain_id"], f"bea-{tag}")
    admin5 = v5_client(roster_url, creds["access_key"], creds["secret_key"], creds["domain_id"])
    k = admin5.create_access_key_v5(CreateAccessKeyV5Request(user_id=u.id)).access_key
    assert (k.user_id, k.status) == (u.id, "active")
    assert k.secret_access_key and as_time(k.created_at).tzinfo is not None
    mine5 = v5_client(roster_url, k.access_key_id, k.secret_access_key, creds["domain_id"])
    k2 = mine5.create_access_key_v5(CreateAccessKeyV5Request(user_id=u.id)).access_key
    with pytest.raises(ClientRequestException) as info:
        mine5.create_access_key_v5(CreateAccessKeyV5Request(user_id=u.id))
    assert (info.value.status_code, info.value.error_code) == (400, "PAP5.0003")
    assert info.value.request_id

    page = mine5.list_access_keys_v5(ListAccessKeysV5Request(user_id=u.id))
    assert [x.access_key_id for x in page.access_keys] == [k.access_key_id, k2.access_key_id]
    assert page.page_info.current_count == 2 and page.page_info.next_marker is None
    page = mine5.list_access_keys_v5(ListAccessKeysV5Request(user_id=u.id, limit=1))
    assert page.page_info.next_marker == k.access_key_id
    page = mine5.list_access_keys_v5(ListAccessKeysV5Request(
        user_id=u.id, limit=1, marker=page.page_info.next_marker))
    assert [x.access_key_id for x in page.access_keys] == [k2.access_key_id]

    # who calls: the user with its key, the root user with the account's
    me = sts_client(roster_url, k.access_key_id, k.secret_access_key,
                    creds["project_id"]).get_caller_identity(GetCallerIdentityRequest())
    assert (me.account_id, me.principal_id) == (creds["domain_id"], u.id)
    assert me.principal_urn == f"iam::{creds['domain_id']}:user:bea-{tag}"
    root = sts_client(roster_url, creds["access_key"], creds["secret_key"],
                      creds["project_id"]).get_caller_identity(GetCallerIdentityRequest())
    assert (root.principal_id, root.principal_urn) == (
        creds["user_id"], f"iam::{creds['domain_id']}:user:{creds['user_name']}")

    def last_used():
        return admin5.show_access_key_last_used_v5(ShowAccessKeyLastUsedV5Request(
            user_id=u.id, access_key_id=k.access_key_id)).access_key_last_used.last_used_at

    eventually(last_used, "the last use is recorded")
    assert as_time(last_used()) <= datetime.datetime.now(datetime.timezone.utc)
    never = admin5.show_access_key_last_used_v5(ShowAccessKeyLastUsedV5Request(
        user_id=u.id, access_key_id=k2.access_key_id)).access_key_last_used
    assert never is None or never.last_used_at is None

    # disabled at once, v5's error body on the refusal
    body = UpdateAccessKeyReqBody(status="inactive")
    done = admin5.update_access_key_v5(UpdateAccessKeyV5Request(
        user_id=u.id, access_key_id=k.access_key_id, body=body)).access_key
    assert done.status == "inactive"
    with pytest.raises(ClientRequestException) as info:
        mine5.list_access_keys_v5(ListAccessKeysV5Request(user_id=u.id))
    assert info.value.status_code == 401
    admin5.update_access_key_v5(UpdateAccessKeyV5Request(
        user_id=u.id, access_key_id=k.access_key_id, body=UpdateAccessKeyReqBody(status="active")))

    # another account: not found, exactly as ids that exist nowhere
    theirs = v5_client(roster_url, creds_other["access_key"], creds_other["secret_key"],
                       creds_other["domain_id"])
    for call in [
        lambda: theirs.list_access_keys_v5(ListAccessKeysV5Request(user_id=u.id)),
        lambda: theirs.create_access_key_v5(CreateAccessKeyV5Request(user_id=u.id)),
        lambda: theirs.delete_access_key_v5(DeleteAccessKeyV5Request(
            user_id=u.id, access_key_id=k.access_key_id)),
        lambda: theirs.delete_access_key_v5(DeleteAccessKeyV5Request(
            user_id="0" * 32, access_key_id="NOPE")),
    ]:
        with pytest.raises(ClientRequestException) as info:
            call()
        assert (info.value.status_code, info.value.error_code) == (404, "PAP5.0004")
    # another user's keys: the user may not
    with pytest.raises(ClientRequestException) as info:
        mine5.list_access_keys_v5(ListAccessKeysV5Request(user_id=creds["user_id"]))
    assert (info.value.status_code, info.value.error_code) == (403, "PAP5.0001")

    mine5.delete_access_key_v5(DeleteAccessKeyV5Request(user_id=u.id, access_key_id=k2.access_key_id))
    page = admin5.list_access_keys_v5(ListAccessKeysV5Request(user_id=u.id))
    assert [x.access_key_id for x in page.access_keys] == [k.access_key_id]
    iam.keystone_delete_user(KeystoneDeleteUserRequest(user_id=u.id))
    with pytest.raises(ClientRequestException) as info:
        admin5.list_access_keys_v5(ListAccessKeysV5Request(user_id=u.id))
    assert info.value.status_code == 404

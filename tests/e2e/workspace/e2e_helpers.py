"""Small helpers shared by the e2e tests: SDK shortcuts, paging, snapshots and
error assertions. Everything goes through the official SDK."""

import collections
import os
import re

import pytest

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkworkspace.v2 import (
    ActionsOfUsersInGroupRequest,
    CreateDesktopUserRequest,
    CreateUserGroupReq,
    CreateUserGroupRequest,
    CreateUserRequest,
    ListUserDetailRequest,
    ListUserGroupsRequest,
    ListUsersOfGroupRequest,
    ListUsersRequest,
    RunActionsOnGroupRequest,
    WorkspaceClient,
)

HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
CREATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MISSING_ID = "0" * 32
PASSWORD = "Xy7#kLm2pQ"  # 10 chars, all four classes


# ---------------------------------------------------------------- clients


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(
            f"{name} is not set; run the suite through the Rust harness or tests/e2e/run_local.sh"
        )
    return value


class ResponseLog:
    """Remembers the raw HTTP responses a client received (newest last).

    Hooked in through the SDK's own HttpHandler, so tests can look at response
    headers (X-Request-Id) of successful calls too.
    """

    def __init__(self):
        self.responses = collections.deque(maxlen=20)

    def record(self, response=None, **_kwargs):
        if response is not None:
            self.responses.append(response)

    @property
    def last(self):
        assert self.responses, "no response recorded yet"
        return self.responses[-1]


def make_client(ak, sk, project_id, log=None):
    handler = HttpHandler()
    if log is not None:
        handler.add_response_handler(log.record)
    return (
        WorkspaceClient.new_builder()
        .with_credentials(BasicCredentials(ak, sk, project_id))
        .with_endpoints([require_env("ROSTER_URL")])
        .with_http_handler(handler)
        .build()
    )


# ---------------------------------------------------------------- errors


def expect_error(call, status, code=None):
    """Runs `call`, which must fail with `status` (and `code`, if given).

    Every error must carry a non-empty request id (from X-Request-Id).
    Returns the ClientRequestException for further checks.
    """
    with pytest.raises(ClientRequestException) as info:
        call()
    err = info.value
    assert err.status_code == status, (
        f"expected HTTP {status}, got {err.status_code} {err.error_code}: {err.error_msg}"
    )
    if code is not None:
        assert err.error_code == code, (
            f"expected {code}, got {err.error_code}: {err.error_msg}"
        )
    assert isinstance(err.request_id, str) and err.request_id, "error without X-Request-Id"
    assert isinstance(err.error_msg, str) and err.error_msg, "error without error_msg"
    return err


def expect_error_unchanged(snapshot, call, status, code=None):
    """Like expect_error, and asserts snapshot() is the same before and after."""
    before = snapshot()
    err = expect_error(call, status, code)
    after = snapshot()
    assert after == before, "a failed request changed state"
    return err


# ---------------------------------------------------------------- groups


def create_group(client, name, description=None, platform_type="LOCAL"):
    """Creates a group and returns its UserGroupInfo (looked up by exact name)."""
    client.create_user_group(
        CreateUserGroupRequest(
            body=CreateUserGroupReq(
                group_name=name, platform_type=platform_type, description=description
            )
        )
    )
    group = find_group(client, name)
    assert group is not None, f"group {name!r} not listed after creation"
    return group


def list_all_groups(client, **filters):
    """All groups matching the filters, following pages of 100."""
    groups, offset = [], 0
    while True:
        resp = client.list_user_groups(
            ListUserGroupsRequest(limit="100", offset=str(offset), **filters)
        )
        page = resp.user_groups or []
        groups.extend(page)
        offset += len(page)
        if not page or offset >= resp.total_count:
            assert len(groups) == resp.total_count
            return groups


def find_group(client, name):
    matches = [g for g in list_all_groups(client, keyword=name) if g.name == name]
    assert len(matches) <= 1
    return matches[0] if matches else None


def group_names(client, keyword, **filters):
    return [g.name for g in list_all_groups(client, keyword=keyword, **filters)]


def groups_snapshot(client, keyword):
    """Comparable state of every group whose name contains `keyword`."""
    return [g.to_dict() for g in list_all_groups(client, keyword=keyword)]


def group_members(client, group_id, **filters):
    resp = client.list_users_of_group(
        ListUsersOfGroupRequest(group_id=group_id, limit=100, offset=0, **filters)
    )
    return resp


def members_snapshot(client, group_id):
    resp = group_members(client, group_id)
    return resp.total_count, sorted(u.id for u in resp.users or [])


def group_action(client, group_id, op_type, user_ids):
    return client.run_actions_on_group(
        RunActionsOnGroupRequest(
            group_id=group_id,
            body=ActionsOfUsersInGroupRequest(user_ids=user_ids, op_type=op_type),
        )
    )


# ---------------------------------------------------------------- users


def create_user(client, name, **fields):
    """Creates a user (USER_ACTIVATE with an e-mail unless told otherwise); returns its id."""
    if "active_type" not in fields and "user_phone" not in fields:
        fields.setdefault("user_email", "e2e@example.com")
    resp = client.create_desktop_user(
        CreateDesktopUserRequest(body=CreateUserRequest(user_name=name, **fields))
    )
    assert isinstance(resp.id, str) and resp.id, "create_desktop_user returned no id"
    return resp.id


def user_detail(client, user_id):
    resp = client.list_user_detail(ListUserDetailRequest(user_id=user_id))
    assert resp.user_detail is not None
    return resp.user_detail


def list_all_users(client, **filters):
    """All users matching the filters, following pages of 100."""
    users, offset = [], 0
    while True:
        resp = client.list_users(ListUsersRequest(limit="100", offset=str(offset), **filters))
        page = resp.users or []
        users.extend(page)
        offset += len(page)
        if not page or offset >= resp.total_count:
            assert len(users) == resp.total_count
            return users


def user_names(client, **filters):
    return [u.user_name for u in list_all_users(client, **filters)]


def users_snapshot(client, user_name):
    """Comparable state of every user whose name contains `user_name`."""
    return [u.to_dict() for u in list_all_users(client, user_name=user_name)]


def details_snapshot(client, user_ids):
    return [user_detail(client, uid).to_dict() for uid in user_ids]

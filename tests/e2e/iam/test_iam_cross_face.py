"""One directory: what the IAM face creates the Workspace face lists, and the other way
round, with membership counts kept exact across both."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkiam.v3 import (
    KeystoneAddUserToGroupRequest,
    KeystoneCheckUserInGroupRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    KeystoneDeleteGroupRequest,
    KeystoneListGroupsRequest,
    KeystoneListUsersForGroupByAdminRequest,
    KeystoneListUsersRequest,
    KeystoneShowUserRequest,
)
from huaweicloudsdkworkspace.v2 import (
    ActionsOfUsersInGroupRequest,
    ChangeUserStatusRequest,
    CreateDesktopUserRequest,
    CreateUserGroupReq,
    CreateUserGroupRequest,
    CreateUserRequest,
    ListUserGroupsRequest,
    ListUsersOfGroupRequest,
    ListUsersRequest,
    OperateUserReq,
    RunActionsOnGroupRequest,
    WorkspaceClient,
)

from iam_helpers import PASSWORD, expect_error, password_token, token_client, token_request


@pytest.fixture(scope="module")
def ws(roster_url, creds):
    bc = BasicCredentials(creds["access_key"], creds["secret_key"], creds["project_id"])
    return WorkspaceClient.new_builder().with_credentials(bc).with_endpoints([roster_url]).build()


def ws_group(ws, name):
    groups = ws.list_user_groups(ListUserGroupsRequest(keyword=name)).user_groups
    return [g for g in groups if g.name == name]


def test_iam_to_workspace(iam, ws, creds, tag):
    body = KeystoneCreateGroupRequestBody(group=KeystoneCreateGroupOption(
        name=f"xg-{tag}", description="made in IAM", domain_id=creds["domain_id"]))
    g = iam.keystone_create_group(KeystoneCreateGroupRequest(body=body)).group
    ubody = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=f"xu{tag}", password=PASSWORD, domain_id=creds["domain_id"]))
    u = iam.keystone_create_user(KeystoneCreateUserRequest(body=ubody)).user
    iam.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=g.id, user_id=u.id))

    [wg] = ws_group(ws, f"xg-{tag}")
    assert (wg.id, wg.description, wg.user_quantity) == (g.id, "made in IAM", 1)
    members = ws.list_users_of_group(ListUsersOfGroupRequest(group_id=g.id)).users
    assert [m.id for m in members] == [u.id]
    wu = ws.list_users(ListUsersRequest(user_name=f"xu{tag}")).users
    assert [(x.id, x.group_names) for x in wu] == [(u.id, [f"xg-{tag}"])]

    iam.keystone_delete_group(KeystoneDeleteGroupRequest(group_id=g.id))
    assert ws_group(ws, f"xg-{tag}") == []


def test_workspace_to_iam(iam, ws, creds, tag):
    ws.create_user_group(CreateUserGroupRequest(body=CreateUserGroupReq(
        group_name=f"wg-{tag}", platform_type="LOCAL", description="made in Workspace")))
    [wg] = ws_group(ws, f"wg-{tag}")
    ws.create_desktop_user(CreateDesktopUserRequest(body=CreateUserRequest(
        user_name=f"wu{tag}", password=PASSWORD, active_type="ADMIN_ACTIVATE")))
    uid = ws.list_users(ListUsersRequest(user_name=f"wu{tag}")).users[0].id
    ws.run_actions_on_group(RunActionsOnGroupRequest(
        group_id=wg.id, body=ActionsOfUsersInGroupRequest(op_type="ADD", user_ids=[uid])))

    [g] = iam.keystone_list_groups(KeystoneListGroupsRequest(name=f"wg-{tag}")).groups
    assert (g.id, g.description, g.domain_id) == (wg.id, "made in Workspace", creds["domain_id"])
    assert isinstance(g.create_time, int)
    assert iam.keystone_show_user(KeystoneShowUserRequest(user_id=uid)).user.name == f"wu{tag}"
    assert [u.id for u in iam.keystone_list_users(KeystoneListUsersRequest(name=f"wu{tag}")).users] == [uid]
    iam.keystone_check_user_in_group(KeystoneCheckUserInGroupRequest(group_id=wg.id, user_id=uid))
    users = iam.keystone_list_users_for_group_by_admin(
        KeystoneListUsersForGroupByAdminRequest(group_id=wg.id)).users
    assert [u.id for u in users] == [uid]


def test_locked_in_workspace_means_no_iam_token(ws, roster_url, creds, tag):
    ws.create_desktop_user(CreateDesktopUserRequest(body=CreateUserRequest(
        user_name=f"lk{tag}", password=PASSWORD, active_type="ADMIN_ACTIVATE")))
    uid = ws.list_users(ListUsersRequest(user_name=f"lk{tag}")).users[0].id
    tok = password_token(roster_url, creds["domain_name"], f"lk{tag}", PASSWORD)
    mine = token_client(roster_url, tok)
    assert mine.keystone_show_user(KeystoneShowUserRequest(user_id=uid)).user.name == f"lk{tag}"

    ws.change_user_status(ChangeUserStatusRequest(user_id=uid, body=OperateUserReq(op_type="LOCK")))
    anon = token_client(roster_url, None)
    expect_error(lambda: anon.keystone_create_user_token_by_password(
        token_request(creds["domain_name"], f"lk{tag}", PASSWORD)), 401)
    ws.change_user_status(ChangeUserStatusRequest(user_id=uid, body=OperateUserReq(op_type="UNLOCK")))
    assert password_token(roster_url, creds["domain_name"], f"lk{tag}", PASSWORD)

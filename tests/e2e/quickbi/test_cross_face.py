"""One directory: what Quick BI writes, the Huawei Workspace face reads."""

from alibabacloud_quickbi_public20220101 import models as m
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkworkspace.v2 import (
    ListUserGroupsRequest,
    ListUsersOfGroupRequest,
    WorkspaceClient,
)

from conftest import _env
from qb_helpers import add_user, create_group


def workspace(creds):
    return (
        WorkspaceClient.new_builder()
        .with_credentials(BasicCredentials(creds["access_key"], creds["secret_key"], creds["project_id"]))
        .with_endpoints([_env("ROSTER_URL")])
        .build()
    )


def test_groups_and_members_made_through_quick_bi_are_seen_by_workspace(qb, creds, tag):
    top = create_group(qb, f"QbTop {tag}", desc="from quick bi")
    sub = create_group(qb, f"QbSub {tag}", parent=top, group_id=f"qbsub-{tag}")
    uid = add_user(qb, f"xf{tag}").user_id
    qb.add_user_group_member(m.AddUserGroupMemberRequest(user_group_id=sub, user_id_list=uid))
    ws = workspace(creds)
    listed = ws.list_user_groups(ListUserGroupsRequest(keyword=f"QbSub {tag}")).user_groups
    assert [g.id for g in listed] == [sub]
    g = listed[0]
    assert g.name == f"QbSub {tag}"
    assert g.user_quantity == 1
    assert g.parent is not None and g.parent.id == top and g.parent.name == f"QbTop {tag}"
    members = ws.list_users_of_group(ListUsersOfGroupRequest(group_id=sub)).users
    assert [u.user_name for u in members] == [f"xf{tag}"]
    # a move through Quick BI shows in Workspace too
    qb.transfer_usergroup(m.TransferUsergroupRequest(user_group_id=sub, parent_user_group_id="-1"))
    again = ws.list_user_groups(ListUserGroupsRequest(keyword=f"QbSub {tag}")).user_groups
    assert again[0].parent is None

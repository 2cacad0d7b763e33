"""Groups and membership through huaweicloudsdkiam, three ways of authenticating."""

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
    KeystoneListGroupsForUserRequest,
    KeystoneListGroupsRequest,
    KeystoneListUsersForGroupByAdminRequest,
    KeystoneRemoveUserFromGroupRequest,
    KeystoneShowGroupRequest,
    KeystoneUpdateGroupOption,
    KeystoneUpdateGroupRequest,
    KeystoneUpdateGroupRequestBody,
)

from iam_helpers import MISSING_ID, PASSWORD, expect_error


def make_group(face, name, description=""):
    body = KeystoneCreateGroupRequestBody(group=KeystoneCreateGroupOption(
        name=name, description=description, domain_id=face.domain_id))
    return face.client.keystone_create_group(KeystoneCreateGroupRequest(body=body)).group


def make_user(face, name):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=name, password=PASSWORD, domain_id=face.domain_id, enabled=True))
    return face.client.keystone_create_user(KeystoneCreateUserRequest(body=body)).user


def test_group_lifecycle(face, tag, roster_url):
    c = face.client
    g = make_group(face, f"dev-{tag}", "developers")
    assert g.name == f"dev-{tag}" and g.description == "developers"
    assert g.domain_id == face.domain_id
    assert isinstance(g.create_time, int) and g.create_time > 1_600_000_000_000
    assert g.links._self == f"{roster_url}/v3/groups/{g.id}"

    shown = c.keystone_show_group(KeystoneShowGroupRequest(group_id=g.id)).group
    assert (shown.id, shown.name, shown.create_time) == (g.id, g.name, g.create_time)

    listed = c.keystone_list_groups(KeystoneListGroupsRequest(name=f"dev-{tag}"))
    assert [x.id for x in listed.groups] == [g.id]
    assert listed.links._self.startswith(f"{roster_url}/v3/groups")
    by_domain = c.keystone_list_groups(KeystoneListGroupsRequest(domain_id=face.domain_id))
    assert g.id in [x.id for x in by_domain.groups]

    body = KeystoneUpdateGroupRequestBody(group=KeystoneUpdateGroupOption(
        name=f"ops-{tag}", description="operators"))
    up = c.keystone_update_group(KeystoneUpdateGroupRequest(group_id=g.id, body=body)).group
    assert (up.name, up.description) == (f"ops-{tag}", "operators")
    assert c.keystone_list_groups(KeystoneListGroupsRequest(name=f"dev-{tag}")).groups == []

    c.keystone_delete_group(KeystoneDeleteGroupRequest(group_id=g.id))
    expect_error(lambda: c.keystone_show_group(KeystoneShowGroupRequest(group_id=g.id)), 404)


def test_duplicate_group_name_is_409(face, tag):
    make_group(face, f"dup-{tag}")
    e = expect_error(lambda: make_group(face, f"DUP-{tag}"), 409)
    assert "already in use" in e.error_msg


def test_membership(face, tag):
    c = face.client
    g = make_group(face, f"team-{tag}")
    u = make_user(face, f"alice-{tag}")
    check = KeystoneCheckUserInGroupRequest(group_id=g.id, user_id=u.id)
    expect_error(lambda: c.keystone_check_user_in_group(check), 404)

    c.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=g.id, user_id=u.id))
    c.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=g.id, user_id=u.id))
    c.keystone_check_user_in_group(check)  # 204: no exception

    members = c.keystone_list_users_for_group_by_admin(
        KeystoneListUsersForGroupByAdminRequest(group_id=g.id)).users
    assert [m.id for m in members] == [u.id]
    assert members[0].enabled is True and members[0].domain_id == face.domain_id
    groups = c.keystone_list_groups_for_user(KeystoneListGroupsForUserRequest(user_id=u.id)).groups
    assert [x.id for x in groups] == [g.id]

    c.keystone_remove_user_from_group(KeystoneRemoveUserFromGroupRequest(group_id=g.id, user_id=u.id))
    expect_error(lambda: c.keystone_check_user_in_group(check), 404)
    expect_error(lambda: c.keystone_remove_user_from_group(
        KeystoneRemoveUserFromGroupRequest(group_id=g.id, user_id=u.id)), 404)
    assert c.keystone_list_users_for_group_by_admin(
        KeystoneListUsersForGroupByAdminRequest(group_id=g.id)).users == []


def test_unknown_ids_are_404(face, tag):
    c = face.client
    g = make_group(face, f"x-{tag}")
    expect_error(lambda: c.keystone_add_user_to_group(
        KeystoneAddUserToGroupRequest(group_id=g.id, user_id=MISSING_ID)), 404)
    expect_error(lambda: c.keystone_add_user_to_group(
        KeystoneAddUserToGroupRequest(group_id=MISSING_ID, user_id=MISSING_ID)), 404)
    expect_error(lambda: c.keystone_delete_group(KeystoneDeleteGroupRequest(group_id=MISSING_ID)), 404)
    expect_error(lambda: c.keystone_list_groups_for_user(
        KeystoneListGroupsForUserRequest(user_id=MISSING_ID)), 404)


def test_bad_group_name_is_400(face):
    e = expect_error(lambda: make_group(face, " "), 400)
    assert "group name" in e.error_msg

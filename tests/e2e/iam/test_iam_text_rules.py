"""Text at the door (issue 12) through huaweicloudsdkiam: control characters and look-alike
group names are refused with a Keystone 400 and change nothing; canonically equal names are
one name (409)."""

from huaweicloudsdkiam.v3 import (
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    KeystoneListGroupsRequest,
    KeystoneListUsersRequest,
    KeystoneUpdateGroupOption,
    KeystoneUpdateGroupRequest,
    KeystoneUpdateGroupRequestBody,
)

from iam_helpers import PASSWORD, expect_error


def create_group(face, name, description=""):
    body = KeystoneCreateGroupRequestBody(group=KeystoneCreateGroupOption(
        name=name, description=description, domain_id=face.domain_id))
    return face.client.keystone_create_group(KeystoneCreateGroupRequest(body=body)).group


def create_user(face, name, description=""):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=name, password=PASSWORD, domain_id=face.domain_id, enabled=True, description=description))
    return face.client.keystone_create_user(KeystoneCreateUserRequest(body=body)).user


def test_control_characters_and_look_alikes_are_refused(face, tag):
    c = face.client
    g = create_group(face, f"OpsX-{tag}")
    for ch in ["\x00", "\x1e", "\x1f", "\t", "\n", "\x7f", "\x9f", "\u2029"]:
        expect_error(lambda: create_group(face, f"g{ch}{tag}"), 400)
        expect_error(lambda: create_user(face, f"u{ch}{tag}"), 400)
        if ch != "\n":
            expect_error(lambda: create_group(face, f"d-{tag}", description=f"a{ch}b"), 400)
            expect_error(lambda: create_user(face, f"d-{tag}", description=f"a{ch}b"), 400)
        body = KeystoneUpdateGroupRequestBody(group=KeystoneUpdateGroupOption(name=f"g{ch}{tag}"))
        expect_error(lambda: c.keystone_update_group(KeystoneUpdateGroupRequest(group_id=g.id, body=body)), 400)
    for bad in [f"OpsX-{tag} ", f" OpsX-{tag}", f"OpsX-{tag}\u3000"]:
        expect_error(lambda: create_group(face, bad), 400)
    # nothing was made
    assert c.keystone_list_groups(KeystoneListGroupsRequest(name=f"d-{tag}")).groups == []
    assert c.keystone_list_users(KeystoneListUsersRequest(name=f"d-{tag}")).users == []
    assert [x.name for x in c.keystone_list_groups(KeystoneListGroupsRequest(name=f"OpsX-{tag}")).groups] == [
        f"OpsX-{tag}"]


def test_canonically_equal_names_are_one_name(face, tag):
    g = create_group(face, f"Caf\u00e9-{tag}")
    expect_error(lambda: create_group(face, f"Cafe\u0301-{tag}"), 409)
    listed = face.client.keystone_list_groups(KeystoneListGroupsRequest(name=f"Cafe\u0301-{tag}")).groups
    assert [x.id for x in listed] == [g.id]
    u = create_user(face, f"Jose\u0301-{tag}")
    assert u.name == f"Jos\u00e9-{tag}"
    expect_error(lambda: create_user(face, f"Jos\u00e9-{tag}"), 409)


def test_a_name_filter_no_name_can_match_is_a_400(face, tag):
    c = face.client
    for ch in ["\x00", "\x1f", "\n"]:
        expect_error(lambda: c.keystone_list_groups(KeystoneListGroupsRequest(name=f"a{ch}b")), 400)
        expect_error(lambda: c.keystone_list_users(KeystoneListUsersRequest(name=f"a{ch}b")), 400)

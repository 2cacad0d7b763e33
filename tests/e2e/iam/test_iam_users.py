"""Users through huaweicloudsdkiam, three ways of authenticating."""

from huaweicloudsdkiam.v3 import (
    CreateUserOption,
    CreateUserRequest,
    CreateUserRequestBody,
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    KeystoneDeleteUserRequest,
    KeystoneListUsersRequest,
    KeystoneShowUserRequest,
    KeystoneUpdateUserByAdminRequest,
    KeystoneUpdateUserByAdminRequestBody,
    KeystoneUpdateUserOption,
)

from iam_helpers import MISSING_ID, PASSWORD, expect_error


def create(face, name, **kw):
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=name, domain_id=face.domain_id, **kw))
    return face.client.keystone_create_user(KeystoneCreateUserRequest(body=body)).user


def test_user_lifecycle(face, tag, roster_url):
    c = face.client
    u = create(face, f"bob-{tag}", password=PASSWORD, enabled=True, description="builder")
    assert (u.name, u.description, u.enabled, u.domain_id) == (
        f"bob-{tag}", "builder", True, face.domain_id)
    assert u.links._self == f"{roster_url}/v3/users/{u.id}"

    shown = c.keystone_show_user(KeystoneShowUserRequest(user_id=u.id)).user
    assert (shown.id, shown.name, shown.enabled) == (u.id, u.name, True)

    listed = c.keystone_list_users(KeystoneListUsersRequest(name=f"bob-{tag}")).users
    assert [x.id for x in listed] == [u.id]
    assert u.id in [x.id for x in c.keystone_list_users(
        KeystoneListUsersRequest(domain_id=face.domain_id, enabled=True)).users]

    body = KeystoneUpdateUserByAdminRequestBody(user=KeystoneUpdateUserOption(
        name=f"rob-{tag}", enabled=False, description="retired"))
    up = c.keystone_update_user_by_admin(KeystoneUpdateUserByAdminRequest(user_id=u.id, body=body)).user
    assert (up.name, up.enabled, up.description) == (f"rob-{tag}", False, "retired")
    disabled = c.keystone_list_users(KeystoneListUsersRequest(enabled=False)).users
    assert u.id in [x.id for x in disabled]
    assert u.id not in [x.id for x in c.keystone_list_users(KeystoneListUsersRequest(enabled=True)).users]

    c.keystone_delete_user(KeystoneDeleteUserRequest(user_id=u.id))
    expect_error(lambda: c.keystone_show_user(KeystoneShowUserRequest(user_id=u.id)), 404)
    expect_error(lambda: c.keystone_delete_user(KeystoneDeleteUserRequest(user_id=u.id)), 404)


def test_os_user_create(face, tag):
    body = CreateUserRequestBody(user=CreateUserOption(
        name=f"carol-{tag}", domain_id=face.domain_id, password=PASSWORD,
        email=f"carol-{tag}@example.com", areacode="0086", phone="13800000000",
        enabled=True, description="via OS-USER", access_mode="default"))
    u = face.client.create_user(CreateUserRequest(body=body)).user
    assert (u.name, u.email, u.phone, u.enabled) == (
        f"carol-{tag}", f"carol-{tag}@example.com", "13800000000", True)
    assert u.is_domain_owner is False and u.domain_id == face.domain_id
    shown = face.client.keystone_show_user(KeystoneShowUserRequest(user_id=u.id)).user
    assert shown.name == f"carol-{tag}"


def test_duplicate_user_name_is_409(face, tag):
    create(face, f"dan-{tag}", password=PASSWORD)
    expect_error(lambda: create(face, f"DAN-{tag}", password=PASSWORD), 409)


def test_bad_users_are_400(face, tag):
    expect_error(lambda: create(face, f"weak-{tag}", password="short"), 400)
    expect_error(lambda: create(face, "", password=PASSWORD), 400)
    # no password and no e-mail or phone to activate with
    expect_error(lambda: create(face, f"nopw-{tag}"), 400)


def test_unknown_user_is_404(face):
    expect_error(lambda: face.client.keystone_show_user(KeystoneShowUserRequest(user_id=MISSING_ID)), 404)


def test_root_user_cannot_be_deleted(face):
    expect_error(lambda: face.client.keystone_delete_user(
        KeystoneDeleteUserRequest(user_id=face.creds["user_id"])), 403)


def test_other_domain_is_403(face, creds_other, tag):
    expect_error(lambda: face.client.keystone_list_users(
        KeystoneListUsersRequest(domain_id=creds_other["domain_id"])), 403)
    body = KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
        name=f"eve-{tag}", domain_id=creds_other["domain_id"], password=PASSWORD))
    expect_error(lambda: face.client.keystone_create_user(KeystoneCreateUserRequest(body=body)), 403)

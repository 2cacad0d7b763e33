"""Organization roles: ListOrganizationRoles, QueryOrganizationRoleConfig,
ListOrganizationRoleUsers."""

from alibabacloud_quickbi_public20220101 import models as m

from qb_helpers import ROLE_ADMIN, ROLE_AUTH_ADMIN, ROLE_USER, add_user, expect_error


def test_the_built_in_roles(qb):
    roles = qb.list_organization_roles().body.result
    assert [r.role_id for r in roles] == [ROLE_ADMIN, ROLE_AUTH_ADMIN, ROLE_USER]
    assert all(r.is_system_role is True and r.role_name for r in roles)
    admin = qb.query_organization_role_config(m.QueryOrganizationRoleConfigRequest(role_id=ROLE_ADMIN)).body.result
    assert admin.role_id == ROLE_ADMIN and admin.is_system_role is True
    assert "developer_openapi" in [a.auth_key for a in admin.auth_config_list]
    expect_error("Application.Object.NotExist", qb.query_organization_role_config,
                 m.QueryOrganizationRoleConfigRequest(role_id=42))
    expect_error("System.Param.Empty", qb.query_organization_role_config, m.QueryOrganizationRoleConfigRequest())


def test_role_users(qb, creds, tag):
    a = add_user(qb, f"ra{tag}", nick=f"Role A {tag}", role_ids=f"{ROLE_AUTH_ADMIN},{ROLE_USER}").user_id
    b = add_user(qb, f"rb{tag}", nick=f"Role B {tag}", role_ids=f"{ROLE_AUTH_ADMIN}").user_id
    # Keyword is a part of the nick name (the API reference), not of the account name
    none = qb.list_organization_role_users(
        m.ListOrganizationRoleUsersRequest(role_id=ROLE_AUTH_ADMIN, keyword=f"ra{tag}")).body.result
    assert none.total_num == 0 and none.data == []
    r = qb.list_organization_role_users(
        m.ListOrganizationRoleUsersRequest(role_id=ROLE_AUTH_ADMIN, keyword=tag, page_num=1, page_size=1)).body.result
    assert r.total_num == 2 and r.total_pages == 2 and r.page_size == 1
    r2 = qb.list_organization_role_users(
        m.ListOrganizationRoleUsersRequest(role_id=ROLE_AUTH_ADMIN, keyword=tag, page_num=2, page_size=1)).body.result
    assert sorted([(u.user_id, u.nick_name) for u in r.data + r2.data]) == sorted([(a, f"Role A {tag}"), (b, f"Role B {tag}")])
    users = qb.list_organization_role_users(
        m.ListOrganizationRoleUsersRequest(role_id=ROLE_USER, keyword=tag)).body.result
    assert [u.user_id for u in users.data] == [a]
    # the account's owner holds the admin role without ever being written by Quick BI
    admins = qb.list_organization_role_users(m.ListOrganizationRoleUsersRequest(role_id=ROLE_ADMIN)).body.result
    assert creds["user_id"] in [u.user_id for u in admins.data]
    expect_error("Application.Object.NotExist", qb.list_organization_role_users,
                 m.ListOrganizationRoleUsersRequest(role_id=7))

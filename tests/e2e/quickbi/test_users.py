"""Organization members: AddUser, UpdateUser, DeleteUser, QueryUserInfoByUserId,
QueryUserInfoByAccount, QueryUserList, CheckOrganizationMember."""

from alibabacloud_quickbi_public20220101 import models as m

from qb_helpers import ROLE_ADMIN, ROLE_AUTH_ADMIN, ROLE_USER, add_user, expect_error


def test_add_user_and_read_it_back_by_id_and_by_account(qb, tag):
    added = add_user(qb, f"ann{tag}", nick="Ann", user_type=3, role_ids=f"{ROLE_USER}",
                     copilot_modules="qreport,smartQAskNum", account_id="5123")
    assert added.account_name == f"ann{tag}"
    assert added.nick_name == "Ann"
    assert added.user_type == 3
    assert added.role_id_list == [ROLE_USER]
    assert added.admin_user is False and added.auth_admin_user is False
    assert sorted(added.copilot_modules) == ["qreport", "smartQAskNum"]
    by_id = qb.query_user_info_by_user_id(m.QueryUserInfoByUserIdRequest(user_id=added.user_id)).body.result
    by_account = qb.query_user_info_by_account(m.QueryUserInfoByAccountRequest(account=f"ann{tag}")).body.result
    for info in (by_id, by_account):
        assert info.user_id == added.user_id
        assert info.account_name == f"ann{tag}"
        assert info.account_id == "5123"
        assert info.nick_name == "Ann"
        assert info.user_type == 3
        assert info.is_deleted is False
        assert info.role_id_list == [ROLE_USER]
        assert info.email == "" and info.phone == ""


def test_add_user_flags_give_roles_when_role_ids_are_absent(qb, tag):
    added = add_user(qb, f"adm{tag}", admin_user=True, auth_admin_user=True)
    assert added.admin_user is True and added.auth_admin_user is True
    assert sorted(added.role_id_list) == [ROLE_ADMIN, ROLE_AUTH_ADMIN]


def test_add_user_errors(qb, tag):
    expect_error("System.Param.Empty", qb.add_user, m.AddUserRequest(account_name=f"x{tag}", user_type=1))
    expect_error("Invalid.Parameter", qb.add_user,
                 m.AddUserRequest(account_name=f"x{tag}", nick_name="x", user_type=7))
    expect_error("Invalid.Parameter", qb.add_user,
                 m.AddUserRequest(account_name=f"x{tag}", nick_name="x", user_type=1, role_ids="42"))
    add_user(qb, f"dup{tag}")
    expect_error("Object.Already.Exists", qb.add_user,
                 m.AddUserRequest(account_name=f"dup{tag}", nick_name="x", user_type=1))
    # nothing was made by the refused calls
    expect_error("Application.Object.NotExist", qb.query_user_info_by_account,
                 m.QueryUserInfoByAccountRequest(account=f"x{tag}"))


def test_update_user(qb, tag):
    uid = add_user(qb, f"upd{tag}").user_id
    r = qb.update_user(m.UpdateUserRequest(user_id=uid, nick_name="New Nick", user_type=2,
                                           admin_user=True, copilot_modules="qExploreNum"))
    assert r.body.result is True
    info = qb.query_user_info_by_user_id(m.QueryUserInfoByUserIdRequest(user_id=uid)).body.result
    assert info.nick_name == "New Nick"
    assert info.user_type == 2
    assert info.admin_user is True
    assert ROLE_ADMIN in info.role_id_list
    assert info.copilot_modules == ["qExploreNum"]
    qb.update_user(m.UpdateUserRequest(user_id=uid, role_ids=f"{ROLE_AUTH_ADMIN}", is_deleted=True))
    info = qb.query_user_info_by_user_id(m.QueryUserInfoByUserIdRequest(user_id=uid)).body.result
    assert info.role_id_list == [ROLE_AUTH_ADMIN]
    assert info.admin_user is False and info.auth_admin_user is True
    assert info.is_deleted is True
    expect_error("Application.Object.NotExist", qb.update_user,
                 m.UpdateUserRequest(user_id="0" * 32, nick_name="x"))
    expect_error("System.Param.Empty", qb.update_user, m.UpdateUserRequest(nick_name="x"))
    expect_error("Invalid.Parameter", qb.update_user, m.UpdateUserRequest(user_id=uid, user_type=0))


def test_delete_user(qb, tag):
    uid = add_user(qb, f"del{tag}").user_id
    heir = add_user(qb, f"heir{tag}").user_id
    expect_error("Application.Object.NotExist", qb.delete_user,
                 m.DeleteUserRequest(user_id=uid, transfer_user_id="0" * 32))
    assert qb.delete_user(m.DeleteUserRequest(user_id=uid, transfer_user_id=heir)).body.result is True
    assert qb.check_organization_member(m.CheckOrganizationMemberRequest(user_id=uid)).body.result is False
    expect_error("Application.Object.NotExist", qb.delete_user, m.DeleteUserRequest(user_id=uid))


def test_query_user_list_pages_and_filters(qb, tag):
    ids = [add_user(qb, f"lst{tag}{i}").user_id for i in range(3)]
    page1 = qb.query_user_list(m.QueryUserListRequest(keyword=f"lst{tag}", page_num=1, page_size=2)).body.result
    assert page1.total_num == 3 and page1.total_pages == 2
    assert page1.page_num == 1 and page1.page_size == 2
    page2 = qb.query_user_list(m.QueryUserListRequest(keyword=f"lst{tag}", page_num=2, page_size=2)).body.result
    got = [u.user_id for u in page1.data + page2.data]
    assert sorted(got) == sorted(ids)
    row = page1.data[0]
    assert isinstance(row.joined_date, int) and row.joined_date > 0
    assert row.is_deleted is False
    assert row.role_id_list == [ROLE_USER]
    expect_error("Invalid.Parameter.Error", qb.query_user_list, m.QueryUserListRequest(page_size=0))


def test_check_organization_member(qb, qb_other, tag):
    uid = add_user(qb, f"chk{tag}").user_id
    assert qb.check_organization_member(m.CheckOrganizationMemberRequest(user_id=uid)).body.result is True
    # a member of another organization is not one of this one
    assert qb_other.check_organization_member(m.CheckOrganizationMemberRequest(user_id=uid)).body.result is False
    expect_error("System.Param.Empty", qb.check_organization_member, m.CheckOrganizationMemberRequest())


def test_the_account_owner_is_the_organization_admin(qb, creds):
    info = qb.query_user_info_by_user_id(m.QueryUserInfoByUserIdRequest(user_id=creds["user_id"])).body.result
    assert info.account_name == creds["user_name"]
    assert info.admin_user is True
    assert info.role_id_list == [ROLE_ADMIN]
    expect_error("Access.Forbidden", qb.delete_user, m.DeleteUserRequest(user_id=creds["user_id"]))


def test_a_ram_user_is_found_by_parent_and_own_name(qb, tag):
    uid = add_user(qb, f"owner@example.com:sub{tag}").user_id
    r = qb.query_user_info_by_account(
        m.QueryUserInfoByAccountRequest(account=f"sub{tag}", parent_account_name="owner@example.com"))
    assert r.body.result.user_id == uid
    expect_error("Application.Object.NotExist", qb.query_user_info_by_account,
                 m.QueryUserInfoByAccountRequest(account=f"sub{tag}"))
    expect_error("System.Param.Empty", qb.query_user_info_by_account, m.QueryUserInfoByAccountRequest())

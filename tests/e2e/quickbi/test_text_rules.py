"""Text at the door, keywords and folding (issue 12) through the official Quick BI SDK, with
both signatures: control characters and look-alike names are refused with
Invalid.Parameter; canonically equal names are one name; each Keyword matches what the
API reference says (QueryUserList and QueryUserGroupMember: the user name or the nick name;
ListOrganizationRoleUsers: the nick name), folded with Unicode case folding."""

from alibabacloud_quickbi_public20220101 import models as m

from qb_helpers import ROLE_AUTH_ADMIN, add_user, create_group, expect_error


def test_control_characters_and_look_alikes_are_refused(qb, tag):
    gid = create_group(qb, f"Door {tag}")
    uid = add_user(qb, f"door{tag}", nick="Door").user_id
    for ch in ["\x00", "\x1e", "\x1f", "\n", "\t", "\x7f", "\x85", "\u2028"]:
        expect_error("Invalid.Parameter", qb.add_user,
                     m.AddUserRequest(account_name=f"a{ch}{tag}", nick_name="x", user_type=1))
        expect_error("Invalid.Parameter", qb.add_user,
                     m.AddUserRequest(account_name=f"n{tag}", nick_name=f"x{ch}y", user_type=1))
        expect_error("Invalid.Parameter", qb.update_user,
                     m.UpdateUserRequest(user_id=uid, nick_name=f"x{ch}y"))
        expect_error("Invalid.Parameter", qb.create_user_group,
                     m.CreateUserGroupRequest(parent_user_group_id="-1", user_group_name=f"G{ch}{tag}"))
        expect_error("Invalid.Parameter", qb.update_user_group,
                     m.UpdateUserGroupRequest(user_group_id=gid, user_group_name=f"G{ch}{tag}"))
        if ch != "\n":
            expect_error("Invalid.Parameter", qb.create_user_group,
                         m.CreateUserGroupRequest(parent_user_group_id="-1", user_group_name=f"D {tag}",
                                                  user_group_description=f"a{ch}b"))
    for bad in [f"Door {tag} ", f" Door {tag}", f"Door {tag}\u3000"]:
        expect_error("Invalid.Parameter", qb.create_user_group,
                     m.CreateUserGroupRequest(parent_user_group_id="-1", user_group_name=bad))
    # nothing was made, nothing changed
    assert qb.query_user_list(m.QueryUserListRequest(keyword=f"n{tag}")).body.result.total_num == 0
    info = qb.query_user_info_by_user_id(m.QueryUserInfoByUserIdRequest(user_id=uid)).body.result
    assert info.nick_name == "Door"
    found = qb.get_user_group_info(m.GetUserGroupInfoRequest(keyword=tag)).body.result
    assert [g.usergroup_name for g in found] == [f"Door {tag}"]


def test_canonically_equal_group_names_are_one_name(qb, tag):
    create_group(qb, f"Caf\u00e9 {tag}")
    expect_error("Object.Already.Exists", qb.create_user_group,
                 m.CreateUserGroupRequest(parent_user_group_id="-1", user_group_name=f"Cafe\u0301 {tag}"))
    for kw in [f"Caf\u00e9 {tag}", f"cafe\u0301 {tag}", f"CAF\u00c9 {tag}"]:
        found = qb.get_user_group_info(m.GetUserGroupInfoRequest(keyword=kw)).body.result
        assert [g.usergroup_name for g in found] == [f"Caf\u00e9 {tag}"], kw


def test_keywords_match_what_the_reference_says(qb, tag):
    gid = create_group(qb, f"Kw {tag}")
    sub = create_group(qb, f"ΟΔΟΣ sub {tag}", parent=gid)
    # the nick name shares nothing with the account name
    uid = add_user(qb, f"kw{tag}", nick=f"ΟΔΟΣ {tag[::-1]}", role_ids=f"{ROLE_AUTH_ADMIN}").user_id
    other = add_user(qb, f"ko{tag}", nick="Somebody").user_id
    for u in (uid, other):
        qb.add_user_group_member(m.AddUserGroupMemberRequest(user_group_id=gid, user_id_list=u))

    def members(kw):
        r = qb.query_user_group_member(m.QueryUserGroupMemberRequest(user_group_id=gid, keyword=kw))
        return [i.id for i in r.body.result]

    def user_list(kw):
        r = qb.query_user_list(m.QueryUserListRequest(keyword=kw, page_num=1, page_size=100))
        return [u.user_id for u in r.body.result.data]

    def role_users(kw):
        r = qb.list_organization_role_users(
            m.ListOrganizationRoleUsersRequest(role_id=ROLE_AUTH_ADMIN, keyword=kw, page_size=100))
        return [u.user_id for u in r.body.result.data]

    # QueryUserGroupMember: a subgroup's name, a member's user name or nick name (item 10);
    # the nick name's final sigma is matched by either spelling (item 6)
    assert members(tag[::-1]) == [uid]
    assert members(f"kw{tag}") == [uid]
    assert members("οδος") == [sub, uid]
    assert members("ΟΔΟΣ") == [sub, uid]
    assert members("somebody") == [other]
    # QueryUserList: the user name or the nick name
    assert user_list(tag[::-1]) == [uid]
    assert user_list(f"KW{tag}") == [uid]
    assert user_list(f"οδοσ {tag[::-1]}") == [uid]
    # ListOrganizationRoleUsers: the nick name only
    assert role_users(tag[::-1]) == [uid]
    assert role_users(f"ΟΔΟς {tag[::-1]}") == [uid]
    assert role_users(f"kw{tag}") == []


def test_lookups_by_text_no_name_can_hold_are_clear_errors(qb, tag):
    for ch in ["\x00", "\x1f"]:
        expect_error("Application.Object.NotExist", qb.query_user_info_by_account,
                     m.QueryUserInfoByAccountRequest(account=f"a{ch}b"))
        expect_error("Invalid.Parameter", qb.query_user_list,
                     m.QueryUserListRequest(keyword=f"a{ch}b"))
        expect_error("Invalid.Parameter", qb.get_user_group_info,
                     m.GetUserGroupInfoRequest(keyword=f"a{ch}b"))
        expect_error("Invalid.Parameter", qb.list_by_user_group_id,
                     m.ListByUserGroupIdRequest(user_group_ids=f"a{ch}b"))

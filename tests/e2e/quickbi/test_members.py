"""Membership: AddUserGroupMember(s), DeleteUserGroupMember(s), QueryUserGroupMember,
ListUserGroupsByUserId, WithdrawAllUserGroups."""

from alibabacloud_quickbi_public20220101 import models as m

from qb_helpers import add_user, create_group, expect_error, groups_of


def test_add_and_remove_members_of_one_group(qb, tag):
    gid = create_group(qb, f"Team {tag}")
    u1 = add_user(qb, f"m1{tag}", nick="Member One").user_id
    u2 = add_user(qb, f"m2{tag}").user_id
    r = qb.add_user_group_member(m.AddUserGroupMemberRequest(user_group_id=gid, user_id_list=f"{u1},{u2}"))
    assert r.body.result is True
    assert [g.usergroup_id for g in groups_of(qb, u1)] == [gid]
    assert qb.delete_user_group_member(m.DeleteUserGroupMemberRequest(user_group_id=gid, user_id=u2)).body.result is True
    assert groups_of(qb, u2) == []
    assert [g.usergroup_id for g in groups_of(qb, u1)] == [gid]
    # an unknown user fails the whole call
    u3 = add_user(qb, f"m3{tag}").user_id
    expect_error("Application.Object.NotExist", qb.add_user_group_member,
                 m.AddUserGroupMemberRequest(user_group_id=gid, user_id_list=f"{u3},{'0' * 32}"))
    assert groups_of(qb, u3) == []
    expect_error("Application.Object.NotExist", qb.add_user_group_member,
                 m.AddUserGroupMemberRequest(user_group_id="0" * 32, user_id_list=u3))
    expect_error("System.Param.Empty", qb.add_user_group_member, m.AddUserGroupMemberRequest(user_group_id=gid))


def test_one_user_in_many_groups(qb, tag):
    g1 = create_group(qb, f"G1 {tag}")
    g2 = create_group(qb, f"G2 {tag}", parent=g1)
    g3 = create_group(qb, f"G3 {tag}")
    uid = add_user(qb, f"many{tag}").user_id
    r = qb.add_user_group_members(m.AddUserGroupMembersRequest(user_id=uid, user_group_ids=f"{g1},{g2},{g3}"))
    assert r.body.result is True
    mine = {g.usergroup_id: g for g in groups_of(qb, uid)}
    assert set(mine) == {g1, g2, g3}
    assert mine[g2].identified_path == f"{g1}/{g2}" and mine[g2].parent_usergroup_id == g1
    r = qb.delete_user_group_members(m.DeleteUserGroupMembersRequest(user_id=uid, user_group_ids=f"{g1},{g3}"))
    assert r.body.result is True
    assert [g.usergroup_id for g in groups_of(qb, uid)] == [g2]
    # all groups or none: one unknown group changes nothing
    expect_error("Application.Object.NotExist", qb.add_user_group_members,
                 m.AddUserGroupMembersRequest(user_id=uid, user_group_ids=f"{g1},nope-{tag}"))
    assert [g.usergroup_id for g in groups_of(qb, uid)] == [g2]
    expect_error("Application.Object.NotExist", qb.delete_user_group_members,
                 m.DeleteUserGroupMembersRequest(user_id="0" * 32, user_group_ids=g1))
    qb.add_user_group_members(m.AddUserGroupMembersRequest(user_id=uid, user_group_ids=f"{g1},{g3}"))
    assert qb.withdraw_all_user_groups(m.WithdrawAllUserGroupsRequest(user_id=uid)).body.result is True
    assert groups_of(qb, uid) == []
    expect_error("Application.Object.NotExist", qb.withdraw_all_user_groups,
                 m.WithdrawAllUserGroupsRequest(user_id="0" * 32))
    expect_error("Application.Object.NotExist", qb.list_user_groups_by_user_id,
                 m.ListUserGroupsByUserIdRequest(user_id="0" * 32))


def test_query_user_group_member_lists_subgroups_then_users(qb, tag):
    gid = create_group(qb, f"Parent {tag}")
    sub = create_group(qb, f"Child {tag}", parent=gid)
    uid = add_user(qb, f"qm{tag}", nick="Quinn").user_id
    qb.add_user_group_member(m.AddUserGroupMemberRequest(user_group_id=gid, user_id_list=uid))
    items = qb.query_user_group_member(m.QueryUserGroupMemberRequest(user_group_id=gid)).body.result
    assert [(i.id, i.is_user_group, i.name) for i in items] == [(sub, True, f"Child {tag}"), (uid, False, "Quinn")]
    assert all(i.parent_user_group_id == gid and i.parent_user_group_name == f"Parent {tag}" for i in items)
    only_users = qb.query_user_group_member(
        m.QueryUserGroupMemberRequest(user_group_id=gid, keyword=f"qm{tag}")).body.result
    assert [i.id for i in only_users] == [uid]
    expect_error("Application.Object.NotExist", qb.query_user_group_member,
                 m.QueryUserGroupMemberRequest(user_group_id="0" * 32))

"""User groups and their tree: CreateUserGroup, UpdateUserGroup, DeleteUserGroup,
GetUserGroupInfo, ListByUserGroupId, QueryUserGroupListByParentId, TransferUsergroup."""

from alibabacloud_quickbi_public20220101 import models as m

from qb_helpers import TIME, create_group, expect_error, group_info


def test_create_keeps_a_chosen_id_and_shows_both_spellings(qb, creds, tag):
    top = create_group(qb, f"Sales {tag}", desc="top level")
    sub = create_group(qb, f"East {tag}", parent=top, group_id=f"east-{tag}", desc="d")
    assert sub == f"east-{tag}"
    # the Usergroup* spelling
    g = group_info(qb, sub)
    assert g.usergroup_id == sub
    assert g.usergroup_name == f"East {tag}"
    assert g.usergroup_desc == "d"
    assert g.parent_usergroup_id == top
    assert g.identified_path == f"{top}/{sub}"
    assert TIME.match(g.create_time) and TIME.match(g.modified_time)
    assert g.create_user == creds["user_id"] and g.modify_user == creds["user_id"]
    # the UserGroup* spelling
    children = qb.query_user_group_list_by_parent_id(
        m.QueryUserGroupListByParentIdRequest(parent_user_group_id=top)).body.result
    assert [(c.user_group_id, c.user_group_name, c.user_group_description, c.parent_user_group_id,
             c.identified_path) for c in children] == [(sub, f"East {tag}", "d", top, f"{top}/{sub}")]
    roots = qb.query_user_group_list_by_parent_id(
        m.QueryUserGroupListByParentIdRequest(parent_user_group_id="-1")).body.result
    mine = [r for r in roots if r.user_group_id == top]
    assert len(mine) == 1 and mine[0].parent_user_group_id == "-1" and mine[0].identified_path == top


def test_create_errors(qb, tag):
    expect_error("System.Param.Empty", qb.create_user_group,
                 m.CreateUserGroupRequest(parent_user_group_id="-1"))
    expect_error("System.Param.Empty", qb.create_user_group,
                 m.CreateUserGroupRequest(user_group_name=f"x{tag}"))
    expect_error("Application.Object.NotExist", qb.create_user_group,
                 m.CreateUserGroupRequest(parent_user_group_id="0" * 32, user_group_name=f"x{tag}"))
    create_group(qb, f"same {tag}")
    expect_error("Object.Already.Exists", qb.create_user_group,
                 m.CreateUserGroupRequest(parent_user_group_id="-1", user_group_name=f"same {tag}"))
    taken = create_group(qb, f"idd {tag}", group_id=f"id-{tag}")
    expect_error("Object.Already.Exists", qb.create_user_group,
                 m.CreateUserGroupRequest(parent_user_group_id="-1", user_group_name=f"other {tag}",
                                          user_group_id=taken))
    expect_error("Invalid.Parameter", qb.create_user_group,
                 m.CreateUserGroupRequest(parent_user_group_id="-1", user_group_name=f"bad {tag}",
                                          user_group_id="no spaces allowed"))


def test_update_and_get_by_keyword(qb, tag):
    gid = create_group(qb, f"Old {tag}")
    r = qb.update_user_group(m.UpdateUserGroupRequest(user_group_id=gid, user_group_name=f"New {tag}",
                                                      user_group_description="changed"))
    assert r.body.result is True
    found = qb.get_user_group_info(m.GetUserGroupInfoRequest(keyword=f"new {tag}")).body.result
    assert [(g.usergroup_id, g.usergroup_name, g.usergroup_desc) for g in found] == \
        [(gid, f"New {tag}", "changed")]
    assert qb.get_user_group_info(m.GetUserGroupInfoRequest(keyword=f"Old {tag}")).body.result == []
    expect_error("System.Param.Empty", qb.get_user_group_info, m.GetUserGroupInfoRequest())
    expect_error("Application.Object.NotExist", qb.update_user_group,
                 m.UpdateUserGroupRequest(user_group_id="0" * 32, user_group_name="x"))


def test_list_by_ids_reports_the_unknown_ones(qb, tag):
    a = create_group(qb, f"A {tag}")
    b = create_group(qb, f"B {tag}")
    r = qb.list_by_user_group_id(m.ListByUserGroupIdRequest(user_group_ids=f"{a},nope-{tag},{b}")).body.result
    assert sorted(g.usergroup_id for g in r.user_group_models) == sorted([a, b])
    assert r.failed_user_group_ids == [f"nope-{tag}"]


def test_delete_takes_the_subtree(qb, tag):
    top = create_group(qb, f"Top {tag}")
    mid = create_group(qb, f"Mid {tag}", parent=top)
    leaf = create_group(qb, f"Leaf {tag}", parent=mid)
    assert qb.delete_user_group(m.DeleteUserGroupRequest(user_group_id=mid)).body.result is True
    r = qb.list_by_user_group_id(m.ListByUserGroupIdRequest(user_group_ids=f"{top},{mid},{leaf}")).body.result
    assert [g.usergroup_id for g in r.user_group_models] == [top]
    assert sorted(r.failed_user_group_ids) == sorted([mid, leaf])
    expect_error("Application.Object.NotExist", qb.delete_user_group, m.DeleteUserGroupRequest(user_group_id=mid))


def test_transfer_moves_the_subtree_and_refuses_cycles(qb, tag):
    a = create_group(qb, f"TA {tag}")
    b = create_group(qb, f"TB {tag}")
    a1 = create_group(qb, f"TA1 {tag}", parent=a)
    a11 = create_group(qb, f"TA11 {tag}", parent=a1)
    r = qb.transfer_usergroup(m.TransferUsergroupRequest(user_group_id=a1, parent_user_group_id=b))
    assert r.body.result is True
    assert group_info(qb, a1).identified_path == f"{b}/{a1}"
    assert group_info(qb, a1).parent_usergroup_id == b
    assert group_info(qb, a11).identified_path == f"{b}/{a1}/{a11}"
    # a move under its own descendant (or itself) would make a cycle
    e = expect_error("Invalid.Parameter", qb.transfer_usergroup,
                     m.TransferUsergroupRequest(user_group_id=b, parent_user_group_id=a11))
    assert "descendant" in e.message
    expect_error("Invalid.Parameter", qb.transfer_usergroup,
                 m.TransferUsergroupRequest(user_group_id=b, parent_user_group_id=b))
    assert group_info(qb, b).identified_path == b
    # back to the root
    qb.transfer_usergroup(m.TransferUsergroupRequest(user_group_id=a1, parent_user_group_id="-1"))
    assert group_info(qb, a11).identified_path == f"{a1}/{a11}"
    assert group_info(qb, a1).parent_usergroup_id == "-1"
    expect_error("Application.Object.NotExist", qb.transfer_usergroup,
                 m.TransferUsergroupRequest(user_group_id=a1, parent_user_group_id="0" * 32))
    expect_error("System.Param.Empty", qb.transfer_usergroup, m.TransferUsergroupRequest(user_group_id=a1))


def test_another_organization_sees_none_of_it(qb, qb_other, tag):
    gid = create_group(qb, f"Private {tag}")
    r = qb_other.list_by_user_group_id(m.ListByUserGroupIdRequest(user_group_ids=gid)).body.result
    assert r.user_group_models == [] and r.failed_user_group_ids == [gid]
    expect_error("Application.Object.NotExist", qb_other.delete_user_group,
                 m.DeleteUserGroupRequest(user_group_id=gid))
    assert qb_other.get_user_group_info(m.GetUserGroupInfoRequest(keyword=f"Private {tag}")).body.result == []

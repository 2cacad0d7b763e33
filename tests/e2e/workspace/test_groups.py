"""User groups through the official SDK: create, list (keyword, platform type,
paging), update, delete, batch delete, membership. Error cases live in
test_errors.py."""

import datetime

from huaweicloudsdkworkspace.v2 import (
    BatchDeleteUserGroupsReq,
    BatchDeleteUserGroupsRequest,
    CreateUserGroupReq,
    CreateUserGroupRequest,
    DeleteUserGroupRequest,
    DeleteUserRequest,
    EditUserGroupRequest,
    ListUserGroupsRequest,
    ListUsersOfGroupRequest,
    ListUsersRequest,
    UpdateUserGroupRequest,
)

from e2e_helpers import (
    CREATE_TIME,
    create_group,
    create_user,
    find_group,
    group_action,
    group_members,
    group_names,
    list_all_groups,
    user_detail,
)


def _list(client, **kwargs):
    return client.list_user_groups(ListUserGroupsRequest(**kwargs))


# ---------------------------------------------------------------- create / fields


def test_create_group_and_list_fields(client, creds, tag):
    name = f"grp-{tag}"
    resp = client.create_user_group(
        CreateUserGroupRequest(
            body=CreateUserGroupReq(group_name=name, platform_type="LOCAL", description="first group")
        )
    )
    assert resp.status_code == 200

    listed = _list(client, keyword=tag)
    assert listed.total_count == 1
    assert len(listed.user_groups) == 1
    g = listed.user_groups[0]
    assert g.name == name
    assert isinstance(g.id, str) and g.id
    assert g.description == "first group"
    assert g.user_quantity == 0
    assert g.platform_type == "LOCAL"
    assert g.realm_id == creds["domain_id"]
    assert isinstance(g.sid, str) and g.sid

    assert CREATE_TIME.match(g.create_time), g.create_time
    created = datetime.datetime.strptime(g.create_time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - created).total_seconds()) < 600, f"create_time {g.create_time} is not now"


def test_group_ids_are_distinct(client, tag):
    a = create_group(client, f"ida-{tag}")
    b = create_group(client, f"idb-{tag}")
    assert a.id != b.id


def test_create_ad_group_and_filter_by_platform_type(client, tag):
    create_group(client, f"loc-{tag}", platform_type="LOCAL")
    ad = create_group(client, f"ad-{tag}", platform_type="AD")
    assert ad.platform_type == "AD"

    assert group_names(client, tag, platform_type=["AD"]) == [f"ad-{tag}"]
    assert group_names(client, tag, platform_type=["LOCAL"]) == [f"loc-{tag}"]
    assert sorted(group_names(client, tag, platform_type=["LOCAL", "AD"])) == sorted(
        [f"loc-{tag}", f"ad-{tag}"]
    )


# ---------------------------------------------------------------- keyword


def test_keyword_is_case_insensitive_substring(client, tag):
    create_group(client, f"Sales-{tag}-EMEA")
    create_group(client, f"other-{tag}")

    for keyword in (f"sales-{tag}", f"SALES-{tag.upper()}", f"{tag}-emea", f"{tag.upper()}-EmEa"):
        names = [g.name for g in list_all_groups(client, keyword=keyword)]
        assert f"Sales-{tag}-EMEA" in names, keyword
        assert f"other-{tag}" not in names, keyword
    assert group_names(client, tag) == [f"Sales-{tag}-EMEA", f"other-{tag}"]


def test_keyword_chinese(client, tag):
    rnd = create_group(client, f"研发部-{tag}")
    research = create_group(client, f"研究院-{tag}")
    sales = create_group(client, f"销售部-{tag}")
    mine = {rnd.id, research.id, sales.id}

    def found(keyword):
        return {g.id for g in list_all_groups(client, keyword=keyword)} & mine

    assert found("研") == {rnd.id, research.id}  # 1 character
    assert found("研发") == {rnd.id}  # 2 characters
    assert found("部") == {rnd.id, sales.id}
    assert found("研究院") == {research.id}
    assert found(f"销售部-{tag}") == {sales.id}
    assert found(f"发部-{tag.upper()}") == {rnd.id}


def test_keyword_percent_and_underscore_are_literal(client, tag):
    pct = create_group(client, f"a%b-{tag}")
    axxb = create_group(client, f"axxb-{tag}")
    under = create_group(client, f"u_s-{tag}")
    plain = create_group(client, f"uxs-{tag}")
    mine = {pct.id, axxb.id, under.id, plain.id}

    def found(keyword):
        return {g.id for g in list_all_groups(client, keyword=keyword)} & mine

    assert found("a%b") == {pct.id}
    assert found("%") == {pct.id}
    assert found("_") == {under.id}
    assert found("u_s") == {under.id}
    assert found(f"a%b-{tag}") == {pct.id}
    assert found(tag) == mine


def test_keyword_without_match_returns_empty(client, tag):
    create_group(client, f"grp-{tag}")
    resp = _list(client, keyword=f"{tag}-nothing")
    assert resp.total_count == 0
    assert resp.user_groups == []


# ---------------------------------------------------------------- paging


def test_paging_25_groups_in_pages_of_10(client, tag):
    created = [create_group(client, f"pg{i:02d}-{tag}") for i in range(25)]
    created_ids = [g.id for g in created]

    pages = []
    for offset in (0, 10, 20):
        resp = _list(client, keyword=tag, limit="10", offset=str(offset))
        assert resp.total_count == 25, f"offset {offset}"
        pages.append([g.id for g in resp.user_groups])

    assert [len(p) for p in pages] == [10, 10, 5]
    flat = [gid for page in pages for gid in page]
    assert len(set(flat)) == 25, "pages overlap"
    assert set(flat) == set(created_ids)
    # Stable order: creation order.
    assert flat == created_ids

    past_end = _list(client, keyword=tag, limit="10", offset="30")
    assert past_end.total_count == 25
    assert past_end.user_groups == []

    # The same query twice gives the same page.
    again = _list(client, keyword=tag, limit="10", offset="10")
    assert [g.id for g in again.user_groups] == pages[1]


def test_paging_limit_boundaries(client, tag):
    created = [create_group(client, f"lb{i}-{tag}").id for i in range(3)]

    one = _list(client, keyword=tag, limit="1")
    assert one.total_count == 3
    assert [g.id for g in one.user_groups] == created[:1]

    for offset in range(3):
        resp = _list(client, keyword=tag, limit="1", offset=str(offset))
        assert [g.id for g in resp.user_groups] == [created[offset]]

    hundred = _list(client, keyword=tag, limit="100", offset="0")
    assert [g.id for g in hundred.user_groups] == created

    # offset without limit
    tail = _list(client, keyword=tag, offset="2")
    assert [g.id for g in tail.user_groups] == created[2:]


def test_limit_absent_or_zero_means_100(client, tag):
    created = [create_group(client, f"h{i:03d}-{tag}").id for i in range(105)]
    try:
        for kwargs in ({}, {"limit": "0"}, {"limit": "100"}):
            resp = _list(client, keyword=tag, **kwargs)
            assert resp.total_count == 105, kwargs
            assert [g.id for g in resp.user_groups] == created[:100], kwargs
        rest = _list(client, keyword=tag, limit="100", offset="100")
        assert [g.id for g in rest.user_groups] == created[100:]
    finally:
        # Keep the shared account small for the other tests.
        for start in range(0, len(created), 50):
            client.batch_delete_user_groups(
                BatchDeleteUserGroupsRequest(
                    body=BatchDeleteUserGroupsReq(group_ids=created[start : start + 50])
                )
            )
    assert _list(client, keyword=tag).total_count == 0


# ---------------------------------------------------------------- update / delete


def test_update_group_name_and_description(client, tag):
    group = create_group(client, f"old-{tag}", description="before")
    resp = client.update_user_group(
        UpdateUserGroupRequest(
            group_id=group.id,
            body=EditUserGroupRequest(group_name=f"new-{tag}", description="after"),
        )
    )
    assert resp.status_code == 200

    assert find_group(client, f"old-{tag}") is None
    updated = find_group(client, f"new-{tag}")
    assert updated is not None
    assert updated.id == group.id
    assert updated.description == "after"
    assert updated.create_time == group.create_time
    assert updated.realm_id == group.realm_id


def test_update_group_description_only(client, tag):
    group = create_group(client, f"desc-{tag}", description="one")
    client.update_user_group(
        UpdateUserGroupRequest(group_id=group.id, body=EditUserGroupRequest(description="two"))
    )
    updated = find_group(client, f"desc-{tag}")
    assert updated.id == group.id
    assert updated.description == "two"


def test_update_group_name_case_only(client, tag):
    group = create_group(client, f"case-{tag}")
    client.update_user_group(
        UpdateUserGroupRequest(group_id=group.id, body=EditUserGroupRequest(group_name=f"CASE-{tag}"))
    )
    assert group_names(client, tag) == [f"CASE-{tag}"]


def test_delete_group(client, tag):
    keep = create_group(client, f"keep-{tag}")
    gone = create_group(client, f"gone-{tag}")
    resp = client.delete_user_group(DeleteUserGroupRequest(group_id=gone.id))
    assert resp.status_code in (200, 204)
    assert [g.id for g in list_all_groups(client, keyword=tag)] == [keep.id]


def test_deleted_group_name_can_be_reused(client, tag):
    gone = create_group(client, f"reuse-{tag}")
    client.delete_user_group(DeleteUserGroupRequest(group_id=gone.id))
    again = create_group(client, f"reuse-{tag}")
    assert again.id != gone.id


def test_batch_delete_groups(client, tag):
    groups = [create_group(client, f"bd{i}-{tag}") for i in range(4)]
    resp = client.batch_delete_user_groups(
        BatchDeleteUserGroupsRequest(
            body=BatchDeleteUserGroupsReq(group_ids=[groups[0].id, groups[2].id, groups[3].id])
        )
    )
    assert resp.status_code in (200, 204)
    assert [g.id for g in list_all_groups(client, keyword=tag)] == [groups[1].id]


# ---------------------------------------------------------------- membership


def test_membership_counts_are_exact(client, tag):
    group = create_group(client, f"team-{tag}")
    u1 = create_user(client, f"m1{tag}")
    u2 = create_user(client, f"m2{tag}")
    u3 = create_user(client, f"m3{tag}")

    def quantity():
        return find_group(client, f"team-{tag}").user_quantity

    group_action(client, group.id, "ADD", [u1, u2])
    assert quantity() == 2

    # u2 is already a member: it must not be counted twice.
    group_action(client, group.id, "ADD", [u2, u3])
    assert quantity() == 3
    group_action(client, group.id, "ADD", [u1])
    assert quantity() == 3

    members = group_members(client, group.id)
    assert members.total_count == 3
    assert sorted(u.id for u in members.users) == sorted([u1, u2, u3])

    group_action(client, group.id, "DELETE", [u1])
    assert quantity() == 2
    assert sorted(u.id for u in group_members(client, group.id).users) == sorted([u2, u3])

    group_action(client, group.id, "DELETE", [u2, u3])
    assert quantity() == 0
    empty = group_members(client, group.id)
    assert empty.total_count == 0
    assert empty.users == []


def test_membership_is_visible_on_users(client, tag):
    g1 = create_group(client, f"ga-{tag}")
    g2 = create_group(client, f"gb-{tag}")
    u1 = create_user(client, f"v1{tag}")
    u2 = create_user(client, f"v2{tag}")

    group_action(client, g1.id, "ADD", [u1, u2])
    group_action(client, g2.id, "ADD", [u1])

    assert sorted(user_detail(client, u1).group_names) == sorted([g1.name, g2.name])
    assert user_detail(client, u2).group_names == [g1.name]

    in_g2 = client.list_users(ListUsersRequest(group_name=g2.name))
    assert [u.id for u in in_g2.users] == [u1]
    assert in_g2.total_count == 1

    listed = {u.id: u for u in client.list_users(ListUsersRequest(user_name=tag)).users}
    assert sorted(listed[u1].group_names) == sorted([g1.name, g2.name])
    assert listed[u2].group_names == [g1.name]

    group_action(client, g1.id, "DELETE", [u1])
    assert user_detail(client, u1).group_names == [g2.name]


def test_list_users_of_group_fields_filter_and_paging(client, tag):
    group = create_group(client, f"lg-{tag}")
    ids = [
        create_user(client, f"alpha{tag}", user_email="alpha@example.com", description="first"),
        create_user(client, f"beta{tag}", user_phone="13800000001"),
        create_user(client, f"ALPHA2{tag}", user_email="alpha2@example.com"),
    ]
    outsider = create_user(client, f"gamma{tag}")
    group_action(client, group.id, "ADD", ids)

    everyone = group_members(client, group.id)
    assert everyone.total_count == 3
    by_id = {u.id: u for u in everyone.users}
    assert set(by_id) == set(ids)
    assert outsider not in by_id
    assert by_id[ids[0]].user_name == f"alpha{tag}"
    assert by_id[ids[0]].user_email == "alpha@example.com"
    assert by_id[ids[0]].description == "first"
    assert by_id[ids[1]].user_phone == "13800000001"

    # user_name: case-insensitive substring
    alphas = group_members(client, group.id, user_name="alpha")
    assert alphas.total_count == 2
    assert sorted(u.id for u in alphas.users) == sorted([ids[0], ids[2]])
    assert group_members(client, group.id, user_name="gamma").total_count == 0

    # paging
    seen = []
    for offset in (0, 2):
        page = client.list_users_of_group(
            ListUsersOfGroupRequest(group_id=group.id, limit=2, offset=offset)
        )
        assert page.total_count == 3
        seen.append([u.id for u in page.users])
    assert [len(p) for p in seen] == [2, 1]
    assert sorted(seen[0] + seen[1]) == sorted(ids)


def test_deleting_user_decrements_group_quantity(client, tag):
    g1 = create_group(client, f"dq1-{tag}")
    g2 = create_group(client, f"dq2-{tag}")
    u1 = create_user(client, f"d1{tag}")
    u2 = create_user(client, f"d2{tag}")
    group_action(client, g1.id, "ADD", [u1, u2])
    group_action(client, g2.id, "ADD", [u1])
    assert find_group(client, g1.name).user_quantity == 2
    assert find_group(client, g2.name).user_quantity == 1

    client.delete_user(DeleteUserRequest(user_id=u1))

    assert find_group(client, g1.name).user_quantity == 1
    assert find_group(client, g2.name).user_quantity == 0
    assert [u.id for u in group_members(client, g1.id).users] == [u2]


def test_deleting_group_keeps_its_users(client, tag):
    group = create_group(client, f"dg-{tag}")
    uid = create_user(client, f"dg{tag}")
    group_action(client, group.id, "ADD", [uid])
    assert user_detail(client, uid).group_names == [group.name]

    client.delete_user_group(DeleteUserGroupRequest(group_id=group.id))

    assert user_detail(client, uid).group_names == []


def test_create_user_directly_into_groups(client, tag):
    g1 = create_group(client, f"cu1-{tag}")
    g2 = create_group(client, f"cu2-{tag}")
    uid = create_user(client, f"cu{tag}", group_ids=[g1.id, g2.id])
    assert sorted(user_detail(client, uid).group_names) == sorted([g1.name, g2.name])
    assert find_group(client, g1.name).user_quantity == 1
    assert find_group(client, g2.name).user_quantity == 1
    assert [u.id for u in group_members(client, g1.id).users] == [uid]

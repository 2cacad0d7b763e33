"""Quick BI's unpaged listings (their SDK models have no paging) are whole past 1,000
rows: QueryUserGroupListByParentId, QueryUserGroupMember, ListUserGroupsByUserId."""

import json
import os
import subprocess
import uuid

import pytest
from alibabacloud_quickbi_public20220101 import models as m

from conftest import make_client
from qb_helpers import create_group


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(f"{name} is not set; run through the Rust harness")
    return value


def _store_args():
    args = ["--data-dir", _env("ROSTER_DATA_DIR")]
    db = os.environ.get("ROSTER_DB", "")
    if db.startswith("postgres"):
        args += ["--database-url", db]
    return args


@pytest.fixture(scope="module")
def big():
    """An organization of its own with 1,001 more users and 1,001 top-level groups."""
    roster = _env("ROSTER_BIN")
    name = "qbig" + uuid.uuid4().hex[:8]
    out = subprocess.run([roster, "account", "create", name, "--json", *_store_args()],
                         check=True, capture_output=True, text=True)
    creds = json.loads(out.stdout)
    subprocess.run([roster, "seed", "--project-id", creds["project_id"], "--users", "1001",
                    "--groups", "1001", "--max-depth", "1", "--memberships", "0",
                    *_store_args()], check=True, capture_output=True)
    return creds


@pytest.fixture(scope="module")
def qbig(big, signature):
    return make_client(big["access_key"], big["secret_key"],
                       None if signature == "acs3" else "v2")


def _user_ids(qb, root_id):
    ids = []
    for page in (1, 2):
        r = qb.query_user_list(m.QueryUserListRequest(page_num=page, page_size=1000))
        ids += [u.user_id for u in r.body.result.data]
    return [i for i in ids if i != root_id]


def test_unpaged_listings_are_whole_past_1000(qbig, big, tag):
    top = qbig.query_user_group_list_by_parent_id(
        m.QueryUserGroupListByParentIdRequest(parent_user_group_id="-1")).body.result
    seeded = [g.user_group_id for g in top]
    assert len(seeded) >= 1001 and len(set(seeded)) == len(seeded)

    users = _user_ids(qbig, big["user_id"])
    assert len(users) == 1001
    g = create_group(qbig, f"all-{tag}")
    subs = [create_group(qbig, f"sub{i}-{tag}", parent=g) for i in range(3)]
    for i in range(0, len(users), 100):
        r = qbig.add_user_group_member(m.AddUserGroupMemberRequest(
            user_group_id=g, user_id_list=",".join(users[i:i + 100])))
        assert r.body.result is True
    members = qbig.query_user_group_member(
        m.QueryUserGroupMemberRequest(user_group_id=g)).body.result
    assert [x.id for x in members[:3]] == subs and all(x.is_user_group for x in members[:3])
    assert sorted(x.id for x in members[3:]) == sorted(users)
    assert not any(x.is_user_group for x in members[3:])

    u = users[0]
    for i in range(0, len(seeded), 100):
        r = qbig.add_user_group_members(m.AddUserGroupMembersRequest(
            user_id=u, user_group_ids=",".join(seeded[i:i + 100])))
        assert r.body.result is True
    mine = qbig.list_user_groups_by_user_id(
        m.ListUserGroupsByUserIdRequest(user_id=u)).body.result
    assert sorted(x.usergroup_id for x in mine) == sorted(seeded + [g])


def test_spaces_and_plus_in_parameters(qb, tag):
    """The SDK sends a space as `+` and a plus as `%2B` (urlencode): both read right."""
    spaced = create_group(qb, f"qa team {tag}")
    plus = create_group(qb, f"c++ {tag}")
    found = qb.get_user_group_info(m.GetUserGroupInfoRequest(keyword=f"qa team {tag}")).body.result
    assert [g.usergroup_id for g in found] == [spaced]
    found = qb.get_user_group_info(m.GetUserGroupInfoRequest(keyword=f"c++ {tag}")).body.result
    assert [g.usergroup_id for g in found] == [plus]

"""Keystone lists as the clients that never follow `links.next` see them: whole past
1,000 entries (huaweicloudsdkiam and python-keystoneclient), filters applied on the
sub-collections, and `+` in keystoneclient's query strings read as a space."""

import json
import os
import subprocess
import uuid

import pytest
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

from huaweicloudsdkiam.v3 import (
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneListGroupsRequest,
    KeystoneListUsersRequest,
)

from iam_helpers import PASSWORD, global_client, require_env


def keystone(roster_url, creds):
    auth = v3.Password(
        auth_url=f"{roster_url}/v3",
        username=creds["user_name"],
        password=creds["password"],
        user_domain_name=creds["domain_name"],
        project_name=creds["project_name"],
        project_domain_name=creds["domain_name"],
    )
    return client.Client(session=session.Session(auth=auth))


def _store_args():
    args = ["--data-dir", require_env("ROSTER_DATA_DIR")]
    db = os.environ.get("ROSTER_DB", "")
    if db.startswith("postgres"):
        args += ["--database-url", db]
    return args


@pytest.fixture(scope="module")
def big():
    """An account of its own with 1,001 more users (1,002 with its root user) and 1,001
    groups, made with the CLI on the server's database."""
    roster = require_env("ROSTER_BIN")
    name = "big" + uuid.uuid4().hex[:8]
    out = subprocess.run([roster, "account", "create", name, "--json", *_store_args()],
                         check=True, capture_output=True, text=True)
    creds = json.loads(out.stdout)
    subprocess.run([roster, "seed", "--project-id", creds["project_id"], "--users", "1001",
                    "--groups", "1001", "--max-depth", "1", "--memberships", "0",
                    *_store_args()], check=True, capture_output=True)
    return creds


def test_sdk_lists_are_whole_past_1000(roster_url, big):
    c = global_client(roster_url, big["access_key"], big["secret_key"], big["domain_id"])
    groups = c.keystone_list_groups(KeystoneListGroupsRequest()).groups
    assert len(groups) == 1001 and len({g.id for g in groups}) == 1001
    users = c.keystone_list_users(KeystoneListUsersRequest()).users
    assert len(users) == 1002
    disabled = c.keystone_list_users(KeystoneListUsersRequest(enabled=False)).users
    assert sorted(u.id for u in disabled) == sorted(u.id for u in users if not u.enabled)
    assert 0 < len(disabled) < 1002


def test_keystoneclient_lists_are_whole_past_1000(roster_url, big):
    ks = keystone(roster_url, big)
    assert len(ks.groups.list()) == 1001
    assert len(ks.users.list()) == 1002


def test_keystoneclient_filters_on_sub_collections(roster_url, creds, tag):
    ks = keystone(roster_url, creds)
    g = ks.groups.create(name=f"sub-{tag}", domain=creds["domain_id"])
    on = ks.users.create(name=f"on-{tag}", domain=creds["domain_id"], password=PASSWORD)
    off = ks.users.create(name=f"off-{tag}", domain=creds["domain_id"], password=PASSWORD,
                          enabled=False)
    for u in (on, off):
        ks.users.add_to_group(u, g)
    ids = lambda xs: sorted(x.id for x in xs)  # noqa: E731
    assert ids(ks.users.list(group=g)) == sorted([on.id, off.id])
    assert ids(ks.users.list(group=g, enabled=False)) == [off.id]
    assert ids(ks.users.list(group=g, enabled=True)) == [on.id]
    assert ids(ks.users.list(group=g, name=f"on-{tag}")) == [on.id]
    assert ids(ks.users.list(group=g, name=f"nobody-{tag}")) == []
    other = ks.groups.create(name=f"other {tag}", domain=creds["domain_id"])
    ks.users.add_to_group(on, other)
    assert ids(ks.groups.list(user=on)) == sorted([g.id, other.id])
    assert ids(ks.groups.list(user=on, name=f"other {tag}")) == [other.id]


def test_keystoneclient_names_with_spaces_and_plus(roster_url, creds, iam, tag):
    """keystoneclient sends `name=qa+team+X`; the SDK sends `%20` and `%2B`."""
    ks = keystone(roster_url, creds)
    spaced = ks.groups.create(name=f"qa team {tag}", domain=creds["domain_id"])
    plus = ks.groups.create(name=f"c++ {tag}", domain=creds["domain_id"])
    assert [x.id for x in ks.groups.list(name=f"qa team {tag}")] == [spaced.id]
    assert [x.id for x in ks.groups.list(name=f"c++ {tag}")] == [plus.id]
    listed = iam.keystone_list_groups(KeystoneListGroupsRequest(name=f"qa team {tag}"))
    assert [x.id for x in listed.groups] == [spaced.id]
    assert "+" not in listed.links._self and "qa%20team%20" in listed.links._self
    listed = iam.keystone_list_groups(KeystoneListGroupsRequest(name=f"c++ {tag}"))
    assert [x.id for x in listed.groups] == [plus.id]
    body = KeystoneCreateGroupRequestBody(group=KeystoneCreateGroupOption(
        name=f"a+b {tag}", domain_id=creds["domain_id"]))
    made = iam.keystone_create_group(KeystoneCreateGroupRequest(body=body)).group
    assert [x.id for x in ks.groups.list(name=f"a+b {tag}")] == [made.id]

"""Keystone domains and the operator above the accounts, through python-keystoneclient
over a keystoneauth1 password session (as tempest's admin drives them): the operator
lists, creates, gets, updates, disables and deletes domains and makes users, groups and
projects in a new domain; an account's administrator sees only its own domain.
(huaweicloudsdkiam has no /v3/domains operations: only keystone_list_auth_domains, which
the other suites cover.)"""

import json
import os
import subprocess

import pytest
from keystoneauth1 import exceptions as ka_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

from iam_helpers import PASSWORD, require_env


def _roster(*args):
    cmd = [require_env("ROSTER_BIN"), *args, "--data-dir", require_env("ROSTER_DATA_DIR")]
    db = os.environ.get("ROSTER_DB", "")
    if db.startswith("postgres"):
        cmd += ["--database-url", db]
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def operator(tag_module):
    """An operator made with `roster operator create` (in the `default` account, made
    first if the harness's database has none)."""
    _roster("account", "create", "default", "--json")  # already there: refused, fine
    out = _roster("operator", "create", "--name", f"op-{tag_module}", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def tag_module():
    import uuid

    return "t" + uuid.uuid4().hex[:8]


def keystone(roster_url, user, password, domain, project):
    auth = v3.Password(
        auth_url=f"{roster_url}/v3",
        username=user,
        password=password,
        user_domain_name=domain,
        project_name=project,
        project_domain_name=domain,
    )
    return client.Client(session=session.Session(auth=auth))


@pytest.fixture(scope="module")
def ops(roster_url, operator):
    return keystone(roster_url, operator["user_name"], operator["password"],
                    operator["domain_name"], operator["project_name"])


def test_operator_domain_lifecycle(ops, roster_url, creds, tag):
    # tempest's first call: the admin's domain by name
    assert [d.name for d in ops.domains.list(name="default")] == ["default"]
    assert creds["domain_id"] in [d.id for d in ops.domains.list()]

    d = ops.domains.create(name=f"ksd-{tag}", description="from keystoneclient")
    assert d.name == f"ksd-{tag}" and d.enabled and d.description == "from keystoneclient"
    assert ops.domains.get(d.id).name == f"ksd-{tag}"
    assert [x.id for x in ops.domains.list(name=f"ksd-{tag}")] == [d.id]
    with pytest.raises(ka_exc.Conflict):
        ops.domains.create(name=f"ksd-{tag}")
    with pytest.raises(ka_exc.BadRequest):
        ops.domains.create(name="")

    # users, groups and projects in the new domain, and a grant there
    u = ops.users.create(name=f"ksu-{tag}", domain=d.id, password=PASSWORD)
    assert u.domain_id == d.id
    g = ops.groups.create(name=f"ksg-{tag}", domain=d.id)
    assert g.domain_id == d.id
    p = ops.projects.create(name=f"ksp-{tag}", domain=d.id)
    assert p.domain_id == d.id
    ops.users.add_to_group(u, g)
    assert [x.id for x in ops.users.list(group=g)] == [u.id]
    assert u.id in [x.id for x in ops.users.list(domain=d.id)]
    assert [x.id for x in ops.groups.list(domain=d.id)] == [g.id]
    member = [r for r in ops.roles.list() if r.name == "member"][0]
    ops.roles.grant(member, user=u, project=p)
    assert [r.id for r in ops.roles.list(user=u, project=p)] == [member.id]
    # the new user works in its domain
    mine = keystone(roster_url, f"ksu-{tag}", PASSWORD, f"ksd-{tag}", f"ksp-{tag}")
    assert p.id in [x.id for x in mine.auth.projects()]

    # an enabled domain is not deleted; a disabled one is, with what is in it
    with pytest.raises(ka_exc.Forbidden):
        ops.domains.delete(d)
    d = ops.domains.update(d, enabled=False, description="going")
    assert not d.enabled and d.description == "going"
    ops.domains.delete(d)
    with pytest.raises(ka_exc.NotFound):
        ops.domains.get(d.id)
    with pytest.raises(ka_exc.NotFound):
        ops.users.get(u.id)
    with pytest.raises(ka_exc.NotFound):
        ops.projects.get(p.id)


def test_account_admin_sees_only_its_domain(roster_url, creds, creds_other):
    ks = keystone(roster_url, creds["user_name"], creds["password"], creds["domain_name"],
                  creds["project_name"])
    assert [d.id for d in ks.domains.list()] == [creds["domain_id"]]
    assert ks.domains.list(name=creds_other["domain_name"]) == []
    assert ks.domains.get(creds["domain_id"]).name == creds["domain_name"]
    with pytest.raises(ka_exc.NotFound):
        ks.domains.get(creds_other["domain_id"])
    with pytest.raises(ka_exc.Forbidden):
        ks.domains.create(name="not-mine")
    with pytest.raises(ka_exc.Forbidden):
        ks.domains.update(creds["domain_id"], enabled=False)

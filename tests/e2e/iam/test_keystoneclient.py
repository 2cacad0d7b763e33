"""A Keystone client written by others: python-keystoneclient over a keystoneauth1
password session lists and creates groups, manages and checks membership, validates and
revokes tokens against Roster."""

import pytest
from keystoneauth1 import exceptions as ka_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

from iam_helpers import PASSWORD


def keystone(roster_url, creds, **scope):
    auth = v3.Password(
        auth_url=f"{roster_url}/v3",
        username=creds["user_name"],
        password=creds["password"],
        user_domain_name=creds["domain_name"],
        **scope,
    )
    return client.Client(session=session.Session(auth=auth))


@pytest.fixture(scope="module")
def ks(roster_url, creds):
    return keystone(roster_url, creds, project_name=creds["project_name"],
                    project_domain_name=creds["domain_name"])


def test_groups_and_membership(ks, creds, tag):
    g = ks.groups.create(name=f"ksg-{tag}", domain=creds["domain_id"], description="from keystoneclient")
    assert g.name == f"ksg-{tag}" and g.domain_id == creds["domain_id"]
    assert f"ksg-{tag}" in [x.name for x in ks.groups.list()]
    assert [x.id for x in ks.groups.list(name=f"ksg-{tag}")] == [g.id]

    u = ks.users.create(name=f"ksu-{tag}", domain=creds["domain_id"], password=PASSWORD)
    with pytest.raises(ka_exc.NotFound):
        ks.users.check_in_group(u, g)
    ks.users.add_to_group(u, g)
    assert ks.users.check_in_group(u, g)
    assert [x.id for x in ks.users.list(group=g)] == [u.id]
    assert [x.id for x in ks.groups.list(user=u)] == [g.id]
    ks.users.remove_from_group(u, g)
    with pytest.raises(ka_exc.NotFound):
        ks.users.check_in_group(u, g)

    ks.groups.update(g, description="renamed")
    assert ks.groups.get(g).description == "renamed"
    ks.groups.delete(g)
    with pytest.raises(ka_exc.NotFound):
        ks.groups.get(g)


def test_duplicate_group_is_conflict(ks, creds, tag):
    ks.groups.create(name=f"dupk-{tag}", domain=creds["domain_id"])
    with pytest.raises(ka_exc.Conflict):
        ks.groups.create(name=f"dupk-{tag}", domain=creds["domain_id"])


def test_domain_scoped_session(roster_url, creds, tag):
    ks = keystone(roster_url, creds, domain_name=creds["domain_name"])
    g = ks.groups.create(name=f"dom-{tag}", domain=creds["domain_id"])
    assert ks.groups.get(g.id).name == f"dom-{tag}"


def test_validate_and_revoke(ks, roster_url, creds):
    other = keystone(roster_url, creds, project_name=creds["project_name"],
                     project_domain_name=creds["domain_name"])
    token = other.session.get_token()
    data = ks.tokens.validate(token)
    assert data.user_id == creds["user_id"] and data.project_id == creds["project_id"]
    ks.tokens.revoke_token(token)
    with pytest.raises(ka_exc.NotFound):
        ks.tokens.validate(token)
    # the revoked token itself no longer authenticates (keystoneauth would log in again
    # on a 401, so ask with the token alone)
    from huaweicloudsdkiam.v3 import KeystoneListGroupsRequest

    from iam_helpers import expect_error, token_client

    c = token_client(roster_url, token)
    expect_error(lambda: c.keystone_list_groups(KeystoneListGroupsRequest()), 401)


def test_wrong_password_is_unauthorized(roster_url, creds):
    bad = dict(creds, password="Wrong#Pass9")
    with pytest.raises(ka_exc.Unauthorized):
        keystone(roster_url, bad, project_name=creds["project_name"],
                 project_domain_name=creds["domain_name"]).groups.list()


def test_an_auth_url_without_v3_is_discovered(roster_url, creds):
    """keystoneauth1 given the server's root asks `GET /` for the versions (Keystone's 300
    Multiple Choices) and finds v3 there; Quick BI's RPC calls on `/` are unaffected."""
    auth = v3.Password(
        auth_url=roster_url,
        username=creds["user_name"],
        password=creds["password"],
        user_domain_name=creds["domain_name"],
        project_name=creds["project_name"],
        project_domain_name=creds["domain_name"],
    )
    sess = session.Session(auth=auth)
    ks = client.Client(session=sess)
    assert creds["user_name"] in [u.name for u in ks.users.list()]
    import json
    import urllib.error
    import urllib.request
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(roster_url + "/")
    assert info.value.code == 300
    values = json.loads(info.value.read())["versions"]["values"]
    assert [(v["id"], v["links"][0]["href"]) for v in values] == [("v3.14", roster_url + "/v3/")]

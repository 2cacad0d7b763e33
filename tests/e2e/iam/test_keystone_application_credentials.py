"""Keystone's application credentials through python-keystoneclient and keystoneauth1:
`client.application_credentials` (create, list with name, get, delete on
/v3/users/{id}/application_credentials) from a user's project-scoped password session,
and keystoneauth1's `v3.ApplicationCredential` plugin (by id, and by name of its user)
making a session that is scoped to the credential's project, holds only the delegated
roles, and lists through keystoneclient. A restricted credential's session makes no other
credential; a deleted credential authenticates no more. (huaweicloudsdkiam has no
operation of these routes.)"""

import datetime

import pytest
from keystoneauth1 import exceptions as ka_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

from iam_helpers import PASSWORD


@pytest.fixture(scope="module")
def ks(roster_url, creds):
    auth = v3.Password(
        auth_url=f"{roster_url}/v3",
        username=creds["user_name"],
        password=creds["password"],
        user_domain_name=creds["domain_name"],
        project_name=creds["project_name"],
        project_domain_name=creds["domain_name"],
    )
    return client.Client(session=session.Session(auth=auth))


def user_client(roster_url, creds, name):
    auth = v3.Password(
        auth_url=f"{roster_url}/v3",
        username=name,
        password=PASSWORD,
        user_domain_name=creds["domain_name"],
        project_id=creds["project_id"],
    )
    return client.Client(session=session.Session(auth=auth))


def test_application_credentials_delegate_roles(ks, roster_url, creds, tag):
    u = ks.users.create(name=f"bot-{tag}", domain=creds["domain_id"], password=PASSWORD)
    member = ks.roles.list(name="member")[0]
    reader = ks.roles.list(name="reader")[0]
    for role in (member, reader):
        ks.roles.grant(role, user=u, project=creds["project_id"])
    uc = user_client(roster_url, creds, u.name)

    # made from the user's own project-scoped session, with a subset of its roles
    expires = datetime.datetime.utcnow() + datetime.timedelta(days=1)
    ac = uc.application_credentials.create(
        name=f"ci-{tag}", user=u.id, description="automation", roles=[{"name": "reader"}],
        expires_at=expires)
    assert ac.secret and ac.name == f"ci-{tag}" and ac.description == "automation"
    assert ac.project_id == creds["project_id"] and ac.unrestricted is False
    assert [r["id"] for r in ac.roles] == [reader.id]
    assert ac.expires_at.startswith(expires.strftime("%Y-%m-%dT%H:%M:%S"))
    every = uc.application_credentials.create(name=f"all-{tag}", user=u.id, unrestricted=True)
    assert sorted(r["name"] for r in every.roles) == ["member", "reader"]

    # listed and read, never with the secret again
    listed = uc.application_credentials.list(user=u.id)
    assert sorted(x.id for x in listed) == sorted([ac.id, every.id])
    assert all(getattr(x, "secret", None) is None for x in listed)
    assert [x.id for x in uc.application_credentials.list(user=u.id, name=f"ci-{tag}")] == [ac.id]
    got = uc.application_credentials.get(ac.id, user=u.id)
    assert got.name == ac.name and getattr(got, "secret", None) is None

    # Keystone's refusals: a duplicate name, a role not held, bad input
    with pytest.raises(ka_exc.Conflict):
        uc.application_credentials.create(name=f"ci-{tag}", user=u.id)
    with pytest.raises(ka_exc.Forbidden):
        uc.application_credentials.create(name=f"x-{tag}", user=u.id, roles=[{"name": "admin"}])
    with pytest.raises(ka_exc.BadRequest):
        uc.application_credentials.create(
            name=f"x-{tag}", user=u.id,
            expires_at=datetime.datetime.utcnow() - datetime.timedelta(days=1))

    # keystoneauth1's ApplicationCredential plugin: by id, scoped to the project, only reader
    sess = session.Session(auth=v3.ApplicationCredential(
        auth_url=f"{roster_url}/v3", application_credential_id=ac.id,
        application_credential_secret=ac.secret))
    access = sess.auth.get_access(sess)
    assert access.project_id == creds["project_id"] and access.user_id == u.id
    assert access.role_names == ["reader"]
    assert access._data["token"]["methods"] == ["application_credential"]
    assert access._data["token"]["application_credential"]["id"] == ac.id
    acc = client.Client(session=sess)
    assert ac.id in [x.id for x in acc.application_credentials.list(user=u.id)]
    # a restricted credential makes no other
    with pytest.raises(ka_exc.Forbidden):
        acc.application_credentials.create(name=f"child-{tag}", user=u.id)

    # by name of its user (by name in its domain): the unrestricted one makes another
    sess2 = session.Session(auth=v3.ApplicationCredential(
        auth_url=f"{roster_url}/v3", application_credential_name=f"all-{tag}",
        application_credential_secret=every.secret, username=u.name,
        user_domain_name=creds["domain_name"]))
    assert sorted(sess2.auth.get_access(sess2).role_names) == ["member", "reader"]
    child = client.Client(session=sess2).application_credentials.create(
        name=f"child-{tag}", user=u.id, roles=[reader.id])
    assert [r["id"] for r in child.roles] == [reader.id]

    # a wrong secret, and a deleted credential, authenticate no more
    with pytest.raises(ka_exc.Unauthorized):
        bad = session.Session(auth=v3.ApplicationCredential(
            auth_url=f"{roster_url}/v3", application_credential_id=ac.id,
            application_credential_secret="wrong"))
        bad.get_token()
    uc.application_credentials.delete(ac.id, user=u.id)
    with pytest.raises(ka_exc.NotFound):
        uc.application_credentials.get(ac.id, user=u.id)
    with pytest.raises(ka_exc.Unauthorized):
        again = session.Session(auth=v3.ApplicationCredential(
            auth_url=f"{roster_url}/v3", application_credential_id=ac.id,
            application_credential_secret=ac.secret))
        again.get_token()
    # the user's deletion takes its credentials along
    ks.users.delete(u)
    with pytest.raises(ka_exc.Unauthorized):
        gone = session.Session(auth=v3.ApplicationCredential(
            auth_url=f"{roster_url}/v3", application_credential_id=child.id,
            application_credential_secret=child.secret))
        gone.get_token()

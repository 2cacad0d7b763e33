"""Keystone's credentials through python-keystoneclient (keystoneauth1 password session):
`client.credentials` (/v3/credentials: create, list with filters, get, update, delete) and
`client.ec2` (/v3/users/{id}/credentials/OS-EC2: create, list, get, delete) are views of
the same access keys as huaweicloudsdkiam's OS-CREDENTIAL permanent access keys: an ec2
credential made by keystoneclient is listed by the Huawei SDK and signs its calls, two
keys a user whatever the view, and a key deleted through one view is gone from all. Other
credential types are opaque blobs. (huaweicloudsdkiam has no operation of these routes.)"""

import hashlib
import json

import pytest
from huaweicloudsdkiam.v3 import KeystoneShowUserRequest, ListPermanentAccessKeysRequest
from keystoneauth1 import exceptions as ka_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

from iam_helpers import PASSWORD, global_client


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


def huawei_keys(iam, user_id):
    resp = iam.list_permanent_access_keys(ListPermanentAccessKeysRequest(user_id=user_id))
    return sorted(c.access for c in resp.credentials)


def test_ec2_credentials_are_the_users_access_keys(ks, iam, roster_url, creds, tag):
    u = ks.users.create(name=f"kcred-{tag}", domain=creds["domain_id"], password=PASSWORD)
    access, secret = f"ks-Access-{tag}", f"ks-Secret-{tag}"
    c = ks.credentials.create(user=u, type="ec2", project=creds["project_id"],
                              blob=json.dumps({"access": access, "secret": secret}))
    assert c.id == hashlib.sha256(access.encode()).hexdigest()
    assert c.type == "ec2" and c.user_id == u.id and c.project_id == creds["project_id"]
    assert json.loads(c.blob) == {"access": access, "secret": secret}
    assert [x.id for x in ks.credentials.list(user_id=u.id)] == [c.id]
    assert [x.id for x in ks.credentials.list(user_id=u.id, type="ec2")] == [c.id]
    assert ks.credentials.list(user_id=u.id, type="cert") == []
    assert json.loads(ks.credentials.get(c.id).blob)["secret"] == secret

    # the same key: OS-EC2 shows it, the Huawei SDK lists it and signs with it
    e = ks.ec2.get(u.id, access)
    assert e.secret == secret and e.tenant_id == creds["project_id"] and e.user_id == u.id
    assert huawei_keys(iam, u.id) == [access]
    own = global_client(roster_url, access, secret, creds["domain_id"])
    assert own.keystone_show_user(KeystoneShowUserRequest(user_id=u.id)).user.id == u.id

    # OS-EC2 makes the second key pair; a third is refused in every view
    e2 = ks.ec2.create(u.id, creds["project_id"])
    assert e2.access and e2.secret and e2.tenant_id == creds["project_id"]
    assert sorted(x.access for x in ks.ec2.list(u.id)) == sorted([access, e2.access])
    assert huawei_keys(iam, u.id) == sorted([access, e2.access])
    with pytest.raises(ka_exc.Forbidden):
        ks.ec2.create(u.id, creds["project_id"])
    with pytest.raises(ka_exc.Forbidden):
        ks.credentials.create(user=u, type="ec2", project=creds["project_id"],
                              blob=json.dumps({"access": f"third-{tag}", "secret": "s"}))

    # update: a new access and secret, the same id; the old access signs no more
    c2 = ks.credentials.update(c, user=u, type="ec2", project=creds["project_id"],
                               blob=json.dumps({"access": f"{access}-2", "secret": "s2"}))
    assert c2.id == c.id and json.loads(c2.blob) == {"access": f"{access}-2", "secret": "s2"}
    assert huawei_keys(iam, u.id) == sorted([f"{access}-2", e2.access])

    # deleted through one view, gone from all
    ks.ec2.delete(u.id, e2.access)
    assert [x.id for x in ks.credentials.list(user_id=u.id)] == [c.id]
    ks.credentials.delete(c.id)
    assert ks.ec2.list(u.id) == []
    assert huawei_keys(iam, u.id) == []
    with pytest.raises(ka_exc.NotFound):
        ks.credentials.get(c.id)
    with pytest.raises(ka_exc.NotFound):  # Keystone's CredentialNotFound (tempest expects it)
        ks.ec2.get(u.id, access)


def test_other_types_are_blobs(ks, creds, tag):
    u = ks.users.create(name=f"kblob-{tag}", domain=creds["domain_id"], password=PASSWORD)
    pem = f"-----BEGIN CERTIFICATE-----\nMIIB{tag}\n-----END CERTIFICATE-----"
    cert = ks.credentials.create(user=u, type="cert", blob=pem)
    assert cert.type == "cert" and cert.blob == pem and len(cert.id) == 32
    totp = ks.credentials.create(user=u, type="totp", blob="GEZDGNBVGY3TQOJQ",
                                 project=creds["project_id"])
    assert totp.project_id == creds["project_id"]
    assert ks.credentials.get(cert).blob == pem
    assert [x.id for x in ks.credentials.list(user_id=u.id, type="cert")] == [cert.id]
    assert sorted(x.id for x in ks.credentials.list(user_id=u.id)) == sorted([cert.id, totp.id])
    assert ks.credentials.update(cert, user=u, blob="renewed").blob == "renewed"
    with pytest.raises(ka_exc.BadRequest):  # a blob does not turn into an access key
        ks.credentials.update(cert, user=u, type="ec2")
    with pytest.raises(ka_exc.BadRequest):
        ks.credentials.create(user=u, type="ec2", blob="{not json", project=creds["project_id"])
    ks.credentials.delete(cert)
    with pytest.raises(ka_exc.NotFound):
        ks.credentials.get(cert)
    # deleting the user deletes its credentials
    ks.users.delete(u)
    with pytest.raises(ka_exc.NotFound):
        ks.credentials.get(totp)

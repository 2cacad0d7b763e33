"""The service catalog through python-keystoneclient, as an operator keeps one: regions,
services, endpoints and policy blobs, and keystoneauth1 finding a service's URL in a new
token's catalog (issue 15)."""

import pytest
from keystoneauth1 import exceptions as ka_exc
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client


def keystone(roster_url, creds):
    auth = v3.Password(
        auth_url=f"{roster_url}/v3",
        username=creds["user_name"],
        password=creds["password"],
        user_domain_name=creds["domain_name"],
        project_name=creds["project_name"],
        project_domain_name=creds["domain_name"],
    )
    return session.Session(auth=auth)


@pytest.fixture(scope="module")
def op_session(roster_url, operator):
    return keystone(roster_url, operator)


def test_catalog_crud_and_a_token_finds_the_service(op_session, roster_url, operator, tag):
    ks = client.Client(session=op_session)
    region = ks.regions.create(id=f"region-{tag}", description="from keystoneclient")
    assert region.id == f"region-{tag}"
    child = ks.regions.create(parent_region=region, description="below")
    assert child.parent_region_id == region.id
    assert [r.id for r in ks.regions.list(parent_region_id=region.id)] == [child.id]

    svc = ks.services.create(name=f"nova-{tag}", type=f"compute-{tag}", description="vms")
    assert [s.id for s in ks.services.list(type=f"compute-{tag}")] == [svc.id]
    assert "identity" in [s.type for s in ks.services.list()]
    ks.services.update(svc, description="compute")
    assert ks.services.get(svc).description == "compute"

    ep = ks.endpoints.create(service=svc, url=f"http://nova-{tag}.example/v2.1",
                             interface="public", region=child)
    assert ep.region_id == child.id
    assert [e.id for e in ks.endpoints.list(service=svc)] == [ep.id]
    assert ep.id in [e.id for e in ks.endpoints.list(interface="public")]
    # a bad interface, past keystoneclient's own check: Keystone's 400
    with pytest.raises(ka_exc.BadRequest):
        op_session.post("/endpoints", endpoint_filter={"service_type": "identity"},
                        json={"endpoint": {"service_id": svc.id, "url": "http://x",
                                           "interface": "sideways"}})

    # a new token's catalog carries it: keystoneauth1 finds the URL by type
    fresh = keystone(roster_url, operator)
    assert fresh.get_endpoint(service_type=f"compute-{tag}", interface="public") == \
        f"http://nova-{tag}.example/v2.1"
    assert fresh.get_endpoint(service_type="identity", interface="public") == f"{roster_url}/v3"
    assert fresh.get_endpoint(service_type="workspace", interface="public") == roster_url

    # the faces Roster serves cannot be changed
    with pytest.raises(ka_exc.Forbidden):
        ks.services.update("identity", name="other")

    with pytest.raises(ka_exc.Conflict):
        ks.regions.delete(child)
    ks.services.delete(svc)
    with pytest.raises(ka_exc.NotFound):
        ks.endpoints.get(ep.id)
    ks.regions.delete(region)
    with pytest.raises(ka_exc.NotFound):
        ks.regions.get(child.id)


def test_policy_blobs(op_session, tag):
    ks = client.Client(session=op_session)
    p = ks.policies.create(blob='{"rule": "admin"}', type="application/json")
    assert ks.policies.get(p).blob == '{"rule": "admin"}'
    ks.policies.update(p, type="text/plain")
    assert ks.policies.get(p).type == "text/plain"
    assert p.id in [x.id for x in ks.policies.list()]
    ks.policies.delete(p)
    with pytest.raises(ka_exc.NotFound):
        ks.policies.get(p)

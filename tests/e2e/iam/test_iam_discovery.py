"""Discovery: the SDKs configured with only a region find the domain id and the project
id through IAM, then work."""

from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkiam.v3 import (
    IamClient,
    KeystoneListAuthDomainsRequest,
    KeystoneListGroupsRequest,
    KeystoneListProjectsRequest,
)
from huaweicloudsdkworkspace.v2 import ListUserGroupsRequest, WorkspaceClient


def test_list_projects_and_domains(iam, creds, roster_url):
    ps = iam.keystone_list_projects(KeystoneListProjectsRequest(name=creds["project_name"])).projects
    assert [(p.id, p.domain_id) for p in ps] == [(creds["project_id"], creds["domain_id"])]
    assert iam.keystone_list_projects(KeystoneListProjectsRequest(name="no-such-region")).projects == []
    ds = iam.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    assert [(d.id, d.name, d.enabled) for d in ds] == [(creds["domain_id"], creds["domain_name"], True)]
    assert ds[0].links._self == f"{roster_url}/v3/domains/{creds['domain_id']}"


def test_global_credentials_with_region_only(regional, roster_url):
    gc = GlobalCredentials(regional["access_key"], regional["secret_key"]).with_iam_endpoint(roster_url)
    c = IamClient.new_builder().with_credentials(gc).with_region(Region("cn-north-4", roster_url)).build()
    c.keystone_list_groups(KeystoneListGroupsRequest())
    assert gc.domain_id == regional["domain_id"]


def test_basic_credentials_with_region_only(regional, roster_url):
    bc = BasicCredentials(regional["access_key"], regional["secret_key"]).with_iam_endpoint(roster_url)
    ws = (WorkspaceClient.new_builder().with_credentials(bc)
          .with_region(Region("cn-north-4", roster_url)).build())
    ws.list_user_groups(ListUserGroupsRequest())
    assert bc.project_id == regional["project_id"]

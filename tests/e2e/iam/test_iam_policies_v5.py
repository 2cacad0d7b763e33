"""Identity policies (IAM v5) through the official SDKs, enforced on every face for an IAM
user signing with its own access key: huaweicloudsdkiam v5 (policies, versions, attach and
detach), huaweicloudsdksts (decode-authorization-message), huaweicloudsdkworkspace and the
Alibaba Quick BI SDK (whose organization role applies on top of the policies)."""

import json

import pytest
from alibabacloud_quickbi_public20220101 import models as qm
from alibabacloud_tea_openapi.exceptions import ClientException
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    CreateCredentialOption,
    CreatePermanentAccessKeyRequest,
    CreatePermanentAccessKeyRequestBody,
    KeystoneAddUserToGroupRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneListUsersRequest,
)
from huaweicloudsdkiam.v5 import (
    AttachGroupPolicyReqBody,
    AttachGroupPolicyV5Request,
    AttachUserPolicyReqBody,
    AttachUserPolicyV5Request,
    CreatePolicyReqBody,
    CreatePolicyV5Request,
    CreatePolicyVersionReqBody,
    CreatePolicyVersionV5Request,
    DeletePolicyV5Request,
    DeletePolicyVersionV5Request,
    DetachUserPolicyReqBody,
    DetachUserPolicyV5Request,
    GetPolicyV5Request,
    GetPolicyVersionV5Request,
    ListAttachedUserPoliciesV5Request,
    ListEntitiesForPolicyV5Request,
    ListPoliciesV5Request,
    ListPolicyVersionsV5Request,
    SetDefaultPolicyVersionV5Request,
)
from huaweicloudsdksts.v1 import DecodeAuthorizationMessageReq, DecodeAuthorizationMessageRequest
from huaweicloudsdkworkspace.v2 import (
    CreateUserGroupReq,
    CreateUserGroupRequest,
    ListUserGroupsRequest,
)

from iam_helpers import expect_error, global_client
from test_iam_credentials import (
    new_user,
    quickbi_client,
    sts_client,
    v5_client,
    workspace_client,
)


def doc(*statements):
    return json.dumps({"Version": "5.0", "Statement": list(statements)})


@pytest.fixture()
def user(iam, creds, tag, roster_url):
    """A non-root user with its own access key, and clients signing with it."""
    u = new_user(iam, creds["domain_id"], f"pv{tag}")
    key = iam.create_permanent_access_key(CreatePermanentAccessKeyRequest(
        body=CreatePermanentAccessKeyRequestBody(
            credential=CreateCredentialOption(user_id=u.id, description="v5")))).credential

    class U:
        id = u.id
        name = u.name
        ws = workspace_client(roster_url, key.access, key.secret, creds["project_id"])
        iam3 = global_client(roster_url, key.access, key.secret, creds["domain_id"])
        iam5 = v5_client(roster_url, key.access, key.secret, creds["domain_id"])
        sts = sts_client(roster_url, key.access, key.secret, creds["project_id"])
        qbi = quickbi_client(roster_url, key.access, key.secret)

    return U


@pytest.fixture(scope="module")
def admin5(roster_url, creds):
    return v5_client(roster_url, creds["access_key"], creds["secret_key"], creds["domain_id"])


def make_policy(admin5, name, document, path=""):
    return admin5.create_policy_v5(CreatePolicyV5Request(body=CreatePolicyReqBody(
        policy_name=name, path=path, policy_document=document, description="test"))).policy


def test_policy_lifecycle_with_versions(admin5, creds, tag, user):
    p = make_policy(admin5, f"p-{tag}", doc({"Effect": "Allow", "Action": ["workspace:*:list*"]}),
                    path="team/")
    assert (p.policy_type, p.default_version_id, p.attachment_count) == ("custom", "v1", 0)
    assert p.urn == f"iam::{creds['domain_id']}:policy:p-{tag}"
    assert p.created_at is not None
    listed = admin5.list_policies_v5(ListPoliciesV5Request(path_prefix="team/")).policies
    assert p.policy_id in [x.policy_id for x in listed]
    assert admin5.get_policy_v5(GetPolicyV5Request(policy_id=p.policy_id)).policy.path == "team/"

    v2 = admin5.create_policy_version_v5(CreatePolicyVersionV5Request(
        policy_id=p.policy_id, body=CreatePolicyVersionReqBody(
            policy_document=doc({"Effect": "Allow", "Action": ["workspace:*:*"]}),
            set_as_default=False))).policy_version
    assert (v2.version_id, v2.is_default) == ("v2", False)
    versions = admin5.list_policy_versions_v5(
        ListPolicyVersionsV5Request(policy_id=p.policy_id)).versions
    assert [(v.version_id, v.is_default) for v in versions] == [("v1", True), ("v2", False)]
    admin5.set_default_policy_version_v5(SetDefaultPolicyVersionV5Request(
        policy_id=p.policy_id, version_id="v2"))
    got = admin5.get_policy_version_v5(GetPolicyVersionV5Request(
        policy_id=p.policy_id, version_id="v2")).policy_version
    assert got.is_default and json.loads(got.document)["Statement"][0]["Action"] == ["workspace:*:*"]
    # the default version cannot go; another can
    expect_error(lambda: admin5.delete_policy_version_v5(DeletePolicyVersionV5Request(
        policy_id=p.policy_id, version_id="v2")), 409)
    admin5.delete_policy_version_v5(DeletePolicyVersionV5Request(
        policy_id=p.policy_id, version_id="v1"))

    # attached, it cannot be deleted; detached, it can
    admin5.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=p.policy_id, body=AttachUserPolicyReqBody(user_id=user.id)))
    ents = admin5.list_entities_for_policy_v5(
        ListEntitiesForPolicyV5Request(policy_id=p.policy_id))
    assert [e.user_id for e in ents.policy_users] == [user.id]
    attached = admin5.list_attached_user_policies_v5(
        ListAttachedUserPoliciesV5Request(user_id=user.id)).attached_policies
    assert [a.policy_id for a in attached] == [p.policy_id]
    expect_error(lambda: admin5.delete_policy_v5(DeletePolicyV5Request(policy_id=p.policy_id)),
                 409)
    admin5.detach_user_policy_v5(DetachUserPolicyV5Request(
        policy_id=p.policy_id, body=DetachUserPolicyReqBody(user_id=user.id)))
    admin5.delete_policy_v5(DeletePolicyV5Request(policy_id=p.policy_id))
    expect_error(lambda: admin5.get_policy_v5(GetPolicyV5Request(policy_id=p.policy_id)), 404)


def test_documents_that_cannot_be_evaluated_are_refused(admin5, tag):
    for bad in [
        "not json",
        json.dumps({"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["a:b:c"]}]}),
        doc({"Effect": "Allow", "Action": ["a:b:c"], "Condition": {
            "StringEquals": {"g:Unknown": ["x"]}}}),
        doc({"Effect": "Allow", "Action": ["a:b:c"], "NotAction": ["a:b:d"]}),
        doc({"Effect": "Allow", "Action": ["a:b:c"], "Resource": ["not-a-urn"]}),
    ]:
        e = expect_error(lambda: make_policy(admin5, f"bad-{tag}", bad), 400)
        assert "policy document is invalid" in e.error_msg, e.error_msg
    expect_error(lambda: make_policy(admin5, "bad name!", doc(
        {"Effect": "Allow", "Action": ["a:b:c"]})), 400)
    assert f"bad-{tag}" not in [p.policy_name for p in
                                admin5.list_policies_v5(ListPoliciesV5Request()).policies]


def test_policies_on_a_user_and_its_group_are_enforced_on_every_face(
        iam, admin5, creds, tag, user):
    pid = creds["project_id"]
    # nothing attached: denied on Workspace, IAM and Quick BI
    with pytest.raises(ClientRequestException) as info:
        user.ws.list_user_groups(ListUserGroupsRequest())
    assert (info.value.status_code, info.value.error_code) == (403, "WKS.0302")
    encoded = info.value.encoded_auth_msg
    assert encoded

    # the user may not decode it yet; once allowed, it says who, what and why
    expect_error(lambda: user.sts.decode_authorization_message(DecodeAuthorizationMessageRequest(
        body=DecodeAuthorizationMessageReq(encoded_message=encoded))), 403)
    sts_p = make_policy(admin5, f"sts-{tag}", doc(
        {"Effect": "Allow", "Action": ["sts::decodeAuthorizationMessage"]}))
    admin5.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=sts_p.policy_id, body=AttachUserPolicyReqBody(user_id=user.id)))
    msg = json.loads(user.sts.decode_authorization_message(DecodeAuthorizationMessageRequest(
        body=DecodeAuthorizationMessageReq(encoded_message=encoded))).decoded_message)
    assert msg["action"] == "workspace:userGroups:list"
    assert msg["principal"]["user_id"] == user.id
    assert msg["scope"] == f"project {pid}"
    assert msg["reason"]["decision"] == "implicit_deny"
    expect_error(lambda: user.sts.decode_authorization_message(DecodeAuthorizationMessageRequest(
        body=DecodeAuthorizationMessageReq(encoded_message=encoded[:-4] + "AAAA"))), 400)

    # a group's policy allows listing groups; the user's own Deny of creation wins
    g = iam.keystone_create_group(KeystoneCreateGroupRequest(body=KeystoneCreateGroupRequestBody(
        group=KeystoneCreateGroupOption(name=f"pg-{tag}", domain_id=creds["domain_id"])))).group
    iam.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=g.id, user_id=user.id))
    allow = make_policy(admin5, f"allow-{tag}", doc(
        {"Effect": "Allow", "Action": ["workspace:*:*", "iam:users:list*",
                                       "quickbi:*:query*"]}))
    admin5.attach_group_policy_v5(AttachGroupPolicyV5Request(
        policy_id=allow.policy_id, body=AttachGroupPolicyReqBody(group_id=g.id)))
    deny = make_policy(admin5, f"deny-{tag}", doc(
        {"Sid": "NoNewGroups", "Effect": "Deny", "Action": ["workspace:userGroups:create"]}))
    admin5.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=deny.policy_id, body=AttachUserPolicyReqBody(user_id=user.id)))

    assert g.id in [x.id for x in user.ws.list_user_groups(ListUserGroupsRequest()).user_groups]
    with pytest.raises(ClientRequestException) as info:
        user.ws.create_user_group(CreateUserGroupRequest(body=CreateUserGroupReq(
            group_name=f"no-{tag}", platform_type="LOCAL")))
    assert info.value.status_code == 403
    why = json.loads(user.sts.decode_authorization_message(DecodeAuthorizationMessageRequest(
        body=DecodeAuthorizationMessageReq(encoded_message=info.value.encoded_auth_msg)))
        .decoded_message)
    assert why["reason"]["decision"] == "explicit_deny"
    assert why["reason"]["statement"]["sid"] == "NoNewGroups"
    assert why["reason"]["statement"]["policy"]["policy_name"] == f"deny-{tag}"

    # IAM: listing users is allowed now, anything else is not
    assert user.name in [u.name for u in
                         user.iam3.keystone_list_users(KeystoneListUsersRequest()).users]
    # Quick BI: queries are allowed by the policy and any member may read
    users = user.qbi.query_user_list(qm.QueryUserListRequest(page_num=1, page_size=100))
    assert users.body.success
    # a write: the policy does not allow it
    with pytest.raises(ClientException) as qinfo:
        user.qbi.create_user_group(qm.CreateUserGroupRequest(
            user_group_name=f"q-{tag}", parent_user_group_id="-1"))
    assert qinfo.value.code == "NoPermission"


def test_quickbi_organization_role_applies_on_top(admin5, tag, user):
    full = make_policy(admin5, f"qfull-{tag}", doc({"Effect": "Allow", "Action": ["quickbi:*:*"]}))
    admin5.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=full.policy_id, body=AttachUserPolicyReqBody(user_id=user.id)))
    # allowed by policy, but an ordinary member may not change user groups
    with pytest.raises(ClientException) as qinfo:
        user.qbi.create_user_group(qm.CreateUserGroupRequest(
            user_group_name=f"q-{tag}", parent_user_group_id="-1"))
    assert qinfo.value.code == "NoPermission"
    assert "organization role" in qinfo.value.message, qinfo.value.message


def test_other_accounts_see_nothing(admin5, roster_url, creds_other, tag, user):
    p = make_policy(admin5, f"own-{tag}", doc({"Effect": "Allow", "Action": ["a:b:c"]}))
    other = v5_client(roster_url, creds_other["access_key"], creds_other["secret_key"],
                      creds_other["domain_id"])
    expect_error(lambda: other.get_policy_v5(GetPolicyV5Request(policy_id=p.policy_id)), 404)
    assert p.policy_id not in [x.policy_id for x in
                               other.list_policies_v5(ListPoliciesV5Request()).policies]
    # a denial's message of this account does not open for another account, even its root
    with pytest.raises(ClientRequestException) as info:
        user.ws.list_user_groups(ListUserGroupsRequest())
    other_sts = sts_client(roster_url, creds_other["access_key"], creds_other["secret_key"],
                           creds_other["project_id"])
    e = expect_error(lambda: other_sts.decode_authorization_message(
        DecodeAuthorizationMessageRequest(body=DecodeAuthorizationMessageReq(
            encoded_message=info.value.encoded_auth_msg))), 400)
    assert "not an encoded authorization message of this account" in e.error_msg
    mine = make_policy(other, f"theirs-{tag}", doc({"Effect": "Allow", "Action": ["a:b:c"]}))
    # attaching its policy to a user of another account: that user is unknown to it
    expect_error(lambda: other.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=mine.policy_id, body=AttachUserPolicyReqBody(user_id=user.id))), 404)


def test_an_explicit_deny_wins_over_self_service_and_source_addresses_count_on_quickbi(
        iam, admin5, creds, tag, user):
    from huaweicloudsdkiam.v5 import CreateAccessKeyV5Request
    # a user manages its own keys without an Allow, but not against a Deny
    no_keys = make_policy(admin5, f"nokeys-{tag}", doc(
        {"Effect": "Deny", "Action": ["iam:credentials:*", "iam:users:*AccessKey*"]}))
    admin5.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=no_keys.policy_id, body=AttachUserPolicyReqBody(user_id=user.id)))
    expect_error(lambda: user.iam3.create_permanent_access_key(CreatePermanentAccessKeyRequest(
        body=CreatePermanentAccessKeyRequestBody(credential=CreateCredentialOption(
            user_id=user.id)))), 403)
    expect_error(lambda: user.iam5.create_access_key_v5(CreateAccessKeyV5Request(
        user_id=user.id)), 403)

    # Quick BI passes the caller's address to conditions: a Deny outside 10.0.0.0/8
    reader = make_policy(admin5, f"qread-{tag}", doc(
        {"Effect": "Allow", "Action": ["quickbi:*:query*"]}))
    admin5.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=reader.policy_id, body=AttachUserPolicyReqBody(user_id=user.id)))
    assert user.qbi.query_user_list(qm.QueryUserListRequest(page_num=1, page_size=10)).body.success
    fence = make_policy(admin5, f"fence-{tag}", doc(
        {"Effect": "Deny", "Action": ["*"],
         "Condition": {"NotIpAddress": {"g:SourceIp": ["10.0.0.0/8"]}}}))
    admin5.attach_user_policy_v5(AttachUserPolicyV5Request(
        policy_id=fence.policy_id, body=AttachUserPolicyReqBody(user_id=user.id)))
    with pytest.raises(ClientException) as qinfo:
        user.qbi.query_user_list(qm.QueryUserListRequest(page_num=1, page_size=10))
    assert qinfo.value.code == "NoPermission"

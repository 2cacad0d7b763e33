"""Authorization through the official SDK: system roles, custom policies (OS-ROLE), grants
to groups on the domain, a project and all projects, role assignments, and enforcement on
the IAM and Workspace faces for an IAM user that is not the account's root.

The non-root user calls with its own token (IAM: IamCredentials; Workspace: X-Auth-Token,
as seed 002 does, over plain HTTP since the Workspace SDK signs only with AK/SK)."""

import json
import urllib.error
import urllib.request

import pytest
from huaweicloudsdkiam.v3 import (
    CreateCloudServiceCustomPolicyRequest,
    CreateCloudServiceCustomPolicyRequestBody,
    DeleteCustomPolicyRequest,
    KeystoneAddUserToGroupRequest,
    KeystoneAssociateGroupWithDomainPermissionRequest,
    KeystoneAssociateGroupWithProjectPermissionRequest,
    KeystoneCheckDomainPermissionForGroupRequest,
    KeystoneCheckProjectPermissionForGroupRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    KeystoneListDomainPermissionsForGroupRequest,
    KeystoneListPermissionsRequest,
    KeystoneListProjectPermissionsForGroupRequest,
    KeystoneListUsersRequest,
    KeystoneRemoveProjectPermissionFromGroupRequest,
    KeystoneShowPermissionRequest,
    ListCustomPoliciesRequest,
    ServicePolicy,
    ServicePolicyRoleOption,
    ServiceStatement,
    ShowCustomPolicyRequest,
    ShowDomainRoleAssignmentsRequest,
    UpdateCloudServiceCustomPolicyRequest,
    UpdateCloudServiceCustomPolicyRequestBody,
    UpdateDomainGroupInheritRoleRequest,
    KeystoneCheckroleForGroupRequest,
)

from iam_helpers import PASSWORD, expect_error, password_token, token_client


def role_id(iam, name):
    roles = iam.keystone_list_permissions(KeystoneListPermissionsRequest(name=name)).roles
    assert len(roles) == 1, [r.name for r in roles]
    return roles[0].id


@pytest.fixture()
def member(iam, creds, tag, roster_url):
    """A group and a non-root user in it; the user's project-scoped and domain-scoped
    tokens."""
    g = iam.keystone_create_group(KeystoneCreateGroupRequest(body=KeystoneCreateGroupRequestBody(
        group=KeystoneCreateGroupOption(name=f"az-{tag}", domain_id=creds["domain_id"])))).group
    u = iam.keystone_create_user(KeystoneCreateUserRequest(body=KeystoneCreateUserRequestBody(
        user=KeystoneCreateUserOption(name=f"az{tag}", password=PASSWORD,
                                      domain_id=creds["domain_id"])))).user
    iam.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=g.id, user_id=u.id))

    class M:
        group = g
        user = u

        @staticmethod
        def project_token():
            return password_token(roster_url, creds["domain_name"], u.name, PASSWORD,
                                  project=creds["project_name"])

        @staticmethod
        def domain_token():
            return password_token(roster_url, creds["domain_name"], u.name, PASSWORD,
                                  domain_scope=creds["domain_name"])

    return M


def ws_call(url, token, method, path, body=None):
    """A Workspace call with X-Auth-Token: (status, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={
        "X-Auth-Token": token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:
        return status, {"raw": raw}


def test_system_roles_are_listed_with_their_documents(iam):
    roles = iam.keystone_list_permissions(KeystoneListPermissionsRequest()).roles
    names = {r.name for r in roles}
    assert {"te_admin", "te_guest", "secu_admin", "iam_readonly", "workspace_fullaccess",
            "workspace_readonly"} <= names
    admin = next(r for r in roles if r.name == "te_admin")
    assert admin.display_name == "Tenant Administrator"
    assert admin.policy.version == "1.1"
    assert admin.policy.statement[0].action == ["*:*:*"]
    shown = iam.keystone_show_permission(KeystoneShowPermissionRequest(role_id=admin.id)).role
    assert (shown.id, shown.name, shown.type) == (admin.id, "te_admin", "AA")
    # Huawei's filters
    project_roles = iam.keystone_list_permissions(
        KeystoneListPermissionsRequest(type="project")).roles
    assert "secu_admin" not in {r.name for r in project_roles}
    assert "workspace_readonly" in {r.name for r in project_roles}
    e = expect_error(lambda: iam.keystone_show_permission(
        KeystoneShowPermissionRequest(role_id="0" * 32)), 404)
    assert "does not exist" in e.error_msg


def custom_body(name, statements, kind="XA", description="made by a test"):
    return ServicePolicyRoleOption(
        display_name=name, type=kind, description=description,
        policy=ServicePolicy(version="1.1", statement=statements))


def test_custom_policy_lifecycle_and_bad_documents(iam, creds, tag):
    body = custom_body(f"cp-{tag}", [ServiceStatement(
        effect="Allow", action=["workspace:userGroups:list", "workspace:users:get*"])])
    made = iam.create_cloud_service_custom_policy(CreateCloudServiceCustomPolicyRequest(
        body=CreateCloudServiceCustomPolicyRequestBody(role=body))).role
    assert made.display_name == f"cp-{tag}"
    assert made.domain_id == creds["domain_id"]
    assert made.name.startswith(f"custom_{creds['domain_id']}_")
    assert made.policy.statement[0].action == ["workspace:userGroups:list", "workspace:users:get*"]

    listed = iam.list_custom_policies(ListCustomPoliciesRequest()).roles
    assert made.id in [r.id for r in listed]
    shown = iam.show_custom_policy(ShowCustomPolicyRequest(role_id=made.id)).role
    assert (shown.display_name, shown.references) == (f"cp-{tag}", 0)

    upd = custom_body(f"cp2-{tag}", [ServiceStatement(effect="Deny", action=["workspace:*:*"])])
    after = iam.update_cloud_service_custom_policy(UpdateCloudServiceCustomPolicyRequest(
        role_id=made.id, body=UpdateCloudServiceCustomPolicyRequestBody(role=upd))).role
    assert after.display_name == f"cp2-{tag}"
    assert after.policy.statement[0].effect == "Deny"

    # the same display name twice, a document Roster cannot evaluate, a wrong type
    dup = custom_body(f"cp2-{tag}", [ServiceStatement(effect="Allow", action=["a:b:c"])])
    expect_error(lambda: iam.create_cloud_service_custom_policy(
        CreateCloudServiceCustomPolicyRequest(
            body=CreateCloudServiceCustomPolicyRequestBody(role=dup))), 409)
    for bad in [
        [ServiceStatement(effect="Maybe", action=["a:b:c"])],
        [ServiceStatement(effect="Allow", action=["not an action"])],
        [ServiceStatement(effect="Allow", action=["a:b:c"],
                          condition={"StringSoundsLike": {"g:UserName": ["x"]}})],
        [ServiceStatement(effect="Allow", action=["a:b:c"],
                          condition={"StringEquals": {"obs:prefix": ["x"]}})],
    ]:
        e = expect_error(lambda: iam.create_cloud_service_custom_policy(
            CreateCloudServiceCustomPolicyRequest(body=CreateCloudServiceCustomPolicyRequestBody(
                role=custom_body(f"bad-{tag}", bad)))), 400)
        assert "policy document is invalid" in e.error_msg
    e = expect_error(lambda: iam.create_cloud_service_custom_policy(
        CreateCloudServiceCustomPolicyRequest(body=CreateCloudServiceCustomPolicyRequestBody(
            role=custom_body(f"bad-{tag}", [ServiceStatement(effect="Allow", action=["a:b:c"])],
                             kind="ZZ")))), 400)
    assert "type" in e.error_msg
    assert f"bad-{tag}" not in [r.display_name for r in
                                iam.list_custom_policies(ListCustomPoliciesRequest()).roles]

    iam.delete_custom_policy(DeleteCustomPolicyRequest(role_id=made.id))
    expect_error(lambda: iam.show_custom_policy(ShowCustomPolicyRequest(role_id=made.id)), 404)
    # a system role is not a custom policy
    expect_error(lambda: iam.delete_custom_policy(
        DeleteCustomPolicyRequest(role_id=role_id(iam, "te_admin"))), 404)


def test_a_user_without_grants_is_denied_with_a_sealed_reason(iam, member, roster_url, creds):
    user_iam = token_client(roster_url, member.domain_token())
    e = expect_error(lambda: user_iam.keystone_list_users(KeystoneListUsersRequest()), 403)
    assert "iam:users:listUsers" in e.error_msg
    assert e.encoded_auth_msg, "the denial carries encoded_authorization_message"
    # sealed: nothing of the reason is readable
    assert "implicit" not in e.encoded_auth_msg and member.user.id not in e.encoded_auth_msg

    status, body = ws_call(roster_url, member.project_token(), "GET",
                           f"/v2/{creds['project_id']}/groups")
    assert status == 403, body
    assert body["error_code"] == "WKS.0302"
    assert "workspace:userGroups:list" in body["error_msg"]
    assert body["encoded_authorization_message"]


def test_grants_on_project_domain_and_all_projects(iam, member, roster_url, creds, tag):
    pid, did, gid = creds["project_id"], creds["domain_id"], member.group.id
    ws_ro = role_id(iam, "workspace_readonly")
    iam.keystone_associate_group_with_project_permission(
        KeystoneAssociateGroupWithProjectPermissionRequest(project_id=pid, group_id=gid,
                                                           role_id=ws_ro))
    iam.keystone_check_project_permission_for_group(
        KeystoneCheckProjectPermissionForGroupRequest(project_id=pid, group_id=gid, role_id=ws_ro))
    listed = iam.keystone_list_project_permissions_for_group(
        KeystoneListProjectPermissionsForGroupRequest(project_id=pid, group_id=gid)).roles
    assert [r.id for r in listed] == [ws_ro]

    token = member.project_token()
    status, body = ws_call(roster_url, token, "GET", f"/v2/{pid}/groups")
    assert status == 200, body
    assert gid in [g["id"] for g in body["user_groups"]]
    status, body = ws_call(roster_url, token, "POST", f"/v2/{pid}/groups",
                           {"group_name": f"no-{tag}", "platform_type": "LOCAL"})
    assert (status, body.get("error_code")) == (403, "WKS.0302"), body
    assert "workspace:userGroups:create" in body["error_msg"]

    # an XA role cannot be granted on the domain, an AX role not on a project
    e = expect_error(lambda: iam.keystone_associate_group_with_domain_permission(
        KeystoneAssociateGroupWithDomainPermissionRequest(domain_id=did, group_id=gid,
                                                          role_id=ws_ro)), 400)
    assert "cannot be granted" in e.error_msg
    expect_error(lambda: iam.keystone_associate_group_with_project_permission(
        KeystoneAssociateGroupWithProjectPermissionRequest(
            project_id=pid, group_id=gid, role_id=role_id(iam, "secu_admin"))), 400)

    # all projects: full access to Workspace, counted in every project
    ws_full = role_id(iam, "workspace_fullaccess")
    iam.update_domain_group_inherit_role(UpdateDomainGroupInheritRoleRequest(
        domain_id=did, group_id=gid, role_id=ws_full))
    iam.keystone_checkrole_for_group(KeystoneCheckroleForGroupRequest(
        domain_id=did, group_id=gid, role_id=ws_full))
    status, body = ws_call(roster_url, token, "POST", f"/v2/{pid}/groups",
                           {"group_name": f"yes-{tag}", "platform_type": "LOCAL"})
    assert status == 200, body

    # the domain: IAM read-only
    iam_ro = role_id(iam, "iam_readonly")
    iam.keystone_associate_group_with_domain_permission(
        KeystoneAssociateGroupWithDomainPermissionRequest(domain_id=did, group_id=gid,
                                                          role_id=iam_ro))
    iam.keystone_check_domain_permission_for_group(KeystoneCheckDomainPermissionForGroupRequest(
        domain_id=did, group_id=gid, role_id=iam_ro))
    assert [r.id for r in iam.keystone_list_domain_permissions_for_group(
        KeystoneListDomainPermissionsForGroupRequest(domain_id=did, group_id=gid)).roles] == [iam_ro]
    user_iam = token_client(roster_url, member.domain_token())
    names = [u.name for u in user_iam.keystone_list_users(KeystoneListUsersRequest()).users]
    assert member.user.name in names
    e = expect_error(lambda: user_iam.keystone_create_user(KeystoneCreateUserRequest(
        body=KeystoneCreateUserRequestBody(user=KeystoneCreateUserOption(
            name=f"x{tag}", password=PASSWORD, domain_id=did)))), 403)
    assert "iam:users:createUser" in e.error_msg

    # the cloud's role assignments view lists all three
    got = iam.show_domain_role_assignments(ShowDomainRoleAssignmentsRequest(
        domain_id=did, subject_group_id=gid))
    seen = {(a.role.id, bool(a.scope.project), a.is_inherited) for a in got.role_assignments}
    assert seen == {(ws_ro, True, False), (ws_full, False, True), (iam_ro, False, False)}
    assert got.total_num == 3

    # revoking the project grant leaves the inherited one working
    iam.keystone_remove_project_permission_from_group(
        KeystoneRemoveProjectPermissionFromGroupRequest(project_id=pid, group_id=gid,
                                                        role_id=ws_ro))
    expect_error(lambda: iam.keystone_check_project_permission_for_group(
        KeystoneCheckProjectPermissionForGroupRequest(project_id=pid, group_id=gid,
                                                      role_id=ws_ro)), 404)
    status, _ = ws_call(roster_url, token, "GET", f"/v2/{pid}/groups")
    assert status == 200


def test_an_explicit_deny_wins(iam, member, roster_url, creds, tag):
    pid, gid = creds["project_id"], member.group.id
    deny = iam.create_cloud_service_custom_policy(CreateCloudServiceCustomPolicyRequest(
        body=CreateCloudServiceCustomPolicyRequestBody(role=custom_body(
            f"deny-{tag}", [ServiceStatement(effect="Deny", action=["workspace:userGroups:export"])])))).role
    for rid in (role_id(iam, "workspace_fullaccess"), deny.id):
        iam.keystone_associate_group_with_project_permission(
            KeystoneAssociateGroupWithProjectPermissionRequest(project_id=pid, group_id=gid,
                                                               role_id=rid))
    token = member.project_token()
    assert ws_call(roster_url, token, "GET", f"/v2/{pid}/groups")[0] == 200
    status, body = ws_call(roster_url, token, "GET", f"/v2/{pid}/groups/export")
    assert (status, body.get("error_code")) == (403, "WKS.0302"), body
    assert "workspace:userGroups:export" in body["error_msg"]
    # deleting the custom policy takes its grant with it: export works again
    iam.delete_custom_policy(DeleteCustomPolicyRequest(role_id=deny.id))
    status, _ = ws_call(roster_url, token, "GET", f"/v2/{pid}/groups/export")
    assert status == 200


def test_tokens_count_for_their_project_only(iam, member, roster_url, creds):
    iam.update_domain_group_inherit_role(UpdateDomainGroupInheritRoleRequest(
        domain_id=creds["domain_id"], group_id=member.group.id,
        role_id=role_id(iam, "workspace_fullaccess")))
    status, body = ws_call(roster_url, member.domain_token(), "GET",
                           f"/v2/{creds['project_id']}/groups")
    assert status == 403 and "not scoped to a project" in body["error_msg"], body
    status, body = ws_call(roster_url, "not-a-token", "GET", f"/v2/{creds['project_id']}/groups")
    assert status == 401, body


def test_other_accounts_cannot_grant_or_see(iam, member, roster_url, creds, creds_other):
    from iam_helpers import global_client
    other = global_client(roster_url, creds_other["access_key"], creds_other["secret_key"],
                          creds_other["domain_id"])
    te = role_id(iam, "te_admin")
    # another account's project and group are unknown to it
    expect_error(lambda: other.keystone_associate_group_with_project_permission(
        KeystoneAssociateGroupWithProjectPermissionRequest(
            project_id=creds["project_id"], group_id=member.group.id, role_id=te)), 404)
    expect_error(lambda: other.keystone_associate_group_with_domain_permission(
        KeystoneAssociateGroupWithDomainPermissionRequest(
            domain_id=creds_other["domain_id"], group_id=member.group.id, role_id=te)), 404)
    mine = iam.create_cloud_service_custom_policy(CreateCloudServiceCustomPolicyRequest(
        body=CreateCloudServiceCustomPolicyRequestBody(role=custom_body(
            f"mine-{member.group.name}", [ServiceStatement(effect="Allow", action=["a:b:c"])])))).role
    expect_error(lambda: other.show_custom_policy(ShowCustomPolicyRequest(role_id=mine.id)), 404)
    assert mine.id not in [r.id for r in other.list_custom_policies(ListCustomPoliciesRequest()).roles]
    e = expect_error(lambda: other.show_domain_role_assignments(
        ShowDomainRoleAssignmentsRequest(domain_id=creds["domain_id"])), 403)
    assert e.status_code == 403


def test_a_grant_to_a_group_counts_for_the_members_of_its_subgroups(
        iam, member, roster_url, creds, tag):
    """Groups are hierarchical (Quick BI makes subgroups): a member of a subgroup holds what
    its ancestors are granted, as group role mappings do in Keycloak."""
    from alibabacloud_quickbi_public20220101 import models as qm
    from test_iam_credentials import quickbi_client

    qb = quickbi_client(roster_url, creds["access_key"], creds["secret_key"])
    parent = qb.create_user_group(qm.CreateUserGroupRequest(
        parent_user_group_id="-1", user_group_name=f"up-{tag}")).body.result
    child = qb.create_user_group(qm.CreateUserGroupRequest(
        parent_user_group_id=parent, user_group_name=f"down-{tag}")).body.result
    # a user only in the child
    from huaweicloudsdkiam.v3 import KeystoneRemoveUserFromGroupRequest
    iam.keystone_remove_user_from_group(KeystoneRemoveUserFromGroupRequest(
        group_id=member.group.id, user_id=member.user.id))
    qb.add_user_group_member(qm.AddUserGroupMemberRequest(
        user_group_id=child, user_id_list=member.user.id))
    token = member.project_token()
    pid = creds["project_id"]
    assert ws_call(roster_url, token, "GET", f"/v2/{pid}/groups")[0] == 403

    iam.keystone_associate_group_with_project_permission(
        KeystoneAssociateGroupWithProjectPermissionRequest(
            project_id=pid, group_id=parent, role_id=role_id(iam, "workspace_readonly")))
    status, body = ws_call(roster_url, token, "GET", f"/v2/{pid}/groups")
    assert status == 200, body
    # Keystone's effective role assignments show it for the user, through the child group
    # (huaweicloudsdkiam has no call for Keystone's /v3/role_assignments: plain HTTP)
    req = urllib.request.Request(
        f"{roster_url}/v3/role_assignments?user.id={member.user.id}&effective",
        headers={"X-Auth-Token": password_token(roster_url, creds["domain_name"],
                                                creds["user_name"], creds["password"],
                                                project=creds["project_name"])})
    with urllib.request.urlopen(req) as r:
        got = json.loads(r.read())
    assert [(a["role"]["id"], a["user"]["id"]) for a in got["role_assignments"]] == [
        (role_id(iam, "workspace_readonly"), member.user.id)]


def new_member(iam, creds, name, group_id=None):
    u = iam.keystone_create_user(KeystoneCreateUserRequest(body=KeystoneCreateUserRequestBody(
        user=KeystoneCreateUserOption(name=name, password=PASSWORD,
                                      domain_id=creds["domain_id"])))).user
    if group_id:
        iam.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=group_id,
                                                                     user_id=u.id))
    return u


def new_group(iam, creds, name):
    return iam.keystone_create_group(KeystoneCreateGroupRequest(
        body=KeystoneCreateGroupRequestBody(group=KeystoneCreateGroupOption(
            name=name, domain_id=creds["domain_id"])))).group


def test_workspace_rights_do_not_reach_the_root_user_or_privileged_users(
        iam, member, roster_url, creds, tag):
    pid, did = creds["project_id"], creds["domain_id"]
    root = creds["user_id"]
    # an IAM administrator, and a user with no permissions
    admins = new_group(iam, creds, f"adm-{tag}")
    iam.keystone_associate_group_with_domain_permission(
        KeystoneAssociateGroupWithDomainPermissionRequest(domain_id=did, group_id=admins.id,
                                                          role_id=role_id(iam, "secu_admin")))
    vip = new_member(iam, creds, f"vip{tag}", admins.id)
    plain = new_member(iam, creds, f"pl{tag}")

    # read-only: resetting a password is a write
    iam.keystone_associate_group_with_project_permission(
        KeystoneAssociateGroupWithProjectPermissionRequest(
            project_id=pid, group_id=member.group.id, role_id=role_id(iam, "workspace_readonly")))
    token = member.project_token()
    status, body = ws_call(roster_url, token, "GET",
                           f"/v2/{pid}/users/{plain.id}/random-password")
    assert (status, body.get("error_code")) == (403, "WKS.0302"), body

    # full Workspace access: other users yes, the root user and privileged users no
    iam.update_domain_group_inherit_role(UpdateDomainGroupInheritRoleRequest(
        domain_id=did, group_id=member.group.id, role_id=role_id(iam, "workspace_fullaccess")))
    assert ws_call(roster_url, token, "GET",
                   f"/v2/{pid}/users/{plain.id}/random-password")[0] == 200
    for method, path, body in [
        ("GET", f"/v2/{pid}/users/{root}/random-password", None),
        ("POST", f"/v2/{pid}/users/{root}/actions", {"op_type": "LOCK"}),
        ("PUT", f"/v2/{pid}/users/{root}", {"description": "mine now"}),
        ("GET", f"/v2/{pid}/users/{vip.id}/random-password", None),
        ("POST", f"/v2/{pid}/users/{vip.id}/actions", {"op_type": "RESET_PWD"}),
        ("DELETE", f"/v2/{pid}/users/{vip.id}", None),
    ]:
        status, answer = ws_call(roster_url, token, method, path, body)
        assert status == 403, (method, path, answer)
    # the root user still logs in, the privileged user still exists
    password_token(roster_url, creds["domain_name"], creds["user_name"], creds["password"])
    password_token(roster_url, creds["domain_name"], vip.name, PASSWORD)

    # joining (or deleting) a group that carries permissions needs IAM's permission too
    status, body = ws_call(roster_url, token, "POST", f"/v2/{pid}/groups/{admins.id}/actions",
                           {"op_type": "ADD", "user_ids": [member.user.id]})
    assert status == 403 and "iam:permissions:addUserToGroup" in body["error_msg"], body
    status, body = ws_call(roster_url, token, "DELETE", f"/v2/{pid}/groups/{admins.id}")
    assert status == 403, body
    user_iam = token_client(roster_url, member.domain_token())
    expect_error(lambda: user_iam.keystone_list_users(KeystoneListUsersRequest()), 403)
    # an ordinary group is Workspace's to change
    plain_group = new_group(iam, creds, f"pg-{tag}")
    status, body = ws_call(roster_url, token, "POST", f"/v2/{pid}/groups/{plain_group.id}/actions",
                           {"op_type": "ADD", "user_ids": [plain.id]})
    assert status == 200, body
    # a secu_admin may not change the root user's password either
    vip_iam = token_client(roster_url, password_token(
        roster_url, creds["domain_name"], vip.name, PASSWORD, domain_scope=creds["domain_name"]))
    from huaweicloudsdkiam.v3 import (KeystoneUpdateUserByAdminRequest,
                                      KeystoneUpdateUserByAdminRequestBody,
                                      KeystoneUpdateUserOption)
    expect_error(lambda: vip_iam.keystone_update_user_by_admin(KeystoneUpdateUserByAdminRequest(
        user_id=root, body=KeystoneUpdateUserByAdminRequestBody(
            user=KeystoneUpdateUserOption(password="Zz9#newroot1")))), 403)


def test_a_batch_is_authorized_id_by_id(iam, member, roster_url, creds, tag):
    pid = creds["project_id"]
    victim = new_member(iam, creds, f"vic{tag}")
    other = new_member(iam, creds, f"oth{tag}")
    deny = iam.create_cloud_service_custom_policy(CreateCloudServiceCustomPolicyRequest(
        body=CreateCloudServiceCustomPolicyRequestBody(role=custom_body(f"keep-{tag}", [
            ServiceStatement(effect="Deny", action=["workspace:users:*"],
                             resource=[f"workspace:*:*:user:{victim.id}"])])))).role
    for rid in (role_id(iam, "workspace_fullaccess"), deny.id):
        iam.keystone_associate_group_with_project_permission(
            KeystoneAssociateGroupWithProjectPermissionRequest(
                project_id=pid, group_id=member.group.id, role_id=rid))
    token = member.project_token()
    status, body = ws_call(roster_url, token, "POST", f"/v2/{pid}/users/batch-delete",
                           {"user_ids": [other.id, victim.id]})
    assert (status, body.get("error_code")) == (403, "WKS.0302"), body
    # all or nothing: both are still there
    from huaweicloudsdkiam.v3 import KeystoneShowUserRequest
    for u in (victim, other):
        assert iam.keystone_show_user(KeystoneShowUserRequest(user_id=u.id)).user.id == u.id
    status, body = ws_call(roster_url, token, "POST", f"/v2/{pid}/users/batch-delete",
                           {"user_ids": [other.id]})
    assert status == 200, body

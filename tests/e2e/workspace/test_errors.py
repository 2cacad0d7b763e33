"""Failures through the official SDK: authentication, cross-account access,
validation, conflicts and unknown ids. Every failing call is wrapped in
`expect_error_unchanged`, which snapshots the test's own objects before and
after and asserts the failed request changed nothing. `expect_error` also
asserts every error carries a request id (X-Request-Id)."""

import pytest

from huaweicloudsdkworkspace.v2 import (
    BatchCreateUsersReq,
    BatchCreateUsersRequest,
    BatchDeleteUserGroupsReq,
    BatchDeleteUserGroupsRequest,
    BatchDeleteUserReq,
    BatchDeleteUserRequest,
    ChangeUserStatusRequest,
    CreateDesktopUserRequest,
    CreateUserGroupReq,
    CreateUserGroupRequest,
    CreateUserRequest,
    DeleteUserGroupRequest,
    DeleteUserRequest,
    EditUserGroupRequest,
    EditUserReq,
    ListUserDetailRequest,
    ListUserGroupsRequest,
    ListUsersOfGroupRequest,
    ListUsersRequest,
    OperateUserReq,
    ResetRandomPasswordRequest,
    UpdateUserGroupRequest,
    UpdateUserInfoRequest,
)

from e2e_helpers import (
    HEX32,
    MISSING_ID,
    PASSWORD,
    create_group,
    create_user,
    details_snapshot,
    expect_error,
    expect_error_unchanged,
    group_action,
    groups_snapshot,
    make_client,
    members_snapshot,
    users_snapshot,
)


def _new_group(client, name, platform_type="LOCAL", description=None):
    body = CreateUserGroupReq(group_name=name, platform_type=platform_type, description=description)
    return lambda: client.create_user_group(CreateUserGroupRequest(body=body))


def _new_user(client, name, **fields):
    return lambda: client.create_desktop_user(
        CreateDesktopUserRequest(body=CreateUserRequest(user_name=name, **fields))
    )


def _batch_users(client, users):
    return lambda: client.batch_create_users(
        BatchCreateUsersRequest(body=BatchCreateUsersReq(users=users))
    )


def _everything(client, tag, user_ids=(), group_ids=()):
    """Snapshot of the test's own groups, users, user details and memberships."""

    def snap():
        return (
            groups_snapshot(client, tag),
            users_snapshot(client, tag),
            details_snapshot(client, list(user_ids)),
            [members_snapshot(client, gid) for gid in group_ids],
        )

    return snap


# ================================================================ authentication


class TestAuthentication:
    def test_wrong_secret_is_401_with_request_id(self, client_wrong_secret):
        err = expect_error(
            lambda: client_wrong_secret.list_user_groups(ListUserGroupsRequest()), 401, "APIGW.0301"
        )
        assert HEX32.match(err.request_id), err.request_id

    def test_wrong_secret_changes_nothing(self, client, client_wrong_secret, tag):
        group = create_group(client, f"ws-{tag}")
        uid = create_user(client, f"ws{tag}")
        snap = _everything(client, tag, [uid], [group.id])
        bad = client_wrong_secret

        for call in (
            _new_group(bad, f"ws2-{tag}"),
            _new_user(bad, f"ws2{tag}", user_email="x@example.com"),
            lambda: bad.delete_user_group(DeleteUserGroupRequest(group_id=group.id)),
            lambda: bad.delete_user(DeleteUserRequest(user_id=uid)),
            lambda: bad.update_user_info(
                UpdateUserInfoRequest(user_id=uid, body=EditUserReq(description="hacked"))
            ),
            lambda: group_action(bad, group.id, "ADD", [uid]),
        ):
            err = expect_error_unchanged(snap, call, 401, "APIGW.0301")
            assert HEX32.match(err.request_id), err.request_id

    def test_unknown_access_key_is_401(self, creds, tag):
        stranger = make_client("NOSUCHACCESSKEY00000", creds["secret_key"], creds["project_id"])
        expect_error(lambda: stranger.list_users(ListUsersRequest(user_name=tag)), 401)

    def test_error_request_id_matches_header_and_is_unique(self, client, response_log):
        ids = []
        for _ in range(2):
            err = expect_error(
                lambda: client.list_user_detail(ListUserDetailRequest(user_id=MISSING_ID)),
                404,
                "WKS.0101",
            )
            assert err.request_id == response_log.last.headers.get("X-Request-Id")
            ids.append(err.request_id)
        assert ids[0] != ids[1]


# ================================================================ other accounts


class TestCrossAccount:
    def test_other_accounts_keys_on_my_project_are_403(self, client_b_on_a):
        expect_error(lambda: client_b_on_a.list_user_groups(ListUserGroupsRequest()), 403, "WKS.0301")
        expect_error(lambda: client_b_on_a.list_users(ListUsersRequest()), 403, "WKS.0301")

    def test_unknown_project_looks_the_same_as_a_foreign_one(
        self, creds, client_b_on_a, client_b_on_random_project, random_project_id
    ):
        foreign = expect_error(
            lambda: client_b_on_a.list_user_groups(ListUserGroupsRequest()), 403, "WKS.0301"
        )
        missing = expect_error(
            lambda: client_b_on_random_project.list_user_groups(ListUserGroupsRequest()),
            403,
            "WKS.0301",
        )
        assert missing.status_code == foreign.status_code
        assert missing.error_code == foreign.error_code
        # The messages may name the project id the caller sent, nothing else.
        assert foreign.error_msg.replace(creds["project_id"], "{pid}") == missing.error_msg.replace(
            random_project_id, "{pid}"
        )

    def test_unknown_project_rejects_writes(self, client, client_b_on_random_project, tag):
        expect_error_unchanged(
            _everything(client, tag),
            _new_group(client_b_on_random_project, f"rp-{tag}"),
            403,
            "WKS.0301",
        )

    def test_other_account_cannot_change_my_project(self, client, client_b_on_a, tag):
        group = create_group(client, f"xa-{tag}", description="mine")
        uid = create_user(client, f"xa{tag}", user_email="mine@example.com")
        group_action(client, group.id, "ADD", [uid])
        snap = _everything(client, tag, [uid], [group.id])
        b = client_b_on_a

        for call in (
            _new_group(b, f"xb-{tag}"),
            _new_user(b, f"xb{tag}", user_email="x@example.com"),
            _batch_users(b, [CreateUserRequest(user_name=f"xc{tag}", user_email="x@example.com")]),
            lambda: b.update_user_group(
                UpdateUserGroupRequest(group_id=group.id, body=EditUserGroupRequest(description="hacked"))
            ),
            lambda: b.delete_user_group(DeleteUserGroupRequest(group_id=group.id)),
            lambda: b.batch_delete_user_groups(
                BatchDeleteUserGroupsRequest(body=BatchDeleteUserGroupsReq(group_ids=[group.id]))
            ),
            lambda: group_action(b, group.id, "DELETE", [uid]),
            lambda: b.list_users_of_group(ListUsersOfGroupRequest(group_id=group.id)),
            lambda: b.list_user_detail(ListUserDetailRequest(user_id=uid)),
            lambda: b.update_user_info(
                UpdateUserInfoRequest(user_id=uid, body=EditUserReq(description="hacked"))
            ),
            lambda: b.change_user_status(
                ChangeUserStatusRequest(user_id=uid, body=OperateUserReq(op_type="LOCK"))
            ),
            lambda: b.reset_random_password(ResetRandomPasswordRequest(user_id=uid)),
            lambda: b.delete_user(DeleteUserRequest(user_id=uid)),
            lambda: b.batch_delete_user(BatchDeleteUserRequest(body=BatchDeleteUserReq(user_ids=[uid]))),
        ):
            expect_error_unchanged(snap, call, 403, "WKS.0301")

    def test_accounts_do_not_see_each_other(self, client, client_b, tag):
        mine = create_group(client, f"iso-{tag}")
        create_user(client, f"iso{tag}")

        theirs = client_b.list_user_groups(ListUserGroupsRequest(keyword=tag))
        assert theirs.total_count == 0
        assert client_b.list_users(ListUsersRequest(user_name=tag)).total_count == 0
        # Ids of account A are unknown in account B.
        expect_error(
            lambda: client_b.delete_user_group(DeleteUserGroupRequest(group_id=mine.id)), 404, "WKS.0102"
        )

        # Names are unique per account only.
        create_group(client_b, f"iso-{tag}")
        create_user(client_b, f"iso{tag}")
        assert client.list_user_groups(ListUserGroupsRequest(keyword=tag)).total_count == 1
        assert client.list_users(ListUsersRequest(user_name=tag)).total_count == 1


# ================================================================ paging parameters


BAD_PAGING = [
    {"limit": "101"},
    {"limit": "-1"},
    {"limit": "abc"},
    {"offset": "-1"},
    {"limit": "10", "offset": "-1"},
]


class TestPagingValidation:
    @pytest.mark.parametrize("params", BAD_PAGING, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
    def test_list_user_groups_rejects(self, client, tag, params):
        create_group(client, f"pv-{tag}")
        expect_error_unchanged(
            lambda: groups_snapshot(client, tag),
            lambda: client.list_user_groups(ListUserGroupsRequest(keyword=tag, **params)),
            400,
            "WKS.0001",
        )

    @pytest.mark.parametrize("params", BAD_PAGING, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
    def test_list_users_rejects(self, client, tag, params):
        create_user(client, f"pv{tag}")
        expect_error_unchanged(
            lambda: users_snapshot(client, tag),
            lambda: client.list_users(ListUsersRequest(user_name=tag, **params)),
            400,
            "WKS.0001",
        )


# ================================================================ groups


class TestGroupErrors:
    def test_duplicate_name_is_409_case_insensitive(self, client, tag):
        create_group(client, f"Dup-{tag}", description="original")
        snap = _everything(client, tag)
        for name in (f"Dup-{tag}", f"dup-{tag}", f"DUP-{tag.upper()}"):
            expect_error_unchanged(snap, _new_group(client, name, description="copy"), 409, "WKS.0202")

    def test_duplicate_chinese_name_is_409(self, client, tag):
        create_group(client, f"财务部-{tag}")
        expect_error_unchanged(
            _everything(client, tag), _new_group(client, f"财务部-{tag.upper()}"), 409, "WKS.0202"
        )

    def test_rename_to_taken_name_is_409(self, client, tag):
        create_group(client, f"first-{tag}")
        second = create_group(client, f"second-{tag}")
        expect_error_unchanged(
            _everything(client, tag),
            lambda: client.update_user_group(
                UpdateUserGroupRequest(
                    group_id=second.id, body=EditUserGroupRequest(group_name=f"FIRST-{tag}")
                )
            ),
            409,
            "WKS.0202",
        )

    def test_name_longer_than_64_is_400(self, client, tag):
        snap = _everything(client, tag)
        for name in (f"{tag}-".ljust(65, "x"), f"{tag}-".ljust(65, "长"), f"{tag}-".ljust(200, "x")):
            expect_error_unchanged(snap, _new_group(client, name), 400, "WKS.0002")
        # 64 is fine, in ASCII and in Chinese
        create_group(client, f"{tag}-".ljust(64, "x"))
        create_group(client, f"{tag}-".ljust(64, "长"))

    def test_rename_longer_than_64_is_400(self, client, tag):
        group = create_group(client, f"rl-{tag}")
        expect_error_unchanged(
            _everything(client, tag),
            lambda: client.update_user_group(
                UpdateUserGroupRequest(
                    group_id=group.id, body=EditUserGroupRequest(group_name=f"rl-{tag}-".ljust(65, "x"))
                )
            ),
            400,
            "WKS.0002",
        )

    def test_empty_name_and_bad_platform_type_are_400(self, client, tag):
        snap = _everything(client, tag)
        expect_error_unchanged(snap, _new_group(client, ""), 400)
        expect_error_unchanged(snap, _new_group(client, f"pt-{tag}", platform_type="LDAP"), 400)

    @pytest.mark.parametrize("position", ["first", "middle", "last"])
    def test_batch_delete_with_unknown_id_deletes_nothing(self, client, tag, position):
        groups = [create_group(client, f"bd{i}-{tag}").id for i in range(3)]
        ids = list(groups)
        ids.insert({"first": 0, "middle": 2, "last": 3}[position], MISSING_ID)
        expect_error_unchanged(
            _everything(client, tag),
            lambda: client.batch_delete_user_groups(
                BatchDeleteUserGroupsRequest(body=BatchDeleteUserGroupsReq(group_ids=ids))
            ),
            404,
            "WKS.0102",
        )

    def test_unknown_group_id_is_404(self, client, tag):
        snap = _everything(client, tag)
        for call in (
            lambda: client.delete_user_group(DeleteUserGroupRequest(group_id=MISSING_ID)),
            lambda: client.update_user_group(
                UpdateUserGroupRequest(group_id=MISSING_ID, body=EditUserGroupRequest(group_name=f"u-{tag}"))
            ),
            lambda: client.list_users_of_group(ListUsersOfGroupRequest(group_id=MISSING_ID)),
        ):
            expect_error_unchanged(snap, call, 404, "WKS.0102")

    @pytest.mark.parametrize("op_type", ["ADD", "DELETE"])
    def test_member_action_with_unknown_user_changes_nothing(self, client, tag, op_type):
        group = create_group(client, f"ma-{tag}")
        members = [create_user(client, f"ma{i}{tag}") for i in range(2)]
        outsider = create_user(client, f"mo{tag}")
        group_action(client, group.id, "ADD", members)
        known = outsider if op_type == "ADD" else members[0]

        expect_error_unchanged(
            _everything(client, tag, members + [outsider], [group.id]),
            lambda: group_action(client, group.id, op_type, [known, MISSING_ID]),
            404,
            "WKS.0101",
        )

    def test_member_action_with_bad_op_type_is_400(self, client, tag):
        group = create_group(client, f"op-{tag}")
        uid = create_user(client, f"op{tag}")
        snap = _everything(client, tag, [uid], [group.id])
        for op_type in ("MOVE", "add", ""):
            expect_error_unchanged(snap, lambda: group_action(client, group.id, op_type, [uid]), 400)

    def test_member_action_on_unknown_group_is_404(self, client, tag):
        uid = create_user(client, f"ug{tag}")
        expect_error_unchanged(
            _everything(client, tag, [uid]),
            lambda: group_action(client, MISSING_ID, "ADD", [uid]),
            404,
            "WKS.0102",
        )


# ================================================================ users


class TestUserErrors:
    @pytest.mark.parametrize("name", ["1abc", "a b", "a@b", "a" * 21, ""])
    def test_invalid_user_names_are_400(self, client, tag, name):
        expect_error_unchanged(
            _everything(client, tag), _new_user(client, name, user_email="x@example.com"), 400, "WKS.0002"
        )

    @pytest.mark.parametrize(
        "shape",
        ["starts-with-digit", "space", "at-sign", "21-chars", "slash", "dot"],
    )
    def test_invalid_tagged_user_names_are_not_created(self, client, tag, shape):
        name = {
            "starts-with-digit": f"1{tag}",
            "space": f"a b{tag}",
            "at-sign": f"a@b{tag}",
            "21-chars": f"u{tag}".ljust(21, "x"),
            "slash": f"a/b{tag}",
            "dot": f"a.b{tag}",
        }[shape]
        expect_error_unchanged(
            _everything(client, tag), _new_user(client, name, user_email="x@example.com"), 400, "WKS.0002"
        )

    @pytest.mark.parametrize(
        "kind,password",
        [
            ("7 chars", "Ab1!xyz"),
            ("33 chars", "Ab1!" * 8 + "x"),
            ("lower+digits", "abcdefgh12"),
            ("upper+lower", "ABCDefghij"),
            ("digits+special", "12345678!@"),
            ("contains user name", None),
        ],
    )
    def test_bad_passwords_are_400(self, client, tag, kind, password):
        name = f"pw{tag}"
        if password is None:
            password = f"X1!{name}"
        expect_error_unchanged(
            _everything(client, tag),
            _new_user(client, name, active_type="ADMIN_ACTIVATE", password=password),
            400,
            "WKS.0003",
        )

    def test_admin_activate_without_password_is_400(self, client, tag):
        expect_error_unchanged(
            _everything(client, tag), _new_user(client, f"np{tag}", active_type="ADMIN_ACTIVATE"), 400
        )

    def test_user_activate_without_email_or_phone_is_400(self, client, tag):
        snap = _everything(client, tag)
        expect_error_unchanged(snap, _new_user(client, f"ne{tag}"), 400)
        expect_error_unchanged(snap, _new_user(client, f"ne{tag}", active_type="USER_ACTIVATE"), 400)

    @pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com"])
    def test_bad_email_is_400(self, client, tag, email):
        expect_error_unchanged(
            _everything(client, tag), _new_user(client, f"be{tag}", user_email=email), 400, "WKS.0001"
        )

    def test_bad_email_on_update_is_400(self, client, tag):
        uid = create_user(client, f"bu{tag}", user_email="good@example.com")
        expect_error_unchanged(
            _everything(client, tag, [uid]),
            lambda: client.update_user_info(
                UpdateUserInfoRequest(user_id=uid, body=EditUserReq(user_email="not-an-email"))
            ),
            400,
            "WKS.0001",
        )

    def test_duplicate_user_name_is_409_case_insensitive(self, client, tag):
        uid = create_user(client, f"Dup{tag}", user_email="orig@example.com")
        snap = _everything(client, tag, [uid])
        for name in (f"Dup{tag}", f"dup{tag}", f"DUP{tag.upper()}"):
            call = _new_user(client, name, user_email="copy@example.com")
            expect_error_unchanged(snap, call, 409, "WKS.0201")

    def test_unknown_group_on_create_user_changes_nothing(self, client, tag):
        group = create_group(client, f"ugc-{tag}")
        expect_error_unchanged(
            _everything(client, tag, [], [group.id]),
            _new_user(client, f"ugc{tag}", user_email="x@example.com", group_ids=[group.id, MISSING_ID]),
            404,
            "WKS.0102",
        )

    def test_unknown_user_id_is_404(self, client, tag):
        snap = _everything(client, tag)
        for call in (
            lambda: client.list_user_detail(ListUserDetailRequest(user_id=MISSING_ID)),
            lambda: client.update_user_info(
                UpdateUserInfoRequest(user_id=MISSING_ID, body=EditUserReq(description="x"))
            ),
            lambda: client.delete_user(DeleteUserRequest(user_id=MISSING_ID)),
            lambda: client.change_user_status(
                ChangeUserStatusRequest(user_id=MISSING_ID, body=OperateUserReq(op_type="LOCK"))
            ),
            lambda: client.reset_random_password(ResetRandomPasswordRequest(user_id=MISSING_ID)),
        ):
            expect_error_unchanged(snap, call, 404, "WKS.0101")

    def test_deleted_user_is_404(self, client, tag):
        uid = create_user(client, f"del{tag}")
        client.delete_user(DeleteUserRequest(user_id=uid))
        snap = _everything(client, tag)
        expect_error_unchanged(
            snap, lambda: client.list_user_detail(ListUserDetailRequest(user_id=uid)), 404, "WKS.0101"
        )
        expect_error_unchanged(
            snap, lambda: client.delete_user(DeleteUserRequest(user_id=uid)), 404, "WKS.0101"
        )

    @pytest.mark.parametrize("position", ["first", "middle", "last"])
    def test_batch_delete_with_unknown_id_deletes_nothing(self, client, tag, position):
        group = create_group(client, f"bdu-{tag}")
        users = [create_user(client, f"bdu{i}{tag}") for i in range(3)]
        group_action(client, group.id, "ADD", users)
        ids = list(users)
        ids.insert({"first": 0, "middle": 2, "last": 3}[position], MISSING_ID)
        expect_error_unchanged(
            _everything(client, tag, users, [group.id]),
            lambda: client.batch_delete_user(BatchDeleteUserRequest(body=BatchDeleteUserReq(user_ids=ids))),
            404,
            "WKS.0101",
        )

    def test_bad_op_type_on_user_is_400(self, client, tag):
        uid = create_user(client, f"bo{tag}")
        snap = _everything(client, tag, [uid])
        for op_type in ("FREEZE", "lock", ""):
            expect_error_unchanged(
                snap,
                lambda: client.change_user_status(
                    ChangeUserStatusRequest(user_id=uid, body=OperateUserReq(op_type=op_type))
                ),
                400,
            )


class TestBatchCreateIsAllOrNothing:
    def test_invalid_name_at_the_end(self, client, tag):
        users = [CreateUserRequest(user_name=f"ok{i}{tag}", user_email="x@example.com") for i in range(3)]
        users.append(CreateUserRequest(user_name=f"1bad{tag}", user_email="x@example.com"))
        expect_error_unchanged(_everything(client, tag), _batch_users(client, users), 400)
        assert users_snapshot(client, tag) == []

    def test_bad_email_in_the_middle(self, client, tag):
        users = [
            CreateUserRequest(user_name=f"ok1{tag}", user_email="x@example.com"),
            CreateUserRequest(user_name=f"ok2{tag}", user_email="broken"),
            CreateUserRequest(user_name=f"ok3{tag}", user_email="x@example.com"),
        ]
        expect_error_unchanged(_everything(client, tag), _batch_users(client, users), 400)
        assert users_snapshot(client, tag) == []

    def test_bad_password_at_the_end(self, client, tag):
        users = [
            CreateUserRequest(user_name=f"ok1{tag}", active_type="ADMIN_ACTIVATE", password=PASSWORD),
            CreateUserRequest(user_name=f"ok2{tag}", active_type="ADMIN_ACTIVATE", password="short"),
        ]
        expect_error_unchanged(_everything(client, tag), _batch_users(client, users), 400)
        assert users_snapshot(client, tag) == []

    def test_name_taken_by_existing_user(self, client, tag):
        existing = create_user(client, f"ex{tag}")
        users = [
            CreateUserRequest(user_name=f"new1{tag}", user_email="x@example.com"),
            CreateUserRequest(user_name=f"EX{tag}", user_email="x@example.com"),
        ]
        snap = _everything(client, tag, [existing])
        expect_error_unchanged(snap, _batch_users(client, users), 409, "WKS.0201")
        assert [u["id"] for u in users_snapshot(client, tag)] == [existing]

    def test_same_name_twice_in_one_batch(self, client, tag):
        users = [
            CreateUserRequest(user_name=f"tw{tag}", user_email="x@example.com"),
            CreateUserRequest(user_name=f"TW{tag}", user_email="x@example.com"),
        ]
        expect_error_unchanged(_everything(client, tag), _batch_users(client, users), 409, "WKS.0201")
        assert users_snapshot(client, tag) == []

    def test_unknown_group_in_batch(self, client, tag):
        group = create_group(client, f"bg-{tag}")
        users = [
            CreateUserRequest(user_name=f"bg1{tag}", user_email="x@example.com", group_ids=[group.id]),
            CreateUserRequest(user_name=f"bg2{tag}", user_email="x@example.com", group_ids=[MISSING_ID]),
        ]
        expect_error_unchanged(
            _everything(client, tag, [], [group.id]), _batch_users(client, users), 404, "WKS.0102"
        )
        assert users_snapshot(client, tag) == []

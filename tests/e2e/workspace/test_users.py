"""Desktop users through the official SDK: create (single and batch), detail,
list filters and paging, update, lock/unlock/reset, random password, delete
(single and batch). Error cases live in test_errors.py."""

import datetime
import string

from huaweicloudsdkworkspace.v2 import (
    BatchCreateUsersReq,
    BatchCreateUsersRequest,
    BatchDeleteUserReq,
    BatchDeleteUserRequest,
    ChangeUserStatusRequest,
    CreateDesktopUserRequest,
    CreateUserRequest,
    DeleteUserRequest,
    EditUserReq,
    ListUsersRequest,
    OperateUserReq,
    ResetRandomPasswordRequest,
    UpdateUserInfoRequest,
)

from e2e_helpers import (
    HEX32,
    PASSWORD,
    create_group,
    create_user,
    list_all_users,
    user_detail,
    user_names,
)


def _set_status(client, user_id, op_type):
    return client.change_user_status(
        ChangeUserStatusRequest(user_id=user_id, body=OperateUserReq(op_type=op_type))
    )


def _update(client, user_id, **fields):
    return client.update_user_info(UpdateUserInfoRequest(user_id=user_id, body=EditUserReq(**fields)))


def _epoch_ms(iso):
    dt = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp() * 1000)


# ---------------------------------------------------------------- create / detail


def test_create_user_with_email_and_read_detail(client, tag):
    name = f"ann{tag}"
    resp = client.create_desktop_user(
        CreateDesktopUserRequest(
            body=CreateUserRequest(
                user_name=name,
                user_email="ann@example.com",
                active_type="USER_ACTIVATE",
                description="first user",
            )
        )
    )
    assert resp.status_code == 200
    assert isinstance(resp.id, str) and resp.id

    d = user_detail(client, resp.id)
    assert d.id == resp.id
    assert d.user_name == name
    assert d.user_email == "ann@example.com"
    assert d.description == "first user"
    assert d.active_type == "USER_ACTIVATE"
    assert d.locked is False
    assert d.disabled is False
    assert d.group_names == []
    assert d.account_expires == 0
    assert isinstance(d.account_expires, int)

    listed = client.list_users(ListUsersRequest(user_name=name))
    assert listed.total_count == 1
    u = listed.users[0]
    assert (u.id, u.user_name, u.user_email, u.description) == (
        resp.id,
        name,
        "ann@example.com",
        "first user",
    )
    assert u.group_names == []


def test_user_activate_is_the_default(client, tag):
    uid = create_user(client, f"dflt{tag}", user_email="d@example.com")
    assert user_detail(client, uid).active_type == "USER_ACTIVATE"


def test_create_user_with_phone_only(client, tag):
    uid = create_user(client, f"ph{tag}", user_phone="13800000002")
    d = user_detail(client, uid)
    assert d.user_phone == "13800000002"
    assert d.active_type == "USER_ACTIVATE"


def test_create_admin_activated_user_with_password(client, tag):
    uid = create_user(client, f"adm{tag}", active_type="ADMIN_ACTIVATE", password=PASSWORD)
    d = user_detail(client, uid)
    assert d.active_type == "ADMIN_ACTIVATE"
    assert d.user_name == f"adm{tag}"


def test_password_length_bounds_are_accepted(client, tag):
    # 8 and 32 characters, three of four classes each
    create_user(client, f"p8{tag}", active_type="ADMIN_ACTIVATE", password="Abcdef12")
    create_user(client, f"p32{tag}", active_type="ADMIN_ACTIVATE", password="Ab1!" * 8)
    assert sorted(user_names(client, user_name=tag)) == sorted([f"p8{tag}", f"p32{tag}"])


def test_user_name_shapes_that_are_valid(client, tag):
    short = tag[1:]  # tags are 't' + 8 hex; use the hex part inside longer names
    names = [
        f"x{short}",  # letters and digits
        f"_{short}",  # starts with underscore
        f"a-b_{short}",  # '-' and '_'
        f"n{short}".ljust(20, "z"),  # exactly 20 characters
    ]
    for name in names:
        create_user(client, name)
    found = set(user_names(client, user_name=short))
    assert set(names) <= found


def test_account_expires(client, tag):
    never = create_user(client, f"nev{tag}", account_expires="0")
    at = "2031-02-03T04:05:06.000Z"
    expiring = create_user(client, f"exp{tag}", account_expires=at)

    assert user_detail(client, never).account_expires == 0
    exp_detail = user_detail(client, expiring).account_expires
    assert isinstance(exp_detail, int)
    assert exp_detail == _epoch_ms(at)

    listed = {u.id: u for u in list_all_users(client, user_name=tag)}
    assert listed[never].account_expires == "0"
    assert listed[expiring].account_expires == at


def test_create_user_with_groups(client, tag):
    g = create_group(client, f"ug-{tag}")
    uid = create_user(client, f"ug{tag}", group_ids=[g.id])
    assert user_detail(client, uid).group_names == [g.name]
    listed = client.list_users(ListUsersRequest(user_name=f"ug{tag}"))
    assert listed.users[0].group_names == [g.name]


def test_chinese_user_name(client, tag):
    name = f"张三{tag}"
    uid = create_user(client, name, description="研发人员")
    d = user_detail(client, uid)
    assert d.user_name == name
    assert d.description == "研发人员"


# ---------------------------------------------------------------- batch create


def test_batch_create_users(client, tag):
    names = [f"bc{i}{tag}" for i in range(3)]
    resp = client.batch_create_users(
        BatchCreateUsersRequest(
            body=BatchCreateUsersReq(
                users=[
                    CreateUserRequest(user_name=names[0], user_email="b0@example.com"),
                    CreateUserRequest(user_name=names[1], user_phone="13800000003"),
                    CreateUserRequest(
                        user_name=names[2], active_type="ADMIN_ACTIVATE", password=PASSWORD
                    ),
                ]
            )
        )
    )
    assert resp.status_code == 200
    users = {u.user_name: u for u in list_all_users(client, user_name=tag)}
    assert set(users) == set(names)
    assert users[names[0]].user_email == "b0@example.com"
    assert users[names[1]].user_phone == "13800000003"
    assert users[names[2]].active_type == "ADMIN_ACTIVATE"


# ---------------------------------------------------------------- list filters


def test_list_users_by_name_substring_is_case_insensitive(client, tag):
    a = create_user(client, f"Kim{tag}X")
    b = create_user(client, f"kimberly{tag}")
    c = create_user(client, f"lee{tag}")
    mine = {a, b, c}

    def found(**filters):
        return {u.id for u in list_all_users(client, **filters)} & mine

    assert found(user_name=tag) == mine
    assert found(user_name="KIM") == {a, b}
    assert found(user_name=f"{tag.upper()}x") == {a}
    assert found(user_name=f"lee{tag}") == {c}


def test_list_users_by_chinese_name(client, tag):
    zhang = create_user(client, f"张伟{tag}")
    wang = create_user(client, f"王芳{tag}")
    li = create_user(client, f"李张{tag}")
    mine = {zhang, wang, li}

    def found(keyword):
        return {u.id for u in list_all_users(client, user_name=keyword)} & mine

    assert found("张") == {zhang, li}
    assert found("张伟") == {zhang}
    assert found(f"芳{tag}") == {wang}


def test_list_users_by_exact_names(client, tag):
    a = create_user(client, f"ex{tag}")
    b = create_user(client, f"ex{tag}2")
    c = create_user(client, f"ex{tag}3")

    resp = client.list_users(ListUsersRequest(user_names=[f"ex{tag}", f"ex{tag}3"]))
    assert resp.total_count == 2
    assert sorted(u.id for u in resp.users) == sorted([a, c])
    assert b not in {u.id for u in resp.users}

    one = client.list_users(ListUsersRequest(user_names=[f"ex{tag}"]))
    assert [u.id for u in one.users] == [a]  # exact, not substring


def test_list_users_by_description(client, tag):
    a = create_user(client, f"da{tag}", description=f"Night shift {tag}")
    b = create_user(client, f"db{tag}", description=f"day shift {tag}")
    c = create_user(client, f"dc{tag}", description=f"夜班 {tag}")
    mine = {a, b, c}

    def found(description):
        return {u.id for u in list_all_users(client, description=description)} & mine

    assert found(tag) == mine
    assert found("shift") == {a, b}
    assert found("NIGHT") == {a}
    assert found("夜班") == {c}


def test_list_users_by_active_type(client, tag):
    ua = create_user(client, f"ua{tag}", user_email="ua@example.com")
    aa = create_user(client, f"aa{tag}", active_type="ADMIN_ACTIVATE", password=PASSWORD)

    admin = {u.id for u in list_all_users(client, user_name=tag, active_type="ADMIN_ACTIVATE")}
    user = {u.id for u in list_all_users(client, user_name=tag, active_type="USER_ACTIVATE")}
    assert admin == {aa}
    assert user == {ua}


def test_list_users_by_group_name_is_exact(client, tag):
    g1 = create_group(client, f"gx-{tag}")
    g2 = create_group(client, f"gx-{tag}-2")
    u1 = create_user(client, f"gx1{tag}", group_ids=[g1.id])
    u2 = create_user(client, f"gx2{tag}", group_ids=[g2.id])
    create_user(client, f"gx3{tag}")

    assert [u.id for u in list_all_users(client, group_name=g1.name)] == [u1]
    assert [u.id for u in list_all_users(client, group_name=g2.name)] == [u2]


def test_list_users_paging(client, tag):
    created = [create_user(client, f"pu{i:02d}{tag}") for i in range(12)]

    pages = []
    for offset in (0, 5, 10):
        resp = client.list_users(ListUsersRequest(user_name=tag, limit="5", offset=str(offset)))
        assert resp.total_count == 12
        pages.append([u.id for u in resp.users])
    assert [len(p) for p in pages] == [5, 5, 2]
    flat = [uid for page in pages for uid in page]
    assert len(set(flat)) == 12
    assert set(flat) == set(created)
    assert flat == created  # creation order

    for kwargs in ({}, {"limit": "0"}):
        resp = client.list_users(ListUsersRequest(user_name=tag, **kwargs))
        assert [u.id for u in resp.users] == created, kwargs


# ---------------------------------------------------------------- update


def test_update_user_info(client, tag):
    uid = create_user(client, f"up{tag}", user_email="old@example.com", description="old")
    resp = _update(client, uid, description="new description", user_email="new@example.org", disabled=True)
    assert resp.id == uid

    d = user_detail(client, uid)
    assert d.description == "new description"
    assert d.user_email == "new@example.org"
    assert d.disabled is True
    assert d.user_name == f"up{tag}"

    listed = client.list_users(ListUsersRequest(user_name=f"up{tag}")).users[0]
    assert listed.description == "new description"
    assert listed.disabled is True

    _update(client, uid, disabled=False)
    d = user_detail(client, uid)
    assert d.disabled is False
    assert d.description == "new description"  # untouched fields stay


def test_update_user_phone_and_expiry(client, tag):
    uid = create_user(client, f"upx{tag}")
    at = "2032-12-31T23:59:59.000Z"
    _update(client, uid, user_phone="13800000004", account_expires=at)
    d = user_detail(client, uid)
    assert d.user_phone == "13800000004"
    assert d.account_expires == _epoch_ms(at)


# ---------------------------------------------------------------- status / password


def test_lock_and_unlock(client, tag):
    uid = create_user(client, f"lk{tag}")
    assert user_detail(client, uid).locked is False

    _set_status(client, uid, "LOCK")
    assert user_detail(client, uid).locked is True
    assert client.list_users(ListUsersRequest(user_name=f"lk{tag}")).users[0].locked is True

    _set_status(client, uid, "UNLOCK")
    assert user_detail(client, uid).locked is False


def test_reset_pwd_requires_change_at_next_login(client, tag):
    uid = create_user(client, f"rp{tag}", active_type="ADMIN_ACTIVATE", password=PASSWORD)
    assert user_detail(client, uid).next_login_change_password is False
    _set_status(client, uid, "RESET_PWD")
    assert user_detail(client, uid).next_login_change_password is True


def test_reset_random_password(client, tag):
    uid = create_user(client, f"rr{tag}")
    first = client.reset_random_password(ResetRandomPasswordRequest(user_id=uid)).password
    second = client.reset_random_password(ResetRandomPasswordRequest(user_id=uid)).password
    for pw in (first, second):
        assert isinstance(pw, str)
        assert len(pw) == 16
        classes = [
            any(ch in string.ascii_lowercase for ch in pw),
            any(ch in string.ascii_uppercase for ch in pw),
            any(ch in string.digits for ch in pw),
            any(not ch.isalnum() for ch in pw),
        ]
        assert sum(classes) >= 3, pw
    assert first != second


# ---------------------------------------------------------------- delete


def test_delete_user(client, tag):
    keep = create_user(client, f"kp{tag}")
    gone = create_user(client, f"gn{tag}")
    resp = client.delete_user(DeleteUserRequest(user_id=gone))
    assert resp.status_code in (200, 204)
    assert [u.id for u in list_all_users(client, user_name=tag)] == [keep]


def test_deleted_user_name_can_be_reused(client, tag):
    first = create_user(client, f"ru{tag}")
    client.delete_user(DeleteUserRequest(user_id=first))
    second = create_user(client, f"ru{tag}")
    assert second != first
    assert user_detail(client, second).user_name == f"ru{tag}"


def test_batch_delete_users(client, tag):
    ids = [create_user(client, f"bx{i}{tag}") for i in range(4)]
    resp = client.batch_delete_user(
        BatchDeleteUserRequest(body=BatchDeleteUserReq(user_ids=[ids[0], ids[1], ids[3]]))
    )
    assert resp.status_code in (200, 204)
    assert [u.id for u in list_all_users(client, user_name=tag)] == [ids[2]]


# ---------------------------------------------------------------- request ids


def test_successful_responses_carry_request_id(client, response_log, tag):
    uid = create_user(client, f"rq{tag}")
    user_detail(client, uid)
    first = response_log.last.headers.get("X-Request-Id")
    client.list_users(ListUsersRequest(user_name=f"rq{tag}"))
    second = response_log.last.headers.get("X-Request-Id")
    for rid in (first, second):
        assert rid and HEX32.match(rid), rid
    assert first != second

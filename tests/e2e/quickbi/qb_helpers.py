"""Shortcuts over the official SDK, and the error assertion."""

import re

import pytest
from alibabacloud_quickbi_public20220101 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ROLE_ADMIN, ROLE_AUTH_ADMIN, ROLE_USER = 111111111, 111111112, 111111113


def expect_error(code, fn, *args):
    """Calls fn(*args), which must fail with a ClientException (HTTP 4xx) of `code`."""
    with pytest.raises(ClientException) as info:
        fn(*args)
    e = info.value
    assert e.code == code, f"{e.code}: {e.message}"
    assert e.data.get("statusCode") == 400, e.data
    assert e.request_id
    return e


def add_user(qb, name, nick=None, user_type=1, **kw):
    r = qb.add_user(
        m.AddUserRequest(account_name=name, nick_name=nick or name.upper(), user_type=user_type, **kw)
    )
    assert r.body.success is True
    return r.body.result


def create_group(qb, name, parent="-1", group_id=None, desc=None):
    r = qb.create_user_group(
        m.CreateUserGroupRequest(
            parent_user_group_id=parent,
            user_group_name=name,
            user_group_id=group_id,
            user_group_description=desc,
        )
    )
    assert isinstance(r.body.result, str) and r.body.result
    return r.body.result


def group_info(qb, gid):
    r = qb.list_by_user_group_id(m.ListByUserGroupIdRequest(user_group_ids=gid))
    models = r.body.result.user_group_models
    assert len(models) == 1, r.body.to_map()
    return models[0]


def groups_of(qb, uid):
    return qb.list_user_groups_by_user_id(m.ListUserGroupsByUserIdRequest(user_id=uid)).body.result

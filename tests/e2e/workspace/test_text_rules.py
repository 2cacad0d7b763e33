"""Text at the door and in search (issue 12), through the official Workspace SDK: control
characters are refused with WKS.0001/WKS.0002 and change nothing; keywords fold with Unicode
case folding (no final-sigma rule) and canonical equivalence; group names refuse
surrounding white space."""

import pytest

from huaweicloudsdkworkspace.v2 import EditUserGroupRequest, UpdateUserGroupRequest

from e2e_helpers import create_group, create_user, expect_error_unchanged, group_names, list_all_users

CONTROLS = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]]


def users_named(client, tag):
    return sorted(u.user_name for u in list_all_users(client, user_name=tag))


@pytest.mark.parametrize("ch", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_is_refused_in_every_user_and_group_field(client, tag, ch):
    snapshot = lambda: (users_named(client, tag), group_names(client, tag))
    # the example: such an e-mail used to be accepted and broke every export
    expect_error_unchanged(
        snapshot,
        lambda: create_user(client, f"u{tag}", user_email=f"first{ch}last@example.com"),
        400, "WKS.0001")
    expect_error_unchanged(
        snapshot, lambda: create_user(client, f"u{tag}", user_phone=f"138{ch}0000"), 400, "WKS.0001")
    if ch != "\n":
        expect_error_unchanged(
            snapshot, lambda: create_user(client, f"u{tag}", description=f"a{ch}b"), 400, "WKS.0001")
        expect_error_unchanged(
            snapshot, lambda: create_group(client, f"G {tag}", description=f"a{ch}b"), 400, "WKS.0001")
    expect_error_unchanged(
        snapshot, lambda: create_group(client, f"Ops{ch}X {tag}"), 400, "WKS.0002")


def test_look_alike_group_names_are_refused(client, tag):
    gid = create_group(client, f"OpsX {tag}")
    for bad in [f"OpsX {tag} ", f" OpsX {tag}", f"OpsX {tag}\u3000", f"\u00a0OpsX {tag}"]:
        expect_error_unchanged(lambda: group_names(client, tag), lambda: create_group(client, bad),
                               400, "WKS.0002")
        req = UpdateUserGroupRequest(group_id=gid, body=EditUserGroupRequest(group_name=bad))
        expect_error_unchanged(lambda: group_names(client, tag),
                               lambda: client.update_user_group(req), 400, "WKS.0002")


def test_keywords_fold_case_and_canonical_equivalence(client, tag):
    create_group(client, f"ΚΑΣΑ-x {tag}")
    # the stored text in the same case, a prefix, the final-sigma spelling, the folded one
    for kw in ["ΑΣ", "ΚΑΣ", "ας", "ασ"]:
        assert f"ΚΑΣΑ-x {tag}" in group_names(client, kw), kw
    for kw in [f"ΑΣΑ-X {tag}", f"ασα-x {tag}", f"κασα-X {tag}"]:
        assert group_names(client, kw) == [f"ΚΑΣΑ-x {tag}"], kw
    create_group(client, f"Caf\u00e9 {tag}")
    expect_error_unchanged(lambda: group_names(client, tag),
                           lambda: create_group(client, f"Cafe\u0301 {tag}"), 409, "WKS.0202")
    for kw in [f"Caf\u00e9 {tag}", f"cafe\u0301 {tag}", f"CAF\u00c9 {tag}"]:
        assert group_names(client, kw) == [f"Caf\u00e9 {tag}"], kw
    create_user(client, f"Stra\u00dfe{tag}", description="ΟΔΟΣ")
    assert [u.user_name for u in list_all_users(client, user_name=f"STRASSE{tag}")] == [f"Stra\u00dfe{tag}"]
    assert f"Stra\u00dfe{tag}" in [u.user_name for u in list_all_users(client, description="οδος")]

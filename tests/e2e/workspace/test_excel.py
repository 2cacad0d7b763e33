"""Excel through the official SDK: the background users export (export_users_new ->
list_export_tasks -> download_export_file), the groups export, group-members export, task
deletion, the import templates and import_user_list. Workbooks are opened with openpyxl."""

import io
import time

import openpyxl
import pytest
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkworkspace.v2 import (
    DeleteExportTaskRequestBody,
    DeleteExportTasksRequest,
    DownloadExportFileRequest,
    ExportUserGroupsNewReq,
    ExportUserGroupsNewRequest,
    ExportUserGroupsRequest,
    ExportUserGroupUsersNewRequest,
    ExportUserListTemplateRequest,
    ExportUsersNewReq,
    ExportUsersNewRequest,
    ExportUsersTemplateRequest,
    ImportUserListRequest,
    ImportUserListRequestBody,
    ListExportTasksRequest,
)

from e2e_helpers import create_group, create_user, expect_error, group_action, list_all_users

EN_USERS = ["User name", "Email", "Phone", "Description", "User groups", "Account expires"]
ZH_USERS = ["用户名", "邮箱", "手机号码", "描述", "所属用户组", "账号有效期"]


def rows_of(raw, sheet=0):
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb.worksheets[sheet]
    return ws, [[c.value for c in row] for row in ws.iter_rows()]


def wait_task(client, task_id, timeout=60):
    deadline = time.time() + timeout
    while True:
        resp = client.list_export_tasks(ListExportTasksRequest(task_id=task_id))
        assert resp.count == 1
        task = resp.export_tasks[0]
        if task.status != "CREATING":
            return task
        assert time.time() < deadline, f"task {task_id} still CREATING"
        time.sleep(0.1)


def download(client, task_id):
    resp = client.download_export_file(DownloadExportFileRequest(task_id=task_id))
    assert resp.raw_content[:2] == b"PK", "an .xlsx file is a zip"
    return resp.raw_content


def test_users_export_task_flow(client, unique_tag):
    tag = unique_tag()
    group = create_group(client, f"{tag}g")
    ids = [
        create_user(client, f"{tag}a", description='=HYPERLINK("http://x","y")'),
        create_user(client, f"{tag}b", description="+cmd|' /C calc'!A0"),
        create_user(client, f"{tag}c", user_phone="13800000000"),
    ]
    group_action(client, group.id, "ADD", ids[:1])

    resp = client.export_users_new(
        ExportUsersNewRequest(body=ExportUsersNewReq(user_name=tag, language="zh_CN"))
    )
    assert isinstance(resp.task_id, str) and resp.task_id
    task = wait_task(client, resp.task_id)
    assert task.status == "SUCCESS"
    assert task.file_name.endswith(".xlsx")
    assert task.is_download is False
    assert task.create_time and task.end_time

    raw = download(client, resp.task_id)
    ws, rows = rows_of(raw)
    assert ws.title == "用户"
    assert rows[0][:6] == ZH_USERS
    assert [r[0] for r in rows[1:]] == [f"{tag}a", f"{tag}b", f"{tag}c"]
    # formula-looking text stays text: string cells, never formulas
    for cell in (ws["D2"], ws["D3"]):
        assert cell.data_type == "s", cell.data_type
    assert rows[1][3] == '=HYPERLINK("http://x","y")'
    assert rows[2][3] == "+cmd|' /C calc'!A0"
    assert rows[1][4] == f"{tag}g"
    assert rows[3][2] == "13800000000"
    assert rows[1][5] == "永不过期"

    task = wait_task(client, resp.task_id)
    assert task.is_download is True
    listed = client.list_export_tasks(ListExportTasksRequest(file_name="users_", is_download=True))
    assert resp.task_id in [t.task_id for t in listed.export_tasks]


def test_users_export_by_names_in_english(client, unique_tag):
    tag = unique_tag()
    create_user(client, f"{tag}x")
    create_user(client, f"{tag}y")
    resp = client.export_users_new(
        ExportUsersNewRequest(body=ExportUsersNewReq(user_names=[f"{tag}y"]))
    )
    wait_task(client, resp.task_id)
    _, rows = rows_of(download(client, resp.task_id))
    assert rows[0][:6] == EN_USERS
    assert [r[0] for r in rows[1:]] == [f"{tag}y"]


def test_export_user_groups_at_once(client, unique_tag):
    tag = unique_tag()
    for n in ("one", "two", "three"):
        create_group(client, f"{tag}{n}", description=f"=1+{len(n)}")
    resp = client.export_user_groups(ExportUserGroupsRequest(keyword=tag))
    ws, rows = rows_of(resp.raw_content)
    assert rows[0][0] == "Group name" and rows[0][3] == "Users"
    assert [r[0] for r in rows[1:]] == [f"{tag}one", f"{tag}two", f"{tag}three"]
    assert ws["B2"].data_type == "s" and rows[1][1] == "=1+3"
    assert rows[1][3] == 0
    resp = client.export_user_groups(
        ExportUserGroupsRequest(keyword=tag, limit=1, offset=1, language="zh_CN")
    )
    _, rows = rows_of(resp.raw_content)
    assert rows[0][0] == "用户组名称"
    assert [r[0] for r in rows[1:]] == [f"{tag}two"]
    expect_error(
        lambda: client.export_user_groups(ExportUserGroupsRequest(limit=51)), 400, "WKS.0001"
    )


def test_groups_and_group_members_export_tasks(client, unique_tag):
    tag = unique_tag()
    g1 = create_group(client, f"{tag}1")
    g2 = create_group(client, f"{tag}2")
    create_group(client, f"{tag}3")
    u = create_user(client, f"{tag}m")
    create_user(client, f"{tag}n")
    group_action(client, g2.id, "ADD", [u])

    resp = client.export_user_groups_new(
        ExportUserGroupsNewRequest(body=ExportUserGroupsNewReq(group_ids=[g1.id, g2.id]))
    )
    assert wait_task(client, resp.task_id).status == "SUCCESS"
    _, rows = rows_of(download(client, resp.task_id))
    assert [(r[0], r[3]) for r in rows[1:]] == [(f"{tag}1", 0), (f"{tag}2", 1)]

    resp = client.export_user_group_users_new(
        ExportUserGroupUsersNewRequest(group_id=g2.id, language="zh_CN")
    )
    task = wait_task(client, resp.task_id)
    assert task.status == "SUCCESS" and task.file_name.startswith(f"{tag}2_users_")
    _, rows = rows_of(download(client, resp.task_id))
    assert rows[0][:6] == ZH_USERS
    assert [r[0] for r in rows[1:]] == [f"{tag}m"]

    expect_error(
        lambda: client.export_user_group_users_new(
            ExportUserGroupUsersNewRequest(group_id="nonexistent")
        ),
        404,
        "WKS.0102",
    )


def test_delete_export_tasks(client, unique_tag):
    resp = client.export_user_groups_new(
        ExportUserGroupsNewRequest(body=ExportUserGroupsNewReq(name=unique_tag()))
    )
    wait_task(client, resp.task_id)
    client.delete_export_tasks(
        DeleteExportTasksRequest(body=DeleteExportTaskRequestBody(task_ids=[resp.task_id]))
    )
    listed = client.list_export_tasks(ListExportTasksRequest(task_id=resp.task_id))
    assert listed.count == 0
    expect_error(
        lambda: client.download_export_file(DownloadExportFileRequest(task_id=resp.task_id)),
        404,
        "WKS.0103",
    )


def test_templates(client):
    for call, lang, first in (
        (lambda: client.export_users_template(ExportUsersTemplateRequest(language="en_US")), "en", EN_USERS),
        (lambda: client.export_user_list_template(ExportUserListTemplateRequest(language="zh_CN")), "zh", ZH_USERS),
    ):
        resp = call()
        wb = openpyxl.load_workbook(io.BytesIO(resp.raw_content))
        header = [c.value for c in wb.worksheets[0][1]]
        assert header == first, lang
        assert wb.worksheets[0].max_row == 1
        assert len(wb.worksheets) == 2, "an instructions sheet"


def test_import_user_list(client, unique_tag, tmp_path):
    tag = unique_tag()
    group = create_group(client, f"{tag}g")
    create_user(client, f"{tag}old")
    template = client.export_users_template(ExportUsersTemplateRequest()).raw_content
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    ws.append([f"{tag}1", f"{tag}1@example.com", None, "first", f"{tag}g", None])
    ws.append([f"{tag}2", None, 13900000000, "phone as a number", None, "2031-05-06"])
    ws.append([f"{tag}old", "x@example.com", None, "taken", None, None])
    ws.append(["bad name!", "y@example.com", None, None, None, None])
    ws.append([f"{tag}3", "z@example.com", None, None, "no-such-group", None])
    path = tmp_path / "users.xlsx"
    wb.save(path)

    resp = client.import_user_list(
        ImportUserListRequest(body=ImportUserListRequestBody(file=FormFile(str(path))))
    )
    assert [u.user_name for u in resp.user_detail_list] == [f"{tag}1", f"{tag}2"]
    assert all(u.id for u in resp.user_detail_list)
    failed = {u.user_name: u.description for u in resp.failed_detail_list}
    assert set(failed) == {f"{tag}old", "bad name!", f"{tag}3"}
    assert failed[f"{tag}old"].startswith("row 4: ")
    assert failed["bad name!"].startswith("row 5: ")
    assert resp.total_count == 5
    users = {u.user_name: u for u in list_all_users(client, user_name=tag)}
    assert users[f"{tag}1"].group_names == [f"{tag}g"]
    assert users[f"{tag}2"].user_phone == "13900000000"
    assert f"{tag}3" not in users


def test_import_rejects_a_file_that_is_not_a_workbook(client, unique_tag, tmp_path):
    tag = unique_tag()
    path = tmp_path / "users.xlsx"
    path.write_bytes(f"user_name\n{tag}\n".encode())
    before = list_all_users(client, user_name=tag)
    expect_error(
        lambda: client.import_user_list(
            ImportUserListRequest(body=ImportUserListRequestBody(file=FormFile(str(path))))
        ),
        400,
        "WKS.0001",
    )
    assert list_all_users(client, user_name=tag) == before

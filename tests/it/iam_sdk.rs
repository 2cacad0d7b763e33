//! The official Huawei IAM SDK (`huaweicloudsdkiam`, pinned in tests/e2e/requirements.txt)
//! and python-keystoneclient with a keystoneauth1 password session drive a real Roster
//! process: the pytest suite in tests/e2e/iam (GlobalCredentials, token credentials,
//! region-only discovery, cross-face checks with the Workspace SDK).

use crate::common;

#[test]
fn official_iam_sdk_and_keystoneclient_suite() {
    common::e2e::run_suite("tests/e2e/iam", &[]);
}

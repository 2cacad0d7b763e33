//! The official Huawei Workspace SDK (pinned in tests/e2e/requirements.txt) drives a real
//! Roster process: the pytest suite in tests/e2e/workspace. The virtual environment is made
//! on first use under the target directory (PyPI must be reachable then); `ROSTER_E2E_PYTHON`
//! names an interpreter that already has the requirements instead.

use crate::common;

#[test]
fn official_workspace_sdk_suite() {
    common::e2e::run_suite("tests/e2e/workspace", &[]);
}

//! The official Alibaba Cloud Quick BI SDK (pinned in tests/e2e/requirements.txt) drives a
//! real Roster process: the pytest suite in tests/e2e/quickbi, every test once with the
//! default ACS3-HMAC-SHA256 signature and once with `signature_algorithm='v2'` (RPC
//! HMAC-SHA1). The virtual environment is made on first use under the target directory;
//! `ROSTER_E2E_PYTHON` names an interpreter that already has the requirements instead.

use crate::common;

#[test]
fn official_quickbi_sdk_suite() {
    common::e2e::run_suite("tests/e2e/quickbi", &[]);
}

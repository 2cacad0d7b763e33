//! The official Huawei Cloud Python SDKs (pinned in tests/e2e/requirements.txt) drive a real
//! Roster process: the pytest suite in tests/e2e. The virtual environment is made on first
//! use under the target directory (PyPI must be reachable then); `ROSTER_E2E_PYTHON` names
//! an interpreter that already has the requirements instead.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{create_account, Server, TestDb};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A Python with the pinned requirements: reused while requirements.txt is unchanged.
fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ROSTER_E2E_PYTHON") {
        return PathBuf::from(p);
    }
    let reqs = manifest_dir().join("tests/e2e/requirements.txt");
    let wanted = std::fs::read_to_string(&reqs).expect("tests/e2e/requirements.txt");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-venv");
    let marker = venv.join("requirements.installed");
    let py = venv.join("bin/python");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) && py.exists() {
        return py;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv");
    assert!(ok.success(), "creating the virtual environment failed");
    let ok = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&reqs)
        .status()
        .expect("pip install");
    assert!(ok.success(), "installing tests/e2e/requirements.txt failed");
    std::fs::write(&marker, wanted).unwrap();
    py
}

#[test]
fn official_workspace_sdk_suite() {
    let py = python();
    let db = TestDb::new();
    let home = tempfile::tempdir().unwrap();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    let write = |name: &str, c: &common::Creds| {
        let p = db.data_dir().join(name);
        std::fs::write(&p, serde_json::to_string(c).unwrap()).unwrap();
        p
    };
    let creds_a = write("creds-a.json", &a);
    let creds_b = write("creds-b.json", &b);
    let server = Server::start_on(&db, &[]);
    let status = Command::new(&py)
        .args(["-m", "pytest", "tests/e2e", "-q", "-p", "no:cacheprovider"])
        .current_dir(manifest_dir())
        .env("ROSTER_URL", &server.url)
        .env("ROSTER_CREDS", &creds_a)
        .env("ROSTER_CREDS_OTHER", &creds_b)
        .env("ROSTER_DB", db.url())
        .env("ROSTER_BIN", common::BIN)
        .env("HOME", home.path())
        .status()
        .expect("run pytest");
    assert!(status.success(), "the official SDK suite failed");
}

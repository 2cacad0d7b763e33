//! Running the official Python SDKs against a real server: one virtual environment made from
//! tests/e2e/requirements.txt (all faces' pinned SDKs), and a pytest run per face directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{create_account, Creds, Server, TestDb, BIN};

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A Python with the pinned requirements: reused while requirements.txt is unchanged.
/// `ROSTER_E2E_PYTHON` names an interpreter that already has them instead.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ROSTER_E2E_PYTHON") {
        return PathBuf::from(p);
    }
    venv("e2e-venv", "tests/e2e/requirements.txt")
}

/// The Python of the virtual environment `name` (under the target's tmp directory) with the
/// pinned `requirements` (a path in the repository) installed: made once, reused while
/// that file is unchanged.
pub fn venv(name: &str, requirements: &str) -> PathBuf {
    let reqs = manifest_dir().join(requirements);
    let wanted = std::fs::read_to_string(&reqs).expect(requirements);
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let marker = venv.join("requirements.installed");
    let py = venv.join("bin/python");
    // Several suites may ask at once: one makes the venv, the others wait on its lock.
    let _lock = VenvLock::take(&venv);
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
    assert!(ok.success(), "installing {requirements} failed");
    std::fs::write(&marker, wanted).unwrap();
    py
}

/// An exclusive lock file beside the venv (created atomically; removed on drop).
struct VenvLock(PathBuf);

impl VenvLock {
    fn take(venv: &Path) -> VenvLock {
        let path = venv.with_extension("lock");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        for _ in 0..1800 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return VenvLock(path),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(500)),
            }
        }
        panic!("{} held for 15 minutes", path.display());
    }
}

impl Drop for VenvLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One pytest run of `tests/<dir>` against a fresh server with two accounts, `acme` and
/// `other`, whose credentials files are passed as ROSTER_CREDS / ROSTER_CREDS_OTHER, and an
/// operator (in a `default` account) as ROSTER_OPERATOR.
pub fn run_suite(dir: &str, extra_env: &[(&str, &str)]) {
    let py = python();
    let db = TestDb::new();
    let home = tempfile::tempdir().unwrap();
    let a = create_account(&db, "acme");
    let b = create_account(&db, "other");
    let write = |name: &str, c: &Creds| {
        let p = db.data_dir().join(name);
        std::fs::write(&p, serde_json::to_string(c).unwrap()).unwrap();
        p
    };
    let creds_a = write("creds-a.json", &a);
    let creds_b = write("creds-b.json", &b);
    let operator = write("operator.json", &super::create_operator(&db, "ops"));
    let server = Server::start_on(&db, &[]);
    let mut cmd = Command::new(&py);
    cmd.args(["-m", "pytest", dir, "-q", "-p", "no:cacheprovider"])
        .current_dir(manifest_dir())
        .env("ROSTER_URL", &server.url)
        .env("ROSTER_CREDS", &creds_a)
        .env("ROSTER_CREDS_OTHER", &creds_b)
        .env("ROSTER_OPERATOR", &operator)
        .env("ROSTER_DB", db.url())
        .env("ROSTER_DATA_DIR", db.data_dir())
        .env("ROSTER_BIN", BIN)
        .env("HOME", home.path());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let status = cmd.status().expect("run pytest");
    assert!(status.success(), "the official SDK suite in {dir} failed");
}

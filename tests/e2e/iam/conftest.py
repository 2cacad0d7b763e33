"""Fixtures for the IAM (Keystone v3) end-to-end suite.

The suite drives an already running Roster server with the unmodified
`huaweicloudsdkiam` SDK (GlobalCredentials, IamCredentials with a token, and
region-only discovery), with python-keystoneclient over a keystoneauth1
password session, and with the Workspace SDK for the cross-face checks. The
harness (or tests/e2e/run_local.sh with SUITE=tests/e2e/iam) provides:

    ROSTER_URL          base URL of the server, e.g. http://127.0.0.1:PORT
    ROSTER_CREDS        JSON of account A (the account under test)
    ROSTER_CREDS_OTHER  JSON of account B
    ROSTER_DB           the database URL (or SQLite path) the server runs on
    ROSTER_DATA_DIR     the server's data dir (master key)
    ROSTER_BIN          the roster binary (to make an account with a region project)
    HOME                a temp dir (importing the SDK writes ~/.huaweicloud/)

Every test names its objects with a fresh tag and only asserts on what it made.
"""

import json
import os
import subprocess
import uuid

import pytest

from iam_helpers import global_client, password_token, require_env, token_client


def _load(env_name):
    with open(require_env(env_name), encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def roster_url():
    return require_env("ROSTER_URL")


@pytest.fixture(scope="session")
def creds():
    """Account A: the account under test (its root user is the domain admin)."""
    return _load("ROSTER_CREDS")


@pytest.fixture(scope="session")
def operator(creds):
    """The operator, the cloud administrator above the accounts (ROSTER_OPERATOR, a JSON
    file with user_name, password, domain_name, project_name), or account A's root user
    where the harness gives none."""
    return _load("ROSTER_OPERATOR") if os.environ.get("ROSTER_OPERATOR") else creds


@pytest.fixture(scope="session")
def creds_other():
    """Account B: a second, unrelated account."""
    return _load("ROSTER_CREDS_OTHER")


@pytest.fixture(scope="session")
def iam(roster_url, creds):
    """Account A's AK/SK with GlobalCredentials and its domain id."""
    return global_client(roster_url, creds["access_key"], creds["secret_key"], creds["domain_id"])


@pytest.fixture(scope="session")
def admin_token(roster_url, creds):
    """A project-scoped token of account A's root user, from the SDK."""
    return password_token(roster_url, creds["domain_name"], creds["user_name"], creds["password"],
                          project=creds["project_name"])


@pytest.fixture(scope="session")
def iam_token(roster_url, admin_token):
    """IamCredentials().with_x_auth_token(admin token)."""
    return token_client(roster_url, admin_token)


@pytest.fixture(scope="session")
def regional(roster_url):
    """A third account whose project is named like a region (cn-north-4), made with the
    CLI on the server's database, for region-only SDK configuration."""
    name = "reg" + uuid.uuid4().hex[:8]
    args = [require_env("ROSTER_BIN"), "account", "create", name, "--project-name", "cn-north-4",
            "--json", "--data-dir", require_env("ROSTER_DATA_DIR")]
    db = os.environ.get("ROSTER_DB", "")
    if db.startswith("postgres"):
        args += ["--database-url", db]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.fixture
def tag():
    """A fresh tag like 't3f9a0c1d' to embed in names."""
    return "t" + uuid.uuid4().hex[:8]


class Face:
    """One way of calling IAM: a client and the account it acts on."""

    def __init__(self, kind, client, creds):
        self.kind = kind
        self.client = client
        self.creds = creds
        self.domain_id = creds["domain_id"]


@pytest.fixture(scope="session", params=["global", "token", "region"])
def face(request, roster_url, creds):
    """Every IAM operation runs three ways: GlobalCredentials with the domain id,
    IamCredentials().with_x_auth_token(...), and GlobalCredentials given only a region
    (the SDK then finds the domain id through GET /v3/auth/domains)."""
    from huaweicloudsdkcore.region.region import Region

    if request.param == "global":
        return Face("global", global_client(roster_url, creds["access_key"], creds["secret_key"],
                                            creds["domain_id"]), creds)
    if request.param == "token":
        tok = password_token(roster_url, creds["domain_name"], creds["user_name"],
                             creds["password"], project=creds["project_name"])
        return Face("token", token_client(roster_url, tok), creds)
    reg = request.getfixturevalue("regional")
    from huaweicloudsdkcore.auth.credentials import GlobalCredentials
    from huaweicloudsdkiam.v3 import IamClient

    gc = GlobalCredentials(reg["access_key"], reg["secret_key"]).with_iam_endpoint(roster_url)
    client = (IamClient.new_builder().with_credentials(gc)
              .with_region(Region("cn-north-4", roster_url)).build())
    return Face("region", client, reg)

"""Fixtures for the official-SDK end-to-end suite.

The suite drives an already running Roster server with the unmodified
`huaweicloudsdkworkspace` SDK. The harness (or tests/e2e/run_local.sh) provides:

    ROSTER_URL          base URL of the server, e.g. http://127.0.0.1:PORT
    ROSTER_CREDS        JSON of account A (the account under test)
    ROSTER_CREDS_OTHER  JSON of account B
    ROSTER_DB           path of the SQLite database (not used by these tests)
    HOME                a temp dir (importing the SDK writes ~/.huaweicloud/)

All tests share one server and one database, so every test names its objects
with a fresh tag from `unique_tag` and only asserts on objects it created.
"""

import json
import uuid

import pytest

from e2e_helpers import ResponseLog, make_client, require_env


def _load_creds(env_name):
    with open(require_env(env_name), encoding="utf-8") as f:
        creds = json.load(f)
    for key in ("domain_id", "project_id", "access_key", "secret_key"):
        assert creds.get(key), f"{env_name}: missing {key}"
    return creds


@pytest.fixture(scope="session")
def roster_url():
    return require_env("ROSTER_URL")


@pytest.fixture(scope="session")
def creds():
    """Account A: the account under test."""
    return _load_creds("ROSTER_CREDS")


@pytest.fixture(scope="session")
def creds_other():
    """Account B: a second, unrelated account."""
    return _load_creds("ROSTER_CREDS_OTHER")


@pytest.fixture(scope="session")
def response_log():
    """Raw responses received by the `client` fixture."""
    return ResponseLog()


@pytest.fixture(scope="session")
def client(creds, response_log):
    """Account A's keys on account A's project."""
    return make_client(creds["access_key"], creds["secret_key"], creds["project_id"], response_log)


@pytest.fixture(scope="session")
def client_wrong_secret(creds):
    """Account A's access key with a secret key that is off by one character."""
    sk = creds["secret_key"]
    wrong = sk[:-1] + ("A" if sk[-1] != "A" else "B")
    return make_client(creds["access_key"], wrong, creds["project_id"])


@pytest.fixture(scope="session")
def client_b_on_a(creds, creds_other):
    """Account B's (valid) keys aimed at account A's project."""
    return make_client(creds_other["access_key"], creds_other["secret_key"], creds["project_id"])


@pytest.fixture(scope="session")
def random_project_id():
    return uuid.uuid4().hex


@pytest.fixture(scope="session")
def client_b_on_random_project(creds_other, random_project_id):
    """Account B's keys aimed at a project id that does not exist."""
    return make_client(creds_other["access_key"], creds_other["secret_key"], random_project_id)


@pytest.fixture(scope="session")
def client_b(creds_other):
    """Account B's keys on account B's own project."""
    return make_client(creds_other["access_key"], creds_other["secret_key"], creds_other["project_id"])


@pytest.fixture
def unique_tag():
    """Returns a function giving a fresh tag like 't3f9a0c1d' (9 chars, lower-case
    letters and digits, no '_' or '%'), to embed in group and user names.

    User names are limited to 20 characters, so a tag leaves 11 for a prefix.
    """

    def make():
        return "t" + uuid.uuid4().hex[:8]

    return make


@pytest.fixture
def tag(unique_tag):
    """One fresh tag for the current test."""
    return unique_tag()

"""Fixtures for the Quick BI suite: the unmodified `alibabacloud_quickbi_public20220101`
SDK against a running Roster server, once with the default signature (ACS3-HMAC-SHA256) and
once with `signature_algorithm='v2'` (the RPC HMAC-SHA1 signature).

The harness (tests/common/e2e.rs, or tests/e2e/run_local.sh) provides ROSTER_URL and
ROSTER_CREDS / ROSTER_CREDS_OTHER (JSON of core::AccountCredentials): the account's access
key pair is used as the Alibaba AccessKeyId / AccessKeySecret.

All tests share one server; each names its objects with a fresh tag.
"""

import json
import os
import uuid

import pytest

from alibabacloud_quickbi_public20220101.client import Client
from alibabacloud_tea_openapi.models import Config

# The SDK must talk to 127.0.0.1 directly.
for _v in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_v, None)


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(f"{name} is not set; run through the Rust harness or run_local.sh")
    return value


def _creds(name):
    with open(_env(name), encoding="utf-8") as f:
        return json.load(f)


def make_client(ak, sk, algorithm=None):
    # The endpoint is a bare host:port (a scheme in it would be signed as the Host).
    endpoint = _env("ROSTER_URL").replace("http://", "").rstrip("/")
    config = Config(access_key_id=ak, access_key_secret=sk, endpoint=endpoint, protocol="http")
    if algorithm:
        config.signature_algorithm = algorithm
    return Client(config)


@pytest.fixture(scope="session")
def creds():
    return _creds("ROSTER_CREDS")


@pytest.fixture(scope="session")
def creds_other():
    return _creds("ROSTER_CREDS_OTHER")


@pytest.fixture(scope="session", params=["acs3", "v2"])
def signature(request):
    """Every test that uses `qb` runs once per signature."""
    return request.param


@pytest.fixture(scope="session")
def qb(creds, signature):
    return make_client(creds["access_key"], creds["secret_key"], None if signature == "acs3" else "v2")


@pytest.fixture(scope="session")
def qb_other(creds_other, signature):
    return make_client(
        creds_other["access_key"], creds_other["secret_key"], None if signature == "acs3" else "v2"
    )


@pytest.fixture
def tag():
    return "t" + uuid.uuid4().hex[:8]

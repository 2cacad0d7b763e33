"""Signatures and refusals as the SDK sees them: a wrong secret, an unknown key."""

import pytest
from alibabacloud_quickbi_public20220101 import models as m

from conftest import make_client
from qb_helpers import expect_error


@pytest.fixture
def algorithm(signature):
    return None if signature == "acs3" else "v2"


def test_a_wrong_secret_is_refused(creds, algorithm):
    sk = creds["secret_key"]
    bad = make_client(creds["access_key"], sk[:-1] + ("A" if sk[-1] != "A" else "B"), algorithm)
    expect_error("SignatureDoesNotMatch", bad.list_organization_roles)


def test_an_unknown_access_key_is_refused(creds, algorithm):
    bad = make_client("NOSUCHACCESSKEY00000", creds["secret_key"], algorithm)
    expect_error("InvalidAccessKeyId.NotFound", bad.query_user_list, m.QueryUserListRequest())


def test_every_call_is_signed_afresh(qb):
    # the SDK makes a new nonce per call: many identical calls in a row all pass
    for _ in range(5):
        assert qb.list_organization_roles().body.success is True


def test_the_two_client_configurations_use_the_two_signatures(algorithm):
    """The `signature` parameter of this suite means what it says: the default client signs
    with ACS3-HMAC-SHA256 in a header, the 'v2' client with the RPC Signature parameter.
    Checked on a throwaway local listener that records what the SDK sends."""
    import http.server
    import threading

    seen = {}

    class Capture(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            seen["auth"] = self.headers.get("Authorization", "")
            seen["path"] = self.path
            body = b'{"RequestId":"r","Success":true,"Result":[]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=srv.handle_request, daemon=True).start()
    from alibabacloud_tea_openapi.models import Config
    from alibabacloud_quickbi_public20220101.client import Client

    config = Config(access_key_id="ak", access_key_secret="sk",
                    endpoint=f"127.0.0.1:{srv.server_port}", protocol="http")
    if algorithm:
        config.signature_algorithm = algorithm
    assert Client(config).list_organization_roles().body.result == []
    srv.server_close()
    if algorithm is None:
        assert seen["auth"].startswith("ACS3-HMAC-SHA256 Credential=ak,")
    else:
        assert seen["auth"] == ""
        assert "SignatureMethod=HMAC-SHA1" in seen["path"] and "&Signature=" in seen["path"]


def _raw_call(qb, action, version="2022-01-01"):
    """The SDK's generic call path (what every generated method uses), with any action."""
    from alibabacloud_tea_openapi import utils_models
    from darabonba.runtime import RuntimeOptions

    params = utils_models.Params(
        action=action, version=version, protocol="HTTPS", pathname="/", method="POST",
        auth_type="AK", style="RPC", req_body_type="formData", body_type="json",
    )
    return qb.call_api(params, utils_models.OpenApiRequest(query={}), RuntimeOptions())


def test_an_unknown_action_or_version_is_refused(qb):
    assert _raw_call(qb, "ListOrganizationRoles")["body"]["Success"] is True
    e = expect_error("InvalidAction.NotFound", _raw_call, qb, "DropEverything")
    assert "DropEverything" in e.message
    expect_error("InvalidVersion", _raw_call, qb, "ListOrganizationRoles", "2021-03-01")

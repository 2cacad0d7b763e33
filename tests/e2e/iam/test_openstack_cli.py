"""The openstack CLI (python-openstackclient), as a new user would try it against Roster
with the operator's credentials and an auth_url without /v3: domains, projects, users,
roles and role assignments across domains, a user changing its own password, and the
catalog (issue 15)."""

import json
import os
import subprocess
import sys

import pytest

OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


def cli(env, *args, ok=True):
    r = subprocess.run([OPENSTACK, *args], env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert r.returncode == 0, f"openstack {' '.join(args)}: {r.stderr}"
    return r


def as_json(env, *args):
    return json.loads(cli(env, *args, "-f", "json").stdout)


def env_for(roster_url, user, password, domain, project):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({
        "OS_AUTH_URL": roster_url,  # no /v3: version discovery at /
        "OS_IDENTITY_API_VERSION": "3",
        "OS_INTERFACE": "public",
        "OS_USERNAME": user,
        "OS_PASSWORD": password,
        "OS_USER_DOMAIN_NAME": domain,
        "OS_PROJECT_NAME": project,
        "OS_PROJECT_DOMAIN_NAME": domain,
    })
    return env


@pytest.fixture(scope="module")
def op_env(roster_url, operator):
    return env_for(roster_url, operator["user_name"], operator["password"],
                   operator["domain_name"], operator["project_name"])


def test_the_cli_manages_domains_projects_users_and_roles(op_env, roster_url, tag):
    dom = f"cli-{tag}"
    d = as_json(op_env, "domain", "create", dom, "--description", "from the CLI")
    assert d["name"] == dom and d["enabled"] is True
    assert dom in [x["Name"] for x in as_json(op_env, "domain", "list")]
    assert as_json(op_env, "domain", "show", dom)["id"] == d["id"]

    p = as_json(op_env, "project", "create", "--domain", dom, "p1")
    assert as_json(op_env, "project", "show", "--domain", dom, "p1")["id"] == p["id"]
    u = as_json(op_env, "user", "create", "--domain", dom, "--password", "Str0ng!Passw0rd", "u1")
    assert u["domain_id"] == d["id"]

    roles = [r["Name"] for r in as_json(op_env, "role", "list")]
    assert {"admin", "member", "reader"} <= set(roles)
    cli(op_env, "role", "add", "--project", "p1", "--project-domain", dom,
        "--user", "u1", "--user-domain", dom, "member")
    rows = as_json(op_env, "role", "assignment", "list", "--user", "u1", "--user-domain", dom,
                   "--names")
    assert [(r["Role"], r["User"], r["Project"]) for r in rows] == \
        [("member", f"u1@{dom}", f"p1@{dom}")]

    # the user, scoped to its project, changes its own password and logs in with it
    user_env = env_for(roster_url, "u1", "Str0ng!Passw0rd", dom, "p1")
    token = as_json(user_env, "token", "issue")
    assert token["project_id"] == p["id"]
    cli(user_env, "user", "password", "set", "--password", "N3w!Passw0rdX",
        "--original-password", "Str0ng!Passw0rd")
    user_env["OS_PASSWORD"] = "N3w!Passw0rdX"
    assert as_json(user_env, "token", "issue")["user_id"] == u["id"]

    # a domain is deleted once disabled
    assert cli(op_env, "domain", "delete", dom, ok=False).returncode != 0
    cli(op_env, "domain", "set", "--disable", dom)
    cli(op_env, "domain", "delete", dom)
    assert dom not in [x["Name"] for x in as_json(op_env, "domain", "list")]


def test_the_cli_lists_the_catalog(op_env, roster_url, tag):
    catalog = as_json(op_env, "catalog", "list")
    assert {c["Type"] for c in catalog} >= {"identity", "workspace", "quickbi"}
    services = {s["Type"] for s in as_json(op_env, "service", "list")}
    assert {"identity", "workspace", "quickbi"} <= services
    urls = {e["URL"] for e in as_json(op_env, "endpoint", "list", "--service", "identity")}
    assert urls == {f"{roster_url}/v3"}
    region = f"region-{tag}"
    cli(op_env, "region", "create", region, "--description", "from the CLI")
    assert region in [r["Region"] for r in as_json(op_env, "region", "list")]
    cli(op_env, "region", "delete", region)

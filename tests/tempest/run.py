#!/usr/bin/env python3
"""Runs OpenStack's conformance suite, tempest (its tempest.api.identity tests), against a
running Roster's Keystone face, and fails on any failure that is not expected.

Environment:
  ROSTER_URL                 the server, e.g. http://127.0.0.1:8080 (required)
  TEMPEST_ADMIN_USER, TEMPEST_ADMIN_PASSWORD, TEMPEST_ADMIN_PROJECT, TEMPEST_ADMIN_DOMAIN
                             the administrator tempest creates its own users, projects and
                             domains with (dynamic credentials): the operator
  TEMPEST_ADMIN_DOMAIN_ID    that domain's id (tempest's default_domain_id)
  TEMPEST_REGEX              which tests (default ^tempest\\.api\\.identity)
  TEMPEST_CONCURRENCY        workers (default 2)
  TEMPEST_WORKSPACE          where to keep tempest's workspace (default: a new temporary
                             directory; its tempest.log has every request)

Files next to this script:
  skips.txt                  tests not run, one regular expression per line with the reason
                             after '#': what the issue puts out of scope (OAuth1, trusts,
                             ...)
  expected-failures.txt      tests known to fail today, one regular expression per line with
                             the reason after '#'; each is work left (see the issue notes)

Prints the counts (passed, skipped, failed as expected, failed unexpectedly, expected to
fail but passed) and exits 1 on an unexpected failure. Run it with the Python of a virtual
environment that has tests/tempest/requirements.txt installed.
"""

import csv
import io
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(os.path.abspath(sys.executable))


def patterns(name):
    out = []
    with open(os.path.join(HERE, name)) as f:
        for line in f:
            rule = line.split("#", 1)[0].strip()
            if rule:
                out.append((re.compile(rule), line.strip()))
    return out


def config(url, env):
    # what Roster serves and what it leaves out (each [identity-feature-enabled] option is
    # tempest's switch for a Keystone feature)
    return f"""[DEFAULT]
log_file = tempest.log

[auth]
use_dynamic_credentials = true
admin_username = {env['TEMPEST_ADMIN_USER']}
admin_password = {env['TEMPEST_ADMIN_PASSWORD']}
admin_project_name = {env['TEMPEST_ADMIN_PROJECT']}
admin_domain_name = {env['TEMPEST_ADMIN_DOMAIN']}
admin_system = false

[identity]
uri_v3 = {url}/v3
auth_version = v3
default_domain_id = {env.get('TEMPEST_ADMIN_DOMAIN_ID', 'default')}
region = {env.get('TEMPEST_REGION', 'global')}
disable_ssl_certificate_validation = true
# the server's login limits (roster.toml of the run): two failures lock a user out for 5 s
user_lockout_failure_attempts = {env.get('TEMPEST_LOCKOUT_ATTEMPTS', '2')}
user_lockout_duration = {env.get('TEMPEST_LOCKOUT_SECONDS', '5')}
user_unique_last_password_count = 0
user_minimum_password_age = 0

[identity-feature-enabled]
api_v2 = false
api_v3 = true
trust = false
federation = false
domain_specific_drivers = false
security_compliance = true
application_credentials = true
access_rules = false
project_tags = true

[service_available]
nova = false
cinder = false
neutron = false
glance = false
swift = false
"""


def main():
    env = os.environ
    url = env["ROSTER_URL"].rstrip("/")
    regex = env.get("TEMPEST_REGEX", r"^tempest\.api\.identity")
    ws = env.get("TEMPEST_WORKSPACE") or tempfile.mkdtemp(prefix="tempest-")
    tempest = os.path.join(BIN, "tempest")
    if not os.path.exists(os.path.join(ws, "etc")):
        subprocess.run([tempest, "init", ws], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(ws, "etc", "tempest.conf"), "w") as f:
        f.write(config(url, env))
    skips = os.path.join(ws, "skips.txt")
    with open(skips, "w") as f:
        for rule, _ in patterns("skips.txt"):
            f.write(rule.pattern + "\n")
    listed = subprocess.run(
        [tempest, "run", "--list-tests", "--regex", regex, "--exclude-list", skips],
        cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
    ).stdout.decode().split()
    listed = {t.split("[", 1)[0] for t in listed if t.startswith("tempest.")}
    run = subprocess.run(
        [tempest, "run", "--regex", regex, "--exclude-list", skips,
         "--concurrency", env.get("TEMPEST_CONCURRENCY", "2"), "--subunit"],
        cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    table = subprocess.run(
        [os.path.join(BIN, "subunit2csv"), "--no-passthrough"],
        # (it exits 1 when the stream holds a failure: the table is what counts)
        input=run.stdout, stdout=subprocess.PIPE,
    ).stdout.decode()
    expected = patterns("expected-failures.txt")
    passed, skipped, failed_ok, failed_bad, passed_bad = [], [], [], [], []
    for row in csv.DictReader(io.StringIO(table)):
        test, status = row["test"], row["status"]
        known = any(r.search(test) for r, _ in expected)
        if status == "success":
            (passed_bad if known else passed).append(test)
        elif status == "skip":
            skipped.append(test)
        elif status in ("fail", "failure", "uxsuccess"):
            (failed_ok if known else failed_bad).append(test)
    # a class whose setup failed reports no test of its own: count them as not passed
    reported = {t.split("[", 1)[0] for t in passed + passed_bad + skipped + failed_ok + failed_bad}
    unreported = sorted(listed - reported)
    for t in failed_bad:
        print("UNEXPECTED FAILURE", t)
    for t in passed_bad:
        print("PASSED (listed as expected to fail)", t)
    total = len(passed) + len(passed_bad) + len(failed_ok) + len(failed_bad)
    print(
        f"tempest {regex}: {len(passed) + len(passed_bad)} of {total} run passed, "
        f"{len(skipped)} skipped, {len(failed_ok)} failed as expected, "
        f"{len(failed_bad)} failed unexpectedly, {len(passed_bad)} listed as failing passed; "
        f"of the {len(listed)} tests listed, {len(passed) + len(passed_bad)} passed and "
        f"{len(unreported)} did not run (their class's setup failed); workspace {ws}"
    )
    if total == 0:
        print(run.stderr.decode()[-4000:])
        return 1
    return 1 if failed_bad or passed_bad else 0


if __name__ == "__main__":
    sys.exit(main())

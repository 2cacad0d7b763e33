#!/usr/bin/env bash
# Run the official-SDK end-to-end suite against a throwaway Roster server,
# the same way the Rust harness does:
#   temp data dir -> two accounts (acme = A, other = B) -> `roster serve` on a
#   random port -> pytest with ROSTER_URL / ROSTER_CREDS / ROSTER_CREDS_OTHER /
#   ROSTER_DB / HOME set -> server killed.
#
# Usage: [SUITE=tests/e2e/iam] tests/e2e/run_local.sh [extra pytest args...]
# Overrides: ROSTER_BIN (default: the repository's target/debug/roster, built if missing),
#            PYTHON    (default: the venv the Rust harness makes, target/tmp/e2e-venv,
#                       or python3 on PATH if there is none yet)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
if [[ -z "${ROSTER_BIN:-}" ]]; then
    ROSTER_BIN="$REPO/target/debug/roster"
    [[ -x "$ROSTER_BIN" ]] || (cd "$REPO" && cargo build --quiet)
fi
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON="$REPO/target/tmp/e2e-venv/bin/python"
    [[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"
fi

WORK="$(mktemp -d -t roster-e2e.XXXXXX)"
DATA="$WORK/data"
E2E_HOME="$WORK/home"
mkdir -p "$DATA" "$E2E_HOME"
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -z "${KEEP_WORK:-}" ]]; then
        rm -rf "$WORK"
    else
        echo "kept work dir: $WORK" >&2
    fi
}
trap cleanup EXIT

"$ROSTER_BIN" account create acme --json --data-dir "$DATA" >"$WORK/creds_a.json" 2>"$WORK/account_a.log"
"$ROSTER_BIN" account create other --json --data-dir "$DATA" >"$WORK/creds_b.json" 2>"$WORK/account_b.log"
"$ROSTER_BIN" account create default --json --data-dir "$DATA" >/dev/null 2>"$WORK/account_default.log"
"$ROSTER_BIN" operator create --name ops --json --data-dir "$DATA" >"$WORK/operator.json" 2>"$WORK/operator.log"

# Start the server; it prints "listening on http://127.0.0.1:PORT" once ready.
"$ROSTER_BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

URL=""
for _ in $(seq 1 200); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "roster serve exited early:" >&2
        cat "$WORK/server.err" >&2
        exit 1
    fi
    URL="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/server.out" | head -n1 || true)"
    [[ -n "$URL" ]] && break
    sleep 0.05
done
if [[ -z "$URL" ]]; then
    echo "roster serve did not report its address" >&2
    cat "$WORK/server.err" >&2
    exit 1
fi
echo "roster at $URL (data: $DATA)" >&2

cd "$REPO"
set +e
ROSTER_URL="$URL" \
ROSTER_CREDS="$WORK/creds_a.json" \
ROSTER_CREDS_OTHER="$WORK/creds_b.json" \
ROSTER_OPERATOR="$WORK/operator.json" \
ROSTER_BIN="$ROSTER_BIN" \
ROSTER_DB="$DATA/roster.db" \
ROSTER_DATA_DIR="$DATA" \
HOME="$E2E_HOME" \
    "$PYTHON" -m pytest "${SUITE:-tests/e2e/workspace}" -q -p no:cacheprovider "$@"
STATUS=$?
set -e

if [[ $STATUS -ne 0 && -n "${SHOW_SERVER_LOG:-}" ]]; then
    echo "---- server stderr (tail) ----" >&2
    tail -n 50 "$WORK/server.err" >&2
fi
exit $STATUS

#!/usr/bin/env bash
# tests/python-venv.sh NAME 'SPEC…': make sure the virtual environment
# $HOME/.cache/marsad/NAME-venv holds the PyPI packages SPEC… (installed the first time; needs
# python3 with venv, and network for pip), then print its path. The tests that drive Python
# tools (moto for S3, psycopg + pandas for the PostgreSQL protocol) start from here.
# Any failure (no python3, no venv, pip cannot reach its index) ends the script at once with a
# non-zero status and the reason on stderr, so a test fails at once instead of waiting.
set -euo pipefail
NAME=${1:?usage: tests/python-venv.sh NAME 'SPEC…'}
SPECS=${2:?usage: tests/python-venv.sh NAME 'SPEC…'}
VENV=$HOME/.cache/marsad/$NAME-venv
fail() {
  echo "python-venv.sh: $*" >&2
  exit 1
}
# The specs installed are recorded: a changed list installs again.
if [ "$(cat "$VENV/.specs" 2>/dev/null)" != "$SPECS" ]; then
  command -v python3 >/dev/null || fail "python3 is not installed"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" >&2 || {
    rm -rf "$VENV"
    fail "python3 -m venv failed (install python3-venv)"
  }
  # Short timeouts and one retry: without network pip fails in seconds, not minutes.
  # shellcheck disable=SC2086 # one word per spec
  "$VENV/bin/pip" install --quiet --timeout 10 --retries 1 $SPECS >&2 || {
    rm -rf "$VENV"
    fail "pip install $SPECS failed (no network to the package index?)"
  }
  echo "$SPECS" >"$VENV/.specs"
fi
echo "$VENV"

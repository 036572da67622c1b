#!/usr/bin/env bash
# Start a local S3 (moto's server) for the object-store tests: `tests/moto-server.sh PORT`.
# Installs moto into a virtual environment under $HOME/.cache/marsad/moto-venv the first time
# (needs python3 with venv, and network for pip), then runs the server in the foreground.
# Any failure (no python3, no venv, pip cannot reach its index) ends the script at once with
# a non-zero status and the reason on stderr, so the test fails at once instead of waiting.
set -euo pipefail
PORT=${1:?usage: tests/moto-server.sh PORT}
VENV=$HOME/.cache/marsad/moto-venv
fail() {
  echo "moto-server.sh: $*" >&2
  exit 1
}
if [ ! -x "$VENV/bin/moto_server" ]; then
  command -v python3 >/dev/null || fail "python3 is not installed"
  python3 -m venv "$VENV" >&2 || {
    rm -rf "$VENV"
    fail "python3 -m venv failed (install python3-venv)"
  }
  # Short timeouts and one retry: without network pip fails in seconds, not minutes.
  "$VENV/bin/pip" install --quiet --timeout 10 --retries 1 "moto[server]" >&2 || {
    rm -rf "$VENV"
    fail "pip install moto[server] failed (no network to the package index?)"
  }
fi
exec "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1

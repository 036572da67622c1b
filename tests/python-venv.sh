#!/usr/bin/env bash
# The Python environment of the open-data test: `tests/python-venv.sh SCRIPT ARGS...` runs
# SCRIPT with the venv's python. Installs pyshacl, frictionless, deltalake and polars into
# $HOME/.cache/marsad/opendata-venv the first time (needs python3 with venv, and network for
# pip). Any failure (no python3, no venv, pip cannot reach its index) ends the script at once
# with a non-zero status and the reason on stderr, so the test fails at once instead of waiting.
set -euo pipefail
VENV=$HOME/.cache/marsad/opendata-venv
PACKAGES=(pyshacl frictionless deltalake polars)
fail() {
  echo "python-venv.sh: $*" >&2
  exit 1
}
# The marker holds the package list: a changed list installs afresh.
if [ "$(cat "$VENV/.complete" 2>/dev/null)" != "${PACKAGES[*]}" ]; then
  command -v python3 >/dev/null || fail "python3 is not installed"
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2 || {
    rm -rf "$VENV"
    fail "python3 -m venv failed (install python3-venv)"
  }
  # Short timeouts and one retry: without network pip fails in seconds, not minutes.
  "$VENV/bin/pip" install --quiet --timeout 10 --retries 1 "${PACKAGES[@]}" >&2 || {
    rm -rf "$VENV"
    fail "pip install ${PACKAGES[*]} failed (no network to the package index?)"
  }
  echo "${PACKAGES[*]}" >"$VENV/.complete"
fi
exec "$VENV/bin/python" "$@"

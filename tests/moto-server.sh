#!/usr/bin/env bash
# Start a local S3 (moto's server) for the object-store tests: `tests/moto-server.sh PORT`.
# Installs moto into a virtual environment under $HOME/.cache/marsad/moto-venv the first time
# (needs python3 with venv, and network for pip), then runs the server in the foreground.
set -euo pipefail
PORT=${1:?usage: tests/moto-server.sh PORT}
VENV=$HOME/.cache/marsad/moto-venv
if [ ! -x "$VENV/bin/moto_server" ]; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet "moto[server]" >&2
fi
exec "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1

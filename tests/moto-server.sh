#!/usr/bin/env bash
# Start a local S3 (moto's server) for the object-store tests: `tests/moto-server.sh PORT`.
# moto is installed into $HOME/.cache/marsad/moto-venv the first time (tests/python-venv.sh,
# which ends at once with the reason when it cannot), then the server runs in the foreground.
set -euo pipefail
PORT=${1:?usage: tests/moto-server.sh PORT}
VENV=$("$(dirname "$0")/python-venv.sh" moto 'moto[server]')
exec "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1

#!/bin/sh
# Lets the image be run both ways: `docker run IMAGE --contract --target HOST:PORT` (flags
# only, as with an ENTRYPOINT) and `docker run IMAGE teams-client --contract ...` (a full
# command, as client.toml's [docker] run gives it). Plain `docker run IMAGE` runs the demo.
set -eu
case "${1:-}" in
-*) exec teams-client "$@" ;;
esac
exec "$@"

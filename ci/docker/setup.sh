#!/usr/bin/env bash
# One call for machines without a Docker engine / registry access (our CI sandbox):
# start the engine, install the compose v2 + buildx plugins, build the local base images,
# and trust the host's CA bundle in our image builds (ci/certs/extra-ca.crt, git-ignored).
# Idempotent; ~3 min on a fresh machine, ~2 s when everything is there.
# Afterwards:  . ci/docker/local-images.env     and at the end:  ci/docker/engine.sh stop
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
"$HERE/engine.sh" start
"$HERE/compose.sh"
"$HERE/base-images.sh"
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ ! -e "$REPO/ci/certs/extra-ca.crt" ] && [ -r "$HOST_CA" ]; then
  cp "$HOST_CA" "$REPO/ci/certs/extra-ca.crt"
  echo "[setup] copied $HOST_CA to ci/certs/extra-ca.crt (git-ignored)" >&2
fi

#!/usr/bin/env bash
# Make `docker compose` (v2 CLI plugin) available on a Debian bookworm machine.
# bookworm only ships docker-compose 1.29 (python); Debian trixie ships compose v2 (Go,
# statically built apart from libc >= 2.34, which bookworm has). We fetch the trixie .debs
# with apt (a private apt state under $STATE, the host's apt sources are not touched) and
# copy the plugin binaries to the CLI plugin dir. Also installs the buildx plugin, which
# compose v2 uses for BuildKit builds.
#
#   ci/docker/compose.sh          # idempotent: does nothing if `docker compose version` works
#   FORCE=1 ci/docker/compose.sh  # reinstall
# Env: PLUGIN_DIR (default /usr/libexec/docker/cli-plugins, one of the dirs docker CLI searches;
#      use ~/.docker/cli-plugins when not root), DEBIAN_MIRROR, COMPOSE_SUITE (default trixie).
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${COMPOSE_SUITE:-trixie}
STATE=${STATE:-/var/tmp/teams-interop-apt-$SUITE}
if [ -z "${PLUGIN_DIR:-}" ]; then
  if [ "$(id -u)" = 0 ]; then PLUGIN_DIR=/usr/libexec/docker/cli-plugins; else PLUGIN_DIR=$HOME/.docker/cli-plugins; fi
fi
FORCE=${FORCE:-0}

log() { echo "[compose] $*" >&2; }
die() { echo "[compose] ERROR: $*" >&2; exit 1; }

have() { docker "$1" version >/dev/null 2>&1; }

if [ "$FORCE" != 1 ] && have compose && have buildx; then
  log "already installed: $(docker compose version 2>/dev/null); $(docker buildx version 2>/dev/null)"
  exit 0
fi

t0=$SECONDS
mkdir -p "$STATE"/lists/partial "$STATE"/cache/archives/partial "$STATE"/debs
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" >"$STATE/sources.list"
APT=(-o "Dir::Etc::SourceList=$STATE/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$STATE/lists" -o "Dir::Cache=$STATE/cache" -o APT::Sandbox::User=root
     -o Debug::NoLocking=1 -q)
log "apt-get update ($SUITE, private state in $STATE)"
apt-get "${APT[@]}" update >"$STATE/update.log" 2>&1 || { tail -n 20 "$STATE/update.log" >&2; die "apt-get update for $SUITE failed"; }
rm -f "$STATE"/debs/*.deb
(cd "$STATE/debs" && apt-get "${APT[@]}" download docker-compose docker-buildx >"$STATE/download.log" 2>&1) \
  || { tail -n 20 "$STATE/download.log" >&2; die "apt-get download docker-compose docker-buildx ($SUITE) failed"; }
mkdir -p "$PLUGIN_DIR"
for deb in "$STATE"/debs/*.deb; do
  x=$(mktemp -d); dpkg-deb -x "$deb" "$x"
  for bin in "$x"/usr/libexec/docker/cli-plugins/*; do
    install -m 0755 "$bin" "$PLUGIN_DIR/$(basename "$bin")"
    log "installed $PLUGIN_DIR/$(basename "$bin") from $(basename "$deb")"
  done
  rm -rf "$x"
done
# the index is ~15 MB; keep only what makes a re-run cheap
rm -rf "$STATE"/cache/archives/*.deb "$STATE"/debs/*.deb
have compose || die "docker compose still does not work (plugin dir $PLUGIN_DIR)"
log "$(docker compose version); $(docker buildx version) -- took $((SECONDS - t0))s"

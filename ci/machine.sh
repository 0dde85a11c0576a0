# Sourced by `./interop test`: makes this machine able to run the whole suite, then leaves.
#   - Debian packages the suite needs (as root: installed; otherwise one line says what to install)
#   - a Docker engine for the container tier (started when none answers and we are root; set
#     INTEROP_START_DOCKER=0 to forbid it), stopped again by machine_cleanup if we started it
#   - local stand-ins for the official base images when no registry answers (ci/docker/)
#   - enough free disk where the repository, TMPDIR and Docker's data are (ci/disk-check.sh)
# With `-e` naming environments without `docker`, the engine is left alone.
# shellcheck shell=bash

machine_log() { echo "interop test: $*" >&2; }

# Debian packages: chromium (the HTML report's browser test), shellcheck (actionlint's run: checks),
# and the C++ client's gRPC (see clients/cpp/README.md).
machine_packages() {
  local missing=() pkg
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
  for pkg in "${INTEROP_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    machine_log "installing Debian packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    machine_log "missing packages (install them, e.g. apt-get install ${missing[*]}); the tests that need them will fail"
  fi
}

machine_wants_docker() {
  local previous="" arg
  for arg in "$@"; do
    if [ "$previous" = "-e" ]; then case ",$arg," in *,docker,*) return 0 ;; *) return 1 ;; esac; fi
    case "$arg" in -e*) [ "$arg" != "-e" ] && { case ",${arg#-e}," in *,docker,*) return 0 ;; *) return 1 ;; esac; } ;; esac
    previous=$arg
  done
  return 0
}

machine_docker() {
  MACHINE_STARTED_ENGINE=0
  if timeout 10 docker info >/dev/null 2>&1; then
    :
  elif [ "$(id -u)" = 0 ] && [ "${INTEROP_START_DOCKER:-1}" != 0 ]; then
    machine_log "no Docker engine answers: starting one (ci/docker/engine.sh; INTEROP_START_DOCKER=0 forbids it)"
    bash ci/docker/engine.sh start && MACHINE_STARTED_ENGINE=1
  fi
  if ! timeout 10 docker info >/dev/null 2>&1; then
    export INTEROP_NO_DOCKER="no Docker engine answers (docker info failed) and this user may not start one: start dockerd, or run as root"
    machine_log "container tier: $INTEROP_NO_DOCKER"
    return 0
  fi
  machine_disk "$(timeout 10 docker info -f '{{.DockerRootDir}}' 2>/dev/null || echo /var/lib/docker)"
  # BuildKit's cache (docker compose builds) keeps every layer it ever built: kept to 4 GB, the
  # most recently used. (Images the harness rebuilds replace their old selves: backends/docker.py.)
  timeout 120 docker builder prune -f --keep-storage 4GB >/dev/null 2>&1 || true
  bash ci/docker/compose.sh >/dev/null
  # A registry, or local stand-ins for the official base images built from Debian's packages.
  if [ -z "${PYTHON_IMAGE:-}" ] && ! machine_registry_answers; then
    machine_log "no container registry answers: building local base images (ci/docker/base-images.sh)"
    bash ci/docker/base-images.sh
    # shellcheck source=ci/docker/local-images.env
    . ci/docker/local-images.env
  fi
  if [ ! -e ci/certs/extra-ca.crt ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    cp /etc/ssl/certs/ca-certificates.crt ci/certs/extra-ca.crt  # a TLS-intercepting proxy's CA, if any
  fi
}

# Free disk before anything is built (ci/disk-check.sh): a run on a full disk fails everywhere at
# once, slowly, with a traceback per test.
machine_disk() {
  bash ci/disk-check.sh "$@" || { machine_cleanup; exit 1; }
}

machine_registry_answers() {
  docker image inspect python:3.11-slim-bookworm >/dev/null 2>&1 && return 0
  timeout 30 docker pull -q python:3.11-slim-bookworm >/dev/null 2>&1
}

machine_cleanup() {
  if [ "${MACHINE_STARTED_ENGINE:-0}" = 1 ]; then bash ci/docker/engine.sh stop || true; fi
}

# The C++ and Ruby clients build on Debian's gRPC (clients/cpp, clients/ruby).
INTEROP_DEBIAN_PACKAGES=(cmake make g++ pkg-config libgrpc++-dev libprotobuf-dev libprotoc-dev nlohmann-json3-dev
  ruby ruby-grpc ruby-google-protobuf)
machine_disk "$PWD" "${TMPDIR:-/tmp}"
machine_packages
if machine_wants_docker "$@"; then machine_docker; fi

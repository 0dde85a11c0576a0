#!/usr/bin/env bash
# Build local base images that stand in for the official images our Dockerfiles use,
# for machines that cannot pull from a container registry. Each image is built only
# when its tag is missing (FORCE=1 rebuilds all).
#
#   teams-interop/debian:bookworm  debootstrap --variant=minbase bookworm + docker import
#   teams-interop/python:3.11      ~ python:3.11-slim-bookworm
#   teams-interop/golang:1.23      ~ golang:1.23-bookworm  (golang-1.23 from bookworm-backports)
#   teams-interop/node:18          ~ node:18-bookworm / node:20-bookworm (Debian's nodejs 18)
#   teams-interop/java:17          ~ maven:3.9-eclipse-temurin-17 (Debian's openjdk-17-jdk-headless + maven)
#   teams-interop/java-jre:17      ~ eclipse-temurin:17-jre (Debian's openjdk-17-jre-headless)
#   teams-interop/rust:1           ~ rust:1-bookworm (rustc-web/cargo-web 1.96 from bookworm-security;
#                                    bookworm's rustc 1.63 and trixie's 1.85 are too old for tonic 0.14)
#
# Usage: ci/docker/base-images.sh [debian|python|golang|node|java|java-jre|rust ...]   (default: all)
# Needs a running engine (ci/docker/engine.sh start) and root (debootstrap).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
FORCE=${FORCE:-0}
export DOCKER_BUILDKIT=0   # classic builder: the Debian 20.10 engine setup has no buildx

log() { echo "[base-images] $*" >&2; }
die() { echo "[base-images] ERROR: $*" >&2; exit 1; }

have_image() { [ "$FORCE" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers; run ci/docker/engine.sh start first"

build_debian() {
  local tag=teams-interop/debian:bookworm
  if have_image "$tag"; then log "$tag exists, skipping"; return; fi
  local t0=$SECONDS
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null; }
  fi
  local root; root=$(mktemp -d /tmp/teams-interop-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  log "debootstrap --variant=minbase bookworm -> $root"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" \
    >/tmp/teams-interop-debootstrap.log 2>&1 \
    || { tail -n 30 /tmp/teams-interop-debootstrap.log >&2; die "debootstrap failed (log: /tmp/teams-interop-debootstrap.log)"; }
  # apt sources like the official debian:bookworm image (deb822), plain http
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: ${MIRROR}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  # container-friendly apt config, as in the official image
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'APT::Install-Recommends "false";' >"$root/etc/apt/apt.conf.d/docker-no-recommends"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  : >"$root/etc/hostname"
  log "docker import -> $tag"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    - "$tag" >/dev/null
  log "$tag built in $((SECONDS - t0))s"
}

build_derived() { # name tag
  local name=$1 tag=$2
  if have_image "$tag"; then log "$tag exists, skipping"; return; fi
  docker image inspect teams-interop/debian:bookworm >/dev/null 2>&1 || build_debian
  local t0=$SECONDS
  log "docker build $tag (base/$name.Dockerfile)"
  docker build --network host -q -t "$tag" -f "$HERE/base/$name.Dockerfile" "$HERE/base" \
    >/tmp/teams-interop-base-$name.log 2>&1 \
    || { tail -n 30 /tmp/teams-interop-base-$name.log >&2; die "building $tag failed (log: /tmp/teams-interop-base-$name.log)"; }
  log "$tag built in $((SECONDS - t0))s"
}

targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(debian python golang node java java-jre rust)
for t in "${targets[@]}"; do
  case "$t" in
    debian) build_debian ;;
    python) build_derived python teams-interop/python:3.11 ;;
    golang|go) build_derived golang teams-interop/golang:1.23 ;;
    node) build_derived node teams-interop/node:18 ;;
    java) build_derived java teams-interop/java:17 ;;
    java-jre) build_derived java-jre teams-interop/java-jre:17 ;;
    rust) build_derived rust teams-interop/rust:1 ;;
    *) die "unknown image '$t' (debian|python|golang|node|java|java-jre|rust)" ;;
  esac
done
docker image ls 'teams-interop/*' --format '{{.Repository}}:{{.Tag}}  {{.Size}}' >&2

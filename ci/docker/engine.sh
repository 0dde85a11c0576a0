#!/usr/bin/env bash
# Start/stop/status of a local Docker engine for CI and dev machines that have
# no engine running (e.g. the project's Debian bookworm sandboxes).
#
#   ci/docker/engine.sh start    # install docker.io (apt) if needed, start dockerd, wait
#   ci/docker/engine.sh status   # exit 0 if an engine answers `docker info`
#   ci/docker/engine.sh stop     # stop dockerd only if THIS script started it
#
# Idempotent: `start` does nothing when an engine already answers.
# Env knobs: DOCKERD_LOG (default /tmp/teams-interop-dockerd.log),
#            DOCKERD_PIDFILE (default /tmp/teams-interop-dockerd.pid),
#            DOCKERD_WAIT (seconds, default 60).
set -euo pipefail

LOG=${DOCKERD_LOG:-/tmp/teams-interop-dockerd.log}
PIDFILE=${DOCKERD_PIDFILE:-/tmp/teams-interop-dockerd.pid}
WAIT=${DOCKERD_WAIT:-60}

log() { echo "[engine] $*" >&2; }
die() { echo "[engine] ERROR: $*" >&2; exit 1; }

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! sudo_ apt-get install -y -q --no-install-recommends "$@" >/tmp/teams-interop-apt.log 2>&1; then
    log "apt-get install failed, running apt-get update and retrying"
    sudo_ apt-get update -q >>/tmp/teams-interop-apt.log 2>&1 || true
    sudo_ apt-get install -y -q --no-install-recommends "$@" >>/tmp/teams-interop-apt.log 2>&1 \
      || { tail -n 30 /tmp/teams-interop-apt.log >&2; die "apt-get install $* failed"; }
  fi
}

ensure_installed() {
  local need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v containerd >/dev/null 2>&1 || need+=(containerd)
  command -v runc >/dev/null 2>&1 || need+=(runc)
  command -v iptables >/dev/null 2>&1 || need+=(iptables)
  # the docker CLI may come from elsewhere (e.g. /usr/local/bin/docker 28.x); docker.io brings its own
  if [ ${#need[@]} -gt 0 ]; then
    log "installing: ${need[*]} (apt)"
    local t0=$SECONDS
    # docker.io's postinst tries to start the service; there is no systemd/init here, that is fine.
    apt_install "${need[@]}"
    log "installed in $((SECONDS - t0))s"
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd still not found after installing docker.io"
}

start() {
  if engine_up; then
    log "an engine already answers 'docker info' ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?')); nothing to do"
    return 0
  fi
  ensure_installed
  # some installs start the service themselves (systemd/sysvinit hosts): then it is not ours
  if [ ! -f "$PIDFILE" ] && engine_up; then
    log "the docker.io install started an engine; using it (not recorded as started by this script)"
    return 0
  fi
  # A stale pidfile from a dead dockerd
  if [ -f "$PIDFILE" ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then rm -f "$PIDFILE"; fi
  if [ -f "$PIDFILE" ]; then
    log "dockerd (pid $(cat "$PIDFILE")) started earlier by this script is alive; waiting for it"
  else
    # Debian's dockerd uses iptables; bookworm defaults to the nft backend which works on
    # recent kernels. Fall back to legacy if nft is unusable.
    if command -v iptables >/dev/null 2>&1 && ! sudo_ iptables -L -n >/dev/null 2>&1; then
      if command -v iptables-legacy >/dev/null 2>&1 && sudo_ iptables-legacy -L -n >/dev/null 2>&1; then
        log "iptables (nft) unusable, switching alternatives to iptables-legacy"
        sudo_ update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
        sudo_ update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null || true
      fi
    fi
    log "starting dockerd (log: $LOG)"
    : >"$LOG"
    # setsid: own session so it survives the calling shell; nohup for CI shells.
    # dockerd writes its own pid to /var/run/docker.pid; we copy it to $PIDFILE once up.
    local sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" setsid nohup dockerd ${DOCKERD_ARGS:-} >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  local pid; pid=$(cat "$PIDFILE")
  local i
  for ((i = 0; i < WAIT * 2; i++)); do
    if engine_up; then
      # record dockerd's real pid (the background job may be a sudo/setsid wrapper)
      if [ -s /var/run/docker.pid ]; then cat /var/run/docker.pid >"$PIDFILE"; fi
      log "engine up after ~$((i / 2))s: server $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'), client $(docker version -f '{{.Client.Version}}')"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      echo "----- last lines of $LOG -----" >&2; tail -n 40 "$LOG" >&2
      die "dockerd exited during startup (see above)"
    fi
    sleep 0.5
  done
  echo "----- last lines of $LOG -----" >&2; tail -n 40 "$LOG" >&2
  die "dockerd (pid $pid) did not answer 'docker info' within ${WAIT}s"
}

stop() {
  if [ ! -f "$PIDFILE" ]; then
    log "no pidfile ($PIDFILE): engine not started by this script, leaving it alone"
    return 0
  fi
  local pid; pid=$(cat "$PIDFILE")
  if ! kill -0 "$pid" 2>/dev/null; then
    log "dockerd pid $pid is gone already"; rm -f "$PIDFILE"; return 0
  fi
  log "stopping dockerd (pid $pid)"
  sudo_ kill -TERM "$pid"
  local i
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; log "stopped"; return 0; }
    sleep 0.5
  done
  log "dockerd did not stop within 30s, sending SIGKILL"
  sudo_ kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

status() {
  if engine_up; then
    echo "engine: up ($(docker version -f 'server {{.Server.Version}} API {{.Server.APIVersion}}, client {{.Client.Version}}'))"
    if [ -f "$PIDFILE" ]; then echo "started by engine.sh: pid $(cat "$PIDFILE")"; else echo "started by engine.sh: no"; fi
    return 0
  fi
  echo "engine: down"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Unary GetTeam throughput of the Teams server, measured with ghz on loopback: the shipped
# server pinned to one core, a bare grpcio servicer (ci/bare_teams_server.py) pinned the same
# way, and `teams-server --processes 2` unpinned; OLD_TEAMS_SERVER=/path/to/teams-server adds an
# older build, pinned, for comparison. ghz runs on the other core(s). Prints a
# Markdown table. Not part of the test suite. Usage: ci/bench-server.sh [SECONDS] [IN_FLIGHT]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
in_flight=${2:-50}
GHZ_VERSION=v0.121.0  # the newest the Go module proxy serves
venv=.interop/bench-venv
bin=$PWD/.interop/bin
stubs=.interop/bench-stubs

if [ ! -x "$venv/bin/teams-server" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q ./python_server grpcio-tools==1.85.1
fi
mkdir -p "$stubs" "$bin"
"$venv/bin/python" -m grpc_tools.protoc -Iproto --python_out="$stubs" --grpc_python_out="$stubs" proto/teams.proto
[ -x "$bin/ghz" ] || GOBIN="$bin" timeout 900 go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION"

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {  # port: until something answers on it (10 s at most)
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2; return 1
}

cpu_ticks() {  # pid: CPU clock ticks used so far by it and its child processes (--processes)
  local total=0 stat
  for stat in /proc/[0-9]*/stat; do
    read -r -a f < "$stat" 2>/dev/null || continue
    # fields after the (comm): state=2 ppid=3 ... utime=13 stime=14 (0-based, comm without spaces)
    if [ "${f[0]}" = "$1" ] || [ "${f[3]}" = "$1" ]; then total=$((total + f[13] + f[14])); fi
  done
  echo "$total"
}

ghz_cores=1-$(( $(nproc) - 1 ))
[ "$(nproc)" -gt 1 ] || ghz_cores=0

measure() {  # label, server command...
  local label=$1; shift
  local port; port=$(free_port)
  "$@" --port "$port" >/dev/null 2>&1 &
  local pid=$!
  wait_port "$port"
  # warm-up, then the measured run
  taskset -c "$ghz_cores" timeout 60 "$bin/ghz" --insecure --proto proto/teams.proto --call Teams.GetTeam \
    -d '{"city":"Boston"}' -c "$in_flight" --connections 4 -z 2s "127.0.0.1:$port" >/dev/null
  local report before after
  before=$(cpu_ticks "$pid")
  report=$(taskset -c "$ghz_cores" timeout $((seconds + 60)) "$bin/ghz" --insecure --proto proto/teams.proto \
    --call Teams.GetTeam -d '{"city":"Boston"}' -c "$in_flight" --connections 4 -z "${seconds}s" \
    -O json "127.0.0.1:$port")
  after=$(cpu_ticks "$pid")
  kill -TERM "$pid"; wait "$pid" || true
  echo "$report" | "$venv/bin/python" -c '
import json, sys
r = json.load(sys.stdin)
errors = ", ".join(f"{code} {n}" for code, n in r.get("statusCodeDistribution", {}).items() if code != "OK")
p99 = next((l["latency"] for l in r.get("latencyDistribution") or [] if l["percentage"] == 99), 0) / 1e6
rps, mean = r["rps"], r["average"] / 1e6
cpu_us = (int(sys.argv[2]) / int(sys.argv[3])) / r["count"] * 1e6
print(f"| {sys.argv[1]} | {rps:.0f} | {cpu_us:.0f} us | {mean:.2f} ms | {p99:.2f} ms | {errors or 0} |")
' "$label" $((after - before)) "$(getconf CLK_TCK)"
}

echo "ghz $GHZ_VERSION, unary GetTeam, $in_flight in flight over 4 connections, ${seconds}s, $(nproc) cores, ghz on cores $ghz_cores"
echo
echo "| server | rps | server CPU per call | mean | p99 | not OK (the calls in flight when ghz stops) |"
echo "|---|---|---|---|---|---|"
measure "teams-server, 1 core" taskset -c 0 "$venv/bin/teams-server" --host 127.0.0.1 --drain-seconds 0
measure "bare grpcio servicer, 1 core" env PYTHONPATH="$stubs" taskset -c 0 "$venv/bin/python" ci/bare_teams_server.py
measure "teams-server --processes 2, unpinned" "$venv/bin/teams-server" --host 127.0.0.1 --drain-seconds 0 --processes 2
if [ -n "${OLD_TEAMS_SERVER:-}" ]; then
  measure "older teams-server (\$OLD_TEAMS_SERVER), 1 core" taskset -c 0 "$OLD_TEAMS_SERVER" --host 127.0.0.1
fi

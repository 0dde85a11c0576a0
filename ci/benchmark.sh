#!/usr/bin/env bash
# Measures the matrix's wall time on this machine: cold (nothing built) and warm (all built),
# natively and in containers. Prints a Markdown table for the README. Slow on purpose (cold
# builds); not part of the test suite. Usage: ci/benchmark.sh [native|docker|all]
set -euo pipefail
cd "$(dirname "$0")/.."
tiers=${1:-all}

clean_native() {  # every client's build outputs (untracked files) and the harness's stamps
  git clean -fdxq clients/ servers/
  rm -rf .interop/native .interop/stamps
}

clean_docker() {
  docker images --format '{{.Repository}}:{{.Tag}}' | grep '^teams-interop/.*:dev$' | xargs -r docker rmi -f >/dev/null
  docker image prune -f >/dev/null  # the classic builder's cache lives in dangling layers
}

measure() {  # label, command...
  local label=$1; shift
  local start end
  start=$(date +%s%N)
  "$@" > ".interop/benchmark-${label// /-}.log" 2>&1
  end=$(date +%s%N)
  local tenths=$(( (end - start) / 100000000 ))
  printf '| %s | %d.%d s |\n' "$label" $((tenths / 10)) $((tenths % 10))
}

./interop cases >/dev/null  # the harness venv itself is not part of the measurement
echo "| run ($(nproc) cores) | wall time |"
echo "| --- | --- |"
if [ "$tiers" = all ] || [ "$tiers" = native ]; then
  clean_native
  measure "native cold, every language" ./interop run
  for i in 1 2 3; do measure "native warm, every language ($i)" ./interop run; done
  for i in 1 2 3; do measure "native warm, python+go+node ($i)" ./interop run --languages python,go,node; done
fi
if [ "$tiers" = all ] || [ "$tiers" = docker ]; then
  clean_docker
  measure "docker cold, every language" ./interop run --backend docker
  for i in 1 2 3; do measure "docker warm, every language ($i)" ./interop run --backend docker; done
  for i in 1 2 3; do measure "docker warm, python+go+node ($i)" ./interop run --backend docker --languages python,go,node; done
fi
